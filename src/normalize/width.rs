//! Width folding with Unicode NFKC: ＳＩＭ → SIM, ｶｰﾄﾞ → カード, ２ → 2.

use unicode_normalization::UnicodeNormalization;

/// Applies Unicode NFKC.
///
/// ```
/// assert_eq!(madoguchi::normalize::nfkc("ｶｰﾄﾞ　ＳＩＭ１"), "カード SIM1");
/// ```
pub fn nfkc(text: &str) -> String {
    // Most customer text is already NFKC: kana, kanji, ASCII, 、。「」.
    // Checking that is a range test per character; the full algorithm
    // (decompose, reorder, recompose) costs tens of times more, and runs
    // several times per turn.
    if text.chars().all(stable) {
        return text.to_owned();
    }
    text.nfkc().collect()
}

/// Characters NFKC leaves as they are whatever surrounds them: no
/// compatibility or canonical decomposition that changes them, and none
/// that combines with a neighbour (combining marks, U+3099/U+309A and the
/// spacing sound marks, ヽヾ, half- and full-width forms, compatibility
/// ideographs and Hangul are all left to the full algorithm).
pub(crate) fn stable(c: char) -> bool {
    matches!(c,
        '\u{20}'..='\u{7e}'            // printable ASCII
        | '\u{3001}'..='\u{3002}'      // 、。
        | '\u{300c}'..='\u{300f}'      // 「」『』
        | '\u{3041}'..='\u{3096}'      // hiragana
        | '\u{30a1}'..='\u{30fc}'      // katakana, ・, ー
        | '\u{4e00}'..='\u{9fff}'      // CJK unified ideographs
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_gives_what_nfkc_gives() {
        let samples = [
            "カードを落としました", "ゔぁ", "か\u{3099}", "ヾ", "ｶｰﾄﾞ", "ＳＩＭ", "가", "e\u{301}", "㍻", "〜", "～", "①",
            "\u{309b}", "\u{f900}", "a\u{0}b", "", "「暗証番号」、ok。",
        ];
        for s in samples {
            assert_eq!(nfkc(s), s.nfkc().collect::<String>(), "{s:?}");
        }
        // Every character of the fast ranges, alone and before a combining mark.
        for c in (0x20..=0x7e).chain(0x3001..=0x3002).chain(0x300c..=0x300f).chain(0x3041..=0x3096).chain(0x30a1..=0x30fc).chain(0x4e00..=0x9fff) {
            let c = char::from_u32(c).expect("a character");
            assert!(stable(c));
            let one = c.to_string();
            assert_eq!(one.nfkc().collect::<String>(), one, "{c:?} changes under NFKC");
            for next in ['\u{3099}', '\u{309a}', '\u{301}', 'a', 'か'] {
                let two: String = [c, next].iter().collect();
                assert_eq!(nfkc(&two), two.nfkc().collect::<String>(), "{two:?}");
            }
        }
    }
}
