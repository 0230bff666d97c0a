//! What a request gets back: ranked items, the shopper folded in, a summary of the model.

use serde::Serialize;

use crate::bundle::Metadata;

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

/// The answer to [`super::Recommender::recommend`].
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
