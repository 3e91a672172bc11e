//! The Tantivy index: schema, per-field boosts, and building.

use std::path::Path;

use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{DocAddress, Index, IndexWriter, Searcher, TantivyDocument};

use crate::error::{Error, Result};
use crate::knowledge::KnowledgeBase;
use crate::tokenize::{Analyzer, BigramTokenizer, MorphTokenizer};

/// Name under which [`MorphTokenizer`] is registered.
pub const MORPH_TOKENIZER: &str = "madoguchi_morph";
/// Name under which [`BigramTokenizer`] is registered.
pub const BIGRAM_TOKENIZER: &str = "madoguchi_bigram";

/// The index fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Entry ordinal in the knowledge base (fast field).
    pub ordinal: Field,
    /// Category, untokenized (for filtering).
    pub category: Field,
    /// Representative question (morphemes).
    pub question: Field,
    /// Alternative phrasings (morphemes).
    pub alternatives: Field,
    /// Keywords (morphemes).
    pub keywords: Field,
    /// Answer text (morphemes).
    pub answer: Field,
    /// Reading bigrams of question, alternatives and keywords.
    pub bigram: Field,
}

/// Per-field weights applied at query time.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Boosts {
    /// Question field.
    pub question: f32,
    /// Alternative phrasings.
    pub alternatives: f32,
    /// Keywords.
    pub keywords: f32,
    /// Answer text.
    pub answer: f32,
    /// Character bigrams.
    pub bigram: f32,
    /// Multiplier for terms added by synonym expansion.
    pub synonym: f32,
}

impl Default for Boosts {
    /// The question side (question, alternatives, keywords) weighs most; the
    /// answer is supporting evidence; reading bigrams weigh as much as words
    /// because kana-only and unknown spellings only meet there. Tuned on
    /// tests/queries with `cargo run --release --example tune`.
    fn default() -> Self {
        Self { question: 1.0, alternatives: 1.0, keywords: 1.0, answer: 0.3, bigram: 1.0, synonym: 0.7 }
    }
}

fn schema() -> (Schema, Fields) {
    let text = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let mut b = Schema::builder();
    let fields = Fields {
        ordinal: b.add_u64_field("ordinal", FAST),
        category: b.add_text_field("category", STRING),
        question: b.add_text_field("question", text(MORPH_TOKENIZER)),
        alternatives: b.add_text_field("alternatives", text(MORPH_TOKENIZER)),
        keywords: b.add_text_field("keywords", text(MORPH_TOKENIZER)),
        answer: b.add_text_field("answer", text(MORPH_TOKENIZER)),
        bigram: b.add_text_field("bigram", text(BIGRAM_TOKENIZER)),
    };
    (b.build(), fields)
}

/// Builds the index for `kb`. `progress` is called with `(done, total)`.
pub fn build_index(
    analyzer: &Analyzer,
    kb: &KnowledgeBase,
    on_disk: Option<&Path>,
    mut progress: Option<Box<dyn FnMut(usize, usize)>>,
) -> Result<(Index, Fields)> {
    let (schema, fields) = schema();
    let index = match on_disk {
        Some(dir) => {
            if dir.exists() {
                std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            Index::create_in_dir(dir, schema)?
        }
        None => Index::create_in_ram(schema),
    };
    index.tokenizers().register(MORPH_TOKENIZER, MorphTokenizer::new(analyzer.clone()));
    index.tokenizers().register(BIGRAM_TOKENIZER, BigramTokenizer::new(analyzer.clone()));
    // One indexing thread per core, capped: analysis dominates the cost.
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8);
    let mut writer: IndexWriter = index.writer_with_num_threads(threads, 50_000_000 * threads)?;
    let total = kb.len();
    for (ord, e) in kb.entries().iter().enumerate() {
        let mut doc = TantivyDocument::default();
        doc.add_u64(fields.ordinal, ord as u64);
        doc.add_text(fields.category, e.category.as_deref().unwrap_or("未分類"));
        doc.add_text(fields.question, &e.question);
        for a in &e.alternatives {
            doc.add_text(fields.alternatives, a);
        }
        for k in &e.keywords {
            doc.add_text(fields.keywords, k);
        }
        doc.add_text(fields.answer, &e.answer);
        doc.add_text(fields.bigram, &e.question);
        for t in e.alternatives.iter().chain(&e.keywords) {
            doc.add_text(fields.bigram, t);
        }
        writer.add_document(doc)?;
        if let Some(p) = progress.as_mut()
            && ((ord + 1) % 1000 == 0 || ord + 1 == total)
        {
            p(ord + 1, total);
        }
    }
    writer.commit()?;
    // One segment: every query clause pays per-segment setup, and the index
    // is read far more often than it is built.
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    Ok((index, fields))
}

/// The knowledge-base ordinal of a hit.
pub fn entry_ordinal(searcher: &Searcher, addr: DocAddress) -> Option<usize> {
    let column = searcher.segment_reader(addr.segment_ord).fast_fields().u64("ordinal").ok()?;
    column.first(addr.doc_id).map(|v| v as usize)
}

