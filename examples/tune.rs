//! Grid over field boosts on tests/queries: prints rank-1 accuracy and MRR.
//! Run: cargo run --release --example tune
use madoguchi::knowledge::load_corpus;
use madoguchi::retrieve::{Boosts, Retriever, SearchOptions};
use madoguchi::tokenize::Analyzer;

#[path = "common/cases.rs"]
mod cases;
use cases::paraphrase_cases;

fn main() -> madoguchi::Result<()> {
    let cases = paraphrase_cases();
    // TUNE_SYNONYMS=path tries another synonym list.
    let analyzer = match std::env::var("TUNE_SYNONYMS") {
        Ok(p) => Analyzer::builder().synonyms(p).build()?,
        Err(_) => Analyzer::new()?,
    };
    let kb = load_corpus("faq-corpus".as_ref())?;
    let verbose = std::env::args().any(|a| a == "-v");
    let grid = [
        (1.0, 1.0, 1.0, 0.3, 1.0, 0.7),
        (1.0, 1.0, 1.0, 0.0, 1.0, 0.7),
        (1.0, 1.0, 1.0, 0.15, 1.0, 0.7),
        (1.0, 1.0, 1.0, 0.3, 1.0, 0.4),
        (1.0, 1.0, 1.0, 0.3, 1.0, 1.0),
        (3.0, 2.5, 2.0, 0.6, 0.35, 0.7),
        (2.0, 2.0, 1.5, 0.5, 0.6, 0.7),
    ];
    for (q, a, k, ans, bi, syn) in grid {
        let boosts = Boosts { question: q, alternatives: a, keywords: k, answer: ans, bigram: bi, synonym: syn };
        let r = Retriever::builder().analyzer(analyzer.clone()).boosts(boosts).build(kb.clone())?;
        let (mut top1, mut mrr) = (0, 0.0);
        for (query, id) in &cases {
            let res = r.search(query, &SearchOptions { top_k: 10, category: None });
            if let Some(p) = res.hits.iter().position(|h| &h.id == id) {
                mrr += 1.0 / (p + 1) as f64;
                if p == 0 { top1 += 1 }
            }
            if verbose && res.hits.first().map(|h| &h.id) != Some(id) {
                println!("  miss {query} → {:?} want {id}", res.hits.iter().take(3).map(|h| h.id.as_str()).collect::<Vec<_>>());
            }
        }
        println!("{boosts:?}: top1 {top1}/{} mrr {:.3}", cases.len(), mrr / cases.len() as f64);
    }
    Ok(())
}

