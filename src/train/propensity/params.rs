//! What a propensity training run is asked for: the column types a user can force, the
//! classifier family ([`ClassifierChoice`], with `auto`'s grid) and the run's settings
//! ([`PropensityParams`]).

use std::collections::HashMap;

use super::{calibrate, ForestParams, GbtParams, LogisticParams, MlpParams};
use crate::error::{Error, Result};
use crate::propensity::Classifier;

/// Column types a user can force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// A number, standardised.
    Numeric,
    /// TRUE/FALSE, yes/no, 1/0.
    Boolean,
    /// A category, one-hot encoded.
    Categorical,
}

/// Which classifier to train.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassifierChoice {
    /// Logistic regression.
    Logistic(LogisticParams),
    /// Multilayer perceptron.
    Mlp(MlpParams),
    /// Gradient-boosted trees.
    Gbt(GbtParams),
    /// Random forest.
    Forest(ForestParams),
    /// Cross-validate a small grid per family; keep the best mean AUC.
    Auto,
}

impl ClassifierChoice {
    /// A one-line description.
    pub fn describe(&self) -> String {
        match self {
            ClassifierChoice::Logistic(p) => format!("logistic(C={})", p.c),
            ClassifierChoice::Mlp(p) => format!("mlp(hidden={:?}, alpha={})", p.hidden, p.alpha),
            ClassifierChoice::Gbt(p) => format!(
                "gbt(rounds={}, lr={}, leaves={}, min_leaf={})",
                p.rounds, p.learning_rate, p.max_leaves, p.min_samples_leaf
            ),
            ClassifierChoice::Forest(p) => format!("forest(trees={}, min_leaf={})", p.trees, p.min_samples_leaf),
            ClassifierChoice::Auto => "auto".into(),
        }
    }
    /// Validates the chosen family's parameters (`Auto`'s grid is valid by construction).
    pub fn check(&self) -> Result<()> {
        match self {
            ClassifierChoice::Logistic(p) => p.check(),
            ClassifierChoice::Mlp(p) => p.check(),
            ClassifierChoice::Gbt(p) => p.check(),
            ClassifierChoice::Forest(p) => p.check(),
            ClassifierChoice::Auto => Ok(()),
        }
    }

    /// The family to fit, or `None` for `Auto`, which
    /// [`train_propensity`](super::train_propensity) resolves by cross-validation first: fitting
    /// takes a [`Fit`], which `Auto` is not.
    pub(super) fn fitter(&self) -> Option<&dyn Fit> {
        match self {
            ClassifierChoice::Logistic(p) => Some(p),
            ClassifierChoice::Mlp(p) => Some(p),
            ClassifierChoice::Gbt(p) => Some(p),
            ClassifierChoice::Forest(p) => Some(p),
            ClassifierChoice::Auto => None,
        }
    }
    /// The grid `auto` searches.
    pub(crate) fn auto_grid(seed: u64) -> Vec<ClassifierChoice> {
        vec![
            ClassifierChoice::Logistic(LogisticParams { c: 0.1, ..Default::default() }),
            ClassifierChoice::Logistic(LogisticParams { c: 1.0, ..Default::default() }),
            ClassifierChoice::Gbt(GbtParams { seed, ..Default::default() }),
            ClassifierChoice::Gbt(GbtParams {
                learning_rate: 0.05,
                rounds: 200,
                min_samples_leaf: 40,
                max_leaves: 15,
                seed,
                ..Default::default()
            }),
            ClassifierChoice::Forest(ForestParams { seed, ..Default::default() }),
            ClassifierChoice::Forest(ForestParams { min_samples_leaf: 10, seed, ..Default::default() }),
            ClassifierChoice::Mlp(MlpParams { seed, ..Default::default() }),
        ]
    }
}

/// What each classifier family's parameters do (crate-internal): fit encoded rows `x`, labels
/// `y` and row weights `w`, after checking themselves.
pub(crate) trait Fit: Sync {
    fn fit(&self, x: &[Vec<f32>], y: &[bool], w: &[f32]) -> Result<Classifier>;
}

macro_rules! fit_by_inherent_method {
    ($($t:ty),*) => {$(
        impl Fit for $t {
            fn fit(&self, x: &[Vec<f32>], y: &[bool], w: &[f32]) -> Result<Classifier> {
                <$t>::fit(self, x, y, w)
            }
        }
    )*};
}
fit_by_inherent_method!(LogisticParams, MlpParams, GbtParams, ForestParams);

/// Settings for a propensity training run. Defaults: 25 % stratified test split, 5 folds,
/// no class weights, no missing indicators, seed 42.
#[derive(Debug, Clone)]
pub struct PropensityParams {
    /// Target column (boolean-like).
    pub target: String,
    /// Forced column types; others are inferred.
    pub types: HashMap<String, ColumnType>,
    /// Columns to leave out.
    pub ignore: Vec<String>,
    /// Add a "was missing" column for numeric and boolean fields that had missing values.
    pub missing_indicator: bool,
    /// Weight classes inversely to their frequency.
    pub balanced: bool,
    /// Share of rows held out (stratified) for the report. Default 0.25.
    pub test_fraction: f64,
    /// Folds for `auto`. Default 5.
    pub folds: usize,
    /// Largest number of categories kept per field (the rest share the unseen slot). Default 100.
    pub max_categories: usize,
    /// Seed for splits and models. Default 42.
    pub seed: u64,
    /// How raw scores become probabilities, fitted on out-of-fold predictions. Default `Auto`
    /// (the lowest cross-validated log loss among none, Platt and isotonic).
    pub calibration: calibrate::CalibrationChoice,
}

impl PropensityParams {
    /// Validates every field, naming the first one out of range.
    pub fn check(&self) -> Result<()> {
        if self.target.is_empty() {
            return Err(Error::param("target", "\"\"", "name the target column"));
        }
        if !(self.test_fraction > 0.0 && self.test_fraction < 1.0) {
            return Err(Error::param("test_fraction", self.test_fraction, "must be between 0 and 1"));
        }
        if !(2..=50).contains(&self.folds) {
            return Err(Error::param("folds", self.folds, "must be between 2 and 50"));
        }
        if self.max_categories == 0 {
            return Err(Error::param("max_categories", self.max_categories, "must be at least 1"));
        }
        Ok(())
    }

    /// Defaults for predicting `target`.
    pub fn new(target: &str) -> Self {
        Self {
            target: target.into(),
            types: HashMap::new(),
            ignore: Vec::new(),
            missing_indicator: false,
            balanced: false,
            test_fraction: 0.25,
            folds: 5,
            max_categories: 100,
            seed: 42,
            calibration: calibrate::CalibrationChoice::Auto,
        }
    }
}
