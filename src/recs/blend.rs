//! A blend of a factor model and an item-item model: each item's score is
//! `w · a_i / max|a| + (1 − w) · e_i / max|e|`, where `a` are the factor model's scores for the
//! folded-in user vector and `e` the item-item model's scores for the history, each divided by
//! its largest magnitude over the catalogue so that the weight `w` means the same on any data.
//!
//! Both halves model the same thing (a shopper's history reconstructed over the catalogue) with
//! different errors, so their sum ranks better than either: on both tuning data sets the blend
//! of the best ALS and the best EASE validated above each (BENCHMARKS "Recommendation quality").

use super::{FactorModel, NeighborModel};
use crate::error::{Error, Result};

/// The two halves and the factor half's weight.
#[derive(Debug, Clone, PartialEq)]
pub struct BlendModel {
    factors: FactorModel,
    neighbors: NeighborModel,
    weight: f32,
}

/// What one request divides each half's scores by (its largest magnitude; 1 when all are 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scales {
    /// The factor half's weight over its largest |score|.
    pub factors: f32,
    /// The item-item half's weight over its largest |score|.
    pub neighbors: f32,
}

impl BlendModel {
    /// A blend weighing the factor half by `weight` (in (0, 1)) and the item-item half by
    /// `1 − weight`. Both must cover the same catalogue (checked when the blend joins a
    /// recommender).
    pub fn new(factors: FactorModel, neighbors: NeighborModel, weight: f32) -> Result<Self> {
        check_weight(weight)?;
        Ok(Self { factors, neighbors, weight })
    }

    /// The factor half.
    pub fn factors(&self) -> &FactorModel {
        &self.factors
    }

    /// The item-item half.
    pub fn neighbors(&self) -> &NeighborModel {
        &self.neighbors
    }

    /// The factor half's weight, in (0, 1).
    pub fn weight(&self) -> f32 {
        self.weight
    }

    /// The halves, to change one (quantise the factors).
    pub(crate) fn into_parts(self) -> (FactorModel, NeighborModel, f32) {
        (self.factors, self.neighbors, self.weight)
    }

    /// Every item's blended score for user vector `x` (the factor half's fold-in of `history`),
    /// and the scales it used (for [`BlendModel::contributions`]).
    pub fn scores(&self, x: &[f32], history: &[(u32, f32)]) -> (Vec<f32>, Scales) {
        let mut a = vec![0f32; self.factors.n_items()];
        self.factors.scores_into(x, &mut a);
        let mut e = vec![0f32; a.len()];
        self.neighbors.scores(history, &mut e);
        let scales = Scales { factors: scale(&a, self.weight), neighbors: scale(&e, 1.0 - self.weight) };
        for (a, e) in a.iter_mut().zip(&e) {
            *a = *a * scales.factors + *e * scales.neighbors;
        }
        (a, scales)
    }

    /// Each history item's part of item `target`'s blended score, in history order: its part
    /// of the factor score and its item-item weight, each scaled as the request's scores were.
    pub fn contributions(&self, history: &[(u32, f32)], target: u32, scales: Scales) -> Result<Vec<f32>> {
        let c = self.factors.contributions(history, target)?;
        Ok(history
            .iter()
            .zip(c)
            .map(|(&(j, w), c)| c * scales.factors + w * self.neighbors.weight(j, target) * scales.neighbors)
            .collect())
    }
}

/// Fails unless a blend's factor weight is in (0, 1): the model's and the training parameters'
/// one check.
pub(crate) fn check_weight(weight: f32) -> Result<()> {
    if !(weight > 0.0 && weight < 1.0) {
        return Err(Error::param("blend weight", crate::num_text::Num32(weight), "must be in (0, 1)"));
    }
    Ok(())
}

/// `weight / max|s|`, or `weight` when every score is 0.
fn scale(s: &[f32], weight: f32) -> f32 {
    let m = s.iter().fold(0f32, |m, v| m.max(v.abs()));
    if m > 0.0 {
        weight / m
    } else {
        weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recs::{FoldIn, Scaling};

    /// Four items: two-factor rows, and item-item rows 0 → {1, 2}, 1 → {0}, 3 → {1}.
    fn halves() -> (FactorModel, NeighborModel) {
        let y = vec![1.0f32, 0.0, 0.5, 0.5, 0.0, 1.0, -0.5, 0.2];
        let g = crate::recs::factors::tests::gramian(&y, 2);
        let f = FactorModel::new(2, y, g, FoldIn::new(0.5, 1.0, Scaling::Linear)).unwrap();
        let nb = NeighborModel::from_csr(vec![0, 2, 3, 3, 4], vec![1, 2, 0, 1], vec![0.5, 0.25, 0.4, -0.2]);
        (f, nb)
    }

    #[test]
    fn scores_are_each_half_over_its_largest_magnitude() {
        let (f, nb) = halves();
        let history = [(0u32, 1.0f32), (3, 2.0)];
        let x = f.fold_in(&history).unwrap();
        let b = BlendModel::new(f.clone(), nb.clone(), 0.25).unwrap();
        let (got, _) = b.scores(&x, &history);
        let a: Vec<f32> = (0..4).map(|i| f.score(&x, i)).collect();
        let mut e = vec![0f32; 4];
        nb.scores(&history, &mut e);
        let max = |s: &[f32]| s.iter().fold(0f32, |m, v| m.max(v.abs()));
        // Item 1's item-item score is 0.5 − 0.4 = 0.1; item 2's 0.25 is the largest.
        assert_eq!(max(&e), 0.25);
        for i in 0..4 {
            let want = a[i] * (0.25 / max(&a)) + e[i] * (0.75 / 0.25);
            assert!((got[i] - want).abs() < 1e-6, "item {i}: {} vs {want}", got[i]);
        }
    }

    #[test]
    fn contributions_sum_to_the_blended_score() {
        let (f, nb) = halves();
        let history = [(0u32, 1.0f32), (3, 2.0)];
        let b = BlendModel::new(f.clone(), nb, 0.6).unwrap();
        let x = f.fold_in(&history).unwrap();
        let (scores, scales) = b.scores(&x, &history);
        for target in 0..4 {
            let sum: f32 = b.contributions(&history, target, scales).unwrap().iter().sum();
            assert!(
                (sum - scores[target as usize]).abs() < 1e-5,
                "item {target}: {sum} vs {}",
                scores[target as usize]
            );
        }
    }

    #[test]
    fn a_weight_outside_the_open_unit_interval_is_refused() {
        for w in [0.0, 1.0, -0.5, f32::NAN] {
            let (f, nb) = halves();
            let e = BlendModel::new(f, nb, w).unwrap_err().to_string();
            assert!(e.contains("blend weight") && e.contains("(0, 1)"), "{e}");
        }
    }
}
