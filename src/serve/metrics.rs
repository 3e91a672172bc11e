//! Prometheus metrics for `GET /metrics`, in the text exposition format
//! (written by hand: a few counters and one histogram need no crate).
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `madoguchi_turns_total` | counter | `kind` (answer, clarify, fallback, handoff, warn, end, smalltalk) |
//! | `madoguchi_handoffs_total` | counter | `reason` (urgent, requested, unresolved, complaint), `repeat` |
//! | `madoguchi_turn_duration_seconds` | histogram | (engine + store, per turn) |
//! | `madoguchi_store_errors_total` | counter | `store` (sessions, rate, outbox, reload) |
//! | `madoguchi_store_conflicts_total` | counter | (a turn re-run after a compare-and-set conflict) |
//! | `madoguchi_webhook_deliveries_total` | counter | `outcome` (delivered, retried, failed, duplicate, dropped) |
//! | `madoguchi_rate_limited_total` | counter | `limit` (message, session) |
//! | `madoguchi_http_responses_total` | counter | `class` (2xx, 4xx, 5xx, …) |
//! | `madoguchi_feedback_total` | counter | `resolved` (true: はい, false: いいえ) |
//! | `madoguchi_events_failed_total` | counter | `sink` (file, redis): events not recorded |
//! | `madoguchi_sessions` | gauge | sessions held by the store |
//! | `madoguchi_outbox_pending` | gauge | hand-offs waiting for delivery |
//! | `madoguchi_corpus_entries` | gauge | FAQ entries in service |

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// The server's counters. Cheap to update from any task.
#[derive(Debug, Default)]
pub struct Metrics {
    counters: Mutex<BTreeMap<(&'static str, String), u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
}

/// Gauges read when `/metrics` is scraped.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    /// Sessions held (None when the store could not be asked).
    pub sessions: Option<usize>,
    /// Hand-offs waiting (None without a webhook or when unavailable).
    pub outbox_pending: Option<usize>,
    /// FAQ entries in service.
    pub corpus_entries: usize,
}

impl Metrics {
    fn add(&self, name: &'static str, labels: String) {
        *self.counters.lock().unwrap_or_else(|e| e.into_inner()).entry((name, labels)).or_insert(0) += 1;
    }

    /// A turn answered with this reply kind.
    pub fn turn(&self, kind: &str, took: Duration) {
        self.add("madoguchi_turns_total", format!("kind=\"{kind}\""));
        let secs = took.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros.fetch_add(took.as_micros().min(u128::from(u64::MAX)) as u64, Ordering::Relaxed);
    }

    /// A hand-off with this reason.
    pub fn handoff(&self, reason: &str, repeat: bool) {
        self.add("madoguchi_handoffs_total", format!("reason=\"{reason}\",repeat=\"{repeat}\""));
    }

    /// A store call failed (`sessions`, `rate`, `outbox`, `reload`).
    pub fn store_error(&self, store: &'static str) {
        self.add("madoguchi_store_errors_total", format!("store=\"{store}\""));
    }

    /// A turn had to be re-run after a compare-and-set conflict.
    pub fn conflict(&self) {
        self.add("madoguchi_store_conflicts_total", String::new());
    }

    /// A webhook outcome (`delivered`, `retried`, `failed`, `duplicate`, `dropped`).
    pub fn webhook(&self, outcome: &'static str) {
        self.add("madoguchi_webhook_deliveries_total", format!("outcome=\"{outcome}\""));
    }

    /// A request refused by a rate limit (`message`, `session`).
    pub fn rate_limited(&self, limit: &'static str) {
        self.add("madoguchi_rate_limited_total", format!("limit=\"{limit}\""));
    }

    /// Customer feedback on an answer.
    pub fn feedback(&self, resolved: bool) {
        self.add("madoguchi_feedback_total", format!("resolved=\"{resolved}\""));
    }

    /// An event a sink could not record (`file`, `redis`).
    pub fn event_failed(&self, sink: &'static str) {
        self.add("madoguchi_events_failed_total", format!("sink=\"{sink}\""));
    }

    /// An HTTP response with this status.
    pub fn response(&self, status: u16) {
        self.add("madoguchi_http_responses_total", format!("class=\"{}xx\"", status / 100));
    }

    /// The value of a counter (tests and the load tool read it).
    pub fn counter(&self, name: &str, labels: &str) -> u64 {
        let map = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().filter(|((n, l), _)| *n == name && l == labels).map(|(_, v)| *v).sum()
    }

    /// The exposition text.
    pub fn render(&self, gauges: Gauges) -> String {
        let mut out = String::new();
        let help: [(&str, &str, &str); 9] = [
            ("madoguchi_turns_total", "counter", "Customer turns answered, by reply kind."),
            ("madoguchi_handoffs_total", "counter", "Hand-offs to a person, by reason."),
            ("madoguchi_store_errors_total", "counter", "Failed calls to a store."),
            ("madoguchi_store_conflicts_total", "counter", "Turns re-run after a compare-and-set conflict."),
            ("madoguchi_webhook_deliveries_total", "counter", "Webhook outcomes."),
            ("madoguchi_rate_limited_total", "counter", "Requests refused by a rate limit."),
            ("madoguchi_http_responses_total", "counter", "HTTP responses by status class."),
            ("madoguchi_feedback_total", "counter", "Customer feedback on answers (resolved: yes/no)."),
            ("madoguchi_events_failed_total", "counter", "Events a sink could not record."),
        ];
        let counters = self.counters.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for (name, kind, text) in help {
            let _ = writeln!(out, "# HELP {name} {text}\n# TYPE {name} {kind}");
            for ((n, labels), value) in counters.iter().filter(|((n, _), _)| *n == name) {
                if labels.is_empty() {
                    let _ = writeln!(out, "{n} {value}");
                } else {
                    let _ = writeln!(out, "{n}{{{labels}}} {value}");
                }
            }
            if name == "madoguchi_store_conflicts_total" && !counters.keys().any(|(n, _)| *n == name) {
                let _ = writeln!(out, "{name} 0");
            }
        }
        let name = "madoguchi_turn_duration_seconds";
        let _ = writeln!(out, "# HELP {name} Time to answer a turn (engine and store).\n# TYPE {name} histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {}", bucket.load(Ordering::Relaxed));
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {}", self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {count}");
        let gauges_out: [(&str, &str, Option<usize>); 3] = [
            ("madoguchi_sessions", "Sessions held by the session store.", gauges.sessions),
            ("madoguchi_outbox_pending", "Hand-offs waiting for webhook delivery.", gauges.outbox_pending),
            ("madoguchi_corpus_entries", "FAQ entries in service.", Some(gauges.corpus_entries)),
        ];
        for (name, text, value) in gauges_out {
            if let Some(v) = value {
                let _ = writeln!(out, "# HELP {name} {text}\n# TYPE {name} gauge\n{name} {v}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = Metrics::default();
        m.turn("answer", Duration::from_millis(3));
        m.turn("answer", Duration::from_millis(30));
        m.handoff("urgent", false);
        let text = m.render(Gauges { sessions: Some(2), outbox_pending: None, corpus_entries: 5 });
        assert!(text.contains("madoguchi_turns_total{kind=\"answer\"} 2\n"), "{text}");
        assert!(text.contains("madoguchi_handoffs_total{reason=\"urgent\",repeat=\"false\"} 1\n"));
        assert!(text.contains("madoguchi_turn_duration_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("madoguchi_turn_duration_seconds_bucket{le=\"0.05\"} 2\n"));
        assert!(text.contains("madoguchi_turn_duration_seconds_count 2\n"));
        assert!(text.contains("madoguchi_sessions 2\n"));
        assert!(!text.contains("madoguchi_outbox_pending"));
        assert_eq!(m.counter("madoguchi_turns_total", "kind=\"answer\""), 2);
    }
}
