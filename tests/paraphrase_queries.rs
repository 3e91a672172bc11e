//! Labelled paraphrase queries (tests/queries/*.jsonl) must put the expected
//! FAQ entry at rank 1. None of the queries copies an entry's own text; they
//! cover kana-only, half-width, full-width, synonym and colloquial spellings.

use std::path::Path;

use madoguchi::knowledge::load_corpus;
use madoguchi::retrieve::{Retriever, SearchOptions};

#[derive(serde::Deserialize)]
struct Case {
    query: String,
    expect: String,
    #[serde(default)]
    note: String,
}

fn cases() -> Vec<(String, Case)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/queries");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut out = Vec::new();
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "jsonl")) {
        for (i, line) in std::fs::read_to_string(f).unwrap().lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let case: Case = serde_json::from_str(line).unwrap_or_else(|e| panic!("{}:{}: {e}", f.display(), i + 1));
            out.push((format!("{}:{}", f.file_name().unwrap().to_string_lossy(), i + 1), case));
        }
    }
    out
}

#[test]
fn paraphrases_rank_the_expected_entry_first() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq-corpus");
    let retriever = Retriever::builder().build(load_corpus(&corpus).unwrap()).unwrap();
    let cases = cases();
    assert!(cases.len() >= 60, "need at least 60 labelled queries, have {}", cases.len());
    let mut failures = Vec::new();
    for (at, case) in &cases {
        let id = case.expect.strip_prefix("faq:").expect("expect must be faq:<id>");
        assert!(retriever.entry(id).is_some(), "{at}: unknown entry {id}");
        let result = retriever.search(&case.query, &SearchOptions { top_k: 5, category: None });
        let got: Vec<&str> = result.hits.iter().map(|h| h.id.as_str()).collect();
        if got.first() != Some(&id) {
            failures.push(format!("{at} [{}] {:?}: expected {id}, got {:?}", case.note, case.query, got));
        }
    }
    let passed = cases.len() - failures.len();
    eprintln!("rank-1 accuracy: {passed}/{}", cases.len());
    assert!(failures.is_empty(), "{} of {} queries missed rank 1:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
