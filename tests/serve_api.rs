//! `madoguchi serve` over real HTTP on loopback: the server runs in-process
//! on 127.0.0.1:0 and a minimal HTTP/1.1 client (raw TCP, written here)
//! talks to it, so every status, header and byte is what a client sees.
//! Webhook tests run the example receiver (`examples/webhook_receiver.rs`)
//! on loopback too.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use hmac::{KeyInit, Mac};
use madoguchi::decide::Engine;
use madoguchi::serve::{AppState, ServeOptions, WebhookConfig, serve};
use serde_json::{Value, json};

#[path = "support/http.rs"]
mod http;
#[path = "support/server.rs"]
mod server;
use http::{Resp, encode, request};
use server::{Server, corpus, shared_engine};

#[path = "../examples/webhook_receiver.rs"]
#[allow(dead_code)]
mod receiver;

/// A Tuesday afternoon, when every staffed route is open.
const OPEN: &str = "2026-11-24T14:00:00+09:00";
/// The same Tuesday at night, after the chat operators (9:30–17:30) close.
const NIGHT: &str = "2026-11-24T21:00:00+09:00";

/// Options for tests that pin the message time (`at`): the flag meant for
/// tests and demos is on.
fn opts() -> ServeOptions {
    let mut o = ServeOptions::new(corpus());
    o.allow_client_time = true;
    o
}

impl Server {
    fn default() -> Server {
        Server::start(shared_engine(), opts())
    }

    fn metric(&self, name: &str, labels: &str) -> u64 {
        self.state.metrics().counter(name, labels)
    }

    fn get(&self, path: &str) -> Resp {
        request(self.addr, "GET", path, &[], None)
    }

    fn say(&self, id: &str, text: &str, at: &str) -> Resp {
        self.post_json(&format!("/v1/sessions/{id}/messages"), &json!({"text": text, "at": at}))
    }

    fn say_ok(&self, id: &str, text: &str, at: &str) -> Value {
        let r = self.say(id, text, at);
        assert_eq!(r.status, 200, "{text}: {}", r.text());
        r.json()
    }
}

fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let started = Instant::now();
    while !f() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn answer_then_clarify_then_pick_a_choice() {
    let server = Server::default();
    let id = server.new_session();
    assert!(id.starts_with("s_") && id.len() == 34, "{id}");

    let r = server.say_ok(&id, "カードの暗証番号を変えたい", OPEN);
    assert_eq!(r["kind"], "answer", "{r}");
    assert_eq!(r["session_id"], id.as_str());
    assert_eq!(r["turn"], 1);
    assert_eq!(r["answer"]["id"], "card-044");
    assert!(r["answer"]["confidence"].as_f64().unwrap() > 0.5);

    let r = server.say_ok(&id, "支払い", OPEN);
    assert_eq!(r["kind"], "clarify", "{r}");
    let choices = r["choices"].as_array().unwrap();
    assert!((2..=3).contains(&choices.len()), "{r}");
    assert_eq!(choices[1]["number"], 2);
    let second = choices[1]["id"].clone();
    let r = server.say_ok(&id, "2", OPEN);
    assert_eq!(r["kind"], "answer", "{r}");
    assert_eq!(r["answer"]["id"], second);
    assert_eq!(r["turn"], 3);

    // without `at`, the server's clock is used
    let r = server.post_json(&format!("/v1/sessions/{id}/messages"), &json!({"text": "明細はどこで見られますか"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["kind"], "answer");
}

#[test]
fn operator_request_hands_off_with_availability() {
    let server = Server::default();
    let id = server.new_session();
    let r = server.say_ok(&id, "オペレーターと話したい", OPEN);
    assert_eq!(r["kind"], "handoff", "{r}");
    let h = &r["handoff"];
    assert_eq!(h["reason"], "requested");
    assert_eq!(h["priority"], "normal");
    assert_eq!(h["route"]["route_id"], "chat_operator");
    assert_eq!(h["route"]["open_now"], true);
    // the operator's side (summary, transcript) is for the webhook only
    assert!(h.get("summary").is_none() && h.get("transcript").is_none(), "{h}");
    assert_eq!(h["repeat"], false);

    let night = server.new_session();
    let r = server.say_ok(&night, "オペレーターと話したい", NIGHT);
    let route = &r["handoff"]["route"];
    assert_eq!(route["open_now"], false, "{r}");
    assert_eq!(route["next_open"], "2026-11-25T09:30:00+09:00");
    assert_eq!(route["fallback"]["route_id"], "callback_form");

    let urgent = server.new_session();
    let r = server.say_ok(&urgent, "さっき財布ごとカードを落としました", NIGHT);
    assert_eq!(r["handoff"]["reason"], "urgent", "{r}");
    assert_eq!(r["handoff"]["urgent_kind"], "lost_stolen");
    assert_eq!(r["handoff"]["priority"], "high");
    assert_eq!(r["handoff"]["route"]["contact"], "0120-000-011");
    assert_eq!(r["handoff"]["route"]["open_now"], true);
}

#[test]
fn transcript_is_masked() {
    let server = Server::default();
    let id = server.new_session();
    let r = server.say_ok(&id, "カード番号は4111 1111 1111 1234です。オペレーターと話したい", OPEN);
    assert_eq!(r["flags"]["pii_detected"], true);
    assert!(!r.to_string().contains("4111 1111"), "the reply must not echo the card number: {r}");

    let t = server.get(&format!("/v1/sessions/{id}/transcript"));
    assert_eq!(t.status, 200);
    let t = t.json();
    assert_eq!(t["session_id"], id.as_str());
    assert_eq!(t["channel"], "web");
    assert_eq!(t["turns"], 1);
    assert_eq!(t["handed_off"], true);
    let lines = t["transcript"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["speaker"], "customer");
    let text = lines[0]["text"].as_str().unwrap();
    assert!(text.contains("**** **** **** 1234"), "{text}");
    assert!(!t.to_string().contains("4111"), "{t}");
    assert_eq!(lines[1]["speaker"], "bot");
    assert_eq!(lines[1]["kind"], "handoff");

    // secrets next to their keywords, numbers in kanji, My Number
    let id = server.new_session();
    for text in ["暗証番号は1234です", "暗証番号は一二三四", "マイナンバーは1234 5678 9018", "セキュリティコードは987"] {
        let r = server.say_ok(&id, text, OPEN);
        assert_eq!(r["flags"]["pii_detected"], true, "{text}: {r}");
    }
    let t = server.get(&format!("/v1/sessions/{id}/transcript")).text();
    for secret in ["1234", "一二三四", "5678", "9018", "987"] {
        assert!(!t.contains(secret), "{secret} is stored unmasked: {t}");
    }
}

#[test]
fn categories_and_their_entries() {
    let server = Server::default();
    let r = server.get("/v1/categories");
    assert_eq!(r.status, 200);
    let cats = r.json()["categories"].as_array().unwrap().clone();
    let card = cats.iter().find(|c| c["name"] == "クレジットカード").expect("the card category");
    assert!(card["entries"].as_u64().unwrap() > 10);
    assert!(card["subcategories"].as_array().unwrap().iter().any(|s| s["name"] == "暗証番号"));
    let total: u64 = cats.iter().map(|c| c["entries"].as_u64().unwrap()).sum();
    assert_eq!(total, shared_engine().retriever().knowledge_base().len() as u64);

    let r = server.get(&format!("/v1/categories/{}/entries", encode("クレジットカード")));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["category"], "クレジットカード");
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len() as u64, card["entries"].as_u64().unwrap());
    assert!(entries.iter().any(|e| e["id"] == "card-044" && e["question"] == "カードの暗証番号を変更したい"));

    let r = server.get(&format!("/v1/categories/{}/entries?subcategory={}", encode("クレジットカード"), encode("暗証番号")));
    let entries = r.json()["entries"].as_array().unwrap().clone();
    assert!(!entries.is_empty() && entries.iter().all(|e| e["subcategory"] == "暗証番号"), "{entries:?}");

    let r = server.get(&format!("/v1/categories/{}/entries", encode("存在しない")));
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "category_not_found");
}

#[test]
fn error_cases_answer_json_errors() {
    let server = Server::default();
    let id = server.new_session();
    let path = format!("/v1/sessions/{id}/messages");

    // an unknown session
    let r = server.say("s_00000000000000000000000000000000", "こんにちは", OPEN);
    assert_eq!((r.status, r.code()), (404, "session_not_found".into()));
    let r = server.get("/v1/sessions/nope/transcript");
    assert_eq!((r.status, r.code()), (404, "session_not_found".into()));

    // malformed JSON
    let r = request(server.addr, "POST", &path, &[("Content-Type", "application/json")], Some(b"{\"text\": "));
    assert_eq!((r.status, r.code()), (400, "malformed_json".into()));

    // wrong or missing content type
    let body = r#"{"text":"こんにちは"}"#.as_bytes();
    let r = request(server.addr, "POST", &path, &[("Content-Type", "text/plain")], Some(body));
    assert_eq!((r.status, r.code()), (415, "unsupported_media_type".into()));
    let r = request(server.addr, "POST", &path, &[], Some(body));
    assert_eq!((r.status, r.code()), (415, "unsupported_media_type".into()));
    let r = request(server.addr, "POST", &path, &[("Content-Type", "application/json; charset=utf-8")], Some(body));
    assert_eq!(r.status, 200, "a charset parameter is fine: {}", r.text());

    // body over 16 KiB
    let big = json!({"text": "あ".repeat(6000)}).to_string();
    assert!(big.len() > 16 * 1024);
    let r = request(server.addr, "POST", &path, &[("Content-Type", "application/json")], Some(big.as_bytes()));
    assert_eq!((r.status, r.code()), (413, "payload_too_large".into()));

    // message over 2000 characters (but under the body limit)
    let r = server.say(&id, &"a".repeat(2001), OPEN);
    assert_eq!((r.status, r.code()), (422, "message_too_long".into()));
    let r = server.say(&id, &"あ".repeat(2000), OPEN);
    assert_eq!(r.status, 200, "2000 characters are accepted: {}", r.text());

    // wrong shapes
    let r = server.post_json(&path, &json!({"message": "こんにちは"}));
    assert_eq!((r.status, r.code()), (422, "invalid_body".into()));
    let r = server.post_json(&path, &json!({"text": "こんにちは", "at": "yesterday"}));
    assert_eq!((r.status, r.code()), (422, "invalid_time".into()));
    for year in ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
        let r = server.post_json(&path, &json!({"text": "こんにちは", "at": year}));
        assert_eq!((r.status, r.code()), (422, "invalid_time".into()), "{year}");
    }
    // a JSON array (or any non-object) is not a message
    for body in [r#"["こんにちは", null]"#, r#""こんにちは""#, "42", "null"] {
        let r = request(server.addr, "POST", &path, &[("Content-Type", "application/json")], Some(body.as_bytes()));
        assert_eq!((r.status, r.code()), (422, "invalid_body".into()), "{body}");
        let r = request(server.addr, "POST", "/v1/sessions", &[("Content-Type", "application/json")], Some(body.as_bytes()));
        assert_eq!((r.status, r.code()), (422, "invalid_body".into()), "{body}");
    }
    // a path segment that is not UTF-8 after percent-decoding
    let r = server.post_json("/v1/sessions/%FF%FE/messages", &json!({"text": "こんにちは"}));
    assert_eq!((r.status, r.code()), (400, "bad_request".into()));
    let r = server.get("/v1/categories/%C3%28/entries");
    assert_eq!((r.status, r.code()), (400, "bad_request".into()));
    // over-long URIs: our limit (8 KiB) and hyper's own (64 KiB) both answer JSON
    for len in [10_000, 100_000] {
        let r = server.post_json(&format!("/v1/sessions/{}/messages", "a".repeat(len)), &json!({"text": "x"}));
        assert_eq!((r.status, r.code()), (414, "uri_too_long".into()), "{len}");
    }
    let r = server.post_json("/v1/sessions", &json!({"channel": "web channel!"}));
    assert_eq!((r.status, r.code()), (422, "invalid_channel".into()));

    // unknown endpoint, wrong method
    let r = server.get("/v1/nothing");
    assert_eq!((r.status, r.code()), (404, "not_found".into()));
    let r = server.get(&path);
    assert_eq!((r.status, r.code()), (405, "method_not_allowed".into()));

    // a session needs no body at all
    let r = request(server.addr, "POST", "/v1/sessions", &[], None);
    assert_eq!(r.status, 201, "{}", r.text());
    let location = r.header("location").unwrap();
    assert!(location.starts_with("/v1/sessions/s_") && location.ends_with("/transcript"), "{location}");
    // The Location can be read.
    let r = server.get(&location);
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn rate_limit_per_session() {
    let server = Server::default();
    let id = server.new_session();
    for i in 0..10 {
        let r = server.say(&id, "支払日はいつですか", OPEN);
        assert_eq!(r.status, 200, "message {i}: {}", r.text());
    }
    let r = server.say(&id, "支払日はいつですか", OPEN);
    assert_eq!((r.status, r.code()), (429, "rate_limited".into()));
    let retry: u64 = r.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=10).contains(&retry), "{retry}");
    // other sessions are not affected
    let other = server.new_session();
    assert_eq!(server.say(&other, "支払日はいつですか", OPEN).status, 200);
    // the limited session still exists and kept its 10 turns
    let t = server.get(&format!("/v1/sessions/{id}/transcript")).json();
    assert_eq!(t["turns"], 10);
}

#[test]
fn a_session_holds_a_bounded_number_of_turns() {
    let mut options = opts();
    options.limits.max_turns = 2;
    let server = Server::start(shared_engine(), options);
    let id = server.new_session();
    server.say_ok(&id, "支払日はいつですか", OPEN);
    server.say_ok(&id, "明細はどこで見られますか", OPEN);
    let r = server.say(&id, "ありがとう", OPEN);
    assert_eq!((r.status, r.code()), (409, "session_full".into()));
    let fresh = server.new_session();
    server.say_ok(&fresh, "ありがとう", OPEN);
}

struct TempCorpus(PathBuf);

impl TempCorpus {
    fn new(lines: &[Value]) -> TempCorpus {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir()
            .join(format!("madoguchi-serve-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
        std::fs::create_dir_all(&dir).unwrap();
        let c = TempCorpus(dir);
        c.write("base.jsonl", lines);
        c
    }
    fn write(&self, file: &str, lines: &[Value]) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(self.0.join(file), text).unwrap();
    }
}

impl Drop for TempCorpus {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn reload_swaps_the_corpus_and_keeps_sessions() {
    let corpus = TempCorpus::new(&[
        json!({"id":"t-1","category":"テスト","question":"カードの暗証番号を変更したい","answer":"会員サイトから変更できます。"}),
        json!({"id":"t-2","category":"テスト","question":"支払日はいつですか","answer":"毎月27日です。"}),
    ]);
    let engine = Arc::new(Engine::from_corpus(&corpus.0).unwrap());
    let mut options = ServeOptions::new(&corpus.0);
    options.allow_client_time = true;
    options.admin_token = Some("letmein".into());
    let server = Server::start(engine, options);

    let id = server.new_session();
    let r = server.say_ok(&id, "支払日はいつですか", OPEN);
    assert_eq!(r["answer"]["id"], "t-2", "{r}");
    let r = server.say_ok(&id, "宇宙旅行の予約をしたい", OPEN);
    assert_ne!(r["kind"], "answer", "{r}");

    corpus.write(
        "added.jsonl",
        &[json!({"id":"t-3","category":"宇宙","question":"宇宙旅行の予約をしたい","answer":"宇宙旅行は予約ページからお申し込みください。"})],
    );
    // the admin endpoint wants the token
    let r = request(server.addr, "POST", "/v1/admin/reload", &[], None);
    assert_eq!((r.status, r.code()), (401, "unauthorized".into()));
    let r = request(server.addr, "POST", "/v1/admin/reload", &[("Authorization", "Bearer wrong")], None);
    assert_eq!(r.status, 401);
    let r = request(server.addr, "POST", "/v1/admin/reload", &[("Authorization", "Bearer letmein")], None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["entries"], 3);
    assert_eq!(r.json()["categories"], 2);

    // same session, new corpus
    let r = server.say_ok(&id, "宇宙旅行の予約をしたい", OPEN);
    assert_eq!(r["answer"]["id"], "t-3", "{r}");
    assert_eq!(r["turn"], 3, "the session survived the reload");
    let t = server.get(&format!("/v1/sessions/{id}/transcript")).json();
    assert_eq!(t["transcript"].as_array().unwrap().len(), 6);
    let cats = server.get("/v1/categories").json();
    assert!(cats["categories"].as_array().unwrap().iter().any(|c| c["name"] == "宇宙"));

    // a broken corpus is reported, and the previous one keeps serving
    std::fs::write(corpus.0.join("broken.jsonl"), "{\"id\":\"t-4\"}\n").unwrap();
    let r = request(server.addr, "POST", "/v1/admin/reload", &[("Authorization", "Bearer letmein")], None);
    assert_eq!((r.status, r.code()), (500, "reload_failed".into()));
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("broken.jsonl:1"), "{}", r.text());
    let r = server.say_ok(&id, "宇宙旅行の予約をしたい", OPEN);
    assert_eq!(r["answer"]["id"], "t-3");
}

#[test]
fn admin_without_token_is_loopback_only_and_health_endpoints_work() {
    let server = Server::default();
    let r = server.get("/healthz");
    assert_eq!((r.status, r.json()["status"].clone()), (200, json!("ok")));
    let r = server.get("/readyz");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["status"], "ready");
    assert_eq!(v["entries"], shared_engine().retriever().knowledge_base().len());
    assert_eq!(v["outbox_pending"], Value::Null, "no webhook configured");
    assert_eq!(v["store"], "memory");

    // no admin token configured: loopback clients may reload
    let r = request(server.addr, "POST", "/v1/admin/reload", &[], None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "reloaded");

    // the page and the widget are served from the binary
    let r = server.get("/");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.header("content-security-policy").is_some());
    assert!(r.text().contains("/widget.js") && r.text().contains("lang=\"ja\""));
    let r = server.get("/widget.js");
    assert!(r.header("content-type").unwrap().starts_with("text/javascript"));
    assert!(r.text().contains("aria-live"));
    let r = server.get("/widget.css");
    assert!(r.header("content-type").unwrap().starts_with("text/css"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
}

#[test]
fn cors_only_for_allowed_origins() {
    let mut options = opts();
    options.allowed_origins = vec!["https://support.example.jp".into()];
    let server = Server::start(shared_engine(), options);
    let preflight = |origin: &str| {
        request(
            server.addr,
            "OPTIONS",
            "/v1/sessions",
            &[("Origin", origin), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type")],
            None,
        )
    };
    let r = preflight("https://support.example.jp");
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some("https://support.example.jp"));
    assert!(r.header("access-control-allow-headers").unwrap().contains("content-type"));
    let r = preflight("https://evil.example");
    assert!(r.header("access-control-allow-origin").is_none());
    let r = request(server.addr, "GET", "/v1/categories", &[("Origin", "https://support.example.jp")], None);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("https://support.example.jp"));
}

#[test]
fn idle_sessions_expire() {
    let mut options = opts();
    options.session_idle = Duration::from_secs(1);
    let server = Server::start(shared_engine(), options);
    let id = server.new_session();
    assert_eq!(server.get(&format!("/v1/sessions/{id}/transcript")).status, 200);
    wait_until("the idle session to expire", Duration::from_secs(8), || {
        server.get(&format!("/v1/sessions/{id}/transcript")).status == 404
    });
    assert_eq!(server.block_on(server.state.sessions().count()).unwrap(), 0);
}

/// Runs a webhook receiver on loopback in a runtime of its own.
fn spawn_receiver(router: axum::Router) -> (tokio::runtime::Runtime, SocketAddr) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, router).await });
    (rt, addr)
}

/// HMAC-SHA256 computed here independently of the crate's `sign`.
fn expected_signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[test]
fn webhook_receives_a_signed_handoff() {
    let (tx, rx) = mpsc::channel::<receiver::Delivery>();
    let tx = Mutex::new(tx);
    let app = receiver::app("s3cret", move |d| {
        let _ = tx.lock().unwrap().send(d);
    });
    let (receiver_rt, receiver_addr) = spawn_receiver(app);

    let mut options = opts();
    let mut hook = WebhookConfig::new(format!("http://{receiver_addr}/handoff"), "s3cret");
    hook.backoff = Duration::from_millis(50);
    options.webhook = Some(hook);
    let server = Server::start(shared_engine(), options);

    let id = server.new_session();
    let r = server.say_ok(&id, "カードの暗証番号を変えたい", OPEN);
    assert_eq!(r["kind"], "answer");
    let r = server.say_ok(&id, "カード番号は4111-1111-1111-1234です。オペレーターと話したい", OPEN);
    assert_eq!(r["kind"], "handoff");

    let d = rx.recv_timeout(Duration::from_secs(10)).expect("a delivery");
    assert_eq!(d.signature, expected_signature(b"s3cret", &d.raw));
    assert!(d.id.starts_with("d_"), "{}", d.id);
    let p = &d.payload;
    assert_eq!(p["event"], "handoff");
    assert_eq!(p["delivery_id"], d.id.as_str());
    assert_eq!(p["session_id"], id.as_str());
    assert_eq!(p["channel"], "web");
    assert_eq!(p["turn"], 2);
    assert_eq!(p["reason"], "requested");
    assert_eq!(p["priority"], "normal");
    assert_eq!(p["urgent_kind"], Value::Null);
    assert_eq!(p["route"]["route_id"], "chat_operator");
    assert_eq!(p["route"]["open_now"], true);
    assert!(p["summary"].as_str().unwrap().contains("担当者"), "{p}");
    let transcript = p["transcript"].as_array().unwrap();
    assert_eq!(transcript.len(), 4, "two customer and two bot lines");
    assert!(transcript[2]["text"].as_str().unwrap().contains("****-****-****-1234"));
    assert!(!String::from_utf8_lossy(&d.raw).contains("4111"), "the payload is masked");
    wait_until("the delivery to be counted", Duration::from_secs(5), || {
        server.metric("madoguchi_webhook_deliveries_total", "outcome=\"delivered\"") == 1
    });
    // only hand-offs are delivered
    assert!(rx.try_recv().is_err());

    // the receiver refuses a bad signature
    let body = br#"{"event":"handoff"}"#;
    let bad = expected_signature(b"wrong secret", body);
    let r = request(
        receiver_addr,
        "POST",
        "/handoff",
        &[("Content-Type", "application/json"), ("X-Madoguchi-Signature", &bad)],
        Some(body),
    );
    assert_eq!(r.status, 401);
    let r = request(receiver_addr, "POST", "/handoff", &[("Content-Type", "application/json")], Some(body));
    assert_eq!(r.status, 401, "a missing signature is refused too");
    let good = expected_signature(b"s3cret", body);
    let r = request(receiver_addr, "POST", "/handoff", &[("X-Madoguchi-Signature", &good)], Some(body));
    assert_eq!(r.status, 200);
    drop(server);
    receiver_rt.shutdown_timeout(Duration::from_secs(1));
}

#[test]
fn webhook_retries_with_the_same_delivery_id() {
    // a receiver that fails the first attempt with 503
    // (delivery id, signature, body) of each attempt
    type Seen = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;
    let seen: Seen = Arc::default();
    let seen_in = seen.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let seen = seen_in.clone();
            async move {
                let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                let mut seen = seen.lock().unwrap();
                seen.push((h("x-madoguchi-delivery"), h("x-madoguchi-signature"), body.to_vec()));
                if seen.len() == 1 { axum::http::StatusCode::SERVICE_UNAVAILABLE } else { axum::http::StatusCode::OK }
            }
        }),
    );
    let (hook_rt, hook_addr) = spawn_receiver(router);
    let mut options = opts();
    let mut hook = WebhookConfig::new(format!("http://{hook_addr}/hook"), "k");
    hook.backoff = Duration::from_millis(50);
    options.webhook = Some(hook);
    let server = Server::start(shared_engine(), options);

    let id = server.new_session();
    let r = server.say_ok(&id, "さっき財布ごとカードを落としました", OPEN);
    assert_eq!(r["handoff"]["reason"], "urgent");
    wait_until("two attempts", Duration::from_secs(10), || seen.lock().unwrap().len() >= 2);
    std::thread::sleep(Duration::from_millis(200));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "no third attempt after a success");
    assert_eq!(seen[0].0, seen[1].0, "a retry keeps the delivery id");
    assert_eq!(seen[0].2, seen[1].2, "and the body");
    for (_, signature, body) in seen.iter() {
        assert_eq!(*signature, expected_signature(b"k", body));
    }
    let p: Value = serde_json::from_slice(&seen[1].2).unwrap();
    assert_eq!(p["priority"], "high");
    assert_eq!(p["urgent_kind"], "lost_stolen");
    drop(seen);
    drop(server);
    hook_rt.shutdown_timeout(Duration::from_secs(1));
}

#[test]
fn failing_webhook_does_not_break_the_reply() {
    // a port with nothing listening
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut options = opts();
    let mut hook = WebhookConfig::new(format!("http://{closed}/hook"), "k");
    hook.attempts = 2;
    hook.backoff = Duration::from_millis(20);
    options.webhook = Some(hook);
    let server = Server::start(shared_engine(), options);

    let id = server.new_session();
    let started = Instant::now();
    let r = server.say_ok(&id, "オペレーターと話したい", OPEN);
    assert_eq!(r["kind"], "handoff");
    assert!(started.elapsed() < Duration::from_secs(2), "the reply does not wait for the webhook");
    wait_until("the failed delivery to be counted", Duration::from_secs(10), || {
        server.metric("madoguchi_webhook_deliveries_total", "outcome=\"failed\"") == 1
            && server.metric("madoguchi_webhook_deliveries_total", "outcome=\"retried\"") == 1
            && server.get("/readyz").json()["outbox_pending"] == 0
    });
    // the session goes on
    let r = server.say_ok(&id, "カードの暗証番号を変えたい", OPEN);
    assert_eq!(r["kind"], "answer");
    assert_eq!(r["turn"], 2);
    assert_eq!(server.get(&format!("/v1/sessions/{id}/transcript")).json()["transcript"].as_array().unwrap().len(), 4);
}

#[test]
fn https_webhooks_are_refused_at_start() {
    let mut options = opts();
    options.webhook = Some(WebhookConfig::new("https://cc.example.jp/hook", "k"));
    let err = AppState::new(shared_engine(), options).unwrap_err().to_string();
    assert!(err.contains("https is not supported"), "{err}");
}

#[test]
fn openapi_documents_every_route() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    for path in [
        "/v1/sessions",
        "/v1/sessions/{id}/messages",
        "/v1/sessions/{id}/transcript",
        "/v1/categories",
        "/v1/categories/{name}/entries",
        "/healthz",
        "/readyz",
        "/v1/admin/reload",
        "/metrics",
        "/",
        "/widget.js",
        "/widget.css",
    ] {
        assert!(spec.contains(&format!("\n  {path}:\n")), "openapi.yaml lacks {path}");
    }
    for code in [
        "malformed_json", "session_not_found", "payload_too_large", "unsupported_media_type", "invalid_body",
        "message_too_long", "invalid_time", "invalid_channel", "rate_limited", "reload_failed", "too_many_sessions",
        "client_time_not_allowed", "uri_too_long", "headers_too_large", "session_conflict", "store_unavailable", "forbidden",
        "unauthorized", "bad_request",
    ] {
        assert!(spec.contains(code), "openapi.yaml lacks the error code {code}");
    }
    assert!(spec.contains("X-Madoguchi-Signature") && spec.contains("webhooks:"));
}

#[test]
fn the_server_clock_decides_unless_the_test_flag_is_on() {
    let server = Server::start(shared_engine(), ServeOptions::new(corpus()));
    let id = server.new_session();
    let r = server.say(&id, "オペレーターと話したい", NIGHT);
    assert_eq!((r.status, r.code()), (422, "client_time_not_allowed".into()));
    let before = chrono::Utc::now();
    let r = server.post_json(&format!("/v1/sessions/{id}/messages"), &json!({"text": "支払日はいつですか"}));
    assert_eq!(r.status, 200, "{}", r.text());
    let t = server.get(&format!("/v1/sessions/{id}/transcript")).json();
    let lines = t["transcript"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "the refused message left no trace: {t}");
    let at = chrono::DateTime::parse_from_rfc3339(lines[0]["at"].as_str().unwrap()).unwrap();
    let drift = (at.with_timezone(&chrono::Utc) - before).num_seconds().abs();
    assert!(drift < 60, "the transcript time is the server's clock: {at}");
}

#[test]
fn session_creation_is_rate_limited_per_client_address() {
    let mut options = opts();
    options.limits.session_rate_max = 3;
    options.limits.session_rate_window = Duration::from_secs(60);
    let server = Server::start(shared_engine(), options);
    for _ in 0..3 {
        server.new_session();
    }
    let r = server.post_json("/v1/sessions", &json!({}));
    assert_eq!((r.status, r.code()), (429, "rate_limited".into()));
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    // X-Forwarded-For from an untrusted peer changes nothing
    let r = request(server.addr, "POST", "/v1/sessions", &[("X-Forwarded-For", "198.51.100.7")], None);
    assert_eq!(r.status, 429);
    assert_eq!(server.metric("madoguchi_rate_limited_total", "limit=\"session\""), 2);
}

#[test]
fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let mut options = opts();
    options.limits.session_rate_max = 1;
    options.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    options.admin_token = Some("a-long-admin-token-1234".into());
    let server = Server::start(shared_engine(), options);
    let create = |xff: &str| request(server.addr, "POST", "/v1/sessions", &[("X-Forwarded-For", xff)], None).status;
    assert_eq!(create("198.51.100.1"), 201);
    assert_eq!(create("198.51.100.2"), 201);
    assert_eq!(create("198.51.100.1"), 429);
    // a client cannot pick its address by prepending to the header
    assert_eq!(create("203.0.113.50, 198.51.100.1"), 429);
    // and admin calls through the proxy need the token
    let r = request(server.addr, "POST", "/v1/admin/reload", &[("X-Forwarded-For", "198.51.100.1")], None);
    assert_eq!((r.status, r.code()), (401, "unauthorized".into()));
    let r = request(server.addr, "POST", "/v1/admin/reload", &[("Authorization", "bearer a-long-admin-token-1234")], None);
    assert_eq!(r.status, 200, "a lowercase scheme is accepted: {}", r.text());
}

#[test]
fn an_exposed_server_without_an_admin_token_does_not_start() {
    let mut proxied = opts();
    proxied.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let err = rt.block_on(async {
        let state = AppState::new(shared_engine(), proxied).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        serve(listener, state, async {}).await.unwrap_err()
    });
    assert!(err.to_string().contains("admin token"), "{err}");
    let open: SocketAddr = "0.0.0.0:8080".parse().unwrap();
    assert!(opts().check_exposure(open).is_err());
    assert!(opts().check_exposure("127.0.0.1:8080".parse().unwrap()).is_ok());
}

#[test]
fn a_connection_that_stops_sending_is_closed() {
    use std::io::{Read, Write};
    let mut options = opts();
    options.limits.read_idle = Duration::from_secs(1);
    let server = Server::start(shared_engine(), options);
    // Headers that never end (slowloris), and a body shorter than its
    // Content-Length: both connections are closed, not held.
    for partial in [
        "GET /healthz HTTP/1.1\r\nHost: x\r\n".to_string(),
        "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"chan".to_string(),
    ] {
        let mut conn = std::net::TcpStream::connect(server.addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        conn.write_all(partial.as_bytes()).unwrap();
        let started = Instant::now();
        let mut rest = Vec::new();
        // Ends with EOF or a reset once the server lets go; a read timeout
        // (the server still holding on after 10 s) fails the test.
        match conn.read_to_end(&mut rest) {
            Ok(_) => {}
            Err(e) => assert!(e.kind() != std::io::ErrorKind::WouldBlock && e.kind() != std::io::ErrorKind::TimedOut, "{e}"),
        }
        assert!(started.elapsed() < Duration::from_secs(8), "{partial:?} held for {:?}", started.elapsed());
    }
    // A complete request still gets its answer.
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn a_transcript_is_bounded_in_bytes() {
    let mut options = opts();
    options.limits.max_transcript_bytes = 4096;
    options.limits.rate_max = 1000;
    let server = Server::start(shared_engine(), options);
    let id = server.new_session();
    let mut full = None;
    for i in 0..40 {
        let r = server.say(&id, &format!("{}支払日はいつですか", "あ".repeat(300)), OPEN);
        if r.status == 409 {
            assert_eq!(r.code(), "session_full");
            full = Some(i);
            break;
        }
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let turns = full.expect("the cap is reached");
    assert!(turns >= 2, "{turns}");
    let t = server.get(&format!("/v1/sessions/{id}/transcript"));
    assert!(t.body.len() < 4096 + 4096, "{} bytes", t.body.len());
    assert_eq!(t.json()["turns"], turns);
}

#[test]
fn one_webhook_per_handoff_and_metrics() {
    type Seen = Arc<Mutex<Vec<String>>>;
    let seen: Seen = Arc::default();
    let seen_in = seen.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let seen = seen_in.clone();
            async move {
                let id = headers.get("x-madoguchi-delivery").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                seen.lock().unwrap().push(id);
                axum::http::StatusCode::OK
            }
        }),
    );
    let (hook_rt, hook_addr) = spawn_receiver(router);
    let mut options = opts();
    options.webhook = Some(WebhookConfig::new(format!("http://{hook_addr}/hook"), "k"));
    let server = Server::start(shared_engine(), options);
    let id = server.new_session();
    for _ in 0..4 {
        let r = server.say_ok(&id, "オペレーターと話したい", OPEN);
        assert_eq!(r["kind"], "handoff");
    }
    wait_until("the delivery", Duration::from_secs(10), || !seen.lock().unwrap().is_empty());
    std::thread::sleep(Duration::from_millis(500));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen, vec![madoguchi::serve::webhook::delivery_id(&id, 1)], "one hand-off, one webhook");

    // /metrics: Prometheus text, admin access (loopback without a token here)
    let m = server.get("/metrics");
    assert_eq!(m.status, 200);
    assert!(m.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    let text = m.text();
    for line in [
        "madoguchi_turns_total{kind=\"handoff\"} 4",
        "madoguchi_handoffs_total{reason=\"requested\",repeat=\"false\"} 1",
        "madoguchi_handoffs_total{reason=\"requested\",repeat=\"true\"} 3",
        "madoguchi_webhook_deliveries_total{outcome=\"delivered\"} 1",
        "madoguchi_turn_duration_seconds_count 4",
        "madoguchi_sessions 1",
        "madoguchi_outbox_pending 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
    assert!(!text.contains(&id), "no session id in metrics");
    drop(server);
    hook_rt.shutdown_timeout(Duration::from_secs(1));
}
