//! Decisions: the rules (urgent situations, requests for a person,
//! harassment, voice of the customer), business hours and routes, masking of
//! personal data, per-session state, and the [`Engine`] that ties them
//! together into a [`Reply`].

pub mod classifier;
pub mod engine;
pub mod feedback;
pub mod harassment;
pub mod hours;
pub mod messages;
pub mod pii;
pub mod reply;
pub mod rules;
pub mod session;
pub mod smalltalk;
pub mod validate;
mod weights;

pub use engine::{Engine, EngineBuilder, EngineConfig};
pub use feedback::{Feedback, FeedbackError};
pub use hours::{Availability, Calendar};
pub use pii::{Masked, PiiKind, mask};
pub use reply::{
    AnswerPayload, Candidate, Flags, Handoff, HandoffReason, HarassmentReport, Priority, Reply, ReplyKind, UrgentNotice,
    Verdict,
};
pub use rules::RuleSet;
pub use session::{
    InMemorySessionStore, PendingClarification, Session, SessionStore, Speaker, StoreError, StoreFuture, StoreLimits,
    TranscriptLine, Versioned,
};
