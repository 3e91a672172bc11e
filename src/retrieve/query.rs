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
    fn new(key: &str, weight: f32, kind: ConceptKind, source: Source) -> Self {
        Concept {
            key: key.to_string(),
            weight,
            alternatives: vec![Alternative { terms: vec![key.to_string()], weight: 1.0, source }],
            kind,
        }
    }

    fn word(key: &str, weight: f32) -> Self {
        Self::new(key, weight, ConceptKind::Word, Source::Word)
    }

    /// Adds an alternative, keeping the higher weight for a repeated form.
    fn add(&mut self, terms: Vec<String>, weight: f32, source: Source) {
        if weight <= 0.0 || terms.is_empty() {
            return;
        }
        match self.alternatives.iter_mut().find(|a| a.terms == terms) {
            Some(a) if a.weight >= weight => {}
            Some(a) => {
                a.weight = weight;
                a.source = source;
            }
            None => self.alternatives.push(Alternative { terms, weight, source }),
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
fn add_general(c: &mut Concept, key: &str, lexicon: Lexicon<'_>, params: &RankingParams) {
    if let Some(general) = lexicon.general {
        for (k, rel) in general.expand(key) {
            let (w, s) = match rel {
                Relation::Variant => (params.variant, Source::Variant),
                Relation::Synonym => (params.synonym, Source::Synonym),
            };
            c.add(vec![k.to_string()], w, s);
        }
    }
}

/// Builds the plan for an analyzed query.
pub fn plan(analysis: &Analysis, lexicon: Lexicon<'_>, params: &RankingParams) -> QueryPlan {
    let mut concepts: Vec<Concept> = Vec::new();
    let has = |concepts: &[Concept], key: &str| concepts.iter().any(|c| c.key == key);
    for t in analysis.terms.iter().filter(|t| t.kind == TermKind::Word) {
        if has(&concepts, &t.key) {
            continue;
        }
        let mut c = Concept::word(&t.key, 1.0);
        if let Some(r) = &t.reading {
            c.add(vec![r.clone()], params.reading, Source::Reading);
        }
        add_general(&mut c, &t.key, lexicon, params);
        concepts.push(c);
    }
    // Inner parts of a compound (まどか, ポイント of まどかポイント) count
    // on their own, less than the compound.
    for t in analysis.terms.iter().filter(|t| t.kind == TermKind::Inner) {
        if has(&concepts, &t.key) {
            continue;
        }
        let mut c = Concept::word(&t.key, params.inner);
        if let Some(r) = &t.reading {
            c.add(vec![r.clone()], params.reading, Source::Reading);
        }
        concepts.push(c);
    }
    // A compound of adjacent nouns stands for each of its parts (an entry
    // that spells 粗大ごみ as one word has neither 粗大 nor ごみ on its own)
    // and, as a phrase, rewards entries that have the words together.
    for t in analysis.terms.iter().filter(|t| t.kind == TermKind::Compound) {
        for part in &t.parts {
            if let Some(c) = concepts.iter_mut().find(|c| c.kind == ConceptKind::Word && c.key == *part) {
                c.add(vec![t.key.clone()], 1.0, Source::Word);
            }
        }
        if params.compound > 0.0 && !has(&concepts, &t.key) {
            let mut c = Concept::new(&t.key, params.compound, ConceptKind::Phrase, Source::Word);
            add_general(&mut c, &t.key, lexicon, params);
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
                if key.is_empty() || has(&concepts, &key) {
                    continue;
                }
                let mut c = Concept::word(&key, params.domain_synonym);
                c.alternatives.clear();
                concepts.push(c);
                concepts.len() - 1
            }
        };
        let weight = if target.is_some() { params.domain_synonym } else { 1.0 };
        for t in e.targets {
            concepts[idx].add(t.to_vec(), weight, Source::Domain);
        }
    }
    concepts.retain(|c| !c.alternatives.is_empty());
    if params.bigram > 0.0 {
        let mut seen: std::collections::HashSet<&str, crate::fnv::BuildFnv> = Default::default();
        crate::tokenize::for_each_bigram(&analysis.reading_text, |b| {
            if seen.insert(b) {
                concepts.push(Concept::new(b, params.bigram, ConceptKind::Bigram, Source::Bigram));
            }
        });
    }
    QueryPlan { concepts }
}
