//! Prints how the engine's thresholds split the paraphrase set: for each
//! (answer_confidence, min_margin) pair, how many queries are answered
//! correctly, answered wrongly, clarified with the right entry among the
//! choices, or fall back. Run: cargo run --release --example calibrate
use madoguchi::decide::{Engine, EngineConfig, ReplyKind, Session};
use madoguchi::knowledge::load_corpus;
use madoguchi::retrieve::Retriever;

#[path = "common/cases.rs"]
mod cases;
use cases::paraphrase_cases;

fn main() -> madoguchi::Result<()> {
    let cases = paraphrase_cases();
    let kb = load_corpus("faq-corpus".as_ref())?;
    let retriever = Retriever::builder().build(kb)?;
    let engine = Engine::builder().build(retriever)?;
    for answer in [0.5f32, 0.55, 0.6, 0.65, 0.7] {
        for margin in [0.0f32, 0.05, 0.1, 0.15, 0.25] {
            let cfg = EngineConfig { answer_confidence: answer, min_margin: margin, ..EngineConfig::default() };
            let e = Engine::builder().config(cfg).build(engine.retriever().rebuild(engine.retriever().knowledge_base().clone())?)?;
            let (mut right, mut wrong, mut clar_ok, mut clar_bad, mut fb, mut other) = (0, 0, 0, 0, 0, 0);
            for (q, id) in &cases {
                let mut s = Session::new("c");
                let r = e.respond(&mut s, q);
                match r.kind {
                    ReplyKind::Answer if r.answer.as_ref().is_some_and(|a| &a.id == id) => right += 1,
                    ReplyKind::Answer => wrong += 1,
                    ReplyKind::Clarify if r.choices.iter().any(|c| &c.id == id) => clar_ok += 1,
                    ReplyKind::Clarify => clar_bad += 1,
                    ReplyKind::Fallback => fb += 1,
                    _ => other += 1,
                }
            }
            println!("answer≥{answer} margin≥{margin}: right {right} wrong {wrong} clarify-ok {clar_ok} clarify-miss {clar_bad} fallback {fb} other {other}");
        }
    }
    Ok(())
}

