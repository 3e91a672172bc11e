//! Trains the harassment classifier (logistic regression over character
//! n-grams, words of the analysis and lexicon evidence), cross-validates it
//! and the whole detector, fits the calibration and prints the threshold
//! table the policy in `dictionaries/rules.json` is chosen from. Then fits
//! on every row and writes `dictionaries/harassment-model.json`.
//!
//! Run: `cargo run --release --example train_harassment [-- --no-write] [--max-n N] [--no-words] [--no-lexicon]`
//!
//! Training rows (all development data; no test set is read):
//!
//! * `../shared/data/japanese-toxic-dataset/subset.csv` (Apache-2.0, see
//!   `dictionaries/harassment-model.NOTICE`): positive when at least half of
//!   the annotators voted Toxic or Very Toxic (lenient); the strict label
//!   (more than half) is reported too;
//! * `data/harassment/examples.jsonl`, `data/harassment/written.jsonl`:
//!   labelled support-chat messages;
//! * the decision dev cases of `tests/decisions/dev/` (`abuse` positive,
//!   everything else negative: urgent situations, requests, complaints);
//! * benign: `tests/ordinary/dev.txt`, the questions and alternative
//!   phrasings of `faq-corpus/`, `corpora/city/` and `corpora/bank/`, and the
//!   queries of `tests/queries/{city,bank,bundled}-dev/`.
//!
//! Positives and negatives get equal total weight. Folds are stratified by
//! source and label and fixed (row order), so the run is reproducible. Every
//! figure printed before "fitted on all rows" is out of fold: each row is
//! scored by a model (and a calibration) that never saw it.

#[path = "common/harassment_data.rs"]
mod data;

use std::collections::BTreeMap;

use data::{Counts, Row};
use madoguchi::decide::harassment::{Classifier, Evidence, ModelThresholds, TrainOptions};
use madoguchi::decide::rules::RuleSet;
use madoguchi::tokenize::Analyzer;

const FOLDS: usize = 5;
const MODEL_PATH: &str = "dictionaries/harassment-model.json";

/// Row weights: the social-media rows, the support-chat rows and the benign
/// questions are three groups of equal total weight, and within the first
/// two, positives and negatives weigh alike. The classifier must then tell
/// toxic from benign inside each domain rather than learn the domain.
fn weights(rows: &[&Row]) -> Vec<f32> {
    let group = |r: &Row| match r.source {
        "toxic_dataset" => 0,
        "examples" | "written" | "decision_cases" => 1,
        _ => 2,
    };
    let mut count = [[0f32; 2]; 3];
    for r in rows {
        count[group(r)][usize::from(r.label)] += 1.0;
    }
    let share = |g: usize| if g == 2 { 1.0 } else { 0.5 };
    rows.iter()
        .map(|r| {
            let g = group(r);
            share(g) / count[g][usize::from(r.label)].max(1.0) * rows.len() as f32 / 3.0
        })
        .collect()
}

/// What the detector finds in a row without the classifier, and the row's
/// out-of-fold classifier score.
struct Scored {
    /// Rules, strong lexicon words, weak words with an aim.
    base: bool,
    /// A weak (needs_aim) lexicon word without an aim.
    weak: bool,
    aimed: bool,
    p: f32,
}

fn flagged(s: &Scored, th: &ModelThresholds) -> bool {
    s.base || (s.weak && s.p >= th.with_word) || (!s.weak && s.p >= if s.aimed { th.aimed } else { th.alone })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let write = !args.iter().any(|a| a == "--no-write");
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let opts = TrainOptions {
        max_n: opt("--max-n").map(|v| v.parse()).transpose()?.unwrap_or(4),
        words: !args.iter().any(|a| a == "--no-words"),
        lexicon: !args.iter().any(|a| a == "--no-lexicon"),
        ..TrainOptions::default()
    };
    let mut rows: Vec<Row> = Vec::new();
    rows.extend(data::toxic_dataset(data::TOXIC_CSV)?);
    rows.extend(data::jsonl("data/harassment/examples.jsonl", "examples")?);
    rows.extend(data::jsonl("data/harassment/written.jsonl", "written")?);
    // data/harassment/written-4.jsonl is not trained on: with it the refit
    // classifier flagged four dev hand-off requests (「オペレーター！」) as
    // abuse; the rules were fixed on it instead, and it stays a check.
    // written-5.jsonl (round 5) is kept out the same way, so that its
    // before-fix figure stays a figure on text the classifier never saw.
    rows.extend(data::decision_cases("tests/decisions/dev")?);
    rows.extend(data::lines("tests/ordinary/dev.txt", "ordinary_dev")?);
    rows.extend(data::corpus_questions()?);
    rows.extend(data::queries(&["tests/queries/city-dev", "tests/queries/bank-dev", "tests/queries/bundled-dev"])?);

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
    let mut rules = RuleSet::bundled()?;
    if let Some(p) = opt("--rules") {
        rules = RuleSet::load(p)?;
    }
    let policy = *rules.policy();
    let model_th = policy.harassment.model;
    let weak_ids: Vec<String> = rules.lexicon().entries().iter().filter(|e| e.needs_aim).map(|e| e.id.clone()).collect();
    let mut bare = rules.clone();
    bare.set_classifier(None);
    let mut feats: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    let mut scored: Vec<Scored> = Vec::with_capacity(rows.len());
    for r in &rows {
        let analysis = analyzer.analyze(&r.text);
        let (folded, ev): (String, Evidence) = rules.harassment_evidence(&analysis);
        feats.push(madoguchi::decide::harassment::classifier::features(&folded, &ev, opts.max_n, opts.words, opts.lexicon));
        let m = bare.check_analysis(&analysis);
        let weak = !ev.aimed && ev.lexicon.iter().any(|id| weak_ids.contains(id));
        scored.push(Scored { base: !m.harassment.is_empty(), weak, aimed: ev.aimed, p: 0.0 });
    }

    // Out-of-fold raw scores.
    let mut raw = vec![0f32; rows.len()];
    for k in 0..FOLDS {
        let idx: Vec<usize> = (0..rows.len()).filter(|i| fold[*i] != k).collect();
        let train_rows: Vec<&Row> = idx.iter().map(|&i| &rows[i]).collect();
        let w = weights(&train_rows);
        let data: Vec<(Vec<String>, bool, f32)> = idx.iter().zip(w).map(|(&i, w)| (feats[i].clone(), rows[i].label, w)).collect();
        let model = Classifier::train_features(&data, &opts);
        for i in (0..rows.len()).filter(|i| fold[*i] == k) {
            raw[i] = model.raw(&feats[i]);
        }
        eprintln!("fold {}/{FOLDS} done", k + 1);
    }
    // Calibration, itself cross-fitted: fold k's scores are calibrated by a
    // Platt fit on the other folds' out-of-fold scores.
    let all: Vec<&Row> = rows.iter().collect();
    let w_all = weights(&all);
    for k in 0..FOLDS {
        let fit: Vec<(f32, bool, f32)> = (0..rows.len()).filter(|i| fold[*i] != k).map(|i| (raw[i], rows[i].label, w_all[i])).collect();
        let [a, b] = Classifier::fit_calibration(&fit);
        for i in (0..rows.len()).filter(|i| fold[*i] == k) {
            scored[i].p = 1.0 / (1.0 + (-(a * raw[i] + b)).exp());
        }
    }

    let keys = |r: &Row| -> Vec<(String, bool)> {
        if r.source == "toxic_dataset" {
            vec![(format!("{} (lenient)", r.source), r.label), (format!("{} (strict)", r.source), r.strict)]
        } else {
            vec![(r.source.to_string(), r.label)]
        }
    };
    let report = |th: &ModelThresholds| -> BTreeMap<String, Counts> {
        let mut c: BTreeMap<String, Counts> = BTreeMap::new();
        for (r, s) in rows.iter().zip(&scored) {
            for (key, label) in keys(r) {
                c.entry(key).or_default().add(flagged(s, th), label);
            }
        }
        c
    };
    println!("{FOLDS}-fold cross-validation ({} rows), features: char 1-{}-grams{}{}", rows.len(), opts.max_n,
        if opts.words { " + words" } else { "" }, if opts.lexicon { " + lexicon" } else { "" });
    println!("classifier alone (calibrated p >= 0.5):");
    let mut alone: BTreeMap<String, Counts> = BTreeMap::new();
    for (r, s) in rows.iter().zip(&scored) {
        for (key, label) in keys(r) {
            alone.entry(key).or_default().add(s.p >= 0.5, label);
        }
    }
    alone.iter().for_each(|(k, c)| println!("  {}", c.line(k)));
    println!("whole detector, thresholds of the rule file (alone {}, aimed {}, with_word {}):", model_th.alone, model_th.aimed, model_th.with_word);
    report(&model_th).iter().for_each(|(k, c)| println!("  {}", c.line(k)));

    println!("threshold grid (whole detector, out of fold): F1 toxic lenient / strict / chat (examples+written+cases), false flags on benign texts");
    let benign = ["ordinary_dev", "corpus_questions", "queries"];
    for alone_th in [0.5f32, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 1.01] {
        for aimed_th in [0.5f32, 0.7, 0.8, 0.9, 0.95] {
            for with_word in [0.3f32, 0.5, 0.7] {
                if aimed_th > alone_th {
                    continue;
                }
                let th = ModelThresholds { alone: alone_th, aimed: aimed_th, with_word };
                let c = report(&th);
                let f = |k: &str| c.get(k).map(|x| x.prf().2).unwrap_or(0.0);
                let mut chat = Counts::default();
                for k in ["examples", "written", "decision_cases"] {
                    if let Some(x) = c.get(k) {
                        chat.tp += x.tp;
                        chat.fp += x.fp;
                        chat.fn_ += x.fn_;
                        chat.tn += x.tn;
                    }
                }
                let fp: u32 = benign.iter().filter_map(|k| c.get(*k)).map(|x| x.fp).sum();
                println!(
                    "  alone {alone_th:.2} aimed {aimed_th:.2} with_word {with_word:.2}: F1 {:.3} / {:.3} / {:.3}  benign false flags {fp}",
                    f("toxic_dataset (lenient)"), f("toxic_dataset (strict)"), chat.prf().2
                );
            }
        }
    }

    let data: Vec<(Vec<String>, bool, f32)> = (0..rows.len()).map(|i| (feats[i].clone(), rows[i].label, w_all[i])).collect();
    let mut model = Classifier::train_features(&data, &opts);
    let fit: Vec<(f32, bool, f32)> = (0..rows.len()).map(|i| (raw[i], rows[i].label, w_all[i])).collect();
    model.calibration = Some(Classifier::fit_calibration(&fit));
    model.description = format!(
        "Logistic regression over character 1-{}-grams{}{} of the folded message, written by `cargo run --release --example \
         train_harassment` from {} rows: japanese-toxic-dataset subset.csv (Apache-2.0, inspection-ai; see \
         harassment-model.NOTICE), data/harassment/examples.jsonl and written.jsonl, tests/decisions/dev, tests/ordinary/dev.txt, \
         FAQ questions of faq-corpus, corpora/city and corpora/bank, queries of tests/queries/*-dev. min_count {}, l2 {}, {} Adam \
         steps; calibration = Platt scaling fitted on 5-fold out-of-fold scores.",
        opts.max_n,
        if opts.words { ", words and word bigrams of the analysis" } else { "" },
        if opts.lexicon { ", lexicon evidence" } else { "" },
        rows.len(),
        opts.min_count,
        opts.l2,
        opts.steps
    );
    println!("fitted on all rows: {} weights, bias {}, calibration {:?}", model.weights.len(), model.bias, model.calibration);
    if write {
        model.save(MODEL_PATH)?;
        println!("wrote {MODEL_PATH}");
    }
    Ok(())
}
