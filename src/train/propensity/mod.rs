//! Propensity training: schema inference, preprocessing fitted on training rows only,
//! stratified split and k-fold cross-validation, four model families and `auto` selection.

pub mod calibrate;
mod helper;
pub mod leakage;
pub mod logistic;
pub mod mlp;
pub mod trees;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::bundle::Metadata;
use crate::data::table::Table;
use crate::error::{Error, Result};
use crate::eval::{classification_report, ClassificationReport};
use crate::propensity::schema::MISSING_CATEGORY;
use crate::propensity::value::parse_bool;
use crate::propensity::{Classifier, Field, FieldKind, Propensity, Schema, Value};
use crate::rng::Rng;

pub use logistic::LogisticParams;
pub use mlp::MlpParams;
pub use trees::{ForestParams, GbtParams};

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

    /// The family to fit, or `None` for `Auto`, which [`train_propensity`] resolves by
    /// cross-validation first: fitting takes a [`Fit`], which `Auto` is not.
    fn fitter(&self) -> Option<&dyn Fit> {
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

/// A table turned into raw records and labels, with inferred column types.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Input column names and types, in file order.
    pub columns: Vec<(String, ColumnType)>,
    /// Raw values per row, aligned with `columns`.
    pub rows: Vec<Vec<Value>>,
    /// Labels.
    pub labels: Vec<bool>,
    /// Target column name.
    pub target: String,
    /// Decisions of type inference a user may not expect (a column dropped, or read as
    /// categorical because of a few cells), one sentence each, for the training report.
    pub notices: Vec<String>,
    table: Table,
    col_index: Vec<usize>,
}

/// Share of a column's non-empty cells that must be finite numbers before the rest are called
/// out when the column is read as categorical.
const MOSTLY_NUMERIC: f64 = 0.9;

/// Infers a column's type from its non-empty cells (boolean if every one parses as one, else
/// numeric if every one is a finite number, else categorical); `None` when every cell is empty.
/// A column read as categorical although most cells are numbers gets a notice.
fn infer_type(table: &Table, c: usize, notices: &mut Vec<String>) -> Option<ColumnType> {
    let vals = || table.rows.iter().enumerate().map(|(r, row)| (r, row[c].trim())).filter(|(_, v)| !v.is_empty());
    let n = vals().count();
    if n == 0 {
        notices.push(format!("column '{}' is empty in every row: left out", table.header[c]));
        return None;
    }
    if vals().all(|(_, v)| parse_bool(v).is_some()) {
        return Some(ColumnType::Boolean);
    }
    let finite = |v: &str| v.parse::<f64>().is_ok_and(f64::is_finite);
    let numbers = vals().filter(|(_, v)| finite(v)).count();
    if numbers == n {
        return Some(ColumnType::Numeric);
    }
    if numbers as f64 >= MOSTLY_NUMERIC * n as f64 {
        let (r, first) = vals().find(|(_, v)| !finite(v)).unwrap_or((0, ""));
        notices.push(format!(
            "column '{}' read as categorical: {} of its {n} cells are not finite numbers (first at {}: {first:?}); \
             fix those cells, or pass --numeric {} to stop at them",
            table.header[c],
            n - numbers,
            table.row_place(r),
            table.header[c]
        ));
    }
    Some(ColumnType::Categorical)
}

impl Dataset {
    /// Infers types (boolean if every value parses as one, else numeric if every value is a
    /// number, else categorical), honouring overrides; labels must be boolean-like.
    pub fn from_table(table: Table, p: &PropensityParams) -> Result<Self> {
        let ti = table.column(&p.target)?;
        for name in p.types.keys().chain(&p.ignore) {
            table.column(name)?;
        }
        let mut labels = Vec::with_capacity(table.rows.len());
        for (r, row) in table.rows.iter().enumerate() {
            let cell = row[ti].trim();
            labels.push(parse_bool(cell).ok_or_else(|| Error::BadRow {
                location: table.location(r, ti),
                value: cell.into(),
                reason: "target must be TRUE/FALSE, yes/no or 1/0".into(),
            })?);
        }
        let mut columns = Vec::new();
        let mut col_index = Vec::new();
        let mut notices = Vec::new();
        for (c, name) in table.header.iter().enumerate() {
            if c == ti || p.ignore.contains(name) {
                continue;
            }
            let Some(ty) = p.types.get(name).copied().or_else(|| infer_type(&table, c, &mut notices)) else {
                continue;
            };
            columns.push((name.clone(), ty));
            col_index.push(c);
        }
        let mut rows = Vec::with_capacity(table.rows.len());
        for (r, row) in table.rows.iter().enumerate() {
            let mut vals = Vec::with_capacity(columns.len());
            for (k, &c) in col_index.iter().enumerate() {
                let v = Value::from_cell(&row[c]);
                // Type errors are caught here, with the cell's location.
                if let (Value::Text(t), ColumnType::Numeric) = (&v, columns[k].1) {
                    if !t.parse::<f64>().is_ok_and(f64::is_finite) {
                        return Err(Error::BadRow {
                            location: table.location(r, c),
                            value: t.clone(),
                            reason: "expected a finite number".into(),
                        });
                    }
                }
                if let (Value::Text(t), ColumnType::Boolean) = (&v, columns[k].1) {
                    if parse_bool(t).is_none() {
                        return Err(Error::BadRow {
                            location: table.location(r, c),
                            value: t.clone(),
                            reason: "expected a boolean".into(),
                        });
                    }
                }
                // Typed once here, so fitting and every encoding of the row do not parse it again.
                vals.push(match (v, columns[k].1) {
                    (Value::Text(t), ColumnType::Numeric) => Value::Number(t.parse::<f64>().unwrap_or(f64::NAN)),
                    (Value::Text(t), ColumnType::Boolean) => parse_bool(&t).map_or(Value::Text(t), Value::Bool),
                    (v, _) => v,
                });
            }
            rows.push(vals);
        }
        Ok(Self { columns, rows, labels, target: p.target.clone(), notices, table, col_index })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Record `r` as `(name, value)` pairs.
    pub fn record(&self, r: usize) -> Vec<(&str, Value)> {
        self.columns.iter().zip(&self.rows[r]).map(|((n, _), v)| (n.as_str(), v.clone())).collect()
    }

    /// Fits the encoders on `rows` only.
    pub(crate) fn fit_schema(&self, rows: &[usize], p: &PropensityParams) -> Schema {
        let fields = self
            .columns
            .iter()
            .enumerate()
            .map(|(k, (name, ty))| {
                let vals = rows.iter().map(|r| &self.rows[*r][k]);
                let any_missing = vals.clone().any(|v| matches!(v, Value::Missing));
                let kind = match ty {
                    ColumnType::Numeric | ColumnType::Boolean => {
                        let xs: Vec<f64> = vals
                            .filter_map(|v| match v {
                                Value::Text(t) if *ty == ColumnType::Numeric => t.parse::<f64>().ok(),
                                Value::Text(t) => parse_bool(t).map(|b| if b { 1.0 } else { 0.0 }),
                                Value::Number(n) => Some(*n),
                                Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
                                Value::Missing => None,
                            })
                            .collect();
                        let n = xs.len().max(1) as f64;
                        let mean = xs.iter().sum::<f64>() / n;
                        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
                        let std = if var > 1e-12 { var.sqrt() } else { 1.0 };
                        if *ty == ColumnType::Numeric {
                            FieldKind::Numeric { mean, std }
                        } else {
                            FieldKind::Boolean { rate: mean, std }
                        }
                    }
                    ColumnType::Categorical => {
                        let mut counts: HashMap<String, usize> = HashMap::new();
                        for v in vals {
                            let key = match v {
                                Value::Missing => MISSING_CATEGORY.to_string(),
                                Value::Text(t) => t.clone(),
                                Value::Number(n) => crate::propensity::schema::format_number(*n),
                                Value::Bool(b) => {
                                    if *b {
                                        "TRUE".into()
                                    } else {
                                        "FALSE".into()
                                    }
                                }
                            };
                            *counts.entry(key).or_default() += 1;
                        }
                        let mut cats: Vec<(String, usize)> = counts.into_iter().collect();
                        cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                        cats.truncate(p.max_categories);
                        FieldKind::Categorical { categories: cats.into_iter().map(|c| c.0).collect() }
                    }
                };
                let missing_indicator =
                    p.missing_indicator && any_missing && !matches!(kind, FieldKind::Categorical { .. });
                Field { name: name.clone(), kind, missing_indicator }
            })
            .collect();
        Schema { fields, target: self.target.clone() }
    }

    /// Encodes `rows` with `schema`; an error names the row's file, line and column.
    pub(crate) fn encode(&self, schema: &Schema, rows: &[usize]) -> Result<Vec<Vec<f32>>> {
        rows.iter()
            .map(|&r| {
                let mut x = Vec::with_capacity(schema.width());
                schema.encode(&self.record(r), &mut x).map_err(|e| match e {
                    Error::InvalidValue { field, value, reason } => {
                        let k = self.columns.iter().position(|(n, _)| *n == field).unwrap_or(0);
                        Error::BadRow { location: self.table.location(r, self.col_index[k]), value, reason }
                    }
                    other => other,
                })?;
                Ok(x)
            })
            .collect()
    }
}

/// Splits row indices into (train, test), stratified by any ordered label: each class is
/// shuffled (classes in sorted order, one seeded generator) and `round(n × test_fraction)` of
/// its rows are held out.
pub fn stratified_split_by<K: Ord + Copy>(
    labels: &[K],
    test_fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(Error::param("test_fraction", test_fraction, "must be between 0 and 1"));
    }
    let mut classes: Vec<K> = labels.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let mut rng = Rng::new(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in classes {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|i| labels[*i] == class).collect();
        rng.shuffle(&mut idx);
        let cut = (idx.len() as f64 * test_fraction).round() as usize;
        test.extend_from_slice(&idx[..cut]);
        train.extend_from_slice(&idx[cut..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok((train, test))
}

/// Assigns each of `rows` to one of `k` folds, stratified by label.
pub(crate) fn stratified_folds(rows: &[usize], labels: &[bool], k: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = Rng::new(seed ^ 0xF01D);
    let mut folds = vec![Vec::new(); k];
    for class in [false, true] {
        let mut idx: Vec<usize> = rows.iter().copied().filter(|r| labels[*r] == class).collect();
        rng.shuffle(&mut idx);
        for (i, r) in idx.into_iter().enumerate() {
            folds[i % k].push(r);
        }
    }
    folds
}

fn weights(labels: &[bool], rows: &[usize], balanced: bool) -> Vec<f32> {
    if !balanced {
        return vec![1.0; rows.len()];
    }
    let pos = rows.iter().filter(|r| labels[**r]).count().max(1) as f32;
    let neg = (rows.len() as f32 - pos).max(1.0);
    let n = rows.len() as f32;
    rows.iter().map(|r| if labels[*r] { n / (2.0 * pos) } else { n / (2.0 * neg) }).collect()
}

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
