//! Case folding for Latin letters (eSIM, ESIM and esim are one word).

/// Lowercases ASCII letters only; kana and kanji are untouched.
///
/// ```
/// assert_eq!(madoguchi::normalize::lowercase_ascii("eSIMとMNP"), "esimとmnp");
/// ```
pub fn lowercase_ascii(text: &str) -> String {
    text.to_ascii_lowercase()
}
