//! What the turn probes (`latency_probe`, `alloc_probe`) share: the engine
//! on a corpus, the fixed clock, and the messages to send.

#![allow(dead_code)]

use chrono::{DateTime, FixedOffset};
use madoguchi::decide::Engine;

/// The engine on `corpus`, with the rules of `rules` instead of the bundled ones.
pub fn engine(corpus: &str, rules: Option<String>) -> Result<Engine, Box<dyn std::error::Error>> {
    Ok(match rules {
        Some(rules) => Engine::builder()
            .rules(madoguchi::decide::RuleSet::load(rules)?)
            .build(madoguchi::retrieve::Retriever::builder().build(madoguchi::knowledge::load_corpus(corpus.as_ref())?)?)?,
        None => Engine::from_corpus(corpus)?,
    })
}

/// A weekday afternoon, inside every desk's hours, so no turn depends on the clock.
pub fn at() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-24T14:00:00+09:00").expect("valid time")
}

/// The message itself, or the message of every one-turn case (`query`) in
/// the `@FILE`s, read as `madoguchi eval` reads them.
pub fn messages(arg: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    if !arg.starts_with('@') {
        return Ok(vec![arg.to_string()]);
    }
    let mut out = Vec::new();
    for file in arg.split(',') {
        let (cases, bad) = madoguchi::eval::load_cases(file.trim_start_matches('@').as_ref())?;
        if let Some((_, message)) = bad.first() {
            return Err(message.clone().into());
        }
        out.extend(cases.into_iter().filter(|c| c.turns.len() == 1).flat_map(|c| c.turns));
    }
    Ok(out)
}

/// The warm-up messages: `PROBE_WARM`'s (first-sight turns follow) or the measured ones.
pub fn warm_up(measured: &[String]) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    match std::env::var("PROBE_WARM") {
        Ok(files) => messages(&files),
        Err(_) => Ok(measured.to_vec()),
    }
}
