//! One line of the event log: what happened on a turn (or to a piece of
//! feedback), with nothing that identifies the customer.
//!
//! **Format, version 1** (one JSON object per line, UTF-8):
//!
//! | field | type | when | what |
//! |---|---|---|---|
//! | `version` | integer | always | `1`; readers skip lines of a version they do not know |
//! | `type` | `"turn"` \| `"feedback"` | always | a customer message, or a 「解決しましたか？」 answer |
//! | `at` | RFC 3339 | always | message time, in the calendar's offset (the report's days are this date) |
//! | `session` | 16 hex digits | always | SHA-256 of the session id, cut: joins a session's events, cannot be turned back into the id |
//! | `channel` | string | when known | `web`, `app`, `cli`, … |
//! | `turn` | integer | always | the turn of the reply (for feedback: the turn the answer was on) |
//! | `reply` | reply kind | when the bot replied | `answer`, `clarify`, `fallback`, `handoff`, `warn`, `end`, `smalltalk` (feedback: the reply to いいえ, absent for はい) |
//! | `entry` | string | answers, feedback, typed verdicts | FAQ entry id (of a verdict: the entry judged) |
//! | `confidence` | number | answers | retrieval confidence in [0, 1] |
//! | `handoff` | object | hand-offs | `reason`, `route`, `outside_hours` (route closed at `at`), `repeat` (same need again) |
//! | `voc` | `inquiry` \| `opinion_request` \| `complaint` | turns | voice-of-customer class |
//! | `harassment` | list | when detected | harassment categories of the message |
//! | `text` | string | turns | the customer's message **masked** like the transcript (card and phone numbers, PINs, e-mail, …) |
//! | `truncated` | bool | when true | only the start of an over-long message was read |
//! | `smalltalk` | bool | when true | the message was thanks, yes, no, a greeting or a goodbye (never a topic to write) |
//! | `resolved` | bool | feedback, typed verdicts | はい (`true`) or いいえ (`false`); on a turn, the customer typed it about the answer just before (「ありがとう」, 「違います」) |
//!
//! New optional fields and new `reply` kinds may be added within a version
//! (a reader takes a kind it does not know as absent); a change of meaning
//! or a removed field bumps [`EVENT_VERSION`].

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::decide::rules::{HarassmentCategory, UrgentKind, VocClass};
use crate::decide::{Feedback, HandoffReason, Reply, ReplyKind, Session, Speaker};

/// The version written in every event.
pub const EVENT_VERSION: u32 = 1;

/// What an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// A customer message and the bot's reply.
    Turn,
    /// The customer's answer to 「解決しましたか？」.
    Feedback,
}

/// A hand-off as the event log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventHandoff {
    /// Why.
    pub reason: HandoffReason,
    /// The route given to the customer.
    pub route: String,
    /// The route was closed at the message time.
    pub outside_hours: bool,
    /// The same need again in a handed-off session (no new ticket).
    #[serde(default)]
    pub repeat: bool,
}

/// One event (see the module docs for the format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Format version ([`EVENT_VERSION`]).
    pub version: u32,
    /// Turn or feedback.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// Message time (RFC 3339, with offset).
    pub at: DateTime<FixedOffset>,
    /// [`session_hash`] of the session id.
    pub session: String,
    /// Channel, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Turn number.
    pub turn: u32,
    /// The bot's reply kind (a kind this version does not know, written by
    /// a newer one, reads as absent: the line still counts).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_reply")]
    pub reply: Option<ReplyKind>,
    /// FAQ entry answered (or judged, for feedback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// Confidence of the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
    /// The hand-off, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<EventHandoff>,
    /// Voice-of-customer class (turns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voc: Option<VocClass>,
    /// Harassment categories detected in the message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub harassment: Vec<HarassmentCategory>,
    /// The customer's message, masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Only the start of the message was read.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Feedback: はい (`true`) or いいえ (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<bool>,
    /// The message was small talk (thanks, yes, no, a greeting): not a
    /// question to write an entry for.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub smalltalk: bool,
    /// The reply gave the urgent route as a notice (the message may
    /// describe this situation; see [`crate::decide::UrgentNotice`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent_notice: Option<UrgentKind>,
}

/// The session id as the event log keeps it: the first 16 hex digits of its
/// SHA-256. Joins the events of one session; the id (a capability that
/// opens the transcript) cannot be recovered from it.
///
/// ```
/// let h = madoguchi::insights::session_hash("s_3f9c2a7d1b4e4c0e9a8f6d5c4b3a2910");
/// assert_eq!(h.len(), 16);
/// assert!(!h.contains("3f9c2a"));
/// ```
pub fn session_hash(session_id: &str) -> String {
    let digest = sha2::Sha256::new().chain_update(b"madoguchi-session\0").chain_update(session_id.as_bytes()).finalize();
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn handoff_of(reply: &Reply) -> Option<EventHandoff> {
    let h = reply.handoff.as_ref()?;
    Some(EventHandoff {
        reason: h.reason,
        route: h.route.as_ref().map(|r| r.route_id.clone()).unwrap_or_default(),
        outside_hours: h.route.as_ref().is_some_and(|r| !r.open_now),
        repeat: h.repeat,
    })
}

impl Event {
    /// The event of a turn: `session` after the engine ran it, the `reply`
    /// it gave and the message time. The text is the customer's line of the
    /// transcript, which the engine stored masked; nothing else of the
    /// message is kept.
    ///
    /// ```
    /// use madoguchi::decide::{Reply, ReplyKind, Session};
    /// # fn demo(engine: &madoguchi::decide::Engine) {
    /// let mut session = Session::new("s1").with_channel("web");
    /// let at = chrono::DateTime::parse_from_rfc3339("2026-11-30T10:00:00+09:00").unwrap();
    /// let reply = engine.respond_at(&mut session, "電話番号は090-1234-5678です", at);
    /// let event = madoguchi::insights::Event::turn(&session, &reply, at);
    /// assert!(!event.text.unwrap().contains("5678"));
    /// # }
    /// ```
    pub fn turn(session: &Session, reply: &Reply, at: DateTime<FixedOffset>) -> Event {
        let text = session
            .transcript
            .iter()
            .rev()
            .find(|l| l.speaker == Speaker::Customer && l.turn == reply.turn)
            .map(|l| l.text.clone());
        let mut harassment = reply.harassment.as_ref().map(|h| h.categories.clone()).unwrap_or_default();
        harassment.sort();
        harassment.dedup();
        Event {
            version: EVENT_VERSION,
            kind: EventType::Turn,
            at,
            session: session_hash(&session.id),
            channel: session.channel.clone(),
            turn: reply.turn,
            reply: Some(reply.kind),
            entry: reply.answer.as_ref().map(|a| a.id.clone()).or_else(|| reply.verdict.as_ref().map(|v| v.entry_id.clone())),
            confidence: reply.answer.as_ref().map(|a| a.confidence),
            handoff: handoff_of(reply),
            voc: Some(reply.voc),
            harassment,
            text,
            truncated: reply.flags.truncated,
            resolved: reply.verdict.as_ref().map(|v| v.resolved),
            smalltalk: reply.flags.smalltalk,
            urgent_notice: reply.urgent_notice.as_ref().map(|n| n.urgent_kind),
        }
    }

    /// The event of a piece of feedback (see [`crate::decide::Engine::feedback_at`]).
    pub fn feedback(session: &Session, feedback: &Feedback, at: DateTime<FixedOffset>) -> Event {
        Event {
            version: EVENT_VERSION,
            kind: EventType::Feedback,
            at,
            session: session_hash(&session.id),
            channel: session.channel.clone(),
            turn: feedback.turn,
            reply: feedback.reply.as_ref().map(|r| r.kind),
            entry: Some(feedback.entry_id.clone()),
            confidence: None,
            handoff: feedback.reply.as_ref().and_then(handoff_of),
            voc: None,
            harassment: Vec::new(),
            text: None,
            truncated: false,
            urgent_notice: None,
            resolved: Some(feedback.resolved),
            smalltalk: false,
        }
    }

    /// The calendar day of the event, in its own offset.
    pub fn date(&self) -> NaiveDate {
        self.at.date_naive()
    }

    /// One JSON line (no newline).
    pub fn to_line(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

/// `reply` as written, or `None` for a kind this version does not know.
fn lenient_reply<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ReplyKind>, D::Error> {
    let kind: Option<String> = Option::deserialize(d)?;
    Ok(kind.and_then(|k| serde_json::from_value(serde_json::Value::String(k)).ok()))
}

#[cfg(test)]
mod lenient_tests {
    use super::*;

    #[test]
    fn a_reply_kind_from_a_newer_version_reads_as_absent() {
        let line = r#"{"version":1,"type":"turn","at":"2026-11-30T10:00:00+09:00","session":"x","turn":1,"reply":"video_call"}"#;
        let e: Event = serde_json::from_str(line).expect("the line still reads");
        assert_eq!(e.reply, None);
        let known = line.replace("video_call", "smalltalk");
        assert_eq!(serde_json::from_str::<Event>(&known).unwrap().reply, Some(ReplyKind::Smalltalk));
    }
}
