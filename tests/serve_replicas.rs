//! Several `madoguchi serve` processes on one Redis, on loopback: a
//! conversation that moves between replicas keeps its state, `kill -9` and
//! restarts lose nothing, concurrent turns on two replicas all land (compare-
//! and-set), rate limits are shared, a reload reaches every replica, and the
//! webhook outbox survives a killed replica.
//!
//! Each test starts its own `redis-server` on a free port. Without
//! `redis-server` installed the tests say so and pass, unless
//! `MADOGUCHI_REQUIRE_REDIS=1` (set by `.ci/run`), which makes absence a
//! failure.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "support/http.rs"]
mod http;
#[path = "support/cluster.rs"]
mod cluster;
#[path = "../examples/webhook_receiver.rs"]
#[allow(dead_code)]
mod receiver;

use cluster::{Redis, Replica, require_redis};
use http::{post_json, request};

const BIN: &str = env!("CARGO_BIN_EXE_madoguchi");
/// A Tuesday afternoon, when every staffed route is open.
const OPEN: &str = "2026-11-24T14:00:00+09:00";
const TOKEN: &str = "replica-test-admin-token";

fn args(redis: &Redis, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = ["--sessions", &redis.url(), "--allow-client-time", "--admin-token", TOKEN]
        .iter()
        .map(|s| s.to_string())
        .collect();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn new_session(addr: SocketAddr) -> String {
    let r = post_json(addr, "/v1/sessions", &json!({"channel": "web"}));
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["session_id"].as_str().unwrap().to_string()
}

fn say(addr: SocketAddr, id: &str, text: &str) -> Value {
    let r = post_json(addr, &format!("/v1/sessions/{id}/messages"), &json!({"text": text, "at": OPEN}));
    assert_eq!(r.status, 200, "{text} on {addr}: {}", r.text());
    r.json()
}

fn transcript(addr: SocketAddr, id: &str) -> Value {
    let r = request(addr, "GET", &format!("/v1/sessions/{id}/transcript"), &[], None);
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let started = Instant::now();
    while !f() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_conversation_moves_between_replicas_and_survives_kill_and_restart() {
    let Some(bin) = require_redis("a_conversation_moves_between_replicas") else { return };
    let redis = Redis::start(&bin);
    let a = Replica::start(Path::new(BIN), &args(&redis, &[]));
    let mut b = Replica::start(Path::new(BIN), &args(&redis, &[]));
    let id = new_session(a.addr);

    // a pending clarification made on A is resolved on B
    let r = say(a.addr, &id, "支払い");
    assert_eq!(r["kind"], "clarify", "{r}");
    let second = r["choices"][1]["id"].clone();
    let r = say(b.addr, &id, "2");
    assert_eq!((r["kind"].clone(), r["answer"]["id"].clone()), (json!("answer"), second), "{r}");

    // harassment strikes add up across replicas
    let r = say(a.addr, &id, "ふざけるな、この無能");
    assert_eq!((r["kind"].clone(), r["harassment"]["strikes"].clone()), (json!("warn"), json!(1)), "{r}");
    let r = say(b.addr, &id, "ふざけるな、この無能");
    assert_eq!(r["harassment"]["strikes"], 2, "{r}");

    // kill -9 of B mid-conversation: A carries on with everything
    b.kill9();
    let r = say(a.addr, &id, "明細はどこで見られますか");
    assert_eq!((r["kind"].clone(), r["turn"].clone()), (json!("answer"), json!(5)), "{r}");

    // consecutive failures count across replicas, and a restarted replica
    // continues the session: the third unanswered turn hands off
    b.restart();
    let fallback = |addr| say(addr, &id, "ぴよぴよぱたぱたもけもけ");
    assert_ne!(fallback(b.addr)["kind"], "answer");
    assert_ne!(fallback(a.addr)["kind"], "answer");
    let r = fallback(b.addr);
    assert_eq!((r["kind"].clone(), r["handoff"]["reason"].clone()), (json!("handoff"), json!("unresolved")), "{r}");
    assert_eq!(r["turn"], 8);
    let t = transcript(a.addr, &id);
    assert_eq!(t["turns"], 8);
    assert_eq!(t["transcript"].as_array().unwrap().len(), 16, "every turn of every replica is there");
    assert!(!b.log_text().contains(&id), "session ids are never logged in full");
}

#[test]
fn concurrent_turns_on_two_replicas_all_land() {
    let Some(bin) = require_redis("concurrent_turns_on_two_replicas_all_land") else { return };
    let redis = Redis::start(&bin);
    let extra = ["--rate-limit", "1000"];
    let a = Replica::start(Path::new(BIN), &args(&redis, &extra));
    let b = Replica::start(Path::new(BIN), &args(&redis, &extra));
    let id = new_session(a.addr);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let addr = if i % 2 == 0 { a.addr } else { b.addr };
                let id = id.clone();
                scope.spawn(move || {
                    let body = json!({"text": format!("支払日はいつですか（{i}）"), "at": OPEN});
                    post_json(addr, &format!("/v1/sessions/{id}/messages"), &body).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
    assert!(ok >= 12, "most turns land outright: {statuses:?}");
    let t = transcript(b.addr, &id);
    assert_eq!(t["turns"], ok, "every accepted turn is stored, none overwritten: {statuses:?}");
    let lines = t["transcript"].as_array().unwrap();
    assert_eq!(lines.len(), 2 * ok);
    let mut numbers: Vec<String> = lines
        .iter()
        .filter(|l| l["speaker"] == "customer")
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), ok, "each accepted message once");
}

#[test]
fn rate_limits_are_shared_by_replicas() {
    let Some(bin) = require_redis("rate_limits_are_shared_by_replicas") else { return };
    let redis = Redis::start(&bin);
    let extra = ["--rate-limit", "3", "--rate-window-secs", "60", "--session-rate-limit", "3"];
    let a = Replica::start(Path::new(BIN), &args(&redis, &extra));
    let b = Replica::start(Path::new(BIN), &args(&redis, &extra));
    // sessions per address: 2 on A + 1 on B, then both refuse
    let id = new_session(a.addr);
    new_session(a.addr);
    new_session(b.addr);
    for addr in [a.addr, b.addr] {
        let r = post_json(addr, "/v1/sessions", &json!({}));
        assert_eq!((r.status, r.code()), (429, "rate_limited".into()));
    }
    // messages per session
    say(a.addr, &id, "支払日はいつですか");
    say(b.addr, &id, "支払日はいつですか");
    say(a.addr, &id, "支払日はいつですか");
    let r = post_json(b.addr, &format!("/v1/sessions/{id}/messages"), &json!({"text": "支払日", "at": OPEN}));
    assert_eq!((r.status, r.code()), (429, "rate_limited".into()));
    assert!(r.header("retry-after").is_some());
}

#[test]
fn a_reload_on_one_replica_reaches_every_replica() {
    let Some(bin) = require_redis("a_reload_on_one_replica_reaches_every_replica") else { return };
    let redis = Redis::start(&bin);
    let dir = cluster::temp_dir("corpus");
    let line = |id: &str, q: &str, a: &str| json!({"id": id, "category": "テスト", "question": q, "answer": a}).to_string() + "\n";
    std::fs::write(dir.join("base.jsonl"), line("t-1", "支払日はいつですか", "毎月27日です。")).unwrap();
    let corpus = dir.to_str().unwrap();
    let extra = ["--corpus", corpus];
    let a = Replica::start(Path::new(BIN), &args(&redis, &extra));
    let b = Replica::start(Path::new(BIN), &args(&redis, &extra));
    let id = new_session(b.addr);
    assert_ne!(say(b.addr, &id, "宇宙旅行の予約をしたい")["kind"], "answer");

    std::fs::write(dir.join("added.jsonl"), line("t-2", "宇宙旅行の予約をしたい", "予約ページからどうぞ。")).unwrap();
    let r = request(a.addr, "POST", "/v1/admin/reload", &[("Authorization", &format!("Bearer {TOKEN}"))], None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["corpus_version"], 1);
    wait_until("replica B to reload", Duration::from_secs(30), || {
        request(b.addr, "GET", "/readyz", &[], None).json()["entries"] == 2
    });
    let r = say(b.addr, &id, "宇宙旅行の予約をしたい");
    assert_eq!(r["answer"]["id"], "t-2", "{r}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_webhook_outbox_survives_a_killed_replica() {
    let Some(bin) = require_redis("the_webhook_outbox_survives_a_killed_replica") else { return };
    let redis = Redis::start(&bin);
    // the receiver is down at first: its port is known but closed
    let hook_port = cluster::free_port();
    let url = format!("http://127.0.0.1:{hook_port}/handoff");
    let extra = ["--webhook-url", &url, "--webhook-secret", "s3cret", "--webhook-attempts", "20", "--webhook-backoff-ms", "300"];
    let mut a = Replica::start(Path::new(BIN), &args(&redis, &extra));
    let id = new_session(a.addr);
    let r = say(a.addr, &id, "オペレーターと話したい");
    assert_eq!(r["kind"], "handoff");
    assert!(r["handoff"].get("summary").is_none(), "the browser gets no operator summary");
    wait_until("a failed attempt", Duration::from_secs(10), || {
        a.log_text().contains("webhook attempt failed")
    });
    a.kill9();

    // the receiver comes up; a new replica delivers the hand-off, once
    let (tx, rx) = mpsc::channel::<receiver::Delivery>();
    let tx = Mutex::new(tx);
    let app = receiver::app("s3cret", move |d| {
        let _ = tx.lock().unwrap().send(d);
    });
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind(("127.0.0.1", hook_port))).unwrap();
    rt.spawn(async move { axum::serve(listener, app).await });
    let b = Replica::start(Path::new(BIN), &args(&redis, &extra));
    let d = rx.recv_timeout(Duration::from_secs(30)).expect("the hand-off is delivered after the kill");
    assert_eq!(d.payload["session_id"], id.as_str());
    assert_eq!(d.id, madoguchi::serve::webhook::delivery_id(&id, 1));
    assert!(d.payload["summary"].as_str().is_some_and(|s| !s.is_empty()), "the operator gets the summary");
    assert!(rx.recv_timeout(Duration::from_secs(2)).is_err(), "one webhook per hand-off");
    let ready = request(b.addr, "GET", "/readyz", &[], None).json();
    assert_eq!(ready["outbox_pending"], 0, "{ready}");
    rt.shutdown_timeout(Duration::from_secs(1));
}
