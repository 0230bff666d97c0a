//! `--model auto`: hold out a validation split, search a small grid per family, keep the best
//! NDCG@10, retrain it on all data, and record the choice and its validation metrics.

use super::{train_recommender, AlsParams, EaseParams, ModelChoice, Progress};
use crate::data::Interactions;
use crate::error::{Error, Result};
use crate::eval::split::{evaluate, Split};
use crate::recs::Recommender;

/// Settings for automatic model selection.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoParams {
    /// Share of interactions held out for validation. Default 0.2.
    pub validation_fraction: f64,
    /// Cut-off for the selection metric (NDCG@k). Default 10.
    pub k: usize,
    /// Seed for the validation split and every candidate. Default 42.
    pub seed: u64,
    /// Worker threads (0 = all cores). Default 0.
    pub threads: usize,
    /// Factors for the ALS candidates. Default `[64, 128]`.
    pub als_factors: Vec<usize>,
    /// ALS iterations. Default 15.
    pub als_iterations: usize,
    /// λ values for EASE. Default `[50, 150, 400, 1000]`.
    pub ease_lambdas: Vec<f64>,
    /// Catalogue size above which EASE is not tried. Default 20,000.
    pub ease_max_items: usize,
}

impl Default for AutoParams {
    fn default() -> Self {
        Self {
            validation_fraction: 0.2,
            k: 10,
            seed: 42,
            threads: 0,
            als_factors: vec![64, 128],
            als_iterations: 15,
            ease_lambdas: vec![50.0, 150.0, 400.0, 1000.0],
            ease_max_items: 20_000,
        }
    }
}

impl AutoParams {
    /// Validates every field and every candidate the search would try.
    pub fn check(&self) -> Result<()> {
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return Err(Error::param("validation_fraction", self.validation_fraction, "must be between 0 and 1"));
        }
        if !(1..=crate::recs::MAX_K).contains(&self.k) {
            return Err(Error::param("k", self.k, format!("must be between 1 and {}", crate::recs::MAX_K)));
        }
        super::check_threads(self.threads)?;
        self.candidates(0).iter().chain(&self.candidates(usize::MAX)).try_for_each(ModelChoice::check)
    }

    /// The candidates this search will try, in order.
    pub fn candidates(&self, n_items: usize) -> Vec<ModelChoice> {
        let mut c = vec![ModelChoice::Popular];
        if n_items <= self.ease_max_items {
            for l in &self.ease_lambdas {
                c.push(ModelChoice::Ease(EaseParams::new().lambda(*l).threads(self.threads)));
            }
        }
        for f in &self.als_factors {
            // A light and a strong regularisation; (50, 10) measured best on MovieLens and Online Retail.
            for (reg, alpha) in [(1.0f32, 5.0f32), (50.0, 10.0)] {
                c.push(ModelChoice::Als(
                    AlsParams::new()
                        .factors(*f)
                        .iterations(self.als_iterations)
                        .regularization(reg)
                        .alpha(alpha)
                        .threads(self.threads)
                        .seed(self.seed),
                ));
            }
        }
        c
    }
}

/// Describes a candidate in one line.
pub fn describe(c: &ModelChoice) -> String {
    match c {
        ModelChoice::Als(p) => format!("als(factors={}, reg={}, alpha={})", p.factors, p.regularization, p.alpha),
        ModelChoice::Ease(p) => format!("ease(lambda={})", p.lambda),
        ModelChoice::Popular => "popular".into(),
        ModelChoice::Auto(_) => "auto".into(),
    }
}

pub(super) fn train_auto(data: &Interactions, p: &AutoParams, progress: &dyn Progress) -> Result<Recommender> {
    let (train, valid) = Split::Random { test_fraction: p.validation_fraction }.apply(data, p.seed)?;
    let mut best: Option<(f64, ModelChoice, std::collections::BTreeMap<String, f64>)> = None;
    let mut notes = Vec::new();
    for cand in p.candidates(data.n_items()) {
        let model = train_recommender(&train, &cand, Some(progress))?;
        let report = evaluate(&model, &train, &valid, p.k)?;
        let line = format!(
            "{}: ndcg@{} = {:.4}, precision@{} = {:.4}",
            describe(&cand),
            p.k,
            report.ndcg,
            p.k,
            report.precision
        );
        progress.message(&line);
        notes.push(line);
        if best.as_ref().is_none_or(|b| report.ndcg > b.0) {
            best = Some((report.ndcg, cand, report.as_map()));
        }
    }
    let (score, choice, metrics) = best.ok_or_else(|| Error::Empty("no candidate models".into()))?;
    let mut model = train_recommender(data, &choice, Some(progress))?;
    let meta = model.metadata_mut();
    meta.metrics = metrics.into_iter().map(|(k, v)| (format!("validation_{k}"), v)).collect();
    meta.notes = notes;
    meta.notes.push(format!(
        "auto chose {} (validation ndcg@{} = {score:.4}) and retrained it on all data",
        describe(&choice),
        p.k
    ));
    meta.params.insert("selection".into(), "auto".into());
    Ok(model)
}
