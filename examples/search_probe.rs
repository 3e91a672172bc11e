//! Repeats one search many times, for profilers (perf, callgrind).
//! Run: cargo run --release --example search_probe -- [CORPUS] [QUERY] [N]
use madoguchi::knowledge::load_corpus;
use madoguchi::retrieve::{Retriever, SearchOptions};

fn main() -> madoguchi::Result<()> {
    let mut args = std::env::args().skip(1);
    let corpus = args.next().unwrap_or_else(|| "faq-corpus".into());
    let query = args.next().unwrap_or_else(|| "クレジットカードの暗証番号を忘れてしまったので変更したい".into());
    let n: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let retriever = Retriever::builder().build(load_corpus(corpus.as_ref())?)?;
    let opts = SearchOptions::default();
    let started = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(retriever.search(&query, &opts));
    }
    println!("{:?} per search", started.elapsed() / n);
    Ok(())
}
