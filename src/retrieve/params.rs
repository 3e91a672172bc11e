//! Ranking parameters: BM25F field weights and length normalization, and the
//! weights of the query's alternative forms (readings, spelling variants,
//! synonyms, reading bigrams).
//!
//! The defaults were chosen by `madoguchi tune` over the dev sets of two
//! corpora at once (the bundled FAQ with rich alternative phrasings, and a
//! city-office FAQ with question and answer only), so that they hold for an
//! FAQ of either shape; see the README's results section.

/// Weight and length normalization of one field in BM25F.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldParams {
    /// How much one occurrence in this field counts (0 ignores the field).
    pub weight: f32,
    /// Length normalization in `[0, 1]`: 0 ignores the field's length, 1
    /// scales term frequency fully by length / average length.
    pub b: f32,
}

impl FieldParams {
    const fn new(weight: f32, b: f32) -> Self {
        Self { weight, b }
    }
}

/// All ranking parameters. Part of the configuration file (`--config`).
///
/// ```
/// use madoguchi::retrieve::RankingParams;
/// let p = RankingParams::default();
/// assert!(p.validate().is_ok());
/// let bad = RankingParams { k1: -1.0, ..p };
/// assert!(bad.validate().unwrap_err().contains("k1"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default = "RankingParams::untuned", deny_unknown_fields)]
pub struct RankingParams {
    /// BM25 term-frequency saturation.
    pub k1: f32,
    /// The representative question.
    pub question: FieldParams,
    /// Alternative phrasings (empty in question-and-answer-only corpora).
    pub alternatives: FieldParams,
    /// Keywords.
    pub keywords: FieldParams,
    /// The answer text: real evidence, since customers often use the
    /// answer's words rather than the question's.
    pub answer: FieldParams,
    /// Weight of each reading bigram of the query, matched against the
    /// question side (catches kana-only and unknown spellings).
    pub bigram: f32,
    /// Weight of a word's reading (ふんしつ for 紛失) as an alternative form.
    pub reading: f32,
    /// Weight of inner parts of a user-dictionary compound (まどか, ポイント
    /// of まどかポイント), each a concept of its own.
    pub inner: f32,
    /// Weight of a compound of adjacent nouns (住民税) as a phrase: a bonus
    /// for entries that have the words together.
    pub compound: f32,
    /// Weight of a spelling variant of the same word (Sudachi: same lexeme).
    pub variant: f32,
    /// Weight of a synonym (Sudachi: same group, other lexeme).
    pub synonym: f32,
    /// Weight of a member of a hand-written domain synonym group.
    pub domain_synonym: f32,
}

impl Default for RankingParams {
    /// The bundled, tuned parameters (see [`crate::config::Config::bundled`]).
    fn default() -> Self {
        crate::config::Config::bundled().ranking
    }
}

impl RankingParams {
    /// Plain starting values before any tuning (BM25's usual k1 and b, the
    /// question side above the answer). A configuration file that leaves a
    /// parameter out gets it from here.
    pub fn untuned() -> Self {
        Self {
            k1: 1.2,
            question: FieldParams::new(1.0, 0.5),
            alternatives: FieldParams::new(1.0, 0.5),
            keywords: FieldParams::new(1.0, 0.3),
            answer: FieldParams::new(0.3, 0.75),
            bigram: 0.3,
            reading: 0.5,
            inner: 0.5,
            compound: 0.5,
            variant: 0.9,
            synonym: 0.5,
            domain_synonym: 0.7,
        }
    }

    /// The four word fields in index order: question, alternatives,
    /// keywords, answer.
    pub fn fields(&self) -> [FieldParams; 4] {
        [self.question, self.alternatives, self.keywords, self.answer]
    }

    /// Checks that every value is finite and in range; the message names the
    /// offending parameter.
    pub fn validate(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        let mut check = |name: &str, v: f32, lo: f32, hi: f32| {
            if !v.is_finite() || v < lo || v > hi {
                problems.push(format!("{name} = {v} is outside [{lo}, {hi}]"));
            }
        };
        check("k1", self.k1, 0.0, 10.0);
        for (name, f) in ["question", "alternatives", "keywords", "answer"].iter().zip(self.fields()) {
            check(&format!("{name}.weight"), f.weight, 0.0, 100.0);
            check(&format!("{name}.b"), f.b, 0.0, 1.0);
        }
        check("bigram", self.bigram, 0.0, 10.0);
        check("reading", self.reading, 0.0, 1.0);
        check("inner", self.inner, 0.0, 1.0);
        check("compound", self.compound, 0.0, 1.0);
        check("variant", self.variant, 0.0, 1.0);
        check("synonym", self.synonym, 0.0, 1.0);
        check("domain_synonym", self.domain_synonym, 0.0, 1.0);
        if self.fields().iter().all(|f| f.weight == 0.0) {
            problems.push("every field weight is 0: nothing would be searched".into());
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }
}
