//! Query plan: the analyzed query as weighted *concepts*, each with
//! alternative forms.
//!
//! A concept is one thing the customer said (a content word, or one reading
//! bigram). Its alternatives are the forms that may stand for it in an
//! entry: the base form, its reading, spelling variants and synonyms, each
//! with its own weight. An entry earns a concept's weight times the best of
//! its alternatives (never the sum: a word and its reading are one piece of
//! evidence, not two), and concepts add up.
//!
//! ```text
//! 「ｶｰﾄﾞなくした」 → かーど {かーど 1.0, くれじっとかーど 0.7 …}
//!                   無くす  {無くす 1.0, なくす 0.9 (variant), 紛失 0.7 (domain) …}
//!                   + reading bigrams かー, ーど, どな, なく, くし, した (0.3 each)
//! ```

use super::params::RankingParams;
use crate::tokenize::{Analysis, Relation, SynonymDictionary, Synonyms, TermKind};

/// Where an alternative form comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The word as the customer wrote it (base form).
    Word,
    /// The word's reading.
    Reading,
    /// A spelling variant of the same word (Sudachi).
    Variant,
    /// A synonym (Sudachi).
    Synonym,
    /// A member of a hand-written domain synonym group.
    Domain,
    /// A reading bigram.
    Bigram,
}

/// One form that may stand for a concept: all of `terms` must occur (a
/// multi-word synonym such as 利用 + 履歴), scaled by `weight`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Alternative {
    /// Matching keys, all required.
    pub terms: Vec<String>,
    /// Weight in `[0, 1]` relative to the concept.
    pub weight: f32,
    /// Where it comes from.
    pub source: Source,
}

/// What a concept stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConceptKind {
    /// A content word: counts for coverage (how much of the query an entry
    /// addresses).
    Word,
    /// Adjacent nouns as one key (住民税): a bonus for entries that have
    /// the words together, not a separate thing the customer asked.
    Phrase,
    /// A reading bigram: spelling evidence.
    Bigram,
}

/// One thing the customer said.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Concept {
    /// The key it stands for (for display and debugging).
    pub key: String,
    /// Weight of the concept in the query.
    pub weight: f32,
    /// Forms that count for it, best first.
    pub alternatives: Vec<Alternative>,
    /// Word, phrase or bigram.
    pub kind: ConceptKind,
}

impl Concept {
    /// Adds an alternative, keeping the higher weight for a repeated form.
    fn add<S: AsRef<str>>(&mut self, terms: &[S], weight: f32, source: Source, pool: &mut Pool) {
        if weight <= 0.0 || terms.is_empty() {
            return;
        }
        let same =
            |a: &Alternative| a.terms.len() == terms.len() && a.terms.iter().zip(terms).all(|(x, y)| x == y.as_ref());
        match self.alternatives.iter_mut().find(|a| same(a)) {
            Some(a) if a.weight >= weight => {}
            Some(a) => {
                a.weight = weight;
                a.source = source;
            }
            None => self.alternatives.push(pool.alternative(terms, weight, source)),
        }
    }
}

/// The strings and vectors of earlier plans, handed out again: a plan is
/// some twenty concepts of a few short strings each, and building it anew
/// for every turn was a third of a turn's heap allocations.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    concepts: Vec<Concept>,
    alternatives: Vec<Alternative>,
    strings: Vec<String>,
}

impl Pool {
    /// Takes back everything in `plan`.
    fn recycle(&mut self, plan: &mut QueryPlan) {
        for mut c in plan.concepts.drain(..) {
            self.recycle_alternatives(&mut c.alternatives);
            self.concepts.push(c);
        }
    }

    fn recycle_alternatives(&mut self, alternatives: &mut Vec<Alternative>) {
        for mut a in alternatives.drain(..) {
            self.strings.append(&mut a.terms);
            self.alternatives.push(a);
        }
    }

    fn string(&mut self, text: &str) -> String {
        match self.strings.pop() {
            Some(mut s) => {
                s.clear();
                s.push_str(text);
                s
            }
            None => text.to_string(),
        }
    }

    fn alternative<S: AsRef<str>>(&mut self, terms: &[S], weight: f32, source: Source) -> Alternative {
        let mut a = self.alternatives.pop().unwrap_or(Alternative { terms: Vec::new(), weight, source });
        a.terms.clear();
        a.terms.extend(terms.iter().map(|t| self.string(t.as_ref())));
        a.weight = weight;
        a.source = source;
        a
    }

    /// A concept whose one alternative is `key` itself.
    fn concept(&mut self, key: &str, weight: f32, kind: ConceptKind, source: Source) -> Concept {
        let mut c = self.bare(key, weight, kind);
        c.alternatives.push(self.alternative(&[key], 1.0, source));
        c
    }

    fn word(&mut self, key: &str, weight: f32) -> Concept {
        self.concept(key, weight, ConceptKind::Word, Source::Word)
    }

    /// A concept with no alternatives yet.
    fn bare(&mut self, key: &str, weight: f32, kind: ConceptKind) -> Concept {
        match self.concepts.pop() {
            Some(mut c) => {
                c.alternatives.clear();
                c.key.clear();
                c.key.push_str(key);
                c.weight = weight;
                c.kind = kind;
                c
            }
            None => Concept { key: key.to_string(), weight, alternatives: Vec::new(), kind },
        }
    }
}

/// The whole query.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QueryPlan {
    /// Word concepts first, then bigram concepts.
    pub concepts: Vec<Concept>,
}

impl QueryPlan {
    /// Keys added by expansion (variants, synonyms, domain synonyms), for
    /// display.
    pub fn expansions(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in self.concepts.iter().filter(|c| c.kind != ConceptKind::Bigram) {
            for a in &c.alternatives {
                if matches!(a.source, Source::Variant | Source::Synonym | Source::Domain) {
                    let k = a.terms.join("+");
                    if !out.contains(&k) {
                        out.push(k);
                    }
                }
            }
        }
        out
    }

    /// Number of word concepts.
    pub fn words(&self) -> usize {
        self.concepts.iter().filter(|c| c.kind == ConceptKind::Word).count()
    }
}

/// The lexical resources a plan draws on.
#[derive(Debug, Clone, Copy)]
pub struct Lexicon<'a> {
    /// Hand-written domain synonyms.
    pub domain: &'a Synonyms,
    /// The general synonym dictionary, if loaded.
    pub general: Option<&'a SynonymDictionary>,
}

/// Adds the general dictionary's variants and synonyms of `key`.
fn add_general(c: &mut Concept, key: &str, lexicon: Lexicon<'_>, params: &RankingParams, pool: &mut Pool) {
    if let Some(general) = lexicon.general {
        for (k, rel) in general.expand(key) {
            let (w, s) = match rel {
                Relation::Variant => (params.variant, Source::Variant),
                Relation::Synonym => (params.synonym, Source::Synonym),
            };
            c.add(&[k], w, s, pool);
        }
    }
}

/// Builds the plan for an analyzed query.
pub fn plan(analysis: &Analysis, lexicon: Lexicon<'_>, params: &RankingParams) -> QueryPlan {
    let mut plan = QueryPlan::default();
    plan_into(analysis, lexicon, params, &mut plan, &mut Pool::default());
    plan
}

/// Builds the plan for an analyzed query in `plan`, taking what it needs
/// from `pool` and giving it `plan`'s old concepts first (the same plan as
/// [`plan`], without allocating once the pool has grown).
pub(crate) fn plan_into(
    analysis: &Analysis,
    lexicon: Lexicon<'_>,
    params: &RankingParams,
    plan: &mut QueryPlan,
    pool: &mut Pool,
) {
    plan_with(analysis, lexicon, params, plan, pool, LINEAR_BIGRAMS);
}

/// [`plan_into`], deduplicating bigrams by a scan up to `linear_up_to`
/// bytes of reading (the tests try both ways on every text).
fn plan_with(
    analysis: &Analysis,
    lexicon: Lexicon<'_>,
    params: &RankingParams,
    plan: &mut QueryPlan,
    pool: &mut Pool,
    linear_up_to: usize,
) {
    pool.recycle(plan);
    let concepts = &mut plan.concepts;
    let has = |concepts: &[Concept], key: &str| concepts.iter().any(|c| c.key == key);
    for t in analysis.terms.iter().filter(|t| t.kind == TermKind::Word) {
        if has(concepts, &t.key) {
            continue;
        }
        let mut c = pool.word(&t.key, 1.0);
        if let Some(r) = &t.reading {
            c.add(&[r], params.reading, Source::Reading, pool);
        }
        add_general(&mut c, &t.key, lexicon, params, pool);
        concepts.push(c);
    }
    // Inner parts of a compound (まどか, ポイント of まどかポイント) count
    // on their own, less than the compound.
    for t in analysis.terms.iter().filter(|t| t.kind == TermKind::Inner) {
        if has(concepts, &t.key) {
            continue;
        }
        let mut c = pool.word(&t.key, params.inner);
        if let Some(r) = &t.reading {
            c.add(&[r], params.reading, Source::Reading, pool);
        }
        concepts.push(c);
    }
    // A compound of adjacent nouns stands for each of its parts (an entry
    // that spells 粗大ごみ as one word has neither 粗大 nor ごみ on its own)
    // and, as a phrase, rewards entries that have the words together.
    for t in analysis.terms.iter().filter(|t| t.kind == TermKind::Compound) {
        for part in &t.parts {
            if let Some(c) = concepts.iter_mut().find(|c| c.kind == ConceptKind::Word && c.key == *part) {
                c.add(&[&t.key], 1.0, Source::Word, pool);
            }
        }
        if params.compound > 0.0 && !has(concepts, &t.key) {
            let mut c = pool.concept(&t.key, params.compound, ConceptKind::Phrase, Source::Word);
            add_general(&mut c, &t.key, lexicon, params, pool);
            concepts.push(c);
        }
    }
    let keys: Vec<&str> = analysis.keys();
    let folded = crate::normalize::fold(&analysis.normalized);
    for e in lexicon.domain.expansions(&keys, &folded) {
        // A one-word trigger already is a concept: its group's members
        // become alternatives of it. A phrase matched by spelling
        // (何時まで) becomes a concept of its own.
        let target = match e.trigger {
            [one] => concepts.iter().position(|c| c.kind == ConceptKind::Word && c.key == *one),
            _ => None,
        };
        let idx = match target {
            Some(i) => i,
            None => {
                let key = e.targets.first().map(|t| t.join("+")).unwrap_or_default();
                if key.is_empty() || has(concepts, &key) {
                    continue;
                }
                concepts.push(pool.bare(&key, params.domain_synonym, ConceptKind::Word));
                concepts.len() - 1
            }
        };
        let weight = if target.is_some() { params.domain_synonym } else { 1.0 };
        for t in e.targets {
            concepts[idx].add(t, weight, Source::Domain, pool);
        }
    }
    // Concepts left without a form (a phrase whose every member was
    // empty) go back to the pool.
    let mut i = 0;
    while i < concepts.len() {
        if concepts[i].alternatives.is_empty() {
            pool.concepts.push(concepts.remove(i));
        } else {
            i += 1;
        }
    }
    if params.bigram > 0.0 {
        let first_bigram = concepts.len();
        // A short reading is checked against the bigrams so far; a long
        // one through a set (a pasted page must not cost a square).
        let mut seen: Option<std::collections::HashSet<&str, crate::fnv::BuildFnv>> =
            (analysis.reading_text.len() > linear_up_to).then(Default::default);
        crate::tokenize::for_each_bigram(&analysis.reading_text, |b| {
            let new = match &mut seen {
                Some(seen) => seen.insert(b),
                None => !concepts[first_bigram..].iter().any(|c| c.key == b),
            };
            if new {
                concepts.push(pool.concept(b, params.bigram, ConceptKind::Bigram, Source::Bigram));
            }
        });
    }
}

/// Bytes of reading text (about 60 kana) up to which bigrams are
/// deduplicated by a scan of those already in the plan.
const LINEAR_BIGRAMS: usize = 192;

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan built from the pool of earlier plans is the plan built anew,
    /// whatever came before it: longer and shorter texts, synonyms and
    /// spelled phrases, repeated bigrams, a reading long enough for the set.
    #[test]
    fn a_reused_plan_is_a_fresh_plan() {
        let corpus =
            crate::knowledge::load_corpus(concat!(env!("CARGO_MANIFEST_DIR"), "/faq-corpus").as_ref()).unwrap();
        let r = crate::retrieve::Retriever::builder().build(corpus).unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/queries/bundled-dev");
        let mut texts: Vec<String> = Vec::new();
        for file in ["card.jsonl", "mobile.jsonl", "shop_support.jsonl"] {
            let (cases, _) = crate::eval::load_cases(format!("{dir}/{file}").as_ref()).unwrap();
            texts.extend(cases.into_iter().flat_map(|c| c.turns));
        }
        texts.extend(
            [
                "",
                "何時まで",
                "ｶｰﾄﾞなくした",
                "かーどかーどかーど",
                "まどかポイントの住民税",
                &"クレジットカードの暗証番号を変更したい。".repeat(8),
            ]
            .map(String::from),
        );
        assert!(texts.len() > 100);
        let (mut plan, mut pool) = (QueryPlan::default(), Pool::default());
        let mut long_readings = 0;
        for text in texts.iter().chain(texts.iter().rev()) {
            let analysis = r.analyzer().analyze(text);
            long_readings += usize::from(analysis.reading_text.len() > LINEAR_BIGRAMS);
            plan_into(&analysis, r.lexicon(), &r.params, &mut plan, &mut pool);
            assert_eq!(plan, r.plan(&analysis), "{text}");
            // Bigrams deduplicated by the set and by the scan, whatever the length.
            for linear_up_to in [0, usize::MAX] {
                let mut fresh = QueryPlan::default();
                plan_with(&analysis, r.lexicon(), &r.params, &mut fresh, &mut Pool::default(), linear_up_to);
                assert_eq!(plan, fresh, "{text} (bigrams by a scan up to {linear_up_to} bytes)");
            }
        }
        assert!(long_readings > 0, "no text took the set of bigrams");
        assert!(!pool.strings.is_empty() && !pool.concepts.is_empty(), "nothing was handed back");
    }
}
