//! The crate's error type.
//!
//! Every error that comes from a file says which file and, where it applies,
//! which line, so a corpus owner can fix the source without guessing.

use std::path::PathBuf;

/// Errors returned by madoguchi.
///
/// ```
/// use madoguchi::Error;
/// let err = Error::Corpus { path: "faq.jsonl".into(), line: 3, message: "missing field `id`".into() };
/// assert_eq!(err.to_string(), "faq.jsonl:3: missing field `id`");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A corpus line is malformed or fails validation.
    #[error("{path}:{line}: {message}")]
    Corpus {
        /// The corpus file.
        path: PathBuf,
        /// 1-based line number (0 when the problem is not tied to one line).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A dictionary, synonym or rule file line is malformed.
    #[error("{path}:{line}: {message}")]
    Resource {
        /// The resource file.
        path: PathBuf,
        /// 1-based line number (0 when not tied to one line).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Several problems were found; each one is listed.
    #[error("{} problem(s):\n{}", .0.len(), .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Many(Vec<Error>),
    /// The morphological dictionary is missing or unusable.
    #[error("dictionary {path}: {message}")]
    Dictionary {
        /// The dictionary directory.
        path: PathBuf,
        /// What is wrong (includes how to fix it when known).
        message: String,
    },
    /// Morphological analysis failed.
    #[error("analysis failed: {0}")]
    Analysis(String),
    /// The search index failed.
    #[error("index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A caller passed an invalid argument.
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

/// Shorthand for `Result<T, madoguchi::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Builds an [`Error::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    /// Collapses a list of problems into one error (or none), flattening
    /// nested lists.
    pub fn from_problems(errors: Vec<Error>) -> Option<Self> {
        let mut flat = Vec::new();
        for e in errors {
            match e {
                Error::Many(inner) => flat.extend(inner),
                e => flat.push(e),
            }
        }
        Self::from_many(flat)
    }

    /// Collapses a list of problems into one error (or none).
    pub(crate) fn from_many(mut errors: Vec<Error>) -> Option<Self> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(Error::Many(errors)),
        }
    }
}
