//! Replies to small talk: thanks, yes, no, greetings and goodbyes (the words
//! are the rules file's `smalltalk` section, see
//! [`RuleSet::smalltalk`](super::rules::RuleSet::smalltalk)).
//!
//! * Right after an answer, yes and thanks mean it helped: recorded like
//!   the はい button (the turn's feedback is given), the failure count
//!   starts over. No (「違います」) works like the いいえ button: a turn
//!   without an answer, and the other hits for the same question. Either
//!   way the reply carries the [`Verdict`], and the turn's
//!   event counts in the report like a button press (not as an unanswered
//!   question).
//! * During a clarification, no means none of the choices: they are
//!   withdrawn and the customer is asked in other words (a turn without an
//!   answer, a person on offer); yes asks for a number; thanks keeps them.
//! * No again after nothing fitted counts as another turn without an
//!   answer (repeated いいえ reaches the unresolved hand-off).
//! * Anywhere else, a greeting, thanks or goodbye gets a courteous line and
//!   a bare yes or no asks for the question; these never count toward the
//!   unresolved hand-off.

use chrono::{DateTime, FixedOffset};

use super::engine::Engine;
use super::messages::Messages;
use super::reply::{Flags, Reply, ReplyKind, Verdict};
use super::rules::{Act, VocClass};
use super::session::{Session, Speaker};

impl Engine {
    /// The reply to a small-talk message of act `act` (the customer's line
    /// is already in the transcript).
    pub(super) fn smalltalk_reply(
        &self,
        session: &mut Session,
        act: Act,
        flags: Flags,
        voc: VocClass,
        at: DateTime<FixedOffset>,
    ) -> Reply {
        let mut flags = flags;
        flags.smalltalk = true;
        let last = self.last_answer(session);
        let line = |engine: &Engine, session: &Session, text: &str| {
            let mut r = engine.base(session, ReplyKind::Smalltalk, flags, voc);
            r.message = text.to_string();
            r
        };
        match (act, last, &session.pending) {
            // No right after an answer: like the いいえ button (a verdict
            // unless the button was already pressed: the customer changed
            // their mind, and the other hits are offered all the same).
            (Act::No, Some((turn, entry, given)), _) => {
                session.pending = None;
                let mut r = self.not_resolved(session, turn, &entry, flags, voc, at);
                if !given {
                    session.feedback.push(turn);
                    r.verdict = Some(Verdict { turn, entry_id: entry, resolved: false });
                }
                r
            }
            // No to the choices, or no again after nothing fitted: a turn
            // without an answer, with a person on offer.
            (Act::No, None, pending) if pending.is_some() || session.consecutive_failures > 0 => {
                session.pending = None;
                self.turn_without_answer(session, flags, voc, at).unwrap_or_else(|| self.sorry_fallback(session, flags, voc))
            }
            (Act::Yes | Act::Thanks, Some((turn, entry, false)), _) => {
                session.feedback.push(turn);
                session.consecutive_failures = 0;
                let mut r = line(self, session, &self.rules().messages().resolved);
                r.verdict = Some(Verdict { turn, entry_id: entry, resolved: true });
                r
            }
            (Act::Yes, _, Some(p)) => {
                let text = Messages::fill(&self.rules().messages().pick_a_number, &[("count", &p.candidates.len().to_string())]);
                line(self, session, &text)
            }
            // Thanks or goodbye: the choices on offer stay on offer.
            (Act::Thanks | Act::Bye, _, _) => {
                line(self, session, &self.rules().messages().thanks)
            }
            (Act::Greeting, _, _) => line(self, session, &self.rules().messages().greeting),
            (Act::Yes | Act::No, _, _) => line(self, session, &self.rules().messages().ask_question),
        }
    }

    /// The previous turn's answer (turn, entry id, whether its feedback was
    /// already given) when it is the bot's last reply.
    fn last_answer(&self, session: &Session) -> Option<(u32, String, bool)> {
        let turn = session.turns.checked_sub(1).filter(|t| *t > 0)?;
        let bot = session.transcript.iter().rev().find(|l| l.speaker == Speaker::Bot)?;
        match (bot.turn == turn, bot.kind.as_deref(), &bot.entry_id) {
            (true, Some("answer"), Some(id)) => Some((turn, id.clone(), session.feedback.contains(&turn))),
            _ => None,
        }
    }
}
