//! Optional display attributes for items (title, price): catalogue data, never user data.

use serde::Serialize;

/// Per-item display attributes, aligned with the item index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Titles ("" when unknown).
    pub titles: Vec<String>,
    /// Prices (`NaN` when unknown).
    pub prices: Vec<f32>,
}

/// One catalogue entry as returned to callers.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CatalogEntry {
    /// The shop's item id.
    pub item: String,
    /// Title, if the bundle has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Price, if the bundle has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<f32>,
    /// Popularity in training (share of users who interacted with it).
    pub popularity: f32,
}
