//! Which rows train and which evaluate: the stratified test split, the stratified folds of
//! cross-validation, and class-balancing row weights.

use crate::error::{Error, Result};
use crate::rng::Rng;

/// Splits row indices into (train, test), stratified by any ordered label: each class is
/// shuffled (classes in sorted order, one seeded generator) and `round(n × test_fraction)` of
/// its rows are held out.
pub fn stratified_split_by<K: Ord + Copy>(
    labels: &[K],
    test_fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(Error::param("test_fraction", test_fraction, "must be between 0 and 1"));
    }
    let mut classes: Vec<K> = labels.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let mut rng = Rng::new(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in classes {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|i| labels[*i] == class).collect();
        rng.shuffle(&mut idx);
        let cut = (idx.len() as f64 * test_fraction).round() as usize;
        test.extend_from_slice(&idx[..cut]);
        train.extend_from_slice(&idx[cut..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok((train, test))
}

/// Assigns each of `rows` to one of `k` folds, stratified by label.
pub(crate) fn stratified_folds(rows: &[usize], labels: &[bool], k: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = Rng::new(seed ^ 0xF01D);
    let mut folds = vec![Vec::new(); k];
    for class in [false, true] {
        let mut idx: Vec<usize> = rows.iter().copied().filter(|r| labels[*r] == class).collect();
        rng.shuffle(&mut idx);
        for (i, r) in idx.into_iter().enumerate() {
            folds[i % k].push(r);
        }
    }
    folds
}

/// Each of `rows`' weight: 1, or with `balanced` each class weighing half of the rows in all.
pub(super) fn weights(labels: &[bool], rows: &[usize], balanced: bool) -> Vec<f32> {
    if !balanced {
        return vec![1.0; rows.len()];
    }
    let pos = rows.iter().filter(|r| labels[**r]).count().max(1) as f32;
    let neg = (rows.len() as f32 - pos).max(1.0);
    let n = rows.len() as f32;
    rows.iter().map(|r| if labels[*r] { n / (2.0 * pos) } else { n / (2.0 * neg) }).collect()
}
