//! A log's ids by index, back to back in one string: a million 7-byte user ids take 15 MB here
//! against 56 MB as a `String` each (24 bytes, and a heap block of 32), and copying them (an
//! evaluation split copies a log's ids) is two copies of memory instead of a million allocations.

use std::fmt;
use std::ops::Index;

/// Ids by index (see the module doc). Index with `ids[i]` (a `&str`; panics past the end, as a
/// slice does), or `get`, `iter`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Ids {
    /// Every id, in index order.
    text: String,
    /// Where each id ends in `text`.
    ends: Vec<usize>,
}

impl Ids {
    /// Number of ids.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The id of index `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }

    /// The ids in index order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + '_ {
        (0..self.len()).map(|i| &self[i])
    }

    /// Adds `id` under the next index.
    pub(crate) fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }

    /// Ids from `text`, the ids back to back, and `ends`, where each ends in it; both given back
    /// unless the ends rise to the text's length along character boundaries.
    pub(crate) fn from_parts(text: String, ends: Vec<usize>) -> Result<Self, (String, Vec<usize>)> {
        let mut start = 0;
        for &end in &ends {
            if end < start || !text.is_char_boundary(end) {
                return Err((text, ends));
            }
            start = end;
        }
        if start != text.len() {
            return Err((text, ends));
        }
        Ok(Self { text, ends })
    }
}

impl Index<usize> for Ids {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        match self.get(i) {
            Some(id) => id,
            None => panic!("id index {i} past the last of {} ids", self.len()),
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for Ids {
    fn from_iter<I: IntoIterator<Item = S>>(ids: I) -> Self {
        let mut out = Self::default();
        for id in ids {
            out.push(id.as_ref());
        }
        out
    }
}

impl<'a> IntoIterator for &'a Ids {
    type Item = &'a str;
    type IntoIter = Box<dyn Iterator<Item = &'a str> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl fmt::Debug for Ids {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_back_by_index_in_order() {
        let ids: Ids = ["u1", "", "ü5002é", "85123A"].into_iter().collect();
        assert_eq!((ids.len(), &ids[0], &ids[1], &ids[2], &ids[3]), (4, "u1", "", "ü5002é", "85123A"));
        assert_eq!(ids.get(4), None);
        assert_eq!(ids.iter().rev().collect::<Vec<_>>(), ["85123A", "ü5002é", "", "u1"]);
        assert_eq!(format!("{ids:?}"), r#"["u1", "", "ü5002é", "85123A"]"#);
        assert_eq!((&ids).into_iter().count(), 4);
        assert!(Ids::default().is_empty());
    }

    #[test]
    fn parts_must_end_on_characters_and_rise_to_the_end() {
        let text = "aé".to_string(); // 'é' is bytes 1–2
        assert!(Ids::from_parts(text.clone(), vec![1, 3]).is_ok());
        assert_eq!(Ids::from_parts(text.clone(), vec![2, 3]).unwrap_err(), (text.clone(), vec![2, 3]), "inside 'é'");
        assert!(Ids::from_parts(text.clone(), vec![3, 1]).is_err(), "falling");
        assert!(Ids::from_parts(text.clone(), vec![1]).is_err(), "short of the end");
        assert!(Ids::from_parts(text, vec![1, 4]).is_err(), "past the end");
        assert_eq!(Ids::from_parts(String::new(), vec![0, 0]).map(|ids| ids.len()), Ok(2));
    }
}
