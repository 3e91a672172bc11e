//! Query-time synonym expansion.
//!
//! # File format (`dictionaries/synonyms.txt`)
//!
//! One group per line, members separated by commas; `#` starts a comment
//! line; blank lines are skipped. Members may be words or short phrases:
//!
//! ```text
//! # lost
//! 紛失,なくす,無くす,失くす,落とす
//! 乗り換え,MNP,番号ポータビリティ
//! ```
//!
//! A group is triggered when the query contains a member (by its analyzed
//! base forms, or by its folded spelling for kana-only queries); the other
//! members are then added to the query with a lower weight.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use super::Analyzer;
use crate::error::{Error, Result};
use crate::normalize::{fold, normalize};

/// One member of a group: its spelling and its analyzed keys.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SynonymMember {
    /// As written in the file.
    pub text: String,
    /// Folded spelling, for substring matching.
    pub folded: String,
    /// Matching keys of its content words.
    pub keys: Vec<String>,
    /// True when the content words spell the whole member, so matching by
    /// keys is safe ("何時まで" keeps only 時 and "ピン番号" may keep only
    /// 番号: those must match by spelling, or 番号 alone would trigger).
    pub key_trigger: bool,
}

/// A set of interchangeable words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SynonymGroup {
    /// The members, in file order.
    pub members: Vec<SynonymMember>,
    /// 1-based line in the source file.
    pub line: usize,
}

/// All synonym groups.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Synonyms {
    groups: Vec<SynonymGroup>,
    /// Built from `groups` on first use.
    #[serde(skip)]
    index: OnceLock<Index>,
}

impl PartialEq for Synonyms {
    fn eq(&self, other: &Self) -> bool {
        self.groups == other.groups
    }
}

impl Eq for Synonyms {}

/// A member's place: (group, member) indices.
type Place = (u32, u32);

/// Where each member can be found without visiting every group: every
/// query runs [`Synonyms::expansions`], and a scan of all members (a key
/// list compared with the query's keys, a substring search for the
/// spelling) cost more than the rest of the query plan.
#[derive(Debug, Clone, Default)]
struct Index {
    /// Members that trigger by their keys, under their first key.
    by_first_key: HashMap<String, Vec<Place>, crate::fnv::BuildFnv>,
    /// Members that trigger by keys but have none (only in hand-built sets):
    /// `all` over no keys holds for every query.
    keyless: Vec<Place>,
    /// Distinct folded spellings of two characters or more …
    spellings: Option<AhoCorasick>,
    /// … and the members spelled so, by pattern id.
    spelled: Vec<Vec<Place>>,
}

impl Index {
    fn new(groups: &[SynonymGroup]) -> Index {
        let mut index = Index::default();
        let mut pattern_of: HashMap<&str, usize> = HashMap::new();
        let mut patterns: Vec<&str> = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            for (m, member) in group.members.iter().enumerate() {
                let place = (g as u32, m as u32);
                if member.key_trigger {
                    match member.keys.first() {
                        Some(k) => index.by_first_key.entry(k.clone()).or_default().push(place),
                        None => index.keyless.push(place),
                    }
                }
                if member.folded.chars().count() >= 2 {
                    let id = *pattern_of.entry(member.folded.as_str()).or_insert_with(|| {
                        patterns.push(member.folded.as_str());
                        index.spelled.push(Vec::new());
                        patterns.len() - 1
                    });
                    index.spelled[id].push(place);
                }
            }
        }
        if !patterns.is_empty() {
            index.spellings = Some(AhoCorasick::new(&patterns).expect("plain strings always compile"));
        }
        index
    }
}

/// Splits a synonym file into groups of raw members, reporting bad lines.
///
/// ```
/// let groups = madoguchi::tokenize::parse_synonyms("# c\n紛失,なくす\n", "s.txt".as_ref()).unwrap();
/// assert_eq!(groups, vec![(2, vec!["紛失".to_string(), "なくす".to_string()])]);
/// let err = madoguchi::tokenize::parse_synonyms("紛失\n", "s.txt".as_ref()).unwrap_err();
/// assert!(err.to_string().starts_with("s.txt:1:"));
/// ```
pub fn parse_synonyms(text: &str, path: &Path) -> Result<Vec<(usize, Vec<String>)>> {
    let mut groups = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let members: Vec<String> = trimmed.split([',', '、']).map(|m| m.trim().to_string()).collect();
        if members.iter().any(String::is_empty) {
            errors.push(Error::Resource { path: path.into(), line, message: "empty member".into() });
        } else if members.len() < 2 {
            errors.push(Error::Resource {
                path: path.into(),
                line,
                message: "a group needs at least two comma-separated members".into(),
            });
        } else {
            groups.push((line, members));
        }
    }
    match Error::from_many(errors) {
        Some(e) => Err(e),
        None => Ok(groups),
    }
}

impl Synonyms {
    /// Parses `text` and analyzes every member with `analyzer`.
    pub fn parse(text: &str, path: &Path, analyzer: &Analyzer) -> Result<Self> {
        let mut groups = Vec::new();
        let mut errors = Vec::new();
        for (line, members) in parse_synonyms(text, path)? {
            let mut out = Vec::new();
            for m in members {
                let analysis = analyzer.analyze(&m);
                let outer: Vec<_> = analysis.terms.iter().filter(|t| t.is_word()).collect();
                let keys: Vec<String> = outer.iter().map(|t| t.key.clone()).collect();
                let covered: usize = outer.iter().map(|t| t.surface.chars().count()).sum();
                let spelled = analysis.normalized.chars().filter(|c| !crate::normalize::is_symbol(*c)).count();
                let key_trigger = !keys.is_empty() && covered >= spelled;
                let folded = fold(&normalize(&m));
                if keys.is_empty() && folded.chars().count() < 2 {
                    errors.push(Error::Resource {
                        path: path.into(),
                        line,
                        message: format!("member {m:?} has no content word to match"),
                    });
                    continue;
                }
                out.push(SynonymMember { text: m, folded, keys, key_trigger });
            }
            groups.push(SynonymGroup { members: out, line });
        }
        match Error::from_many(errors) {
            Some(e) => Err(e),
            None => Ok(Synonyms { groups, index: OnceLock::new() }),
        }
    }

    /// The groups.
    pub fn groups(&self) -> &[SynonymGroup] {
        &self.groups
    }

    /// The groups a query triggers, with the member that triggered each and
    /// the other members. `query_keys` are the query's term keys and
    /// `folded_query` its folded normalized text.
    ///
    /// A member triggers only as a whole: by all of its keys (a member whose
    /// words spell most of it), or by its spelling. So 利用 alone does not
    /// trigger a group through 利用可能枠.
    pub fn expansions<'s>(&'s self, query_keys: &[&str], folded_query: &str) -> Vec<Expansion<'s>> {
        let index = self.index.get_or_init(|| Index::new(&self.groups));
        let member = |(g, m): Place| &self.groups[g as usize].members[m as usize];
        let mut keyed: Vec<Place> = index.keyless.clone();
        for k in query_keys {
            let places = index.by_first_key.get(*k).map_or(&[][..], Vec::as_slice);
            keyed.extend(
                places.iter().filter(|p| member(**p).keys.iter().all(|k| query_keys.contains(&k.as_str()))),
            );
        }
        let mut spelled: Vec<Place> = Vec::new();
        if let Some(ac) = &index.spellings {
            for found in ac.find_overlapping_iter(folded_query) {
                spelled.extend(&index.spelled[found.pattern().as_usize()]);
            }
        }
        keyed.sort_unstable();
        spelled.sort_unstable();
        let mut groups: Vec<u32> = keyed.iter().chain(&spelled).map(|p| p.0).collect();
        groups.sort_unstable();
        groups.dedup();
        let mut out = Vec::new();
        for g in groups {
            // The group's first member by keys, else its first by spelling
            // (places are sorted, so the first of the group is its lowest).
            let first = |places: &[Place]| places.iter().find(|p| p.0 == g).map(|p| p.1 as usize);
            let (hit, by_keys) = match first(&keyed) {
                Some(m) => (m, true),
                None => (first(&spelled).expect("a group found by keys or spelling"), false),
            };
            let members = &self.groups[g as usize].members;
            // A member whose words do not spell all of it (ピン番号 may keep
            // only 番号) would expand to something broader than itself.
            let targets: Vec<&[String]> = members
                .iter()
                .enumerate()
                .filter(|(i, m)| *i != hit && m.key_trigger)
                .map(|(_, m)| m.keys.as_slice())
                .collect();
            let trigger: &[String] = if by_keys { &members[hit].keys } else { &[] };
            out.push(Expansion { trigger, targets });
        }
        out
    }

    /// Keys to add to a query: the keys of the other members of every group
    /// the query triggers (see [`Synonyms::expansions`]), without the
    /// query's own keys.
    pub fn expand(&self, query_keys: &[&str], folded_query: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in self.expansions(query_keys, folded_query) {
            for k in e.targets.iter().flat_map(|t| t.iter()) {
                if !query_keys.contains(&k.as_str()) && !out.contains(k) {
                    out.push(k.clone());
                }
            }
        }
        out
    }
}

/// A group triggered by a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion<'s> {
    /// Keys of the member that triggered the group, or empty when it was
    /// found by spelling.
    pub trigger: &'s [String],
    /// Keys of each other member (all of a member's keys are required).
    pub targets: Vec<&'s [String]>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan over every group that the index replaced.
    fn expansions_by_scan<'s>(syn: &'s Synonyms, query_keys: &[&str], folded_query: &str) -> Vec<Expansion<'s>> {
        let mut out = Vec::new();
        for g in &syn.groups {
            let by_keys =
                g.members.iter().position(|m| m.key_trigger && m.keys.iter().all(|k| query_keys.contains(&k.as_str())));
            let hit = by_keys.map(|i| (i, true)).or_else(|| {
                g.members
                    .iter()
                    .position(|m| m.folded.chars().count() >= 2 && folded_query.contains(&m.folded))
                    .map(|i| (i, false))
            });
            let Some((hit, keyed)) = hit else { continue };
            let targets = g
                .members
                .iter()
                .enumerate()
                .filter(|(i, m)| *i != hit && m.key_trigger)
                .map(|(_, m)| m.keys.as_slice())
                .collect();
            out.push(Expansion { trigger: if keyed { &g.members[hit].keys } else { &[] }, targets });
        }
        out
    }

    #[test]
    fn index_finds_what_a_scan_of_every_group_finds() {
        let analyzer = Analyzer::new().unwrap();
        let syn = analyzer.synonyms();
        let kb = crate::knowledge::load_corpus("faq-corpus".as_ref()).unwrap();
        let mut texts: Vec<String> = kb.entries().iter().flat_map(|e| std::iter::once(e.question.clone()).chain(e.alternatives.clone())).collect();
        texts.extend(["なくした", "ピン番号", "何時まで", "", "mnpで乗り換え"].map(String::from));
        let mut triggered = 0;
        for text in &texts {
            let analysis = analyzer.analyze(text);
            let keys = analysis.keys();
            let folded = fold(&analysis.normalized);
            let expected = expansions_by_scan(syn, &keys, &folded);
            triggered += usize::from(!expected.is_empty());
            assert_eq!(syn.expansions(&keys, &folded), expected, "{text}");
        }
        assert!(triggered > 100, "only {triggered} of {} texts trigger a group", texts.len());
        // A hand-built member with no keys triggers by keys on every query.
        let keyless = SynonymMember { text: "x".into(), folded: "x".into(), keys: vec![], key_trigger: true };
        let other = SynonymMember { text: "yy".into(), folded: "yy".into(), keys: vec!["yy".into()], key_trigger: true };
        let hand = Synonyms { groups: vec![SynonymGroup { members: vec![other, keyless], line: 1 }], index: OnceLock::new() };
        assert_eq!(hand.expansions(&["z"], "z"), expansions_by_scan(&hand, &["z"], "z"));
        assert_eq!(hand.expansions(&["z"], "z").len(), 1);
    }
}
