//! What the customer's browser receives for a turn: the engine's
//! [`Reply`] without the operator side of a hand-off. The summary and the
//! transcript go to the webhook only; the customer gets the route, its
//! availability and the number to call.

use serde::Serialize;

use crate::decide::{
    AnswerPayload, Availability, Candidate, Flags, HandoffReason, HarassmentReport, Priority, Reply, ReplyKind, UrgentNotice,
    Verdict,
};
use crate::decide::rules::{UrgentKind, VocClass};

/// A hand-off as the customer sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicHandoff<'a> {
    /// Why.
    pub reason: HandoffReason,
    /// For urgent hand-offs: the situation.
    pub urgent_kind: Option<UrgentKind>,
    /// How fast a person picks it up.
    pub priority: Priority,
    /// The route, whether a person is there now, when it opens, and the
    /// alternative when closed.
    pub route: Option<&'a Availability>,
    /// The session was already handed off for the same need.
    pub repeat: bool,
}

/// A [`Reply`] for the customer (see the module docs). Same JSON as the
/// engine's reply except `handoff`, which has no `summary` or `transcript`.
///
/// ```
/// use madoguchi::decide::{Engine, Session};
/// use madoguchi::serve::public::PublicReply;
/// # fn demo(engine: &Engine) {
/// let mut session = Session::new("s1");
/// let reply = engine.respond(&mut session, "オペレーターと話したい");
/// let json = serde_json::to_value(PublicReply::from(&reply)).unwrap();
/// assert!(json["handoff"].get("transcript").is_none());
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicReply<'a> {
    /// Session id.
    pub session_id: &'a str,
    /// Customer turn number (1-based).
    pub turn: u32,
    /// What to do.
    pub kind: ReplyKind,
    /// The text to show.
    pub message: &'a str,
    /// For `answer`: the entry.
    pub answer: Option<&'a AnswerPayload>,
    /// For `answer`: related entries.
    pub related: &'a [Candidate],
    /// For `clarify`: the choices.
    pub choices: &'a [Candidate],
    /// For `fallback`: categories to browse.
    pub suggestions: &'a [String],
    /// For `handoff`: the route for the customer.
    pub handoff: Option<PublicHandoff<'a>>,
    /// For `warn` / `end`.
    pub harassment: Option<&'a HarassmentReport>,
    /// Flags (`truncated`: only the start of the message was read).
    pub flags: Flags,
    /// Voice-of-customer class.
    pub voc: VocClass,
    /// The urgent route beside a self-service reply to a message that may
    /// describe an urgent situation (its text ends `message`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgent_notice: Option<&'a UrgentNotice>,
    /// A typed verdict on the previous answer (the widget marks that
    /// answer's 「解決しましたか？」 as answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<&'a Verdict>,
}

impl<'a> From<&'a Reply> for PublicReply<'a> {
    fn from(r: &'a Reply) -> Self {
        Self {
            session_id: &r.session_id,
            turn: r.turn,
            kind: r.kind,
            message: &r.message,
            answer: r.answer.as_ref(),
            related: &r.related,
            choices: &r.choices,
            suggestions: &r.suggestions,
            handoff: r.handoff.as_ref().map(|h| PublicHandoff {
                reason: h.reason,
                urgent_kind: h.urgent_kind,
                priority: h.priority,
                route: h.route.as_ref(),
                repeat: h.repeat,
            }),
            harassment: r.harassment.as_ref(),
            flags: r.flags,
            voc: r.voc,
            urgent_notice: r.urgent_notice.as_ref(),
            verdict: r.verdict.as_ref(),
        }
    }
}
