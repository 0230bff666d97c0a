//! Purchase propensity at runtime: a fitted [`Schema`] encodes a raw record, a [`Classifier`]
//! scores it. Same code natively and in wasm.

pub mod calibration;
pub mod model;
pub mod schema;
pub mod value;

use serde::Serialize;

use crate::bundle::Metadata;
use crate::error::Result;
use crate::kernels::order;
use crate::session::{SessionLog, SessionMap};
pub use calibration::Calibration;
pub use model::{logit, sigmoid, Classifier, Dense, Tree};
pub use schema::{EncodeReport, Field, FieldKind, Schema};
pub use value::Value;

/// A score with what encoding noticed about the record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Probability of the positive class, 0–1.
    pub p: f64,
    /// Missing, unknown and unseen-category fields.
    #[serde(flatten)]
    pub report: EncodeReport,
}

/// Whether acting on a visitor (showing an incentive, say) pays, by expected value with the
/// calibrated probability: act when `p · benefit − cost > 0`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Whether to act.
    pub act: bool,
    /// The calibrated probability.
    pub p: f64,
    /// `p · benefit − cost`: what acting is worth on average.
    pub expected_value: f64,
    /// The value of a conversion the action brings about.
    pub benefit: f64,
    /// What the action costs, whether or not the visitor converts.
    pub cost: f64,
    /// The probability above which acting pays: `cost / benefit`.
    pub break_even: f64,
}

/// One field's contribution to a score, in log-odds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The input field.
    pub field: String,
    /// `logit(p) − logit(p with this field imputed)`: positive pushes towards buying.
    pub contribution: f64,
}

/// The decision for probability `p` (see [`Propensity::decide`]).
pub fn decision(p: f64, benefit: f64, cost: f64) -> Result<Decision> {
    if !(benefit.is_finite() && benefit > 0.0) {
        return Err(crate::Error::param("benefit", crate::num_text::Num(benefit), "must be a finite number > 0"));
    }
    if !(cost.is_finite() && cost >= 0.0) {
        return Err(crate::Error::param("cost", crate::num_text::Num(cost), "must be a finite number >= 0"));
    }
    let expected_value = p * benefit - cost;
    Ok(Decision { act: expected_value > 0.0, p, expected_value, benefit, cost, break_even: cost / benefit })
}

/// A loaded propensity model.
#[derive(Debug, Clone)]
pub struct Propensity {
    pub(crate) schema: Schema,
    pub(crate) model: Classifier,
    pub(crate) meta: Metadata,
    /// Decision threshold chosen in training (on out-of-fold predictions of the training rows).
    pub(crate) threshold: f64,
    /// Raw score → probability, fitted on out-of-fold predictions.
    pub(crate) calibration: Calibration,
    /// How a session log becomes a record, when training declared it (`--features`).
    pub(crate) session: Option<SessionMap>,
}

/// A record of owned field names as [`Propensity::score`] takes it.
pub fn borrowed(record: &[(String, Value)]) -> Vec<(&str, Value)> {
    record.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()
}

impl Propensity {
    /// Assembles and validates a model.
    pub fn from_parts(schema: Schema, model: Classifier, meta: Metadata, threshold: f64) -> Result<Self> {
        model.validate(schema.width())?;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(crate::Error::Corrupt(format!("threshold {} outside 0..1", crate::num_text::Num(threshold))));
        }
        Ok(Self { schema, model, meta, threshold, calibration: Calibration::None, session: None })
    }

    /// The same model with `c` applied after the classifier.
    pub(crate) fn with_calibration(mut self, c: Calibration) -> Result<Self> {
        c.validate()?;
        self.calibration = c;
        Ok(self)
    }

    /// How raw scores become probabilities.
    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    /// The same model with a session mapping, checked against the fields (every field mapped once, each
    /// by a feature its encoder accepts).
    pub fn with_session(mut self, m: SessionMap) -> Result<Self> {
        m.check_for(&self.schema)?;
        self.session = Some(m);
        Ok(self)
    }

    /// How a session log becomes a record, if training declared it.
    pub fn session(&self) -> Option<&SessionMap> {
        self.session.as_ref()
    }

    /// The record this model's session mapping makes of `log`. An error when the bundle has no
    /// mapping, or names the first bad value of the log.
    pub fn session_record(&self, log: &SessionLog) -> Result<Vec<(String, Value)>> {
        match &self.session {
            Some(m) => m.record(log),
            None => Err(crate::Error::MissingSection("psession (train with --features to score sessions)".into())),
        }
    }

    /// Scores the record of `log` (see [`Propensity::session_record`]).
    pub fn score_session(&self, log: &SessionLog) -> Result<Score> {
        self.score_record(&self.session_record(log)?)
    }

    /// Scores a record held as owned pairs (as [`Propensity::session_record`] returns it).
    pub fn score_record(&self, record: &[(String, Value)]) -> Result<Score> {
        self.score(&borrowed(record))
    }

    /// Sets the decision threshold (in [0, 1]).
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    pub(crate) fn set_threshold(&mut self, t: f64) -> Result<()> {
        if !(0.0..=1.0).contains(&t) {
            return Err(crate::Error::param("threshold", crate::num_text::Num(t), "must be in [0, 1]"));
        }
        self.threshold = t;
        Ok(())
    }
    /// Loads a bundle.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        crate::bundle::propensity::read(bytes)
    }
    /// Serialises to bundle bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::bundle::propensity::write(self)
    }
    /// The input schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }
    /// The classifier.
    pub fn model(&self) -> &Classifier {
        &self.model
    }
    /// Metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.meta
    }
    /// Mutable metadata (training records its evaluation here).
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.meta
    }
    /// The decision threshold stored in training.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Scores one raw record.
    pub fn score(&self, record: &[(&str, Value)]) -> Result<Score> {
        let mut x = Vec::with_capacity(self.schema.width());
        let report = self.schema.encode(record, &mut x)?;
        Ok(Score { p: self.score_encoded(&x), report })
    }

    /// Scores an already encoded row (training and evaluation use this): calibrated.
    pub(crate) fn score_encoded(&self, x: &[f32]) -> f64 {
        self.calibration.apply(self.model.predict(x))
    }

    /// Whether acting on `record` pays: expected value `p · benefit − cost` with the calibrated
    /// probability. `benefit` must be > 0 and `cost` ≥ 0, both finite.
    pub fn decide(&self, record: &[(&str, Value)], benefit: f64, cost: f64) -> Result<Decision> {
        decision(self.score(record)?.p, benefit, cost)
    }

    /// Per-field contributions, largest magnitude first (occlusion in log-odds: each field is
    /// replaced by its imputed value in turn).
    pub fn explain(&self, record: &[(&str, Value)]) -> Result<Vec<Contribution>> {
        let base = model::logit(self.score(record)?.p);
        let mut out = Vec::with_capacity(self.schema.fields.len());
        let mut x = Vec::with_capacity(self.schema.width());
        for f in &self.schema.fields {
            let without: Vec<(&str, Value)> = record.iter().filter(|(k, _)| *k != f.name).cloned().collect();
            self.schema.encode(&without, &mut x)?;
            out.push(Contribution { field: f.name.clone(), contribution: base - model::logit(self.score_encoded(&x)) });
        }
        // Largest magnitude first, ties by field name (two stable passes).
        let names: Vec<String> = out.iter().map(|c| c.field.clone()).collect();
        order::sort_by_key(&mut out, |c| names.iter().filter(|n| **n < c.field).count() as u64);
        order::sort_by_key(&mut out, |c| order::descending_f64(c.contribution.abs()));
        Ok(out)
    }
}
