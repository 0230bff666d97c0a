//! Model metadata: what was trained, how, on how much, and how well it validated.

use std::collections::BTreeMap;

use serde::Serialize;

use super::codec::{Reader, Writer};
use super::{Container, ContainerWriter};
use crate::error::Error;
use crate::error::Result;

/// Descriptive metadata stored with every model. Aggregate counts only, never per-user data.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// Model family (`als`, `ease`, `popular`, …).
    pub model: String,
    /// Library and version that wrote the bundle.
    pub created_by: String,
    /// Hyperparameters, as text.
    pub params: BTreeMap<String, String>,
    /// Validation metrics (e.g. `ndcg@10`).
    pub metrics: BTreeMap<String, f64>,
    /// Latest interaction time seen in training (ISO 8601), if the input had times.
    pub trained_until: Option<String>,
    /// Aggregate counts (`users`, `items`, `interactions`).
    pub counts: BTreeMap<String, u64>,
    /// Free-form notes (e.g. how `auto` chose the model).
    pub notes: Vec<String>,
}

impl Metadata {
    /// Metadata for a new model of family `model`, stamped with this library's version.
    pub fn new(model: &str) -> Self {
        Self {
            model: model.into(),
            created_by: concat!("shelfwise ", env!("CARGO_PKG_VERSION")).into(),
            ..Self::default()
        }
    }

    /// Adds the `meta` section to a bundle being written.
    pub(crate) fn write_section(&self, c: &mut ContainerWriter) {
        let mut w = Writer::new();
        self.encode(&mut w);
        c.section("meta", w.into_bytes());
    }

    /// Reads the metadata of `kind`: its merged-bundle section if present, else `meta`.
    pub(crate) fn read_for(c: &Container<'_>, kind: super::ModelKind) -> Result<Self> {
        super::merge::require_kind(c, kind)?;
        let name = kind.merged_meta();
        let mut r = match c.get(name) {
            Some(r) => r,
            None => c.require("meta")?,
        };
        let meta = Self::decode(&mut r)?;
        r.finish()?;
        Ok(meta)
    }

    /// Fails unless the metadata names the family the sections hold.
    pub(crate) fn check_family(&self, family: &str) -> Result<()> {
        if self.model != family {
            return Err(Error::Corrupt(format!(
                "metadata says model '{}' but the sections hold '{family}'",
                self.model
            )));
        }
        Ok(())
    }

    fn encode(&self, w: &mut Writer) {
        w.str(&self.model);
        w.str(&self.created_by);
        w.len(self.params.len());
        for (k, v) in &self.params {
            w.str(k);
            w.str(v);
        }
        w.len(self.metrics.len());
        for (k, v) in &self.metrics {
            w.str(k);
            w.f64(*v);
        }
        w.str(self.trained_until.as_deref().unwrap_or(""));
        w.len(self.counts.len());
        for (k, v) in &self.counts {
            w.str(k);
            w.u64(*v);
        }
        w.len(self.notes.len());
        for n in &self.notes {
            w.str(n);
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let model = r.str("model name")?;
        let created_by = r.str("writer")?;
        let mut params = BTreeMap::new();
        for _ in 0..r.len(8, "parameter count")? {
            let k = r.str("parameter name")?;
            params.insert(k, r.str("parameter value")?);
        }
        let mut metrics = BTreeMap::new();
        for _ in 0..r.len(12, "metric count")? {
            let k = r.str("metric name")?;
            metrics.insert(k, r.f64("metric value")?);
        }
        let until = r.str("training cut-off")?;
        let mut counts = BTreeMap::new();
        for _ in 0..r.len(12, "count entries")? {
            let k = r.str("count name")?;
            counts.insert(k, r.u64("count value")?);
        }
        let mut notes = Vec::new();
        for _ in 0..r.len(4, "note count")? {
            notes.push(r.str("note")?);
        }
        Ok(Self {
            model,
            created_by,
            params,
            metrics,
            trained_until: (!until.is_empty()).then_some(until),
            counts,
            notes,
        })
    }
}
