//! Where urgent decisions come from on a set of labelled cases, as counts
//! only (safe on check halves): fired by a rule, by the model behind its
//! gate, or missed — and for the misses, whether the gate stayed shut or
//! the model's probability fell short (in bands); "notice" counts the
//! cases not raised that get the urgent route as a notice beside the
//! answer (`urgent.model.notice`).
//!
//! Run: `cargo run --release --example urgent_breakdown -- DIR_OR_FILE [--rules FILE]`
//! (a `.txt` file: one message per line, none of them urgent)
use madoguchi::decide::HandoffReason;
use madoguchi::decide::rules::RuleSet;
use madoguchi::eval::{Expectation, load_cases};
use madoguchi::normalize::{fold_text, normalize};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: urgent_breakdown DIR_OR_FILE [--rules FILE]")?;
    let rules = match (args.next().as_deref(), args.next()) {
        (Some("--rules"), Some(f)) => RuleSet::load(f)?,
        _ => RuleSet::bundled()?,
    };
    // (message, urgent?) of every single-turn case.
    let cases: Vec<(String, bool)> = if path.ends_with(".txt") {
        std::fs::read_to_string(&path)?.lines().filter(|l| !l.trim().is_empty()).map(|l| (l.to_string(), false)).collect()
    } else {
        let (cases, bad) = load_cases(path.as_ref())?;
        if !bad.is_empty() {
            return Err(format!("{} bad lines", bad.len()).into());
        }
        cases
            .into_iter()
            .filter(|c| c.turns.len() == 1)
            .map(|c| (c.turns[0].clone(), matches!(c.expect, Expectation::Handoff(HandoffReason::Urgent))))
            .collect()
    };
    let model = rules.urgent_model().ok_or("no urgent model")?;
    let bands = [0.5f32, 0.9, rules.urgent_threshold()];
    // [rule, model, gate shut, p<0.5, p<0.9, p<thr, notice] for positives and negatives.
    let mut tally = [[0u32; 7]; 2];
    for (text, urgent) in &cases {
        let urgent = *urgent;
        let row = &mut tally[usize::from(!urgent)];
        let (hit, possible) = rules.check_urgent_or_possible(text);
        row[6] += u32::from(possible.is_some());
        match hit {
            Some(hit) if hit.rule_id == madoguchi::decide::rules::URGENT_MODEL_RULE_ID => row[1] += 1,
            Some(_) => row[0] += 1,
            None if rules.urgent_gate(text).is_none() => row[2] += 1,
            None => {
                let p = model.probability(&fold_text(&normalize(text)));
                let band = bands.iter().position(|b| p < *b).unwrap_or(2);
                row[3 + band] += 1;
            }
        }
    }
    println!("{:10} {:>6} {:>6} {:>10} {:>7} {:>7} {:>9} {:>7}", "", "rule", "model", "gate shut", "p<0.5", "p<0.9", "p<thr", "notice");
    for (name, r) in ["urgent", "other"].iter().zip(tally) {
        println!("{name:10} {:>6} {:>6} {:>10} {:>7} {:>7} {:>9} {:>7}", r[0], r[1], r[2], r[3], r[4], r[5], r[6]);
    }
    Ok(())
}
