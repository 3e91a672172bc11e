//! Type-ahead as the customer types: every prefix of a question, keystroke
//! by keystroke, with the suggestions and the time each call took.
//! Run: cargo run --release --example suggest_probe -- [CORPUS] [QUESTION]...
use std::time::Instant;

use madoguchi::knowledge::load_corpus;
use madoguchi::retrieve::Retriever;

/// Calls per prefix for the timing (the first is warm-up).
const REPEAT: u32 = 200;

fn main() -> madoguchi::Result<()> {
    let mut args = std::env::args().skip(1);
    let corpus = args.next().unwrap_or_else(|| "faq-corpus".into());
    let mut questions: Vec<String> = args.collect();
    if questions.is_empty() {
        questions = vec!["ふんしつ".into(), "カードのさいはっこう".into(), "あんしょうばんごう".into()];
    }
    let retriever = Retriever::builder().build(load_corpus(corpus.as_ref())?)?;
    for question in &questions {
        let chars: Vec<char> = question.chars().collect();
        for end in 1..=chars.len() {
            let partial: String = chars[..end].iter().collect();
            let got = retriever.suggest(&partial, 5);
            let started = Instant::now();
            for _ in 0..REPEAT {
                std::hint::black_box(retriever.suggest(std::hint::black_box(&partial), 5));
            }
            let each = started.elapsed() / REPEAT;
            let shown: Vec<String> = got.iter().take(3).map(|s| format!("{} {}", s.id, s.question)).collect();
            println!("{partial}\t{each:?}\t{}", shown.join(" | "));
        }
    }
    Ok(())
}
