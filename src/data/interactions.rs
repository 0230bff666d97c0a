//! Interaction logs: reading them from CSV or Parquet (one thread reads and checks rows, another
//! interns their ids), the checks every row passes, and the deduplicated log they give.

use std::path::Path;

use super::time::{parse_timestamp, DateOrder};
use super::{source, Csr, Ids};
use crate::error::{Error, Result};
use crate::recs::Catalog;

use builder::{Builder, Pending};
use csv_rows::CsvRows;

mod builder;
mod columnar;
mod csv_rows;
mod merge;
mod time_cells;

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
    /// The code page of rows that are not UTF-8 (default Windows-1252: [`source::CsvFormat`]).
    pub legacy_encoding: &'static encoding_rs::Encoding,
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
    /// The order of slash dates' day and month in the time column (`--date-order`). `None` (the
    /// default): as the column's first date past the 12th shows, month first until one does;
    /// a day-first date after a slash date was read month first stops the read, saying to set
    /// it.
    pub date_order: Option<DateOrder>,
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
            legacy_encoding: encoding_rs::WINDOWS_1252,
            has_header: true,
            max_examples: 5,
            max_memory: Some(super::default_memory_budget()),
            window: None,
            date_order: None,
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
    /// CSV rows that were not UTF-8, read in [`ReadOptions::legacy_encoding`].
    pub not_utf8: Option<source::NotUtf8>,
    /// A code page other than the default named in [`ReadOptions::legacy_encoding`] that no row
    /// needed: every CSV row was UTF-8, or the input is Parquet ([`source::unneeded_encoding_notice`]).
    pub unneeded_encoding: Option<&'static encoding_rs::Encoding>,
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
    pub(crate) users: Ids,
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
            b.push(&Row { user: u, item: i, weight: w, time: i64::MIN, title: None, price: None })?;
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
            Input::Csv(CsvRows::open(path, cols, opts)?)
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
                b.forget_dictionaries();
                Ok(b)
            });
            let read = match &mut input {
                Input::Csv(rows) => rows.feed(opts, &mut report, &to_intern, &spare, progress),
                Input::Parquet(chunks) => chunks.feed(opts, &mut report, &to_intern, progress),
            };
            drop(to_intern);
            let built = interning.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            read?;
            built
        })?;
        report.parts_outside_window = match &input {
            Input::Csv(rows) => rows.parts_skipped(),
            Input::Parquet(chunks) => chunks.parts_skipped(),
        };
        match &input {
            Input::Csv(rows) => {
                report.not_utf8 = rows.not_utf8();
                report.unneeded_encoding = rows.unneeded_encoding();
            }
            Input::Parquet(_) => report.unneeded_encoding = source::named_encoding(opts.legacy_encoding),
        }
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
    pub fn users(&self) -> &Ids {
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

/// One row's cells, checked.
#[derive(Clone, Copy)]
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

/// A failed check of a row's cell: a bad row.
impl From<Error> for Next<'_> {
    fn from(e: Error) -> Self {
        Next::Bad(e)
    }
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
