//! Repeats one turn many times on a corpus, for profilers (perf, callgrind).
//! Run: cargo run --release --example latency_probe -- [CORPUS] [MESSAGE] [N] [RULES]
//! (RULES: a rule file instead of the bundled one, e.g. without `urgent.model`
//! to measure what the urgent model costs.)
use chrono::DateTime;
use madoguchi::decide::{Engine, Session};

fn main() -> madoguchi::Result<()> {
    let mut args = std::env::args().skip(1);
    let corpus = args.next().unwrap_or_else(|| "faq-corpus".into());
    let message = args.next().unwrap_or_else(|| "クレジットカードの暗証番号を変更したい".into());
    let n: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let engine = match args.next() {
        Some(rules) => Engine::builder()
            .rules(madoguchi::decide::RuleSet::load(rules)?)
            .build(madoguchi::retrieve::Retriever::builder().build(madoguchi::knowledge::load_corpus(corpus.as_ref())?)?)?,
        None => Engine::from_corpus(&corpus)?,
    };
    let at = DateTime::parse_from_rfc3339("2026-11-24T14:00:00+09:00").expect("valid time");
    let started = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(engine.respond_at(&mut Session::new("p"), &message, at));
    }
    println!("{:?} per turn", started.elapsed() / n);
    Ok(())
}
