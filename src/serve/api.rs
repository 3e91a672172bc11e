//! The HTTP handlers, the JSON error shape and the middleware (CORS,
//! request logs).
//!
//! Error codes (`{"error":{"code":…,"message":…}}`):
//!
//! | status | code | when |
//! |---|---|---|
//! | 400 | `malformed_json` | the body is not JSON |
//! | 400 | `bad_request` | the body could not be read |
//! | 401 | `unauthorized` | admin call without the right bearer token |
//! | 403 | `forbidden` | admin call from a non-loopback address, no token configured |
//! | 404 | `session_not_found` | unknown or expired session |
//! | 404 | `category_not_found` | unknown category |
//! | 404 | `not_found` | no such endpoint |
//! | 405 | `method_not_allowed` | wrong method for the endpoint |
//! | 409 | `session_full` | the session reached [`Limits::max_turns`](super::Limits); start a new one |
//! | 413 | `payload_too_large` | body over [`Limits::max_body_bytes`](super::Limits) |
//! | 415 | `unsupported_media_type` | a body without `Content-Type: application/json` |
//! | 422 | `invalid_body` | JSON of the wrong shape (e.g. no `text`) |
//! | 422 | `message_too_long` | `text` over [`Limits::max_message_chars`](super::Limits) |
//! | 422 | `invalid_time` | `at` is not RFC 3339 |
//! | 422 | `invalid_channel` | `channel` not 1–32 of `A-Za-z0-9_-` |
//! | 429 | `rate_limited` | too many messages in the session (`Retry-After` set) |
//! | 500 | `reload_failed` | the corpus on disk has problems (listed in `message`) |
//! | 503 | `too_many_sessions` | the session store is full |

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::webhook::HandoffEvent;
use super::{AppState, limits, random_id};
use crate::decide::{ReplyKind, Session, SessionStore, TranscriptLine, mask};

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

    fn session_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "session_not_found", "no such session (unknown id, or expired after idling)")
    }
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
fn json_body<T: DeserializeOwned>(
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
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        if e.is_data() {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", format!("unexpected JSON: {e}"))
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("body is not valid JSON: {e}"))
        }
    })
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
    if state.sessions.len() >= limits.max_sessions {
        state.sweep();
        if state.sessions.len() >= limits.max_sessions {
            tracing::warn!(held = state.sessions.len(), "session store full");
            return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "too_many_sessions", "too many open sessions; try again later"));
        }
    }
    let id = random_id("s_");
    let mut session = Session::new(&id);
    session.channel = request.channel.clone();
    session.last_active = Utc::now().timestamp();
    state.sessions.put(session);
    tracing::info!(session = %id, channel = request.channel.as_deref().unwrap_or("-"), "session created");
    let body = SessionCreated { session_id: id.clone(), channel: request.channel, idle_expiry_secs: state.options.session_idle.as_secs() };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/sessions/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Body of `POST /v1/sessions/{id}/messages`.
#[derive(Debug, Serialize, Deserialize)]
pub struct PostMessage {
    /// The customer's message.
    pub text: String,
    /// When it was sent (RFC 3339); default now. Decides business hours.
    #[serde(default)]
    pub at: Option<String>,
}

/// `POST /v1/sessions/{id}/messages` → the engine's `Reply`.
pub async fn post_message(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: PostMessage = json_body(&headers, body, false)?.expect("a required body");
    let offset = state.engine.calendar().offset();
    let at = match &request.at {
        Some(s) => DateTime::parse_from_rfc3339(s).map_err(|e| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_time", format!("`at` must be RFC 3339: {e}"))
        })?,
        None => Utc::now().with_timezone(&offset),
    };

    // One turn at a time per session, so no update is lost.
    let _turn = state.turn_lock(&id).lock().await;
    let session = state.sessions.get(&id).ok_or_else(ApiError::session_not_found)?;
    if let Err(wait) = state.rate.check(&id) {
        let secs = limits::retry_after_secs(wait);
        tracing::warn!(session = %id, retry_after = secs, "rate limited");
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "at most {} messages per {} s in a session; retry after {secs} s",
                state.options.limits.rate_max,
                state.options.limits.rate_window.as_secs()
            ),
        );
        e.retry_after = Some(secs);
        return Err(e);
    }
    if session.turns >= state.options.limits.max_turns {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "session_full",
            format!("a session holds at most {} turns; start a new session", state.options.limits.max_turns),
        ));
    }
    let chars = request.text.chars().count();
    let max = state.options.limits.max_message_chars;
    if chars > max {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "message_too_long",
            format!("text has {chars} characters; at most {max} are accepted"),
        ));
    }

    let started = Instant::now();
    let engine = state.engine.clone();
    let text = request.text;
    let (mut session, reply, text) = tokio::task::spawn_blocking(move || {
        let mut session = session;
        let reply = engine.respond_at(&mut session, &text, at);
        (session, reply, text)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the turn failed: {e}")))?;
    // Idle expiry counts real time, whatever `at` said.
    session.last_active = Utc::now().timestamp();
    let channel = session.channel.clone();
    state.sessions.put(session);

    tracing::info!(
        session = %id, turn = reply.turn, kind = reply.kind.as_str(), chars,
        pii = reply.flags.pii_detected, entry = reply.answer.as_ref().map(|a| a.id.as_str()).unwrap_or("-"),
        ms = started.elapsed().as_millis() as u64, "message"
    );
    tracing::debug!(session = %id, text = %mask(&text).text, "message text (masked)");

    // A repeat hand-off (same need, same route) opens no second ticket.
    if let (ReplyKind::Handoff, Some(webhook), Some(handoff)) = (reply.kind, &state.webhook, reply.handoff.as_ref().filter(|h| !h.repeat)) {
        let event = HandoffEvent {
            event: "handoff".into(),
            delivery_id: random_id("d_"),
            session_id: id.clone(),
            channel,
            turn: reply.turn,
            message: reply.message.clone(),
            created_at: at.to_rfc3339(),
            handoff: handoff.clone(),
        };
        tracing::info!(session = %id, delivery = %event.delivery_id, reason = handoff.reason.as_str(), "hand-off queued for the webhook");
        webhook.dispatch(event);
    }
    Ok(Json(reply).into_response())
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
pub async fn transcript(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Json<TranscriptView>, ApiError> {
    let s = state.sessions.get(&id).ok_or_else(ApiError::session_not_found)?;
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
    Path(name): Path<String>,
    Query(query): Query<EntriesQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
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

/// `GET /readyz`: the corpus is loaded and requests are accepted (503 while
/// shutting down).
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let retriever = state.engine.retriever();
    let kb = retriever.knowledge_base();
    let accepting = state.accepting.load(Ordering::SeqCst);
    let webhook = state.webhook.as_ref().map(|w| {
        let s = w.stats();
        json!({
            "delivered": s.delivered.load(Ordering::Relaxed),
            "failed": s.failed.load(Ordering::Relaxed),
            "attempts": s.attempts.load(Ordering::Relaxed),
            "in_flight": s.in_flight.load(Ordering::Relaxed),
        })
    });
    let body = json!({
        "status": if accepting { "ready" } else { "draining" },
        "entries": kb.len(),
        "categories": kb.categories().len(),
        "sessions": state.sessions.len(),
        "uptime_secs": state.started.elapsed().as_secs(),
        "webhook": webhook,
    });
    let status = if accepting { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

fn check_admin(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> Result<(), ApiError> {
    match &state.options.admin_token {
        Some(token) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            // Constant-time comparison of equal-length inputs.
            let ok = given.len() == token.len()
                && given.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
            if ok {
                Ok(())
            } else {
                Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "admin calls need Authorization: Bearer <token>"))
            }
        }
        None if peer.ip().is_loopback() => Ok(()),
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "admin calls are accepted from loopback only unless an admin token is configured",
        )),
    }
}

/// `POST /v1/admin/reload`: re-reads the corpus and swaps the index in.
/// Sessions and turns in flight are unaffected; a corpus with problems
/// leaves the old one serving and answers 500 `reload_failed`.
pub async fn reload(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_admin(&state, peer, &headers)?;
    let _one_at_a_time = state.reload_lock.lock().await;
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
    let categories = retriever.knowledge_base().categories().len();
    state.engine.replace_retriever(retriever);
    let ms = started.elapsed().as_millis() as u64;
    tracing::info!(entries, categories, ms, sessions = state.sessions.len(), "corpus reloaded");
    Ok(Json(json!({"status": "reloaded", "entries": entries, "categories": categories, "took_ms": ms})))
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

/// Logs one line per request (method, route template, status, time) and
/// sets `X-Content-Type-Options: nosniff`. Paths are logged as route
/// templates, so no customer data or session id lands in this line.
pub async fn log_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let mut response = next.run(request).await;
    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let status = response.status().as_u16();
    let route = route.as_deref().unwrap_or("(unmatched)");
    let ms = format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0).to_string();
    if status >= 500 {
        tracing::error!(%method, route, status, %ms, "request");
    } else if status >= 400 {
        tracing::warn!(%method, route, status, %ms, "request");
    } else {
        tracing::info!(%method, route, status, %ms, "request");
    }
    response
}
