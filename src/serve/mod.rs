//! `madoguchi serve`: the HTTP JSON API, the web chat widget and the
//! contact-center webhook (cargo feature `serve`, on by default).
//!
//! | method and path | what |
//! |---|---|
//! | `GET /` | a page with the chat widget |
//! | `GET /widget.js`, `GET /widget.css` | the widget, to embed in any site |
//! | `POST /v1/sessions` | create a session (`{"channel":"web"}` optional) → `{"session_id"}` |
//! | `POST /v1/sessions/{id}/messages` | `{"text", "at"?}` → the engine's [`Reply`](crate::decide::Reply) |
//! | `POST /v1/sessions/{id}/feedback` | `{"turn", "resolved", "at"?}`: 「解決しましたか？」 → the reply to いいえ ([`feedback`]) |
//! | `GET /v1/sessions/{id}/transcript` | the masked transcript |
//! | `GET /v1/categories` | categories with counts |
//! | `GET /v1/categories/{name}/entries` | entries of a category (`?subcategory=`) |
//! | `GET /v1/suggest?q=…` | type-ahead: entries for a question still being typed ([`suggest`]) |
//! | `GET /healthz`, `GET /readyz` | liveness, readiness |
//! | `POST /v1/admin/reload` | reload the corpus from disk (every replica); sessions survive |
//! | `GET /metrics` | Prometheus metrics ([`metrics`]; admin access) |
//! | `GET /admin/report` | the insights report from `--events` (HTML, or `?format=json`; admin access) ([`report`]) |
//!
//! The full contract is `openapi.yaml` at the repository root. Errors are
//! `{"error":{"code":…,"message":…}}` with the codes listed in
//! [`limits`] and [`api`].
//!
//! **Where state lives.** Sessions, rate limits, the webhook outbox and the
//! corpus version live in this process by default, or in Redis with
//! [`ServeOptions::sessions_url`] (`--sessions redis://…`), which several
//! replicas share and which survives restarts ([`redis`]). A turn loads the
//! session with its version, runs the (pure, synchronous) engine, and saves
//! with compare-and-set; on a conflict (another replica saved a turn of the
//! same session first) it reloads and runs the turn again on the newer state,
//! up to [`CAS_ATTEMPTS`] times, then answers 409 `session_conflict`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use madoguchi::decide::Engine;
//! use madoguchi::serve::{AppState, ServeOptions, serve};
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Arc::new(Engine::from_corpus("faq-corpus")?);
//! let state = AppState::connect(engine, ServeOptions::new("faq-corpus")).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, state, async { tokio::signal::ctrl_c().await.ok(); }).await?;
//! # Ok(()) }
//! ```

pub mod api;
mod args;
pub mod auth;
pub mod events;
pub mod feedback;
pub mod limits;
pub mod listener;
pub mod metrics;
pub mod outbox;
pub mod public;
pub mod redis;
pub mod report;
pub mod suggest;
mod tasks;
pub mod webhook;
mod widget;

use std::future::Future;
use std::hash::BuildHasher;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::decide::{Engine, InMemorySessionStore, SessionStore, StoreLimits};
use crate::error::{Error, Result};

pub use args::{ServeArgs, run};
pub use auth::IpNet;
pub use limits::{Limits, RateLimit, RateLimiter};
pub use listener::PeerAddr;
pub use metrics::Metrics;
pub use outbox::{MemoryOutbox, Outbox, OutboxConfig};
pub use redis::{RedisBackend, RedisSessionStore};
pub use webhook::{HandoffEvent, Webhook, WebhookConfig, sign, verify_signature};

/// Times a turn is re-run after compare-and-set conflicts before the
/// request is answered 409 `session_conflict`.
pub const CAS_ATTEMPTS: u32 = 5;

/// Settings of the server beyond the engine.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The corpus (directory or file) that `POST /v1/admin/reload` reads.
    pub corpus: PathBuf,
    /// Sizes and rates.
    pub limits: Limits,
    /// Sessions without a message for this long are removed.
    pub session_idle: Duration,
    /// Where to POST hand-offs, if anywhere.
    pub webhook: Option<WebhookConfig>,
    /// Size of the webhook outbox and number of delivery workers.
    pub outbox: OutboxConfig,
    /// Bearer token for `/v1/admin/*` and `/metrics`. Required unless the
    /// server listens on loopback and no proxy is trusted.
    pub admin_token: Option<String>,
    /// Origins allowed to call the API from a browser (CORS), e.g.
    /// `https://support.example.jp`; `*` allows any. Empty: same origin only.
    pub allowed_origins: Vec<String>,
    /// Proxies whose `X-Forwarded-For` is believed (see [`auth`]).
    pub trusted_proxies: Vec<IpNet>,
    /// `redis://…` to keep sessions, rate limits, the outbox and the corpus
    /// version in Redis; `None` keeps them in this process.
    pub sessions_url: Option<String>,
    /// Prefix of every Redis key (several deployments can share a Redis).
    pub redis_prefix: String,
    /// Accept a client-supplied message time (`at`). For tests and demos
    /// only: the time decides opening hours and is what operators see.
    pub allow_client_time: bool,
    /// How often a replica checks whether another one reloaded the corpus.
    pub sync_interval: Duration,
    /// Write one masked event per turn and feedback to
    /// `DIR/events-YYYY-MM-DD.jsonl` (read by `GET /admin/report`).
    pub events_dir: Option<PathBuf>,
    /// With Redis: cap of the `{prefix}events` stream (`MAXLEN ~`).
    pub events_stream_max: usize,
}

impl ServeOptions {
    /// Defaults for a corpus: the [`Limits`] defaults, 30 minutes idle
    /// expiry, in-memory state, no webhook, no admin token, no CORS.
    pub fn new(corpus: impl Into<PathBuf>) -> Self {
        Self {
            corpus: corpus.into(),
            limits: Limits::default(),
            session_idle: Duration::from_secs(30 * 60),
            webhook: None,
            outbox: OutboxConfig::default(),
            admin_token: None,
            allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            sessions_url: None,
            redis_prefix: "madoguchi:".into(),
            allow_client_time: false,
            sync_interval: Duration::from_secs(1),
            events_dir: None,
            events_stream_max: 1_000_000,
        }
    }

    fn store_limits(&self) -> StoreLimits {
        StoreLimits { max_sessions: self.limits.max_sessions, idle_secs: self.session_idle.as_secs().max(1) }
    }

    /// Refuses a configuration that would open admin calls to the world: no
    /// admin token while listening beyond loopback or behind a trusted proxy.
    pub fn check_exposure(&self, listening: std::net::SocketAddr) -> Result<()> {
        if self.admin_token.is_some() {
            return Ok(());
        }
        if !listening.ip().is_loopback() {
            return Err(Error::InvalidInput(format!(
                "listening on {listening} (beyond loopback) needs an admin token: --admin-token or MADOGUCHI_ADMIN_TOKEN"
            )));
        }
        if !self.trusted_proxies.is_empty() {
            return Err(Error::InvalidInput(
                "--trusted-proxy needs an admin token (--admin-token or MADOGUCHI_ADMIN_TOKEN): \
                 behind a proxy every visitor arrives from loopback"
                    .into(),
            ));
        }
        Ok(())
    }
}

const LOCK_STRIPES: usize = 64;

/// Everything the handlers share: the engine, the stores, the limits, the
/// webhook outbox and the metrics. Build it with [`AppState::connect`] (or
/// [`AppState::new`] for in-memory state) and hand it to [`serve`].
pub struct AppState {
    engine: Arc<Engine>,
    sessions: Arc<dyn SessionStore>,
    message_rate: Arc<dyn RateLimit>,
    session_rate: Arc<dyn RateLimit>,
    suggest_rate: Arc<dyn RateLimit>,
    outbox: Arc<dyn Outbox>,
    webhook: Option<Webhook>,
    wake_outbox: Arc<tokio::sync::Notify>,
    redis: Option<RedisBackend>,
    corpus_version: AtomicU64,
    metrics: Arc<Metrics>,
    events: events::ServeSinks,
    /// In-process serialization of turns of one session (striped, bounded
    /// memory); across replicas compare-and-set keeps turns from clobbering.
    turn_locks: Vec<tokio::sync::Mutex<()>>,
    hasher: std::collections::hash_map::RandomState,
    options: ServeOptions,
    reload_lock: tokio::sync::Mutex<()>,
    started: Instant,
    accepting: AtomicBool,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("sessions", &self.sessions)
            .field("redis", &self.redis)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Shared state with everything in this process's memory. Fails on an
    /// unusable webhook, when [`ServeOptions::sessions_url`] is set (use
    /// [`AppState::connect`]), or when the OS random source does not work.
    pub fn new(engine: Arc<Engine>, options: ServeOptions) -> Result<Arc<Self>> {
        if options.sessions_url.is_some() {
            return Err(Error::InvalidInput("a Redis session store needs AppState::connect".into()));
        }
        Self::build(engine, options, None)
    }

    /// Shared state; connects to Redis when [`ServeOptions::sessions_url`]
    /// is set (and fails when it cannot be reached).
    pub async fn connect(engine: Arc<Engine>, options: ServeOptions) -> Result<Arc<Self>> {
        let redis = match &options.sessions_url {
            Some(url) => Some(
                RedisBackend::connect(url, &options.redis_prefix)
                    .await
                    .map_err(|e| Error::InvalidInput(format!("--sessions: {e}")))?,
            ),
            None => None,
        };
        let state = Self::build(engine, options, redis)?;
        if let Some(redis) = &state.redis {
            let v = redis.corpus_version().await.map_err(|e| Error::InvalidInput(format!("--sessions: {e}")))?;
            state.corpus_version.store(v, Ordering::SeqCst);
        }
        Ok(state)
    }

    fn build(engine: Arc<Engine>, options: ServeOptions, redis: Option<RedisBackend>) -> Result<Arc<Self>> {
        // Session ids are capabilities: without the OS random source, refuse to start.
        random_id("s_")?;
        let webhook = match &options.webhook {
            Some(cfg) => Some(Webhook::new(cfg.clone()).map_err(Error::InvalidInput)?),
            None => None,
        };
        let l = &options.limits;
        type Stores = (Arc<dyn SessionStore>, Arc<dyn RateLimit>, Arc<dyn RateLimit>, Arc<dyn Outbox>);
        let (sessions, message_rate, session_rate, outbox): Stores =
            match &redis {
                Some(r) => (
                    Arc::new(r.sessions(options.store_limits())),
                    Arc::new(r.rate_limit("message", l.rate_max, l.rate_window)),
                    Arc::new(r.rate_limit("session", l.session_rate_max, l.session_rate_window)),
                    Arc::new(r.outbox(options.outbox.capacity)),
                ),
                None => (
                    Arc::new(InMemorySessionStore::with_limits(options.store_limits())),
                    Arc::new(RateLimiter::new(l.rate_max, l.rate_window)),
                    Arc::new(RateLimiter::new(l.session_rate_max, l.session_rate_window)),
                    Arc::new(MemoryOutbox::new(options.outbox.capacity)),
                ),
            };
        let suggest_rate: Arc<dyn RateLimit> = match &redis {
            Some(r) => Arc::new(r.rate_limit("suggest", l.suggest_rate_max, l.suggest_rate_window)),
            None => Arc::new(RateLimiter::new(l.suggest_rate_max, l.suggest_rate_window)),
        };
        let metrics: Arc<Metrics> = Arc::default();
        let events = events::ServeSinks {
            file: match &options.events_dir {
                Some(dir) => Some(crate::insights::JsonlSink::new(dir).map_err(|e| Error::InvalidInput(format!("--events: {e}")))?),
                None => None,
            },
            // The stream needs the runtime; `redis` is only set by the async `connect`.
            redis: redis.as_ref().map(|r| events::RedisStreamSink::spawn(r, options.events_stream_max, metrics.clone())),
        };
        Ok(Arc::new(Self {
            engine,
            sessions,
            message_rate,
            session_rate,
            suggest_rate,
            outbox,
            webhook,
            wake_outbox: Arc::default(),
            redis,
            corpus_version: AtomicU64::new(0),
            metrics,
            events,
            turn_locks: (0..LOCK_STRIPES).map(|_| tokio::sync::Mutex::new(())).collect(),
            hasher: Default::default(),
            options,
            reload_lock: tokio::sync::Mutex::new(()),
            started: Instant::now(),
            accepting: AtomicBool::new(true),
        }))
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The session store.
    pub fn sessions(&self) -> &Arc<dyn SessionStore> {
        &self.sessions
    }

    /// The webhook outbox (used only when a webhook is configured).
    pub fn outbox(&self) -> &Arc<dyn Outbox> {
        &self.outbox
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The options.
    pub fn options(&self) -> &ServeOptions {
        &self.options
    }

    /// The webhook, when configured.
    pub fn webhook(&self) -> Option<&Webhook> {
        self.webhook.as_ref()
    }

    /// Removes idle sessions and stale rate-limit entries; returns how many
    /// sessions were removed.
    pub async fn sweep(&self) -> usize {
        self.message_rate.sweep_stale();
        self.session_rate.sweep_stale();
        self.suggest_rate.sweep_stale();
        match self.sessions.sweep(chrono::Utc::now().timestamp()).await {
            Ok(removed) => {
                if removed > 0 {
                    tracing::info!(removed, "expired idle sessions");
                }
                removed
            }
            Err(e) => {
                self.metrics.store_error("sessions");
                tracing::error!(error = %e, "session sweep failed");
                0
            }
        }
    }

    fn turn_lock(&self, session_id: &str) -> &tokio::sync::Mutex<()> {
        &self.turn_locks[(self.hasher.hash_one(session_id) % LOCK_STRIPES as u64) as usize]
    }
}

/// A random id: `prefix` + 32 hex digits from the OS's random source
/// (unguessable, so a session id works as a capability). There is no
/// fallback: without the OS source this fails.
pub(crate) fn random_id(prefix: &str) -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::InvalidInput(format!("the OS random source failed: {e}")))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

/// A unique suffix for Redis set members (not a secret).
pub(crate) fn random_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        bytes = COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes();
    }
    hex::encode(bytes)
}

/// A session id for logs: its prefix and first 6 hex digits (the full id
/// grants access to the transcript, so it is never logged).
///
/// ```
/// assert_eq!(madoguchi::serve::short_id("s_3f9c2a7d1b4e4c0e9a8f6d5c4b3a2910"), "s_3f9c2a…");
/// ```
pub fn short_id(id: &str) -> String {
    let cut = id.char_indices().nth(8).map_or(id.len(), |(i, _)| i);
    format!("{}…", &id[..cut])
}

/// The router with every endpoint, the body limit, CORS and request logs.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(widget::index))
        .route("/widget.js", get(widget::script))
        .route("/widget.css", get(widget::style))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/metrics", get(api::metrics))
        .route("/v1/sessions", post(api::create_session))
        .route("/v1/sessions/{id}/messages", post(api::post_message))
        .route("/v1/sessions/{id}/transcript", get(api::transcript))
        .route("/v1/sessions/{id}/feedback", post(feedback::post_feedback))
        .route("/admin/report", get(report::admin_report))
        .route("/v1/categories", get(api::categories))
        .route("/v1/categories/{name}/entries", get(api::category_entries))
        .route("/v1/suggest", get(suggest::suggest))
        .route("/v1/admin/reload", post(api::reload))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(state.options.limits.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), api::cors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), api::log_requests))
        .with_state(state)
}

/// Serves `state` on `listener` until `shutdown` completes, then finishes
/// the requests in flight. Runs the background tasks too: the idle sweeper,
/// the corpus-version watch (with Redis) and the webhook workers. Refuses
/// to start when [`ServeOptions::check_exposure`] fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    state.options.check_exposure(local).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    let background = tasks::spawn(state.clone());
    let draining = state.clone();
    let app = router(state.clone()).into_make_service_with_connect_info::<PeerAddr>();
    let read_idle = state.options.limits.read_idle;
    let result = axum::serve(listener::JsonErrorListener::new(listener, read_idle), app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            draining.accepting.store(false, Ordering::SeqCst);
            tracing::info!("shutting down: finishing requests in flight");
        })
        .await;
    background.stop(&state).await;
    result
}

