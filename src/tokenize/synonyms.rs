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

use std::path::Path;

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
    /// True when the content words spell most of the member, so matching by
    /// keys is safe ("何時まで" keeps only 時: it must match by spelling).
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
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Synonyms {
    groups: Vec<SynonymGroup>,
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
                let outer: Vec<_> = analysis.terms.iter().filter(|t| !t.inner).collect();
                let keys: Vec<String> = outer.iter().map(|t| t.key.clone()).collect();
                let covered: usize = outer.iter().map(|t| t.surface.chars().count()).sum();
                let key_trigger = !keys.is_empty() && covered * 2 >= analysis.normalized.chars().count();
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
            None => Ok(Synonyms { groups }),
        }
    }

    /// The groups.
    pub fn groups(&self) -> &[SynonymGroup] {
        &self.groups
    }

    /// Keys to add to a query: for each group the query triggers, the keys of
    /// its other members. `query_keys` are the query's term keys and
    /// `folded_query` its folded normalized text.
    pub fn expand(&self, query_keys: &[&str], folded_query: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for g in &self.groups {
            let hit = g.members.iter().position(|m| {
                (m.key_trigger && m.keys.iter().all(|k| query_keys.contains(&k.as_str())))
                    || (m.folded.chars().count() >= 2 && folded_query.contains(&m.folded))
            });
            let Some(hit) = hit else { continue };
            for (i, m) in g.members.iter().enumerate() {
                if i == hit {
                    continue;
                }
                for k in &m.keys {
                    if !query_keys.contains(&k.as_str()) && !out.contains(k) {
                        out.push(k.clone());
                    }
                }
            }
        }
        out
    }
}
