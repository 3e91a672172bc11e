//! What the bot says: every line the engine writes to the customer, and
//! the operator's hand-off summary (`summary*`), from the `messages`
//! section of the rules file. A file that leaves a key out
//! (or has no section) keeps the bundled text, so an operator rewords only
//! what they want. Placeholders are names in braces (`{count}`); each key
//! says which it takes, and a text that names another one, or leaves out
//! a required one, is refused when the rules load.
//!
//! ```
//! use madoguchi::decide::rules::RuleSet;
//! let rules = RuleSet::from_json_str(r#"{"messages": {"greeting": "こんにちは。ご用件をどうぞ。"}}"#, "r.json")?;
//! assert_eq!(rules.messages().greeting, "こんにちは。ご用件をどうぞ。");
//! // Keys left out keep the bundled text.
//! assert_eq!(rules.messages().no_match, RuleSet::bundled()?.messages().no_match);
//! let bad = RuleSet::from_json_str(r#"{"messages": {"clarify": "どれですか"}}"#, "r.json").unwrap_err();
//! assert!(bad.to_string().contains("{choices}"));
//! // A file that rewords route_open alone (written before route_open_until
//! // existed) keeps its words for an open desk with a closing time too.
//! let rules = RuleSet::from_json_str(r#"{"messages": {"route_open": "対応中です。"}}"#, "r.json")?;
//! assert_eq!(rules.messages().route_open_until, "対応中です。");
//! // And one that rewords no_match keeps its words where there are no
//! // categories to offer.
//! let rules = RuleSet::from_json_str(r#"{"messages": {"no_match": "見つかりませんでした。"}}"#, "r.json")?;
//! assert_eq!(rules.messages().no_match_alone, "見つかりませんでした。");
//! # Ok::<(), madoguchi::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rules::UrgentKind;

/// Every customer-facing line of the engine, and the words of the
/// operator's hand-off summary (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Messages {
    /// An empty or unreadable message.
    pub unreadable: String,
    /// A bare number while choices are on offer: `{count}` choices.
    pub pick_a_number: String,
    /// A bare number with no choices on offer.
    pub number_without_choices: String,
    /// Digits and signs alone (`-1`, a pasted phone number), no choices on
    /// offer.
    pub numbers_only: String,
    /// Choices: `{choices}` is the numbered list, one per line.
    pub clarify: String,
    /// Nothing fits (the categories to browse follow as suggestions).
    pub no_match: String,
    /// Nothing fits, in a FAQ without categories to browse. A rules file
    /// that rewords `no_match` alone gets its text here too.
    pub no_match_alone: String,
    /// The harassment policy's warning.
    pub warn: String,
    /// The harassment policy's end of the chat.
    pub end: String,
    /// First line of a hand-off, per reason.
    pub handoff_urgent: String,
    /// First line of a hand-off to a person on request.
    pub handoff_requested: String,
    /// First line of a hand-off after turns without an answer.
    pub handoff_unresolved: String,
    /// First line of a hand-off of a complaint.
    pub handoff_complaint: String,
    /// Put before a hand-off repeated for the same need.
    pub handoff_repeat: String,
    /// Put before the answer given just before, shown again for a
    /// follow-up it already covers (「それの手数料は？」).
    pub previous_answer: String,
    /// The route of a hand-off: `{route}` (name and contact).
    pub route: String,
    /// The route is open now (and stays open, as a 24-hour desk).
    pub route_open: String,
    /// The route is open now, until `{time}` (within a day). A rules file
    /// that rewords `route_open` alone gets its text here too.
    pub route_open_until: String,
    /// The route is closed now.
    pub route_closed: String,
    /// When it opens next: `{time}`.
    pub next_open: String,
    /// The route to use while the first is closed: `{route}`.
    pub route_instead: String,
    /// A moment as the customer reads it (`{time}` of `next_open` and
    /// `route_open_until`): `{month}`, `{day}`, `{weekday}` (from
    /// `weekdays`), `{hour}`, `{minute}` (two digits).
    pub time: String,
    /// The seven weekday names from Monday, one character each.
    pub weekdays: String,
    /// How a route is named in a line: `{name}` and `{contact}`.
    pub route_name: String,
    /// The same when the name already ends in a bracket (「デスク（24時間）」).
    pub route_name_bracketed: String,
    /// Nothing more to offer after いいえ.
    pub sorry_fallback: String,
    /// `sorry_fallback` in a FAQ without categories to browse (a rules file
    /// that rewords `sorry_fallback` alone gets its text here too).
    pub sorry_fallback_alone: String,
    /// Other entries after いいえ: `{choices}`.
    pub sorry_clarify: String,
    /// Thanks or yes right after an answer.
    pub resolved: String,
    /// Thanks or goodbye at other times.
    pub thanks: String,
    /// A greeting.
    pub greeting: String,
    /// Yes or no with nothing to say yes or no to.
    pub ask_question: String,
    /// The urgent notice when the urgent route is open: `{case}`, `{route}`.
    pub notice_open: String,
    /// The urgent notice when it is closed: `{case}`, `{name}` (then the
    /// route to use instead, or when it opens, and its closed text).
    pub notice_closed: String,
    /// After `notice_closed`: the route open instead, `{route}`.
    pub notice_instead: String,
    /// The urgent notice's `{case}` per kind.
    pub notice_cases: BTreeMap<UrgentKind, String>,
    /// The operator's hand-off summary (staff read it, the customer does
    /// not): `{why}` and `{business}`; `{count}` (customer messages) and
    /// `{offered}` if wanted. In the other `summary_*` texts only the
    /// customer's `{text}` (of `summary_said`, `summary_said_topic` and
    /// `summary_said_alone`) and `summary_topic`'s `{topic}` are required.
    pub summary: String,
    /// `{why}` of an urgent hand-off: `{kind}` from `summary_kinds`.
    pub summary_urgent: String,
    /// `{why}` of an urgent hand-off of no known kind.
    pub summary_urgent_any: String,
    /// `{why}` of a hand-off on request: `{text}`, the request.
    pub summary_requested: String,
    /// `{why}` after turns without an answer: `{turns}`.
    pub summary_unresolved: String,
    /// `{why}` of a complaint.
    pub summary_complaint: String,
    /// `{business}`: what the customer said, `{text}`.
    pub summary_said: String,
    /// `{business}` of a request: the question before it, `{text}`, and the
    /// last topic the bot tried, `{topic}`.
    pub summary_said_topic: String,
    /// `{business}` of a request after no question, with the bot's last
    /// topic: `{topic}`.
    pub summary_topic: String,
    /// `{business}` of a request with neither: `{text}`, the request.
    /// (Every `{business}` text but `summary_topic` must hold the
    /// customer's `{text}`.)
    pub summary_said_alone: String,
    /// An FAQ entry in the summary: `{question}` and `{id}`.
    pub summary_entry: String,
    /// What the bot offered, per reply: an answer (`{question}`, `{id}`).
    pub summary_answer: String,
    /// An answer whose entry is no longer in the FAQ: `{id}`.
    pub summary_answer_gone: String,
    /// A list of choices.
    pub summary_clarify: String,
    /// Nothing found.
    pub summary_fallback: String,
    /// A harassment warning.
    pub summary_warn: String,
    /// An earlier hand-off.
    pub summary_handoff: String,
    /// The harassment policy's end of the chat.
    pub summary_end: String,
    /// Between the replies of `{offered}`.
    pub summary_separator: String,
    /// `{offered}` when the bot offered nothing yet.
    pub summary_none: String,
    /// The summary's `{kind}` per urgent kind.
    pub summary_kinds: BTreeMap<UrgentKind, String>,
}

/// The keys that map each urgent kind to a text (no placeholders).
const KIND_MAPS: &[&str] = &["notice_cases", "summary_kinds"];

/// Placeholders each key takes: (key, required, optional).
const PLACEHOLDERS: &[(&str, &[&str], &[&str])] = &[
    ("pick_a_number", &["count"], &[]),
    ("clarify", &["choices"], &[]),
    ("route", &["route"], &[]),
    ("next_open", &["time"], &[]),
    ("route_open_until", &[], &["time"]),
    ("time", &["day", "hour", "minute"], &["month", "weekday"]),
    ("route_instead", &["route"], &[]),
    ("route_name", &["name", "contact"], &[]),
    ("route_name_bracketed", &["name", "contact"], &[]),
    ("sorry_clarify", &["choices"], &[]),
    ("notice_open", &["case", "route"], &[]),
    ("notice_closed", &["case", "name"], &[]),
    ("notice_instead", &["route"], &[]),
    // The summary is the operator's: its wording may leave out a detail,
    // but not why nor what the customer wants.
    ("summary", &["why", "business"], &["count", "offered"]),
    ("summary_urgent", &[], &["kind"]),
    ("summary_requested", &[], &["text"]),
    ("summary_unresolved", &[], &["turns"]),
    ("summary_said", &["text"], &[]),
    ("summary_said_topic", &["text"], &["topic"]),
    ("summary_topic", &["topic"], &[]),
    ("summary_said_alone", &["text"], &[]),
    ("summary_entry", &[], &["question", "id"]),
    ("summary_answer", &[], &["question", "id"]),
    ("summary_answer_gone", &[], &["id"]),
];

impl Default for Messages {
    fn default() -> Self {
        Messages::bundled().clone()
    }
}

impl Messages {
    /// The bundled texts (the `messages` section of the bundled
    /// `dictionaries/rules.json`).
    pub fn bundled() -> &'static Messages {
        static BUNDLED: std::sync::OnceLock<Messages> = std::sync::OnceLock::new();
        BUNDLED.get_or_init(|| {
            let file: serde_json::Value = serde_json::from_str(super::rules::BUNDLED_JSON).expect("the bundled rules are JSON");
            let mut section = file.get("messages").cloned().expect("the bundled rules have messages");
            section.as_object_mut().expect("an object").remove("description");
            let messages: Messages = serde_json::from_value(section).expect("the bundled messages are complete");
            messages.check().expect("the bundled messages are valid");
            messages
        })
    }

    /// `template` with each `{name}` replaced by its value, in one pass
    /// (a value that holds braces is not filled in again).
    ///
    /// ```
    /// use madoguchi::decide::messages::Messages;
    /// assert_eq!(Messages::fill("{a}と{b}", &[("a", "{b}"), ("b", "x")]), "{b}とx");
    /// ```
    pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let name = &after[..close];
                values.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v, close))
            });
            match value {
                Some((v, close)) => {
                    out.push_str(v);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The messages of `base` with the keys of `section` replaced; errors
    /// name the key.
    pub(crate) fn overlay(base: &Messages, section: &serde_json::Map<String, serde_json::Value>) -> Result<Messages, Vec<String>> {
        let mut value = serde_json::to_value(base).map_err(|e| vec![e.to_string()])?;
        let object = value.as_object_mut().expect("Messages is an object");
        let mut errors = Vec::new();
        // Reworded before route_open_until existed: the operator's words
        // stand for both.
        if let Some(open) = section.get("route_open").filter(|v| v.is_string() && !section.contains_key("route_open_until")) {
            object.insert("route_open_until".into(), open.clone());
        }
        for (key, alone) in [("no_match", "no_match_alone"), ("sorry_fallback", "sorry_fallback_alone")] {
            if let Some(text) = section.get(key).filter(|v| v.is_string() && !section.contains_key(alone)) {
                object.insert(alone.into(), text.clone());
            }
        }
        for (key, v) in section {
            match (key.as_str(), object.get_mut(key)) {
                ("description", _) => {}
                (map, Some(serde_json::Value::Object(cases))) if KIND_MAPS.contains(&map) => match v.as_object() {
                    Some(given) => {
                        for (kind, text) in given {
                            match text.as_str() {
                                Some(_) => {
                                    cases.insert(kind.clone(), text.clone());
                                }
                                None => errors.push(format!("messages.{map}.{kind}: a text, not {text}")),
                            }
                        }
                    }
                    None => errors.push(format!("messages.{map}: an object of urgent kind → text")),
                },
                (_, Some(slot)) if v.is_string() => *slot = v.clone(),
                (_, Some(_)) => errors.push(format!("messages.{key}: a text, not {v}")),
                (_, None) => errors.push(format!("messages.{key}: unknown key")),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let messages: Messages = serde_json::from_value(value).map_err(|e| vec![format!("messages: {e}")])?;
        messages.check()?;
        Ok(messages)
    }

    /// Every placeholder known to its key and every required one present;
    /// every urgent kind has a notice case and a summary label.
    fn check(&self) -> Result<(), Vec<String>> {
        let value = serde_json::to_value(self).map_err(|e| vec![e.to_string()])?;
        let mut errors = Vec::new();
        for (key, text) in value.as_object().into_iter().flatten() {
            let Some(text) = text.as_str() else { continue };
            let (required, optional) =
                PLACEHOLDERS.iter().find(|(k, _, _)| *k == key).map_or((&[][..], &[][..]), |(_, r, o)| (*r, *o));
            for name in placeholders(text) {
                if !required.contains(&name) && !optional.contains(&name) {
                    errors.push(format!("messages.{key}: unknown placeholder {{{name}}} (this text takes {})", list(required, optional)));
                }
            }
            for name in required {
                if !placeholders(text).any(|n| n == *name) {
                    errors.push(format!("messages.{key}: the text must hold {{{name}}}"));
                }
            }
            if text.trim().is_empty() {
                errors.push(format!("messages.{key}: empty"));
            }
        }
        for (map, texts) in [("notice_cases", &self.notice_cases), ("summary_kinds", &self.summary_kinds)] {
            for k in UrgentKind::ALL {
                let kind = k.as_str();
                match texts.get(k) {
                    None => errors.push(format!("messages.{map}: no text for {kind}")),
                    Some(text) if text.trim().is_empty() => errors.push(format!("messages.{map}.{kind}: empty")),
                    Some(text) => {
                        if let Some(name) = placeholders(text).next() {
                            errors.push(format!("messages.{map}.{kind}: unknown placeholder {{{name}}} (this text takes none)"));
                        }
                    }
                }
            }
        }
        if self.weekdays.chars().count() != 7 {
            errors.push(format!("messages.weekdays: seven names from Monday, one character each, not {:?}", self.weekdays));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// An RFC 3339 moment (as [`crate::decide::Availability`] gives it) in
    /// the words of `time`, in the moment's own offset; a text that is no
    /// such moment is returned as it is.
    ///
    /// ```
    /// use madoguchi::decide::messages::Messages;
    /// let m = Messages::bundled();
    /// assert_eq!(m.spoken_time("2026-11-25T09:30:00+09:00"), "11月25日(水) 9:30");
    /// ```
    pub fn spoken_time(&self, rfc3339: &str) -> String {
        use chrono::{Datelike, Timelike};
        let Ok(t) = chrono::DateTime::parse_from_rfc3339(rfc3339) else { return rfc3339.to_string() };
        let weekday: String =
            self.weekdays.chars().nth(t.weekday().num_days_from_monday() as usize).map(String::from).unwrap_or_default();
        Messages::fill(
            &self.time,
            &[
                ("month", &t.month().to_string()),
                ("day", &t.day().to_string()),
                ("weekday", &weekday),
                ("hour", &t.hour().to_string()),
                ("minute", &format!("{:02}", t.minute())),
            ],
        )
    }
}

/// The `{name}`s of a text.
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|rest| {
        let name = rest.split('}').next()?;
        (rest.contains('}') && !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(name)
    })
}

fn list(required: &[&str], optional: &[&str]) -> String {
    let all: Vec<String> = required.iter().chain(optional).map(|n| format!("{{{n}}}")).collect();
    if all.is_empty() { "none".into() } else { all.join(", ") }
}
