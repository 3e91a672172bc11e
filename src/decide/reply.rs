//! The engine's reply: a stable, documented JSON shape that a website, app or
//! contact center can act on.
//!
//! ```json
//! {"session_id":"s1","turn":1,"kind":"answer","message":"…",
//!  "answer":{"id":"card-044","question":"…","answer":"…","links":[],"cautions":[],
//!            "category":"クレジットカード","confidence":0.82},
//!  "related":[{"number":1,"id":"card-045","question":"…","confidence":0.55}],
//!  "choices":[],"suggestions":[],"handoff":null,"harassment":null,
//!  "flags":{"harassment":false,"pii_detected":false,"urgent":false,"truncated":false,"follow_up":false},
//!  "voc":"inquiry"}
//! ```

use super::hours::Availability;
use super::rules::{HarassmentCategory, Severity, UrgentKind, VocClass};
use super::session::TranscriptLine;
use crate::knowledge::Link;

/// What the reply asks the integrator to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    /// One FAQ entry answers the message.
    Answer,
    /// The best few candidates; the customer picks one.
    Clarify,
    /// Nothing fits; say so honestly.
    Fallback,
    /// A person must take over.
    Handoff,
    /// Harassment detected; a calm policy message, the session continues.
    Warn,
    /// The session is closed under the harassment policy.
    End,
    /// Thanks, yes, no, a greeting or a goodbye with nothing to look up: a
    /// courteous line (see [`crate::decide::smalltalk`]).
    Smalltalk,
}

impl ReplyKind {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyKind::Answer => "answer",
            ReplyKind::Clarify => "clarify",
            ReplyKind::Fallback => "fallback",
            ReplyKind::Handoff => "handoff",
            ReplyKind::Warn => "warn",
            ReplyKind::End => "end",
            ReplyKind::Smalltalk => "smalltalk",
        }
    }
}

/// Why a person must take over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// Lost/stolen card or phone, fraud, unknown charges, account takeover,
    /// leaked card data, phishing.
    Urgent,
    /// The customer asked for a person or a human channel.
    Requested,
    /// Several consecutive turns without an answer.
    Unresolved,
    /// A complaint that needs a person (when enabled in the policy).
    Complaint,
}

impl HandoffReason {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            HandoffReason::Urgent => "urgent",
            HandoffReason::Requested => "requested",
            HandoffReason::Unresolved => "unresolved",
            HandoffReason::Complaint => "complaint",
        }
    }
}

/// How fast a person should pick the hand-off up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Money or access at risk: now.
    High,
    /// The customer is waiting.
    Normal,
    /// Can wait for the next working slot.
    Low,
}

/// A FAQ entry offered to the customer.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Candidate {
    /// Choice number shown to the customer (1-based).
    pub number: usize,
    /// Entry id.
    pub id: String,
    /// The entry's question.
    pub question: String,
    /// Retrieval confidence in [0, 1].
    pub confidence: f32,
}

/// The answered entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AnswerPayload {
    /// Entry id.
    pub id: String,
    /// The entry's question.
    pub question: String,
    /// The answer text.
    pub answer: String,
    /// Links to show.
    pub links: Vec<Link>,
    /// Cautions (注意喚起) to show.
    pub cautions: Vec<String>,
    /// Category.
    pub category: Option<String>,
    /// Retrieval confidence in [0, 1].
    pub confidence: f32,
}

/// Everything an operator needs so the customer never repeats themselves.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Handoff {
    /// Why.
    pub reason: HandoffReason,
    /// For urgent hand-offs: the situation.
    pub urgent_kind: Option<UrgentKind>,
    /// How fast.
    pub priority: Priority,
    /// The route to use now, whether a person is there, when it opens, and
    /// the alternative when closed.
    pub route: Option<Availability>,
    /// A short summary: why, what the customer wants (for a request, the
    /// question before it and the last topic the bot tried), what the bot
    /// already offered. Worded by the rules file's `summary*` messages
    /// (bundled: Japanese).
    pub summary: String,
    /// True when the session was already handed off for the same need: the
    /// same route again, not a new hand-off (integrators need not open a
    /// second ticket; the webhook is not called again).
    #[serde(default)]
    pub repeat: bool,
    /// The masked transcript so far, including this turn.
    pub transcript: Vec<TranscriptLine>,
}

/// What the harassment policy did on this turn.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HarassmentReport {
    /// Categories detected in this message.
    pub categories: Vec<HarassmentCategory>,
    /// The most severe level detected.
    pub severity: Severity,
    /// Strikes in this session after this message.
    pub strikes: u32,
    /// Ids of the rules that fired.
    pub rule_ids: Vec<String>,
}

/// Flags on every reply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flags {
    /// Harassment detected in this message.
    pub harassment: bool,
    /// Personal data (card, phone, e-mail, postal code) found and masked.
    pub pii_detected: bool,
    /// An urgent situation was detected.
    pub urgent: bool,
    /// The message was longer than the limit and only its start was read.
    pub truncated: bool,
    /// Answered as a follow-up on the previous topic.
    pub follow_up: bool,
    /// The message was small talk (thanks, yes, no, a greeting, a goodbye):
    /// nothing was searched, and it is no question for the FAQ's owners.
    #[serde(default)]
    pub smalltalk: bool,
    /// The message may describe an urgent situation (the urgent model was
    /// fairly but not fully sure): the reply carries an [`UrgentNotice`].
    #[serde(default)]
    pub urgent_possible: bool,
}

/// The urgent route, given beside an answer when the message may describe
/// an urgent situation but the engine is not sure enough to hand it off
/// (`urgent.model.notice` ≤ probability < `urgent.model.threshold`): a
/// customer whose card really is gone still gets the 24-hour number, and a
/// customer with an ordinary question still gets the answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UrgentNotice {
    /// The situation the message may describe.
    pub urgent_kind: UrgentKind,
    /// The urgent route now (as an urgent hand-off would give it).
    pub route: Option<Availability>,
}

/// One reply of the engine.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Reply {
    /// Session id.
    pub session_id: String,
    /// Customer turn number (1-based).
    pub turn: u32,
    /// What to do.
    pub kind: ReplyKind,
    /// The text to show the customer (Japanese).
    pub message: String,
    /// For `answer`: the entry.
    pub answer: Option<AnswerPayload>,
    /// For `answer`: related entries.
    pub related: Vec<Candidate>,
    /// For `clarify`: the choices, numbered from 1.
    pub choices: Vec<Candidate>,
    /// For `fallback`: categories the customer can browse.
    pub suggestions: Vec<String>,
    /// For `handoff`: the payload for the operator.
    pub handoff: Option<Handoff>,
    /// For `warn` / `end`: what the harassment policy did.
    pub harassment: Option<HarassmentReport>,
    /// Flags.
    pub flags: Flags,
    /// Voice-of-customer class of the message.
    pub voc: VocClass,
    /// For `answer`, `clarify`, `fallback`, `warn` and `end`: the urgent route, when the
    /// message may describe an urgent situation (see [`UrgentNotice`]); its
    /// text is also the last paragraph of `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent_notice: Option<UrgentNotice>,
    /// The customer's typed verdict on the answer just before
    /// (「ありがとう」, 「違います」; see [`crate::decide::smalltalk`]),
    /// recorded like the はい/いいえ buttons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
}

/// A typed verdict on an earlier answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Verdict {
    /// The turn whose answer was judged.
    pub turn: u32,
    /// The entry that answered it.
    pub entry_id: String,
    /// Helped (yes, thanks) or not (no).
    pub resolved: bool,
}
