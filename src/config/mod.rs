//! The retrieval configuration: ranking parameters, the confidence model and
//! the answer/clarify thresholds, in one JSON file.
//!
//! The bundled file (`dictionaries/config.json`) was written by
//! `madoguchi tune` from the dev sets of two corpora; an operator who has
//! labelled queries of their own writes theirs with
//! `madoguchi tune --corpus DIR --cases FILE --out my-config.json` and passes
//! it to `chat`, `ask`, `eval` and `serve` with `--config`.
//!
//! ```
//! use madoguchi::config::Config;
//! let c = Config::bundled();
//! assert!(c.thresholds.answer > c.thresholds.clarify);
//! let err = Config::from_json_str(r#"{"thresholds": {"answer": 2}}"#, "c.json").unwrap_err();
//! assert!(err.to_string().contains("c.json"));
//! ```

use std::path::Path;
use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::retrieve::{Calibration, RankingParams};

const BUNDLED_JSON: &str = include_str!("../../dictionaries/config.json");
const BUNDLED_PATH: &str = "dictionaries/config.json";

/// When to answer, offer choices, or say nothing fits, on the calibrated
/// confidences.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Answer directly when the top entry's confidence is at least this.
    pub answer: f32,
    /// Otherwise offer choices when the choices confidence (a relevant
    /// entry is among them) is at least this; below it, say honestly that
    /// nothing fits.
    pub choices: f32,
    /// Offer an entry as a choice only if its own confidence is at least
    /// this.
    pub clarify: f32,
}

/// What `madoguchi tune` measured when it wrote the file (informational).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    /// How the file was made (command, data).
    #[serde(default)]
    pub made_by: String,
    /// Figures measured while fitting, by name.
    #[serde(default)]
    pub figures: std::collections::BTreeMap<String, f64>,
}

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Free text, ignored.
    #[serde(rename = "_doc", default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
    /// Ranking parameters.
    pub ranking: RankingParams,
    /// The confidence model.
    pub calibration: Calibration,
    /// Decision thresholds on the confidence.
    pub thresholds: Thresholds,
    /// How it was made.
    #[serde(default)]
    pub provenance: Provenance,
}

impl Config {
    /// The bundled configuration, parsed once per process.
    pub fn bundled() -> &'static Config {
        static BUNDLED: OnceLock<Config> = OnceLock::new();
        // The file is compiled in and checked by a unit test, so a failure
        // here is a build defect, not bad input.
        BUNDLED.get_or_init(|| {
            Config::from_json_str(BUNDLED_JSON, BUNDLED_PATH).expect("bundled dictionaries/config.json is valid")
        })
    }

    /// Reads and validates a configuration file.
    pub fn load(path: impl AsRef<Path>) -> Result<Config> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_json_str(&text, path)
    }

    /// Parses and validates JSON; `path` names the source in errors.
    pub fn from_json_str(text: &str, path: impl AsRef<Path>) -> Result<Config> {
        let path = path.as_ref();
        let config: Config = serde_json::from_str(text).map_err(|e| Error::Resource {
            path: path.into(),
            line: e.line(),
            message: e.to_string(),
        })?;
        config.validate().map_err(|message| Error::Resource { path: path.into(), line: 0, message })?;
        Ok(config)
    }

    /// Checks every value; all problems in one message.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let mut problems = Vec::new();
        if let Err(e) = self.ranking.validate() {
            problems.push(format!("ranking: {e}"));
        }
        if let Err(e) = self.calibration.validate() {
            problems.push(format!("calibration: {e}"));
        }
        let t = self.thresholds;
        if [t.answer, t.choices, t.clarify].iter().any(|v| !(0.0..=1.0).contains(v)) {
            problems.push(format!(
                "thresholds must be in [0, 1] (answer {}, choices {}, clarify {})",
                t.answer, t.choices, t.clarify
            ));
        } else if t.clarify > t.answer {
            problems.push(format!("thresholds: clarify {} is above answer {}", t.clarify, t.answer));
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }

    /// Pretty JSON, as `tune` writes it.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
