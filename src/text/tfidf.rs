//! TF-IDF weighting: sublinear term frequency `1 + ln(tf)`, smoothed idf
//! `ln((1 + n) / (1 + df)) + 1`, rows scaled to unit L2 norm (scikit-learn's
//! `TfidfVectorizer(sublinear_tf=True)` definitions).

use crate::hash::{map, map_with_capacity, Map};

use super::tokenize::Tokenizer;
use crate::error::{Error, Result};

/// A fitted vocabulary: term → column, and each column's idf.
#[derive(Debug, Clone, PartialEq)]
pub struct Tfidf {
    /// How text becomes terms.
    pub tokenizer: Tokenizer,
    /// Terms in column order.
    pub terms: Vec<String>,
    /// Inverse document frequency per column.
    pub idf: Vec<f32>,
    index: Map<String, u32>,
}

/// A sparse row: `(column, value)` sorted by column.
pub(crate) type SparseRow = Vec<(u32, f32)>;

impl Tfidf {
    /// Builds from stored terms and idf values (as read from a bundle).
    pub fn new(tokenizer: Tokenizer, terms: Vec<String>, idf: Vec<f32>) -> Result<Self> {
        if terms.len() != idf.len() {
            return Err(Error::Corrupt(format!("{} terms but {} idf values", terms.len(), idf.len())));
        }
        if let Some(bad) = idf.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(Error::Corrupt(format!(
                "idf {} of term {bad} is not a finite number > 0",
                crate::num_text::Num32(idf[bad])
            )));
        }
        let mut index = map_with_capacity(terms.len());
        for (i, t) in terms.iter().enumerate() {
            if index.insert(t.clone(), i as u32).is_some() {
                return Err(Error::Corrupt(format!("term '{t}' appears twice")));
            }
        }
        Ok(Self { tokenizer, terms, idf, index })
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
        Self::new(tokenizer, kept.into_iter().map(|(t, _)| t).collect(), idf)
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
        self.index.get(term).copied()
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
        let mut counts: Map<u32, u32> = map();
        for t in self.tokenizer.terms(text) {
            if let Some(&c) = self.index.get(&t) {
                *counts.entry(c).or_insert(0) += 1;
            }
        }
        let mut row: SparseRow =
            counts.into_iter().map(|(c, tf)| (c, (1.0 + (tf as f32).ln()) * self.idf[c as usize])).collect();
        crate::kernels::order::sort_by_key(&mut row, |e| e.0 as u64);
        row
    }
}
