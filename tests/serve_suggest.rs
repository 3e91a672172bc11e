//! `GET /v1/suggest` over real HTTP on loopback (the style of
//! `tests/serve_api.rs`: the server in-process on 127.0.0.1:0, a raw
//! HTTP/1.1 client): suggestions for a partial question, the limit, every
//! JSON error, the rate limit per client address, and the contract in
//! openapi.yaml.

use madoguchi::serve::ServeOptions;
use serde_json::json;

#[path = "support/http.rs"]
mod http;
#[path = "support/server.rs"]
mod server;
use http::{Resp, encode, request};
use server::{Server, corpus, shared_engine};

impl Server {
    fn default() -> Server {
        Server::start(shared_engine(), ServeOptions::new(corpus()))
    }

    fn get(&self, path: &str) -> Resp {
        request(self.addr, "GET", path, &[], None)
    }

    /// The suggested questions for a percent-encoded `q`.
    fn questions(&self, query: &str) -> Vec<String> {
        let r = self.get(&format!("/v1/suggest?{query}"));
        assert_eq!(r.status, 200, "{query}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("application/json"));
        r.json()["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                assert!(s["id"].as_str().is_some_and(|id| !id.is_empty()), "{s}");
                s["question"].as_str().unwrap().to_string()
            })
            .collect()
    }
}

#[test]
fn a_partial_question_gets_suggestions_without_a_session() {
    let server = Server::default();
    let q = server.questions(&format!("q={}", encode("カードのさいはっ")));
    assert!(!q.is_empty() && q.len() <= 5, "default limit 5: {q:?}");
    assert!(q[0].contains("再発行"), "{q:?}");
    // half-width katakana and kana still being typed
    let q = server.questions(&format!("q={}", encode("ｶｰﾄﾞをふんし")));
    assert!(q[0].contains("紛失"), "{q:?}");
    // `+` is a space in a query string
    assert!(!server.questions("q=%E3%82%AB%E3%83%BC%E3%83%89+%E3%81%B5%E3%82%93%E3%81%97").is_empty());
    // only the question and id, nothing of the answer
    let r = server.get(&format!("/v1/suggest?q={}&limit=1", encode("暗証番号")));
    let v = r.json();
    assert_eq!(v, json!({"suggestions": [{"id": v["suggestions"][0]["id"], "question": v["suggestions"][0]["question"]}]}));
}

#[test]
fn limit_and_category() {
    let server = Server::default();
    let kana = encode("カード");
    assert_eq!(server.questions(&format!("q={kana}&limit=1")).len(), 1);
    assert_eq!(server.questions(&format!("q={kana}&limit=10")).len(), 10);
    let r = server.get(&format!("/v1/suggest?q={kana}&limit=10&category={}", encode("オンラインストア")));
    let entries = shared_engine().retriever();
    for s in r.json()["suggestions"].as_array().unwrap() {
        let e = entries.entry(s["id"].as_str().unwrap()).unwrap();
        assert_eq!(e.category.as_deref(), Some("オンラインストア"), "{s}");
    }
    // an unknown category has no entries (like a search), not an error
    assert!(server.questions(&format!("q={kana}&category={}", encode("ない"))).is_empty());
}

#[test]
fn empty_and_very_short_input_give_no_suggestions_and_no_error() {
    let server = Server::default();
    for q in ["q=", "q=%E3%81%8B", "q=+", "q=%EF%BC%9F", "q=a"] {
        assert!(server.questions(q).is_empty(), "{q}");
    }
    // Text that shares a letter pair or two with some entries (VISA's
    // "sa", AI's "ai") and no word: nothing matches it.
    assert!(server.questions("q=saixyzqq").is_empty());
    assert!(!server.questions("q=visa").is_empty());
}

#[test]
fn bad_requests_answer_json_errors() {
    let server = Server::default();
    let code = |path: &str| {
        let r = server.get(path);
        (r.status, r.code())
    };
    let bad = (400, "bad_request".to_string());
    assert_eq!(code("/v1/suggest"), bad, "no q");
    assert_eq!(code("/v1/suggest?limit=3"), bad, "no q");
    assert_eq!(code("/v1/suggest?q=%E3%82"), bad, "not UTF-8");
    assert_eq!(code("/v1/suggest?q=%zz"), bad, "broken escape");
    assert_eq!(code("/v1/suggest?q=%E3%82%AB%E3%83%BC%E3%83%89%"), bad, "cut escape");
    for limit in ["0", "11", "-1", "five", ""] {
        assert_eq!(code(&format!("/v1/suggest?q=abc&limit={limit}")), bad, "limit={limit}");
    }
    let long = encode(&"あ".repeat(201));
    assert_eq!(code(&format!("/v1/suggest?q={long}")), (400, "query_too_long".into()));
    assert!(server.questions(&format!("q={}", encode(&"あ".repeat(200)))).len() <= 5, "200 is fine");
    // past the URI limit, the generic JSON 414
    let huge = "a".repeat(9000);
    assert_eq!(code(&format!("/v1/suggest?q={huge}")), (414, "uri_too_long".into()));
    // other methods
    let r = request(server.addr, "POST", "/v1/suggest?q=abc", &[], None);
    assert_eq!((r.status, r.code()), (405, "method_not_allowed".into()));
}

#[test]
fn rate_limited_per_client_address() {
    let mut options = ServeOptions::new(corpus());
    options.limits.suggest_rate_max = 3;
    let server = Server::start(shared_engine(), options);
    for _ in 0..3 {
        assert_eq!(server.get("/v1/suggest?q=abc").status, 200);
    }
    let r = server.get("/v1/suggest?q=abc");
    assert_eq!((r.status, r.code()), (429, "rate_limited".into()));
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(server.state.metrics().counter("madoguchi_rate_limited_total", "limit=\"suggest\""), 1);
}

#[test]
fn openapi_documents_suggest() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    assert!(spec.contains("\n  /v1/suggest:\n"), "openapi.yaml lacks /v1/suggest");
    for needle in ["operationId: suggest", "query_too_long", "SuggestResponse"] {
        assert!(spec.contains(needle), "openapi.yaml lacks {needle}");
    }
}
