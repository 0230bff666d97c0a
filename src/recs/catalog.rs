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
    /// The item's catalogue attributes (`--catalog`), missing values left out.
    #[serde(skip_serializing_if = "AttrMap::is_empty")]
    pub attributes: AttrMap,
}

/// An item's attributes by name, in catalogue column order; serialised as a map (an object in
/// JavaScript). A list, not a `BTreeMap`: no second sort in the wasm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttrMap(pub Vec<(String, super::AttrValue)>);

impl AttrMap {
    /// True when the item has no attribute values.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The value of attribute `name`.
    pub fn get(&self, name: &str) -> Option<&super::AttrValue> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

impl Serialize for AttrMap {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}
