//! Embeds the engine in a few lines and prints the JSON replies of a scripted
//! conversation. Run: `cargo run --release --example scripted_conversation`.

use chrono::DateTime;
use madoguchi::decide::{Engine, Session};

fn main() -> madoguchi::Result<()> {
    // One shared, immutable engine (wrap it in an Arc to share across threads)…
    let engine = Engine::from_corpus("faq-corpus")?;
    // …and one cheap session per conversation.
    let mut session = Session::new("demo-1").with_channel("web");
    // The message time is an input, so the hand-off's opening hours are deterministic.
    let at = DateTime::parse_from_rfc3339("2026-11-24T20:15:00+09:00").expect("valid time");
    for message in [
        "ｅＳＩＭに対応している機種を知りたい",
        "支払い",
        "2",
        "オペレーターの受付時間は？",
        "オペレーターと話したい",
        "カード番号は４１１１－１１１１－１１１１－１２３４です。財布ごとカードを落としました",
    ] {
        let reply = engine.respond_at(&mut session, message, at);
        println!("> {message}");
        println!("{}", serde_json::to_string_pretty(&reply).expect("replies serialize"));
    }
    Ok(())
}
