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
    for run in text.split(is_symbol).filter(|r| !r.is_empty()) {
        let chars: Vec<char> = run.chars().collect();
        if chars.len() == 1 {
            out.push(chars[0].to_string());
        }
        for w in chars.windows(2) {
            out.push(w.iter().collect());
        }
    }
    out
}
