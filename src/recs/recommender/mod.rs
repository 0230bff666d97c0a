//! The runtime recommender: load a bundle, fold a history in, rank the catalogue.
//!
//! Scoring is two steps: [`Recommender::fold_in`] turns a shopper's history into a
//! [`UserState`]; [`Recommender::recommend_for`] ranks the catalogue for that state.
//!
//! This file holds the model and its parts: assembling, checking and updating them, and what
//! it tells about itself. `options.rs` holds what a request asks for ([`RecommendOptions`]),
//! `answers.rs` what it gets back ([`Scored`], [`Recommendations`], [`UserState`],
//! [`ModelInfo`]), and `ranking.rs` every method that answers one.

mod answers;
mod options;
mod ranking;

use super::{
    Attributes, BlendModel, Catalog, CatalogEntry, FactorModel, ItemEmbeddings, ItemIndex, NeighborModel, Quantization,
    TextIndex,
};
use crate::bundle::Metadata;
use crate::error::{Error, Result};
use crate::kernels;
use crate::rules::{Rule, RuleKind};

pub use answers::{ModelInfo, Recommendations, Scored, UserState, MAX_HISTORY};
pub use options::{Promote, RecommendOptions, TextQuery, MAX_K};

/// Which family scores the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub enum RecModel {
    /// Latent factors with exact fold-in (ALS, PureSVD).
    Factors(FactorModel),
    /// Sparse item-item weights (EASE, RP3beta).
    Neighbors(NeighborModel),
    /// A weighted sum of a factor model's and an item-item model's scores.
    Blend(BlendModel),
    /// Popularity only.
    Popular,
}

impl RecModel {
    /// Family name as stored in metadata.
    pub fn family(&self) -> &'static str {
        match self {
            RecModel::Factors(_) => "als",
            RecModel::Neighbors(_) => "ease",
            RecModel::Blend(_) => "blend",
            RecModel::Popular => "popular",
        }
    }

    /// Whether metadata naming family `name` may describe this model's sections: factors come
    /// from ALS or PureSVD, neighbours from EASE or RP3beta.
    pub fn holds(&self, name: &str) -> bool {
        name == self.family() || matches!((self, name), (RecModel::Factors(_), "svd") | (RecModel::Neighbors(_), "rp3"))
    }

    /// The latent factors, of a factor model or of a blend's factor half.
    pub fn factors(&self) -> Option<&FactorModel> {
        match self {
            RecModel::Factors(f) => Some(f),
            RecModel::Blend(b) => Some(b.factors()),
            _ => None,
        }
    }

    /// The item-item rows, of an item-item model or of a blend's item-item half.
    pub fn neighbors(&self) -> Option<&NeighborModel> {
        match self {
            RecModel::Neighbors(nb) => Some(nb),
            RecModel::Blend(b) => Some(b.neighbors()),
            _ => None,
        }
    }
}

/// A loaded recommendation model. Holds catalogue data only: no user ids, no user factors.
#[derive(Debug, Clone)]
pub struct Recommender {
    pub(crate) items: ItemIndex,
    pub(crate) catalog: Option<Catalog>,
    pub(crate) popularity: Vec<f32>,
    pub(crate) model: RecModel,
    pub(crate) meta: Metadata,
    /// Basket co-occurrence rows ("frequently bought together"), if trained.
    pub(crate) together: Option<NeighborModel>,
    /// Item embeddings for session queries, if trained.
    pub(crate) item2vec: Option<ItemEmbeddings>,
    /// Time-decayed popularity up to the training cut-off, if trained.
    pub(crate) trending: Option<Vec<f32>>,
    /// Catalogue title search (`similar_by_text`).
    pub(crate) text_index: Option<TextIndex>,
    /// Typed catalogue attributes that rules read.
    pub(crate) attributes: Option<Attributes>,
    /// How many of the last items are new (cold): in the catalogue, never interacted with,
    /// placed in the model by their look-alikes (`train::cold`).
    pub(crate) cold: usize,
    /// Items no longer sold (absent from the last `catalog update`): never recommended, still
    /// read in histories. Sorted.
    pub(crate) retired: Vec<u32>,
    /// How `--model auto` chose the model. Native only: the browser never reads it, and the
    /// wasm carries no code for it (not even its drop glue).
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    pub(crate) search: Option<crate::bundle::SearchLog>,
}

impl Recommender {
    /// Assembles a recommender and checks that every part agrees on the catalogue size.
    pub fn from_parts(
        items: ItemIndex,
        catalog: Option<Catalog>,
        popularity: Vec<f32>,
        model: RecModel,
        meta: Metadata,
    ) -> Result<Self> {
        let n = items.len();
        if popularity.len() != n {
            return Err(Error::Corrupt(format!("{} popularity values for {n} items", popularity.len())));
        }
        if popularity.iter().any(|p| !p.is_finite()) {
            return Err(Error::Corrupt("popularity value is not finite".into()));
        }
        if let Some(c) = &catalog {
            if c.titles.len() != n || c.prices.len() != n {
                return Err(Error::Corrupt(format!(
                    "catalogue has {} titles and {} prices for {n} items",
                    c.titles.len(),
                    c.prices.len()
                )));
            }
        }
        if let Some(f) = model.factors().filter(|f| f.n_items() != n) {
            return Err(Error::Corrupt(format!("{} factor rows for {n} items", f.n_items())));
        }
        if let Some(nb) = model.neighbors() {
            nb.validate(n)?;
        }
        Ok(Self {
            items,
            catalog,
            popularity,
            model,
            meta,
            together: None,
            trending: None,
            item2vec: None,
            text_index: None,
            attributes: None,
            cold: 0,
            retired: Vec::new(),
            #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
            search: None,
        })
    }

    /// Adds basket co-occurrence rows (aligned with this catalogue).
    pub fn with_bought_together(mut self, together: NeighborModel) -> Result<Self> {
        together.validate(self.items.len())?;
        self.together = Some(together);
        Ok(self)
    }

    /// Stores the latent factors as `q` (f16 or int8; see [`Quantization`]) and records it in
    /// the metadata. Models without factors are unchanged, with a note saying so.
    pub fn quantize(mut self, q: Quantization) -> Result<Self> {
        match self.model {
            RecModel::Factors(f) => {
                self.model = RecModel::Factors(f.quantize(q)?);
                self.meta.params.insert("quantize".into(), q.name().into());
            }
            RecModel::Blend(b) => {
                let (f, nb, w) = b.into_parts();
                self.model = RecModel::Blend(BlendModel::new(f.quantize(q)?, nb, w)?);
                self.meta.params.insert("quantize".into(), q.name().into());
            }
            _ if q != Quantization::None => {
                self.meta.notes.push(format!(
                    "quantize {} not applied: the {} model has no latent factors",
                    q.name(),
                    self.model.family()
                ));
            }
            _ => {}
        }
        Ok(self)
    }

    /// Adds catalogue attributes (one value per item each) for rules to read.
    pub fn with_attributes(mut self, attrs: Attributes) -> Result<Self> {
        check_attributes(&attrs, self.items.len())?;
        self.attributes = Some(attrs);
        Ok(self)
    }

    /// Marks the last `n` items as new (cold): what `explore` draws from.
    pub(crate) fn with_cold_count(mut self, n: usize) -> Result<Self> {
        if n > self.items.len() {
            return Err(Error::Corrupt(format!("{n} new items in a catalogue of {}", self.items.len())));
        }
        self.cold = n;
        Ok(self)
    }

    /// Marks items as no longer sold: they are never returned (histories still use them).
    pub fn with_retired(mut self, retired: Vec<u32>) -> Result<Self> {
        self.retired = checked_retired(retired, self.items.len())?;
        Ok(self)
    }

    /// Applies a catalogue update (`shelfwise catalog update --delta-out`, made for this model's
    /// items): new items join, placed by the look-alikes the update names
    /// ([`Recommender::with_new_items`]); titles and prices, attributes, retired items and the
    /// title index change; the trained rows and scores do not. Everything is checked before
    /// anything changes, so on an error the model is as it was (an update that adds items makes
    /// the wider ids and model rows beside the old ones, so those are briefly held twice).
    pub fn update_catalog(&mut self, bytes: &[u8]) -> Result<()> {
        let u = crate::bundle::recs::read_catalog_update(&self.items, bytes)?;
        let grown = if u.new_items.is_empty() {
            None
        } else if (self.attributes.is_some() && u.attributes.is_none())
            || (self.text_index.is_some() && u.text_index.is_none())
        {
            return Err(Error::Corrupt(
                "a catalogue update that adds items must carry the attributes and title index of every item".into(),
            ));
        } else {
            Some(self.grown(&u.new_items)?)
        };
        let n = self.items.len() + u.new_items.len();
        if let Some(ix) = &u.text_index {
            check_text_index(ix, n)?;
        }
        if let Some(a) = &u.attributes {
            check_attributes(a, n)?;
        }
        let retired = checked_retired(u.retired, n)?;
        // Nothing fails from here on.
        if let Some(g) = grown {
            self.install(g);
        }
        self.retired = retired;
        if let Some(c) = u.catalog {
            self.catalog = Some(c);
        }
        if let Some(a) = u.attributes {
            self.attributes = Some(a);
        }
        if let Some(ix) = u.text_index {
            self.text_index = Some(ix);
        }
        Ok(())
    }

    /// Items no longer sold (never returned), sorted.
    pub fn retired(&self) -> &[u32] {
        &self.retired
    }

    /// How many of the last items are new (never interacted with).
    pub fn cold_count(&self) -> usize {
        self.cold
    }

    /// The catalogue's attributes, if the bundle has them.
    pub fn attributes(&self) -> Option<&Attributes> {
        self.attributes.as_ref()
    }

    /// Parses and type-checks a rule against this catalogue's attributes, for reuse (requests
    /// compile their rule text the same way; errors name the column and the attribute).
    pub fn compile_rule(&self, text: &str, kind: RuleKind) -> Result<Rule> {
        Rule::compile(text, kind, self.attributes_or_none())
    }

    /// The attributes, or none (a bundle trained without `--catalog`: every rule naming one
    /// is refused).
    fn attributes_or_none(&self) -> &Attributes {
        self.attributes.as_ref().unwrap_or(const { &Attributes::EMPTY })
    }

    /// Adds trending scores (one per item, finite).
    pub fn with_trending(mut self, trending: Vec<f32>) -> Result<Self> {
        if trending.len() != self.items.len() {
            return Err(Error::shape("trending scores (one per item)", self.items.len(), trending.len()));
        }
        if let Some(i) = trending.iter().position(|t| !t.is_finite()) {
            return Err(Error::param("trending", format!("item {i}"), "every trending score must be finite"));
        }
        self.trending = Some(trending);
        Ok(self)
    }

    /// Adds item embeddings (one row per item).
    pub fn with_item2vec(mut self, e: ItemEmbeddings) -> Result<Self> {
        if e.n_items() != self.items.len() {
            return Err(Error::Corrupt(format!("{} embedding rows for {} items", e.n_items(), self.items.len())));
        }
        self.item2vec = Some(e);
        Ok(self)
    }

    /// Item embeddings, if the bundle has them.
    pub fn item2vec(&self) -> Option<&ItemEmbeddings> {
        self.item2vec.as_ref()
    }

    /// Adds a title search index (postings over this recommender's items).
    pub fn with_text_index(mut self, ix: TextIndex) -> Result<Self> {
        check_text_index(&ix, self.items.len())?;
        self.text_index = Some(ix);
        Ok(self)
    }

    /// Records how a search chose this model (written to the bundle's `search` section).
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    pub(crate) fn with_search(mut self, log: crate::bundle::SearchLog) -> Self {
        self.search = Some(log);
        self
    }

    /// How `--model auto` chose this model, if it did (read natively; the browser skips it).
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    pub fn search(&self) -> Option<&crate::bundle::SearchLog> {
        self.search.as_ref()
    }

    /// The title search index, if the bundle has one.
    pub fn text_index(&self) -> Option<&TextIndex> {
        self.text_index.as_ref()
    }

    /// Basket co-occurrence rows, if the bundle has them.
    pub fn bought_together_model(&self) -> Option<&NeighborModel> {
        self.together.as_ref()
    }

    /// Loads and validates a bundle.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        crate::bundle::recs::read(bytes)
    }

    /// Serialises to bundle bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::bundle::recs::write(self)
    }

    /// The item ids, in model order.
    pub fn items(&self) -> &ItemIndex {
        &self.items
    }

    /// The scoring model.
    pub fn model(&self) -> &RecModel {
        &self.model
    }

    /// Metadata stored with the model.
    pub fn metadata(&self) -> &Metadata {
        &self.meta
    }

    /// Mutable metadata (training records validation results here).
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.meta
    }

    /// Popularity per item (share of training users).
    pub fn popularity(&self) -> &[f32] {
        &self.popularity
    }

    /// Titles and prices, if the bundle has them.
    pub fn catalog(&self) -> Option<&Catalog> {
        self.catalog.as_ref()
    }

    /// A summary for display.
    pub fn info(&self) -> ModelInfo {
        ModelInfo {
            model: self.meta.model.clone(),
            items: self.items.len(),
            factors: self.model.factors().map(FactorModel::k),
            factor_storage: self.model.factors().map(|f| f.quantization().storage_name()),
            neighbors: self.model.neighbors().map(NeighborModel::entries),
            has_catalog: self.catalog.is_some(),
            has_bought_together: self.together.is_some(),
            has_trending: self.trending.is_some(),
            has_item2vec: self.item2vec.is_some(),
            has_text_index: self.text_index.is_some(),
            cold_items: self.cold,
            metadata: self.meta.clone(),
        }
    }

    /// One catalogue entry.
    pub fn entry(&self, index: u32) -> CatalogEntry {
        let i = index as usize;
        CatalogEntry {
            item: self.items.id(index).to_string(),
            title: self.catalog.as_ref().map(|c| c.titles[i].clone()).filter(|t| !t.is_empty()),
            price: self.catalog.as_ref().map(|c| c.prices[i]).filter(|p| p.is_finite()),
            popularity: self.popularity[i],
            attributes: crate::recs::catalog::AttrMap(
                self.attributes
                    .iter()
                    .flat_map(|a| a.all())
                    .filter_map(|a| Some((a.name().to_string(), a.value(i)?)))
                    .collect(),
            ),
        }
    }
}

/// Fails unless `attrs` has one value per item of `n`. Out of line: `with_attributes` and
/// `update_catalog` share one copy in the wasm.
#[inline(never)]
fn check_attributes(attrs: &Attributes, n: usize) -> Result<()> {
    if attrs.n_items() != n {
        return Err(Error::shape("attribute values (one per item)", n, attrs.n_items()));
    }
    Ok(())
}

/// `retired` checked against a catalogue of `n` items, sorted and deduplicated (one copy for
/// `with_retired` and `update_catalog`).
#[inline(never)]
fn checked_retired(mut retired: Vec<u32>, n: usize) -> Result<Vec<u32>> {
    if let Some(bad) = retired.iter().find(|i| **i as usize >= n) {
        return Err(Error::Corrupt(format!("retired item {bad} outside the {n} items")));
    }
    kernels::order::sort_by_key(&mut retired, |i| *i as u64);
    retired.dedup();
    Ok(retired)
}

/// Fails unless every item the index names is in a catalogue of `n` items (one copy, as above).
#[inline(never)]
fn check_text_index(ix: &TextIndex, n: usize) -> Result<()> {
    if let Some(bad) = ix.items.iter().find(|i| **i as usize >= n) {
        return Err(Error::Corrupt(format!("text index: item {bad} out of range for {n} items")));
    }
    Ok(())
}
