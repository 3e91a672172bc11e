//! Dev figures for the rule layer alone (no retrieval): how often the urgent,
//! hand-off request and harassment checks fire on labelled decision cases,
//! and false alarms on texts that must raise nothing. With `--rules` it reads
//! that rule file at run time, so rules can be edited without rebuilding;
//! without it, it checks the rules compiled into the binary (the bundled
//! `dictionaries/rules.json` as of the last build).
//!
//! Run: `cargo run --release --example rules_eval -- [--rules dictionaries/rules.json] [--model PATH] [-v] [--faq-urgent] [--probe TEXT]`
//!
//! Only DEVELOPMENT data is read:
//!
//! * labelled: every `*.jsonl` of `tests/decisions/dev/` and
//!   `tests/cases/decisions.jsonl` (each turn of a case is checked; a case
//!   counts as flagged when one of its turns fires);
//! * must raise nothing: `tests/ordinary/dev.txt`, the queries of
//!   `tests/queries/{bundled,city,bank}-dev/`, and every question,
//!   alternative phrasing and answer of `faq-corpus/`, `corpora/city/` and
//!   `corpora/bank/`. The FAQ of lost cards legitimately holds statements
//!   such as 「財布ごとカードを落としました」 as alternative phrasings: urgent
//!   hits on FAQ text are listed with `--faq-urgent` to be judged by eye, not
//!   counted as errors.
//!
//! `-v` lists every missed or wrongly flagged labelled case and every alarm
//! on the must-raise-nothing texts.

use std::collections::BTreeMap;
use std::path::Path;

use madoguchi::decide::harassment::Classifier;
use madoguchi::decide::rules::{RuleMatches, RuleSet};
use madoguchi::knowledge::load_corpus;
use madoguchi::tokenize::Analyzer;

#[derive(Default)]
struct Tally {
    pos: u32,
    hit: u32,
    neg: u32,
    false_alarm: u32,
}

fn cases(path: &Path, out: &mut Vec<(String, Vec<String>, String)>) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        let turns: Vec<String> = match (v["query"].as_str(), v["turns"].as_array()) {
            (Some(q), _) => vec![q.to_string()],
            (None, Some(t)) => t.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
            _ => continue,
        };
        let expect = v["expect"].as_str().unwrap_or_default().to_string();
        out.push((format!("{}:{}", path.display(), i + 1), turns, expect));
    }
    Ok(())
}

fn queries(dir: &str, out: &mut Vec<(String, String)>) -> Result<(), Box<dyn std::error::Error>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    for f in files.iter().filter(|f| f.extension().is_some_and(|x| x == "jsonl")) {
        let mut c = Vec::new();
        cases(f, &mut c)?;
        for (at, turns, _) in c {
            for t in turns {
                out.push((at.clone(), t));
            }
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let verbose = args.iter().any(|a| a == "-v");
    let faq_urgent = args.iter().any(|a| a == "--faq-urgent");
    let mut rules = match opt("--rules") {
        Some(p) => RuleSet::load(p)?,
        None => RuleSet::bundled()?,
    };
    if let Some(m) = opt("--model") {
        rules.set_classifier(Some(Classifier::load(m)?));
    }
    let analyzer = Analyzer::new()?;
    let check = |t: &str| -> RuleMatches { rules.check_analysis(&analyzer.analyze(t)) };

    if let Some(text) = opt("--probe") {
        println!("{}\n{}", madoguchi::decide::rules::match_text(&text), serde_json::to_string_pretty(&check(&text))?);
        return Ok(());
    }

    // Labelled decision cases.
    let mut labelled = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir("tests/decisions/dev")?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    for f in files.iter().filter(|f| f.extension().is_some_and(|x| x == "jsonl")) {
        cases(f, &mut labelled)?;
    }
    cases(Path::new("tests/cases/decisions.jsonl"), &mut labelled)?;
    let groups = ["urgent", "request", "abuse"];
    let mut tally: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut errors = Vec::new();
    for (at, turns, expect) in &labelled {
        let ms: Vec<RuleMatches> = turns.iter().map(|t| check(t)).collect();
        let fired = [
            ms.iter().any(|m| m.urgent.is_some()),
            ms.iter().any(|m| m.urgent.is_none() && m.handoff_request.is_some()),
            ms.iter().any(|m| !m.harassment.is_empty()),
        ];
        let want = [expect == "handoff:urgent", expect == "handoff:requested", expect == "abuse" || expect == "end"];
        for (g, name) in groups.iter().enumerate() {
            // Urgent decides first: a request or insult in an urgent case is fine.
            if g > 0 && want[0] {
                continue;
            }
            let t = tally.entry(name).or_default();
            if want[g] {
                t.pos += 1;
                t.hit += u32::from(fired[g]);
            } else {
                t.neg += 1;
                t.false_alarm += u32::from(fired[g]);
            }
            if fired[g] != want[g] {
                let why: Vec<String> = ms
                    .iter()
                    .map(|m| {
                        format!(
                            "u={:?} r={:?} h={:?}",
                            m.urgent.as_ref().map(|h| &h.rule_id),
                            m.handoff_request.as_ref().map(|h| &h.rule_id),
                            m.harassment.iter().map(|h| format!("{}={}", h.rule_id, h.matched)).collect::<Vec<_>>()
                        )
                    })
                    .collect();
                errors.push(format!("  {} {name} {at} {:?} {}", if want[g] { "MISS" } else { "FALSE" }, turns, why.join(" | ")));
            }
        }
    }
    println!("labelled dev cases ({}):", labelled.len());
    for (name, t) in &tally {
        println!("  {name:<8} fired {:>3}/{:<3} false alarms {:>2}/{}", t.hit, t.pos, t.false_alarm, t.neg);
    }
    if verbose {
        errors.iter().for_each(|e| println!("{e}"));
    }

    // Texts that must raise nothing.
    let mut benign: Vec<(&str, Vec<(String, String)>)> = Vec::new();
    let ordinary = std::fs::read_to_string("tests/ordinary/dev.txt")?;
    benign.push((
        "ordinary/dev.txt",
        ordinary
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|(i, l)| (format!("tests/ordinary/dev.txt:{}", i + 1), l.to_string()))
            .collect(),
    ));
    for dir in ["tests/queries/bundled-dev", "tests/queries/city-dev", "tests/queries/bank-dev"] {
        let mut q = Vec::new();
        queries(dir, &mut q)?;
        benign.push((dir, q));
    }
    for dir in ["faq-corpus", "corpora/city", "corpora/bank"] {
        let kb = load_corpus(dir.as_ref())?;
        let (mut qs, mut ans) = (Vec::new(), Vec::new());
        for e in kb.entries() {
            for q in std::iter::once(&e.question).chain(e.alternatives.iter()) {
                qs.push((e.id.clone(), q.clone()));
            }
            ans.push((e.id.clone(), e.answer.clone()));
        }
        benign.push((if dir == "faq-corpus" { "faq-corpus questions" } else if dir == "corpora/city" { "city questions" } else { "bank questions" }, qs));
        benign.push((if dir == "faq-corpus" { "faq-corpus answers" } else if dir == "corpora/city" { "city answers" } else { "bank answers" }, ans));
    }
    println!("must raise nothing (urgent / request / harassment flags):");
    for (name, rows) in &benign {
        let (mut u, mut r, mut h) = (0, 0, 0);
        let mut lines = Vec::new();
        for (at, t) in rows {
            let m = check(t);
            u += u32::from(m.urgent.is_some());
            r += u32::from(m.handoff_request.is_some());
            h += u32::from(!m.harassment.is_empty());
            let faq = name.contains("questions") || name.contains("answers");
            if (verbose && (m.handoff_request.is_some() || !m.harassment.is_empty() || (m.urgent.is_some() && !faq)))
                || (faq_urgent && m.urgent.is_some() && faq)
            {
                lines.push(format!(
                    "    {at} u={:?} r={:?} h={:?} {t}",
                    m.urgent.as_ref().map(|h| format!("{}={}", h.rule_id, h.matched)),
                    m.handoff_request.as_ref().map(|h| format!("{}={}", h.rule_id, h.matched)),
                    m.harassment.iter().map(|h| format!("{}={}", h.rule_id, h.matched)).collect::<Vec<_>>()
                ));
            }
        }
        println!("  {name:<26} {:>5} texts  urgent {u:>3}  request {r:>3}  harassment {h:>3}", rows.len());
        lines.iter().for_each(|l| println!("{}", l.chars().take(260).collect::<String>()));
    }
    Ok(())
}
