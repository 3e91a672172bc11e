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

/// A headword: where its text is in `SynonymDictionary::text` and where
/// its occurrences are in `SynonymDictionary::occurrences`.
#[derive(Debug, Clone, Copy)]
struct Key {
    start: u32,
    len: u32,
    occurrences: u32,
    count: u32,
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
///
/// Kept flat (one string of all headwords, sorted key records, group
/// members as key numbers) rather than as a map of strings to vectors: the
/// maps took 16.5 MiB of a served corpus' memory, the flat form about 3.
#[derive(Debug, Clone, Default)]
pub struct SynonymDictionary {
    /// Every distinct folded headword, one after another.
    text: String,
    /// The headwords, sorted by their text (looked up by binary search).
    keys: Vec<Key>,
    occurrences: Vec<Occurrence>,
    /// Group members as (key number, lexeme number), group after group.
    members: Vec<(u32, u16)>,
    /// Where each group starts in `members` (plus the end).
    group_starts: Vec<u32>,
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
        let mut by_key: HashMap<Box<str>, Vec<Occurrence>> = HashMap::new();
        let mut groups: Vec<Vec<(Box<str>, u16)>> = Vec::new();
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
                groups.push(Vec::new());
                groups.len() - 1
            });
            let members = &mut groups[gi];
            if members.iter().any(|m| *m.0 == *key) {
                continue;
            }
            members.push((key.clone().into(), lexeme));
            let occ = by_key.entry(key.into()).or_default();
            if !occ.iter().any(|o| o.group == gi as u32) {
                occ.push(Occurrence { group: gi as u32, lexeme, trigger: flag == 0 });
            }
        }
        match Error::from_many(errors) {
            Some(e) => Err(e),
            None => Ok(Self::flatten(by_key, groups)),
        }
    }

    fn flatten(by_key: HashMap<Box<str>, Vec<Occurrence>>, groups: Vec<Vec<(Box<str>, u16)>>) -> Self {
        let mut sorted: Vec<(Box<str>, Vec<Occurrence>)> = by_key.into_iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut dict = SynonymDictionary::default();
        dict.text.reserve(sorted.iter().map(|(k, _)| k.len()).sum());
        for (key, occ) in &sorted {
            dict.keys.push(Key {
                start: dict.text.len() as u32,
                len: key.len() as u32,
                occurrences: dict.occurrences.len() as u32,
                count: occ.len() as u32,
            });
            dict.text.push_str(key);
            dict.occurrences.extend_from_slice(occ);
        }
        for members in &groups {
            dict.group_starts.push(dict.members.len() as u32);
            for (key, lexeme) in members {
                let number = dict.find(key).expect("every member is a headword");
                dict.members.push((number as u32, *lexeme));
            }
        }
        dict.group_starts.push(dict.members.len() as u32);
        dict.text.shrink_to_fit();
        dict.keys.shrink_to_fit();
        dict.occurrences.shrink_to_fit();
        dict.members.shrink_to_fit();
        dict.group_starts.shrink_to_fit();
        dict
    }

    fn key_text(&self, number: usize) -> &str {
        self.text_of(&self.keys[number])
    }

    fn text_of(&self, k: &Key) -> &str {
        &self.text[k.start as usize..(k.start + k.len) as usize]
    }

    /// The number of a headword.
    fn find(&self, key: &str) -> Option<usize> {
        self.keys.binary_search_by(|k| self.text_of(k).cmp(key)).ok()
    }

    fn occurrences_of(&self, number: usize) -> &[Occurrence] {
        let k = self.keys[number];
        &self.occurrences[k.occurrences as usize..(k.occurrences + k.count) as usize]
    }

    /// Number of groups.
    pub fn groups(&self) -> usize {
        self.group_starts.len().saturating_sub(1)
    }

    /// Number of distinct headwords.
    pub fn headwords(&self) -> usize {
        self.keys.len()
    }

    /// True when `key` belongs to more than one group.
    pub fn is_ambiguous(&self, key: &str) -> bool {
        self.find(key).is_some_and(|n| self.keys[n].count > 1)
    }

    /// Expansions of a folded word key: variants and unambiguous synonyms of
    /// its one group; nothing for an unknown or ambiguous word.
    pub fn expand<'a>(&'a self, key: &str) -> impl Iterator<Item = (&'a str, Relation)> + 'a {
        let found = self.find(key).and_then(|n| match self.occurrences_of(n) {
            [o] if o.trigger => Some((n, *o)),
            _ => None,
        });
        found.into_iter().flat_map(move |(number, o)| {
            let g = o.group as usize;
            let members = &self.members[self.group_starts[g] as usize..self.group_starts[g + 1] as usize];
            members.iter().filter(move |m| m.0 as usize != number).filter_map(move |&(m, lexeme)| {
                let text = self.key_text(m as usize);
                if lexeme == o.lexeme && o.lexeme != 0 {
                    Some((text, Relation::Variant))
                } else if self.keys[m as usize].count > 1 {
                    None
                } else {
                    Some((text, Relation::Synonym))
                }
            })
        })
    }
}
