//! Top-k selection with deterministic tie-breaking (higher score first, then lower index).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One selected candidate: item index and score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Index into the catalogue.
    pub index: u32,
    /// Model score.
    pub score: f32,
}

/// Heap entry ordered so that the heap's maximum is the *worst* kept hit.
#[derive(PartialEq)]
struct Worst(Hit);
impl Eq for Worst {}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        better(&self.0, &other.0)
    }
}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `Less` when `a` ranks before `b`. NaN ranks last.
fn better(a: &Hit, b: &Hit) -> Ordering {
    let (sa, sb) = (nan_low(a.score), nan_low(b.score));
    sb.partial_cmp(&sa).unwrap_or(Ordering::Equal).then(a.index.cmp(&b.index))
}

fn nan_low(x: f32) -> f32 {
    if x.is_nan() {
        f32::NEG_INFINITY
    } else {
        x
    }
}

/// Scores examined per block by [`top_k`]'s skip test.
const BLOCK: usize = 32;

/// Whether any score in `block` is strictly above `t` (NaN never is). No early exit, so the
/// loop vectorises.
#[inline]
fn any_above(block: &[f32], t: f32) -> bool {
    block.iter().fold(false, |a, &s| a | (s > t))
}

/// The `k` best of `scores` among indices where `keep(i)` holds, best first.
pub fn top_k(scores: &[f32], k: usize, mut keep: impl FnMut(u32) -> bool) -> Vec<Hit> {
    if k == 0 {
        return Vec::new();
    }
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k + 1);
    let mut threshold = f32::NEG_INFINITY;
    for (b, block) in scores.chunks(BLOCK).enumerate() {
        // Most blocks of a long list hold nothing better than the current k-th score: one
        // branch-free (vectorised) comparison skips the whole block.
        if heap.len() == k && !any_above(block, threshold) {
            continue;
        }
        for (j, &s) in block.iter().enumerate() {
            let s = nan_low(s);
            // A full heap only admits strictly better scores (ties keep the lower index).
            if heap.len() == k && s <= threshold {
                continue;
            }
            let i = (b * BLOCK + j) as u32;
            if !keep(i) {
                continue;
            }
            heap.push(Worst(Hit { index: i, score: s }));
            if heap.len() > k {
                heap.pop();
            }
            if heap.len() == k {
                threshold = heap.peek().map_or(f32::NEG_INFINITY, |w| w.0.score);
            }
        }
    }
    let mut out: Vec<Hit> = heap.into_iter().map(|w| w.0).collect();
    sort_hits(&mut out);
    out
}

/// Sorts hits best first (the order of [`better`]) through the shared key sort.
fn sort_hits(hits: &mut Vec<Hit>) {
    super::order::sort_by_key(hits, |h| (super::order::descending(h.score) as u64) << 32 | h.index as u64);
}

/// Top-k over an explicit candidate list of `(index, score)` pairs, best first.
pub fn top_k_sparse(candidates: impl IntoIterator<Item = Hit>, k: usize) -> Vec<Hit> {
    let mut all: Vec<Hit> = candidates.into_iter().collect();
    sort_hits(&mut all);
    all.truncate(k);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_best_with_index_tie_break() {
        let s = [0.5, 0.9, 0.9, f32::NAN, 0.1, 0.7];
        let hits = top_k(&s, 3, |_| true);
        let idx: Vec<u32> = hits.iter().map(|h| h.index).collect();
        assert_eq!(idx, vec![1, 2, 5]);
        let hits = top_k(&s, 2, |i| i != 1);
        assert_eq!(hits.iter().map(|h| h.index).collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(top_k(&s, 10, |_| true).len(), 6);
    }

    #[test]
    fn equal_scores_keep_lowest_indices() {
        let s = [1.0f32; 100];
        let hits = top_k(&s, 3, |_| true);
        assert_eq!(hits.iter().map(|h| h.index).collect::<Vec<_>>(), vec![0, 1, 2]);
    }

    #[test]
    fn block_skipping_matches_a_full_sort() {
        // Coarse values (many ties), NaNs and a filter, over many blocks and a ragged tail.
        let s: Vec<f32> = (0..1_000u32)
            .map(|i| if i % 97 == 5 { f32::NAN } else { ((i.wrapping_mul(2_654_435_761) >> 7) % 50) as f32 })
            .collect();
        let keep = |i: u32| i % 3 != 0;
        for k in [1, 7, 40, 700] {
            let mut all: Vec<Hit> = (0..s.len() as u32).filter(|&i| keep(i)).map(|i| Hit { index: i, score: nan_low(s[i as usize]) }).collect();
            all.sort_by(better);
            all.truncate(k);
            assert_eq!(top_k(&s, k, keep), all, "k = {k}");
        }
    }
}
