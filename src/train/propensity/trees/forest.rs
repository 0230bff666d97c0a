//! A random forest of probability trees: bootstrap rows, a random subset of features per split.

use rayon::prelude::*;

use super::binned::Binned;
use super::grow::{grow, GrowParams};
use super::histograms::Pool;
use crate::error::{Error, Result};
use crate::propensity::Classifier;
use crate::rng::Rng;

/// A random forest of probability trees (bootstrap rows, √d features per split).
#[derive(Debug, Clone, PartialEq)]
pub struct ForestParams {
    /// Trees. Default 100.
    pub trees: usize,
    /// Minimum rows per leaf. Default 3.
    pub min_samples_leaf: usize,
    /// Depth limit. Default 32.
    pub max_depth: usize,
    /// Features tried per split; 0 = √d. Default 0.
    pub features_per_split: usize,
    /// Seed. Default 42.
    pub seed: u64,
}

impl Default for ForestParams {
    fn default() -> Self {
        Self { trees: 100, min_samples_leaf: 3, max_depth: 32, features_per_split: 0, seed: 42 }
    }
}

impl ForestParams {
    /// Validates every field.
    pub fn check(&self) -> Result<()> {
        if !(1..=5000).contains(&self.trees) {
            return Err(Error::param("trees", self.trees, "must be between 1 and 5000"));
        }
        if self.min_samples_leaf == 0 || self.max_depth == 0 {
            return Err(Error::param(
                "forest",
                format!("min_samples_leaf {} max_depth {}", self.min_samples_leaf, self.max_depth),
                "both must be at least 1",
            ));
        }
        Ok(())
    }

    /// Fits on encoded rows (after [`ForestParams::check`]); trees are grown in parallel, each
    /// from its own seeded stream.
    pub fn fit(&self, x: &[Vec<f32>], y: &[bool], w: &[f32]) -> Result<Classifier> {
        self.check()?;
        let b = Binned::new(x);
        let d = b.d();
        let fps = if self.features_per_split == 0 {
            ((d as f64).sqrt().round() as usize).max(1)
        } else {
            self.features_per_split
        };
        let p = GrowParams {
            max_leaves: usize::MAX,
            max_depth: self.max_depth,
            min_samples_leaf: self.min_samples_leaf,
            lambda: 0.0,
            features_per_split: fps,
        };
        let root = Rng::new(self.seed);
        let n = x.len();
        let trees = (0..self.trees)
            .into_par_iter()
            .map(|t| {
                let mut rng = root.fork(t as u64);
                let mut count = vec![0f32; n];
                for _ in 0..n {
                    count[rng.below(n as u64) as usize] += 1.0;
                }
                let rows: Vec<u32> = (0..n as u32).filter(|r| count[*r as usize] > 0.0).collect();
                // Squared loss on the 0/1 label: g = −y·c, h = c gives leaf value = weighted mean of y.
                let g: Vec<f32> = (0..n).map(|r| -(if y[r] { 1.0 } else { 0.0 }) * count[r] * w[r]).collect();
                let h: Vec<f32> = (0..n).map(|r| count[r] * w[r]).collect();
                grow(&b, rows, &g, &h, &p, 1.0, &mut rng, &mut Pool::default(), None).tree
            })
            .collect();
        Ok(Classifier::Forest { trees })
    }
}
