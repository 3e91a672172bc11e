//! The web chat widget: a page, a script and a style sheet, compiled into
//! the binary (so `serve` works from any directory and needs no CDN).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const INDEX_HTML: &str = include_str!("index.html");
const WIDGET_JS: &str = include_str!("widget.js");
const WIDGET_CSS: &str = include_str!("widget.css");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// `GET /`: the demo page with the widget.
pub async fn index() -> Response {
    let mut r = asset(INDEX_HTML, "text/html; charset=utf-8");
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
        ),
    );
    r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    r
}

/// `GET /widget.js`.
pub async fn script() -> Response {
    asset(WIDGET_JS, "text/javascript; charset=utf-8")
}

/// `GET /widget.css`.
pub async fn style() -> Response {
    asset(WIDGET_CSS, "text/css; charset=utf-8")
}
