//! Histogram-based decision trees, grown leaf-wise; used by gradient boosting (Newton leaves on
//! log-loss gradients) and by the random forest (variance reduction on bootstrap samples).
//!
//! A file per step: `binned.rs` quantises the features once per fit, `histograms.rs` sums a
//! node's gradients per bin, `grow.rs` grows one tree from those sums, and `boosting.rs` and
//! `forest.rs` are the two ensembles that grow them.

mod binned;
mod boosting;
mod forest;
mod grow;
mod histograms;

pub use boosting::GbtParams;
pub use forest::ForestParams;
