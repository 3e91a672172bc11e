//! Prints, for each labelled case, the top hits with confidence, features
//! and grades, as JSON lines: a tool for reading a DEV set's failures.
//! Run: cargo run --release --example dump_hits -- CORPUS CASES [CONFIG]
use madoguchi::config::Config;
use madoguchi::eval::Expectation;
use madoguchi::knowledge::load_corpus;
use madoguchi::retrieve::{Retriever, SearchOptions};

fn main() -> madoguchi::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [corpus, cases, rest @ ..] = args.as_slice() else {
        eprintln!("usage: dump_hits CORPUS CASES [CONFIG]");
        std::process::exit(2);
    };
    let config = match rest.first() {
        Some(p) => Config::load(p)?,
        None => Config::bundled().clone(),
    };
    let retriever = Retriever::builder().config(&config).build(load_corpus(corpus.as_ref())?)?;
    let (cases, _) = madoguchi::eval::load_cases(cases.as_ref())?;
    for case in cases {
        let grades = match &case.expect {
            Expectation::Faq(id) => std::collections::BTreeMap::from([(id.clone(), 2u8)]),
            Expectation::Relevant(m) => m.clone(),
            Expectation::Fallback => Default::default(),
            _ => continue,
        };
        let q = case.turns.last().cloned().unwrap_or_default();
        let r = retriever.search(&q, &SearchOptions { top_k: 3, category: None });
        let hits: Vec<serde_json::Value> = r
            .hits
            .iter()
            .map(|h| {
                serde_json::json!({"id": h.id, "grade": grades.get(&h.id), "p": (h.confidence * 100.0).round() / 100.0,
                    "q": retriever.entry(&h.id).map(|e| e.question.clone()), "f": h.features})
            })
            .collect();
        println!("{}", serde_json::json!({"query": q, "terms": r.terms, "expanded": r.synonyms, "grades": grades, "hits": hits}));
    }
    Ok(())
}
