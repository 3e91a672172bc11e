//! How the rule layer's time depends on having seen similar text before:
//! checks distinct texts (the questions of all three corpora) in order and
//! reports the mean time per text in windows of 500, then a second pass.
//! The regex engine builds its lazy DFA states on first use, so the first
//! texts cost more than later ones.
//!
//! Run: cargo run --release --example rules_warmth
use std::time::Instant;

use madoguchi::decide::rules::RuleSet;
use madoguchi::knowledge::load_corpus;
use madoguchi::tokenize::Analyzer;

fn main() -> madoguchi::Result<()> {
    let rules = RuleSet::bundled()?;
    let analyzer = Analyzer::new()?;
    let mut texts = Vec::new();
    for corpus in ["faq-corpus", "corpora/city", "corpora/bank"] {
        for e in load_corpus(corpus.as_ref())?.entries() {
            texts.push(analyzer.analyze(&e.question));
            texts.extend(e.alternatives.iter().map(|a| analyzer.analyze(a)));
        }
    }
    for pass in 1..=2 {
        for (w, window) in texts.chunks(500).enumerate() {
            let started = Instant::now();
            for a in window {
                std::hint::black_box(rules.check_analysis(a));
            }
            println!("pass {pass} texts {:>5}–{:<5} {:>8.1} µs per text", w * 500, w * 500 + window.len(), started.elapsed().as_secs_f64() * 1e6 / window.len() as f64);
        }
    }
    Ok(())
}
