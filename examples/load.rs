//! A bounded load run on loopback: a `redis-server` of its own, two
//! `madoguchi serve` replicas sharing it, and N concurrent sessions whose
//! turns alternate between the replicas. Prints p50/p99/max latency of the
//! turns, the status counts, lost turns (checked against every transcript)
//! and the memory of each process; exits non-zero on any 5xx or lost turn.
//!
//! ```sh
//! cargo build --release && cargo run --release --example load -- --sessions 1000 --turns 3 --workers 100
//! ```
//!
//! Everything runs on 127.0.0.1 and stops by itself: the number of requests
//! is `sessions × (turns + 2)`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;

#[path = "../tests/support/cluster.rs"]
mod cluster;
#[path = "../tests/support/http.rs"]
mod http;

const QUESTIONS: &[&str] = &[
    "カードの暗証番号を変えたい",
    "支払日はいつですか",
    "明細はどこで見られますか",
    "機種変更したい",
    "オペレーターと話したい",
    "ポイントの有効期限は？",
    "支払い",
    "2",
];

struct Args {
    sessions: usize,
    turns: usize,
    workers: usize,
    binary: PathBuf,
}

fn parse_args() -> Args {
    let exe = std::env::current_exe().expect("the example's path");
    // target/release/examples/load → target/release/madoguchi
    let default_bin = exe.parent().and_then(|p| p.parent()).map(|p| p.join("madoguchi")).unwrap_or_default();
    let mut args = Args { sessions: 1000, turns: 3, workers: 100, binary: default_bin };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--sessions" => args.sessions = value().parse().expect("--sessions N"),
            "--turns" => args.turns = value().parse().expect("--turns N"),
            "--workers" => args.workers = value().parse().expect("--workers N"),
            "--bin" => args.binary = value().into(),
            other => panic!("unknown flag {other} (--sessions, --turns, --workers, --bin)"),
        }
    }
    assert!(args.binary.is_file(), "{} not found: cargo build --release first", args.binary.display());
    assert!((1..=100_000).contains(&args.sessions) && (1..=100).contains(&args.turns) && (1..=1000).contains(&args.workers));
    args
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    statuses: std::collections::BTreeMap<u16, usize>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let args = parse_args();
    let Some(redis_bin) = cluster::redis_server() else {
        eprintln!("load: redis-server is not installed (apt-get install redis-server)");
        std::process::exit(2);
    };
    let redis = cluster::Redis::start(&redis_bin);
    let flags: Vec<String> = [
        "--sessions", &redis.url(), "--allow-client-time", "--session-rate-limit", "1000000", "--rate-limit", "1000",
        "--max-sessions", "1000000", "--log-json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let replicas = [cluster::Replica::start(&args.binary, &flags), cluster::Replica::start(&args.binary, &flags)];
    let addrs: Vec<SocketAddr> = replicas.iter().map(|r| r.addr).collect();
    eprintln!("load: redis on {}, replicas on {} and {}", redis.port, addrs[0], addrs[1]);

    let tally = Mutex::new(Tally::default());
    let ids = Mutex::new(Vec::with_capacity(args.sessions));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for w in 0..args.workers {
            let (tally, ids, addrs) = (&tally, &ids, &addrs);
            let (sessions, turns, workers) = (args.sessions, args.turns, args.workers);
            scope.spawn(move || {
                let mine: Vec<usize> = (w..sessions).step_by(workers).collect();
                let mut local = Tally::default();
                let mut open = Vec::new();
                for &s in &mine {
                    let r = http::post_json(addrs[s % 2], "/v1/sessions", &json!({"channel": "load"}));
                    *local.statuses.entry(r.status).or_default() += 1;
                    if r.status == 201 {
                        open.push((s, r.json()["session_id"].as_str().unwrap().to_string()));
                    }
                }
                // Every session is open before the turns start: N concurrent sessions.
                for t in 0..turns {
                    for (s, id) in &open {
                        let text = QUESTIONS[(s + t) % QUESTIONS.len()];
                        let body = json!({"text": text, "at": "2026-11-24T14:00:00+09:00"});
                        let sent = Instant::now();
                        let r = http::post_json(addrs[(s + t + 1) % 2], &format!("/v1/sessions/{id}/messages"), &body);
                        local.latencies.push(sent.elapsed());
                        *local.statuses.entry(r.status).or_default() += 1;
                    }
                }
                let mut t = tally.lock().unwrap();
                t.latencies.extend(local.latencies);
                for (k, v) in local.statuses {
                    *t.statuses.entry(k).or_default() += v;
                }
                ids.lock().unwrap().extend(open.into_iter().map(|(_, id)| id));
            });
        }
    });
    let elapsed = started.elapsed();

    // Lost turns: every transcript must hold every accepted turn.
    let ids = ids.into_inner().unwrap();
    let mut lost = 0usize;
    for (i, id) in ids.iter().enumerate() {
        let r = http::request(addrs[i % 2], "GET", &format!("/v1/sessions/{id}/transcript"), &[], None);
        let turns = if r.status == 200 { r.json()["turns"].as_u64().unwrap_or(0) as usize } else { 0 };
        lost += args.turns.saturating_sub(turns);
    }
    let mut t = tally.into_inner().unwrap();
    t.latencies.sort();
    let server_errors: usize = t.statuses.iter().filter(|(s, _)| **s >= 500).map(|(_, n)| n).sum();
    let turns = t.latencies.len();
    println!("sessions: {} concurrent over 2 replicas, {} turns each; {} workers", ids.len(), args.turns, args.workers);
    println!("turns: {turns} in {:.1} s ({:.0} turns/s)", elapsed.as_secs_f64(), turns as f64 / elapsed.as_secs_f64());
    println!(
        "turn latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&t.latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&t.latencies, 0.99).as_secs_f64() * 1e3,
        t.latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!("statuses: {:?}", t.statuses);
    println!("lost turns: {lost}; 5xx: {server_errors}");
    for (i, r) in replicas.iter().enumerate() {
        let kib = r.pid().and_then(cluster::rss_kib).unwrap_or(0);
        println!("replica {} RSS: {:.0} MiB", i + 1, kib as f64 / 1024.0);
    }
    println!("redis RSS: {:.0} MiB", redis.rss_kib().unwrap_or(0) as f64 / 1024.0);
    if lost > 0 || server_errors > 0 || ids.len() != args.sessions {
        eprintln!("load: FAILED");
        std::process::exit(1);
    }
}
