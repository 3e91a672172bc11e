//! What analysis needs from each IPADIC word, in a compact table.
//!
//! Lindera keeps every word's thirteen detail fields in `dict.words` (33 MB),
//! memory-mapped. Reading one word's details touches a 4 KiB page of it, and
//! the words of a corpus are spread over the whole file: indexing 10,000
//! entries touched 27 MB of it, all counted in the resident memory. Analysis
//! uses four fields (part of speech, its subclass, base form, reading), so
//! the table keeps only those, with each distinct string stored once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::fnv::BuildFnv;

/// The four detail fields analysis reads of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WordDetails<'a> {
    /// Part of speech (field 0), `UNK` when the word has no fields.
    pub pos: &'a str,
    /// Its subclass (field 1), `*` when absent.
    pub pos1: &'a str,
    /// Base form (field 6), unless absent, empty or `*`.
    pub base: Option<&'a str>,
    /// Reading in katakana (field 7), unless absent, empty or `*`.
    pub reading: Option<&'a str>,
}

impl<'a> WordDetails<'a> {
    /// Picks the four fields from a word's full detail list, as Lindera
    /// gives it for user and unknown words.
    pub(crate) fn from_fields(fields: &[&'a str]) -> Self {
        let field = |i: usize| fields.get(i).copied().filter(|s| *s != "*" && !s.is_empty());
        WordDetails {
            pos: fields.first().copied().unwrap_or("UNK"),
            pos1: fields.get(1).copied().unwrap_or("*"),
            base: field(6),
            reading: field(7),
        }
    }
}

/// No string: the field is absent.
const NONE: u32 = u32::MAX;

/// The details of every system-dictionary word, by word id.
#[derive(Debug, Default)]
pub(crate) struct WordTable {
    /// Word id → index into `classes`.
    class: Vec<u16>,
    /// Distinct (part of speech, subclass) pairs: IPADIC has about seventy.
    classes: Vec<(Box<str>, Box<str>)>,
    /// Word id → where the base form and the reading start in `text`.
    base: Vec<u32>,
    reading: Vec<u32>,
    /// Distinct strings, each followed by a NUL (fields never hold one: they
    /// were split on it), so no table of ends is needed.
    text: String,
}

impl WordTable {
    /// Builds the table from Lindera's two word files: `dict.wordsidx` (one
    /// little-endian `u32` offset per word id) and `dict.words` (at each
    /// offset a `u32` length and the fields joined by NUL). A malformed
    /// record reads as Lindera reads it: the single field `UNK`.
    pub(crate) fn build<'r>(index: &[u8], records: &'r [u8]) -> std::result::Result<Self, String> {
        let count = index.len() / 4;
        // The text holds distinct fields of the records, each plus a NUL:
        // at most twice the records, which keeps its offsets in a u32.
        if records.len() >= (u32::MAX / 2) as usize {
            return Err("word records over 2 GiB".into());
        }
        let mut table = WordTable {
            class: Vec::with_capacity(count),
            base: Vec::with_capacity(count),
            reading: Vec::with_capacity(count),
            ..WordTable::default()
        };
        // FNV: the keys are short, and hashed 800,000 times (SipHash took a
        // large share of the build).
        let mut classes: HashMap<(&'r str, &'r str), u16, BuildFnv> = HashMap::default();
        let mut strings: HashMap<&'r str, u32, BuildFnv> = HashMap::with_capacity_and_hasher(count, BuildFnv::default());
        // Fields 0..=7: the four that are kept, and those before them.
        let mut fields: Vec<&'r str> = Vec::with_capacity(8);
        for offset in index.chunks_exact(4) {
            let offset = u32::from_le_bytes(offset.try_into().expect("4 bytes")) as usize;
            fields.clear();
            match record(records, offset) {
                Some(joined) => fields.extend(joined.split('\0').take(8)),
                None => fields.push("UNK"),
            }
            let d = WordDetails::from_fields(&fields);
            let class = match classes.get(&(d.pos, d.pos1)) {
                Some(&c) => c,
                None => {
                    let c = u16::try_from(table.classes.len()).map_err(|_| "more than 65,536 part-of-speech classes")?;
                    table.classes.push((d.pos.into(), d.pos1.into()));
                    classes.insert((d.pos, d.pos1), c);
                    c
                }
            };
            table.class.push(class);
            let mut intern = |s: Option<&'r str>| -> u32 {
                let Some(s) = s else { return NONE };
                *strings.entry(s).or_insert_with(|| {
                    let start = table.text.len() as u32;
                    table.text.push_str(s);
                    table.text.push('\0');
                    start
                })
            };
            let base = intern(d.base);
            let reading = intern(d.reading);
            table.base.push(base);
            table.reading.push(reading);
        }
        table.text.shrink_to_fit();
        Ok(table)
    }

    /// Number of words (the system dictionary's word ids).
    pub(crate) fn len(&self) -> usize {
        self.class.len()
    }

    /// The details of system word `id` (None past the end).
    pub(crate) fn get(&self, id: u32) -> Option<WordDetails<'_>> {
        let i = id as usize;
        let (pos, pos1) = self.classes.get(*self.class.get(i)? as usize)?;
        Some(WordDetails { pos, pos1, base: self.string(self.base[i]), reading: self.string(self.reading[i]) })
    }

    fn string(&self, i: u32) -> Option<&str> {
        if i == NONE {
            return None;
        }
        // A byte scan: the strings are short, and `str::find` costs more
        // in setting up than in searching them.
        let start = i as usize;
        let len = self.text.as_bytes().get(start..)?.iter().position(|&b| b == 0)?;
        self.text.get(start..start + len)
    }
}

/// One record of `dict.words`, or None when it is malformed.
fn record(records: &[u8], offset: usize) -> Option<&str> {
    let len = u32::from_le_bytes(records.get(offset..offset.checked_add(4)?)?.try_into().ok()?) as usize;
    let start = offset + 4;
    std::str::from_utf8(records.get(start..start.checked_add(len)?)?).ok()
}

/// The table of the dictionary in `dir`, built once per process and
/// dictionary: the key is the directory with the size and modification time
/// of both files, so a dictionary rebuilt in place gets a new table (and the
/// cache forgets the old one: one table per directory). The
/// files are mapped only while the table is built (no heap copy of 31 MiB,
/// and none of their pages stay resident afterwards).
pub(crate) fn word_table(dir: &Path) -> Result<Arc<WordTable>> {
    type Key = (PathBuf, [(u64, Option<std::time::SystemTime>); 2]);
    static CACHE: Mutex<Vec<(Key, Arc<WordTable>)>> = Mutex::new(Vec::new());
    let stamp = |name: &str| -> Result<(u64, Option<std::time::SystemTime>)> {
        let path = dir.join(name);
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        Ok((meta.len(), meta.modified().ok()))
    };
    let key: Key = (dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()), [stamp("dict.wordsidx")?, stamp("dict.words")?]);
    // Held while building: two analyzers started together build it once.
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, t)) = cache.iter().find(|(k, _)| *k == key) {
        return Ok(t.clone());
    }
    let map = |name: &str| -> Result<memmap2::Mmap> {
        let path = dir.join(name);
        let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        // SAFETY: read-only private mapping of a dictionary file, as Lindera
        // maps it; the setup script replaces a dictionary by renaming a new
        // directory into place, never by writing into these files.
        unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(&path, e))
    };
    let (index, records) = (map("dict.wordsidx")?, map("dict.words")?);
    let table = WordTable::build(&index, &records)
        .map_err(|message| Error::Dictionary { path: dir.to_path_buf(), message })?;
    let table = Arc::new(table);
    // A dictionary rebuilt in place makes the table of its old files
    // useless: drop it (analyzers still holding it keep it alive), so
    // reloads do not pile up tables of about 10 MiB each.
    cache.retain(|(k, _)| k.0 != key.0);
    cache.push((key, table.clone()));
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::{default_dictionary_dir, load_system_dictionary};

    /// Every word of the system dictionary reads the same from the table as
    /// from Lindera's own records.
    #[test]
    fn table_matches_lindera_for_every_word() {
        let dir = default_dictionary_dir();
        let dict = load_system_dictionary(&dir).expect("dictionary built by scripts/setup-dictionary.sh");
        let table = word_table(&dir).expect("table");
        let count = dict.prefix_dictionary.words_idx_data.len() / 4;
        assert!(count > 300_000, "IPADIC has about 390,000 words, found {count}");
        for id in 0..count {
            let fields: Vec<&str> = dict.word_details_iter(id).collect();
            assert_eq!(table.get(id as u32), Some(WordDetails::from_fields(&fields)), "word {id}: {fields:?}");
        }
        assert_eq!(table.get(count as u32), None);
    }

    #[test]
    fn absent_and_star_fields_read_as_none() {
        let d = WordDetails::from_fields(&["名詞", "一般", "*", "*", "*", "*", "*"]);
        assert_eq!((d.pos, d.pos1, d.base, d.reading), ("名詞", "一般", None, None));
        let d = WordDetails::from_fields(&[]);
        assert_eq!((d.pos, d.pos1, d.base, d.reading), ("UNK", "*", None, None));
    }
}
