//! Evaluation on labelled cases, the way `rasa test` or a QnA test pane
//! measures a bot: ranking metrics for retrieval cases, accuracy and a
//! confusion matrix for decision cases, and per-turn latency.
//!
//! # Cases files (JSONL, one case per line, each in a fresh session)
//!
//! `madoguchi eval --cases` takes one file or a directory of `*.jsonl` files.
//!
//! ```text
//! {"query": "ｶｰﾄﾞの暗証番号を変えたい", "expect": "faq:card-044"}
//! {"turns": ["支払い", "2"], "expect": "faq:shop-033"}
//! {"query": "明細", "expect": "relevant", "relevant": {"card-021": 2, "card-022": 1}}
//! {"query": "オペレーターと話したい", "expect": "handoff:requested", "at": "2026-11-24T21:00:00+09:00"}
//! {"query": "ふざけるな", "expect": "abuse"}
//! ```
//!
//! `expect` is `faq:<id>`, `relevant` (with a `relevant` map of id → grade 1
//! or 2), `self_service` (answer, clarify, fallback or small talk),
//! `handoff:<reason>`, `abuse` (warn or end), `end`, `fallback` or
//! `smalltalk` (thanks, yes, no … taken as such). `expect` applies to the last
//! turn. Optional `at` (RFC 3339) and `channel`. Bad lines are reported with
//! their line number and skipped; the run goes on.

mod answering;
mod metrics;
mod synthetic;

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, FixedOffset};

use crate::decide::{Engine, HandoffReason, Reply, ReplyKind, Session};
use crate::retrieve::SearchOptions;

pub use answering::{OperatingPoint, TopHit, operating_point, precision_coverage_table, threshold_for_precision};
pub use metrics::{RankingMetrics, ndcg_at, percentile};
pub use synthetic::synthetic_corpus;

/// A skipped line of a cases file: its line number and a message that names
/// where it is and what is wrong.
pub type BadLine = (usize, String);

/// What a case expects of the last turn.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Expectation {
    /// That entry answered (and ranked: see the ranking metrics).
    Faq(String),
    /// Graded relevance: entry id → grade (1 or 2).
    Relevant(BTreeMap<String, u8>),
    /// Answer, clarify, fallback or small talk: no hand-off, no harassment.
    SelfService,
    /// A hand-off for this reason.
    Handoff(HandoffReason),
    /// Harassment detected (warn or end).
    Abuse,
    /// The session ended.
    End,
    /// An honest "nothing fits".
    Fallback,
    /// Thanks, yes, no, a greeting or a goodbye taken as such (`self_service`
    /// also accepts it; this label fails when a real question is taken for
    /// small talk, or small talk searched as a question).
    Smalltalk,
}

impl Expectation {
    /// The label used in the confusion matrix.
    pub fn label(&self) -> String {
        match self {
            Expectation::Faq(_) | Expectation::Relevant(_) => "answer".into(),
            Expectation::SelfService => "self_service".into(),
            Expectation::Handoff(r) => format!("handoff:{}", r.as_str()),
            Expectation::Abuse => "abuse".into(),
            Expectation::End => "end".into(),
            Expectation::Fallback => "fallback".into(),
            Expectation::Smalltalk => "smalltalk".into(),
        }
    }
}

/// One parsed case.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Case {
    /// The cases file, when known (reports say `file:line`).
    #[serde(default)]
    pub file: Option<String>,
    /// 1-based line in the cases file.
    pub line: usize,
    /// The customer's messages, in order.
    pub turns: Vec<String>,
    /// What the last turn should produce.
    pub expect: Expectation,
    /// Message time.
    pub at: Option<String>,
    /// Channel.
    pub channel: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    query: Option<String>,
    turns: Option<Vec<String>>,
    expect: serde_json::Value,
    relevant: Option<BTreeMap<String, u8>>,
    at: Option<String>,
    channel: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

fn parse_expect(value: &serde_json::Value, relevant: Option<BTreeMap<String, u8>>) -> Result<Expectation, String> {
    let grades_ok = |m: &BTreeMap<String, u8>| m.values().all(|g| (1..=2).contains(g)) && !m.is_empty();
    if let Some(obj) = value.as_object() {
        let map: BTreeMap<String, u8> = obj
            .get("relevant")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .ok_or("an object `expect` must be {\"relevant\": {\"<id>\": grade}}")?;
        return if grades_ok(&map) { Ok(Expectation::Relevant(map)) } else { Err("grades must be 1 or 2".into()) };
    }
    let s = value.as_str().ok_or("`expect` must be a string")?;
    Ok(match s {
        "relevant" => {
            let map = relevant.ok_or("`expect: relevant` needs a `relevant` map")?;
            if !grades_ok(&map) {
                return Err("grades must be 1 or 2 and the map non-empty".into());
            }
            Expectation::Relevant(map)
        }
        "self_service" => Expectation::SelfService,
        "abuse" => Expectation::Abuse,
        "end" => Expectation::End,
        "fallback" => Expectation::Fallback,
        "smalltalk" => Expectation::Smalltalk,
        _ => {
            if let Some(id) = s.strip_prefix("faq:").filter(|id| !id.is_empty()) {
                Expectation::Faq(id.to_string())
            } else if let Some(reason) = s.strip_prefix("handoff:") {
                let reason: HandoffReason = serde_json::from_value(serde_json::Value::String(reason.into()))
                    .map_err(|_| format!("unknown hand-off reason {reason:?} (urgent, requested, unresolved, complaint)"))?;
                Expectation::Handoff(reason)
            } else {
                return Err(format!("unknown expectation {s:?}"));
            }
        }
    })
}

/// Reads cases from a file, or from every `*.jsonl` file in a directory
/// (sorted by name). Bad lines come back as `file:line: message` and are
/// skipped; an unreadable path is an error.
pub fn load_cases(path: &std::path::Path) -> crate::Result<(Vec<Case>, Vec<BadLine>)> {
    let files: Vec<std::path::PathBuf> = if path.is_dir() {
        let mut v: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| crate::Error::Io { path: path.into(), source: e })?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        v.sort();
        v
    } else {
        vec![path.to_path_buf()]
    };
    let (mut cases, mut bad) = (Vec::new(), Vec::new());
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| crate::Error::Io { path: f.clone(), source: e })?;
        let (mut c, b) = parse_cases(&text);
        let name = f.display().to_string();
        for case in &mut c {
            case.file = Some(name.clone());
        }
        cases.append(&mut c);
        bad.extend(b.into_iter().map(|(line, msg)| {
            let msg = msg.strip_prefix(&format!("line {line}: ")).unwrap_or(&msg).to_string();
            (line, format!("{name}:{line}: {msg}"))
        }));
    }
    Ok((cases, bad))
}

/// Parses a cases file. Returns the good cases and `line: message` for each
/// bad line (which is skipped).
pub fn parse_cases(text: &str) -> (Vec<Case>, Vec<BadLine>) {
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let parsed: Result<Case, String> = serde_json::from_str::<RawCase>(t).map_err(|e| e.to_string()).and_then(|r| {
            let turns = match (r.query, r.turns) {
                (Some(q), None) => vec![q],
                (None, Some(t)) if !t.is_empty() => t,
                (None, Some(_)) => return Err("`turns` is empty".into()),
                (Some(_), Some(_)) => return Err("give `query` or `turns`, not both".into()),
                (None, None) => return Err("missing `query` or `turns`".into()),
            };
            if let Some(at) = &r.at {
                DateTime::parse_from_rfc3339(at).map_err(|e| format!("bad `at` {at:?}: {e}"))?;
            }
            Ok(Case { file: None, line, turns, expect: parse_expect(&r.expect, r.relevant)?, at: r.at, channel: r.channel })
        });
        match parsed {
            Ok(c) => cases.push(c),
            Err(e) => errors.push((line, format!("line {line}: {e}"))),
        }
    }
    (cases, errors)
}

/// The predicted label of a reply, in the confusion-matrix label space.
pub fn reply_label(reply: &Reply) -> String {
    match reply.kind {
        ReplyKind::Answer => "answer".into(),
        ReplyKind::Clarify => "clarify".into(),
        ReplyKind::Fallback => "fallback".into(),
        ReplyKind::Handoff => format!("handoff:{}", reply.handoff.as_ref().map(|h| h.reason.as_str()).unwrap_or("?")),
        ReplyKind::Warn => "abuse".into(),
        ReplyKind::End => "end".into(),
        ReplyKind::Smalltalk => "smalltalk".into(),
    }
}

fn accepted(expect: &Expectation, reply: &Reply) -> bool {
    let label = reply_label(reply);
    match expect {
        Expectation::Faq(id) => reply.answer.as_ref().is_some_and(|a| &a.id == id),
        Expectation::Relevant(m) => reply.answer.as_ref().is_some_and(|a| m.contains_key(&a.id)),
        Expectation::SelfService => {
            matches!(reply.kind, ReplyKind::Answer | ReplyKind::Clarify | ReplyKind::Fallback | ReplyKind::Smalltalk)
        }
        Expectation::Abuse => matches!(reply.kind, ReplyKind::Warn | ReplyKind::End),
        other => other.label() == label,
    }
}

/// Outcome of one case.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CaseResult {
    /// Where the case was read: `file:line`, or the line alone.
    pub at: String,
    /// Line in the cases file.
    pub line: usize,
    /// The last turn's text.
    pub query: String,
    /// Expected label.
    pub expected: String,
    /// Predicted label.
    pub predicted: String,
    /// Whether the last reply met the expectation.
    pub passed: bool,
    /// For retrieval cases: the ranked ids (top 10) for the last turn.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub ranking: Vec<String>,
    /// For answers: the answered id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub answered: Option<String>,
    /// The last reply gave the urgent route as a notice beside its answer
    /// (see [`crate::decide::UrgentNotice`]).
    #[serde(default)]
    pub urgent_notice: bool,
}

/// How often the urgent route was given as a notice instead of a hand-off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NoticeCounts {
    /// `handoff:urgent` cases not handed off.
    pub urgent_missed: usize,
    /// … of which the reply still gave the urgent route as a notice.
    pub urgent_missed_with_notice: usize,
    /// Cases expecting anything else.
    pub other: usize,
    /// … of which the reply gave the urgent route as a notice.
    pub other_with_notice: usize,
}

/// Precision and recall of one expected label.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LabelStats {
    /// Cases expecting this label.
    pub support: usize,
    /// Cases of this label that passed.
    pub correct: usize,
    /// correct / cases whose (canonical) prediction is this label.
    pub precision: f64,
    /// correct / support.
    pub recall: f64,
}

/// Latency per turn in microseconds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Latency {
    /// Number of turns measured.
    pub turns: usize,
    /// Median.
    pub p50_us: f64,
    /// 95th percentile.
    pub p95_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// Slowest turn.
    pub max_us: f64,
}

/// How often the engine answered directly, and how often rightly.
///
/// Counted over the cases that test retrieval: `faq:`, `relevant` and
/// `fallback` (a query nothing answers). An answer is right when the entry
/// answers the question (grade 2 or the `faq:` id).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Answering {
    /// Cases counted.
    pub cases: usize,
    /// Replies of kind `answer`.
    pub answers: usize,
    /// Answers with an entry that answers the question.
    pub right: usize,
    /// Answers with a partly relevant entry (grade 1).
    pub partly_right: usize,
    /// right / answers (1 when there are none).
    pub precision: f64,
    /// answers / cases.
    pub coverage: f64,
    /// Precision and coverage if the top entry were answered at each
    /// confidence threshold.
    pub table: Vec<OperatingPoint>,
}

/// The full report (`madoguchi eval --json`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// Cases run.
    pub cases: usize,
    /// Cases passed.
    pub passed: usize,
    /// Lines skipped as malformed: (line, message naming file and line).
    pub bad_lines: Vec<BadLine>,
    /// Ranking metrics over `faq:` and `relevant` cases.
    pub retrieval: Option<RankingMetrics>,
    /// Share of `faq:`/`relevant` cases answered with a relevant entry.
    pub answered_correctly: Option<f64>,
    /// Direct answers over retrieval and `fallback` cases: how many, how
    /// many right, and the precision/coverage table over thresholds.
    pub answering: Option<Answering>,
    /// Accuracy over decision cases (all but `faq:`/`relevant`).
    pub decision_accuracy: Option<f64>,
    /// Per expected label.
    pub labels: BTreeMap<String, LabelStats>,
    /// expected label → canonical predicted label → count (a passing case
    /// counts as its expected label).
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
    /// Urgent routes given as notices (see [`NoticeCounts`]).
    #[serde(default)]
    pub urgent_notices: NoticeCounts,
    /// Per-turn latency of `Engine::respond_at`.
    pub latency: Latency,
    /// Cases that did not pass.
    pub failed: Vec<CaseResult>,
}

/// Runs every case in a fresh session. `default_at` is used for cases
/// without `at`; `progress` gets `(done, total)`. A case that names an
/// entry the corpus does not have (a typo, an id from another export) is
/// a bad line, not a miss.
pub fn run(
    engine: &Engine,
    cases: &[Case],
    mut bad_lines: Vec<BadLine>,
    default_at: DateTime<FixedOffset>,
    mut progress: impl FnMut(usize, usize),
) -> Report {
    let retriever = engine.retriever();
    let cases: Vec<&Case> = cases
        .iter()
        .filter(|case| {
            let ids: Vec<&str> = match &case.expect {
                Expectation::Faq(id) => vec![id.as_str()],
                Expectation::Relevant(m) => m.keys().map(String::as_str).collect(),
                _ => Vec::new(),
            };
            let unknown: Vec<&str> = ids.into_iter().filter(|id| retriever.entry(id).is_none()).collect();
            if unknown.is_empty() {
                return true;
            }
            let place = case.file.as_ref().map_or_else(|| format!("line {}", case.line), |f| format!("{f}:{}", case.line));
            bad_lines.push((case.line, format!("{place}: no entry {} in the corpus", unknown.join(", "))));
            false
        })
        .collect();
    let mut results = Vec::with_capacity(cases.len());
    let mut latencies: Vec<f64> = Vec::new();
    let mut ranking_cases: Vec<(Vec<String>, BTreeMap<String, u8>)> = Vec::new();
    let mut top_hits: Vec<TopHit> = Vec::new();
    let (mut answers, mut right, mut partly) = (0usize, 0usize, 0usize);
    for (n, case) in cases.iter().enumerate() {
        let at = case.at.as_deref().and_then(|a| DateTime::parse_from_rfc3339(a).ok()).unwrap_or(default_at);
        let mut session = Session::new(format!("eval-{}", case.line));
        session.channel = case.channel.clone();
        let mut last = None;
        for turn in &case.turns {
            let started = Instant::now();
            let reply = engine.respond_at(&mut session, turn, at);
            latencies.push(started.elapsed().as_secs_f64() * 1e6);
            last = Some(reply);
        }
        let Some(reply) = last else { continue };
        let query = case.turns.last().cloned().unwrap_or_default();
        let mut ranking = Vec::new();
        let grades = match &case.expect {
            Expectation::Faq(id) => Some(BTreeMap::from([(id.clone(), 2u8)])),
            Expectation::Relevant(m) => Some(m.clone()),
            Expectation::Fallback => Some(BTreeMap::new()),
            _ => None,
        };
        if let Some(grades) = grades {
            let hits = retriever.search(&query, &SearchOptions { top_k: 10, category: None }).hits;
            top_hits.push(TopHit {
                confidence: hits.first().map(|h| h.confidence as f64).unwrap_or(0.0),
                right: hits.first().is_some_and(|h| grades.get(&h.id) == Some(&2)),
            });
            if reply.kind == ReplyKind::Answer {
                answers += 1;
                match reply.answer.as_ref().and_then(|a| grades.get(&a.id)) {
                    Some(2) => right += 1,
                    Some(_) => partly += 1,
                    None => {}
                }
            }
            if !grades.is_empty() {
                ranking = hits.into_iter().map(|h| h.id).collect();
                ranking_cases.push((ranking.clone(), grades));
            }
        }
        results.push(CaseResult {
            at: match &case.file {
                Some(f) => format!("{f}:{}", case.line),
                None => format!("line {}", case.line),
            },
            line: case.line,
            query,
            expected: case.expect.label(),
            predicted: reply_label(&reply),
            passed: accepted(&case.expect, &reply),
            ranking,
            answered: reply.answer.as_ref().map(|a| a.id.clone()),
            urgent_notice: reply.urgent_notice.is_some(),
        });
        progress(n + 1, cases.len());
    }

    let retrieval = (!ranking_cases.is_empty()).then(|| RankingMetrics::compute(&ranking_cases));
    let answering = (!top_hits.is_empty()).then(|| Answering {
        cases: top_hits.len(),
        answers,
        right,
        partly_right: partly,
        precision: if answers == 0 { 1.0 } else { right as f64 / answers as f64 },
        coverage: answers as f64 / top_hits.len() as f64,
        table: precision_coverage_table(&top_hits),
    });
    let retrieval_results: Vec<&CaseResult> = results.iter().filter(|r| r.expected == "answer").collect();
    let decision_results: Vec<&CaseResult> = results.iter().filter(|r| r.expected != "answer").collect();
    let share = |v: &[&CaseResult]| (!v.is_empty()).then(|| v.iter().filter(|r| r.passed).count() as f64 / v.len() as f64);

    // Confusion over canonical labels: a passing case counts as its expected
    // label; a failing one as what it got, with answers and clarifications
    // outside retrieval cases counted as `self_service` — except an answer
    // where nothing fits, the worst outcome, which counts as `answer` (and
    // against the answer precision).
    let canonical = |r: &CaseResult| -> String {
        if r.passed {
            return r.expected.clone();
        }
        match r.predicted.as_str() {
            "answer" if r.expected == "fallback" => "answer".into(),
            "answer" | "clarify" if r.expected != "answer" => "self_service".into(),
            // An answer with the wrong entry is not a correct "answer".
            p if p == r.expected => format!("{p}:wrong_entry"),
            p => p.into(),
        }
    };
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for r in &results {
        *confusion.entry(r.expected.clone()).or_default().entry(canonical(r)).or_default() += 1;
    }
    let mut labels = BTreeMap::new();
    for (label, row) in &confusion {
        let support: usize = row.values().sum();
        let correct = row.get(label).copied().unwrap_or(0);
        let predicted_as: usize = confusion.values().map(|row| row.get(label).copied().unwrap_or(0)).sum();
        labels.insert(
            label.clone(),
            LabelStats {
                support,
                correct,
                precision: if predicted_as == 0 { 0.0 } else { correct as f64 / predicted_as as f64 },
                recall: if support == 0 { 0.0 } else { correct as f64 / support as f64 },
            },
        );
    }
    let mut urgent_notices = NoticeCounts::default();
    for r in &results {
        if r.expected == "handoff:urgent" {
            if !r.passed {
                urgent_notices.urgent_missed += 1;
                urgent_notices.urgent_missed_with_notice += usize::from(r.urgent_notice);
            }
        } else {
            urgent_notices.other += 1;
            urgent_notices.other_with_notice += usize::from(r.urgent_notice);
        }
    }
    let mut sorted = latencies.clone();
    sorted.sort_by(f64::total_cmp);
    let latency = Latency {
        turns: sorted.len(),
        p50_us: percentile(&sorted, 50.0),
        p95_us: percentile(&sorted, 95.0),
        p99_us: percentile(&sorted, 99.0),
        max_us: sorted.last().copied().unwrap_or(0.0),
    };
    Report {
        cases: results.len(),
        passed: results.iter().filter(|r| r.passed).count(),
        bad_lines,
        retrieval,
        answered_correctly: share(&retrieval_results),
        answering,
        decision_accuracy: share(&decision_results),
        labels,
        confusion,
        urgent_notices,
        latency,
        failed: results.iter().filter(|r| !r.passed).cloned().collect(),
    }
}

impl Report {
    /// A human-readable table.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let pct = |x: f64| format!("{:.1}%", x * 100.0);
        out.push_str(&format!("cases: {}   passed: {}   bad lines: {}\n", self.cases, self.passed, self.bad_lines.len()));
        // Each message already names its file and line.
        for (_, msg) in &self.bad_lines {
            out.push_str(&format!("  {msg}\n"));
        }
        if let Some(m) = &self.retrieval {
            out.push_str(&format!(
                "\nretrieval ({} cases)\n  Success@1 {}  @3 {}  @5 {}  @10 {}\n  MRR@10 {:.3}  nDCG@10 {:.3}  Recall@10 {}\n",
                m.cases,
                pct(m.success_at_1),
                pct(m.success_at_3),
                pct(m.success_at_5),
                pct(m.success_at_10),
                m.mrr_at_10,
                m.ndcg_at_10,
                pct(m.recall_at_10)
            ));
        }
        if let Some(a) = self.answered_correctly {
            out.push_str(&format!("  answered with a relevant entry: {}\n", pct(a)));
        }
        if let Some(a) = &self.answering {
            out.push_str(&format!(
                "\ndirect answers ({} retrieval and fallback cases)\n  answer precision {} ({} of {} answers answer the question; {} partly)\n  coverage {} of queries answered directly\n",
                a.cases,
                pct(a.precision),
                a.right,
                a.answers,
                a.partly_right,
                pct(a.coverage)
            ));
            out.push_str("  if the top entry were answered at confidence ≥ t:\n    t      coverage  precision  answers\n");
            for p in a.table.iter().filter(|p| p.answers > 0) {
                out.push_str(&format!(
                    "    {:.2}   {:>7}   {:>8}   {:>6}\n",
                    p.threshold,
                    pct(p.coverage),
                    pct(p.precision),
                    p.answers
                ));
            }
        }
        if let Some(a) = self.decision_accuracy {
            out.push_str(&format!("\ndecisions: accuracy {}\n", pct(a)));
        }
        out.push_str(&format!("\n{:<20} {:>7} {:>7} {:>9} {:>7}\n", "expected", "support", "correct", "precision", "recall"));
        for (label, s) in &self.labels {
            out.push_str(&format!(
                "{:<20} {:>7} {:>7} {:>9} {:>7}\n",
                label,
                s.support,
                s.correct,
                pct(s.precision),
                pct(s.recall)
            ));
        }
        let n = &self.urgent_notices;
        if n.urgent_missed_with_notice + n.other_with_notice > 0 {
            out.push_str(&format!(
                "\nurgent route given as a notice: {} of the {} urgent cases not handed off; {} of the {} other cases\n",
                n.urgent_missed_with_notice, n.urgent_missed, n.other_with_notice, n.other
            ));
        }
        out.push_str("\nconfusion (expected → predicted: count)\n");
        for (exp, row) in &self.confusion {
            let cells: Vec<String> = row.iter().map(|(p, n)| format!("{p}: {n}")).collect();
            out.push_str(&format!("  {exp:<20} {}\n", cells.join(", ")));
        }
        let l = &self.latency;
        out.push_str(&format!(
            "\nlatency per turn ({} turns): p50 {:.0} µs  p95 {:.0} µs  p99 {:.0} µs  max {:.0} µs\n",
            l.turns, l.p50_us, l.p95_us, l.p99_us, l.max_us
        ));
        if !self.failed.is_empty() {
            out.push_str(&format!("\nfailed ({}):\n", self.failed.len()));
            for f in &self.failed {
                let top: Vec<&str> = f.ranking.iter().take(3).map(String::as_str).collect();
                out.push_str(&format!(
                    "  {}: \"{}\" expected {} got {}{}{}\n",
                    f.at,
                    f.query,
                    f.expected,
                    f.predicted,
                    f.answered.as_ref().map(|a| format!(" ({a})")).unwrap_or_default(),
                    if top.is_empty() { String::new() } else { format!(" top3 {top:?}") }
                ));
            }
        }
        out
    }
}
