//! Per-session dialogue state and where it is kept.
//!
//! A [`Session`] is plain data (serde), so integrators can keep it anywhere;
//! [`SessionStore`] abstracts the keeping, and [`InMemorySessionStore`] is a
//! thread-safe default with idle expiry. `madoguchi serve` also has a Redis
//! store (`madoguchi::serve::RedisSessionStore`) that several replicas share.
//!
//! The store is **versioned**: [`SessionStore::load`] returns the session
//! with its version, and [`SessionStore::save`] writes only if the version is
//! still the one that was loaded (compare-and-set). Two servers that run a
//! turn of the same session at once cannot overwrite each other: the second
//! save gets [`StoreError::Conflict`], reloads and runs its turn again on the
//! newer state (the engine is pure, so re-running a turn is safe).
//!
//! The trait is async (boxed futures, so it works as `dyn SessionStore`)
//! because a shared store is reached over the network; the in-memory store's
//! futures are ready at once. An event sink (e.g. a log of turns) can sit
//! beside a store without changing it: it would be a second trait that the
//! server calls after a successful save.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use super::reply::HandoffReason;
use super::rules::UrgentKind;

/// Who said a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// The customer.
    Customer,
    /// The bot.
    Bot,
}

/// One transcript line. Customer text is stored masked.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TranscriptLine {
    /// Turn number (1-based; the bot's line shares the customer's turn).
    pub turn: u32,
    /// Who spoke.
    pub speaker: Speaker,
    /// The text, with personal data masked.
    pub text: String,
    /// Message time (RFC 3339).
    pub at: String,
    /// For bot lines: the reply kind (`answer`, `clarify`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// For answers: the FAQ entry id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
}

/// A clarification waiting for the customer's pick.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PendingClarification {
    /// Candidate entry ids, in the order shown (choice 1 first).
    pub candidates: Vec<String>,
    /// The customer's message that led to the clarification (masked).
    pub query: String,
}

/// The state of one conversation.
///
/// ```
/// let s = madoguchi::decide::Session::new("abc");
/// let json = serde_json::to_string(&s).unwrap();
/// let back: madoguchi::decide::Session = serde_json::from_str(&json).unwrap();
/// assert_eq!(back.id, "abc");
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Session {
    /// Session id.
    pub id: String,
    /// Channel the customer uses (`web`, `app`, …), if known.
    #[serde(default)]
    pub channel: Option<String>,
    /// Number of customer turns so far.
    #[serde(default)]
    pub turns: u32,
    /// Transcript, masked.
    #[serde(default)]
    pub transcript: Vec<TranscriptLine>,
    /// A clarification waiting for an answer.
    #[serde(default)]
    pub pending: Option<PendingClarification>,
    /// Consecutive turns without an answer (fallback or clarify).
    #[serde(default)]
    pub consecutive_failures: u32,
    /// Harassment strikes.
    #[serde(default)]
    pub strikes: u32,
    /// Category of the last answered entry (for follow-ups).
    #[serde(default)]
    pub last_category: Option<String>,
    /// Last answered entry id (for follow-ups).
    #[serde(default)]
    pub last_entry: Option<String>,
    /// Closed under the harassment policy.
    #[serde(default)]
    pub ended: bool,
    /// True once the session was handed to a person.
    #[serde(default)]
    pub handed_off: bool,
    /// Why the session was last handed off.
    #[serde(default)]
    pub handoff_reason: Option<HandoffReason>,
    /// For an urgent hand-off: the situation.
    #[serde(default)]
    pub handoff_urgent_kind: Option<UrgentKind>,
    /// The route of the last hand-off (a repeat gets the same one).
    #[serde(default)]
    pub handoff_route: Option<String>,
    /// Unix time (seconds) of the last message, for idle expiry.
    #[serde(default)]
    pub last_active: i64,
    /// Turns whose answer got the customer's feedback (one answer each).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feedback: Vec<u32>,
}

impl Session {
    /// A fresh session.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            channel: None,
            turns: 0,
            transcript: Vec::new(),
            pending: None,
            consecutive_failures: 0,
            strikes: 0,
            last_category: None,
            last_entry: None,
            ended: false,
            handed_off: false,
            handoff_reason: None,
            handoff_urgent_kind: None,
            handoff_route: None,
            last_active: 0,
            feedback: Vec::new(),
        }
    }

    /// A fresh session on a channel.
    pub fn with_channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = Some(channel.into());
        self
    }
}

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The session changed since it was loaded (another turn saved first).
    #[error("the session was changed by another turn")]
    Conflict,
    /// The session is gone (expired or removed) since it was loaded.
    #[error("the session no longer exists")]
    Gone,
    /// A session with this id exists already.
    #[error("a session with this id exists already")]
    Exists,
    /// The store holds its maximum number of sessions.
    #[error("the session store is full ({0} sessions)")]
    Full(usize),
    /// The store could not be reached or answered nonsense.
    #[error("session store unavailable: {0}")]
    Unavailable(String),
}

/// A boxed future returned by [`SessionStore`] methods.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A session with the version it was stored under.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Versioned {
    /// The session.
    pub session: Session,
    /// Its version: 1 when created, +1 on every save.
    pub version: u64,
}

/// How many sessions a store holds and how long an idle one is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoreLimits {
    /// Most sessions held at once; [`SessionStore::create`] answers
    /// [`StoreError::Full`] beyond it.
    pub max_sessions: usize,
    /// Seconds without a save after which a session is removed.
    pub idle_secs: u64,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self { max_sessions: 10_000, idle_secs: 30 * 60 }
    }
}

/// Where sessions live: versioned, with idle expiry and a size cap.
/// Implementations must be safe to share across threads and tasks.
pub trait SessionStore: Send + Sync + std::fmt::Debug {
    /// Stores a new session at version 1. [`StoreError::Full`] when the store
    /// holds [`StoreLimits::max_sessions`], [`StoreError::Exists`] when the id
    /// is taken.
    fn create<'a>(&'a self, session: &'a Session) -> StoreFuture<'a, ()>;
    /// The session with this id and its version, if it exists and has not
    /// expired.
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Versioned>>;
    /// Writes `session` if its stored version is still `version`; returns the
    /// new version. [`StoreError::Conflict`] when another save came first,
    /// [`StoreError::Gone`] when the session expired meanwhile. Refreshes the
    /// idle expiry.
    fn save<'a>(&'a self, session: &'a Session, version: u64) -> StoreFuture<'a, u64>;
    /// Removes a session; true if it existed.
    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool>;
    /// Number of sessions held.
    fn count(&self) -> StoreFuture<'_, usize>;
    /// Removes sessions idle for longer than the limit at unix time `now`;
    /// returns how many (stores with native expiry may return 0).
    fn sweep(&self, now: i64) -> StoreFuture<'_, usize>;
    /// A short name for logs and metrics (`memory`, `redis`).
    fn kind(&self) -> &'static str;
}

const SHARDS: usize = 16;

type Shard = Mutex<HashMap<String, Versioned>>;

/// The default store: sessions in this process's memory, sharded by id so
/// that many threads rarely contend for one lock. Lost on restart and not
/// shared between processes (use the Redis store for that).
///
/// Besides the async [`SessionStore`] methods it has synchronous ones for
/// embedding without a runtime:
///
/// ```
/// use madoguchi::decide::{InMemorySessionStore, Session};
/// let store = InMemorySessionStore::new();
/// let mut s = Session::new("s1");
/// s.last_active = 100;
/// store.put(s);
/// assert!(store.get("s1").is_some());
/// assert_eq!(store.expire_idle(2000, 1800), 1);
/// assert!(store.get("s1").is_none());
/// ```
#[derive(Debug)]
pub struct InMemorySessionStore {
    shards: Vec<Shard>,
    limits: StoreLimits,
}

impl Default for InMemorySessionStore {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemorySessionStore {
    /// An empty store with the default [`StoreLimits`].
    pub fn new() -> Self {
        Self::with_limits(StoreLimits::default())
    }

    /// An empty store with these limits.
    pub fn with_limits(limits: StoreLimits) -> Self {
        Self { shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(), limits }
    }

    fn shard(&self, id: &str) -> &Shard {
        // Ids are random, so shards stay balanced.
        &self.shards[(crate::fnv::hash(id.as_bytes()) % SHARDS as u64) as usize]
    }

    fn idle(&self) -> i64 {
        i64::try_from(self.limits.idle_secs).unwrap_or(i64::MAX)
    }

    /// The session with this id (expired or not), without its version.
    pub fn get(&self, id: &str) -> Option<Session> {
        lock(self.shard(id)).get(id).map(|v| v.session.clone())
    }

    /// Stores a session unconditionally (inserts, or replaces and bumps
    /// the version).
    pub fn put(&self, session: Session) {
        let mut map = lock(self.shard(&session.id));
        let version = map.get(&session.id).map_or(1, |v| v.version + 1);
        map.insert(session.id.clone(), Versioned { session, version });
    }

    /// Removes sessions idle since before `now - idle_secs`; returns how many.
    pub fn expire_idle(&self, now: i64, idle_secs: i64) -> usize {
        let mut removed = 0;
        for shard in &self.shards {
            let mut map = lock(shard);
            let before = map.len();
            map.retain(|_, v| now.saturating_sub(v.session.last_active) <= idle_secs);
            removed += before - map.len();
        }
        removed
    }

    /// Number of sessions held.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }

    /// True when no session is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }

    fn create_now(&self, session: &Session) -> Result<(), StoreError> {
        if self.len() >= self.limits.max_sessions {
            self.expire_idle(Self::now(), self.idle());
            if self.len() >= self.limits.max_sessions {
                return Err(StoreError::Full(self.limits.max_sessions));
            }
        }
        let mut map = lock(self.shard(&session.id));
        if map.contains_key(&session.id) {
            return Err(StoreError::Exists);
        }
        map.insert(session.id.clone(), Versioned { session: session.clone(), version: 1 });
        Ok(())
    }

    fn load_now(&self, id: &str) -> Option<Versioned> {
        let now = Self::now();
        let map = lock(self.shard(id));
        map.get(id).filter(|v| now.saturating_sub(v.session.last_active) <= self.idle()).cloned()
    }

    fn save_now(&self, session: &Session, version: u64) -> Result<u64, StoreError> {
        let mut map = lock(self.shard(&session.id));
        let stored = map.get_mut(&session.id).ok_or(StoreError::Gone)?;
        if stored.version != version {
            return Err(StoreError::Conflict);
        }
        stored.session = session.clone();
        stored.version += 1;
        Ok(stored.version)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a HashMap half-updated in a
    // way that matters here; keep serving.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn ready<'a, T: Send + 'a>(value: Result<T, StoreError>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl SessionStore for InMemorySessionStore {
    fn create<'a>(&'a self, session: &'a Session) -> StoreFuture<'a, ()> {
        ready(self.create_now(session))
    }
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Versioned>> {
        ready(Ok(self.load_now(id)))
    }
    fn save<'a>(&'a self, session: &'a Session, version: u64) -> StoreFuture<'a, u64> {
        ready(self.save_now(session, version))
    }
    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        ready(Ok(lock(self.shard(id)).remove(id).is_some()))
    }
    fn count(&self) -> StoreFuture<'_, usize> {
        // Expired sessions are no longer served, so they do not count.
        self.expire_idle(Self::now(), self.idle());
        ready(Ok(self.len()))
    }
    fn sweep(&self, now: i64) -> StoreFuture<'_, usize> {
        ready(Ok(self.expire_idle(now, self.idle())))
    }
    fn kind(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The in-memory futures are ready on the first poll.
    fn now<T>(f: StoreFuture<'_, T>) -> Result<T, StoreError> {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = f;
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("in-memory store futures are ready at once"),
        }
    }

    fn fresh(id: &str) -> Session {
        let mut s = Session::new(id);
        s.last_active = InMemorySessionStore::now();
        s
    }

    #[test]
    fn compare_and_set_refuses_a_stale_version() {
        let store = InMemorySessionStore::new();
        let s = fresh("a");
        now(store.create(&s)).unwrap();
        assert_eq!(now(store.create(&s)), Err(StoreError::Exists));
        let loaded = now(store.load("a")).unwrap().unwrap();
        assert_eq!(loaded.version, 1);
        let mut first = loaded.session.clone();
        first.turns = 1;
        assert_eq!(now(store.save(&first, 1)), Ok(2));
        let mut second = loaded.session.clone();
        second.turns = 7;
        assert_eq!(now(store.save(&second, 1)), Err(StoreError::Conflict), "a stale writer loses");
        assert_eq!(now(store.load("a")).unwrap().unwrap().session.turns, 1);
        assert!(now(store.remove("a")).unwrap());
        assert_eq!(now(store.save(&first, 2)), Err(StoreError::Gone));
    }

    #[test]
    fn the_store_is_bounded_and_idle_sessions_expire() {
        let store = InMemorySessionStore::with_limits(StoreLimits { max_sessions: 2, idle_secs: 60 });
        now(store.create(&fresh("a"))).unwrap();
        now(store.create(&fresh("b"))).unwrap();
        assert_eq!(now(store.create(&fresh("c"))), Err(StoreError::Full(2)));
        let mut old = fresh("old");
        old.last_active -= 61;
        store.put(old);
        assert!(now(store.load("old")).unwrap().is_none(), "an idle session is not served");
        assert_eq!(now(store.sweep(InMemorySessionStore::now())).unwrap(), 1);
        assert_eq!(now(store.count()).unwrap(), 2);
    }
}
