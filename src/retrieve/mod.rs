//! Retrieval: analyzed query → ranked FAQ entries with BM25 scores and a
//! calibrated confidence.
//!
//! * [`index`] builds the Tantivy index (in RAM, or on disk when asked):
//!   morpheme fields with per-field boosts plus a character-bigram field.
//! * [`query`] builds the Tantivy query from the analyzer's terms (not from
//!   Tantivy's QueryParser, which turns Japanese into phrase queries that miss).
//! * [`confidence`] turns a hit into a number in `[0, 1]` that means the same
//!   thing for every query.

pub mod confidence;
pub mod index;
pub mod query;

use std::path::PathBuf;
use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::{Index, IndexReader, Searcher};

use crate::error::Result;
use crate::knowledge::{FaqEntry, KnowledgeBase};
use crate::tokenize::{Analysis, Analyzer};

pub use confidence::{ConfidenceModel, EntryVocabulary, PreparedQuery};
pub use index::{Boosts, EntryAnalysis, Fields};

/// One ranked entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hit {
    /// Entry id.
    pub id: String,
    /// 1-based rank.
    pub rank: usize,
    /// BM25 score (comparable only within one query).
    pub score: f32,
    /// Confidence in `[0, 1]`, comparable across queries (see [`confidence`]).
    pub confidence: f32,
}

/// The outcome of one search.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SearchResult {
    /// The query as given.
    pub query: String,
    /// The normalized query.
    pub normalized: String,
    /// Matching keys of the query's content words.
    pub terms: Vec<String>,
    /// Keys added by synonym expansion.
    pub synonyms: Vec<String>,
    /// Ranked hits, best first.
    pub hits: Vec<Hit>,
    /// `(score₁ − score₂) / score₁` between the top two hits: 1 when only one
    /// entry matched, 0 when the top two tie or nothing matched.
    pub margin: f32,
}

impl SearchResult {
    /// The best hit, if any.
    pub fn top(&self) -> Option<&Hit> {
        self.hits.first()
    }
}

/// Options for one search.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SearchOptions {
    /// How many hits to return (default 5).
    pub top_k: usize,
    /// Only entries of this category.
    pub category: Option<String>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self { top_k: 5, category: None }
    }
}

/// The immutable retrieval model: knowledge base, analyzer, index and
/// confidence statistics. `Send + Sync`; share it behind an `Arc`.
///
/// To add or replace entries, build a new `Retriever` with
/// [`Retriever::with_entry`] or [`Retriever::rebuild`] and swap it in; readers
/// of the old one are unaffected.
///
/// ```no_run
/// use madoguchi::retrieve::{Retriever, SearchOptions};
/// use madoguchi::knowledge::load_corpus;
/// let retriever = Retriever::builder().build(load_corpus("faq-corpus".as_ref())?)?;
/// let result = retriever.search("ｶｰﾄﾞの暗証番号を忘れた", &SearchOptions::default());
/// println!("{} ({:.2})", result.hits[0].id, result.hits[0].confidence);
/// # Ok::<(), madoguchi::Error>(())
/// ```
pub struct Retriever {
    analyzer: Analyzer,
    kb: Arc<KnowledgeBase>,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    boosts: Boosts,
    confidence: ConfidenceModel,
    on_disk: Option<PathBuf>,
}

impl std::fmt::Debug for Retriever {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Retriever").field("entries", &self.kb.len()).field("on_disk", &self.on_disk).finish()
    }
}

/// Builder for [`Retriever`].
#[derive(Default)]
pub struct RetrieverBuilder {
    analyzer: Option<Analyzer>,
    boosts: Option<Boosts>,
    on_disk: Option<PathBuf>,
    progress: Option<Box<dyn FnMut(usize, usize)>>,
}

impl RetrieverBuilder {
    /// Use this analyzer (default: [`Analyzer::new`]).
    pub fn analyzer(mut self, analyzer: Analyzer) -> Self {
        self.analyzer = Some(analyzer);
        self
    }
    /// Field boosts (default: [`Boosts::default`]).
    pub fn boosts(mut self, boosts: Boosts) -> Self {
        self.boosts = Some(boosts);
        self
    }
    /// Keep the index in this directory instead of RAM (it is recreated).
    pub fn on_disk(mut self, dir: impl Into<PathBuf>) -> Self {
        self.on_disk = Some(dir.into());
        self
    }
    /// Called as `(done, total)` while indexing, for progress output.
    pub fn progress(mut self, f: impl FnMut(usize, usize) + 'static) -> Self {
        self.progress = Some(Box::new(f));
        self
    }
    /// Indexes `kb`.
    pub fn build(self, kb: KnowledgeBase) -> Result<Retriever> {
        let analyzer = match self.analyzer {
            Some(a) => a,
            None => Analyzer::new()?,
        };
        let boosts = self.boosts.unwrap_or_default();
        Retriever::build(analyzer, Arc::new(kb), boosts, self.on_disk, self.progress)
    }
}

impl Retriever {
    /// A builder.
    pub fn builder() -> RetrieverBuilder {
        RetrieverBuilder::default()
    }

    fn build(
        analyzer: Analyzer,
        kb: Arc<KnowledgeBase>,
        boosts: Boosts,
        on_disk: Option<PathBuf>,
        mut progress: Option<Box<dyn FnMut(usize, usize)>>,
    ) -> Result<Self> {
        // Chunk by chunk: analyze (on all cores), index, feed the confidence
        // statistics, then drop the analyses, so memory stays bounded.
        let mut builder = index::IndexBuilder::new(&analyzer, on_disk.as_deref())?;
        let mut confidence = ConfidenceModel::default();
        let total = kb.len();
        for (c, chunk) in kb.entries().chunks(index::CHUNK).enumerate() {
            let analyses = index::analyze_chunk(&analyzer, chunk);
            for (i, (entry, analysis)) in chunk.iter().zip(&analyses).enumerate() {
                builder.add(c * index::CHUNK + i, entry, analysis)?;
                confidence.add(analysis);
            }
            if let Some(p) = progress.as_mut() {
                p((c * index::CHUNK + chunk.len()).min(total), total);
            }
        }
        let (index, fields) = builder.finish()?;
        let reader = index.reader()?;
        Ok(Self { analyzer, kb, index, reader, fields, boosts, confidence, on_disk })
    }

    /// Re-indexes a new knowledge base with the same analyzer and settings.
    pub fn rebuild(&self, kb: KnowledgeBase) -> Result<Retriever> {
        Retriever::build(self.analyzer.clone(), Arc::new(kb), self.boosts, self.on_disk.clone(), None)
    }

    /// A new retriever with `entry` added, or replacing the entry with its id.
    pub fn with_entry(&self, entry: FaqEntry) -> Result<Retriever> {
        let mut kb = (*self.kb).clone();
        kb.upsert(entry)?;
        self.rebuild(kb)
    }

    /// The knowledge base.
    pub fn knowledge_base(&self) -> &KnowledgeBase {
        &self.kb
    }

    /// The analyzer.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The underlying Tantivy index.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Searches with an already analyzed query (the dialogue engine analyzes
    /// once and reuses the analysis for its rules).
    pub fn search_analysis(&self, query: &str, analysis: &Analysis, opts: &SearchOptions) -> SearchResult {
        let keys: Vec<&str> = analysis.keys();
        let folded = crate::normalize::fold(&analysis.normalized);
        let synonyms = self.analyzer.synonyms().expand(&keys, &folded);
        let terms: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let mut result = SearchResult {
            query: query.to_string(),
            normalized: analysis.normalized.clone(),
            terms,
            synonyms,
            hits: Vec::new(),
            margin: 0.0,
        };
        let Some(q) = query::build_query(&self.fields, &self.boosts, analysis, &result.synonyms, opts.category.as_deref())
        else {
            return result;
        };
        let searcher: Searcher = self.reader.searcher();
        let top_k = opts.top_k.max(1);
        let Ok(docs) = searcher.search(&q, &TopDocs::with_limit(top_k).order_by_score()) else {
            return result;
        };
        let prepared = self.confidence.prepare(analysis, &result.synonyms);
        let mut ordinals = index::OrdinalReader::new(&searcher);
        for (rank, (score, addr)) in docs.into_iter().enumerate() {
            let Some(ord) = ordinals.ordinal(addr) else { continue };
            let entry = &self.kb.entries()[ord];
            let confidence = self.confidence.score(&prepared, ord);
            result.hits.push(Hit { id: entry.id.clone(), rank: rank + 1, score, confidence });
        }
        result.margin = match result.hits.as_slice() {
            [] => 0.0,
            [_] => 1.0,
            [a, b, ..] if a.score > 0.0 => ((a.score - b.score) / a.score).clamp(0.0, 1.0),
            _ => 0.0,
        };
        result
    }

    /// Analyzes `query` and searches.
    pub fn search(&self, query: &str, opts: &SearchOptions) -> SearchResult {
        let analysis = self.analyzer.analyze(query);
        self.search_analysis(query, &analysis, opts)
    }

    /// Confidence that entry `id` answers the analyzed text (0 for an
    /// unknown id); used to resolve a clarification by repeated words.
    pub fn confidence_for(&self, analysis: &Analysis, id: &str) -> f32 {
        let Some(ord) = self.kb.position(id) else { return 0.0 };
        let keys = analysis.keys();
        let synonyms = self.analyzer.synonyms().expand(&keys, &crate::normalize::fold(&analysis.normalized));
        self.confidence.confidence(analysis, &synonyms, ord)
    }

    /// The entry for a hit.
    pub fn entry(&self, id: &str) -> Option<&FaqEntry> {
        self.kb.get(id)
    }
}

fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Retriever>();
}

