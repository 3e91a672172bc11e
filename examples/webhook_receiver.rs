//! A minimal contact-center receiver for `madoguchi serve --webhook-url`:
//! checks `X-Madoguchi-Signature` (HMAC-SHA256 of the raw body with the
//! shared secret, compared in constant time), answers 401 when it does not
//! match, and prints each verified hand-off.
//!
//! ```sh
//! cargo run --release --example webhook_receiver -- --addr 127.0.0.1:9000 --secret s3cret
//! cargo run --release -- serve --webhook-url http://127.0.0.1:9000/handoff --webhook-secret s3cret
//! ```
//!
//! The secret may also come from `MADOGUCHI_WEBHOOK_SECRET`. The integration
//! test `tests/serve_api.rs` runs this file's [`app`] on loopback.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// One verified delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `X-Madoguchi-Delivery` (the same on every retry of one hand-off).
    pub id: String,
    /// The parsed body.
    pub payload: serde_json::Value,
    /// The raw body, as signed.
    pub raw: Bytes,
    /// The `X-Madoguchi-Signature` value.
    pub signature: String,
}

/// True when `header_value` is `sha256=<hex>` of the HMAC-SHA256 of `body`
/// under `secret`. `verify_slice` compares in constant time.
pub fn verify(secret: &[u8], body: &[u8], header_value: &str) -> bool {
    let Some(sig) = header_value.trim().strip_prefix("sha256=").and_then(|h| hex::decode(h).ok()) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

type Handler = dyn Fn(Delivery) + Send + Sync;

struct Receiver {
    secret: Vec<u8>,
    on_delivery: Box<Handler>,
}

/// The receiver: `POST /handoff` (any path works) verifies and hands each
/// delivery to `on_delivery`.
pub fn app(secret: impl Into<Vec<u8>>, on_delivery: impl Fn(Delivery) + Send + Sync + 'static) -> Router {
    let state = Arc::new(Receiver { secret: secret.into(), on_delivery: Box::new(on_delivery) });
    Router::new().route("/handoff", post(receive)).fallback(receive).with_state(state)
}

async fn receive(State(rx): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let signature = header("x-madoguchi-signature");
    if !verify(&rx.secret, &body, &signature) {
        eprintln!("rejected a delivery: bad or missing X-Madoguchi-Signature");
        return (StatusCode::UNAUTHORIZED, "bad signature\n");
    }
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "body is not JSON\n");
    };
    (rx.on_delivery)(Delivery { id: header("x-madoguchi-delivery"), payload, raw: body, signature });
    (StatusCode::OK, "ok\n")
}

fn main() {
    let mut addr = "127.0.0.1:9000".to_string();
    let mut secret = std::env::var("MADOGUCHI_WEBHOOK_SECRET").unwrap_or_default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().expect("--addr needs a value"),
            "--secret" => secret = args.next().expect("--secret needs a value"),
            _ => {
                eprintln!("usage: webhook_receiver [--addr HOST:PORT] [--secret SECRET]");
                std::process::exit(2);
            }
        }
    }
    if secret.is_empty() {
        eprintln!("give the shared secret with --secret or MADOGUCHI_WEBHOOK_SECRET");
        std::process::exit(2);
    }
    let runtime = tokio::runtime::Runtime::new().expect("a Tokio runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind the address");
        println!("webhook receiver on http://{}/handoff", listener.local_addr().expect("an address"));
        let app = app(secret, |d| {
            println!("delivery {} (verified):", d.id);
            println!("{}", serde_json::to_string_pretty(&d.payload).unwrap_or_default());
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .expect("serve");
    });
}
