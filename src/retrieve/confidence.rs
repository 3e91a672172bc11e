//! Confidence: the estimated probability that an entry is a right answer.
//!
//! Scores rank entries within one query but mean different things for
//! different queries and corpora. Confidence instead comes from a few
//! features that read the same everywhere ([`HitFeatures`]): how much of the
//! query's weight the entry matched, how far it leads the others, how much
//! of the query's information its question side and all its text cover,
//! how much of the spelling it shares, and how much of the query no entry
//! knows at all (「明日の天気」 in a bank's FAQ).
//!
//! Two logistic models ([`Calibration`]) map the features to probabilities:
//!
//! * `answer`: the probability that this entry answers the question — the
//!   confidence of every hit, and what decides a direct answer;
//! * `choices`: from the top hit's features, the probability that a
//!   relevant entry is among the top few — what decides between offering
//!   choices and saying honestly that nothing fits (「明日の天気」 gets no
//!   list of unrelated entries).
//!
//! Both are fitted by `madoguchi tune` on labelled dev queries of several
//! corpora (with cross-validation, see the README), so `0.9` reads "about
//! nine in ten such answers were right on queries nobody tuned on".
//! Operators can fit their own on their own labelled queries.

/// Features of one (query, entry) pair, each comparable across queries and
/// corpora.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HitFeatures {
    /// Score / the highest score the query could reach, in `[0, 1)`.
    pub score: f32,
    /// `(score − best other score) / score`: positive for the top entry (its
    /// margin), negative for the others (their distance below the top).
    pub lead: f32,
    /// IDF-weighted share of the query's words found anywhere in the entry.
    pub coverage: f32,
    /// IDF-weighted share of the query's words found on the entry's question
    /// side (question, alternatives, keywords).
    pub question_coverage: f32,
    /// Share of the query's reading bigrams found on the question side.
    pub bigram_coverage: f32,
    /// IDF-weighted share of the entry's representative question that the
    /// query's words cover: high when the customer said (nearly) what the
    /// question says.
    pub question_match: f32,
    /// `(score − best other score) / highest possible score`: the lead in
    /// absolute terms.
    pub gap: f32,
    /// IDF-weighted share of the query's words that no entry contains.
    pub unseen: f32,
    /// Number of content words in the query.
    pub words: f32,
}

/// Names of the model inputs, in order (for config files and reports).
pub const FEATURE_NAMES: [&str; 9] = [
    "score",
    "lead_coverage",
    "gap",
    "coverage",
    "question_coverage",
    "question_match",
    "bigram_coverage",
    "unseen",
    "log_words",
];

impl HitFeatures {
    /// The model inputs, in the order of [`FEATURE_NAMES`]. The lead enters
    /// only as `max(lead, 0) × coverage`: leading the others means little
    /// for an entry that shares no word with the query (a two-entry FAQ
    /// "leads" with any shared syllable).
    pub fn inputs(&self) -> [f32; 9] {
        [
            self.score,
            self.lead.max(0.0) * self.coverage,
            self.gap,
            self.coverage,
            self.question_coverage,
            self.question_match,
            self.bigram_coverage,
            self.unseen,
            (1.0 + self.words).ln(),
        ]
    }
}

/// A logistic model: `p = σ(bias + Σ weightᵢ · inputᵢ)`.
///
/// ```
/// use madoguchi::retrieve::{Calibration, HitFeatures};
/// let cal = Calibration::default().answer;
/// let strong = HitFeatures { score: 0.8, lead: 0.5, gap: 0.4, coverage: 1.0, question_coverage: 1.0,
///                            question_match: 0.9, bigram_coverage: 0.9, unseen: 0.0, words: 3.0 };
/// let weak = HitFeatures { score: 0.1, lead: 0.0, gap: 0.0, coverage: 0.3, question_coverage: 0.0,
///                          question_match: 0.1, bigram_coverage: 0.1, unseen: 0.6, words: 3.0 };
/// assert!(cal.probability(&strong) > cal.probability(&weak));
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logistic {
    /// Intercept.
    pub bias: f32,
    /// One weight per input, named as in [`FEATURE_NAMES`].
    pub weights: std::collections::BTreeMap<String, f32>,
}

/// The two confidence models.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// P(this entry answers the question), from the entry's features.
    pub answer: Logistic,
    /// P(a relevant entry is among the top choices), from the top hit's
    /// features.
    pub choices: Logistic,
}

impl Default for Calibration {
    /// The bundled models (see [`crate::config::Config::bundled`]).
    fn default() -> Self {
        crate::config::Config::bundled().calibration.clone()
    }
}

impl Calibration {
    /// Checks both models.
    pub fn validate(&self) -> Result<(), String> {
        self.answer.validate().map_err(|e| format!("answer: {e}"))?;
        self.choices.validate().map_err(|e| format!("choices: {e}"))
    }
}

impl Logistic {
    /// A model from a weight vector in [`FEATURE_NAMES`] order.
    pub fn from_vector(bias: f32, weights: &[f32]) -> Self {
        Logistic {
            bias,
            weights: FEATURE_NAMES.iter().zip(weights).map(|(n, w)| (n.to_string(), *w)).collect(),
        }
    }

    /// The weights in [`FEATURE_NAMES`] order (missing names count 0).
    pub fn vector(&self) -> [f32; 9] {
        let mut out = [0.0; 9];
        for (o, n) in out.iter_mut().zip(FEATURE_NAMES) {
            *o = self.weights.get(n).copied().unwrap_or(0.0);
        }
        out
    }

    /// Checks names and values.
    pub fn validate(&self) -> Result<(), String> {
        let unknown: Vec<&String> = self.weights.keys().filter(|k| !FEATURE_NAMES.contains(&k.as_str())).collect();
        if !unknown.is_empty() {
            return Err(format!("unknown calibration feature(s) {unknown:?}; known: {FEATURE_NAMES:?}"));
        }
        if !self.bias.is_finite() || self.weights.values().any(|w| !w.is_finite()) {
            return Err("calibration weights must be finite numbers".into());
        }
        Ok(())
    }

    /// The probability that the entry is right.
    pub fn probability(&self, f: &HitFeatures) -> f32 {
        Dense::from(self).probability(f)
    }
}

/// A [`Logistic`] with its weights laid out in input order: what a
/// retriever scores every hit with, instead of looking nine names up in a
/// map per hit.
///
/// ```
/// use madoguchi::retrieve::{Dense, HitFeatures, Logistic};
/// let model = Logistic::from_vector(-1.0, &[0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
/// let f = HitFeatures { coverage: 0.9, lead: 0.5, ..HitFeatures::default() };
/// assert_eq!(Dense::from(&model).probability(&f), model.probability(&f));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Dense {
    /// Intercept.
    pub bias: f32,
    /// Weights in [`FEATURE_NAMES`] order.
    pub weights: [f32; 9],
}

impl From<&Logistic> for Dense {
    fn from(model: &Logistic) -> Self {
        Dense { bias: model.bias, weights: model.vector() }
    }
}

impl Dense {
    /// The probability that the entry is right.
    pub fn probability(&self, f: &HitFeatures) -> f32 {
        let z: f32 = self.bias + self.weights.iter().zip(f.inputs()).map(|(w, x)| w * x).sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }
}
