//! BM25 confidence weighting for ALS (`--scaling bm25`), as text retrieval weighs a term in a
//! document: a user's weight for an item saturates with repeats (`k1`), is normalised by how
//! much the user does overall (`b`), and counts more for items few users touch (`idf`).
//!
//! `s(w) = idf_i · w (k1 + 1) / (k1 · ((1 − b) + b · len_u / avg_len) + w)`, with `len_u` the
//! sum of the user's weights and `idf_i = max(0, ln N − ln(1 + df_i))` over `N` training users,
//! `df_i` of whom touched item `i` (the weighting of implicit's `bm25_weight`, floored at 0 so
//! that no confidence falls below 1). Training weighs each user's row with it; fold-in weighs
//! the shopper's history the same way, with the `idf` and `avg_len` shipped in the bundle, so
//! folding a training user's history in reproduces the confidences that user was trained with.

use crate::error::{Error, Result};
use crate::num_text::Num32;

/// Default saturation `k1` (implicit's default: repeats keep counting for a long while).
pub const DEFAULT_K1: f32 = 100.0;
/// Default length normalisation `b`.
pub const DEFAULT_B: f32 = 0.8;

/// The fitted BM25 weighting of one training log.
#[derive(Debug, Clone, PartialEq)]
pub struct Bm25 {
    k1: f32,
    b: f32,
    /// Training users `N` (the idf of an item no training user touched is `ln N`).
    users: u32,
    /// Mean of the users' summed weights.
    avg_len: f32,
    /// Per item.
    idf: Vec<f32>,
}

impl Bm25 {
    /// A weighting from its parts, checked: `k1` finite and > 0, `b` in [0, 1], at least one
    /// user, `avg_len` finite and > 0, every `idf` finite and >= 0.
    pub fn new(k1: f32, b: f32, users: u32, avg_len: f32, idf: Vec<f32>) -> Result<Self> {
        check_k1_b(k1, b)?;
        if users == 0 {
            return Err(Error::param("bm25 users", users, "must be at least 1"));
        }
        if !(avg_len.is_finite() && avg_len > 0.0) {
            return Err(Error::param("bm25 average length", Num32(avg_len), "must be a finite number > 0"));
        }
        if let Some(i) = idf.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::InvalidValue {
                field: format!("bm25 idf of item {i}"),
                value: Num32(idf[i]).to_string(),
                reason: "must be a finite number >= 0".into(),
            });
        }
        Ok(Self { k1, b, users, avg_len, idf })
    }

    /// Fits the weighting to a log given as parallel `user`, `item`, `weight` columns.
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    pub(crate) fn fit(
        k1: f32,
        b: f32,
        (n_users, n_items): (usize, usize),
        user: &[u32],
        item: &[u32],
        weight: &[f32],
    ) -> Result<Self> {
        check_k1_b(k1, b)?;
        let mut len = vec![0f64; n_users];
        let mut df = vec![0u32; n_items];
        for ((u, i), w) in user.iter().zip(item).zip(weight) {
            len[*u as usize] += *w as f64;
            df[*i as usize] += 1;
        }
        let avg_len = (len.iter().sum::<f64>() / n_users.max(1) as f64) as f32;
        let n = (n_users.max(1) as f64).ln();
        let idf = df.iter().map(|d| (n - (1.0 + *d as f64).ln()).max(0.0) as f32).collect();
        Self::new(k1, b, u32::try_from(n_users).unwrap_or(u32::MAX), avg_len, idf)
    }

    /// The weighted values of one user's `(item, weight)` pairs, in order. Items past the
    /// weighting's catalogue (added after training) count as touched by no training user.
    pub fn weigh(&self, history: &[(u32, f32)]) -> Vec<f32> {
        let norm = self.norm(history.iter().map(|(_, w)| *w as f64).sum());
        history.iter().map(|&(i, w)| self.value(i, w, norm)).collect()
    }

    /// The weighted values of a whole log given as parallel columns, each row as [`Bm25::weigh`]
    /// weighs it within its user's history.
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    pub(crate) fn weigh_log(&self, n_users: usize, user: &[u32], item: &[u32], weight: &[f32]) -> Vec<f32> {
        let mut len = vec![0f64; n_users];
        for (u, w) in user.iter().zip(weight) {
            len[*u as usize] += *w as f64;
        }
        let norm: Vec<f64> = len.into_iter().map(|l| self.norm(l)).collect();
        user.iter().zip(item).zip(weight).map(|((u, i), w)| self.value(*i, *w, norm[*u as usize])).collect()
    }

    /// The length normalisation of a user whose weights sum to `len`.
    fn norm(&self, len: f64) -> f64 {
        (1.0 - self.b as f64) + self.b as f64 * len / self.avg_len as f64
    }

    /// One weighted value.
    fn value(&self, item: u32, w: f32, norm: f64) -> f32 {
        let idf = self.idf.get(item as usize).copied().unwrap_or_else(|| self.unseen_idf()) as f64;
        let (k1, w) = (self.k1 as f64, w as f64);
        (idf * w * (k1 + 1.0) / (k1 * norm + w)) as f32
    }

    /// Saturation `k1`.
    pub fn k1(&self) -> f32 {
        self.k1
    }
    /// Length normalisation `b`.
    pub fn b(&self) -> f32 {
        self.b
    }
    /// Training users `N`.
    pub fn users(&self) -> u32 {
        self.users
    }
    /// Mean summed weight of a training user.
    pub fn avg_len(&self) -> f32 {
        self.avg_len
    }
    /// Per-item idf.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }
    /// This weighting for `extra` more items that no training user touched (cold start).
    pub(crate) fn with_unseen_items(mut self, extra: usize) -> Self {
        let unseen = self.unseen_idf();
        self.idf.extend(std::iter::repeat_n(unseen, extra));
        self
    }

    /// The idf of an item no training user touched: `ln N`.
    fn unseen_idf(&self) -> f32 {
        (self.users as f64).ln() as f32
    }
}

/// `k1` finite and > 0; `b` in [0, 1].
pub(crate) fn check_k1_b(k1: f32, b: f32) -> Result<()> {
    if !(k1.is_finite() && k1 > 0.0) {
        return Err(Error::param("bm25_k1", Num32(k1), "must be a finite number > 0"));
    }
    if !(0.0..=1.0).contains(&b) {
        return Err(Error::param("bm25_b", Num32(b), "must be between 0 and 1"));
    }
    Ok(())
}

#[cfg(all(test, feature = "train", not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_the_formula_and_fold_in_matches_training() {
        // Users: 0 buys items 0 (x3) and 1; 1 buys item 0; 2 buys items 0 and 2.
        let (user, item, weight) = ([0, 0, 1, 2, 2], [0, 1, 0, 0, 2], [3.0, 1.0, 1.0, 1.0, 1.0]);
        let bm = Bm25::fit(1.5, 0.75, (3, 3), &user, &item, &weight).unwrap();
        assert_eq!(bm.avg_len(), 7.0 / 3.0);
        // Item 0 is touched by all three: idf ln 3 − ln 4 < 0, floored at 0.
        assert_eq!(bm.idf()[0], 0.0);
        assert!((bm.idf()[1] - (3f32.ln() - 2f32.ln())).abs() < 1e-6);
        let got = bm.weigh(&[(0, 3.0), (1, 1.0)]);
        let norm = 0.25 + 0.75 * 4.0 / (7.0 / 3.0);
        let want = (3f64 / 2.0).ln() * 2.5 / (1.5 * norm + 1.0);
        assert_eq!(got[0], 0.0);
        assert!((got[1] as f64 - want).abs() < 1e-6, "{got:?} vs {want}");
        let log = bm.weigh_log(3, &user, &item, &weight);
        assert_eq!(&log[..2], &got[..], "a training user's rows weigh as their history does");
        // An item added after training counts as touched by nobody.
        assert!((bm.weigh(&[(7, 1.0)])[0] - bm.clone().with_unseen_items(5).weigh(&[(7, 1.0)])[0]).abs() < 1e-7);
        assert!(Bm25::fit(0.0, 0.5, (3, 3), &user, &item, &weight).is_err());
        assert!(Bm25::fit(1.0, 1.5, (3, 3), &user, &item, &weight).is_err());
        assert!(Bm25::new(1.0, 0.5, 3, 1.0, vec![f32::NAN]).is_err());
        assert!(Bm25::new(1.0, 0.5, 3, 0.0, vec![]).is_err());
    }
}
