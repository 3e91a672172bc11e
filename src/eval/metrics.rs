//! Ranking metrics: Success@k, MRR@10, nDCG@10 (graded), Recall@10.

use std::collections::BTreeMap;

/// Ranking metrics averaged over retrieval cases.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RankingMetrics {
    /// Number of cases.
    pub cases: usize,
    /// A relevant entry at rank 1.
    pub success_at_1: f64,
    /// A relevant entry in the top 3.
    pub success_at_3: f64,
    /// A relevant entry in the top 5.
    pub success_at_5: f64,
    /// A relevant entry in the top 10.
    pub success_at_10: f64,
    /// Mean reciprocal rank of the first relevant entry (0 beyond rank 10).
    pub mrr_at_10: f64,
    /// Normalized discounted cumulative gain with graded relevance.
    pub ndcg_at_10: f64,
    /// Share of relevant entries found in the top 10.
    pub recall_at_10: f64,
}

/// nDCG@k with gains `2^grade − 1` and log2 discounts.
///
/// ```
/// use std::collections::BTreeMap;
/// let grades = BTreeMap::from([("a".to_string(), 2u8), ("b".to_string(), 1)]);
/// let perfect = madoguchi::eval::ndcg_at(&["a".into(), "b".into()], &grades, 10);
/// assert!((perfect - 1.0).abs() < 1e-9);
/// let swapped = madoguchi::eval::ndcg_at(&["b".into(), "a".into()], &grades, 10);
/// assert!(swapped < 1.0);
/// ```
pub fn ndcg_at(ranking: &[String], grades: &BTreeMap<String, u8>, k: usize) -> f64 {
    let gain = |g: u8| (2f64).powi(g as i32) - 1.0;
    let dcg: f64 = ranking
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, id)| gains_or_zero(grades, id, gain) / ((i + 2) as f64).log2())
        .sum();
    let mut ideal: Vec<u8> = grades.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal.iter().take(k).enumerate().map(|(i, g)| gain(*g) / ((i + 2) as f64).log2()).sum();
    if idcg == 0.0 { 0.0 } else { dcg / idcg }
}

fn gains_or_zero(grades: &BTreeMap<String, u8>, id: &str, gain: impl Fn(u8) -> f64) -> f64 {
    grades.get(id).map(|g| gain(*g)).unwrap_or(0.0)
}

/// Nearest-rank percentile of sorted values (0 for none).
///
/// ```
/// assert_eq!(madoguchi::eval::percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), 2.0);
/// assert_eq!(madoguchi::eval::percentile(&[1.0, 2.0, 3.0, 4.0], 99.0), 4.0);
/// ```
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl RankingMetrics {
    /// Computes the metrics over `(ranking, grades)` pairs.
    pub fn compute(cases: &[(Vec<String>, BTreeMap<String, u8>)]) -> Self {
        let n = cases.len().max(1) as f64;
        let first_rank = |(ranking, grades): &(Vec<String>, BTreeMap<String, u8>)| {
            ranking.iter().take(10).position(|id| grades.contains_key(id))
        };
        let success = |k: usize| cases.iter().filter(|c| first_rank(c).is_some_and(|r| r < k)).count() as f64 / n;
        Self {
            cases: cases.len(),
            success_at_1: success(1),
            success_at_3: success(3),
            success_at_5: success(5),
            success_at_10: success(10),
            mrr_at_10: cases.iter().map(|c| first_rank(c).map(|r| 1.0 / (r + 1) as f64).unwrap_or(0.0)).sum::<f64>() / n,
            ndcg_at_10: cases.iter().map(|(r, g)| ndcg_at(r, g, 10)).sum::<f64>() / n,
            recall_at_10: cases
                .iter()
                .map(|(r, g)| r.iter().take(10).filter(|id| g.contains_key(*id)).count() as f64 / g.len().max(1) as f64)
                .sum::<f64>()
                / n,
        }
    }
}
