//! Loading FAQ entries from JSONL, CSV and TSV.
//!
//! * **JSONL** (`*.jsonl`): one [`FaqEntry`] object per line. The minimal
//!   import form `{"id","question","answer","category"}` is valid JSONL too.
//! * **CSV / TSV** (`*.csv`, `*.tsv`): a header row naming the columns `id`,
//!   `question`, `answer` (required) and `category`, `subcategory`,
//!   `alternatives`, `keywords`, `cautions` (lists separated by `|`), `links`
//!   (`title|url` pairs separated by `;`), `escalation` (optional).
//!
//! Blank lines and lines starting with `#` (JSONL) are skipped. Every bad line
//! is reported as `file:line: message`; loading never drops an entry silently.

use std::fs;
use std::path::{Path, PathBuf};

use super::entry::{Escalation, FaqEntry, Link, Source};
use super::KnowledgeBase;
use crate::error::{Error, Result};

/// Parses JSONL text. `path` is used in error messages.
///
/// ```
/// use madoguchi::knowledge::parse_jsonl;
/// let ok = parse_jsonl("{\"id\":\"x\",\"question\":\"q\",\"answer\":\"a\",\"category\":\"c\"}\n", "f.jsonl".as_ref());
/// assert_eq!(ok.unwrap()[0].id, "x");
/// let err = parse_jsonl("\n{\"id\":\"x\"}\n", "f.jsonl".as_ref()).unwrap_err();
/// assert!(err.to_string().starts_with("f.jsonl:2:"));
/// ```
pub fn parse_jsonl(text: &str, path: &Path) -> Result<Vec<FaqEntry>> {
    let (entries, errors) = jsonl_parts(text, path);
    Error::from_many(errors).map_or(Ok(entries), Err)
}

/// The entries of the lines that parse, and an error for each that does not.
fn jsonl_parts(text: &str, path: &Path) -> (Vec<FaqEntry>, Vec<Error>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let file = path.display().to_string();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim().trim_start_matches('\u{feff}');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match serde_json::from_str::<FaqEntry>(trimmed) {
            Ok(mut e) => {
                e.source = Source { file: file.clone(), line: i + 1 };
                // serde grows each list by doubling (JSON says no length in
                // advance), so one link kept room for four: 0.5 MiB of
                // slack at 10,000 entries, kept for the server's lifetime.
                e.alternatives.shrink_to_fit();
                e.keywords.shrink_to_fit();
                e.links.shrink_to_fit();
                e.cautions.shrink_to_fit();
                entries.push(e);
            }
            Err(err) => errors.push(Error::Corpus { path: path.into(), line: i + 1, message: err.to_string() }),
        }
    }
    (entries, errors)
}

fn split_list(s: &str) -> Vec<String> {
    s.split('|').map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect()
}

/// The columns a CSV/TSV corpus may have (`id`, `question` and `answer` are
/// required).
const CSV_COLUMNS: [&str; 10] =
    ["id", "question", "answer", "category", "subcategory", "alternatives", "keywords", "cautions", "links", "escalation"];

/// Header names a CMS or a spreadsheet uses, and the column each stands
/// for (compared after lowercasing ASCII: `ID`, `Question` are read too).
const COLUMN_ALIASES: &[(&str, &str)] = &[
    ("faq id", "id"),
    ("faq_id", "id"),
    ("faq番号", "id"),
    ("質問", "question"),
    ("質問文", "question"),
    ("問い", "question"),
    ("q", "question"),
    ("回答", "answer"),
    ("回答文", "answer"),
    ("答え", "answer"),
    ("a", "answer"),
    ("カテゴリ", "category"),
    ("カテゴリー", "category"),
    ("分類", "category"),
    ("大分類", "category"),
    ("サブカテゴリ", "subcategory"),
    ("サブカテゴリー", "subcategory"),
    ("小分類", "subcategory"),
    ("類似質問", "alternatives"),
    ("言い換え", "alternatives"),
    ("キーワード", "keywords"),
    ("注意事項", "cautions"),
    ("リンク", "links"),
];

/// The column a header name stands for: itself in lowercase, or the column
/// of a known alias ([`COLUMN_ALIASES`]).
fn column_name(header: &str) -> String {
    let lower = header.to_ascii_lowercase();
    match COLUMN_ALIASES.iter().find(|(alias, _)| *alias == lower) {
        Some((_, name)) => name.to_string(),
        None => lower,
    }
}

/// Parses CSV (`delimiter = b','`) or TSV (`b'\t'`) text with a header row.
pub fn parse_csv(text: &str, path: &Path, delimiter: u8) -> Result<Vec<FaqEntry>> {
    let (entries, errors) = csv_parts(text, path, delimiter);
    Error::from_many(errors).map_or(Ok(entries), Err)
}

/// The entries of the records that parse, and an error for each that does
/// not (or one for a header nothing can be read with).
fn csv_parts(text: &str, path: &Path, delimiter: u8) -> (Vec<FaqEntry>, Vec<Error>) {
    match csv_records(text, path, delimiter) {
        Ok(parts) => parts,
        Err(e) => (Vec::new(), vec![e]),
    }
}

/// The line of the file that byte `at` is on.
fn line_at(bytes: &[u8], at: usize) -> usize {
    1 + bytes[..at].iter().filter(|&&b| b == b'\n').count()
}

/// The line a record starts on. The csv reader counts a record from the
/// end of the one before, so after blank lines its own line is one or more
/// too early: the first byte that is not a line break is where it starts.
fn line_of_record(text: &str, at: &csv::Position) -> usize {
    let from = (at.byte() as usize).min(text.len());
    let bytes = text.as_bytes();
    let start = bytes[from..].iter().position(|b| !matches!(b, b'\n' | b'\r')).map_or(bytes.len(), |i| from + i);
    // Only the breaks skipped are counted: counting from the start of the
    // file for every record made loading quadratic.
    at.line() as usize + bytes[from..start].iter().filter(|&&b| b == b'\n').count()
}

/// A double quote that misleads the csv reader, which reports neither:
/// one that opens a field and is never closed (the reader takes the end of
/// the file as its end: every line after it becomes one field, and in the
/// last column the rest of the file is lost), and one that closes a quoted
/// field with more text after it (the reader reads on: a stray quote
/// earlier, closed by this one, made every record between them one field).
#[derive(Debug, Clone, Copy, PartialEq)]
enum QuoteProblem {
    /// Byte offset of a quote left open.
    Open(usize),
    /// Byte offset of a closing quote followed by more of the field.
    TextAfter(usize),
}

/// The first [`QuoteProblem`] in `text`, read as the csv reader reads it.
fn quote_problem(text: &str, delimiter: u8) -> Option<QuoteProblem> {
    let bytes = text.as_bytes();
    let (mut open, mut field_start) = (None, true);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if open.is_some() {
            if b == b'"' {
                match bytes.get(i + 1) {
                    Some(b'"') => i += 1, // "" inside quotes: one quote character
                    None | Some(b'\n' | b'\r') => open = None,
                    Some(&next) if next == delimiter => open = None,
                    Some(_) => return Some(QuoteProblem::TextAfter(i)),
                }
            }
        } else if b == b'"' && field_start {
            open = Some(i);
            field_start = false;
        } else {
            field_start = b == delimiter || b == b'\n' || b == b'\r';
        }
        i += 1;
    }
    open.map(QuoteProblem::Open)
}

/// Column names for a message: `"URL", "更新日"`.
fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

fn csv_records(text: &str, path: &Path, delimiter: u8) -> Result<(Vec<FaqEntry>, Vec<Error>)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let corpus_err = |line: usize, message: String| Error::Corpus { path: path.into(), line, message };
    let headers = reader.headers().map_err(|e| corpus_err(1, e.to_string()))?.clone();
    let written: Vec<String> = headers.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_string()).collect();
    let names: Vec<String> = written.iter().map(|h| column_name(h)).collect();
    let col = |name: &str| names.iter().position(|h| h == name);
    // Without an id column (a CMS export of question and answer), an entry
    // is known by its file and line.
    let (id, Some(q), Some(a)) = (col("id"), col("question"), col("answer")) else {
        let missing: Vec<&str> = ["question", "answer"].into_iter().filter(|n| col(n).is_none()).collect();
        return Err(corpus_err(
            1,
            format!(
                "header must name the columns question and answer: {} missing (the header has {}; \
                 the names are lowercase English or their Japanese names, such as 質問 and 回答)",
                missing.join(", "),
                quoted(&written)
            ),
        ));
    };
    // The file's whole name: faq.csv and faq.tsv side by side stay apart.
    let stem = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    // A column nothing reads (a typo such as `catgory`, a CMS's own field),
    // or one named twice (only the first would be read), would be dropped
    // without a word: an error, like an unknown JSON field. Columns with no
    // name (a spreadsheet's trailing commas) are passed over while their
    // cells are empty; a value in one is an error on its line.
    let unnamed: Vec<usize> = names.iter().enumerate().filter(|(_, h)| h.is_empty()).map(|(i, _)| i).collect();
    let trailing_unnamed = names.iter().rev().take_while(|h| h.is_empty()).count();
    let unknown: Vec<String> = (0..names.len())
        .filter(|&i| !names[i].is_empty() && !CSV_COLUMNS.contains(&names[i].as_str()))
        .map(|i| written[i].clone())
        .collect();
    if !unknown.is_empty() {
        return Err(corpus_err(
            1,
            format!(
                "unknown column {} (the columns are {}, or their Japanese names such as 質問 and 回答; remove the others)",
                quoted(&unknown),
                CSV_COLUMNS.join(", ")
            ),
        ));
    }
    let twice: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(i, h)| !h.is_empty() && names[..*i].contains(h))
        .map(|(i, _)| written[i].clone())
        .collect();
    if !twice.is_empty() {
        return Err(corpus_err(1, format!("column {} named more than once (only one would be read)", quoted(&twice))));
    }
    let optional = |name| col(name);
    let (cat, sub, alts, kws, cautions, links, esc) = (
        optional("category"),
        optional("subcategory"),
        optional("alternatives"),
        optional("keywords"),
        optional("cautions"),
        optional("links"),
        optional("escalation"),
    );
    let file = path.display().to_string();
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| line_of_record(text, p)).unwrap_or(0);
                let message = match e.kind() {
                    // The reader's own words count lines its own way.
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } if len > expected_len => format!(
                        "{len} fields where the header has {expected_len} (a comma inside a field, as in \
                         1,000円, splits it: put the field in double quotes)"
                    ),
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. }
                        if trailing_unnamed > 0 && *len + trailing_unnamed as u64 == *expected_len =>
                    {
                        format!(
                            "{len} fields where the header has {expected_len}, of which the last {trailing_unnamed} have no \
                             name (the header ends in commas the rows do not have: remove them from the header)"
                        )
                    }
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                        "{len} fields where the header has {expected_len} (a field is missing, or a quote left \
                         open joined the lines after it)"
                    ),
                    _ => e.to_string(),
                };
                errors.push(corpus_err(line, message));
                continue;
            }
        };
        let line = record.position().map(|p| line_of_record(text, p)).unwrap_or(0);
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).map(str::trim).unwrap_or("");
        if let Some(&c) = unnamed.iter().find(|&&c| !get(Some(c)).is_empty()) {
            errors.push(corpus_err(
                line,
                format!("a value in column {} of the header, which has no name: name the column or move the value", c + 1),
            ));
            continue;
        }
        let text_opt = |c: Option<usize>| Some(get(c).to_string()).filter(|s| !s.is_empty());
        let entry_id = match id {
            Some(_) => get(id).to_string(),
            None => format!("{stem}-{line}"),
        };
        let mut e = FaqEntry::new(entry_id, get(Some(q)), get(Some(a)));
        e.category = text_opt(cat);
        e.subcategory = text_opt(sub);
        e.alternatives = split_list(get(alts));
        e.keywords = split_list(get(kws));
        e.cautions = split_list(get(cautions));
        let mut link_error = None;
        for pair in get(links).split(';').map(str::trim).filter(|p| !p.is_empty()) {
            match pair.split_once('|') {
                Some((title, url)) => e.links.push(Link { title: title.trim().into(), url: url.trim().into() }),
                None => link_error = Some(format!("link {pair:?} must be written title|url")),
            }
        }
        if let Some(m) = link_error {
            errors.push(corpus_err(line, m));
            continue;
        }
        match get(esc) {
            "" | "null" => {}
            s => match serde_json::from_value::<Escalation>(serde_json::Value::String(s.into())) {
                Ok(v) => e.escalation = Some(v),
                Err(_) => {
                    errors.push(corpus_err(line, format!("unknown escalation {s:?} (lost_stolen, fraud, operator)")));
                    continue;
                }
            },
        }
        e.source = Source { file: file.clone(), line };
        entries.push(e);
    }
    if let Some(problem) = quote_problem(text, delimiter) {
        let (QuoteProblem::Open(at) | QuoteProblem::TextAfter(at)) = problem;
        let line = line_at(text.as_bytes(), at);
        let message = match problem {
            QuoteProblem::Open(_) => {
                "a double quote opens a field here and is never closed: every line after it was read into that field \
                 (close the quote; inside a quoted field write a quote as \"\")"
            }
            QuoteProblem::TextAfter(_) => {
                "a double quote ends a quoted field here, but the field goes on: a quote inside a quoted field is \
                 written as \"\", and a quote left open on a line before ends here, taking every line between into \
                 one field"
            }
        };
        errors.push(corpus_err(line, message.into()));
    }
    Ok((entries, errors))
}

/// Loads the entries of one file, choosing the format by extension.
pub fn load_file(path: &Path) -> Result<Vec<FaqEntry>> {
    let (entries, errors) = file_parts(path);
    Error::from_many(errors).map_or(Ok(entries), Err)
}

/// The entries of one file that parse, and its problems.
fn file_parts(path: &Path) -> (Vec<FaqEntry>, Vec<Error>) {
    match read_text(path) {
        Ok(text) => match format_of(path) {
            Some(Format::Jsonl | Format::Json) => jsonl_parts(&text, path),
            Some(Format::Csv) => csv_parts(&text, path, b','),
            Some(Format::Tsv) => csv_parts(&text, path, b'\t'),
            None => (
                Vec::new(),
                vec![Error::Corpus { path: path.into(), line: 0, message: "unknown format (use .jsonl, .csv or .tsv)".into() }],
            ),
        },
        Err(e) => (Vec::new(), vec![e]),
    }
}

/// A corpus file as UTF-8 text.
fn read_text(path: &Path) -> Result<String> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        // The line of the first bad byte, so the operator can find it.
        let line = line_at(bytes, at);
        // Spreadsheets and CMSs in Japan often export Shift_JIS (CP932), or
        // UTF-16 (Excel's "Unicode text", which starts with its byte order mark).
        let message = if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
            "UTF-16, not UTF-8: save it as UTF-8 (iconv -f UTF-16 -t UTF-8)".to_string()
        } else {
            format!(
                "not UTF-8 (byte {at} of the file): save it as UTF-8; a Shift_JIS export converts with \
                 iconv -f CP932 -t UTF-8"
            )
        };
        Error::Corpus { path: path.into(), line, message }
    })?;
    Ok(text)
}

/// A corpus file's format, by its extension in any case.
#[derive(Clone, Copy)]
enum Format {
    Jsonl,
    /// Read as JSONL too (one object per line), but only when named alone.
    Json,
    Csv,
    Tsv,
}

/// A file a corpus directory is read for: `.jsonl`, `.csv`, `.tsv`.
fn in_directory(path: &Path) -> bool {
    path.is_file() && matches!(format_of(path), Some(Format::Jsonl | Format::Csv | Format::Tsv))
}

fn format_of(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "jsonl" => Some(Format::Jsonl),
        "json" => Some(Format::Json),
        "csv" => Some(Format::Csv),
        "tsv" => Some(Format::Tsv),
        _ => None,
    }
}

/// The corpus files under `path`: the file itself, or every `*.jsonl`,
/// `*.csv` and `*.tsv` in the directory (extensions in any case), sorted
/// by name. Other files (a `.json` too: in a directory it is more likely a
/// configuration than an FAQ) and subdirectories are not read
/// ([`skipped_files`] lists them).
pub fn corpus_files(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = fs::read_dir(path)
        .map_err(|e| Error::io(path, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| in_directory(p))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Corpus { path: path.into(), line: 0, message: "no .jsonl, .csv or .tsv files".into() });
    }
    Ok(files)
}

/// What a corpus directory holds that [`corpus_files`] does not read
/// (files of other formats, subdirectories; not hidden ones), sorted: for
/// `madoguchi check` to say, so that nothing is left out unseen.
///
/// ```
/// let skipped = madoguchi::knowledge::skipped_files("corpora/city".as_ref());
/// assert!(skipped.iter().any(|p| p.ends_with("README.md")));
/// ```
pub fn skipped_files(path: &Path) -> Vec<PathBuf> {
    let Ok(dir) = fs::read_dir(path) else { return Vec::new() };
    let mut out: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')))
        .filter(|p| !in_directory(p))
        .collect();
    out.sort();
    out
}

/// Loads a corpus (a file or a directory) into a validated [`KnowledgeBase`].
/// All problems in all files are reported together.
pub fn load_corpus(path: &Path) -> Result<KnowledgeBase> {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for file in corpus_files(path)? {
        let (mut e, mut problems) = file_parts(&file);
        entries.append(&mut e);
        errors.append(&mut problems);
    }
    if !errors.is_empty() {
        // Every problem at once: the entries that did parse are checked too
        // (empty fields, duplicate ids), so fixing the syntax errors does
        // not reveal a second list.
        if let Err(e) = KnowledgeBase::new(entries) {
            errors.push(e);
        }
        return Err(Error::from_problems(errors).expect("not empty"));
    }
    // Files without a single entry are a truncated export, not an FAQ: a
    // server reloading them would answer nothing from then on.
    if entries.is_empty() {
        return Err(Error::Corpus { path: path.into(), line: 0, message: "no FAQ entries in the corpus files".into() });
    }
    KnowledgeBase::new(entries)
}
