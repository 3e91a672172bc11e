//! How soon type-ahead finds the right entry: for each labelled query of a
//! case directory (`{"query", "expect": "faq:ID"}` lines, or `"relevant":
//! {ID: grade}`, where the best-graded entries count), the share whose
//! entry is among the 5 suggestions after typing half, three quarters and
//! all of it (character by character, as typed). The queries are
//! paraphrases, not the entries' own questions, so this is a hard floor.
//! Run: cargo run --release --example suggest_eval -- [CORPUS] [CASES_DIR]
use madoguchi::knowledge::load_corpus;
use madoguchi::retrieve::{Retriever, SearchOptions};

/// Shares of each query typed before looking.
const TYPED: [f32; 3] = [0.5, 0.75, 1.0];
/// Suggestions the widget shows.
const SHOWN: usize = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let corpus = args.next().unwrap_or_else(|| "faq-corpus".into());
    let cases = args.next().unwrap_or_else(|| "tests/queries/bundled-dev".into());
    let retriever = Retriever::builder().build(load_corpus(corpus.as_ref())?)?;
    // Each query with the entries that count as found.
    let mut queries: Vec<(String, Vec<String>)> = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&cases)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    for path in files.into_iter().filter(|p| p.extension().is_some_and(|x| x == "jsonl")) {
        for line in std::fs::read_to_string(&path)?.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line)?;
            let Some(q) = v["query"].as_str() else { continue };
            let mut ids: Vec<String> = v["expect"].as_str().and_then(|e| e.strip_prefix("faq:")).map(String::from).into_iter().collect();
            if let Some(graded) = v["relevant"].as_object() {
                let best = graded.values().filter_map(|g| g.as_u64()).max().unwrap_or(0);
                ids.extend(graded.iter().filter(|(_, g)| g.as_u64() == Some(best)).map(|(id, _)| id.clone()));
            }
            if !ids.is_empty() {
                queries.push((q.to_string(), ids));
            }
        }
    }
    if queries.is_empty() {
        return Err(format!("no labelled queries in {cases}").into());
    }
    println!("{} queries expecting an entry, from {cases}", queries.len());
    for share in TYPED {
        let found = queries
            .iter()
            .filter(|(q, id)| {
                let chars: Vec<char> = q.chars().collect();
                let n = ((chars.len() as f32 * share).ceil() as usize).clamp(1, chars.len());
                let typed: String = chars[..n].iter().collect();
                retriever.suggest(&typed, SHOWN).iter().any(|s| id.contains(&s.id))
            })
            .count();
        println!("typed {:>3.0} %: entry among {SHOWN} suggestions for {found} ({:.1} %)", share * 100.0, 100.0 * found as f32 / queries.len() as f32);
    }
    let opts = SearchOptions { top_k: SHOWN, ..Default::default() };
    let searched = queries.iter().filter(|(q, id)| retriever.search(q, &opts).hits.iter().any(|h| id.contains(&h.id))).count();
    println!("for comparison, a search of the whole query: among the top {SHOWN} for {searched} ({:.1} %)", 100.0 * searched as f32 / queries.len() as f32);
    Ok(())
}
