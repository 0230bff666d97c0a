//! RP3beta (Paudel, Christoffel, Newell & Bernstein 2017): a three-step random walk
//! item → user → item on the bipartite interaction graph, each step's transition probability
//! raised to α, the arrival item's weight divided by its popularity raised to β. The result is an
//! item-item matrix pruned to the strongest neighbours per item and shipped like EASE's, so it
//! scales to catalogues whose dense inverse EASE cannot hold: memory is one row of scratch per
//! thread, time is Σ over users of (items per user)².

use rayon::prelude::*;

use super::{pool, Progress};
use crate::data::Interactions;
use crate::error::{Error, Result};
use crate::kernels::{top_k_sparse, Hit};
use crate::recs::NeighborModel;

/// RP3beta hyperparameters. Build with [`Rp3Params::new`] and the setters.
#[derive(Debug, Clone, PartialEq)]
pub struct Rp3Params {
    /// Exponent α on each transition probability (1 = the plain random walk). Default 0.8.
    pub alpha: f64,
    /// Popularity penalty β: the weight of arriving at item `j` is divided by `count(j)^β`
    /// (0 = none; larger favours the long tail). Default 0.4.
    pub beta: f64,
    /// Neighbours kept per item in the shipped model. Default 200.
    pub neighbors: usize,
    /// Worker threads (0 = all cores). Default 0.
    pub threads: usize,
}

impl Default for Rp3Params {
    fn default() -> Self {
        Self { alpha: 0.8, beta: 0.4, neighbors: 200, threads: 0 }
    }
}

impl Rp3Params {
    /// The defaults documented on each field.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets α.
    pub fn alpha(mut self, a: f64) -> Self {
        self.alpha = a;
        self
    }
    /// Sets β.
    pub fn beta(mut self, b: f64) -> Self {
        self.beta = b;
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
        if !(self.alpha.is_finite() && self.alpha > 0.0 && self.alpha <= 4.0) {
            return Err(Error::param("alpha", self.alpha, "must be a number in (0, 4]"));
        }
        if !(self.beta.is_finite() && (0.0..=2.0).contains(&self.beta)) {
            return Err(Error::param("beta", self.beta, "must be a number in [0, 2]"));
        }
        if !(1..=10_000).contains(&self.neighbors) {
            return Err(Error::param("neighbors", self.neighbors, "must be between 1 and 10000"));
        }
        super::check_threads(self.threads)
    }

    /// Fits the pruned walk matrix on binarised `data`.
    pub fn fit(&self, data: &Interactions, progress: &dyn Progress) -> Result<NeighborModel> {
        self.check()?;
        let n = data.n_items();
        let (by_user, by_item) = (data.by_user(), data.by_item());
        // Step weights: leaving a user (or an item) along one of its d edges has probability 1/d.
        let step = |d: usize| (1.0 / d.max(1) as f64).powf(self.alpha) as f32;
        let user_step: Vec<f32> = (0..by_user.rows()).map(|u| step(by_user.cols(u).len())).collect();
        let arrive: Vec<f32> = (0..n).map(|j| (by_item.cols(j).len().max(1) as f64).powf(-self.beta) as f32).collect();
        progress.stage("RP3beta walks", n as u64);
        let rows = pool(self.threads)?.install(|| {
            (0..n)
                .into_par_iter()
                .map_init(
                    || (vec![0f32; n], Vec::<u32>::new()),
                    |(acc, touched), i| {
                        for &u in by_item.cols(i) {
                            let w = user_step[u as usize];
                            for &j in by_user.cols(u as usize) {
                                if acc[j as usize] == 0.0 {
                                    touched.push(j);
                                }
                                acc[j as usize] += w;
                            }
                        }
                        let leave = step(by_item.cols(i).len());
                        let hits = touched
                            .iter()
                            .filter(|j| **j as usize != i)
                            .map(|&j| Hit { index: j, score: leave * acc[j as usize] * arrive[j as usize] });
                        let mut kept = top_k_sparse(hits, self.neighbors);
                        touched.drain(..).for_each(|j| acc[j as usize] = 0.0);
                        kept.sort_by_key(|h| h.index);
                        progress.tick(1);
                        kept
                    },
                )
                .collect::<Vec<_>>()
        });
        // Weights are rounded to what 4-byte bundle storage holds, so a trial validates what ships.
        Ok(NeighborModel::from_rows(rows).round_to_half())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::Silent;

    fn log(pairs: &[(u32, u32)], n_users: usize, n_items: usize) -> Interactions {
        Interactions {
            users: (0..n_users).map(|u| format!("u{u}")).collect(),
            items: (0..n_items).map(|i| format!("i{i}")).collect(),
            user: pairs.iter().map(|p| p.0).collect(),
            item: pairs.iter().map(|p| p.1).collect(),
            weight: vec![1.0; pairs.len()],
            time: Vec::new(),
            catalog: None,
        }
    }

    #[test]
    fn walk_weights_match_a_hand_computed_example() {
        // u0: {0, 1}; u1: {0, 2}; u2: {1}. From item 0 (2 users): to 1 via u0 (2 items), to 2 via u1.
        let data = log(&[(0, 0), (0, 1), (1, 0), (1, 2), (2, 1)], 3, 3);
        let m = Rp3Params::new().alpha(1.0).beta(0.0).threads(1).fit(&data, &Silent).unwrap();
        let row0: Vec<Hit> = m.row(0).collect();
        assert_eq!(row0, vec![Hit { index: 1, score: 0.25 }, Hit { index: 2, score: 0.25 }]);
        // β = 1 divides by popularity: item 1 has 2 users, item 2 has 1.
        let m = Rp3Params::new().alpha(1.0).beta(1.0).threads(1).fit(&data, &Silent).unwrap();
        let row0: Vec<Hit> = m.row(0).collect();
        assert_eq!(row0, vec![Hit { index: 1, score: 0.125 }, Hit { index: 2, score: 0.25 }]);
    }

    #[test]
    fn check_names_the_bad_field() {
        for (p, field) in [
            (Rp3Params::new().alpha(0.0), "alpha"),
            (Rp3Params::new().beta(f64::NAN), "beta"),
            (Rp3Params::new().neighbors(0), "neighbors"),
        ] {
            assert!(p.check().unwrap_err().to_string().contains(field), "{p:?}");
        }
    }
}
