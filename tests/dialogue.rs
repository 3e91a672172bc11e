//! Multi-turn behaviour of the dialogue engine: every rule that decides a
//! reply kind, with the message time as an input so hours are deterministic.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, FixedOffset};
use madoguchi::decide::rules::{HarassmentCategory, UrgentKind, VocClass};
use madoguchi::decide::{Engine, HandoffReason, InMemorySessionStore, PiiKind, Reply, ReplyKind, Session};

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::from_corpus(concat!(env!("CARGO_MANIFEST_DIR"), "/faq-corpus")).unwrap())
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// A Tuesday afternoon, when every staffed route is open.
const OPEN: &str = "2026-11-24T14:00:00+09:00";
/// The same Tuesday at night, after the chat operators (9:30–17:30) close.
const NIGHT: &str = "2026-11-24T21:00:00+09:00";

fn say(session: &mut Session, message: &str) -> Reply {
    engine().respond_at(session, message, at(OPEN))
}

/// An engine on the bundled corpus with these rules.
fn engine_with(rules: madoguchi::decide::RuleSet) -> Engine {
    build_on(concat!(env!("CARGO_MANIFEST_DIR"), "/faq-corpus").as_ref(), Engine::builder().rules(rules))
}

/// The engine of `builder` on the corpus at `corpus`.
fn build_on(corpus: &std::path::Path, builder: madoguchi::decide::EngineBuilder) -> Engine {
    let kb = madoguchi::knowledge::load_corpus(corpus).unwrap();
    builder.build(madoguchi::retrieve::Retriever::builder().build(kb).unwrap()).unwrap()
}

/// An engine whose urgent model never hands off and gives a notice for
/// every message its gate lets through (so the test does not hang on one
/// probability of the bundled model).
fn notice_engine() -> Engine {
    let mut rules = madoguchi::decide::RuleSet::bundled().unwrap();
    rules.set_urgent_threshold(1.01);
    rules.set_urgent_notice_threshold(0.0);
    engine_with(rules)
}

#[test]
fn possible_urgent_situation_gets_the_route_beside_the_answer() {
    let engine = notice_engine();
    // The gate names the deployment's things; the model's probability sits
    // in the notice band: the customer gets the answer and the 24-hour desk.
    let r = engine.respond_at(&mut Session::new("n"), "カードの再発行にかかる日数を教えてください", at(NIGHT));
    assert!(matches!(r.kind, ReplyKind::Answer | ReplyKind::Clarify | ReplyKind::Fallback), "{r:?}");
    assert!(r.handoff.is_none() && !r.flags.urgent && r.flags.urgent_possible, "{r:?}");
    let notice = r.urgent_notice.as_ref().expect("a notice");
    let route = notice.route.as_ref().expect("the urgent route");
    assert_eq!(route.route_id, "lost_stolen_desk");
    assert!(route.open_now, "the lost/stolen desk is open at night");
    assert!(r.message.ends_with(&format!("すぐに{} {}へご連絡ください。", route.route_name, route.contact)), "{}", r.message);
    assert!(!r.message.contains("）（"), "no stacked brackets: {}", r.message);
    // A rule still hands off at once, with no notice.
    let r = engine.respond_at(&mut Session::new("n"), "カードを落としました", at(NIGHT));
    assert_eq!(r.handoff.map(|h| h.reason), Some(HandoffReason::Urgent));
    assert!(r.urgent_notice.is_none() && !r.flags.urgent_possible);
    // A message the gate does not open for (no thing of this deployment) gets none.
    let r = engine.respond_at(&mut Session::new("n"), "送料はいくらですか", at(NIGHT));
    assert!(r.urgent_notice.is_none() && !r.flags.urgent_possible, "{r:?}");
    // Told over two turns: the thing in one message, the rest in the next.
    // (The bundled model scores 「カードのことで」 near 0 and the two joined
    // near 0.6; the notice threshold sits between, far from both.)
    let mut rules = madoguchi::decide::RuleSet::bundled().unwrap();
    rules.set_urgent_threshold(1.01);
    rules.set_urgent_notice_threshold(0.1);
    let joined = engine_with(rules);
    let mut s = Session::new("n");
    assert!(joined.respond_at(&mut s, "カードのことで", at(NIGHT)).urgent_notice.is_none());
    let alone = joined.respond_at(&mut Session::new("n2"), "昨日から見てない", at(NIGHT));
    assert!(alone.urgent_notice.is_none(), "{alone:?}");
    let r = joined.respond_at(&mut s, "昨日から見てない", at(NIGHT));
    assert!(r.urgent_notice.is_some() && r.handoff.is_none(), "{r:?}");
    // A follow-up to a message that had its own notice does not repeat it.
    let mut s = Session::new("n3");
    assert!(engine.respond_at(&mut s, "カードの再発行にかかる日数を教えてください", at(NIGHT)).urgent_notice.is_some());
    let r = engine.respond_at(&mut s, "手数料はいくらですか", at(NIGHT));
    assert!(r.urgent_notice.is_none(), "{r:?}");
    // Safety first: the harassment policy's warning and its end keep the route.
    let mut s = Session::new("n");
    let r = engine.respond_at(&mut s, "カードの再発行まだなのかよ、バカ", at(NIGHT));
    assert_eq!(r.kind, ReplyKind::Warn, "{r:?}");
    assert!(r.urgent_notice.is_some() && r.message.contains("へご連絡ください。"), "{r:?}");
    s.ended = true;
    let r = engine.respond_at(&mut s, "カードの再発行はいつ届きますか", at(NIGHT));
    assert_eq!(r.kind, ReplyKind::End, "{r:?}");
    assert!(r.urgent_notice.is_some(), "{r:?}");
}

#[test]
fn ordinary_card_question_gets_no_urgent_notice() {
    // With the bundled model and thresholds, everyday card questions are
    // answered without the emergency line: the gate opens for them (they
    // name a card or its PIN), so the model is asked and must stay below
    // `urgent.model.notice`. A refit that pushes them into the band fails here.
    let rules = madoguchi::decide::RuleSet::bundled().unwrap();
    for q in ["カードの再発行にかかる日数を教えてください", "カードの利用限度額を上げたい", "カードの暗証番号を変更したい"] {
        assert!(rules.urgent_gate(q).is_some(), "the gate should open for {q}");
        let r = say(&mut Session::new("n"), q);
        assert!(r.urgent_notice.is_none() && !r.flags.urgent_possible && r.handoff.is_none(), "{q}: {r:?}");
    }
}

#[test]
fn clarify_then_pick_by_number() {
    for pick in ["2", "２番", "2つ目", "二つ目"] {
        let mut s = Session::new("clarify");
        let r = say(&mut s, "支払い");
        assert_eq!(r.kind, ReplyKind::Clarify, "{r:?}");
        assert!(r.choices.len() >= 2 && r.choices.len() <= 3);
        assert_eq!(r.choices[1].number, 2);
        let second = r.choices[1].id.clone();
        let r = say(&mut s, pick);
        assert_eq!(r.kind, ReplyKind::Answer, "pick {pick:?}: {r:?}");
        assert_eq!(r.answer.unwrap().id, second, "pick {pick:?}");
        assert!(s.pending.is_none());
    }
}

#[test]
fn a_bare_number_is_a_pick_not_a_question() {
    // No choices on offer: "2" is not searched (it would match 2回線目).
    let mut s = Session::new("bare");
    let r = say(&mut s, "2");
    assert_eq!(r.kind, ReplyKind::Fallback, "{r:?}");
    // Out of range: the choices stay on offer.
    let mut s = Session::new("range");
    let first = say(&mut s, "支払い");
    assert_eq!(first.kind, ReplyKind::Clarify);
    let r = say(&mut s, "9");
    assert_eq!(r.kind, ReplyKind::Fallback);
    assert!(r.message.contains(&format!("1〜{}", first.choices.len())), "{}", r.message);
    let r = say(&mut s, "1");
    assert_eq!(r.answer.map(|a| a.id), Some(first.choices[0].id.clone()));
}

#[test]
fn digits_and_signs_alone_are_no_question() {
    // "-1" once matched a lone "1" in one entry and was answered with
    // confidence 0.86: a wrong confident answer to a message with no word.
    let no_match = madoguchi::decide::RuleSet::bundled().unwrap().messages().numbers_only.clone();
    for text in ["-1", "−１", "+3", "3.5", "1/2", "090-1234-5678", "１００ ％"] {
        let r = say(&mut Session::new("digits"), text);
        assert_eq!((r.kind, r.answer.is_none()), (ReplyKind::Fallback, true), "{text}: {r:?}");
        assert_eq!(r.message, no_match, "{text}");
    }
    // With choices on offer it asks for one of them, and they stay.
    let mut s = Session::new("digits-choices");
    let first = say(&mut s, "支払い");
    assert_eq!(first.kind, ReplyKind::Clarify);
    let r = say(&mut s, "-1");
    assert!(r.message.contains(&format!("1〜{}", first.choices.len())), "{}", r.message);
    assert_eq!(say(&mut s, "1").answer.map(|a| a.id), Some(first.choices[0].id.clone()));
    // A question with a number in it is still a question.
    assert_ne!(say(&mut Session::new("digits-q"), "1回線目の料金は？").kind, ReplyKind::Fallback);
}

#[test]
fn clarify_then_pick_by_repeating_words() {
    let mut s = Session::new("clarify-words");
    let r = say(&mut s, "支払い");
    assert_eq!(r.kind, ReplyKind::Clarify);
    let target = r.choices.iter().find(|c| c.question.contains("遅れる")).expect("a late-payment choice").id.clone();
    let r = say(&mut s, "遅れたときのほう");
    assert_eq!(r.answer.map(|a| a.id), Some(target));
}

#[test]
fn a_word_every_choice_has_picks_none() {
    let mut s = Session::new("clarify-shared-word");
    let r = say(&mut s, "カード");
    assert_eq!(r.kind, ReplyKind::Clarify, "{r:?}");
    assert!(r.choices.iter().all(|c| c.question.contains("カード")), "{:?}", r.choices);
    // The same word again fits every choice: no guess, the customer is
    // asked again rather than answered with choice 1.
    let r = say(&mut s, "カード");
    assert_ne!(r.kind, ReplyKind::Answer, "{r:?}");
}

/// A follow-up about the entry just answered (its fee is in that answer):
/// the search without that entry is judged on what is left, so it does not
/// offer an unrelated entry because the answered one made choices look
/// worthwhile. A small city-office FAQ of question and answer only.
#[test]
fn a_follow_up_without_the_answered_entry_offers_nothing_unrelated() {
    let engine = Engine::from_corpus(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/small-city-faq.csv")).unwrap();
    let mut s = Session::new("fee");
    let first = engine.respond_at(&mut s, "住民票がほしい", at(OPEN));
    assert_eq!(first.answer.as_ref().map(|a| a.id.as_str()), Some("c01"), "{first:?}");
    let r = engine.respond_at(&mut s, "それの手数料は？", at(OPEN));
    assert!(r.flags.follow_up, "searched as a follow-up: {r:?}");
    assert!(!r.choices.iter().any(|c| c.id == "c02"), "引っ越しの手続き offered for a fee: {:?}", r.choices);
    // The fee is in the answer just given (手数料は1通300円です): it is
    // shown again, said to be the one before, rather than "nothing fits".
    assert_eq!(r.kind, ReplyKind::Answer, "{r:?}");
    assert_eq!(r.answer.as_ref().map(|a| a.id.as_str()), Some("c01"), "{r:?}");
    let lead = &madoguchi::decide::messages::Messages::bundled().previous_answer;
    assert!(r.message.starts_with(lead.as_str()) && r.message.contains("1通300円"), "{}", r.message);
    // What that answer does not say is not pointed back to.
    let r = engine.respond_at(&mut s, "それの送料は？", at(OPEN));
    assert!(r.answer.as_ref().is_none_or(|a| a.id != "c01") && !r.message.starts_with(lead.as_str()), "{r:?}");
    // Nor is an answer the bot gave before some other reply, or one the
    // customer has just said did not help.
    for between in ["犬の散歩の仕方を教えて", "いいえ"] {
        let mut s = Session::new("older");
        engine.respond_at(&mut s, "住民票がほしい", at(OPEN));
        engine.respond_at(&mut s, between, at(OPEN));
        let r = engine.respond_at(&mut s, "それの手数料は？", at(OPEN));
        assert!(!r.message.starts_with(lead.as_str()), "after {between}: {r:?}");
    }
}

#[test]
fn follow_up_resolves_against_the_previous_topic() {
    let mut s = Session::new("follow");
    // A first question the engine answers directly (the follow-up is what
    // is tested here).
    let r = say(&mut s, "紛失したカードの再発行には何日かかりますか");
    assert_eq!(r.kind, ReplyKind::Answer, "{r:?}");
    assert_eq!(r.answer.as_ref().unwrap().id, "card-003");
    let r = say(&mut s, "それの手数料は？");
    assert_eq!(r.kind, ReplyKind::Answer, "{r:?}");
    assert!(r.flags.follow_up);
    assert_eq!(r.answer.unwrap().id, "card-004"); // カードの再発行に手数料はかかりますか？
}

#[test]
fn three_failures_hand_off_as_unresolved() {
    let mut s = Session::new("unresolved");
    let r1 = say(&mut s, "火星の天気を教えて");
    let r2 = say(&mut s, "恐竜の好物は何ですか");
    assert!(matches!(r1.kind, ReplyKind::Fallback | ReplyKind::Clarify), "{r1:?}");
    assert!(matches!(r2.kind, ReplyKind::Fallback | ReplyKind::Clarify), "{r2:?}");
    let r3 = say(&mut s, "宇宙人との交信方法");
    assert_eq!(r3.kind, ReplyKind::Handoff, "{r3:?}");
    let h = r3.handoff.unwrap();
    assert_eq!(h.reason, HandoffReason::Unresolved);
    assert!(h.summary.contains("宇宙人との交信方法"), "{}", h.summary);
    assert_eq!(h.transcript.len(), 6, "three customer lines and three bot lines");
}

#[test]
fn an_answer_resets_the_failure_count() {
    let mut s = Session::new("reset");
    say(&mut s, "火星の天気を教えて");
    say(&mut s, "恐竜の好物は何ですか");
    assert_eq!(say(&mut s, "クレジットカードの暗証番号を変更したい").kind, ReplyKind::Answer);
    assert_ne!(say(&mut s, "宇宙人との交信方法").kind, ReplyKind::Handoff);
}

#[test]
fn warn_warn_end_and_ended_stays_ended() {
    let mut s = Session::new("abuse");
    let r = say(&mut s, "ふざけるな、この無能");
    assert_eq!(r.kind, ReplyKind::Warn, "{r:?}");
    assert!(r.flags.harassment);
    assert_eq!(r.harassment.as_ref().unwrap().strikes, 1);
    let r = say(&mut s, "お前らバカ野郎だな");
    assert_eq!(r.kind, ReplyKind::Warn, "{r:?}");
    let r = say(&mut s, "土下座して謝罪しろ");
    assert_eq!(r.kind, ReplyKind::End, "{r:?}");
    assert!(r.harassment.as_ref().unwrap().categories.contains(&HarassmentCategory::ExcessiveDemand));
    // later messages, even polite ones, get `end` again
    let r = say(&mut s, "明細の見方を教えてください");
    assert_eq!(r.kind, ReplyKind::End);
    assert!(s.ended);
}

#[test]
fn severe_threat_ends_at_once() {
    let mut s = Session::new("threat");
    let r = say(&mut s, "今から店に行ってぶっ殺すぞ");
    assert_eq!(r.kind, ReplyKind::End, "{r:?}");
}

#[test]
fn colloquial_intensity_is_not_abuse() {
    for msg in ["死ぬほど急いでいます。支払日はいつですか", "バカみたいな質問ですみませんが、明細はどこで見られますか", "やばいくらい安いプランはありますか"] {
        let mut s = Session::new("colloquial");
        let r = say(&mut s, msg);
        assert!(!r.flags.harassment, "{msg}: {r:?}");
        assert!(!matches!(r.kind, ReplyKind::Warn | ReplyKind::End), "{msg}");
    }
}

#[test]
fn persistent_repetition_counts_as_harassment() {
    let mut s = Session::new("repeat");
    let kinds: Vec<ReplyKind> = (0..3).map(|_| say(&mut s, "対応が遅い、納得できない").kind).collect();
    assert!(!kinds[..2].contains(&ReplyKind::Warn), "{kinds:?}");
    assert_eq!(kinds[2], ReplyKind::Warn, "{kinds:?}");
    // repeating an ordinary question is not harassment
    let mut s = Session::new("repeat-question");
    for _ in 0..4 {
        assert!(!say(&mut s, "支払日はいつですか").flags.harassment);
    }
}

#[test]
fn urgent_after_a_normal_question_wins_over_ranking() {
    let mut s = Session::new("urgent");
    assert_eq!(say(&mut s, "明細はどこで見られますか").kind, ReplyKind::Answer);
    let r = say(&mut s, "さっき財布ごとカードを落としました");
    assert_eq!(r.kind, ReplyKind::Handoff, "{r:?}");
    let h = r.handoff.unwrap();
    assert_eq!(h.reason, HandoffReason::Urgent);
    assert_eq!(h.urgent_kind, Some(UrgentKind::LostStolen));
    let route = h.route.unwrap();
    assert_eq!(route.route_id, "lost_stolen_desk");
    assert!(route.open_now);
    // the 24-hour desk is open at night too
    let mut s = Session::new("urgent-night");
    let r = engine().respond_at(&mut s, "ｶｰﾄﾞなくした", at(NIGHT));
    assert!(r.handoff.unwrap().route.unwrap().open_now);
}

#[test]
fn ordinary_questions_about_loss_and_fraud_are_answered() {
    for msg in ["カードの再発行には何日かかりますか", "紛失・盗難の補償内容は？", "不正利用を防ぐ設定は？"] {
        let mut s = Session::new("ordinary");
        let r = say(&mut s, msg);
        assert_ne!(r.kind, ReplyKind::Handoff, "{msg}: {r:?}");
        assert!(!r.flags.urgent, "{msg}");
    }
}

#[test]
fn requests_for_a_person_versus_questions_about_people() {
    for msg in ["オペレーターと話したい", "人間に代わって", "担当者につないで", "有人チャットに切り替えて", "ビデオ通話でスタッフに相談したい"] {
        let mut s = Session::new("request");
        let r = say(&mut s, msg);
        assert_eq!(r.kind, ReplyKind::Handoff, "{msg}: {r:?}");
        assert_eq!(r.handoff.unwrap().reason, HandoffReason::Requested, "{msg}");
    }
    for msg in ["オペレーターの受付時間は？", "問い合わせの電話番号は？"] {
        let mut s = Session::new("question");
        let r = say(&mut s, msg);
        assert_eq!(r.kind, ReplyKind::Answer, "{msg}: {r:?}");
    }
}

#[test]
fn requested_handoff_outside_hours_names_the_alternative() {
    let mut s = Session::new("night");
    let r = engine().respond_at(&mut s, "オペレーターと話したい", at(NIGHT));
    let route = r.handoff.as_ref().unwrap().route.clone().unwrap();
    assert_eq!(route.route_id, "chat_operator");
    assert!(!route.open_now);
    assert_eq!(route.next_open.as_deref(), Some("2026-11-25T09:30:00+09:00"));
    let alt = route.fallback.expect("an alternative while closed");
    assert!(alt.open_now, "{alt:?}");
    assert!(r.message.contains("受付時間外") && r.message.contains(&alt.route_name), "{}", r.message);
    // the same request in hours: a person is there now, until closing
    let mut s = Session::new("day");
    let r = say(&mut s, "オペレーターと話したい");
    assert!(r.message.contains("ただいま受付中です（11月24日(火) 17:30まで）"), "{}", r.message);
    assert!(r.handoff.unwrap().route.unwrap().open_now);
}

#[test]
fn hand_off_messages_give_times_in_words_not_timestamps() {
    // The next opening reached the customer as 2026-11-25T09:30:00+09:00
    // when a closed desk had no other to offer.
    let mut spoken = 0;
    for day in ["2026-11-24", "2026-11-28", "2026-11-29", "2026-12-31"] {
        for hour in 0..24 {
            let t = format!("{day}T{hour:02}:10:00+09:00");
            for msg in ["オペレーターと話したい", "クレームです。責任者を出してください", "カードを盗まれました"] {
                let mut s = Session::new("times");
                let r = engine().respond_at(&mut s, msg, at(&t));
                assert!(!r.message.contains("+09:00") && !r.message.contains(":00:00"), "{t} {msg}: {}", r.message);
                spoken += usize::from(r.message.contains("次の受付開始: 1"));
            }
        }
    }
    // Closed desks without another to offer were met, and their next
    // opening given in words.
    assert!(spoken > 0);
}

#[test]
fn card_numbers_are_masked_everywhere_the_engine_stores_or_returns() {
    for (written, digits_left) in [
        ("4111 1111 1111 1234", "1234"),
        ("4111-1111-1111-1234", "1234"),
        ("４１１１１１１１１１１１１２３４", "１２３４"),
        ("４１１１－１１１１－１１１１－５６７８", "５６７８"),
    ] {
        let mut s = Session::new("pii");
        let msg = format!("カード番号は{written}です。オペレーターと話したい");
        let r = say(&mut s, &msg);
        assert!(r.flags.pii_detected, "{written}");
        let json = serde_json::to_string(&r).unwrap() + &serde_json::to_string(&s).unwrap();
        assert!(!json.contains(written), "{written} leaked");
        assert!(!json.contains("4111") && !json.contains("４１１１"), "{written}: leading digits leaked");
        let transcript = &r.handoff.as_ref().unwrap().transcript[0].text;
        assert!(transcript.ends_with(&format!("{digits_left}です。オペレーターと話したい")), "{transcript}");
    }
    let masked = madoguchi::decide::mask("連絡先は090-1234-5678、メールはtaro@example.jpです");
    assert!(masked.found.contains(&PiiKind::PhoneNumber) && masked.found.contains(&PiiKind::Email));
    assert!(!masked.text.contains("1234-5678") && !masked.text.contains("taro@"));
}

#[test]
fn a_card_number_across_the_length_cut_is_masked_whole() {
    // Masking comes before the cut: the digits before it must not survive.
    let limit = engine().config().max_message_chars;
    for before in [limit - 13, limit - 9, limit - 4] {
        let mut s = Session::new("cut");
        let msg = format!("{}4111 1111 1111 1234です", "あ".repeat(before));
        let r = say(&mut s, &msg);
        assert!(r.flags.truncated && r.flags.pii_detected, "{before}");
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("4111") && !json.contains(" 1111"), "{before}: digits before the cut leaked: {json}");
    }
}

#[test]
fn a_blunt_request_for_a_person_is_a_request_not_abuse() {
    // The classifier alone finds 「担当者に代われ」 rude (a staff word and a
    // command); with an insult in it, it is still abuse.
    for msg in ["担当者に代われ", "担当者に代わって"] {
        let r = say(&mut Session::new("blunt"), msg);
        assert_eq!(r.kind, ReplyKind::Handoff, "{msg}: {r:?}");
        assert!(!r.flags.harassment, "{msg}: {r:?}");
    }
    let r = say(&mut Session::new("blunt"), "担当者に代われ、ボケ");
    assert!(r.flags.harassment, "{r:?}");
    // A threat beside the request is not excused by it, even when only the
    // classifier finds it.
    let r = say(&mut Session::new("blunt"), "担当者を出せ。お前の家知ってるからな");
    assert!(r.flags.harassment, "{r:?}");
    // Saying one does not want a person is not asking for one.
    let r = say(&mut Session::new("not"), "オペレーターと話したいわけではありません");
    assert_ne!(r.kind, ReplyKind::Handoff, "{r:?}");
}

#[test]
fn the_routes_file_names_the_desks_by_role() {
    // An operator's own routes: the urgent desk is not called
    // lost_stolen_desk, and the roles say which route takes what.
    let bundled = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/dictionaries/routes.json")).unwrap();
    let own = bundled
        .replace("\"lost_stolen_desk\"", "\"emergency_line\"")
        .replace("\"chat_operator\"", "\"web_chat\"")
        .replace("\"complaints_desk\"", "\"soudanshitsu\"")
        .replacen(
            "\"routes\"",
            "\"roles\": {\"urgent\": \"emergency_line\", \"operator\": \"web_chat\", \"complaint\": \"soudanshitsu\"},\n  \"routes\"",
            1,
        );
    let calendar = madoguchi::decide::Calendar::from_json_str(&own, "own-routes.json").unwrap();
    let engine = build_on(concat!(env!("CARGO_MANIFEST_DIR"), "/faq-corpus").as_ref(), Engine::builder().calendar(calendar));
    let r = engine.respond_at(&mut Session::new("roles"), "クレジットカードを落としました", at(OPEN));
    assert_eq!(r.handoff.expect("an urgent hand-off").route.unwrap().route_id, "emergency_line");
    // The bundled request rules name the built-in ids; the roles decide.
    for (msg, route) in [("担当者と話したい", "web_chat"), ("責任者を出してください", "soudanshitsu")] {
        let r = engine.respond_at(&mut Session::new("roles"), msg, at(OPEN));
        assert_eq!(r.handoff.expect(msg).route.unwrap().route_id, route, "{msg}");
    }
    // A role naming a route the file does not have is an error on its line.
    let bad = own.replace("{\"urgent\": \"emergency_line\"", "{\"urgent\": \"nowhere\"");
    let err = madoguchi::decide::Calendar::from_json_str(&bad, "own-routes.json").unwrap_err().to_string();
    let line = 1 + bad.lines().position(|l| l.contains("\"roles\"")).unwrap();
    assert!(err.contains(&format!("own-routes.json:{line}: roles.urgent: unknown route `nowhere`")), "{err}");
}

#[test]
fn a_faq_without_categories_offers_none_to_browse() {
    let dir = std::env::temp_dir().join(format!("madoguchi-nocat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("faq.csv");
    std::fs::write(&path, "質問,回答\n営業時間は？,9時から17時です。\n駐車場はありますか,20台分あります。\n").unwrap();
    let engine = build_on(&path, Engine::builder());
    let r = engine.respond_at(&mut Session::new("nocat"), "火星の天気を教えて", at(OPEN));
    assert_eq!(r.kind, ReplyKind::Fallback, "{r:?}");
    assert!(r.suggestions.is_empty(), "{:?}", r.suggestions);
    assert!(!r.message.contains("カテゴリ"), "{}", r.message);
    // The bundled corpus has categories, and the fallback offers them.
    let r = say(&mut Session::new("cat"), "火星の天気を教えて");
    assert!(!r.suggestions.is_empty() && r.message.contains("カテゴリ"), "{r:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn control_and_reordering_characters_are_not_stored() {
    let mut s = Session::new("controls");
    let r = say(&mut s, "返金\u{202e}して\u{7}\u{1b}[31m\u{0}ほしい\nオペレーターと話したい");
    let text = &r.handoff.expect("a request for a person").transcript[0].text;
    assert_eq!(text, "返金して[31mほしい\nオペレーターと話したい");
    // Between digit groups they hide nothing: the digits they separated
    // are masked as one number.
    for hidden in ["\u{7}", "\u{202e}", "\u{0}"] {
        let mut s = Session::new("hidden");
        let msg = format!("カード4111{hidden}1111{hidden}1111{hidden}1234です。オペレーターと話したい");
        let r = say(&mut s, &msg);
        assert!(r.flags.pii_detected, "{hidden:?}");
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("4111") && json.contains("************1234"), "{hidden:?}: {json}");
    }
    // An insult after many control characters is read by the rules, not
    // only stored: the cut counts the characters kept.
    let mut s = Session::new("cut");
    let r = say(&mut s, &format!("{}{}このクソ野郎", "\u{7}".repeat(340), "い".repeat(700)));
    assert!(r.flags.harassment && !r.flags.truncated, "{r:?}");
}

#[test]
fn the_summary_quotes_a_long_message_in_part() {
    let mut s = Session::new("long");
    let long = format!("オペレーターと話したい。{}", "カードの明細について詳しく教えてほしいことがあります。".repeat(40));
    let r = say(&mut s, &long);
    let h = r.handoff.expect("a request for a person");
    assert!(h.summary.chars().count() < 400, "{}", h.summary);
    assert!(h.summary.contains('…'), "{}", h.summary);
    // The whole message is still in the transcript beside it.
    assert_eq!(h.transcript[0].text.chars().count(), long.chars().count().min(engine().config().max_message_chars));
}

#[test]
fn bad_input_gets_a_defined_reply() {
    let huge = "カードの明細について".repeat(1000);
    let cases: [(&str, &str); 4] = [("", "empty"), ("   \n\t", "blank"), ("\u{0}\u{1}\u{2}\u{3}", "control"), (huge.as_str(), "huge")];
    for (msg, what) in cases {
        let mut s = Session::new("bad");
        let r = say(&mut s, msg);
        match what {
            "huge" => assert!(r.flags.truncated, "{what}"),
            _ => assert_eq!(r.kind, ReplyKind::Fallback, "{what}: {r:?}"),
        }
        assert!(!r.message.is_empty(), "{what}");
    }
    let binary = String::from_utf8_lossy(&[0xff, 0xfe, 0x00, 0x01, 0x80, 0x90]).to_string();
    let mut s = Session::new("binary");
    assert_eq!(say(&mut s, &binary).kind, ReplyKind::Fallback);
}

#[test]
fn every_reply_carries_session_turn_and_voc() {
    let mut s = Session::new("voc");
    let r = say(&mut s, "対応が遅すぎて最悪です。明細はどこで見られますか");
    assert_eq!((r.session_id.as_str(), r.turn), ("voc", 1));
    assert_eq!(r.voc, VocClass::Complaint);
    let r = say(&mut s, "アプリにダークモードがあったら便利だと思います");
    assert_eq!(r.turn, 2);
    assert_eq!(r.voc, VocClass::OpinionRequest);
    let r = say(&mut s, "支払日はいつですか");
    assert_eq!(r.voc, VocClass::Inquiry);
    let json = serde_json::to_value(&r).unwrap();
    for key in ["session_id", "turn", "kind", "message", "flags", "voc"] {
        assert!(json.get(key).is_some(), "reply JSON lacks {key}");
    }
}

#[test]
fn sessions_serialize_and_the_store_is_shared_across_threads() {
    let engine = engine();
    let store = Arc::new(InMemorySessionStore::new());
    std::thread::scope(|scope| {
        for t in 0..8 {
            let store = Arc::clone(&store);
            scope.spawn(move || {
                for i in 0..25 {
                    let id = format!("t{t}-{i}");
                    let mut s = store.get(&id).unwrap_or_else(|| Session::new(&id));
                    engine.respond_at(&mut s, "支払日はいつですか", at(OPEN));
                    store.put(s);
                }
            });
        }
    });
    assert_eq!(store.len(), 200);
    let s = store.get("t3-7").unwrap();
    let back: Session = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
    assert_eq!(store.expire_idle(at(OPEN).timestamp() + 3600, 1800), 200);
}

// ------------------------------------------------------------ issue 9 cases

#[test]
fn urgent_wins_over_abuse_and_harassment_is_still_recorded() {
    for msg in ["カードを盗まれた！バカ！", "ふざけるな、カードを落としたのに電話がつながらない"] {
        let mut s = Session::new("urgent-abuse");
        let r = say(&mut s, msg);
        assert_eq!(r.kind, ReplyKind::Handoff, "{msg}: {r:?}");
        let h = r.handoff.as_ref().unwrap();
        assert_eq!(h.reason, HandoffReason::Urgent, "{msg}");
        assert_eq!(h.route.as_ref().unwrap().route_id, "lost_stolen_desk", "{msg}");
        assert!(r.message.contains("0120"), "{msg}: the 24-hour number: {}", r.message);
        assert!(r.flags.urgent && r.flags.harassment, "{msg}: {:?}", r.flags);
        assert!(r.harassment.is_some(), "{msg}: the harassment report stays on the reply");
        assert_eq!(s.strikes, 1, "{msg}: the strike is counted");
    }
}

#[test]
fn an_ended_session_still_reaches_the_emergency_line() {
    let mut s = Session::new("ended-urgent");
    let r = say(&mut s, "殺すぞ");
    assert_eq!(r.kind, ReplyKind::End);
    assert_eq!(say(&mut s, "料金プランを教えて").kind, ReplyKind::End);
    let r = say(&mut s, "カードを盗まれました");
    assert_eq!(r.kind, ReplyKind::Handoff, "{r:?}");
    assert_eq!(r.handoff.unwrap().reason, HandoffReason::Urgent);
    assert!(s.ended, "the session stays ended for everything else");
    assert_eq!(say(&mut s, "ポイントの有効期限は？").kind, ReplyKind::End);
}

#[test]
fn repeated_requests_get_one_handoff() {
    let mut s = Session::new("repeat");
    let first = say(&mut s, "オペレーターと話したい");
    let h1 = first.handoff.unwrap();
    assert!(!h1.repeat);
    for _ in 0..3 {
        let r = say(&mut s, "オペレーターと話したい");
        assert_eq!(r.kind, ReplyKind::Handoff, "{r:?}");
        let h = r.handoff.unwrap();
        assert!(h.repeat, "a repeat, not a new hand-off");
        assert_eq!(h.route.unwrap().route_id, h1.route.as_ref().unwrap().route_id);
        assert!(r.harassment.is_none(), "asking again for a person is not harassment");
    }
    // A different need (an emergency) is a new hand-off.
    let r = say(&mut s, "カードを落としました");
    let h = r.handoff.unwrap();
    assert_eq!(h.reason, HandoffReason::Urgent);
    assert!(!h.repeat);
}

#[test]
fn repetition_is_compared_on_masked_text() {
    let mut s = Session::new("masked-repeat");
    let msg = "090-1234-5678に何度電話してもつながらない、ひどい対応だ";
    let replies: Vec<Reply> = (0..4).map(|_| say(&mut s, msg)).collect();
    assert!(
        replies.iter().any(|r| r.harassment.as_ref().is_some_and(|h| h.categories.contains(&HarassmentCategory::PersistentRepetition))),
        "{:?}",
        replies.iter().map(|r| r.kind).collect::<Vec<_>>()
    );
}

#[test]
fn the_summary_names_what_the_customer_wanted() {
    let mut s = Session::new("summary");
    let q = "カードの暗証番号を変えたい";
    let first = say(&mut s, q);
    assert_eq!(first.kind, ReplyKind::Answer, "{first:?}");
    let r = say(&mut s, "オペレーターと話したい");
    let summary = r.handoff.unwrap().summary;
    let business = summary.split("お客さまの用件: ").nth(1).unwrap();
    assert!(business.starts_with(&format!("「{q}」")), "{summary}");
    assert!(summary.contains(&first.answer.unwrap().id), "what the bot offered: {summary}");
}

#[test]
fn the_bundled_summary_reads_in_full() {
    // The summary's words come from the rules file's `messages` section;
    // the bundled ones give this line (as in the README's reply example).
    let mut s = Session::new("summary-words");
    assert_eq!(say(&mut s, "カードの暗証番号を変えたい").kind, ReplyKind::Answer);
    let h = say(&mut s, "オペレーターと話したい").handoff.unwrap();
    assert_eq!(
        h.summary,
        "理由: お客さまが担当者との対応を希望（「オペレーターと話したい」）。お客さまの用件: 「カードの暗証番号を変えたい」（ボットが案内した話題: 「カードの暗証番号を変更したい」(card-044)）（全2発言）。ボットの対応: 回答「カードの暗証番号を変更したい」(card-044)。"
    );
    let h = say(&mut Session::new("summary-urgent"), "財布ごとカードを落としました").handoff.unwrap();
    assert_eq!(h.summary, "理由: 緊急（紛失・盗難）。お客さまの用件: 「財布ごとカードを落としました」（全1発言）。ボットの対応: なし。");
}

#[test]
fn the_summary_says_what_the_rules_file_says() {
    let mut rules = madoguchi::decide::RuleSet::bundled().unwrap();
    rules.extend(
        madoguchi::decide::RuleSet::from_json_str(
            r#"{"messages": {"summary": "[{why}] {business} / {count} msgs / bot: {offered}", "summary_urgent": "URGENT {kind}",
                "summary_kinds": {"lost_stolen": "lost"}, "summary_said": "<{text}>", "summary_none": "-",
                "summary_requested": "asked for staff", "summary_said_topic": "<{text}> about {topic}",
                "summary_entry": "{id}", "summary_answer": "answered {id}", "summary_separator": " > "}}"#,
            "english.json",
        )
        .unwrap(),
    );
    let engine = engine_with(rules);
    let h = engine.respond_at(&mut Session::new("e"), "財布ごとカードを落としました", at(OPEN)).handoff.unwrap();
    assert_eq!(h.summary, "[URGENT lost] <財布ごとカードを落としました> / 1 msgs / bot: -");
    let mut s = Session::new("e2");
    assert_eq!(engine.respond_at(&mut s, "カードの暗証番号を変えたい", at(OPEN)).kind, ReplyKind::Answer);
    engine.respond_at(&mut s, "どうすればいいですか", at(OPEN));
    let h = engine.respond_at(&mut s, "オペレーターと話したい", at(OPEN)).handoff.unwrap();
    assert!(h.summary.starts_with("[asked for staff] <"), "{}", h.summary);
    assert!(h.summary.contains("> about card-044 / 3 msgs / bot: answered card-044 > "), "{}", h.summary);
    // Turns without an answer, then the hand-off they end in.
    let mut rules = madoguchi::decide::RuleSet::bundled().unwrap();
    rules.extend(
        madoguchi::decide::RuleSet::from_json_str(
            r#"{"messages": {"summary": "{why}: {business}; {offered}", "summary_unresolved": "failed {turns} times",
                "summary_said": "<{text}>", "summary_fallback": "nothing", "summary_clarify": "choices", "summary_separator": ", "}}"#,
            "english.json",
        )
        .unwrap(),
    );
    let engine = engine_with(rules);
    let mut s = Session::new("e3");
    let mut last = None;
    for _ in 0..6 {
        let r = engine.respond_at(&mut s, "火星の天気を教えて", at(OPEN));
        if let Some(h) = r.handoff {
            last = Some(h);
            break;
        }
        assert!(matches!(r.kind, ReplyKind::Fallback | ReplyKind::Clarify), "{r:?}");
    }
    let h = last.expect("repeated failure ends in a hand-off");
    assert_eq!(h.reason, HandoffReason::Unresolved);
    let (why, offered) = h.summary.split_once(": <火星の天気を教えて>; ").expect(&h.summary);
    assert_eq!(why, "failed 3 times");
    assert!(!offered.is_empty() && offered.split(", ").all(|o| o == "nothing" || o == "choices"), "{}", h.summary);
}

#[test]
fn word_inside_a_word_is_no_abuse() {
    for msg in ["ユニセックスのTシャツはありますか", "公園に害虫がわいています", "殺虫剤はどこで買えますか"] {
        let mut s = Session::new("inner");
        for _ in 0..3 {
            let r = say(&mut s, msg);
            assert!(!r.flags.harassment, "{msg}: {:?}", r.harassment);
            assert_ne!(r.kind, ReplyKind::End, "{msg}");
        }
    }
}

#[test]
fn plain_slurs_and_missed_abuse_are_caught() {
    for msg in [
        "アホか、何回同じこと言わせるんだボケ",
        "このクソ野郎",
        "アホめ",
        "キモいデブ",
        "担当者のフルネームと自宅の住所を教えろ",
    ] {
        let mut s = Session::new("slur");
        let r = say(&mut s, msg);
        assert!(matches!(r.kind, ReplyKind::Warn | ReplyKind::End), "{msg}: {:?} {:?}", r.kind, r.message);
    }
}

#[test]
fn papers_lost_at_a_city_office_are_no_card_emergency() {
    for msg in [
        "国民健康保険証を紛失してしまったので再発行したい",
        "住民税の振込用紙を紛失しました",
        "マイナンバーカードを紛失しました",
    ] {
        let mut s = Session::new("papers");
        let r = say(&mut s, msg);
        assert!(!r.flags.urgent && r.kind != ReplyKind::Handoff, "{msg}: {:?}", r.handoff);
    }
}

/// The false-alarm bed: ordinary questions of other domains (city office,
/// bank, shop, travel) raise no harassment and no urgent hand-off.
#[test]
fn ordinary_questions_raise_nothing() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ordinary/dev.txt")).unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    assert!(lines.len() >= 300, "{} lines", lines.len());
    let mut alarms = Vec::new();
    for (i, q) in lines.iter().enumerate() {
        let mut s = Session::new("ordinary");
        let r = say(&mut s, q);
        if r.flags.harassment || r.flags.urgent {
            alarms.push(format!("tests/ordinary/dev.txt:{}: {q} → {:?} {:?}", i + 1, r.kind, r.harassment.map(|h| h.rule_ids)));
        }
    }
    assert!(alarms.is_empty(), "{} false alarms:\n{}", alarms.len(), alarms.join("\n"));
}

#[test]
fn thanks_and_yes_after_an_answer_never_hand_off() {
    // Three polite lines after an answer used to be three failed searches:
    // an `unresolved` hand-off for a satisfied customer.
    let mut s = Session::new("smalltalk-thanks");
    let answer = say(&mut s, "カードの暗証番号を変えたい");
    assert_eq!(answer.kind, ReplyKind::Answer, "{answer:?}");
    for line in ["ありがとう", "はい", "わかりました", "ありがとうございました！"] {
        let r = say(&mut s, line);
        assert_eq!(r.kind, ReplyKind::Smalltalk, "{line}: {r:?}");
        assert!(r.handoff.is_none());
    }
    assert!(!s.handed_off);
    // The typed ありがとう counted as the answer's feedback: the button
    // cannot give a second one.
    let err = engine().feedback_at(&mut s, answer.turn, false, at(OPEN)).unwrap_err();
    assert_eq!(err, madoguchi::decide::FeedbackError::AlreadyGiven { turn: answer.turn });
}

#[test]
fn a_typed_no_after_an_answer_works_like_the_button() {
    let mut s = Session::new("smalltalk-no");
    let answer = say(&mut s, "カードの暗証番号を変えたい");
    assert_eq!(answer.kind, ReplyKind::Answer, "{answer:?}");
    let answered = answer.answer.as_ref().unwrap().id.clone();
    let r = say(&mut s, "いいえ、違います");
    assert!(matches!(r.kind, ReplyKind::Clarify | ReplyKind::Fallback), "{r:?}");
    assert!(r.choices.iter().all(|c| c.id != answered), "the answer again: {r:?}");
    if r.kind == ReplyKind::Clarify {
        // The other hits are for the question answered, not for 「いいえ」.
        assert!(r.choices.iter().any(|c| c.question.contains("暗証番号")), "{r:?}");
        let pick = say(&mut s, "1");
        assert_eq!(pick.kind, ReplyKind::Answer, "{pick:?}");
    }
    // A no counts toward the unresolved hand-off like the button's.
    let mut s = Session::new("smalltalk-no-3");
    say(&mut s, "カードの暗証番号を変えたい");
    say(&mut s, "いいえ");
    say(&mut s, "ぴよぴよぴよ");
    let r = say(&mut s, "ふがふがふが");
    assert_eq!(r.handoff.as_ref().map(|h| h.reason), Some(HandoffReason::Unresolved), "{r:?}");
}

#[test]
fn no_during_a_clarification_withdraws_the_choices() {
    let mut s = Session::new("smalltalk-clarify");
    let first = say(&mut s, "カードについて");
    assert_eq!(first.kind, ReplyKind::Clarify, "{first:?}");
    let yes = say(&mut s, "はい");
    assert_eq!(yes.kind, ReplyKind::Smalltalk, "{yes:?}");
    assert!(yes.message.contains("番号"), "{yes:?}");
    let r = say(&mut s, "どれでもないです");
    assert_eq!(r.kind, ReplyKind::Fallback, "{r:?}");
    assert!(r.choices.is_empty() && s.pending.is_none());
    let late = say(&mut s, "2");
    assert_eq!(late.kind, ReplyKind::Fallback, "no choices are on offer any more: {late:?}");
}

#[test]
fn greetings_and_goodbyes_are_answered_without_a_search() {
    let mut s = Session::new("smalltalk-greeting");
    for (line, kind) in [("こんにちは", ReplyKind::Smalltalk), ("はい", ReplyKind::Smalltalk), ("さようなら", ReplyKind::Smalltalk)] {
        let r = say(&mut s, line);
        assert_eq!(r.kind, kind, "{line}: {r:?}");
    }
    assert_eq!(s.consecutive_failures, 0);
    // Words to look up are not small talk, and urgent rules still come first.
    let r = say(&mut s, "はい、カードの再発行の手数料は？");
    assert_ne!(r.kind, ReplyKind::Smalltalk, "{r:?}");
    let r = say(&mut s, "いいえ、カードを落としました");
    assert_eq!(r.handoff.as_ref().map(|h| h.reason), Some(HandoffReason::Urgent), "{r:?}");
}

#[test]
fn no_again_reaches_a_person_and_thanks_keeps_the_choices() {
    // Thanks during a clarification keeps the choices on offer.
    let mut s = Session::new("smalltalk-keep");
    let first = say(&mut s, "カードについて");
    assert_eq!(first.kind, ReplyKind::Clarify, "{first:?}");
    say(&mut s, "ありがとう");
    assert_eq!(say(&mut s, "1").kind, ReplyKind::Answer);
    // Choices (a turn without an answer), 「いいえ」 to them, 「いいえ」 again:
    // the third turn without an answer is the unresolved hand-off.
    let mut s = Session::new("smalltalk-no-again");
    assert_eq!(say(&mut s, "カードについて").kind, ReplyKind::Clarify);
    let r = say(&mut s, "いいえ");
    assert_eq!(r.kind, ReplyKind::Fallback, "{r:?}");
    assert!(r.flags.smalltalk);
    let r = say(&mut s, "いいえ");
    let h = r.handoff.as_ref().expect("a person after three turns without an answer");
    assert_eq!(h.reason, HandoffReason::Unresolved);
    // The summary names the question, not 「いいえ」.
    assert!(h.summary.contains("お客さまの用件: 「カードについて」"), "{}", h.summary);
    assert!(!h.summary.contains("smalltalk"), "{}", h.summary);
}

#[test]
fn a_polite_no_thanks_is_no_verdict_and_a_late_no_offers_the_other_hits() {
    let mut s = Session::new("smalltalk-no-thanks");
    let answer = say(&mut s, "カードの暗証番号を変えたい");
    assert_eq!(answer.kind, ReplyKind::Answer, "{answer:?}");
    let r = say(&mut s, "いいえ、ありがとう");
    assert_eq!(r.kind, ReplyKind::Smalltalk, "{r:?}");
    assert!(r.verdict.is_none(), "「いいえ、ありがとう」 is a polite close, not a verdict: {r:?}");
    // はい by the button, then a typed 「違います」: the other hits, no second verdict.
    let mut s = Session::new("smalltalk-changed-mind");
    let answer = say(&mut s, "カードの暗証番号を変えたい");
    engine().feedback_at(&mut s, answer.turn, true, at(OPEN)).unwrap();
    let r = say(&mut s, "違います");
    assert!(matches!(r.kind, ReplyKind::Clarify | ReplyKind::Fallback), "{r:?}");
    assert!(r.verdict.is_none());
}

#[test]
fn the_bot_says_what_the_rules_file_says() {
    // An operator rewords the bot in the rules file's `messages` section.
    let mut rules = madoguchi::decide::RuleSet::bundled().unwrap();
    rules.extend(
        madoguchi::decide::RuleSet::from_json_str(
            r#"{"messages": {"greeting": "こんにちは、市役所です。", "no_match": "わかりませんでした。", "handoff_requested": "職員におつなぎします。"}}"#,
            "city.json",
        )
        .unwrap(),
    );
    let engine = engine_with(rules);
    let r = engine.respond_at(&mut Session::new("m"), "こんにちは", at(OPEN));
    assert_eq!((r.kind, r.message.as_str()), (ReplyKind::Smalltalk, "こんにちは、市役所です。"));
    let r = engine.respond_at(&mut Session::new("m"), "火星の天気を教えて", at(OPEN));
    assert_eq!((r.kind, r.message.as_str()), (ReplyKind::Fallback, "わかりませんでした。"));
    let r = engine.respond_at(&mut Session::new("m"), "オペレーターと話したい", at(OPEN));
    assert!(r.message.starts_with("職員におつなぎします。\n窓口: "), "{}", r.message);
}
