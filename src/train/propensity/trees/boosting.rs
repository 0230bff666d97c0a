//! Gradient-boosted trees on log-loss, with Newton leaves and optional early stopping.

use super::binned::Binned;
use super::grow::{grow, GrowParams, Grown};
use super::histograms::Pool;
use crate::error::{Error, Result};
use crate::propensity::model::Tree;
use crate::propensity::{logit, Classifier};
use crate::rng::Rng;
use crate::train::propensity::helper::{with_helper, Helper};

/// Gradient-boosted trees on log-loss. Defaults follow scikit-learn's HistGradientBoosting.
#[derive(Debug, Clone, PartialEq)]
pub struct GbtParams {
    /// Boosting rounds. Default 100.
    pub rounds: usize,
    /// Shrinkage. Default 0.1.
    pub learning_rate: f64,
    /// Leaves per tree. Default 31.
    pub max_leaves: usize,
    /// Depth limit. Default 16 (effectively bounded by `max_leaves`).
    pub max_depth: usize,
    /// Minimum rows per leaf. Default 20.
    pub min_samples_leaf: usize,
    /// L2 on leaf values. Default 0 (plus a 1e-3 hessian floor).
    pub l2: f64,
    /// Hold out this share of training rows and stop when log loss has not improved for 10 rounds.
    /// Default `None` (all rounds).
    pub early_stopping: Option<f64>,
    /// Seed (for the early-stopping split). Default 42.
    pub seed: u64,
}

impl Default for GbtParams {
    fn default() -> Self {
        Self {
            rounds: 100,
            learning_rate: 0.1,
            max_leaves: 31,
            max_depth: 16,
            min_samples_leaf: 20,
            l2: 0.0,
            early_stopping: None,
            seed: 42,
        }
    }
}

impl GbtParams {
    /// Validates every field.
    pub fn check(&self) -> Result<()> {
        if !(1..=10_000).contains(&self.rounds) {
            return Err(Error::param("rounds", self.rounds, "must be between 1 and 10000"));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return Err(Error::param("learning_rate", self.learning_rate, "must be in (0, 1]"));
        }
        if self.max_leaves < 2 {
            return Err(Error::param("max_leaves", self.max_leaves, "must be at least 2"));
        }
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return Err(Error::param("l2", self.l2, "must be >= 0"));
        }
        if let Some(f) = self.early_stopping {
            // Both sides of the split must keep rows: 1.0 left none to train on, > 1 panicked.
            if !(f > 0.0 && f < 1.0) {
                return Err(Error::param("early_stopping", f, "must be a share of rows strictly between 0 and 1"));
            }
        }
        Ok(())
    }

    /// Fits on encoded rows `x` with labels `y` and per-row weights `w`.
    pub fn fit(&self, x: &[Vec<f32>], y: &[bool], w: &[f32]) -> Result<Classifier> {
        self.check()?;
        let mut rng = Rng::new(self.seed);
        let mut rows: Vec<u32> = (0..x.len() as u32).collect();
        let mut valid: Vec<u32> = Vec::new();
        if let Some(f) = self.early_stopping {
            rng.shuffle(&mut rows);
            let cut = (rows.len() as f64 * f) as usize;
            valid = rows.drain(..cut).collect();
        }
        if rows.is_empty() {
            return Err(Error::Empty(format!(
                "no training rows left after holding out {} for early stopping",
                valid.len()
            )));
        }
        let b = Binned::new(x);
        let (sw, swy) = rows.iter().fold((0.0, 0.0), |(a, c), r| {
            (a + w[*r as usize] as f64, c + if y[*r as usize] { w[*r as usize] as f64 } else { 0.0 })
        });
        let base = logit((swy / sw).clamp(1e-6, 1.0 - 1e-6));
        let mut raw = vec![base; x.len()];
        let (mut g, mut h) = (vec![0f32; x.len()], vec![0f32; x.len()]);
        let p = GrowParams {
            max_leaves: self.max_leaves,
            max_depth: self.max_depth,
            min_samples_leaf: self.min_samples_leaf,
            lambda: self.l2 + 1e-3,
            features_per_split: usize::MAX,
        };
        // The rounds, with a second thread for large nodes' histograms when one is free.
        let trees = with_helper(|helper| {
            let mut trees: Vec<Tree> = Vec::new();
            let mut pool = Pool::default();
            let (mut best_loss, mut best_len) = (f64::INFINITY, 0);
            for _ in 0..self.rounds {
                gradients(&raw, y, w, &mut g, &mut h, helper);
                let Grown { tree: t, leaves } =
                    grow(&b, rows.clone(), &g, &h, &p, self.learning_rate, &mut rng, &mut pool, helper);
                for (id, leaf_rows) in &leaves {
                    let v = t.value[*id] as f64;
                    leaf_rows.iter().for_each(|r| raw[*r as usize] += v);
                }
                for r in &valid {
                    raw[*r as usize] += t.predict(&x[*r as usize]) as f64;
                }
                trees.push(t);
                if !valid.is_empty() {
                    let loss: f64 = valid
                        .iter()
                        .map(|r| {
                            let q = crate::propensity::sigmoid(raw[*r as usize]).clamp(1e-15, 1.0 - 1e-15);
                            if y[*r as usize] {
                                -q.ln()
                            } else {
                                -(1.0 - q).ln()
                            }
                        })
                        .sum();
                    if loss < best_loss - 1e-9 {
                        best_loss = loss;
                        best_len = trees.len();
                    } else if trees.len() - best_len >= 10 {
                        break;
                    }
                }
            }
            if !valid.is_empty() {
                trees.truncate(best_len.max(1));
            }
            trees
        });
        Ok(Classifier::Boosted { base: base as f32, trees })
    }
}

/// Log loss's gradient and hessian at each row's raw score, weighted; each half of the rows on
/// its own thread when there is a [`Helper`] (the values are the same).
fn gradients(raw: &[f64], y: &[bool], w: &[f32], g: &mut [f32], h: &mut [f32], helper: Option<&Helper>) {
    let fill = |raw: &[f64], y: &[bool], w: &[f32], g: &mut [f32], h: &mut [f32]| {
        for ((((r, y), w), g), h) in raw.iter().zip(y).zip(w).zip(g).zip(h) {
            let q = crate::propensity::sigmoid(*r);
            *g = ((q - if *y { 1.0 } else { 0.0 }) * *w as f64) as f32;
            *h = ((q * (1.0 - q)).max(1e-6) * *w as f64) as f32;
        }
    };
    match helper {
        Some(helper) if raw.len() >= 2 * MIN_SHARED_ROWS => {
            let m = raw.len() / 2;
            let ((g0, g1), (h0, h1)) = (g.split_at_mut(m), h.split_at_mut(m));
            helper.join(|| fill(&raw[..m], &y[..m], &w[..m], g0, h0), || fill(&raw[m..], &y[m..], &w[m..], g1, h1));
        }
        _ => fill(raw, y, w, g, h),
    }
}

/// Rows from which a round's gradients are shared with the [`Helper`].
const MIN_SHARED_ROWS: usize = 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boosting_grows_the_same_trees_with_the_helper_as_without() {
        let x: Vec<Vec<f32>> = (0..4000)
            .map(|i| {
                let i = i as f32;
                vec![
                    (i * 0.61).sin(),
                    (i * 0.13).cos().max(0.0),
                    (i % 7.0),
                    f32::from(i % 3.0 == 0.0),
                    (i * 0.007).fract(),
                ]
            })
            .collect();
        let y: Vec<bool> = x.iter().map(|r| r[0] + r[1] * 0.5 + (r[2] - 3.0) * 0.1 > 0.2).collect();
        let w = vec![1f32; x.len()];
        let params = GbtParams { rounds: 15, ..GbtParams::default() };
        // On the test's own thread a helper joins when there are two cores; inside rayon's pool none does.
        let here = params.fit(&x, &y, &w).unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let alone = pool.install(|| params.fit(&x, &y, &w)).unwrap();
        assert_eq!(here, alone);
        let Classifier::Boosted { trees, .. } = &here else { panic!("a boosted classifier") };
        assert!(trees.iter().all(|t| t.feature.len() > 20), "trees of many nodes");
    }
}
