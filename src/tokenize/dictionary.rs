//! Loading and building the IPADIC system dictionary and the domain user dictionary.
//!
//! The system dictionary is compiled from Debian's `mecab-ipadic` sources by
//! `scripts/setup-dictionary.sh` (which calls [`build_system_dictionary`]);
//! nothing is downloaded at run time.

use std::fs;
use std::path::{Path, PathBuf};

use lindera::dictionary::{Dictionary, DictionaryBuilder, Metadata, UserDictionary};

use crate::error::{Error, Result};

/// Lindera metadata for IPADIC (field layout, encoding), kept in the repo.
const IPADIC_METADATA: &str = include_str!("../../dictionaries/ipadic-metadata.json");

/// Number of columns in an IPADIC-format CSV row.
pub const IPADIC_COLUMNS: usize = 13;

/// The default location of the built system dictionary, relative to the
/// project root: `dictionaries/ipadic`.
///
/// Overridden by the `MADOGUCHI_DICTIONARY` environment variable.
pub fn default_dictionary_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MADOGUCHI_DICTIONARY") {
        return PathBuf::from(dir);
    }
    let local = PathBuf::from("dictionaries/ipadic");
    if local.join("metadata.json").exists() {
        return local;
    }
    // Fall back to the checkout this crate was built from (tests, examples, benches).
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dictionaries/ipadic")
}

fn ipadic_metadata() -> Result<Metadata> {
    Metadata::load(IPADIC_METADATA.as_bytes()).map_err(|e| Error::Dictionary {
        path: "dictionaries/ipadic-metadata.json".into(),
        message: e.to_string(),
    })
}

/// Loads a compiled system dictionary from `dir` (memory-mapped).
///
/// Fails with a message that names the setup script when the directory is
/// missing.
pub fn load_system_dictionary(dir: &Path) -> Result<Dictionary> {
    if !dir.join("metadata.json").exists() {
        return Err(Error::Dictionary {
            path: dir.to_path_buf(),
            message: "not built yet: run scripts/setup-dictionary.sh (or set MADOGUCHI_DICTIONARY)"
                .into(),
        });
    }
    lindera::dictionary::load_fs_dictionary(dir).map_err(|e| Error::Dictionary {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })
}

/// Compiles UTF-8 IPADIC sources in `source_dir` (the `*.csv` and `*.def`
/// files) into a Lindera dictionary at `output_dir`.
///
/// The dictionary is built into a temporary sibling directory and renamed into
/// place, so a process that has the old one memory-mapped never sees a
/// half-written file.
pub fn build_system_dictionary(source_dir: &Path, output_dir: &Path) -> Result<()> {
    let builder = DictionaryBuilder::new(ipadic_metadata()?);
    let parent = output_dir.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let tmp = parent.join(format!(
        ".{}.tmp-{}",
        output_dir.file_name().and_then(|n| n.to_str()).unwrap_or("dict"),
        std::process::id()
    ));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    builder
        .build_dictionary(source_dir, &tmp)
        .map_err(|e| Error::Dictionary { path: source_dir.to_path_buf(), message: e.to_string() })?;
    if output_dir.exists() {
        fs::remove_dir_all(output_dir).map_err(|e| Error::io(output_dir, e))?;
    }
    fs::rename(&tmp, output_dir).map_err(|e| Error::io(output_dir, e))?;
    Ok(())
}

/// One validated row of the user dictionary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserWord {
    /// The surface form as written in the CSV.
    pub surface: String,
    /// Part of speech (column 5), e.g. `名詞`.
    pub part_of_speech: String,
    /// Base form (column 11).
    pub base_form: String,
    /// Reading in katakana (column 12).
    pub reading: String,
    /// 1-based line in the source file.
    pub line: usize,
}

/// Parses and validates a user dictionary in 13-column IPADIC CSV format.
///
/// Format, one word per line (`#` starts a comment line, blank lines are skipped):
///
/// ```text
/// surface,left_id,right_id,cost,pos,pos1,pos2,pos3,conj_type,conj_form,base_form,reading,pronunciation
/// eSIM,1285,1285,-3000,名詞,固有名詞,一般,*,*,*,eSIM,イーシム,イーシム
/// ```
///
/// Every bad line is reported with `file:line`; nothing is silently dropped.
///
/// ```
/// let csv = "# domain words\neSIM,1285,1285,-3000,名詞,固有名詞,一般,*,*,*,eSIM,イーシム,イーシム\n";
/// let words = madoguchi::tokenize::parse_user_dictionary(csv, "user.csv".as_ref()).unwrap();
/// assert_eq!(words[0].reading, "イーシム");
/// let bad = madoguchi::tokenize::parse_user_dictionary("x,1,2\n", "user.csv".as_ref());
/// assert!(bad.unwrap_err().to_string().contains("user.csv:1"));
/// ```
pub fn parse_user_dictionary(text: &str, path: &Path) -> Result<Vec<UserWord>> {
    let mut words = Vec::new();
    let mut errors = Vec::new();
    let err = |line: usize, message: String| Error::Resource { path: path.to_path_buf(), line, message };
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = trimmed.split(',').collect();
        if cols.len() != IPADIC_COLUMNS {
            errors.push(err(line, format!("expected {IPADIC_COLUMNS} comma-separated columns, found {}", cols.len())));
            continue;
        }
        if cols[0].is_empty() {
            errors.push(err(line, "empty surface form".into()));
            continue;
        }
        let numeric = [(1, "left_id"), (2, "right_id")];
        if let Some((c, name)) = numeric.iter().find(|(c, _)| cols[*c].parse::<u16>().is_err()) {
            errors.push(err(line, format!("{name} must be an integer 0..=65535, found {:?}", cols[*c])));
            continue;
        }
        if cols[3].parse::<i16>().is_err() {
            errors.push(err(line, format!("cost must be an integer -32768..=32767, found {:?}", cols[3])));
            continue;
        }
        if cols[4].is_empty() || cols[11].is_empty() {
            errors.push(err(line, "part of speech and reading must not be empty".into()));
            continue;
        }
        words.push(UserWord {
            surface: cols[0].to_string(),
            part_of_speech: cols[4].to_string(),
            base_form: cols[10].to_string(),
            reading: cols[11].to_string(),
            line,
        });
    }
    match Error::from_many(errors) {
        Some(e) => Err(e),
        None => Ok(words),
    }
}

/// Reads, validates and compiles a user dictionary file.
pub fn load_user_dictionary(path: &Path) -> Result<(UserDictionary, Vec<UserWord>)> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let words = parse_user_dictionary(&text, path)?;
    // Hand Lindera only the validated rows, so its errors cannot be about comments.
    let body: String = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let builder = DictionaryBuilder::new(ipadic_metadata()?);
    let dict = builder
        .build_user_dict_from_reader(body.as_bytes())
        .map_err(|e| Error::Resource { path: path.to_path_buf(), line: 0, message: e.to_string() })?;
    Ok((dict, words))
}

