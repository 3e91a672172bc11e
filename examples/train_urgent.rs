//! Trains the urgent-situation model (logistic regression over character
//! n-grams of the folded message, `madoguchi::decide::classifier`), reports
//! it by **grouped** cross-validation, fits the calibration and writes
//! `dictionaries/urgent-model.json`.
//!
//! Run: `cargo run --release --example train_urgent [-- --no-write] [--rules FILE] [--max-n N] [--all-rows] [--threshold P] [--masked] [-v]`
//!
//! `--masked` (an experiment; the engine does not read text this way) takes
//! the features from the text as the gate reads it, its masks blanked
//! (`RuleSet::urgent_gate_text`): README, Results → Decisions, "Masked text".
//!
//! Rows (all development data; nothing under `tests/decisions/test`,
//! `tests/ordinary/test.txt`, `tests/harassment/test.jsonl` or
//! `tests/queries/*-test` is read):
//!
//! * positives: every single-turn `handoff:urgent` case of
//!   `tests/decisions/dev/*.jsonl`;
//! * negatives: the earlier turns of the multi-turn cases there (the thing
//!   or the event alone: 「財布が」, 「カードのことで相談です」), the other
//!   single-turn cases (`self_service`,
//!   `handoff:requested`, `abuse`: hypotheticals, procedure questions, things
//!   found again, other people's things, requests, complaints),
//!   `tests/ordinary/dev.txt`, the questions and alternative phrasings of
//!   `faq-corpus/`, `corpora/city/` and `corpora/bank/` (those on which the
//!   urgent rules fire are left out: the lost-card FAQ holds statements such
//!   as 「財布ごとカードを落としました」), the queries of
//!   `tests/queries/{bundled,city,bank}-dev/` and the texts of
//!   `data/harassment/*.jsonl`.
//!
//! The model is only ever asked behind the gate of the rule file
//! (`urgent.model.gate`, see `madoguchi::decide::rules`), so by default it is
//! trained on the rows that pass the gate (`--all-rows`: on every row).
//! Positives and negatives get equal total weight. Texts are deduplicated on
//! their folded form (first occurrence kept) so no text is on both sides of
//! a fold.
//!
//! Grouped cross-validation: each group (one dev phrasing file, one corpus,
//! one query set …) is held out in turn and scored by a model trained on all
//! the other groups, so a held-out phrasing batch is as unseen as a new
//! batch would be. Its Platt calibration is fitted on those out-of-group
//! scores. For each urgent dev case the table also shows the rules **as
//! they were before the case's batch was written** (the rule file at the
//! parent of the commit that added the line, from `git blame` and
//! `git show`): the batches were run against the rules first and their
//! misses then fixed, so today's rules catch them all, and only the earlier
//! rules are a fair baseline. "forward" is a model trained only on the
//! groups written before the batch (by commit date), the closest simulation
//! of new phrasings arriving.

#[path = "common/harassment_data.rs"]
mod data;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::Command;

use madoguchi::decide::classifier::{Classifier, Evidence, TrainOptions, features};
use madoguchi::decide::rules::{RuleSet, match_text};

const MODEL_PATH: &str = "dictionaries/urgent-model.json";
const RULES_PATH: &str = "dictionaries/rules.json";

struct Row {
    text: String,
    label: bool,
    group: String,
    /// Commit that added the line (dev decision files only).
    commit: Option<String>,
    /// Gate rule id when the gate opens.
    gate: Option<String>,
    feats: Vec<String>,
}

/// `git blame` of a file: the commit of each line (1-based index - 1).
fn blame(path: &str) -> Vec<String> {
    let out = Command::new("git").args(["blame", "-s", "-l", path]).output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| l.split_whitespace().next().unwrap_or_default().trim_start_matches('^').to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// Seconds since the epoch of a commit.
fn commit_time(sha: &str) -> i64 {
    Command::new("git")
        .args(["show", "-s", "--format=%ct", sha])
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(i64::MAX)
}

/// The rule file as it was just before `sha`.
fn rules_before(sha: &str) -> Option<RuleSet> {
    let spec = format!("{sha}^:{RULES_PATH}");
    let out = Command::new("git").args(["show", &spec]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    match RuleSet::from_json_str(&String::from_utf8_lossy(&out.stdout), &spec) {
        // Without the bundled urgent model: it is the model in the repo, fitted
        // on every dev row, so it would put the model's in-sample answers into
        // the "rules before" baseline.
        Ok(mut r) => r.set_urgent_model(None).ok().map(|()| r),
        Err(e) => {
            eprintln!("{spec}: {e}");
            None
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let write = !args.iter().any(|a| a == "--no-write");
    let verbose = args.iter().any(|a| a == "-v");
    let all_rows = args.iter().any(|a| a == "--all-rows");
    // An experiment (see the module doc): features of the masked text.
    let masked_text = args.iter().any(|a| a == "--masked");
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let opts = TrainOptions {
        max_n: opt("--max-n").map(|v| v.parse()).transpose()?.unwrap_or(4),
        words: false,
        lexicon: false,
        min_count: opt("--min-count").map(|v| v.parse()).transpose()?.unwrap_or(2),
        l2: opt("--l2").map(|v| v.parse()).transpose()?.unwrap_or(1e-5),
        ..TrainOptions::default()
    };
    let rules_path = opt("--rules").unwrap_or_else(|| RULES_PATH.to_string());
    let mut rules = RuleSet::load(&rules_path)?;
    let threshold = opt("--threshold").map(|v| v.parse::<f32>()).transpose()?.unwrap_or(rules.urgent_threshold());
    rules.set_urgent_model(None)?;

    // --- rows ---
    let mut raw: Vec<(String, bool, String, Option<String>)> = Vec::new();
    let dir = "tests/decisions/dev";
    let mut files: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    for f in files.iter().filter(|f| f.extension().is_some_and(|x| x == "jsonl")) {
        let path = f.display().to_string();
        let name = f.file_name().unwrap_or_default().to_string_lossy().to_string();
        let commits = blame(&path);
        let text = std::fs::read_to_string(f)?;
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", i + 1))?;
            // A multi-turn case's earlier turns name the thing or the event
            // but not both (「財布が」, 「カードのことで相談です」): not
            // urgent alone, so negatives; its last turn is urgent only
            // together with them, so it is left out.
            let Some(q) = v["query"].as_str() else {
                let turns: Vec<&str> = v["turns"].as_array().into_iter().flatten().filter_map(|t| t.as_str()).collect();
                for t in turns.iter().take(turns.len().saturating_sub(1)) {
                    raw.push((t.to_string(), false, name.clone(), commits.get(i).cloned()));
                }
                continue;
            };
            let label = v["expect"].as_str() == Some("handoff:urgent");
            raw.push((q.to_string(), label, name.clone(), commits.get(i).cloned()));
        }
    }
    let mut push = |rows: Vec<data::Row>, group: &str| {
        for r in rows {
            raw.push((r.text, false, group.to_string(), None));
        }
    };
    push(data::lines("tests/ordinary/dev.txt", "ordinary")?, "ordinary/dev.txt");
    for (path, group) in [("faq-corpus", "FAQ faq-corpus"), ("corpora/city", "FAQ corpora/city"), ("corpora/bank", "FAQ corpora/bank")] {
        let kb = madoguchi::knowledge::load_corpus(path.as_ref())?;
        let rows = kb
            .entries()
            .iter()
            .flat_map(|e| std::iter::once(&e.question).chain(e.alternatives.iter()))
            .map(|q| data::Row { text: q.clone(), label: false, strict: false, source: "corpus" })
            .collect();
        push(rows, group);
    }
    for d in ["tests/queries/bundled-dev", "tests/queries/city-dev", "tests/queries/bank-dev"] {
        push(data::queries(&[d])?, &d.replace("tests/", ""));
    }
    push(data::jsonl("data/harassment/examples.jsonl", "examples")?, "harassment/examples.jsonl");
    push(data::jsonl("data/harassment/written.jsonl", "written")?, "harassment/written.jsonl");
    push(data::jsonl("data/harassment/written-4.jsonl", "written4")?, "harassment/written-4.jsonl");
    push(data::jsonl("data/harassment/written-5.jsonl", "written5")?, "harassment/written-5.jsonl");
    push(data::jsonl("data/harassment/written-6.jsonl", "written6")?, "harassment/written-6.jsonl");

    let mut seen: HashSet<String> = HashSet::new();
    let (mut dup, mut faq_urgent) = (0, 0);
    let mut rows: Vec<Row> = Vec::new();
    for (text, label, group, commit) in raw {
        let folded = match_text(&text);
        if !seen.insert(folded.clone()) {
            dup += 1;
            continue;
        }
        if !label && rules.check_urgent(&text).is_some() {
            // Only FAQ statements can be here (every dev negative is quiet).
            faq_urgent += 1;
            if verbose {
                println!("  left out (rules fire): [{group}] {text}");
            }
            continue;
        }
        let gate = rules.urgent_gate(&text).map(|h| h.rule_id);
        let read = if masked_text { rules.urgent_gate_text(&text) } else { folded.clone() };
        let feats = features(&read, &Evidence::default(), opts.max_n, false, false);
        rows.push(Row { text, label, group, commit, gate, feats });
    }
    let groups: Vec<String> = {
        let mut g: Vec<String> = rows.iter().map(|r| r.group.clone()).collect();
        g.sort();
        g.dedup();
        g
    };
    println!(
        "{} rows ({} urgent), {} duplicates dropped, {} FAQ texts on which the rules fire left out; {} groups; gate of {rules_path}; \
         char 1-{}-grams, trained on {} rows",
        rows.len(),
        rows.iter().filter(|r| r.label).count(),
        dup,
        faq_urgent,
        groups.len(),
        opts.max_n,
        if all_rows { "all" } else { "gated" }
    );

    let trainable = |r: &Row| all_rows || r.gate.is_some();
    let train = |keep: &dyn Fn(&Row) -> bool| -> Classifier {
        let idx: Vec<usize> = (0..rows.len()).filter(|&i| trainable(&rows[i]) && keep(&rows[i])).collect();
        let pos = idx.iter().filter(|&&i| rows[i].label).count().max(1) as f32;
        let neg = idx.iter().filter(|&&i| !rows[i].label).count().max(1) as f32;
        let n = idx.len() as f32;
        let data: Vec<(Vec<String>, bool, f32)> = idx
            .iter()
            .map(|&i| (rows[i].feats.clone(), rows[i].label, if rows[i].label { n / (2.0 * pos) } else { n / (2.0 * neg) }))
            .collect();
        Classifier::train_features(&data, &opts)
    };

    // --- leave one group out ---
    let mut z = vec![0f32; rows.len()];
    for (k, g) in groups.iter().enumerate() {
        let model = train(&|r: &Row| &r.group != g);
        for (i, r) in rows.iter().enumerate().filter(|(_, r)| &r.group == g) {
            z[i] = model.raw(&r.feats);
        }
        eprintln!("group {}/{}: {g}", k + 1, groups.len());
    }
    // Platt scaling on the out-of-group scores of the gated rows (the only
    // ones the model is asked about), weighted like training.
    let gated: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].gate.is_some()).collect();
    let (gp, gn) = (
        gated.iter().filter(|&&i| rows[i].label).count().max(1) as f32,
        gated.iter().filter(|&&i| !rows[i].label).count().max(1) as f32,
    );
    let gt = gated.len() as f32;
    let fit: Vec<(f32, bool, f32)> =
        gated.iter().map(|&i| (z[i], rows[i].label, if rows[i].label { gt / (2.0 * gp) } else { gt / (2.0 * gn) })).collect();
    let [a, b] = Classifier::fit_calibration(&fit);
    let p: Vec<f32> = z.iter().map(|z| sigmoid(a * z + b)).collect();
    let fires = |i: usize, th: f32| rows[i].gate.is_some() && p[i] >= th;

    // --- forward chaining: train on groups older than the batch ---
    let mut first_commit: HashMap<String, i64> = HashMap::new();
    for r in &rows {
        if let Some(c) = &r.commit {
            let t = commit_time(c);
            let e = first_commit.entry(r.group.clone()).or_insert(t);
            *e = (*e).min(t);
        }
    }
    let mut forward = vec![None::<f32>; rows.len()];
    let mut batches: Vec<(&String, i64)> = first_commit.iter().map(|(g, t)| (g, *t)).collect();
    batches.sort_by_key(|b| b.1);
    for (g, t) in &batches {
        // Negatives from outside the dev decision files (corpora, queries…) are
        // background everyone had; dev files count when they were older.
        let older = |r: &Row| first_commit.get(&r.group).is_none_or(|ft| ft < t);
        if !rows.iter().any(|r| older(r) && r.label) {
            continue;
        }
        let model = train(&|r: &Row| older(r));
        for (i, r) in rows.iter().enumerate().filter(|(_, r)| &r.group == *g) {
            forward[i] = Some(sigmoid(a * model.raw(&r.feats) + b));
        }
        eprintln!("forward: {g}");
    }

    // --- rules before each batch ---
    let mut before: BTreeMap<String, Option<RuleSet>> = BTreeMap::new();
    let mut baseline = vec![None::<bool>; rows.len()];
    for (i, r) in rows.iter().enumerate() {
        if let Some(c) = &r.commit {
            let set = before.entry(c.clone()).or_insert_with(|| rules_before(c));
            if let Some(set) = set {
                baseline[i] = Some(set.check_urgent(&r.text).is_some());
            }
        }
    }

    // --- tables ---
    println!("\nGrouped CV at threshold {threshold:.3} (each group scored by a model trained without it; Platt a={a:.3} b={b:.3}):");
    println!(
        "{:<30} {:>5} {:>6} {:>6} | {:>14} {:>14} {:>14} | {:>5} {:>6} {:>4}",
        "held-out group", "urg", "gated", "model", "rules before", "+model (LOGO)", "+model (fwd)", "neg", "gated", "FA"
    );
    let mut total = BTreeMap::<&str, [u32; 8]>::new();
    for g in &groups {
        let idx: Vec<usize> = (0..rows.len()).filter(|&i| &rows[i].group == g).collect();
        let pos: Vec<usize> = idx.iter().copied().filter(|&i| rows[i].label).collect();
        let neg: Vec<usize> = idx.iter().copied().filter(|&i| !rows[i].label).collect();
        let count = |v: &[usize], f: &dyn Fn(usize) -> bool| v.iter().filter(|&&i| f(i)).count() as u32;
        let gated_pos = count(&pos, &|i| rows[i].gate.is_some());
        let model_pos = count(&pos, &|i| fires(i, threshold));
        let with_base: Vec<usize> = pos.iter().copied().filter(|&i| baseline[i].is_some()).collect();
        let base = count(&with_base, &|i| baseline[i] == Some(true));
        let base_or = count(&with_base, &|i| baseline[i] == Some(true) || fires(i, threshold));
        let base_fwd = count(&with_base, &|i| {
            baseline[i] == Some(true) || (rows[i].gate.is_some() && forward[i].is_some_and(|p| p >= threshold))
        });
        let gated_neg = count(&neg, &|i| rows[i].gate.is_some());
        let fa = count(&neg, &|i| fires(i, threshold));
        let pct = |a: u32, b: u32| if b == 0 { "-".to_string() } else { format!("{a}/{b} {:.0}%", 100.0 * a as f64 / b as f64) };
        println!(
            "{g:<30} {:>5} {:>6} {:>6} | {:>14} {:>14} {:>14} | {:>5} {:>6} {:>4}",
            pos.len(),
            gated_pos,
            model_pos,
            pct(base, with_base.len() as u32),
            pct(base_or, with_base.len() as u32),
            pct(base_fwd, with_base.len() as u32),
            neg.len(),
            gated_neg,
            fa
        );
        let key = if g.starts_with("urgent-phrasings-") && g.as_str() >= "urgent-phrasings-5" {
            "round 3 batches (5-9)"
        } else if g.ends_with(".jsonl") && !g.contains('/') {
            "earlier dev files"
        } else {
            "must stay quiet"
        };
        let t = total.entry(key).or_default();
        for (k, v) in [pos.len() as u32, gated_pos, model_pos, with_base.len() as u32, base, base_or, base_fwd, fa].into_iter().enumerate() {
            t[k] += v;
        }
        if verbose {
            for &i in &pos {
                if !fires(i, threshold) && baseline[i] != Some(true) {
                    println!("    miss p={:.3} gate={:?} {}", p[i], rows[i].gate, rows[i].text);
                }
            }
            for &i in &neg {
                if fires(i, threshold) {
                    println!("    FALSE ALARM p={:.3} gate={:?} {}", p[i], rows[i].gate, rows[i].text);
                }
            }
        }
    }
    for (k, t) in &total {
        println!(
            "  total {k}: urgent {} gated {} model {}; rules before {}/{} , +model {}/{}, +model fwd {}/{}; false alarms {}",
            t[0], t[1], t[2], t[4], t[3], t[5], t[3], t[6], t[3], t[7]
        );
    }

    println!("\nThreshold grid (out of group): recall of rules-before OR model on the round-3 batches (5-9) and on all dev urgent cases with a baseline; model recall on all urgent cases; false alarms on dev decision negatives / must-stay-quiet texts");
    for th in [0.5f32, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.985, 0.99, 0.995] {
        let (mut r3, mut r3n, mut all, mut alln, mut m, mut mn, mut fa_dev, mut fa_quiet) = (0, 0, 0, 0, 0, 0, 0, 0);
        for i in 0..rows.len() {
            let r = &rows[i];
            if r.label {
                mn += 1;
                m += u32::from(fires(i, th));
                if let Some(b) = baseline[i] {
                    let caught = b || fires(i, th);
                    alln += 1;
                    all += u32::from(caught);
                    if r.group.as_str() >= "urgent-phrasings-5" && r.group.starts_with("urgent-phrasings-") {
                        r3n += 1;
                        r3 += u32::from(caught);
                    }
                }
            } else if fires(i, th) {
                if r.group.ends_with(".jsonl") && !r.group.contains('/') {
                    fa_dev += 1;
                } else {
                    fa_quiet += 1;
                }
            }
        }
        println!(
            "  p >= {th:.3}: round 3 {r3}/{r3n} ({:.1} %), all {all}/{alln} ({:.1} %), model alone {m}/{mn}; false alarms dev {fa_dev}, quiet {fa_quiet}",
            100.0 * r3 as f64 / r3n.max(1) as f64,
            100.0 * all as f64 / alln.max(1) as f64
        );
    }

    let mut model = train(&|_| true);
    model.calibration = Some([a, b]);
    model.description = format!(
        "Logistic regression over character 1-{}-grams of the folded message, written by `cargo run --release --example \
         train_urgent` from {} rows ({} urgent; trained on {} rows, gate of {}): single-turn cases of \
         tests/decisions/dev and the earlier turns of its multi-turn cases, tests/ordinary/dev.txt, FAQ questions of faq-corpus, corpora/city and corpora/bank, queries of \
         tests/queries/*-dev, data/harassment texts. min_count {}, l2 {}, {} Adam steps, positives and negatives of equal weight; \
         calibration = Platt scaling on leave-one-group-out scores.",
        opts.max_n,
        rows.len(),
        rows.iter().filter(|r| r.label).count(),
        if all_rows { "all" } else { "the gated" },
        rules_path,
        opts.min_count,
        opts.l2,
        opts.steps
    );
    println!("\nfitted on all rows: {} weights, bias {}, calibration {:?}", model.weights.len(), model.bias, model.calibration);
    if write {
        model.save(MODEL_PATH)?;
        println!("wrote {MODEL_PATH}");
    }
    Ok(())
}
