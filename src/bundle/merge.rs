//! Several models in one file. A bundle holds at most one model of each kind; each kind has its
//! own sections, and its metadata section is `meta` in a single-model file. When bundles are
//! merged the recommender keeps `meta` and the others move to `propmeta` / `textmeta`, so one
//! download can serve recommendations, propensity and text together. Every reader accepts both.

use super::{Container, ContainerWriter};
use crate::error::{Error, Result};

/// The kinds of model a bundle can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// Recommendations (sections `items`, `popular`, …).
    Recommender,
    /// Purchase propensity (sections `pschema`, `pmodel`).
    Propensity,
    /// Text classifier (sections `tfidf`, `textclf`).
    Text,
}

impl ModelKind {
    /// The section whose presence marks this kind.
    fn marker(self) -> &'static str {
        match self {
            ModelKind::Recommender => "items",
            ModelKind::Propensity => "pschema",
            ModelKind::Text => "textclf",
        }
    }

    /// Where this kind keeps its metadata in a merged bundle.
    pub(crate) fn merged_meta(self) -> &'static str {
        match self {
            ModelKind::Recommender => "meta",
            ModelKind::Propensity => "propmeta",
            ModelKind::Text => "textmeta",
        }
    }

    /// A phrase for messages ("a recommender").
    pub fn describe(self) -> &'static str {
        match self {
            ModelKind::Recommender => "a recommender",
            ModelKind::Propensity => "a propensity model",
            ModelKind::Text => "a text classifier",
        }
    }
}

const KINDS: [ModelKind; 3] = [ModelKind::Recommender, ModelKind::Propensity, ModelKind::Text];

/// The kinds of model a parsed bundle holds.
pub fn models(c: &Container<'_>) -> Vec<ModelKind> {
    KINDS.into_iter().filter(|k| c.get(k.marker()).is_some()).collect()
}

/// Fails with [`Error::WrongModel`] unless `c` holds a model of `kind`.
pub(crate) fn require_kind(c: &Container<'_>, kind: ModelKind) -> Result<()> {
    if c.get(kind.marker()).is_some() {
        return Ok(());
    }
    let held: Vec<&str> = models(c).into_iter().map(ModelKind::describe).collect();
    let found = match held.is_empty() {
        // `catalog update --delta-out` writes catalogue sections only: a page applies them to the
        // model it has loaded.
        true if c.get(super::recs::CATALOG_UPDATE_MARKER).is_some() => {
            "a catalogue update (apply it to a loaded model with updateCatalog)".into()
        }
        true => "no model".to_string(),
        false => held.join(" and "),
    };
    Err(Error::WrongModel { expected: kind.describe().into(), found })
}

/// Merges bundles (given with a name for messages) into one. Each kind of model may come from
/// one input only; the result is validated like any bundle.
pub fn merge(inputs: &[(&str, &[u8])]) -> Result<Vec<u8>> {
    if inputs.len() < 2 {
        return Err(Error::param("bundles", inputs.len(), "merge needs at least two bundles"));
    }
    let mut out = ContainerWriter::new();
    let mut owner: Vec<(ModelKind, &str)> = Vec::new();
    for (name, bytes) in inputs {
        let c = Container::parse(bytes).map_err(|e| Error::param("bundle", name, e.to_string()))?;
        let kinds = models(&c);
        if kinds.is_empty() {
            return Err(Error::param("bundle", name, "holds no model"));
        }
        for k in &kinds {
            if let Some((_, first)) = owner.iter().find(|(o, _)| o == k) {
                return Err(Error::param(
                    "bundle",
                    name,
                    format!("holds {} and so does {first}; a bundle holds one of each kind", k.describe()),
                ));
            }
            owner.push((*k, name));
        }
        for (section, payload) in c.raw() {
            // A single-model file's `meta` belongs to its one model.
            let target = if section == "meta" && kinds.len() == 1 { kinds[0].merged_meta() } else { section };
            if out.has(target) {
                return Err(Error::param(
                    "bundle",
                    name,
                    format!("section '{target}' is already taken by another input"),
                ));
            }
            out.section(target, payload.to_vec());
        }
    }
    let bytes = out.finish();
    Container::parse(&bytes)?;
    Ok(bytes)
}
