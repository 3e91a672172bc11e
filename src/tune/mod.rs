//! `madoguchi tune`: fit ranking parameters, the confidence model and the
//! answer/clarify thresholds to labelled queries, with cross-validation.
//!
//! The protocol, in order:
//!
//! 1. Every query gets a fold (a hash of its text, so folds are stable).
//! 2. For each fold: coordinate ascent over the ranking parameters on the
//!    other folds (objective: nDCG@10 averaged per corpus, then across
//!    corpora, so a small corpus counts as much as a big one), then a
//!    logistic confidence model fitted on the other folds' top hits. The
//!    held-out fold is ranked and scored with both: out-of-fold results.
//!    Small FAQs drawn from each corpus ([`SmallFaqs`]) are scored the same
//!    way and enter the answer model (not the ranking search or the choices
//!    model).
//! 3. The answer threshold is the lowest confidence at which the
//!    out-of-fold answers reach the target precision, on the whole corpora
//!    and on the small FAQs alike; the choices and clarify thresholds
//!    maximize the utility of what the whole corpora's other queries are
//!    offered (useful choices +1, unrelated choices −1, "nothing fits" 0).
//! 4. Parameters and model are fitted once more on all queries and written
//!    with the thresholds as a [`Config`].
//!
//! The figures printed as "cross-validated" are out-of-fold: no query is
//! scored by parameters or a model fitted on it.

mod logistic;
mod search;
mod small;

use std::collections::HashMap;
use std::path::Path;

pub use logistic::fit_logistic;
pub use search::{Coordinate, coordinates};
pub use small::SmallFaqs;

use crate::config::{Config, Provenance, Thresholds};
use crate::error::{Error, Result};
use crate::eval::{Expectation, TopHit, ndcg_at, threshold_for_precision};
use crate::retrieve::query::{self, Lexicon};
use crate::retrieve::scorer::{self, Scored};
use crate::retrieve::{Calibration, ImpactIndex, Logistic, RankingParams, RawIndex, Retriever};
use crate::tokenize::Analysis;

/// How to tune.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TuneOptions {
    /// Number of cross-validation folds (at least 2).
    pub folds: usize,
    /// Precision the answer threshold must reach on out-of-fold answers.
    pub target_precision: f64,
    /// Coordinate-ascent rounds over all parameters.
    pub rounds: usize,
    /// L2 penalty of the confidence model.
    pub l2: f64,
    /// Parameters to start from.
    pub start: RankingParams,
    /// Small FAQs drawn from every corpus for the answer model and
    /// its threshold (see [`SmallFaqs`]).
    pub small: SmallFaqs,
}

impl Default for TuneOptions {
    fn default() -> Self {
        Self {
            folds: 5,
            target_precision: 0.9,
            rounds: 2,
            l2: 1.0,
            start: RankingParams::untuned(),
            small: SmallFaqs::default(),
        }
    }
}

/// One labelled query.
struct TuneQuery {
    analysis: Analysis,
    /// Entry ordinal → grade (empty: nothing answers it).
    grades: HashMap<u32, u8>,
    fold: usize,
}

/// A corpus with its labelled queries.
pub struct TuneSet {
    name: String,
    retriever: Retriever,
    raw: RawIndex,
    queries: Vec<TuneQuery>,
}

impl std::fmt::Debug for TuneSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TuneSet").field("name", &self.name).field("queries", &self.queries.len()).finish()
    }
}

impl TuneSet {
    /// Prepares a corpus (already indexed by `retriever`) and its cases:
    /// single-turn `faq:`, `relevant` and `fallback` cases are used; others
    /// are skipped. Unknown entry ids are an error.
    pub fn new(name: impl Into<String>, retriever: Retriever, cases_path: &Path, folds: usize) -> Result<Self> {
        let (cases, bad) = crate::eval::load_cases(cases_path)?;
        if let Some((_, msg)) = bad.first() {
            return Err(Error::InvalidInput(format!("{msg} ({} bad line(s) in all)", bad.len())));
        }
        let kb = retriever.knowledge_base();
        let mut queries = Vec::new();
        let mut unknown = Vec::new();
        for case in cases {
            let grades: Vec<(String, u8)> = match &case.expect {
                Expectation::Faq(id) => vec![(id.clone(), 2)],
                Expectation::Relevant(m) => m.iter().map(|(k, v)| (k.clone(), *v)).collect(),
                Expectation::Fallback => Vec::new(),
                _ => continue,
            };
            let [text] = case.turns.as_slice() else { continue };
            let mut map = HashMap::new();
            for (id, g) in grades {
                match kb.position(&id) {
                    Some(o) => {
                        map.insert(o as u32, g);
                    }
                    None => unknown.push(format!("{}:{}: unknown entry {id:?}", cases_path.display(), case.line)),
                }
            }
            queries.push(TuneQuery { analysis: retriever.analyzer().analyze(text), grades: map, fold: fold_of(text, folds) });
        }
        if !unknown.is_empty() {
            return Err(Error::InvalidInput(unknown.join("\n")));
        }
        if queries.is_empty() {
            return Err(Error::InvalidInput(format!("{}: no faq:, relevant or fallback cases", cases_path.display())));
        }
        let raw = retriever.raw_index()?;
        Ok(TuneSet { name: name.into(), retriever, raw, queries })
    }

    /// Name given at construction.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of queries, and of those with at least one relevant entry.
    pub fn counts(&self) -> (usize, usize) {
        (self.queries.len(), self.queries.iter().filter(|q| !q.grades.is_empty()).count())
    }

    fn rank(&self, impacts: &ImpactIndex, params: &RankingParams, q: &TuneQuery, k: usize) -> Vec<Scored> {
        let lexicon = Lexicon {
            domain: self.retriever.analyzer().synonyms(),
            general: self.retriever.analyzer().general_synonyms(),
        };
        let plan = query::plan(&q.analysis, lexicon, params);
        scorer::score(impacts, &plan, k, |_| true).0
    }
}

/// A stable fold for a query text.
fn fold_of(text: &str, folds: usize) -> usize {
    (crate::fnv::hash(text.as_bytes()) % folds.max(1) as u64) as usize
}

fn ndcg(ranked: &[Scored], grades: &HashMap<u32, u8>) -> f64 {
    let ids: Vec<String> = ranked.iter().map(|s| s.doc.to_string()).collect();
    let g: std::collections::BTreeMap<String, u8> = grades.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    ndcg_at(&ids, &g, 10)
}

/// Ranking metrics of one corpus.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SetFigures {
    /// Mean nDCG@10 over queries with a relevant entry.
    pub ndcg_at_10: f64,
    /// Share of those with a relevant entry at rank 1.
    pub success_at_1: f64,
    /// Share of answers (confidence ≥ answer threshold) that answer the
    /// question, over all queries.
    pub answer_precision: f64,
    /// Share of all queries answered directly.
    pub coverage: f64,
}

/// What tuning found.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TuneReport {
    /// Per corpus: name, queries, out-of-fold (cross-validated) figures, and
    /// in-sample figures of the final fit; after each corpus, a row for the
    /// small FAQs drawn from it taken together (a query counts once per
    /// small FAQ it is in).
    pub sets: Vec<(String, usize, SetFigures, SetFigures)>,
    /// Precision and coverage over thresholds, on the pooled out-of-fold
    /// top hits of the whole corpora (not the small FAQs).
    pub cv_table: Vec<crate::eval::OperatingPoint>,
    /// The configuration to write.
    pub config: Config,
}

impl TuneReport {
    /// A readable summary.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let t = self.config.thresholds;
        out.push_str("cross-validated: if the top entry were answered at confidence ≥ t\n    t      coverage  precision  answers\n");
        for p in self.cv_table.iter().filter(|p| p.answers > 0) {
            out.push_str(&format!(
                "    {:.2}   {:>7.1}%   {:>7.1}%   {:>6}\n",
                p.threshold,
                p.coverage * 100.0,
                p.precision * 100.0,
                p.answers
            ));
        }
        out.push_str(&format!(
            "\nthresholds: answer ≥ {:.3}; otherwise choices when their confidence ≥ {:.3}, each choice ≥ {:.3}\n\n",
            t.answer, t.choices, t.clarify
        ));
        out.push_str(&format!(
            "{:<28} {:>7}  {:>28}  {:>28}\n",
            "corpus", "queries", "cross-validated (test)", "fitted on all (dev)"
        ));
        out.push_str(&format!(
            "{:<28} {:>7}  {:>6} {:>6} {:>6} {:>6}  {:>6} {:>6} {:>6} {:>6}\n",
            "", "", "nDCG", "S@1", "prec", "cover", "nDCG", "S@1", "prec", "cover"
        ));
        for (name, n, cv, fit) in &self.sets {
            out.push_str(&format!(
                "{:<28} {:>7}  {:>6.3} {:>6.3} {:>6.3} {:>6.3}  {:>6.3} {:>6.3} {:>6.3} {:>6.3}\n",
                name,
                n,
                cv.ndcg_at_10,
                cv.success_at_1,
                cv.answer_precision,
                cv.coverage,
                fit.ndcg_at_10,
                fit.success_at_1,
                fit.answer_precision,
                fit.coverage
            ));
        }
        out
    }
}

/// Which queries a step may see.
type Select<'a> = &'a dyn Fn(&TuneQuery) -> bool;

/// Runs the whole protocol (see the module docs). `progress` gets one line
/// per step.
pub fn tune(sets: &[TuneSet], opts: &TuneOptions, mut progress: impl FnMut(&str)) -> Result<TuneReport> {
    if sets.is_empty() {
        return Err(Error::InvalidInput("tune needs at least one corpus with cases".into()));
    }
    opts.small.validate().map_err(|e| Error::InvalidInput(format!("small FAQs: {e}")))?;
    let folds = opts.folds.max(2);
    let (small, drawn_from) = draw_small_faqs(sets, &opts.small)?;
    if !small.is_empty() {
        let queries: usize = small.iter().map(|s| s.queries.len()).sum();
        progress(&format!("drew {} small FAQs ({queries} relabelled queries) for the answer model", small.len()));
    }
    // The corpora the ranking is searched on, then every set the confidence
    // models and thresholds are fitted on.
    let everything: Vec<&TuneSet> = sets.iter().chain(&small).collect();
    // Out-of-fold outcomes: per set, per query, top hits with probabilities.
    let mut oof: Vec<Vec<Outcome>> = everything.iter().map(|s| vec![Outcome::default(); s.queries.len()]).collect();
    for k in 0..folds {
        let train = move |q: &TuneQuery| q.fold != k;
        let params = search::ascend(sets, opts.start, opts.rounds, &train);
        let impacts: Vec<ImpactIndex> = everything.iter().map(|s| s.raw.impacts(&params)).collect();
        let calibration = fit_calibration(&everything, sets.len(), &impacts, &params, &train, opts.l2);
        for (si, s) in everything.iter().enumerate() {
            for (qi, q) in s.queries.iter().enumerate().filter(|(_, q)| q.fold == k) {
                oof[si][qi] = Outcome::new(s.rank(&impacts[si], &params, q, crate::retrieve::RERANK_POOL), &calibration);
            }
        }
        progress(&format!("fold {}/{folds}: tuned and scored held-out queries", k + 1));
    }
    let (thresholds, tops, note) = choose_thresholds(&everything, sets.len(), &oof, opts.target_precision);
    if let Some(note) = note {
        progress(&note);
    }

    let all = |_: &TuneQuery| true;
    let params = search::ascend(sets, opts.start, opts.rounds, &all);
    let impacts: Vec<ImpactIndex> = everything.iter().map(|s| s.raw.impacts(&params)).collect();
    let calibration = fit_calibration(&everything, sets.len(), &impacts, &params, &all, opts.l2);
    progress("final fit on all queries");
    let fitted: Vec<Vec<Outcome>> = everything
        .iter()
        .zip(&impacts)
        .map(|(s, imp)| s.queries.iter().map(|q| Outcome::new(s.rank(imp, &params, q, crate::retrieve::RERANK_POOL), &calibration)).collect())
        .collect();

    let mut report_sets = Vec::new();
    let mut figures = std::collections::BTreeMap::new();
    // Each corpus, then the small FAQs drawn from it taken together.
    for (ci, corpus) in sets.iter().enumerate() {
        let drawn: Vec<usize> = (0..small.len()).filter(|&i| drawn_from[i] == ci).map(|i| sets.len() + i).collect();
        for (name, members) in [(corpus.name.clone(), vec![ci]), (format!("{} small FAQs", corpus.name), drawn)] {
            if members.is_empty() {
                continue;
            }
            let pairs = |outcomes: &[Vec<Outcome>]| -> Vec<(&TuneQuery, Outcome)> {
                members
                    .iter()
                    .flat_map(|&si| everything[si].queries.iter().zip(outcomes[si].iter().cloned()))
                    .collect()
            };
            let cv = set_figures(&pairs(&oof), thresholds.answer);
            let fit = set_figures(&pairs(&fitted), thresholds.answer);
            figures.insert(format!("{name}.cv_ndcg_at_10"), round(cv.ndcg_at_10));
            figures.insert(format!("{name}.cv_answer_precision"), round(cv.answer_precision));
            figures.insert(format!("{name}.cv_coverage"), round(cv.coverage));
            let n = members.iter().map(|&si| everything[si].queries.len()).sum();
            report_sets.push((name, n, cv, fit));
        }
    }
    let small_note = if small.is_empty() {
        String::new()
    } else {
        format!(
            "; answer model and threshold also on {} small FAQs ({:?} entries, {} draws, {} unanswerable per answerable query)",
            small.len(),
            opts.small.sizes,
            opts.small.draws,
            opts.small.unanswerable_per_answerable
        )
    };
    let config = Config {
        doc: Some(
            "Written by `madoguchi tune`: ranking parameters, confidence model and thresholds fitted to labelled \
             queries with cross-validation (see src/tune/mod.rs)."
                .into(),
        ),
        ranking: params,
        calibration,
        thresholds,
        provenance: Provenance {
            made_by: format!(
                "madoguchi tune over {} ({} folds, target precision {}{small_note})",
                sets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", "),
                folds,
                opts.target_precision
            ),
            figures,
        },
    };
    Ok(TuneReport { sets: report_sets, cv_table: crate::eval::precision_coverage_table(&tops), config })
}

/// The small FAQs of every corpus (for each draw, one of each size), and
/// the corpus each was drawn from.
fn draw_small_faqs(sets: &[TuneSet], small: &SmallFaqs) -> Result<(Vec<TuneSet>, Vec<usize>)> {
    let (mut out, mut from) = (Vec::new(), Vec::new());
    for (ci, set) in sets.iter().enumerate() {
        for draw in 0..small.draws {
            for &size in &small.sizes {
                let seed = crate::fnv::hash(format!("{ci}/{draw}/{size}").as_bytes());
                if let Some(s) = set.small_faq(size, seed, small)? {
                    out.push(s);
                    from.push(ci);
                }
            }
        }
    }
    Ok((out, from))
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One query's ranking with its probabilities.
#[derive(Debug, Clone, Default)]
struct Outcome {
    /// Top hits with their answer probability.
    hits: Vec<(Scored, f32)>,
    /// Probability that a relevant entry is among the top hits.
    choices: f32,
}

impl Outcome {
    fn new(ranked: Vec<Scored>, calibration: &Calibration) -> Self {
        let choices = ranked.first().map(|h| calibration.choices.probability(&h.features)).unwrap_or(0.0);
        let mut hits: Vec<(Scored, f32)> =
            ranked.into_iter().map(|h| (h, calibration.answer.probability(&h.features))).collect();
        // The same final order as the retriever: by confidence.
        hits.sort_by(|a, b| b.1.total_cmp(&a.1));
        Outcome { hits, choices }
    }
}

/// How many top hits a clarification offers (and the choices model is
/// fitted on).
const CHOICES: usize = 3;

/// Fits both confidence models on the selected queries: the answer model on
/// the top three hits (is this entry a right answer?), the choices model on
/// the top hit's features (is any relevant entry among the top three?).
/// The sets from `whole` on are small FAQs: they enter the answer model
/// only, which they are for (a wrong direct answer is the worst outcome; a
/// list or a "nothing fits" on a small FAQ is decided as on any other).
fn fit_calibration(
    sets: &[&TuneSet],
    whole: usize,
    impacts: &[ImpactIndex],
    params: &RankingParams,
    select: Select<'_>,
    l2: f64,
) -> Calibration {
    let mut answer_rows = Vec::new();
    let mut choices_rows = Vec::new();
    for (si, (s, imp)) in sets.iter().zip(impacts).enumerate() {
        for q in s.queries.iter().filter(|q| select(q)) {
            let ranked = s.rank(imp, params, q, CHOICES);
            if let Some(top) = ranked.first().filter(|_| si < whole) {
                let near = ranked.iter().any(|h| q.grades.contains_key(&h.doc));
                choices_rows.push((top.features.inputs().to_vec(), near));
            }
            for h in ranked {
                answer_rows.push((h.features.inputs().to_vec(), q.grades.get(&h.doc) == Some(&2)));
            }
        }
    }
    let fit = |rows: &[(Vec<f32>, bool)]| {
        let (bias, weights) = fit_logistic(rows, l2);
        Logistic::from_vector(bias, &weights)
    };
    Calibration { answer: fit(&answer_rows), choices: fit(&choices_rows) }
}

/// Answer threshold: the lowest confidence at which the out-of-fold top
/// hits of the whole corpora reach the target precision and those of the
/// small FAQs do too (pooled, the small FAQs' easier answers would let the
/// whole corpora's fall below the target). If the small FAQs reach it at
/// no threshold with enough answers, the whole corpora's alone, with a
/// note. Then the choices and clarify thresholds that maximize the
/// utility of what the remaining queries of the whole corpora (the sets
/// before `whole`) are offered: +1 for choices that include a relevant
/// entry, −1 for choices that are all unrelated, 0 for an honest "nothing
/// fits". Returns the whole corpora's top hits too, for the report.
fn choose_thresholds(
    sets: &[&TuneSet],
    whole: usize,
    oof: &[Vec<Outcome>],
    target: f64,
) -> (Thresholds, Vec<TopHit>, Option<String>) {
    let tops_of = |range: std::ops::Range<usize>| -> Vec<TopHit> {
        sets[range.clone()]
            .iter()
            .zip(&oof[range])
            .flat_map(|(s, outcomes)| {
                s.queries.iter().zip(outcomes).map(|(q, o)| TopHit {
                    confidence: o.hits.first().map(|h| h.1 as f64).unwrap_or(0.0),
                    right: o.hits.first().is_some_and(|h| q.grades.get(&h.0.doc) == Some(&2)),
                })
            })
            .collect()
    };
    let (tops, small) = (tops_of(0..whole), tops_of(whole..sets.len()));
    let min_answers = |tops: &[TopHit]| (tops.len() / 50).max(5);
    let (joint, note) = match (
        threshold_for_precision(&tops, target, min_answers(&tops)),
        threshold_for_precision(&small, target, min_answers(&small)),
    ) {
        (Some(_), Some(_)) => match joint_threshold(&[&tops, &small], target, min_answers(&tops)) {
            Some(t) => (Some(t), None),
            None => (
                None,
                Some(format!(
                    "note: no threshold reaches precision {target} on both the whole corpora and the small FAQs; \
                     direct answers are all but off (0.99)"
                )),
            ),
        },
        (alone, None) if !small.is_empty() => (
            alone,
            Some(format!(
                "note: the small FAQs reach precision {target} at no threshold; the answer threshold is the whole \
                 corpora's alone"
            )),
        ),
        (alone, _) => (alone, None),
    };
    let answer = joint.unwrap_or(0.99).clamp(0.05, 0.99) as f32;
    let mut best = (i64::MIN, 0.5f32, 0.0f32);
    for choices_step in 1..20 {
        let choices = choices_step as f32 * 0.05;
        for clarify in [0.0f32, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2] {
            if clarify > answer {
                continue;
            }
            let mut utility = 0i64;
            for (s, outcomes) in sets.iter().zip(oof).take(whole) {
                for (q, o) in s.queries.iter().zip(outcomes) {
                    if o.hits.first().is_some_and(|h| h.1 >= answer) || o.choices < choices {
                        continue;
                    }
                    let offered: Vec<&(Scored, f32)> = o.hits.iter().take(CHOICES).filter(|h| h.1 >= clarify).collect();
                    if !offered.is_empty() {
                        utility += if offered.iter().any(|h| q.grades.contains_key(&h.0.doc)) { 1 } else { -1 };
                    }
                }
            }
            if utility > best.0 {
                best = (utility, choices, clarify);
            }
        }
    }
    (Thresholds { answer, choices: best.1, clarify: best.2 }, tops, note)
}

/// The lowest confidence at which every group's top hits answered (those
/// at or above it) reach `target` precision, the first group with at least
/// `min_answers` answers (a later group with none answered is no
/// objection).
fn joint_threshold(groups: &[&[TopHit]], target: f64, min_answers: usize) -> Option<f64> {
    let mut candidates: Vec<f64> = groups.iter().flat_map(|g| g.iter().map(|h| h.confidence)).collect();
    candidates.sort_by(f64::total_cmp);
    candidates.dedup();
    candidates.into_iter().find(|&t| {
        groups.iter().enumerate().all(|(i, g)| {
            let (n, right) = g
                .iter()
                .filter(|h| h.confidence >= t)
                .fold((0usize, 0usize), |(n, r), h| (n + 1, r + usize::from(h.right)));
            if i == 0 { n >= min_answers && right as f64 >= target * n as f64 } else { right as f64 >= target * n as f64 }
        })
    })
}

fn set_figures(outcomes: &[(&TuneQuery, Outcome)], answer_threshold: f32) -> SetFigures {
    let mut f = SetFigures::default();
    let (mut answerable, mut answers, mut right) = (0usize, 0usize, 0usize);
    for (q, o) in outcomes {
        let hits = &o.hits;
        let ranked: Vec<Scored> = hits.iter().map(|h| h.0).collect();
        if !q.grades.is_empty() {
            answerable += 1;
            f.ndcg_at_10 += ndcg(&ranked, &q.grades);
            f.success_at_1 += f64::from(u8::from(ranked.first().is_some_and(|h| q.grades.contains_key(&h.doc))));
        }
        if let Some(top) = hits.first().filter(|h| h.1 >= answer_threshold) {
            answers += 1;
            right += usize::from(q.grades.get(&top.0.doc) == Some(&2));
        }
    }
    let n = answerable.max(1) as f64;
    f.ndcg_at_10 /= n;
    f.success_at_1 /= n;
    f.answer_precision = if answers == 0 { 1.0 } else { right as f64 / answers as f64 };
    f.coverage = answers as f64 / outcomes.len().max(1) as f64;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(v: &[(f64, bool)]) -> Vec<TopHit> {
        v.iter().map(|&(confidence, right)| TopHit { confidence, right }).collect()
    }

    #[test]
    fn the_answer_threshold_holds_the_target_in_every_group() {
        let whole = hits(&[(0.9, true), (0.8, true), (0.7, true), (0.6, false), (0.5, false)]);
        let small = hits(&[(0.95, true), (0.9, true), (0.65, false), (0.62, false)]);
        // The whole corpora alone: 3 of 4 right at 0.6.
        assert_eq!(threshold_for_precision(&whole, 0.75, 2), Some(0.6));
        assert_eq!(joint_threshold(&[&whole], 0.75, 2), Some(0.6));
        // The small FAQs' two wrong answers at 0.62 and 0.65 lift it to
        // 0.7, a confidence of the whole corpora's (the small FAQs' own
        // lowest, 0.9, would give up an answer for nothing).
        assert_eq!(joint_threshold(&[&whole, &small], 0.75, 2), Some(0.7));
        // A small group with no answer at a threshold is no objection; the
        // whole corpora need their minimum of answers.
        assert_eq!(joint_threshold(&[&whole, &hits(&[(0.1, false)])], 0.75, 2), Some(0.6));
        assert_eq!(joint_threshold(&[&whole, &small], 0.75, 6), None);
    }
}
