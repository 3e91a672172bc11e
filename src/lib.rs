pub mod decide;
pub mod error;
pub mod eval;
pub mod normalize;
pub mod tokenize;

pub use error::{Error, Result};
pub mod knowledge;
pub mod retrieve;
#[cfg(feature = "serve")]
pub mod serve;
