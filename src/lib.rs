//! # shelfwise
//!
//! On-device storefront personalisation. A native build trains models from a shop's own data
//! and writes a compact, checksummed *bundle*; the same crate compiled to WebAssembly loads the
//! bundle inside the page and ranks products from the shopper's on-device history, so that
//! history never leaves the browser.
//!
//! Scoring is two steps: fold the history into a user representation, then rank.
//!
//! ```
//! use shelfwise::recs::{Recommender, RecommendOptions};
//! # fn main() -> shelfwise::Result<()> {
//! # #[cfg(all(feature = "train", not(target_arch = "wasm32")))] {
//! use shelfwise::data::Interactions;
//! use shelfwise::train::{AlsParams, train_recommender, ModelChoice};
//!
//! // Three shoppers' baskets: (user, item, weight).
//! let log = [("u1", "mug", 1.0), ("u1", "tea", 1.0), ("u2", "mug", 1.0),
//!            ("u2", "tea", 2.0), ("u3", "mug", 1.0), ("u3", "spoon", 1.0)];
//! let data = Interactions::from_triples(log.iter().map(|(u, i, w)| (*u, *i, *w as f32)))?;
//! let model = train_recommender(&data, &ModelChoice::Als(AlsParams::new().factors(4).seed(7)), None)?;
//!
//! // Ship the bytes; load them anywhere (natively or in wasm).
//! let bytes = model.to_bytes();
//! let rec = Recommender::from_bytes(&bytes)?;
//! let recs = rec.recommend(&[("mug", 1.0)], &RecommendOptions::top(2))?;
//! assert!(recs.items.iter().all(|s| s.item != "mug"));
//! assert_eq!(recs.items.len(), 2);
//! # }
//! # Ok(()) }
//! ```
//!
//! ## The public API
//!
//! - [`recs`]: [`Recommender`] and its options, results and model parts; [`propensity`]:
//!   `Propensity` and its `Schema` and `Value`; [`text`]: `TextClassifier`, `Tokenizer`, `Tfidf`.
//! - [`bundle`]: the file format (`Container`, `merge`, `describe`, `reseal`); every model's
//!   `from_bytes`/`to_bytes` goes through it.
//! - [`eval`]: splits and ranking / classification metrics.
//! - With the `train` feature, natively: [`data`] (reading logs and tables) and [`train`] (every
//!   trainer and its checked parameters).
//! - [`Error`] and [`Result`].
//!
//! `kernels` and `rng` are public only so that the benches, examples and browser tests can reach
//! them; they are hidden from the docs and may change without notice. Byte codecs and number
//! formatting are crate-private.
#![warn(missing_docs)]
// Library code returns typed errors; the few invariants that cannot fail say why where they are allowed.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod bundle;
pub mod error;
pub mod eval;
pub(crate) mod hash;
#[doc(hidden)]
pub mod kernels;
pub(crate) mod num_text;
pub(crate) mod positions;
pub mod propensity;
pub mod recs;
#[doc(hidden)]
pub mod rng;
pub mod rules;
pub mod session;
pub mod text;

#[cfg(all(feature = "train", not(target_arch = "wasm32")))]
pub mod data;
#[cfg(all(feature = "train", not(target_arch = "wasm32")))]
pub mod experiment;
#[cfg(all(feature = "report", not(target_arch = "wasm32")))]
pub mod report;
#[cfg(all(feature = "train", not(target_arch = "wasm32")))]
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Location, Result};
pub use recs::{RecommendOptions, Recommender};
