//! # madoguchi（窓口）
//!
//! Answers Japanese customer-support questions from an FAQ, keeps per-session
//! dialogue state, and decides by explicit rules when a conversation must go
//! to a person. The flow is visible in the modules:
//!
//! text → [`normalize`] → [`tokenize`] → [`retrieve`] → [`decide`] → [`decide::Reply`]
//!
//! ```
//! use madoguchi::decide::{Engine, HandoffReason, ReplyKind, Session};
//! use madoguchi::knowledge::{FaqEntry, KnowledgeBase};
//! use madoguchi::retrieve::Retriever;
//!
//! // A knowledge base (usually `knowledge::load_corpus("faq-corpus")`).
//! let kb = KnowledgeBase::new(vec![
//!     FaqEntry::new("card-pin", "カードの暗証番号を変更したい", "会員サイトから変更届をご請求ください。")
//!         .with_category("クレジットカード")
//!         .with_keywords(["暗証番号", "PIN"]),
//!     FaqEntry::new("shop-fee", "送料はいくらですか", "1回のご注文につき550円です。")
//!         .with_category("オンラインストア"),
//! ])?;
//!
//! // The shared, immutable engine (Lindera + IPADIC, Tantivy, rules, hours)…
//! let engine = Engine::builder().build(Retriever::builder().build(kb)?)?;
//! // …and a cheap session per conversation. The message time is an input.
//! let mut session = Session::new("demo");
//! let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T14:00:00+09:00").unwrap();
//!
//! // Half-width katakana and a synonym (PIN, a keyword of the entry) still
//! // find it. (「ｶｰﾄﾞのPINを変えたい」, whose 変える the entry does not
//! // say, gets the entry as a choice instead: on a two-entry FAQ a lead
//! // over the other entry is not enough for a direct answer.)
//! let reply = engine.respond_at(&mut session, "ｶｰﾄﾞのPINを変更したい", at);
//! assert_eq!(reply.kind, ReplyKind::Answer);
//! assert_eq!(reply.answer.unwrap().id, "card-pin");
//!
//! // A lost card is never answered by the bot: hand-off to the 24-hour desk.
//! let reply = engine.respond_at(&mut session, "財布ごとカードを落としました", at);
//! assert_eq!(reply.handoff.unwrap().reason, HandoffReason::Urgent);
//! # Ok::<(), madoguchi::Error>(())
//! ```
//!
//! The IPADIC dictionary is built once by `scripts/setup-dictionary.sh`; see
//! the README for the data formats and ARCHITECTURE.md for the layout.

#![warn(missing_docs)]

pub mod config;
pub mod decide;
pub mod error;
mod fnv;
pub mod eval;
pub mod insights;
pub mod knowledge;
pub mod normalize;
pub mod retrieve;
#[cfg(feature = "serve")]
pub mod serve;
pub mod tokenize;
pub mod tune;

pub use error::{Error, Result};
