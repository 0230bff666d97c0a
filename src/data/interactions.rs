//! Interaction logs: reading them from CSV, interning ids, merging duplicates.

use std::ops::Range;
use std::path::Path;

use super::csv_input::{CsvInput, Record};
use super::{interner::fixed_hasher, interner::hash_id, interner::Interner, source, time::parse_timestamp, Csr};
use crate::error::{Error, Location, Result};
use crate::recs::Catalog;

mod columnar;
mod merge;

/// Which columns of a CSV hold what. Only `user` and `item` are required.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// User (customer) id column.
    pub user: String,
    /// Item (product) id column.
    pub item: String,
    /// Optional weight (quantity, rating, count); must be a finite number > 0. Default 1.
    pub weight: Option<String>,
    /// Optional timestamp (Unix seconds or ISO / `M/D/YYYY H:MM` dates).
    pub time: Option<String>,
    /// Optional item title, kept in the bundle's catalogue.
    pub title: Option<String>,
    /// Optional item price, kept in the bundle's catalogue.
    pub price: Option<String>,
}

/// How strict reading is. Default: stop at the first bad row; comma delimiter; memory budget
/// [`super::default_memory_budget`].
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Skip malformed rows (counting and reporting them) instead of stopping.
    pub skip_bad_rows: bool,
    /// Field delimiter (default `,`).
    pub delimiter: u8,
    /// Whether the first line names the columns (default true). Without one, columns are named
    /// `1`, `2`, … by position.
    pub has_header: bool,
    /// How many skipped-row examples to keep for the report (default 5).
    pub max_examples: usize,
    /// Bytes the log may take in memory while it is read (rows, ids, titles, and the merge of
    /// duplicate rows); past it reading stops with [`Error::MemoryBudget`] instead of the process
    /// being killed. `None`: no limit.
    pub max_memory: Option<u64>,
    /// Keep only the rows whose time lies in this window (needs [`Columns::time`]); the others
    /// are counted in [`ReadReport::rows_outside_window`], their other cells unchecked. `None`
    /// (the default): every row.
    pub window: Option<TimeWindow>,
}

/// A span of time rows are kept in: from `since` (included) to `until` (excluded), in seconds
/// since the Unix epoch as the time column reads; an open end when `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeWindow {
    /// The earliest time kept.
    pub since: Option<i64>,
    /// The first time after the window.
    pub until: Option<i64>,
}

impl TimeWindow {
    /// Whether time `t` lies in the window.
    pub fn contains(&self, t: i64) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }

    /// Whether partition value `v` of the time column puts every row of its part outside the
    /// window: the rows' time is that value, read as a row's time is (a value that is no time is
    /// left for the rows to report).
    pub(crate) fn rules_out_partition(&self, v: Option<&str>) -> bool {
        v.and_then(parse_timestamp).is_some_and(|t| !self.contains(t))
    }
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            skip_bad_rows: false,
            delimiter: b',',
            has_header: true,
            max_examples: 5,
            max_memory: Some(super::default_memory_budget()),
            window: None,
        }
    }
}

/// What reading found: counts and the first examples of skipped rows.
#[derive(Debug, Clone, Default)]
pub struct ReadReport {
    /// Data rows read (header excluded).
    pub rows_read: u64,
    /// Rows that became interactions.
    pub rows_kept: u64,
    /// Rows skipped as malformed (only with `skip_bad_rows`).
    pub rows_skipped: u64,
    /// Rows read whose time lies outside [`ReadOptions::window`].
    pub rows_outside_window: u64,
    /// Part files not read at all because the partition directory giving their rows' time lies
    /// outside [`ReadOptions::window`].
    pub parts_outside_window: u64,
    /// The first skipped rows' errors.
    pub examples: Vec<Error>,
    /// Rows folded into an earlier (user, item) pair.
    pub duplicates_merged: u64,
    /// Items whose rows carry more than one distinct title (the most frequent one is kept).
    pub items_with_several_titles: u64,
    /// Items left without a title because no title of theirs occurs on [`MIN_TITLE_ROWS`] rows
    /// while another title exists: a title seen once among others may be customer text (a gift
    /// note), which must not reach the bundle.
    pub titles_withheld: u64,
}

impl ReadReport {
    /// Counts a row outside the time window.
    fn outside_window(&mut self) {
        self.rows_read += 1;
        self.rows_outside_window += 1;
    }

    /// Counts a skipped row, keeping its error among the first `opts.max_examples`.
    fn skip(&mut self, e: Error, opts: &ReadOptions) {
        self.rows_read += 1;
        self.rows_skipped += 1;
        if self.examples.len() < opts.max_examples {
            self.examples.push(e);
        }
    }
}

/// Rows a title must occur on to be kept when the item's rows carry other titles too.
pub const MIN_TITLE_ROWS: u32 = 2;

/// A deduplicated interaction log with interned ids (structure of arrays).
///
/// Built only by [`Interactions::from_triples`] and [`Interactions::read_csv`], so its columns
/// always agree: one entry per distinct (user, item) pair, indexes within the id lists, weights
/// finite and > 0, times either absent or one per pair, a catalogue (if any) one entry per item.
/// The columns are read through accessors.
#[derive(Debug, Clone, Default)]
pub struct Interactions {
    /// User ids by index.
    pub(crate) users: Vec<String>,
    /// Item ids by index.
    pub(crate) items: Vec<String>,
    /// User index of each interaction.
    pub(crate) user: Vec<u32>,
    /// Item index of each interaction.
    pub(crate) item: Vec<u32>,
    /// Summed weight of each (user, item) pair.
    pub(crate) weight: Vec<f32>,
    /// Latest time of each pair; empty when the input has no times (see [`Interactions::time_at`]).
    pub(crate) time: Vec<i64>,
    /// Titles and prices per item, when the input had those columns.
    pub(crate) catalog: Option<Catalog>,
}

/// Collects rows as they come (no per-pair hash table: at 20M rows that table alone took more
/// memory than the rows) and merges duplicate pairs by grouping rows per user whenever that pays:
/// the rows held have doubled since the last merge and a count of the distinct pairs read so far
/// ([`PairCount`]) says at least 1 row in 8 would fold (or the budget needs a merge now), and at
/// the end. So memory grows with distinct pairs, not rows, and a log with few duplicates is not
/// sorted over and over for little. Merging in stages sums weights in the same row order as
/// merging once.
struct Builder {
    users: Interner,
    items: Interner,
    /// Whether rows carry times (`out.time` stays empty otherwise).
    timed: bool,
    out: Interactions,
    /// Each item's distinct titles with their row counts, in first-seen order.
    titles: Vec<Vec<(Box<str>, u32)>>,
    title_bytes: u64,
    prices: Vec<f32>,
    pending: Pending,
    /// Rows folded into earlier ones by the merges so far.
    merged: u64,
    /// Rows held right after the last merge.
    rows_after_merge: usize,
    /// The distinct (user, item) pairs among the rows read so far.
    pairs: PairCount,
    /// See [`ReadOptions::max_memory`].
    budget: Option<u64>,
    /// Data rows read so far, for the budget's message.
    rows_seen: u64,
    /// Rows held before the first merge ([`FIRST_MERGE_ROWS`]; smaller in tests).
    first_merge: usize,
    /// Parquet batches' user and item dictionaries, last seen, with the index of each entry.
    dictionaries: [columnar::DictionaryIds; 2],
}

/// Rows held before the first merge of duplicates (100 MB of rows, 170 MB with times); later
/// merges come when the rows held have doubled (see [`Builder::bound_memory`]).
const FIRST_MERGE_ROWS: usize = 1 << 23;

/// Rows read but not yet interned, their strings copied into one buffer. Reading a file fills
/// these on one thread while another interns them.
#[derive(Default)]
struct Pending {
    text: String,
    rows: Vec<PendingRow>,
    /// Scratch for [`Builder::intern`]: one column's id hashes, and the rows' interned ids.
    hashes: Vec<u64>,
    users: Vec<u32>,
    items: Vec<u32>,
}

impl Pending {
    /// Rows handed from the reading thread to the interning thread at a time.
    const BATCH: usize = 1024;

    /// Queues a row.
    fn push(&mut self, user: &str, item: &str, weight: f32, time: i64, title: Option<&str>, price: Option<f32>) {
        let mut span = |s: &str| {
            let start = self.text.len();
            self.text.push_str(s);
            start..self.text.len()
        };
        let row = PendingRow { user: span(user), item: span(item), title: title.map(&mut span), weight, time, price };
        self.rows.push(row);
    }

    fn is_full(&self) -> bool {
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
    fn new(timed: bool, budget: Option<u64>) -> Self {
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
    fn push(
        &mut self,
        user: &str,
        item: &str,
        weight: f32,
        time: i64,
        title: Option<&str>,
        price: Option<f32>,
    ) -> Result<()> {
        self.pending.push(user, item, weight, time, title, price);
        if self.pending.is_full() {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let mut p = std::mem::take(&mut self.pending);
        let r = self.intern(&mut p);
        self.pending = p;
        r
    }

    /// Bytes held now, and at the peak of merging the rows held.
    fn memory(&self) -> (u64, u64) {
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
    fn bound_memory(&mut self) -> Result<()> {
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
    fn intern(&mut self, p: &mut Pending) -> Result<()> {
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
    fn add_row(&mut self, u: u32, i: u32, weight: f32, time: i64, title: Option<&str>, price: Option<f32>) {
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
        self.out.weight.push(weight);
        if self.timed {
            self.out.time.push(time);
        }
    }

    /// Adds rows of interned ids with no title or price, as [`Builder::add_row`] would one by one.
    /// Empty `weights` or `times` stand for weight 1 and no time on every row.
    fn add_rows(&mut self, users: &[u32], items: &[u32], weights: &[f32], times: &[i64]) {
        self.cover_items();
        for (&u, &i) in users.iter().zip(items) {
            self.pairs.add(u, i);
        }
        self.out.user.extend_from_slice(users);
        self.out.item.extend_from_slice(items);
        let rows = self.out.user.len();
        match weights {
            [] => self.out.weight.resize(rows, 1.0),
            _ => self.out.weight.extend_from_slice(weights),
        }
        if self.timed {
            match times {
                [] => self.out.time.resize(rows, i64::MIN),
                _ => self.out.time.extend_from_slice(times),
            }
        }
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

    /// Folds every repeated (user, item) row into the pair's first row ([`merge::merge_duplicates`]).
    /// Returns how many rows were folded.
    fn merge_duplicates(&mut self) -> u64 {
        merge::merge_duplicates(&mut self.out, self.users.len(), self.items.len(), self.timed)
    }

    /// The merged log, with how many duplicate rows were folded into earlier ones, how many items
    /// had several titles and how many titles were withheld.
    fn finish(mut self, with_catalog: bool) -> Result<(Interactions, u64, u64, u64)> {
        self.flush()?;
        // The id tables go before the last merge, whose peak memory they would add to.
        let (users, items) = (self.users.into_names(), self.items.into_names());
        let merged = self.merged + merge::merge_duplicates(&mut self.out, users.len(), items.len(), self.timed);
        let d = &mut self.out;
        d.user.shrink_to_fit();
        d.item.shrink_to_fit();
        d.weight.shrink_to_fit();
        d.time.shrink_to_fit();
        self.out.users = users.into_strings();
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
                    self.users[self.user[r] as usize], self.items[self.item[r] as usize]
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

impl Interactions {
    /// Builds a log from `(user, item, weight)` triples; weights must be finite and > 0.
    pub fn from_triples<'a>(triples: impl IntoIterator<Item = (&'a str, &'a str, f32)>) -> Result<Self> {
        let mut b = Builder::new(false, None);
        for (n, (u, i, w)) in triples.into_iter().enumerate() {
            if u.is_empty() || i.is_empty() {
                return Err(Error::InvalidValue {
                    field: format!("triple {n}"),
                    value: format!("({u:?}, {i:?})"),
                    reason: "ids must not be empty".into(),
                });
            }
            if !(w.is_finite() && w > 0.0) {
                return Err(Error::InvalidValue {
                    field: format!("weight of triple {n}"),
                    value: w.to_string(),
                    reason: "must be a finite number > 0".into(),
                });
            }
            b.push(u, i, w, i64::MIN, None, None)?;
        }
        Ok(b.finish(false)?.0)
    }

    /// Reads a CSV (optionally compressed) or Parquet log: a file, or a directory of part files
    /// ([`super::parquet`], `csv_input.rs`). Malformed rows stop the read with an error naming
    /// file, line, column and value, unless `opts.skip_bad_rows`, which counts and reports them;
    /// an input that cannot be read on (a truncated gzip, a row over
    /// [`source::MAX_RECORD_BYTES`]) always stops it. Duplicate rows are merged while reading, so
    /// memory grows with distinct pairs; past `opts.max_memory` reading stops with
    /// [`Error::MemoryBudget`]. `progress` is called with the number of rows read so far every
    /// 65,536 rows.
    pub fn read_csv(
        path: &Path,
        cols: &Columns,
        opts: &ReadOptions,
        progress: &dyn Fn(u64),
    ) -> Result<(Self, ReadReport)> {
        let file = path.display().to_string();
        if let (Some(w), None) = (opts.window, &cols.time) {
            return Err(Error::InvalidValue {
                field: "time window".into(),
                value: format!("{w:?}"),
                reason: "needs a time column".into(),
            });
        }
        let mut input = if super::parquet::is_parquet(path) {
            Input::Parquet(columnar::Chunks::open(path, cols, opts)?)
        } else {
            let mut input = CsvInput::open(path, opts.delimiter, opts.has_header)?;
            let at = ColumnIndex { window: opts.window, ..ColumnIndex::find(input.header(), cols, &file)? };
            if let (Some(window), Some(t)) = (opts.window, at.time) {
                let key = input.header()[t].clone();
                input.skip_partitions(&key, move |v| window.rules_out_partition(v))?;
            }
            Input::Csv(CsvRows { input, at, record: csv::StringRecord::new() })
        };
        let (timed, catalogued) = (cols.time.is_some(), cols.title.is_some() || cols.price.is_some());
        let budget = opts.max_memory;
        let mut report = ReadReport::default();
        // This thread reads rows into batches; a second one interns them, in order.
        let built = std::thread::scope(|scope| -> Result<Builder> {
            let (to_intern, batches) = std::sync::mpsc::sync_channel::<Work>(4);
            let (recycle, spare) = std::sync::mpsc::channel::<Pending>();
            let interning = scope.spawn(move || -> Result<Builder> {
                let mut b = Builder::new(timed, budget);
                for work in batches {
                    // On an error the receiver goes, and the reader stops sending.
                    match work {
                        Work::Rows(mut p) => {
                            b.intern(&mut p)?;
                            let _ = recycle.send(p); // fails only once reading has stopped
                        }
                        Work::Columns(chunk) => b.intern_columns(&chunk)?,
                    }
                }
                // The last Parquet batch's dictionaries, held in case the next batch shared them.
                b.dictionaries = Default::default();
                Ok(b)
            });
            let read = match &mut input {
                Input::Csv(rows) => feed(rows, opts, &mut report, &to_intern, &spare, progress),
                Input::Parquet(chunks) => chunks.feed(opts, &mut report, &to_intern, progress),
            };
            drop(to_intern);
            let built = interning.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            read?;
            built
        })?;
        report.parts_outside_window = match &input {
            Input::Csv(rows) => rows.input.parts_skipped(),
            Input::Parquet(chunks) => chunks.parts_skipped(),
        };
        // The reader (for Parquet: the files' metadata and decoders) goes before the last merge,
        // and with it the memory reading freed.
        drop(input);
        super::release_free_memory();
        if report.rows_kept == 0 {
            let outside = match opts.window {
                Some(_) => format!(
                    "; {} rows and {} part files outside the time window",
                    report.rows_outside_window, report.parts_outside_window
                ),
                None => String::new(),
            };
            return Err(Error::Empty(format!(
                "{file}: no usable rows ({} read, {} skipped{outside})",
                report.rows_read, report.rows_skipped
            )));
        }
        let (data, merged, several, withheld) = built.finish(catalogued)?;
        report.duplicates_merged = merged;
        report.items_with_several_titles = several;
        report.titles_withheld = withheld;
        Ok((data, report))
    }

    /// User ids by index.
    pub fn users(&self) -> &[String] {
        &self.users
    }
    /// Item ids by index.
    pub fn items(&self) -> &[String] {
        &self.items
    }
    /// User index of each (user, item) pair.
    pub fn user_indices(&self) -> &[u32] {
        &self.user
    }
    /// Item index of each (user, item) pair.
    pub fn item_indices(&self) -> &[u32] {
        &self.item
    }
    /// Summed weight of each (user, item) pair.
    pub fn weights(&self) -> &[f32] {
        &self.weight
    }
    /// Latest time of each pair; empty when the input had no times.
    pub fn times(&self) -> &[i64] {
        &self.time
    }
    /// Titles and prices per item, when the input had those columns.
    pub fn catalog(&self) -> Option<&Catalog> {
        self.catalog.as_ref()
    }
    /// This log with each pair's time set from `times` (one per pair, in row order, e.g. seconds
    /// since the epoch); fails with [`Error::ShapeMismatch`] when the count differs.
    pub fn with_times(mut self, times: Vec<i64>) -> Result<Self> {
        if times.len() != self.len() {
            return Err(Error::shape("times", self.len(), times.len()));
        }
        self.time = times;
        Ok(self)
    }
    /// Gives each item without a title the one `title(id)` returns, if any (a log without a
    /// catalogue gets one with no titles and no prices first).
    pub fn fill_titles(&mut self, mut title: impl FnMut(&str) -> Option<String>) {
        let n = self.items.len();
        let cat =
            self.catalog.get_or_insert_with(|| Catalog { titles: vec![String::new(); n], prices: vec![f32::NAN; n] });
        for (id, slot) in self.items.iter().zip(cat.titles.iter_mut()) {
            if slot.is_empty() {
                if let Some(t) = title(id) {
                    *slot = t;
                }
            }
        }
    }

    /// Number of distinct (user, item) pairs.
    pub fn len(&self) -> usize {
        self.user.len()
    }
    /// True when there are no interactions.
    pub fn is_empty(&self) -> bool {
        self.user.is_empty()
    }
    /// Number of users.
    pub fn n_users(&self) -> usize {
        self.users.len()
    }
    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.items.len()
    }
    /// Fraction of the user × item matrix that is filled.
    pub fn density(&self) -> f64 {
        self.len() as f64 / (self.n_users().max(1) as f64 * self.n_items().max(1) as f64)
    }
    /// Whether the input had a time column.
    pub fn has_time(&self) -> bool {
        !self.time.is_empty()
    }
    /// Time of interaction `r`, or `i64::MIN` when the log has no times.
    pub(crate) fn time_at(&self, r: usize) -> i64 {
        self.time.get(r).copied().unwrap_or(i64::MIN)
    }
    /// Latest interaction time, if any.
    pub(crate) fn max_time(&self) -> Option<i64> {
        self.time.iter().copied().max()
    }

    /// The interactions at `rows`, sharing this log's id spaces and catalogue.
    pub(crate) fn select(&self, rows: &[usize]) -> Self {
        Self {
            users: self.users.clone(),
            items: self.items.clone(),
            user: rows.iter().map(|r| self.user[*r]).collect(),
            item: rows.iter().map(|r| self.item[*r]).collect(),
            weight: rows.iter().map(|r| self.weight[*r]).collect(),
            time: if self.has_time() { rows.iter().map(|r| self.time[*r]).collect() } else { Vec::new() },
            catalog: self.catalog.clone(),
        }
    }

    /// Rows grouped by user: row `u` lists `(item, weight)`.
    pub fn by_user(&self) -> Csr {
        Csr::build(self.n_users(), &self.user, &self.item, &self.weight)
    }

    /// Rows grouped by item: row `i` lists `(user, weight)`.
    pub(crate) fn by_item(&self) -> Csr {
        Csr::build(self.n_items(), &self.item, &self.user, &self.weight)
    }
}

struct Row<'a> {
    user: &'a str,
    item: &'a str,
    weight: f32,
    time: i64,
    title: Option<&'a str>,
    price: Option<f32>,
}

/// One step of reading rows: a row, a row outside the time window, a bad row (skippable), the
/// end, or a broken input.
enum Next<'a> {
    Row(Row<'a>),
    Outside,
    Bad(Error),
    Broken(Error),
    End,
}

/// Parses rows into batches sent to `to_intern` (taking emptied batches back from `spare`)
/// until the input ends or the interning thread stops. A bad row is counted and skipped with
/// `skip_bad_rows`, else returned; an input that fails to read is always returned.
fn feed(
    rows: &mut CsvRows,
    opts: &ReadOptions,
    report: &mut ReadReport,
    to_intern: &std::sync::mpsc::SyncSender<Work>,
    spare: &std::sync::mpsc::Receiver<Pending>,
    progress: &dyn Fn(u64),
) -> Result<()> {
    let mut p = Pending::default();
    let read = loop {
        match rows.next_row() {
            Next::End => break Ok(()),
            Next::Broken(e) => break Err(e),
            Next::Row(r) => {
                report.rows_read += 1;
                p.push(r.user, r.item, r.weight, r.time, r.title, r.price);
                report.rows_kept += 1;
                if p.is_full() {
                    let next = spare.try_recv().unwrap_or_default();
                    if to_intern.send(Work::Rows(std::mem::replace(&mut p, next))).is_err() {
                        break Ok(()); // the interning thread stopped; joining it tells why
                    }
                }
            }
            Next::Outside => report.outside_window(),
            Next::Bad(e) if opts.skip_bad_rows => report.skip(e, opts),
            Next::Bad(e) => break Err(e),
        }
        if report.rows_read % 65_536 == 0 {
            progress(report.rows_read);
        }
    };
    let _ = to_intern.send(Work::Rows(p));
    read
}

/// Where a log's rows come from.
#[allow(clippy::large_enum_variant)] // one per read, on the stack of `read_csv`
enum Input {
    Csv(CsvRows),
    Parquet(columnar::Chunks),
}

/// What the reading thread hands the interning one: rows with their ids as text (CSV), or a
/// Parquet batch's columns ([`columnar::Chunk`]).
enum Work {
    Rows(Pending),
    Columns(Box<columnar::Chunk>),
}

/// CSV rows: the input (a file or part files), where the columns are, and the record read last.
struct CsvRows {
    input: CsvInput,
    at: ColumnIndex,
    record: csv::StringRecord,
}

impl CsvRows {
    fn next_row(&mut self) -> Next<'_> {
        match self.input.read(&mut self.record) {
            Record::End => Next::End,
            Record::Broken(e) => Next::Broken(e),
            Record::Bad(e) => Next::Bad(e),
            Record::Read => {
                let input = &self.input;
                match self.at.parse(&self.record, input.header(), input.file(), input.line()) {
                    Ok(Some(r)) => Next::Row(r),
                    Ok(None) => Next::Outside,
                    Err(e) => Next::Bad(e),
                }
            }
        }
    }
}

/// `v.trim()`, without its Unicode scan when `v` starts and ends with ASCII that is not
/// whitespace, as ids nearly always do (`str::trim` was a tenth of a 20M-row Parquet read).
fn trim(v: &str) -> &str {
    if untrimmable(v.as_bytes()) {
        v
    } else {
        v.trim()
    }
}

/// Whether `str::trim` leaves the id of bytes `v` as it is, known from its end bytes alone: they
/// are [`plain_edge`]s. `false` says nothing (the id may still need no trim).
fn untrimmable(v: &[u8]) -> bool {
    matches!((v.first(), v.last()), (Some(&a), Some(&z)) if plain_edge(a) && plain_edge(z))
}

/// Whether `b`, at either end of a string, leaves it as `str::trim` finds it: ASCII that is not
/// whitespace (ASCII's Unicode whitespace is tab to carriage return, vertical tab included, and
/// space).
fn plain_edge(b: u8) -> bool {
    b.is_ascii() && !matches!(b, b'\t'..=b'\r' | b' ')
}

/// The checks every row passes, whatever format it came in.
struct RowChecks;

impl RowChecks {
    const BAD_WEIGHT: &'static str = "weight must be a finite number > 0";
    const BAD_PRICE: &'static str = "price must be a finite number >= 0";

    /// A trimmed, non-empty id of at most [`source::MAX_ID_BYTES`].
    fn id<'a>(v: &'a str, what: &str) -> std::result::Result<&'a str, String> {
        let v = trim(v);
        if v.is_empty() {
            return Err(format!("empty {what} id"));
        }
        if v.len() > source::MAX_ID_BYTES {
            return Err(format!("{what} id longer than {} bytes", source::MAX_ID_BYTES));
        }
        Ok(v)
    }

    /// A trimmed title of at most [`source::MAX_TITLE_BYTES`].
    fn title(v: &str) -> std::result::Result<&str, String> {
        let v = v.trim();
        if v.len() > source::MAX_TITLE_BYTES {
            return Err(format!("title longer than {} bytes", source::MAX_TITLE_BYTES));
        }
        Ok(v)
    }
}

/// Where each of [`Columns`] is in a file's header.
struct ColumnIndex {
    user: usize,
    item: usize,
    weight: Option<usize>,
    time: Option<usize>,
    title: Option<usize>,
    price: Option<usize>,
    /// See [`ReadOptions::window`].
    window: Option<TimeWindow>,
    /// The last time cell parsed, and its time.
    last_time: LastTime,
}

/// The last time text parsed and the time it gave: consecutive rows often share a time (the
/// lines of one order; every row of a part whose time is its partition directory), and parsing
/// a date costs more than comparing a few bytes.
#[derive(Default)]
pub(super) struct LastTime {
    text: String,
    time: Option<i64>,
}

impl LastTime {
    /// `parse_timestamp(text)`, reusing the last result when `text` is the last text.
    pub(super) fn parse(&mut self, text: &str) -> Option<i64> {
        if self.time.is_none() || self.text != text {
            self.time = parse_timestamp(text);
            self.text.clear();
            self.text.push_str(text);
        }
        self.time
    }
}

impl ColumnIndex {
    /// Looks every named column up in `header`.
    fn find(header: &[String], cols: &Columns, file: &str) -> Result<Self> {
        let find = |name: &str| source::find_column(header, name, file);
        let optional = |name: &Option<String>| -> Result<Option<usize>> { name.as_deref().map(find).transpose() };
        Ok(Self {
            user: find(&cols.user)?,
            item: find(&cols.item)?,
            weight: optional(&cols.weight)?,
            time: optional(&cols.time)?,
            title: optional(&cols.title)?,
            price: optional(&cols.price)?,
            window: None,
            last_time: LastTime::default(),
        })
    }

    /// One record as a row (`None` when its time lies outside the window, its other cells
    /// unchecked), or an error naming file, `line`, column and value.
    fn parse<'a>(
        &mut self,
        rec: &'a csv::StringRecord,
        header: &[String],
        file: &str,
        line: u64,
    ) -> Result<Option<Row<'a>>> {
        let bad = |col: usize, reason: &str| Error::BadRow {
            location: Location::csv(file, line, header[col].clone()),
            value: preview(rec.get(col).unwrap_or("")),
            reason: reason.into(),
        };
        let field = |col: usize| rec.get(col).map(str::trim).unwrap_or("");
        let id = |col: usize, what: &str| -> Result<&'a str> {
            RowChecks::id(rec.get(col).unwrap_or(""), what).map_err(|reason| bad(col, &reason))
        };
        let time = match self.time {
            Some(c) => self.last_time.parse(field(c)).ok_or_else(|| bad(c, "unrecognised timestamp"))?,
            None => i64::MIN,
        };
        if self.window.is_some_and(|w| !w.contains(time)) {
            return Ok(None);
        }
        let user = id(self.user, "user")?;
        let item = id(self.item, "item")?;
        let weight = match self.weight {
            Some(c) => match field(c).parse::<f32>() {
                Ok(w) if w.is_finite() && w > 0.0 => w,
                Ok(_) => return Err(bad(c, RowChecks::BAD_WEIGHT)),
                Err(_) => return Err(bad(c, "weight is not a number")),
            },
            None => 1.0,
        };
        let title = match self.title {
            Some(c) => Some(RowChecks::title(field(c)).map_err(|reason| bad(c, &reason))?),
            None => None,
        };
        let price = match self.price {
            Some(c) if !field(c).is_empty() => match field(c).parse::<f32>() {
                Ok(p) if p.is_finite() && p >= 0.0 => Some(p),
                _ => return Err(bad(c, RowChecks::BAD_PRICE)),
            },
            _ => None,
        };
        Ok(Some(Row { user, item, weight, time, title, price }))
    }
}

/// A value for an error message: at most 80 characters, marked when cut.
fn preview(v: &str) -> String {
    match v.char_indices().nth(80) {
        Some((cut, _)) => format!("{}… ({} bytes)", &v[..cut], v.len()),
        None => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_time_parsed_is_reused_only_for_the_same_text() {
        let mut last = LastTime::default();
        for text in ["2024-03-01", "2024-03-01", "bad", "bad", "2024-03-01", "1700000000", "2024-03-01 10:00", ""] {
            assert_eq!(last.parse(text), parse_timestamp(text), "{text:?}");
        }
    }

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
    fn reference(rows: &[(u32, u32, f32, i64)]) -> Vec<(u32, u32, f32, i64)> {
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
    fn trimming_ids_agrees_with_str_trim() {
        let edges =
            ["", " ", "\t", "\n", "\u{b}", "\u{c}", "\r", "\u{85}", "\u{a0}", "\u{3000}", "\u{1c}", "x", "é", "\0"];
        for a in edges {
            for z in edges {
                for mid in ["", "id", " i d "] {
                    let v = format!("{a}{mid}{z}");
                    assert_eq!(trim(&v), v.trim(), "{v:?}");
                }
            }
        }
    }

    #[test]
    fn duplicates_fold_into_first_rows_in_order() {
        let mut rng = crate::rng::Rng::new(3);
        // 40 users sort in one pass; 3,000 users go through coarse buckets of 4 users first.
        // Merging in stages (every few batches) must give the same log as merging once.
        for (timed, users, items, first_merge) in [
            (false, 40, 30, usize::MAX),
            (true, 40, 30, usize::MAX),
            (true, 3_000, 4, usize::MAX),
            (true, 40, 30, 1_000),
            (false, 3_000, 4, 1_000),
        ] {
            let rows: Vec<(u32, u32, f32, i64)> = (0..5_000)
                .map(|_| {
                    (rng.below(users) as u32, rng.below(items) as u32, 0.1 + rng.f64() as f32, rng.below(1_000) as i64)
                })
                .collect();
            let mut b = Builder::new(timed, None);
            b.first_merge = first_merge;
            for &(u, i, w, t) in &rows {
                b.push(&format!("u{u}"), &format!("i{i}"), w, t, None, None).unwrap();
            }
            let (d, merged, _, _) = b.finish(false).unwrap();
            let want = reference(&rows);
            assert_eq!(merged as usize, rows.len() - want.len());
            assert_eq!(d.len(), want.len());
            assert_eq!(d.has_time(), timed);
            for (r, (u, i, w, t)) in want.iter().enumerate() {
                assert_eq!(
                    (d.users[d.user[r] as usize].as_str(), d.items[d.item[r] as usize].as_str()),
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
                b.push(&format!("u{}", r % distinct), "i", 1.0, 0, None, None).unwrap();
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

    /// Rows cross from the reading thread to the interning thread in batches: order, errors
    /// after batches have gone, and skipped rows must all come out as if read on one thread.
    #[test]
    fn reading_in_batches_keeps_order_and_reports_the_bad_line() {
        let path = std::env::temp_dir().join(format!("shelfwise-batches-{}.csv", std::process::id()));
        let mut csv = String::from("user,item,qty\n");
        let mut good = Vec::new();
        for r in 0..5_000u32 {
            let (u, i) = (format!("u{}", (r * 7919) % 1_300), format!("i{}", (r * 104_729) % 90));
            if r == 2_999 {
                csv.push_str(&format!("{u},{i},-2\n")); // line 3001
            } else {
                csv.push_str(&format!("{u},{i},{}\n", 1 + r % 3));
                good.push((u, i, (1 + r % 3) as f32));
            }
        }
        std::fs::write(&path, csv).unwrap();
        let cols =
            Columns { user: "user".into(), item: "item".into(), weight: Some("qty".into()), ..Columns::default() };
        let err = Interactions::read_csv(&path, &cols, &ReadOptions::default(), &|_| {}).unwrap_err();
        match &err {
            Error::BadRow { location, value, .. } => {
                assert_eq!((location.line, location.column.as_str(), value.as_str()), (3_001, "qty", "-2"), "{err}")
            }
            other => panic!("expected a bad row, got {other}"),
        }
        let opts = ReadOptions { skip_bad_rows: true, ..ReadOptions::default() };
        let (read, report) = Interactions::read_csv(&path, &cols, &opts, &|_| {}).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!((report.rows_read, report.rows_kept, report.rows_skipped), (5_000, 4_999, 1));
        let want = Interactions::from_triples(good.iter().map(|(u, i, w)| (u.as_str(), i.as_str(), *w))).unwrap();
        assert_eq!(
            (&read.users, &read.items, &read.user, &read.item, &read.weight),
            (&want.users, &want.items, &want.user, &want.item, &want.weight)
        );
        assert_eq!(report.duplicates_merged as usize, 4_999 - want.len());
    }
}
