//! Shared by the tuning examples.

/// The labelled paraphrase queries (tests/queries/bundled-dev/*.jsonl) as (query, entry id).
pub fn paraphrase_cases() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir("tests/queries/bundled-dev").expect("run from the repo root").flatten().map(|e| e.path()).collect();
    files.sort();
    let mut cases = Vec::new();
    for f in files {
        let (parsed, _) = madoguchi::eval::parse_cases(&std::fs::read_to_string(&f).expect("readable"));
        for c in parsed {
            if let (Some(q), madoguchi::eval::Expectation::Faq(id)) = (c.turns.last(), c.expect) {
                cases.push((q.clone(), id));
            }
        }
    }
    cases
}
