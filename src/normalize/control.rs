//! Removal of control and invisible characters, and whitespace collapsing.

/// Drops control characters and zero-width marks, turns every run of
/// whitespace into one ASCII space, and trims both ends.
///
/// ```
/// assert_eq!(madoguchi::normalize::strip_control("  カード\u{0}の\u{200b}\t\n明細 "), "カードの 明細");
/// ```
pub fn strip_control(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}') {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}
