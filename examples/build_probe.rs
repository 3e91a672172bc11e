//! Builds a synthetic corpus of N entries ITERATIONS times and prints the
//! wall-clock time of each build: a small process to count a build's
//! instructions with callgrind (two builds minus one leaves out process
//! start) or to compare two binaries in the same hour.
//!
//! ```sh
//! cargo build --release --example build_probe
//! ./target/release/examples/build_probe 10000 3
//! valgrind --tool=callgrind ./target/release/examples/build_probe 2000 1   # then 2000 2
//! ```
use std::time::Instant;

use madoguchi::retrieve::Retriever;
use madoguchi::tokenize::Analyzer;

fn main() -> madoguchi::Result<()> {
    let arg = |i: usize, default: usize| std::env::args().nth(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (n, iterations) = (arg(1, 10_000), arg(2, 3));
    let base = madoguchi::knowledge::load_corpus("faq-corpus".as_ref())?;
    let kb = madoguchi::eval::synthetic_corpus(&base, n);
    let analyzer = Analyzer::new()?;
    for _ in 0..iterations {
        let start = Instant::now();
        let retriever = Retriever::builder().analyzer(analyzer.clone()).build(kb.clone())?;
        println!("build of {} entries: {:?}", retriever.knowledge_base().len(), start.elapsed());
    }
    Ok(())
}
