//! Building a log as its rows come: ids interned, rows held as columns, duplicate pairs merged
//! whenever that pays, titles and prices collected per item.

use std::ops::Range;

use super::super::interner::{hash_id, Interner};
use super::{columnar, merge, Interactions, Row, MIN_TITLE_ROWS};
use crate::error::{Error, Result};
use crate::hash::fixed_hasher;
use crate::recs::Catalog;

/// Collects rows as they come (no per-pair hash table: at 20M rows that table alone took more
/// memory than the rows) and merges duplicate pairs by grouping rows per user whenever that pays:
/// the rows held have doubled since the last merge and a count of the distinct pairs read so far
/// ([`PairCount`]) says at least 1 row in 8 would fold (or the budget needs a merge now), and at
/// the end. So memory grows with distinct pairs, not rows, and a log with few duplicates is not
/// sorted over and over for little. Merging in stages sums weights in the same row order as
/// merging once.
pub(super) struct Builder {
    pub(super) users: Interner,
    pub(super) items: Interner,
    /// Whether rows carry times (`out.time` stays empty otherwise).
    timed: bool,
    /// The rows so far. Weights are held only up to the last row whose weight is not 1: every
    /// row past `out.weight.len()` weighs 1. A log without a weight column then holds no weights
    /// until a merge counts each pair's rows (80 MB less through a 20M-row read);
    /// [`merge::merge_duplicates`] takes either.
    out: Interactions,
    /// Each item's distinct titles with their row counts, in first-seen order.
    titles: Vec<Vec<(Box<str>, u32)>>,
    title_bytes: u64,
    prices: Vec<f32>,
    pub(super) pending: Pending,
    /// Rows folded into earlier ones by the merges so far.
    merged: u64,
    /// Rows held right after the last merge.
    rows_after_merge: usize,
    /// The distinct (user, item) pairs among the rows read so far.
    pairs: PairCount,
    /// See [`super::ReadOptions::max_memory`].
    budget: Option<u64>,
    /// Data rows read so far, for the budget's message.
    pub(super) rows_seen: u64,
    /// Rows held before the first merge ([`FIRST_MERGE_ROWS`]; smaller in tests).
    first_merge: usize,
    /// Parquet batches' user and item dictionaries, last seen, with the index of each entry.
    pub(super) dictionaries: [columnar::DictionaryIds; 2],
}

/// Rows held before the first merge of duplicates (100 MB of rows, 170 MB with times); later
/// merges come when the rows held have doubled (see [`Builder::bound_memory`]).
const FIRST_MERGE_ROWS: usize = 1 << 23;

/// Rows read but not yet interned, their strings copied into one buffer. Reading a file fills
/// these on one thread while another interns them.
#[derive(Default)]
pub(super) struct Pending {
    text: String,
    rows: Vec<PendingRow>,
    /// Scratch for [`Builder::intern`]: one column's id hashes, and the rows' interned ids.
    hashes: Vec<u64>,
    pub(super) users: Vec<u32>,
    pub(super) items: Vec<u32>,
}

impl Pending {
    /// Rows handed from the reading thread to the interning thread at a time.
    const BATCH: usize = 1024;

    /// Queues a row, its strings copied.
    pub(super) fn push(&mut self, row: &Row) {
        let mut span = |s: &str| {
            let start = self.text.len();
            self.text.push_str(s);
            start..self.text.len()
        };
        let Row { user, item, weight, time, title, price } = *row;
        let row = PendingRow { user: span(user), item: span(item), title: title.map(&mut span), weight, time, price };
        self.rows.push(row);
    }

    pub(super) fn is_full(&self) -> bool {
        self.rows.len() >= Self::BATCH
    }
}

struct PendingRow {
    user: Range<usize>,
    item: Range<usize>,
    title: Option<Range<usize>>,
    weight: f32,
    time: i64,
    price: Option<f32>,
}

impl Builder {
    pub(super) fn new(timed: bool, budget: Option<u64>) -> Self {
        Self {
            users: Interner::default(),
            items: Interner::default(),
            timed,
            out: Interactions::default(),
            titles: Vec::new(),
            title_bytes: 0,
            prices: Vec::new(),
            pending: Pending::default(),
            merged: 0,
            rows_after_merge: 0,
            pairs: PairCount::default(),
            budget,
            rows_seen: 0,
            first_merge: FIRST_MERGE_ROWS,
            dictionaries: Default::default(),
        }
    }

    /// Adds a row on this thread (queued, then interned a batch at a time).
    pub(super) fn push(&mut self, row: &Row) -> Result<()> {
        self.pending.push(row);
        if self.pending.is_full() {
            self.flush()?;
        }
        Ok(())
    }

    pub(super) fn flush(&mut self) -> Result<()> {
        let mut p = std::mem::take(&mut self.pending);
        let r = self.intern(&mut p);
        self.pending = p;
        r
    }

    /// Bytes held now, and at the peak of merging the rows held.
    fn memory(&self) -> (u64, u64) {
        // A weight per row whether held or not: a merge of a log without them holds as much at
        // worst (each pair's folds counted, 8 bytes per pair with 2 rows or more, then the weights).
        let row_bytes: u64 = if self.timed { 20 } else { 12 };
        let rows = self.out.user.len() as u64;
        let ids = self.users.heap_bytes() + self.items.heap_bytes();
        let items = self.prices.len() as u64 * 28 + self.title_bytes;
        let held = rows * row_bytes + ids + items;
        (held, held + rows * merge::BYTES_PER_ROW)
    }

    /// Merges duplicates when the rows held have doubled since the last merge (and number at
    /// least [`FIRST_MERGE_ROWS`]) and at least 1 in 8 of them would fold, or when the next merge
    /// would not fit the budget; stops with [`Error::MemoryBudget`] when even the merged rows do
    /// not fit. So between merges the rows held stay within twice the distinct pairs (or 8/7 of
    /// them, as far as [`PairCount`] can tell) once past the first merge's size.
    pub(super) fn bound_memory(&mut self) -> Result<()> {
        let rows = self.out.user.len();
        let merge_would_overflow = self.budget.is_some_and(|b| self.memory().1 > b);
        let grown = rows >= self.first_merge.max(2 * self.rows_after_merge);
        if rows > self.rows_after_merge && (merge_would_overflow || (grown && self.pairs.would_fold(rows) * 8 >= rows))
        {
            self.merged += self.merge_duplicates();
            self.rows_after_merge = self.out.user.len();
        }
        match self.budget {
            Some(budget) if self.memory().1 > budget => Err(Error::MemoryBudget {
                what: format!(
                    "{} distinct (user, item) pairs and {} users × {} items after {} rows",
                    self.out.user.len(),
                    self.users.len(),
                    self.items.len(),
                    self.rows_seen
                ),
                needed: self.memory().1,
                budget,
            }),
            _ => Ok(()),
        }
    }

    /// Interns a batch of rows and empties it (keeping its buffers): all its users, then all its
    /// items (each id space in row order), with [`Interner::intern_all`]'s prefetching. Then
    /// keeps memory within the budget.
    pub(super) fn intern(&mut self, p: &mut Pending) -> Result<()> {
        self.rows_seen += p.rows.len() as u64;
        let Pending { text, rows, hashes, users, items } = p;
        for (column, interner, out) in [(0, &mut self.users, &mut *users), (1, &mut self.items, &mut *items)] {
            let ids: Vec<&str> =
                rows.iter().map(|row| &text[if column == 0 { row.user.clone() } else { row.item.clone() }]).collect();
            hashes.clear();
            hashes.extend(ids.iter().map(|id| hash_id(id.as_bytes())));
            out.clear();
            interner.intern_all(|k| ids[k].as_bytes(), hashes, out);
        }
        for (row, (&u, &i)) in rows.iter().zip(users.iter().zip(items.iter())) {
            let title = row.title.as_ref().map(|t| text[t.clone()].trim());
            self.add_row(u, i, row.weight, row.time, title, row.price);
        }
        text.clear();
        rows.clear();
        self.bound_memory()
    }

    /// Adds a row of interned ids: its pair, and its item's title vote and first price.
    pub(super) fn add_row(&mut self, u: u32, i: u32, weight: f32, time: i64, title: Option<&str>, price: Option<f32>) {
        self.cover_items();
        if let Some(t) = title {
            self.vote_title(i, t);
        }
        if let Some(price) = price {
            if self.prices[i as usize].is_nan() {
                self.prices[i as usize] = price;
            }
        }
        self.pairs.add(u, i);
        self.out.user.push(u);
        self.out.item.push(i);
        if weight != 1.0 {
            self.hold_weights(self.out.user.len() - 1);
            self.out.weight.push(weight);
        }
        if self.timed {
            self.out.time.push(time);
        }
    }

    /// Adds rows of interned ids with no title or price, as [`Builder::add_row`] would one by one.
    /// Empty `weights` or `times` stand for weight 1 and no time on every row.
    pub(super) fn add_rows(&mut self, users: &[u32], items: &[u32], weights: &[f32], times: &[i64]) {
        self.cover_items();
        for (&u, &i) in users.iter().zip(items) {
            self.pairs.add(u, i);
        }
        let start = self.out.user.len();
        self.out.user.extend_from_slice(users);
        self.out.item.extend_from_slice(items);
        let rows = self.out.user.len();
        if !weights.is_empty() {
            self.hold_weights(start);
            self.out.weight.extend_from_slice(weights);
        }
        if self.timed {
            match times {
                [] => self.out.time.resize(rows, i64::MIN),
                _ => self.out.time.extend_from_slice(times),
            }
        }
    }

    /// Writes out the implicit weight 1 of every row before row `rows` ([`Builder::out`]).
    fn hold_weights(&mut self, rows: usize) {
        self.out.weight.resize(rows, 1.0);
    }

    /// Gives every item interned so far its (empty) title votes and (unknown) price.
    fn cover_items(&mut self) {
        if self.prices.len() < self.items.len() {
            self.titles.resize_with(self.items.len(), Vec::new);
            self.prices.resize(self.items.len(), f32::NAN);
        }
    }

    /// Counts one row's title for item `i` (empty titles do not vote).
    fn vote_title(&mut self, i: u32, title: &str) {
        if title.is_empty() {
            return;
        }
        let votes = &mut self.titles[i as usize];
        match votes.iter_mut().find(|(t, _)| &**t == title) {
            Some((_, n)) => *n += 1,
            None => {
                self.title_bytes += (title.len() + 24) as u64;
                votes.push((title.into(), 1));
            }
        }
    }

    /// Each item's title: its most frequent one (ties: the first seen), withheld when it occurs on
    /// fewer than [`MIN_TITLE_ROWS`] rows while others exist. Returns the titles and the counts of
    /// items with several titles and with a withheld one.
    fn elect_titles(titles: Vec<Vec<(Box<str>, u32)>>) -> (Vec<String>, u64, u64) {
        let (mut several, mut withheld) = (0, 0);
        let out = titles
            .into_iter()
            .map(|votes| {
                several += u64::from(votes.len() > 1);
                // `max_by_key` keeps the last maximum: scan in reverse so ties go to the first seen.
                match votes.iter().rev().max_by_key(|(_, n)| *n) {
                    Some((_, n)) if votes.len() > 1 && *n < MIN_TITLE_ROWS => {
                        withheld += 1;
                        String::new()
                    }
                    Some((t, _)) => t.to_string(),
                    None => String::new(),
                }
            })
            .collect();
        (out, several, withheld)
    }

    /// Lets go of the last Parquet batch's dictionaries, held in case the next batch shared them.
    pub(super) fn forget_dictionaries(&mut self) {
        self.dictionaries = Default::default();
    }

    /// Folds every repeated (user, item) row into the pair's first row ([`merge::merge_duplicates`]).
    /// Returns how many rows were folded.
    fn merge_duplicates(&mut self) -> u64 {
        merge::merge_duplicates(&mut self.out, self.users.len(), self.items.len(), self.timed)
    }

    /// The merged log, with how many duplicate rows were folded into earlier ones, how many items
    /// had several titles and how many titles were withheld.
    pub(super) fn finish(mut self, with_catalog: bool) -> Result<(Interactions, u64, u64, u64)> {
        self.flush()?;
        // The id tables go before the last merge, whose peak memory they would add to.
        let (users, items) = (self.users.into_names(), self.items.into_names());
        let merged = self.merged + merge::merge_duplicates(&mut self.out, users.len(), items.len(), self.timed);
        let d = &mut self.out;
        // A log of one row has not been merged: its weight may still be implicit.
        d.weight.resize(d.user.len(), 1.0);
        d.user.shrink_to_fit();
        d.item.shrink_to_fit();
        d.weight.shrink_to_fit();
        d.time.shrink_to_fit();
        self.out.users = users.into_ids();
        self.out.items = items.into_strings();
        self.out.check_summed_weights()?;
        let (titles, several, withheld) = Self::elect_titles(self.titles);
        if with_catalog {
            self.out.catalog = Some(Catalog { titles, prices: self.prices });
        }
        Ok((self.out, merged, several, withheld))
    }
}

/// A running estimate of how many distinct (user, item) pairs a log's rows hold: a HyperLogLog
/// sketch (2^14 registers, 12 KB) of the pairs that fall in one eighth of the pair space (picked
/// by a hash), times 8. Sampling by pair counts every pair of that eighth however often it
/// repeats, so the count stays unbiased while 7 rows in 8 cost one multiply; its standard error
/// is about 0.8 % plus that of the sample, under 0.1 % at a million pairs. (Pairs arrive hashed:
/// the sketch's own hasher, named in its type for the precision that follows it, is unused.)
struct PairCount(cardinality_estimator::CardinalityEstimator<u64, std::collections::hash_map::DefaultHasher, 14, 6>);

impl Default for PairCount {
    fn default() -> Self {
        Self(cardinality_estimator::CardinalityEstimator::new())
    }
}

impl PairCount {
    /// Pairs whose multiplicative hash has this many leading zero bits are counted.
    const SAMPLE_BITS: u32 = 3;

    #[inline]
    fn add(&mut self, user: u32, item: u32) {
        // Which eighth a pair falls in: the top bits of one product, which every bit of the pair
        // reaches. Only the sampled pairs pay for the full hash the sketch needs.
        let pair = (u64::from(user) << 32) | u64::from(item);
        if pair.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - Self::SAMPLE_BITS) == 0 {
            self.count(pair);
        }
    }

    /// Counts a sampled pair, hashed by the ids' [`fixed_hasher`]. Out of line, so that the 7 rows
    /// in 8 that are not counted run through a few instructions.
    #[inline(never)]
    fn count(&mut self, pair: u64) {
        use std::hash::BuildHasher;
        self.0.insert_hash(fixed_hasher().hash_one(pair));
    }

    /// The estimated number of distinct pairs added.
    fn estimate(&self) -> usize {
        self.0.estimate() << Self::SAMPLE_BITS
    }

    /// How many of `rows` held rows would fold into others, by the estimate (at least 0).
    fn would_fold(&self, rows: usize) -> usize {
        rows.saturating_sub(self.estimate())
    }
}

impl Interactions {
    /// Each row's weight is finite, but a pair's repeated rows can sum past `f32::MAX`.
    fn check_summed_weights(&self) -> Result<()> {
        match first_not_finite(&self.weight) {
            None => Ok(()),
            Some(r) => Err(Error::InvalidValue {
                field: format!(
                    "weight of user {:?}, item {:?}",
                    &self.users[self.user[r] as usize], self.items[self.item[r] as usize]
                ),
                value: "the sum of its rows".into(),
                reason: format!("must stay at most {:e} (f32's largest)", f32::MAX),
            }),
        }
    }
}

/// The position of the first weight that is not finite: blocks of 4,096 tested whole (in vector
/// instructions: 4 ms for 20M weights, against 12–23 ms stopping at each), then the one that
/// fails.
fn first_not_finite(weights: &[f32]) -> Option<usize> {
    const BLOCK: usize = 4096;
    let all_finite = |block: &[f32]| block.iter().fold(true, |ok, w| ok & w.is_finite());
    let start = weights.chunks(BLOCK).position(|block| !all_finite(block))? * BLOCK;
    weights[start..].iter().position(|w| !w.is_finite()).map(|k| start + k)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn first_not_finite_is_found_in_any_block_and_at_its_edges() {
        let mut w = vec![1.0f32; 3 * 4096 + 7];
        assert_eq!(first_not_finite(&w), None);
        assert_eq!(first_not_finite(&[]), None);
        for (bad, at) in [(f32::INFINITY, 4095), (f32::NAN, 4096), (f32::NEG_INFINITY, 3 * 4096 + 6), (f32::NAN, 0)] {
            w[at] = bad;
            assert_eq!(first_not_finite(&w), Some(at), "{bad} at {at}");
            w[at] = 1.0;
        }
        // The first in row order, wherever the later ones are.
        (w[4095], w[5000], w[9000]) = (f32::INFINITY, f32::NAN, f32::INFINITY);
        assert_eq!(first_not_finite(&w), Some(4095));
    }

    /// The obvious definition: one hash-map slot per pair, in first-seen order.
    pub(in crate::data::interactions) fn reference(rows: &[(u32, u32, f32, i64)]) -> Vec<(u32, u32, f32, i64)> {
        let mut slot: std::collections::HashMap<(u32, u32), usize> = std::collections::HashMap::new();
        let mut out: Vec<(u32, u32, f32, i64)> = Vec::new();
        for &(u, i, w, t) in rows {
            match slot.get(&(u, i)) {
                Some(&k) => {
                    out[k].2 += w;
                    out[k].3 = out[k].3.max(t);
                }
                None => {
                    slot.insert((u, i), out.len());
                    out.push((u, i, w, t));
                }
            }
        }
        out
    }

    #[test]
    fn duplicates_fold_into_first_rows_in_order() {
        let mut rng = crate::rng::Rng::new(3);
        // 40 users sort in one pass; 3,000 users go through coarse buckets of 4 users first.
        // Merging in stages (every few batches) must give the same log as merging once.
        // Rows weigh 1 one time in `ones` (so logs with weights on every row, some rows or none:
        // weights of 1 are not held, and a log without others has its pairs' rows counted).
        for (timed, users, items, first_merge, ones) in [
            (false, 40, 30, usize::MAX, 0),
            (true, 40, 30, usize::MAX, 0),
            (true, 3_000, 4, usize::MAX, 0),
            (true, 40, 30, 1_000, 0),
            (false, 3_000, 4, 1_000, 0),
            (false, 40, 30, usize::MAX, 1),
            (true, 3_000, 4, 1_000, 1),
            (false, 40, 30, 1_000, 3),
            (true, 3_000, 4, usize::MAX, 3),
        ] {
            let rows: Vec<(u32, u32, f32, i64)> = (0..5_000)
                .map(|_| {
                    let w = 0.1 + rng.f64() as f32;
                    let w = if ones > 0 && rng.below(ones) == 0 { 1.0 } else { w };
                    (rng.below(users) as u32, rng.below(items) as u32, w, rng.below(1_000) as i64)
                })
                .collect();
            let mut b = Builder::new(timed, None);
            b.first_merge = first_merge;
            for &(u, i, w, t) in &rows {
                let (user, item) = (format!("u{u}"), format!("i{i}"));
                let row = Row { user: &user, item: &item, weight: w, time: t, title: None, price: None };
                b.push(&row).unwrap();
            }
            let (d, merged, _, _) = b.finish(false).unwrap();
            let want = reference(&rows);
            assert_eq!(merged as usize, rows.len() - want.len());
            assert_eq!(d.len(), want.len());
            assert_eq!(d.has_time(), timed);
            for (r, (u, i, w, t)) in want.iter().enumerate() {
                assert_eq!(
                    (&d.users[d.user[r] as usize], d.items[d.item[r] as usize].as_str()),
                    (format!("u{u}").as_str(), format!("i{i}").as_str())
                );
                assert_eq!(d.weight[r].to_bits(), w.to_bits(), "row {r}: weights sum in row order");
                assert_eq!(d.time_at(r), if timed { *t } else { i64::MIN });
            }
        }
    }

    #[test]
    fn duplicates_merge_while_reading_only_when_enough_would_fold() {
        let read = |rows: usize, distinct: usize| {
            let mut b = Builder::new(false, None);
            b.first_merge = 1_000;
            for r in 0..rows {
                let user = format!("u{}", r % distinct);
                b.push(&Row { user: &user, item: "i", weight: 1.0, time: 0, title: None, price: None }).unwrap();
            }
            b.flush().unwrap();
            (b.merged, b.out.user.len())
        };
        // Distinct pairs: nothing would fold, so no pass over the rows however many arrive.
        assert_eq!(read(20_000, 20_000), (0, 20_000));
        // Each pair four times: merged while reading, the rows held within twice the distinct
        // pairs (plus the batch that crossed the line).
        let (merged, held) = read(20_000, 5_000);
        assert!(merged > 0 && held <= 2 * 5_000 + Pending::BATCH, "{merged} merged, {held} held");
    }
}
