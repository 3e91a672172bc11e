//! The report's counters: one pass over the events, bounded memory.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use chrono::{Datelike, NaiveDate};

use super::labels::name_of;
use super::topics::{Miss, Reservoir};
use super::{Day, Entries, EntryUse, Handoffs, Harassment, InputSummary, REPORT_VERSION, Report, ReportOptions, Totals};
use crate::decide::{HandoffReason, ReplyKind};
use crate::insights::event::{EVENT_VERSION, Event, EventType};

const BAD_EXAMPLES: usize = 5;

// Session flags.
const ANSWERED: u8 = 1;
const HANDED_OFF: u8 = 2;
const ENDED: u8 = 4;
const SAID_NO: u8 = 8;
const SAID_YES_AFTER_NO: u8 = 16;

#[derive(Debug, Clone, Copy)]
struct SessionRec {
    /// Day of the first event (days since the common era).
    first_day: i32,
    flags: u8,
}

#[derive(Debug, Default)]
struct DayAcc {
    turns: u64,
    yes: u64,
    no: u64,
    handoffs: u64,
    voc: BTreeMap<String, u64>,
}

#[derive(Debug, Default)]
struct EntryAcc {
    answers: u64,
    yes: u64,
    no: u64,
}

/// The accumulator.
pub(super) struct Tally<'o> {
    options: &'o ReportOptions,
    input: InputSummary,
    days: BTreeMap<NaiveDate, DayAcc>,
    sessions: HashMap<u64, SessionRec>,
    reply_kinds: BTreeMap<String, u64>,
    handoffs: Handoffs,
    voc: BTreeMap<String, u64>,
    entries: HashMap<String, EntryAcc>,
    topics: Reservoir,
    harassment: Harassment,
}

/// The session hash (16 hex digits) as a number; anything else hashed.
fn session_key(s: &str) -> u64 {
    if s.len() == 16
        && let Ok(n) = u64::from_str_radix(s, 16)
    {
        return n;
    }
    let mut h = std::hash::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

impl<'o> Tally<'o> {
    pub(super) fn new(options: &'o ReportOptions) -> Self {
        Self {
            options,
            input: InputSummary::default(),
            days: BTreeMap::new(),
            sessions: HashMap::new(),
            reply_kinds: BTreeMap::new(),
            handoffs: Handoffs::default(),
            voc: BTreeMap::new(),
            entries: HashMap::new(),
            topics: Reservoir::new(options.topic_questions),
            harassment: Harassment::default(),
        }
    }

    fn bad(&mut self, file: &str, n: usize, problem: impl std::fmt::Display) {
        self.input.bad_lines += 1;
        if self.input.bad_examples.len() < BAD_EXAMPLES {
            self.input.bad_examples.push(format!("{file}:{n}: {problem}"));
        }
    }

    /// One line of input.
    pub(super) fn line(&mut self, file: &str, n: usize, line: Result<&str, String>) {
        self.input.lines += 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => return self.bad(file, n, e),
        };
        if line.trim().is_empty() {
            return;
        }
        let event: Event = match serde_json::from_str(line) {
            Ok(e) => e,
            Err(e) => {
                // Say "unsupported version" rather than a field error when that is the cause.
                let version = serde_json::from_str::<serde_json::Value>(line).ok().and_then(|v| v["version"].as_u64());
                return match version {
                    Some(v) if v != u64::from(EVENT_VERSION) => self.bad(file, n, format!("unsupported event version {v}")),
                    _ => self.bad(file, n, e),
                };
            }
        };
        if event.version != EVENT_VERSION {
            return self.bad(file, n, format!("unsupported event version {}", event.version));
        }
        let date = event.date();
        if self.options.from.is_some_and(|f| date < f) || self.options.to.is_some_and(|t| date > t) {
            self.input.out_of_range += 1;
            return;
        }
        self.input.events += 1;
        self.event(&event, date);
    }

    fn event(&mut self, e: &Event, date: NaiveDate) {
        let day = self.days.entry(date).or_default();
        let rec = self
            .sessions
            .entry(session_key(&e.session))
            .or_insert(SessionRec { first_day: date.num_days_from_ce(), flags: 0 });
        rec.first_day = rec.first_day.min(date.num_days_from_ce());

        if let Some(kind) = e.reply {
            *self.reply_kinds.entry(kind.as_str().to_string()).or_default() += 1;
            match kind {
                ReplyKind::Answer => rec.flags |= ANSWERED,
                ReplyKind::End => {
                    rec.flags |= ENDED;
                    self.harassment.ended += 1;
                }
                _ => {}
            }
        }
        if let Some(h) = &e.handoff {
            rec.flags |= HANDED_OFF;
            if h.repeat {
                self.handoffs.repeats += 1;
            } else {
                day.handoffs += 1;
                self.handoffs.total += 1;
                *self.handoffs.by_reason.entry(h.reason.as_str().to_string()).or_default() += 1;
                let route = self.handoffs.by_route.entry(h.route.clone()).or_default();
                route.count += 1;
                if route.name.is_none() {
                    route.name = self.options.route_names.get(&h.route).cloned();
                }
                if h.outside_hours {
                    self.handoffs.outside_hours += 1;
                    route.outside_hours += 1;
                }
            }
        }

        match e.kind {
            EventType::Turn => {
                day.turns += 1;
                if let Some(voc) = e.voc {
                    let name = name_of(&voc);
                    *day.voc.entry(name.clone()).or_default() += 1;
                    *self.voc.entry(name).or_default() += 1;
                }
                if let (Some(ReplyKind::Answer), Some(id)) = (e.reply, &e.entry) {
                    self.entries.entry(id.clone()).or_default().answers += 1;
                }
                if e.urgent_notice.is_some() {
                    self.handoffs.urgent_notices += 1;
                    if let Some(text) = &e.text
                        && self.handoffs.urgent_notice_texts.len() < super::URGENT_NOTICE_TEXTS
                    {
                        self.handoffs.urgent_notice_texts.push(text.clone());
                    }
                }
                if !e.harassment.is_empty() {
                    self.harassment.incidents += 1;
                    for c in &e.harassment {
                        *self.harassment.by_category.entry(name_of(c)).or_default() += 1;
                    }
                }
                let miss = match (e.reply, &e.handoff) {
                    (Some(ReplyKind::Fallback), _) => Some(Miss::Unanswered),
                    (Some(ReplyKind::Clarify), _) => Some(Miss::LowConfidence),
                    (Some(ReplyKind::Handoff), Some(h)) if h.reason == HandoffReason::Unresolved => Some(Miss::Unanswered),
                    _ => None,
                };
                // A typed verdict (「違います」) counts like the button; no
                // small talk is a question to write an entry for.
                if e.resolved.is_some() {
                    self.verdict(e, date);
                } else if let (Some(miss), Some(text), false) = (miss, &e.text, e.smalltalk) {
                    self.topics.add(text, miss);
                }
            }
            EventType::Feedback => self.verdict(e, date),
        }
    }

    /// A verdict on an answer: the はい/いいえ buttons (a feedback event) or
    /// the same typed in a turn (「ありがとう」, 「違います」).
    fn verdict(&mut self, e: &Event, date: NaiveDate) {
        let day = self.days.entry(date).or_default();
        let Some(rec) = self.sessions.get_mut(&session_key(&e.session)) else { return };
        let entry = e.entry.as_ref().map(|id| self.entries.entry(id.clone()).or_default());
        match e.resolved {
            Some(true) => {
                day.yes += 1;
                if rec.flags & SAID_NO != 0 {
                    rec.flags |= SAID_YES_AFTER_NO;
                }
                if let Some(entry) = entry {
                    entry.yes += 1;
                }
            }
            Some(false) => {
                day.no += 1;
                rec.flags |= SAID_NO;
                rec.flags &= !SAID_YES_AFTER_NO;
                if let Some(entry) = entry {
                    entry.no += 1;
                }
            }
            None => {}
        }
    }

    /// The report.
    pub(super) fn finish(mut self, files: usize) -> Report {
        self.input.files = files;
        let resolved = |r: &SessionRec| {
            r.flags & ANSWERED != 0
                && r.flags & (HANDED_OFF | ENDED) == 0
                && (r.flags & SAID_NO == 0 || r.flags & SAID_YES_AFTER_NO != 0)
        };
        let mut started: HashMap<i32, (u64, u64)> = HashMap::new();
        for r in self.sessions.values() {
            let s = started.entry(r.first_day).or_default();
            s.0 += 1;
            s.1 += u64::from(resolved(r));
        }
        let rate = |resolved: u64, all: u64| if all == 0 { 0.0 } else { resolved as f64 / all as f64 };
        let days: Vec<Day> = self
            .days
            .iter()
            .map(|(date, d)| {
                let (sessions, resolved) = started.get(&date.num_days_from_ce()).copied().unwrap_or_default();
                Day {
                    date: *date,
                    turns: d.turns,
                    sessions,
                    resolved_sessions: resolved,
                    resolution_rate: rate(resolved, sessions),
                    feedback_yes: d.yes,
                    feedback_no: d.no,
                    handoffs: d.handoffs,
                    voc: d.voc.clone(),
                }
            })
            .collect();
        let sessions = self.sessions.len() as u64;
        let resolved_sessions = self.sessions.values().filter(|r| resolved(r)).count() as u64;
        let totals = Totals {
            turns: days.iter().map(|d| d.turns).sum(),
            sessions,
            resolved_sessions,
            resolution_rate: rate(resolved_sessions, sessions),
            feedback_yes: days.iter().map(|d| d.feedback_yes).sum(),
            feedback_no: days.iter().map(|d| d.feedback_no).sum(),
            handoffs: self.handoffs.total,
            handoffs_outside_hours: self.handoffs.outside_hours,
        };
        let questions = &self.options.entry_questions;
        let mut uses: Vec<EntryUse> = self
            .entries
            .into_iter()
            .map(|(id, a)| EntryUse { question: questions.get(&id).cloned(), id, answers: a.answers, yes: a.yes, no: a.no })
            .collect();
        let top = self.options.top_entries;
        uses.sort_by(|a, b| b.answers.cmp(&a.answers).then_with(|| a.id.cmp(&b.id)));
        let most_answered: Vec<EntryUse> = uses.iter().filter(|u| u.answers > 0).take(top).cloned().collect();
        uses.sort_by(|a, b| b.no.cmp(&a.no).then_with(|| b.answers.cmp(&a.answers)).then_with(|| a.id.cmp(&b.id)));
        let most_unhelpful: Vec<EntryUse> = uses.into_iter().filter(|u| u.no > 0).take(top).collect();
        Report {
            version: REPORT_VERSION,
            from: self.options.from,
            to: self.options.to,
            first_day: days.first().map(|d| d.date),
            last_day: days.last().map(|d| d.date),
            input: self.input,
            totals,
            days,
            reply_kinds: self.reply_kinds,
            handoffs: self.handoffs,
            voc: self.voc,
            entries: Entries { most_answered, most_unhelpful },
            topics: self.topics.topics(self.options.top_topics),
            harassment: self.harassment,
        }
    }
}
