//! The Sudachi synonym dictionary: broad, general-purpose 表記ゆれ and
//! synonyms (about 67,000 headwords in 25,000 groups; Apache-2.0, shipped in
//! `dictionaries/sudachi/` with its licence and LEGAL notice).
//!
//! # Format (`synonyms.txt`, RFC 4180 CSV, groups separated by blank lines)
//!
//! Columns: 0 group id; 1 noun/predicate; 2 expansion flag (0 always,
//! 1 only as a target, 2 never); 3 lexeme number within the group (same
//! number = the same word in another spelling); 4 form; 5 abbreviation;
//! 6 spelling variant; 7 domain; 8 headword (Sudachi's normalized form).
//!
//! # How it expands a query word
//!
//! * The word (its folded base form) must be a headword of exactly one group
//!   and allowed to trigger (flag 0). A word in several groups is ambiguous
//!   (its sense is unknown), so it expands to nothing.
//! * Members with the word's lexeme number are *variants* (宛先 / あて先 /
//!   宛て先): they count almost as the word itself.
//! * Other members are *synonyms* (宛先 / 送付先): they count less, and only
//!   when they are not themselves ambiguous.
//!
//! Weights are applied by the retriever ([`crate::retrieve::RankingParams`]).

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::normalize::{fold, normalize};

/// How an expansion relates to the query word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The same word in another spelling (same lexeme number).
    Variant,
    /// Another word of the same meaning.
    Synonym,
}

#[derive(Debug, Clone, Copy)]
struct Occurrence {
    group: u32,
    lexeme: u16,
    trigger: bool,
}

#[derive(Debug, Clone)]
struct Member {
    key: Box<str>,
    lexeme: u16,
}

/// The parsed dictionary, keyed by folded headword.
///
/// ```
/// use madoguchi::tokenize::{Relation, SynonymDictionary};
/// let text = "000002,1,0,1,0,0,0,(),宛て先,,\n000002,1,0,1,0,0,2,(),あて先,,\n000002,1,0,3,0,0,0,(),送付先,,\n";
/// let dict = SynonymDictionary::parse(text, "s.txt".as_ref())?;
/// let mut out: Vec<(&str, Relation)> = dict.expand("宛て先").collect();
/// out.sort();
/// assert_eq!(out, [("あて先", Relation::Variant), ("送付先", Relation::Synonym)]);
/// # Ok::<(), madoguchi::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SynonymDictionary {
    by_key: HashMap<Box<str>, Vec<Occurrence>>,
    groups: Vec<Vec<Member>>,
}

impl SynonymDictionary {
    /// Reads a dictionary file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text, path)
    }

    /// Parses the CSV text; `path` names the source in errors. Every bad line
    /// is reported.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let mut dict = SynonymDictionary::default();
        let mut group_index: HashMap<u32, usize> = HashMap::new();
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split(',').collect();
            let bad = |msg: &str| Error::Resource { path: path.into(), line: line_no, message: msg.to_string() };
            if cols.len() < 9 {
                errors.push(bad("expected at least 9 comma-separated columns"));
                continue;
            }
            let (Ok(group), Ok(flag)) = (cols[0].parse::<u32>(), cols[2].trim().parse::<u8>().or_else(|_| {
                if cols[2].trim().is_empty() { Ok(0) } else { Err(()) }
            })) else {
                errors.push(bad("group id and expansion flag must be numbers"));
                continue;
            };
            let lexeme = cols[3].trim().parse::<u16>().unwrap_or(0);
            // Headwords never contain commas in this dictionary; a quoted
            // field would, so take column 8 up to the reserved columns.
            let headword = cols[8].trim().trim_matches('"');
            if flag == 2 || headword.is_empty() {
                continue;
            }
            let key = fold(&normalize(headword));
            if key.is_empty() {
                continue;
            }
            let gi = *group_index.entry(group).or_insert_with(|| {
                dict.groups.push(Vec::new());
                dict.groups.len() - 1
            });
            let members = &mut dict.groups[gi];
            if members.iter().any(|m| *m.key == *key) {
                continue;
            }
            members.push(Member { key: key.clone().into(), lexeme });
            let occ = dict.by_key.entry(key.into()).or_default();
            if !occ.iter().any(|o| o.group == gi as u32) {
                occ.push(Occurrence { group: gi as u32, lexeme, trigger: flag == 0 });
            }
        }
        match Error::from_many(errors) {
            Some(e) => Err(e),
            None => Ok(dict),
        }
    }

    /// Number of groups.
    pub fn groups(&self) -> usize {
        self.groups.len()
    }

    /// Number of distinct headwords.
    pub fn headwords(&self) -> usize {
        self.by_key.len()
    }

    /// True when `key` belongs to more than one group.
    pub fn is_ambiguous(&self, key: &str) -> bool {
        self.by_key.get(key).is_some_and(|o| o.len() > 1)
    }

    /// Expansions of a folded word key: variants and unambiguous synonyms of
    /// its one group; nothing for an unknown or ambiguous word.
    pub fn expand<'a>(&'a self, key: &str) -> impl Iterator<Item = (&'a str, Relation)> + 'a {
        let occ = match self.by_key.get(key).map(Vec::as_slice) {
            Some([o]) if o.trigger => Some(*o),
            _ => None,
        };
        let key: Box<str> = key.into();
        occ.into_iter().flat_map(move |o| {
            let key = key.clone();
            self.groups[o.group as usize].iter().filter(move |m| m.key != key).filter_map(move |m| {
                if m.lexeme == o.lexeme && o.lexeme != 0 {
                    Some((&*m.key, Relation::Variant))
                } else if self.is_ambiguous(&m.key) {
                    None
                } else {
                    Some((&*m.key, Relation::Synonym))
                }
            })
        })
    }
}
