//! Where words may start and end. A lexicon word counts only when it starts
//! and ends on a morpheme boundary, so セックス inside ユニセックス or 虫 inside
//! 殺虫剤 is no match.

use std::ops::Range;

/// Byte offsets in the folded message where a word may start or end.
#[derive(Debug, Clone)]
pub enum Boundaries<'a> {
    /// Token boundaries from the Lindera analysis (ascending).
    Tokens(&'a [usize]),
    /// No analysis at hand: a boundary wherever the script changes (kanji,
    /// hiragana, katakana, ASCII letters and digits) and around punctuation.
    /// Coarser: `ばか` in `お前はばかだ` is missed.
    Script(&'a str),
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Script {
    Han,
    Hiragana,
    Katakana,
    Latin,
    Other,
}

fn script(c: char) -> Script {
    match c {
        '\u{3041}'..='\u{309F}' => Script::Hiragana,
        '\u{30A0}'..='\u{30FF}' => Script::Katakana,
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '々' => Script::Han,
        c if c.is_ascii_alphanumeric() => Script::Latin,
        _ => Script::Other,
    }
}

impl Boundaries<'_> {
    /// True when byte offset `i` is a boundary.
    pub fn at(&self, i: usize) -> bool {
        match self {
            Boundaries::Tokens(b) => b.binary_search(&i).is_ok(),
            Boundaries::Script(text) => {
                if i == 0 || i >= text.len() {
                    return true;
                }
                let (Some(before), Some(after)) = (text[..i].chars().next_back(), text[i..].chars().next()) else {
                    return true;
                };
                let (a, b) = (script(before), script(after));
                // Kana after a kanji is its ending (教えろ, not 教 + えろ).
                let okurigana = a == Script::Han && b == Script::Hiragana;
                a == Script::Other || b == Script::Other || (a != b && !okurigana)
            }
        }
    }

    /// The text cut at every boundary (the words of the analysis, or runs of
    /// one script without one).
    pub fn segments<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, _) in text.char_indices().skip(1) {
            if self.at(i) {
                out.push(&text[start..i]);
                start = i;
            }
        }
        if start < text.len() {
            out.push(&text[start..]);
        }
        out
    }

    /// True when `span` starts and ends on boundaries.
    pub fn spans(&self, span: &Range<usize>) -> bool {
        self.at(span.start) && self.at(span.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_changes_are_boundaries() {
        let t = "お前はバカだ";
        let b = Boundaries::Script(t);
        let baka = t.find("バカ").unwrap();
        assert!(b.spans(&(baka..baka + "バカ".len())));
        let t = "ユニセックスのシャツ";
        let b = Boundaries::Script(t);
        let s = t.find("セックス").unwrap();
        assert!(!b.spans(&(s..s + "セックス".len())));
    }

    #[test]
    fn segments_follow_boundaries() {
        assert_eq!(Boundaries::Script("お前はバカだ").segments("お前はバカだ"), ["お", "前は", "バカ", "だ"]);
        let t = "おまえばか";
        assert_eq!(Boundaries::Tokens(&[0, 9, 15]).segments(t), ["おまえ", "ばか"]);
    }

    #[test]
    fn token_boundaries() {
        let b = Boundaries::Tokens(&[0, 6, 9]);
        assert!(b.spans(&(0..6)) && b.spans(&(6..9)) && !b.spans(&(3..9)));
    }
}
