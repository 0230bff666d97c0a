//! Latent-factor model (implicit ALS) and its exact fold-in.
//!
//! For a shopper with history `h` (item `i`, weight `w_i`), confidence `c_i = 1 + alpha * s(w_i)`,
//! fold-in solves the same normal equations as an ALS user update:
//! `(YᵀY + Σ_i (c_i − 1) y_i y_iᵀ + λI) x = Σ_i c_i y_i`.

use nalgebra::{DMatrix, DVector};

use crate::error::{Error, Result};
use crate::kernels;

/// How raw interaction weights become confidence (`c = 1 + alpha * s(w)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scaling {
    /// `s(w) = w`.
    #[default]
    Linear,
    /// `s(w) = ln(1 + w)`: damps heavy repeat purchases.
    Log,
}

impl Scaling {
    /// Applies the scaling to a raw weight.
    pub fn apply(self, w: f32) -> f32 {
        match self {
            Scaling::Linear => w,
            Scaling::Log => w.ln_1p(),
        }
    }
    /// Stable code used in bundles.
    pub fn code(self) -> u8 {
        match self {
            Scaling::Linear => 0,
            Scaling::Log => 1,
        }
    }
    /// Inverse of [`Scaling::code`].
    pub fn from_code(c: u8) -> Option<Self> {
        match c {
            0 => Some(Scaling::Linear),
            1 => Some(Scaling::Log),
            _ => None,
        }
    }
    /// Name used on the command line and in metadata.
    pub fn name(self) -> &'static str {
        match self {
            Scaling::Linear => "linear",
            Scaling::Log => "log",
        }
    }
}

/// Item factors plus everything fold-in needs. No user factors, ever.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorModel {
    /// Number of latent factors.
    pub k: usize,
    /// Row-major `n_items x k` item factors.
    pub item_factors: Vec<f32>,
    /// Row-major `k x k` Gramian `YᵀY`, in f64.
    pub gramian: Vec<f64>,
    /// L2 regularisation λ.
    pub regularization: f32,
    /// Confidence scale α.
    pub alpha: f32,
    /// Weight scaling before α.
    pub scaling: Scaling,
    /// L2 norm of each item row, for cosine similarity (derived at load).
    pub norms: Vec<f32>,
}

impl FactorModel {
    /// Builds a model and checks shapes and finiteness.
    pub fn new(k: usize, item_factors: Vec<f32>, gramian: Vec<f64>, regularization: f32, alpha: f32, scaling: Scaling) -> Result<Self> {
        if k == 0 || item_factors.len() % k != 0 {
            return Err(Error::Corrupt(format!("{} factor values do not form rows of k = {k}", item_factors.len())));
        }
        if gramian.len() != k * k {
            return Err(Error::Corrupt(format!("Gramian has {} values, expected {}", gramian.len(), k * k)));
        }
        if let Some(bad) = item_factors.iter().position(|v| !v.is_finite()) {
            return Err(Error::Corrupt(format!("item factor value {} at position {bad} is not finite", item_factors[bad])));
        }
        if gramian.iter().any(|v| !v.is_finite()) || !(regularization.is_finite() && regularization >= 0.0) || !(alpha.is_finite() && alpha >= 0.0) {
            return Err(Error::Corrupt("fold-in parameters are not finite".into()));
        }
        let norms = item_factors.chunks_exact(k).map(|r| kernels::dot(r, r).sqrt()).collect();
        Ok(Self { k, item_factors, gramian, regularization, alpha, scaling, norms })
    }

    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.item_factors.len() / self.k
    }

    /// Row of item `i`.
    pub fn row(&self, i: u32) -> &[f32] {
        let k = self.k;
        &self.item_factors[i as usize * k..(i as usize + 1) * k]
    }

    /// Exact fold-in: the user vector for `history` (item index, raw weight), solved by Cholesky.
    pub fn fold_in(&self, history: &[(u32, f32)]) -> Result<Vec<f32>> {
        let k = self.k;
        let mut a = DMatrix::<f64>::from_row_slice(k, k, &self.gramian);
        let mut b = DVector::<f64>::zeros(k);
        for d in 0..k {
            a[(d, d)] += self.regularization as f64;
        }
        for &(i, w) in history {
            let c = 1.0 + self.alpha as f64 * self.scaling.apply(w) as f64;
            let y = self.row(i);
            for r in 0..k {
                let yr = y[r] as f64;
                b[r] += c * yr;
                let s = (c - 1.0) * yr;
                for col in 0..k {
                    a[(r, col)] += s * y[col] as f64;
                }
            }
        }
        let chol = a
            .cholesky()
            .ok_or_else(|| Error::Numerical("fold-in system is not positive definite (regularisation 0?)".into()))?;
        let x = chol.solve(&b);
        Ok(x.iter().map(|v| *v as f32).collect())
    }

    /// Scores of all items for user vector `x`.
    pub fn scores(&self, x: &[f32], out: &mut [f32]) {
        kernels::score_rows(&self.item_factors, x, out);
    }

    /// Cosine similarity of every item to item `i`.
    pub fn cosine_to(&self, i: u32, out: &mut [f32]) {
        let q = self.row(i);
        kernels::score_rows(&self.item_factors, q, out);
        let qn = self.norms[i as usize];
        for (o, n) in out.iter_mut().zip(&self.norms) {
            let d = qn * n;
            *o = if d > 0.0 { *o / d } else { 0.0 };
        }
    }
}
