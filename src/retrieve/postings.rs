//! Postings with precomputed BM25F impacts.
//!
//! A customer's query is a handful of words, so instead of a generic boolean
//! query with one clause per word × field, the per-field frequencies of
//! every term are gathered once — counted straight from the analyses
//! ([`RawIndexBuilder`], a build in RAM) or read back through Tantivy's
//! low-level postings API ([`RawIndex::read`], an index on disk), with the
//! same result — and the four word fields are folded into one BM25F impact
//! per (term, entry):
//!
//! ```text
//! tf̃(t, d) = Σ_f  w_f · tf_f(t, d) / (1 − b_f + b_f · len_f(d) / avglen_f)
//! impact    = idf(t) · tf̃ / (k1 + tf̃)
//! ```
//!
//! A query then costs one pass over the postings of its own terms. Reading
//! bigrams get a plain BM25 impact over the question side.
//!
//! [`RawIndex`] keeps the per-field frequencies, so that a tuner can try many
//! parameter settings without counting again ([`RawIndex::impacts`]).

use std::collections::HashMap;

use crate::fnv::BuildFnv;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocSet, Searcher, TERMINATED};

use super::index::{EntryAnalysis, Fields};
use super::params::RankingParams;
use crate::error::Result;
use crate::tokenize::{Analysis, for_each_bigram_key, for_each_morph_key};

/// Bit of each word field in `TermPostings::fields`: question,
/// alternatives, keywords, answer.
pub const FIELD_BITS: [u8; 4] = [1, 2, 4, 8];
/// The question side: question, alternatives and keywords.
pub const QUESTION_SIDE: u8 = 1 | 2 | 4;

/// Number of word fields.
const WORD_FIELDS: usize = 4;

/// One term's postings: entries in ascending order with their impacts.
#[derive(Debug, Clone, Default)]
pub struct TermPostings {
    /// The term's number in this index.
    pub id: u32,
    /// Inverse document frequency of the term.
    pub idf: f32,
    /// The highest impact in the list (an upper bound for pruning).
    pub max_impact: f32,
    docs: Box<[u32]>,
    /// Impacts in 16 bits, as multiples of `quantum`: within half a quantum
    /// (1/131,070 of the list's highest impact) of the computed value, and
    /// two bytes a posting instead of four (about 4 MiB on a 10k corpus).
    impacts: Box<[u16]>,
    quantum: f32,
    fields: Box<[u8]>,
}

impl TermPostings {
    /// A list from its entries (ascending), their computed impacts (not
    /// negative) and field bits.
    fn new(id: u32, idf: f32, docs: Box<[u32]>, impacts: &[f32], fields: Box<[u8]>) -> Self {
        let max = impacts.iter().copied().fold(0.0, f32::max);
        // Parameters outside their validated ranges could make an infinite
        // impact; such a list keeps no impact rather than infinite ones.
        let quantum = if max.is_finite() { max / f32::from(u16::MAX) } else { 0.0 };
        let impacts = impacts
            .iter()
            .map(|&i| match quantum > 0.0 && i > 0.0 {
                // At least one quantum: an entry holding the term still
                // matches on it, however small its impact.
                true => (i / quantum).round().clamp(1.0, f32::from(u16::MAX)) as u16,
                false => 0,
            })
            .collect();
        // The bound as the stored impacts give it back, so no impact read
        // exceeds it.
        let max_impact = f32::from(u16::MAX) * quantum;
        TermPostings { id, idf, max_impact, docs, impacts, quantum, fields }
    }

    fn impact(&self, i: usize) -> f32 {
        f32::from(self.impacts[i]) * self.quantum
    }

    /// Number of entries containing the term.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when no entry contains the term.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// `(entry ordinal, impact, field bits)` in ascending entry order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, f32, u8)> + '_ {
        let q = self.quantum;
        self.docs.iter().zip(self.impacts.iter()).zip(self.fields.iter()).map(move |((d, i), f)| (*d, f32::from(*i) * q, *f))
    }

    /// The impact and field bits for entry `doc`, if it contains the term.
    pub fn get(&self, doc: u32) -> Option<(f32, u8)> {
        self.docs.binary_search(&doc).ok().map(|i| (self.impact(i), self.fields[i]))
    }

    /// True when both lists hold the same entries with the same impacts (a
    /// kanji word and its reading, when no other word shares the reading).
    pub fn same_entries(&self, other: &TermPostings) -> bool {
        self.docs == other.docs && self.impacts == other.impacts && self.quantum == other.quantum
    }

    /// Calls `f(j, impact, field bits)` for each `docs[j]` (ascending)
    /// that the list contains: a galloping merge, cheap when `docs` is
    /// short and the list long. A plain loop, not an iterator: the
    /// iterator's closure was not inlined into its callers' loops.
    #[inline]
    pub fn intersect(&self, docs: &[u32], mut f: impl FnMut(usize, f32, u8)) {
        let list = &self.docs[..];
        let n = list.len();
        let mut lo = 0usize;
        for (j, &d) in docs.iter().enumerate() {
            // Gallop to a window [lo, hi) whose end holds a posting ≥ d.
            let mut step = 1;
            let mut hi = lo;
            while hi < n && list[hi] < d {
                lo = hi + 1;
                hi += step;
                step *= 2;
            }
            let hi = hi.min(n);
            lo += list[lo..hi].partition_point(|&x| x < d);
            if lo >= n {
                return;
            }
            if list[lo] == d {
                f(j, self.impact(lo), self.fields[lo]);
                lo += 1;
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        self.docs.len() * (4 + 2 + 1)
    }
}

/// Impacts for every term of the index: what a query reads.
#[derive(Debug, Clone, Default)]
pub struct ImpactIndex {
    /// Word postings by term id.
    word_postings: Vec<TermPostings>,
    /// FNV, not SipHash: every query looks up a few dozen short keys, and
    /// the keys come from the operator's own corpus.
    words: HashMap<Box<str>, u32, BuildFnv>,
    bigrams: HashMap<Box<str>, TermPostings, BuildFnv>,
    /// Per entry: the word terms of its representative question, as
    /// `(term id, idf)`, for the "how much of the question did the customer
    /// say" feature.
    questions: Vec<Box<[(u32, f32)]>>,
    docs: usize,
    max_idf: f32,
}

impl ImpactIndex {
    /// Postings of a word key (base form or reading), if any entry has it.
    pub fn word(&self, key: &str) -> Option<&TermPostings> {
        self.words.get(key).map(|id| &self.word_postings[*id as usize])
    }

    /// Postings of a word by term id ([`TermPostings::id`]).
    pub fn word_by_id(&self, id: u32) -> Option<&TermPostings> {
        self.word_postings.get(id as usize)
    }

    /// Postings of a reading bigram.
    pub fn bigram(&self, bigram: &str) -> Option<&TermPostings> {
        self.bigrams.get(bigram)
    }

    /// Number of entries.
    pub fn docs(&self) -> usize {
        self.docs
    }

    /// The word terms of entry `doc`'s representative question, as
    /// `(term id, idf)`.
    pub fn question_terms(&self, doc: u32) -> &[(u32, f32)] {
        self.questions.get(doc as usize).map(|q| &**q).unwrap_or(&[])
    }

    /// The IDF a term would have if no entry contained it (the highest).
    pub fn unseen_idf(&self) -> f32 {
        self.max_idf
    }

    /// Number of distinct word keys and bigrams.
    pub fn vocabulary(&self) -> (usize, usize) {
        (self.words.len(), self.bigrams.len())
    }

    /// Approximate heap size in bytes (postings and keys).
    pub fn heap_bytes(&self) -> usize {
        let map = |m: &HashMap<Box<str>, TermPostings, BuildFnv>| -> usize {
            m.iter().map(|(k, p)| k.len() + p.heap_bytes() + 48).sum()
        };
        let words: usize = self.words.keys().map(|k| k.len() + 24).sum::<usize>()
            + self.word_postings.iter().map(|p| p.heap_bytes() + 48).sum::<usize>();
        words + map(&self.bigrams) + self.questions.iter().map(|q| q.len() * 8 + 16).sum::<usize>()
    }
}

/// BM25's IDF, always positive.
pub fn idf(docs: usize, df: usize) -> f32 {
    let (n, df) = (docs as f32, df as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RawPosting {
    doc: u32,
    tf: [u16; WORD_FIELDS],
}

/// Per-field term frequencies and field lengths: what Tantivy stores of
/// the word and bigram fields, read back from an index
/// ([`RawIndex::read`]) or counted straight from the analyses
/// ([`RawIndexBuilder`]; the same keys, the same quantized lengths).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawIndex {
    docs: usize,
    /// Terms with their postings, in term order (no lookup by term is
    /// needed: only folding them all into impacts).
    words: Vec<(Box<str>, Vec<RawPosting>)>,
    lengths: Vec<[u32; WORD_FIELDS]>,
    bigrams: Vec<(Box<str>, Vec<(u32, u16)>)>,
    bigram_lengths: Vec<u32>,
}

impl RawIndex {
    /// Reads every term of the word fields and the bigram field. Entries are
    /// identified by their knowledge-base ordinal (the `ordinal` fast field),
    /// so the result does not depend on Tantivy's segment layout.
    pub fn read(searcher: &Searcher, fields: &Fields, docs: usize) -> Result<Self> {
        let word_fields = [fields.question, fields.alternatives, fields.keywords, fields.answer];
        let mut raw = RawIndex {
            docs,
            lengths: vec![[0; WORD_FIELDS]; docs],
            bigram_lengths: vec![0; docs],
            ..Default::default()
        };
        let (mut words, mut bigrams) = (Lists::default(), Lists::default());
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("ordinal")?;
            let ordinal = |doc: u32| -> Option<u32> {
                column.first(doc).map(|o| o as u32).filter(|o| (*o as usize) < docs)
            };
            for (f, field) in word_fields.iter().enumerate() {
                let norms = segment.get_fieldnorms_reader(*field)?;
                for doc in 0..segment.max_doc() {
                    if let Some(o) = ordinal(doc) {
                        raw.lengths[o as usize][f] = norms.fieldnorm(doc);
                    }
                }
                for_each_posting(segment, *field, |term, doc, tf| {
                    if let Some(o) = ordinal(doc) {
                        let mut p = RawPosting { doc: o, tf: [0; WORD_FIELDS] };
                        p.tf[f] = tf.min(u16::MAX as u32) as u16;
                        words.of(term).push(p);
                    }
                })?;
            }
            let norms = segment.get_fieldnorms_reader(fields.bigram)?;
            for doc in 0..segment.max_doc() {
                if let Some(o) = ordinal(doc) {
                    raw.bigram_lengths[o as usize] = norms.fieldnorm(doc);
                }
            }
            for_each_posting(segment, fields.bigram, |term, doc, tf| {
                if let Some(o) = ordinal(doc) {
                    bigrams.of(term).push((o, tf.min(u16::MAX as u32) as u16));
                }
            })?;
        }
        raw.words = words.into_lists();
        raw.bigrams = bigrams.into_lists();
        raw.merge_fields();
        Ok(raw)
    }

    /// One posting per (term, entry), fields merged, in entry order; the
    /// terms in order (as Tantivy reads them).
    fn merge_fields(&mut self) {
        self.words.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.bigrams.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (_, postings) in &mut self.words {
            postings.sort_unstable_by_key(|p| p.doc);
            postings.dedup_by(|later, kept| {
                if later.doc != kept.doc {
                    return false;
                }
                for f in 0..WORD_FIELDS {
                    kept.tf[f] = kept.tf[f].saturating_add(later.tf[f]);
                }
                true
            });
        }
        for (_, postings) in &mut self.bigrams {
            postings.sort_unstable_by_key(|p| p.0);
        }
    }

    /// Number of entries.
    pub fn docs(&self) -> usize {
        self.docs
    }

    /// Folds the fields into BM25F impacts with `params`.
    pub fn impacts(&self, params: &RankingParams) -> ImpactIndex {
        let words = self.words.iter().map(|(k, v)| (k.clone(), v));
        self.fold(params, words, self.bigrams.iter().map(|(k, v)| (k.clone(), v)))
    }

    /// [`RawIndex::impacts`], freeing each term's frequencies as soon as its
    /// impacts are made (lowers the peak memory of a build).
    pub fn into_impacts(mut self, params: &RankingParams) -> ImpactIndex {
        let (words, bigrams) = (std::mem::take(&mut self.words), std::mem::take(&mut self.bigrams));
        self.fold(params, words.into_iter(), bigrams.into_iter())
    }

    fn fold<W, B>(
        &self,
        params: &RankingParams,
        word_terms: impl ExactSizeIterator<Item = (Box<str>, W)>,
        bigram_terms: impl ExactSizeIterator<Item = (Box<str>, B)>,
    ) -> ImpactIndex
    where
        W: AsRef<[RawPosting]>,
        B: AsRef<[(u32, u16)]>,
    {
        let fp = params.fields();
        let mut avg = [0f32; WORD_FIELDS];
        for (f, a) in avg.iter_mut().enumerate() {
            let (sum, n) = self.lengths.iter().filter(|l| l[f] > 0).fold((0u64, 0u64), |(s, n), l| (s + l[f] as u64, n + 1));
            *a = if n == 0 { 1.0 } else { sum as f32 / n as f32 };
        }
        // Length normalizer per entry and field, computed once.
        let norm: Vec<[f32; WORD_FIELDS]> = self
            .lengths
            .iter()
            .map(|l| {
                let mut out = [0f32; WORD_FIELDS];
                for f in 0..WORD_FIELDS {
                    out[f] = fp[f].weight / (1.0 - fp[f].b + fp[f].b * l[f] as f32 / avg[f]);
                }
                out
            })
            .collect();
        let k1 = params.k1.max(1e-3);
        let mut words = HashMap::with_capacity_and_hasher(word_terms.len(), BuildFnv::default());
        let mut word_postings = Vec::with_capacity(word_terms.len());
        let mut questions: Vec<Vec<(u32, f32)>> = vec![Vec::new(); self.docs];
        for (term, postings) in word_terms {
            let live: Vec<&RawPosting> =
                postings.as_ref().iter().filter(|p| (0..WORD_FIELDS).any(|f| p.tf[f] > 0 && fp[f].weight > 0.0)).collect();
            if live.is_empty() {
                continue;
            }
            let term_idf = idf(self.docs, live.len());
            let id = words.len() as u32;
            let mut docs = Vec::with_capacity(live.len());
            let mut impacts = Vec::with_capacity(live.len());
            let mut bits = Vec::with_capacity(live.len());
            for p in live {
                let n = &norm[p.doc as usize];
                let mut tf = 0.0;
                let mut mask = 0u8;
                for f in 0..WORD_FIELDS {
                    if p.tf[f] > 0 && fp[f].weight > 0.0 {
                        tf += p.tf[f] as f32 * n[f];
                        mask |= FIELD_BITS[f];
                    }
                }
                docs.push(p.doc);
                impacts.push(term_idf * tf / (k1 + tf));
                bits.push(mask);
                if p.tf[0] > 0 {
                    questions[p.doc as usize].push((id, term_idf));
                }
            }
            words.insert(term, id);
            word_postings.push(TermPostings::new(id, term_idf, docs.into(), &impacts, bits.into()));
        }
        let bavg = {
            let (sum, n) = self.bigram_lengths.iter().filter(|l| **l > 0).fold((0u64, 0u64), |(s, n), l| (s + *l as u64, n + 1));
            if n == 0 { 1.0 } else { sum as f32 / n as f32 }
        };
        let b = params.question.b;
        let mut bigrams = HashMap::with_capacity_and_hasher(bigram_terms.len(), BuildFnv::default());
        for (term, postings) in bigram_terms {
            let postings = postings.as_ref();
            let term_idf = idf(self.docs, postings.len());
            let impacts: Vec<f32> = postings
                .iter()
                .map(|(d, tf)| {
                    let tf = *tf as f32 / (1.0 - b + b * self.bigram_lengths[*d as usize] as f32 / bavg);
                    term_idf * tf / (k1 + tf)
                })
                .collect();
            let id = bigrams.len() as u32;
            bigrams.insert(
                term,
                TermPostings::new(
                    id,
                    term_idf,
                    postings.iter().map(|p| p.0).collect(),
                    &impacts,
                    vec![QUESTION_SIDE; postings.len()].into(),
                ),
            );
        }
        let questions = questions.into_iter().map(Vec::into_boxed_slice).collect();
        ImpactIndex { word_postings, words, bigrams, questions, docs: self.docs, max_idf: idf(self.docs, 0) }
    }
}

/// Counts a [`RawIndex`] straight from entry analyses, without a Tantivy
/// index in between: the keys [`IndexBuilder`](super::index::IndexBuilder)
/// would hand Tantivy, and field lengths quantized as Tantivy stores them,
/// so the impacts are the same as those read from an index
/// (`tests/retrieval.rs` checks this). An index in RAM would only be
/// written to be read back once; this saves its time and memory.
#[derive(Debug, Default)]
pub struct RawIndexBuilder {
    raw: RawIndex,
    /// Room for a key that had a separator removed (see `for_each_morph_key`).
    keys: String,
    words: Lists<RawPosting>,
    bigrams: Lists<(u32, u16)>,
}

/// Postings lists by term while counting: a term is looked up once per
/// occurrence (its number, then the list), not twice as through a map of
/// lists, which must be asked whether it has the term before it can lend
/// the list (the two lookups and their key comparisons were about a tenth
/// of a build's profile).
#[derive(Debug)]
struct Lists<P> {
    ids: HashMap<Box<str>, u32, BuildFnv>,
    lists: Vec<Vec<P>>,
}

impl<P> Default for Lists<P> {
    fn default() -> Self {
        Lists { ids: HashMap::default(), lists: Vec::new() }
    }
}

impl<P> Lists<P> {
    /// The term's list (the key is copied only for a new term).
    fn of(&mut self, term: &str) -> &mut Vec<P> {
        let id = match self.ids.get(term) {
            Some(&id) => id,
            None => {
                let id = self.lists.len() as u32;
                self.ids.insert(term.into(), id);
                self.lists.push(Vec::new());
                id
            }
        };
        &mut self.lists[id as usize]
    }

    /// The terms with their lists, in the order first seen. (Not a map
    /// again: two maps alive at once raised a 10k build's peak memory.)
    fn into_lists(self) -> Vec<(Box<str>, Vec<P>)> {
        let mut terms: Vec<Box<str>> = vec![Box::from(""); self.lists.len()];
        for (term, id) in self.ids {
            terms[id as usize] = term;
        }
        terms.into_iter().zip(self.lists).collect()
    }
}

impl RawIndexBuilder {
    /// A builder for `docs` entries.
    pub fn new(docs: usize) -> Self {
        let raw = RawIndex {
            docs,
            lengths: vec![[0; WORD_FIELDS]; docs],
            bigram_lengths: vec![0; docs],
            ..Default::default()
        };
        RawIndexBuilder { raw, ..Default::default() }
    }

    /// Adds entry number `ordinal` (below `docs`; others are ignored), each
    /// ordinal once, in any order: an entry's repeated keys are counted on
    /// its list's last posting, and [`RawIndexBuilder::finish`] sorts the
    /// lists (cheaply when, as in a build, entries come in order).
    pub fn add(&mut self, ordinal: usize, a: &EntryAnalysis) {
        if ordinal >= self.raw.docs {
            return;
        }
        let doc = ordinal as u32;
        let RawIndexBuilder { raw, keys, words, bigrams } = self;
        let fields: [&mut dyn Iterator<Item = &Analysis>; WORD_FIELDS] = [
            &mut std::iter::once(&a.question),
            &mut a.alternatives.iter(),
            &mut a.keywords.iter(),
            &mut std::iter::once(&a.answer),
        ];
        for (f, analyses) in fields.into_iter().enumerate() {
            let mut tokens = 0;
            for an in analyses {
                for_each_morph_key(an, keys, |term| {
                    if !kept(term) {
                        return;
                    }
                    tokens += 1;
                    let list = words.of(term);
                    match list.last_mut() {
                        Some(p) if p.doc == doc => p.tf[f] = p.tf[f].saturating_add(1),
                        _ => {
                            let mut p = RawPosting { doc, tf: [0; WORD_FIELDS] };
                            p.tf[f] = 1;
                            list.push(p);
                        }
                    }
                });
            }
            raw.lengths[ordinal][f] = quantized(tokens);
        }
        let mut tokens = 0;
        for an in a.question_side() {
            for_each_bigram_key(an, keys, |term| {
                if !kept(term) {
                    return;
                }
                tokens += 1;
                let list = bigrams.of(term);
                match list.last_mut() {
                    Some(p) if p.0 == doc => p.1 = p.1.saturating_add(1),
                    _ => list.push((doc, 1)),
                }
            });
        }
        raw.bigram_lengths[ordinal] = quantized(tokens);
    }

    /// The counted index.
    pub fn finish(mut self) -> RawIndex {
        self.raw.words = self.words.into_lists();
        self.raw.bigrams = self.bigrams.into_lists();
        self.raw.merge_fields();
        self.raw
    }
}

/// Whether Tantivy keeps a key (it drops overlong ones; the keys handed
/// over are never empty).
fn kept(key: &str) -> bool {
    key.len() <= tantivy::tokenizer::MAX_TOKEN_LEN
}

/// A field length as Tantivy's one-byte field norm gives it back.
fn quantized(tokens: usize) -> u32 {
    FieldNormReader::constant(1, tokens.min(u32::MAX as usize) as u32).fieldnorm(0)
}

/// Calls `f(term, doc, term_frequency)` for every posting of `field` in one
/// segment.
fn for_each_posting(
    segment: &tantivy::SegmentReader,
    field: Field,
    mut f: impl FnMut(&str, u32, u32),
) -> Result<()> {
    let inverted = segment.inverted_index(field)?;
    let mut stream = inverted.terms().stream().map_err(tantivy::TantivyError::from)?;
    while stream.advance() {
        let Ok(term) = std::str::from_utf8(stream.key()) else { continue };
        let term = term.to_string();
        let mut postings = inverted
            .read_postings_from_terminfo(stream.value(), IndexRecordOption::WithFreqs)
            .map_err(tantivy::TantivyError::from)?;
        let mut doc = postings.doc();
        while doc != TERMINATED {
            if segment.alive_bitset().is_none_or(|alive| alive.is_alive(doc)) {
                f(&term, doc, postings.term_freq());
            }
            doc = postings.advance();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The galloping merge finds exactly the wanted entries the list
        /// holds, with their impacts and fields, whatever the gaps.
        #[test]
        fn intersect_finds_what_a_lookup_finds(
            list in prop::collection::btree_set(0u32..2000, 0..400),
            wanted in prop::collection::btree_set(0u32..2000, 0..100),
        ) {
            let docs: Vec<u32> = list.into_iter().collect();
            let impacts: Vec<f32> = docs.iter().map(|d| 1.0 + (*d % 7) as f32).collect();
            let fields: Vec<u8> = docs.iter().map(|d| (*d % 16) as u8).collect();
            let p = TermPostings::new(0, 1.0, docs.into(), &impacts, fields.into());
            let wanted: Vec<u32> = wanted.into_iter().collect();
            let mut got = Vec::new();
            p.intersect(&wanted, |j, impact, fields| got.push((wanted[j], impact, fields)));
            let want: Vec<(u32, f32, u8)> =
                wanted.iter().filter_map(|&d| p.get(d).map(|(i, f)| (d, i, f))).collect();
            prop_assert_eq!(got, want);
        }
    }

    /// Stored impacts come back within half a quantum, never above the
    /// list's bound, and an entry with a tiny positive impact still has one.
    #[test]
    fn quantized_impacts_keep_order_bound_and_presence() {
        let computed = [0.0, 1e-9, 0.37, 2.5, 2.5 - 1e-6, 7.25];
        let list = TermPostings::new(0, 1.0, (0..computed.len() as u32).collect(), &computed, vec![1; computed.len()].into());
        let read: Vec<f32> = list.iter().map(|(_, i, _)| i).collect();
        let quantum = 7.25 / 65535.0;
        for (c, r) in computed.iter().zip(&read) {
            assert!(*r <= list.max_impact, "{r} above the bound {}", list.max_impact);
            assert_eq!(*c > 0.0, *r > 0.0, "presence of {c}");
            if *c >= quantum {
                assert!((c - r).abs() <= quantum / 2.0 + 1e-6, "{c} read back as {r}");
            }
        }
        assert_eq!(list.get(3).map(|(i, _)| i), Some(read[3]));
        let zeros = TermPostings::new(1, 1.0, vec![0, 1].into(), &[0.0, 0.0], vec![1, 1].into());
        assert!(zeros.iter().all(|(_, i, _)| i == 0.0) && zeros.max_impact == 0.0);
        let infinite = TermPostings::new(2, 1.0, vec![0].into(), &[f32::INFINITY], vec![1].into());
        assert!(infinite.iter().all(|(_, i, _)| i.is_finite()));
    }
}
