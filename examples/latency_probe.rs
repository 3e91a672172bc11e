//! Repeats one turn many times on a corpus, for profilers (perf, callgrind).
//! Run: cargo run --release --example latency_probe -- [CORPUS] [MESSAGE] [N] [RULES]
//! (RULES: a rule file instead of the bundled one, e.g. without `urgent.model`
//! to measure what the urgent model costs.)
//!
//! A MESSAGE of `@FILE` (repeatable with commas: `@a.jsonl,@b.jsonl`) takes
//! the messages from labelled query files (one JSON object with a `query`
//! per line) and runs each of them N times.
//!
//! Every message runs once before the timed passes, so the figures are of
//! texts the rules have seen (their lazy DFAs hold the states); a message's
//! real first turn costs more (README, Speed, eighth round).
//!
//! With `PROBE_WARM=@FILE[,@FILE…]` the warm-up pass runs those messages
//! instead, so the measured turns are first-sight turns on texts the rules
//! have not seen (as a server's real traffic is), with every one-time cost
//! (dictionary, per-thread buffers) already paid.
//!
//! With `PROBE_PAUSE=SECONDS` it prints `ready` after building the engine
//! and that warm-up pass, then sleeps: under
//! `valgrind --tool=callgrind --instr-atstart=no` that is the moment for
//! `callgrind_control -i on`, so the (slow) emulated build is not
//! instrumented and the count holds turns only.
//!
//! With `PROBE_EACH=K` it also times each message on its own (the median of
//! N turns) and prints the K slowest: what the tail of a latency
//! distribution is made of.
use madoguchi::decide::Session;

#[path = "common/probe_input.rs"]
mod probe_input;
use probe_input::{at, engine, messages, warm_up};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let corpus = args.next().unwrap_or_else(|| "faq-corpus".into());
    let message = args.next().unwrap_or_else(|| "クレジットカードの暗証番号を変更したい".into());
    let n: u32 = match args.next() {
        None => 2000,
        Some(a) => a.parse().ok().filter(|n| *n > 0).ok_or_else(|| format!("N must be a whole number above 0, not {a:?}"))?,
    };
    let messages = messages(&message)?;
    if messages.is_empty() {
        return Err(format!("no one-turn messages in {message}").into());
    }
    let engine = engine(&corpus, args.next())?;
    let at = at();
    let warm = warm_up(&messages)?;
    for m in &warm {
        std::hint::black_box(engine.respond_at(&mut Session::new("p"), m, at));
    }
    if let Some(pause) = std::env::var("PROBE_PAUSE").ok().and_then(|s| s.parse().ok()) {
        println!("ready");
        std::thread::sleep(std::time::Duration::from_secs(pause));
    }
    let started = std::time::Instant::now();
    for _ in 0..n {
        for m in &messages {
            std::hint::black_box(engine.respond_at(&mut Session::new("p"), m, at));
        }
    }
    println!("{:?} per turn", started.elapsed() / (n * messages.len() as u32));
    if let Some(k) = std::env::var("PROBE_EACH").ok().and_then(|s| s.parse::<usize>().ok()) {
        let mut each: Vec<(std::time::Duration, &String)> = messages
            .iter()
            .map(|m| {
                let mut times: Vec<std::time::Duration> = (0..n)
                    .map(|_| {
                        let t = std::time::Instant::now();
                        std::hint::black_box(engine.respond_at(&mut Session::new("p"), m, at));
                        t.elapsed()
                    })
                    .collect();
                times.sort_unstable();
                (times[times.len() / 2], m)
            })
            .collect();
        each.sort_unstable_by(|a, b| b.0.cmp(&a.0));
        for (t, m) in each.iter().take(k) {
            println!("{t:>10.1?}  {m}");
        }
    }
    Ok(())
}

