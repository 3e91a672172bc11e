//! Writes a large synthetic event log (the format of `serve --events`) to
//! time `madoguchi report` on a busy month:
//!
//! ```sh
//! cargo build --release --bin madoguchi --example events_gen
//! ./target/release/examples/events_gen --events 1000000 --days 30 --out /tmp/events-1m
//! /usr/bin/time -v ./target/release/madoguchi report --events /tmp/events-1m --out /tmp/report-1m.html
//! ```
//!
//! Deterministic (fixed seed). About 3 turns per session; a mix of answers,
//! clarifications, fallbacks, hand-offs (some at night), feedback, VOC
//! classes and harassment; unanswered questions drawn from a few hundred
//! topics with many distinct wordings (so the topic reservoir fills).

use std::io::Write;

use chrono::{DateTime, Duration, FixedOffset, TimeZone};
use madoguchi::decide::rules::{HarassmentCategory, VocClass};
use madoguchi::decide::{HandoffReason, ReplyKind};
use madoguchi::insights::sink::day_file_name;
use madoguchi::insights::{EVENT_VERSION, Event, EventHandoff, EventType};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const SUBJECTS: &[&str] = &["ペット", "宇宙旅行", "ふるさと納税", "株主優待", "中古スマホ", "海外送金", "社員割引", "法人カード", "家族割", "ギフト包装"];
const VERBS: &[&str] = &["の写真を送りたい", "について知りたい", "はできますか", "の手続きを教えて", "の申し込み方法は？", "を使いたい"];

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let total = arg(&args, "--events", 1_000_000);
    let days = arg(&args, "--days", 30).max(1);
    let out = args.iter().position(|a| a == "--out").and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| "events-large".into());
    std::fs::create_dir_all(&out)?;
    let jst = FixedOffset::east_opt(9 * 3600).expect("offset");
    let start: DateTime<FixedOffset> = jst.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).single().expect("date");
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let per_day = total / days;
    let mut written = 0u64;
    let mut session_no = 0u64;
    for d in 0..days {
        let date = (start + Duration::days(d as i64)).date_naive();
        let file = std::fs::File::create(std::path::Path::new(&out).join(day_file_name(date)))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        let n = if d == days - 1 { total - written } else { per_day };
        let mut i = 0;
        while i < n {
            session_no += 1;
            let session = format!("{:016x}", session_no.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let at0 = start + Duration::days(d as i64) + Duration::seconds(rng.below(86_400) as i64);
            let turns = 1 + rng.below(5);
            for turn in 1..=turns {
                if i >= n {
                    break;
                }
                let at = at0 + Duration::seconds(30 * turn as i64);
                let roll = rng.below(100);
                let subject = SUBJECTS[rng.below(SUBJECTS.len() as u64) as usize];
                let verb = VERBS[rng.below(VERBS.len() as u64) as usize];
                let mut e = Event {
                    version: EVENT_VERSION,
                    kind: EventType::Turn,
                    at,
                    session: session.clone(),
                    channel: Some("web".into()),
                    turn: turn as u32,
                    reply: Some(ReplyKind::Answer),
                    entry: None,
                    confidence: None,
                    handoff: None,
                    voc: Some(VocClass::Inquiry),
                    harassment: Vec::new(),
                    text: Some(format!("{subject}{verb}（{}）", rng.below(3000))),
                    truncated: false,
                    resolved: None,
                    smalltalk: false,
                    urgent_notice: None,
                };
                match roll {
                    0..=54 => {
                        e.entry = Some(format!("faq-{:03}", rng.below(200)));
                        e.confidence = Some(0.7 + (rng.below(30) as f32) / 100.0);
                        e.text = Some("よくある質問".into());
                    }
                    55..=69 => e.reply = Some(ReplyKind::Clarify),
                    70..=84 => e.reply = Some(ReplyKind::Fallback),
                    85..=93 => {
                        e.reply = Some(ReplyKind::Handoff);
                        let reason = [HandoffReason::Requested, HandoffReason::Unresolved, HandoffReason::Urgent][rng.below(3) as usize];
                        let hour = (at.timestamp() + 9 * 3600).rem_euclid(86_400) / 3600;
                        e.handoff = Some(EventHandoff {
                            reason,
                            route: if reason == HandoffReason::Urgent { "lost_stolen_desk" } else { "chat_operator" }.into(),
                            outside_hours: reason != HandoffReason::Urgent && !(9..17).contains(&hour),
                            repeat: rng.below(10) == 0,
                        });
                    }
                    94..=96 => e.voc = Some(if roll == 94 { VocClass::OpinionRequest } else { VocClass::Complaint }),
                    _ => {
                        e.reply = Some(ReplyKind::Warn);
                        e.harassment = vec![[HarassmentCategory::VerbalAbuse, HarassmentCategory::Threat][rng.below(2) as usize]];
                    }
                }
                writeln!(w, "{}", e.to_line()?)?;
                i += 1;
                // Feedback on about a third of the answers.
                if e.reply == Some(ReplyKind::Answer) && e.entry.is_some() && rng.below(3) == 0 && i < n {
                    let fb = Event {
                        kind: EventType::Feedback,
                        reply: None,
                        confidence: None,
                        voc: None,
                        text: None,
                        resolved: Some(rng.below(4) != 0),
                        ..e.clone()
                    };
                    writeln!(w, "{}", fb.to_line()?)?;
                    i += 1;
                }
            }
        }
        w.flush()?;
        written += n;
    }
    eprintln!("events_gen: {written} events over {days} days in {out}");
    Ok(())
}
