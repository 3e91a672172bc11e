//! `madoguchi serve`: the HTTP JSON API, the web chat widget and the
//! contact-center webhook (cargo feature `serve`, on by default).
//!
//! | method and path | what |
//! |---|---|
//! | `GET /` | a page with the chat widget |
//! | `GET /widget.js`, `GET /widget.css` | the widget, to embed in any site |
//! | `POST /v1/sessions` | create a session (`{"channel":"web"}` optional) → `{"session_id"}` |
//! | `POST /v1/sessions/{id}/messages` | `{"text", "at"?}` → the engine's [`Reply`](crate::decide::Reply) |
//! | `GET /v1/sessions/{id}/transcript` | the masked transcript |
//! | `GET /v1/categories` | categories with counts |
//! | `GET /v1/categories/{name}/entries` | entries of a category (`?subcategory=`) |
//! | `GET /healthz`, `GET /readyz` | liveness, readiness |
//! | `POST /v1/admin/reload` | reload the corpus from disk; sessions survive |
//!
//! The full contract is `openapi.yaml` at the repository root. Errors are
//! `{"error":{"code":…,"message":…}}` with the codes listed in
//! [`limits`] and [`api`]. Sessions live in an
//! [`InMemorySessionStore`](crate::decide::InMemorySessionStore) and expire
//! after [`ServeOptions::session_idle`] without a message.
//!
//! ```no_run
//! use std::sync::Arc;
//! use madoguchi::decide::Engine;
//! use madoguchi::serve::{AppState, ServeOptions, serve};
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Arc::new(Engine::from_corpus("faq-corpus")?);
//! let state = AppState::new(engine, ServeOptions::new("faq-corpus"))?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, state, async { tokio::signal::ctrl_c().await.ok(); }).await?;
//! # Ok(()) }
//! ```

pub mod api;
pub mod limits;
pub mod webhook;
mod widget;

use std::future::Future;
use std::hash::BuildHasher;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::decide::{Engine, InMemorySessionStore, SessionStore};
use crate::error::{Error, Result};

pub use limits::{Limits, RateLimiter};
pub use webhook::{HandoffEvent, Webhook, WebhookConfig, sign, verify_signature};

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
    /// Bearer token for `/v1/admin/*`. Without one, admin calls are only
    /// accepted from loopback addresses.
    pub admin_token: Option<String>,
    /// Origins allowed to call the API from a browser (CORS), e.g.
    /// `https://support.example.jp`; `*` allows any. Empty: same origin only.
    pub allowed_origins: Vec<String>,
}

impl ServeOptions {
    /// Defaults for a corpus: the [`Limits`] defaults, 30 minutes idle
    /// expiry, no webhook, no admin token, no CORS.
    pub fn new(corpus: impl Into<PathBuf>) -> Self {
        Self {
            corpus: corpus.into(),
            limits: Limits::default(),
            session_idle: Duration::from_secs(30 * 60),
            webhook: None,
            admin_token: None,
            allowed_origins: Vec::new(),
        }
    }
}

const LOCK_STRIPES: usize = 64;

/// Everything the handlers share: the engine, the sessions, the limits and
/// the webhook. Build it with [`AppState::new`] and hand it to [`router`]
/// or [`serve`].
pub struct AppState {
    engine: Arc<Engine>,
    sessions: InMemorySessionStore,
    /// One turn at a time per session: messages to the same session are
    /// serialized (striped locks, so memory stays bounded).
    turn_locks: Vec<tokio::sync::Mutex<()>>,
    hasher: std::collections::hash_map::RandomState,
    rate: RateLimiter,
    webhook: Option<Webhook>,
    options: ServeOptions,
    reload_lock: tokio::sync::Mutex<()>,
    started: Instant,
    accepting: AtomicBool,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("sessions", &self.sessions.len())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Shared state around an engine. Fails on an unusable webhook
    /// configuration (see [`Webhook::new`]).
    pub fn new(engine: Arc<Engine>, options: ServeOptions) -> Result<Arc<Self>> {
        let webhook = match &options.webhook {
            Some(cfg) => Some(Webhook::new(cfg.clone()).map_err(Error::InvalidInput)?),
            None => None,
        };
        Ok(Arc::new(Self {
            engine,
            sessions: InMemorySessionStore::new(),
            turn_locks: (0..LOCK_STRIPES).map(|_| tokio::sync::Mutex::new(())).collect(),
            hasher: Default::default(),
            rate: RateLimiter::new(options.limits.rate_max, options.limits.rate_window),
            webhook,
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
    pub fn sessions(&self) -> &InMemorySessionStore {
        &self.sessions
    }

    /// The options.
    pub fn options(&self) -> &ServeOptions {
        &self.options
    }

    /// The webhook, when configured.
    pub fn webhook(&self) -> Option<&Webhook> {
        self.webhook.as_ref()
    }

    /// Removes sessions idle longer than [`ServeOptions::session_idle`] and
    /// stale rate-limit entries; returns how many sessions were removed.
    pub fn sweep(&self) -> usize {
        let now = chrono::Utc::now().timestamp();
        let idle = i64::try_from(self.options.session_idle.as_secs()).unwrap_or(i64::MAX);
        let removed = self.sessions.expire_idle(now, idle);
        self.rate.sweep(Instant::now());
        if removed > 0 {
            tracing::info!(removed, held = self.sessions.len(), "expired idle sessions");
        }
        removed
    }

    fn turn_lock(&self, session_id: &str) -> &tokio::sync::Mutex<()> {
        &self.turn_locks[(self.hasher.hash_one(session_id) % LOCK_STRIPES as u64) as usize]
    }
}

/// A random id: `prefix` + 32 hex digits from the OS's random source
/// (unguessable, so a session id works as a capability).
pub(crate) fn random_id(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: fall back to time and a counter (unique, not secret).
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        bytes[..8].copy_from_slice(&(t as u64).to_le_bytes());
        bytes[8..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    }
    format!("{prefix}{}", hex::encode(bytes))
}

/// The router with every endpoint, the body limit, CORS and request logs.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(widget::index))
        .route("/widget.js", get(widget::script))
        .route("/widget.css", get(widget::style))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/v1/sessions", post(api::create_session))
        .route("/v1/sessions/{id}/messages", post(api::post_message))
        .route("/v1/sessions/{id}/transcript", get(api::transcript))
        .route("/v1/categories", get(api::categories))
        .route("/v1/categories/{name}/entries", get(api::category_entries))
        .route("/v1/admin/reload", post(api::reload))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(state.options.limits.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), api::cors))
        .layer(axum::middleware::from_fn(api::log_requests))
        .with_state(state)
}

/// Serves `state` on `listener` until `shutdown` completes, then finishes
/// the requests in flight. Also runs the idle-session sweeper.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweep_every = (state.options.session_idle / 2).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let sweeper_state = state.clone();
    let sweeper = tokio::spawn(async move {
        let mut tick = tokio::time::interval(sweep_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            sweeper_state.sweep();
        }
    });
    let draining = state.clone();
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            draining.accepting.store(false, Ordering::SeqCst);
            tracing::info!("shutting down: finishing requests in flight");
        })
        .await;
    sweeper.abort();
    // Hand-offs still being delivered get the time their retries need.
    if let Some(webhook) = &state.webhook {
        let pending = webhook.stats().in_flight.load(Ordering::SeqCst);
        if pending > 0 {
            tracing::info!(pending, "waiting for webhook deliveries");
            if !webhook.drain(webhook.max_delivery_time()).await {
                tracing::error!("webhook deliveries still pending at exit");
            }
        }
    }
    result
}

/// Arguments of `madoguchi serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// FAQ corpus: a directory of .jsonl/.csv/.tsv files or one file (re-read by POST /v1/admin/reload).
    #[arg(long, default_value = "faq-corpus")]
    pub corpus: PathBuf,
    /// Compiled IPADIC directory (default: dictionaries/ipadic or $MADOGUCHI_DICTIONARY).
    #[arg(long)]
    pub dictionary: Option<PathBuf>,
    /// Decision rules (default: the bundled dictionaries/rules.json).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Routes and hours (default: the bundled dictionaries/routes.json).
    #[arg(long)]
    pub routes: Option<PathBuf>,
    /// Retrieval configuration written by `madoguchi tune` (default: the bundled dictionaries/config.json).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// POST hand-offs to this http:// URL (signed with --webhook-secret).
    #[arg(long, env = "MADOGUCHI_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    /// Shared secret for the webhook's X-Madoguchi-Signature (HMAC-SHA256).
    #[arg(long, env = "MADOGUCHI_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
    /// Bearer token required by /v1/admin/* (without it, only loopback clients may call them).
    #[arg(long, env = "MADOGUCHI_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Allow browser calls from this origin (CORS); repeatable; `*` for any.
    #[arg(long = "allow-origin")]
    pub allow_origins: Vec<String>,
    /// Remove sessions after this many seconds without a message.
    #[arg(long, default_value_t = 1800)]
    pub session_idle_secs: u64,
    /// Messages allowed per session per --rate-window-secs.
    #[arg(long, default_value_t = 10)]
    pub rate_limit: u32,
    /// Window of the per-session rate limit, in seconds.
    #[arg(long, default_value_t = 10)]
    pub rate_window_secs: u64,
    /// Log JSON lines instead of text (filter with RUST_LOG, default `info`).
    #[arg(long)]
    pub log_json: bool,
}

impl ServeArgs {
    /// The [`ServeOptions`] these arguments describe.
    pub fn options(&self) -> Result<ServeOptions> {
        let mut options = ServeOptions::new(&self.corpus);
        options.session_idle = Duration::from_secs(self.session_idle_secs.max(1));
        options.limits.rate_max = self.rate_limit.max(1);
        options.limits.rate_window = Duration::from_secs(self.rate_window_secs.max(1));
        options.admin_token = self.admin_token.clone().filter(|t| !t.is_empty());
        options.allowed_origins = self.allow_origins.clone();
        options.webhook = match (&self.webhook_url, &self.webhook_secret) {
            (Some(url), Some(secret)) if !url.is_empty() => Some(WebhookConfig::new(url, secret)),
            (Some(url), None) if !url.is_empty() => {
                return Err(Error::InvalidInput(
                    "--webhook-url needs --webhook-secret (or MADOGUCHI_WEBHOOK_SECRET)".into(),
                ));
            }
            _ => None,
        };
        Ok(options)
    }
}

fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr);
    // A second init (tests, embedding) keeps the first subscriber.
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Runs `madoguchi serve`: loads the corpus, listens, prints
/// `madoguchi: chat at http://…/` on stdout and serves until Ctrl-C or
/// SIGTERM.
pub fn run(args: ServeArgs) -> Result<()> {
    init_logging(args.log_json);
    let options = args.options()?;
    let started = Instant::now();
    let dir = args.dictionary.clone().unwrap_or_else(crate::tokenize::default_dictionary_dir);
    let analyzer = crate::tokenize::Analyzer::builder().dictionary_dir(dir).build()?;
    let kb = crate::knowledge::load_corpus(&args.corpus)?;
    let entries = kb.len();
    let config = match &args.config {
        Some(path) => crate::config::Config::load(path)?,
        None => crate::config::Config::bundled().clone(),
    };
    let retriever = crate::retrieve::Retriever::builder().analyzer(analyzer).config(&config).build(kb)?;
    let mut builder = Engine::builder().config(crate::decide::EngineConfig::from_config(&config));
    if let Some(path) = &args.rules {
        builder = builder.rules(crate::decide::RuleSet::load(path)?);
    }
    if let Some(path) = &args.routes {
        builder = builder.calendar(crate::decide::Calendar::load(path)?);
    }
    let engine = Arc::new(builder.build(retriever)?);
    tracing::info!(entries, corpus = %args.corpus.display(), ms = started.elapsed().as_millis() as u64, "corpus loaded");
    let state = AppState::new(engine, options)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::InvalidInput(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .map_err(|e| Error::InvalidInput(format!("cannot listen on {}: {e}", args.addr)))?;
        let local = listener.local_addr().map_err(|e| Error::InvalidInput(e.to_string()))?;
        let shown = if local.ip().is_unspecified() {
            SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), local.port())
        } else {
            local
        };
        {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "madoguchi: chat at http://{shown}/");
            let _ = writeln!(out, "madoguchi: API at http://{shown}/v1 (openapi.yaml); Ctrl-C to stop");
            let _ = out.flush();
        }
        tracing::info!(addr = %local, webhook = state.webhook.is_some(), "listening");
        serve(listener, state, shutdown_signal())
            .await
            .map_err(|e| Error::InvalidInput(format!("server error: {e}")))?;
        tracing::info!("stopped");
        Ok(())
    })
}
