//! TF-IDF weighting: sublinear term frequency `1 + ln(tf)`, smoothed idf
//! `ln((1 + n) / (1 + df)) + 1`, rows scaled to unit L2 norm (scikit-learn's
//! `TfidfVectorizer(sublinear_tf=True)` definitions).

use crate::hash::{map, Map};
use crate::positions::Positions;

use super::tokenize::Tokenizer;
use crate::error::{Error, Result};
use crate::recs::items::{ItemIndex, ItemIndexBuilder};

/// A fitted vocabulary: term → column, and each column's idf.
///
/// The terms are kept as the catalogue keeps item ids ([`ItemIndex`]: one text buffer and an
/// open-addressing table of columns), so a vocabulary of n-grams costs no allocation per term.
#[derive(Debug, Clone, PartialEq)]
pub struct Tfidf {
    tokenizer: Tokenizer,
    /// Terms in column order, which is sorted order, with their lookup.
    terms: ItemIndex,
    /// Inverse document frequency per column.
    idf: Vec<f32>,
}

/// A stored term `t` at column `i`, after `previous`: refused when empty, repeated or out of order.
fn check_term_order(i: usize, t: &str, previous: Option<&str>) -> Result<()> {
    let problem = match previous {
        _ if t.is_empty() => "is empty",
        Some(p) if p == t => "appears twice",
        Some(p) if p > t => "is out of order (terms are stored sorted)",
        _ => return Ok(()),
    };
    Err(Error::Corrupt(format!("term {i} ({}) {problem}", crate::error::Quoted(t))))
}

/// A sparse row: `(column, value)` sorted by column.
pub(crate) type SparseRow = Vec<(u32, f32)>;

impl Tfidf {
    /// Builds from stored terms and idf values (as read from a bundle). The terms must be in
    /// strictly increasing order, as [`Tfidf::fit`] makes them: a term that is empty, repeated or
    /// out of order is an error naming it.
    pub fn new<S: AsRef<str>>(tokenizer: Tokenizer, terms: &[S], idf: Vec<f32>) -> Result<Self> {
        if terms.len() != idf.len() {
            return Err(Error::Corrupt(format!("{} terms but {} idf values", terms.len(), idf.len())));
        }
        if let Some(bad) = idf.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(Error::Corrupt(format!(
                "idf {} of term {bad} is not a finite number > 0",
                crate::num_text::Num32(idf[bad])
            )));
        }
        let mut index = ItemIndexBuilder::with_capacity(terms.len());
        let mut previous = None;
        for (i, t) in terms.iter().map(AsRef::as_ref).enumerate() {
            check_term_order(i, t, previous)?;
            index.push(t)?;
            previous = Some(t);
        }
        Ok(Self { tokenizer, terms: index.finish()?, idf })
    }

    /// Learns the vocabulary of `docs`: terms in at least `min_df` documents, columns in
    /// sorted term order (deterministic).
    pub fn fit<S: AsRef<str>>(tokenizer: Tokenizer, docs: &[S], min_df: u32) -> Result<Self> {
        let mut df: Map<String, u32> = map();
        for d in docs {
            let mut terms = tokenizer.terms(d.as_ref());
            terms.sort_unstable();
            terms.dedup();
            for t in terms {
                *df.entry(t).or_insert(0) += 1;
            }
        }
        let n = docs.len() as f64;
        let mut kept: Vec<(String, u32)> = df.into_iter().filter(|(_, c)| *c >= min_df.max(1)).collect();
        if kept.is_empty() {
            return Err(Error::Empty("no term occurs in enough documents".into()));
        }
        kept.sort_unstable();
        let idf = kept.iter().map(|(_, c)| (((1.0 + n) / (1.0 + *c as f64)).ln() + 1.0) as f32).collect();
        let terms: Vec<String> = kept.into_iter().map(|(t, _)| t).collect();
        Self::new(tokenizer, &terms, idf)
    }

    /// How text becomes terms.
    pub fn tokenizer(&self) -> Tokenizer {
        self.tokenizer
    }

    /// The terms in column order (sorted).
    pub fn terms(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.terms.ids()
    }

    /// The term of `column` (callers pass columns below [`Tfidf::len`]).
    pub fn term(&self, column: u32) -> &str {
        self.terms.id(column)
    }

    /// Inverse document frequency per column.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True for an empty vocabulary.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The column of `term`, if it is in the vocabulary.
    pub fn column(&self, term: &str) -> Option<u32> {
        self.terms.get(term)
    }

    /// The first column whose term is not less than `text`: where the terms that begin with
    /// `text` start, since columns are in sorted term order.
    pub(crate) fn first_column_from(&self, text: &str) -> u32 {
        let (mut lo, mut hi) = (0, self.len() as u32);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.term(mid) < text {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The unit-length TF-IDF row of `text` (empty when no term is known).
    pub fn transform(&self, text: &str) -> SparseRow {
        let mut row = self.transform_unnormalised(text);
        let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|e| e.1 /= norm);
        }
        row
    }

    /// Sublinear tf × idf of `text`'s known terms, sorted by column, before normalising.
    pub(crate) fn transform_unnormalised(&self, text: &str) -> SparseRow {
        let (mut columns, mut tf) = (Positions::default(), Vec::<u32>::new());
        for t in self.tokenizer.terms(text) {
            if let Some(c) = self.terms.get(&t) {
                match columns.insert(c.into()) {
                    (_, true) => tf.push(1),
                    (p, false) => tf[p] += 1,
                }
            }
        }
        let mut row: SparseRow = (columns.keys().iter().zip(tf))
            .map(|(&c, tf)| (c as u32, (1.0 + (tf as f32).ln()) * self.idf[c as usize]))
            .collect();
        crate::kernels::order::sort_by_key(&mut row, |e| e.0 as u64);
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(terms: &[&str]) -> Result<Tfidf> {
        Tfidf::new(Tokenizer::default(), terms, vec![1.0; terms.len()])
    }

    #[test]
    fn stored_terms_must_be_sorted_distinct_and_non_empty() {
        let t = stored(&["doll", "red", "red train"]).unwrap();
        assert_eq!((t.column("red"), t.column("red train"), t.column("train")), (Some(1), Some(2), None));
        let message = |terms: &[&str]| stored(terms).unwrap_err().to_string();
        assert!(message(&["doll", "red", "red"]).contains("term 2 (\"red\") appears twice"));
        assert!(message(&["red", "doll"]).contains("term 1 (\"doll\") is out of order"));
        assert!(message(&["", "doll"]).contains("term 0 (\"\") is empty"));
        assert!(message(&["doll", ""]).contains("term 1 (\"\") is empty"));
    }

    #[test]
    fn the_first_column_from_a_prefix_is_where_its_terms_start() {
        let t = stored(&["doll", "lamp", "lantern", "lantern red", "train"]).unwrap();
        let from = |p: &str| t.first_column_from(p);
        assert_eq!(
            [from(""), from("a"), from("lan"), from("lantern"), from("lanterns"), from("z")],
            [0, 0, 2, 2, 4, 5]
        );
        assert_eq!(stored(&[] as &[&str]).unwrap().first_column_from("a"), 0);
    }
}
