//! The development decision cases at the rule level: every `handoff:urgent`
//! case of `tests/decisions/dev/` fires an urgent rule on one of its turns,
//! and no `self_service` or `handoff:requested` case fires one (urgent
//! decides first, so a false alarm there sends an ordinary question to the
//! emergency desk). The few cases listed in `known-misses.tsv` (with why)
//! are expected wrong until fixed. Held-out cases are never read here.

use madoguchi::decide::rules::RuleSet;
use madoguchi::tokenize::Analyzer;

#[test]
fn dev_urgent_cases_are_all_right() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/decisions/dev");
    let rules = RuleSet::bundled().unwrap();
    let analyzer = Analyzer::new().unwrap();
    // Cases left wrong on record (file:line → why), each checked to still be wrong.
    let known: std::collections::HashMap<String, String> = std::fs::read_to_string(format!("{dir}/known-misses.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (at, why) = l.split_once('\t').expect("file:line<TAB>why");
            (at.to_string(), why.to_string())
        })
        .collect();
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let (mut checked, mut wrong) = (0, Vec::new());
    for f in files.iter().filter(|f| f.extension().is_some_and(|x| x == "jsonl")) {
        let text = std::fs::read_to_string(f).unwrap();
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let turns: Vec<&str> = match v["query"].as_str() {
                Some(q) => vec![q],
                None => v["turns"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect(),
            };
            let expect = v["expect"].as_str().unwrap();
            if !matches!(expect, "handoff:urgent" | "self_service" | "handoff:requested") {
                continue;
            }
            // As the engine does: each turn alone, and a turn together with
            // the one before when that one alone raised nothing (the thing in
            // one message, what happened to it in the next).
            let fired = turns.iter().enumerate().any(|(i, t)| {
                rules.check_analysis(&analyzer.analyze(t)).urgent.is_some()
                    || (i > 0
                        && rules.check_urgent(turns[i - 1]).is_none()
                        && rules.check_urgent(&format!("{}、{t}", turns[i - 1])).is_some())
            });
            checked += 1;
            let at = format!("{}:{}", f.file_name().unwrap().to_string_lossy(), i + 1);
            let right = fired == (expect == "handoff:urgent");
            match (known.get(&at), right) {
                (None, false) => wrong.push(format!("{}:{}: {turns:?} expected {expect}", f.display(), i + 1)),
                (Some(_), true) => wrong.push(format!("{at} is right now: remove it from known-misses.tsv")),
                _ => {}
            }
        }
    }
    assert!(checked > 500, "only {checked} cases read");
    assert!(wrong.is_empty(), "{} of {checked} wrong:\n{}", wrong.len(), wrong.join("\n"));
}
