//! Fold-in: a shopper's vector solved from their history by the normal equations of an ALS user
//! update, and each history item's share of a score (the reasons).

use nalgebra::{Cholesky, DMatrix, DVector, Dyn};

use super::{FactorModel, Scaling};
use crate::error::{Error, Result};

/// The Cholesky factor of `YᵀY + λI`, computed once per model: a short history is folded in
/// by one rank-one update of it per item (O(k²) each) instead of building and factorising the
/// whole system (O(k³)). `None` when that matrix is not positive definite (λ = 0 with a
/// singular Gramian); fold-in then takes the direct route and reports the failure.
#[derive(Debug, Clone)]
pub(super) struct BaseFactor(pub(super) Option<Cholesky<f64, Dyn>>);

impl PartialEq for BaseFactor {
    /// Always equal: the factor is a function of the Gramian and λ, which models compare.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl BaseFactor {
    pub(super) fn new(k: usize, gramian: &[f64], regularization: f32) -> Self {
        let mut a = DMatrix::<f64>::from_row_slice(k, k, gramian);
        for d in 0..k {
            a[(d, d)] += regularization as f64;
        }
        Self(a.cholesky())
    }
}

impl FactorModel {
    /// `history` with each weight as the confidence formula takes it: BM25-weighed under that
    /// scaling, else as given.
    fn weighed<'h>(&self, history: &'h [(u32, f32)]) -> Result<std::borrow::Cow<'h, [(u32, f32)]>> {
        match (&self.bm25, self.fold.scaling) {
            (Some(bm), _) => Ok(history.iter().zip(bm.weigh(history)).map(|((i, _), s)| (*i, s)).collect()),
            (None, Scaling::Bm25) => Err(Error::MissingSection("bm25".into())),
            (None, _) => Ok(std::borrow::Cow::Borrowed(history)),
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recs::factors::tests::gramian;
    use crate::recs::factors::FoldIn;

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
