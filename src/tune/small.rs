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
//! whose answering entries were all left out now expects "nothing fits"; one
//! left with only a partly relevant entry is dropped. Small FAQs take part
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
    /// Queries the small FAQ cannot answer, kept per query it can (the
    /// rest are left out by a stable hash): without a cap, a 15-entry FAQ
    /// drawn from 300 would be nine parts unanswerable questions.
    pub unanswerable_per_answerable: f64,
}

impl Default for SmallFaqs {
    fn default() -> Self {
        SmallFaqs { sizes: vec![15, 40], draws: 4, unanswerable_per_answerable: 1.0 }
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
        if answerable.is_empty() {
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

    /// A 6-entry corpus and queries of every kind, written to a temp file.
    fn set() -> TuneSet {
        let topics = ["住民票", "印鑑登録", "婚姻届", "粗大ごみ", "保育園", "図書館"];
        let kb = KnowledgeBase::new(
            topics
                .iter()
                .enumerate()
                .map(|(i, t)| FaqEntry::new(format!("e{i}"), format!("{t}について"), format!("{t}の案内です。")))
                .collect(),
        )
        .unwrap();
        let retriever = Retriever::builder().analyzer(Analyzer::new().unwrap()).build(kb).unwrap();
        let mut lines: Vec<String> = topics
            .iter()
            .enumerate()
            .map(|(i, t)| format!(r#"{{"query": "{t}の手続き", "expect": "relevant", "relevant": {{"e{i}": 2}}}}"#))
            .collect();
        // Only partly answered by e0; and nothing answers the last.
        lines.push(r#"{"query": "住民票の郵送", "expect": "relevant", "relevant": {"e0": 1}}"#.into());
        lines.push(r#"{"query": "明日の天気", "expect": "fallback"}"#.into());
        let path = std::env::temp_dir().join(format!("madoguchi-small-faq-{}.jsonl", std::process::id()));
        std::fs::write(&path, lines.join("\n")).unwrap();
        let set = TuneSet::new("six", retriever, &path, 5).unwrap();
        std::fs::remove_file(&path).ok();
        set
    }

    #[test]
    fn relabels_queries_for_the_entries_drawn() {
        let set = set();
        let small = SmallFaqs { unanswerable_per_answerable: 10.0, ..SmallFaqs::default() };
        let drawn = set.small_faq(3, 7, &small).unwrap().expect("answerable queries in any 3 of 6");
        let kb = drawn.retriever.knowledge_base();
        assert_eq!(kb.len(), 3);
        for q in &drawn.queries {
            let text = &q.analysis.normalized;
            let original = set.queries.iter().find(|o| &o.analysis.normalized == text).unwrap();
            assert_eq!(q.fold, original.fold, "{text}: a query keeps its fold");
            // Every grade left names the same entry as before, by id.
            for (new, g) in &q.grades {
                let id = &kb.entries()[*new as usize].id;
                let old = set.retriever.knowledge_base().position(id).unwrap() as u32;
                assert_eq!(original.grades.get(&old), Some(g), "{text}");
            }
            // Answerable now if and only if an answering entry was drawn.
            let drawn_answer = original.grades.iter().any(|(d, g)| {
                *g >= 2 && kb.position(&set.retriever.knowledge_base().entries()[*d as usize].id).is_some()
            });
            assert_eq!(!q.grades.is_empty(), drawn_answer, "{text}");
        }
        // 3 topic queries answerable; the 3 others and 明日の天気 not, all
        // kept under a cap of 10 per answerable query.
        let answerable = drawn.queries.iter().filter(|q| !q.grades.is_empty()).count();
        assert_eq!(answerable, 3);
        let partly_left = kb.position("e0").is_some();
        assert_eq!(drawn.queries.len(), 3 + 3 + 1 + usize::from(!partly_left), "partly answered: dropped, or unanswerable");
    }

    #[test]
    fn caps_unanswerable_queries_and_skips_draws_as_big_as_the_corpus() {
        let set = set();
        let none = SmallFaqs { unanswerable_per_answerable: 0.0, ..SmallFaqs::default() };
        let drawn = set.small_faq(2, 1, &none).unwrap().unwrap();
        assert!(drawn.queries.iter().all(|q| !q.grades.is_empty()));
        assert!(set.small_faq(6, 1, &none).unwrap().is_none());
        // Draws differ by seed, and repeat for the same seed.
        let ids = |seed| {
            let d = set.small_faq(3, seed, &none).unwrap().unwrap();
            d.retriever.knowledge_base().entries().iter().map(|e| e.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(ids(1), ids(1));
        assert!((0..10).map(ids).collect::<std::collections::HashSet<_>>().len() > 1);
    }
}
