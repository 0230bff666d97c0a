//! Sparse item-item model (EASE, pruned): `score_j = Σ_{i ∈ history} w_i · B[i][j]`.

use crate::error::{Error, Result};
use crate::kernels::Hit;

/// Row-compressed item-item weights: row `i` lists the items `i` points to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NeighborModel {
    /// Row starts, `n_items + 1` entries.
    indptr: Vec<u32>,
    /// Column (neighbour) indices.
    indices: Vec<u32>,
    /// Weights `B[i][j]`.
    weights: Vec<f32>,
}

impl NeighborModel {
    /// Packs per-item rows of hits (row `i` = the items item `i` points to) into CSR form.
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    pub(crate) fn from_rows(rows: Vec<Vec<Hit>>) -> Self {
        let mut nb = NeighborModel { indptr: Vec::with_capacity(rows.len() + 1), ..Default::default() };
        nb.indptr.push(0);
        for row in rows {
            for h in row {
                nb.indices.push(h.index);
                nb.weights.push(h.score);
            }
            nb.indptr.push(nb.indices.len() as u32);
        }
        nb
    }

    /// A model from its compressed rows (as a bundle stores them); checked against the
    /// catalogue by [`NeighborModel::validate`] when it joins a recommender.
    pub(crate) fn from_csr(indptr: Vec<u32>, indices: Vec<u32>, weights: Vec<f32>) -> Self {
        Self { indptr, indices, weights }
    }

    /// The compressed rows: row starts, neighbour indices, weights.
    pub fn csr(&self) -> (&[u32], &[u32], &[f32]) {
        (&self.indptr, &self.indices, &self.weights)
    }

    /// Rounds every weight to `scale · h` with `h` a half-precision number and `scale` the
    /// power of two at or above the largest |weight|, so the bundle can store the model in 4
    /// bytes per entry (u16 index, f16 weight) instead of 8 and read back exactly these values.
    /// Catalogues over 65,536 items keep f32 (their indices need 32 bits). Rankings move only
    /// where two sums differ by less than one part in 2,048.
    pub(crate) fn round_to_half(mut self) -> Self {
        if self.indptr.len() > 65_537 {
            return self;
        }
        let scale = self.half_scale();
        for w in &mut self.weights {
            *w = half::f16::from_f32(*w / scale).to_f32() * scale;
        }
        self
    }

    /// The scale under which every weight is an exact half-precision number, if one is (and
    /// every index fits 16 bits): the condition for 4-byte storage.
    pub(crate) fn half_storage(&self) -> Option<f32> {
        let scale = self.half_scale();
        let fits = self.indptr.len() <= 65_537
            && self.weights.iter().all(|w| half::f16::from_f32(*w / scale).to_f32() * scale == *w);
        fits.then_some(scale)
    }

    /// The power of two at or above the largest |weight| (1 for an empty or all-zero model): the
    /// scale of 4-byte storage.
    pub(crate) fn half_scale(&self) -> f32 {
        let max = self.weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        if !(max.is_finite() && max > 0.0) {
            return 1.0;
        }
        2f32.powi(max.log2().ceil() as i32)
    }

    /// Stored (item, neighbour) entries.
    pub fn entries(&self) -> usize {
        self.indices.len()
    }

    /// Checks shape invariants against a catalogue of `n_items`.
    pub(crate) fn validate(&self, n_items: usize) -> Result<()> {
        if self.indptr.len() != n_items + 1 {
            return Err(Error::Corrupt(format!(
                "neighbour index has {} row starts for {n_items} items",
                self.indptr.len()
            )));
        }
        if self.indices.len() != self.weights.len() {
            return Err(Error::Corrupt("neighbour indices and weights differ in length".into()));
        }
        if self.indptr[0] != 0 || *self.indptr.last().unwrap_or(&0) as usize != self.indices.len() {
            return Err(Error::Corrupt("neighbour row starts do not span the entries".into()));
        }
        if self.indptr.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::Corrupt("neighbour row starts decrease".into()));
        }
        if let Some(bad) = self.indices.iter().find(|j| **j as usize >= n_items) {
            return Err(Error::Corrupt(format!("neighbour index {bad} is outside the {n_items} items")));
        }
        if self.weights.iter().any(|w| !w.is_finite()) {
            return Err(Error::Corrupt("neighbour weight is not finite".into()));
        }
        Ok(())
    }

    /// Neighbours of item `i` as hits.
    pub fn row(&self, i: u32) -> impl Iterator<Item = Hit> + '_ {
        let (s, e) = (self.indptr[i as usize] as usize, self.indptr[i as usize + 1] as usize);
        self.indices[s..e].iter().zip(&self.weights[s..e]).map(|(j, w)| Hit { index: *j, score: *w })
    }

    /// This model over `n + cold.len()` items (`n` = its current item count): cold item `c`
    /// (index `n + c`) is reached from every item `j` with weight `Σ_w a_cw · B[j][w]`, where
    /// `cold[c]` lists warm items `w` and weights `a_cw` summing to 1 (its look-alikes), kept
    /// where non-zero. Cold items point nowhere themselves (they have no interactions).
    pub(crate) fn with_cold_items(&self, cold: &[Vec<(u32, f32)>]) -> Self {
        let n = self.indptr.len() - 1;
        // For each warm item w, the cold items that look like it.
        let mut like: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
        for (c, ws) in cold.iter().enumerate() {
            for &(w, a) in ws {
                like[w as usize].push((c as u32, a));
            }
        }
        // Row j's weights to cold items, summed densely in the order the rows list them, then
        // kept in cold-item order where non-zero.
        let (mut acc, mut seen, mut touched) = (vec![0f32; cold.len()], vec![false; cold.len()], Vec::new());
        let mut wider = NeighborModel { indptr: vec![0], ..Default::default() };
        for j in 0..n as u32 {
            for h in self.row(j) {
                wider.indices.push(h.index);
                wider.weights.push(h.score);
                for &(c, a) in &like[h.index as usize] {
                    if !std::mem::replace(&mut seen[c as usize], true) {
                        touched.push(c);
                    }
                    acc[c as usize] += a * h.score;
                }
            }
            crate::kernels::order::sort_by_key(&mut touched, |c| *c as u64);
            for c in touched.drain(..) {
                seen[c as usize] = false;
                let w = std::mem::take(&mut acc[c as usize]);
                if w != 0.0 {
                    wider.indices.push(n as u32 + c);
                    wider.weights.push(w);
                }
            }
            wider.indptr.push(wider.indices.len() as u32);
        }
        wider.add_empty_rows(cold.len());
        wider
    }

    /// Appends `m` rows that point nowhere (items with no neighbours of their own).
    pub(crate) fn add_empty_rows(&mut self, m: usize) {
        let end = *self.indptr.last().unwrap_or(&0);
        self.indptr.resize(self.indptr.len() + m, end);
    }

    /// The weight from item `i` to item `j` (0 when `j` is not among `i`'s neighbours).
    pub fn weight(&self, i: u32, j: u32) -> f32 {
        self.row(i).find(|h| h.index == j).map_or(0.0, |h| h.score)
    }

    /// The `k` best items for a cart: each cart item's row summed, cart items left out.
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    pub(crate) fn cart_top_k(&self, cart: &[u32], k: usize) -> Vec<Hit> {
        let mut sorted = cart.to_vec();
        sorted.sort_unstable();
        self.cart_top_k_where(cart, k, |j| sorted.binary_search(&j).is_err())
    }

    /// The `k` best items that `keep` allows for a cart, each cart item's row summed (the cart's
    /// own items are candidates unless `keep` refuses them).
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    pub(crate) fn cart_top_k_where(&self, cart: &[u32], k: usize, keep: impl Fn(u32) -> bool) -> Vec<Hit> {
        crate::kernels::top_k_sparse(self.cart_scores(cart).into_iter().filter(|h| keep(h.index)), k)
    }

    /// Each item the cart's rows reach, with the rows' weights summed (in cart order), in the
    /// order first reached: work in the rows' length, not the catalogue's.
    pub(crate) fn cart_scores(&self, cart: &[u32]) -> Vec<Hit> {
        let mut reached = crate::positions::Positions::default();
        let mut hits: Vec<Hit> = Vec::new();
        for &i in cart {
            for h in self.row(i) {
                let (p, new) = reached.insert(h.index.into());
                if new {
                    hits.push(Hit { index: h.index, score: 0.0 });
                }
                hits[p].score += h.score;
            }
        }
        hits
    }

    /// Accumulates scores for a weighted history into `out` (zeroed by the caller).
    pub fn scores(&self, history: &[(u32, f32)], out: &mut [f32]) {
        for &(i, w) in history {
            for h in self.row(i) {
                out[h.index as usize] += w * h.score;
            }
        }
    }
}
