//! The report's input: event files and directories, read line by line.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::ReportError;
use crate::insights::sink::day_of_file_name;

/// The files to read: each path is a file, or a directory whose
/// `events-YYYY-MM-DD.jsonl` files (and other `*.jsonl`) are read in name
/// order. Day files outside `from..=to` are skipped without being opened.
pub fn files(paths: &[PathBuf], from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Vec<(PathBuf, u64)>, ReportError> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| ReportError::Io { path: path.clone(), source })?;
        if meta.is_dir() {
            let read = std::fs::read_dir(path).map_err(|source| ReportError::Io { path: path.clone(), source })?;
            let mut names: Vec<PathBuf> = read
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl") && p.is_file())
                .filter(|p| in_range(p, from, to))
                .collect();
            names.sort();
            for p in names {
                let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                out.push((p, len));
            }
        } else {
            out.push((path.clone(), meta.len()));
        }
    }
    Ok(out)
}

fn in_range(path: &Path, from: Option<NaiveDate>, to: Option<NaiveDate>) -> bool {
    let Some(day) = path.file_name().and_then(|n| n.to_str()).and_then(day_of_file_name) else { return true };
    from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t)
}

/// Calls `line` for every line of `path` (1-based number, text, bytes read
/// so far including the newline). A line that is not UTF-8 is passed as
/// `Err`, so it is counted as bad, not fatal.
pub fn each_line(
    path: &Path,
    mut line: impl FnMut(usize, Result<&str, String>, u64),
) -> Result<(), ReportError> {
    let file = File::open(path).map_err(|source| ReportError::Io { path: path.to_path_buf(), source })?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut buf = Vec::with_capacity(1024);
    let mut n = 0;
    loop {
        buf.clear();
        let read = reader.read_until(b'\n', &mut buf).map_err(|source| ReportError::Io { path: path.to_path_buf(), source })?;
        if read == 0 {
            return Ok(());
        }
        n += 1;
        let text = std::str::from_utf8(&buf).map_err(|e| format!("not UTF-8: {e}"));
        line(n, text.map(|t| t.trim_end_matches(['\n', '\r'])), read as u64);
    }
}
