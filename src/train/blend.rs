//! A blend of a factor model (ALS or PureSVD) and an item-item model (EASE or RP3beta): both
//! fitted on the same log, shipped side by side, and scored on the device as
//! `w · a / max|a| + (1 − w) · e / max|e|` ([`crate::recs::BlendModel`]).

use super::{fit_family, AlsParams, EaseParams, ModelChoice, Progress};
use crate::bundle::Metadata;
use crate::data::Interactions;
use crate::error::{Error, Result};
use crate::recs::{BlendModel, FactorModel, NeighborModel, RecModel};

/// Blend hyperparameters. Build with [`BlendParams::new`] and the setters.
#[derive(Debug, Clone, PartialEq)]
pub struct BlendParams {
    /// The factor half: ALS or PureSVD. Default ALS at its defaults.
    pub factors: Box<ModelChoice>,
    /// The item-item half: EASE or RP3beta. Default EASE at its defaults.
    pub neighbors: Box<ModelChoice>,
    /// The factor half's weight, in (0, 1); the item-item half gets the rest. Default 0.7: the
    /// median of the weights `auto` chose on ml-latest-small (0.7), Online Retail (0.5) and a
    /// synthetic shop log (`examples/synth_shop.rs`: 0.7).
    pub weight: f32,
}

impl Default for BlendParams {
    fn default() -> Self {
        Self {
            factors: Box::new(ModelChoice::Als(AlsParams::new())),
            neighbors: Box::new(ModelChoice::Ease(EaseParams::new())),
            weight: 0.7,
        }
    }
}

impl BlendParams {
    /// The defaults documented on each field.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the factor half (ALS or PureSVD).
    pub fn factors(mut self, c: ModelChoice) -> Self {
        self.factors = Box::new(c);
        self
    }
    /// Sets the item-item half (EASE or RP3beta).
    pub fn neighbors(mut self, c: ModelChoice) -> Self {
        self.neighbors = Box::new(c);
        self
    }
    /// Sets the factor half's weight.
    pub fn weight(mut self, w: f32) -> Self {
        self.weight = w;
        self
    }
    /// Validates every field, the halves' parameters included.
    pub fn check(&self) -> Result<()> {
        crate::recs::blend::check_weight(self.weight)?;
        if !matches!(*self.factors, ModelChoice::Als(_) | ModelChoice::Svd(_)) {
            return Err(Error::param("blend factors", self.factors.family_name(), "must be als or svd"));
        }
        if !matches!(*self.neighbors, ModelChoice::Ease(_) | ModelChoice::Rp3(_)) {
            return Err(Error::param("blend neighbors", self.neighbors.family_name(), "must be ease or rp3"));
        }
        self.factors.check()?;
        self.neighbors.check()
    }

    /// Fits both halves on a compacted log. The metadata keeps each half's parameters, prefixed
    /// by its family (`als.factors`, `ease.lambda` …).
    pub fn fit(&self, data: &Interactions, progress: &dyn Progress) -> Result<(BlendModel, Metadata)> {
        let (f, nb, fmeta, nmeta) = self.fit_halves(data, progress)?;
        Ok((BlendModel::new(f, nb, self.weight)?, self.metadata(&fmeta, &nmeta)))
    }

    /// Fits the two halves, each with its metadata (the search blends them at several weights).
    pub(crate) fn fit_halves(
        &self,
        data: &Interactions,
        progress: &dyn Progress,
    ) -> Result<(FactorModel, NeighborModel, Metadata, Metadata)> {
        self.check()?;
        let (f, fmeta) = fit_family(data, &self.factors, progress)?;
        let (nb, nmeta) = fit_family(data, &self.neighbors, progress)?;
        match (f, nb) {
            (RecModel::Factors(f), RecModel::Neighbors(nb)) => Ok((f, nb, fmeta, nmeta)),
            _ => Err(Error::Numerical("a blend half fitted to the wrong kind of model".into())),
        }
    }

    /// The blend's metadata from its halves'.
    pub(crate) fn metadata(&self, factors: &Metadata, neighbors: &Metadata) -> Metadata {
        let mut meta = Metadata::new("blend");
        meta.params.insert("weight".into(), self.weight.to_string());
        for half in [factors, neighbors] {
            for (k, v) in &half.params {
                meta.params.insert(format!("{}.{k}", half.model), v.clone());
            }
        }
        meta
    }
}
