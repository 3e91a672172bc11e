//! Retrieval: analyzed query → ranked FAQ entries with BM25F scores and a
//! calibrated confidence.
//!
//! * [`index`] analyzes the entries (on all cores) and, for an index kept
//!   on disk, writes the Tantivy index: one field per part of an entry
//!   (question, alternatives, keywords, answer) plus reading bigrams of the
//!   question side.
//! * [`postings`] counts the per-field frequencies (from the analyses, or
//!   read back through Tantivy's postings API) and folds the fields into
//!   BM25F impacts.
//! * [`query`] turns the analysis into weighted concepts with alternative
//!   forms (readings, spelling variants, synonyms, bigrams).
//! * [`scorer`] scores a plan in one pass over its postings.
//! * [`confidence`] turns an entry's features into the probability that it
//!   is right.
//! * [`params`] holds the tunable weights.
//! * [`suggest`] answers a question still being typed (type-ahead).

pub mod confidence;
pub mod index;
pub mod params;
mod pipeline;
pub mod postings;
pub mod query;
pub mod scorer;
pub mod suggest;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use tantivy::Index;

use crate::config::Config;
use crate::error::Result;
use crate::knowledge::{FaqEntry, KnowledgeBase};
use crate::tokenize::{Analysis, Analyzer};

pub use confidence::{Calibration, Dense, FEATURE_NAMES, HitFeatures, Logistic};
pub use index::{EntryAnalysis, Fields};
pub use params::{FieldParams, RankingParams};
pub use postings::{ImpactIndex, RawIndex};
pub use query::{Lexicon, QueryPlan};
pub use suggest::{SuggestOptions, Suggestion, Vocabulary};

/// How many top-scored entries the confidence model re-orders: the same
/// pool whatever `top_k` a caller asks for, so the order never depends on it.
pub const RERANK_POOL: usize = 10;

/// A thread keeps the strings of its last plan for the next one up to this
/// many concepts (a question has a few dozen).
const KEPT_PLAN_CONCEPTS: usize = 512;

/// Weight of the earlier question's words in a follow-up search
/// ([`Retriever::search_in_context`]).
pub const CONTEXT_WEIGHT: f32 = 0.5;

/// One ranked entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hit {
    /// Entry id.
    pub id: String,
    /// 1-based rank.
    pub rank: usize,
    /// BM25F score (comparable only within one query). Hits are ordered by
    /// confidence, which usually but not always follows the score.
    pub score: f32,
    /// Confidence in `[0, 1]`: the estimated probability that this entry is
    /// right (see [`confidence`]).
    pub confidence: f32,
    /// The features the confidence was computed from.
    pub features: HitFeatures,
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
    /// Forms added by expansion (spelling variants, synonyms).
    pub synonyms: Vec<String>,
    /// Ranked hits, best first.
    pub hits: Vec<Hit>,
    /// `(score₁ − score₂) / score₁` between the two best BM25F scores (before
    /// the confidence model reorders the hits): 1 when only one entry
    /// matched, 0 when the top two tie or nothing matched.
    pub margin: f32,
    /// The probability that a relevant entry is among the top hits (0 when
    /// nothing matched): whether offering choices is worth it. Read from the
    /// features of the best BM25F hit, as `madoguchi tune` fits it.
    pub choices_confidence: f32,
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

/// The immutable retrieval model: knowledge base, analyzer, Tantivy index
/// and the impacts read from it, ranking parameters and confidence model.
/// `Send + Sync`; share it behind an `Arc`.
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
    /// The Tantivy index, when kept on disk.
    index: Option<Index>,
    params: RankingParams,
    calibration: Calibration,
    /// `calibration`'s two models laid out for scoring hits.
    answer_model: Dense,
    choices_model: Dense,
    impacts: ImpactIndex,
    /// Category of each entry, as an index into `category_names`.
    categories: Vec<u32>,
    category_ids: HashMap<String, u32>,
    /// Each entry's question and alternatives as [`verbatim_key`]s, to the
    /// entry (`None` when two entries share the text).
    verbatim: HashMap<String, Option<u32>, crate::fnv::BuildFnv>,
    /// Question-side words and readings, sorted, for type-ahead prefixes.
    vocabulary: Vocabulary,
    on_disk: Option<PathBuf>,
}

/// Confidence given to an entry whose question (or an alternative) the
/// customer typed verbatim — a picked type-ahead suggestion or a pasted
/// question. The fitted model rarely sees these in dev queries and would
/// hesitate between near-duplicate entries that share most words.
pub const VERBATIM_CONFIDENCE: f32 = 0.98;

/// A text reduced to its letters and digits after normalization, so
/// 「紛失したカードの再発行には何日かかりますか？」 and the same words without
/// the question mark compare equal.
pub fn verbatim_key(text: &str) -> String {
    verbatim_key_of_normalized(&crate::normalize::normalize(text))
}

/// [`verbatim_key`] of a text already normalized.
fn verbatim_key_of_normalized(normalized: &str) -> String {
    normalized.chars().filter(|c| crate::normalize::is_alphanumeric(*c)).collect()
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
    params: Option<RankingParams>,
    calibration: Option<Calibration>,
    on_disk: Option<PathBuf>,
    progress: Option<Box<dyn FnMut(usize, usize)>>,
}

impl RetrieverBuilder {
    /// Use this analyzer (default: [`Analyzer::new`]).
    pub fn analyzer(mut self, analyzer: Analyzer) -> Self {
        self.analyzer = Some(analyzer);
        self
    }
    /// Ranking parameters (default: [`RankingParams::default`], the bundled
    /// tuned values).
    pub fn params(mut self, params: RankingParams) -> Self {
        self.params = Some(params);
        self
    }
    /// Confidence model (default: the bundled one).
    pub fn calibration(mut self, calibration: Calibration) -> Self {
        self.calibration = Some(calibration);
        self
    }
    /// Ranking parameters and confidence model from a configuration file.
    pub fn config(self, config: &Config) -> Self {
        self.params(config.ranking).calibration(config.calibration.clone())
    }
    /// Also write a Tantivy index into this directory (each build in a fresh
    /// `build-*` directory; see [`Retriever::index`]). Without it the
    /// retriever keeps no Tantivy index: the impacts are counted straight
    /// from the analyses.
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
        let params = self.params.unwrap_or_default();
        params.validate().map_err(|e| crate::Error::InvalidInput(format!("ranking parameters: {e}")))?;
        let calibration = self.calibration.unwrap_or_default();
        calibration.validate().map_err(|e| crate::Error::InvalidInput(format!("calibration: {e}")))?;
        Retriever::build(analyzer, Arc::new(kb), params, calibration, self.on_disk, self.progress)
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
        params: RankingParams,
        calibration: Calibration,
        on_disk: Option<PathBuf>,
        mut progress: Option<Box<dyn FnMut(usize, usize)>>,
    ) -> Result<Self> {
        // Chunk by chunk: analyze (on all cores), count, then drop the
        // analyses, so memory stays bounded. The impacts are counted from
        // the analyses; a Tantivy index is written only to keep on disk.
        let mut tantivy = on_disk.as_deref().map(|dir| index::IndexBuilder::new(&analyzer, Some(dir))).transpose()?;
        let total = kb.len();
        let mut raw = postings::RawIndexBuilder::new(total);
        let mut vocabulary = suggest::VocabularyBuilder::default();
        index::analyze_pipelined(&analyzer, kb.entries(), |first, chunk, analyses| {
            for (i, (entry, analysis)) in chunk.iter().zip(analyses).enumerate() {
                if let Some(t) = tantivy.as_mut() {
                    t.add(first + i, entry, analysis)?;
                }
                raw.add(first + i, analysis);
                vocabulary.add(analysis);
            }
            // Every thousand entries (chunks are small) and at the end.
            let done = first + chunk.len();
            if let Some(p) = progress.as_mut().filter(|_| done / 1000 > first / 1000 || done == total) {
                p(done.min(total), total);
            }
            Ok(())
        })?;
        let index = tantivy.map(|t| t.finish()).transpose()?.map(|(index, _)| index);
        let impacts = raw.finish().into_impacts(&params);
        let vocabulary = vocabulary.finish(&impacts, &analyzer);
        let mut category_ids: HashMap<String, u32> = HashMap::new();
        let categories = kb
            .entries()
            .iter()
            .map(|e| {
                let name = e.category.clone().unwrap_or_else(|| index::UNCATEGORIZED.to_string());
                let next = category_ids.len() as u32;
                *category_ids.entry(name).or_insert(next)
            })
            .collect();
        let mut verbatim: HashMap<String, Option<u32>, crate::fnv::BuildFnv> = HashMap::default();
        for (doc, e) in kb.entries().iter().enumerate() {
            let mut keys: Vec<String> =
                std::iter::once(&e.question).chain(&e.alternatives).map(|t| verbatim_key(t)).collect();
            keys.sort();
            keys.dedup();
            for key in keys.into_iter().filter(|k| !k.is_empty()) {
                verbatim.entry(key).and_modify(|d| *d = None).or_insert(Some(doc as u32));
            }
        }
        Ok(Self {
            analyzer,
            kb,
            index,
            params,
            answer_model: Dense::from(&calibration.answer),
            choices_model: Dense::from(&calibration.choices),
            calibration,
            impacts,
            categories,
            category_ids,
            verbatim,
            vocabulary,
            on_disk,
        })
    }

    /// Re-indexes a new knowledge base with the same analyzer and settings.
    pub fn rebuild(&self, kb: KnowledgeBase) -> Result<Retriever> {
        Retriever::build(
            self.analyzer.clone(),
            Arc::new(kb),
            self.params,
            self.calibration.clone(),
            self.on_disk.clone(),
            None,
        )
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

    /// The Tantivy index, when the retriever was built
    /// [`on_disk`](RetrieverBuilder::on_disk). A retriever in RAM counts
    /// its impacts straight from the analyses and keeps no Tantivy index.
    pub fn index(&self) -> Option<&Index> {
        self.index.as_ref()
    }

    /// The ranking parameters in use.
    pub fn params(&self) -> &RankingParams {
        &self.params
    }

    /// The confidence model in use.
    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    /// The per-field frequencies again, for tuning (see
    /// [`RawIndex::impacts`]): read from the index on disk, or counted anew
    /// from the entries (an analysis pass) for a retriever in RAM.
    pub fn raw_index(&self) -> Result<RawIndex> {
        if let Some(index) = &self.index {
            return RawIndex::read(&index.reader()?.searcher(), &index::fields(&index.schema())?, self.kb.len());
        }
        let mut raw = postings::RawIndexBuilder::new(self.kb.len());
        index::analyze_pipelined(&self.analyzer, self.kb.entries(), |first, _, analyses| {
            for (i, analysis) in analyses.iter().enumerate() {
                raw.add(first + i, analysis);
            }
            Ok(())
        })?;
        Ok(raw.finish())
    }

    /// The impacts the scorer reads.
    pub fn impacts(&self) -> &ImpactIndex {
        &self.impacts
    }

    /// The query plan for an analyzed text.
    pub fn plan(&self, analysis: &Analysis) -> QueryPlan {
        query::plan(analysis, self.lexicon(), &self.params)
    }

    fn lexicon(&self) -> Lexicon<'_> {
        Lexicon { domain: self.analyzer.synonyms(), general: self.analyzer.general_synonyms() }
    }

    /// Searches with an already analyzed query (the dialogue engine analyzes
    /// once and reuses the analysis for its rules): `analysis` is
    /// `self.analyzer().analyze(query)`.
    pub fn search_analysis(&self, query: &str, analysis: &Analysis, opts: &SearchOptions) -> SearchResult {
        // The plan is built in this thread's plan of the turn before, from
        // its strings (query::Pool). Nothing searches from inside a search
        // today; should it, the inner search gets a plan of its own.
        thread_local!(static PLANS: RefCell<(QueryPlan, query::Pool)> = RefCell::default());
        PLANS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut reused) => {
                let (plan, pool) = &mut *reused;
                query::plan_into(analysis, self.lexicon(), &self.params, plan, pool);
                let result = self.search_plan(query, analysis, plan, opts, None);
                // A pasted page's plan is not kept for the thread's lifetime.
                if plan.concepts.len() > KEPT_PLAN_CONCEPTS {
                    *reused = Default::default();
                }
                result
            }
            Err(_) => self.search_plan(query, analysis, &self.plan(analysis), opts, None),
        })
    }

    /// Searches with `plan`; entry `skip` (an ordinal) takes no part at all.
    fn search_plan(
        &self,
        query: &str,
        analysis: &Analysis,
        plan: &QueryPlan,
        opts: &SearchOptions,
        skip: Option<u32>,
    ) -> SearchResult {
        let category = match &opts.category {
            Some(c) => match self.category_ids.get(c) {
                Some(id) => Some(*id),
                // An unknown category has no entries.
                None => Some(u32::MAX),
            },
            None => None,
        };
        let accept =
            |doc: u32| skip != Some(doc) && category.is_none_or(|c| self.categories.get(doc as usize) == Some(&c));
        let (mut scored, _) = scorer::score(&self.impacts, plan, opts.top_k.max(RERANK_POOL), accept);
        // The entry whose question was typed verbatim competes even when
        // near-duplicates that share its words kept it out of the pool.
        let verbatim = self.verbatim_doc(query, &analysis.normalized);
        if let Some(doc) = verbatim
            && accept(doc)
            && !scored.iter().any(|s| s.doc == doc)
        {
            scored.extend(scorer::score(&self.impacts, plan, 1, |d| d == doc).0);
        }
        self.result(query, analysis, plan, scored, verbatim, opts.top_k.max(1))
    }

    /// The entry whose question or alternative `query` is, word for word
    /// (`normalized`: the query's normalized text, from its analysis).
    fn verbatim_doc(&self, query: &str, normalized: &str) -> Option<u32> {
        match self.verbatim.get(&verbatim_key_of_normalized(normalized)) {
            Some(Some(doc)) if !query.is_empty() => Some(*doc),
            _ => None,
        }
    }

    fn result(
        &self,
        query: &str,
        analysis: &Analysis,
        plan: &QueryPlan,
        scored: Vec<scorer::Scored>,
        verbatim: Option<u32>,
        keep: usize,
    ) -> SearchResult {
        let choices_confidence =
            scored.first().map(|s| self.choices_model.probability(&s.features)).unwrap_or(0.0);
        // How far the BM25 leader leads, before the confidence model reorders.
        let margin = match scored.as_slice() {
            [] => 0.0,
            [_] => 1.0,
            [a, b, ..] if a.score > 0.0 => ((a.score - b.score) / a.score).clamp(0.0, 1.0),
            _ => 0.0,
        };
        let mut ranked: Vec<(scorer::Scored, f32)> = scored
            .into_iter()
            .filter(|s| (s.doc as usize) < self.kb.len())
            .map(|s| {
                let mut confidence = self.answer_model.probability(&s.features);
                if verbatim == Some(s.doc) {
                    confidence = confidence.max(VERBATIM_CONFIDENCE);
                }
                (s, confidence)
            })
            .collect();
        // BM25F finds the candidates; the confidence model, which also
        // weighs how much of each entry's question the customer said, has
        // the last word on their order (it ranks better on every dev corpus).
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked.truncate(keep);
        // Ids are copied only for the hits kept.
        let hits = ranked
            .into_iter()
            .enumerate()
            .map(|(i, (s, confidence))| Hit {
                id: self.kb.entries()[s.doc as usize].id.clone(),
                rank: i + 1,
                score: s.score,
                confidence,
                features: s.features,
            })
            .collect();
        SearchResult {
            query: query.to_string(),
            normalized: analysis.normalized.clone(),
            terms: analysis.keys().into_iter().map(String::from).collect(),
            synonyms: plan.expansions(),
            choices_confidence,
            hits,
            margin,
        }
    }

    /// Searches a short follow-up ("それの手数料は？") in the context of an
    /// earlier text (the question last answered): the context's words help
    /// rank but are not what the customer must be covered on, so they enter
    /// as bonus phrases at [`CONTEXT_WEIGHT`].
    pub fn search_in_context(&self, query: &str, analysis: &Analysis, context: &Analysis, opts: &SearchOptions) -> SearchResult {
        self.in_context(query, analysis, context, opts, None)
    }

    /// [`Retriever::search_in_context`] with entry `without` left out from
    /// the start, so the entries ranked are judged among themselves (a
    /// follow-up is not answered by the entry it follows, and that entry
    /// must not make the rest look worth offering).
    pub fn search_in_context_without(
        &self,
        query: &str,
        analysis: &Analysis,
        context: &Analysis,
        opts: &SearchOptions,
        without: &str,
    ) -> SearchResult {
        let skip = self.kb.position(without).map(|o| o as u32);
        self.in_context(query, analysis, context, opts, skip)
    }

    fn in_context(
        &self,
        query: &str,
        analysis: &Analysis,
        context: &Analysis,
        opts: &SearchOptions,
        skip: Option<u32>,
    ) -> SearchResult {
        let mut plan = self.plan(analysis);
        let own: Vec<String> = plan.concepts.iter().map(|c| c.key.clone()).collect();
        for mut c in self.plan(context).concepts {
            if c.kind == query::ConceptKind::Word && !own.contains(&c.key) {
                c.kind = query::ConceptKind::Phrase;
                c.weight *= CONTEXT_WEIGHT;
                plan.concepts.push(c);
            }
        }
        self.search_plan(query, analysis, &plan, opts, skip)
    }

    /// Analyzes `query` and searches.
    pub fn search(&self, query: &str, opts: &SearchOptions) -> SearchResult {
        let analysis = self.analyzer.analyze(query);
        self.search_analysis(query, &analysis, opts)
    }

    /// Ranks only the entries `ids` for an analyzed text (unknown ids are
    /// left out); used to resolve a clarification by repeated words, where
    /// only the offered choices compete.
    pub fn rank_among(&self, analysis: &Analysis, ids: &[String]) -> Vec<Hit> {
        let wanted: Vec<u32> = ids.iter().filter_map(|id| self.kb.position(id)).map(|o| o as u32).collect();
        let plan = self.plan(analysis);
        let (scored, _) =
            scorer::score(&self.impacts, &plan, wanted.len().max(1), |doc| wanted.contains(&doc));
        self.result("", analysis, &plan, scored, None, usize::MAX).hits
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
