//! Insights (issue 12) without HTTP: the event log (masked, versioned), the
//! feedback rule, and the report's numbers on a scripted day of
//! conversations (tests/insights/scripted-day.jsonl, driven by
//! examples/scripted_day.rs with fixed message times).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::DateTime;
use madoguchi::decide::{Engine, FeedbackError, HandoffReason, ReplyKind, Session};
use madoguchi::insights::report::{ReportOptions, build, html};
use madoguchi::insights::{Event, EventSink, JsonlSink, session_hash};

#[path = "../examples/scripted_day.rs"]
#[allow(dead_code)]
mod scripted;

fn engine() -> Arc<Engine> {
    static E: OnceLock<Arc<Engine>> = OnceLock::new();
    E.get_or_init(|| Arc::new(Engine::from_corpus(concat!(env!("CARGO_MANIFEST_DIR"), "/faq-corpus")).unwrap())).clone()
}

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("madoguchi-insights-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn at(t: &str) -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339(t).unwrap()
}

const DAY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/insights/scripted-day.jsonl");

fn scripted_day(what: &str) -> PathBuf {
    let dir = temp_dir(what);
    let sink = JsonlSink::new(&dir).unwrap();
    scripted::run(&engine(), Path::new(DAY), &sink).unwrap();
    dir
}

#[test]
fn the_report_of_a_scripted_day_has_exact_numbers() {
    let dir = scripted_day("day");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(files, vec!["events-2026-11-16.jsonl".to_string()], "rotated by the events' day");

    let options = ReportOptions {
        route_names: [("chat_operator".to_string(), "有人チャット".to_string())].into_iter().collect(),
        ..Default::default()
    };
    let r = build(std::slice::from_ref(&dir), &options, |_| {}).unwrap();
    let json = serde_json::to_value(&r).unwrap();
    eprintln!("{}", serde_json::to_string_pretty(&json).unwrap());

    assert_eq!((r.input.files, r.input.lines, r.input.events, r.input.bad_lines), (1, 26, 26, 0));
    // 21 messages from 19 sessions; 5 feedback events (3 はい, 2 いいえ).
    let t = &r.totals;
    assert_eq!((t.turns, t.sessions), (21, 19));
    assert_eq!((t.feedback_yes, t.feedback_no), (3, 2));
    // Resolved: the three sessions whose answer got はい (an いいえ, a
    // hand-off or a session without an answer is not resolved).
    assert_eq!(t.resolved_sessions, 3);
    assert!((t.resolution_rate - 3.0 / 19.0).abs() < 1e-9);
    assert_eq!(r.days.len(), 1);
    assert_eq!(r.days[0].date.to_string(), "2026-11-16");
    assert_eq!((r.days[0].turns, r.days[0].sessions, r.days[0].resolved_sessions), (21, 19, 3));

    // Replies of turns, and the two replies to いいえ (clarify).
    let kinds = &json["reply_kinds"];
    assert_eq!(kinds, &serde_json::json!({"answer": 5, "clarify": 7, "fallback": 5, "handoff": 4, "warn": 1, "end": 1}));

    // Hand-offs: unresolved at 11:02 (open), urgent at 22:30 (24-hour desk,
    // open), requested at 19:30 and 21:00 (chat closes 17:30: outside hours).
    let h = &r.handoffs;
    assert_eq!((h.total, h.outside_hours, h.repeats), (4, 2, 0));
    assert_eq!(json["handoffs"]["by_reason"], serde_json::json!({"requested": 2, "unresolved": 1, "urgent": 1}));
    assert_eq!(h.by_route["chat_operator"].count, 3);
    assert_eq!(h.by_route["chat_operator"].outside_hours, 2);
    assert_eq!(h.by_route["chat_operator"].name.as_deref(), Some("有人チャット"));
    assert_eq!(h.by_route["lost_stolen_desk"].count, 1);

    // VOC over the day: one complaint, one opinion, the rest inquiries.
    assert_eq!(json["voc"], serde_json::json!({"inquiry": 19, "opinion_request": 1, "complaint": 1}));
    assert_eq!(json["days"][0]["voc"], json["voc"]);

    // Entries: five answered once each; shop-014 and shop-029 got いいえ.
    assert_eq!(r.entries.most_answered.len(), 5);
    let unhelpful: Vec<&str> = r.entries.most_unhelpful.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(unhelpful, ["shop-014", "shop-029"]);

    // Topics: 11 unanswered or low-confidence questions; the three about
    // pet photos (+ the same question at night) are one topic, the two
    // about space travel another.
    let tp = &r.topics;
    assert_eq!((tp.questions, tp.distinct, tp.sampled), (11, 10, false));
    assert_eq!(tp.list[0].label, "ペットの写真を送りたい");
    assert_eq!((tp.list[0].count, tp.list[0].unanswered, tp.list[0].low_confidence), (4, 3, 1));
    assert_eq!(tp.list[0].examples.len(), 3);
    assert_eq!(tp.list[1].count, 2);
    assert!(tp.list[1].label.contains("宇宙旅行"), "{:?}", tp.list[1]);
    assert_eq!(tp.list.iter().map(|t| t.count).sum::<u64>(), 11);

    // Harassment: a warning for abuse, the chat ended for a threat.
    assert_eq!((r.harassment.incidents, r.harassment.ended), (2, 1));
    assert_eq!(json["harassment"]["by_category"], serde_json::json!({"verbal_abuse": 1, "threat": 1}));

    // The HTML has the sections and the numbers, and no script.
    let page = html::render(&r);
    for label in ["お問い合わせレポート", "解決率", "担当者への引き継ぎ", "うち受付時間外", "お客さまの声", "次に書くべきFAQ", "カスタマーハラスメント", "ペットの写真を送りたい", "<svg"] {
        assert!(page.contains(label), "missing {label}");
    }
    assert!(!page.contains("<script"));
    assert!(!page.contains("http://") || page.matches("http://").all(|_| page.contains("xmlns=\"http://www.w3.org/2000/svg\"")));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_pin_or_phone_number_never_reaches_the_event_file() {
    let dir = scripted_day("pii");
    let text = std::fs::read_to_string(dir.join("events-2026-11-16.jsonl")).unwrap();
    // Session d said: 電話番号は090-1234-5678、暗証番号は4321です。
    assert!(text.contains("暗証番号は****"), "the masked message is there");
    for secret in ["1234-5678", "5678", "4321", "090-1234"] {
        assert!(!text.contains(secret), "{secret} leaked into the events");
    }
    // Session ids never leave the process: only their hash.
    assert!(!text.contains("scripted-"));
    assert!(text.contains(&session_hash("scripted-d")));
    // Every line is a version-1 event.
    for line in text.lines() {
        let e: Event = serde_json::from_str(line).unwrap();
        assert_eq!(e.version, 1);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn no_offers_the_other_hits_and_counts_toward_the_unresolved_handoff() {
    let engine = engine();
    let t = at("2026-11-30T10:00:00+09:00");

    // いいえ → the other hits of the same question, never the entry itself.
    let mut s = Session::new("fb-1");
    let answer = engine.respond_at(&mut s, "送料はいくらですか", t);
    assert_eq!(answer.kind, ReplyKind::Answer);
    let entry = answer.answer.as_ref().unwrap().id.clone();
    let fb = engine.feedback_at(&mut s, answer.turn, false, t).unwrap();
    assert_eq!(fb.entry_id, entry);
    let reply = fb.reply.unwrap();
    assert_eq!(reply.kind, ReplyKind::Clarify);
    assert_eq!(reply.turn, answer.turn + 1, "the reply is a turn of its own");
    assert!(!reply.choices.is_empty() && reply.choices.iter().all(|c| c.id != entry));
    assert!(reply.message.contains("担当者"), "a person is offered too: {}", reply.message);
    // …and a choice is picked by number as usual.
    let picked = engine.respond_at(&mut s, "1", t);
    assert_eq!(picked.kind, ReplyKind::Answer);
    assert_eq!(picked.answer.unwrap().id, reply.choices[0].id);

    // Once per answer; only answers; only existing turns.
    assert_eq!(engine.feedback_at(&mut s, answer.turn, true, t).unwrap_err(), FeedbackError::AlreadyGiven { turn: 1 });
    assert!(matches!(engine.feedback_at(&mut s, 2, true, t), Err(FeedbackError::NotAnAnswer { turn: 2, .. })));
    assert!(matches!(engine.feedback_at(&mut s, 9, true, t), Err(FeedbackError::UnknownTurn { turn: 9, turns: 3 })));
    assert!(matches!(engine.feedback_at(&mut s, 0, true, t), Err(FeedbackError::UnknownTurn { .. })));
    // はい: recorded, nothing to say, the turn counter does not move.
    let yes = engine.feedback_at(&mut s, picked.turn, true, t).unwrap();
    assert!(yes.resolved && yes.reply.is_none());
    assert_eq!(s.turns, 3);

    // いいえ counts like a failed turn: with it, two unanswered questions
    // after an answer reach the hand-off (3 failures); without it, not.
    let run = |say_no: bool| {
        let mut s = Session::new("fb-2");
        let a = engine.respond_at(&mut s, "送料はいくらですか", t);
        if say_no {
            engine.feedback_at(&mut s, a.turn, false, t).unwrap();
        }
        engine.respond_at(&mut s, "ペットの写真を送りたい", t);
        engine.respond_at(&mut s, "宇宙旅行の予約はできますか", t)
    };
    let with_no = run(true);
    assert_eq!(with_no.kind, ReplyKind::Handoff);
    assert_eq!(with_no.handoff.unwrap().reason, HandoffReason::Unresolved);
    assert_ne!(run(false).kind, ReplyKind::Handoff);
}

#[test]
fn bad_lines_are_counted_not_fatal_and_dates_filter() {
    let dir = temp_dir("bad");
    let good = |day: &str, turn: u32| {
        format!(
            r#"{{"version":1,"type":"turn","at":"{day}T10:00:00+09:00","session":"00000000000000{turn:02}","turn":1,"reply":"answer","entry":"e1","confidence":0.9,"voc":"inquiry","text":"q"}}"#
        )
    };
    let mut body = String::new();
    body.push_str(&good("2026-11-01", 1));
    body.push_str("\nnot json\n");
    body.push_str(r#"{"version":2,"type":"turn"}"#);
    body.push('\n');
    body.push_str(r#"{"version":1,"type":"turn"}"#);
    body.push_str("\n\n");
    body.push_str(&good("2026-11-02", 2));
    body.push('\n');
    let mut bytes = body.into_bytes();
    bytes.extend_from_slice(b"\xff\xfe broken\n");
    bytes.extend_from_slice(good("2026-11-03", 3).as_bytes()); // no final newline
    std::fs::write(dir.join("mixed.jsonl"), bytes).unwrap();

    let r = build(std::slice::from_ref(&dir), &ReportOptions::default(), |_| {}).unwrap();
    assert_eq!((r.input.lines, r.input.events, r.input.bad_lines), (8, 3, 4));
    assert_eq!(r.input.bad_examples.len(), 4);
    assert!(r.input.bad_examples[1].contains("unsupported event version 2"), "{:?}", r.input.bad_examples);
    assert!(r.input.bad_examples[0].contains("mixed.jsonl:2:"));

    let from = chrono::NaiveDate::from_ymd_opt(2026, 11, 2);
    let options = ReportOptions { from, to: from, ..Default::default() };
    let r = build(&[dir.join("mixed.jsonl")], &options, |_| {}).unwrap();
    assert_eq!((r.input.events, r.input.out_of_range, r.totals.sessions), (1, 2, 1));

    // from after to, a missing path: errors, not panics.
    let bad = ReportOptions { from: chrono::NaiveDate::from_ymd_opt(2026, 12, 1), to: from, ..Default::default() };
    assert!(build(std::slice::from_ref(&dir), &bad, |_| {}).is_err());
    assert!(build(&[dir.join("missing")], &ReportOptions::default(), |_| {}).is_err());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_jsonl_sink_rotates_by_the_events_day() {
    let dir = temp_dir("rotate");
    let sink = JsonlSink::new(&dir).unwrap();
    let engine = engine();
    let mut s = Session::new("rot").with_channel("app");
    for t in ["2026-11-30T23:59:00+09:00", "2026-12-01T00:01:00+09:00"] {
        let reply = engine.respond_at(&mut s, "送料はいくらですか", at(t));
        sink.record(&Event::turn(&s, &reply, at(t))).unwrap();
    }
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["events-2026-11-30.jsonl", "events-2026-12-01.jsonl"]);
    let r = build(std::slice::from_ref(&dir), &ReportOptions::default(), |_| {}).unwrap();
    // One session over two days counts once, on the day it started.
    assert_eq!((r.totals.sessions, r.days[0].sessions, r.days[1].sessions), (1, 1, 0));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_cli_report_writes_html_and_json_and_refuses_bad_options() {
    let dir = scripted_day("cli");
    let out = dir.join("report.html");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .unwrap()
    };
    let events = dir.to_str().unwrap();
    let done = run(&["report", "--events", events, "--json", "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_eq!((v["totals"]["turns"].as_u64(), v["totals"]["sessions"].as_u64()), (Some(21), Some(19)));
    // Entries are named from ./faq-corpus.
    assert!(v["entries"]["most_answered"][0]["question"].as_str().is_some_and(|q| !q.is_empty()), "{}", v["entries"]);
    assert!(stderr.contains("report: 26 lines read (100 %)"), "progress: {stderr}");
    assert!(stderr.contains("report: 26 events from 1 files"), "{stderr}");
    assert!(std::fs::read_to_string(&out).unwrap().contains("お問い合わせレポート"));

    for (args, says) in [
        (vec!["report", "--events", events], "--out"),
        (vec!["report", "--events", events, "--json", "--from", "2026-11-31"], "--from"),
        (vec!["report", "--events", events, "--json", "--from", "2026-11-17", "--to", "2026-11-16"], "after"),
        (vec!["report", "--events", "/nonexistent/events", "--json"], "/nonexistent/events"),
    ] {
        let failed = run(&args);
        let stderr = String::from_utf8_lossy(&failed.stderr);
        assert_eq!(failed.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(says), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn piece() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "カードの暗証番号を変えたい", "送料はいくらですか", "オペレーターと話したい", "090-1234-5678", "4111-1111-1111-1111",
            "暗証番号は4321", "taro@example.jp", "〒150-0001", "バカ", "殺す", "2", "\n", "{", "\"version\":1", "𠮷",
        ]);
        prop_oneof![pieces.prop_map(str::to_string), any::<String>()]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

        /// Whatever the customer types and whichever turn gets feedback:
        /// no panic, and nothing in an event is left to mask.
        #[test]
        fn events_never_hold_anything_unmasked(
            messages in prop::collection::vec(prop::collection::vec(piece(), 1..4).prop_map(|v| v.concat()), 1..5),
            feedback in prop::collection::vec((0u32..8, any::<bool>()), 0..4),
        ) {
            let engine = engine();
            let t = at("2026-11-30T12:00:00+09:00");
            let mut s = Session::new("prop").with_channel("web");
            let mut events = Vec::new();
            for m in &messages {
                let reply = engine.respond_at(&mut s, m, t);
                events.push(Event::turn(&s, &reply, t));
            }
            for (turn, resolved) in &feedback {
                if let Ok(fb) = engine.feedback_at(&mut s, *turn, *resolved, t) {
                    events.push(Event::feedback(&s, &fb, t));
                }
            }
            for e in &events {
                let line = e.to_line().unwrap();
                prop_assert!(!line.contains("\"prop\""), "no session id: {}", line);
                if let Some(text) = &e.text {
                    prop_assert!(madoguchi::decide::mask(text).found.is_empty(), "left to mask: {}", text);
                }
                let back: Event = serde_json::from_str(&line).unwrap();
                prop_assert_eq!(&back.session, &e.session);
            }
        }

        /// Any bytes as the event log: counted, never a panic.
        #[test]
        fn any_input_is_counted_never_a_panic(lines in prop::collection::vec(piece(), 0..20)) {
            let dir = temp_dir("prop-lines");
            let mut body = lines.join("\n");
            body.push_str("\n{\"version\":1,\"type\":\"turn\",\"at\":\"2026-11-30T10:00:00+09:00\",\"session\":\"x\",\"turn\":1,\"reply\":\"fallback\",\"text\":\"宇宙\"}\n");
            std::fs::write(dir.join("events.jsonl"), body).unwrap();
            let r = build(std::slice::from_ref(&dir), &ReportOptions::default(), |_| {}).unwrap();
            prop_assert!(r.input.events >= 1);
            prop_assert!(r.input.events + r.input.bad_lines <= r.input.lines);
            prop_assert!(html::render(&r).contains("お問い合わせレポート"));
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[test]
fn a_year_of_days_renders() {
    let dir = temp_dir("year");
    let mut body = String::new();
    for d in 0..400 {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(d);
        body.push_str(&format!(
            "{{\"version\":1,\"type\":\"turn\",\"at\":\"{day}T10:00:00+09:00\",\"session\":\"{d:016x}\",\"turn\":1,\"reply\":\"answer\",\"entry\":\"e\",\"voc\":\"inquiry\"}}\n"
        ));
    }
    std::fs::write(dir.join("year.jsonl"), body).unwrap();
    let r = build(std::slice::from_ref(&dir), &ReportOptions::default(), |_| {}).unwrap();
    assert_eq!((r.days.len(), r.totals.sessions), (400, 400));
    let page = html::render(&r);
    // Every column stays inside the chart.
    for x in page.split("<rect x=\"").skip(1).filter_map(|s| s.split('"').next()?.parse::<u32>().ok()) {
        assert!(x <= 680, "x = {x}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_typed_verdict_counts_like_the_buttons_and_is_no_topic() {
    let dir = temp_dir("typed-verdict");
    let sink = JsonlSink::new(&dir).unwrap();
    let engine = engine();
    let t = at("2026-11-16T10:00:00+09:00");
    // Session a: an answer, then 「違います」; session b: an answer, then 「ありがとう」.
    let mut a = Session::new("typed-a").with_channel("web");
    let mut b = Session::new("typed-b").with_channel("web");
    let mut entries = Vec::new();
    for (s, second) in [(&mut a, "違います"), (&mut b, "ありがとう")] {
        let first = engine.respond_at(s, "カードの暗証番号を変えたい", t);
        assert_eq!(first.kind, ReplyKind::Answer, "{first:?}");
        entries.push(first.answer.as_ref().unwrap().id.clone());
        sink.record(&Event::turn(s, &first, t)).unwrap();
        let r = engine.respond_at(s, second, t);
        let v = r.verdict.clone().expect("a typed verdict");
        assert_eq!((v.turn, v.entry_id.as_str(), v.resolved), (first.turn, entries[0].as_str(), second == "ありがとう"));
        let e = Event::turn(s, &r, t);
        assert_eq!((e.resolved, e.entry.as_deref()), (Some(v.resolved), Some(entries[0].as_str())));
        sink.record(&e).unwrap();
    }
    // Session c: choices, then 「いいえ」 to them (a fallback, no verdict).
    let mut c = Session::new("typed-c").with_channel("web");
    for text in ["カードについて", "いいえ"] {
        let reply = engine.respond_at(&mut c, text, t);
        sink.record(&Event::turn(&c, &reply, t)).unwrap();
    }
    drop(sink);
    let r = build(std::slice::from_ref(&dir), &ReportOptions::default(), |_| {}).unwrap();
    assert_eq!((r.totals.feedback_yes, r.totals.feedback_no), (1, 1));
    assert_eq!(r.totals.resolved_sessions, 1, "b said thanks, a said no");
    assert_eq!(r.entries.most_unhelpful.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), [entries[0].as_str()]);
    assert_eq!(r.topics.questions, 1, "「違います」 and 「いいえ」 are no questions to write entries for");
    assert_eq!(r.topics.list[0].label, "カードについて");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn urgent_notices_are_counted_and_listed_for_review() {
    let dir = temp_dir("urgent-notice");
    let sink = JsonlSink::new(&dir).unwrap();
    // A rule set that gives a notice for every message naming the
    // deployment's things (so the test does not hang on one probability).
    let mut rules = madoguchi::decide::RuleSet::bundled().unwrap();
    rules.set_urgent_threshold(1.01);
    rules.set_urgent_notice_threshold(0.0);
    let kb = madoguchi::knowledge::load_corpus(concat!(env!("CARGO_MANIFEST_DIR"), "/faq-corpus").as_ref()).unwrap();
    let engine = Engine::builder().rules(rules).build(madoguchi::retrieve::Retriever::builder().build(kb).unwrap()).unwrap();
    let t = at("2026-11-16T10:00:00+09:00");
    for (i, text) in ["カードの再発行にかかる日数は？", "送料はいくらですか", "暗証番号は1234ですがカードが見当たりません"].iter().enumerate() {
        let mut s = Session::new(format!("notice-{i}"));
        let reply = engine.respond_at(&mut s, text, t);
        let e = Event::turn(&s, &reply, t);
        assert_eq!(e.urgent_notice.is_some(), reply.urgent_notice.is_some());
        sink.record(&e).unwrap();
    }
    drop(sink);
    let r = build(std::slice::from_ref(&dir), &ReportOptions::default(), |_| {}).unwrap();
    // The second names none of the deployment's things; the third is
    // handed off by a rule (no notice).
    assert_eq!(r.handoffs.urgent_notices, 1, "{:?}", r.handoffs);
    assert_eq!(r.handoffs.urgent_notice_texts, ["カードの再発行にかかる日数は？"]);
    assert_eq!(r.handoffs.by_reason.get("urgent"), Some(&1));
    let page = html::render(&r);
    assert!(page.contains("緊急窓口を添えたメッセージ 1 件") && page.contains("<li>カードの再発行にかかる日数は？</li>"), "{page}");
    let _ = std::fs::remove_dir_all(dir);
}
