//! Scaled corpora for benchmarks and load tests.

use crate::knowledge::{FaqEntry, KnowledgeBase};

/// A deterministic corpus of `n` entries grown from `base`: the base entries
/// first, then mixtures of two base entries each (question halves, both
/// answers, both keyword lists), so term statistics stay realistic without
/// near-duplicate entries. Ids are `syn-<k>`.
///
/// ```
/// use madoguchi::knowledge::{FaqEntry, KnowledgeBase};
/// let base = KnowledgeBase::new(vec![
///     FaqEntry::new("a", "支払日はいつですか", "27日です。"),
///     FaqEntry::new("b", "送料はいくらですか", "550円です。"),
/// ]).unwrap();
/// let big = madoguchi::eval::synthetic_corpus(&base, 10);
/// assert_eq!(big.len(), 10);
/// assert_eq!(big.entries()[0].id, "a");
/// ```
pub fn synthetic_corpus(base: &KnowledgeBase, n: usize) -> KnowledgeBase {
    let src = base.entries();
    let mut entries: Vec<FaqEntry> = src.iter().take(n).cloned().collect();
    if src.is_empty() {
        return KnowledgeBase::default();
    }
    // A fixed LCG keeps the corpus identical across runs and machines.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |m: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % m
    };
    let half = |s: &str, first: bool| {
        let chars: Vec<char> = s.chars().collect();
        let mid = chars.len() / 2;
        if first { chars[..mid].iter().collect::<String>() } else { chars[mid..].iter().collect() }
    };
    let mut k = 0;
    while entries.len() < n {
        let a = &src[next(src.len())];
        let b = &src[next(src.len())];
        let mut e = FaqEntry::new(
            format!("syn-{k}"),
            format!("{}{}", half(&a.question, true), half(&b.question, false)),
            format!("{}{}", a.answer, b.answer),
        );
        e.category = a.category.clone();
        e.subcategory = b.subcategory.clone();
        e.alternatives = a.alternatives.iter().take(2).chain(b.alternatives.iter().skip(2).take(2)).cloned().collect();
        e.keywords = a.keywords.iter().chain(&b.keywords).take(6).cloned().collect();
        entries.push(e);
        k += 1;
    }
    KnowledgeBase::new(entries).unwrap_or_default()
}
