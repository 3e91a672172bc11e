//! The morphological analyzer: Lindera + IPADIC + the domain user dictionary.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lindera::mode::Mode;
use lindera::segmenter::Segmenter;

use super::dictionary::{default_dictionary_dir, load_system_dictionary, load_user_dictionary};
use super::synonyms::Synonyms;
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
    pub pos: String,
    /// Byte range of `surface` in the normalized text.
    pub span: (usize, usize),
    /// True for parts of a user-dictionary compound (まどか / ポイント of
    /// まどかポイント), emitted in addition to the compound itself.
    pub inner: bool,
}

/// The result of analyzing one text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Analysis {
    /// The normalized text (see [`crate::normalize::normalize`]).
    pub normalized: String,
    /// Content words, in order.
    pub terms: Vec<Term>,
    /// The text spelled in folded readings (kana-only), used for bigrams.
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
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
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

struct Inner {
    segmenter: Segmenter,
    /// Folded parts of each user-dictionary word, so compounds stay searchable
    /// by their inner words.
    compound_parts: HashMap<String, Vec<(String, Option<String>)>>,
    synonyms: Synonyms,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("compounds", &self.inner.compound_parts.len())
            .field("synonym_groups", &self.inner.synonyms.groups().len())
            .finish()
    }
}

/// Builder for [`Analyzer`].
#[derive(Debug, Clone, Default)]
pub struct AnalyzerBuilder {
    dictionary_dir: Option<PathBuf>,
    user_dictionary: Option<PathBuf>,
    synonyms: Option<PathBuf>,
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
    /// Use only the system dictionary: no user dictionary, no synonyms.
    pub fn without_domain_resources(mut self) -> Self {
        self.no_resources = true;
        self
    }

    /// Loads everything; every problem in the resource files is reported.
    pub fn build(self) -> Result<Analyzer> {
        let dict_dir = self.dictionary_dir.unwrap_or_else(default_dictionary_dir);
        let resources = dict_dir.parent().map(Path::to_path_buf).unwrap_or_default();
        let system = load_system_dictionary(&dict_dir)?;
        let plain = Segmenter::new(Mode::Normal, system.clone(), None);

        let pick = |explicit: Option<PathBuf>, name: &str| -> Option<PathBuf> {
            if self.no_resources {
                return None;
            }
            explicit.or_else(|| Some(resources.join(name)).filter(|p| p.exists()))
        };
        let user_path = pick(self.user_dictionary, "user-dictionary.csv");
        let synonyms_path = pick(self.synonyms, "synonyms.txt");

        let mut compound_parts = HashMap::new();
        let segmenter = match user_path {
            Some(path) => {
                let (user_dict, words) = load_user_dictionary(&path)?;
                for w in &words {
                    let (parts, _, _) = segment(&plain, &normalize(&w.surface), &HashMap::new())?;
                    let parts: Vec<_> = parts.into_iter().map(|t| (t.key, t.reading)).collect();
                    if parts.len() > 1 {
                        compound_parts.insert(fold(&normalize(&w.surface)), parts);
                    }
                }
                Segmenter::new(Mode::Normal, system, Some(user_dict))
            }
            None => plain,
        };
        let mut analyzer = Analyzer {
            inner: Arc::new(Inner { segmenter, compound_parts, synonyms: Synonyms::default() }),
        };
        if let Some(path) = synonyms_path {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            let synonyms = Synonyms::parse(&text, &path, &analyzer)?;
            Arc::get_mut(&mut analyzer.inner).expect("not shared yet").synonyms = synonyms;
        }
        Ok(analyzer)
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

    /// Normalizes and analyzes `text`. Never fails: text Lindera cannot
    /// segment yields no terms.
    pub fn analyze(&self, text: &str) -> Analysis {
        let normalized = normalize(text);
        let (terms, reading_text, boundaries) =
            segment(&self.inner.segmenter, &normalized, &self.inner.compound_parts)
                .unwrap_or_else(|_| (Vec::new(), fold(&normalized), Vec::new()));
        Analysis { normalized, terms, reading_text, boundaries }
    }
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

/// One Lindera pass: the content words, and the folded reading of the whole
/// text (each token's reading, or its surface when the dictionary has none).
fn segment(
    segmenter: &Segmenter,
    normalized: &str,
    compounds: &HashMap<String, Vec<(String, Option<String>)>>,
) -> Result<(Vec<Term>, String, Vec<usize>)> {
    let tokens = segmenter
        .segment(Cow::Borrowed(normalized))
        .map_err(|e| Error::Analysis(e.to_string()))?;
    let mut terms = Vec::new();
    let mut reading_text = String::with_capacity(normalized.len() * 2);
    let mut boundaries = vec![0];
    for mut tok in tokens {
        let span = (tok.byte_start, tok.byte_end);
        if boundaries.last() != Some(&span.0) {
            boundaries.push(span.0);
        }
        boundaries.push(span.1);
        let surface = tok.surface.to_string();
        let details = tok.details();
        let field = |i: usize| details.get(i).copied().filter(|s| *s != "*" && !s.is_empty());
        let whole_reading = field(7).unwrap_or(&surface);
        reading_text.extend(fold(whole_reading).chars().filter(|c| !is_symbol(*c)));
        if surface.chars().all(is_symbol) {
            continue;
        }
        let pos = details.first().copied().unwrap_or("UNK");
        let pos1 = details.get(1).copied().unwrap_or("*");
        if !keep(pos, pos1) {
            continue;
        }
        let base = field(6).unwrap_or(&surface);
        if is_stop_word(base) {
            continue;
        }
        let trimmed = base.trim_matches(is_symbol);
        if trimmed.is_empty() {
            continue;
        }
        let key = fold(trimmed);
        if is_noise_key(&key) {
            continue;
        }
        let reading = field(7).map(|r| base_reading(&surface, base, &fold(r))).filter(|r| *r != key);
        let pos = if pos == "UNK" { "未知語".to_string() } else { pos.to_string() };
        let parts = compounds.get(&key);
        terms.push(Term { key, reading, surface: surface.clone(), pos, span, inner: false });
        for (k, r) in parts.into_iter().flatten() {
            terms.push(Term { key: k.clone(), reading: r.clone(), surface: surface.clone(), pos: "名詞".into(), span, inner: true });
        }
    }
    boundaries.dedup();
    Ok((terms, reading_text, boundaries))
}
