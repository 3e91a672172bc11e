//! Insights over HTTP (issue 12): `POST /v1/sessions/{id}/feedback`, the
//! events `serve --events` writes (and the Redis stream with
//! `--sessions redis://`), and `GET /admin/report`, with every error JSON.

use std::time::{Duration, Instant};

use madoguchi::serve::ServeOptions;
use serde_json::{Value, json};

#[path = "support/http.rs"]
mod http;
#[path = "support/server.rs"]
mod server;
use server::{Server, corpus, shared_engine};
use http::{Resp, request};

#[path = "support/cluster.rs"]
mod cluster;

/// A Monday afternoon (the chat operators are in) and night (they are not).
const DAY: &str = "2026-11-30T14:00:00+09:00";
const NIGHT: &str = "2026-11-30T21:00:00+09:00";

impl Server {
    fn with_events(dir: &std::path::Path) -> Server {
        let mut o = ServeOptions::new(corpus());
        o.allow_client_time = true;
        o.events_dir = Some(dir.to_path_buf());
        Server::start(shared_engine(), o)
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        request(self.addr, "GET", path, headers, None)
    }

    fn say(&self, id: &str, text: &str, at: &str) -> Value {
        let r = self.post_json(&format!("/v1/sessions/{id}/messages"), &json!({"text": text, "at": at}));
        assert_eq!(r.status, 200, "{text}: {}", r.text());
        r.json()
    }

    fn feedback(&self, id: &str, body: &Value) -> Resp {
        self.post_json(&format!("/v1/sessions/{id}/feedback"), body)
    }
}

fn events_of(dir: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("events-2026-11-30.jsonl")).unwrap_or_default();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn feedback_yes_no_and_every_error_is_json() {
    let dir = cluster::temp_dir("serve-events");
    let server = Server::with_events(&dir);
    let id = server.new_session();
    let answer = server.say(&id, "送料はいくらですか", DAY);
    assert_eq!(answer["kind"], "answer");
    let turn = answer["turn"].as_u64().unwrap();

    // いいえ: the other hits, as a turn of its own.
    let r = server.feedback(&id, &json!({"turn": turn, "resolved": false, "at": DAY}));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["resolved"], false);
    assert_eq!(v["entry_id"], answer["answer"]["id"]);
    assert_eq!(v["reply"]["kind"], "clarify");
    assert_eq!(v["reply"]["turn"], turn + 1);
    assert!(v["reply"].get("handoff").is_some_and(Value::is_null));

    // Once per answer; only answers; only turns that exist.
    assert_eq!(server.feedback(&id, &json!({"turn": turn, "resolved": true, "at": DAY})).code(), "feedback_given");
    let r = server.feedback(&id, &json!({"turn": turn + 1, "resolved": true, "at": DAY}));
    assert_eq!((r.status, r.code().as_str()), (422, "invalid_feedback"));
    let r = server.feedback(&id, &json!({"turn": 99, "resolved": true, "at": DAY}));
    assert_eq!((r.status, r.code().as_str()), (422, "invalid_feedback"));
    // Bodies of the wrong shape, unknown sessions, client time not allowed.
    assert_eq!(server.feedback(&id, &json!({"turn": "1", "resolved": true})).code(), "invalid_body");
    assert_eq!(server.feedback(&id, &json!({"resolved": true})).code(), "invalid_body");
    assert_eq!(server.feedback(&id, &json!({"turn": 1, "resolved": true, "extra": 1})).code(), "invalid_body");
    let r = request(server.addr, "POST", &format!("/v1/sessions/{id}/feedback"), &[("Content-Type", "application/json")], Some(b"{"));
    assert_eq!((r.status, r.code().as_str()), (400, "malformed_json"));
    let r = server.feedback("s_00000000000000000000000000000000", &json!({"turn": 1, "resolved": true}));
    assert_eq!((r.status, r.code().as_str()), (404, "session_not_found"));
    let r = request(server.addr, "GET", &format!("/v1/sessions/{id}/feedback"), &[], None);
    assert_eq!((r.status, r.code().as_str()), (405, "method_not_allowed"));

    // はい on the picked answer: no reply.
    let picked = server.say(&id, "1", DAY);
    assert_eq!(picked["kind"], "answer");
    let r = server.feedback(&id, &json!({"turn": picked["turn"], "resolved": true, "at": DAY}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["reply"].is_null());
    assert_eq!(server.state.metrics().counter("madoguchi_feedback_total", "resolved=\"true\""), 1);
    assert_eq!(server.state.metrics().counter("madoguchi_feedback_total", "resolved=\"false\""), 1);

    // The events: 3 turns + 2 feedback, the session only as a hash.
    let events = events_of(&dir);
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["turn", "feedback", "turn", "feedback"], "{events:?}");
    let raw = std::fs::read_to_string(dir.join("events-2026-11-30.jsonl")).unwrap();
    assert!(!raw.contains(&id), "the session id is never written");
    assert_eq!(events[1]["resolved"], false);
    assert_eq!(events[1]["reply"], "clarify");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_admin_report_reads_the_events_the_server_wrote() {
    let dir = cluster::temp_dir("serve-report");
    let server = Server::with_events(&dir);
    let a = server.new_session();
    let answer = server.say(&a, "送料はいくらですか", DAY);
    server.feedback(&a, &json!({"turn": answer["turn"], "resolved": true, "at": DAY}));
    let b = server.new_session();
    // A PIN and a phone number: masked before anything is written.
    server.say(&b, "暗証番号は4321、電話は090-1234-5678です。ペットの写真を送りたい", DAY);
    let c = server.new_session();
    let night = server.say(&c, "オペレーターと話したい", NIGHT);
    assert_eq!(night["kind"], "handoff");

    let r = server.get("/admin/report?from=2026-11-30&to=2026-11-30&format=json", &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["totals"]["turns"], 3);
    assert_eq!(v["totals"]["sessions"], 3);
    assert_eq!(v["totals"]["resolved_sessions"], 1);
    assert_eq!(v["totals"]["feedback_yes"], 1);
    assert_eq!(v["handoffs"]["by_reason"]["requested"], 1);
    assert_eq!(v["handoffs"]["outside_hours"], 1);
    assert_eq!(v["handoffs"]["by_route"]["chat_operator"]["name"], "有人チャット");
    assert_eq!(v["topics"]["questions"], 1);
    let raw = std::fs::read_to_string(dir.join("events-2026-11-30.jsonl")).unwrap();
    for secret in ["4321", "1234-5678", "5678"] {
        assert!(!raw.contains(secret) && !r.text().contains(secret), "{secret} leaked");
    }

    let r = server.get("/admin/report", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.header("content-security-policy").is_some_and(|c| c.contains("default-src 'none'")));
    let page = r.text();
    assert!(page.contains("お問い合わせレポート") && page.contains("<svg") && !page.contains("<script"));

    // Other days: nothing. Errors are JSON.
    let v = server.get("/admin/report?from=2026-12-01&format=json", &[]).json();
    assert_eq!(v["totals"]["turns"], 0);
    assert_eq!(v["input"]["events"], 0);
    let r = server.get("/admin/report?from=2026-13-01", &[]);
    assert_eq!((r.status, r.code().as_str()), (422, "invalid_date"));
    let r = server.get("/admin/report?from=2026-12-02&to=2026-12-01", &[]);
    assert_eq!((r.status, r.code().as_str()), (422, "invalid_date"));
    let r = server.get("/admin/report?format=pdf", &[]);
    assert_eq!((r.status, r.code().as_str()), (400, "bad_request"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_report_needs_events_and_admin_access() {
    let mut o = ServeOptions::new(corpus());
    o.admin_token = Some("a-test-token-of-32-characters-xx".into());
    let server = Server::start(shared_engine(), o.clone());
    let r = server.get("/admin/report", &[]);
    assert_eq!((r.status, r.code().as_str()), (401, "unauthorized"));
    let r = server.get("/admin/report", &[("Authorization", "Bearer a-test-token-of-32-characters-xx")]);
    assert_eq!((r.status, r.code().as_str()), (404, "events_not_configured"));
}

#[test]
fn with_redis_events_also_go_to_a_capped_stream() {
    let Some(bin) = cluster::require_redis("with_redis_events_also_go_to_a_capped_stream") else { return };
    let redis = cluster::Redis::start(&bin);
    let dir = cluster::temp_dir("serve-stream");
    let mut o = ServeOptions::new(corpus());
    o.allow_client_time = true;
    o.sessions_url = Some(redis.url());
    o.redis_prefix = "insights-test:".into();
    o.events_dir = Some(dir.clone());
    o.events_stream_max = 1000;
    let server = Server::start(shared_engine(), o);
    let id = server.new_session();
    let answer = server.say(&id, "送料はいくらですか", DAY);
    let r = server.feedback(&id, &json!({"turn": answer["turn"], "resolved": false, "at": DAY}));
    assert_eq!(r.status, 200, "{}", r.text());

    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_connection().unwrap();
    let started = Instant::now();
    let entries: Vec<(String, Vec<(String, String)>)> = loop {
        let v: redis::Value = redis::cmd("XRANGE").arg("insights-test:events").arg("-").arg("+").query(&mut conn).unwrap();
        let parsed: Vec<(String, Vec<(String, String)>)> = redis::from_redis_value(v).unwrap();
        if parsed.len() >= 2 || started.elapsed() > Duration::from_secs(5) {
            break parsed;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(entries.len(), 2, "one event per turn and per feedback");
    let first: Value = serde_json::from_str(&entries[0].1[0].1).unwrap();
    assert_eq!((first["type"].as_str(), first["reply"].as_str()), (Some("turn"), Some("answer")));
    let second: Value = serde_json::from_str(&entries[1].1[0].1).unwrap();
    assert_eq!(second["resolved"], false);
    // The same events in the file.
    assert_eq!(events_of(&dir).len(), 2);
    let _ = std::fs::remove_dir_all(dir);
}
