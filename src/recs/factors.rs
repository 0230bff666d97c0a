//! Latent-factor model (implicit ALS) and its exact fold-in.
//!
//! For a shopper with history `h` (item `i`, weight `w_i`), confidence `c_i = 1 + alpha * s(w_i)`,
//! fold-in solves the same normal equations as an ALS user update:
//! `(YᵀY + Σ_i (c_i − 1) y_i y_iᵀ + λI) x = Σ_i c_i y_i`, with `λ` multiplied by the history's
//! length for models trained by Spark MLlib, whose ALS weights it so (ALS-WR), and
//! `c_i = alpha * s(w_i)` for models trained by the Python implicit library, whose confidence has
//! no `1 +`.

use std::sync::OnceLock;

use nalgebra::{Cholesky, DMatrix, DVector, Dyn};

use super::screen::{self, Codes, Cosine, Int8Rows};
use crate::error::{Error, Result};
use crate::kernels;
use crate::num_text::Num32;

pub use super::bm25::Bm25;

/// How raw interaction weights become confidence (`c = 1 + alpha * s(w)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scaling {
    /// `s(w) = w`.
    #[default]
    Linear,
    /// `s(w) = ln(1 + w)`: damps heavy repeat purchases.
    Log,
    /// BM25 ([`Bm25`]): saturates repeats, normalises by the user's activity and weighs rare
    /// items up. Depends on the whole history, so the model weighs it ([`Bm25::weigh`]) and
    /// [`Scaling::apply`] passes the weighed value through.
    Bm25,
}

impl Scaling {
    /// Applies the scaling to a raw weight.
    pub fn apply(self, w: f32) -> f32 {
        match self {
            Scaling::Linear => w,
            Scaling::Log => w.ln_1p(),
            Scaling::Bm25 => w,
        }
    }
    /// Stable code used in bundles.
    pub fn code(self) -> u8 {
        match self {
            Scaling::Linear => 0,
            Scaling::Log => 1,
            Scaling::Bm25 => 2,
        }
    }
    /// Inverse of [`Scaling::code`].
    pub(crate) fn from_code(c: u8) -> Option<Self> {
        match c {
            0 => Some(Scaling::Linear),
            1 => Some(Scaling::Log),
            2 => Some(Scaling::Bm25),
            _ => None,
        }
    }
    /// Name used on the command line and in metadata.
    pub fn name(self) -> &'static str {
        match self {
            Scaling::Linear => "linear",
            Scaling::Log => "log",
            Scaling::Bm25 => "bm25",
        }
    }
}

/// The parameters of fold-in, which must equal those of the ALS run that made the factors:
/// λ, and the confidence `c = 1 + alpha · scaling(w)` of each history weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoldIn {
    /// L2 regularisation λ (finite, >= 0).
    pub regularization: f32,
    /// Confidence scale α (finite, >= 0).
    pub alpha: f32,
    /// Weight scaling before α.
    pub scaling: Scaling,
    /// λ multiplied by the number of history items, as Spark MLlib's ALS regularises each user
    /// (`regParam · numExplicits`, the ALS-WR weighting); false for shelfwise's and implicit's ALS.
    pub lambda_per_item: bool,
    /// Confidence `1 + alpha · s(w)` (Hu et al.; shelfwise's and Spark's ALS); false: `alpha ·
    /// s(w)`, the Python implicit library's, whose `alpha × user_items` is the confidence itself.
    pub one_plus: bool,
}

impl FoldIn {
    /// Hu et al.'s fold-in, as shelfwise's own ALS trains: confidence `1 + alpha · scaling(w)`
    /// and a fixed λ (set [`FoldIn::lambda_per_item`] or [`FoldIn::one_plus`] for imported models).
    pub fn new(regularization: f32, alpha: f32, scaling: Scaling) -> Self {
        Self { regularization, alpha, scaling, lambda_per_item: false, one_plus: true }
    }

    /// Fails unless λ and α are finite and >= 0.
    pub fn check(&self) -> Result<()> {
        if !(self.regularization.is_finite() && self.regularization >= 0.0) {
            return Err(Error::param("regularization", Num32(self.regularization), "must be a finite number >= 0"));
        }
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::param("alpha", Num32(self.alpha), "must be a finite number >= 0"));
        }
        Ok(())
    }

    /// The λ of a history of `n` items.
    pub fn lambda(&self, n: usize) -> f64 {
        if self.lambda_per_item {
            self.regularization as f64 * n as f64
        } else {
            self.regularization as f64
        }
    }

    /// The confidence of a history weight, `1 + alpha · scaling(w)`, or `alpha · scaling(w)`
    /// without [`FoldIn::one_plus`] (in f64, as fold-in uses it).
    pub fn confidence(&self, w: f32) -> f64 {
        let scaled = self.alpha as f64 * self.scaling.apply(w) as f64;
        if self.one_plus {
            1.0 + scaled
        } else {
            scaled
        }
    }
}

/// How item factors are stored in a bundle (`shelfwise train recs --quantize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quantization {
    /// 4 bytes per value.
    #[default]
    None,
    /// IEEE half precision in the bundle (2 bytes per value), widened to f32 at load: half the
    /// download, the same scoring speed.
    F16,
    /// One signed byte per value plus one f32 scale per item (about a quarter of the bytes); kept
    /// as int8 in memory and scored with integer dot products; the final candidates are rescored
    /// with the dequantised rows, and rankings equal those of the dequantised rows.
    Int8,
}

impl Quantization {
    /// How the factors are stored, as `inspect` and `info()` say it: `f32`, `f16` or `int8`.
    pub(crate) fn storage_name(self) -> &'static str {
        match self {
            Quantization::None => "f32",
            q => q.name(),
        }
    }
    /// Name used on the command line and in metadata: `none`, `f16` or `int8`.
    pub fn name(self) -> &'static str {
        match self {
            Quantization::None => "none",
            Quantization::F16 => "f16",
            Quantization::Int8 => "int8",
        }
    }
    /// Stable code used in bundles (the `factors` section's storage byte).
    pub fn code(self) -> u8 {
        match self {
            Quantization::None => 0,
            Quantization::Int8 => 1,
            Quantization::F16 => 2,
        }
    }
    /// Inverse of [`Quantization::code`].
    pub(crate) fn from_code(c: u8) -> Option<Self> {
        match c {
            0 => Some(Quantization::None),
            1 => Some(Quantization::Int8),
            2 => Some(Quantization::F16),
            _ => None,
        }
    }
    /// Parses [`Quantization::name`].
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "none" | "f32" => Ok(Quantization::None),
            "f16" => Ok(Quantization::F16),
            "int8" => Ok(Quantization::Int8),
            _ => Err(Error::param("quantize", s, "expected none, f16 or int8")),
        }
    }
}

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

/// The Cholesky factor of `YᵀY + λI`, computed once per model: a short history is folded in
/// by one rank-one update of it per item (O(k²) each) instead of building and factorising the
/// whole system (O(k³)). `None` when that matrix is not positive definite (λ = 0 with a
/// singular Gramian); fold-in then takes the direct route and reports the failure.
#[derive(Debug, Clone)]
struct BaseFactor(Option<Cholesky<f64, Dyn>>);

impl PartialEq for BaseFactor {
    /// Always equal: the factor is a function of the Gramian and λ, which models compare.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl BaseFactor {
    fn new(k: usize, gramian: &[f64], regularization: f32) -> Self {
        let mut a = DMatrix::<f64>::from_row_slice(k, k, gramian);
        for d in 0..k {
            a[(d, d)] += regularization as f64;
        }
        Self(a.cholesky())
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

    /// `history` with each weight as the confidence formula takes it: BM25-weighed under that
    /// scaling, else as given.
    fn weighed<'h>(&self, history: &'h [(u32, f32)]) -> Result<std::borrow::Cow<'h, [(u32, f32)]>> {
        match (&self.bm25, self.fold.scaling) {
            (Some(bm), _) => Ok(history.iter().zip(bm.weigh(history)).map(|((i, _), s)| (*i, s)).collect()),
            (None, Scaling::Bm25) => Err(Error::MissingSection("bm25".into())),
            (None, _) => Ok(std::borrow::Cow::Borrowed(history)),
        }
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

    /// Exact fold-in: the user vector for `history` (item index, raw weight), solved by Cholesky.
    ///
    /// Histories of up to `k / 3` items update the model's precomputed factor of `YᵀY + λI`
    /// once per item; longer ones build the system and factorise it. Both solve the same
    /// equations (to rounding) and both are deterministic, so native and wasm agree bit for bit.
    pub fn fold_in(&self, history: &[(u32, f32)]) -> Result<Vec<f32>> {
        let history = &*self.weighed(history)?;
        // A confidence below 1 would be a downdate, which may leave the precomputed factor
        // indefinite unnoticed; the direct factorisation reports it.
        let updates_only = || history.iter().all(|&(_, w)| self.fold.confidence(w) >= 1.0);
        match &self.base.0 {
            Some(base) if history.len() * 3 <= self.k && updates_only() => Ok(self.fold_in_by_updates(base, history)),
            _ => self.fold_in_direct(history),
        }
    }

    /// Fold-in from the precomputed factor, one rank-one update per history item.
    fn fold_in_by_updates(&self, base: &Cholesky<f64, Dyn>, history: &[(u32, f32)]) -> Vec<f32> {
        let k = self.k;
        let (mut b, mut y) = (DVector::<f64>::zeros(k), DVector::<f64>::zeros(k));
        let mut chol = base.clone();
        for &(i, w) in history {
            let c = self.fold.confidence(w);
            for (yr, v) in y.iter_mut().zip(self.row(i).iter()) {
                *yr = *v as f64;
            }
            b.axpy(c, &y, 1.0);
            chol.rank_one_update(&y, c - 1.0);
        }
        chol.solve(&b).iter().map(|v| *v as f32).collect()
    }

    /// Fold-in by building the whole system and factorising it.
    fn fold_in_direct(&self, history: &[(u32, f32)]) -> Result<Vec<f32>> {
        let (chol, b) = self.system(history)?;
        Ok(chol.solve(&b).iter().map(|v| *v as f32).collect())
    }

    /// How much each history item adds to item `target`'s score: the score is
    /// `y_tᵀ A⁻¹ Σ_j c_j y_j`, so history item `j` contributes `c_j · y_jᵀ (A⁻¹ y_t)` and the
    /// contributions sum to the score (to rounding). One solve per target.
    pub fn contributions(&self, history: &[(u32, f32)], target: u32) -> Result<Vec<f32>> {
        let history = &*self.weighed(history)?;
        let (chol, _) = self.system(history)?;
        let z = chol.solve(&DVector::from_iterator(self.k, self.row(target).iter().map(|v| *v as f64)));
        Ok(history
            .iter()
            .map(|&(j, w)| {
                let c = self.fold.confidence(w);
                (c * self.row(j).iter().zip(z.iter()).map(|(a, b)| *a as f64 * b).sum::<f64>()) as f32
            })
            .collect())
    }

    /// The fold-in system for `history`: the factorised `YᵀY + λI + Σ (c_j − 1) y_j y_jᵀ` and
    /// the right-hand side `Σ c_j y_j`.
    fn system(&self, history: &[(u32, f32)]) -> Result<(nalgebra::linalg::Cholesky<f64, Dyn>, DVector<f64>)> {
        let k = self.k;
        let (mut b, mut y) = (DVector::<f64>::zeros(k), DVector::<f64>::zeros(k));
        let mut a = DMatrix::<f64>::from_row_slice(k, k, &self.gramian);
        let lambda = self.fold.lambda(history.len());
        for d in 0..k {
            a[(d, d)] += lambda;
        }
        let mut s = vec![0f64; k];
        for &(i, w) in history {
            let c = self.fold.confidence(w);
            for (yr, v) in y.iter_mut().zip(self.row(i).iter()) {
                *yr = *v as f64;
            }
            b.axpy(c, &y, 1.0);
            for (sr, yr) in s.iter_mut().zip(y.iter()) {
                *sr = (c - 1.0) * yr;
            }
            // A += (c − 1)·y·yᵀ on the lower triangle (all the factorisation reads), a column
            // at a time: nalgebra is column-major, so each column is contiguous.
            for (col, column) in a.as_mut_slice().chunks_exact_mut(k).enumerate() {
                let yc = y[col];
                for (e, sr) in column[col..].iter_mut().zip(&s[col..]) {
                    *e += sr * yc;
                }
            }
        }
        let chol = a
            .cholesky()
            .ok_or_else(|| Error::Numerical("fold-in system is not positive definite (regularisation 0?)".into()))?;
        Ok((chol, b))
    }

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

    #[test]
    fn both_fold_in_routes_solve_the_same_system() {
        let (k, n) = (12, 40);
        let y: Vec<f32> = (0..n * k).map(|i| ((i * 7 % 23) as f32 - 11.0) * 0.05).collect();
        let g = gramian(&y, k);
        let m = FactorModel::new(k, y, g, FoldIn::new(0.1, 4.0, Scaling::Log)).unwrap();
        let base = m.base.0.clone().unwrap();
        for history in [vec![(3u32, 1.0f32)], vec![(0, 2.0), (5, 1.0), (39, 7.5), (5, 0.5)]] {
            let fast = m.fold_in_by_updates(&base, &history);
            let direct = m.fold_in_direct(&history).unwrap();
            for (a, b) in fast.iter().zip(&direct) {
                assert!((a - b).abs() <= 1e-5 * b.abs().max(1e-3), "{a} vs {b}");
            }
            assert_eq!(m.fold_in(&history).unwrap(), fast, "short histories take the update route");
        }
    }

    #[test]
    fn spark_lambda_grows_with_the_history() {
        let (k, n) = (6, 20);
        let y: Vec<f32> = (0..n * k).map(|i| ((i * 5 % 17) as f32 - 8.0) * 0.1).collect();
        let g = gramian(&y, k);
        let fold = |regularization, lambda_per_item| FoldIn {
            lambda_per_item,
            ..FoldIn::new(regularization, 2.0, Scaling::Linear)
        };
        let spark = FactorModel::new(k, y.clone(), g.clone(), fold(0.5, true)).unwrap();
        assert!(spark.base.0.is_none(), "no shared factor when λ depends on the history");
        let history = vec![(1u32, 3.0f32), (4, 1.0), (7, 2.0)];
        let fixed = FactorModel::new(k, y, g, fold(1.5, false)).unwrap();
        assert_eq!(spark.fold_in(&history).unwrap(), fixed.fold_in_direct(&history).unwrap(), "λ = 0.5 · 3 items");
    }

    #[test]
    fn implicit_confidence_has_no_one_plus() {
        let (k, n) = (6, 20);
        let y: Vec<f32> = (0..n * k).map(|i| ((i * 7 % 19) as f32 - 9.0) * 0.1).collect();
        let g = gramian(&y, k);
        let fold = |alpha, one_plus| FoldIn { one_plus, ..FoldIn::new(0.5, alpha, Scaling::Linear) };
        // implicit's c = 4·w equals 1 + α'·w' with α' = 1, w' = 4·w − 1.
        let history = vec![(1u32, 3.0f32), (4, 1.0), (7, 2.0)];
        let shifted: Vec<(u32, f32)> = history.iter().map(|&(i, w)| (i, 4.0 * w - 1.0)).collect();
        let implicit = FactorModel::new(k, y.clone(), g.clone(), fold(4.0, false)).unwrap();
        let hu = FactorModel::new(k, y.clone(), g.clone(), fold(1.0, true)).unwrap();
        let (a, b) = (implicit.fold_in(&history).unwrap(), hu.fold_in_direct(&shifted).unwrap());
        for (a, b) in a.iter().zip(&b) {
            assert!((a - b).abs() <= 1e-5 * b.abs().max(1e-3), "{a} vs {b}");
        }
        // A confidence below 1 (α·w = 0.5) is solved directly, not by a downdate.
        let low = FactorModel::new(k, y, g, fold(0.5, false)).unwrap();
        let one = [(2u32, 1.0f32)];
        assert_eq!(low.fold_in(&one).unwrap(), low.fold_in_direct(&one).unwrap());
    }
}
