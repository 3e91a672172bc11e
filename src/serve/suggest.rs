//! `GET /v1/suggest?q=…&limit=…&category=…`: type-ahead for the widget
//! (see [`crate::retrieve::suggest`]). No session is needed; each client
//! address is rate limited ([`Limits::suggest_rate_max`](super::Limits)).
//!
//! The query string is decoded strictly: a broken `%` escape or bytes that
//! are not UTF-8 answer 400 `bad_request` rather than being guessed at.

use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::api::ApiError;
use super::listener::PeerAddr;
use super::{AppState, auth};
use crate::retrieve::{SuggestOptions, Suggestion};

/// Suggestions returned when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 5;
/// The largest `limit` accepted.
pub const MAX_LIMIT: usize = 10;

/// One suggestion as the browser gets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuggestionView {
    /// Entry id.
    pub id: String,
    /// The entry's question: send it as a message to get the answer.
    pub question: String,
}

impl From<Suggestion> for SuggestionView {
    fn from(s: Suggestion) -> Self {
        Self { id: s.id, question: s.question }
    }
}

/// Answer of `GET /v1/suggest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuggestResponse {
    /// Best first; empty for a very short or unmatched `q`.
    pub suggestions: Vec<SuggestionView>,
}

/// The parsed query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestQuery {
    /// The partial question.
    pub q: String,
    /// How many suggestions.
    pub limit: usize,
    /// Only entries of this category.
    pub category: Option<String>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// Decodes one `application/x-www-form-urlencoded` component strictly.
///
/// ```
/// use madoguchi::serve::suggest::decode_component;
/// assert_eq!(decode_component("%E3%82%AB%E3%83%BC%E3%83%89+a").unwrap(), "カード a");
/// assert!(decode_component("%E3%82").is_err(), "not UTF-8");
/// assert!(decode_component("%zz").is_err(), "broken escape");
/// ```
pub fn decode_component(raw: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or("a broken %-escape")?;
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "percent-decoded bytes that are not UTF-8".to_string())
}

/// Parses `q`, `limit` and `category` (other parameters are ignored).
///
/// ```
/// use madoguchi::serve::suggest::parse_query;
/// let q = parse_query(Some("q=%E3%81%B5%E3%82%93&limit=3"), 200).unwrap();
/// assert_eq!((q.q.as_str(), q.limit), ("ふん", 3));
/// assert_eq!(parse_query(None, 200).unwrap_err().status.as_u16(), 400);
/// ```
pub fn parse_query(raw: Option<&str>, max_chars: usize) -> Result<SuggestQuery, ApiError> {
    let (mut q, mut limit, mut category) = (None, None, None);
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let value = || decode_component(v).map_err(|e| bad(format!("bad query parameter `{k}`: {e}")));
        match k {
            "q" => q = Some(value()?),
            "limit" => limit = Some(value()?),
            "category" => category = Some(value()?).filter(|c: &String| !c.is_empty()),
            _ => {}
        }
    }
    let q = q.ok_or_else(|| bad("the query parameter `q` (the partial question) is required"))?;
    let chars = q.chars().count();
    if chars > max_chars {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "query_too_long",
            format!("q has {chars} characters; at most {max_chars} are accepted"),
        ));
    }
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => return Err(bad(format!("limit must be a whole number from 1 to {MAX_LIMIT}"))),
        },
    };
    Ok(SuggestQuery { q, limit, category })
}

/// `GET /v1/suggest`.
pub async fn suggest(
    State(state): State<Arc<AppState>>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<SuggestResponse>, ApiError> {
    let limits = &state.options.limits;
    let query = parse_query(raw.as_deref(), limits.max_suggest_chars)?;
    let client = auth::client_ip(peer, &headers, &state.options.trusted_proxies).to_string();
    super::api::rate_check(&state, &*state.suggest_rate, (&client, &client), "suggest", || {
        format!("at most {} suggestion requests per {} s from one address", limits.suggest_rate_max, limits.suggest_rate_window.as_secs())
    })
    .await?;
    // Tens of microseconds: cheaper inline than a hop to the blocking pool.
    let options = SuggestOptions { limit: query.limit, category: query.category };
    let suggestions = state.engine.retriever().suggest_with(&query.q, &options);
    Ok(Json(SuggestResponse { suggestions: suggestions.into_iter().map(SuggestionView::from).collect() }))
}
