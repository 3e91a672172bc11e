//! `POST /v1/sessions/{id}/feedback`: the customer's answer to
//! 「解決しましたか？」 under an answer (`{"turn": 3, "resolved": false}`).
//! The rule is the engine's ([`crate::decide::feedback`]); this handler
//! loads and saves the session like a message (same lock, same
//! compare-and-set, same per-session rate limit) and logs the event.
//!
//! Errors: 404 `session_not_found`, 422 `invalid_body`, 422
//! `invalid_feedback` (no such turn, or its reply was not an answer), 409
//! `feedback_given` (that answer already has feedback), 409 `session_ended`,
//! plus those of a message (`rate_limited`, `session_full`, …).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::api::{ApiError, enqueue_handoff, json_body, message_time, path_param, update_session};
use super::public::PublicReply;
use super::{AppState, short_id};
use crate::decide::FeedbackError;
use crate::insights::Event;

/// Body of `POST /v1/sessions/{id}/feedback`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostFeedback {
    /// The turn of the answer (`turn` of its reply).
    pub turn: u32,
    /// はい (`true`) or いいえ (`false`).
    pub resolved: bool,
    /// When (RFC 3339); only with `--allow-client-time`, like messages.
    #[serde(default)]
    pub at: Option<String>,
}

/// Answer of `POST /v1/sessions/{id}/feedback`.
#[derive(Debug, Serialize)]
pub struct FeedbackView<'a> {
    /// The turn judged.
    pub turn: u32,
    /// The entry that answered it.
    pub entry_id: &'a str,
    /// As sent.
    pub resolved: bool,
    /// For いいえ: the bot's next reply (`clarify`, `fallback` or `handoff`); `null` for はい.
    pub reply: Option<PublicReply<'a>>,
}

fn refused(e: &FeedbackError) -> ApiError {
    let (status, code) = match e {
        FeedbackError::UnknownTurn { .. } | FeedbackError::NotAnAnswer { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_feedback"),
        FeedbackError::AlreadyGiven { .. } => (StatusCode::CONFLICT, "feedback_given"),
        FeedbackError::Ended => (StatusCode::CONFLICT, "session_ended"),
    };
    ApiError::new(status, code, e.to_string())
}

/// `POST /v1/sessions/{id}/feedback`.
pub async fn post_feedback(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    let request: PostFeedback = json_body(&headers, body, false)?.ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "a JSON body with `turn` and `resolved` is required")
    })?;
    let at = message_time(&state, request.at.as_deref())?;

    let _turn = state.turn_lock(&id).lock().await;
    let first = state.sessions.load(&id).await.map_err(|e| ApiError::store(&state, "sessions", &e))?;
    let Some(current) = first else { return Err(ApiError::session_not_found()) };
    match state.message_rate.hit(&id).await {
        Ok(Ok(())) => {}
        Ok(Err(wait)) => {
            state.metrics.rate_limited("message");
            let secs = super::limits::retry_after_secs(wait);
            let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("too many messages in this session; retry after {secs} s"));
            e.retry_after = Some(secs);
            return Err(e);
        }
        Err(e) => return Err(ApiError::store(&state, "rate", &e)),
    }

    let started = std::time::Instant::now();
    let engine = state.engine.clone();
    let (turn, resolved) = (request.turn, request.resolved);
    let full = || ApiError::new(StatusCode::CONFLICT, "session_full", "the session is full; start a new session");
    let (feedback, saved, _) = update_session(
        &state,
        &id,
        current,
        full,
        "the session kept changing; send the feedback again",
        move |session| engine.feedback_at(session, turn, resolved, at).map_err(|e| refused(&e)),
    )
    .await?;
    state.metrics.feedback(feedback.resolved);
    tracing::info!(
        session = %short_id(&id), turn = feedback.turn, resolved = feedback.resolved, entry = %feedback.entry_id,
        reply = feedback.reply.as_ref().map_or("-", |r| r.kind.as_str()), "feedback"
    );
    state.events.record(&Event::feedback(&saved, &feedback, at), &state.metrics);
    if let Some(reply) = &feedback.reply {
        // The reply to いいえ is a turn of its own: counted and timed like one.
        state.metrics.turn(reply.kind.as_str(), started.elapsed());
        if let Some(h) = &reply.handoff {
            state.metrics.handoff(h.reason.as_str(), h.repeat);
        }
        enqueue_handoff(&state, &id, reply, saved.channel.clone(), at).await;
    }
    let view = FeedbackView {
        turn: feedback.turn,
        entry_id: &feedback.entry_id,
        resolved: feedback.resolved,
        reply: feedback.reply.as_ref().map(PublicReply::from),
    };
    Ok(Json(view).into_response())
}
