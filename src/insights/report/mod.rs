//! `madoguchi report`: what customers asked, what the bot could not answer,
//! why it handed off — from the event log ([`crate::insights::event`]).
//!
//! The input is streamed line by line (a month of a busy site is a few
//! million events) and memory stays bounded: counters per day, per entry,
//! per route and category; one small record per session (to count sessions
//! and resolution); at most [`ReportOptions::topic_questions`] distinct
//! unanswered questions for the topics ([`topics`]). Bad lines are counted
//! and the first few are quoted, never fatal.
//!
//! **Definitions.** A session counts on the day of its first event. It is
//! *resolved* when it got an answer, was not handed off, was not ended, and
//! has no いいえ without a later はい. The resolution rate is resolved
//! sessions / sessions. Hand-offs count new hand-offs (not `repeat`), from
//! turns and from いいえ feedback; `outside_hours` are those whose route was
//! closed at the time.
//!
//! ```no_run
//! use madoguchi::insights::report::{build, ReportOptions};
//! let report = build(&[std::path::PathBuf::from("events")], &ReportOptions::default(), |_| {})?;
//! println!("{}", report.totals.turns);
//! std::fs::write("report.html", madoguchi::insights::report::html::render(&report))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod html;
mod input;
pub mod labels;
mod svg;
mod tally;
pub mod topics;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use topics::{Topic, Topics};

/// The version of the report's JSON.
pub const REPORT_VERSION: u32 = 1;

/// Why a report could not be built (bad lines are not errors).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// An input could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The options make no sense.
    #[error("{0}")]
    Invalid(String),
}

/// What to report on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// First day (inclusive), in the events' own offset.
    pub from: Option<NaiveDate>,
    /// Last day (inclusive).
    pub to: Option<NaiveDate>,
    /// Entries listed as most answered / most いいえ.
    pub top_entries: usize,
    /// Topics listed.
    pub top_topics: usize,
    /// Distinct unanswered questions kept for the topics.
    pub topic_questions: usize,
    /// Display names of routes (id → name), e.g. from the routes file.
    pub route_names: BTreeMap<String, String>,
    /// Questions of FAQ entries (id → question), e.g. from the corpus, so
    /// the report names the entries it lists.
    pub entry_questions: BTreeMap<String, String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            from: None,
            to: None,
            top_entries: 10,
            top_topics: 20,
            topic_questions: 5000,
            route_names: BTreeMap::new(),
            entry_questions: BTreeMap::new(),
        }
    }
}

/// How far the input is read (for progress output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Lines read so far.
    pub lines: u64,
    /// Bytes read so far.
    pub bytes: u64,
    /// Bytes of all inputs.
    pub total_bytes: u64,
}

/// What was read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InputSummary {
    /// Files read.
    pub files: usize,
    /// Lines read (blank lines included).
    pub lines: u64,
    /// Events counted (in the date range).
    pub events: u64,
    /// Events outside `from`..`to`.
    pub out_of_range: u64,
    /// Lines that are not events of a known version.
    pub bad_lines: u64,
    /// The first few bad lines: `file:line: problem`.
    pub bad_examples: Vec<String>,
}

/// Totals over the whole range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Customer turns.
    pub turns: u64,
    /// Sessions.
    pub sessions: u64,
    /// Sessions resolved by the bot (see the module docs).
    pub resolved_sessions: u64,
    /// `resolved_sessions / sessions` (0 without sessions).
    pub resolution_rate: f64,
    /// はい answers.
    pub feedback_yes: u64,
    /// いいえ answers.
    pub feedback_no: u64,
    /// New hand-offs.
    pub handoffs: u64,
    /// Of them, while the route was closed.
    pub handoffs_outside_hours: u64,
}

/// One day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Day {
    /// The date.
    pub date: NaiveDate,
    /// Customer turns.
    pub turns: u64,
    /// Sessions that started this day.
    pub sessions: u64,
    /// Of them, resolved.
    pub resolved_sessions: u64,
    /// `resolved_sessions / sessions`.
    pub resolution_rate: f64,
    /// はい answers.
    pub feedback_yes: u64,
    /// いいえ answers.
    pub feedback_no: u64,
    /// New hand-offs.
    pub handoffs: u64,
    /// Turns by voice-of-customer class (`inquiry`, `opinion_request`, `complaint`).
    pub voc: BTreeMap<String, u64>,
}

/// Hand-offs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Handoffs {
    /// New hand-offs.
    pub total: u64,
    /// Of them, while the route was closed.
    pub outside_hours: u64,
    /// Repeats (same need again; no new ticket).
    pub repeats: u64,
    /// By reason (`urgent`, `requested`, `unresolved`, `complaint`).
    pub by_reason: BTreeMap<String, u64>,
    /// By route id.
    pub by_route: BTreeMap<String, RouteCount>,
    /// Turns not handed off whose reply gave the urgent route as a notice
    /// (the message may have described an urgent situation).
    #[serde(default)]
    pub urgent_notices: u64,
    /// Their masked messages, the first [`URGENT_NOTICE_TEXTS`], for the
    /// rule owners to check: was it an emergency the rules should catch, or
    /// an ordinary question the notice should leave alone?
    #[serde(default)]
    pub urgent_notice_texts: Vec<String>,
}

/// How many messages that got the urgent route as a notice the report lists.
pub const URGENT_NOTICE_TEXTS: usize = 20;

/// Hand-offs to one route.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteCount {
    /// Display name, when known.
    pub name: Option<String>,
    /// New hand-offs.
    pub count: u64,
    /// Of them, while the route was closed.
    pub outside_hours: u64,
}

/// An FAQ entry's use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryUse {
    /// Entry id.
    pub id: String,
    /// The entry's question, when the corpus was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// Times it answered.
    pub answers: u64,
    /// はい on its answers.
    pub yes: u64,
    /// いいえ on its answers.
    pub no: u64,
}

/// Entries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entries {
    /// Answered most.
    pub most_answered: Vec<EntryUse>,
    /// With the most いいえ.
    pub most_unhelpful: Vec<EntryUse>,
}

/// Harassment incidents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Harassment {
    /// Messages with harassment.
    pub incidents: u64,
    /// Sessions closed under the policy (`end` replies).
    pub ended: u64,
    /// Incidents by category (a message may have several).
    pub by_category: BTreeMap<String, u64>,
}

/// The report (`--json` prints this).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// The range asked for.
    pub from: Option<NaiveDate>,
    /// The range asked for.
    pub to: Option<NaiveDate>,
    /// First and last day with events.
    pub first_day: Option<NaiveDate>,
    /// Last day with events.
    pub last_day: Option<NaiveDate>,
    /// What was read.
    pub input: InputSummary,
    /// Totals.
    pub totals: Totals,
    /// Per day, in order.
    pub days: Vec<Day>,
    /// Replies by kind (turns and replies to いいえ).
    pub reply_kinds: BTreeMap<String, u64>,
    /// Hand-offs.
    pub handoffs: Handoffs,
    /// Turns by voice-of-customer class.
    pub voc: BTreeMap<String, u64>,
    /// Entries answered most and with the most いいえ.
    pub entries: Entries,
    /// Unanswered and low-confidence questions by topic.
    pub topics: Topics,
    /// Harassment incidents.
    pub harassment: Harassment,
}

/// Reads every event of `paths` (files, or directories of day files) and
/// builds the report. `progress` is called every 100,000 lines and once at
/// the end (not twice when the last line was a 100,000th).
pub fn build(paths: &[PathBuf], options: &ReportOptions, mut progress: impl FnMut(Progress)) -> Result<Report, ReportError> {
    if let (Some(f), Some(t)) = (options.from, options.to)
        && f > t
    {
        return Err(ReportError::Invalid(format!("--from {f} is after --to {t}")));
    }
    if paths.is_empty() {
        return Err(ReportError::Invalid("give at least one events file or directory".into()));
    }
    let files = input::files(paths, options.from, options.to)?;
    let total_bytes = files.iter().map(|(_, n)| n).sum();
    let mut tally = tally::Tally::new(options);
    let mut p = Progress { lines: 0, bytes: 0, total_bytes };
    for (path, _) in &files {
        let name = path.display().to_string();
        input::each_line(path, |n, line, bytes| {
            p.lines += 1;
            p.bytes += bytes;
            tally.line(&name, n, line);
            if p.lines.is_multiple_of(100_000) {
                progress(p);
            }
        })?;
    }
    if p.lines == 0 || !p.lines.is_multiple_of(100_000) {
        progress(p);
    }
    Ok(tally.finish(files.len()))
}
