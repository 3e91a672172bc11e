//! Long-vowel marks: the many dashes people type after kana, and the optional
//! trailing ー of loanwords (コンピュータ / コンピューター).

pub(crate) fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}')
}

/// Turns dash-like characters that follow a kana into the long-vowel mark ー.
///
/// ```
/// assert_eq!(madoguchi::normalize::unify_long_vowels("カ-ド かｰど ス〜パ—"), "カード かーど スーパー");
/// ```
pub fn unify_long_vowels(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    for c in text.chars() {
        let dash = matches!(
            c,
            '-' | '−' | '‐' | '‑' | '–' | '—' | '―' | '─' | '━' | '~' | '〜' | '～' | 'ｰ' | 'ー'
        );
        let c = if dash && prev.is_some_and(|p| is_kana(p) || p == 'ー') { 'ー' } else { c };
        out.push(c);
        prev = Some(c);
    }
    out
}

/// Drops trailing ー from words of three or more characters (a folded key
/// only; display text keeps it).
///
/// ```
/// use madoguchi::normalize::trim_trailing_long_vowel;
/// assert_eq!(trim_trailing_long_vowel("めもりー"), "めもり");
/// assert_eq!(trim_trailing_long_vowel("かー"), "かー");
/// ```
pub fn trim_trailing_long_vowel(word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    while chars.len() > 2 && chars.last() == Some(&'ー') {
        chars.pop();
    }
    chars.into_iter().collect()
}
