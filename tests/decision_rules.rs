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
    // Cases left wrong on record: (file, last turn) → why. Each must still
    // be wrong, and each must name a case that exists.
    let listed = std::fs::read_to_string(format!("{dir}/known-misses.tsv")).expect("tests/decisions/dev/known-misses.tsv");
    let mut known: std::collections::HashMap<(String, String), bool> = std::collections::HashMap::new();
    for l in listed.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let mut cols = l.splitn(3, '\t');
        let (Some(file), Some(text), Some(_why)) = (cols.next(), cols.next(), cols.next()) else {
            panic!("known-misses.tsv: want file<TAB>last turn<TAB>why: {l}");
        };
        assert!(known.insert((file.to_string(), text.replace("\\n", "\n")), false).is_none(), "listed twice: {l}");
    }
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
            if !matches!(expect, "handoff:urgent" | "self_service" | "handoff:requested" | "smalltalk") {
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
            let key = (f.file_name().unwrap().to_string_lossy().into_owned(), turns.last().unwrap().to_string());
            let right = fired == (expect == "handoff:urgent");
            match (known.get_mut(&key), right) {
                (None, false) => wrong.push(format!("{}:{}: {turns:?} expected {expect}", f.display(), i + 1)),
                (Some(_), true) => wrong.push(format!("{}:{} is right now: remove it from known-misses.tsv", key.0, i + 1)),
                (Some(seen), false) => *seen = true,
                (None, true) => {}
            }
        }
    }
    assert!(checked > 500, "only {checked} cases read");
    let stale: Vec<_> = known.iter().filter(|(_, seen)| !**seen).map(|(k, _)| k).collect();
    assert!(stale.is_empty(), "known-misses.tsv lists cases not found (or not wrong): {stale:?}");
    assert!(wrong.is_empty(), "{} of {checked} wrong:\n{}", wrong.len(), wrong.join("\n"));
}
