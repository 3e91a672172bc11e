//! Japanese labels of the report, as data (snake_case name → label).

/// Reply kinds.
pub const REPLY_KINDS: &[(&str, &str)] = &[
    ("answer", "回答"),
    ("clarify", "候補提示"),
    ("fallback", "該当なし"),
    ("handoff", "担当者へ引き継ぎ"),
    ("warn", "警告"),
    ("end", "対応終了"),
    ("smalltalk", "あいさつ・お礼"),
];

/// Hand-off reasons.
pub const HANDOFF_REASONS: &[(&str, &str)] =
    &[("urgent", "緊急"), ("requested", "お客さまのご希望"), ("unresolved", "自動応答で未解決"), ("complaint", "苦情")];

/// Voice-of-customer classes.
pub const VOC: &[(&str, &str)] = &[("inquiry", "問い合わせ"), ("opinion_request", "意見・要望"), ("complaint", "苦情")];

/// Harassment categories.
pub const HARASSMENT: &[(&str, &str)] = &[
    ("verbal_abuse", "暴言"),
    ("threat", "脅迫"),
    ("sexual", "性的な言動"),
    ("discrimination", "差別的な言動"),
    ("excessive_demand", "過剰な要求"),
    ("dismissal_demand", "処分・解雇の要求"),
    ("online_exposure", "ネットでの晒し"),
    ("private_info", "個人情報の要求"),
    ("persistent_repetition", "執拗な繰り返し"),
    ("nuisance", "迷惑行為"),
];

/// The label of `key` in `table`, or the key itself.
///
/// ```
/// use madoguchi::insights::report::labels::{label, VOC};
/// assert_eq!(label(VOC, "complaint"), "苦情");
/// assert_eq!(label(VOC, "other"), "other");
/// ```
pub fn label<'a>(table: &'a [(&'a str, &'a str)], key: &'a str) -> &'a str {
    table.iter().find(|(k, _)| *k == key).map_or(key, |(_, l)| l)
}

/// The snake_case name of a serde enum value.
pub fn name_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
