//! Scoring a query plan against the impact index: one pass over the postings
//! of the query's own forms, accumulated in per-thread scratch buffers
//! (the shared model stays immutable; the buffers are cheap, reused state).
//!
//! For every concept, each entry keeps the best of the concept's
//! alternatives (`weight × impact`); the entry's score is the sum over
//! concepts of `concept weight × best`. Which word concepts an entry matched,
//! and whether on its question side, feed the confidence features.
//!
//! # Pruning (MaxScore over forms)
//!
//! Every form of every concept is a *unit* with an upper bound (its weight
//! times its highest impact). Units go from the strongest bound to the
//! weakest. Once the units still to come cannot together lift an entry not
//! yet in the running past the current `k`-th best score, the rest are read
//! only for the entries that still can (kept in ascending order): a long
//! list is galloped through to them, a shorter one walked keeping only
//! their postings.
//!
//! The `k`-th best partial score is a weak threshold while much of the
//! query is still unread (a near-duplicate FAQ has hundreds of entries with
//! the same first words). So once the units read carry 10 % of the bound,
//! the `2k` leading entries are scored in full by galloping to them in the
//! rest (once at least `k` entries have been reached; until then after
//! every unit), and the `k`-th best of those exact scores becomes the threshold:
//! on the 10k synthetic corpus pruning then starts after a few word lists
//! instead of after most bigrams. The top `k` and their features are
//! exactly those of a full pass (`tests/retrieval.rs` checks this on the
//! bundled corpus and on a synthetic one full of near-duplicates).
//!
//! # Per-thread state
//!
//! The buffers are reused from query to query: a dense score per entry (0:
//! not reached), bit sets for the entries still in the running and the
//! leaders, and a value table for concepts of several forms, each cleared
//! through the lists of entries the query reached. A query that stops half
//! way (a panic) leaves them dirty; the next one then wipes them whole.

use std::cell::RefCell;

use super::confidence::HitFeatures;
use super::postings::{ImpactIndex, QUESTION_SIDE, TermPostings};
use super::query::{ConceptKind, QueryPlan};

/// Reading bigrams with a lower IDF (in about a quarter of all entries or
/// more) are skipped. Measured on the dev sets of three corpora: nDCG@10
/// 0.861/0.825/0.770 with every bigram, 0.861/0.826/0.766 without these.
pub const BIGRAM_MIN_IDF: f32 = 1.5;

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

/// One form of one concept, with everything scoring needs.
struct Unit<'a, 'i> {
    concept: usize,
    /// All required (a multi-word form); usually one. A slice of the plan's
    /// one list of postings (one allocation per query, not one per form).
    postings: &'a [&'i TermPostings],
    /// Concept weight × form weight.
    weight: f32,
    /// The most this form can give any entry.
    bound: f32,
    /// The concept's only form: its value goes straight into the score.
    single: bool,
}

impl<'a, 'i> Unit<'a, 'i> {
    fn new(concept: usize, postings: &'a [&'i TermPostings], weight: f32, single: bool) -> Self {
        let bound = weight * postings.iter().map(|p| p.max_impact).fold(0.0, f32::max);
        Unit { concept, postings, weight, bound, single }
    }

    /// What this form gives entry `doc`, and whether on the question side
    /// (a multi-word form: the mean impact, when the entry has every word).
    fn value(&self, doc: u32) -> Option<(f32, bool)> {
        let (mut sum, mut question) = (0.0f32, false);
        for p in self.postings {
            let (impact, fields) = p.get(doc)?;
            sum += impact;
            question |= fields & QUESTION_SIDE != 0;
        }
        Some((self.weight * sum / self.postings.len() as f32, question))
    }
}

/// What scoring needs to know of a concept.
#[derive(Clone, Copy)]
struct ConceptInfo {
    kind: ConceptKind,
    /// Bit in the coverage masks (word concepts only).
    bit: u64,
}

/// A set of entries as one bit each: the whole set of a 10k corpus is
/// 1.25 KiB, so a check stays in the L1 cache where a per-entry record
/// would not.
#[derive(Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn fit(&mut self, docs: usize) {
        let words = docs.div_ceil(64);
        if self.0.len() < words {
            self.0.resize(words, 0);
        }
    }

    #[inline(always)]
    fn has(&self, doc: u32) -> bool {
        has_bit(&self.0, doc)
    }

    #[inline(always)]
    fn set(&mut self, doc: u32) {
        set_bit(&mut self.0, doc);
    }

    #[inline(always)]
    fn unset(&mut self, doc: u32) {
        self.0[(doc >> 6) as usize] &= !(1u64 << (doc & 63));
    }

    /// Appends the members to `out` in ascending order.
    fn members_into(&self, out: &mut Vec<u32>) {
        for (w, &word) in self.0.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                out.push((w as u32) << 6 | bits.trailing_zeros());
                bits &= bits - 1;
            }
        }
    }
}

#[derive(Default)]
struct Scratch {
    /// Each entry's score so far in this query; 0 for an entry not reached
    /// (every gain is positive), so nothing but `touched` needs clearing
    /// between queries. Four bytes an entry: a 10k corpus's scores fit in
    /// 40 KiB.
    acc: Vec<f32>,
    /// Entries with a score, in the order reached.
    touched: Vec<u32>,
    /// Entries in `leaders`.
    leading: Bits,
    /// Entries still in the running once pruning began (`candidates`).
    live: Bits,
    /// Once the bar is above 0, entries whose score reached `bar` when it
    /// last rose: a superset of every entry at or above the bar now, and so
    /// of the final top k (see `kth_score`).
    leaders: Vec<u32>,
    /// A score the final k-th best is known to reach.
    bar: f32,
    /// Concept-major best value per (concept, entry), and whether that best
    /// form matched on the question side; 0 means not matched. Only for
    /// concepts with several forms: a concept read from one list gives each
    /// entry one value, added straight to the score.
    value: Vec<f32>,
    question: Vec<bool>,
    /// Entries with a value, per concept (to clear `value` afterwards).
    matched: Vec<Vec<u32>>,
    /// Entries per concept row in `value` (the index size when fitted).
    stride: usize,
    /// Reused buffer for the k-th best score.
    scores: Vec<f32>,
    /// Reused buffer of `seed`'s selection.
    pool: Vec<(f32, u32)>,
    /// Reused buffers of `seed`: its entries, their best values, their scores.
    seeded: (Vec<u32>, Vec<f32>, Vec<f32>),
    /// A query is under way: set when scoring starts, cleared once its
    /// marks are cleared. Still set at the start of a query, the one before
    /// stopped half way, with lists of what to clear possibly lost.
    dirty: bool,
    /// Reused per-query buffers of `accumulate`: the bound of the units
    /// still to come, each concept's next bound, the entries in the running,
    /// and a multi-word form's entries, impact sums and question sides
    /// (with their next round).
    rest: Vec<f32>,
    next_bound: Vec<f32>,
    candidates: Vec<u32>,
    multi: (Vec<u32>, Vec<f32>, Vec<bool>),
    multi_next: (Vec<u32>, Vec<f32>, Vec<bool>),
}

impl Scratch {
    fn fit(&mut self, docs: usize, concepts: usize) {
        if self.acc.len() < docs || self.stride < docs {
            self.acc.resize(docs, 0.0);
            self.leading.fit(docs);
            self.live.fit(docs);
            self.stride = docs;
            // Rows change width: start the value table afresh (it is all
            // zero between queries).
            self.value.clear();
            self.question.clear();
        }
        let cells = concepts * self.stride;
        if self.value.len() < cells {
            self.value.resize(cells, 0.0);
            self.question.resize(cells, false);
        }
        if self.matched.len() < concepts {
            self.matched.resize_with(concepts, Vec::new);
        }
    }

    /// The entry's score so far in this query.
    #[inline]
    fn acc(&self, doc: u32) -> f32 {
        self.acc[doc as usize]
    }

    /// Raises the bar to `to`. The leaders are kept from the first bar
    /// above 0 on (until then every entry reached would join): they start
    /// as the entries already at or above it.
    fn raise_bar(&mut self, to: f32) {
        if to <= self.bar {
            return;
        }
        if self.bar <= 0.0 {
            for &d in &self.touched {
                if self.acc(d) >= to && !self.leading.has(d) {
                    self.leading.set(d);
                    self.leaders.push(d);
                }
            }
        }
        self.bar = to;
    }

    /// Wipes every score, mark and value, whatever the lists say.
    fn wipe(&mut self) {
        self.acc.fill(0.0);
        self.leading.0.fill(0);
        self.live.0.fill(0);
        self.value.fill(0.0);
        self.question.fill(false);
        self.matched.iter_mut().for_each(Vec::clear);
        self.touched.clear();
        self.leaders.clear();
        self.candidates.clear();
    }

    /// Forgets this query's scores and marks for the next one.
    fn reset_entries(&mut self) {
        for d in self.touched.drain(..) {
            self.acc[d as usize] = 0.0;
        }
        for d in self.leaders.drain(..) {
            self.leading.unset(d);
        }
        for d in self.candidates.drain(..) {
            self.live.unset(d);
        }
    }

    /// Runs `f` on the score table as a loop over `concept`'s postings
    /// sees it ([`Board`]).
    #[inline(always)]
    fn with_board<R>(&mut self, concept: usize, f: impl FnOnce(&mut Board<'_>) -> R) -> R {
        let row = concept * self.stride..(concept + 1) * self.stride;
        let mut board = Board {
            acc: &mut self.acc,
            touched: std::mem::take(&mut self.touched),
            leading: &mut self.leading.0,
            leaders: std::mem::take(&mut self.leaders),
            bar: self.bar,
            value: &mut self.value[row.clone()],
            question: &mut self.question[row],
            matched: std::mem::take(&mut self.matched[concept]),
            live: &self.live.0,
        };
        let out = f(&mut board);
        let Board { touched, leaders, matched, .. } = board;
        (self.touched, self.leaders, self.matched[concept]) = (touched, leaders, matched);
        out
    }

    /// Clears the value table for the next query.
    fn clear(&mut self, concepts: usize) {
        for c in 0..concepts {
            let row = c * self.stride;
            for d in self.matched[c].drain(..) {
                self.value[row + d as usize] = 0.0;
                self.question[row + d as usize] = false;
            }
        }
    }
}

/// The score table as the loop over one form's postings sees it: each
/// part borrowed or moved out on its own, so that a push onto one list does
/// not make the compiler load every other part's address again (as it must
/// through one `&mut Scratch`). The lists go back in `with_board`.
struct Board<'a> {
    acc: &'a mut [f32],
    touched: Vec<u32>,
    leading: &'a mut [u64],
    leaders: Vec<u32>,
    bar: f32,
    /// The concept's row of the value table, and of question sides.
    value: &'a mut [f32],
    question: &'a mut [bool],
    /// The concept's entries with a value.
    matched: Vec<u32>,
    live: &'a [u64],
}

/// The bit operations on a bare slice, for `Board`, which borrows the
/// words of a `Bits` apart.
#[inline(always)]
fn has_bit(bits: &[u64], doc: u32) -> bool {
    bits[(doc >> 6) as usize] & (1u64 << (doc & 63)) != 0
}

#[inline(always)]
fn set_bit(bits: &mut [u64], doc: u32) {
    bits[(doc >> 6) as usize] |= 1u64 << (doc & 63);
}

impl Board<'_> {
    /// Adds `gain` (positive) to the entry's score; returns the new score.
    #[inline(always)]
    fn add(&mut self, doc: u32, gain: f32) -> f32 {
        let a = &mut self.acc[doc as usize];
        if *a == 0.0 {
            self.touched.push(doc);
        }
        *a += gain;
        let a = *a;
        if self.bar > 0.0 && a >= self.bar && !has_bit(self.leading, doc) {
            set_bit(self.leading, doc);
            self.leaders.push(doc);
        }
        a
    }

    /// Gives `value` of the concept to entry `doc`: added straight to the
    /// score for a concept of one form (`single`), else kept if it beats the
    /// concept's best so far. Returns the entry's new score if it rose.
    #[inline(always)]
    fn give(&mut self, single: bool, doc: u32, value: f32, question_side: bool) -> Option<f32> {
        if single { (value > 0.0).then(|| self.add(doc, value)) } else { self.offer(doc, value, question_side) }
    }

    /// Offers `value` for the concept at entry `doc`; returns the entry's
    /// new score if it rose.
    #[inline(always)]
    fn offer(&mut self, doc: u32, value: f32, question_side: bool) -> Option<f32> {
        let d = doc as usize;
        let old = self.value[d];
        if value > old {
            if old == 0.0 {
                self.matched.push(doc);
            }
            self.value[d] = value;
            self.question[d] = question_side;
            Some(self.add(doc, value - old))
        } else {
            if value == old && question_side {
                self.question[d] = true;
            }
            None
        }
    }

    /// Reads a form's whole list (before pruning). Not inlined: in the
    /// body of `accumulate` the loop loses registers to the code around it
    /// (measured: about 8 % more instructions per turn on the 10k corpus).
    #[inline(never)]
    fn read_all(&mut self, list: &TermPostings, single: bool, w: f32, max_acc: &mut f32) {
        if single {
            for (doc, impact, _) in list.iter() {
                let value = w * impact;
                if value > 0.0 {
                    raise(max_acc, self.add(doc, value));
                }
            }
        } else {
            for (doc, impact, fields) in list.iter() {
                if let Some(a) = self.offer(doc, w * impact, fields & QUESTION_SIDE != 0) {
                    raise(max_acc, a);
                }
            }
        }
    }

    /// Reads a form's postings of the entries still in the running, `live`
    /// (ascending): galloped to when few, else the list is walked and each
    /// posting's entry checked in the live set.
    #[inline(never)]
    fn read_live(&mut self, list: &TermPostings, single: bool, w: f32, live: &[u32], max_acc: &mut f32) {
        if list.len() > live.len() * GALLOP_RATIO {
            list.intersect(live, |j, impact, fields| {
                if let Some(a) = self.give(single, live[j], w * impact, fields & QUESTION_SIDE != 0) {
                    raise(max_acc, a);
                }
            });
        } else {
            for (doc, impact, fields) in list.iter() {
                if has_bit(self.live, doc)
                    && let Some(a) = self.give(single, doc, w * impact, fields & QUESTION_SIDE != 0)
                {
                    raise(max_acc, a);
                }
            }
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
    let Resolved { concepts, lists, forms, stats, idf_weights } = resolve(index, plan);
    let mut units: Vec<Unit<'_, '_>> =
        forms.iter().map(|f| Unit::new(f.concept, &lists[f.lists.clone()], f.weight, f.single)).collect();
    // Every word form the query brings, for the question-match feature.
    let mut said: Vec<u32> = units
        .iter()
        .filter(|u| concepts[u.concept].kind != ConceptKind::Bigram)
        .flat_map(|u| u.postings.iter().map(|p| p.id))
        .collect();
    said.sort_unstable();
    said.dedup();
    if units.is_empty() || top_k == 0 {
        return (Vec::new(), stats);
    }
    units.sort_by(|a, b| b.bound.total_cmp(&a.bound));
    // The form of each one-form concept: its values are looked up for the
    // hits' features instead of being kept in the value table.
    let mut only_form: Vec<Option<&Unit<'_, '_>>> = vec![None; concepts.len()];
    for u in units.iter().filter(|u| u.single) {
        only_form[u.concept] = Some(u);
    }
    SCRATCH.with(|cell| {
        let mut s = cell.borrow_mut();
        s.fit(index.docs(), concepts.len());
        if s.dirty {
            s.wipe();
        }
        s.dirty = true;
        accumulate(&mut s, &units, concepts.len(), top_k, &filter);
        let ranked = best(&s, top_k, &filter);
        let out = ranked
            .iter()
            .enumerate()
            .map(|(i, &(doc, score))| {
                let d = doc as usize;
                let best_other = if i == 0 { ranked.get(1).map(|r| r.1).unwrap_or(0.0) } else { ranked[0].1 };
                let (mut any, mut question, mut bigram_hits) = (0u64, 0u64, 0usize);
                for (c, info) in concepts.iter().enumerate() {
                    let cell = c * s.stride + d;
                    let on_question = match only_form[c] {
                        Some(u) => match u.value(doc) {
                            Some((v, q)) if v > 0.0 => q,
                            _ => continue,
                        },
                        None if s.value[cell] == 0.0 => continue,
                        None => s.question[cell],
                    };
                    match info.kind {
                        ConceptKind::Bigram => bigram_hits += 1,
                        ConceptKind::Word => {
                            any |= info.bit;
                            if on_question {
                                question |= info.bit;
                            }
                        }
                        ConceptKind::Phrase => {}
                    }
                }
                let coverage = |mask: u64| -> f32 {
                    let (hit, all) = idf_weights.iter().fold((0.0, 0.0), |(h, a), (bit, w)| {
                        (if mask & bit != 0 { h + w } else { h }, a + w)
                    });
                    if all > 0.0 { hit / all } else { 0.0 }
                };
                let question_terms = index.question_terms(doc);
                let (matched, all) = question_terms.iter().fold((0.0, 0.0), |(m, a), (id, idf)| {
                    (if said.binary_search(id).is_ok() { m + idf } else { m }, a + idf)
                });
                let features = HitFeatures {
                    score: if stats.max_score > 0.0 { score / stats.max_score } else { 0.0 },
                    lead: if score > 0.0 { ((score - best_other) / score).clamp(-1.0, 1.0) } else { 0.0 },
                    gap: if stats.max_score > 0.0 { (score - best_other) / stats.max_score } else { 0.0 },
                    question_match: if all > 0.0 { matched / all } else { 0.0 },
                    coverage: coverage(any),
                    question_coverage: coverage(question),
                    bigram_coverage: if stats.bigrams > 0 { bigram_hits as f32 / stats.bigrams as f32 } else { 0.0 },
                    unseen: stats.unseen,
                    words: stats.words as f32,
                };
                Scored { doc, score, features }
            })
            .collect();
        s.clear(concepts.len());
        s.dirty = false;
        (out, stats)
    })
}

/// Reads the units, strongest first, into the score table; switches to
/// reading only the entries still in the running once the rest cannot lift
/// a newcomer into the top `k` (see the module docs). Leaves the scored
/// entries in `s.touched`.
fn accumulate(s: &mut Scratch, units: &[Unit<'_, '_>], concepts: usize, k: usize, filter: &impl Fn(u32) -> bool) {
    s.reset_entries();
    s.bar = 0.0;
    // rest[i]: the most the units after position i can still add to an
    // entry: per concept, the bound of its next unit (units are sorted, so
    // each concept's units come strongest first).
    let mut rest = std::mem::take(&mut s.rest);
    {
        rest.clear();
        rest.resize(units.len() + 1, 0.0);
        let next = &mut s.next_bound;
        next.clear();
        next.resize(concepts, 0.0);
        let mut sum = 0.0f32;
        for i in (0..units.len()).rev() {
            rest[i + 1] = sum.max(0.0);
            let c = units[i].concept;
            sum += units[i].bound - next[c];
            next[c] = units[i].bound;
        }
        rest[0] = sum.max(0.0);
    }
    // The entries still in the running once pruning began.
    let mut cands = std::mem::take(&mut s.candidates);
    cands.clear();
    let mut pruning = false;
    let mut max_acc = 0.0f32;
    let mut refreshed_at = f32::INFINITY;
    // Entries scored in full ahead of time (see `seed`) raise `s.bar`, a
    // lower bound of the final k-th best score, once.
    let mut seeded = false;
    for (i, u) in units.iter().enumerate() {
        let (c, single, w) = (u.concept, u.single, u.weight);
        match u.postings {
            [one] if !pruning => s.with_board(c, |b| b.read_all(one, single, w, &mut max_acc)),
            [one] => s.with_board(c, |b| b.read_live(one, single, w, &cands, &mut max_acc)),
            many => {
                // All forms required: the mean impact over entries that
                // have every one of them. The entries start as those of the
                // shortest list (or the live ones); each list in the forms'
                // order then keeps, by a galloping merge, the entries it
                // has and adds its impact (so the sum runs in that order).
                let (mut docs, mut sum, mut question) = std::mem::take(&mut s.multi);
                let (mut next_docs, mut next_sum, mut next_question) = std::mem::take(&mut s.multi_next);
                docs.clear();
                if pruning {
                    docs.extend_from_slice(&cands);
                } else {
                    let shortest = many.iter().min_by_key(|p| p.len()).expect("a unit has postings");
                    docs.extend(shortest.iter().map(|(d, _, _)| d));
                }
                sum.clear();
                sum.resize(docs.len(), 0.0);
                question.clear();
                question.resize(docs.len(), false);
                for p in many {
                    next_docs.clear();
                    next_sum.clear();
                    next_question.clear();
                    p.intersect(&docs, |j, impact, fields| {
                        next_docs.push(docs[j]);
                        next_sum.push(sum[j] + impact);
                        next_question.push(question[j] | (fields & QUESTION_SIDE != 0));
                    });
                    std::mem::swap(&mut docs, &mut next_docs);
                    std::mem::swap(&mut sum, &mut next_sum);
                    std::mem::swap(&mut question, &mut next_question);
                }
                s.with_board(c, |b| {
                    for (j, doc) in docs.iter().enumerate() {
                        if let Some(a) = b.give(single, *doc, w * sum[j] / many.len() as f32, question[j]) {
                            raise(&mut max_acc, a);
                        }
                    }
                });
                s.multi = (docs, sum, question);
                s.multi_next = (next_docs, next_sum, next_question);
            }
        }
        // Could an entry not yet in the running still make the top k? The
        // k-th best partial score is at most the best one, and the bar is
        // the higher of such scores and the seeded floor (a k-th best exact
        // score): the threshold is worth computing only once the rest weighs
        // less than the higher of the best score and the bar.
        let remaining = rest[i + 1];
        if remaining <= 0.0 || k == 0 {
            continue;
        }
        if !seeded && !pruning && remaining <= rest[0] * SEED_AT {
            // Too few entries yet to have a k-th best: try again after the
            // next unit (seeding once with none would leave the bar at 0).
            if let Some(floor) = seed(s, units, i + 1, concepts, k, filter) {
                seeded = true;
                s.raise_bar(floor);
            }
        }
        if remaining >= max_acc.max(s.bar) {
            continue;
        }
        // The k-th best score (a selection over the pool) is computed only
        // when the rest has shrunk by a fifth (`REFRESH`) since the last
        // time, not after every form: skipping a refresh only delays
        // pruning, and every prune uses a fresh threshold, so the result
        // stays exact.
        // (Not yet pruning with the rest already below the bar: prune now.)
        if remaining > refreshed_at * REFRESH && (pruning || remaining >= s.bar) {
            continue;
        }
        refreshed_at = remaining;
        if !pruning {
            if let Some(threshold) = kth_score(s, k, filter).filter(|t| remaining < *t) {
                // In ascending order, by way of the live set (the touched
                // list is in the order entries were reached).
                for &d in &s.touched {
                    if filter(d) && s.acc(d) + remaining >= threshold {
                        s.live.set(d);
                    }
                }
                s.live.members_into(&mut cands);
                pruning = true;
            }
        } else if let Some(threshold) = kth_score(s, k, filter) {
            let (acc, live) = (&s.acc, &mut s.live);
            cands.retain(|d| {
                let keep = acc[*d as usize] + remaining >= threshold;
                if !keep {
                    live.unset(*d);
                }
                keep
            });
        }
    }
    s.rest = rest;
    s.candidates = cands;
}

/// Raises `max` to `a`. A branch, not `f32::max`: the branch is almost
/// never taken and predicts well, where `max` makes every posting wait for
/// the one before it (a dependency chain through the loop).
#[inline(always)]
fn raise(max: &mut f32, a: f32) {
    if a > *max {
        *max = a;
    }
}

/// The leading entries are scored in full (`seed`) once the units still
/// to come weigh at most this share of the query's total bound.
const SEED_AT: f32 = 0.9;
/// How many entries per wanted hit `seed` scores in full.
const SEED_POOL: usize = 2;

/// Scores in full the entries that lead after the units before `from`, by
/// galloping to them in the units still to come, and returns the k-th best of
/// those exact scores (slightly lowered against rounding): every entry the
/// final top k holds scores at least that much, so pruning may start long
/// before the partial scores alone would allow it.
fn seed(
    s: &mut Scratch,
    units: &[Unit<'_, '_>],
    from: usize,
    concepts: usize,
    k: usize,
    filter: &impl Fn(u32) -> bool,
) -> Option<f32> {
    let m = k.saturating_mul(SEED_POOL);
    if s.touched.len() < k {
        return None;
    }
    // (score, entry) pairs: the selection compares the scores themselves,
    // not entries whose scores it would look up at every step.
    let mut pool = std::mem::take(&mut s.pool);
    pool.clear();
    pool.extend(s.touched.iter().filter(|d| filter(**d)).map(|&d| (s.acc(d), d)));
    if pool.len() < k {
        s.pool = pool;
        return None;
    }
    if pool.len() > m {
        front_best(&mut pool, m, |p| p.0);
        pool.truncate(m);
    }
    let (mut docs, mut best, mut scores) = std::mem::take(&mut s.seeded);
    docs.clear();
    docs.extend(pool.iter().map(|p| p.1));
    s.pool = pool;
    docs.sort_unstable();
    // best[j * concepts + c]: the best value of concept c for docs[j] so far.
    best.clear();
    best.resize(docs.len() * concepts, 0.0);
    for (j, d) in docs.iter().enumerate() {
        for c in 0..concepts {
            best[j * concepts + c] = s.value[c * s.stride + *d as usize];
        }
    }
    for u in &units[from..] {
        match u.postings {
            [one] => {
                one.intersect(&docs, |j, impact, _| {
                    let cell = &mut best[j * concepts + u.concept];
                    *cell = cell.max(u.weight * impact);
                });
            }
            _ => {
                for (j, d) in docs.iter().enumerate() {
                    if let Some((value, _)) = u.value(*d) {
                        let cell = &mut best[j * concepts + u.concept];
                        *cell = cell.max(value);
                    }
                }
            }
        }
    }
    // The exact score: the partial one plus what each concept's best gains
    // over what the partial one holds (the value table holds only concepts
    // of several forms; a one-form concept read so far is in the partial
    // score and starts here at 0).
    scores.clear();
    scores.extend(docs.iter().zip(best.chunks(concepts)).map(|(d, row)| {
        let held = |c: usize| s.value[c * s.stride + *d as usize];
        s.acc(*d) + row.iter().enumerate().map(|(c, b)| b - held(c)).sum::<f32>()
    }));
    let kth = front_best(&mut scores, k, |x| *x);
    s.seeded = (docs, best, scores);
    Some(kth * (1.0 - 1e-4))
}

/// Up to this many best are kept in a heap while scanning (`front_best`);
/// more by a selection.
const SCAN_KEEP: usize = 32;

/// Moves the `m` highest-keyed items (1 ≤ `m` ≤ their number; ties in any
/// order) to the front and returns the least key among them. For a small
/// `m` one pass keeps the best so far in front as a min-heap, and an item
/// costs one comparison unless it beats the least of them (then `log m`
/// more): cheaper than a selection, which moves every item several times,
/// and never worse than `n log m`, whatever the order.
fn front_best<T>(items: &mut [T], m: usize, key: impl Fn(&T) -> f32) -> f32 {
    if m > SCAN_KEEP {
        items.select_nth_unstable_by(m - 1, |a, b| key(b).total_cmp(&key(a)));
        return key(&items[m - 1]);
    }
    for i in (0..m / 2).rev() {
        sift_down(&mut items[..m], i, &key);
    }
    for i in m..items.len() {
        if key(&items[i]) > key(&items[0]) {
            items.swap(0, i);
            sift_down(&mut items[..m], 0, &key);
        }
    }
    key(&items[0])
}

/// Restores the min-heap order of `heap` below position `i`.
fn sift_down<T>(heap: &mut [T], mut i: usize, key: &impl Fn(&T) -> f32) {
    loop {
        let left = 2 * i + 1;
        if left >= heap.len() {
            return;
        }
        let right = left + 1;
        let child = if right < heap.len() && key(&heap[right]) < key(&heap[left]) { right } else { left };
        if key(&heap[child]) >= key(&heap[i]) {
            return;
        }
        heap.swap(i, child);
        i = child;
    }
}

/// A form's postings are galloped through to the entries still in the
/// running when the list is more than this many times longer than they are;
/// else it is walked, checking each posting's entry in the live set.
const GALLOP_RATIO: usize = 8;

/// The rest must shrink below this share of its value at the last refresh
/// of the pruning threshold before the next one.
const REFRESH: f32 = 0.8;

/// The `k`-th best score so far among entries that pass `filter`, if there
/// are that many, or the bar if higher; raises the bar to it.
///
/// Scores only rise, so every k-th best score seen stays below the final
/// one, and only entries at or above the bar can still be the k-th. Once
/// the bar is above 0 those are all among the leaders (an entry's score
/// last rose to at least the bar of that moment, when it joined), so the
/// selection runs over the leaders, whom it first thins to those at or
/// above the bar: after the first few refreshes that is a few dozen
/// entries, not every one touched. Before, it runs over every entry touched.
fn kth_score(s: &mut Scratch, k: usize, filter: &impl Fn(u32) -> bool) -> Option<f32> {
    let mut scores = std::mem::take(&mut s.scores);
    scores.clear();
    let bar = s.bar;
    if bar > 0.0 {
        let (acc, leading) = (&s.acc, &mut s.leading);
        s.leaders.retain(|d| {
            let a = acc[*d as usize];
            let keep = a >= bar;
            if !keep {
                leading.unset(*d);
            } else if filter(*d) {
                scores.push(a);
            }
            keep
        });
    } else {
        scores.extend(s.touched.iter().filter(|d| filter(**d)).map(|d| s.acc(*d)));
    }
    let kth = (scores.len() >= k).then(|| front_best(&mut scores, k, |x| *x));
    s.scores = scores;
    if let Some(t) = kth {
        s.raise_bar(t);
    }
    (s.bar > 0.0).then_some(s.bar)
}

/// The best `k` scored entries that pass `filter`, best first. They are all
/// among the leaders once the bar is above 0 (see `kth_score`).
fn best(s: &Scratch, k: usize, filter: &impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
    let pool = if s.bar > 0.0 { &s.leaders } else { &s.touched };
    let mut ranked: Vec<(u32, f32)> = pool.iter().filter(|d| filter(**d)).map(|d| (*d, s.acc(*d))).collect();
    let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if k > 0 && ranked.len() > k {
        ranked.select_nth_unstable_by(k - 1, order);
        ranked.truncate(k);
    }
    ranked.sort_unstable_by(order);
    ranked
}

/// A form of a concept as `resolve` found it: its postings are
/// `Resolved::lists[lists]`.
struct Form {
    concept: usize,
    lists: std::ops::Range<usize>,
    weight: f32,
    single: bool,
}

/// What `resolve` found of a plan in the index.
struct Resolved<'i> {
    /// What scoring needs to know of each concept found.
    concepts: Vec<ConceptInfo>,
    /// The postings of every form, form after form.
    lists: Vec<&'i TermPostings>,
    forms: Vec<Form>,
    stats: QueryStats,
    /// The IDF weight of each word concept's coverage bit.
    idf_weights: Vec<(u64, f32)>,
}

/// Looks up every form of the plan in the index. Returns what scoring needs
/// of each concept, one form per alternative found, the query statistics,
/// and the IDF weight of each word concept's coverage bit.
fn resolve<'i>(index: &'i ImpactIndex, plan: &QueryPlan) -> Resolved<'i> {
    let mut stats = QueryStats::default();
    let mut concepts = Vec::new();
    let mut lists: Vec<&'i TermPostings> = Vec::new();
    let mut forms: Vec<Form> = Vec::new();
    let mut idf_weights = Vec::new();
    let (mut unseen_weight, mut word_weight) = (0.0f32, 0.0f32);
    for c in &plan.concepts {
        let bigram = c.kind == ConceptKind::Bigram;
        // Spelling shared by a large share of all entries (した, たい, よう)
        // is no evidence; skipping it changed no dev ranking and saves most
        // of the postings a query reads.
        let lookup =
            |t: &str| if bigram { index.bigram(t).filter(|p| p.idf >= BIGRAM_MIN_IDF) } else { index.word(t) };
        // This concept's forms start here (concept ordinal filled in below).
        let first = forms.len();
        for a in &c.alternatives {
            let start = lists.len();
            for t in &a.terms {
                match lookup(t) {
                    Some(p) => lists.push(p),
                    None => break,
                }
            }
            if lists.len() - start != a.terms.len() || a.terms.is_empty() {
                lists.truncate(start);
                continue;
            }
            // A reading in exactly the entries of its word (暗証 /
            // あんしよう) can never beat the word: reading it again would
            // only cost time.
            let shadowed = match &lists[start..] {
                [p] => forms[first..].iter().any(|f| {
                    matches!(&lists[f.lists.clone()], [q] if f.weight >= a.weight && q.same_entries(p))
                }),
                _ => false,
            };
            if shadowed {
                lists.truncate(start);
                continue;
            }
            forms.push(Form { concept: 0, lists: start..lists.len(), weight: a.weight, single: false });
        }
        let found = &mut forms[first..];
        // The concept's own strength: the best its forms can give.
        let upper = found
            .iter()
            .map(|f| {
                let p = &lists[f.lists.clone()];
                f.weight * p.iter().map(|p| p.idf).sum::<f32>() / p.len() as f32
            })
            .fold(0.0f32, f32::max);
        let mut bit = 0;
        match c.kind {
            ConceptKind::Bigram => stats.bigrams += 1,
            ConceptKind::Phrase => {}
            ConceptKind::Word => {
                // An unknown word weighs as much as the rarest word could: a
                // question about 火星の天気 is not covered by 天気 alone.
                let w = c.weight * if found.is_empty() { index.unseen_idf() } else { upper.max(1e-3) };
                word_weight += w;
                if found.is_empty() {
                    unseen_weight += w;
                }
                bit = 1u64 << stats.words.min(MASK_BITS - 1);
                stats.words += 1;
                idf_weights.push((bit, w));
            }
        }
        if !found.is_empty() {
            stats.max_score += c.weight * upper;
            let ci = concepts.len();
            concepts.push(ConceptInfo { kind: c.kind, bit });
            let single = found.len() == 1;
            for f in found {
                f.concept = ci;
                f.weight *= c.weight;
                f.single = single;
            }
        }
    }
    stats.unseen = if word_weight > 0.0 { unseen_weight / word_weight } else { 0.0 };
    Resolved { concepts, lists, forms, stats, idf_weights }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A query that stops half way (here a filter that panics; the server
    /// runs turns on threads that outlive a panic) leaves marks whose lists
    /// are lost; the next query must not inherit them. After each stop and
    /// one more query (a single word: it never prunes, so it would not
    /// clear stray marks itself), the thread's buffers are clean again.
    #[test]
    fn a_query_stopped_half_way_leaves_nothing_behind() {
        use std::cell::Cell;
        use std::panic::{AssertUnwindSafe, catch_unwind};
        let base = crate::knowledge::load_corpus(concat!(env!("CARGO_MANIFEST_DIR"), "/faq-corpus").as_ref()).unwrap();
        let r = crate::retrieve::Retriever::builder().build(crate::eval::synthetic_corpus(&base, 2000)).unwrap();
        let stopped = r.plan(&r.analyzer().analyze("クレジットカードの暗証番号を変更したい"));
        // The first form of the first concept of 「ポイント」 alone.
        let mut one_word = r.plan(&r.analyzer().analyze("ポイント"));
        one_word.concepts.truncate(1);
        one_word.concepts[0].alternatives.truncate(1);
        let (want, _) = score(r.impacts(), &one_word, 10, |_| true);
        assert!(!want.is_empty());
        let calls = Cell::new(0usize);
        score(r.impacts(), &stopped, 10, |_| {
            calls.set(calls.get() + 1);
            true
        });
        let n = calls.get();
        assert!(n > 100, "the filter is called {n} times");
        for stop_at in (1..n).step_by(n / 16) {
            calls.set(0);
            let stop = catch_unwind(AssertUnwindSafe(|| {
                score(r.impacts(), &stopped, 10, |_| {
                    calls.set(calls.get() + 1);
                    assert!(calls.get() < stop_at, "stopped on purpose");
                    true
                })
            }));
            assert!(stop.is_err());
            assert_eq!(score(r.impacts(), &one_word, 10, |_| true).0, want, "stop at call {stop_at}");
            SCRATCH.with(|cell| {
                let mut s = cell.borrow_mut();
                s.reset_entries();
                let clean = s.acc.iter().all(|a| *a == 0.0)
                    && s.live.0.iter().chain(&s.leading.0).all(|w| *w == 0)
                    && s.value.iter().all(|v| *v == 0.0);
                assert!(clean, "buffers left dirty by a stop at call {stop_at}");
            });
        }
    }

    proptest! {
        /// The scan finds the same k-th best as a full sort, and moves the
        /// best `m` to the front, for small and large `m` alike, and for
        /// scores in any order (ascending is the heap's worst case).
        #[test]
        fn front_best_keeps_the_best(mut scores in prop::collection::vec(0u16..50, 1..200), m in 1usize..60, order in 0u8..3) {
            match order {
                0 => scores.sort_unstable(),
                1 => scores.sort_unstable_by(|a, b| b.cmp(a)),
                _ => {}
            }
            let m = m.min(scores.len());
            let mut sorted = scores.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            let mut items: Vec<f32> = scores.iter().map(|&x| f32::from(x)).collect();
            let least = front_best(&mut items, m, |x| *x);
            prop_assert_eq!(least, f32::from(sorted[m - 1]));
            let mut front: Vec<u16> = items[..m].iter().map(|&x| x as u16).collect();
            front.sort_unstable_by(|a, b| b.cmp(a));
            prop_assert_eq!(&front[..], &sorted[..m]);
        }

        /// The bit set holds what was set and not unset, and lists it in
        /// ascending order.
        #[test]
        fn bits_list_in_order(docs in prop::collection::vec(0u32..700, 0..100), gone in prop::collection::vec(0u32..700, 0..30)) {
            let mut bits = Bits::default();
            bits.fit(700);
            for &d in &docs { bits.set(d); }
            for &d in &gone { bits.unset(d); }
            let mut want: Vec<u32> = docs.iter().copied().filter(|d| !gone.contains(d)).collect();
            want.sort_unstable();
            want.dedup();
            for d in 0..700 { prop_assert_eq!(bits.has(d), want.contains(&d)); }
            let mut out = Vec::new();
            bits.members_into(&mut out);
            prop_assert_eq!(out, want);
        }
    }
}
