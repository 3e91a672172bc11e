//! Per-session dialogue state and where it is kept.
//!
//! A [`Session`] is plain data (serde), so integrators can keep it anywhere;
//! [`SessionStore`] abstracts the keeping, and [`InMemorySessionStore`] is a
//! thread-safe default with idle expiry.

use std::collections::HashMap;
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
        }
    }

    /// A fresh session on a channel.
    pub fn with_channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = Some(channel.into());
        self
    }
}

/// Where sessions live. Implementations must be safe to share across threads.
pub trait SessionStore: Send + Sync {
    /// The session with this id, if any.
    fn get(&self, id: &str) -> Option<Session>;
    /// Stores (inserts or replaces) a session.
    fn put(&self, session: Session);
    /// Removes a session; returns it.
    fn remove(&self, id: &str) -> Option<Session>;
    /// Removes sessions idle since before `now - idle_secs`; returns how many.
    fn expire_idle(&self, now: i64, idle_secs: i64) -> usize;
    /// Number of sessions held.
    fn len(&self) -> usize;
    /// True when no session is held.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

const SHARDS: usize = 16;

/// The default store: sessions in memory, sharded by id so that many threads
/// rarely contend for one lock.
///
/// ```
/// use madoguchi::decide::{InMemorySessionStore, Session, SessionStore};
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
    shards: Vec<Mutex<HashMap<String, Session>>>,
}

impl Default for InMemorySessionStore {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self { shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect() }
    }

    fn shard(&self, id: &str) -> &Mutex<HashMap<String, Session>> {
        // FNV-1a: cheap and stable; ids are not attacker-controlled keys of a
        // single shared map, so no need for a keyed hash.
        let mut h: u64 = 0xcbf29ce484222325;
        for b in id.bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100000001b3);
        }
        &self.shards[(h % SHARDS as u64) as usize]
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave a HashMap half-updated in a
    // way that matters here; keep serving.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SessionStore for InMemorySessionStore {
    fn get(&self, id: &str) -> Option<Session> {
        lock(self.shard(id)).get(id).cloned()
    }
    fn put(&self, session: Session) {
        lock(self.shard(&session.id)).insert(session.id.clone(), session);
    }
    fn remove(&self, id: &str) -> Option<Session> {
        lock(self.shard(id)).remove(id)
    }
    fn expire_idle(&self, now: i64, idle_secs: i64) -> usize {
        let mut removed = 0;
        for shard in &self.shards {
            let mut map = lock(shard);
            let before = map.len();
            map.retain(|_, s| now - s.last_active <= idle_secs);
            removed += before - map.len();
        }
        removed
    }
    fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }
}
