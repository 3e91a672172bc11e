//! Kana folding: katakana → hiragana, small kana → large kana.

/// Maps katakana (U+30A1..=U+30F6) to hiragana; ヴ becomes ゔ.
///
/// ```
/// assert_eq!(madoguchi::normalize::katakana_to_hiragana("カードのヴィ"), "かーどのゔぃ");
/// ```
pub fn katakana_to_hiragana(text: &str) -> String {
    text.chars().map(katakana_to_hiragana_char).collect()
}

/// One character of [`katakana_to_hiragana`].
pub(crate) fn katakana_to_hiragana_char(c: char) -> char {
    match c {
        '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

/// Replaces small hiragana with their full-size forms (ぁ→あ, っ→つ, ゃ→や …),
/// so spelling variants such as ふぁいる / ふあいる share a key.
///
/// ```
/// assert_eq!(madoguchi::normalize::large_kana("きゃっしんぐ"), "きやつしんぐ");
/// ```
pub fn large_kana(text: &str) -> String {
    text.chars().map(large_kana_char).collect()
}

/// One character of [`large_kana`].
pub(crate) fn large_kana_char(c: char) -> char {
    match c {
        'ぁ' => 'あ',
        'ぃ' => 'い',
        'ぅ' => 'う',
        'ぇ' => 'え',
        'ぉ' => 'お',
        'っ' => 'つ',
        'ゃ' => 'や',
        'ゅ' => 'ゆ',
        'ょ' => 'よ',
        'ゎ' => 'わ',
        'ゕ' => 'か',
        'ゖ' => 'け',
        _ => c,
    }
}

/// Hiragana, katakana and the long-vowel mark.
pub(crate) fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}')
}
