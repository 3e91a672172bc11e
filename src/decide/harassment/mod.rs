//! Harassment detection beyond the regex rules, in layers (see
//! [`combine`] for how they add up):
//!
//! * [`lexicon`]: insults, slurs and sexual terms, and the words that aim a
//!   message at staff or the company, matched on morpheme boundaries
//!   ([`boundary`]);
//! * [`classifier`]: logistic regression over character n-grams, words and
//!   lexicon evidence (the shared [`crate::decide::classifier`]), trained by
//!   `cargo run --release --example train_harassment`.
//!
//! The lexicon and thresholds live in the rule file (`lexicon`,
//! `policy.harassment.model`); the weights in
//! `dictionaries/harassment-model.json`.

pub mod boundary;
pub mod combine;
pub use crate::decide::classifier;
pub mod lexicon;

pub use boundary::Boundaries;
pub use classifier::{Classifier, Evidence, TrainOptions};
pub use combine::ModelThresholds;
pub use lexicon::{Lexicon, LexiconEntry, LexiconHit};
