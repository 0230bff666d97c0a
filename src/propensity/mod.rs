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

/// One field's contribution to a score, in log-odds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The input field.
    pub field: String,
    /// `logit(p) − logit(p with this field imputed)`: positive pushes towards buying.
    pub contribution: f64,
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
}

impl Propensity {
    /// Assembles and validates a model.
    pub fn from_parts(schema: Schema, model: Classifier, meta: Metadata, threshold: f64) -> Result<Self> {
        model.validate(schema.width())?;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(crate::Error::Corrupt(format!("threshold {} outside 0..1", crate::num_text::Num(threshold))));
        }
        Ok(Self { schema, model, meta, threshold, calibration: Calibration::None })
    }

    /// The same model with `c` applied after the classifier.
    pub fn with_calibration(mut self, c: Calibration) -> Result<Self> {
        c.validate()?;
        self.calibration = c;
        Ok(self)
    }

    /// How raw scores become probabilities.
    pub fn calibration(&self) -> &Calibration {
        &self.calibration
    }

    /// Sets the decision threshold (in [0, 1]).
    pub fn set_threshold(&mut self, t: f64) -> Result<()> {
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
    pub fn score_encoded(&self, x: &[f32]) -> f64 {
        self.calibration.apply(self.model.predict(x))
    }

    /// The classifier's score before calibration.
    pub fn raw_score_encoded(&self, x: &[f32]) -> f64 {
        self.model.predict(x)
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
