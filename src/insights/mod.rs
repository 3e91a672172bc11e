//! Insights for the FAQ owner: a masked, versioned log of every turn and
//! every piece of customer feedback ([`event`]), where it is written
//! ([`sink`]: a JSONL file per day, a Redis stream in `serve`, or nowhere),
//! and the report built from it ([`report`]: `madoguchi report`,
//! `GET /admin/report`).
//!
//! ```
//! use madoguchi::insights::{Event, EventSink, NoopSink};
//! let event: Event = serde_json::from_str(
//!     r#"{"version":1,"type":"turn","at":"2026-11-30T10:00:00+09:00","session":"0123456789abcdef",
//!         "turn":1,"reply":"fallback","voc":"inquiry","text":"ポイントの合算はできますか"}"#,
//! ).unwrap();
//! NoopSink.record(&event).unwrap();
//! ```

pub mod event;
pub mod report;
pub mod sink;

pub use event::{EVENT_VERSION, Event, EventHandoff, EventType, session_hash};
pub use report::{Report, ReportError, ReportOptions};
pub use sink::{EventError, EventSink, JsonlSink, NoopSink, Sinks};
