//! Scoring a query plan against the impact index: one pass over the postings
//! of the query's own forms, accumulated in per-thread scratch buffers
//! (the shared model stays immutable; the buffers are cheap, reused state).
//!
//! For every concept, each entry keeps the best of the concept's
//! alternatives (`weight × impact`); the entry's score is the sum over
//! concepts of `concept weight × best`. While scoring, each entry also
//! records which word concepts it matched, and whether on its question side,
//! for the confidence features.

use std::cell::RefCell;
use std::collections::HashMap;

use super::confidence::HitFeatures;
use super::postings::{ImpactIndex, QUESTION_SIDE, TermPostings};
use super::query::{ConceptKind, QueryPlan};

/// Word concepts beyond this many share the last coverage bit.
const MASK_BITS: usize = 64;

/// One scored entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// Knowledge-base ordinal.
    pub doc: u32,
    /// The summed score.
    pub score: f32,
    /// Confidence features of this entry for this query.
    pub features: HitFeatures,
}

/// What a query looks like against the index, independent of any entry.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueryStats {
    /// The highest score an entry could reach (every concept matched with
    /// saturated frequency by its best form).
    pub max_score: f32,
    /// Number of word concepts.
    pub words: usize,
    /// Share of the word concepts' IDF weight that no entry has at all.
    pub unseen: f32,
    /// Number of bigram concepts.
    pub bigrams: usize,
}

struct ResolvedAlt<'i> {
    postings: Vec<&'i TermPostings>,
    weight: f32,
}

struct ResolvedConcept<'i> {
    weight: f32,
    kind: ConceptKind,
    /// Bit in the coverage masks (word concepts only).
    bit: u64,
    alts: Vec<ResolvedAlt<'i>>,
}

#[derive(Default)]
struct Scratch {
    acc: Vec<f32>,
    any: Vec<u64>,
    question: Vec<u64>,
    bigram_hits: Vec<u16>,
    seen: Vec<u32>,
    best: Vec<f32>,
    best_q: Vec<bool>,
    stamp: Vec<u32>,
    epoch: u32,
    query_epoch: u32,
    touched: Vec<u32>,
    concept_touched: Vec<u32>,
}

impl Scratch {
    fn fit(&mut self, n: usize) {
        if self.acc.len() < n {
            self.acc.resize(n, 0.0);
            self.any.resize(n, 0);
            self.question.resize(n, 0);
            self.bigram_hits.resize(n, 0);
            self.seen.resize(n, 0);
            self.best.resize(n, 0.0);
            self.best_q.resize(n, false);
            self.stamp.resize(n, 0);
        }
    }

    fn next_epoch(&mut self) -> u32 {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.epoch = 1;
        }
        self.epoch
    }

    fn next_query(&mut self) -> u32 {
        self.query_epoch = self.query_epoch.wrapping_add(1);
        if self.query_epoch == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.query_epoch = 1;
        }
        self.query_epoch
    }

    fn offer(&mut self, epoch: u32, doc: u32, value: f32, question_side: bool) {
        let d = doc as usize;
        if self.stamp[d] != epoch {
            self.stamp[d] = epoch;
            self.best[d] = value;
            self.best_q[d] = question_side;
            self.concept_touched.push(doc);
        } else if value > self.best[d] {
            self.best[d] = value;
            self.best_q[d] = question_side;
        } else if value == self.best[d] {
            self.best_q[d] |= question_side;
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Scores `plan`, keeps entries accepted by `filter`, and returns the best
/// `top_k` (score descending, then ordinal) with their features, plus the
/// query's statistics.
pub fn score(
    index: &ImpactIndex,
    plan: &QueryPlan,
    top_k: usize,
    filter: impl Fn(u32) -> bool,
) -> (Vec<Scored>, QueryStats) {
    let (concepts, stats, idf_weights) = resolve(index, plan);
    // Every word form the query brings, for the question-match feature.
    let mut said: Vec<u32> = concepts
        .iter()
        .filter(|c| c.kind != ConceptKind::Bigram)
        .flat_map(|c| c.alts.iter().flat_map(|a| a.postings.iter().map(|p| p.id)))
        .collect();
    said.sort_unstable();
    said.dedup();
    if concepts.is_empty() || top_k == 0 {
        return (Vec::new(), stats);
    }
    SCRATCH.with(|cell| {
        let mut s = cell.borrow_mut();
        s.fit(index.docs());
        accumulate(&mut s, &concepts);
        let ranked = best(&s, top_k, &filter);
        let out = ranked
            .iter()
            .enumerate()
            .map(|(i, &(doc, score))| {
                let d = doc as usize;
                let best_other = if i == 0 { ranked.get(1).map(|r| r.1).unwrap_or(0.0) } else { ranked[0].1 };
                let coverage = |mask: u64| -> f32 {
                    let (hit, all) = idf_weights.iter().fold((0.0, 0.0), |(h, a), (bit, w)| {
                        (if mask & bit != 0 { h + w } else { h }, a + w)
                    });
                    if all > 0.0 { hit / all } else { 0.0 }
                };
                let question = index.question_terms(doc);
                let (matched, all) = question.iter().fold((0.0, 0.0), |(m, a), (id, idf)| {
                    (if said.binary_search(id).is_ok() { m + idf } else { m }, a + idf)
                });
                let features = HitFeatures {
                    score: if stats.max_score > 0.0 { score / stats.max_score } else { 0.0 },
                    lead: if score > 0.0 { ((score - best_other) / score).clamp(-1.0, 1.0) } else { 0.0 },
                    gap: if stats.max_score > 0.0 { (score - best_other) / stats.max_score } else { 0.0 },
                    question_match: if all > 0.0 { matched / all } else { 0.0 },
                    coverage: coverage(s.any[d]),
                    question_coverage: coverage(s.question[d]),
                    bigram_coverage: if stats.bigrams > 0 {
                        s.bigram_hits[d] as f32 / stats.bigrams as f32
                    } else {
                        0.0
                    },
                    unseen: stats.unseen,
                    words: stats.words as f32,
                };
                Scored { doc, score, features }
            })
            .collect();
        (out, stats)
    })
}

/// One scoring pass: every concept's best form per entry, summed, with the
/// coverage masks. Leaves the scored entries in `s.touched`.
fn accumulate(s: &mut Scratch, concepts: &[ResolvedConcept<'_>]) {
    let query = s.next_query();
    s.touched.clear();
    for c in concepts {
        let epoch = s.next_epoch();
        s.concept_touched.clear();
        for alt in &c.alts {
            match alt.postings.as_slice() {
                [one] => {
                    for (doc, impact, fields) in one.iter() {
                        s.offer(epoch, doc, alt.weight * impact, fields & QUESTION_SIDE != 0);
                    }
                }
                many => {
                    // All forms required: the mean impact over entries that
                    // have every one of them.
                    let mut partial: HashMap<u32, (f32, usize, bool)> = HashMap::new();
                    for p in many {
                        for (doc, impact, fields) in p.iter() {
                            let e = partial.entry(doc).or_insert((0.0, 0, false));
                            e.0 += impact;
                            e.1 += 1;
                            e.2 |= fields & QUESTION_SIDE != 0;
                        }
                    }
                    for (doc, (sum, n, q)) in partial {
                        if n == many.len() {
                            s.offer(epoch, doc, alt.weight * sum / n as f32, q);
                        }
                    }
                }
            }
        }
        let touched = std::mem::take(&mut s.concept_touched);
        for &doc in &touched {
            let d = doc as usize;
            if s.seen[d] != query {
                s.seen[d] = query;
                s.acc[d] = 0.0;
                s.any[d] = 0;
                s.question[d] = 0;
                s.bigram_hits[d] = 0;
                s.touched.push(doc);
            }
            s.acc[d] += c.weight * s.best[d];
            match c.kind {
                ConceptKind::Bigram => s.bigram_hits[d] = s.bigram_hits[d].saturating_add(1),
                ConceptKind::Word => {
                    s.any[d] |= c.bit;
                    if s.best_q[d] {
                        s.question[d] |= c.bit;
                    }
                }
                ConceptKind::Phrase => {}
            }
        }
        s.concept_touched = touched;
    }
}

/// The best `k` scored entries that pass `filter`, best first.
fn best(s: &Scratch, k: usize, filter: &impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
    let mut ranked: Vec<(u32, f32)> =
        s.touched.iter().filter(|d| filter(**d)).map(|d| (*d, s.acc[*d as usize])).collect();
    let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if k > 0 && ranked.len() > k {
        ranked.select_nth_unstable_by(k - 1, order);
        ranked.truncate(k);
    }
    ranked.sort_unstable_by(order);
    ranked
}

/// Looks up every form of the plan in the index. Returns the concepts that
/// have at least one form in the index, the query statistics, and the IDF
/// weight of each word concept's coverage bit.
fn resolve<'i>(index: &'i ImpactIndex, plan: &QueryPlan) -> (Vec<ResolvedConcept<'i>>, QueryStats, Vec<(u64, f32)>) {
    let mut stats = QueryStats::default();
    let mut resolved = Vec::new();
    let mut idf_weights = Vec::new();
    let (mut unseen_weight, mut word_weight) = (0.0f32, 0.0f32);
    for c in &plan.concepts {
        let bigram = c.kind == ConceptKind::Bigram;
        let lookup = |t: &str| if bigram { index.bigram(t) } else { index.word(t) };
        let alts: Vec<ResolvedAlt<'i>> = c
            .alternatives
            .iter()
            .filter_map(|a| {
                let postings: Option<Vec<&TermPostings>> = a.terms.iter().map(|t| lookup(t)).collect();
                postings.filter(|p| !p.is_empty()).map(|postings| ResolvedAlt { postings, weight: a.weight })
            })
            .collect();
        // The concept's own strength: the best its forms can give.
        let upper = alts
            .iter()
            .map(|a| a.weight * a.postings.iter().map(|p| p.idf).sum::<f32>() / a.postings.len() as f32)
            .fold(0.0f32, f32::max);
        let mut bit = 0;
        match c.kind {
            ConceptKind::Bigram => stats.bigrams += 1,
            ConceptKind::Phrase => {}
            ConceptKind::Word => {
                // An unknown word weighs as much as the rarest word could: a
                // question about 火星の天気 is not covered by 天気 alone.
                let w = c.weight * if alts.is_empty() { index.unseen_idf() } else { upper.max(1e-3) };
                word_weight += w;
                if alts.is_empty() {
                    unseen_weight += w;
                }
                bit = 1u64 << stats.words.min(MASK_BITS - 1);
                stats.words += 1;
                idf_weights.push((bit, w));
            }
        }
        if !alts.is_empty() {
            stats.max_score += c.weight * upper;
            resolved.push(ResolvedConcept { weight: c.weight, kind: c.kind, bit, alts });
        }
    }
    stats.unseen = if word_weight > 0.0 { unseen_weight / word_weight } else { 0.0 };
    (resolved, stats, idf_weights)
}
