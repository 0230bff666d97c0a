//! Honest evaluation: seeded splits and ranking metrics computed through the runtime path.

pub mod ranking;
#[cfg(all(feature = "train", not(target_arch = "wasm32")))]
pub mod split;

pub use ranking::{score_user, RankingReport, UserMetrics};
