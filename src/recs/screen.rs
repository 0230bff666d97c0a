//! Certified screening: rank by integer scores, then prove the answer equals exact scoring.
//!
//! The integer score of row `i`, `A_i = (q_i · xq) · s_i · sx` (int8 codes `q_i` with row scale
//! `s_i`, the query rounded to i16 with scale `sx`), sits within `s_i · E` of the row's exact
//! f32 score, where `E` ([`slack`]) depends on the query only. Rows are selected by the upper
//! bound `U_i = A_i + s_i · E`; the best `4k + 32` are rescored exactly. When the worst bound kept
//! is below the k-th exact score, no row left out can reach the top k, so the answer is the one
//! exact scoring of every row gives, bit for bit. When it is not (heavy near-ties), the caller
//! scores every row exactly instead.
//!
//! f32 models code their factors this way on their first ranking (a quarter more memory) and
//! then answer at the speed of int8 scoring; int8 models use their own codes, and rank exactly as
//! their dequantised rows would.

use crate::kernels::{self, quant, Hit, TopK};

/// Rows scored per block: small enough for the scores to stay in L1.
pub(crate) const ROWS: usize = 256;

/// Row-major int8 codes with one scale per row (`value ≈ code · scale`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Int8Rows {
    /// `n × k` codes in `-127..=127`.
    pub codes: Vec<i8>,
    /// One scale per row.
    pub scales: Vec<f32>,
}

impl Int8Rows {
    /// Screening codes for finite row-major f32 `rows` of width `k`: each value within half a
    /// step (`0.5 · scale`, plus f32 rounding) of `code · scale`. `None` when a row is too small or
    /// large to code ([`quant::screen_row`]).
    pub(crate) fn screen_of(rows: &[f32], k: usize) -> Option<Self> {
        let n = rows.len() / k.max(1);
        let mut codes = vec![0i8; n * k];
        let mut scales = Vec::with_capacity(n);
        for (r, c) in rows.chunks_exact(k).zip(codes.chunks_exact_mut(k)) {
            scales.push(quant::screen_row(r, c)?);
        }
        Some(Self { codes, scales })
    }
}

/// `E`: per unit of row scale, how far an integer score can sit from the f32 score
/// [`kernels::dot()`] computes, for query `x` rounded to i16 with scale `sx`
/// ([`quant::quantize_query`]). `rounded_rows` when the codes round the rows (an f32 model's
/// screen) rather than being them (an int8 model). `None` for a non-finite query.
///
/// The terms, each a worst case: rounding the query to i16 moves the score by at most
/// `Σ |q_j| · sx / 2 ≤ 128 · k · sx / 2`; rounding the row by at most `Σ |x_j| / 2`; f32
/// arithmetic (the exact dot product's `k/4 + 2` sequential adds, the conversions and products
/// of the integer score, adding the bound) by at most `(6k + 8) · 2⁻²⁴ · 128 · Σ |x_j|`. The
/// total is padded by 5 %.
pub(crate) fn slack(x: &[f32], sx: f32, rounded_rows: bool) -> Option<f32> {
    let k = x.len() as f64;
    let l1: f64 = x.iter().map(|v| v.abs() as f64).sum();
    let query = 0.5 * 128.0 * k * sx as f64;
    let rows = if rounded_rows { 0.5 * l1 } else { 0.0 };
    let float = (6.0 * k + 8.0) * f64::powi(2.0, -24) * 128.0 * l1;
    let e = (1.05 * (query + rows + float)) as f32;
    (l1.is_finite() && e.is_finite()).then_some(e)
}

/// Int8 codes to screen with, and whether they round the rows (an f32 model's screen) or are
/// them (an int8 model).
#[derive(Clone, Copy)]
pub(crate) struct Codes<'a> {
    /// Row-major `n × k` codes.
    pub codes: &'a [i8],
    /// One scale per row.
    pub scales: &'a [f32],
    /// Whether the codes round the rows (then row rounding counts in the bound).
    pub rounded_rows: bool,
}

/// Turns dot products with a query into cosines: `score / (query_norm · norms[j])`, 0 where
/// that product is 0. The exact and the screened path divide by the same rounded product, and
/// division by a positive number keeps order, so a bound on the score stays a bound.
pub(crate) struct Cosine<'a> {
    /// L2 norm of every row.
    pub norms: &'a [f32],
    /// L2 norm of the query (its item's row norm).
    pub query_norm: f32,
}

impl Cosine<'_> {
    /// The cosine of item `j` whose dot product with the query is `score`.
    #[inline]
    pub fn apply(&self, j: usize, score: f32) -> f32 {
        let d = self.query_norm * self.norms[j];
        if d > 0.0 {
            score / d
        } else {
            0.0
        }
    }

    /// [`Cosine::apply`] over a block of scores for items `first..`.
    pub(crate) fn apply_block(&self, first: usize, scores: &mut [f32]) {
        for (j, s) in scores.iter_mut().enumerate() {
            *s = self.apply(first + j, *s);
        }
    }
}

/// The best `k` rows for query `x` (by cosine when `cosine` is set) among those `keep` allows,
/// with `exact` scores, certified equal to ranking every row by `exact` (see the module docs);
/// `None` when the screen cannot certify its answer, and the caller must score every row.
pub(crate) fn top_k(
    rows: Codes<'_>,
    x: &[f32],
    cosine: Option<&Cosine<'_>>,
    k: usize,
    keep: &mut dyn FnMut(u32) -> bool,
    exact: &dyn Fn(u32) -> f32,
) -> Option<Vec<Hit>> {
    if k == 0 {
        return Some(Vec::new());
    }
    let mut xq = Vec::with_capacity(x.len());
    let sx = quant::quantize_query(x, &mut xq);
    let e = slack(x, sx, rows.rounded_rows)?;
    let (kd, n) = (x.len(), rows.scales.len());
    let mut sel = TopK::new(depth(k));
    let mut buf = [0f32; ROWS];
    for start in (0..n).step_by(ROWS) {
        let end = (start + ROWS).min(n);
        let (out, scales) = (&mut buf[..end - start], &rows.scales[start..end]);
        quant::score_rows_i8(&rows.codes[start * kd..end * kd], scales, &xq, sx, out);
        for (u, s) in out.iter_mut().zip(scales) {
            *u += s * e;
        }
        if let Some(c) = cosine {
            c.apply_block(start, out);
        }
        sel.offer(start as u32, out, &mut *keep);
    }
    // Every row left out has a bound at or below the worst kept one.
    let worst_kept_bound = sel.floor();
    let hits =
        kernels::top_k_sparse(sel.into_sorted().into_iter().map(|h| Hit { index: h.index, score: exact(h.index) }), k);
    match worst_kept_bound {
        None => Some(hits),
        Some(b) => (hits.len() == k && b < hits[k - 1].score).then_some(hits),
    }
}

/// How many rows are rescored exactly for a top-`k` answer.
pub(crate) fn depth(k: usize) -> usize {
    4 * k + 32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row scored exactly with `kernels::dot`, then selected.
    fn exact_answer(rows: &[f32], x: &[f32], k: usize, keep: impl FnMut(u32) -> bool) -> Vec<Hit> {
        let scores: Vec<f32> = rows.chunks_exact(x.len()).map(|r| kernels::dot(r, x)).collect();
        kernels::top_k(&scores, k, keep)
    }

    fn screened(rows: &[f32], x: &[f32], k: usize, keep: impl FnMut(u32) -> bool) -> Option<Vec<Hit>> {
        let s = Int8Rows::screen_of(rows, x.len()).unwrap();
        let mut keep = keep;
        let codes = Codes { codes: &s.codes, scales: &s.scales, rounded_rows: true };
        top_k(codes, x, None, k, &mut keep, &|i| kernels::dot(&rows[i as usize * x.len()..][..x.len()], x))
    }

    #[test]
    fn certifies_ordinary_rankings_and_declines_ties_at_the_cut() {
        let (k, n) = (32, 5_000);
        let mut rng = crate::rng::Rng::new(7);
        let rows: Vec<f32> = (0..n * k).map(|i| rng.normal() as f32 * (1.0 + (i / k % 7) as f32)).collect();
        let x: Vec<f32> = (0..k).map(|_| rng.normal() as f32).collect();
        for top in [1, 10, 100] {
            let keep = |i: u32| i % 3 != 0;
            assert_eq!(screened(&rows, &x, top, keep), Some(exact_answer(&rows, &x, top, keep)), "k = {top}");
        }
        // 200 copies of one row: the bounds of the copies left out reach the k-th exact score.
        let same: Vec<f32> = rows[..k].iter().cycle().take(200 * k).copied().collect();
        assert_eq!(screened(&same, &x, 10, |_| true), None);
        // Fewer allowed rows than the rescoring depth: all are rescored, nothing to certify.
        assert_eq!(screened(&same, &x, 10, |i| i < 20), Some(exact_answer(&same, &x, 10, |i| i < 20)));
    }

    #[test]
    fn rows_that_round_alike_are_told_apart_by_their_exact_scores() {
        // Rows 50 and 51 have the same codes (0.5051 and 0.5099 both round to 51 steps of 0.01),
        // so the integer scores tie and favour row 50; the exact scores put row 51 first.
        let k = 16;
        let x = vec![1.0f32; k];
        let mut rows = Vec::new();
        for i in 0..200 {
            rows.extend((0..k).map(|j| if j == 0 { 1.27 } else { 0.2 + 0.0001 * i as f32 }));
        }
        for (row, v) in [(50, 0.5051f32), (51, 0.5099)] {
            rows[row * k + 1..(row + 1) * k].fill(v);
        }
        let exact = exact_answer(&rows, &x, 2, |_| true);
        assert_eq!(exact.iter().map(|h| h.index).collect::<Vec<_>>(), [51, 50]);
        assert_eq!(screened(&rows, &x, 2, |_| true), Some(exact));
    }

    /// Proptest is a native dev-dependency.
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn a_certified_answer_is_the_exact_answer(
                k in 1usize..24,
                n in 1usize..2_000,
                seed in any::<u64>(),
                top in 1usize..40,
                grid in prop::bool::ANY,
            ) {
                let mut rng = crate::rng::Rng::new(seed);
                // `grid`: values on half-steps of a coarse grid, where rounding errors are largest
                // and ties are common.
                let mut value = || if grid { (rng.below(9) as f32 - 4.0) * 0.25 + 0.125 } else { rng.normal() as f32 };
                let rows: Vec<f32> = (0..n * k).map(|_| value()).collect();
                let x: Vec<f32> = (0..k).map(|_| value()).collect();
                let keep = |i: u32| i % 7 != 3;
                if let Some(got) = screened(&rows, &x, top, keep) {
                    prop_assert_eq!(got, exact_answer(&rows, &x, top, keep));
                }
            }
        }
    }
}
