//! The catalogue's item ids and their lookup table.
//!
//! Ids live in one text buffer with end offsets, and the reverse lookup is an open-addressing
//! table of item indices keyed by an FNV-1a hash of the id: no allocation per item and no second
//! copy of the ids, which keeps loading a 100k-item bundle in the browser fast.

use crate::error::{Error, Result};

/// Item ids in model order, with a reverse lookup. Ids are the shop's own strings. The text
/// vocabulary keeps its terms in one too ([`crate::text::Tfidf`]).
///
/// Two indexes are equal when they hold the same ids in the same order (the table is a function
/// of them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemIndex {
    text: String,
    /// `ends[i]` is where id `i` ends in `text` (it starts where id `i - 1` ends).
    ends: Vec<u32>,
    /// Power-of-two sized; `EMPTY` or an item index. At most half full.
    slots: Vec<u32>,
}

const EMPTY: u32 = u32::MAX;

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Linear probing in a power-of-two table of indices: `Ok(index)` of the entry whose id is `id`,
/// or `Err(slot)`, the empty slot where it would go. The one lookup [`ItemIndex`] and
/// [`FirstSeen`] share.
fn probe(slots: &[u32], id: &str, id_of: impl Fn(u32) -> bool) -> std::result::Result<u32, usize> {
    let mask = slots.len() - 1;
    let mut s = fnv1a(id) as usize & mask;
    loop {
        match slots[s] {
            EMPTY => return Err(s),
            i if id_of(i) => return Ok(i),
            _ => s = (s + 1) & mask,
        }
    }
}

impl ItemIndex {
    /// Builds the index; duplicate or empty ids are an error.
    pub fn new<S: AsRef<str>>(ids: impl IntoIterator<Item = S>) -> Result<Self> {
        let mut b = ItemIndexBuilder::default();
        for id in ids {
            b.push(id.as_ref())?;
        }
        b.finish()
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// Index of `id`, if known.
    pub fn get(&self, id: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        probe(&self.slots, id, |i| self.id(i) == id).ok()
    }
    /// Index of `id`, or [`Error::UnknownItem`].
    pub(crate) fn require(&self, id: &str) -> Result<u32> {
        self.get(id).ok_or_else(|| Error::UnknownItem(id.to_string()))
    }
    /// Id of item `index` (callers pass indices from this index).
    pub fn id(&self, index: u32) -> &str {
        let i = index as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize).unwrap_or("") // ends are char boundaries
    }
    /// All ids in model order.
    pub fn ids(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len() as u32).map(|i| self.id(i))
    }

    /// FNV-1a (64-bit) of the ids in order, each after its length: names a catalogue, so an
    /// update made for one model is not applied to another.
    pub fn fingerprint(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |b: u8| h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        for id in self.ids() {
            (id.len() as u32).to_le_bytes().into_iter().for_each(&mut eat);
            id.bytes().for_each(&mut eat);
        }
        h
    }
}

/// Collects ids one at a time (the bundle reader borrows them straight from the bytes).
#[derive(Debug, Default)]
pub(crate) struct ItemIndexBuilder {
    text: String,
    ends: Vec<u32>,
}

impl ItemIndexBuilder {
    /// A builder with room for `n` ids.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self { text: String::new(), ends: Vec::with_capacity(n) }
    }

    /// Appends the next id; empty ids and a text buffer beyond 4 GiB are errors.
    pub(crate) fn push(&mut self, id: &str) -> Result<()> {
        if id.is_empty() {
            return Err(Error::Corrupt(format!("item {} has an empty id", self.ends.len())));
        }
        if self.ends.len() >= EMPTY as usize || self.text.len() + id.len() > u32::MAX as usize {
            return Err(Error::param("items", self.ends.len(), "at most 2^32-2 items and 4 GiB of ids"));
        }
        self.text.push_str(id);
        self.ends.push(self.text.len() as u32);
        Ok(())
    }

    /// Builds the lookup table; a repeated id is an error.
    pub(crate) fn finish(self) -> Result<ItemIndex> {
        let mut index = ItemIndex { text: self.text, ends: self.ends, slots: Vec::new() };
        let size = (index.len() * 2).next_power_of_two().max(8);
        let mut slots = vec![EMPTY; size];
        for i in 0..index.len() as u32 {
            let id = index.id(i);
            match probe(&slots, id, |j| index.id(j) == id) {
                Ok(_) => return Err(Error::Corrupt(format!("item id '{id}' appears twice"))),
                Err(s) => slots[s] = i,
            }
        }
        index.slots = slots;
        Ok(index)
    }
}

/// Distinct ids in first-seen order: reports each unknown history id once, in time linear in the
/// history (a growing list checked for each id was quadratic).
#[derive(Debug, Default)]
pub(crate) struct FirstSeen<'a> {
    ids: Vec<&'a str>,
    /// Power-of-two sized, at most half full; `EMPTY` or an index into `ids`.
    slots: Vec<u32>,
}

impl<'a> FirstSeen<'a> {
    /// Adds `id` unless it is already there.
    pub(crate) fn insert(&mut self, id: &'a str) {
        if self.ids.len() * 2 >= self.slots.len() {
            self.grow();
        }
        if let Err(s) = probe(&self.slots, id, |i| self.ids[i as usize] == id) {
            self.slots[s] = self.ids.len() as u32;
            self.ids.push(id);
        }
    }

    fn grow(&mut self) {
        self.slots = vec![EMPTY; (self.slots.len() * 2).max(16)];
        for (i, id) in self.ids.iter().enumerate() {
            if let Err(s) = probe(&self.slots, id, |_| false) {
                self.slots[s] = i as u32;
            }
        }
    }

    /// The distinct ids, in the order they were first inserted.
    pub(crate) fn into_ids(self) -> Vec<&'a str> {
        self.ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_every_id_and_rejects_duplicates_and_empties() {
        let ids: Vec<String> = (0..5000).map(|i| format!("sku-{i}")).collect();
        let ix = ItemIndex::new(&ids).unwrap();
        assert_eq!(ix.len(), 5000);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(ix.get(id), Some(i as u32));
            assert_eq!(ix.id(i as u32), id);
        }
        assert_eq!(ix.get("sku-5000"), None);
        assert_eq!(ix.get(""), None);
        assert_eq!(ItemIndex::new(Vec::<String>::new()).unwrap().get("x"), None);
        assert!(ItemIndex::new(["a", "b", "a"]).unwrap_err().to_string().contains("'a' appears twice"));
        assert!(ItemIndex::new(["a", ""]).unwrap_err().to_string().contains("empty id"));
        assert_eq!(ItemIndex::new(["é", "日本"]).unwrap().ids().collect::<Vec<_>>(), ["é", "日本"]);
    }

    #[test]
    fn first_seen_keeps_each_id_once_in_order_through_growth() {
        let ids: Vec<String> = (0..1000).map(|i| format!("x{}", i % 300)).collect();
        let mut seen = FirstSeen::default();
        ids.iter().for_each(|id| seen.insert(id));
        let want: Vec<String> = (0..300).map(|i| format!("x{i}")).collect();
        assert_eq!(seen.into_ids(), want);
    }
}
