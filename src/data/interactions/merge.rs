//! Merging duplicate (user, item) rows of a log held in memory, on all cores, with a bit of
//! scratch per row and a `u64` per row of one round.
//!
//! Each row becomes one sort key, its user's place within a coarse bucket of consecutive users,
//! its item and its row number packed into a `u64` ([`KeyLayout`]). Two counting sorts group the
//! keys: first by coarse bucket (about 1,024 of them: few enough write streams to stay cached),
//! each stretch of rows on its own core into its own part of each bucket; then each bucket by
//! user, in place, buckets on all cores. Sorting a user's keys then orders them by item and row,
//! so the first row of each pair is its head, and the fold of every later row into it is
//! written back over the bucket's own keys, which have been read by then. Folding is one pass
//! after, bucket by bucket, so weights are summed in the same order on any number of cores. The
//! buckets are taken in [`ROUNDS`] rounds of about equal rows, so only one round's keys are held
//! at a time.

use rayon::prelude::*;
use std::ops::Range;

use super::Interactions;

/// Rounds a merge takes, each over the buckets that hold about an equal share of the rows: only
/// one round's keys are held at a time.
const ROUNDS: usize = 4;

/// Transient bytes per row while duplicates are merged: a bit, and a `u64` key for each row of
/// one round (8 / [`ROUNDS`] per row), plus 1 for a round that a large bucket makes longer;
/// 3 1/8 in all, rounded up.
pub(super) const BYTES_PER_ROW: u64 = 4;

/// Folds every repeated (user, item) row of `d` into the pair's first row: weights summed in row
/// order, latest time kept (`timed`); pairs stay in first-seen order. `users` and `items` bound
/// the indices in `d`. Returns how many rows were folded.
///
/// `d.weight` may stop short of the rows: every row past it weighs 1 (see the builder's `out`).
/// With no weights at all, each pair's weight is the count of its rows, written once the rows
/// are merged, so the weights of all rows are never held.
pub(super) fn merge_duplicates(d: &mut Interactions, users: usize, items: usize, timed: bool) -> u64 {
    let n = d.user.len();
    if n < 2 {
        return 0;
    }
    let counted = d.weight.is_empty();
    if !counted {
        d.weight.resize(n, 1.0);
    }
    // Without weights: each pair with folded rows, as its first row and how many folded into it.
    let mut folds_into: Vec<(u32, u32)> = Vec::new();
    let layout = KeyLayout::new(users, items, n);
    let part = n.div_ceil(rayon::current_num_threads().max(1)).max(1);
    let parts: Vec<Range<usize>> = (0..n).step_by(part).map(|s| s..(s + part).min(n)).collect();
    // Rows per bucket, for each part: how long each part's stretch of each bucket is.
    let counts: Vec<Vec<usize>> = parts.par_iter().map(|rows| count_buckets(&d.user, rows.clone(), &layout)).collect();
    let per_bucket: Vec<usize> = (0..layout.buckets).map(|b| counts.iter().map(|c| c[b]).sum()).collect();
    // A bit per row, from the lowest: whether it folded into an earlier row of its pair.
    let mut folded = vec![0u64; n.div_ceil(64)];
    let mut merged = 0u64;
    let rounds = rounds(&per_bucket);
    // One buffer of keys, reused by every round (a fresh one each round cost a page fault per
    // 512 keys), sized for the largest round.
    let largest = rounds.iter().map(|round| per_bucket[round.clone()].iter().sum::<usize>()).max();
    let mut keys: Vec<u64> = Vec::with_capacity(largest.unwrap_or(0));
    for buckets in rounds {
        let sizes = &per_bucket[buckets.clone()];
        // Every slot is written below: resizing without clearing zeroes only what the buffer grows by.
        keys.resize(sizes.iter().sum(), 0);
        // The round's buckets one after another, each its parts' keys in part order (so in row
        // order): every part's stretch of every bucket, for that part's core to fill.
        let mut stretches: Vec<Vec<&mut [u64]>> = parts.iter().map(|_| Vec::with_capacity(sizes.len())).collect();
        let lengths = buckets.clone().flat_map(|b| counts.iter().map(move |c| c[b]));
        for (k, stretch) in cut(&mut keys, lengths).into_iter().enumerate() {
            stretches[k % parts.len()].push(stretch);
        }
        let (user, item) = (&d.user, &d.item);
        stretches
            .par_iter_mut()
            .zip(&parts)
            .for_each(|(part, rows)| fill(part, user, item, rows.clone(), &layout, buckets.clone()));
        let folds: Vec<usize> =
            cut(&mut keys, sizes.iter().copied()).into_par_iter().map(|bucket| find_folds(bucket, &layout)).collect();
        let mut at = 0;
        for (&count, &size) in folds.iter().zip(sizes) {
            for &fold in &keys[at..at + count] {
                let (h, r) = ((fold >> 32) as usize, fold as u32 as usize);
                merged += 1;
                folded[r / 64] |= 1 << (r % 64);
                if counted {
                    // A pair's folds come one after another.
                    match folds_into.last_mut() {
                        Some((head, folds)) if *head as usize == h => *folds += 1,
                        _ => folds_into.push((h as u32, 1)),
                    }
                } else {
                    d.weight[h] += d.weight[r];
                }
                if timed {
                    d.time[h] = d.time[h].max(d.time[r]);
                }
            }
            at += size;
        }
    }
    drop(keys);
    if merged > 0 {
        // Each column on its own core (`time` is empty without times, `weight` when counted).
        let folded = &folded;
        rayon::join(
            || rayon::join(|| drop_folded(&mut d.user, folded), || drop_folded(&mut d.item, folded)),
            || rayon::join(|| drop_folded(&mut d.weight, folded), || drop_folded(&mut d.time, folded)),
        );
    }
    if counted {
        // The folded rows' memory goes first, to make room for the weights.
        d.user.shrink_to_fit();
        d.item.shrink_to_fit();
        d.time.shrink_to_fit();
        d.weight = counted_weights(d.user.len(), &folds_into, &folded);
    }
    merged
}

/// The weights of a merged log of `kept` rows whose rows all weighed 1: each pair's count of
/// rows. `folds_into` holds each pair that had folded rows as its first row (before the merge)
/// and how many folded into it; `folded` has a bit for each folded row.
fn counted_weights(kept: usize, folds_into: &[(u32, u32)], folded: &[u64]) -> Vec<f32> {
    // Rows folded before each word of `folded`, to place a first row among the kept rows.
    let mut before = Vec::with_capacity(folded.len());
    let mut total = 0usize;
    for word in folded {
        before.push(total);
        total += word.count_ones() as usize;
    }
    let mut weight = vec![1.0f32; kept];
    for &(head, folds) in folds_into {
        let h = head as usize;
        let folded_before = before[h / 64] + (folded[h / 64] & ((1u64 << (h % 64)) - 1)).count_ones() as usize;
        // Counts below 2^24 are exact, as 1 summed that often is.
        weight[h - folded_before] += folds as f32;
    }
    weight
}

/// Consecutive pieces of `v`, as long as `lengths` says, in order (together at most `v`).
fn cut(mut v: &mut [u64], lengths: impl Iterator<Item = usize>) -> Vec<&mut [u64]> {
    lengths
        .map(|len| {
            let (piece, rest) = std::mem::take(&mut v).split_at_mut(len);
            v = rest;
            piece
        })
        .collect()
}

/// The buckets of each round, in order: consecutive ranges of buckets, cut where their rows
/// (`per_bucket`) reach the next of [`ROUNDS`] equal shares of all rows.
fn rounds(per_bucket: &[usize]) -> Vec<Range<usize>> {
    let (buckets, n) = (per_bucket.len(), per_bucket.iter().sum::<usize>());
    let (mut out, mut start, mut rows) = (Vec::new(), 0, 0);
    for (b, &in_bucket) in per_bucket.iter().enumerate() {
        let share = rows * ROUNDS / n.max(1);
        rows += in_bucket;
        if rows * ROUNDS / n.max(1) > share {
            out.push(start..b + 1);
            start = b + 1;
        }
    }
    // Buckets after the last row (or all of them, without rows) join the last round.
    match out.last_mut() {
        Some(last) => last.end = buckets,
        None => out.push(0..buckets),
    }
    out
}

/// How many of rows `rows` fall in each bucket.
fn count_buckets(user: &[u32], rows: Range<usize>, layout: &KeyLayout) -> Vec<usize> {
    let mut counts = vec![0usize; layout.buckets];
    for &u in &user[rows] {
        counts[layout.bucket(u)] += 1;
    }
    counts
}

/// How a row packs into its `u64` sort key: from the top, the user's place within its coarse
/// bucket (`user >> shift`), the item, the row number. Buckets hold `2^shift` users, as many as
/// make about 1,024 buckets when the bits allow it; a log too large for that gets more buckets.
#[derive(Debug, Clone, Copy, PartialEq)]
struct KeyLayout {
    shift: u32,
    item_bits: u32,
    row_bits: u32,
    buckets: usize,
}

impl KeyLayout {
    /// The layout for user indices below `users`, item indices below `items` and `rows` rows
    /// (each below 2^32, as indices into a log's `u32` columns are).
    fn new(users: usize, items: usize, rows: usize) -> Self {
        // Bits to write the largest index below `count`.
        let bits = |count: usize| usize::BITS - count.saturating_sub(1).leading_zeros();
        let (user_bits, item_bits, row_bits) = (bits(users), bits(items), bits(rows));
        let shift = user_bits.saturating_sub(10).min(64u32.saturating_sub(item_bits + row_bits));
        Self { shift, item_bits, row_bits, buckets: (users.saturating_sub(1) >> shift) + 1 }
    }

    fn bucket(&self, user: u32) -> usize {
        (user >> self.shift) as usize
    }

    fn key(&self, user: u32, item: u32, row: usize) -> u64 {
        let in_bucket = u64::from(user) & ((1 << self.shift) - 1);
        // With no bits for the user (`shift` 0), `in_bucket` is 0 and the shift may be 64.
        in_bucket.checked_shl(self.item_bits + self.row_bits).unwrap_or(0)
            | (u64::from(item) << self.row_bits)
            | row as u64
    }

    /// The user's place within its bucket, of a key.
    fn user_in_bucket(&self, key: u64) -> usize {
        (key.checked_shr(self.item_bits + self.row_bits).unwrap_or(0)) as usize
    }

    /// The (user, item) pair of a key, as the key without its row.
    fn pair(&self, key: u64) -> u64 {
        key >> self.row_bits
    }

    fn row(&self, key: u64) -> u64 {
        key & ((1 << self.row_bits) - 1)
    }
}

/// Writes the keys of those of rows `rows` (of a log's `user` and `item` columns) that fall in
/// `buckets` into `stretches`, one per bucket (each as long as the rows of `rows` in it), in row
/// order.
fn fill(
    stretches: &mut [&mut [u64]],
    user: &[u32],
    item: &[u32],
    rows: Range<usize>,
    layout: &KeyLayout,
    buckets: Range<usize>,
) {
    let mut next = vec![0usize; buckets.len()];
    // Which rows fall in the round, found 64 at a time as a bit mask (compares without a branch),
    // then only those rows, one by one. A branch per row, taken at random for the rows of one
    // round in four, took twice as long.
    for (chunk, users) in user[rows.clone()].chunks(64).enumerate() {
        let mut mask = 0u64;
        for (j, &u) in users.iter().enumerate() {
            mask |= u64::from(layout.bucket(u).wrapping_sub(buckets.start) < buckets.len()) << j;
        }
        while mask != 0 {
            let r = rows.start + chunk * 64 + mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let b = layout.bucket(user[r]) - buckets.start;
            stretches[b][next[b]] = layout.key(user[r], item[r], r);
            next[b] += 1;
        }
    }
}

/// Groups one bucket's keys (in row order) by user in place, sorts each user's keys, which
/// orders them by item and row, so the first row of each pair is its head, then writes the
/// bucket's folds over its keys, front to back: `head row << 32 | folded row`, in the order they
/// are applied. Returns how many it wrote. No scratch the size of the bucket: the heaviest users
/// share the first buckets, and one held 2.2 million of a 20-million-row log's rows.
fn find_folds(keys: &mut [u64], layout: &KeyLayout) -> usize {
    let users = 1usize << layout.shift;
    let mut start = vec![0usize; users + 1];
    for &key in keys.iter() {
        start[layout.user_in_bucket(key) + 1] += 1;
    }
    for k in 0..users {
        start[k + 1] += start[k];
    }
    // In place (an American flag sort): each user's next unfilled place; a key taken from there
    // is carried to its own user's next place, and the key there taken on, until one belongs here.
    let mut next = start.clone();
    for g in 0..users {
        while next[g] < start[g + 1] {
            let mut key = keys[next[g]];
            let mut u = layout.user_in_bucket(key);
            while u != g {
                std::mem::swap(&mut key, &mut keys[next[u]]);
                next[u] += 1;
                u = layout.user_in_bucket(key);
            }
            keys[next[g]] = key;
            next[g] += 1;
        }
    }
    // Each fold is written before the key it comes from (the keys before that one hold at least
    // one head, which writes nothing), so it overwrites only keys already read.
    let mut written = 0;
    for g in start.windows(2) {
        if g[1] - g[0] < 2 {
            continue;
        }
        keys[g[0]..g[1]].sort_unstable();
        let mut head = keys[g[0]];
        for k in g[0] + 1..g[1] {
            let key = keys[k];
            if layout.pair(key) != layout.pair(head) {
                head = key;
                continue;
            }
            keys[written] = (layout.row(head) << 32) | layout.row(key);
            written += 1;
        }
    }
    written
}

/// Keeps the rows of `column` whose bit in `folded` (a bit per row, from the lowest) is clear
/// (an empty column stays empty), moving each row down whether kept or not: no branch per row.
fn drop_folded<T: Copy>(column: &mut Vec<T>, folded: &[u64]) {
    let mut kept = 0;
    for r in 0..column.len().min(folded.len() * 64) {
        column[kept] = column[r];
        kept += usize::from(folded[r / 64] >> (r % 64) & 1 == 0);
    }
    column.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_of_heavy_and_light_users_fold_in_row_order() {
        // 4,096 users make buckets of 4 users. Users 0–3 have 12,000 rows each and user 4 has
        // 40,000 (the heavy users share the first buckets, as in a log indexed in first-seen
        // order); the rest have a row or two.
        let mut rng = crate::rng::Rng::new(5);
        let mut rows: Vec<(u32, u32, f32, i64)> = Vec::new();
        for (user, count, items) in [(0, 12_000, 900), (1, 12_000, 30), (2, 12_000, 5_000), (3, 12_000, 1)]
            .into_iter()
            .chain([(4, 40_000, 3_000)])
            .chain((5..4_096).map(|u| (u, 1 + u as usize % 2, 2)))
        {
            for _ in 0..count {
                rows.push((user, rng.below(items) as u32, 0.1 + rng.f64() as f32, rng.below(1_000) as i64));
            }
        }
        // Users interleaved, as a log has them.
        for k in (1..rows.len()).rev() {
            rows.swap(k, rng.below(k as u64 + 1) as usize);
        }
        assert_eq!(KeyLayout::new(4_096, 5_000, rows.len()).shift, 2);
        let log = |timed: bool, weighted: bool| Interactions {
            user: rows.iter().map(|r| r.0).collect(),
            item: rows.iter().map(|r| r.1).collect(),
            weight: if weighted { rows.iter().map(|r| r.2).collect() } else { Vec::new() },
            time: if timed { rows.iter().map(|r| r.3).collect() } else { Vec::new() },
            ..Interactions::default()
        };
        // Without weights every row weighs 1, so a pair weighs its count of rows.
        let unweighted: Vec<_> = rows.iter().map(|&(u, i, _, t)| (u, i, 1.0, t)).collect();
        for timed in [false, true] {
            for (weighted, rows) in [(true, &rows), (false, &unweighted)] {
                let mut d = log(timed, weighted);
                let want = super::super::builder::tests::reference(rows);
                assert_eq!(merge_duplicates(&mut d, 4_096, 5_000, timed) as usize, rows.len() - want.len());
                assert_eq!(d.len(), want.len());
                for (r, (u, i, w, t)) in want.iter().enumerate() {
                    assert_eq!((d.user[r], d.item[r]), (*u, *i), "row {r}");
                    assert_eq!(d.weight[r].to_bits(), w.to_bits(), "row {r}: weights sum in row order");
                    assert_eq!(d.time_at(r), if timed { *t } else { i64::MIN }, "row {r}");
                }
            }
        }
    }

    #[test]
    fn counted_weights_place_each_pair_among_the_kept_rows() {
        // Rows 0–9; rows 2, 3 and 7 folded (into 0, 0 and 5); row 0's folds in two entries.
        let folded = [(1u64 << 2) | (1 << 3) | (1 << 7)];
        let weights = counted_weights(7, &[(0, 1), (5, 1), (0, 1)], &folded);
        // Kept: rows 0, 1, 4, 5, 6, 8 and 9.
        assert_eq!(weights, [3.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0]);
        // Rows 0–130, across three words of bits: rows 1–64 folded into row 0, row 128 into row
        // 127; rows 0, 65–127, 129 and 130 kept.
        let folded = [!1u64, 1, 1];
        let weights = counted_weights(66, &[(127, 1), (0, 64)], &folded);
        assert_eq!((weights[0], weights[1], weights[62], weights[63], weights[64]), (65.0, 1.0, 1.0, 2.0, 1.0));
        assert_eq!(weights.iter().sum::<f32>(), 131.0);
    }

    #[test]
    fn rounds_share_the_rows_and_cover_every_bucket() {
        // Rows per bucket.
        assert_eq!(rounds(&[1; 8]), vec![0..2, 2..4, 4..6, 6..8]);
        // A bucket with most rows ends every share it spans; empty buckets after it join the last.
        assert_eq!(rounds(&[1, 10, 1, 0, 0]), vec![0..2, 2..5]);
        assert_eq!(rounds(&[0, 0, 0]), vec![0..3]);
        assert_eq!(rounds(&[5]), vec![0..1]);
    }

    #[test]
    fn keys_pack_user_item_and_row_without_overlap() {
        // A million users in 1,024 buckets; the largest log whose keys leave no bits for the
        // user gets a bucket per user; each field reads back as written.
        let small = KeyLayout::new(1_000_000, 50_000, 20_000_000);
        assert_eq!((small.shift, small.item_bits, small.row_bits, small.buckets), (10, 16, 25, 977));
        let full = KeyLayout::new(10, u32::MAX as usize + 1, u32::MAX as usize + 1);
        assert_eq!((full.shift, full.buckets), (0, 10));
        let tight = KeyLayout::new(1 << 30, 1 << 20, 1 << 30);
        assert_eq!((tight.shift, tight.buckets), (14, 1 << 16));
        for layout in [small, full, tight, KeyLayout::new(1, 1, 1)] {
            let largest = |bits: u32| (1u64 << bits) - 1;
            let (u, i, r) =
                ((layout.buckets << layout.shift) as u32 - 1, largest(layout.item_bits), largest(layout.row_bits));
            let key = layout.key(u, i as u32, r as usize);
            assert_eq!(layout.bucket(u), layout.buckets - 1, "{layout:?}");
            assert_eq!(layout.user_in_bucket(key), (u as usize) & ((1 << layout.shift) - 1), "{layout:?}");
            assert_eq!(layout.row(key), r, "{layout:?}");
            assert_eq!(layout.pair(key) & largest(layout.item_bits), i, "{layout:?}");
        }
    }
}
