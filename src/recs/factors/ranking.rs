//! Ranking by factors: the best items for a vector, the items most like one item, and exact
//! scores, with int8 screening certified exact (`recs::screen`).

use super::{FactorModel, Values};
use crate::kernels;
use crate::recs::screen::{self, Codes, Cosine, Int8Rows};

impl FactorModel {
    /// The best `k` items for user vector `x` among those `keep` allows, best first, with exact
    /// scores ([`FactorModel::score`]): bit for bit the answer of scoring every row exactly.
    ///
    /// Candidates are ranked by integer scores (an int8 model's codes, or an f32 model's screen)
    /// and the answer is certified exact (see `recs::screen`); when it cannot be, every row is
    /// scored exactly, a block at a time, so that no catalogue-sized buffer is written.
    pub fn top_k(&self, x: &[f32], k: usize, mut keep: impl FnMut(u32) -> bool) -> Vec<kernels::Hit> {
        self.rank(x, None, k, &mut keep)
    }

    /// The `k` items most similar to item `i` by cosine of factors ([`FactorModel::cosine`]),
    /// best first, `i` itself left out; exact in the same way as [`FactorModel::top_k`].
    pub fn similar(&self, i: u32, k: usize) -> Vec<kernels::Hit> {
        self.similar_where(i, k, |_| true)
    }

    /// [`FactorModel::similar`] among the items `keep` allows (item `i` itself never).
    pub(crate) fn similar_where(&self, i: u32, k: usize, mut keep: impl FnMut(u32) -> bool) -> Vec<kernels::Hit> {
        let q = self.row(i).into_owned();
        let cosine = Cosine { norms: &self.norms, query_norm: self.norms[i as usize] };
        self.rank(&q, Some(&cosine), k, &mut |j| j != i && keep(j))
    }

    /// [`FactorModel::top_k`] and [`FactorModel::similar`]: one copy in the wasm for both (the
    /// filter is a trait object).
    fn rank(
        &self,
        x: &[f32],
        cosine: Option<&Cosine<'_>>,
        k: usize,
        keep: &mut dyn FnMut(u32) -> bool,
    ) -> Vec<kernels::Hit> {
        let codes = match &self.values {
            Values::Int8 { codes, scales } => Some(Codes { codes, scales, rounded_rows: false }),
            Values::F32(v) => {
                let screen = self.screen.0.get_or_init(|| Int8Rows::screen_of(v, self.k));
                screen.as_ref().map(|s| Codes { codes: &s.codes, scales: &s.scales, rounded_rows: true })
            }
        };
        let exact = |j: u32| {
            let s = self.score(x, j);
            cosine.map_or(s, |c| c.apply(j as usize, s))
        };
        if let Some(codes) = codes {
            if let Some(hits) = screen::top_k(codes, x, cosine, k, keep, &exact) {
                return hits;
            }
        }
        self.exact_rank(x, cosine, k, keep)
    }

    /// [`FactorModel::rank`] by scoring every row exactly (int8 rows dequantised a block at a time).
    fn exact_rank(
        &self,
        x: &[f32],
        cosine: Option<&Cosine<'_>>,
        k: usize,
        keep: &mut dyn FnMut(u32) -> bool,
    ) -> Vec<kernels::Hit> {
        let mut sel = kernels::TopK::new(k);
        self.score_blocks(x, cosine, &mut |start, out| sel.offer(start as u32, out, &mut *keep));
        sel.into_sorted()
    }

    /// Scores every row exactly, a block at a time: `each(first index, scores)`.
    fn score_blocks(&self, x: &[f32], cosine: Option<&Cosine<'_>>, each: &mut dyn FnMut(usize, &[f32])) {
        let mut buf = [0f32; screen::ROWS];
        let (n, kd) = (self.n_items(), self.k);
        let mut rows = Vec::new();
        for start in (0..n).step_by(screen::ROWS) {
            let end = (start + screen::ROWS).min(n);
            let out = &mut buf[..end - start];
            let block: &[f32] = match &self.values {
                Values::F32(v) => &v[start * kd..end * kd],
                Values::Int8 { codes, scales } => {
                    rows.clear();
                    for (c, s) in codes[start * kd..end * kd].chunks_exact(kd).zip(&scales[start..end]) {
                        rows.extend(c.iter().map(|q| *q as f32 * s));
                    }
                    &rows
                }
            };
            kernels::score_rows(block, x, out);
            if let Some(c) = cosine {
                c.apply_block(start, out);
            }
            each(start, out);
        }
    }

    /// Every item's exact score for user vector `x` into `out` (one per item), as
    /// [`FactorModel::score`] gives it.
    pub fn scores_into(&self, x: &[f32], out: &mut [f32]) {
        self.score_blocks(x, None, &mut |start, s| out[start..start + s.len()].copy_from_slice(s));
    }

    /// Exact cosine similarity of items `i` and `j` (from the dequantised rows).
    pub fn cosine(&self, i: u32, j: u32) -> f32 {
        Cosine { norms: &self.norms, query_norm: self.norms[i as usize] }.apply(j as usize, self.score(&self.row(i), j))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recs::factors::{FoldIn, Quantization, Scaling};

    #[test]
    fn top_k_equals_scoring_every_row_exactly() {
        let (k, n) = (16, 1_003);
        let y: Vec<f32> = (0..n * k).map(|i| ((i as f32) * 0.618).sin()).collect();
        let g: Vec<f64> = (0..k * k).map(|i| if i % (k + 1) == 0 { 1.0 } else { 0.0 }).collect();
        let f32_model = FactorModel::new(k, y, g, FoldIn::new(0.1, 1.0, Scaling::Linear)).unwrap();
        let x: Vec<f32> = (0..k).map(|i| ((i as f32) * 0.37).cos()).collect();
        for m in [f32_model.clone(), f32_model.clone().quantize(Quantization::Int8).unwrap()] {
            let all: Vec<f32> = (0..n as u32).map(|i| m.score(&x, i)).collect();
            let keep = |i: u32| i % 5 != 2;
            for top in [0, 1, 10, 72, 600, 2_000] {
                let want = kernels::top_k(&all, top, keep);
                assert_eq!(m.top_k(&x, top, keep), want, "{:?}, k = {top}", m.quantization());
                assert_eq!(m.exact_rank(&x, None, top, &mut { keep }), want, "{:?}, k = {top}", m.quantization());
            }
            for i in [0u32, 500, 1_002] {
                let cos: Vec<f32> = (0..n as u32).map(|j| m.cosine(i, j)).collect();
                assert_eq!(
                    m.similar(i, 10),
                    kernels::top_k(&cos, 10, |j| j != i),
                    "{:?}, similar to {i}",
                    m.quantization()
                );
            }
        }
        assert!(f32_model.screen.0.get().is_none(), "built by the first ranking, on a clone");
        f32_model.top_k(&x, 3, |_| true);
        assert!(f32_model.screen.0.get().is_some_and(|s| s.is_some()));
    }
}
