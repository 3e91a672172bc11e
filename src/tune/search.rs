//! Coordinate ascent over the ranking parameters.
//!
//! One parameter at a time takes each value of its grid; the best value
//! (macro nDCG@10 over the corpora) is kept, ties keep the current value.
//! The grids are coarse on purpose: fine steps would fit the dev queries'
//! noise rather than anything that transfers.

use super::{Select, TuneSet, ndcg};
use crate::retrieve::{ImpactIndex, RankingParams};

/// A tunable parameter: name, accessor, grid, and whether changing it
/// changes the index impacts (field weights, b, k1) or only the query.
#[derive(Clone, Copy)]
pub struct Coordinate {
    /// Name as in the configuration file.
    pub name: &'static str,
    /// The parameter in a [`RankingParams`].
    pub get: fn(&mut RankingParams) -> &mut f32,
    /// Values tried.
    pub grid: &'static [f32],
    /// True when the index impacts depend on it.
    pub impacts: bool,
}

impl std::fmt::Debug for Coordinate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coordinate").field("name", &self.name).field("grid", &self.grid).finish()
    }
}

const B: &[f32] = &[0.0, 0.25, 0.5, 0.75, 1.0];
const FIELD_WEIGHT: &[f32] = &[0.25, 0.5, 0.75, 1.0, 1.5];
const SHARE: &[f32] = &[0.0, 0.25, 0.5, 0.75, 1.0];

/// The coordinates searched, in order. The question field's weight stays 1
/// (BM25F is invariant to scaling all weights).
pub fn coordinates() -> Vec<Coordinate> {
    vec![
        Coordinate { name: "answer.weight", get: |p| &mut p.answer.weight, grid: &[0.1, 0.2, 0.3, 0.5, 0.75, 1.0], impacts: true },
        Coordinate { name: "answer.b", get: |p| &mut p.answer.b, grid: B, impacts: true },
        Coordinate { name: "question.b", get: |p| &mut p.question.b, grid: B, impacts: true },
        Coordinate { name: "alternatives.weight", get: |p| &mut p.alternatives.weight, grid: FIELD_WEIGHT, impacts: true },
        Coordinate { name: "alternatives.b", get: |p| &mut p.alternatives.b, grid: B, impacts: true },
        Coordinate { name: "keywords.weight", get: |p| &mut p.keywords.weight, grid: FIELD_WEIGHT, impacts: true },
        Coordinate { name: "k1", get: |p| &mut p.k1, grid: &[0.6, 0.9, 1.2, 1.6, 2.0], impacts: true },
        Coordinate { name: "bigram", get: |p| &mut p.bigram, grid: &[0.0, 0.1, 0.2, 0.3, 0.5, 0.75], impacts: false },
        Coordinate { name: "reading", get: |p| &mut p.reading, grid: SHARE, impacts: false },
        Coordinate { name: "inner", get: |p| &mut p.inner, grid: SHARE, impacts: false },
        Coordinate { name: "compound", get: |p| &mut p.compound, grid: SHARE, impacts: false },
        Coordinate { name: "variant", get: |p| &mut p.variant, grid: &[0.5, 0.75, 0.9, 1.0], impacts: false },
        Coordinate { name: "synonym", get: |p| &mut p.synonym, grid: SHARE, impacts: false },
        Coordinate { name: "domain_synonym", get: |p| &mut p.domain_synonym, grid: SHARE, impacts: false },
    ]
}

/// Macro nDCG@10: per corpus over the selected queries with a relevant
/// entry, then averaged over corpora.
fn objective(sets: &[TuneSet], impacts: &[ImpactIndex], params: &RankingParams, select: Select<'_>) -> f64 {
    let mut total = 0.0;
    let mut counted = 0;
    for (s, imp) in sets.iter().zip(impacts) {
        let (mut sum, mut n) = (0.0, 0usize);
        for q in s.queries.iter().filter(|q| select(q) && !q.grades.is_empty()) {
            sum += ndcg(&s.rank(imp, params, q, 10), &q.grades);
            n += 1;
        }
        if n > 0 {
            total += sum / n as f64;
            counted += 1;
        }
    }
    if counted == 0 { 0.0 } else { total / counted as f64 }
}

/// Coordinate ascent from `start` for `rounds` rounds on the selected queries.
pub(super) fn ascend(sets: &[TuneSet], start: RankingParams, rounds: usize, select: Select<'_>) -> RankingParams {
    let mut best = start;
    let mut impacts: Vec<ImpactIndex> = sets.iter().map(|s| s.raw.impacts(&best)).collect();
    let mut best_score = objective(sets, &impacts, &best, select);
    for _ in 0..rounds.max(1) {
        let mut improved = false;
        for c in coordinates() {
            let current = *(c.get)(&mut best);
            for &v in c.grid {
                if v == current {
                    continue;
                }
                let mut trial = best;
                *(c.get)(&mut trial) = v;
                let trial_impacts: Option<Vec<ImpactIndex>> =
                    c.impacts.then(|| sets.iter().map(|s| s.raw.impacts(&trial)).collect());
                let score = objective(sets, trial_impacts.as_deref().unwrap_or(&impacts), &trial, select);
                if score > best_score + 1e-9 {
                    best_score = score;
                    best = trial;
                    improved = true;
                    if let Some(t) = trial_impacts {
                        impacts = t;
                    }
                }
            }
        }
        if !improved {
            break;
        }
    }
    best
}
