//! Honest evaluation: seeded splits and ranking metrics computed through the runtime path.

pub mod classification;
pub mod multiclass;
#[cfg(all(feature = "train", not(target_arch = "wasm32")))]
pub mod next_basket;
pub mod ranking;
#[cfg(all(feature = "train", not(target_arch = "wasm32")))]
pub mod split;

pub use classification::{classification_report, ClassificationReport};
pub use ranking::{score_user, RankingReport, UserMetrics};
