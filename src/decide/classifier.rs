//! A small statistical text classifier shared by the decision layers:
//! logistic regression over the features of the folded message — character
//! 1–`max_n`-grams, and, when the model says so, the words of the Lindera
//! analysis (unigrams `w:…` and bigrams `b:…`) and the harassment lexicon's
//! evidence (`#lex:<entry id>` for each lexicon word found, `#aim` when the
//! message addresses staff).
//!
//! Two models use it, each with its weights as data and a reproducible
//! trainer that cross-validates it:
//!
//! * harassment ([`Bundled::Harassment`], `dictionaries/harassment-model.json`,
//!   `cargo run --release --example train_harassment`): characters, words and
//!   lexicon evidence;
//! * urgent situations ([`Bundled::Urgent`], `dictionaries/urgent-model.json`,
//!   `cargo run --release --example train_urgent`): characters only, so that
//!   it also scores two turns joined together, which have no analysis.
//!
//! Each message is scored by `z = bias + Σ weight(f) / √n` over its `n`
//! distinct features, so long and short messages are on one scale; a model
//! with `calibration = [a, b]` reports `sigmoid(a·z + b)`, fitted on
//! out-of-fold scores (Platt scaling) so that thresholds mean the same from
//! one model to the next.
//!
//! ```
//! use madoguchi::decide::classifier::{Classifier, TrainOptions};
//! let rows = vec![("ばかやろう".to_string(), true, 1.0), ("ありがとう".to_string(), false, 1.0)];
//! let model = Classifier::train(&rows, &TrainOptions { min_count: 1, ..Default::default() });
//! assert!(model.probability("ばかやろう") > model.probability("ありがとう"));
//! ```

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use super::weights::Weights;

/// The models bundled with the library (parsed once per process).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bundled {
    /// `dictionaries/harassment-model.json`: is the message abusive?
    Harassment,
    /// `dictionaries/urgent-model.json`: does the message tell an urgent
    /// situation (lost or stolen card or phone, fraud, takeover …)?
    Urgent,
}

impl Bundled {
    /// The file the weights were read from, for error messages.
    pub fn path(self) -> &'static str {
        match self {
            Bundled::Harassment => "dictionaries/harassment-model.json",
            Bundled::Urgent => "dictionaries/urgent-model.json",
        }
    }

    fn json(self) -> &'static str {
        match self {
            Bundled::Harassment => include_str!("../../dictionaries/harassment-model.json"),
            Bundled::Urgent => include_str!("../../dictionaries/urgent-model.json"),
        }
    }
}

/// The model as stored: n-gram → weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classifier {
    /// How the weights were made (data, command, date); free text.
    #[serde(default)]
    pub description: String,
    /// Longest n-gram (characters).
    pub max_n: usize,
    /// Also use the words of the analysis (unigrams and bigrams).
    #[serde(default)]
    pub words: bool,
    /// Also use the lexicon's evidence (`#lex:<id>`, `#aim`).
    #[serde(default)]
    pub lexicon: bool,
    /// Platt scaling `[a, b]` of the raw score: `p = sigmoid(a·z + b)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<[f32; 2]>,
    /// Intercept.
    pub bias: f32,
    /// Weight of each n-gram of the folded text; absent n-grams weigh 0.
    pub weights: Weights,
    #[serde(skip)]
    hashed: OnceLock<HashedWeights>,
}

/// Training settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Longest n-gram.
    pub max_n: usize,
    /// Add word unigrams and bigrams of the analysis.
    pub words: bool,
    /// Add the lexicon's evidence.
    pub lexicon: bool,
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
        TrainOptions { max_n: 3, words: false, lexicon: false, min_count: 2, l2: 1e-4, steps: 400, learning_rate: 0.05, decimals: 3 }
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

/// What a message offers the classifier besides its characters: the words
/// of its analysis and the lexicon's evidence (see [`Classifier::features`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// The folded message cut at morpheme boundaries.
    pub words: Vec<String>,
    /// Ids of the lexicon entries whose words were found (one per word).
    pub lexicon: Vec<String>,
    /// True when an aim word (お前, 担当者 …) was found.
    pub aimed: bool,
}

/// The features of a folded message for a model with these settings.
pub fn features(folded: &str, evidence: &Evidence, max_n: usize, words: bool, lexicon: bool) -> Vec<String> {
    let mut out = ngrams(folded, max_n);
    if words {
        let ws: Vec<&str> =
            evidence.words.iter().map(|w| w.trim()).filter(|w| w.chars().any(crate::normalize::is_alphanumeric)).collect();
        out.extend(ws.iter().map(|w| format!("w:{w}")));
        out.extend(ws.windows(2).map(|p| format!("b:{}|{}", p[0], p[1])));
    }
    if lexicon {
        out.extend(evidence.lexicon.iter().map(|id| format!("#lex:{id}")));
        if evidence.aimed {
            out.push("#aim".into());
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Per-thread buffers for scoring one message.
#[derive(Default)]
struct FeatureScratch {
    text: String,
    spans: Vec<(u32, u32)>,
    hashes: Vec<u64>,
    /// Byte offset of each character and whether it is a letter or digit.
    alnum: Vec<(u32, bool)>,
}

/// FNV-1a: fast on the short keys of a message, and stable across runs.
use crate::fnv::hash as key_hash;

/// The weights keyed by [`key_hash`], sorted, with a bucket index over the
/// top bits: 12 bytes a key where a `HashMap` (power-of-two buckets, at most
/// 7/8 full) took about 30 — 1 MB less for the two bundled models — and a
/// lookup is a few comparisons in one bucket of about four keys.
#[derive(Debug, Clone, Default, PartialEq)]
struct HashedWeights {
    /// `starts[b]..starts[b + 1]`: the keys of bucket `b`.
    starts: Vec<u32>,
    /// Mixed keys ([`mix`]), ascending; the bucket is their top `bits`.
    keys: Vec<u64>,
    values: Vec<f32>,
    bits: u32,
}

/// FNV's low bits depend on the bytes' low bits alone: fold the high bits
/// in and multiply (a bijection, so distinct keys stay distinct).
fn mix(h: u64) -> u64 {
    (h ^ (h >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl HashedWeights {
    fn new(weights: &Weights) -> Self {
        let mut pairs: Vec<(u64, f32)> = weights.iter().map(|(k, w)| (mix(key_hash(k.as_bytes())), w)).collect();
        pairs.sort_unstable_by_key(|p| p.0);
        // Equal hashes (vanishingly unlikely) merge their weights.
        let mut merged: Vec<(u64, f32)> = Vec::with_capacity(pairs.len());
        for (k, w) in pairs {
            match merged.last_mut() {
                Some(last) if last.0 == k => last.1 += w,
                _ => merged.push((k, w)),
            }
        }
        let bits = (merged.len() / 4).max(1).ilog2().clamp(1, 24);
        let mut starts = vec![0u32; (1usize << bits) + 1];
        for (k, _) in &merged {
            starts[(k >> (64 - bits)) as usize + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        let (keys, values) = merged.into_iter().unzip();
        HashedWeights { starts, keys, values, bits }
    }

    fn get(&self, hash: u64) -> Option<f32> {
        let key = mix(hash);
        let b = (key >> (64 - self.bits)) as usize;
        let (lo, hi) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        self.keys[lo..hi].iter().position(|k| *k == key).map(|i| self.values[lo + i])
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<FeatureScratch> = std::cell::RefCell::new(FeatureScratch::default());
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl Classifier {
    /// A bundled model, parsed once per process.
    pub fn bundled(which: Bundled) -> Result<Arc<Classifier>> {
        static HARASSMENT: OnceLock<Arc<Classifier>> = OnceLock::new();
        static URGENT: OnceLock<Arc<Classifier>> = OnceLock::new();
        let cell = match which {
            Bundled::Harassment => &HARASSMENT,
            Bundled::Urgent => &URGENT,
        };
        if let Some(m) = cell.get() {
            return Ok(m.clone());
        }
        let m = Arc::new(Classifier::from_json_str(which.json(), which.path())?);
        Ok(cell.get_or_init(|| m).clone())
    }

    /// Reads a model file.
    pub fn load(path: impl AsRef<Path>) -> Result<Classifier> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Classifier::from_json_str(&text, path)
    }

    /// Writes the model as one line of JSON (what [`Classifier::load`] reads).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let json = serde_json::to_string(self).map_err(|e| Error::InvalidInput(format!("model: {e}")))?;
        std::fs::write(path, json + "\n").map_err(|e| Error::io(path, e))
    }

    /// Parses a model; errors name `path` and the line.
    pub fn from_json_str(text: &str, path: impl AsRef<Path>) -> Result<Classifier> {
        let m: Classifier = serde_json::from_str(text).map_err(|e| Error::Resource {
            path: path.as_ref().into(),
            line: e.line(),
            message: e.to_string(),
        })?;
        let calibration_ok = m.calibration.is_none_or(|c| c.iter().all(|x| x.is_finite()) && c[0] > 0.0);
        if m.max_n == 0 || m.max_n > 8 || !m.bias.is_finite() || m.weights.values().any(|w| !w.is_finite()) || !calibration_ok {
            return Err(Error::Resource {
                path: path.as_ref().into(),
                line: 0,
                message: "model: max_n must be 1..=8, every weight finite, calibration [a > 0, b]".into(),
            });
        }
        Ok(m)
    }

    /// Probability in [0, 1] that the folded message is in the positive
    /// class (abusive, urgent …), from its characters alone (a model
    /// trained with words or lexicon features scores them as absent; use
    /// [`Classifier::probability_with`]).
    pub fn probability(&self, folded: &str) -> f32 {
        self.probability_with(folded, &Evidence::default())
    }

    /// Probability in [0, 1] that the folded message is in the positive
    /// class, given the words of its analysis and the lexicon's evidence.
    /// Gives `score(&features(…))` (up to float rounding), but hashes the
    /// feature keys built in a reused per-thread buffer instead of sorting
    /// one `String` each: this runs on every turn.
    pub fn probability_with(&self, folded: &str, evidence: &Evidence) -> f32 {
        SCRATCH.with(|cell| {
            let mut scratch = cell.borrow_mut();
            let FeatureScratch { text, spans, hashes, alnum } = &mut *scratch;
            self.feature_spans(folded, evidence, text, spans, alnum);
            hashes.clear();
            hashes.extend(spans.iter().map(|r| key_hash(&text.as_bytes()[r.0 as usize..r.1 as usize])));
            hashes.sort_unstable();
            hashes.dedup();
            let z = if hashes.is_empty() {
                self.bias
            } else {
                let table = self.hashed();
                let sum: f32 = hashes.iter().filter_map(|h| table.get(*h)).sum();
                self.bias + sum / (hashes.len() as f32).sqrt()
            };
            self.calibrated(z)
        })
    }

    /// The same keys as [`features`], as byte ranges of `text` (not yet
    /// deduplicated).
    fn feature_spans(
        &self,
        folded: &str,
        evidence: &Evidence,
        text: &mut String,
        spans: &mut Vec<(u32, u32)>,
        alnum: &mut Vec<(u32, bool)>,
    ) {
        text.clear();
        spans.clear();
        alnum.clear();
        text.push_str(folded);
        // Character n-grams are substrings of the text itself.
        alnum.extend(folded.char_indices().map(|(i, c)| (i as u32, crate::normalize::is_alphanumeric(c))));
        alnum.push((folded.len() as u32, false));
        let chars = alnum.len() - 1;
        for n in 1..=self.max_n.min(chars) {
            for i in 0..=chars - n {
                if alnum[i..i + n].iter().any(|a| a.1) {
                    spans.push((alnum[i].0, alnum[i + n].0));
                }
            }
        }
        let mut push = |text: &mut String, parts: &[&str]| {
            let start = text.len();
            for p in parts {
                text.push_str(p);
            }
            spans.push((start as u32, text.len() as u32));
        };
        if self.words {
            let mut previous: Option<&str> = None;
            for w in evidence.words.iter().map(|w| w.trim()).filter(|w| w.chars().any(crate::normalize::is_alphanumeric)) {
                push(text, &["w:", w]);
                if let Some(p) = previous {
                    push(text, &["b:", p, "|", w]);
                }
                previous = Some(w);
            }
        }
        if self.lexicon {
            for id in &evidence.lexicon {
                push(text, &["#lex:", id]);
            }
            if evidence.aimed {
                push(text, &["#aim"]);
            }
        }
    }

    /// The weights keyed by [`key_hash`] (64-bit: a collision among the
    /// model's keys is vanishingly unlikely, and would only merge two weights).
    fn hashed(&self) -> &HashedWeights {
        self.hashed.get_or_init(|| HashedWeights::new(&self.weights))
    }

    fn calibrated(&self, z: f32) -> f32 {
        match self.calibration {
            Some([a, b]) => sigmoid(a * z + b),
            None => sigmoid(z),
        }
    }

    /// The features this model reads in a message.
    pub fn features(&self, folded: &str, evidence: &Evidence) -> Vec<String> {
        features(folded, evidence, self.max_n, self.words, self.lexicon)
    }

    /// Probability for a feature list (see [`features`]).
    pub fn score(&self, feats: &[String]) -> f32 {
        self.calibrated(self.raw(feats))
    }

    /// The uncalibrated score `z` (log-odds before Platt scaling).
    pub fn raw(&self, feats: &[String]) -> f32 {
        if feats.is_empty() {
            return self.bias;
        }
        let table = self.hashed();
        let sum: f32 = feats.iter().filter_map(|g| table.get(key_hash(g.as_bytes()))).sum();
        self.bias + sum / (feats.len() as f32).sqrt()
    }

    /// Fits a model on folded texts with labels and row weights, from
    /// their characters (deterministic: same rows, same model).
    pub fn train(rows: &[(String, bool, f32)], opts: &TrainOptions) -> Classifier {
        let none = Evidence::default();
        let rows: Vec<(Vec<String>, bool, f32)> =
            rows.iter().map(|(t, y, w)| (features(t, &none, opts.max_n, false, false), *y, *w)).collect();
        Classifier::train_features(&rows, &TrainOptions { words: false, lexicon: false, ..*opts })
    }

    /// Fits a model on feature lists (see [`features`]; `opts.words` and
    /// `opts.lexicon` must say which were used) with labels and row weights.
    pub fn train_features(rows: &[(Vec<String>, bool, f32)], opts: &TrainOptions) -> Classifier {
        // Vocabulary: features seen in at least min_count rows.
        let grams: Vec<&Vec<String>> = rows.iter().map(|(g, _, _)| g).collect();
        let mut df: HashMap<&str, usize> = HashMap::new();
        for g in &grams {
            for x in g.iter() {
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
            .map(|(k, x)| (*k, round(*x)))
            .filter(|(_, x)| *x != 0.0)
            .collect();
        Classifier {
            description: String::new(),
            max_n: opts.max_n,
            words: opts.words,
            lexicon: opts.lexicon,
            calibration: None,
            bias: round(b),
            weights,
            hashed: OnceLock::new(),
        }
    }

    /// Fits Platt scaling `[a, b]` on raw scores and labels (out-of-fold
    /// scores: a model's own training rows would make it overconfident), by
    /// Newton steps on the weighted log-loss with Platt's target smoothing.
    pub fn fit_calibration(scores: &[(f32, bool, f32)]) -> [f32; 2] {
        let pos: f64 = scores.iter().filter(|s| s.1).map(|s| s.2 as f64).sum();
        let neg: f64 = scores.iter().filter(|s| !s.1).map(|s| s.2 as f64).sum();
        let (hi, lo) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
        let (mut a, mut b) = (1.0f64, 0.0f64);
        for _ in 0..100 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
            for &(z, y, w) in scores {
                let (z, w) = (z as f64, w as f64);
                let t = if y { hi } else { lo };
                let p = 1.0 / (1.0 + (-(a * z + b)).exp());
                let d = (p - t) * w;
                ga += d * z;
                gb += d;
                let h = p * (1.0 - p) * w;
                haa += h * z * z;
                hab += h * z;
                hbb += h;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-12 {
                break;
            }
            let (da, db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
            a -= da;
            b -= db;
            if da.abs() < 1e-7 && db.abs() < 1e-7 {
                break;
            }
        }
        [a.max(1e-3) as f32, b as f32]
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
    fn fast_scoring_equals_scoring_the_feature_list() {
        let rows = [
            ("ばかやろう、ふざけるな".to_string(), true, 1.0),
            ("ありがとうございました".to_string(), false, 1.0),
            ("ばかにしないでください".to_string(), false, 1.0),
        ];
        for (words, lexicon) in [(false, false), (true, true)] {
            let opts = TrainOptions { min_count: 1, words, lexicon, ..Default::default() };
            let feats: Vec<(Vec<String>, bool, f32)> = rows
                .iter()
                .map(|(t, y, w)| {
                    let ev = Evidence { words: vec!["ばか".into(), "やろう".into()], lexicon: vec!["insult".into()], aimed: true };
                    (features(t, &ev, opts.max_n, words, lexicon), *y, *w)
                })
                .collect();
            let model = Classifier::train_features(&feats, &opts);
            for text in ["ばかやろう、ふざけるな", "ありがとう", "", "。。", "ばかばか ばか"] {
                let ev = Evidence { words: vec!["ばか".into(), " やろう".into(), "ばか".into(), "。".into()], lexicon: vec!["insult".into(), "insult".into()], aimed: true };
                let slow = model.score(&model.features(text, &ev));
                assert!((model.probability_with(text, &ev) - slow).abs() < 1e-6, "{text}");
            }
        }
    }

    #[test]
    fn hashed_table_finds_every_weight_and_nothing_else() {
        for which in [Bundled::Harassment, Bundled::Urgent] {
            let model = Classifier::bundled(which).unwrap();
            let table = HashedWeights::new(&model.weights);
            assert!(model.weights.len() > 1000);
            for (k, w) in model.weights.iter() {
                assert_eq!(table.get(key_hash(k.as_bytes())), Some(w), "{k}");
            }
            for absent in ["", "存在しない特徴", "w:ありえない語", "#lex:none"] {
                assert_eq!(table.get(key_hash(absent.as_bytes())), model.weights.get(absent), "{absent}");
            }
        }
        assert_eq!(HashedWeights::new(&Weights::default()).get(key_hash(b"a")), None);
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
        let path = std::env::temp_dir().join(format!("madoguchi-model-{}.json", std::process::id()));
        m.save(&path).unwrap();
        let loaded = Classifier::load(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!((&loaded.weights, loaded.bias, loaded.max_n), (&m.weights, m.bias, m.max_n));
        assert_eq!(loaded.probability("やろう"), m.probability("やろう"));
    }
}
