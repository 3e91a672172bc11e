//! Property tests (proptest): normalization, analysis, masking, the engine's
//! turn and corpus loading never panic, whatever the input. The strategies
//! mix arbitrary Unicode with the characters that matter here (kana, kanji
//! digits, full-width forms, separators, control characters), and the
//! engine runs whole sessions of such messages.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use madoguchi::decide::{Engine, Session, mask};
use madoguchi::knowledge::{load_corpus, parse_csv, parse_jsonl};
use madoguchi::normalize::normalize;
use proptest::prelude::*;

fn engine() -> Arc<Engine> {
    static E: OnceLock<Arc<Engine>> = OnceLock::new();
    E.get_or_init(|| Arc::new(Engine::from_corpus(concat!(env!("CARGO_MANIFEST_DIR"), "/faq-corpus")).unwrap())).clone()
}

/// Text that is mostly Japanese-support-like, with arbitrary characters.
fn text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "カード", "暗証番号", "を", "は", "落とした", "オペレーター", "話したい", "２", "二つ目", "〇九〇", "一二三四",
        "4111 1111 1111 1234", "090-1234-5678", "ｶｰﾄﾞ", "ー", "ｰ", "　", "\u{0}", "\u{200b}", "\u{feff}", "😀", "\u{301}",
        "バカ", "殺す", "？", "！", "\n", "@", "〒", "マイナンバー", "1234-5678-9018", "ぁ", "ゔ", "𠮷",
    ]);
    prop::collection::vec(prop_oneof![pieces.prop_map(str::to_string), any::<String>(), "[\\x00-\\x7f]{0,8}"], 0..24)
        .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn nfkc_equals_the_full_algorithm(s in text()) {
        use unicode_normalization::UnicodeNormalization;
        prop_assert_eq!(madoguchi::normalize::nfkc(&s), s.nfkc().collect::<String>());
    }

    #[test]
    fn normalize_and_mask_never_panic(s in text()) {
        let n = normalize(&s);
        prop_assert_eq!(normalize(&n), n.clone(), "normalize is idempotent");
        let m = mask(&s);
        prop_assert_eq!(mask(&m.text).text, m.text.clone(), "mask is idempotent");
    }

    #[test]
    fn analysis_never_panics(s in text()) {
        let retriever = engine().retriever();
        let analysis = retriever.analyzer().analyze(&s);
        prop_assert_eq!(retriever.analyzer().analyze(&s), analysis, "analysis is deterministic");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_session_of_arbitrary_messages_never_panics(messages in prop::collection::vec(text(), 1..6)) {
        let engine = engine();
        let mut session = Session::new("prop");
        for (i, m) in messages.iter().enumerate() {
            let reply = engine.respond(&mut session, m);
            prop_assert_eq!(reply.turn as usize, i + 1);
            let json = serde_json::to_string(&reply).unwrap();
            let back: madoguchi::decide::Reply = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back.kind, reply.kind);
        }
        // a stored session survives its JSON round trip
        let back: Session = serde_json::from_str(&serde_json::to_string(&session).unwrap()).unwrap();
        prop_assert_eq!(back, session);
    }

    #[test]
    fn corpus_loading_never_panics(body in prop_oneof![
        text(),
        prop::collection::vec(text(), 0..6).prop_map(|f| format!("{{\"id\":\"{}\",\"question\":\"{}\",\"answer\":\"{}\"}}\n", f.first().cloned().unwrap_or_default().escape_default(), f.get(1).cloned().unwrap_or_default().escape_default(), f.get(2).cloned().unwrap_or_default().escape_default())),
        prop::collection::vec(text(), 0..8).prop_map(|f| format!("id,question,answer\n{}\n", f.join(","))),
    ]) {
        let path = PathBuf::from("prop.jsonl");
        let _ = parse_jsonl(&body, &path);
        let _ = parse_csv(&body, &PathBuf::from("prop.csv"), b',');
        let _ = parse_csv(&body, &PathBuf::from("prop.tsv"), b'\t');
        // and through the file system, as `--corpus` reads it
        let dir = std::env::temp_dir().join(format!("madoguchi-prop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("c.jsonl"), &body).unwrap();
        let _ = load_corpus(&dir);
        std::fs::write(dir.join("c.jsonl"), body.as_bytes().iter().rev().copied().collect::<Vec<u8>>()).unwrap();
        let _ = load_corpus(&dir);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
