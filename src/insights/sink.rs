//! Where events go: [`JsonlSink`] (one file per day), [`NoopSink`],
//! [`Sinks`] (several at once); `serve` adds a Redis stream
//! (`madoguchi::serve::RedisStreamSink`).
//!
//! A sink never fails a turn: the caller logs the error and carries on (the
//! customer's answer matters more than the statistics).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::NaiveDate;

use super::event::Event;

/// Why an event could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The file could not be opened or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The event could not be serialized (should not happen).
    #[error("event not serializable: {0}")]
    Serialize(#[from] serde_json::Error),
    /// The sink's queue is full; the event was dropped.
    #[error("event queue full ({0} events waiting); event dropped")]
    Full(usize),
    /// The sink is closed (its writer stopped).
    #[error("event sink closed")]
    Closed,
}

/// Somewhere to record events. Implementations are cheap to call on every
/// turn and never block for long (a full queue drops the event and says so).
///
/// ```
/// use madoguchi::insights::{EventSink, JsonlSink};
/// let dir = std::env::temp_dir().join(format!("madoguchi-doc-events-{}", std::process::id()));
/// let sink = JsonlSink::new(&dir).unwrap();
/// # let _ = std::fs::remove_dir_all(&dir);
/// ```
pub trait EventSink: Send + Sync + std::fmt::Debug {
    /// Records one event.
    fn record(&self, event: &Event) -> Result<(), EventError>;
}

/// Records nothing (the default of the library and `madoguchi chat`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopSink;

impl EventSink for NoopSink {
    fn record(&self, _event: &Event) -> Result<(), EventError> {
        Ok(())
    }
}

/// Appends events to `DIR/events-YYYY-MM-DD.jsonl`, one file per day of the
/// event's time (its own offset: the calendar's, JST by default). Each event
/// is one `write` of one line to a file opened for appending, so replicas
/// may share the directory and a crash loses at most the line being written.
#[derive(Debug)]
pub struct JsonlSink {
    dir: PathBuf,
    current: Mutex<Option<(NaiveDate, File)>>,
}

/// The file name of a day's events.
///
/// ```
/// let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
/// assert_eq!(madoguchi::insights::sink::day_file_name(d), "events-2026-11-30.jsonl");
/// ```
pub fn day_file_name(date: NaiveDate) -> String {
    format!("events-{}.jsonl", date.format("%Y-%m-%d"))
}

/// The date in a day file's name (`events-2026-11-30.jsonl`), if it is one.
pub fn day_of_file_name(name: &str) -> Option<NaiveDate> {
    let date = name.strip_prefix("events-")?.strip_suffix(".jsonl")?;
    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
}

impl JsonlSink {
    /// A sink writing into `dir` (created if missing).
    pub fn new(dir: impl AsRef<Path>) -> Result<Self, EventError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|source| EventError::Io { path: dir.clone(), source })?;
        if !dir.is_dir() {
            let source = std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a directory");
            return Err(EventError::Io { path: dir, source });
        }
        Ok(Self { dir, current: Mutex::new(None) })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl EventSink for JsonlSink {
    fn record(&self, event: &Event) -> Result<(), EventError> {
        let mut line = event.to_line()?;
        line.push('\n');
        let date = event.date();
        let path = self.dir.join(day_file_name(date));
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_none_or(|(d, _)| *d != date) {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|source| EventError::Io { path: path.clone(), source })?;
            *current = Some((date, file));
        }
        let Some((_, file)) = current.as_mut() else { return Err(EventError::Closed) };
        file.write_all(line.as_bytes()).map_err(|source| EventError::Io { path, source })
    }
}

/// Several sinks: each event goes to all; the first error is returned after
/// every sink was tried.
#[derive(Debug, Default)]
pub struct Sinks(pub Vec<Box<dyn EventSink>>);

impl EventSink for Sinks {
    fn record(&self, event: &Event) -> Result<(), EventError> {
        let mut first = None;
        for sink in &self.0 {
            if let Err(e) = sink.record(event) {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}
