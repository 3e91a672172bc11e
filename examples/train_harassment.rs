//! Trains the harassment classifier (character 1–3-gram logistic
//! regression) and reports 5-fold cross-validated precision and recall, per
//! source, for the classifier alone and for the whole detector (rules +
//! lexicon + aim + the fold's classifier). Then fits on every row and writes
//! `dictionaries/harassment-model.json`.
//!
//! Run: `cargo run --release --example train_harassment [-- --no-write]`
//!
//! Training rows (all development data; no test set is read):
//!
//! * `../shared/data/japanese-toxic-dataset/subset.csv` (Apache-2.0, see
//!   `dictionaries/harassment-model.NOTICE`): positive when at least half of
//!   the annotators voted Toxic or Very Toxic;
//! * `data/harassment/examples.jsonl`: labelled support-chat messages;
//! * `data/harassment/written.jsonl`: examples written for this model;
//! * benign: `tests/ordinary/dev.txt` and the questions and alternative
//!   phrasings of `faq-corpus/` and `corpora/city/`.
//!
//! Positives and negatives get equal total weight. Folds are stratified by
//! source and label and fixed (row order), so the run is reproducible.

#[path = "common/harassment_data.rs"]
mod data;

use std::collections::BTreeMap;

use data::{Counts, Row};
use madoguchi::decide::harassment::{Classifier, TrainOptions};
use madoguchi::decide::rules::{RuleSet, match_text};
use madoguchi::tokenize::Analyzer;

const FOLDS: usize = 5;
const MODEL_PATH: &str = "dictionaries/harassment-model.json";

fn weighted(rows: &[&Row]) -> Vec<(String, bool, f32)> {
    let pos = rows.iter().filter(|r| r.label).count().max(1) as f32;
    let neg = rows.iter().filter(|r| !r.label).count().max(1) as f32;
    rows.iter().map(|r| (match_text(&r.text), r.label, if r.label { 0.5 / pos } else { 0.5 / neg } * rows.len() as f32)).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let write = !std::env::args().any(|a| a == "--no-write");
    let mut rows: Vec<Row> = Vec::new();
    rows.extend(data::toxic_dataset(data::TOXIC_CSV)?);
    rows.extend(data::jsonl("data/harassment/examples.jsonl", "examples")?);
    rows.extend(data::jsonl("data/harassment/written.jsonl", "written")?);
    rows.extend(data::lines("tests/ordinary/dev.txt", "ordinary_dev")?);
    rows.extend(data::corpus_questions()?);
    let opts = TrainOptions::default();

    // Stratified folds: the k-th row of each (source, label) goes to fold k mod 5.
    let mut seen: BTreeMap<(&str, bool), usize> = BTreeMap::new();
    let fold: Vec<usize> = rows
        .iter()
        .map(|r| {
            let n = seen.entry((r.source, r.label)).or_default();
            *n += 1;
            *n % FOLDS
        })
        .collect();

    let analyzer = Analyzer::new()?;
    let analyses: Vec<_> = rows.iter().map(|r| analyzer.analyze(&r.text)).collect();
    let mut rules = RuleSet::bundled()?;
    let mut alone: BTreeMap<String, Counts> = BTreeMap::new();
    let mut full: BTreeMap<String, Counts> = BTreeMap::new();
    // (probability, aimed, label) of every row, scored out of fold.
    let mut scored: Vec<(f32, bool, bool)> = Vec::new();
    for k in 0..FOLDS {
        let train: Vec<&Row> = rows.iter().zip(&fold).filter(|(_, f)| **f != k).map(|(r, _)| r).collect();
        let model = Classifier::train(&weighted(&train), &opts);
        for (i, r) in rows.iter().enumerate().filter(|(i, _)| fold[*i] == k) {
            let keys: Vec<String> = if r.source == "toxic_dataset" {
                vec![format!("{} (lenient)", r.source), format!("{} (strict)", r.source)]
            } else {
                vec![r.source.to_string()]
            };
            let p = model.probability(&match_text(&r.text));
            rules.set_classifier(Some(model.clone()));
            let m = rules.check_analysis(&analyses[i]);
            let flagged = !m.harassment.is_empty();
            scored.push((p, m.aimed_at.is_some(), r.label));
            for (j, key) in keys.iter().enumerate() {
                let label = if j == 1 { r.strict } else { r.label };
                alone.entry(key.clone()).or_default().add(p >= 0.5, label);
                full.entry(key.clone()).or_default().add(flagged, label);
            }
        }
        eprintln!("fold {}/{FOLDS} done", k + 1);
    }
    println!("{FOLDS}-fold cross-validation ({} rows; each row scored by a model that never saw it)", rows.len());
    println!("classifier alone (p >= 0.5):");
    for (k, c) in &alone {
        println!("  {}", c.line(k));
    }
    println!("whole detector (rules + lexicon + aim + classifier, thresholds of dictionaries/rules.json):");
    for (k, c) in &full {
        println!("  {}", c.line(k));
    }

    println!("classifier thresholds, out of fold (all sources): flagged positives / flagged negatives");
    println!("  {:>9} {:>22} {:>22}", "threshold", "aimed (aim word)", "not aimed");
    for t in [0.5f32, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99] {
        let count = |aimed: bool, label: bool| scored.iter().filter(|(p, a, l)| *a == aimed && *l == label && *p >= t).count();
        let total = |aimed: bool, label: bool| scored.iter().filter(|(_, a, l)| *a == aimed && *l == label).count();
        println!(
            "  {t:>9.2} {:>10}/{:<4} {:>4}/{:<4} {:>10}/{:<4} {:>4}/{:<4}",
            count(true, true), total(true, true), count(true, false), total(true, false),
            count(false, true), total(false, true), count(false, false), total(false, false)
        );
    }

    let all: Vec<&Row> = rows.iter().collect();
    let mut model = Classifier::train(&weighted(&all), &opts);
    model.description = format!(
        "Character 1-{}-gram logistic regression, written by `cargo run --release --example train_harassment` \
         from {} rows: japanese-toxic-dataset subset.csv (Apache-2.0, inspection-ai; see harassment-model.NOTICE), \
         data/harassment/examples.jsonl, data/harassment/written.jsonl, tests/ordinary/dev.txt, FAQ questions of \
         faq-corpus and corpora/city. min_count {}, l2 {}, {} Adam steps.",
        opts.max_n,
        rows.len(),
        opts.min_count,
        opts.l2,
        opts.steps
    );
    println!("fitted on all rows: {} n-gram weights, bias {}", model.weights.len(), model.bias);
    if write {
        std::fs::write(MODEL_PATH, serde_json::to_string(&model)? + "\n")?;
        println!("wrote {MODEL_PATH}");
    }
    Ok(())
}
