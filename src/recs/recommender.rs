//! The runtime recommender: load a bundle, fold a history in, rank the catalogue.
//!
//! Scoring is two steps: [`Recommender::fold_in`] turns a shopper's history into a
//! [`UserState`]; [`Recommender::recommend_for`] ranks the catalogue for that state.

use std::collections::HashMap;

use serde::Serialize;

use super::select::{Allowed, Pick, Request, Source};
use super::{
    Attributes, BlendModel, Catalog, CatalogEntry, FactorModel, ItemEmbeddings, ItemIndex, NeighborModel, Quantization,
    TextIndex,
};
use crate::bundle::Metadata;
use crate::error::{Error, Result};
use crate::kernels;
use crate::rules::{ParamValue, Rule, RuleKind};

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

/// What [`Recommender::similar_by_text`] searches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextQuery<'a> {
    /// Free text (a search box query, or a new product's title).
    Text(&'a str),
    /// The catalogue title of this item id.
    Item(&'a str),
}

/// What one request asks for: `k`, exclusions, and the shop's rules. Defaults: `k = 10`,
/// history excluded, no lists, no rules.
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendOptions {
    /// How many items to return (1..=1000).
    pub k: usize,
    /// Item ids never to return (unknown ids are ignored).
    pub exclude: Vec<String>,
    /// When set, only these item ids may be returned.
    pub include_only: Option<Vec<String>>,
    /// Whether items in the history may be returned again (default: no).
    pub include_history: bool,
    /// A filter over catalogue attributes (see [`crate::rules`]): only items it holds for.
    pub filter: Option<String>,
    /// A boost over catalogue attributes: each score multiplied by the item's value.
    pub boost: Option<String>,
    /// Values for the rules' `$parameters`.
    pub params: Vec<(String, ParamValue)>,
    /// The time the rules call `now`, in seconds since 1970 (default: this machine's clock).
    pub now: Option<f64>,
    /// At most `.1` items per value of attribute `.0` (a category, a brand).
    pub max_per_group: Option<(String, usize)>,
    /// Fill a share of the slots with the best items a rule allows (see [`Promote`]).
    pub promote: Option<Promote>,
    /// Reserve this share of the slots (rounded, at least one; in (0, 1]) for new items
    /// (catalogue items nobody has interacted with yet), ranked by the same model.
    pub explore: Option<f64>,
    /// Diversity in [0, 1]: 0 (default) ranks by score alone; above it, each next item trades
    /// score against its likeness (factor or item2vec cosine) to the items already chosen
    /// (maximal marginal relevance over the best 5·k candidates).
    pub diversity: f32,
    /// Rotation: items shown this many times since the shopper last interacted with them
    /// (`Profile.impressions()`), whose scores are halved every [`RecommendOptions::rotation_half_life`]
    /// showings, so a shelf does not show the same ignored items forever.
    pub impressions: Vec<(String, f32)>,
    /// Showings that halve an ignored item's score (default 3).
    pub rotation_half_life: f32,
    /// Say why each item was chosen ([`Scored::because`]).
    pub reasons: bool,
}

/// A promotion: `share` of the `k` slots (rounded, at least one) go to the best items — ranked
/// by the same model and boost — for which `filter` holds, placed at evenly spread slots after
/// the first (see `recs::select`); the other slots are filled as usual.
#[derive(Debug, Clone, PartialEq)]
pub struct Promote {
    /// Which items may be promoted (a filter rule).
    pub filter: String,
    /// Share of the slots, in (0, 1].
    pub share: f64,
}

impl Default for RecommendOptions {
    fn default() -> Self {
        Self {
            k: 10,
            exclude: Vec::new(),
            include_only: None,
            include_history: false,
            filter: None,
            boost: None,
            params: Vec::new(),
            now: None,
            max_per_group: None,
            promote: None,
            explore: None,
            diversity: 0.0,
            impressions: Vec::new(),
            rotation_half_life: 3.0,
            reasons: false,
        }
    }
}

/// Largest `k` a single request may ask for.
pub const MAX_K: usize = 1000;

impl RecommendOptions {
    /// Options returning the top `k`.
    pub fn top(k: usize) -> Self {
        Self { k, ..Self::default() }
    }
    fn check(&self) -> Result<()> {
        if self.k == 0 || self.k > MAX_K {
            return Err(Error::param("k", self.k, format!("must be between 1 and {MAX_K}")));
        }
        if let Some(p) = &self.promote {
            if !(p.share > 0.0 && p.share <= 1.0) {
                return Err(Error::param("promote.share", crate::num_text::Num(p.share), "must be in (0, 1]"));
            }
        }
        if !(self.rotation_half_life > 0.0 && self.rotation_half_life.is_finite()) {
            return Err(Error::param(
                "rotation.halfLife",
                crate::num_text::Num32(self.rotation_half_life),
                "must be > 0",
            ));
        }
        if let Some((id, n)) = self.impressions.iter().find(|(_, n)| !(n.is_finite() && *n >= 0.0)) {
            return Err(Error::param(format!("impressions of '{id}'"), crate::num_text::Num32(*n), "must be >= 0"));
        }
        if !(0.0..=1.0).contains(&self.diversity) {
            return Err(Error::param("diversity", crate::num_text::Num32(self.diversity), "must be in [0, 1]"));
        }
        if let Some(e) = self.explore.filter(|e| !(*e > 0.0 && *e <= 1.0)) {
            return Err(Error::param("explore", crate::num_text::Num(e), "must be in (0, 1]"));
        }
        if let Some((attr, 0)) = &self.max_per_group {
            return Err(Error::param("maxPerGroup.n", 0, format!("must be at least 1 (attribute '{attr}')")));
        }
        if self.now.is_some_and(|t| !t.is_finite()) {
            return Err(Error::param("now", "not finite", "must be seconds since 1970"));
        }
        Ok(())
    }
    /// Slots a share of `k` takes (rounded, at least one).
    fn slots(&self, share: f64) -> usize {
        ((share * self.k as f64).round() as usize).clamp(1, self.k)
    }
}

/// A request's rules, compiled against the catalogue (they outlive the bound forms).
struct Compiled {
    filter: Option<Rule>,
    boost: Option<Rule>,
    promote: Option<Rule>,
}

/// One ranked item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// The shop's item id.
    pub item: String,
    /// Model score (higher is better; comparable within one response only), boosted when
    /// there is a boost.
    pub score: f32,
    /// Set when a promotion placed the item.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub promoted: bool,
    /// Set when `explore` placed the item: a new item, not yet interacted with.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub explore: bool,
    /// With `reasons`: the history items that contributed most to this one, strongest first
    /// (for factor models each item's share of the fold-in score; for item-item models its
    /// weighted neighbour score; for `similar` the query item; for a basket the cart items).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub because: Vec<String>,
}

impl Scored {
    /// An item and its score, with no promotion and no reasons.
    pub fn new(item: impl Into<String>, score: f32) -> Self {
        Self { item: item.into(), score, promoted: false, explore: false, because: Vec::new() }
    }
}

/// A shopper folded into the model: step one of scoring.
#[derive(Debug, Clone, PartialEq)]
pub struct UserState {
    /// Known history items with merged weights, in first-seen order.
    pub history: Vec<(u32, f32)>,
    /// Latent vector (factor models only).
    pub vector: Option<Vec<f32>>,
    /// History ids not in the catalogue (skipped, reported).
    pub unknown: Vec<String>,
    /// Oldest history entries left out because the history was longer than [`MAX_HISTORY`].
    pub truncated: usize,
}

/// Longest history folded in: a longer one keeps its [`MAX_HISTORY`] most recent entries (the
/// last ones: histories are oldest first, as `Profile.history()` gives them) and reports how many
/// it left out in `truncated`. Bounds the work a page can be made to do by a hostile or runaway
/// history; a real shopper's 10,000 most recent events say all there is to say.
pub const MAX_HISTORY: usize = 10_000;

/// The answer to [`Recommender::recommend`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendations {
    /// Ranked items, best first.
    pub items: Vec<Scored>,
    /// History ids that were not in the catalogue and were skipped.
    pub unknown: Vec<String>,
    /// Oldest history entries left out because the history was longer than [`MAX_HISTORY`].
    pub truncated: usize,
    /// True when nothing in the history was known and popularity was used instead.
    pub fallback: bool,
    /// What else the caller should know: a filter that no item (or too few) satisfies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A summary of a loaded model, for display.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    /// Model family.
    pub model: String,
    /// Number of items in the catalogue.
    pub items: usize,
    /// Latent factors (factor models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factors: Option<usize>,
    /// How factors are stored: "f32", "f16" or "int8" (factor models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor_storage: Option<&'static str>,
    /// Stored neighbour entries (item-item models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbors: Option<usize>,
    /// Whether titles/prices are included.
    pub has_catalog: bool,
    /// Whether "bought together" data is included.
    pub has_bought_together: bool,
    /// Whether trending scores are included.
    pub has_trending: bool,
    /// Whether item embeddings (`forSession`) are included.
    #[serde(rename = "hasItem2Vec")]
    pub has_item2vec: bool,
    /// Whether a title search index for `similar_by_text` is included.
    pub has_text_index: bool,
    /// New items (in the catalogue, never interacted with) placed by their look-alikes.
    pub cold_items: usize,
    /// Full metadata.
    pub metadata: Metadata,
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

    /// Items that fit a session (ids oldest first): nearest by cosine to the recency-weighted mean
    /// of the session's item embeddings, session items excluded, `opts` filters applied. Unknown
    /// ids are skipped and returned, each once, in the order of their last appearance (the
    /// session is read from its end, in one linear pass); a session longer than
    /// [`MAX_HISTORY`] keeps its most recent entries. An empty session, a session of unknown ids
    /// only, and a bundle without embeddings are errors.
    pub fn for_session<S: AsRef<str>>(
        &self,
        session: &[S],
        opts: &RecommendOptions,
    ) -> Result<(Vec<Scored>, Vec<String>)> {
        opts.check()?;
        let e = self.item2vec.as_ref().ok_or_else(|| Error::MissingSection("item2vec".into()))?;
        // Like a history, a session keeps its MAX_HISTORY most recent entries; a repeat counts
        // at its latest position, found in one pass from the end (linear, however long).
        let recent = &session[session.len().saturating_sub(MAX_HISTORY)..];
        let mut seen = vec![false; self.items.len()];
        let mut known: Vec<u32> = Vec::new();
        let mut unknown = super::items::FirstSeen::default();
        for id in recent.iter().rev() {
            match self.items.get(id.as_ref()) {
                Some(i) if !std::mem::replace(&mut seen[i as usize], true) => known.push(i),
                Some(_) => {}
                None => unknown.insert(id.as_ref()),
            }
        }
        known.reverse();
        let unknown: Vec<String> = unknown.into_ids().into_iter().rev().map(str::to_string).collect();
        if session.is_empty() {
            return Err(Error::param("session", "[]", "needs at least one item id"));
        }
        if known.is_empty() {
            return Err(Error::UnknownItem(unknown.join("', '")));
        }
        let rules = self.compile(opts)?;
        let req = self.request(opts, &rules, &known)?;
        let scores = e.session_scores(&known).unwrap_or_default();
        let picks = if scores.is_empty() {
            Vec::new()
        } else {
            req.select(Source::Dense { scores: scores.into(), positive_only: false }, opts.k)
        };
        Ok((self.named(&picks), unknown))
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

    /// Items whose titles are closest to `query` by TF-IDF cosine: a free-text search (where a
    /// half-typed last word matches the words it begins), or (for
    /// [`TextQuery::Item`]) content-based "similar items" that works for items nobody has bought
    /// yet (the item itself is excluded). Only items sharing a term with the query are returned,
    /// so there may be fewer than `k`. Empty or oversized text, an unknown item, an item without
    /// a title and a bundle without a text index are errors.
    pub fn similar_by_text(&self, query: TextQuery<'_>, opts: &RecommendOptions) -> Result<Vec<Scored>> {
        opts.check()?;
        let ix = self.text_index.as_ref().ok_or_else(|| Error::MissingSection("txindex".into()))?;
        let (text, skip) = match query {
            TextQuery::Text(t) => (t, None),
            TextQuery::Item(id) => {
                let i = self.items.require(id)?;
                let title = self.catalog.as_ref().map(|c| c.titles[i as usize].as_str()).unwrap_or("");
                if title.trim().is_empty() {
                    return Err(Error::param("item", id, "has no title in the catalogue"));
                }
                (title, Some(i))
            }
        };
        crate::text::classifier::check_text(text)?;
        let row = if skip.is_some() { ix.tfidf.transform(text) } else { ix.query_row(text) };
        let scores = ix.scores(&row, self.items.len());
        let rules = self.compile(opts)?;
        let req = self.request(opts, &rules, skip.as_slice())?;
        Ok(self.named(&req.select(Source::Dense { scores: scores.into(), positive_only: true }, opts.k)))
    }

    /// Basket co-occurrence rows, if the bundle has them.
    pub fn bought_together_model(&self) -> Option<&NeighborModel> {
        self.together.as_ref()
    }

    /// Items most often bought with the cart's items (scores summed over the cart), cart excluded,
    /// under the same options as [`Recommender::recommend`] (`k`, `exclude`, `include_only`).
    /// Unknown cart ids are skipped and returned (each once); a cart of unknown ids only is
    /// [`Error::UnknownItem`] (as `similar` is for an unknown item), and a bundle without basket
    /// data is an error. Linear in the cart's length.
    pub fn bought_together<S: AsRef<str>>(
        &self,
        cart: &[S],
        opts: &RecommendOptions,
    ) -> Result<(Vec<Scored>, Vec<String>)> {
        opts.check()?;
        let nb = self.together.as_ref().ok_or_else(|| Error::MissingSection("together".into()))?;
        let mut known = Vec::new();
        let mut seen: HashMap<u32, usize> = HashMap::with_capacity(cart.len());
        let mut unknown = super::items::FirstSeen::default();
        for id in cart {
            match self.items.get(id.as_ref()) {
                Some(i) if !seen.contains_key(&i) => {
                    seen.insert(i, known.len());
                    known.push(i);
                }
                Some(_) => {}
                None => unknown.insert(id.as_ref()),
            }
        }
        let unknown: Vec<String> = unknown.into_ids().into_iter().map(str::to_string).collect();
        if known.is_empty() && !unknown.is_empty() {
            return Err(Error::UnknownItem(unknown.join("', '")));
        }
        // The cart is left out through the same exclusions as `exclude`.
        let rules = self.compile(opts)?;
        let req = self.request(opts, &rules, &known)?;
        let picks = req.select(Source::Sparse(nb.cart_scores(&known)), opts.k);
        let mut out = self.named(&picks);
        if opts.reasons {
            for (o, p) in out.iter_mut().zip(&picks) {
                o.because = self.strongest(known.iter().map(|&j| (j, nb.weight(j, p.hit.index))));
            }
        }
        Ok((out, unknown))
    }

    /// The `k` trending items under `opts` (time-decayed popularity at the training cut-off).
    pub fn trending(&self, opts: &RecommendOptions) -> Result<Vec<Scored>> {
        opts.check()?;
        let t = self.trending.as_ref().ok_or_else(|| Error::MissingSection("trending".into()))?;
        let rules = self.compile(opts)?;
        let req = self.request(opts, &rules, &[])?;
        Ok(self.named(&req.select(Source::Dense { scores: t.as_slice().into(), positive_only: false }, opts.k)))
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
            attributes: super::catalog::AttrMap(
                self.attributes
                    .iter()
                    .flat_map(|a| a.all())
                    .filter_map(|a| Some((a.name().to_string(), a.value(i)?)))
                    .collect(),
            ),
        }
    }

    /// Step one: merges duplicates, skips and reports unknown ids (each once, in first-seen
    /// order), solves the user vector. Linear in the history's length; a history longer than
    /// [`MAX_HISTORY`] keeps its most recent (last) entries and reports the rest as `truncated`.
    ///
    /// Weights must be finite and positive (use 1.0 for a plain view or purchase).
    pub fn fold_in<S: AsRef<str>>(&self, history: &[(S, f32)]) -> Result<UserState> {
        let truncated = history.len().saturating_sub(MAX_HISTORY);
        let history = &history[truncated..];
        let mut merged: Vec<(u32, f32)> = Vec::with_capacity(history.len());
        let mut slot: HashMap<u32, usize> = HashMap::with_capacity(history.len());
        let mut unknown = super::items::FirstSeen::default();
        for (id, w) in history {
            let id = id.as_ref();
            if !(w.is_finite() && *w > 0.0) {
                return Err(Error::InvalidValue {
                    field: format!("weight of '{id}'"),
                    value: crate::num_text::Num32(*w).to_string(),
                    reason: "must be a finite number > 0".into(),
                });
            }
            match self.items.get(id) {
                Some(i) => match slot.get(&i) {
                    Some(&s) => merged[s].1 += w,
                    None => {
                        slot.insert(i, merged.len());
                        merged.push((i, *w));
                    }
                },
                None => unknown.insert(id),
            }
        }
        let vector = match self.model.factors() {
            Some(f) if !merged.is_empty() => Some(f.fold_in(&merged)?),
            _ => None,
        };
        let unknown = unknown.into_ids().into_iter().map(str::to_string).collect();
        Ok(UserState { history: merged, vector, unknown, truncated })
    }

    /// Step two: ranks the catalogue for a folded-in shopper under `opts`.
    pub fn recommend_for(&self, state: &UserState, opts: &RecommendOptions) -> Result<Vec<Scored>> {
        opts.check()?;
        let history: Vec<u32> =
            if opts.include_history { Vec::new() } else { state.history.iter().map(|(i, _)| *i).collect() };
        let rules = self.compile(opts)?;
        let req = self.request(opts, &rules, &history)?;
        let popular = || Source::Dense { scores: self.popularity.as_slice().into(), positive_only: false };
        let mut scales = None;
        let source = match (&self.model, &state.vector) {
            _ if state.history.is_empty() => popular(),
            (RecModel::Factors(f), Some(x)) => Source::Factors { model: f, x: x.clone(), of: None },
            (RecModel::Factors(_) | RecModel::Blend(_), None) => {
                return Err(Error::param("state", "no user vector", "fold the history in with this model"))
            }
            (RecModel::Blend(b), Some(x)) => {
                let (scores, s) = b.scores(x, &state.history);
                scales = Some(s);
                Source::Dense { scores: scores.into(), positive_only: false }
            }
            (RecModel::Neighbors(nb), _) => {
                let mut scores = vec![0f32; self.items.len()];
                nb.scores(&state.history, &mut scores);
                Source::Dense { scores: scores.into(), positive_only: false }
            }
            (RecModel::Popular, _) => popular(),
        };
        let picks = req.select(source, opts.k);
        let mut out = self.named(&picks);
        if opts.reasons && !state.history.is_empty() {
            for (o, p) in out.iter_mut().zip(&picks) {
                o.because = self.because(state, p.hit.index, scales)?;
            }
        }
        Ok(out)
    }

    /// The history items that contributed most to item `i`'s score (at most three, each
    /// contributing more than nothing), strongest first; a blend's parts are scaled as the
    /// request's scores were (`scales`).
    fn because(&self, state: &UserState, i: u32, scales: Option<super::blend::Scales>) -> Result<Vec<String>> {
        let by_history = |c: Vec<f32>| state.history.iter().zip(c).map(|((j, _), c)| (*j, c)).collect();
        let parts: Vec<(u32, f32)> = match (&self.model, scales) {
            (RecModel::Factors(f), _) => by_history(f.contributions(&state.history, i)?),
            (RecModel::Blend(b), Some(s)) => by_history(b.contributions(&state.history, i, s)?),
            (RecModel::Blend(_), None) => Vec::new(),
            (RecModel::Neighbors(nb), _) => state.history.iter().map(|&(j, w)| (j, w * nb.weight(j, i))).collect(),
            (RecModel::Popular, _) => Vec::new(),
        };
        Ok(self.strongest(parts.into_iter()))
    }

    /// The ids of the (at most three) largest positive contributions, largest first.
    fn strongest(&self, parts: impl Iterator<Item = (u32, f32)>) -> Vec<String> {
        let hits = parts.filter(|(_, c)| *c > 0.0).map(|(index, score)| kernels::Hit { index, score });
        kernels::top_k_sparse(hits, 3).into_iter().map(|h| self.items.id(h.index).to_string()).collect()
    }

    /// Compiles the request's rule texts against this catalogue.
    fn compile(&self, opts: &RecommendOptions) -> Result<Compiled> {
        let compile = |t: &Option<String>, kind| t.as_deref().map(|t| self.compile_rule(t, kind)).transpose();
        Ok(Compiled {
            filter: compile(&opts.filter, RuleKind::Filter)?,
            boost: compile(&opts.boost, RuleKind::Boost)?,
            promote: compile(&opts.promote.as_ref().map(|p| p.filter.clone()), RuleKind::Filter)?,
        })
    }

    /// The request's constraints: `include_only` (when set) minus `exclude` minus `also` (the
    /// history, the query item), and its rules bound to its parameters and time. Costs nothing
    /// per catalogue item unless `include_only` is set.
    fn request<'r>(&'r self, opts: &RecommendOptions, rules: &'r Compiled, also: &[u32]) -> Result<Request<'r>> {
        let only = opts.include_only.as_ref().map(|ids| {
            let mut mask = vec![false; self.items.len()];
            for i in ids.iter().filter_map(|id| self.items.get(id)) {
                mask[i as usize] = true;
            }
            mask
        });
        let mut except: Vec<u32> = opts
            .exclude
            .iter()
            .filter_map(|id| self.items.get(id))
            .chain(also.iter().copied())
            .chain(self.retired.iter().copied())
            .collect();
        kernels::order::sort_by_key(&mut except, |i| *i as u64);
        except.dedup();
        let attrs = self.attributes_or_none();
        let now = super::select::now_or_clock(opts);
        let bind = |r: &'r Option<Rule>| r.as_ref().map(|r| r.bind(attrs, &opts.params, now)).transpose();
        let group = match &opts.max_per_group {
            Some((name, n)) => {
                let (_, a) = attrs.find(name).ok_or_else(|| {
                    Error::param(
                        "maxPerGroup.attribute",
                        name,
                        format!("is not an attribute (attributes: {})", attrs.names()),
                    )
                })?;
                if a.ty() == super::AttrType::Set {
                    return Err(Error::param(
                        "maxPerGroup.attribute",
                        name,
                        "is a set: group by a single-valued attribute",
                    ));
                }
                Some((a, *n))
            }
            None => None,
        };
        Ok(Request {
            allowed: Allowed { only, except },
            filter: bind(&rules.filter)?,
            boost: bind(&rules.boost)?,
            promote: bind(&rules.promote)?.map(|b| (b, opts.slots(opts.promote.as_ref().map_or(0.0, |p| p.share)))),
            explore: opts
                .explore
                .filter(|_| self.cold > 0)
                .map(|e| ((self.items.len() - self.cold) as u32, opts.slots(e))),
            group,
            diversity: self.likeness(opts.diversity)?,
            decay: self.decay(opts),
        })
    }

    /// Rotation's multiplier per ignored item: `0.5^(showings / half-life)`, sorted by item.
    fn decay(&self, opts: &RecommendOptions) -> Vec<(u32, f64)> {
        let mut d: Vec<(u32, f64)> = opts
            .impressions
            .iter()
            .filter(|(_, n)| *n > 0.0)
            .filter_map(|(id, n)| {
                // 0.5^(n / h) through `exp`, which the wasm has anyway (`powf` brought 4 KB of tables).
                let halvings = (*n / opts.rotation_half_life) as f64;
                Some((self.items.get(id)?, (-halvings * std::f64::consts::LN_2).exp()))
            })
            .collect();
        kernels::order::sort_by_key(&mut d, |(i, _)| *i as u64);
        d.dedup_by_key(|(i, _)| *i);
        d
    }

    /// What diversity compares items by: factors, else item2vec embeddings; a diversity above 0
    /// with neither is an error.
    fn likeness(&self, diversity: f32) -> Result<Option<(f32, super::select::Likeness<'_>)>> {
        if diversity == 0.0 {
            return Ok(None);
        }
        let like = match (self.model.factors(), &self.item2vec) {
            (Some(f), _) => super::select::Likeness::Factors(f),
            (_, Some(e)) => super::select::Likeness::Embeddings(e),
            _ => {
                return Err(Error::param(
                    "diversity",
                    crate::num_text::Num32(diversity),
                    "needs item factors or item2vec embeddings in the bundle",
                ))
            }
        };
        Ok(Some((1.0 - diversity, like)))
    }

    /// Both steps for a history of `(item id, weight)` pairs.
    pub fn recommend<S: AsRef<str>>(&self, history: &[(S, f32)], opts: &RecommendOptions) -> Result<Recommendations> {
        let state = self.fold_in(history)?;
        let items = self.recommend_for(&state, opts)?;
        let mut notes = Vec::new();
        if items.len() < opts.k {
            if let Some(f) = &opts.filter {
                notes.push(match items.len() {
                    0 => format!("no item satisfies the filter {f:?}"),
                    n => format!("only {n} items satisfy the filter {f:?}"),
                });
            }
        }
        Ok(Recommendations {
            items,
            fallback: state.history.is_empty(),
            unknown: state.unknown,
            truncated: state.truncated,
            notes,
        })
    }

    /// Items most similar to `item` (cosine of factors, or the item-item row; a blend uses its
    /// item-item half), under the same options as [`Recommender::recommend`]; the item itself is
    /// never returned. Unknown ids are errors. With `reasons`, each item's `because` is the
    /// query item.
    pub fn similar(&self, item: &str, opts: &RecommendOptions) -> Result<Vec<Scored>> {
        opts.check()?;
        let i = self.items.require(item)?;
        let rules = self.compile(opts)?;
        let req = self.request(opts, &rules, &[i])?;
        let source = match &self.model {
            RecModel::Factors(f) => Source::Factors { model: f, x: Vec::new(), of: Some(i) },
            RecModel::Neighbors(nb) => Source::Sparse(nb.row(i).collect()),
            RecModel::Blend(b) => Source::Sparse(b.neighbors().row(i).collect()),
            RecModel::Popular => Source::Dense { scores: self.popularity.as_slice().into(), positive_only: false },
        };
        let mut out = self.named(&req.select(source, opts.k));
        if opts.reasons {
            out.iter_mut().for_each(|o| o.because = vec![item.to_string()]);
        }
        Ok(out)
    }

    /// The `k` most popular items, honouring `exclude` / `include_only`.
    pub fn popular(&self, opts: &RecommendOptions) -> Result<Vec<Scored>> {
        let empty = UserState { history: Vec::new(), vector: None, unknown: Vec::new(), truncated: 0 };
        self.recommend_for(&empty, opts)
    }

    fn named(&self, picks: &[Pick]) -> Vec<Scored> {
        picks
            .iter()
            .map(|p| Scored {
                promoted: p.promoted,
                explore: p.explore,
                ..Scored::new(self.items.id(p.hit.index), p.hit.score)
            })
            .collect()
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
