//! `GET /admin/report?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=json]`: the
//! insights report ([`crate::insights::report`]) over the `--events`
//! directory, for admins (same access as `/metrics`). HTML by default: one
//! self-contained page (inline CSS and SVG, no script, nothing fetched).
//!
//! Errors: 401/403 as for admin calls, 404 `events_not_configured` (no
//! `--events`), 422 `invalid_date`, 400 `bad_request` (unknown `format`),
//! 500 `report_failed` (the directory cannot be read).

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::api::ApiError;
use super::listener::PeerAddr;
use super::{AppState, auth};
use crate::insights::report::{ReportOptions, build, html};

/// Query of `GET /admin/report`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ReportQuery {
    /// First day (inclusive).
    pub from: Option<String>,
    /// Last day (inclusive).
    pub to: Option<String>,
    /// `html` (default) or `json`.
    pub format: Option<String>,
}

fn day(name: &str, value: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_date", format!("`{name}` must be a date YYYY-MM-DD"))
            })
        })
        .transpose()
}

/// `GET /admin/report`.
pub async fn admin_report(
    State(state): State<Arc<AppState>>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    headers: HeaderMap,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    auth::check_admin(state.options.admin_token.as_deref(), peer, &headers)?;
    let Query(query) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("bad query: {}", e.body_text())))?;
    let json = match query.format.as_deref() {
        None | Some("html") => false,
        Some("json") => true,
        Some(other) => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("format {other:?}: use html or json")));
        }
    };
    let options = ReportOptions {
        from: day("from", query.from.as_deref())?,
        to: day("to", query.to.as_deref())?,
        route_names: state.engine.calendar().routes.iter().map(|r| (r.id.clone(), r.name.clone())).collect(),
        entry_questions: state.engine.retriever().knowledge_base().entries().iter().map(|e| (e.id.clone(), e.question.clone())).collect(),
        ..Default::default()
    };
    if let (Some(f), Some(t)) = (options.from, options.to)
        && f > t
    {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_date", "`from` is after `to`"));
    }
    let Some(dir) = state.options.events_dir.clone() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "events_not_configured",
            "this server writes no events; start it with --events DIR",
        ));
    };
    let report = tokio::task::spawn_blocking(move || build(&[dir], &options, |_| {}))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "report_failed", format!("the report failed: {e}")))?
        .map_err(|e| {
            tracing::error!(error = %e, "report failed");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "report_failed", e.to_string())
        })?;
    if json {
        return Ok(Json(report).into_response());
    }
    let mut response = html::render(&report).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    );
    Ok(response)
}
