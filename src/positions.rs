//! Distinct integer keys numbered in the order they are first seen.
//!
//! The runtime's one small hash table: a history's items, a cart's neighbours, a vocabulary's
//! columns and a request's groups are each a few to a few thousand integer keys whose values the
//! caller keeps in a `Vec` beside it, by position. One type for all of them keeps one copy of the
//! table's code in the wasm, where a `HashMap` per key and value type was one copy each.

/// Marks an empty slot.
const EMPTY: u32 = u32::MAX;

/// Keys in first-seen order and an open-addressing table of their positions (linear probing,
/// Fibonacci hashing, at most half full). Positions are `u32`: the keys are a model's items,
/// terms or groups, or a history's entries, far fewer than 2^32 − 1.
#[derive(Debug, Default, Clone)]
pub(crate) struct Positions {
    keys: Vec<u64>,
    /// A power of two long (or empty); `EMPTY` or a position in `keys`.
    slots: Vec<u32>,
}

impl Positions {
    /// Room for `n` keys before the table grows.
    pub(crate) fn with_capacity(n: usize) -> Self {
        let mut p = Self { keys: Vec::with_capacity(n), slots: Vec::new() };
        p.resize((n * 2).next_power_of_two().max(16));
        p
    }

    /// The position of `key` (its number in first-seen order), and whether it is new: a new key
    /// takes the next position, the number of keys before the call.
    pub(crate) fn insert(&mut self, key: u64) -> (usize, bool) {
        if (self.keys.len() + 1) * 2 > self.slots.len() {
            self.resize((self.slots.len() * 2).max(16));
        }
        match self.probe(key) {
            Ok(p) => (p, false),
            Err(s) => {
                let p = self.keys.len();
                self.slots[s] = p as u32;
                self.keys.push(key);
                (p, true)
            }
        }
    }

    /// The position of `key`, if it was inserted.
    #[cfg(test)]
    pub(crate) fn get(&self, key: u64) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        self.probe(key).ok()
    }

    /// The keys, in first-seen order.
    pub(crate) fn keys(&self) -> &[u64] {
        &self.keys
    }

    /// `Ok(position)` of `key`, or `Err(slot)`: the empty slot where it would go.
    fn probe(&self, key: u64) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        // Fibonacci hashing: the product's high bits, which every key bit reaches.
        let bits = self.slots.len().trailing_zeros();
        let mut s = (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize;
        loop {
            match self.slots[s] {
                EMPTY => return Err(s),
                p if self.keys[p as usize] == key => return Ok(p as usize),
                _ => s = (s + 1) & mask,
            }
        }
    }

    /// A table of `size` slots (a power of two, at least 2) holding the keys so far.
    fn resize(&mut self, size: usize) {
        self.slots = vec![EMPTY; size];
        for p in 0..self.keys.len() {
            if let Err(s) = self.probe(self.keys[p]) {
                self.slots[s] = p as u32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_numbered_in_first_seen_order_through_growth() {
        let mut p = Positions::with_capacity(2);
        let keys: Vec<u64> = (0..5_000u64).map(|i| (i * 7_919) % 1_013 + (i % 3) * (1 << 40)).collect();
        let mut first: Vec<u64> = Vec::new();
        for &k in &keys {
            let (pos, new) = p.insert(k);
            match first.iter().position(|&f| f == k) {
                Some(at) => assert_eq!((pos, new), (at, false)),
                None => {
                    assert_eq!((pos, new), (first.len(), true));
                    first.push(k);
                }
            }
        }
        assert_eq!(p.keys(), first);
        assert_eq!(p.get(first[17]), Some(17));
        assert_eq!(p.get(u64::MAX), None);
        assert_eq!(Positions::default().get(3), None);
        let mut empty = Positions::default();
        assert_eq!(empty.insert(u64::MAX), (0, true));
        assert_eq!(empty.insert(0), (1, true));
        assert_eq!(empty.insert(u64::MAX), (0, false));
    }
}
