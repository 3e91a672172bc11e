//! The morphological analyzer: Lindera + IPADIC + the domain user dictionary.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera::worker::SegmentWorker;

use super::dictionary::{default_dictionary_dir, load_system_dictionary, load_user_dictionary};
use super::sudachi::SynonymDictionary;
use super::synonyms::Synonyms;
use super::word_info::{WordDetails, WordTable, word_table};
use crate::error::{Error, Result};
use crate::normalize::{fold, is_symbol, normalize};

/// One content word of an analyzed text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Term {
    /// Matching key of the base form (see [`crate::normalize::fold`]).
    pub key: String,
    /// Matching key of the reading, when the dictionary knows it and it
    /// differs from `key` (紛失 → ふんしつ).
    pub reading: Option<String>,
    /// The surface form in the normalized text.
    pub surface: String,
    /// Part of speech (IPADIC top level, e.g. `名詞`), or `未知語`.
    /// Borrowed for the classes analysis keeps, so a term costs no
    /// allocation for it.
    pub pos: Cow<'static, str>,
    /// Byte range of `surface` in the normalized text.
    pub span: (usize, usize),
    /// What kind of term this is.
    pub kind: TermKind,
    /// For a [`TermKind::Compound`], the keys of its content-word parts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<String>,
}

/// How a term arose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// A content word as the dictionary segmented it.
    Word,
    /// A part of a user-dictionary compound (まどか / ポイント of
    /// まどかポイント), emitted in addition to the compound itself.
    Inner,
    /// Two or three adjacent nouns joined (粗大 + ごみ → 粗大ごみ, 住民 + 税
    /// → 住民税): the dictionary splits some spellings of a compound and not
    /// others (粗大ゴミ vs 粗大ごみ), and a joined key lets both meet.
    Compound,
}

impl Term {
    /// True for a word as segmented (not an inner part or a compound).
    pub fn is_word(&self) -> bool {
        self.kind == TermKind::Word
    }
}

/// The result of analyzing one text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Analysis {
    /// The normalized text (see [`crate::normalize::normalize`]).
    pub normalized: String,
    /// Content words, in order.
    pub terms: Vec<Term>,
    /// The text spelled in folded readings (kana-only), with a space where a
    /// symbol stood; reading bigrams come from here.
    pub reading_text: String,
    /// Byte offsets in `normalized` where a token (any token, particles
    /// included) starts or ends, ascending; lexicon matching uses them so
    /// that セックス inside ユニセックス is no match.
    #[serde(default)]
    pub boundaries: Vec<usize>,
}

impl Analysis {
    /// The matching keys of all terms (base forms and readings), deduplicated
    /// in order of appearance.
    pub fn keys(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for t in &self.terms {
            for k in std::iter::once(t.key.as_str()).chain(t.reading.as_deref()) {
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
        out
    }
}

fn is_stop_word(base: &str) -> bool {
    // FNV: asked for every token of every text.
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str, crate::fnv::BuildFnv>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.iter().copied().collect()).contains(base)
}

/// Words that appear in almost every request and say nothing about the topic.
const STOP_WORDS: &[&str] = &[
    "する", "いる", "ある", "なる", "れる", "られる", "せる", "させる", "こと", "もの", "よう", "ため",
    "とき", "の", "ん", "さ", "ない", "教える", "知る", "分かる", "わかる", "思う", "言う", "いう",
    "欲しい", "ほしい", "いい", "よい", "良い", "お願い", "願う", "ござる", "です", "ます", "くださる",
    "下さる", "今", "今日", "方", "てる", "ちゃう", "しまう", "くる", "来る", "いく", "行く", "何",
    "なん", "なに", "いつ", "どこ", "どう", "どれ", "誰", "だれ", "あと", "みたい", "感じ", "場合",
    "大丈夫", "ちょっと", "すぐ", "まだ", "もう",
];

/// Lindera with IPADIC, the domain user dictionary and the synonym list.
///
/// Cheap to clone (everything is shared); `Send + Sync`.
///
/// ```no_run
/// use madoguchi::tokenize::Analyzer;
/// let analyzer = Analyzer::new()?;
/// let analysis = analyzer.analyze("カードを落としました");
/// let keys: Vec<&str> = analysis.terms.iter().map(|t| t.key.as_str()).collect();
/// assert_eq!(keys, ["かーど", "落とす"]);
/// # Ok::<(), madoguchi::Error>(())
/// ```
#[derive(Clone)]
pub struct Analyzer {
    inner: Arc<Inner>,
}

/// Folded user-dictionary word → its parts (key, reading).
type CompoundParts = HashMap<String, Vec<(String, Option<String>)>, crate::fnv::BuildFnv>;

struct Inner {
    segmenter: Segmenter,
    /// Idle segmenters with their Viterbi lattices, one per caller at a
    /// time: `Segmenter::segment` builds and drops a lattice on every call
    /// (a tenth of a turn's allocations). Each worker is bound to this
    /// segmenter's dictionaries, so a lattice never meets another one.
    workers: Mutex<Vec<SegmentWorker>>,
    /// Folded parts of each user-dictionary word, so compounds stay searchable
    /// by their inner words.
    compound_parts: CompoundParts,
    synonyms: Synonyms,
    general: Option<Arc<SynonymDictionary>>,
    /// The four detail fields of every system word (see `word_info`).
    words: Arc<WordTable>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("compounds", &self.inner.compound_parts.len())
            .field("synonym_groups", &self.inner.synonyms.groups().len())
            .field("general_synonym_groups", &self.inner.general.as_ref().map(|g| g.groups()))
            .finish()
    }
}

/// Builder for [`Analyzer`].
#[derive(Debug, Clone, Default)]
pub struct AnalyzerBuilder {
    dictionary_dir: Option<PathBuf>,
    user_dictionary: Option<PathBuf>,
    synonyms: Option<PathBuf>,
    general_synonyms: Option<PathBuf>,
    no_resources: bool,
}

impl AnalyzerBuilder {
    /// The compiled IPADIC directory (default: [`default_dictionary_dir`]).
    pub fn dictionary_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dictionary_dir = Some(dir.into());
        self
    }
    /// A user dictionary CSV (default: `dictionaries/user-dictionary.csv` next
    /// to the system dictionary).
    pub fn user_dictionary(mut self, path: impl Into<PathBuf>) -> Self {
        self.user_dictionary = Some(path.into());
        self
    }
    /// A synonym list (default: `dictionaries/synonyms.txt`).
    pub fn synonyms(mut self, path: impl Into<PathBuf>) -> Self {
        self.synonyms = Some(path.into());
        self
    }
    /// The general synonym dictionary in Sudachi's format (default:
    /// `dictionaries/sudachi/synonyms.txt`; see [`SynonymDictionary`]).
    pub fn general_synonyms(mut self, path: impl Into<PathBuf>) -> Self {
        self.general_synonyms = Some(path.into());
        self
    }
    /// Use only the system dictionary: no user dictionary, no synonyms.
    pub fn without_domain_resources(mut self) -> Self {
        self.no_resources = true;
        self
    }

    /// Loads everything; every problem in the resource files is reported.
    pub fn build(self) -> Result<Analyzer> {
        let dict_dir = self.dictionary_dir.unwrap_or_else(default_dictionary_dir);
        let resources = dict_dir.parent().map(Path::to_path_buf).unwrap_or_default();
        let pick = |explicit: Option<PathBuf>, name: &str| -> Option<PathBuf> {
            if self.no_resources {
                return None;
            }
            explicit.or_else(|| Some(resources.join(name)).filter(|p| p.exists()))
        };
        let user_path = pick(self.user_dictionary, "user-dictionary.csv");
        let synonyms_path = pick(self.synonyms, "synonyms.txt");
        let general_path = pick(self.general_synonyms, "sudachi/synonyms.txt");
        // The general synonym dictionary (megabytes of text to parse) loads
        // on another core while the system dictionary and its word table do.
        let (general, segmenter) = std::thread::scope(|s| {
            let general = general_path.map(|p| s.spawn(move || load_general(&p)));
            let segmenter = Self::segmenter(&dict_dir, user_path);
            // Loading never panics on bad input (it returns errors); a panic
            // is a bug, passed on.
            (general.map(|g| g.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).transpose(), segmenter)
        });
        let (segmenter, table, compound_parts) = segmenter?;
        let mut analyzer = Analyzer {
            inner: Arc::new(Inner {
                segmenter,
                workers: Mutex::new(Vec::new()),
                compound_parts,
                synonyms: Synonyms::default(),
                general: general?,
                words: table,
            }),
        };
        if let Some(path) = synonyms_path {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            let synonyms = Synonyms::parse(&text, &path, &analyzer)?;
            Arc::get_mut(&mut analyzer.inner).expect("not shared yet").synonyms = synonyms;
        }
        Ok(analyzer)
    }

    /// The segmenter of the system dictionary in `dict_dir` (with the user
    /// dictionary, if any), its word table, and the parts of the user
    /// dictionary's compounds.
    fn segmenter(dict_dir: &Path, user_path: Option<PathBuf>) -> Result<(Segmenter, Arc<WordTable>, CompoundParts)> {
        let system = load_system_dictionary(dict_dir)?;
        let table = word_table(dict_dir)?;
        if table.len() != system.prefix_dictionary.words_idx_data.len() / 4 {
            return Err(Error::Dictionary {
                path: dict_dir.to_path_buf(),
                message: "the dictionary changed while it was loaded; load it again".into(),
            });
        }
        let plain = Segmenter::new(Mode::Normal, system.clone(), None);
        let mut compound_parts = CompoundParts::default();
        let segmenter = match user_path {
            Some(path) => {
                let (user_dict, words) = load_user_dictionary(&path)?;
                let mut plain_worker = plain.new_worker();
                for w in &words {
                    let surface = normalize(&w.surface);
                    let no_parts = CompoundParts::default();
                    let (parts, _, _) = segment(&mut plain_worker, &table, &surface, &no_parts, Spell::KeysOnly)?;
                    let parts: Vec<_> =
                        parts.into_iter().filter(Term::is_word).map(|t| (t.key, t.reading)).collect();
                    if parts.len() > 1 {
                        compound_parts.insert(fold(&surface), parts);
                    }
                }
                Segmenter::new(Mode::Normal, system, Some(user_dict))
            }
            None => plain,
        };
        Ok((segmenter, table, compound_parts))
    }
}

impl Analyzer {
    /// Loads the default dictionaries (see [`AnalyzerBuilder`]).
    pub fn new() -> Result<Self> {
        Self::builder().build()
    }

    /// A builder for custom dictionary locations.
    pub fn builder() -> AnalyzerBuilder {
        AnalyzerBuilder::default()
    }

    /// The synonym groups in use.
    pub fn synonyms(&self) -> &Synonyms {
        &self.inner.synonyms
    }

    /// The general synonym dictionary, if one is loaded.
    pub fn general_synonyms(&self) -> Option<&SynonymDictionary> {
        self.inner.general.as_deref()
    }

    /// Normalizes and analyzes `text`. Never fails: text Lindera cannot
    /// segment yields no terms.
    pub fn analyze(&self, text: &str) -> Analysis {
        self.analyze_with(text, Spell::Full)
    }

    /// [`Analyzer::analyze`] for texts of which only the terms' keys and
    /// readings are read, such as answers at index time (most of a corpus's
    /// text): [`Analysis::reading_text`], [`Analysis::boundaries`] and each
    /// term's `surface` and `parts` are left empty, which saves a quarter
    /// of the analysis work.
    ///
    /// ```no_run
    /// use madoguchi::tokenize::Analyzer;
    /// let analyzer = Analyzer::new()?;
    /// let (full, keys) = (analyzer.analyze("カードを落とした"), analyzer.analyze_keys("カードを落とした"));
    /// assert!(full.terms.iter().zip(&keys.terms).all(|(a, b)| a.key == b.key && a.reading == b.reading));
    /// assert!(keys.reading_text.is_empty() && keys.terms[0].surface.is_empty());
    /// # Ok::<(), madoguchi::Error>(())
    /// ```
    pub fn analyze_keys(&self, text: &str) -> Analysis {
        self.analyze_with(text, Spell::KeysOnly)
    }

    fn analyze_with(&self, text: &str, spell: Spell) -> Analysis {
        let normalized = normalize(text);
        // A poisoned pool only means a panic elsewhere; its workers are whole.
        let idle = self.inner.workers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut worker = idle.unwrap_or_else(|| self.inner.segmenter.new_worker());
        let (terms, reading_text, boundaries) =
            segment(&mut worker, &self.inner.words, &normalized, &self.inner.compound_parts, spell)
                .unwrap_or_else(|_| (Vec::new(), if spell == Spell::Full { fold(&normalized) } else { String::new() }, Vec::new()));
        self.inner.workers.lock().unwrap_or_else(|e| e.into_inner()).push(worker);
        Analysis { normalized, terms, reading_text, boundaries }
    }
}

/// What [`segment`] produces besides the terms.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Spell {
    /// The reading text and the token boundaries too.
    Full,
    /// Only the terms' keys, readings, kinds and spans.
    KeysOnly,
}

/// Loads a general synonym dictionary once per process and path: it is
/// large (megabytes) and immutable, and every analyzer can share it.
fn load_general(path: &Path) -> Result<Arc<SynonymDictionary>> {
    static CACHE: std::sync::Mutex<Vec<(PathBuf, Arc<SynonymDictionary>)>> = std::sync::Mutex::new(Vec::new());
    let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if let Some((_, d)) = CACHE.lock().unwrap_or_else(|e| e.into_inner()).iter().find(|(p, _)| *p == key) {
        return Ok(d.clone());
    }
    let dict = Arc::new(SynonymDictionary::load(path)?);
    CACHE.lock().unwrap_or_else(|e| e.into_inner()).push((key, dict.clone()));
    Ok(dict)
}

/// The reading of the base form, derived from the reading of the conjugated
/// surface: 落とし/オトシ with base 落とす → おとす.
fn base_reading(surface: &str, base: &str, surface_reading: &str) -> String {
    let common = surface.chars().zip(base.chars()).take_while(|(a, b)| a == b).count();
    let surface_rest = fold(&surface.chars().skip(common).collect::<String>());
    let base_rest = fold(&base.chars().skip(common).collect::<String>());
    match surface_reading.strip_suffix(surface_rest.as_str()) {
        Some(stem) => format!("{stem}{base_rest}"),
        None => surface_reading.to_string(),
    }
}

/// Single kana or bare long-vowel marks: fragments of kana text that Lindera
/// could not segment. The bigram field covers those spellings instead.
fn is_noise_key(key: &str) -> bool {
    let mut chars = key.chars();
    let first = chars.next();
    let single = chars.next().is_none();
    key.chars().all(|c| c == 'ー') || (single && first.is_some_and(|c| matches!(c, '\u{3041}'..='\u{309F}')))
}

fn keep(pos: &str, pos1: &str) -> bool {
    match pos {
        "名詞" => !matches!(pos1, "非自立" | "代名詞" | "接尾" | "特殊"),
        "動詞" | "形容詞" => !matches!(pos1, "非自立" | "接尾"),
        "UNK" | "未知語" => true,
        _ => false,
    }
}

/// Tokens that may form a compound with their neighbours: nouns (with
/// suffixes such as 税, 料, 者) and prefixes (再, 未), not numbers or
/// pronouns — except the interrogative 何, whose compounds with a counter
/// (何日, 何回, 何歳) say what the customer asks about.
fn compoundable(surface: &str, pos: &str, pos1: &str) -> bool {
    match pos {
        "名詞" if matches!(pos1, "代名詞" | "数") && matches!(surface, "何" | "なん" | "なに") => true,
        "名詞" => !matches!(pos1, "非自立" | "数" | "特殊"),
        "接頭詞" => true,
        _ => false,
    }
}

/// Tokens whose reading belongs to the reading text: everything but
/// symbols. (Leaving particles out too was tried: it lost ranking quality
/// on both dev corpora, since kana spellings that the dictionary cuts
/// wrongly look like particles.)
fn spelled(pos: &str) -> bool {
    pos != "記号"
}

/// Longest compound, in tokens; and the longest run joined at all.
const COMPOUND_MAX_PARTS: usize = 3;

/// One compoundable token of the current run: its folded surface (a range
/// of the run's shared text) and the term it produced, if any (an index
/// into the terms), so a run costs no allocation per token.
struct RunToken {
    folded: (usize, usize),
    span: (usize, usize),
    term: Option<usize>,
}

/// The current run of adjacent compoundable tokens.
#[derive(Default)]
struct Run {
    tokens: Vec<RunToken>,
    text: String,
}

/// One Lindera pass: the content words (with compounds of adjacent nouns),
/// and the folded reading of the text (see [`Analysis::reading_text`]).
fn segment(
    worker: &mut SegmentWorker,
    words: &WordTable,
    normalized: &str,
    compounds: &CompoundParts,
    spell: Spell,
) -> Result<(Vec<Term>, String, Vec<usize>)> {
    let full = spell == Spell::Full;
    let tokens = worker
        .segment(normalized)
        .map_err(|e| Error::Analysis(e.to_string()))?;
    let mut terms = Vec::with_capacity(tokens.len());
    let mut reading_text = String::with_capacity(if full { normalized.len() * 2 } else { 0 });
    let mut run = Run::default();
    let mut folded = String::new();
    let mut boundaries = Vec::with_capacity(if full { tokens.len() + 1 } else { 0 });
    if full {
        boundaries.push(0);
    }
    for mut tok in tokens {
        let span = (tok.byte_start, tok.byte_end);
        if full {
            if boundaries.last() != Some(&span.0) {
                boundaries.push(span.0);
            }
            boundaries.push(span.1);
        }
        // The surface is the normalized text at the token's span (Lindera
        // cuts the text it is given); borrowed, not copied.
        let owned;
        let surface = match normalized.get(span.0..span.1) {
            Some(s) if s == tok.surface.as_ref() => s,
            _ => {
                owned = tok.surface.to_string();
                owned.as_str()
            }
        };
        // System words from the compact table; user and unknown words (few)
        // from Lindera's records.
        let system = (tok.word_id.is_system() && !tok.word_id.is_unknown())
            .then(|| words.get(tok.word_id.id()))
            .flatten();
        let fields;
        let details = match system {
            Some(d) => d,
            None => {
                fields = tok.details();
                WordDetails::from_fields(&fields)
            }
        };
        let (pos, pos1) = (details.pos, details.pos1);
        let all_symbols = surface.chars().all(is_symbol);
        if full {
            if spelled(pos) && !all_symbols {
                fold_into(&mut folded, details.reading.unwrap_or(surface));
                reading_text.extend(folded.chars().filter(|c| !is_symbol(*c)));
            } else if !reading_text.ends_with(' ') && !reading_text.is_empty() {
                reading_text.push(' ');
            }
        }
        let joinable = compoundable(surface, pos, pos1) && !all_symbols;
        if !joinable {
            flush_compounds(&mut run, &mut terms, normalized, full);
        }
        let term = content_term(surface, &details, span, &mut folded, full);
        if joinable {
            fold_into(&mut folded, surface.trim_matches(is_symbol));
            let start = run.text.len();
            run.text.push_str(&folded);
            let term = term.as_ref().map(|_| terms.len());
            run.tokens.push(RunToken { folded: (start, run.text.len()), span, term });
        }
        let Some(term) = term else { continue };
        let parts = compounds.get(&term.key);
        terms.push(term);
        for (k, r) in parts.into_iter().flatten() {
            terms.push(Term {
                key: k.clone(),
                reading: r.clone(),
                surface: if full { surface.to_string() } else { String::new() },
                pos: Cow::Borrowed("名詞"),
                span,
                kind: TermKind::Inner,
                parts: Vec::new(),
            });
        }
    }
    flush_compounds(&mut run, &mut terms, normalized, full);
    reading_text.truncate(reading_text.trim_end().len());
    boundaries.dedup();
    Ok((terms, reading_text, boundaries))
}

/// [`fold`] into a reused buffer (cleared first).
fn fold_into(out: &mut String, word: &str) {
    out.clear();
    crate::normalize::fold_append(out, word);
}

/// The content word a token stands for, if it is one. `scratch` is a
/// reused buffer.
fn content_term(
    surface: &str,
    details: &WordDetails<'_>,
    span: (usize, usize),
    scratch: &mut String,
    full: bool,
) -> Option<Term> {
    let (pos, pos1) = (details.pos, details.pos1);
    if surface.chars().all(is_symbol) || !keep(pos, pos1) {
        return None;
    }
    let base = details.base.unwrap_or(surface);
    if is_stop_word(base) {
        return None;
    }
    let trimmed = base.trim_matches(is_symbol);
    if trimmed.is_empty() {
        return None;
    }
    let key = fold(trimmed);
    if is_noise_key(&key) {
        return None;
    }
    let reading = details
        .reading
        .and_then(|r| {
            fold_into(scratch, r);
            // Unconjugated (surface = base, most nouns): the reading is the
            // surface's own, with nothing to strip or add.
            if surface == base {
                (*scratch != key).then(|| scratch.clone())
            } else {
                Some(base_reading(surface, base, scratch)).filter(|r| *r != key)
            }
        });
    let pos = match pos {
        "名詞" => Cow::Borrowed("名詞"),
        "動詞" => Cow::Borrowed("動詞"),
        "形容詞" => Cow::Borrowed("形容詞"),
        "UNK" | "未知語" => Cow::Borrowed("未知語"),
        other => Cow::Owned(other.to_string()),
    };
    let surface = if full { surface.to_string() } else { String::new() };
    Some(Term { key, reading, surface, pos, span, kind: TermKind::Word, parts: Vec::new() })
}

/// Emits the compounds of a finished run of adjacent nouns: every
/// contiguous stretch of 2..=3 tokens, as one folded key, with the keys of
/// the content words among its parts (none for 何日).
fn flush_compounds(run: &mut Run, terms: &mut Vec<Term>, normalized: &str, full: bool) {
    let tokens = &run.tokens;
    for len in 2..=COMPOUND_MAX_PARTS.min(tokens.len()) {
        for window in tokens.windows(len) {
            // Folded surfaces of adjacent tokens lie next to each other in
            // the run's text: the compound's key is one slice of it.
            let key = &run.text[window[0].folded.0..window[len - 1].folded.1];
            if terms.iter().any(|t| t.key == key) {
                continue;
            }
            let span = (window[0].span.0, window[len - 1].span.1);
            let (parts, surface) = if full {
                let parts = window.iter().filter_map(|t| t.term.map(|i| terms[i].key.clone())).collect();
                (parts, normalized.get(span.0..span.1).unwrap_or_default().to_string())
            } else {
                (Vec::new(), String::new())
            };
            terms.push(Term {
                key: key.to_string(),
                reading: None,
                surface,
                pos: Cow::Borrowed("名詞"),
                span,
                kind: TermKind::Compound,
                parts,
            });
        }
    }
    run.tokens.clear();
    run.text.clear();
}
