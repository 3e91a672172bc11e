//! Character bigrams: robust matching for words the dictionary does not know
//! and for kana spellings that Lindera segments differently.

use crate::normalize::is_symbol;

/// Character bigrams of `text`, skipping symbols and spaces (which also break
/// the sequence). A lone character yields itself.
///
/// ```
/// use madoguchi::tokenize::bigrams;
/// assert_eq!(bigrams("かーど"), ["かー", "ーど"]);
/// assert_eq!(bigrams("a b"), ["a", "b"]);
/// ```
pub fn bigrams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_bigram(text, |b| out.push(b.to_string()));
    out
}

/// Calls `f` with each of [`bigrams`], borrowed from `text` (no allocation).
pub(crate) fn for_each_bigram<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    for run in text.split(is_symbol).filter(|r| !r.is_empty()) {
        // Where each character of the run ends.
        let mut ends = run.char_indices().skip(1).map(|(i, _)| i).chain(std::iter::once(run.len()));
        let mut start = 0;
        let mut mid = ends.next().unwrap_or(run.len());
        if mid == run.len() {
            f(run);
        }
        for end in ends {
            f(&run[start..end]);
            (start, mid) = (mid, end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The allocation-free walk gives what collecting each window of
    /// characters gives (the former implementation).
    #[test]
    fn slices_match_collected_windows() {
        let reference = |text: &str| -> Vec<String> {
            let mut out = Vec::new();
            for run in text.split(is_symbol).filter(|r| !r.is_empty()) {
                let chars: Vec<char> = run.chars().collect();
                if chars.len() == 1 {
                    out.push(chars[0].to_string());
                }
                out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
            }
            out
        };
        for text in ["", "あ", "かーど", "a b", "・あ・いう　えお。", "sim カード 2枚", "🙂ab", "x", "ab", "。。。", "ﾊﾞｶ"] {
            assert_eq!(bigrams(text), reference(text), "{text}");
        }
    }
}
