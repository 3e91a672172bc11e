//! The serve tests' in-process server: `madoguchi serve` on 127.0.0.1:0 in
//! its own Tokio runtime, stopped on drop, over the bundled corpus. Each
//! test file adds the request helpers it needs in its own `impl Server`.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use madoguchi::decide::Engine;
use madoguchi::serve::{AppState, ServeOptions, serve};
use serde_json::{Value, json};

use super::http::{Resp, request};

pub fn corpus() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/faq-corpus"))
}

/// One engine for the bundled corpus, shared by the tests of a file.
pub fn shared_engine() -> Arc<Engine> {
    static E: OnceLock<Arc<Engine>> = OnceLock::new();
    E.get_or_init(|| Arc::new(Engine::from_corpus(corpus()).unwrap())).clone()
}

/// A server on 127.0.0.1:0 in its own runtime; stopped on drop.
pub struct Server {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    /// Starts a server; connects to Redis when the options name one.
    pub fn start(engine: Arc<Engine>, options: ServeOptions) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let state = runtime.block_on(AppState::connect(engine, options)).unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        assert!(addr.ip().is_loopback());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        runtime.spawn(serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        Server { addr, state, stop: Some(stop), runtime: Some(runtime) }
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.as_ref().unwrap().block_on(f)
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Resp {
        request(self.addr, "POST", path, &[("Content-Type", "application/json")], Some(body.to_string().as_bytes()))
    }

    /// A new web session's id.
    pub fn new_session(&self) -> String {
        let r = self.post_json("/v1/sessions", &json!({"channel": "web"}));
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["session_id"].as_str().unwrap().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(2));
        }
    }
}
