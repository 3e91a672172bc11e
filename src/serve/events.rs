//! The event log of `serve` (`--events DIR`, and a Redis stream with
//! `--sessions redis://…`): one masked event per turn and per piece of
//! feedback, written after the turn was saved (a turn re-run after a
//! compare-and-set conflict is logged once).
//!
//! The Redis stream is `{prefix}events` (field `event`: the JSON line),
//! capped with `XADD … MAXLEN ~ --events-stream-max`. Events go to it
//! through a bounded queue and one writer task, so a slow Redis never
//! slows a turn; a full queue drops the event and counts it in
//! `madoguchi_events_failed_total{sink="redis"}`. The day file is appended
//! to directly on the request's task: one `write` of one line to a local
//! file, cheaper than handing it to a thread.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::metrics::Metrics;
use super::redis::RedisBackend;
use crate::insights::{Event, EventError, EventSink, JsonlSink};

/// Events waiting for the Redis writer, at most.
pub const STREAM_QUEUE: usize = 10_000;

/// Appends events to a capped Redis stream (see the module docs).
#[derive(Debug)]
pub struct RedisStreamSink {
    tx: mpsc::Sender<String>,
    key: String,
}

impl RedisStreamSink {
    /// Starts the writer task (call within a Tokio runtime). `max_len` caps
    /// the stream (approximately, `MAXLEN ~`).
    pub fn spawn(backend: &RedisBackend, max_len: usize, metrics: Arc<Metrics>) -> Self {
        let (tx, mut rx) = mpsc::channel::<String>(STREAM_QUEUE);
        let key = backend.key("events");
        let mut conn = backend.conn();
        let stream = key.clone();
        tokio::spawn(async move {
            // Ends when the sink (the server's state) is dropped.
            while let Some(line) = rx.recv().await {
                let added: Result<String, _> = redis::cmd("XADD")
                    .arg(&stream)
                    .arg("MAXLEN")
                    .arg("~")
                    .arg(max_len.max(1))
                    .arg("*")
                    .arg("event")
                    .arg(&line)
                    .query_async(&mut conn)
                    .await;
                if let Err(e) = added {
                    metrics.event_failed("redis");
                    tracing::warn!(error = %e, "event not added to the Redis stream");
                }
            }
        });
        Self { tx, key }
    }

    /// The stream's key.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl EventSink for RedisStreamSink {
    fn record(&self, event: &Event) -> Result<(), EventError> {
        let line = event.to_line()?;
        self.tx.try_send(line).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => EventError::Full(STREAM_QUEUE),
            mpsc::error::TrySendError::Closed(_) => EventError::Closed,
        })
    }
}

/// Where `serve` writes events: the day files and/or the Redis stream.
#[derive(Debug, Default)]
pub struct ServeSinks {
    /// `--events DIR`.
    pub file: Option<JsonlSink>,
    /// The stream, with `--sessions redis://…`.
    pub redis: Option<RedisStreamSink>,
}

impl ServeSinks {
    /// Records `event` everywhere; a failure is logged and counted, never
    /// passed on (the customer's reply does not wait for statistics).
    pub fn record(&self, event: &Event, metrics: &Metrics) {
        if let Some(file) = &self.file
            && let Err(e) = file.record(event)
        {
            metrics.event_failed("file");
            tracing::error!(error = %e, "event not written to the events file");
        }
        if let Some(redis) = &self.redis
            && let Err(e) = redis.record(event)
        {
            metrics.event_failed("redis");
            tracing::warn!(error = %e, "event not queued for the Redis stream");
        }
    }
}
