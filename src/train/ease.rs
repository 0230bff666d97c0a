//! EASE (Steck 2019): closed-form item-item weights `B = I − P·diag(1/diag P)`, `P = (XᵀX + λI)⁻¹`,
//! pruned to the strongest neighbours per item so the bundle ships a sparse matrix. The Gram
//! matrix and its inverse are f32 (half the memory and twice the speed of f64; a λ of 1 or more keeps the
//! system well conditioned, and precision@10 on ml-latest-small is unchanged).

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};
use rayon::prelude::*;

use super::{pool, Progress};
use crate::data::Interactions;
use crate::error::{Error, Result};
use crate::kernels::{top_k_sparse, Hit};
use crate::recs::NeighborModel;

/// EASE hyperparameters. Build with [`EaseParams::new`] and the setters.
#[derive(Debug, Clone, PartialEq)]
pub struct EaseParams {
    /// L2 regularisation λ on the Gram matrix diagonal. Default 250.
    pub lambda: f64,
    /// Neighbours kept per item in the shipped model (largest |weight|). Default 200.
    pub neighbors: usize,
    /// Worker threads (0 = all cores). Default 0.
    pub threads: usize,
    /// Largest catalogue EASE will invert densely (memory about 8·n² bytes: the f32 matrix and
    /// its inverse). Default 30,000.
    pub max_items: usize,
}

impl Default for EaseParams {
    fn default() -> Self {
        Self { lambda: 250.0, neighbors: 200, threads: 0, max_items: 30_000 }
    }
}

impl EaseParams {
    /// The defaults documented on each field.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets λ.
    pub fn lambda(mut self, l: f64) -> Self {
        self.lambda = l;
        self
    }
    /// Sets the neighbours kept per item.
    pub fn neighbors(mut self, n: usize) -> Self {
        self.neighbors = n;
        self
    }
    /// Sets the thread count (0 = all cores).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }
    /// Validates every field.
    pub fn check(&self) -> Result<()> {
        if !(self.lambda.is_finite() && self.lambda > 0.0) {
            return Err(Error::param("lambda", self.lambda, "must be a finite number > 0"));
        }
        if !(1..=10_000).contains(&self.neighbors) {
            return Err(Error::param("neighbors", self.neighbors, "must be between 1 and 10000"));
        }
        super::check_threads(self.threads)
    }

    /// Fits the pruned item-item matrix on binarised `data`.
    pub fn fit(&self, data: &Interactions, progress: &dyn Progress) -> Result<NeighborModel> {
        let mut models = self.fit_pruned(data, &[self.neighbors], progress)?;
        models.pop().ok_or_else(|| Error::Numerical("EASE produced no model".into()))
    }

    /// Fits once and prunes to each neighbour count in `counts` (this `neighbors` is not used):
    /// the inverse is the cost, so a search compares bundle sizes for the price of one fit.
    pub(crate) fn fit_pruned(
        &self,
        data: &Interactions,
        counts: &[usize],
        progress: &dyn Progress,
    ) -> Result<Vec<NeighborModel>> {
        self.check()?;
        if let Some(bad) = counts.iter().find(|c| !(1..=10_000).contains(*c)) {
            return Err(Error::param("neighbors", bad, "must be between 1 and 10000"));
        }
        let n = data.n_items();
        if n > self.max_items {
            return Err(Error::param(
                "items",
                n,
                "too many items for EASE's dense inverse; raise max_items or use --model rp3 or als",
            ));
        }
        pool(self.threads)?.install(|| {
            let p = self.inverse(data, progress)?;
            progress.stage("EASE pruning", counts.len() as u64);
            let diag: Vec<f32> = (0..n).map(|j| p[(j, j)]).collect();
            Ok(counts
                .iter()
                .map(|&c| {
                    let m = prune(&p, &diag, c);
                    progress.tick(1);
                    m
                })
                .collect())
        })
    }

    /// `P = (XᵀX + λI)⁻¹` of binarised `data`.
    fn inverse(&self, data: &Interactions, progress: &dyn Progress) -> Result<Mat<f32>> {
        let n = data.n_items();
        let by_user = data.by_user();
        progress.stage("EASE Gram matrix", 1);
        let mut g = Mat::<f32>::zeros(n, n);
        for u in 0..by_user.rows() {
            let cols = by_user.cols(u);
            for &a in cols {
                for &b in cols {
                    g[(a as usize, b as usize)] += 1.0;
                }
            }
        }
        for d in 0..n {
            g[(d, d)] += self.lambda as f32;
        }
        progress.tick(1);
        progress.stage("EASE inverse", 1);
        faer::set_global_parallelism(faer::Par::rayon(0));
        let llt = g
            .llt(Side::Lower)
            .map_err(|e| Error::Numerical(format!("EASE Gram matrix is not positive definite: {e:?}")))?;
        drop(g);
        let p = llt.inverse();
        progress.tick(1);
        Ok(p)
    }
}

/// Row i lists `B[i][j] = −P[i][j] / P[j][j]` for j ≠ i, the `neighbors` largest in magnitude
/// (negative weights carry real signal: "people who have i rarely want j").
fn prune(p: &Mat<f32>, diag: &[f32], neighbors: usize) -> NeighborModel {
    let n = diag.len();
    let rows: Vec<Vec<Hit>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let cands =
                (0..n).filter(|j| *j != i).map(|j| Hit { index: j as u32, score: (-p[(i, j)] / diag[j]).abs() });
            let mut kept = top_k_sparse(cands, neighbors);
            for h in &mut kept {
                h.score = -p[(i, h.index as usize)] / diag[h.index as usize];
            }
            kept.sort_by_key(|h| h.index);
            kept
        })
        .collect();
    // Weights are rounded to what 4-byte bundle storage holds, so a trial validates what ships.
    NeighborModel::from_rows(rows).round_to_half()
}
