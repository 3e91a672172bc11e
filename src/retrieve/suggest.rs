//! Type-ahead: the top entries for a question still being typed.
//!
//! A partial question is complete words followed by one word that may still
//! be growing (「カードのさいはっ」, 「ふんし」 with the IME still open). The
//! complete words are planned like any query; the last word becomes one
//! concept whose alternatives are the question-side terms it is a prefix of.
//!
//! The prefix lookup runs on a [`Vocabulary`] built with the index: every
//! question-side word key and reading, and the reading of every compound
//! (再発行 → さいはつこう, which no single term spells), sorted, so a prefix
//! is two binary searches. The expansion is capped at [`MAX_EXPANSIONS`]
//! terms (the most frequent on the question side), so a one-character
//! prefix costs no more than a long one.
//!
//! Where does the growing word start? Lindera cuts half-typed kana
//! unpredictably (ふんし → ふんし as a verb, あんしょうば → あんしょう + ば),
//! so each of the last few token boundaries is tried, longest tail first, and
//! the longest tail that starts some vocabulary term wins (a single kana
//! is taken for a particle, not a word begun). When none does, the whole
//! text is taken as complete words.

use std::collections::{HashMap, HashSet};

use super::postings::{ImpactIndex, QUESTION_SIDE};
use super::query::{Alternative, Concept, ConceptKind, QueryPlan, Source};
use super::{Retriever, index::EntryAnalysis, scorer};
use crate::fnv::BuildFnv;
use crate::normalize::kana::is_kana;
use crate::normalize::{fold, is_symbol};
use crate::tokenize::{Analysis, Analyzer, TermKind};

/// Partial questions with fewer letters or digits than this get no
/// suggestions (one kana says nothing yet).
pub const MIN_SUGGEST_CHARS: usize = 2;

/// Most question-side terms one growing word stands for: the most frequent
/// of those it is a prefix of.
pub const MAX_EXPANSIONS: usize = 20;

/// Token boundaries tried as the start of the growing word, counted from
/// the end.
pub const MAX_TAIL_TOKENS: usize = 4;

/// Longest growing word looked up, in characters.
pub const MAX_TAIL_CHARS: usize = 16;

/// Fewest kana a growing word needs: one kana after complete words is
/// usually a particle (カードの, カードを), and the twenty most frequent
/// words starting with it would only bury the complete words. One kanji
/// (再) is a growing word.
pub const MIN_TAIL_KANA: usize = 2;

/// Weight of a term the growing word is a strict prefix of, against 1 for a
/// term it already spells in full: 「カード」 prefers カード to カードローン.
pub const COMPLETION_WEIGHT: f32 = 0.8;

/// An entry that matches no word of the text is suggested only when it
/// has at least this share of the text's reading bigrams (a typo still
/// finds its entry; two letters in common do not).
pub const SPELLING_ONLY_SHARE: f32 = 0.2;

/// Most suggestions returned, whatever is asked.
pub const MAX_SUGGESTIONS: usize = 50;

/// One suggested entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Suggestion {
    /// Entry id.
    pub id: String,
    /// The entry's question (send it as a message to get the answer).
    pub question: String,
    /// BM25F score of the partial question (comparable only within one call).
    pub score: f32,
}

/// Options of [`Retriever::suggest_with`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SuggestOptions {
    /// How many suggestions at most (default 5, capped at [`MAX_SUGGESTIONS`]).
    pub limit: usize,
    /// Only entries of this category.
    pub category: Option<String>,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        Self { limit: 5, category: None }
    }
}

/// One vocabulary key: a folded word, reading or compound reading, and the
/// index term it stands for.
#[derive(Debug, Clone)]
struct Key {
    key: Box<str>,
    /// Position of the index term in [`Vocabulary::terms`].
    term: u32,
    /// Entries that have the term on their question side.
    df: u32,
}

/// The sorted question-side vocabulary for prefix lookups (see the module
/// docs).
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    keys: Vec<Key>,
    /// The index terms the keys stand for (a compound reading stands for
    /// the compound's key).
    terms: Vec<Box<str>>,
}

impl Vocabulary {
    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Approximate heap size in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.keys.iter().map(|k| k.key.len() + std::mem::size_of::<Key>()).sum::<usize>()
            + self.terms.iter().map(|t| t.len() + 16).sum::<usize>()
    }

    /// The keys starting with `prefix` (already folded): contiguous in the
    /// sorted list, found by two binary searches.
    fn range(&self, prefix: &str) -> &[Key] {
        let start = self.keys.partition_point(|k| &*k.key < prefix);
        let len = self.keys[start..].partition_point(|k| k.key.starts_with(prefix));
        &self.keys[start..start + len]
    }

    /// True when some key starts with `prefix`.
    pub fn has_prefix(&self, prefix: &str) -> bool {
        !prefix.is_empty() && !self.range(prefix).is_empty()
    }

    /// The index terms `prefix` (folded) stands for, as `(term, spelled in
    /// full)`: at most `cap`, the most frequent on the question side first
    /// (then the shorter key), one per term.
    pub fn expand(&self, prefix: &str, cap: usize) -> Vec<(&str, bool)> {
        if prefix.is_empty() || cap == 0 {
            return Vec::new();
        }
        let mut found: Vec<&Key> = self.range(prefix).iter().collect();
        let order = |a: &&Key, b: &&Key| {
            let exact = |k: &Key| &*k.key == prefix;
            exact(b).cmp(&exact(a)).then(b.df.cmp(&a.df)).then(a.key.len().cmp(&b.key.len())).then(a.key.cmp(&b.key))
        };
        found.sort_unstable_by(order);
        let mut seen = HashSet::new();
        found
            .into_iter()
            .filter(|k| seen.insert(k.term))
            .take(cap)
            .map(|k| (&*self.terms[k.term as usize], &*k.key == prefix))
            .collect()
    }
}

/// Collects question-side words while the index is built (entries arrive
/// chunk by chunk, and their analyses are freed once counted).
#[derive(Debug, Default)]
pub(crate) struct VocabularyBuilder {
    /// (FNV: short keys, hashed once per term of every question side.)
    words: HashSet<String, BuildFnv>,
    /// Compound key → its surface, whose reading is computed once at the end.
    compounds: HashMap<String, String, BuildFnv>,
}

impl VocabularyBuilder {
    /// Records the question side of one entry.
    pub(crate) fn add(&mut self, entry: &EntryAnalysis) {
        for analysis in entry.question_side() {
            for t in &analysis.terms {
                if t.kind == TermKind::Compound && !self.compounds.contains_key(&t.key) {
                    self.compounds.insert(t.key.clone(), t.surface.clone());
                }
                for k in std::iter::once(&t.key).chain(&t.reading) {
                    if !self.words.contains(k) {
                        self.words.insert(k.clone());
                    }
                }
            }
        }
    }

    /// Sorts the keys and ties them to the index's terms (words the index
    /// dropped are left out).
    pub(crate) fn finish(self, impacts: &ImpactIndex, analyzer: &Analyzer) -> Vocabulary {
        // Key → the index term it stands for.
        let mut keys: HashMap<String, String, BuildFnv> =
            HashMap::with_capacity_and_hasher(self.words.len() + self.compounds.len(), BuildFnv::default());
        for w in self.words {
            if impacts.word(&w).is_some() {
                keys.insert(w.clone(), w);
            }
        }
        let compounds: Vec<(String, String)> =
            self.compounds.into_iter().filter(|(key, _)| impacts.word(key).is_some()).collect();
        // The reading of the whole compound, prefixes (再 → さい) included.
        // The build's other threads are done by now: analyze on all cores.
        let readings = super::index::parallel_map(&compounds, |(_, surface)| {
            analyzer.analyze(surface).reading_text.chars().filter(|c| !is_symbol(*c)).collect::<String>()
        });
        for ((key, _), reading) in compounds.into_iter().zip(readings) {
            if !reading.is_empty() {
                keys.entry(reading).or_insert_with(|| key.clone());
            }
            keys.entry(key.clone()).or_insert(key);
        }
        let mut terms: Vec<Box<str>> = Vec::new();
        // Term → (position in `terms`, question-side entries).
        // (FNV, as above: the same order of `terms` from run to run.)
        let mut seen: HashMap<String, (u32, u32), BuildFnv> = HashMap::default();
        let mut keys: Vec<Key> = keys
            .into_iter()
            .map(|(key, term)| {
                let (term, df) = *seen.entry(term).or_insert_with_key(|t| {
                    let df = impacts.word(t).map_or(0, |p| p.iter().filter(|(_, _, f)| f & QUESTION_SIDE != 0).count());
                    terms.push(t.as_str().into());
                    ((terms.len() - 1) as u32, df as u32)
                });
                Key { key: key.into(), term, df }
            })
            .collect();
        keys.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        Vocabulary { keys, terms }
    }
}

/// How a partial question splits: the complete part (byte length in the
/// normalized text) and the growing word's expansion.
struct Split {
    complete: usize,
    tail: String,
    expansion: Vec<(String, bool)>,
}

impl Retriever {
    /// The top `limit` entries for a question still being typed (see the
    /// module docs), best first. Input with fewer than [`MIN_SUGGEST_CHARS`]
    /// letters gives nothing; so does input nothing matches.
    ///
    /// ```
    /// use madoguchi::knowledge::{FaqEntry, KnowledgeBase};
    /// use madoguchi::retrieve::Retriever;
    /// let kb = KnowledgeBase::new(vec![
    ///     FaqEntry::new("lost", "カードを紛失しました", "紛失の届け出はこちら。"),
    ///     FaqEntry::new("fee", "年会費はいくらですか", "無料です。"),
    /// ])?;
    /// let retriever = Retriever::builder().build(kb)?;
    /// // 「ふんしつ」 half typed, the IME still open.
    /// assert_eq!(retriever.suggest("ふんし", 5)[0].id, "lost");
    /// assert!(retriever.suggest("", 5).is_empty());
    /// # Ok::<(), madoguchi::Error>(())
    /// ```
    pub fn suggest(&self, partial: &str, limit: usize) -> Vec<Suggestion> {
        self.suggest_with(partial, &SuggestOptions { limit, category: None })
    }

    /// [`Retriever::suggest`] with a category filter.
    pub fn suggest_with(&self, partial: &str, opts: &SuggestOptions) -> Vec<Suggestion> {
        let limit = opts.limit.min(MAX_SUGGESTIONS);
        let analysis = self.analyzer.analyze(partial);
        let letters = analysis.normalized.chars().filter(|c| c.is_alphanumeric()).count();
        if limit == 0 || letters < MIN_SUGGEST_CHARS {
            return Vec::new();
        }
        let still_typing = partial.chars().last().is_some_and(|c| !c.is_whitespace() && !is_symbol(c));
        let split = if still_typing { self.split(&analysis) } else { None };
        let plan = match &split {
            None => self.plan(&analysis),
            Some(s) => {
                let head = if s.complete == 0 { QueryPlan::default() } else { self.plan(&self.head(&analysis, s)) };
                let mut plan = plan_with_tail(head, s);
                keep_last_word(&mut plan, &analysis, &s.tail);
                plan
            }
        };
        let category = opts.category.as_ref().map(|c| self.category_ids.get(c).copied().unwrap_or(u32::MAX));
        // An entry that shares no word and little spelling (reading
        // bigrams) with the text is no suggestion: 「saixyzqq」 would offer
        // VISA and AI for their "sa" and "ai". When the top `limit` hold
        // such an entry, a few more are scored, so that it does not push
        // the others out of the list (the top `limit` of the larger pass are
        // those of the smaller: one pass on every ordinary keystroke).
        let words = plan.words() > 0;
        let kept = |s: &scorer::Scored| {
            !words || s.features.coverage > 0.0 || s.features.bigram_coverage >= SPELLING_ONLY_SHARE
        };
        let in_category = |doc: u32| category.is_none_or(|c| self.categories.get(doc as usize) == Some(&c));
        let (mut scored, _) = scorer::score(&self.impacts, &plan, limit, in_category);
        if !scored.iter().all(kept) {
            scored = scorer::score(&self.impacts, &plan, limit * 3, in_category).0;
        }
        scored
            .into_iter()
            .filter(kept)
            .take(limit)
            .filter_map(|s| {
                let e = self.kb.entries().get(s.doc as usize)?;
                Some(Suggestion { id: e.id.clone(), question: e.question.clone(), score: s.score })
            })
            .collect()
    }

    /// The question-side vocabulary used for prefixes.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The analysis of the complete words before the growing one. Cut from
    /// the whole text's analysis when its reading ends with the growing
    /// word's spelling (kana being typed: saves a second Lindera pass);
    /// otherwise the complete part is analyzed on its own.
    fn head(&self, analysis: &Analysis, split: &Split) -> Analysis {
        let text = &analysis.normalized[..split.complete];
        match analysis.reading_text.strip_suffix(split.tail.as_str()) {
            Some(reading) => Analysis {
                normalized: text.to_string(),
                terms: analysis.terms.iter().filter(|t| t.span.1 <= split.complete).cloned().collect(),
                reading_text: reading.trim_end().to_string(),
                boundaries: analysis.boundaries.iter().copied().filter(|b| *b <= split.complete).collect(),
            },
            None => self.analyzer.analyze(text),
        }
    }

    /// Finds the growing word: the longest tail, starting at one of the last
    /// [`MAX_TAIL_TOKENS`] token boundaries, that starts a vocabulary key.
    fn split(&self, analysis: &Analysis) -> Option<Split> {
        let text = &analysis.normalized;
        let starts = analysis.boundaries.iter().rev().filter(|b| **b < text.len()).take(MAX_TAIL_TOKENS);
        // Boundaries ascend, so reversed they go shortest tail first: try
        // them longest first.
        let mut starts: Vec<usize> = starts.copied().collect();
        starts.reverse();
        for start in starts {
            let Some(tail) = text.get(start..) else { continue };
            if tail.chars().count() > MAX_TAIL_CHARS || tail.chars().any(|c| c.is_whitespace() || is_symbol(c)) {
                continue;
            }
            let tail = fold(tail);
            if tail.chars().all(is_kana) && tail.chars().count() < MIN_TAIL_KANA {
                continue;
            }
            if self.vocabulary.has_prefix(&tail) {
                let expansion =
                    self.vocabulary.expand(&tail, MAX_EXPANSIONS).into_iter().map(|(t, e)| (t.to_string(), e)).collect();
                return Some(Split { complete: start, tail, expansion });
            }
        }
        None
    }
}

/// The last token may already be a whole word in a form the prefix does
/// not spell (落とし → 落とす): its own forms join the growing word's
/// alternatives at full weight.
fn keep_last_word(plan: &mut QueryPlan, analysis: &Analysis, tail: &str) {
    let end = analysis.normalized.len();
    if let Some(t) = analysis.terms.iter().rev().find(|t| t.kind == TermKind::Word && t.span.1 == end)
        && let Some(c) = plan.concepts.iter_mut().find(|c| c.key == tail)
    {
        for k in std::iter::once(&t.key).chain(&t.reading) {
            if !c.alternatives.iter().any(|a| a.terms.len() == 1 && a.terms[0] == *k) {
                c.alternatives.push(Alternative { terms: vec![k.clone()], weight: 1.0, source: Source::Word });
            }
        }
    }
}

/// Adds the growing word to the plan of the complete words, as one word
/// concept whose alternatives are its expansion.
fn plan_with_tail(mut plan: QueryPlan, split: &Split) -> QueryPlan {
    let alternatives: Vec<Alternative> = split
        .expansion
        .iter()
        .map(|(term, exact)| Alternative {
            terms: vec![term.clone()],
            weight: if *exact { 1.0 } else { COMPLETION_WEIGHT },
            source: Source::Word,
        })
        .collect();
    if alternatives.is_empty() {
        return plan;
    }
    // Word concepts come before bigram concepts in a plan.
    let at = plan.concepts.iter().position(|c| c.kind == ConceptKind::Bigram).unwrap_or(plan.concepts.len());
    plan.concepts.insert(at, Concept { key: split.tail.clone(), weight: 1.0, alternatives, kind: ConceptKind::Word });
    plan
}
