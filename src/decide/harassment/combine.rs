//! How the layers combine into harassment hits.
//!
//! 1. **Rules** (`harassment` group of the rule file): threats, doxxing,
//!    土下座 and money demands, dismissal demands, exposure threats,
//!    discrimination — each hit counts as it is.
//! 2. **Lexicon words without `needs_aim`** (クソ野郎, slurs, explicit sexual
//!    terms) count wherever they stand on morpheme boundaries.
//! 3. **Lexicon words with `needs_aim`** (バカ, クズ, キモい …) count when the
//!    message is aimed at staff or the company (an aim word such as お前,
//!    担当者, 御社) or the classifier's probability reaches `with_word`.
//! 4. **The classifier alone** counts (as `verbal_abuse`, minor) at `aimed`
//!    when the message is aimed, or at `alone` without an aim.
//!
//! The thresholds are data: `policy.harassment.model` in the rule file.

use serde::{Deserialize, Serialize};

use super::lexicon::{Lexicon, LexiconHit};
use crate::decide::rules::{HarassmentCategory, HarassmentHit, Severity};

/// Classifier thresholds (probabilities in [0, 1]; above 1 disables a path).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelThresholds {
    /// Flag on the classifier alone, with no aim and no lexicon word.
    pub alone: f32,
    /// Flag on the classifier when the message is aimed at staff or the company.
    pub aimed: f32,
    /// Let a `needs_aim` lexicon word count without an aim.
    pub with_word: f32,
}

impl Default for ModelThresholds {
    fn default() -> Self {
        ModelThresholds { alone: 0.97, aimed: 0.95, with_word: 0.7 }
    }
}

/// Rule id reported for a classifier-only hit.
pub const MODEL_RULE_ID: &str = "model.harassment";

/// Adds the lexicon and classifier hits to `hits` (the rule hits).
pub fn combine(
    hits: &mut Vec<HarassmentHit>,
    lexicon: &Lexicon,
    words: &[LexiconHit],
    aim: Option<&str>,
    probability: Option<f32>,
    th: &ModelThresholds,
) {
    let p = probability.unwrap_or(0.0);
    let mut word_hit = false;
    for w in words {
        let e = &lexicon.entries()[w.entry];
        if e.needs_aim && aim.is_none() && p < th.with_word {
            continue;
        }
        word_hit = true;
        if !hits.iter().any(|h| h.rule_id == e.id) {
            hits.push(HarassmentHit { rule_id: e.id.clone(), category: e.category, severity: e.severity, matched: w.word.clone() });
        }
    }
    if hits.is_empty() && !word_hit && probability.is_some() {
        let limit = if aim.is_some() { th.aimed } else { th.alone };
        if p >= limit {
            hits.push(HarassmentHit {
                rule_id: MODEL_RULE_ID.into(),
                category: HarassmentCategory::VerbalAbuse,
                severity: Severity::Minor,
                matched: aim.unwrap_or_default().to_string(),
            });
        }
    }
}
