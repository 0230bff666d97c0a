//! The catalogue's item ids and their lookup table.

use std::collections::HashMap;

use crate::error::{Error, Result};

/// Item ids in model order, with a reverse lookup. Ids are the shop's own strings.
#[derive(Debug, Clone, Default)]
pub struct ItemIndex {
    ids: Vec<String>,
    lookup: HashMap<String, u32>,
}

impl ItemIndex {
    /// Builds the index; duplicate or empty ids are an error.
    pub fn new(ids: Vec<String>) -> Result<Self> {
        if ids.len() > u32::MAX as usize {
            return Err(Error::param("items", ids.len(), "at most 2^32-1 items"));
        }
        let mut lookup = HashMap::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            if id.is_empty() {
                return Err(Error::Corrupt(format!("item {i} has an empty id")));
            }
            if lookup.insert(id.clone(), i as u32).is_some() {
                return Err(Error::Corrupt(format!("item id '{id}' appears twice")));
            }
        }
        Ok(Self { ids, lookup })
    }
    /// Number of items.
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    /// Index of `id`, if known.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.lookup.get(id).copied()
    }
    /// Index of `id`, or [`Error::UnknownItem`].
    pub fn require(&self, id: &str) -> Result<u32> {
        self.get(id).ok_or_else(|| Error::UnknownItem(id.to_string()))
    }
    /// Id of item `index` (callers pass indices from this index).
    pub fn id(&self, index: u32) -> &str {
        &self.ids[index as usize]
    }
    /// All ids in model order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }
}
