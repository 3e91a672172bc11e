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

/// Text as it may be stored and shown to staff: control characters other
/// than line breaks and tabs, and the marks that reorder or hide text
/// (bidirectional overrides and isolates, U+202A–U+202E and U+2066–U+2069),
/// are dropped; everything else stays as written. A terminal escape or a
/// right-to-left override in a customer message must not reach an
/// operator's screen.
///
/// ```
/// use madoguchi::normalize::strip_for_display;
/// assert_eq!(strip_for_display("返金\u{202e}して\u{7}\u{1b}[31m\n下さい"), "返金して[31m\n下さい");
/// assert!(matches!(strip_for_display("そのまま"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn strip_for_display(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if text.chars().any(hidden) { text.chars().filter(|c| !hidden(*c)).collect::<String>().into() } else { text.into() }
}
