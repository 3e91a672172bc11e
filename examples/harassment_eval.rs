//! Precision and recall of the bundled harassment rules on a labelled toxicity
//! data set (dev data: measure with it, never copy its sentences into rules).
//!
//! Run: `cargo run --release --example harassment_eval [-- PATH.csv] [-v]`
//! (default PATH: /work/shared/data/japanese-toxic-dataset/subset.csv).
//!
//! The CSV has per-row annotator vote counts for the toxicity levels
//! (`Not Toxic`, `Hard to Say`, `Toxic`, `Very Toxic`), per category
//! (`category_…`) and `annotation_num`. Labels:
//!
//! * **strict** (the headline): toxic when a strict majority voted Toxic or
//!   Very Toxic, `2 * (Toxic + Very Toxic) > annotation_num`;
//! * **lenient**: at least half voted so, `2 * (…) >= annotation_num`.
//!
//! A row is predicted toxic when any harassment rule fires. A row belongs to
//! a data-set category when at least half of its annotators tagged it.
//! The data set is social-media text, not customer messages, so recall is
//! bounded: the rules target abuse of staff (threats, insults, demands),
//! while the data also labels spam, obscenity and political bias.
//! `-v` lists false positives and false negatives for error analysis.

use std::collections::BTreeMap;
use std::time::Instant;

use madoguchi::decide::rules::RuleSet;

struct Row {
    text: String,
    toxic_votes: u32,
    annotators: u32,
    categories: Vec<String>,
}

#[derive(Default)]
struct Counts {
    tp: u32,
    fp: u32,
    fn_: u32,
    tn: u32,
}

impl Counts {
    fn add(&mut self, predicted: bool, actual: bool) {
        match (predicted, actual) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    fn report(&self, name: &str) {
        let ratio = |a: u32, b: u32| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let p = ratio(self.tp, self.tp + self.fp);
        let r = ratio(self.tp, self.tp + self.fn_);
        let f1 = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
        println!(
            "{name:<8} positives {:>3}  TP {:>3} FP {:>3} FN {:>3} TN {:>3}  precision {p:.3} recall {r:.3} F1 {f1:.3}",
            self.tp + self.fn_,
            self.tp,
            self.fp,
            self.fn_,
            self.tn
        );
    }
}

fn read(path: &str) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| format!("{path}: no column {name:?}"));
    let (text, toxic, very, annotators) = (col("text")?, col("Toxic")?, col("Very Toxic")?, col("annotation_num")?);
    let category_cols: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.strip_prefix("category_").map(|c| (i, c.to_string())))
        .collect();
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record?;
        let num = |i: usize| -> Result<u32, String> {
            record[i].trim().parse().map_err(|e| format!("{path}: row {}: column {}: {e}", n + 2, &headers[i]))
        };
        let annotators = num(annotators)?;
        let categories = category_cols
            .iter()
            .filter(|(i, _)| num(*i).map(|v| v > 0 && 2 * v >= annotators).unwrap_or(false))
            .map(|(_, c)| c.clone())
            .collect();
        rows.push(Row {
            text: record[text].to_string(),
            toxic_votes: num(toxic)? + num(very)?,
            annotators,
            categories,
        });
    }
    Ok(rows)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let path = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .cloned()
        .unwrap_or_else(|| "/work/shared/data/japanese-toxic-dataset/subset.csv".into());
    let rows = read(&path)?;
    let load = Instant::now();
    let rules = RuleSet::bundled()?;
    let load = load.elapsed();

    // The first pass also fills the regex engines' lazy caches; time the second.
    let results: Vec<_> = rows.iter().map(|r| rules.check(&r.text)).collect();
    let start = Instant::now();
    for r in &rows {
        std::hint::black_box(rules.check(&r.text));
    }
    let per_check = start.elapsed() / rows.len().max(1) as u32;
    let mean_chars = rows.iter().map(|r| r.text.chars().count()).sum::<usize>() / rows.len().max(1);

    let (mut strict, mut lenient) = (Counts::default(), Counts::default());
    // Data-set category → (strict positives, caught).
    let mut by_dataset: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    // Rule category → (hits, strict-toxic hits, lenient-toxic hits).
    let mut by_rule: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    let (mut false_pos, mut false_neg) = (Vec::new(), Vec::new());
    for (row, m) in rows.iter().zip(&results) {
        let predicted = !m.harassment.is_empty();
        let is_strict = 2 * row.toxic_votes > row.annotators;
        let is_lenient = 2 * row.toxic_votes >= row.annotators && row.toxic_votes > 0;
        strict.add(predicted, is_strict);
        lenient.add(predicted, is_lenient);
        if is_strict {
            for c in &row.categories {
                let e = by_dataset.entry(c.as_str()).or_default();
                e.0 += 1;
                e.1 += u32::from(predicted);
            }
        }
        let mut cats: Vec<String> = m.harassment.iter().map(|h| format!("{:?}", h.category)).collect();
        cats.dedup();
        for c in cats {
            let e = by_rule.entry(c).or_default();
            e.0 += 1;
            e.1 += u32::from(is_strict);
            e.2 += u32::from(is_lenient);
        }
        if verbose {
            let ids: Vec<&str> = m.harassment.iter().map(|h| h.rule_id.as_str()).collect();
            if predicted && !is_lenient {
                false_pos.push(format!("  FP {:?} {}", ids, row.text));
            } else if !predicted && is_strict {
                false_neg.push(format!("  FN [{}] {}", row.categories.join(","), row.text));
            }
        }
    }

    println!(
        "data: {path} ({} rows, mean {mean_chars} chars); rules compiled in {load:?}; {per_check:?} per check (warm)",
        rows.len()
    );
    println!(
        "label strict = 2*(Toxic+Very Toxic) > annotators; lenient = 2*(…) >= annotators; predicted = any harassment rule fires"
    );
    strict.report("strict");
    lenient.report("lenient");
    println!("recall by data-set category (strict positives tagged by >= half of annotators):");
    for (c, (n, caught)) in &by_dataset {
        println!("  {c:<24} {caught:>3}/{n:<3}");
    }
    println!("hits by rule category (hits, of which strict-toxic, lenient-toxic):");
    for (c, (n, s, l)) in &by_rule {
        println!("  {c:<20} {n:>3}  {s:>3}  {l:>3}");
    }
    if verbose {
        println!("false positives (not even lenient-toxic):");
        false_pos.iter().for_each(|l| println!("{l}"));
        println!("false negatives (strict-toxic):");
        false_neg.iter().for_each(|l| println!("{l}"));
    }
    Ok(())
}
