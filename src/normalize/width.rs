//! Width folding with Unicode NFKC: ＳＩＭ → SIM, ｶｰﾄﾞ → カード, ２ → 2.

use unicode_normalization::UnicodeNormalization;

/// Applies Unicode NFKC.
///
/// ```
/// assert_eq!(madoguchi::normalize::nfkc("ｶｰﾄﾞ　ＳＩＭ１"), "カード SIM1");
/// ```
pub fn nfkc(text: &str) -> String {
    text.nfkc().collect()
}
