//! Model metadata: what was trained, how, on how much, and how well it validated.

use serde::Serialize;

use super::codec::{Reader, Writer};
use super::named::Named;
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
    pub params: Named<String>,
    /// Validation metrics (e.g. `ndcg@10`).
    pub metrics: Named<f64>,
    /// Latest interaction time seen in training (ISO 8601), if the input had times.
    pub trained_until: Option<String>,
    /// Aggregate counts (`users`, `items`, `interactions`).
    pub counts: Named<u64>,
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
        let params = read_named(r, 8, ["parameter count", "parameter name"], |r| r.str("parameter value"))?;
        let metrics = read_named(r, 12, ["metric count", "metric name"], |r| r.f64("metric value"))?;
        let until = r.str("training cut-off")?;
        let counts = read_named(r, 12, ["count entries", "count name"], |r| r.u64("count value"))?;
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

/// Reads a count and that many (name, value) entries, each at least `min_bytes` long; `labels`
/// name the count and a name in errors. The names must be in strictly increasing order, as
/// `encode` writes them.
fn read_named<V>(
    r: &mut Reader<'_>,
    min_bytes: usize,
    [count, name_label]: [&'static str; 2],
    mut value: impl FnMut(&mut Reader<'_>) -> Result<V>,
) -> Result<Named<V>> {
    let mut named = Named::new();
    for i in 0..r.len(min_bytes, count)? {
        let name = r.str(name_label)?;
        if let Err((name, _)) = named.push_last(name, value(r)?) {
            return Err(Error::Corrupt(format!("{name_label} {i} ('{name}') is out of order")));
        }
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8]) -> Result<Metadata> {
        let mut r = Reader::new(bytes, 0, "meta");
        let meta = Metadata::decode(&mut r)?;
        r.finish()?;
        Ok(meta)
    }

    fn sample() -> Metadata {
        let mut meta = Metadata::new("als");
        meta.params = Named::from([("lambda", "0.1".to_string()), ("factors", "64".to_string())]);
        meta.metrics.insert("ndcg@10".into(), 0.25);
        meta.counts = Named::from([("users", 3), ("items", 7), ("interactions", 12)]);
        meta.trained_until = Some("2026-11-30T00:00:00Z".into());
        meta.notes.push("a note".into());
        meta
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let mut w = Writer::new();
        sample().encode(&mut w);
        assert_eq!(decoded(&w.into_bytes()).ok(), Some(sample()));
    }

    /// The writer stores names in order, so a bundle with names out of order (or repeated) was
    /// not written by it and is refused, naming the entry.
    #[test]
    fn names_out_of_order_are_refused() {
        let mut w = Writer::new();
        w.str("als");
        w.str("shelfwise");
        w.len(2);
        for name in ["lambda", "factors"] {
            w.str(name);
            w.str("1");
        }
        let err = decoded(&w.into_bytes()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("parameter name 1 ('factors') is out of order"), "{err}");
    }
}
