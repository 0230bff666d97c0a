//! Content-based search over the catalogue's titles: TF-IDF rows of every item stored as
//! postings (term → items), so a query touches only the items that share a term with it. Scores
//! are cosine similarities (rows and queries are unit length). The fallback for items nobody has
//! bought yet, and the engine behind a storefront search box.

use crate::error::{Error, Result};
use crate::text::tfidf::SparseRow;
use crate::text::{Tfidf, Tokenizer};

/// Most vocabulary words one unknown query word may stand for.
pub(crate) const MAX_PREFIX_EXPANSION: usize = 32;

/// Term → (item, weight) postings over the catalogue, with the vocabulary that made them.
#[derive(Debug, Clone, PartialEq)]
pub struct TextIndex {
    /// Vocabulary and idf of the catalogue's titles.
    pub tfidf: Tfidf,
    /// `postings[indptr[t]..indptr[t + 1]]` belong to term `t` (length terms + 1).
    pub indptr: Vec<u32>,
    /// Item index of each posting.
    pub items: Vec<u32>,
    /// Weight of each posting (the item row's TF-IDF value).
    pub weights: Vec<f32>,
}

impl TextIndex {
    /// Indexes one text per item (`texts[i]` belongs to item `i`; empty texts are unsearchable).
    pub fn build<S: AsRef<str>>(tokenizer: Tokenizer, texts: &[S], min_df: u32) -> Result<Self> {
        let tfidf = Tfidf::fit(tokenizer, texts, min_df)?;
        let mut counts = vec![0u32; tfidf.len() + 1];
        let rows: Vec<SparseRow> = texts.iter().map(|t| tfidf.transform(t.as_ref())).collect();
        rows.iter().flatten().for_each(|(t, _)| counts[*t as usize + 1] += 1);
        for t in 1..counts.len() {
            counts[t] += counts[t - 1];
        }
        let indptr = counts.clone();
        let total = *indptr.last().unwrap_or(&0) as usize;
        let (mut items, mut weights) = (vec![0u32; total], vec![0f32; total]);
        for (i, row) in rows.iter().enumerate() {
            for &(t, v) in row {
                let at = counts[t as usize] as usize;
                items[at] = i as u32;
                weights[at] = v;
                counts[t as usize] += 1;
            }
        }
        Self::new(tfidf, indptr, items, weights, texts.len())
    }

    /// Assembles and validates an index over `n_items` items (as read from a bundle).
    pub fn new(tfidf: Tfidf, indptr: Vec<u32>, items: Vec<u32>, weights: Vec<f32>, n_items: usize) -> Result<Self> {
        if indptr.len() != tfidf.len() + 1 || indptr.first() != Some(&0) || indptr.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::Corrupt(format!(
                "text index: {} row starts for {} terms, or not ascending from 0",
                indptr.len(),
                tfidf.len()
            )));
        }
        let total = *indptr.last().unwrap_or(&0) as usize;
        if items.len() != total || weights.len() != total {
            return Err(Error::Corrupt(format!(
                "text index: {} items and {} weights for {total} postings",
                items.len(),
                weights.len()
            )));
        }
        if let Some(bad) = items.iter().find(|i| **i as usize >= n_items) {
            return Err(Error::Corrupt(format!("text index: item {bad} out of range for {n_items} items")));
        }
        if weights.iter().any(|w| !w.is_finite()) {
            return Err(Error::Corrupt("text index: a weight is not finite".into()));
        }
        Ok(Self { tfidf, indptr, items, weights })
    }

    /// The unit-length TF-IDF row of a search query. A query word the vocabulary lacks stands
    /// for the vocabulary words it begins (up to [`MAX_PREFIX_EXPANSION`], weighted by their
    /// idf), so a half-typed "lant" finds "lantern".
    pub(crate) fn query_row(&self, text: &str) -> SparseRow {
        let t = &self.tfidf;
        let mut row: Vec<(u32, f32)> = Vec::new();
        for w in crate::text::tokenize::words(text) {
            if t.column(&w).is_some() {
                continue;
            }
            let mut added = 0;
            for column in t.first_column_from(&w)..t.len() as u32 {
                let term = t.term(column);
                if !term.starts_with(w.as_str()) || added == MAX_PREFIX_EXPANSION {
                    break;
                }
                if !term.contains(' ') {
                    row.push((column, t.idf()[column as usize]));
                    added += 1;
                }
            }
        }
        if row.is_empty() {
            return t.transform(text);
        }
        // Exact terms keep their TF-IDF weights; expansions join them before normalising.
        let exact = t.transform_unnormalised(text);
        row.extend(exact);
        crate::kernels::order::sort_by_key(&mut row, |e| e.0 as u64);
        row.dedup_by(|b, a| {
            if a.0 == b.0 {
                a.1 = a.1.max(b.1);
                true
            } else {
                false
            }
        });
        let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        row.iter_mut().for_each(|e| e.1 /= norm);
        row
    }

    /// Cosine similarity of every item to the TF-IDF `row` (items sharing no term score 0).
    pub fn scores(&self, row: &[(u32, f32)], n_items: usize) -> Vec<f32> {
        let mut s = vec![0f32; n_items];
        for &(t, q) in row {
            let (a, b) = (self.indptr[t as usize] as usize, self.indptr[t as usize + 1] as usize);
            for (i, w) in self.items[a..b].iter().zip(&self.weights[a..b]) {
                s[*i as usize] += q * w;
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_give_cosine_scores() {
        let titles = ["red metal lantern", "white metal lantern", "red heart mug", ""];
        let ix = TextIndex::build(Tokenizer { word_ngrams: 1, char_ngrams: (0, 0) }, &titles, 1).unwrap();
        let q = ix.tfidf.transform("red lantern");
        let s = ix.scores(&q, 4);
        assert!(s[0] > s[1] && s[1] > 0.0 && s[2] > 0.0 && s[3] == 0.0, "{s:?}");
        // An item's own row scores 1 against itself.
        let own = ix.scores(&ix.tfidf.transform(titles[0]), 4);
        assert!((own[0] - 1.0).abs() < 1e-6);
        assert!(TextIndex::new(ix.tfidf.clone(), vec![0; 3], vec![], vec![], 4).is_err());
        // Half-typed words find the words they begin; exact words are unchanged.
        let s = ix.scores(&ix.query_row("whi lant"), 4);
        assert!(s[1] > s[0] && s[0] > 0.0 && s[2] == 0.0, "{s:?}");
        assert_eq!(ix.query_row("red lantern"), ix.tfidf.transform("red lantern"));
        assert!(ix.query_row("zebra").is_empty());
    }
}
