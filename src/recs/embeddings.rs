//! Item embeddings (item2vec): unit-length item vectors learned from sessions or baskets, and
//! the session query "what fits these items": a recency-weighted average of their vectors.

use crate::error::{Error, Result};
use crate::kernels::{self, Hit};

/// Weight of the item one step older than another in a session query (most recent = 1).
pub(crate) const SESSION_DECAY: f32 = 0.8;

/// Unit-length item vectors, row-major `n_items x dim` (zero rows for items never trained).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemEmbeddings {
    /// Vector length.
    pub dim: usize,
    /// Row-major vectors.
    pub vectors: Vec<f32>,
}

impl ItemEmbeddings {
    /// Checks shape and finiteness (rows are stored unit length or zero).
    pub fn new(dim: usize, vectors: Vec<f32>) -> Result<Self> {
        if dim == 0 || vectors.len() % dim != 0 {
            return Err(Error::Corrupt(format!("{} embedding values do not form rows of dim = {dim}", vectors.len())));
        }
        if let Some(bad) = vectors.iter().position(|v| !v.is_finite()) {
            return Err(Error::Corrupt(format!(
                "embedding value {} at position {bad} is not finite",
                crate::num_text::Num32(vectors[bad])
            )));
        }
        Ok(Self { dim, vectors })
    }

    /// Like [`ItemEmbeddings::new`], normalising every non-zero row to unit length first.
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    pub(crate) fn normalized(dim: usize, mut vectors: Vec<f32>) -> Result<Self> {
        if dim > 0 {
            for row in vectors.chunks_exact_mut(dim) {
                let n = kernels::dot(row, row).sqrt();
                if n > 0.0 && n.is_finite() {
                    row.iter_mut().for_each(|v| *v /= n);
                }
            }
        }
        Self::new(dim, vectors)
    }

    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.vectors.len() / self.dim
    }

    /// Cosine of items `i` and `j` (rows are unit length, or zero for untrained items).
    pub fn cosine(&self, i: u32, j: u32) -> f32 {
        kernels::dot(self.row(i), self.row(j))
    }

    fn row(&self, i: u32) -> &[f32] {
        &self.vectors[i as usize * self.dim..(i as usize + 1) * self.dim]
    }

    /// The `k` items closest (cosine) to the recency-weighted mean of `session` (oldest first),
    /// session items excluded; `keep` filters further. Empty when no session item has a vector.
    pub fn for_session(&self, session: &[u32], k: usize, keep: impl Fn(u32) -> bool) -> Vec<Hit> {
        match self.session_scores(session) {
            Some(scores) => kernels::top_k(&scores, k, |i| !session.contains(&i) && keep(i)),
            None => Vec::new(),
        }
    }

    /// Every item's cosine to the recency-weighted mean of `session` (oldest first); `None`
    /// when the session's vectors sum to zero.
    pub(crate) fn session_scores(&self, session: &[u32]) -> Option<Vec<f32>> {
        let mut q = vec![0f32; self.dim];
        let mut w = 1f32;
        for &i in session.iter().rev() {
            for (a, v) in q.iter_mut().zip(self.row(i)) {
                *a += w * v;
            }
            w *= SESSION_DECAY;
        }
        let norm = kernels::dot(&q, &q).sqrt();
        if norm == 0.0 {
            return None;
        }
        q.iter_mut().for_each(|v| *v /= norm);
        let mut scores = vec![0f32; self.n_items()];
        kernels::score_rows(&self.vectors, &q, &mut scores);
        Some(scores)
    }
}
