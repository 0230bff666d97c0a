//! Ranking metrics for one user's top-k against their held-out items, and their averages.
//!
//! Definitions (per user, then averaged over evaluated users):
//! - precision@k = hits / k
//! - recall@k = hits / |relevant|
//! - NDCG@k = DCG / ideal DCG, binary gains, ideal over min(k, |relevant|) positions
//! - MAP@k = Σ_{i ≤ k, hit at i} precision@i / min(k, |relevant|)
//! - hit rate@k = 1 if any hit
//!
//! Also reported: *capped precision* = Σ hits / Σ min(k, |relevant|) over users — the
//! figure the Python `implicit` library calls `precision`, for like-for-like comparisons.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

/// Metrics for one user.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct UserMetrics {
    /// Hits in the top k.
    pub hits: usize,
    /// min(k, |relevant|).
    pub cap: usize,
    /// hits / k.
    pub precision: f64,
    /// hits / |relevant|.
    pub recall: f64,
    /// Normalised DCG.
    pub ndcg: f64,
    /// Average precision, truncated at k.
    pub ap: f64,
}

/// Scores one ranked list (best first) against a set of relevant items.
pub fn score_user<T: Eq + std::hash::Hash>(ranked: &[T], relevant: &HashSet<T>, k: usize) -> UserMetrics {
    if k == 0 || relevant.is_empty() {
        return UserMetrics::default();
    }
    let mut hits = 0usize;
    let mut dcg = 0.0;
    let mut ap = 0.0;
    for (pos, item) in ranked.iter().take(k).enumerate() {
        if relevant.contains(item) {
            hits += 1;
            dcg += 1.0 / ((pos + 2) as f64).log2();
            ap += hits as f64 / (pos + 1) as f64;
        }
    }
    let cap = k.min(relevant.len());
    let idcg: f64 = (0..cap).map(|p| 1.0 / ((p + 2) as f64).log2()).sum();
    UserMetrics {
        hits,
        cap,
        precision: hits as f64 / k as f64,
        recall: hits as f64 / relevant.len() as f64,
        ndcg: dcg / idcg,
        ap: ap / cap as f64,
    }
}

/// Averages over evaluated users, plus catalogue coverage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RankingReport {
    /// The cut-off k.
    pub k: usize,
    /// Users with at least one held-out and one training item.
    pub users: usize,
    /// Mean precision@k.
    pub precision: f64,
    /// Σ hits / Σ min(k, |relevant|) (implicit's definition of precision).
    pub capped_precision: f64,
    /// Mean recall@k.
    pub recall: f64,
    /// Mean NDCG@k.
    pub ndcg: f64,
    /// Mean average precision@k.
    pub map: f64,
    /// Share of users with at least one hit.
    pub hit_rate: f64,
    /// Distinct recommended items / catalogue size.
    pub coverage: f64,
}

impl RankingReport {
    /// Aggregates per-user metrics; `distinct` recommended items out of `catalog` items.
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    pub(crate) fn from_users(k: usize, users: &[UserMetrics], distinct: usize, catalog: usize) -> Self {
        let n = users.len().max(1) as f64;
        let hits: usize = users.iter().map(|u| u.hits).sum();
        let cap: usize = users.iter().map(|u| u.cap).sum();
        Self {
            k,
            users: users.len(),
            precision: users.iter().map(|u| u.precision).sum::<f64>() / n,
            capped_precision: hits as f64 / cap.max(1) as f64,
            recall: users.iter().map(|u| u.recall).sum::<f64>() / n,
            ndcg: users.iter().map(|u| u.ndcg).sum::<f64>() / n,
            map: users.iter().map(|u| u.ap).sum::<f64>() / n,
            hit_rate: users.iter().filter(|u| u.hits > 0).count() as f64 / n,
            coverage: distinct as f64 / catalog.max(1) as f64,
        }
    }

    /// The metrics as `name@k → value`, for bundle metadata and JSON.
    pub fn as_map(&self) -> BTreeMap<String, f64> {
        let k = self.k;
        BTreeMap::from([
            (format!("precision@{k}"), self.precision),
            (format!("capped_precision@{k}"), self.capped_precision),
            (format!("recall@{k}"), self.recall),
            (format!("ndcg@{k}"), self.ndcg),
            (format!("map@{k}"), self.map),
            (format!("hit_rate@{k}"), self.hit_rate),
            ("coverage".to_string(), self.coverage),
            ("users".to_string(), self.users as f64),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let rel: HashSet<u32> = [1, 3, 9].into_iter().collect();
        let m = score_user(&[1, 2, 3, 4], &rel, 4);
        assert_eq!(m.hits, 2);
        assert!((m.precision - 0.5).abs() < 1e-12);
        assert!((m.recall - 2.0 / 3.0).abs() < 1e-12);
        let dcg = 1.0 + 1.0 / 4f64.log2();
        let idcg = 1.0 + 1.0 / 3f64.log2() + 0.5;
        assert!((m.ndcg - dcg / idcg).abs() < 1e-12);
        assert!((m.ap - (1.0 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        let perfect = score_user(&[9, 3, 1], &rel, 3);
        assert!((perfect.ndcg - 1.0).abs() < 1e-12 && (perfect.ap - 1.0).abs() < 1e-12);
    }
}
