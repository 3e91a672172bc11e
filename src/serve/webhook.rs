//! The contact-center webhook: when a reply is a hand-off, POST the hand-off
//! payload to a configured URL, signed so the receiver can verify it.
//!
//! * Body: a [`HandoffEvent`] as JSON (UTF-8).
//! * `X-Madoguchi-Signature: sha256=<hex>`: HMAC-SHA256 of the raw body
//!   with the shared secret ([`sign`]); check it with [`verify_signature`]
//!   or any HMAC library, comparing in constant time.
//! * `X-Madoguchi-Delivery: <id>`: one per hand-off, derived from the session
//!   and turn ([`delivery_id`]), so it is the same on every retry, after a
//!   restart and on every replica: receivers drop duplicates by it.
//! * `X-Madoguchi-Event: handoff`.
//!
//! Delivery runs in the background from an outbox ([`super::outbox`]): the
//! customer's reply never waits for it. A failed attempt (connection error,
//! time-out, 408, 429 or 5xx) is retried with exponential backoff, up to
//! [`WebhookConfig::attempts`] attempts; other 4xx answers are not retried.
//! Failures are logged (ids and status only) and counted in `/metrics`; the
//! session is untouched either way.
//!
//! Only `http://` URLs are supported: the crate carries no TLS stack. To
//! deliver to an `https://` endpoint, point the webhook at a local relay or
//! proxy that terminates TLS (or add a TLS connector behind a new feature).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, StatusCode, Uri, header};
use hmac::{KeyInit, Mac};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};

use crate::decide::Handoff;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Header carrying `sha256=<hex HMAC-SHA256 of the body>`.
pub const SIGNATURE_HEADER: &str = "x-madoguchi-signature";
/// Header carrying the delivery id.
pub const DELIVERY_HEADER: &str = "x-madoguchi-delivery";
/// Header carrying the event name (`handoff`).
pub const EVENT_HEADER: &str = "x-madoguchi-event";

/// Where and how to deliver hand-offs.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// The receiver's URL (`http://…`).
    pub url: String,
    /// The shared secret for the signature.
    pub secret: String,
    /// Attempts per hand-off, the first included (at least 1).
    pub attempts: u32,
    /// Wait before the second attempt; doubled before each later one.
    pub backoff: Duration,
    /// Time limit of one attempt (connect, send, response head).
    pub timeout: Duration,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"<redacted>")
            .field("attempts", &self.attempts)
            .field("backoff", &self.backoff)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl WebhookConfig {
    /// A configuration with the defaults: 3 attempts, 0.5 s then 1 s
    /// backoff, 5 s per attempt.
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            secret: secret.into(),
            attempts: 3,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(5),
        }
    }
}

/// The JSON body of a hand-off delivery: the engine's [`Handoff`] (reason,
/// urgent_kind, priority, route with availability, summary, masked
/// transcript) plus where it comes from.
///
/// ```json
/// {"event":"handoff","delivery_id":"d_…","session_id":"s_…","channel":"web","turn":2,
///  "message":"担当者におつなぎします。…","created_at":"2026-11-24T14:00:00+09:00",
///  "reason":"requested","urgent_kind":null,"priority":"normal",
///  "route":{"route_id":"chat_operator","route_name":"有人チャット","open_now":true,…},
///  "summary":"理由: …","transcript":[{"turn":1,"speaker":"customer","text":"…","at":"…"}]}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoffEvent {
    /// Always `handoff`.
    pub event: String,
    /// Unique id of this delivery (also in `X-Madoguchi-Delivery`).
    pub delivery_id: String,
    /// The session handed off.
    pub session_id: String,
    /// The session's channel, if known.
    pub channel: Option<String>,
    /// The customer turn that triggered the hand-off.
    pub turn: u32,
    /// The message shown to the customer with the hand-off.
    pub message: String,
    /// When the hand-off happened (RFC 3339, the calendar's offset).
    pub created_at: String,
    /// The hand-off itself.
    #[serde(flatten)]
    pub handoff: Handoff,
}

/// The delivery id of the hand-off at `turn` of `session_id`: `d_` and 32 hex
/// digits of SHA-256 over both. Stable, so a hand-off enqueued twice (a
/// retried request, two replicas) is one delivery.
///
/// ```
/// use madoguchi::serve::webhook::delivery_id;
/// assert_eq!(delivery_id("s_1", 2), delivery_id("s_1", 2));
/// assert_ne!(delivery_id("s_1", 2), delivery_id("s_1", 3));
/// assert!(delivery_id("s_1", 2).starts_with("d_") && delivery_id("s_1", 2).len() == 34);
/// ```
pub fn delivery_id(session_id: &str, turn: u32) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::new().chain_update(session_id.as_bytes()).chain_update(b"\0").chain_update(turn.to_be_bytes()).finalize();
    format!("d_{}", hex::encode(&digest[..16]))
}

/// The signature header value for `body`: `sha256=<lowercase hex>`.
///
/// ```
/// let sig = madoguchi::serve::webhook::sign(b"secret", b"{}");
/// assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
/// assert!(madoguchi::serve::webhook::verify_signature(b"secret", b"{}", &sig));
/// assert!(!madoguchi::serve::webhook::verify_signature(b"other", b"{}", &sig));
/// ```
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a `sha256=<hex>` signature header against `body`, comparing the
/// MACs in constant time.
pub fn verify_signature(secret: &[u8], body: &[u8], header_value: &str) -> bool {
    let Some(hex_sig) = header_value.trim().strip_prefix("sha256=") else { return false };
    let Ok(expected) = hex::decode(hex_sig) else { return false };
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// A configured webhook with its HTTP client.
#[derive(Clone)]
pub struct Webhook {
    config: Arc<WebhookConfig>,
    uri: Uri,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook").field("config", &self.config).finish()
    }
}

/// What one delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered 2xx.
    Delivered(u16),
    /// Worth another try later: connection error, time-out, 408, 429, 5xx.
    Retry(DeliveryError),
    /// Not worth retrying: another 4xx.
    GiveUp(DeliveryError),
}

/// Why a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryError {
    /// The receiver answered with this status on the last attempt.
    Status(u16),
    /// No answer: connection refused, reset or timed out.
    Transport(String),
}

impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeliveryError::Status(s) => write!(f, "receiver answered {s}"),
            DeliveryError::Transport(e) => write!(f, "{e}"),
        }
    }
}

impl Webhook {
    /// Validates the configuration (an `http://` URL with a host, a
    /// non-empty secret) and prepares the client. Needs no runtime.
    pub fn new(config: WebhookConfig) -> Result<Self, String> {
        let uri: Uri = config.url.parse().map_err(|e| format!("webhook URL {:?}: {e}", config.url))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(format!(
                    "webhook URL {:?}: https is not supported (no TLS stack is built in); \
                     use an http:// URL, e.g. a local relay that forwards over TLS",
                    config.url
                ));
            }
            _ => return Err(format!("webhook URL {:?}: must start with http://", config.url)),
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(format!("webhook URL {:?}: no host", config.url));
        }
        if config.secret.is_empty() {
            return Err("webhook secret must not be empty".into());
        }
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(config.timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let config = WebhookConfig { attempts: config.attempts.max(1), ..config };
        Ok(Self { config: Arc::new(config), uri, client })
    }

    /// The configuration.
    pub fn config(&self) -> &WebhookConfig {
        &self.config
    }

    /// The wait before attempt number `next` (2 or more): the backoff,
    /// doubled for each attempt after the second.
    pub fn backoff_before(&self, next: u32) -> Duration {
        self.config.backoff.saturating_mul(1 << next.saturating_sub(2).min(16))
    }

    /// The longest one attempt can take.
    pub fn attempt_timeout(&self) -> Duration {
        self.config.timeout
    }

    /// Delivers `event` now, retrying as configured (waiting in between);
    /// returns the number of attempts used on success. The server does not
    /// use this (its outbox makes one attempt at a time, see
    /// [`Webhook::attempt`]); it is for tools and tests.
    pub async fn deliver(&self, event: &HandoffEvent) -> Result<u32, DeliveryError> {
        let mut last = DeliveryError::Transport("not attempted".into());
        for attempt in 1..=self.config.attempts {
            if attempt > 1 {
                tokio::time::sleep(self.backoff_before(attempt)).await;
            }
            match self.attempt(event).await {
                Attempt::Delivered(_) => return Ok(attempt),
                Attempt::Retry(e) => last = e,
                Attempt::GiveUp(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// One signed POST of `event`. Logs ids and status only.
    pub async fn attempt(&self, event: &HandoffEvent) -> Attempt {
        let body = Bytes::from(serde_json::to_vec(event).expect("a hand-off event serializes"));
        let signature = sign(self.config.secret.as_bytes(), &body);
        let request = Request::post(self.uri.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, concat!("madoguchi/", env!("CARGO_PKG_VERSION")))
            .header(SIGNATURE_HEADER, &signature)
            .header(DELIVERY_HEADER, &event.delivery_id)
            .header(EVENT_HEADER, "handoff")
            .body(Full::new(body))
            .expect("a valid request");
        match tokio::time::timeout(self.config.timeout, self.client.request(request)).await {
            Ok(Ok(response)) if response.status().is_success() => Attempt::Delivered(response.status().as_u16()),
            Ok(Ok(response)) => {
                let status = response.status();
                let e = DeliveryError::Status(status.as_u16());
                if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::REQUEST_TIMEOUT {
                    Attempt::Retry(e)
                } else {
                    Attempt::GiveUp(e)
                }
            }
            Ok(Err(e)) => Attempt::Retry(DeliveryError::Transport(format!("request failed: {e}"))),
            Err(_) => Attempt::Retry(DeliveryError::Transport(format!("no answer within {:?}", self.config.timeout))),
        }
    }
}
