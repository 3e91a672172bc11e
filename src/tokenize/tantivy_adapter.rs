//! Adapters from the [`Analyzer`] to `tantivy::tokenizer::Tokenizer`
//! (lindera-tantivy does not support Lindera 6).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::{Analysis, Analyzer, bigrams};

/// Emits each content word's base-form key, plus its reading key at the same
/// position when it differs.
#[derive(Clone, Debug)]
pub struct MorphTokenizer {
    analyzer: Analyzer,
}

/// Emits character bigrams of the folded reading of the text.
#[derive(Clone, Debug)]
pub struct BigramTokenizer {
    analyzer: Analyzer,
}

impl MorphTokenizer {
    /// Wraps an analyzer (cheap: the analyzer is shared).
    pub fn new(analyzer: Analyzer) -> Self {
        Self { analyzer }
    }
}

impl BigramTokenizer {
    /// Wraps an analyzer (cheap: the analyzer is shared).
    pub fn new(analyzer: Analyzer) -> Self {
        Self { analyzer }
    }
}

/// A token stream over precomputed tokens.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    cursor: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.cursor += 1;
        self.cursor <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.cursor - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.cursor - 1]
    }
}

fn token(text: String, position: usize, span: (usize, usize)) -> Token {
    Token { offset_from: span.0, offset_to: span.1, position, text, position_length: 1 }
}

/// The morpheme field's tokens for an analysis: each word's base-form key,
/// and its reading key at the same position. Shared by [`MorphTokenizer`]
/// and the index builder's pre-tokenized path, so they cannot drift.
pub fn morph_tokens(analysis: &Analysis) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(analysis.terms.len() * 2);
    for (position, t) in analysis.terms.iter().enumerate() {
        if let Some(r) = &t.reading {
            tokens.push(token(r.clone(), position, t.span));
        }
        tokens.push(token(t.key.clone(), position, t.span));
    }
    tokens
}

/// The bigram field's tokens for an analysis (see [`morph_tokens`]).
pub fn bigram_tokens(analysis: &Analysis) -> Vec<Token> {
    bigrams(&analysis.reading_text).into_iter().enumerate().map(|(i, b)| token(b, i, (0, 0))).collect()
}

/// Separates the keys of one field value handed to the index: a control
/// character, which normalization removes from text; [`morph_keys`] also
/// drops it from keys that come from dictionary columns.
pub const KEY_SEPARATOR: char = '\u{1f}';

/// The keys of [`morph_tokens`], joined by [`KEY_SEPARATOR`] into `out`
/// (cleared first): what the index builder hands Tantivy, split again by
/// [`KeysTokenizer`]. Cheaper than a `PreTokenizedString`, which Tantivy
/// serializes to JSON and back for every value.
///
/// ```
/// use madoguchi::tokenize::{Analyzer, KEY_SEPARATOR, morph_keys, morph_tokens};
/// let a = Analyzer::new()?.analyze("カードを紛失した");
/// let mut joined = String::new();
/// morph_keys(&a, &mut joined);
/// let tokens: Vec<String> = morph_tokens(&a).into_iter().map(|t| t.text).collect();
/// assert_eq!(joined.split(KEY_SEPARATOR).collect::<Vec<_>>(), tokens);
/// # Ok::<(), madoguchi::Error>(())
/// ```
pub fn morph_keys(analysis: &Analysis, out: &mut String) {
    out.clear();
    for t in &analysis.terms {
        if let Some(r) = &t.reading {
            push_key(out, r);
        }
        push_key(out, &t.key);
    }
}

/// The keys of [`bigram_tokens`], joined as in [`morph_keys`].
pub fn bigram_keys(analysis: &Analysis, out: &mut String) {
    out.clear();
    super::for_each_bigram(&analysis.reading_text, |b| push_key(out, b));
}

/// Calls `f` with each key [`morph_keys`] would join, as [`KeysTokenizer`]
/// splits them again, without joining them: for counting the index in RAM
/// (`scratch` holds a key that had a separator removed).
///
/// ```
/// use madoguchi::tokenize::{Analyzer, KEY_SEPARATOR, for_each_morph_key, morph_keys};
/// let a = Analyzer::new()?.analyze("カードを紛失した");
/// let mut joined = String::new();
/// morph_keys(&a, &mut joined);
/// let mut keys = Vec::new();
/// for_each_morph_key(&a, &mut String::new(), |k| keys.push(k.to_string()));
/// assert_eq!(joined.split(KEY_SEPARATOR).collect::<Vec<_>>(), keys);
/// # Ok::<(), madoguchi::Error>(())
/// ```
pub fn for_each_morph_key(analysis: &Analysis, scratch: &mut String, mut f: impl FnMut(&str)) {
    for t in &analysis.terms {
        if let Some(r) = &t.reading {
            emit_key(r, scratch, &mut f);
        }
        emit_key(&t.key, scratch, &mut f);
    }
}

/// [`for_each_morph_key`] for the keys of [`bigram_keys`].
pub fn for_each_bigram_key(analysis: &Analysis, scratch: &mut String, mut f: impl FnMut(&str)) {
    super::for_each_bigram(&analysis.reading_text, |b| emit_key(b, scratch, &mut f));
}

/// What [`push_key`] adds and splitting gives back: the key without
/// separators, unless that is empty.
#[inline]
fn emit_key(key: &str, scratch: &mut String, f: &mut impl FnMut(&str)) {
    // The separator is one byte in UTF-8 and no part of another character.
    if key.bytes().any(|b| b == KEY_SEPARATOR as u8) {
        scratch.clear();
        scratch.extend(key.chars().filter(|c| *c != KEY_SEPARATOR));
        if !scratch.is_empty() {
            f(scratch);
        }
    } else if !key.is_empty() {
        f(key);
    }
}

fn push_key(out: &mut String, key: &str) {
    // Base forms and readings come from dictionary columns, which a user
    // dictionary could fill with anything: a separator inside a key would
    // split it in two, and an empty key is no word.
    if key.chars().all(|c| c == KEY_SEPARATOR) {
        return;
    }
    if !out.is_empty() {
        out.push(KEY_SEPARATOR);
    }
    // Copied whole unless it holds a separator (dictionary keys never do).
    if key.contains(KEY_SEPARATOR) {
        out.extend(key.chars().filter(|c| *c != KEY_SEPARATOR));
    } else {
        out.push_str(key);
    }
}

/// Splits a value joined by [`morph_keys`] or [`bigram_keys`] back into its
/// keys (empty pieces are skipped).
#[derive(Clone, Debug, Default)]
pub struct KeysTokenizer {
    token: Token,
}

/// Token stream of [`KeysTokenizer`].
pub struct KeysTokenStream<'a> {
    text: &'a str,
    at: usize,
    token: &'a mut Token,
}

impl TokenStream for KeysTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while self.at <= self.text.len() {
            let rest = &self.text[self.at..];
            let len = rest.find(KEY_SEPARATOR).unwrap_or(rest.len());
            let start = self.at;
            self.at += len + KEY_SEPARATOR.len_utf8();
            if len == 0 {
                continue;
            }
            self.token.text.clear();
            self.token.text.push_str(&rest[..len]);
            self.token.offset_from = start;
            self.token.offset_to = start + len;
            self.token.position = self.token.position.wrapping_add(1);
            return true;
        }
        false
    }
    fn token(&self) -> &Token {
        self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

impl Tokenizer for KeysTokenizer {
    type TokenStream<'a> = KeysTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> KeysTokenStream<'a> {
        self.token.reset();
        KeysTokenStream { text, at: 0, token: &mut self.token }
    }
}

impl Tokenizer for MorphTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream { tokens: morph_tokens(&self.analyzer.analyze(text)), cursor: 0 }
    }
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream { tokens: bigram_tokens(&self.analyzer.analyze(text)), cursor: 0 }
    }
}

#[cfg(test)]
mod keys_tests {
    use super::*;

    #[test]
    fn keys_tokenizer_splits_on_the_separator_and_skips_empty_pieces() {
        let mut t = KeysTokenizer::default();
        let text = format!("かーど{0}{0}紛失{0}", KEY_SEPARATOR);
        let mut stream = t.token_stream(&text);
        let mut seen = Vec::new();
        while stream.advance() {
            let tok = stream.token();
            assert_eq!(&text[tok.offset_from..tok.offset_to], tok.text);
            seen.push((tok.text.clone(), tok.position));
        }
        assert_eq!(seen, vec![("かーど".to_string(), 0), ("紛失".to_string(), 1)]);
        let mut empty = t.token_stream("");
        assert!(!empty.advance());
    }

    /// The keys given one by one are those joined and split again, for
    /// keys with separators inside, made only of separators, or empty.
    #[test]
    fn keys_one_by_one_are_the_joined_keys_split_again() {
        let sep = KEY_SEPARATOR;
        let term = |key: String, reading: Option<String>| crate::tokenize::Term {
            key,
            reading,
            surface: String::new(),
            pos: "名詞".into(),
            span: (0, 0),
            kind: crate::tokenize::TermKind::Word,
            parts: Vec::new(),
        };
        let analysis = Analysis {
            terms: vec![
                term("カード".into(), Some("かーど".into())),
                term(format!("紛{sep}失"), Some(format!("{sep}{sep}"))),
                term(String::new(), Some(format!("ふ{sep}"))),
                term(format!("{sep}"), None),
            ],
            reading_text: format!("かー{sep}ど{sep}{sep}ふ"),
            normalized: String::new(),
            boundaries: Vec::new(),
        };
        let split = |joined: &str| -> Vec<String> {
            let mut t = KeysTokenizer::default();
            let mut stream = t.token_stream(joined);
            let mut out = Vec::new();
            while stream.advance() {
                out.push(stream.token().text.clone());
            }
            out
        };
        let (mut joined, mut scratch) = (String::new(), String::new());
        morph_keys(&analysis, &mut joined);
        let mut keys = Vec::new();
        for_each_morph_key(&analysis, &mut scratch, |k| keys.push(k.to_string()));
        assert_eq!(keys, split(&joined));
        assert_eq!(keys, ["かーど", "カード", "紛失", "ふ"]);
        bigram_keys(&analysis, &mut joined);
        keys.clear();
        for_each_bigram_key(&analysis, &mut scratch, |k| keys.push(k.to_string()));
        assert_eq!(keys, split(&joined));
        assert!(!keys.is_empty());
    }
}
