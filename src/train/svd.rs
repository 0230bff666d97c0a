//! PureSVD (Cremonesi, Koren & Turrin 2010): the truncated SVD `X ≈ U·Σ·Vᵀ` of the binary
//! user × item matrix, of which only the item factors `V` are shipped. A shopper with history
//! `h` scores `h·V·Vᵀ`. Because `VᵀV = I`, that is exactly the ALS fold-in with α = 0 and λ = 0
//! (`(VᵀV)·x = Vᵀh`), so the bundle is an ordinary factor model and the browser needs no new code.
//!
//! The SVD is randomised (Halko, Martinsson & Tropp 2011): a random `items × (k + p)` test
//! matrix is multiplied through the sparse `X` and `Xᵀ` with a few power iterations, so no dense
//! user × item matrix is ever formed; memory is `(users + items) × (k + p)` doubles.

use faer::Mat;
use rayon::prelude::*;

use super::{pool, Progress};
use crate::data::{Csr, Interactions};
use crate::error::{Error, Result};
use crate::recs::{FactorModel, FoldIn, Scaling};
use crate::rng::Rng;

/// PureSVD hyperparameters. Build with [`SvdParams::new`] and the setters.
#[derive(Debug, Clone, PartialEq)]
pub struct SvdParams {
    /// Singular vectors kept (capped at the number of users and items). Default 88.
    pub factors: usize,
    /// Extra random directions sampled beyond `factors` (Halko et al.'s p). Default 10.
    pub oversample: usize,
    /// Power iterations, each a pass through `X` and `Xᵀ`; more sharpen the spectrum. Default 4.
    pub power_iterations: usize,
    /// Worker threads (0 = all cores). Default 0.
    pub threads: usize,
    /// Seed for the random test matrix. Default 42.
    pub seed: u64,
}

impl Default for SvdParams {
    fn default() -> Self {
        Self { factors: 88, oversample: 10, power_iterations: 4, threads: 0, seed: 42 }
    }
}

impl SvdParams {
    /// The defaults documented on each field.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the number of factors.
    pub fn factors(mut self, k: usize) -> Self {
        self.factors = k;
        self
    }
    /// Sets the number of power iterations.
    pub fn power_iterations(mut self, n: usize) -> Self {
        self.power_iterations = n;
        self
    }
    /// Sets the thread count (0 = all cores).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Validates every field.
    pub fn check(&self) -> Result<()> {
        if !(1..=1024).contains(&self.factors) {
            return Err(Error::param("factors", self.factors, "must be between 1 and 1024"));
        }
        if self.oversample > 256 {
            return Err(Error::param("oversample", self.oversample, "must be at most 256"));
        }
        if self.power_iterations > 32 {
            return Err(Error::param("power_iterations", self.power_iterations, "must be at most 32"));
        }
        super::check_threads(self.threads)
    }

    /// Fits item factors `V` on binarised `data`.
    pub fn fit(&self, data: &Interactions, progress: &dyn Progress) -> Result<FactorModel> {
        self.check()?;
        let (n_users, n_items) = (data.n_users(), data.n_items());
        let k = self.factors.min(n_users).min(n_items).max(1);
        let l = (k + self.oversample).min(n_users).min(n_items).max(k);
        let (by_user, by_item) = (data.by_user(), data.by_item());
        let mut rng = Rng::new(self.seed);
        let omega: Vec<f64> = (0..n_items * l).map(|_| rng.normal()).collect();
        progress.stage("PureSVD range", self.power_iterations as u64 + 2);
        let v = pool(self.threads)?.install(|| -> Result<Vec<f32>> {
            // Y = X·Ω, then (Y ← X·orth(Xᵀ·orth(Y))) per power iteration.
            let mut y = times(&by_user, &omega, l);
            for _ in 0..self.power_iterations {
                let z = orthonormal(times(&by_item, &orthonormal(y, l), l), l);
                y = times(&by_user, &z, l);
                progress.tick(1);
            }
            // Bᵀ = Xᵀ·Q (items × l); its left singular vectors are X's right ones.
            let bt = times(&by_item, &orthonormal(y, l), l);
            progress.tick(1);
            let bt = Mat::<f64>::from_fn(n_items, l, |r, c| bt[r * l + c]);
            let svd = bt.thin_svd().map_err(|e| Error::Numerical(format!("PureSVD did not converge: {e:?}")))?;
            let u = svd.U();
            progress.tick(1);
            Ok((0..n_items).flat_map(|r| (0..k).map(move |c| u[(r, c)] as f32)).collect())
        })?;
        let gram = super::als::gramian(&v, k);
        FactorModel::new(k, v, gram, FoldIn::new(0.0, 0.0, Scaling::Linear))
    }
}

/// `A·M` for sparse `A` (values ignored: the matrix is binary) and row-major `M` with `l` columns.
fn times(a: &Csr, m: &[f64], l: usize) -> Vec<f64> {
    let mut out = vec![0f64; a.rows() * l];
    out.par_chunks_mut(l).enumerate().for_each(|(r, row)| {
        for &c in a.cols(r) {
            row.iter_mut().zip(&m[c as usize * l..(c as usize + 1) * l]).for_each(|(o, v)| *o += v);
        }
    });
    out
}

/// An orthonormal basis (thin Q of a QR factorisation) of the columns of row-major `m`.
fn orthonormal(m: Vec<f64>, l: usize) -> Vec<f64> {
    let rows = m.len() / l;
    let q = Mat::<f64>::from_fn(rows, l, |r, c| m[r * l + c]).qr().compute_thin_Q();
    (0..rows).flat_map(|r| (0..l).map(move |c| (r, c))).map(|(r, c)| q[(r, c)]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::Silent;

    /// A log whose matrix has an exact low-rank structure: two groups of users, two groups of items.
    fn blocks() -> Interactions {
        let mut pairs = Vec::new();
        for u in 0..20u32 {
            for i in 0..10u32 {
                if (u < 10) == (i < 5) {
                    pairs.push((u, i));
                }
            }
        }
        Interactions {
            users: (0..20).map(|u| format!("u{u}")).collect(),
            items: (0..10).map(|i| format!("i{i}")).collect(),
            user: pairs.iter().map(|p| p.0).collect(),
            item: pairs.iter().map(|p| p.1).collect(),
            weight: vec![1.0; pairs.len()],
            time: Vec::new(),
            catalog: None,
        }
    }

    #[test]
    fn factors_are_orthonormal_and_fold_in_projects() {
        let m = SvdParams::new().factors(2).threads(1).fit(&blocks(), &Silent).unwrap();
        let g = m.gramian();
        for (i, v) in g.iter().enumerate() {
            let want = if i % 3 == 0 { 1.0 } else { 0.0 };
            assert!((v - want).abs() < 1e-5, "VᵀV = {g:?}");
        }
        // A shopper of item 0 scores the rest of item 0's block high and the other block zero.
        let x = m.fold_in(&[(0, 1.0)]).unwrap();
        assert!(m.score(&x, 3) > 0.15, "{}", m.score(&x, 3));
        assert!(m.score(&x, 7).abs() < 1e-5, "{}", m.score(&x, 7));
    }

    #[test]
    fn factors_are_capped_by_the_matrix() {
        let m = SvdParams::new().factors(64).threads(1).fit(&blocks(), &Silent).unwrap();
        assert_eq!(m.k(), 10);
    }
}
