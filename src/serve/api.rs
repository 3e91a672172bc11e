//! The HTTP handlers, the JSON error shape and the middleware (CORS,
//! request logs).
//!
//! Error codes (`{"error":{"code":…,"message":…}}`):
//!
//! | status | code | when |
//! |---|---|---|
//! | 400 | `malformed_json` | the body is not JSON |
//! | 400 | `bad_request` | the body could not be read, a path segment or query parameter is not UTF-8 (or `q` of `/v1/suggest` is missing, or its `limit` out of range), or the request is not HTTP/1.1 |
//! | 400 | `query_too_long` | `q` of `/v1/suggest` over [`Limits::max_suggest_chars`](super::Limits) |
//! | 401 | `unauthorized` | admin call without the right bearer token |
//! | 403 | `forbidden` | admin call without a token configured, from beyond loopback or through a proxy |
//! | 404 | `session_not_found` | unknown or expired session |
//! | 404 | `category_not_found` | unknown category |
//! | 404 | `not_found` | no such endpoint |
//! | 405 | `method_not_allowed` | wrong method for the endpoint |
//! | 409 | `session_full` | the session reached [`Limits::max_turns`](super::Limits) or [`Limits::max_transcript_bytes`](super::Limits); start a new one |
//! | 409 | `session_conflict` | other turns of the session kept winning the compare-and-set; send again |
//! | 409 | `feedback_given`, `session_ended` | feedback twice on an answer, or on a closed session ([`super::feedback`]) |
//! | 404 | `events_not_configured` | `GET /admin/report` on a server without `--events` ([`super::report`]) |
//! | 422 | `invalid_feedback` | feedback on a turn that does not exist or was not an answer |
//! | 422 | `invalid_date` | `from`/`to` of the report not YYYY-MM-DD, or `from` after `to` |
//! | 500 | `report_failed` | the events directory cannot be read |
//! | 413 | `payload_too_large` | body over [`Limits::max_body_bytes`](super::Limits) |
//! | 414 | `uri_too_long` | the URI is over [`Limits::max_uri_bytes`](super::Limits) |
//! | 415 | `unsupported_media_type` | a body without `Content-Type: application/json` |
//! | 422 | `invalid_body` | JSON of the wrong shape (not an object, no `text`, …) |
//! | 422 | `message_too_long` | `text` over [`Limits::max_message_chars`](super::Limits) |
//! | 422 | `invalid_time` | `at` is not RFC 3339 or not in 2000–2100 |
//! | 422 | `client_time_not_allowed` | `at` sent to a server without `--allow-client-time` |
//! | 422 | `invalid_channel` | `channel` not 1–32 of `A-Za-z0-9_-` |
//! | 429 | `rate_limited` | too many messages in the session, or sessions or suggestion requests from the address (`Retry-After` set) |
//! | 431 | `headers_too_large` | the request head does not fit the server's buffer |
//! | 500 | `reload_failed` | the corpus on disk has problems (listed in `message`) |
//! | 503 | `too_many_sessions` | the session store is full |
//! | 503 | `store_unavailable` | the session store (Redis) cannot be reached |

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, FixedOffset, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::listener::PeerAddr;
use super::outbox::Pushed;
use super::public::PublicReply;
use super::webhook::{HandoffEvent, delivery_id};
use super::{AppState, CAS_ATTEMPTS, auth, limits, random_id, short_id};
use crate::decide::{Reply, ReplyKind, Session, StoreError, TranscriptLine, mask};

/// An API error: status, stable code, Japanese-free English message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code (see the module docs).
    pub code: &'static str,
    /// Human-readable detail.
    pub message: String,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None }
    }

    pub(super) fn session_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "session_not_found", "no such session (unknown id, or expired after idling)")
    }

    pub(super) fn rate_limited(wait: std::time::Duration, what: String) -> Self {
        let secs = limits::retry_after_secs(wait);
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("{what}; retry after {secs} s"));
        e.retry_after = Some(secs);
        e
    }

    /// A store failure, counted in the metrics.
    pub(super) fn store(state: &AppState, store: &'static str, e: &StoreError) -> Self {
        state.metrics.store_error(store);
        tracing::error!(store, error = %e, "store call failed");
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", "the session store is unavailable; try again shortly")
    }
}

/// A path parameter, or a JSON 400 when it cannot be decoded.
pub(super) fn path_param(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(p)| p)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("bad path parameter: {}", e.body_text())))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let mime = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Reads a JSON body with our error codes. `Ok(None)` for an empty body
/// when `optional`.
pub(super) fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    optional: bool,
) -> Result<Option<T>, ApiError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "request body too large")
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("could not read the body: {rejection}"))
        }
    })?;
    if optional && bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if !is_json(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as Content-Type: application/json",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("body is not valid JSON: {e}")))?;
    // serde would read a struct from an array too; the API takes objects only.
    if !value.is_object() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "the body must be a JSON object"));
    }
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", format!("unexpected JSON: {e}")))
}

/// Body of `POST /v1/sessions` (optional).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CreateSession {
    /// `web`, `app`, … (1–32 of `A-Za-z0-9_-`).
    #[serde(default)]
    pub channel: Option<String>,
}

/// Answer of `POST /v1/sessions`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionCreated {
    /// The new session's id (keep it secret: it grants access to the transcript).
    pub session_id: String,
    /// The channel, if given.
    pub channel: Option<String>,
    /// Seconds without a message after which the session is removed.
    pub idle_expiry_secs: u64,
}

/// `POST /v1/sessions`.
pub async fn create_session(
    State(state): State<Arc<AppState>>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: CreateSession = json_body(&headers, body, true)?.unwrap_or_default();
    let limits = &state.options.limits;
    if let Some(c) = &request.channel {
        let ok = !c.is_empty()
            && c.chars().count() <= limits.max_channel_chars
            && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
        if !ok {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_channel",
                format!("channel must be 1-{} characters of A-Z a-z 0-9 _ -", limits.max_channel_chars),
            ));
        }
    }
    let client = auth::client_ip(peer, &headers, &state.options.trusted_proxies).to_string();
    rate_check(&state, &*state.session_rate, (&client, &client), "session", || {
        format!("at most {} new sessions per {} s from one address", limits.session_rate_max, limits.session_rate_window.as_secs())
    })
    .await?;
    let id = random_id("s_").map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "internal", e.to_string()))?;
    let mut session = Session::new(&id);
    session.channel = request.channel.clone();
    session.last_active = Utc::now().timestamp();
    match state.sessions.create(&session).await {
        Ok(()) => {}
        Err(StoreError::Full(held)) => {
            tracing::warn!(held, "session store full");
            return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "too_many_sessions", "too many open sessions; try again later"));
        }
        Err(e) => return Err(ApiError::store(&state, "sessions", &e)),
    }
    tracing::info!(session = %short_id(&id), channel = request.channel.as_deref().unwrap_or("-"), "session created");
    let body = SessionCreated { session_id: id.clone(), channel: request.channel, idle_expiry_secs: state.options.session_idle.as_secs() };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    // The session's one readable resource is its transcript (the session
    // itself is read only through its turns).
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/sessions/{id}/transcript")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Body of `POST /v1/sessions/{id}/messages`.
#[derive(Debug, Serialize, Deserialize)]
pub struct PostMessage {
    /// The customer's message.
    pub text: String,
    /// When it was sent (RFC 3339). Accepted only by a server started with
    /// `--allow-client-time` (tests, demos); otherwise the server's clock
    /// decides opening hours and transcript times.
    #[serde(default)]
    pub at: Option<String>,
}

/// Bytes a transcript holds (texts and times).
pub(super) fn transcript_bytes(session: &Session) -> usize {
    session.transcript.iter().map(|l| l.text.len() + l.at.len() + l.entry_id.as_ref().map_or(0, String::len) + 32).sum()
}

/// The message time: the server's clock, or `at` when the server allows it.
pub(super) fn message_time(state: &AppState, at: Option<&str>) -> Result<DateTime<FixedOffset>, ApiError> {
    let offset = state.engine.calendar().offset();
    let Some(at) = at else { return Ok(Utc::now().with_timezone(&offset)) };
    if !state.options.allow_client_time {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "client_time_not_allowed",
            "`at` is accepted only by a server started with --allow-client-time (tests and demos); leave it out",
        ));
    }
    let t = DateTime::parse_from_rfc3339(at)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_time", format!("`at` must be RFC 3339: {e}")))?;
    if !(2000..=2100).contains(&t.year()) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_time", "`at` must be in the years 2000-2100"));
    }
    Ok(t)
}

/// `POST /v1/sessions/{id}/messages` → the reply for the customer
/// ([`PublicReply`]).
pub async fn post_message(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    let request: PostMessage = json_body(&headers, body, false)?
        .ok_or_else(|| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "a JSON body with `text` is required"))?;
    let at = message_time(&state, request.at.as_deref())?;
    let chars = request.text.chars().count();
    let max = state.options.limits.max_message_chars;
    if chars > max {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "message_too_long",
            format!("text has {chars} characters; at most {max} are accepted"),
        ));
    }

    // One turn at a time per session in this process; compare-and-set
    // covers the other replicas.
    let _turn = state.turn_lock(&id).lock().await;
    let first = state.sessions.load(&id).await.map_err(|e| ApiError::store(&state, "sessions", &e))?;
    let Some(current) = first else { return Err(ApiError::session_not_found()) };
    rate_check(&state, &*state.message_rate, (&id, &short_id(&id)), "message", || {
        let l = &state.options.limits;
        format!("at most {} messages per {} s in a session", l.rate_max, l.rate_window.as_secs())
    })
    .await?;

    let started = Instant::now();
    let text = Arc::new(request.text);
    let engine = state.engine.clone();
    let message = text.clone();
    let limits = &state.options.limits;
    let full = || {
        ApiError::new(
            StatusCode::CONFLICT,
            "session_full",
            format!(
                "a session holds at most {} turns and {} bytes of transcript; start a new session",
                limits.max_turns, limits.max_transcript_bytes
            ),
        )
    };
    let (reply, saved, attempt) = update_session(
        &state,
        &id,
        current,
        full,
        "other messages to this session kept arriving at the same time; send the message again",
        move |session| Ok(engine.respond_at(session, &message, at)),
    )
    .await?;
    let took = started.elapsed();
    state.metrics.turn(reply.kind.as_str(), took);
    tracing::info!(
        session = %short_id(&id), turn = reply.turn, kind = reply.kind.as_str(), chars, attempt,
        pii = reply.flags.pii_detected, entry = reply.answer.as_ref().map(|a| a.id.as_str()).unwrap_or("-"),
        ms = took.as_millis() as u64, "message"
    );
    tracing::debug!(session = %short_id(&id), text = %mask(&text).text, "message text (masked)");
    if let Some(h) = &reply.handoff {
        state.metrics.handoff(h.reason.as_str(), h.repeat);
    }
    // Logged once, after the save that counted (not per compare-and-set attempt).
    state.events.record(&crate::insights::Event::turn(&saved, &reply, at), &state.metrics);
    enqueue_handoff(&state, &id, &reply, saved.channel.clone(), at).await;
    Ok(Json(PublicReply::from(&reply)).into_response())
}

/// One hit on a rate limiter for `key` (a client address or a session id):
/// under the limit, `Ok`; over it, 429 `rate_limited` with `Retry-After`,
/// counted in the metrics as `what` and logged as `who` (never a whole
/// session id: it opens the transcript); a store failure, its error.
pub(super) async fn rate_check(
    state: &AppState,
    limiter: &dyn limits::RateLimit,
    (key, who): (&str, &str),
    what: &'static str,
    limit: impl FnOnce() -> String,
) -> Result<(), ApiError> {
    match limiter.hit(key).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(wait)) => {
            state.metrics.rate_limited(what);
            tracing::warn!(%who, what, "rate limited");
            Err(ApiError::rate_limited(wait, limit()))
        }
        Err(e) => Err(ApiError::store(state, "rate", &e)),
    }
}

/// Runs `step` (a turn, a feedback) on the stored session off the async
/// runtime and saves the result with compare-and-set. On a conflict another
/// replica saved first: the session is loaded again and `step` re-run, up to
/// [`CAS_ATTEMPTS`] times, then 409 `session_conflict` with `retry_hint`. A
/// full session (`full`) is refused before every attempt. Returns what
/// `step` returned, the saved session and the number of attempts.
pub(super) async fn update_session<T: Send + 'static>(
    state: &AppState,
    id: &str,
    mut current: crate::decide::Versioned,
    full: impl Fn() -> ApiError,
    retry_hint: &'static str,
    step: impl Fn(&mut Session) -> Result<T, ApiError> + Clone + Send + 'static,
) -> Result<(T, Session, u32), ApiError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let limits = &state.options.limits;
        if current.session.turns >= limits.max_turns || transcript_bytes(&current.session) >= limits.max_transcript_bytes {
            return Err(full());
        }
        let (mut session, run) = (current.session.clone(), step.clone());
        let (session, result) = tokio::task::spawn_blocking(move || {
            let result = run(&mut session);
            (session, result)
        })
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the session update failed: {e}")))?;
        let out = result?;
        let mut session = session;
        // Idle expiry counts real time, whatever `at` said.
        session.last_active = Utc::now().timestamp();
        match state.sessions.save(&session, current.version).await {
            Ok(_) => return Ok((out, session, attempt)),
            Err(StoreError::Conflict) if attempt < CAS_ATTEMPTS => {
                state.metrics.conflict();
                match state.sessions.load(id).await.map_err(|e| ApiError::store(state, "sessions", &e))? {
                    Some(newer) => current = newer,
                    None => return Err(ApiError::session_not_found()),
                }
            }
            Err(StoreError::Conflict) => {
                state.metrics.conflict();
                return Err(ApiError::new(StatusCode::CONFLICT, "session_conflict", retry_hint));
            }
            Err(StoreError::Gone) => return Err(ApiError::session_not_found()),
            Err(e) => return Err(ApiError::store(state, "sessions", &e)),
        }
    }
}

/// Queues a new hand-off for the webhook (a repeat, same need and route,
/// opens no second ticket). The delivery id comes from the session and turn,
/// so the same hand-off is never queued twice.
pub(super) async fn enqueue_handoff(state: &AppState, id: &str, reply: &Reply, channel: Option<String>, at: DateTime<FixedOffset>) {
    let (ReplyKind::Handoff, Some(_), Some(handoff)) = (reply.kind, &state.webhook, reply.handoff.as_ref().filter(|h| !h.repeat)) else {
        return;
    };
    let event = HandoffEvent {
        event: "handoff".into(),
        delivery_id: delivery_id(id, reply.turn),
        session_id: id.to_string(),
        channel,
        turn: reply.turn,
        message: reply.message.clone(),
        created_at: at.to_rfc3339(),
        handoff: handoff.clone(),
    };
    match state.outbox.push(&event).await {
        Ok(Pushed::Queued) => {
            tracing::info!(session = %short_id(id), delivery = %event.delivery_id, reason = handoff.reason.as_str(), "hand-off queued for the webhook");
            state.wake_outbox.notify_one();
        }
        Ok(Pushed::Duplicate) => state.metrics.webhook("duplicate"),
        Ok(Pushed::Full) => {
            state.metrics.webhook("dropped");
            tracing::error!(session = %short_id(id), delivery = %event.delivery_id, "webhook outbox full: hand-off NOT queued (the customer got the route)");
        }
        Err(e) => {
            state.metrics.store_error("outbox");
            state.metrics.webhook("dropped");
            tracing::error!(session = %short_id(id), delivery = %event.delivery_id, error = %e, "could not queue the hand-off (the customer got the route)");
        }
    }
}

/// Answer of `GET /v1/sessions/{id}/transcript`.
#[derive(Debug, Serialize, Deserialize)]
pub struct TranscriptView {
    /// Session id.
    pub session_id: String,
    /// Channel, if known.
    pub channel: Option<String>,
    /// Customer turns so far.
    pub turns: u32,
    /// Closed under the harassment policy.
    pub ended: bool,
    /// Handed to a person.
    pub handed_off: bool,
    /// The transcript; customer text is masked.
    pub transcript: Vec<TranscriptLine>,
}

/// `GET /v1/sessions/{id}/transcript`.
pub async fn transcript(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<TranscriptView>, ApiError> {
    let id = path_param(path)?;
    let loaded = state.sessions.load(&id).await.map_err(|e| ApiError::store(&state, "sessions", &e))?;
    let s = loaded.ok_or_else(ApiError::session_not_found)?.session;
    Ok(Json(TranscriptView {
        session_id: s.id,
        channel: s.channel,
        turns: s.turns,
        ended: s.ended,
        handed_off: s.handed_off,
        transcript: s.transcript,
    }))
}

/// A category in `GET /v1/categories`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CategoryView {
    /// Name.
    pub name: String,
    /// Number of entries.
    pub entries: usize,
    /// Subcategories with their counts.
    pub subcategories: Vec<SubcategoryView>,
}

/// A subcategory with its entry count.
#[derive(Debug, Serialize, Deserialize)]
pub struct SubcategoryView {
    /// Name.
    pub name: String,
    /// Number of entries.
    pub entries: usize,
}

/// `GET /v1/categories`.
pub async fn categories(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let retriever = state.engine.retriever();
    let list: Vec<CategoryView> = retriever
        .knowledge_base()
        .categories()
        .into_iter()
        .map(|c| CategoryView {
            name: c.name,
            entries: c.entries,
            subcategories: c.subcategories.into_iter().map(|(name, entries)| SubcategoryView { name, entries }).collect(),
        })
        .collect();
    Json(json!({ "categories": list }))
}

/// Query of `GET /v1/categories/{name}/entries`.
#[derive(Debug, Serialize, Deserialize)]
pub struct EntriesQuery {
    /// Only this subcategory.
    pub subcategory: Option<String>,
}

/// An entry in a category listing.
#[derive(Debug, Serialize, Deserialize)]
pub struct EntryView {
    /// Entry id.
    pub id: String,
    /// The question (send it as a message to get the answer).
    pub question: String,
    /// Subcategory.
    pub subcategory: Option<String>,
}

/// `GET /v1/categories/{name}/entries`.
pub async fn category_entries(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<EntriesQuery>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let name = path_param(path)?;
    let Query(query) = query
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("bad query: {}", e.body_text())))?;
    let retriever = state.engine.retriever();
    let kb = retriever.knowledge_base();
    if !kb.categories().iter().any(|c| c.name == name) {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "category_not_found", "no such category (see GET /v1/categories)"));
    }
    let entries: Vec<EntryView> = kb
        .browse(&name, query.subcategory.as_deref())
        .into_iter()
        .map(|e| EntryView { id: e.id.clone(), question: e.question.clone(), subcategory: e.subcategory.clone() })
        .collect();
    Ok(Json(json!({ "category": name, "subcategory": query.subcategory, "entries": entries })))
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// `GET /readyz`: the corpus is loaded, the session store answers and
/// requests are accepted (503 while shutting down or when the store is down).
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let retriever = state.engine.retriever();
    let kb = retriever.knowledge_base();
    let accepting = state.accepting.load(Ordering::SeqCst);
    let sessions = state.sessions.count().await;
    let store_ok = sessions.is_ok();
    if let Err(e) = &sessions {
        state.metrics.store_error("sessions");
        tracing::warn!(error = %e, "readiness: session store unavailable");
    }
    let outbox = match &state.webhook {
        Some(_) => state.outbox.len().await.ok(),
        None => None,
    };
    let body = json!({
        "status": if !accepting { "draining" } else if store_ok { "ready" } else { "store_unavailable" },
        "entries": kb.len(),
        "categories": kb.categories().len(),
        "store": state.sessions.kind(),
        "sessions": sessions.ok(),
        "outbox_pending": outbox,
        "corpus_version": state.corpus_version.load(Ordering::SeqCst),
        "uptime_secs": state.started.elapsed().as_secs(),
    });
    let status = if accepting && store_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

/// `GET /metrics`: Prometheus text (admin access, see [`auth`]).
pub async fn metrics(
    State(state): State<Arc<AppState>>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth::check_admin(state.options.admin_token.as_deref(), peer, &headers)?;
    let sessions = match state.sessions.count().await {
        Ok(n) => Some(n),
        Err(_) => {
            state.metrics.store_error("sessions");
            None
        }
    };
    let outbox_pending = match &state.webhook {
        Some(_) => state.outbox.len().await.ok(),
        None => None,
    };
    let gauges = super::metrics::Gauges { sessions, outbox_pending, corpus_entries: state.engine.retriever().knowledge_base().len() };
    let mut response = state.metrics.render(gauges).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    Ok(response)
}

/// Re-reads the corpus and swaps the index in; `(entries, ms)`.
pub(super) async fn rebuild(state: &AppState) -> Result<(usize, u64), ApiError> {
    let started = Instant::now();
    let engine = state.engine.clone();
    let corpus = state.options.corpus.clone();
    let built = tokio::task::spawn_blocking(move || {
        let kb = crate::knowledge::load_corpus(&corpus)?;
        engine.retriever().rebuild(kb)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("reload failed: {e}")))?;
    let retriever = built.map_err(|e| {
        tracing::error!(error = %e, "reload failed; the previous corpus stays in service");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "reload_failed", e.to_string())
    })?;
    let entries = retriever.knowledge_base().len();
    state.engine.replace_retriever(retriever);
    // The build's freed pages, and the old index once no turn holds it.
    tokio::task::spawn_blocking(super::args::return_freed_memory);
    Ok((entries, started.elapsed().as_millis() as u64))
}

/// `POST /v1/admin/reload`: re-reads the corpus and swaps the index in; with
/// Redis, bumps the corpus version so that every replica reloads too.
/// Sessions and turns in flight are unaffected; a corpus with problems
/// leaves the old one serving and answers 500 `reload_failed`.
pub async fn reload(
    State(state): State<Arc<AppState>>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    auth::check_admin(state.options.admin_token.as_deref(), peer, &headers)?;
    let _one_at_a_time = state.reload_lock.lock().await;
    let (entries, ms) = rebuild(&state).await?;
    let categories = state.engine.retriever().knowledge_base().categories().len();
    let version = match &state.redis {
        Some(redis) => match redis.bump_corpus_version().await {
            Ok(v) => {
                state.corpus_version.store(v, Ordering::SeqCst);
                Some(v)
            }
            Err(e) => {
                state.metrics.store_error("reload");
                tracing::error!(error = %e, "reloaded here, but could not tell the other replicas");
                None
            }
        },
        None => None,
    };
    tracing::info!(entries, categories, ms, version, "corpus reloaded");
    Ok(Json(json!({"status": "reloaded", "entries": entries, "categories": categories, "took_ms": ms, "corpus_version": version})))
}

/// Fallback for unknown paths: 404 `not_found`.
pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint (see openapi.yaml)")
}

/// Fallback for a known path with the wrong method: 405.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed for this endpoint")
}

/// CORS for the origins in [`ServeOptions::allowed_origins`](super::ServeOptions):
/// answers preflights and adds `Access-Control-Allow-Origin`.
pub async fn cors(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let allowed = &state.options.allowed_origins;
    let origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string);
    let allow = origin.as_deref().filter(|o| allowed.iter().any(|a| a == "*" || a == o)).map(str::to_string);
    let Some(allow) = allow else { return next.run(request).await };
    let mut response = if request.method() == Method::OPTIONS
        && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        let h = r.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, authorization"));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        r
    } else {
        next.run(request).await
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&allow) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("retry-after"));
    h.append(header::VARY, HeaderValue::from_static("origin"));
    response
}

/// Logs one line per request (method, route template, status, time),
/// counts it in the metrics, refuses over-long URIs with JSON 414, and sets
/// `X-Content-Type-Options: nosniff`. Paths are logged as route templates,
/// so no customer data or session id lands in this line.
pub async fn log_requests(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let uri_len = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let mut response = if uri_len > state.options.limits.max_uri_bytes {
        ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the URI has {uri_len} bytes; at most {} are accepted", state.options.limits.max_uri_bytes),
        )
        .into_response()
    } else {
        next.run(request).await
    };
    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let status = response.status().as_u16();
    state.metrics.response(status);
    let route = route.as_deref().unwrap_or("(unmatched)");
    let ms = format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0).to_string();
    if status >= 500 {
        tracing::error!(%method, route, status, %ms, "request");
    } else if status >= 400 {
        tracing::warn!(%method, route, status, %ms, "request");
    } else {
        tracing::debug!(%method, route, status, %ms, "request");
    }
    response
}
