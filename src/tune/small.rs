//! Small FAQs drawn from a tuning corpus, for the answer model.
//!
//! Operators often bring an FAQ of a few dozen entries. There the one entry
//! on a topic leads every other by far, and a model fitted only on FAQs of
//! about 300 entries reads that lead as certainty: on 15 entries drawn from
//! the city FAQ, 「マイナンバーカードの暗証番号忘れた」 got the entry on a
//! *lost* card as a direct answer, and about 6 % of the dev questions the
//! small FAQ could not answer got such a wrong answer (the full FAQ: 1 %).
//!
//! So `tune` can also draw small FAQs from each corpus ([`SmallFaqs`]). The
//! queries are the corpus's own, relabelled for the entries drawn: a query
//! whose graded entries were all left out now expects "nothing fits"; one
//! left with only a partly relevant entry is dropped. (Kept, as a whole
//! corpus keeps such queries, they made up so much of a small FAQ's
//! answerable questions that its precision reached the target only at
//! 0.93, where about a twelfth of the whole corpora's questions still got a
//! direct answer.) Small FAQs take part
//! in the answer model and the answer threshold only: the ranking
//! parameters, the choices model and the choices thresholds come from the
//! whole corpora. Each query keeps its fold, so cross-validation never
//! scores a query text by a model fitted on it.

use std::collections::HashMap;

use super::{TuneQuery, TuneSet};
use crate::error::Result;
use crate::knowledge::KnowledgeBase;
use crate::retrieve::Retriever;

/// Which small FAQs to draw from every tuning corpus.
///
/// ```
/// let small = madoguchi::tune::SmallFaqs::default();
/// assert!(small.sizes.iter().all(|&n| n >= 10));
/// assert!(small.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SmallFaqs {
    /// Entries per small FAQ; one FAQ of each size per draw.
    pub sizes: Vec<usize>,
    /// Draws per corpus (each draw a different random choice of entries).
    pub draws: usize,
    /// Queries with no graded entry in the small FAQ, kept per query with
    /// one (the rest are left out by a stable hash): without a cap, a
    /// 15-entry FAQ drawn from 300 would be nine parts unanswerable
    /// questions.
    pub unanswerable_per_answerable: f64,
}

impl Default for SmallFaqs {
    fn default() -> Self {
        SmallFaqs { sizes: vec![15, 40], draws: 8, unanswerable_per_answerable: 1.0 }
    }
}

impl SmallFaqs {
    /// None drawn: tuning on the whole corpora only.
    pub fn none() -> Self {
        SmallFaqs { sizes: Vec::new(), draws: 0, unanswerable_per_answerable: 1.0 }
    }

    /// Checks the sizes and the ratio.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.sizes.iter().any(|&n| n < 2) {
            return Err("small FAQ sizes must be at least 2 entries".into());
        }
        if !(self.unanswerable_per_answerable.is_finite() && self.unanswerable_per_answerable >= 0.0) {
            return Err("unanswerable_per_answerable must be a number ≥ 0".into());
        }
        Ok(())
    }
}

/// A stable pseudo-random key for `text` in draw `seed`.
fn key(seed: u64, text: &str) -> u64 {
    let mut bytes = seed.to_le_bytes().to_vec();
    bytes.extend_from_slice(text.as_bytes());
    crate::fnv::hash(&bytes)
}

impl TuneSet {
    /// A small FAQ of `entries` entries of this corpus (chosen by `seed`),
    /// with this set's queries relabelled for it (see the module docs).
    /// `None` when the corpus is not larger than `entries` or no query is
    /// answerable in the draw.
    pub(super) fn small_faq(&self, entries: usize, seed: u64, small: &SmallFaqs) -> Result<Option<TuneSet>> {
        let kb = self.retriever.knowledge_base();
        if kb.len() <= entries {
            return Ok(None);
        }
        let mut order: Vec<usize> = (0..kb.len()).collect();
        order.sort_by_key(|&i| (key(seed, &kb.entries()[i].id), i));
        let mut kept = order[..entries].to_vec();
        kept.sort_unstable();
        // Old ordinal → new ordinal.
        let new_of: HashMap<u32, u32> = kept.iter().enumerate().map(|(new, &old)| (old as u32, new as u32)).collect();
        let mut answerable = Vec::new();
        let mut unanswerable = Vec::new();
        for q in &self.queries {
            let grades: HashMap<u32, u8> =
                q.grades.iter().filter_map(|(d, g)| new_of.get(d).map(|&n| (n, *g))).collect();
            if grades.values().any(|&g| g >= 2) {
                answerable.push(TuneQuery { analysis: q.analysis.clone(), grades, fold: q.fold });
            } else if grades.is_empty() {
                unanswerable.push((key(seed, &q.analysis.normalized), q));
            }
        }
        if !answerable.iter().any(|q| q.grades.values().any(|&g| g >= 2)) {
            return Ok(None);
        }
        unanswerable.sort_by_key(|(k, _)| *k);
        let cap = (answerable.len() as f64 * small.unanswerable_per_answerable).round() as usize;
        let mut queries = answerable;
        queries.extend(unanswerable.into_iter().take(cap).map(|(_, q)| TuneQuery {
            analysis: q.analysis.clone(),
            grades: HashMap::new(),
            fold: q.fold,
        }));
        let kb = KnowledgeBase::new(kept.iter().map(|&i| kb.entries()[i].clone()).collect())?;
        let retriever = Retriever::builder()
            .analyzer(self.retriever.analyzer().clone())
            .params(*self.retriever.params())
            .build(kb)?;
        let raw = retriever.raw_index()?;
        Ok(Some(TuneSet {
            name: format!("{} ∩ {entries} entries #{seed}", self.name),
            retriever,
            raw,
            queries,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::FaqEntry;
    use crate::tokenize::Analyzer;

    const TOPICS: [&str; 6] = ["住民票", "印鑑登録", "婚姻届", "粗大ごみ", "保育園", "図書館"];

    /// A 6-entry corpus and queries of every kind (each test its own file:
    /// tests run in parallel).
    fn set(name: &str) -> TuneSet {
        let kb = KnowledgeBase::new(
            TOPICS
                .iter()
                .enumerate()
                .map(|(i, t)| FaqEntry::new(format!("e{i}"), format!("{t}について"), format!("{t}の案内です。")))
                .collect(),
        )
        .unwrap();
        let retriever = Retriever::builder().analyzer(Analyzer::new().unwrap()).build(kb).unwrap();
        let mut lines: Vec<String> = TOPICS
            .iter()
            .enumerate()
            .map(|(i, t)| format!(r#"{{"query": "{t}の手続き", "expect": "relevant", "relevant": {{"e{i}": 2}}}}"#))
            .collect();
        // Only partly answered by e0; and nothing answers the last.
        lines.push(r#"{"query": "住民票の郵送", "expect": "relevant", "relevant": {"e0": 1}}"#.into());
        lines.push(r#"{"query": "明日の天気", "expect": "fallback"}"#.into());
        let path = std::env::temp_dir().join(format!("madoguchi-small-faq-{name}-{}.jsonl", std::process::id()));
        std::fs::write(&path, lines.join("\n")).unwrap();
        let set = TuneSet::new(name, retriever, &path, 5).unwrap();
        std::fs::remove_file(&path).ok();
        set
    }

    fn ids(set: &TuneSet) -> Vec<String> {
        set.retriever.knowledge_base().entries().iter().map(|e| e.id.clone()).collect()
    }

    #[test]
    fn relabels_queries_for_the_entries_drawn() {
        let set = set("relabel");
        let all = SmallFaqs { unanswerable_per_answerable: 10.0, ..SmallFaqs::default() };
        let (mut partly_dropped, mut partly_unanswerable) = (false, false);
        for seed in 0..40 {
            let drawn = set.small_faq(3, seed, &all).unwrap().expect("a topic query answerable in any 3 of 6");
            let kb = drawn.retriever.knowledge_base();
            assert_eq!(kb.len(), 3);
            // Every query is still there (the cap is far) but the partly
            // answered one when its entry was drawn, with its fold; each
            // grade left names the same entry as before, by id; a query has
            // grades left iff one of its entries was drawn.
            let e0_drawn = kb.position("e0").is_some();
            assert_eq!(drawn.queries.len(), set.queries.len() - usize::from(e0_drawn));
            for (q, original) in drawn.queries.iter().map(|q| {
                (q, set.queries.iter().find(|o| o.analysis.normalized == q.analysis.normalized).unwrap())
            }) {
                let text = &q.analysis.normalized;
                assert_eq!(q.fold, original.fold, "{text}: a query keeps its fold");
                for (new, g) in &q.grades {
                    let old = set.retriever.knowledge_base().position(&kb.entries()[*new as usize].id).unwrap();
                    assert_eq!(original.grades.get(&(old as u32)), Some(g), "{text}");
                }
                let entry_drawn = original
                    .grades
                    .keys()
                    .any(|d| kb.position(&set.retriever.knowledge_base().entries()[*d as usize].id).is_some());
                assert_eq!(!q.grades.is_empty(), entry_drawn, "{text}");
                assert!(!(text.contains("郵送") && e0_drawn), "a query only partly answered is dropped");
            }
            partly_dropped |= e0_drawn;
            partly_unanswerable |= !e0_drawn;
        }
        assert!(partly_dropped && partly_unanswerable, "the draws keep e0 and leave it out");
    }

    #[test]
    fn caps_unanswerable_queries_and_skips_draws_as_big_as_the_corpus() {
        let set = set("cap");
        let unanswerable = |d: &TuneSet| d.queries.iter().filter(|q| q.grades.is_empty()).count();
        let none = SmallFaqs { unanswerable_per_answerable: 0.0, ..SmallFaqs::default() };
        let one = SmallFaqs { unanswerable_per_answerable: 1.0, ..SmallFaqs::default() };
        for seed in 0..20 {
            assert_eq!(unanswerable(&set.small_faq(2, seed, &none).unwrap().unwrap()), 0);
            // Two of six drawn: 2 topic queries answerable, 4 or 5 without a
            // grade; one kept per answerable query.
            let d = set.small_faq(2, seed, &one).unwrap().unwrap();
            let graded = d.queries.len() - unanswerable(&d);
            assert_eq!(unanswerable(&d), graded, "seed {seed}");
        }
        assert!(set.small_faq(6, 1, &none).unwrap().is_none());
        // Draws differ by seed, and repeat for the same seed.
        let draw = |seed| ids(&set.small_faq(3, seed, &none).unwrap().unwrap());
        assert_eq!(draw(1), draw(1));
        assert!((0..10).map(draw).collect::<std::collections::HashSet<_>>().len() > 1);
    }
}
