//! Analysis of the entries, and the Tantivy index kept on disk: schema and
//! building. Ranking does not go through Tantivy's query engine;
//! [`super::postings`] counts or reads the frequencies once.

use std::path::{Path, PathBuf};

use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexWriter, TantivyDocument};

use crate::error::{Error, Result};
use crate::knowledge::FaqEntry;

use crate::tokenize::{Analysis, Analyzer, BigramTokenizer, KeysTokenizer, MorphTokenizer, bigram_keys, morph_keys};

/// Name under which [`MorphTokenizer`] is registered.
pub const MORPH_TOKENIZER: &str = "madoguchi_morph";
/// Name under which [`BigramTokenizer`] is registered.
pub const BIGRAM_TOKENIZER: &str = "madoguchi_bigram";
/// Name under which [`KeysTokenizer`] is registered: the indexed fields
/// receive their keys already analyzed, joined by a separator.
pub const KEYS_TOKENIZER: &str = "madoguchi_keys";

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

/// The fields of an index made by [`IndexBuilder`].
pub fn fields(schema: &Schema) -> Result<Fields> {
    let get = |name: &str| {
        schema.get_field(name).map_err(|_| Error::InvalidInput(format!("index has no field {name}: not a madoguchi index")))
    };
    Ok(Fields {
        ordinal: get("ordinal")?,
        category: get("category")?,
        question: get("question")?,
        alternatives: get("alternatives")?,
        keywords: get("keywords")?,
        answer: get("answer")?,
        bigram: get("bigram")?,
    })
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
        question: b.add_text_field("question", text(KEYS_TOKENIZER)),
        alternatives: b.add_text_field("alternatives", text(KEYS_TOKENIZER)),
        keywords: b.add_text_field("keywords", text(KEYS_TOKENIZER)),
        answer: b.add_text_field("answer", text(KEYS_TOKENIZER)),
        bigram: b.add_text_field("bigram", text(KEYS_TOKENIZER)),
    };
    (b.build(), fields)
}

/// Every text of one entry, analyzed once for the index build: the word
/// and bigram counts, the type-ahead vocabulary and, on disk, Tantivy's
/// fields (see [`analyze_entry`]: the answer is analyzed for its keys only).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EntryAnalysis {
    /// The question.
    pub question: Analysis,
    /// Each alternative phrasing.
    pub alternatives: Vec<Analysis>,
    /// Each keyword.
    pub keywords: Vec<Analysis>,
    /// The answer's keys ([`Analyzer::analyze_keys`]: the index reads
    /// nothing else of an answer).
    pub answer: Analysis,
}

impl EntryAnalysis {
    /// Question, alternatives and keywords: the entry's "question side".
    pub fn question_side(&self) -> impl Iterator<Item = &Analysis> {
        std::iter::once(&self.question).chain(&self.alternatives).chain(&self.keywords)
    }
}

/// Entries analyzed, counted and freed together: a unit of work of
/// [`analyze_pipelined`]'s workers, small enough that the cores finish
/// together; with the few chunks alive at once, what bounds a build's
/// memory.
pub const CHUNK: usize = 16;

/// Analyzes one entry as the index needs it: the answer for its keys only
/// ([`Analyzer::analyze_keys`]; analyze an answer with
/// [`Analyzer::analyze`] for its reading text or boundaries).
pub fn analyze_entry(analyzer: &Analyzer, e: &FaqEntry) -> EntryAnalysis {
    EntryAnalysis {
        question: analyzer.analyze(&e.question),
        alternatives: e.alternatives.iter().map(|t| analyzer.analyze(t)).collect(),
        keywords: e.keywords.iter().map(|t| analyzer.analyze(t)).collect(),
        answer: analyzer.analyze_keys(&e.answer),
    }
}

/// `f` of each item, in order, on all cores.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let per_thread = items.len().div_ceil(cores()).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            items.chunks(per_thread).map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>())).collect();
        // Analysis never panics (it degrades to no terms); a panic in `f`
        // is the caller's own, passed on.
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16)
}

/// Analyzes `entries` chunk by chunk ([`CHUNK`]) on every core and hands
/// each chunk with its analyses to `consume` (with the ordinal of its first
/// entry), in order, on the calling thread, so counting and indexing
/// overlap with analysis. Only a few chunks are alive at once (see
/// `retrieve/pipeline.rs`); if `consume` fails, the analysis stops.
pub fn analyze_pipelined(
    analyzer: &Analyzer,
    entries: &[FaqEntry],
    consume: impl FnMut(usize, &[FaqEntry], &[EntryAnalysis]) -> Result<()>,
) -> Result<()> {
    super::pipeline::in_order(entries, CHUNK, cores(), |e| analyze_entry(analyzer, e), consume)
}

/// Writes entries into a new index. Entries arrive already analyzed, and the
/// fields receive exactly the keys that [`MorphTokenizer`] and
/// [`BigramTokenizer`] would produce, joined for [`KeysTokenizer`], so no
/// text is analyzed twice.
pub struct IndexBuilder {
    index: Index,
    fields: Fields,
    writer: IndexWriter,
    /// `(root, build)` for an index on disk.
    on_disk: Option<(PathBuf, PathBuf)>,
}

/// File that marks a directory as madoguchi's index root (`--index-dir`).
pub const ROOT_MARKER: &str = "MADOGUCHI_INDEX_DIR";
/// File in the root naming the build in service.
pub const CURRENT: &str = "CURRENT";

/// Checks an index root: it must be new, empty, or already ours (it holds
/// [`ROOT_MARKER`]). Nothing in a directory of someone else's is touched.
fn prepare_root(root: &Path) -> Result<()> {
    if root.exists() {
        if !root.is_dir() {
            return Err(Error::InvalidInput(format!("--index-dir {}: not a directory", root.display())));
        }
        let ours = root.join(ROOT_MARKER).is_file();
        let empty = std::fs::read_dir(root).map_err(|e| Error::io(root, e))?.next().is_none();
        if !ours && !empty {
            return Err(Error::InvalidInput(format!(
                "--index-dir {}: the directory holds other files; give a new or empty directory (madoguchi keeps its index builds there)",
                root.display()
            )));
        }
    }
    std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
    let marker = root.join(ROOT_MARKER);
    if !marker.is_file() {
        std::fs::write(&marker, "madoguchi index builds (build-*); CURRENT names the one in service\n")
            .map_err(|e| Error::io(&marker, e))?;
    }
    Ok(())
}

/// A fresh, never-used build directory under `root`.
fn new_build_dir(root: &Path) -> Result<PathBuf> {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = root.join(format!("build-{nanos}-{}-{seq}", std::process::id()));
    // create_dir (not _all): fails rather than reuse an existing directory.
    std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
    Ok(dir)
}

/// Names `build` in `root/CURRENT` (write a temporary file, then rename: a
/// reader sees the old name or the new one), then removes builds older than
/// the previous one. Readers of an older build keep their open index.
fn publish(root: &Path, build: &Path) -> Result<()> {
    let name = build.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    let current = root.join(CURRENT);
    let previous = std::fs::read_to_string(&current).ok().map(|s| s.trim().to_string());
    let tmp = root.join(format!("{CURRENT}.{name}.tmp"));
    std::fs::write(&tmp, format!("{name}\n")).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &current).map_err(|e| Error::io(&current, e))?;
    let entries = std::fs::read_dir(root).map_err(|e| Error::io(root, e))?;
    for entry in entries.flatten() {
        let n = entry.file_name().to_string_lossy().into_owned();
        let keep = n == name || previous.as_deref() == Some(n.as_str());
        if n.starts_with("build-") && !keep && entry.path().is_dir() {
            // Only our own build directories; a failure leaves a stale build.
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    Ok(())
}

impl IndexBuilder {
    /// A new index in RAM, or on disk under the root directory `on_disk`:
    /// each build goes into a fresh `build-*` directory, which
    /// [`IndexBuilder::finish`] names in `CURRENT`. The root must be new,
    /// empty, or an index root made before; nothing else is ever deleted.
    pub fn new(analyzer: &Analyzer, on_disk: Option<&Path>) -> Result<Self> {
        let (schema, fields) = schema();
        let (index, on_disk) = match on_disk {
            Some(root) => {
                prepare_root(root)?;
                let build = new_build_dir(root)?;
                (Index::create_in_dir(&build, schema)?, Some((root.to_path_buf(), build)))
            }
            None => (Index::create_in_ram(schema), None),
        };
        // The fields take keys joined by the builder (`KEYS_TOKENIZER`); the
        // analyzing tokenizers are registered for tools that want to run
        // raw text through the same analysis (e.g. a Tantivy QueryParser on
        // a field of their own).
        index.tokenizers().register(MORPH_TOKENIZER, MorphTokenizer::new(analyzer.clone()));
        index.tokenizers().register(BIGRAM_TOKENIZER, BigramTokenizer::new(analyzer.clone()));
        index.tokenizers().register(KEYS_TOKENIZER, KeysTokenizer::default());
        // One thread: documents arrive pre-tokenized, and one segment is what
        // queries want anyway.
        let writer: IndexWriter = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        // We merge once in `finish`; a background merge racing with it
        // fails the build ("segments … could not be found") on corpora
        // large enough to flush more than one segment.
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        Ok(Self { index, fields, writer, on_disk })
    }

    /// Adds entry number `ordinal` with its analysis.
    pub fn add(&mut self, ordinal: usize, e: &FaqEntry, a: &EntryAnalysis) -> Result<()> {
        let fields = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(fields.ordinal, ordinal as u64);
        doc.add_text(fields.category, e.category.as_deref().unwrap_or(UNCATEGORIZED));
        let mut keys = String::new();
        morph_keys(&a.question, &mut keys);
        doc.add_text(fields.question, &keys);
        for an in &a.alternatives {
            morph_keys(an, &mut keys);
            doc.add_text(fields.alternatives, &keys);
        }
        for an in &a.keywords {
            morph_keys(an, &mut keys);
            doc.add_text(fields.keywords, &keys);
        }
        morph_keys(&a.answer, &mut keys);
        doc.add_text(fields.answer, &keys);
        for an in a.question_side() {
            bigram_keys(an, &mut keys);
            doc.add_text(fields.bigram, &keys);
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
        if let Some((root, build)) = &self.on_disk {
            publish(root, build)?;
        }
        Ok((self.index, self.fields))
    }
}

/// The index writer's memory budget (Tantivy flushes a segment when full).
const WRITER_MEMORY: usize = 50_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("madoguchi-index-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_directory_of_someone_else_is_refused_and_left_alone() {
        let dir = temp("foreign");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("thesis.txt"), "precious").unwrap();
        let err = prepare_root(&dir).unwrap_err().to_string();
        assert!(err.contains("holds other files"), "{err}");
        assert_eq!(std::fs::read_to_string(dir.join("thesis.txt")).unwrap(), "precious");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn builds_go_to_fresh_directories_and_current_moves_atomically() {
        let root = temp("builds");
        prepare_root(&root).unwrap();
        let first = new_build_dir(&root).unwrap();
        publish(&root, &first).unwrap();
        let second = new_build_dir(&root).unwrap();
        assert_ne!(first, second);
        publish(&root, &second).unwrap();
        let third = new_build_dir(&root).unwrap();
        publish(&root, &third).unwrap();
        let current = std::fs::read_to_string(root.join(CURRENT)).unwrap();
        assert_eq!(current.trim(), third.file_name().unwrap().to_str().unwrap());
        assert!(second.is_dir(), "the previous build stays for readers still on it");
        assert!(!first.exists(), "older builds are pruned");
        prepare_root(&root).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
    }

    fn entries(n: usize) -> Vec<FaqEntry> {
        // Lengths vary, so the workers finish their chunks out of order.
        (0..n).map(|i| FaqEntry::new(format!("e{i}"), "カードの暗証番号を変更したい".repeat(1 + i % 7), "窓口へ")).collect()
    }

    #[test]
    fn chunks_reach_consume_in_order_with_their_own_analyses() {
        let analyzer = Analyzer::new().unwrap();
        let entries = entries(CHUNK * 9 + 5);
        let mut seen = Vec::new();
        analyze_pipelined(&analyzer, &entries, |first, chunk, analyses| {
            assert_eq!(chunk.len(), analyses.len());
            for (i, (e, a)) in chunk.iter().zip(analyses).enumerate() {
                assert_eq!(e.id, entries[first + i].id);
                assert_eq!(a.question.terms, analyzer.analyze(&e.question).terms);
                seen.push(first + i);
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..entries.len()).collect::<Vec<_>>());
    }
}
