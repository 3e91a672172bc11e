//! The dialogue engine: one customer message in, one [`Reply`] out.
//!
//! Order of decisions on each turn (each step is a rule, not an accident):
//!
//! 1. Control and text-reordering characters are dropped, then personal
//!    data is masked before anything is stored or returned (on the whole
//!    message, so nothing straddles a cut); over-long input is then cut to
//!    [`EngineConfig::max_message_chars`] and flagged `truncated`.
//! 2. Unreadable input (empty, only control characters, mostly binary) gets a
//!    defined `fallback` asking for a question (`end` in an ended session).
//! 3. The message is analyzed once (Lindera); the rules, the harassment
//!    lexicon and classifier, and retrieval all use that analysis.
//! 4. **Urgent rules first** (lost/stolen, fraud, takeover, phishing…) →
//!    `handoff:urgent` to the 24-hour desk, whatever else the message holds:
//!    even when it is abusive (the harassment is still recorded: strike
//!    counted, `flags.harassment` and the `harassment` report on the reply)
//!    and even in a session already ended under the harassment policy.
//!    A situation told over two turns (the thing in one message, what
//!    happened to it in the next) counts too: a message that raises no urgent
//!    rule is checked again joined to the previous customer message.
//! 5. A session already ended under the harassment policy gets `end` again.
//! 6. Harassment (rules, lexicon, classifier; see
//!    [`crate::decide::harassment`]): `warn`, or `end` on
//!    [`HarassmentPolicy::end_on_strike`](super::rules::HarassmentPolicy) or at once
//!    for a severe hit. Persistent repetition (the same complaint or demand
//!    [`Policy::repeat_limit`](super::rules::Policy) times, compared on
//!    masked text) counts as a strike.
//! 7. Requests for a person → `handoff:requested`, naming the route open now
//!    or the alternative when closed. One hand-off per need: once the
//!    session is handed off, another request (or the same urgent situation
//!    again) gets the same route again with `handoff.repeat = true`.
//! 8. Small talk — a whole message of thanks, yes, no, greetings or
//!    goodbyes (the rules file's `smalltalk` words) — gets a `smalltalk`
//!    reply and is not searched: right after an answer, yes/thanks records
//!    it as resolved and no works like the いいえ button; during a
//!    clarification no withdraws the choices ([`crate::decide::smalltalk`]).
//! 9. A pending clarification is resolved by number (`2`, `２番`, `2つ目`) or
//!    by repeated words.
//! 10. Retrieval: `answer` when confident and clear, `clarify` when middling or
//!     close, `fallback` when nothing fits. A short message pointing back
//!     (`それの手数料は？`) is searched together with the previous topic.
//! 11. After [`Policy::unresolved_turns`](super::rules::Policy) consecutive turns without an answer:
//!     `handoff:unresolved`. Complaints may hand off too
//!     ([`EngineConfig::complaint_handoff`]).
//! 12. A message that may describe an urgent situation without the urgent
//!     model being sure (`urgent.model.notice` ≤ probability < threshold)
//!     keeps the `answer`, `clarify` or `fallback` of step 10 (or the `warn`
//!     or `end` of steps 5–6), with the urgent route beside it ([`UrgentNotice`], `flags.urgent_possible`):
//!     a wrong hand-off would send an ordinary question to the emergency
//!     desk, a missed one would leave a customer in danger without its number.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, FixedOffset, Utc};

use super::hours::Calendar;
use super::messages::Messages;
use super::pii;
use super::reply::{
    AnswerPayload, Candidate, Flags, Handoff, HandoffReason, HarassmentReport, Priority, Reply, ReplyKind, UrgentNotice,
};
use super::rules::{RuleHit, RuleMatches, RuleSet, Severity, UrgentKind, VocClass};
use super::session::{PendingClarification, Session, Speaker, TranscriptLine};
use crate::error::Result;
use crate::knowledge::FaqEntry;
use crate::normalize::{fold_text, normalize};
use crate::retrieve::{Hit, Retriever, SearchOptions, SearchResult};
use crate::tokenize::Analysis;

/// Thresholds and routes of the engine. Defaults are tuned on the bundled
/// corpus (see the README's results section).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct EngineConfig {
    /// Minimum confidence to answer directly (the confidence is the
    /// calibrated probability that the top entry is right; default from the
    /// bundled `dictionaries/config.json`).
    pub answer_confidence: f32,
    /// Minimum choices confidence (the probability that a relevant entry is
    /// among the top hits) to offer choices; below it the reply is an
    /// honest `fallback`.
    pub choices_confidence: f32,
    /// Minimum confidence for one entry to be offered as a choice.
    pub clarify_confidence: f32,
    /// A follow-up search ("手数料は？" after an answer) replaces the
    /// message's own search only when its confidence is higher by this much.
    pub ambiguity_gap: f32,
    /// At most this many clarify choices.
    pub max_choices: usize,
    /// At most this many related entries with an answer.
    pub max_related: usize,
    /// Longer messages are cut to this many characters.
    pub max_message_chars: usize,
    /// Hand off complaints (VOC `complaint`) to the complaints desk.
    pub complaint_handoff: bool,
    /// Route for urgent hand-offs.
    pub urgent_route: String,
    /// Route for requested and unresolved hand-offs when nothing more
    /// specific applies.
    pub operator_route: String,
    /// Route for complaint hand-offs.
    pub complaint_route: String,
    /// Routes to prefer for a requested phone hand-off, by category of the
    /// conversation's last answer (`[category, route]` pairs). Empty (the
    /// default): the routes file's `phone.by_category` decides.
    pub phone_routes: Vec<(String, String)>,
    /// Phone route when the conversation has no category yet. Empty (the
    /// default): the routes file's `phone.default_route`, else
    /// `operator_route`.
    pub default_phone_route: String,
}

/// The route ids of the three hand-off roles when neither the routes file's
/// [`Roles`](super::hours::Roles) nor the embedding code names others.
const BUILT_IN_URGENT_ROUTE: &str = "lost_stolen_desk";
const BUILT_IN_OPERATOR_ROUTE: &str = "chat_operator";
const BUILT_IN_COMPLAINT_ROUTE: &str = "complaints_desk";

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            answer_confidence: crate::config::Config::bundled().thresholds.answer,
            choices_confidence: crate::config::Config::bundled().thresholds.choices,
            clarify_confidence: crate::config::Config::bundled().thresholds.clarify,
            ambiguity_gap: 0.05,
            max_choices: 3,
            max_related: 3,
            max_message_chars: 1000,
            complaint_handoff: false,
            urgent_route: BUILT_IN_URGENT_ROUTE.into(),
            operator_route: BUILT_IN_OPERATOR_ROUTE.into(),
            complaint_route: BUILT_IN_COMPLAINT_ROUTE.into(),
            // The bundled routes file names the phone lines of its
            // categories (`phone`); nothing of one operator is built in.
            phone_routes: Vec::new(),
            default_phone_route: String::new(),
        }
    }
}

impl EngineConfig {
    /// The route a rule's route id stands for: a built-in role id
    /// (`lost_stolen_desk`, `chat_operator`, `complaints_desk`) is the
    /// route that takes that role here, so the bundled request rules follow
    /// the routes file's [`Roles`](super::hours::Roles).
    ///
    /// ```
    /// use madoguchi::decide::{EngineConfig, hours::Roles};
    /// let roles = Roles { operator: Some("web_chat".into()), ..Roles::default() };
    /// let config = EngineConfig::default().with_roles(&roles);
    /// assert_eq!(config.rule_route("chat_operator"), "web_chat");
    /// assert_eq!(config.rule_route("video_consultation"), "video_consultation");
    /// ```
    pub fn rule_route<'a>(&'a self, id: &'a str) -> &'a str {
        match id {
            BUILT_IN_URGENT_ROUTE => &self.urgent_route,
            BUILT_IN_OPERATOR_ROUTE => &self.operator_route,
            BUILT_IN_COMPLAINT_ROUTE => &self.complaint_route,
            _ => id,
        }
    }

    /// The configuration with the routes file's [`Roles`](super::hours::Roles)
    /// in place of the built-in route ids (a route the configuration names
    /// otherwise stays as it is).
    ///
    /// ```
    /// use madoguchi::decide::{EngineConfig, hours::Roles};
    /// let roles = Roles { urgent: Some("emergency_line".into()), ..Roles::default() };
    /// let config = EngineConfig::default().with_roles(&roles);
    /// assert_eq!(config.urgent_route, "emergency_line");
    /// assert_eq!(config.operator_route, "chat_operator");
    /// ```
    pub fn with_roles(mut self, roles: &super::hours::Roles) -> Self {
        for (route, role, built_in) in [
            (&mut self.urgent_route, &roles.urgent, BUILT_IN_URGENT_ROUTE),
            (&mut self.operator_route, &roles.operator, BUILT_IN_OPERATOR_ROUTE),
            (&mut self.complaint_route, &roles.complaint, BUILT_IN_COMPLAINT_ROUTE),
        ] {
            if let Some(id) = role
                && route == built_in
            {
                *route = id.clone();
            }
        }
        self
    }

    /// The defaults, with the answer and clarify thresholds of a retrieval
    /// configuration (`--config`).
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            answer_confidence: config.thresholds.answer,
            choices_confidence: config.thresholds.choices,
            clarify_confidence: config.thresholds.clarify,
            ..Self::default()
        }
    }
}

/// The immutable, shared engine: retrieval model, rules and calendar.
/// `Send + Sync`; keep one behind an `Arc` and give each conversation a
/// [`Session`]. The retriever can be swapped while serving
/// ([`Engine::replace_retriever`]).
///
/// ```no_run
/// use madoguchi::decide::{Engine, Session};
/// let engine = Engine::from_corpus("faq-corpus")?;
/// let mut session = Session::new("demo");
/// let reply = engine.respond(&mut session, "カードの暗証番号を変えたい");
/// println!("{}", serde_json::to_string_pretty(&reply).unwrap());
/// # Ok::<(), madoguchi::Error>(())
/// ```
pub struct Engine {
    retriever: RwLock<Arc<Retriever>>,
    rules: RuleSet,
    calendar: Calendar,
    config: EngineConfig,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Builder for [`Engine`].
#[derive(Default)]
pub struct EngineBuilder {
    rules: Option<RuleSet>,
    calendar: Option<Calendar>,
    config: Option<EngineConfig>,
}

impl EngineBuilder {
    /// Rules (default: the bundled `dictionaries/rules.json`).
    pub fn rules(mut self, rules: RuleSet) -> Self {
        self.rules = Some(rules);
        self
    }
    /// Routes and hours (default: the bundled `dictionaries/routes.json`).
    pub fn calendar(mut self, calendar: Calendar) -> Self {
        self.calendar = Some(calendar);
        self
    }
    /// Thresholds and routes.
    pub fn config(mut self, config: EngineConfig) -> Self {
        self.config = Some(config);
        self
    }
    /// Builds the engine around a retriever, after checking that every
    /// route the rules and the configuration name exists
    /// ([`super::validate::validate`]; `madoguchi check` also checks that
    /// category-specific routes name categories of the corpus).
    pub fn build(self, retriever: Retriever) -> Result<Engine> {
        let rules = match self.rules {
            Some(r) => r,
            None => RuleSet::bundled()?,
        };
        let calendar = match self.calendar {
            Some(c) => c,
            None => Calendar::bundled()?,
        };
        let config = self.config.unwrap_or_default().with_roles(&calendar.roles);
        // Category names are checked by `madoguchi check` against the corpus
        // (a corpus subset may lack a category); routes are checked here.
        super::validate::validate(&rules, &calendar, "the routes file", &config, None)?;
        Ok(Engine { retriever: RwLock::new(Arc::new(retriever)), rules, calendar, config })
    }

    /// Builds the engine with the rules `rules` compiles on another thread
    /// while `retriever` makes the retriever (replacing any set with
    /// [`EngineBuilder::rules`]): compiling the bundled rules (about 580
    /// patterns) takes as long as indexing a few thousand entries, so a
    /// start-up need not wait for one after the other. A bad rule file is
    /// reported only once the retriever is built, and the retriever's errors
    /// come first. The price is memory: the rules' heap (about 28 MiB) now
    /// sits on top of the index build's peak instead of after it (the
    /// served 10k corpus peaked at 132 MB instead of 115 MB), so `serve`
    /// builds one after the other.
    ///
    /// ```
    /// use madoguchi::decide::{Engine, HandoffReason, RuleSet, Session};
    /// use madoguchi::knowledge::{FaqEntry, KnowledgeBase};
    /// use madoguchi::retrieve::Retriever;
    /// let kb = KnowledgeBase::new(vec![FaqEntry::new("pay", "支払日はいつですか", "毎月27日です。")])?;
    /// let engine = Engine::builder().build_concurrently(RuleSet::bundled, || Retriever::builder().build(kb))?;
    /// assert_eq!(engine.retriever().knowledge_base().len(), 1);
    /// // The rules are in use: a request for a person is handed off.
    /// let reply = engine.respond(&mut Session::new("s"), "オペレーターと話したい");
    /// assert_eq!(reply.handoff.map(|h| h.reason), Some(HandoffReason::Requested));
    /// # Ok::<(), madoguchi::Error>(())
    /// ```
    pub fn build_concurrently(
        mut self,
        rules: impl FnOnce() -> Result<RuleSet> + Send,
        retriever: impl FnOnce() -> Result<Retriever>,
    ) -> Result<Engine> {
        let (rules, retriever) = std::thread::scope(|s| {
            let rules = s.spawn(rules);
            let retriever = retriever();
            // Compiling rules reports problems as errors; a panic there is
            // a bug, passed on.
            (rules.join().unwrap_or_else(|e| std::panic::resume_unwind(e)), retriever)
        });
        let retriever = retriever?;
        self.rules = Some(rules?);
        self.build(retriever)
    }
}

/// A customer message as the operator's summary quotes it: the first
/// [`SUMMARY_QUOTE_CHARS`] characters and 「…」 (the whole message is in the
/// transcript beside it).
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(SUMMARY_QUOTE_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]).into(),
        None => text.into(),
    }
}

/// How much of a message a summary quotes.
const SUMMARY_QUOTE_CHARS: usize = 120;

fn is_unreadable(text: &str) -> bool {
    let total = text.chars().count();
    if total == 0 {
        return true;
    }
    let bad = text.chars().filter(|c| c.is_control() || *c == '\u{FFFD}').count();
    bad * 3 > total
}

/// Picks a clarification choice by number: `2`, `２`, `2番`, `２番目`, `2つ目`,
/// `二つ目`, `2でお願いします`.
pub(super) fn choice_number(text: &str) -> Option<usize> {
    choice_in(&normalize(text))
}

/// [`choice_number`] of a text already normalized.
fn choice_in(normalized: &str) -> Option<usize> {
    let t = normalized.trim_end_matches(['。', '.', '!', '?', '！', '？', ' ']);
    let kanji = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let (num, rest) = match t.char_indices().take_while(|(_, c)| c.is_ascii_digit()).last() {
        Some((i, c)) => (t[..i + c.len_utf8()].parse::<usize>().ok()?, &t[i + c.len_utf8()..]),
        None => {
            let k = kanji.iter().position(|k| t.starts_with(k))?;
            (k + 1, &t[kanji[k].len()..])
        }
    };
    let rest = rest.trim();
    const SUFFIXES: [&str; 12] = [
        "", "番", "番目", "つ目", "個目", "番で", "番です", "番でお願いします", "でお願いします", "です", "番を", "つめ",
    ];
    SUFFIXES.contains(&rest).then_some(num)
}

/// A normalized message of digits with nothing but signs and spaces
/// around them: no letter, kana or kanji (`-1`, `−１`, `3.5`, `090-1234-5678`).
fn numbers_only(normalized: &str) -> bool {
    normalized.chars().any(|c| c.is_ascii_digit()) && !normalized.chars().any(char::is_alphabetic)
}

/// The entry the bot's last reply answered with, when its answer holds
/// every content word of `analysis` (by base form). Not after any other
/// reply (a list, a fallback, the reply to いいえ): an answer several turns
/// back is no "answer given just before". Analyzes that answer: only for a
/// short follow-up the search could not answer.
fn answered_before<'r>(session: &Session, retriever: &'r Retriever, analysis: &Analysis) -> Option<&'r FaqEntry> {
    let id = session.last_entry.as_deref()?;
    let last_reply = session.transcript.iter().rev().find(|l| l.speaker == Speaker::Bot)?;
    if last_reply.kind.as_deref() != Some(ReplyKind::Answer.as_str()) || last_reply.entry_id.as_deref() != Some(id) {
        return None;
    }
    let last = retriever.entry(id)?;
    let mut words = analysis.terms.iter().filter(|t| t.is_word()).peekable();
    words.peek()?;
    let said = retriever.analyzer().analyze(&last.answer);
    words.all(|w| said.terms.iter().any(|t| t.key == w.key)).then_some(last)
}

/// Words that point back at the previous topic.
fn points_back(normalized: &str) -> bool {
    ["それ", "その", "これ", "この", "そちら", "そっち", "そこ", "あれ"].iter().any(|w| normalized.contains(w))
}

impl Engine {
    /// A builder.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Loads a corpus (directory or file) with the default dictionaries,
    /// rules and routes.
    pub fn from_corpus(path: impl AsRef<std::path::Path>) -> Result<Engine> {
        let path = path.as_ref();
        Engine::builder().build_concurrently(RuleSet::bundled, || Retriever::builder().build(crate::knowledge::load_corpus(path)?))
    }

    /// The retriever in use (a cheap `Arc` clone).
    pub fn retriever(&self) -> Arc<Retriever> {
        self.retriever.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Swaps in a rebuilt retriever (e.g. after adding FAQ entries); sessions
    /// and turns in flight are unaffected.
    pub fn replace_retriever(&self, retriever: Retriever) {
        *self.retriever.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(retriever);
    }

    /// The rules.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Responds to `message` at the current time.
    pub fn respond(&self, session: &mut Session, message: &str) -> Reply {
        let now = Utc::now().with_timezone(&self.calendar.offset());
        self.respond_at(session, message, now)
    }

    /// Responds to `message` sent at `at` (tests and replays pass the time).
    pub fn respond_at(&self, session: &mut Session, message: &str, at: DateTime<FixedOffset>) -> Reply {
        session.turns += 1;
        session.last_active = at.timestamp();
        let mut flags = Flags::default();

        // Hidden characters go first (a control character between digit
        // groups would otherwise hide a card number from the masker, and
        // removing it after would join the digits), then the whole message
        // is masked before the cut (a card number across the cut would keep
        // its first digits), and the stored text is cut no later than the
        // text the rules read.
        let shown = crate::normalize::strip_for_display(message);
        let mut masked = pii::mask(&shown);
        let mut text: String = shown.to_string();
        let chars = text.chars().count();
        if chars > self.config.max_message_chars {
            text = text.chars().take(self.config.max_message_chars).collect();
            // A masked e-mail is shorter than the original: cut that much
            // earlier, so the stored text holds nothing the rules did not read.
            let shorter = chars.saturating_sub(masked.text.chars().count());
            masked.text = masked.text.chars().take(self.config.max_message_chars.saturating_sub(shorter)).collect();
            flags.truncated = true;
        }
        flags.pii_detected = !masked.found.is_empty();
        self.log(session, Speaker::Customer, &masked.text, at, None, None);

        // One analysis for the rules, the harassment layers and retrieval.
        let retriever = self.retriever();
        let analysis = retriever.analyzer().analyze(&text);
        if is_unreadable(message) || analysis.normalized.is_empty() {
            if session.ended {
                return self.finish(session, self.end_reply(session, flags, VocClass::Inquiry, None), at);
            }
            let mut r = self.base(session, ReplyKind::Fallback, flags, VocClass::Inquiry);
            r.message = self.rules.messages().unreadable.clone();
            r.suggestions = self.category_names();
            return self.finish(session, r, at);
        }

        let mut matches: RuleMatches = self.rules.check_analysis(&analysis);
        if matches.urgent.is_none() {
            let (hit, possible) = self.urgent_across_turns(session, &masked.text);
            matches.urgent = hit;
            matches.urgent_possible = matches.urgent_possible.take().or(possible);
        }
        let voc = matches.voc;

        // Harassment is assessed first but decides after the urgent rules:
        // a customer in danger gets the emergency line even when abusive.
        // Repeating an ordinary question is a sign the bot failed (the
        // unresolved rule handles that); repeating a complaint or demand is
        // persistent repetition under the harassment policy.
        let repeated = voc != VocClass::Inquiry && self.count_repetition(session, &masked.text);
        let report = (!matches.harassment.is_empty() || repeated).then(|| {
            flags.harassment = true;
            session.strikes += 1;
            let severe = matches.harassment.iter().any(|h| h.severity == Severity::Severe);
            let mut categories: Vec<_> = matches.harassment.iter().map(|h| h.category).collect();
            if repeated {
                categories.push(super::rules::HarassmentCategory::PersistentRepetition);
            }
            categories.sort();
            categories.dedup();
            HarassmentReport {
                categories,
                severity: if severe { Severity::Severe } else { Severity::Minor },
                strikes: session.strikes,
                rule_ids: matches.harassment.iter().map(|h| h.rule_id.clone()).collect(),
            }
        });
        let ends = report.as_ref().is_some_and(|r| {
            r.severity == Severity::Severe || session.strikes >= self.rules.policy().harassment.end_on_strike
        });

        if let Some(hit) = &matches.urgent {
            flags.urgent = true;
            if ends {
                session.ended = true;
            }
            let mut r = self.handoff(session, flags, voc, HandoffReason::Urgent, Some(hit.kind), &self.config.urgent_route, at);
            r.harassment = report;
            return self.finish(session, r, at);
        }
        // Safety first here too: an abusive message or an ended session that
        // may describe an urgent situation still gets its route.
        let notice = |engine: &Self, mut r: Reply| {
            if let Some(possible) = &matches.urgent_possible {
                engine.add_urgent_notice(&mut r, possible.kind, at);
            }
            r
        };
        if session.ended {
            let r = notice(self, self.end_reply(session, flags, voc, report));
            return self.finish(session, r, at);
        }
        if let Some(report) = report {
            if ends {
                session.ended = true;
                let r = notice(self, self.end_reply(session, flags, voc, Some(report)));
                return self.finish(session, r, at);
            }
            let mut r = self.base(session, ReplyKind::Warn, flags, voc);
            r.message = self.rules.messages().warn.clone();
            r.harassment = Some(report);
            let r = notice(self, r);
            return self.finish(session, r, at);
        }

        if let Some(hit) = &matches.handoff_request {
            let route = self.requested_route(session, hit.route.as_deref());
            let r = notice(self, self.handoff(session, flags, voc, HandoffReason::Requested, None, &route, at));
            return self.finish(session, r, at);
        }

        // Thanks, yes, no, greetings: nothing to search (see `smalltalk`).
        if let Some(act) = self.rules.smalltalk_analyzed(&text, &analysis) {
            let r = self.smalltalk_reply(session, act, flags, voc, at);
            return self.finish(session, r, at);
        }

        if let Some(r) = self.resolve_clarification(session, &retriever, &analysis, flags, voc) {
            let r = notice(self, r);
            return self.finish(session, r, at);
        }
        // A bare choice ("2", "２番") with no choices on offer (or out of
        // range) is not a question: searching "2" would match 2回線目. Nor
        // is any message of digits and signs alone ("-1", "3.5", a pasted
        // number): no word says what it is about.
        let choice = choice_in(&analysis.normalized).is_some();
        if choice || numbers_only(&analysis.normalized) {
            let mut r = self.base(session, ReplyKind::Fallback, flags, voc);
            let m = self.rules.messages();
            r.message = match &session.pending {
                Some(p) => Messages::fill(&m.pick_a_number, &[("count", &p.candidates.len().to_string())]),
                None if choice => m.number_without_choices.clone(),
                None => m.numbers_only.clone(),
            };
            return self.finish(session, r, at);
        }
        session.pending = None;

        let mut result = retriever.search_analysis(&text, &analysis, &SearchOptions { top_k: 5, category: None });
        // A follow-up points back ("それの手数料は？") or is a short fragment
        // ("手数料は？") after an answer: search it together with that topic.
        let pointing = points_back(&analysis.normalized);
        let fragment = !analysis.terms.is_empty() && analysis.normalized.chars().count() <= 12;
        if (pointing || fragment)
            && let Some(follow) = self.follow_up(session, &retriever, &text, &analysis)
        {
            let follow_conf = follow.top().map(|h| h.confidence).unwrap_or(0.0);
            let own_conf = result.top().map(|h| h.confidence).unwrap_or(0.0);
            let use_follow = if pointing {
                follow_conf >= self.config.clarify_confidence
            } else {
                follow_conf > own_conf + self.config.ambiguity_gap
            };
            if use_follow {
                result = follow;
                flags.follow_up = true;
            }
        }

        // A follow-up the answer given before already covers (「それの手数料
        // は？」 after an answer that gives the fee): searched, it finds no
        // direct answer, and no list either unless it points back; every
        // content word of it is in that answer. Show that answer again
        // rather than say nothing fits.
        if (pointing || fragment)
            && !self.complaint_goes_to_person(voc)
            && result.top().is_none_or(|h| h.confidence < self.config.answer_confidence)
            && (pointing || result.choices_confidence < self.config.choices_confidence)
            && let Some(entry) = answered_before(session, &retriever, &analysis)
        {
            flags.follow_up = true;
            let mut r = self.answer(session, &retriever, entry, self.config.answer_confidence, &[], flags, voc);
            r.message = format!("{}\n{}", self.rules.messages().previous_answer, r.message);
            let r = notice(self, r);
            return self.finish(session, r, at);
        }

        let reply = notice(self, self.decide_on_retrieval(session, &retriever, &result, &masked.text, flags, voc, at));
        self.finish(session, reply, at)
    }

    /// True when this (masked) message and the customer's previous
    /// `repeat_limit - 1` messages are the same once folded. The transcript
    /// holds masked text, so the comparison is masked against masked.
    fn count_repetition(&self, session: &Session, masked_text: &str) -> bool {
        let key = fold_text(&normalize(masked_text));
        let limit = self.rules.policy().repeat_limit.max(2);
        let recent: Vec<&TranscriptLine> =
            session.transcript.iter().filter(|l| l.speaker == Speaker::Customer).rev().take(limit as usize).collect();
        recent.len() as u32 >= limit && recent.iter().all(|l| fold_text(&normalize(&l.text)) == key)
    }

    /// `analysis` is the turn's analysis of `text`.
    fn follow_up(
        &self,
        session: &Session,
        retriever: &Retriever,
        text: &str,
        analysis: &Analysis,
    ) -> Option<SearchResult> {
        let last = retriever.entry(session.last_entry.as_deref()?)?;
        let opts = SearchOptions { top_k: 5, category: session.last_category.clone() };
        let context = retriever.analyzer().analyze(&last.question);
        // The previous entry itself is not a follow-up answer, nor a
        // measure of the rest: it takes no part in the ranking.
        Some(retriever.search_in_context_without(text, analysis, &context, &opts, &last.id))
    }

    #[allow(clippy::too_many_arguments)]
    fn decide_on_retrieval(
        &self,
        session: &mut Session,
        retriever: &Retriever,
        result: &SearchResult,
        masked_text: &str,
        flags: Flags,
        voc: VocClass,
        at: DateTime<FixedOffset>,
    ) -> Reply {
        let cfg = &self.config;
        let hits = &result.hits;
        let top = hits.first();
        let top_conf = top.map(|h| h.confidence).unwrap_or(0.0);

        // The confidence already accounts for a close runner-up (its lead
        // is a feature of the calibrated model), so one threshold decides.
        if let Some(top) = top.filter(|_| top_conf >= cfg.answer_confidence)
            && let Some(entry) = retriever.entry(&top.id)
        {
            if self.complaint_goes_to_person(voc) {
                let route = cfg.complaint_route.clone();
                return self.handoff(session, flags, voc, HandoffReason::Complaint, None, &route, at);
            }
            return self.answer(session, retriever, entry, top.confidence, hits, flags, voc);
        }

        if let Some(handoff) = self.turn_without_answer(session, flags, voc, at) {
            return handoff;
        }
        if self.complaint_goes_to_person(voc) {
            let route = cfg.complaint_route.clone();
            return self.handoff(session, flags, voc, HandoffReason::Complaint, None, &route, at);
        }

        let choices = if result.choices_confidence >= cfg.choices_confidence {
            self.candidates(retriever, hits.iter(), cfg.max_choices)
        } else {
            Vec::new()
        };
        if !choices.is_empty() {
            let mut r = self.base(session, ReplyKind::Clarify, flags, voc);
            r.message = Messages::fill(&self.rules.messages().clarify, &[("choices", &choice_lines(&choices))]);
            session.pending = Some(PendingClarification {
                candidates: choices.iter().map(|c| c.id.clone()).collect(),
                query: masked_text.to_string(),
            });
            r.choices = choices;
            return r;
        }

        let mut r = self.base(session, ReplyKind::Fallback, flags, voc);
        let m = self.rules.messages();
        self.offer_categories(&mut r, &m.no_match, &m.no_match_alone);
        r
    }

    /// A complaint is handed to the complaints desk instead of answered
    /// (`complaint_handoff`).
    fn complaint_goes_to_person(&self, voc: VocClass) -> bool {
        self.config.complaint_handoff && voc == VocClass::Complaint
    }

    /// Counts a turn without an answer; the unresolved hand-off when that
    /// makes [`Policy::unresolved_turns`](super::rules::Policy) in a row.
    pub(super) fn turn_without_answer(
        &self,
        session: &mut Session,
        flags: Flags,
        voc: VocClass,
        at: DateTime<FixedOffset>,
    ) -> Option<Reply> {
        session.consecutive_failures += 1;
        (session.consecutive_failures >= self.rules.policy().unresolved_turns).then(|| {
            let route = self.config.operator_route.clone();
            self.handoff(session, flags, voc, HandoffReason::Unresolved, None, &route, at)
        })
    }

    fn resolve_clarification(
        &self,
        session: &mut Session,
        retriever: &Retriever,
        analysis: &Analysis,
        flags: Flags,
        voc: VocClass,
    ) -> Option<Reply> {
        let pending = session.pending.clone()?;
        let picked = match choice_in(&analysis.normalized) {
            Some(n) => pending.candidates.get(n.checked_sub(1)?).cloned(),
            None => {
                // Repeated words: the candidate the message covers best, if
                // clearly better than the others and if its question has
                // more of the message's words than the next one's (a word
                // every choice has, such as カード, picks none: ask again).
                let ranked = retriever.rank_among(analysis, &pending.candidates);
                match ranked.as_slice() {
                    [best, rest @ ..]
                        if best.features.question_coverage >= 0.5
                            && best.features.lead >= 0.1
                            && rest.first().is_none_or(|next| next.features.question_coverage < best.features.question_coverage) =>
                    {
                        Some(best.id.clone())
                    }
                    _ => None,
                }
            }
        }?;
        let entry = retriever.entry(&picked)?;
        session.pending = None;
        // The customer chose it: full confidence, nothing else to relate.
        Some(self.answer(session, retriever, entry, 1.0, &[], flags, voc))
    }

    #[allow(clippy::too_many_arguments)]
    fn answer(
        &self,
        session: &mut Session,
        retriever: &Retriever,
        entry: &FaqEntry,
        confidence: f32,
        related: &[Hit],
        flags: Flags,
        voc: VocClass,
    ) -> Reply {
        session.consecutive_failures = 0;
        session.last_entry = Some(entry.id.clone());
        session.last_category = entry.category.clone();
        let mut r = self.base(session, ReplyKind::Answer, flags, voc);
        r.message = entry.answer.clone();
        r.answer = Some(AnswerPayload {
            id: entry.id.clone(),
            question: entry.question.clone(),
            answer: entry.answer.clone(),
            links: entry.links.clone(),
            cautions: entry.cautions.clone(),
            category: entry.category.clone(),
            confidence,
        });
        r.related = self.candidates(retriever, related.iter().filter(|h| h.id != entry.id), self.config.max_related);
        r
    }

    /// Numbered candidates from hits confident enough to offer, at most `max`.
    pub(super) fn candidates<'h>(&self, retriever: &Retriever, hits: impl Iterator<Item = &'h Hit>, max: usize) -> Vec<Candidate> {
        hits.filter(|h| h.confidence >= self.config.clarify_confidence)
            .filter_map(|h| retriever.entry(&h.id).map(|e| (h, e)))
            .take(max)
            .enumerate()
            .map(|(i, (h, e))| Candidate {
                number: i + 1,
                id: e.id.clone(),
                question: e.question.clone(),
                confidence: h.confidence,
            })
            .collect()
    }

    fn requested_route(&self, session: &Session, hint: Option<&str>) -> String {
        match hint {
            Some("phone") => {
                let category = session.last_category.as_deref();
                let configured = category
                    .and_then(|c| self.config.phone_routes.iter().find(|(cat, _)| cat == c))
                    .map(|(_, r)| r.as_str())
                    .or(Some(self.config.default_phone_route.as_str()).filter(|r| !r.is_empty()));
                // The configuration overrides the routes file when it sets
                // anything; with neither, the operator route takes the call.
                let from_file = || self.calendar.phone.route_for(category);
                let chosen = if self.config.phone_routes.is_empty() && self.config.default_phone_route.is_empty() {
                    from_file()
                } else {
                    configured
                };
                chosen.unwrap_or(&self.config.operator_route).to_string()
            }
            Some(route) => {
                let route = self.config.rule_route(route);
                self.calendar.route(route).map_or_else(|| self.config.operator_route.clone(), |_| route.to_string())
            }
            None => self.config.operator_route.clone(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn handoff(
        &self,
        session: &mut Session,
        flags: Flags,
        voc: VocClass,
        reason: HandoffReason,
        urgent_kind: Option<UrgentKind>,
        route_id: &str,
        at: DateTime<FixedOffset>,
    ) -> Reply {
        // One hand-off per need: the same need again in a handed-off session
        // gets the route already given, marked as a repeat.
        let repeat = session.handed_off
            && session.handoff_reason == Some(reason)
            && (reason != HandoffReason::Urgent || session.handoff_urgent_kind == urgent_kind);
        let route_id = match (&session.handoff_route, repeat) {
            (Some(r), true) => r.clone(),
            _ => route_id.to_string(),
        };
        session.handed_off = true;
        session.handoff_reason = Some(reason);
        session.handoff_urgent_kind = urgent_kind;
        session.handoff_route = Some(route_id.clone());
        session.pending = None;
        session.consecutive_failures = 0;
        let availability = self.calendar.availability(&route_id, at);
        let mut r = self.base(session, ReplyKind::Handoff, flags, voc);
        r.message = handoff_message(self.rules.messages(), reason, availability.as_ref(), at);
        if repeat {
            r.message = format!("{}\n{}", self.rules.messages().handoff_repeat, r.message);
        }
        let priority = match reason {
            HandoffReason::Urgent => Priority::High,
            _ => Priority::Normal,
        };
        let summary = self.summary(session, reason, urgent_kind);
        r.handoff = Some(Handoff {
            reason,
            urgent_kind,
            priority,
            route: availability,
            summary,
            repeat,
            transcript: session.transcript.clone(),
        });
        r
    }

    /// The operator's summary: why, what the customer wanted (for a request,
    /// the question before it and the last topic the bot tried, not the
    /// request itself), and what the bot already offered.
    fn summary(&self, session: &Session, reason: HandoffReason, urgent: Option<UrgentKind>) -> String {
        // The bot's reply kind of each turn, to tell questions from requests.
        let kind_of = |turn: u32| {
            session
                .transcript
                .iter()
                .find(|l| l.speaker == Speaker::Bot && l.turn == turn)
                .and_then(|l| l.kind.as_deref())
        };
        let customer: Vec<&TranscriptLine> = session.transcript.iter().filter(|l| l.speaker == Speaker::Customer).collect();
        let current_line = customer.last();
        let current = clip(current_line.map(|l| l.text.as_str()).unwrap_or(""));
        // 「いいえ」 or 「ありがとう」 is no business of the customer's.
        let said: Vec<&TranscriptLine> = customer.iter().copied().filter(|l| self.rules.smalltalk(&l.text).is_none()).collect();
        let last_said = said.last().map_or(current.clone(), |l| clip(&l.text));
        let earlier_question = said
            .iter()
            .rev()
            .filter(|l| current_line.is_none_or(|c| c.turn != l.turn))
            .find(|l| matches!(kind_of(l.turn), Some("answer" | "clarify" | "fallback")))
            .map(|l| clip(&l.text));
        let retriever = self.retriever();
        let m = self.rules.messages();
        let fill = Messages::fill;
        let topic = session
            .last_entry
            .as_deref()
            .and_then(|id| retriever.entry(id))
            .map(|e| fill(&m.summary_entry, &[("question", &e.question), ("id", &e.id)]));
        let business = match reason {
            HandoffReason::Urgent => fill(&m.summary_said, &[("text", &current)]),
            HandoffReason::Unresolved | HandoffReason::Complaint => fill(&m.summary_said, &[("text", &last_said)]),
            HandoffReason::Requested => match (earlier_question, &topic) {
                (Some(q), Some(t)) => fill(&m.summary_said_topic, &[("text", &q), ("topic", t)]),
                (Some(q), None) => fill(&m.summary_said, &[("text", &q)]),
                (None, Some(t)) => fill(&m.summary_topic, &[("topic", t)]),
                (None, None) => fill(&m.summary_said_alone, &[("text", &current)]),
            },
        };
        let offered: Vec<String> = session
            .transcript
            .iter()
            .filter(|l| l.speaker == Speaker::Bot)
            .filter_map(|l| match (l.kind.as_deref(), &l.entry_id) {
                (Some("answer"), Some(id)) => Some(match retriever.entry(id) {
                    Some(e) => fill(&m.summary_answer, &[("question", &e.question), ("id", id)]),
                    None => fill(&m.summary_answer_gone, &[("id", id)]),
                }),
                (Some("clarify"), _) => Some(m.summary_clarify.clone()),
                (Some("fallback"), _) => Some(m.summary_fallback.clone()),
                (Some("warn"), _) => Some(m.summary_warn.clone()),
                (Some("handoff"), _) => Some(m.summary_handoff.clone()),
                (Some("end"), _) => Some(m.summary_end.clone()),
                (Some("smalltalk"), _) => None,
                (Some(k), _) => Some(k.to_string()),
                _ => None,
            })
            .collect();
        let why = match (reason, urgent) {
            (HandoffReason::Urgent, Some(k)) => {
                fill(&m.summary_urgent, &[("kind", m.summary_kinds.get(&k).map(String::as_str).unwrap_or_default())])
            }
            (HandoffReason::Urgent, None) => m.summary_urgent_any.clone(),
            (HandoffReason::Requested, _) => fill(&m.summary_requested, &[("text", &current)]),
            (HandoffReason::Unresolved, _) => {
                let turns = session.consecutive_failures.max(self.rules.policy().unresolved_turns);
                fill(&m.summary_unresolved, &[("turns", &turns.to_string())])
            }
            (HandoffReason::Complaint, _) => m.summary_complaint.clone(),
        };
        let offered = if offered.is_empty() { m.summary_none.clone() } else { offered.join(&m.summary_separator) };
        fill(&m.summary, &[("why", &why), ("business", &business), ("count", &customer.len().to_string()), ("offered", &offered)])
    }

    fn end_reply(&self, session: &Session, flags: Flags, voc: VocClass, report: Option<HarassmentReport>) -> Reply {
        let mut r = self.base(session, ReplyKind::End, flags, voc);
        r.message = self.rules.messages().end.clone();
        r.harassment = report;
        r
    }

    pub(super) fn base(&self, session: &Session, kind: ReplyKind, flags: Flags, voc: VocClass) -> Reply {
        Reply {
            session_id: session.id.clone(),
            turn: session.turns,
            kind,
            message: String::new(),
            answer: None,
            related: Vec::new(),
            choices: Vec::new(),
            suggestions: Vec::new(),
            handoff: None,
            harassment: None,
            flags,
            voc,
            urgent_notice: None,
            verdict: None,
        }
    }

    /// Gives the urgent route beside a reply that is no urgent hand-off, to
    /// a message that may describe an urgent situation (see
    /// [`UrgentNotice`]): an answer, a warning, or a hand-off to a person
    /// who may not be there at night. The text is left out of a message that
    /// already gives the route's contact (the lost-card answer does).
    fn add_urgent_notice(&self, reply: &mut Reply, kind: UrgentKind, at: DateTime<FixedOffset>) {
        if reply.kind == ReplyKind::Smalltalk || reply.handoff.as_ref().is_some_and(|h| h.reason == HandoffReason::Urgent) {
            return;
        }
        let route = self.calendar.availability(&self.config.urgent_route, at);
        if let Some(r) = &route
            && !reply.message.contains(&r.contact)
        {
            reply.message = format!("{}\n\n{}", reply.message, notice_message(self.rules.messages(), kind, r));
        }
        reply.flags.urgent_possible = true;
        reply.urgent_notice = Some(UrgentNotice { urgent_kind: kind, route });
    }

    /// Gives `r` the categories to browse and the message that goes with
    /// them, or `alone` for a FAQ without categories.
    pub(super) fn offer_categories(&self, r: &mut Reply, with: &str, alone: &str) {
        r.suggestions = self.category_names();
        r.message = if r.suggestions.is_empty() { alone } else { with }.to_string();
    }

    /// The categories a customer can browse: none for a FAQ whose entries
    /// have no category (「未分類」 alone helps nobody).
    pub(super) fn category_names(&self) -> Vec<String> {
        let names: Vec<String> = self.retriever().knowledge_base().category_names().map(str::to_string).collect();
        match names.as_slice() {
            [only] if only == crate::retrieve::index::UNCATEGORIZED => Vec::new(),
            _ => names,
        }
    }

    /// An urgent situation told over two turns: the thing in one message and
    /// what happened to it in the next (「カードのことで」→「なくしてしまいました」).
    /// The previous customer message (of the turn just before) and this one
    /// are checked as one sentence, joined by 「、」 so that a question mark
    /// or full stop at the end of the first still separates them. Only when
    /// the previous message alone raised nothing: a situation already handed
    /// off is not raised again by a follow-up such as 「ありがとう」.
    /// Returns the situation raised, or else a possible one (for the notice).
    fn urgent_across_turns(&self, session: &Session, current: &str) -> (Option<RuleHit<UrgentKind>>, Option<RuleHit<UrgentKind>>) {
        let prev = session
            .transcript
            .iter()
            .rev()
            .filter(|l| l.speaker == Speaker::Customer)
            .nth(1)
            .filter(|l| l.turn + 1 == session.turns);
        let Some(prev) = prev else { return (None, None) };
        let (prev_hit, prev_possible) = self.rules.check_urgent_or_possible(&prev.text);
        if prev_hit.is_some() {
            return (None, None);
        }
        let (hit, possible) = self.rules.check_urgent_or_possible(&format!("{}、{current}", prev.text));
        // The previous message already had its notice: a follow-up
        // (「再発行の方法は？」) does not repeat it.
        (hit, if prev_possible.is_some() { None } else { possible })
    }

    fn log(
        &self,
        session: &mut Session,
        speaker: Speaker,
        text: &str,
        at: DateTime<FixedOffset>,
        kind: Option<ReplyKind>,
        entry_id: Option<String>,
    ) {
        session.transcript.push(TranscriptLine {
            turn: session.turns,
            speaker,
            text: text.to_string(),
            at: at.to_rfc3339(),
            kind: kind.map(|k| k.as_str().to_string()),
            entry_id,
        });
    }

    /// Records the bot's line and returns the reply. Bot text is FAQ or
    /// template text (never customer data), so it is not masked: the support
    /// numbers in answers must stay readable.
    pub(super) fn finish(&self, session: &mut Session, mut reply: Reply, at: DateTime<FixedOffset>) -> Reply {
        let entry_id = reply.answer.as_ref().map(|a| a.id.clone());
        self.log(session, Speaker::Bot, &reply.message.clone(), at, Some(reply.kind), entry_id);
        if let Some(h) = reply.handoff.as_mut() {
            h.transcript = session.transcript.clone();
        }
        reply
    }
}

/// The engine is shared across threads behind an `Arc`.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<Engine>();
};

/// The `{choices}` of a clarification: one numbered question per line.
pub(super) fn choice_lines(choices: &[Candidate]) -> String {
    choices.iter().map(|c| format!("{}. {}", c.number, c.question)).collect::<Vec<_>>().join("\n")
}

/// The last paragraph of a reply with an [`UrgentNotice`].
fn notice_message(m: &Messages, kind: UrgentKind, a: &super::hours::Availability) -> String {
    let case = m.notice_cases.get(&kind).map(String::as_str).unwrap_or_default();
    if a.open_now {
        return Messages::fill(&m.notice_open, &[("case", case), ("route", &route_named(m, a))]);
    }
    let mut msg = Messages::fill(&m.notice_closed, &[("case", case), ("name", &a.route_name)]);
    match (&a.fallback, &a.next_open) {
        (Some(f), _) => msg.push_str(&Messages::fill(&m.notice_instead, &[("route", &route_named(m, f))])),
        (None, Some(next)) => msg.push_str(&Messages::fill(&m.next_open, &[("time", &m.spoken_time(next))])),
        (None, None) => {}
    }
    if let Some(w) = &a.when_closed {
        msg.push_str(w);
    }
    msg
}

/// A route's name and contact as a line gives them (「デスク（24時間365日）（0120-…）」
/// would stack brackets: a name ending in one gets the other form).
fn route_named(m: &Messages, a: &super::hours::Availability) -> String {
    let template = if a.route_name.ends_with('）') { &m.route_name_bracketed } else { &m.route_name };
    Messages::fill(template, &[("name", &a.route_name), ("contact", &a.contact)])
}

fn handoff_message(
    m: &Messages,
    reason: HandoffReason,
    route: Option<&super::hours::Availability>,
    at: DateTime<FixedOffset>,
) -> String {
    let lead = match reason {
        HandoffReason::Urgent => &m.handoff_urgent,
        HandoffReason::Requested => &m.handoff_requested,
        HandoffReason::Unresolved => &m.handoff_unresolved,
        HandoffReason::Complaint => &m.handoff_complaint,
    };
    let Some(a) = route else { return lead.to_string() };
    let mut msg = format!("{lead}\n{}", Messages::fill(&m.route, &[("route", &route_named(m, a))]));
    if a.open_now {
        // Until when, if it is today or tonight: a 24-hour desk's next
        // holiday months away is no closing time to give.
        let soon = |t: &String| {
            DateTime::parse_from_rfc3339(t).is_ok_and(|t| t.signed_duration_since(at) <= chrono::Duration::hours(24))
        };
        match a.closes_at.as_ref().filter(|t| soon(t)) {
            Some(until) => {
                msg.push_str(&format!("\n{}", Messages::fill(&m.route_open_until, &[("time", &m.spoken_time(until))])))
            }
            None => msg.push_str(&format!("\n{}", m.route_open)),
        }
    } else {
        msg.push_str(&format!("\n{}", m.route_closed));
        if let Some(next) = &a.next_open {
            msg.push_str(&Messages::fill(&m.next_open, &[("time", &m.spoken_time(next))]));
        }
        if let Some(w) = &a.when_closed {
            msg.push_str(&format!("\n{w}"));
        }
        if let Some(f) = &a.fallback {
            msg.push_str(&format!("\n{}", Messages::fill(&m.route_instead, &[("route", &route_named(m, f))])));
        }
    }
    msg
}
