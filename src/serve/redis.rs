//! Redis as the shared store of several `serve` replicas
//! (`--sessions redis://127.0.0.1:6379/0`): sessions, rate limits, the
//! webhook outbox and the corpus version. Every write that must not race is
//! one Lua script, so it is atomic in Redis.
//!
//! Keys (all under a prefix, default `madoguchi:`):
//!
//! | key | type | what |
//! |---|---|---|
//! | `s:{id}` | hash `v`, `d` | a session: version and JSON; expires after the idle time |
//! | `sessions` | sorted set id → last save (ms) | counts sessions for the size cap |
//! | `rate:{name}:{key}` | sorted set | a sliding-window rate limit |
//! | `outbox:due` | sorted set id → due (ms) | hand-offs to deliver; a claim pushes the due time out by the lease |
//! | `outbox:ev`, `outbox:att` | hashes id → event JSON, attempts | |
//! | `outbox:seen:{id}` | string, 7 days | a delivery id already queued (no second webhook) |
//! | `corpus:version` | integer | bumped by a reload; every replica reloads when it changes |

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};

use super::limits::{RateFuture, RateLimit};
use super::outbox::{Claimed, Outbox, OutboxFuture, Pushed};
use super::webhook::HandoffEvent;
use crate::decide::{Session, SessionStore, StoreError, StoreFuture, StoreLimits, Versioned};

fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A connection to Redis shared by the stores of one server (the manager
/// reconnects by itself; clones share one multiplexed connection).
#[derive(Clone)]
pub struct RedisBackend {
    conn: ConnectionManager,
    prefix: Arc<str>,
    url: Arc<str>,
    seq: Arc<AtomicU64>,
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: show host and database only.
        f.debug_struct("RedisBackend").field("url", &redact(&self.url)).field("prefix", &self.prefix).finish()
    }
}

/// `redis://user:secret@host:6379/0` → `redis://host:6379/0`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}{}", &url[..scheme + 3], &url[at + 1..]),
        _ => url.to_string(),
    }
}

impl RedisBackend {
    /// Connects to `url` (`redis://host:port/db`), checks the server
    /// answers, and uses `prefix` for every key. Fails fast (a few seconds)
    /// when Redis is not reachable, so a misconfigured server does not start.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|e| StoreError::Unavailable(format!("{}: {e}", redact(url))))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(3)))
            .set_response_timeout(Some(Duration::from_secs(3)))
            .set_number_of_retries(2);
        let mut conn = tokio::time::timeout(Duration::from_secs(10), client.get_connection_manager_with_config(config))
            .await
            .map_err(|_| StoreError::Unavailable(format!("{}: no answer within 10 s", redact(url))))?
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", redact(url))))?;
        let pong: String = redis::cmd("PING").query_async(&mut conn).await.map_err(unavailable)?;
        if pong != "PONG" {
            return Err(StoreError::Unavailable(format!("{}: PING answered {pong:?}", redact(url))));
        }
        Ok(Self { conn, prefix: prefix.into(), url: url.into(), seq: Arc::default() })
    }

    pub(super) fn key(&self, rest: &str) -> String {
        format!("{}{rest}", self.prefix)
    }

    pub(super) fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// The session store over this connection.
    pub fn sessions(&self, limits: StoreLimits) -> RedisSessionStore {
        RedisSessionStore { backend: self.clone(), limits }
    }

    /// A sliding-window rate limit named `name` (`message`, `session`).
    pub fn rate_limit(&self, name: &str, max: u32, window: Duration) -> RedisRateLimit {
        RedisRateLimit { backend: self.clone(), name: name.into(), max: max.max(1), window }
    }

    /// The webhook outbox over this connection.
    pub fn outbox(&self, capacity: usize) -> RedisOutbox {
        RedisOutbox { backend: self.clone(), capacity: capacity.max(1) }
    }

    /// The corpus version (0 before the first reload).
    pub async fn corpus_version(&self) -> Result<u64, StoreError> {
        let v: Option<u64> = self.conn().get(self.key("corpus:version")).await.map_err(unavailable)?;
        Ok(v.unwrap_or(0))
    }

    /// Bumps the corpus version after a reload; returns the new one.
    pub async fn bump_corpus_version(&self) -> Result<u64, StoreError> {
        self.conn().incr(self.key("corpus:version"), 1u64).await.map_err(unavailable)
    }
}

/// Sessions in Redis: shared by replicas, kept across restarts, expired by
/// Redis after the idle time.
#[derive(Debug, Clone)]
pub struct RedisSessionStore {
    backend: RedisBackend,
    limits: StoreLimits,
}

const CREATE: &str = r#"
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[2]) - tonumber(ARGV[3]))
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return -1 end
redis.call('HSET', KEYS[1], 'v', 1, 'd', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[5])
return 1
"#;

const SAVE: &str = r#"
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return -2 end
if tonumber(v) ~= tonumber(ARGV[2]) then return -1 end
local next = tonumber(v) + 1
redis.call('HSET', KEYS[1], 'v', next, 'd', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
return next
"#;

const SWEEP: &str = r#"
local n = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
return {n, redis.call('ZCARD', KEYS[1])}
"#;

fn scripts() -> &'static [Script; 6] {
    static S: std::sync::OnceLock<[Script; 6]> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        [Script::new(CREATE), Script::new(SAVE), Script::new(SWEEP), Script::new(RATE), Script::new(PUSH), Script::new(CLAIM)]
    })
}

impl RedisSessionStore {
    fn idle_ms(&self) -> i64 {
        i64::try_from(self.limits.idle_secs.saturating_mul(1000)).unwrap_or(i64::MAX).max(1000)
    }

    fn session_key(&self, id: &str) -> String {
        self.backend.key(&format!("s:{id}"))
    }

    async fn sweep_count(&self) -> Result<(usize, usize), StoreError> {
        let (removed, held): (usize, usize) = scripts()[2]
            .key(self.backend.key("sessions"))
            .arg(now_ms())
            .arg(self.idle_ms())
            .invoke_async(&mut self.backend.conn())
            .await
            .map_err(unavailable)?;
        Ok((removed, held))
    }
}

fn to_json(session: &Session) -> Result<String, StoreError> {
    serde_json::to_string(session).map_err(|e| StoreError::Unavailable(format!("session does not serialize: {e}")))
}

impl SessionStore for RedisSessionStore {
    fn create<'a>(&'a self, session: &'a Session) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let result: i64 = scripts()[0]
                .key(self.session_key(&session.id))
                .key(self.backend.key("sessions"))
                .arg(to_json(session)?)
                .arg(now_ms())
                .arg(self.idle_ms())
                .arg(self.limits.max_sessions)
                .arg(&session.id)
                .invoke_async(&mut self.backend.conn())
                .await
                .map_err(unavailable)?;
            match result {
                1 => Ok(()),
                0 => Err(StoreError::Exists),
                _ => Err(StoreError::Full(self.limits.max_sessions)),
            }
        })
    }

    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Versioned>> {
        Box::pin(async move {
            let (version, data): (Option<u64>, Option<String>) =
                redis::cmd("HMGET")
                    .arg(self.session_key(id))
                    .arg("v")
                    .arg("d")
                    .query_async(&mut self.backend.conn())
                    .await
                    .map_err(unavailable)?;
            let (Some(version), Some(data)) = (version, data) else { return Ok(None) };
            let session: Session = serde_json::from_str(&data)
                .map_err(|e| StoreError::Unavailable(format!("stored session does not parse: {e}")))?;
            Ok(Some(Versioned { session, version }))
        })
    }

    fn save<'a>(&'a self, session: &'a Session, version: u64) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            let result: i64 = scripts()[1]
                .key(self.session_key(&session.id))
                .key(self.backend.key("sessions"))
                .arg(to_json(session)?)
                .arg(version)
                .arg(now_ms())
                .arg(self.idle_ms())
                .arg(&session.id)
                .invoke_async(&mut self.backend.conn())
                .await
                .map_err(unavailable)?;
            match result {
                -2 => Err(StoreError::Gone),
                -1 => Err(StoreError::Conflict),
                v => Ok(v as u64),
            }
        })
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut conn = self.backend.conn();
            let (deleted, _): (u64, u64) = redis::pipe()
                .atomic()
                .del(self.session_key(id))
                .zrem(self.backend.key("sessions"), id)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            Ok(deleted > 0)
        })
    }

    fn count(&self) -> StoreFuture<'_, usize> {
        Box::pin(async move { Ok(self.sweep_count().await?.1) })
    }

    fn sweep(&self, _now: i64) -> StoreFuture<'_, usize> {
        // Redis expires the sessions themselves; this trims the index.
        Box::pin(async move { Ok(self.sweep_count().await?.0) })
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}

/// `KEYS[1]` the window; `ARGV` now, window, max, unique member. Returns 0
/// when counted, else the milliseconds to wait.
const RATE: &str = r#"
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + window - now
  if wait < 1 then wait = 1 end
  return wait
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 0
"#;

/// A sliding-window rate limit counted in Redis (shared by replicas).
#[derive(Debug, Clone)]
pub struct RedisRateLimit {
    backend: RedisBackend,
    name: String,
    max: u32,
    window: Duration,
}

impl RateLimit for RedisRateLimit {
    fn hit<'a>(&'a self, key: &'a str) -> RateFuture<'a> {
        Box::pin(async move {
            let member = format!("{}-{}", now_ms(), self.backend.seq.fetch_add(1, Ordering::Relaxed));
            let member = format!("{member}-{}", super::random_suffix());
            let wait: i64 = scripts()[3]
                .key(self.backend.key(&format!("rate:{}:{key}", self.name)))
                .arg(now_ms())
                .arg(self.window.as_millis() as i64)
                .arg(self.max)
                .arg(member)
                .invoke_async(&mut self.backend.conn())
                .await
                .map_err(unavailable)?;
            Ok(if wait <= 0 { Ok(()) } else { Err(Duration::from_millis(wait as u64)) })
        })
    }
}

/// `KEYS` seen, due, ev, att; `ARGV` id, json, now, capacity. 1 queued,
/// 0 duplicate, -1 full.
const PUSH: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return -1 end
redis.call('SET', KEYS[1], 1, 'EX', 604800)
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[4], ARGV[1], 0)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
"#;

/// `KEYS` due, ev, att; `ARGV` now, lease. The oldest due entry, leased.
const CLAIM: &str = r#"
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1)
if #ids == 0 then return false end
local id = ids[1]
local ev = redis.call('HGET', KEYS[2], id)
if not ev then redis.call('ZREM', KEYS[1], id) return false end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), id)
return {ev, redis.call('HGET', KEYS[3], id) or '0'}
"#;

/// The webhook outbox in Redis: survives restarts; any replica delivers.
#[derive(Debug, Clone)]
pub struct RedisOutbox {
    backend: RedisBackend,
    capacity: usize,
}

impl Outbox for RedisOutbox {
    fn push<'a>(&'a self, event: &'a HandoffEvent) -> OutboxFuture<'a, Pushed> {
        Box::pin(async move {
            let json = serde_json::to_string(event).map_err(|e| StoreError::Unavailable(e.to_string()))?;
            let b = &self.backend;
            let result: i64 = scripts()[4]
                .key(b.key(&format!("outbox:seen:{}", event.delivery_id)))
                .key(b.key("outbox:due"))
                .key(b.key("outbox:ev"))
                .key(b.key("outbox:att"))
                .arg(&event.delivery_id)
                .arg(json)
                .arg(now_ms())
                .arg(self.capacity)
                .invoke_async(&mut b.conn())
                .await
                .map_err(unavailable)?;
            Ok(match result {
                1 => Pushed::Queued,
                0 => Pushed::Duplicate,
                _ => Pushed::Full,
            })
        })
    }

    fn claim(&self, lease: Duration) -> OutboxFuture<'_, Option<Claimed>> {
        Box::pin(async move {
            let b = &self.backend;
            let got: Option<(String, u32)> = scripts()[5]
                .key(b.key("outbox:due"))
                .key(b.key("outbox:ev"))
                .key(b.key("outbox:att"))
                .arg(now_ms())
                .arg(lease.as_millis() as i64)
                .invoke_async(&mut b.conn())
                .await
                .map_err(unavailable)?;
            let Some((json, attempts)) = got else { return Ok(None) };
            let event: HandoffEvent =
                serde_json::from_str(&json).map_err(|e| StoreError::Unavailable(format!("outbox entry does not parse: {e}")))?;
            Ok(Some(Claimed { event, attempts }))
        })
    }

    fn finish<'a>(&'a self, delivery_id: &'a str) -> OutboxFuture<'a, ()> {
        Box::pin(async move {
            let b = &self.backend;
            let _: () = redis::pipe()
                .atomic()
                .zrem(b.key("outbox:due"), delivery_id)
                .hdel(b.key("outbox:ev"), delivery_id)
                .hdel(b.key("outbox:att"), delivery_id)
                .query_async(&mut b.conn())
                .await
                .map_err(unavailable)?;
            Ok(())
        })
    }

    fn retry_later<'a>(&'a self, delivery_id: &'a str, attempts: u32, after: Duration) -> OutboxFuture<'a, ()> {
        Box::pin(async move {
            let b = &self.backend;
            let due = now_ms() + after.as_millis() as i64;
            let _: () = redis::pipe()
                .atomic()
                .cmd("ZADD")
                .arg(b.key("outbox:due"))
                .arg("XX")
                .arg(due)
                .arg(delivery_id)
                .hset(b.key("outbox:att"), delivery_id, attempts)
                .query_async(&mut b.conn())
                .await
                .map_err(unavailable)?;
            Ok(())
        })
    }

    fn len(&self) -> OutboxFuture<'_, usize> {
        Box::pin(async move { self.backend.conn().zcard(self.backend.key("outbox:due")).await.map_err(unavailable) })
    }

    fn durable(&self) -> bool {
        true
    }
}
