//! Answer precision and coverage: if the bot answered with its top entry
//! whenever the confidence reached a threshold, how many of those answers
//! would be right, and how many queries would get one?
//!
//! "Right" is strict: the entry answers the question (grade 2, or the
//! `faq:` id). An entry that is only partly relevant (grade 1) counts as a
//! wrong answer, and so does any answer to a query nothing in the FAQ
//! answers (expected `fallback`).

/// One query's top hit.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TopHit {
    /// The top entry's confidence (0 when nothing matched).
    pub confidence: f64,
    /// Whether the top entry answers the query.
    pub right: bool,
}

/// Precision and coverage at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OperatingPoint {
    /// Answer when the confidence is at least this.
    pub threshold: f64,
    /// Share of all queries answered directly.
    pub coverage: f64,
    /// Share of those answers that are right (1 when none are given).
    pub precision: f64,
    /// Number of answers.
    pub answers: usize,
}

/// The operating point of a threshold over `hits`.
///
/// ```
/// use madoguchi::eval::{TopHit, operating_point};
/// let hits = [TopHit { confidence: 0.9, right: true }, TopHit { confidence: 0.8, right: false },
///             TopHit { confidence: 0.2, right: true }];
/// let p = operating_point(&hits, 0.5);
/// assert_eq!((p.answers, p.precision), (2, 0.5));
/// assert!((p.coverage - 2.0 / 3.0).abs() < 1e-9);
/// ```
pub fn operating_point(hits: &[TopHit], threshold: f64) -> OperatingPoint {
    let answered: Vec<&TopHit> = hits.iter().filter(|h| h.confidence >= threshold).collect();
    let right = answered.iter().filter(|h| h.right).count();
    OperatingPoint {
        threshold,
        coverage: if hits.is_empty() { 0.0 } else { answered.len() as f64 / hits.len() as f64 },
        precision: if answered.is_empty() { 1.0 } else { right as f64 / answered.len() as f64 },
        answers: answered.len(),
    }
}

/// Operating points at thresholds 0.05, 0.10, …, 0.95.
pub fn precision_coverage_table(hits: &[TopHit]) -> Vec<OperatingPoint> {
    (1..20).map(|i| operating_point(hits, i as f64 * 0.05)).collect()
}

/// The lowest threshold at which the answers given (every top hit at or
/// above it) reach `target` precision, among thresholds that give at least
/// `min_answers` answers; `None` when none does. Candidate thresholds are the
/// observed confidences.
///
/// ```
/// use madoguchi::eval::{TopHit, threshold_for_precision};
/// let hits = [TopHit { confidence: 0.9, right: true }, TopHit { confidence: 0.7, right: true },
///             TopHit { confidence: 0.6, right: false }, TopHit { confidence: 0.5, right: true }];
/// assert_eq!(threshold_for_precision(&hits, 0.9, 1), Some(0.7));
/// assert_eq!(threshold_for_precision(&hits, 0.7, 1), Some(0.5));
/// ```
pub fn threshold_for_precision(hits: &[TopHit], target: f64, min_answers: usize) -> Option<f64> {
    let mut sorted: Vec<&TopHit> = hits.iter().collect();
    sorted.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    let mut right = 0usize;
    let mut best = None;
    for (i, h) in sorted.iter().enumerate() {
        right += usize::from(h.right);
        // Only cut between distinct confidences.
        if sorted.get(i + 1).is_some_and(|n| n.confidence == h.confidence) {
            continue;
        }
        let n = i + 1;
        if n >= min_answers && right as f64 / n as f64 >= target {
            best = Some(h.confidence);
        }
    }
    best
}
