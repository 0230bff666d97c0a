//! `--model auto`: a budgeted search over every family and its hyperparameters.
//!
//! Validation is a seeded sample of users inside the training log ([`Split::SampledUsers`]),
//! scored through the runtime path, as a page would. The search starts from each family's
//! defaults, then alternates seeded random draws over wide (log-scale) ranges with perturbations
//! of the best configurations found so far. ALS is ranked cheaply with a third of its iterations
//! and the best few are promoted to full iterations (successive halving); EASE fits its inverse
//! once and prunes it to several neighbour counts. Every family's size is bounded so the bundle
//! fits `max_bundle_bytes`; the winner (best validation NDCG@k among full-fidelity trials that
//! fit) is retrained on all data, and every trial is recorded in the bundle's `search` section.
//!
//! `budget` parses the budget, `space` bounds what may be tried, `search` runs and records the
//! trials; this file holds the parameters and the whole run.

mod budget;
mod search;
mod space;

use std::time::{Duration, Instant};

pub use budget::Budget;
use search::{blend, explore, promote, trial_line, Search, FINALISTS};
use space::Space;

use super::{assemble, compact, AlsParams, ModelChoice, Progress};
use crate::bundle::{Named, SearchLog, Trial};
use crate::data::Interactions;
use crate::error::{Error, Result};
use crate::eval::split::Split;
use crate::recs::{Quantization, RecModel, Recommender};
use crate::rng::Rng;

/// Settings for automatic model selection.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoParams {
    /// How long to search. Default 60 seconds.
    pub budget: Budget,
    /// Largest bundle the chosen model may make (item ids, popularity and titles included).
    /// Default 5 MB (5 × 2²⁰ bytes).
    pub max_bundle_bytes: u64,
    /// Factor storage the bundle will use; `None` lets the search store each factor model in the
    /// least lossy way that fits the size budget (f32, else f16, else int8). Sizes and validation
    /// metrics are measured as shipped. Default `None`.
    pub quantization: Option<Quantization>,
    /// Most users whose interactions are sampled for validation. Default 5,000.
    pub validation_users: usize,
    /// Share of a validation user's interactions held out. Default 0.2.
    pub validation_fraction: f64,
    /// Cut-off for the selection metric (NDCG@k). Default 10.
    pub k: usize,
    /// Seed for the validation sample, the sampler and every model. Default 42.
    pub seed: u64,
    /// Worker threads (0 = all cores). Default 0.
    pub threads: usize,
    /// ALS iterations at full fidelity (a third of them rank candidates). Default 15.
    pub als_iterations: usize,
    /// Catalogue size above which EASE (a dense `items²` inverse) is not tried. Default 20,000.
    pub ease_max_items: usize,
}

impl Default for AutoParams {
    fn default() -> Self {
        Self {
            budget: Budget::Time(Duration::from_secs(60)),
            max_bundle_bytes: 5 << 20,
            quantization: None,
            validation_users: 5_000,
            validation_fraction: 0.2,
            k: 10,
            seed: 42,
            threads: 0,
            als_iterations: 15,
            ease_max_items: 20_000,
        }
    }
}

impl AutoParams {
    /// Validates every field.
    pub fn check(&self) -> Result<()> {
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return Err(Error::param("validation_fraction", self.validation_fraction, "must be between 0 and 1"));
        }
        if !(1..=crate::recs::MAX_K).contains(&self.k) {
            return Err(Error::param("k", self.k, format!("must be between 1 and {}", crate::recs::MAX_K)));
        }
        if self.validation_users == 0 {
            return Err(Error::param("validation_users", 0, "must be at least 1"));
        }
        if self.max_bundle_bytes < 1024 {
            return Err(Error::param("max_bundle_bytes", self.max_bundle_bytes, "must be at least 1 KB"));
        }
        if let Budget::Trials(0) = self.budget {
            return Err(Error::param("budget", 0, "must be at least one trial"));
        }
        AlsParams::new().iterations(self.als_iterations).check()?;
        super::check_threads(self.threads)
    }
}

pub(super) fn train_auto(data: &Interactions, p: &AutoParams, progress: &dyn Progress) -> Result<Recommender> {
    p.check()?;
    let split = Split::SampledUsers { users: p.validation_users, test_fraction: p.validation_fraction };
    let (train, valid) = split.apply(data, p.seed)?;
    let (train2, valid2) = split.apply(data, p.seed ^ 0xC4EC)?;
    let fit2 = compact(&train2);
    let base_bytes =
        assemble(&compact(data), RecModel::Popular, crate::bundle::Metadata::new("popular"))?.to_bytes().len() as u64;
    let fit = compact(&train);
    let space = Space::new(p, &fit, base_bytes + 4096);
    let validation_users = valid.by_user().indptr.windows(2).filter(|w| w[1] > w[0]).count();
    let mut rng = Rng::new(p.seed ^ 0x005E_A2C4);
    match p.budget {
        Budget::Trials(n) => progress.stage("auto search", n as u64 + 3),
        Budget::Time(d) => progress.stage("auto search (s)", d.as_secs()),
    }
    let mut s = Search {
        train: &train,
        fit: &fit,
        valid: &valid,
        space,
        trials: Vec::new(),
        choices: Vec::new(),
        started: Instant::now(),
        ticked: std::cell::Cell::new(0),
        checking: false,
        halves: None,
        progress,
    };
    s.run(&ModelChoice::Popular, false)?;
    explore(&mut s, &mut rng)?;
    promote(&mut s)?;
    blend(&mut s)?;
    let fits = |t: &Trial| t.fidelity == "full" && t.bundle_bytes <= p.max_bundle_bytes;
    let mut finalists = s.best(FINALISTS, fits);
    if finalists.is_empty() {
        finalists = s.best(1, |t| t.fidelity == "full");
    }
    // Re-validate the finalists on a second, independent split: one split's best of many
    // trials is partly luck (the winner's curse), worst on small logs.
    (s.train, s.fit, s.valid, s.checking) = (&train2, &fit2, &valid2, true);
    let mut mean = Vec::with_capacity(finalists.len());
    for &f in &finalists {
        let c = s.choices[f].clone();
        s.run(&c, false)?;
        mean.push((s.trials[f].ndcg + s.trials[s.trials.len() - 1].ndcg) / 2.0);
    }
    let best = (0..finalists.len()).max_by(|a, b| mean[*a].total_cmp(&mean[*b])).unwrap_or(0);
    let winner = finalists.get(best).copied().unwrap_or(0);
    let choice = s.choices[winner].clone();
    let trial = Trial { ndcg: mean.get(best).copied().unwrap_or(s.trials[winner].ndcg), ..s.trials[winner].clone() };
    progress.message(&format!("[auto] retraining on all data: {}", trial_line(&trial, p.k)));
    let storage = s.space.storage(&choice);
    let mut model = super::train_recommender(data, &choice, Some(progress))?.quantize(storage)?;
    let meta = model.metadata_mut();
    meta.metrics = Named::from([
        (format!("validation_ndcg@{}", p.k), trial.ndcg),
        (format!("validation_precision@{}", p.k), trial.precision),
        ("validation_coverage".to_string(), trial.coverage),
    ]);
    meta.params.insert("selection".into(), "auto".into());
    meta.notes.push(format!(
        "auto searched {} trials in {:.0}s ({} budget, validation on {} users), re-validated the best {} on a second split and chose {} (mean validation ndcg@{} = {:.4}), retrained on all data",
        s.trials.len(),
        s.elapsed(),
        p.budget.describe(),
        validation_users,
        finalists.len(),
        trial.family,
        p.k,
        trial.ndcg
    ));
    let log = SearchLog {
        k: p.k,
        budget: p.budget.describe(),
        max_bundle_bytes: p.max_bundle_bytes,
        validation_users,
        frontier: SearchLog::compute_frontier(&s.trials),
        trials: s.trials,
        winner,
    };
    Ok(model.with_search(log))
}
