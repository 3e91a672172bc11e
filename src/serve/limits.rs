//! Request limits of the HTTP API: sizes, session counts, transcript size
//! and rate limits (messages per session, new sessions per client address).
//!
//! Every limit that a request can break answers with a JSON error
//! (`{"error":{"code":…,"message":…}}`, see [`super::api::ApiError`]):
//!
//! | limit | default | answer |
//! |---|---|---|
//! | request body | 16 KiB | 413 `payload_too_large` |
//! | message text | 2000 characters | 422 `message_too_long` |
//! | messages per session | 10 per 10 s (sliding window) | 429 `rate_limited` + `Retry-After` |
//! | new sessions per client address | 20 per 60 s (sliding window) | 429 `rate_limited` + `Retry-After` |
//! | turns in one session | 500 | 409 `session_full` (start a new session) |
//! | transcript of one session | 128 KiB | 409 `session_full` (start a new session) |
//! | sessions held | 10 000 | 503 `too_many_sessions` |
//! | URI | 8 KiB | 414 `uri_too_long` |
//! | `q` of `GET /v1/suggest` | 200 characters | 400 `query_too_long` |
//! | suggestion requests per client address | 120 per 60 s (sliding window) | 429 `rate_limited` + `Retry-After` |
//!
//! With Redis (`--sessions redis://…`) the rate limits are counted in Redis,
//! so they hold across replicas; otherwise in this process
//! ([`RateLimiter`]).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::decide::StoreError;

/// The configurable limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Longest message text in characters (Unicode scalar values).
    pub max_message_chars: usize,
    /// Messages a session may send per [`Limits::rate_window`].
    pub rate_max: u32,
    /// The sliding window of the per-session rate limit.
    pub rate_window: Duration,
    /// Most sessions held at once; creating more answers 503.
    pub max_sessions: usize,
    /// Most customer turns in one session (bounds a transcript's size).
    pub max_turns: u32,
    /// Largest transcript of one session in bytes (customer and bot text);
    /// a session at or over it takes no more messages.
    pub max_transcript_bytes: usize,
    /// New sessions one client address may create per
    /// [`Limits::session_rate_window`].
    pub session_rate_max: u32,
    /// The sliding window of the session-creation rate limit.
    pub session_rate_window: Duration,
    /// Longest `channel` name accepted when creating a session.
    pub max_channel_chars: usize,
    /// Longest request URI (path and query) in bytes.
    pub max_uri_bytes: usize,
    /// Longest partial question (`q`) of `GET /v1/suggest`, in characters.
    pub max_suggest_chars: usize,
    /// Suggestion requests one client address may make per
    /// [`Limits::suggest_rate_window`] (type-ahead asks on pauses in typing,
    /// a few per second at most).
    pub suggest_rate_max: u32,
    /// The sliding window of the suggestion rate limit.
    pub suggest_rate_window: Duration,
    /// A connection that sends nothing for this long is closed: a request
    /// whose headers or body never finish (slowloris) cannot hold a
    /// connection, and an idle keep-alive connection is let go.
    pub read_idle: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 16 * 1024,
            max_message_chars: 2000,
            rate_max: 10,
            rate_window: Duration::from_secs(10),
            max_sessions: 10_000,
            max_turns: 500,
            max_transcript_bytes: 128 * 1024,
            session_rate_max: 20,
            session_rate_window: Duration::from_secs(60),
            max_channel_chars: 32,
            max_uri_bytes: 8 * 1024,
            max_suggest_chars: 200,
            suggest_rate_max: 120,
            suggest_rate_window: Duration::from_secs(60),
            read_idle: Duration::from_secs(30),
        }
    }
}

/// A sliding-window rate limiter keyed by session id: at most `max` events
/// in any `window`.
///
/// ```
/// use std::time::{Duration, Instant};
/// use madoguchi::serve::RateLimiter;
/// let limiter = RateLimiter::new(2, Duration::from_secs(10));
/// let t0 = Instant::now();
/// assert!(limiter.check_at("s1", t0).is_ok());
/// assert!(limiter.check_at("s1", t0).is_ok());
/// let wait = limiter.check_at("s1", t0 + Duration::from_secs(3)).unwrap_err();
/// assert_eq!(wait, Duration::from_secs(7));
/// assert!(limiter.check_at("s2", t0).is_ok(), "other sessions are not affected");
/// assert!(limiter.check_at("s1", t0 + Duration::from_secs(10)).is_ok());
/// ```
#[derive(Debug)]
pub struct RateLimiter {
    max: u32,
    window: Duration,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// A limiter allowing `max` events per `window` for each key.
    pub fn new(max: u32, window: Duration) -> Self {
        Self { max: max.max(1), window, events: Mutex::new(HashMap::new()) }
    }

    /// Records an event for `key` now, or returns how long to wait.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    /// Records an event for `key` at `now`, or returns how long to wait
    /// until one is allowed again (nothing is recorded then).
    pub fn check_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut map = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let q = map.entry(key.to_string()).or_default();
        while q.front().is_some_and(|t| now.saturating_duration_since(*t) >= self.window) {
            q.pop_front();
        }
        if q.len() >= self.max as usize {
            let oldest = *q.front().expect("a full queue has a front");
            return Err(self.window.saturating_sub(now.saturating_duration_since(oldest)));
        }
        q.push_back(now);
        Ok(())
    }

    /// Forgets keys with no event in the current window (called by the
    /// idle sweeper); returns how many were dropped.
    pub fn sweep(&self, now: Instant) -> usize {
        let mut map = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let before = map.len();
        map.retain(|_, q| q.back().is_some_and(|t| now.saturating_duration_since(*t) < self.window));
        before - map.len()
    }

    /// Forgets one key (its session was removed).
    pub fn forget(&self, key: &str) {
        self.events.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }

    /// Number of keys tracked.
    pub fn len(&self) -> usize {
        self.events.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A boxed future of a rate check: `Ok(Ok(()))` allowed (and counted),
/// `Ok(Err(wait))` refused for `wait`, `Err` when the shared store failed.
pub type RateFuture<'a> = Pin<Box<dyn Future<Output = Result<Result<(), Duration>, StoreError>> + Send + 'a>>;

/// A rate limit that the server consults: this process's [`RateLimiter`] or
/// one shared through Redis.
pub trait RateLimit: Send + Sync + std::fmt::Debug {
    /// Counts an event for `key`, or says how long to wait.
    fn hit<'a>(&'a self, key: &'a str) -> RateFuture<'a>;
    /// Drops stale keys (in-memory limiters).
    fn sweep_stale(&self) {}
}

impl RateLimit for RateLimiter {
    fn hit<'a>(&'a self, key: &'a str) -> RateFuture<'a> {
        Box::pin(std::future::ready(Ok(self.check(key))))
    }
    fn sweep_stale(&self) {
        self.sweep(Instant::now());
    }
}

/// Seconds for a `Retry-After` header: the wait rounded up, at least 1.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(madoguchi::serve::limits::retry_after_secs(Duration::from_millis(1200)), 2);
/// assert_eq!(madoguchi::serve::limits::retry_after_secs(Duration::ZERO), 1);
/// ```
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}
