//! The customer's answer to 「解決しましたか？」 after an answer.
//!
//! * **はい**: recorded (one answer per turn), nothing more to say.
//! * **いいえ**: counts like a turn without an answer toward the unresolved
//!   hand-off ([`Policy::unresolved_turns`](super::rules::Policy)); when that
//!   is reached, `handoff:unresolved`. Otherwise the other hits for the same
//!   question are offered as a `clarify` (pick by number as usual), or, when
//!   there are none, a `fallback` that offers a person.
//!
//! The reply to いいえ is a turn of its own (the turn counter advances and the
//! bot's line is in the transcript), with no customer line: the customer
//! pressed a button, the question is still the one answered.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::engine::{Engine, choice_lines, choice_number};
use super::messages::Messages;
use super::reply::{Flags, Reply, ReplyKind};
use super::rules::VocClass;
use super::session::{PendingClarification, Session, Speaker};
use crate::retrieve::SearchOptions;

/// Why feedback was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FeedbackError {
    /// No such turn in the session.
    #[error("turn {turn} does not exist (the session has {turns} turns)")]
    UnknownTurn {
        /// The turn asked about.
        turn: u32,
        /// Turns in the session.
        turns: u32,
    },
    /// The turn's reply was not an answer.
    #[error("turn {turn} was not answered from the FAQ (reply kind {kind}); feedback is for answers")]
    NotAnAnswer {
        /// The turn asked about.
        turn: u32,
        /// Its reply kind.
        kind: String,
    },
    /// Feedback on this turn was already given.
    #[error("feedback on turn {turn} was already given")]
    AlreadyGiven {
        /// The turn asked about.
        turn: u32,
    },
    /// The session was closed under the harassment policy.
    #[error("the session was closed")]
    Ended,
}

/// Feedback as recorded, with the reply to いいえ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    /// The turn whose answer was judged.
    pub turn: u32,
    /// The entry that answered it.
    pub entry_id: String,
    /// はい (`true`) or いいえ (`false`).
    pub resolved: bool,
    /// For いいえ: what the bot offers now (`clarify`, `fallback` or
    /// `handoff`).
    pub reply: Option<Reply>,
}

impl Engine {
    /// Records the customer's feedback on the answer of `turn` at the
    /// current time (see the module docs).
    pub fn feedback(&self, session: &mut Session, turn: u32, resolved: bool) -> Result<Feedback, FeedbackError> {
        let now = Utc::now().with_timezone(&self.calendar().offset());
        self.feedback_at(session, turn, resolved, now)
    }

    /// Records the customer's feedback on the answer of `turn`, given at `at`.
    ///
    /// ```no_run
    /// use madoguchi::decide::{Engine, ReplyKind, Session};
    /// let engine = Engine::from_corpus("faq-corpus")?;
    /// let mut session = Session::new("demo");
    /// let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T14:00:00+09:00").unwrap();
    /// let reply = engine.respond_at(&mut session, "カードの暗証番号を変えたい", at);
    /// let fb = engine.feedback_at(&mut session, reply.turn, false, at).unwrap();
    /// assert!(matches!(fb.reply.unwrap().kind, ReplyKind::Clarify | ReplyKind::Fallback));
    /// # Ok::<(), madoguchi::Error>(())
    /// ```
    pub fn feedback_at(
        &self,
        session: &mut Session,
        turn: u32,
        resolved: bool,
        at: DateTime<FixedOffset>,
    ) -> Result<Feedback, FeedbackError> {
        if session.ended {
            return Err(FeedbackError::Ended);
        }
        if turn == 0 || turn > session.turns {
            return Err(FeedbackError::UnknownTurn { turn, turns: session.turns });
        }
        let bot = session.transcript.iter().find(|l| l.speaker == Speaker::Bot && l.turn == turn);
        let entry_id = match bot.map(|l| (l.kind.as_deref(), l.entry_id.as_ref())) {
            Some((Some("answer"), Some(id))) => id.clone(),
            other => {
                let kind = other.and_then(|(k, _)| k).unwrap_or("none").to_string();
                return Err(FeedbackError::NotAnAnswer { turn, kind });
            }
        };
        if session.feedback.contains(&turn) {
            return Err(FeedbackError::AlreadyGiven { turn });
        }
        session.feedback.push(turn);
        if resolved {
            return Ok(Feedback { turn, entry_id, resolved, reply: None });
        }

        session.turns += 1;
        session.last_active = at.timestamp();
        let reply = self.not_resolved(session, turn, &entry_id, Flags::default(), VocClass::Inquiry, at);
        let reply = self.finish(session, reply, at);
        Ok(Feedback { turn, entry_id, resolved, reply: Some(reply) })
    }

    /// The reply to いいえ about the answer of `turn` (the button, or a typed
    /// 「違います」 right after it): a turn without an answer toward the
    /// unresolved hand-off, else the other hits for the same question.
    pub(super) fn not_resolved(
        &self,
        session: &mut Session,
        turn: u32,
        entry_id: &str,
        flags: Flags,
        voc: VocClass,
        at: DateTime<FixedOffset>,
    ) -> Reply {
        if let Some(handoff) = self.turn_without_answer(session, flags, voc, at) {
            return handoff;
        }
        let mut r = self.other_hits(session, turn, entry_id);
        r.flags = flags;
        r.voc = voc;
        r
    }

    /// Nothing more to offer: an apology, the categories to browse, and how
    /// to reach a person.
    pub(super) fn sorry_fallback(&self, session: &Session, flags: Flags, voc: VocClass) -> Reply {
        let mut r = self.base(session, ReplyKind::Fallback, flags, voc);
        let m = self.rules().messages();
        self.offer_categories(&mut r, &m.sorry_fallback, &m.sorry_fallback_alone);
        r
    }

    /// The other hits for the question answered on `turn`, as a clarify; a
    /// fallback offering a person when there are none.
    fn other_hits(&self, session: &mut Session, turn: u32, answered: &str) -> Reply {
        let question = question_of(session, turn);
        let retriever = self.retriever();
        let result = retriever.search(&question, &SearchOptions { top_k: 6, category: None });
        let others = result.hits.iter().filter(|h| h.id != answered);
        let choices = self.candidates(&retriever, others, self.config().max_choices);
        if choices.is_empty() {
            return self.sorry_fallback(session, Flags::default(), VocClass::Inquiry);
        }
        let mut r = self.base(session, ReplyKind::Clarify, Flags::default(), VocClass::Inquiry);
        r.message = Messages::fill(&self.rules().messages().sorry_clarify, &[("choices", &choice_lines(&choices))]);
        session.pending =
            Some(PendingClarification { candidates: choices.iter().map(|c| c.id.clone()).collect(), query: question });
        r.choices = choices;
        r
    }
}

/// The customer's question behind the answer of `turn` (masked, from the
/// transcript): the message of that turn, or, when it only picked a choice
/// (`2`), the message that led to the choices.
fn question_of(session: &Session, turn: u32) -> String {
    let customer = |t: u32| {
        session.transcript.iter().find(|l| l.speaker == Speaker::Customer && l.turn == t).map(|l| l.text.as_str())
    };
    let bot_kind = |t: u32| {
        session.transcript.iter().find(|l| l.speaker == Speaker::Bot && l.turn == t).and_then(|l| l.kind.as_deref())
    };
    let own = customer(turn).unwrap_or("");
    if choice_number(own).is_none() {
        return own.to_string();
    }
    (1..turn)
        .rev()
        .find(|t| bot_kind(*t) == Some("clarify"))
        .and_then(customer)
        .unwrap_or(own)
        .to_string()
}
