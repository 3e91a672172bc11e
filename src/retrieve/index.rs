//! The Tantivy index: schema and building. Ranking does not go through
//! Tantivy's query engine; [`super::postings`] reads the postings once.

use std::path::Path;

use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexWriter, TantivyDocument};

use crate::error::{Error, Result};
use crate::knowledge::FaqEntry;
use tantivy::tokenizer::PreTokenizedString;

use crate::tokenize::{Analysis, Analyzer, BigramTokenizer, MorphTokenizer, bigram_tokens, morph_tokens};

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

/// Category name given to entries without one.
pub const UNCATEGORIZED: &str = "未分類";

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

/// Every text of one entry, analyzed once and shared by the index fields and
/// the confidence model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EntryAnalysis {
    /// The question.
    pub question: Analysis,
    /// Each alternative phrasing.
    pub alternatives: Vec<Analysis>,
    /// Each keyword.
    pub keywords: Vec<Analysis>,
    /// The answer.
    pub answer: Analysis,
}

impl EntryAnalysis {
    /// Question, alternatives and keywords: the entry's "question side".
    pub fn question_side(&self) -> impl Iterator<Item = &Analysis> {
        std::iter::once(&self.question).chain(&self.alternatives).chain(&self.keywords)
    }
}

/// Entries analyzed, indexed and dropped together: bounds memory on large
/// corpora and paces progress reports.
pub const CHUNK: usize = 1000;

/// Analyzes a slice of entries on all cores.
pub fn analyze_chunk(analyzer: &Analyzer, chunk: &[FaqEntry]) -> Vec<EntryAnalysis> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 16);
    let per_thread = chunk.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunk
            .chunks(per_thread)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|e| EntryAnalysis {
                            question: analyzer.analyze(&e.question),
                            alternatives: e.alternatives.iter().map(|t| analyzer.analyze(t)).collect(),
                            keywords: e.keywords.iter().map(|t| analyzer.analyze(t)).collect(),
                            answer: analyzer.analyze(&e.answer),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // Analysis never panics (it degrades to no terms), so a join error
        // would be a bug in the standard library.
        handles.into_iter().flat_map(|h| h.join().expect("analysis thread")).collect()
    })
}

fn pre_tokenized(text: &str, tokens: Vec<tantivy::tokenizer::Token>) -> PreTokenizedString {
    PreTokenizedString { text: text.to_string(), tokens }
}

/// Writes entries into a new index. Entries arrive already analyzed, and the
/// fields receive exactly the token streams that [`MorphTokenizer`] and
/// [`BigramTokenizer`] would produce, so no text is analyzed twice.
pub struct IndexBuilder {
    index: Index,
    fields: Fields,
    writer: IndexWriter,
}

impl IndexBuilder {
    /// A new index in RAM, or in `on_disk` (recreated).
    pub fn new(analyzer: &Analyzer, on_disk: Option<&Path>) -> Result<Self> {
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
        // Registered so that raw-text documents and tools see the same analysis.
        index.tokenizers().register(MORPH_TOKENIZER, MorphTokenizer::new(analyzer.clone()));
        index.tokenizers().register(BIGRAM_TOKENIZER, BigramTokenizer::new(analyzer.clone()));
        // One thread: documents arrive pre-tokenized, and one segment is what
        // queries want anyway.
        let writer: IndexWriter = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        Ok(Self { index, fields, writer })
    }

    /// Adds entry number `ordinal` with its analysis.
    pub fn add(&mut self, ordinal: usize, e: &FaqEntry, a: &EntryAnalysis) -> Result<()> {
        let fields = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(fields.ordinal, ordinal as u64);
        doc.add_text(fields.category, e.category.as_deref().unwrap_or(UNCATEGORIZED));
        doc.add_pre_tokenized_text(fields.question, pre_tokenized(&e.question, morph_tokens(&a.question)));
        for (t, an) in e.alternatives.iter().zip(&a.alternatives) {
            doc.add_pre_tokenized_text(fields.alternatives, pre_tokenized(t, morph_tokens(an)));
        }
        for (t, an) in e.keywords.iter().zip(&a.keywords) {
            doc.add_pre_tokenized_text(fields.keywords, pre_tokenized(t, morph_tokens(an)));
        }
        doc.add_pre_tokenized_text(fields.answer, pre_tokenized(&e.answer, morph_tokens(&a.answer)));
        for an in a.question_side() {
            doc.add_pre_tokenized_text(fields.bigram, pre_tokenized(&an.normalized, bigram_tokens(an)));
        }
        self.writer.add_document(doc)?;
        Ok(())
    }

    /// Commits and merges into one segment (every query clause pays
    /// per-segment setup).
    pub fn finish(mut self) -> Result<(Index, Fields)> {
        self.writer.commit()?;
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            self.writer.merge(&segments).wait()?;
        }
        self.writer.wait_merging_threads()?;
        Ok((self.index, self.fields))
    }
}

/// The index writer's memory budget (Tantivy flushes a segment when full).
const WRITER_MEMORY: usize = 50_000_000;
