//! [`Named`]: a few values by name, kept in name order.
//!
//! The metadata's parameters, metrics and counts hold a handful of entries each. A sorted `Vec`
//! gives them `BTreeMap`'s order and lookups without the B-tree's code in the wasm (about 10 KB
//! raw for three value types: insertion, cloning and dropping of nodes).

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Values by name, iterated in name order; inserting an existing name replaces its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Named<V>(Vec<(String, V)>);

impl<V> Default for Named<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<V> Named<V> {
    /// No entries.
    pub fn new() -> Self {
        Self::default()
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(name))
    }

    /// Sets `name` to `value`, returning the value it replaces.
    pub fn insert(&mut self, name: String, value: V) -> Option<V> {
        match self.position(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (name, value));
                None
            }
        }
    }

    /// Appends an entry whose name must sort after every name present (for reading a bundle,
    /// whose writer stored the names in order); gives the entry back otherwise.
    pub(crate) fn push_last(&mut self, name: String, value: V) -> Result<(), (String, V)> {
        match self.0.last() {
            Some((last, _)) if *last >= name => Err((name, value)),
            _ => {
                self.0.push((name, value));
                Ok(())
            }
        }
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&V> {
        self.position(name).ok().map(|i| &self.0[i].1)
    }

    /// Whether `name` has a value.
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// Removes `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<V> {
        self.position(name).ok().map(|i| self.0.remove(i).1)
    }

    /// The entries in name order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&String, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The names in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a, V> IntoIterator for &'a Named<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (String, V)>, fn(&'a (String, V)) -> (&'a String, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Into<String>, V> FromIterator<(K, V)> for Named<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut named = Self::new();
        named.extend(iter);
        named
    }
}

impl<K: Into<String>, V> Extend<(K, V)> for Named<V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k.into(), v);
        }
    }
}

impl<K: Into<String>, V, const N: usize> From<[(K, V); N]> for Named<V> {
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

/// A map from name to value, as `BTreeMap` serialises.
impl<V: Serialize> Serialize for Named<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Every operation agrees with `BTreeMap`'s on a sequence of inserts and removals with
    /// repeated names.
    #[test]
    fn behaves_as_a_btree_map() {
        let names = ["k", "a", "z", "a", "m", "b", "k", "", "zz", "m"];
        let mut named = Named::new();
        let mut map = BTreeMap::new();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(named.insert(n.to_string(), i), map.insert(n.to_string(), i));
            if i % 4 == 3 {
                assert_eq!(named.remove(names[i / 2]), map.remove(names[i / 2]));
            }
            assert!(named.iter().eq(map.iter()));
            assert_eq!(named.len(), map.len());
        }
        for n in ["a", "b", "c", "", "zz", "zzz"] {
            assert_eq!(named.get(n), map.get(n));
            assert_eq!(named.contains_key(n), map.contains_key(n));
        }
        assert!(named.keys().eq(map.keys()));
    }

    /// Serialised as the map it replaces.
    #[cfg(feature = "train")]
    #[test]
    fn serialises_as_a_btree_map() {
        let named = Named::from([("b", 2.5), ("a", 1.0)]);
        let map = BTreeMap::from([("b".to_string(), 2.5), ("a".to_string(), 1.0)]);
        assert_eq!(serde_json::to_string(&named).ok(), serde_json::to_string(&map).ok());
        assert_eq!(serde_json::to_string(&named).ok().as_deref(), Some(r#"{"a":1.0,"b":2.5}"#));
    }

    #[test]
    fn push_last_takes_only_names_in_order() {
        let mut named = Named::new();
        assert!(named.push_last("b".into(), 1).is_ok());
        assert_eq!(named.push_last("b".into(), 2), Err(("b".to_string(), 2)));
        assert_eq!(named.push_last("a".into(), 3), Err(("a".to_string(), 3)));
        assert!(named.push_last("c".into(), 4).is_ok());
        assert_eq!(named, Named::from([("b", 1), ("c", 4)]));
    }
}
