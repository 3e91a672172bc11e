//! A small statistical harassment classifier: logistic regression over the
//! character 1–3-grams of the folded message.
//!
//! The weights are data (`dictionaries/harassment-model.json`), written by
//! `cargo run --release --example train_harassment`, which also reports
//! cross-validated precision and recall. Each message is scored by
//! `sigmoid(bias + Σ weight(g) / √n)` over its `n` distinct n-grams, so long
//! and short messages are on one scale.
//!
//! ```
//! use madoguchi::decide::harassment::Classifier;
//! let rows = vec![("ばかやろう".to_string(), true, 1.0), ("ありがとう".to_string(), false, 1.0)];
//! let model = Classifier::train(&rows, &madoguchi::decide::harassment::TrainOptions { min_count: 1, ..Default::default() });
//! assert!(model.probability("ばかやろう") > model.probability("ありがとう"));
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

const BUNDLED_MODEL: &str = include_str!("../../../dictionaries/harassment-model.json");
const BUNDLED_PATH: &str = "dictionaries/harassment-model.json";

/// The model as stored: n-gram → weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classifier {
    /// How the weights were made (data, command, date); free text.
    #[serde(default)]
    pub description: String,
    /// Longest n-gram (characters).
    pub max_n: usize,
    /// Intercept.
    pub bias: f32,
    /// Weight of each n-gram of the folded text; absent n-grams weigh 0.
    pub weights: BTreeMap<String, f32>,
    #[serde(skip)]
    lookup: OnceLock<HashMap<String, f32>>,
}

/// Training settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Longest n-gram.
    pub max_n: usize,
    /// Keep n-grams seen in at least this many training rows.
    pub min_count: usize,
    /// L2 penalty.
    pub l2: f32,
    /// Gradient steps (Adam, full batch).
    pub steps: usize,
    /// Adam step size.
    pub learning_rate: f32,
    /// Round stored weights to this many decimals (smaller file).
    pub decimals: i32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { max_n: 3, min_count: 2, l2: 1e-4, steps: 400, learning_rate: 0.05, decimals: 3 }
    }
}

/// The distinct character n-grams (1..=`max_n`) of a folded text, skipping
/// n-grams made only of spaces and punctuation.
pub fn ngrams(folded: &str, max_n: usize) -> Vec<String> {
    let chars: Vec<char> = folded.chars().collect();
    let mut out: Vec<String> = Vec::with_capacity(chars.len() * max_n);
    for n in 1..=max_n {
        for w in chars.windows(n) {
            if w.iter().all(|c| !c.is_alphanumeric()) {
                continue;
            }
            out.push(w.iter().collect());
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl Classifier {
    /// The bundled model, parsed once per process.
    pub fn bundled() -> Result<Arc<Classifier>> {
        static MODEL: OnceLock<Arc<Classifier>> = OnceLock::new();
        if let Some(m) = MODEL.get() {
            return Ok(m.clone());
        }
        let m = Arc::new(Classifier::from_json_str(BUNDLED_MODEL, BUNDLED_PATH)?);
        Ok(MODEL.get_or_init(|| m).clone())
    }

    /// Reads a model file.
    pub fn load(path: impl AsRef<Path>) -> Result<Classifier> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Classifier::from_json_str(&text, path)
    }

    /// Parses a model; errors name `path` and the line.
    pub fn from_json_str(text: &str, path: impl AsRef<Path>) -> Result<Classifier> {
        let m: Classifier = serde_json::from_str(text).map_err(|e| Error::Resource {
            path: path.as_ref().into(),
            line: e.line(),
            message: e.to_string(),
        })?;
        if m.max_n == 0 || m.max_n > 8 || !m.bias.is_finite() || m.weights.values().any(|w| !w.is_finite()) {
            return Err(Error::Resource {
                path: path.as_ref().into(),
                line: 0,
                message: "model: max_n must be 1..=8 and every weight finite".into(),
            });
        }
        Ok(m)
    }

    fn table(&self) -> &HashMap<String, f32> {
        self.lookup.get_or_init(|| self.weights.iter().map(|(k, v)| (k.clone(), *v)).collect())
    }

    /// Probability in [0, 1] that the folded message is abusive.
    pub fn probability(&self, folded: &str) -> f32 {
        let grams = ngrams(folded, self.max_n);
        if grams.is_empty() {
            return sigmoid(self.bias);
        }
        let table = self.table();
        let sum: f32 = grams.iter().filter_map(|g| table.get(g)).sum();
        sigmoid(self.bias + sum / (grams.len() as f32).sqrt())
    }

    /// Fits a model on folded texts with labels and row weights
    /// (deterministic: same rows, same model).
    pub fn train(rows: &[(String, bool, f32)], opts: &TrainOptions) -> Classifier {
        // Vocabulary: n-grams seen in at least min_count rows.
        let grams: Vec<Vec<String>> = rows.iter().map(|(t, _, _)| ngrams(t, opts.max_n)).collect();
        let mut df: HashMap<&str, usize> = HashMap::new();
        for g in &grams {
            for x in g {
                *df.entry(x.as_str()).or_default() += 1;
            }
        }
        let mut vocab: Vec<&str> = df.iter().filter(|(_, c)| **c >= opts.min_count).map(|(k, _)| *k).collect();
        vocab.sort_unstable();
        let index: HashMap<&str, usize> = vocab.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let xs: Vec<(Vec<usize>, f32)> = grams
            .iter()
            .map(|g| (g.iter().filter_map(|x| index.get(x.as_str()).copied()).collect(), 1.0 / (g.len().max(1) as f32).sqrt()))
            .collect();
        let total: f32 = rows.iter().map(|r| r.2).sum::<f32>().max(f32::MIN_POSITIVE);

        let d = vocab.len();
        let (mut w, mut b) = (vec![0f32; d], 0f32);
        let (mut m, mut v) = (vec![0f32; d + 1], vec![0f32; d + 1]);
        let (beta1, beta2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        let mut grad = vec![0f32; d + 1];
        for step in 1..=opts.steps {
            grad.iter_mut().for_each(|g| *g = 0.0);
            for ((feats, scale), (_, y, rw)) in xs.iter().zip(rows) {
                let z = b + feats.iter().map(|&j| w[j]).sum::<f32>() * scale;
                let err = (sigmoid(z) - if *y { 1.0 } else { 0.0 }) * rw / total;
                for &j in feats {
                    grad[j] += err * scale;
                }
                grad[d] += err;
            }
            for j in 0..d {
                grad[j] += opts.l2 * w[j];
            }
            let (c1, c2) = (1.0 - beta1.powi(step as i32), 1.0 - beta2.powi(step as i32));
            for j in 0..=d {
                m[j] = beta1 * m[j] + (1.0 - beta1) * grad[j];
                v[j] = beta2 * v[j] + (1.0 - beta2) * grad[j] * grad[j];
                let delta = opts.learning_rate * (m[j] / c1) / ((v[j] / c2).sqrt() + eps);
                if j == d {
                    b -= delta;
                } else {
                    w[j] -= delta;
                }
            }
        }
        let scale = 10f32.powi(opts.decimals);
        let round = |x: f32| (x * scale).round() / scale;
        let weights = vocab
            .iter()
            .zip(&w)
            .map(|(k, x)| (k.to_string(), round(*x)))
            .filter(|(_, x)| *x != 0.0)
            .collect();
        Classifier { description: String::new(), max_n: opts.max_n, bias: round(b), weights, lookup: OnceLock::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ngrams_skip_punctuation() {
        assert_eq!(ngrams("あい!", 2), ["あ", "あい", "い", "い!"]);
    }

    #[test]
    fn bad_model_is_an_error() {
        let err = Classifier::from_json_str("{\"max_n\": 0, \"bias\": 0, \"weights\": {}}", "m.json").unwrap_err();
        assert!(err.to_string().contains("m.json"), "{err}");
        assert!(Classifier::from_json_str("{\"max_n\": 3,\n \"bias\": 0, \"wieghts\": {}}", "m.json").is_err());
    }

    #[test]
    fn training_separates_the_classes() {
        let rows: Vec<(String, bool, f32)> = [("ばかやろう", true), ("くそやろう", true), ("ありがとう", false), ("よろしく", false)]
            .iter()
            .map(|(t, y)| (t.to_string(), *y, 1.0))
            .collect();
        let m = Classifier::train(&rows, &TrainOptions { min_count: 1, ..Default::default() });
        assert!(m.probability("ばかやろう") > 0.5);
        assert!(m.probability("ありがとう") < 0.5);
        let json = serde_json::to_string(&m).unwrap();
        let back = Classifier::from_json_str(&json, "m.json").unwrap();
        assert_eq!(back.probability("やろう"), m.probability("やろう"));
    }
}
