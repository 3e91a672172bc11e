//! Text normalization: the first step of text → normalize → tokenize → retrieve.
//!
//! Two levels, on purpose:
//!
//! * [`normalize`] prepares text for the morphological analyzer. It unifies
//!   width (NFKC), case, long-vowel marks and whitespace, and drops control
//!   characters, but keeps katakana and kanji as they are: Lindera segments
//!   natural text far better than folded text.
//! * [`fold`] turns a word into a *matching key*: hiragana for all kana, small
//!   kana made large, trailing long-vowel marks dropped. Index terms and query
//!   terms both go through it, so かーど, カード and ｶｰﾄﾞ meet.
//!
//! The original text is never changed; callers keep it for display.
//!
//! ```
//! use madoguchi::normalize::{normalize, fold};
//! assert_eq!(normalize("ＳＩＭカードを　ﾅｸｼﾀ！"), "simカードを ナクシタ!");
//! assert_eq!(fold("カード"), fold("かーど"));
//! assert_eq!(fold("コンピューター"), fold("コンピュータ"));
//! ```

mod case;
mod control;
pub(crate) mod kana;
mod long_vowel;
mod width;

pub use case::lowercase_ascii;
pub use control::{strip_control, strip_for_display};
pub use kana::{katakana_to_hiragana, large_kana};
pub use long_vowel::{trim_trailing_long_vowel, unify_long_vowels};
pub use width::nfkc;

/// Normalizes text for analysis: NFKC width folding, ASCII lowercasing,
/// long-vowel unification, control characters removed, whitespace collapsed
/// and trimmed.
pub fn normalize(text: &str) -> String {
    // Most messages are normalized already, and a turn normalizes its text
    // several times (analysis, rules, repetition, verbatim lookup).
    normalize_common(text).unwrap_or_else(|| normalize_in_full(text))
}

/// The four passes of [`normalize`], whatever the text.
fn normalize_in_full(text: &str) -> String {
    // Controls go before NFKC, or a mark they separate from its base would
    // compose only on a second pass ("C\0\u{301}"): normalizing twice must
    // change nothing. Again after, for the spaces NFKC makes (U+3000 → ' ').
    let text = nfkc(&strip_control(text));
    let text = strip_control(&text);
    let text = lowercase_ascii(&text);
    unify_long_vowels(&text)
}

/// [`normalize`] in one pass for text made only of characters whose NFKC
/// form is themselves or one ASCII character (kana, common kanji, ASCII,
/// full-width ASCII such as ？ and Ａ, 、。「」, ideographic space), which
/// is most customer text; `None` for anything else (the full passes
/// decide). Whitespace runs become one inner space, controls and
/// zero-width characters go, capitals are lowered, and a dash after a
/// kana or ー becomes ー, exactly as the four passes do.
fn normalize_common(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    let mut pending_space = false;
    for c in text.chars() {
        let c = match c {
            // All whitespace, as the first strip_control pass sees it
            // (before NFKC): vertical tab, form feed and NEL too.
            c if c.is_whitespace() => {
                pending_space = !out.is_empty();
                continue;
            }
            '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}' => continue,
            c if c.is_control() => continue,
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0)?,
            c if width::stable(c) => c,
            _ => return None,
        };
        if pending_space {
            out.push(' ');
            prev = Some(' ');
            pending_space = false;
        }
        let c = match c.to_ascii_lowercase() {
            '-' | '~' if prev.is_some_and(|p| long_vowel::is_kana(p) || p == 'ー') => 'ー',
            c => c,
        };
        out.push(c);
        prev = Some(c);
    }
    Some(out)
}

/// Folds a word into its matching key (see the module docs).
pub fn fold(word: &str) -> String {
    // One pass and one allocation: this runs for every token of every text.
    let mut out = String::with_capacity(word.len());
    fold_append(&mut out, word);
    out
}

/// [`fold`] appended to `out`, for callers that reuse a buffer.
pub(crate) fn fold_append(out: &mut String, word: &str) {
    let start = out.len();
    let mut chars = 0;
    out.extend(word.chars().map(|c| {
        chars += 1;
        kana::large_kana_char(kana::katakana_to_hiragana_char(c))
    }));
    while chars > 2 && out[start..].ends_with('ー') {
        out.truncate(out.len() - 'ー'.len_utf8());
        chars -= 1;
    }
}

/// Folds a whole text for pattern matching: kana to hiragana and small kana
/// to large, keeping everything else (rules match on `fold_text(normalize(…))`
/// and their patterns are folded the same way).
///
/// ```
/// assert_eq!(madoguchi::normalize::fold_text("カードをｵﾄｼﾀ"), "かーどをおとした");
/// ```
pub fn fold_text(text: &str) -> String {
    // large_kana(katakana_to_hiragana(nfkc(text))) in one pass: both folds
    // are a character for a character, and this runs several times a turn.
    let fold = |c| kana::large_kana_char(kana::katakana_to_hiragana_char(c));
    let mut out = String::with_capacity(text.len());
    if text.chars().all(width::stable) {
        out.extend(text.chars().map(fold));
    } else {
        out.extend(nfkc(text).chars().map(fold));
    }
    out
}

/// True for characters that carry no meaning for retrieval (punctuation and
/// symbols); used to trim tokens and bigrams.
pub fn is_symbol(c: char) -> bool {
    !(is_alphanumeric(c) || c == 'ー' || c == '々' || c == 'ゝ' || c == 'ヽ')
}

/// `char::is_alphanumeric`, answered without the Unicode tables' search for
/// kana and the common kanji, which are most of a Japanese text (the search
/// cost about 3 % of a turn's instructions).
///
/// ```
/// use madoguchi::normalize::is_alphanumeric;
/// assert!(is_alphanumeric('カ') && is_alphanumeric('漢') && is_alphanumeric('é'));
/// assert!(!is_alphanumeric('・') && !is_alphanumeric('。'));
/// ```
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30a1}'..='\u{30fa}' | '\u{4e00}'..='\u{9fff}') || c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shortcut_gives_what_the_four_passes_give() {
        // Every string of up to three characters over a pool holding each
        // case the shortcut must get right (spaces, capitals, dashes after
        // kana or ー, controls, width forms, composing marks, ideographs).
        let pool = [
            ' ', '\t', '\n', '\u{3000}', '\u{200b}', 'a', 'A', 'z', '0', '-', '~', '!', 'ー', 'ｰ', '〜', 'か', 'カ', 'ｶ', 'ﾞ',
            '\u{3099}', '\u{301}', 'e', '漢', '、', '。', '「', '・', 'Ａ', '１', '？', '\u{7f}', '\u{fffd}', '々', '①', '\u{0}', '－', '～', '\u{a0}', '\r', '\u{b}', '\u{c}', '\u{85}', '\u{2028}',
        ];
        let mut checked = 0;
        for a in pool {
            for b in pool {
                for c in pool {
                    for text in [format!("{a}"), format!("{a}{b}"), format!("{a}{b}{c}")] {
                        assert_eq!(super::normalize(&text), super::normalize_in_full(&text), "{text:?}");
                        checked += usize::from(super::normalize_common(&text).is_some());
                    }
                }
            }
        }
        assert!(checked > 10_000, "the shortcut was taken only {checked} times");
    }

    #[test]
    fn fold_text_is_its_three_folds() {
        let pool = ['カ', 'ｶ', 'ﾞ', 'ァ', 'ッ', 'っ', 'ヵ', 'ゎ', 'ヴ', 'ｰ', 'ー', 'Ａ', 'a', '１', '\u{3099}', '①', '漢', '、', ' ', 'ㇰ'];
        for a in pool {
            for b in pool {
                for c in pool {
                    let text = format!("{a}{b}{c}");
                    let want = super::large_kana(&super::katakana_to_hiragana(&super::nfkc(&text)));
                    assert_eq!(super::fold_text(&text), want, "{text:?}");
                }
            }
        }
    }

    #[test]
    fn fast_alphanumeric_agrees_with_the_standard_library() {
        for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
            assert_eq!(super::is_alphanumeric(c), c.is_alphanumeric(), "{c:?} U+{:04X}", c as u32);
        }
    }
}
