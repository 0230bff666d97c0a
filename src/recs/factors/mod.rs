//! Latent-factor model (implicit ALS) and its exact fold-in.
//!
//! For a shopper with history `h` (item `i`, weight `w_i`), confidence `c_i = 1 + alpha * s(w_i)`,
//! fold-in solves the same normal equations as an ALS user update:
//! `(YᵀY + Σ_i (c_i − 1) y_i y_iᵀ + λI) x = Σ_i c_i y_i`, with `λ` multiplied by the history's
//! length for models trained by Spark MLlib, whose ALS weights it so (ALS-WR), and
//! `c_i = alpha * s(w_i)` for models trained by the Python implicit library, whose confidence has
//! no `1 +`.
//!
//! This file holds the model and its parts: how it is built, quantised and read. Beside it:
//! `params.rs` (how weights become confidence, and how factors are stored), `fold_in.rs` (a
//! shopper's vector and each history item's share of a score) and `ranking.rs` (the best items
//! for a vector, similar items, exact scores).

mod fold_in;
mod params;
mod ranking;

use std::sync::OnceLock;

use super::screen::Int8Rows;
use crate::error::{Error, Result};
use crate::kernels;
use crate::num_text::Num32;
use fold_in::BaseFactor;

pub use super::bm25::Bm25;
pub use params::{FoldIn, Quantization, Scaling};

/// A factor model's values as held in memory, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FactorValues<'a> {
    /// Row-major `n x k` floats.
    F32(&'a [f32]),
    /// Row-major `n x k` codes with one scale per row.
    Int8 {
        /// The codes.
        codes: &'a [i8],
        /// Each row's scale.
        scales: &'a [f32],
    },
}

/// The item factor matrix as held in memory.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    /// Row-major `n_items x k` (also used for f16 bundles, whose values are exactly f16).
    F32(Vec<f32>),
    /// Row-major `n_items x k` int8 codes and one scale per row.
    Int8 { codes: Vec<i8>, scales: Vec<f32> },
}

/// Item factors plus everything fold-in needs. No user factors, ever.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorModel {
    /// Number of latent factors.
    k: usize,
    values: Values,
    stored: Quantization,
    /// Row-major `k x k` Gramian `YᵀY`, in f64.
    gramian: Vec<f64>,
    fold: FoldIn,
    /// L2 norm of each item row, for cosine similarity (derived at load).
    norms: Vec<f32>,
    /// Factorisation of `YᵀY + λI` (derived at load).
    base: BaseFactor,
    /// f32 models: int8 codes of the factors, which rank candidates for [`FactorModel::top_k`].
    screen: LazyScreen,
    /// The training log's BM25 weighting, present exactly when the scaling is [`Scaling::Bm25`].
    bm25: Option<Bm25>,
}

/// An f32 model's screening codes, built by its first ranking rather than at load (about 5 ms
/// per 100k × 64 items in V8), so that loading stays a copy and a checksum. Holds `None` when
/// the rows are too small or large to code.
#[derive(Debug, Clone, Default)]
struct LazyScreen(OnceLock<Option<Int8Rows>>);

impl PartialEq for LazyScreen {
    /// Always equal: the codes are a function of the factors, which models compare.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl FactorModel {
    /// Builds an f32 model and checks shapes and finiteness.
    pub fn new(k: usize, item_factors: Vec<f32>, gramian: Vec<f64>, fold: FoldIn) -> Result<Self> {
        if k == 0 || item_factors.len() % k != 0 {
            return Err(Error::Corrupt(format!("{} factor values do not form rows of k = {k}", item_factors.len())));
        }
        let m = Self::build(k, Values::F32(item_factors), Quantization::None, gramian, fold)?;
        // A NaN or infinite value makes its row's norm non-finite: scan values only then.
        if m.norms.iter().any(|n| !n.is_finite()) {
            if let Values::F32(v) = &m.values {
                if let Some(bad) = v.iter().position(|v| !v.is_finite()) {
                    return Err(Error::Corrupt(format!(
                        "item factor value {} at position {bad} is not finite",
                        Num32(v[bad])
                    )));
                }
            }
        }
        Ok(m)
    }

    /// Builds an int8 model from codes and per-row scales (as read from a bundle). Scales are
    /// rounded to half precision, as bundles store them.
    pub(crate) fn from_int8(
        k: usize,
        codes: Vec<i8>,
        scales: Vec<f32>,
        gramian: Vec<f64>,
        fold: FoldIn,
    ) -> Result<Self> {
        if k == 0 || k > kernels::quant::MAX_INT8_FACTORS || codes.len() != scales.len() * k {
            return Err(Error::Corrupt(format!(
                "{} int8 codes and {} row scales do not form rows of k = {k}",
                codes.len(),
                scales.len()
            )));
        }
        if let Some(bad) = scales.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::Corrupt(format!(
                "int8 row scale {} of item {bad} is not a finite number >= 0",
                Num32(scales[bad])
            )));
        }
        let scales: Vec<f32> = scales.into_iter().map(|s| half::f16::from_f32(s).to_f32()).collect();
        if let Some(bad) = scales.iter().position(|v| v.is_infinite()) {
            return Err(Error::Corrupt(format!("int8 row scale of item {bad} exceeds half precision")));
        }
        Self::build(k, Values::Int8 { codes, scales }, Quantization::Int8, gramian, fold)
    }

    /// Builds a model from f16 values (as read from a bundle).
    pub(crate) fn from_f16(k: usize, bits: &[u16], gramian: Vec<f64>, fold: FoldIn) -> Result<Self> {
        let mut m = Self::new(k, kernels::quant::widen_f16(bits), gramian, fold)?;
        m.stored = Quantization::F16;
        Ok(m)
    }

    fn build(k: usize, values: Values, stored: Quantization, mut gramian: Vec<f64>, fold: FoldIn) -> Result<Self> {
        if gramian.len() != k * k {
            return Err(Error::Corrupt(format!("Gramian has {} values, expected {}", gramian.len(), k * k)));
        }
        // Bundles store the upper triangle; mirror it here too, so that a model folds shoppers
        // in exactly as its reloaded bundle will. Int8 and f16 bundles store it in f32.
        let compact = stored != Quantization::None;
        for r in 0..k {
            for c in r..k {
                let v = if compact { gramian[r * k + c] as f32 as f64 } else { gramian[r * k + c] };
                gramian[r * k + c] = v;
                gramian[c * k + r] = v;
            }
        }
        let finite_non_negative = |v: f32| v.is_finite() && v >= 0.0;
        if gramian.iter().any(|v| !v.is_finite())
            || !finite_non_negative(fold.regularization)
            || !finite_non_negative(fold.alpha)
        {
            return Err(Error::Corrupt("fold-in parameters are not finite".into()));
        }
        let norms = match &values {
            Values::F32(v) => v.chunks_exact(k).map(|r| kernels::dot(r, r).sqrt()).collect(),
            // Exact integer sum of squares, then the row scale.
            Values::Int8 { codes, scales } => codes
                .chunks_exact(k)
                .zip(scales)
                .map(|(c, s)| (c.iter().map(|v| *v as i32 * *v as i32).sum::<i32>() as f32).sqrt() * s)
                .collect(),
        };
        // With λ per history item there is no one `YᵀY + λI` to factorise ahead.
        let base =
            if fold.lambda_per_item { BaseFactor(None) } else { BaseFactor::new(k, &gramian, fold.regularization) };
        Ok(Self { k, values, stored, gramian, fold, norms, base, screen: LazyScreen::default(), bm25: None })
    }

    /// This model with `rows` (`k` values per item) appended: items without interactions whose
    /// vectors were made elsewhere (cold start). The Gramian — of the trained items — and the
    /// fold-in are unchanged. The new rows are stored as the others are (int8 with a scale per
    /// row, or f16), and the stored rows are copied exactly as they were.
    pub(crate) fn with_extra_rows(&self, rows: &[f32]) -> Result<Self> {
        let k = self.k;
        if rows.len() % k != 0 {
            return Err(Error::shape("new factor values (k per item)", rows.len().div_ceil(k) * k, rows.len()));
        }
        let (g, fold) = (self.gramian.clone(), self.fold);
        let wider = match &self.values {
            Values::F32(v) => {
                let mut wide = Vec::with_capacity(v.len() + rows.len());
                wide.extend_from_slice(v);
                // Rounded to half precision for f16 models; a value beyond it becomes infinite, which
                // `new` refuses.
                let f16 = self.stored == Quantization::F16;
                wide.extend(rows.iter().map(|x| if f16 { half::f16::from_f32(*x).to_f32() } else { *x }));
                let mut m = Self::new(k, wide, g, fold)?;
                m.stored = self.stored;
                m
            }
            Values::Int8 { codes, scales } => {
                let (new_codes, new_scales) = int8_rows(rows, k).map_err(|i| {
                    Error::Corrupt(format!(
                        "new item {} has a factor row too large for int8 storage",
                        self.n_items() + i
                    ))
                })?;
                let (codes, scales) =
                    ([codes.as_slice(), &new_codes].concat(), [scales.as_slice(), &new_scales].concat());
                Self::from_int8(k, codes, scales, g, fold)?
            }
        };
        wider.with_bm25(self.bm25.clone().map(|b| b.with_unseen_items(rows.len() / k)))
    }

    /// The same model with its item factors stored as `q`. Int8 and f16 round the factors, and
    /// keep the Gramian in f32 (measured effect on precision@10: BENCHMARKS.md).
    pub fn quantize(mut self, q: Quantization) -> Result<Self> {
        let bm25 = self.bm25.take();
        self.quantize_values(q)?.with_bm25(bm25)
    }

    fn quantize_values(self, q: Quantization) -> Result<Self> {
        let k = self.k;
        let f32s: Vec<f32> = match &self.values {
            Values::F32(v) => v.clone(),
            Values::Int8 { .. } => (0..self.n_items() as u32).flat_map(|i| self.row(i).into_owned()).collect(),
        };
        let (g, fold) = (self.gramian, self.fold);
        match q {
            Quantization::None => Self::new(k, f32s, g, fold),
            Quantization::F16 => {
                let bits: Vec<u16> = f32s.iter().map(|v| half::f16::from_f32(*v).to_bits()).collect();
                if let Some(p) = bits.iter().position(|b| !half::f16::from_bits(*b).is_finite()) {
                    return Err(Error::param(
                        "quantize",
                        "f16",
                        format!("factor value {} does not fit in half precision", Num32(f32s[p])),
                    ));
                }
                Self::from_f16(k, &bits, g, fold)
            }
            Quantization::Int8 => {
                if k > kernels::quant::MAX_INT8_FACTORS {
                    return Err(Error::param(
                        "quantize",
                        "int8",
                        format!("{k} factors; int8 supports at most {}", kernels::quant::MAX_INT8_FACTORS),
                    ));
                }
                let (codes, scales) = int8_rows(&f32s, k).map_err(|i| {
                    let max = f32s[i * k..(i + 1) * k].iter().fold(0f32, |m, v| m.max(v.abs()));
                    Error::param(
                        "quantize",
                        "int8",
                        format!("item {i} has a factor value of {}, too large for int8 storage", Num32(max)),
                    )
                })?;
                Self::from_int8(k, codes, scales, g, fold)
            }
        }
    }

    /// This model with the BM25 weighting of its training log: required when the scaling is
    /// [`Scaling::Bm25`] (and refused otherwise), one idf per item.
    pub fn with_bm25(mut self, bm25: Option<Bm25>) -> Result<Self> {
        match (&bm25, self.fold.scaling) {
            (None, Scaling::Bm25) => return Err(Error::MissingSection("bm25".into())),
            (Some(_), s) if s != Scaling::Bm25 => {
                return Err(Error::param("scaling", s.name(), "a BM25 weighting needs the bm25 scaling"))
            }
            (Some(b), _) if b.idf().len() != self.n_items() => {
                return Err(Error::shape("bm25 idf values", self.n_items(), b.idf().len()))
            }
            _ => {}
        }
        self.bm25 = bm25;
        Ok(self)
    }

    /// The BM25 weighting, when the scaling is BM25.
    pub fn bm25(&self) -> Option<&Bm25> {
        self.bm25.as_ref()
    }

    /// How the factors are stored.
    pub fn quantization(&self) -> Quantization {
        self.stored
    }

    /// Number of latent factors.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The row-major `k x k` Gramian `YᵀY` (symmetric).
    pub fn gramian(&self) -> &[f64] {
        &self.gramian
    }

    /// The fold-in parameters (λ, α, scaling) the factors were trained with.
    pub fn fold_params(&self) -> FoldIn {
        self.fold
    }

    /// L2 norm of item `i`'s row.
    pub fn norm(&self, i: u32) -> f32 {
        self.norms[i as usize]
    }

    /// The factor values as held (f32 for f32 and f16 models), for the bundle writer.
    pub fn values(&self) -> FactorValues<'_> {
        match &self.values {
            Values::F32(v) => FactorValues::F32(v),
            Values::Int8 { codes, scales } => FactorValues::Int8 { codes, scales },
        }
    }

    /// Number of items.
    pub fn n_items(&self) -> usize {
        match &self.values {
            Values::F32(v) => v.len() / self.k,
            Values::Int8 { scales, .. } => scales.len(),
        }
    }

    /// Row of item `i` (dequantised for int8 models).
    pub fn row(&self, i: u32) -> std::borrow::Cow<'_, [f32]> {
        let (k, i) = (self.k, i as usize);
        match &self.values {
            Values::F32(v) => std::borrow::Cow::Borrowed(&v[i * k..(i + 1) * k]),
            Values::Int8 { codes, scales } => {
                std::borrow::Cow::Owned(codes[i * k..(i + 1) * k].iter().map(|c| *c as f32 * scales[i]).collect())
            }
        }
    }

    /// Adds `a` times item `i`'s (dequantised) row to `out`, without copying the row.
    pub(crate) fn add_scaled_row(&self, i: u32, a: f32, out: &mut [f32]) {
        let (k, i) = (self.k, i as usize);
        match &self.values {
            Values::F32(v) => out.iter_mut().zip(&v[i * k..(i + 1) * k]).for_each(|(o, y)| *o += a * y),
            Values::Int8 { codes, scales } => {
                let s = scales[i];
                out.iter_mut().zip(&codes[i * k..(i + 1) * k]).for_each(|(o, c)| *o += a * (*c as f32 * s))
            }
        }
    }

    /// The score of one item for user vector `x`, from the (dequantised) row.
    pub fn score(&self, x: &[f32], i: u32) -> f32 {
        kernels::dot(&self.row(i), x)
    }
}

/// Int8 codes of `k`-value rows and a scale per row ([`kernels::quant::quantize_row`]), or the
/// index of the first row too large for int8 storage (each caller names it in its own terms).
fn int8_rows(rows: &[f32], k: usize) -> std::result::Result<(Vec<i8>, Vec<f32>), usize> {
    let mut codes = vec![0i8; rows.len()];
    let mut scales = Vec::with_capacity(rows.len() / k);
    for (i, (r, c)) in rows.chunks_exact(k).zip(codes.chunks_exact_mut(k)).enumerate() {
        scales.push(kernels::quant::quantize_row(r, c).ok_or(i)?);
    }
    Ok((codes, scales))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn non_finite_factors_are_named_and_huge_finite_ones_accepted() {
        let g = vec![1.0, 0.0, 0.0, 1.0];
        let make = |v: Vec<f32>| FactorModel::new(2, v, g.clone(), FoldIn::new(0.1, 1.0, Scaling::Linear));
        let e = make(vec![0.5, 1.0, f32::NAN, 2.0]).unwrap_err().to_string();
        assert!(e.contains("NaN at position 2 is not finite"), "{e}");
        let e = make(vec![0.5, f32::NEG_INFINITY, 1.0, 2.0]).unwrap_err().to_string();
        assert!(e.contains("-inf at position 1"), "{e}");
        // Finite values whose squares overflow are not corrupt.
        assert!(make(vec![3e20, 1.0, 1.0, 2.0]).is_ok());
        assert!(make(vec![0.5, 1.0, 1.0]).is_err());
    }

    /// `YᵀY` of row-major `y` with `k` columns.
    pub(crate) fn gramian(y: &[f32], k: usize) -> Vec<f64> {
        let mut g = vec![0f64; k * k];
        for r in y.chunks_exact(k) {
            for a in 0..k {
                for b in 0..k {
                    g[a * k + b] += r[a] as f64 * r[b] as f64;
                }
            }
        }
        g
    }
}
