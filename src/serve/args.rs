//! `madoguchi serve`'s flags, checked at start, and the process around the
//! server (logging, runtime, signals).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{AppState, IpNet, OutboxConfig, ServeOptions, WebhookConfig, serve};
use crate::decide::Engine;
use crate::error::{Error, Result};

/// Arguments of `madoguchi serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// FAQ corpus: a directory of .jsonl/.csv/.tsv files (any case; other files are not read) or one file (re-read by POST /v1/admin/reload).
    #[arg(long, default_value = "faq-corpus")]
    pub corpus: PathBuf,
    /// Compiled IPADIC directory (default: dictionaries/ipadic or $MADOGUCHI_DICTIONARY).
    #[arg(long)]
    pub dictionary: Option<PathBuf>,
    /// Decision rules (default: the bundled dictionaries/rules.json).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Urgent-situation model (default: the bundled dictionaries/urgent-model.json; asked behind the gate in the rules file).
    #[arg(long)]
    pub urgent_model: Option<PathBuf>,
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
    /// Bearer token required by /v1/admin/* and /metrics (at least 16 characters). Required unless --addr is loopback and no --trusted-proxy is set.
    #[arg(long, env = "MADOGUCHI_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Keep sessions, rate limits, the webhook outbox and the corpus version in Redis (redis://host:port/db), shared by replicas and kept across restarts. Default: in this process.
    #[arg(long, env = "MADOGUCHI_SESSIONS", hide_env_values = true)]
    pub sessions: Option<String>,
    /// Prefix of every Redis key (lets deployments share one Redis).
    #[arg(long, default_value = "madoguchi:")]
    pub redis_prefix: String,
    /// A proxy (address or CIDR network) whose X-Forwarded-For is believed for the client address; repeatable. Needs --admin-token.
    #[arg(long = "trusted-proxy")]
    pub trusted_proxies: Vec<String>,
    /// Accept a client-supplied message time (`at`). For tests and demos only: it decides opening hours.
    #[arg(long)]
    pub allow_client_time: bool,
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
    /// New sessions allowed per client address per --session-rate-window-secs.
    #[arg(long, default_value_t = 20)]
    pub session_rate_limit: u32,
    /// Window of the session-creation rate limit, in seconds.
    #[arg(long, default_value_t = 60)]
    pub session_rate_window_secs: u64,
    /// Type-ahead requests (GET /v1/suggest) allowed per client address per --suggest-rate-window-secs.
    #[arg(long, default_value_t = 120)]
    pub suggest_rate_limit: u32,
    /// Window of the type-ahead rate limit, in seconds.
    #[arg(long, default_value_t = 60)]
    pub suggest_rate_window_secs: u64,
    /// Most sessions held at once (503 beyond).
    #[arg(long, default_value_t = 10_000)]
    pub max_sessions: usize,
    /// Most customer turns in one session.
    #[arg(long, default_value_t = 500)]
    pub max_turns: u32,
    /// Largest transcript of one session, in bytes (at least 4096): a
    /// session at or over it takes no more messages, so the turn that
    /// crosses it is the last.
    #[arg(long, default_value_t = 128 * 1024)]
    pub max_transcript_bytes: usize,
    /// Close a connection that sends nothing for this many seconds (an
    /// unfinished request, an idle keep-alive connection).
    #[arg(long, default_value_t = 30)]
    pub read_idle_secs: u64,
    /// Most hand-offs waiting for webhook delivery.
    #[arg(long, default_value_t = 10_000)]
    pub webhook_queue: usize,
    /// Attempts per hand-off delivery, the first included.
    #[arg(long, default_value_t = 3)]
    pub webhook_attempts: u32,
    /// Wait before the second delivery attempt, in milliseconds (doubled before each later one).
    #[arg(long, default_value_t = 500)]
    pub webhook_backoff_ms: u64,
    /// Time limit of one delivery attempt, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    pub webhook_timeout_ms: u64,
    /// Webhook deliveries in progress at once (per replica).
    #[arg(long, default_value_t = 4)]
    pub webhook_workers: usize,
    /// Write one masked event per turn and feedback to DIR/events-YYYY-MM-DD.jsonl (for `madoguchi report` and GET /admin/report). With --sessions redis://… events also go to the {prefix}events stream.
    #[arg(long, value_name = "DIR", env = "MADOGUCHI_EVENTS")]
    pub events: Option<PathBuf>,
    /// Cap of the Redis events stream (XADD MAXLEN ~).
    #[arg(long, default_value_t = 1_000_000)]
    pub events_stream_max: usize,
    /// Log JSON lines instead of text (filter with RUST_LOG, default `info`).
    #[arg(long)]
    pub log_json: bool,
}

impl ServeArgs {
    /// The [`ServeOptions`] these arguments describe; every value is
    /// checked, and all problems are reported at once.
    pub fn options(&self) -> Result<ServeOptions> {
        let mut problems = Vec::new();
        let mut options = ServeOptions::new(&self.corpus);
        let positive = |name: &str, v: u64, problems: &mut Vec<String>| {
            if v == 0 {
                problems.push(format!("--{name} must be at least 1"));
            }
        };
        positive("session-idle-secs", self.session_idle_secs, &mut problems);
        positive("rate-limit", self.rate_limit.into(), &mut problems);
        positive("rate-window-secs", self.rate_window_secs, &mut problems);
        positive("session-rate-limit", self.session_rate_limit.into(), &mut problems);
        positive("session-rate-window-secs", self.session_rate_window_secs, &mut problems);
        positive("suggest-rate-limit", self.suggest_rate_limit.into(), &mut problems);
        positive("suggest-rate-window-secs", self.suggest_rate_window_secs, &mut problems);
        positive("max-sessions", self.max_sessions as u64, &mut problems);
        positive("max-turns", self.max_turns.into(), &mut problems);
        positive("read-idle-secs", self.read_idle_secs, &mut problems);
        positive("webhook-queue", self.webhook_queue as u64, &mut problems);
        positive("webhook-workers", self.webhook_workers as u64, &mut problems);
        if self.max_transcript_bytes < 4096 {
            problems.push("--max-transcript-bytes must be at least 4096".into());
        }
        options.session_idle = Duration::from_secs(self.session_idle_secs.max(1));
        let l = &mut options.limits;
        l.rate_max = self.rate_limit.max(1);
        l.rate_window = Duration::from_secs(self.rate_window_secs.max(1));
        l.session_rate_max = self.session_rate_limit.max(1);
        l.session_rate_window = Duration::from_secs(self.session_rate_window_secs.max(1));
        l.suggest_rate_max = self.suggest_rate_limit.max(1);
        l.suggest_rate_window = Duration::from_secs(self.suggest_rate_window_secs.max(1));
        l.max_sessions = self.max_sessions.max(1);
        l.max_turns = self.max_turns.max(1);
        l.max_transcript_bytes = self.max_transcript_bytes;
        l.read_idle = Duration::from_secs(self.read_idle_secs.max(1));
        options.outbox = OutboxConfig { capacity: self.webhook_queue.max(1), workers: self.webhook_workers.clamp(1, 64) };
        options.admin_token = self.admin_token.clone().filter(|t| !t.is_empty());
        if options.admin_token.as_ref().is_some_and(|t| t.len() < 16) {
            problems.push("--admin-token must be at least 16 characters".into());
        }
        options.allowed_origins = self.allow_origins.clone();
        options.allow_client_time = self.allow_client_time;
        for p in &self.trusted_proxies {
            match p.parse::<IpNet>() {
                Ok(net) => options.trusted_proxies.push(net),
                Err(e) => problems.push(format!("--trusted-proxy {e}")),
            }
        }
        match self.sessions.as_deref().filter(|s| !s.is_empty()) {
            Some(url) if url.starts_with("redis://") || url.starts_with("redis+unix://") => options.sessions_url = Some(url.to_string()),
            Some(url) => problems.push(format!(
                "--sessions {}: expected redis://host:port/db (or leave it out for in-memory sessions)",
                super::redis::redact(url)
            )),
            None => {}
        }
        options.redis_prefix = self.redis_prefix.clone();
        positive("events-stream-max", self.events_stream_max as u64, &mut problems);
        options.events_stream_max = self.events_stream_max.max(1);
        if let Some(dir) = &self.events {
            if dir.exists() && !dir.is_dir() {
                problems.push(format!("--events {}: not a directory (events go to DIR/events-YYYY-MM-DD.jsonl)", dir.display()));
            }
            options.events_dir = Some(dir.clone());
        }
        match (&self.webhook_url, &self.webhook_secret) {
            (Some(url), Some(secret)) if !url.is_empty() => {
                let mut cfg = WebhookConfig::new(url, secret);
                cfg.attempts = self.webhook_attempts.clamp(1, 100);
                cfg.backoff = Duration::from_millis(self.webhook_backoff_ms);
                cfg.timeout = Duration::from_millis(self.webhook_timeout_ms.max(100));
                match super::Webhook::new(cfg.clone()) {
                    Ok(_) => options.webhook = Some(cfg),
                    Err(e) => problems.push(format!("--webhook-url: {e}")),
                }
            }
            (Some(url), None) if !url.is_empty() => {
                problems.push("--webhook-url needs --webhook-secret (or MADOGUCHI_WEBHOOK_SECRET)".into())
            }
            _ => {}
        }
        match self.addr.parse::<SocketAddr>() {
            Ok(addr) => {
                if let Err(e) = options.check_exposure(addr) {
                    problems.push(e.to_string());
                }
            }
            Err(_) if self.admin_token.is_none() => problems.push(format!(
                "--addr {}: give an IP address and port (a host name needs --admin-token)",
                self.addr
            )),
            Err(_) => {}
        }
        if problems.is_empty() { Ok(options) } else { Err(Error::InvalidInput(problems.join("\n"))) }
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

/// Gives the pages the index build freed inside glibc's heap back to the
/// system before the rules are compiled, so they do not stack on top of
/// them: the served 10k corpus peaked about 3 MB lower (VmHWM). The server owns its
/// process, so it may do this; the library's other entry points leave the
/// host's allocator alone.
pub(super) fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only releases free heap pages; it is
        // thread-safe (it takes the arena locks).
        unsafe {
            malloc_trim(0);
        }
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
    return_freed_memory();
    // The rules compile after the index build, not beside it (as the CLI
    // does): their heap on top of the build's peak put the served 10k
    // corpus at 132 MB instead of 117 MB (VmHWM).
    let mut builder = Engine::builder().config(crate::decide::EngineConfig::from_config(&config));
    if args.rules.is_some() || args.urgent_model.is_some() {
        builder = builder.rules(crate::decide::RuleSet::from_files(args.rules.as_deref(), args.urgent_model.as_deref())?);
    }
    if let Some(path) = &args.routes {
        builder = builder.calendar(crate::decide::Calendar::load(path)?);
    }
    let engine = Arc::new(builder.build(retriever)?);
    tracing::info!(entries, corpus = %args.corpus.display(), ms = started.elapsed().as_millis() as u64, "corpus loaded");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::InvalidInput(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let state = AppState::connect(engine, options).await?;
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
        tracing::info!(addr = %local, webhook = state.webhook.is_some(), store = state.sessions.kind(), "listening");
        serve(listener, state, shutdown_signal())
            .await
            .map_err(|e| Error::InvalidInput(format!("server error: {e}")))?;
        tracing::info!("stopped");
        Ok(())
    })
}
