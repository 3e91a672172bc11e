//! Drives the engine through a scripted day of conversations and writes the
//! event log, for `madoguchi report` (tests/insights.rs checks its numbers;
//! scripts/browser-test.sh renders it in Chromium).
//!
//! ```sh
//! cargo run --release --example scripted_day -- tests/insights/scripted-day.jsonl /tmp/day-events
//! madoguchi report --events /tmp/day-events --out report.html
//! ```
//!
//! Script lines: `{"session":"a","at":"…","text":"…"}` (a message) or
//! `{"session":"a","at":"…","feedback":true|false}` (はい/いいえ on the
//! session's last answer). Sessions are created on first use (channel `web`).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use madoguchi::decide::{Engine, ReplyKind, Session};
use madoguchi::insights::{Event, EventSink, JsonlSink};

/// One line of the script.
#[derive(Debug, serde::Deserialize)]
pub struct Step {
    /// Session name in the script.
    pub session: String,
    /// Message time.
    pub at: DateTime<FixedOffset>,
    /// A customer message.
    #[serde(default)]
    pub text: Option<String>,
    /// Feedback on the session's last answer.
    #[serde(default)]
    pub feedback: Option<bool>,
}

/// Runs the script at `path` through `engine`, recording every event in
/// `sink`; returns the sessions by script name.
pub fn run(engine: &Engine, path: &Path, sink: &dyn EventSink) -> Result<HashMap<String, Session>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut sessions: HashMap<String, Session> = HashMap::new();
    let mut last_answer: HashMap<String, u32> = HashMap::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let step: Step = serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let session = sessions
            .entry(step.session.clone())
            .or_insert_with(|| Session::new(format!("scripted-{}", step.session)).with_channel("web"));
        let event = match (&step.text, step.feedback) {
            (Some(text), None) => {
                let reply = engine.respond_at(session, text, step.at);
                if reply.kind == ReplyKind::Answer {
                    last_answer.insert(step.session.clone(), reply.turn);
                }
                Event::turn(session, &reply, step.at)
            }
            (None, Some(resolved)) => {
                let turn = *last_answer
                    .get(&step.session)
                    .ok_or_else(|| format!("{}:{}: no answer to give feedback on", path.display(), n + 1))?;
                let fb = engine
                    .feedback_at(session, turn, resolved, step.at)
                    .map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
                Event::feedback(session, &fb, step.at)
            }
            _ => return Err(format!("{}:{}: give either `text` or `feedback`", path.display(), n + 1)),
        };
        sink.record(&event).map_err(|e| e.to_string())?;
    }
    Ok(sessions)
}

#[allow(dead_code)]
fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [script, dir] = args.as_slice() else {
        return Err("usage: scripted_day SCRIPT.jsonl EVENTS_DIR".into());
    };
    let engine = Engine::from_corpus("faq-corpus").map_err(|e| e.to_string())?;
    let sink = JsonlSink::new(dir).map_err(|e| e.to_string())?;
    let sessions = run(&engine, Path::new(script), &sink)?;
    eprintln!("scripted_day: {} sessions, events in {dir}", sessions.len());
    Ok(())
}
