//! Confidence: how much of the query an entry explains, in `[0, 1]`.
//!
//! BM25 scores grow with query length and corpus statistics, so a score of 12
//! means different things for different queries. Confidence is instead a
//! *coverage* measure that reads the same for every query:
//!
//! 1. **Word coverage** `W`: the query's content words, each weighted by its
//!    IDF over the corpus's question-side text (question, alternatives,
//!    keywords). A word counts 1 when the entry's question side contains its
//!    base form or reading, 0.9 when it contains a synonym, 0.5 when only the
//!    answer contains it. Words the corpus has never seen get the highest IDF,
//!    so "火星の天気" does not look covered just because one word matches.
//! 2. **Spelling coverage** `S`: the share of the query's reading bigrams that
//!    occur in the entry's question side (catches kana-only and unknown words).
//!
//! `confidence = 0.7·W + 0.3·S`, or `0.5·S` when the query has no content
//! word the analyzer recognised (spelling alone may justify offering choices,
//! never a direct answer). For all-hiragana queries of 8+ characters, where
//! Lindera's words are least reliable, `0.85·S` is used when higher. So 0.8 reads "about 80 % of what the customer
//! said is addressed by this entry's question". The decision layer combines it
//! with the margin between the top two hits.

use std::collections::{HashMap, HashSet};

/// All-hiragana queries at least this long may rest on spelling coverage.
const KANA_ONLY_MIN_CHARS: usize = 8;
/// Weight of spelling coverage for such queries.
const KANA_ONLY_SPELLING_WEIGHT: f32 = 0.85;

/// Weight of spelling coverage when the query has no recognised word.
const SPELLING_ONLY_WEIGHT: f32 = 0.5;

use crate::knowledge::KnowledgeBase;
use crate::tokenize::{Analysis, Analyzer, bigrams};

/// What one entry's text contains, as matching keys and bigrams.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct EntryVocabulary {
    /// Keys and readings from question, alternatives and keywords.
    pub question_keys: HashSet<String>,
    /// Keys and readings from the answer.
    pub answer_keys: HashSet<String>,
    /// Reading bigrams of question, alternatives and keywords.
    pub bigrams: HashSet<String>,
}

/// Corpus statistics for confidence.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ConfidenceModel {
    entries: Vec<EntryVocabulary>,
    document_frequency: HashMap<String, u32>,
}

impl ConfidenceModel {
    /// Analyzes the question side and answer of every entry.
    pub fn new(analyzer: &Analyzer, kb: &KnowledgeBase) -> Self {
        let mut model = Self::default();
        for chunk in kb.entries().chunks(super::index::CHUNK) {
            for a in super::index::analyze_chunk(analyzer, chunk) {
                model.add(&a);
            }
        }
        model
    }

    /// Adds the next entry (in knowledge-base order) from its analysis.
    pub fn add(&mut self, analysis: &super::EntryAnalysis) {
        let mut v = EntryVocabulary::default();
        for a in analysis.question_side() {
            v.question_keys.extend(a.keys().into_iter().map(String::from));
            v.bigrams.extend(bigrams(&a.reading_text));
        }
        v.answer_keys.extend(analysis.answer.keys().into_iter().map(String::from));
        for k in &v.question_keys {
            *self.document_frequency.entry(k.clone()).or_default() += 1;
        }
        self.entries.push(v);
    }

    fn idf(&self, df: u32) -> f32 {
        let n = self.entries.len() as f32;
        let df = df as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The vocabulary of entry `ordinal`.
    pub fn vocabulary(&self, ordinal: usize) -> Option<&EntryVocabulary> {
        self.entries.get(ordinal)
    }

    /// Prepares the query side once (word weights, forms, bigrams) so that
    /// scoring many candidates costs only set lookups.
    pub fn prepare<'q>(&self, query: &'q Analysis, synonyms: &'q [String]) -> PreparedQuery<'q> {
        let words = query
            .terms
            .iter()
            .filter(|t| !t.inner)
            .map(|t| {
                let forms: Vec<&str> = std::iter::once(t.key.as_str()).chain(t.reading.as_deref()).collect();
                let df = forms.iter().map(|f| self.document_frequency.get(*f).copied().unwrap_or(0)).max().unwrap_or(0);
                (forms, self.idf(df))
            })
            .collect();
        let mut bigrams = bigrams(&query.reading_text);
        bigrams.sort_unstable();
        bigrams.dedup();
        let kana_only = query.normalized.chars().filter(|c| !c.is_whitespace()).count() >= KANA_ONLY_MIN_CHARS
            && query.normalized.chars().all(|c| matches!(c, '\u{3041}'..='\u{309F}' | 'ー' | ' ' | '?' | '!' | '、' | '。'));
        PreparedQuery { words, synonyms, bigrams, kana_only }
    }

    /// Confidence that entry `ordinal` answers the analyzed query.
    pub fn confidence(&self, query: &Analysis, synonyms: &[String], ordinal: usize) -> f32 {
        self.score(&self.prepare(query, synonyms), ordinal)
    }

    /// Confidence of entry `ordinal` for a prepared query.
    pub fn score(&self, q: &PreparedQuery<'_>, ordinal: usize) -> f32 {
        let Some(v) = self.entries.get(ordinal) else { return 0.0 };
        let mut weight_sum = 0.0;
        let mut covered = 0.0;
        for (forms, w) in &q.words {
            weight_sum += w;
            let cover = if forms.iter().any(|f| v.question_keys.contains(*f)) {
                1.0
            } else if q.synonyms.iter().any(|s| v.question_keys.contains(s)) {
                0.9
            } else if forms.iter().any(|f| v.answer_keys.contains(*f)) {
                0.5
            } else {
                0.0
            };
            covered += w * cover;
        }
        let spelling = if q.bigrams.is_empty() {
            0.0
        } else {
            q.bigrams.iter().filter(|b| v.bigrams.contains(*b)).count() as f32 / q.bigrams.len() as f32
        };
        // Without a recognised word, spelling alone is weak evidence: it
        // can support a clarification but never a direct answer.
        let c = if weight_sum > 0.0 { 0.7 * covered / weight_sum + 0.3 * spelling } else { SPELLING_ONLY_WEIGHT * spelling };
        // Long all-hiragana queries (かーどをおとした) are where Lindera's
        // words are least reliable and the reading bigrams most: let
        // spelling carry them.
        let c = if q.kana_only { c.max(KANA_ONLY_SPELLING_WEIGHT * spelling) } else { c };
        c.clamp(0.0, 1.0)
    }
}

/// The query side of confidence, computed once per query.
#[derive(Debug, Clone)]
pub struct PreparedQuery<'q> {
    words: Vec<(Vec<&'q str>, f32)>,
    synonyms: &'q [String],
    bigrams: Vec<String>,
    kana_only: bool,
}
