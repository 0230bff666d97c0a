//! Propensity training: schema inference, preprocessing fitted on training rows only,
//! stratified split and k-fold cross-validation, four model families and `auto` selection.
//!
//! This file runs a training (`train_propensity`: split, choose, fit, calibrate, report); beside
//! it `params.rs` (what a run is asked for), `dataset.rs` (the table as typed values and labels,
//! and the encoders fitted on training rows), `split.rs` (stratified split and folds), and a
//! module per family and step.

pub mod calibrate;
mod dataset;
mod helper;
pub mod leakage;
pub mod logistic;
pub mod mlp;
mod params;
mod split;
pub mod trees;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::bundle::Metadata;
use crate::error::{Error, Result};
use crate::eval::{classification_report, ClassificationReport};
use crate::propensity::{Propensity, Value};

pub use dataset::Dataset;
pub use logistic::LogisticParams;
pub use mlp::MlpParams;
pub(crate) use params::Fit;
pub use params::{ClassifierChoice, ColumnType, PropensityParams};
pub(crate) use split::stratified_folds;
pub use split::stratified_split_by;
use split::weights;
pub use trees::{ForestParams, GbtParams};

/// Fits preprocessing and `fitter` (described as `described`) on `train`; returns the model
/// and its scores on `eval`.
fn fit_on(
    ds: &Dataset,
    p: &PropensityParams,
    (fitter, described): (&dyn Fit, &str),
    train: &[usize],
    eval: &[usize],
) -> Result<(Propensity, Vec<f64>, FitTimes)> {
    let t = std::time::Instant::now();
    let schema = ds.fit_schema(train, p);
    let x = ds.encode(&schema, train)?;
    let y: Vec<bool> = train.iter().map(|r| ds.labels[*r]).collect();
    let w = weights(&ds.labels, train, p.balanced);
    let prepare = t.elapsed();
    let t = std::time::Instant::now();
    let model = fitter.fit(&x, &y, &w)?;
    let fit = t.elapsed();
    let mut meta = Metadata::new(model.family());
    meta.params.insert("model".into(), described.to_string());
    let prop = Propensity::from_parts(schema, model, meta, 0.5)?;
    let xe = ds.encode(&prop.schema, eval)?;
    Ok((prop.clone(), xe.iter().map(|x| prop.score_encoded(x)).collect(), FitTimes { prepare, fit }))
}

/// Where a final fit's time went.
#[derive(Debug, Clone, Copy, Default)]
pub struct FitTimes {
    /// Fitting the schema to the training rows and encoding them (a library's caller does this
    /// before its `fit`: one-hot columns, scaling).
    pub prepare: std::time::Duration,
    /// The model's fit on the encoded rows alone (what a library's `fit` call measures).
    pub fit: std::time::Duration,
}

/// Cross-validated ROC AUC of `choice`: one value per fold of `rows` (`p.folds`, at least 2),
/// in fold order (the caller takes the mean), and each row's out-of-fold score (aligned with
/// `rows`): what calibration and the decision threshold are fitted on.
pub(crate) fn cross_validate(
    ds: &Dataset,
    p: &PropensityParams,
    choice: &ClassifierChoice,
    rows: &[usize],
) -> Result<(Vec<f64>, Vec<f64>)> {
    let fitter = choice.fitter().ok_or_else(|| Error::param("model", "auto", "cross-validate a concrete family"))?;
    let described = choice.describe();
    let folds = stratified_folds(rows, &ds.labels, p.folds.max(2), p.seed);
    let per_fold: Vec<(f64, Vec<f64>)> = (0..folds.len())
        .into_par_iter()
        .map(|k| {
            let train: Vec<usize> =
                folds.iter().enumerate().filter(|(j, _)| *j != k).flat_map(|(_, f)| f.iter().copied()).collect();
            let (_, scores, _) = fit_on(ds, p, (fitter, &described), &train, &folds[k])?;
            let y: Vec<bool> = folds[k].iter().map(|r| ds.labels[*r]).collect();
            Ok((classification_report(&scores, &y, 0.5).roc_auc, scores))
        })
        .collect::<Result<_>>()?;
    let position: HashMap<usize, usize> = rows.iter().enumerate().map(|(i, r)| (*r, i)).collect();
    let mut oof = vec![f64::NAN; rows.len()];
    for (fold, (_, scores)) in folds.iter().zip(&per_fold) {
        for (r, s) in fold.iter().zip(scores) {
            oof[position[r]] = *s;
        }
    }
    Ok((per_fold.into_iter().map(|(auc, _)| auc).collect(), oof))
}

/// One candidate's cross-validation in `auto`.
#[derive(Debug, Clone, PartialEq)]
pub struct CvResult {
    /// The candidate ([`ClassifierChoice::describe`]).
    pub candidate: String,
    /// Mean ROC AUC over the folds.
    pub mean_auc: f64,
    /// ROC AUC of each fold, in fold order.
    pub fold_aucs: Vec<f64>,
}

/// The outcome of [`train_propensity`].
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The model, fitted on the training split.
    pub model: Propensity,
    /// Metrics on the held-out test split, calibrated, at the shipped threshold.
    pub test: ClassificationReport,
    /// The held-out rows' calibrated scores, in row order (what `test` was computed from).
    pub test_scores: Vec<f64>,
    /// The held-out rows' labels.
    pub test_labels: Vec<bool>,
    /// The same before calibration (threshold 0.5): what calibration changed.
    pub uncalibrated: ClassificationReport,
    /// With `auto` calibration: each method's cross-validated log loss on the out-of-fold scores.
    pub calibration_losses: Vec<(&'static str, f64)>,
    /// Permutation importance on the held-out rows (ROC AUC lost when a field is shuffled),
    /// largest first.
    pub importance: Vec<(String, f64)>,
    /// Fields that look like leakage (see `leakage::leakage_warnings`).
    pub warnings: Vec<String>,
    /// Wall time of the final model's fit and of preparing its rows.
    pub fit_time: FitTimes,
    /// Cross-validation results per candidate (`auto` only), in the order tried.
    pub cv: Vec<CvResult>,
    /// Training and test row counts.
    pub rows: (usize, usize),
}

/// The family to fit and the training rows' out-of-fold scores: `auto` cross-validates every
/// candidate of its grid (each one's fold AUCs in the returned list) and keeps the best mean AUC;
/// a given family is cross-validated once for its out-of-fold scores.
fn choose(
    ds: &Dataset,
    p: &PropensityParams,
    choice: &ClassifierChoice,
    train: &[usize],
    progress: &dyn crate::train::Progress,
) -> Result<(ClassifierChoice, Vec<f64>, Vec<CvResult>)> {
    if *choice != ClassifierChoice::Auto {
        progress.stage("out-of-fold predictions", 1);
        let (_, oof) = cross_validate(ds, p, choice, train)?;
        progress.tick(1);
        return Ok((choice.clone(), oof, Vec::new()));
    }
    let grid = ClassifierChoice::auto_grid(p.seed);
    progress.stage("cross-validation", grid.len() as u64);
    let (mut cv, mut best) = (Vec::new(), None::<(f64, ClassifierChoice, Vec<f64>)>);
    for c in grid {
        let (aucs, oof) = cross_validate(ds, p, &c, train)?;
        let mean = aucs.iter().sum::<f64>() / aucs.len() as f64;
        progress.message(&format!("{}: CV AUC {mean:.4}", c.describe()));
        progress.tick(1);
        cv.push(CvResult { candidate: c.describe(), mean_auc: mean, fold_aucs: aucs });
        if best.as_ref().is_none_or(|b| mean > b.0) {
            best = Some((mean, c, oof));
        }
    }
    let (_, chosen, oof) = best.ok_or_else(|| Error::Empty("no candidates".into()))?;
    Ok((chosen, oof, cv))
}

/// Splits (stratified), selects (if `auto`), fits on the training split, evaluates on the test split.
pub fn train_propensity(
    ds: &Dataset,
    p: &PropensityParams,
    choice: &ClassifierChoice,
    progress: &dyn crate::train::Progress,
) -> Result<TrainOutcome> {
    p.check()?;
    choice.check()?;
    if ds.labels.iter().all(|l| *l) || ds.labels.iter().all(|l| !*l) {
        return Err(Error::Empty(format!("target '{}' has only one class", p.target)));
    }
    let (train, test) = stratified_split_by(&ds.labels, p.test_fraction, p.seed)?;
    let (chosen, oof, cv) = choose(ds, p, choice, &train, progress)?;
    // Calibration and the decision threshold come from the training rows' out-of-fold scores:
    // the held-out rows are only ever used for the report.
    let y_train: Vec<bool> = train.iter().map(|r| ds.labels[*r]).collect();
    let (calibration, calibration_losses) = calibrate::calibrate(&oof, &y_train, p.calibration);
    let calibrated_oof: Vec<f64> = oof.iter().map(|s| calibration.apply(*s)).collect();
    let threshold = classification_report(&calibrated_oof, &y_train, 0.5).best_f1_threshold;
    progress.stage("fitting", 1);
    // `chosen` is a concrete family: the grid holds no `Auto`, and a given choice was not one.
    let fitter = chosen.fitter().ok_or_else(|| Error::param("model", "auto", "the search chose no family"))?;
    let (model, raw, fit_time) = fit_on(ds, p, (fitter, &chosen.describe()), &train, &test)?;
    let mut model = model.with_calibration(calibration.clone())?;
    model.set_threshold(threshold)?;
    progress.tick(1);
    let y: Vec<bool> = test.iter().map(|r| ds.labels[*r]).collect();
    let uncalibrated = classification_report(&raw, &y, 0.5);
    let scores: Vec<f64> = raw.iter().map(|s| calibration.apply(*s)).collect();
    let report = classification_report(&scores, &y, threshold);
    progress.stage("field signals and importance", 1);
    let warnings = leakage::leakage_warnings(&leakage::field_signals(ds, &train, p.seed));
    let records: Vec<Vec<(&str, Value)>> = test.iter().map(|r| ds.record(*r)).collect();
    let importance = leakage::permutation_importance(&model, &records, &y, p.seed)?;
    progress.tick(1);
    let meta = model.metadata_mut();
    meta.notes.extend(warnings.iter().map(|w| format!("warning: {w}")));
    let top: Vec<String> = importance.iter().take(10).map(|(f, d)| format!("{f} {d:.4}")).collect();
    meta.notes.push(format!("permutation importance (held-out AUC lost): {}", top.join(", ")));
    for (k, v) in [
        ("test_roc_auc", report.roc_auc),
        ("test_pr_auc", report.pr_auc),
        ("test_log_loss", report.log_loss),
        ("test_accuracy", report.accuracy),
        ("test_f1", report.f1),
        ("test_best_f1", report.best_f1),
        ("test_ece", report.ece),
        ("test_ece_uncalibrated", uncalibrated.ece),
    ] {
        meta.metrics.insert(k.into(), v);
    }
    for r in &cv {
        meta.notes.push(format!("cv auc {:.4}: {}", r.mean_auc, r.candidate));
    }
    if !cv.is_empty() {
        meta.notes.push(format!("auto chose {}", chosen.describe()));
    }
    meta.params.insert("calibration".into(), calibration.name().into());
    meta.notes.push(format!(
        "threshold {threshold:.4} maximises F1 on out-of-fold predictions of the training rows (test metrics are at it)"
    ));
    meta.params.insert("target".into(), p.target.clone());
    meta.params.insert("seed".into(), p.seed.to_string());
    meta.params.insert("class_weight".into(), if p.balanced { "balanced" } else { "none" }.into());
    meta.counts.insert("train_rows".into(), train.len() as u64);
    meta.counts.insert("test_rows".into(), test.len() as u64);
    Ok(TrainOutcome {
        model,
        test: report,
        test_scores: scores,
        test_labels: y,
        uncalibrated,
        calibration_losses,
        importance,
        warnings,
        fit_time,
        cv,
        rows: (train.len(), test.len()),
    })
}
