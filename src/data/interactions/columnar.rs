//! Parquet logs, read by columns: the reading thread checks each batch's rows as CSV rows are
//! checked and hands the interning thread the id columns as the decoder gave them. Id columns
//! are read dictionary-coded, so an id that a dictionary holds is looked up in the interner
//! once per dictionary, not once per row: most rows of a log repeat an item (and many a user)
//! that an earlier row of its column chunk already named.
//!
//! Ids are interned in row order either way, so indices, and the bundle, are those of the same
//! log read from CSV.

use std::path::Path;

use super::super::interner::{hash_id, Interner};
use super::super::parquet::{Batch, Batches, Column, Number};
use super::super::{source, time};
use super::time_cells::{TimeCells, TimeProblem};
use super::{
    preview, trim, untrimmable, Builder, Columns, Next, ReadOptions, ReadReport, Row, RowChecks, TimeWindow, Work,
};
use crate::error::{Error, Result};

/// A Parquet log's batches, with where each of [`Columns`] is among the columns read.
pub(super) struct Chunks {
    batches: Batches,
    /// Column names in [`Columns`] order (absent optional columns left out).
    names: Vec<String>,
    /// Which of user, item, weight, time, title, price are present, as positions in `names`.
    at: [Option<usize>; 6],
    /// User and item dictionary entries checked so far.
    checked: [EntryChecks; 2],
    /// See [`ReadOptions::window`].
    window: Option<TimeWindow>,
    /// The time cells of text read so far.
    times: TimeCells,
}

/// Which entries of an id column's dictionary passed [`RowChecks::id`] (`None`: not checked
/// yet): a column chunk's rows repeat few ids, so each is checked once, not once per row.
#[derive(Default)]
struct EntryChecks(PerEntry<Option<bool>>);

impl EntryChecks {
    /// Starts over unless `col` is coded with the dictionary already held.
    fn use_column(&mut self, col: &Column) {
        if let Some((_, values)) = col.dictionary() {
            self.0.use_dictionary(values, None);
        }
    }

    /// Whether every row of `col` (the column last given to [`EntryChecks::use_column`]) has an
    /// id that passes [`RowChecks::id`], found a column at a time: a dictionary's entries once
    /// each, plain strings by their lengths and end bytes. `false` when some row fails, and also
    /// for nulls, other types and ids with whitespace or non-ASCII at an end: those rows are then
    /// checked one by one.
    fn all_pass(&mut self, col: &Column, what: &str) -> bool {
        if let Some((keys, values)) = col.dictionary_without_nulls() {
            return keys
                .iter()
                .all(|&key| values.key(key).and_then(|k| self.entry_passes(values, k, what)) == Some(true));
        }
        if let Some(views) = col.views_without_nulls() {
            return views.iter().all(|v| {
                v.is_some_and(|v| (1..=source::MAX_ID_BYTES).contains(&v.len()) && untrimmable(v.as_bytes()))
            });
        }
        let Some((offsets, bytes)) = col.utf8_without_nulls() else { return false };
        offsets.windows(2).all(|w| {
            let (start, end) = (w[0] as usize, w[1] as usize);
            (1..=source::MAX_ID_BYTES).contains(&(end.wrapping_sub(start)))
                && bytes.get(start..end).is_some_and(untrimmable)
        })
    }

    /// Whether dictionary entry `k` of `values` passes [`RowChecks::id`], checked the first time
    /// it is asked (`None`: no such entry in the dictionary held).
    fn entry_passes(&mut self, values: &Column, k: usize, what: &str) -> Option<bool> {
        let passed = self.0.of.get_mut(k)?;
        Some(*passed.get_or_insert_with(|| RowChecks::id(values.string(k).unwrap_or(""), what).is_ok()))
    }

    /// Row `r`'s id, trimmed, when it passes [`RowChecks::id`] (`None`: it does not, or is null).
    /// `col` is the column last given to [`EntryChecks::use_column`].
    fn id<'a>(&mut self, col: &'a Column, r: usize, buf: &'a mut String, what: &str) -> Option<&'a str> {
        match col.dictionary() {
            Some((_, values)) => {
                let k = col.dictionary_entry(r)?;
                self.entry_passes(values, k, what)?.then(|| trim(values.string(k).unwrap_or("")))
            }
            None => RowChecks::id(col.string(r).or_else(|| col.text(r, buf)).unwrap_or(""), what).ok(),
        }
    }
}

/// One batch's rows that passed their checks, for the interning thread: the id and title
/// columns as decoded, the numbers already read.
pub(super) struct Chunk {
    user: Column,
    item: Column,
    title: Option<Column>,
    kept: Kept,
    /// Whether the log has a price column.
    priced: bool,
    /// For a user or item column of plain strings (not dictionary-coded): the [`StringIds::hashes`] of
    /// the kept rows, found on the reading thread so that the interning one only looks them up.
    hashes: [Option<Vec<u64>>; 2],
}

/// The rows of a batch that passed their checks.
#[derive(Default)]
struct Kept {
    /// The batch rows kept, in order.
    rows: Vec<u32>,
    /// Per kept row: weight, time (`i64::MIN` without a time column) and price; all three empty
    /// for [`Kept::all`].
    weight: Vec<f32>,
    time: Vec<i64>,
    price: Vec<Option<f32>>,
}

impl Kept {
    /// All `n` rows of a batch without weight, time, title or price columns: weight 1, no time,
    /// no price, left implicit ([`Builder::add_rows`] takes empty columns so).
    fn all(n: usize) -> Self {
        Self { rows: (0..n as u32).collect(), ..Self::default() }
    }
}

impl Chunks {
    /// Opens `path` (a file or a directory of parts) for `cols`, ids read dictionary-coded, each
    /// page within `opts.max_memory` once decompressed, rows kept within `opts.window`.
    pub(super) fn open(path: &Path, cols: &Columns, opts: &ReadOptions) -> Result<Self> {
        let wanted = [
            Some(&cols.user),
            Some(&cols.item),
            cols.weight.as_ref(),
            cols.time.as_ref(),
            cols.title.as_ref(),
            cols.price.as_ref(),
        ];
        let batches = Batches::open(path)?;
        let header = batches.header();
        let file = path.display().to_string();
        let (mut names, mut at) = (Vec::new(), [None; 6]);
        for (k, name) in wanted.iter().enumerate() {
            if let Some(name) = name {
                at[k] = Some(names.len());
                names.push(header[source::find_column(&header, name, &file)?].clone());
            }
        }
        let ids = [names[0].clone(), names[1].clone()];
        let mut batches = batches.columns(&names).with_dictionaries(&ids)?.within(opts.max_memory);
        if let (Some(window), Some(t)) = (opts.window, at[3]) {
            batches = batches.skip_partitions(&names[t], move |v| window.rules_out_partition(v));
        }
        Ok(Self {
            batches,
            names,
            at,
            checked: Default::default(),
            window: opts.window,
            times: TimeCells::new(opts.date_order),
        })
    }

    /// Part files not read because their time partition lies outside the window.
    pub(super) fn parts_skipped(&self) -> u64 {
        self.batches.parts_skipped()
    }

    /// Checks every row of every batch and sends each batch's kept rows to `to_intern`, until
    /// the input ends or the interning thread stops. A bad row is counted and skipped with
    /// `skip_bad_rows`, else returned, as [`super::csv_rows::CsvRows::feed`] does for CSV.
    pub(super) fn feed(
        &mut self,
        opts: &ReadOptions,
        report: &mut ReadReport,
        to_intern: &std::sync::mpsc::SyncSender<Work>,
        progress: &dyn Fn(u64),
    ) -> Result<()> {
        let mut bufs: [String; 3] = Default::default();
        while let Some(batch) = self.batches.next_batch()? {
            let ids_pass = self.ids_pass(&batch);
            let kept = if ids_pass && self.at[2..].iter().all(Option::is_none) {
                // Nothing else to check: every row is kept as it is.
                let before = report.rows_read;
                report.rows_read += batch.rows as u64;
                report.rows_kept += batch.rows as u64;
                if before / 65_536 != report.rows_read / 65_536 {
                    progress(report.rows_read);
                }
                Kept::all(batch.rows)
            } else {
                self.check_rows(&batch, ids_pass, &mut bufs, opts, report, progress)?
            };
            let mut columns: Vec<Option<Column>> = batch.columns.into_iter().map(Some).collect();
            let mut take = |k: usize| self.at[k].and_then(|c| columns[c].take());
            let (Some(user), Some(item), title) = (take(0), take(1), take(4)) else { return Ok(()) };
            let plain_hashes = |col: &Column| {
                col.dictionary().is_none().then(|| StringIds::of(col)).flatten().map(|ids| ids.hashes(&kept.rows))
            };
            let hashes = [plain_hashes(&user), plain_hashes(&item)];
            let chunk = Chunk { user, item, title, kept, priced: self.at[5].is_some(), hashes };
            if to_intern.send(Work::Columns(Box::new(chunk))).is_err() {
                return Ok(()); // the interning thread stopped; joining it tells why
            }
        }
        Ok(())
    }

    /// Whether every row of `b` has a user and an item that pass [`RowChecks::id`], checked a
    /// column at a time ([`EntryChecks::all_pass`]).
    fn ids_pass(&mut self, b: &Batch) -> bool {
        let mut pass = true;
        for ((checked, at), what) in self.checked.iter_mut().zip(&self.at).zip(["user", "item"]) {
            if let Some(c) = at {
                checked.use_column(&b.columns[*c]);
                pass = pass && checked.all_pass(&b.columns[*c], what);
            }
        }
        pass
    }

    /// Checks `b`'s rows one by one (`ids_pass`: all but their ids), counting them in `report`;
    /// a bad row is skipped with `skip_bad_rows`, else returned.
    fn check_rows(
        &mut self,
        b: &Batch,
        ids_pass: bool,
        bufs: &mut [String; 3],
        opts: &ReadOptions,
        report: &mut ReadReport,
        progress: &dyn Fn(u64),
    ) -> Result<Kept> {
        let mut kept = Kept { rows: Vec::with_capacity(b.rows), ..Kept::default() };
        for r in 0..b.rows {
            match self.check(b, r, bufs, ids_pass) {
                Next::Row(row) => {
                    report.rows_read += 1;
                    report.rows_kept += 1;
                    kept.rows.push(r as u32);
                    kept.weight.push(row.weight);
                    kept.time.push(row.time);
                    kept.price.push(row.price);
                }
                Next::Outside => report.outside_window(),
                Next::Bad(e) if opts.skip_bad_rows => report.skip(e, opts),
                Next::Bad(e) | Next::Broken(e) => return Err(e),
                Next::End => {}
            }
            if report.rows_read % 65_536 == 0 {
                progress(report.rows_read);
            }
        }
        Ok(kept)
    }

    /// Row `r` of `b` with the checks of a CSV row: ids and title as text, numbers as numbers;
    /// [`Next::Outside`] for a row whose time lies outside the window, its other cells unchecked.
    /// With `ids_pass` (the batch's ids are known to pass) the ids are not read again: the row's
    /// `user` and `item` are left empty.
    fn check<'a>(&mut self, b: &'a Batch, r: usize, bufs: &'a mut [String; 3], ids_pass: bool) -> Next<'a> {
        let [ub, ib, tb] = bufs;
        let names = &self.names;
        let col = |k: usize| self.at[k].map(|c| (&b.columns[c], names[c].as_str()));
        let bad = |(_, name): (&Column, &str), value: String, reason: String| Error::BadRow {
            location: b.location(r, name),
            value,
            reason,
        };
        // The cell as an error shows it: cut before it is copied (a cell can be megabytes long).
        let text = |c: &Column, buf: &mut String| c.text(r, buf).map(preview).unwrap_or_default();
        let (Some(user_col), Some(item_col)) = (col(0), col(1)) else { return Next::End };
        // The slow path, for a row that failed: the reason, from the checks again.
        let reason = |c: &Column, what: &str| match RowChecks::id(c.text(r, &mut String::new()).unwrap_or(""), what) {
            Err(reason) => reason,
            Ok(_) => format!("{what} id not in the column's dictionary"),
        };
        let time = match col(3) {
            None => i64::MIN,
            Some(c) => {
                let unrecognised = || TimeProblem::Bad("unrecognised timestamp".into());
                let t = if c.0.is_time() {
                    c.0.seconds_of(r).ok_or_else(unrecognised)
                } else {
                    match c.0.number(r) {
                        Some(Number::Int(v)) => Ok(v),
                        Some(Number::Float(v)) => v.is_finite().then_some(v as i64).ok_or_else(unrecognised),
                        None => {
                            c.0.text(r, &mut String::new()).map_or_else(|| Err(unrecognised()), |t| self.times.parse(t))
                        }
                    }
                };
                match t
                    .and_then(|t| (time::MIN_TIME..=time::MAX_TIME).contains(&t).then_some(t).ok_or_else(unrecognised))
                {
                    Ok(t) => t,
                    Err(TimeProblem::Bad(why)) => return Next::Bad(bad(c, text(c.0, &mut String::new()), why)),
                    Err(TimeProblem::Mixed(why)) => return Next::Broken(bad(c, text(c.0, &mut String::new()), why)),
                }
            }
        };
        if self.window.is_some_and(|w| !w.contains(time)) {
            return Next::Outside;
        }
        let [user_checks, item_checks] = &mut self.checked;
        let (user, item) = if ids_pass {
            ("", "")
        } else {
            let Some(user) = user_checks.id(user_col.0, r, ub, "user") else {
                return Next::Bad(bad(user_col, text(user_col.0, &mut String::new()), reason(user_col.0, "user")));
            };
            let Some(item) = item_checks.id(item_col.0, r, ib, "item") else {
                return Next::Bad(bad(item_col, text(item_col.0, &mut String::new()), reason(item_col.0, "item")));
            };
            (user, item)
        };
        let weight = match col(2) {
            None => 1.0,
            Some(c) => match number(c.0, r).map(|w| w.map(|w| w as f32)) {
                Some(Ok(w)) if w.is_finite() && w > 0.0 => w,
                Some(Ok(_)) => return Next::Bad(bad(c, text(c.0, &mut String::new()), RowChecks::BAD_WEIGHT.into())),
                _ => return Next::Bad(bad(c, text(c.0, &mut String::new()), "weight is not a number".into())),
            },
        };
        let title = match col(4) {
            None => None,
            Some(c) => match RowChecks::title(c.0.text(r, tb).unwrap_or("")) {
                Ok(t) => Some(t),
                Err(reason) => return Next::Bad(bad(c, text(c.0, &mut String::new()), reason)),
            },
        };
        let price = match col(5) {
            None => None,
            Some(c) if c.0.is_null(r) => None,
            Some(c) => match number(c.0, r) {
                Some(Ok(p)) if (p as f32).is_finite() && p >= 0.0 => Some(p as f32),
                _ => return Next::Bad(bad(c, text(c.0, &mut String::new()), RowChecks::BAD_PRICE.into())),
            },
        };
        Next::Row(Row { user, item, weight, time, title, price })
    }
}

/// A numeric cell as f64: numbers as they are, text parsed as CSV reading parses it (as f32 for
/// weights and prices, so `0.1` in text and in a float column give the same f32); `None` when null.
fn number(c: &Column, r: usize) -> Option<std::result::Result<f64, ()>> {
    match c.number(r) {
        Some(Number::Int(v)) => Some(Ok(v as f64)),
        Some(Number::Float(v)) => Some(Ok(v)),
        None => c.text(r, &mut String::new()).map(|t| t.trim().parse::<f32>().map(f64::from).map_err(|_| ())),
    }
}

/// The dictionary an id column was last coded with, and a value for each of its entries, learnt
/// as rows name them: the batches of one column chunk share its dictionary.
#[derive(Default)]
pub(super) struct PerEntry<T> {
    /// The dictionary's values, held so that their buffers (its identity) are not reused.
    held: Option<Column>,
    of: Vec<T>,
}

impl<T: Clone> PerEntry<T> {
    /// Starts over, every entry `unknown`, unless `values` is the dictionary already held (the
    /// same buffers: the next batch of one column chunk).
    fn use_dictionary(&mut self, values: &Column, unknown: T) {
        if self.held.as_ref().is_some_and(|held| held.identity() == values.identity()) {
            return;
        }
        self.held = Some(values.clone());
        self.of.clear();
        self.of.resize(values.len(), unknown);
    }
}

/// The interned index of each dictionary entry met so far ([`DictionaryIds::NONE`]: not yet).
pub(super) type DictionaryIds = PerEntry<u32>;

impl DictionaryIds {
    const NONE: u32 = u32::MAX;
    /// Named by the rows being interned, its index not yet known.
    const FRESH: u32 = u32::MAX - 1;
}

impl Builder {
    /// Interns a Parquet batch's kept rows: all their users, then all their items (each id space
    /// in row order, so indices are those of a row-by-row read), then adds the rows.
    pub(super) fn intern_columns(&mut self, c: &Chunk) -> Result<()> {
        self.rows_seen += c.kept.rows.len() as u64;
        let [user_ids, item_ids] = &mut self.dictionaries;
        let [user_hashes, item_hashes] = &c.hashes;
        // Into the buffers CSV batches use: reused, not allocated per batch.
        let (mut users, mut items) = (std::mem::take(&mut self.pending.users), std::mem::take(&mut self.pending.items));
        intern_ids(&mut self.users, user_ids, &c.user, &c.kept.rows, user_hashes.as_deref(), &mut users);
        intern_ids(&mut self.items, item_ids, &c.item, &c.kept.rows, item_hashes.as_deref(), &mut items);
        if c.title.is_none() && !c.priced {
            self.add_rows(&users, &items, &c.kept.weight, &c.kept.time);
        } else {
            let mut buf = String::new();
            for (k, &r) in c.kept.rows.iter().enumerate() {
                let title = c.title.as_ref().map(|t| t.text(r as usize, &mut buf).unwrap_or("").trim());
                self.add_row(users[k], items[k], c.kept.weight[k], c.kept.time[k], title, c.kept.price[k]);
            }
        }
        (self.pending.users, self.pending.items) = (users, items);
        self.bound_memory()
    }
}

/// Sets `out` to the interned index of `col`'s id on each of `rows` (rows that passed
/// [`RowChecks::id`]), with [`Interner::intern_all`]'s prefetching. A dictionary-coded column
/// looks each dictionary entry up once, when a row first names it; any other column, each row's
/// id, by its [`StringIds::hashes`] when `hashes` has them.
fn intern_ids(
    interner: &mut Interner,
    seen: &mut DictionaryIds,
    col: &Column,
    rows: &[u32],
    hashes: Option<&[u64]>,
    out: &mut Vec<u32>,
) {
    out.clear();
    let mut arena = String::new();
    match col.dictionary() {
        Some((keys, values)) => {
            seen.use_dictionary(values, DictionaryIds::NONE);
            // A checked row's key is within the dictionary (`seen.of` has an entry for each); a
            // negative key reads as one far past it.
            let entry = |r: u32| keys.get(r as usize).map_or(usize::MAX, |&key| key as u32 as usize);
            // One pass: each row's index where its entry's is known. The entries named for the
            // first time (in row order) are interned after it, and the rows naming them (or a
            // key outside the dictionary, unreachable for checked rows) are filled in then.
            let (mut fresh, mut unknown) = (Vec::new(), Vec::new());
            for (n, &r) in rows.iter().enumerate() {
                let k = entry(r);
                let index = match seen.of.get_mut(k) {
                    Some(index) if *index == DictionaryIds::NONE => {
                        fresh.push(k as u32);
                        *index = DictionaryIds::FRESH;
                        DictionaryIds::FRESH
                    }
                    Some(index) => *index,
                    None => DictionaryIds::FRESH,
                };
                if index == DictionaryIds::FRESH {
                    unknown.push(n);
                }
                out.push(index);
            }
            let mut indices = Vec::with_capacity(fresh.len());
            intern_rows(interner, values, &fresh, None, &mut arena, &mut indices);
            for (&k, index) in fresh.iter().zip(indices) {
                seen.of[k as usize] = index;
            }
            for n in unknown {
                out[n] = seen.of.get(entry(rows[n])).copied().unwrap_or_else(|| interner.intern(""));
            }
        }
        None => intern_rows(interner, col, rows, hashes, &mut arena, out),
    }
}

/// Interns the trimmed ids of `col`'s `rows`, in order, given their [`StringIds::hashes`] or not.
/// Strings are borrowed from the column; other cells (numbers) are written into `arena` first.
fn intern_rows(
    interner: &mut Interner,
    col: &Column,
    rows: &[u32],
    hashes: Option<&[u64]>,
    arena: &mut String,
    out: &mut Vec<u32>,
) {
    if let Some(ids) = StringIds::of(col) {
        let id = |k: usize| ids.id(rows[k]);
        match hashes {
            Some(hashes) => interner.intern_all(id, hashes, out),
            None => interner.intern_all(id, &ids.hashes(rows), out),
        }
        return;
    }
    let (mut spans, mut buf) = (Vec::with_capacity(rows.len()), String::new());
    for &r in rows {
        let start = arena.len();
        arena.push_str(trim(col.text(r as usize, &mut buf).unwrap_or("")));
        spans.push(start..arena.len());
    }
    let ids: Vec<&str> = spans.into_iter().map(|span| &arena[span]).collect();
    let hashes: Vec<u64> = ids.iter().map(|id| hash_id(id.as_bytes())).collect();
    interner.intern_all(|k| ids[k].as_bytes(), &hashes, out);
}

/// A column of strings, its rows' trimmed ids read as UTF-8 bytes.
enum StringIds<'c> {
    /// A `Utf8` column without nulls, sliced by its offsets: no check or call per cell.
    Plain { offsets: &'c [i32], bytes: &'c [u8] },
    /// A column of string views without nulls, typed once.
    Views(&'c arrow_array::StringViewArray),
    /// Any other column of strings (a null reads as the empty id).
    Cells(&'c Column),
}

impl<'c> StringIds<'c> {
    /// `col`'s ids, when it is a column of strings.
    fn of(col: &'c Column) -> Option<Self> {
        if let Some(views) = col.views_without_nulls() {
            return Some(Self::Views(views));
        }
        match col.utf8_without_nulls() {
            Some((offsets, bytes)) => Some(Self::Plain { offsets, bytes }),
            None => col.is_strings().then_some(Self::Cells(col)),
        }
    }

    /// Row `r`'s id, trimmed as [`trim`] trims it.
    fn id(&self, r: u32) -> &'c [u8] {
        match *self {
            Self::Plain { offsets, bytes } => {
                let r = r as usize;
                let cell = match (offsets.get(r), offsets.get(r + 1)) {
                    (Some(&a), Some(&z)) => bytes.get(a as usize..z as usize).unwrap_or_default(),
                    _ => &[],
                };
                if untrimmable(cell) {
                    cell
                } else {
                    // The column's cells are UTF-8 (arrow checks them when it decodes a page).
                    std::str::from_utf8(cell).map_or(cell, |v| v.trim().as_bytes())
                }
            }
            Self::Views(views) => match arrow_array::Array::len(views) > r as usize {
                true => trim(views.value(r as usize)).as_bytes(),
                false => &[],
            },
            Self::Cells(col) => trim(col.string(r as usize).unwrap_or("")).as_bytes(),
        }
    }

    /// The [`hash_id`] of each of `rows`' ids.
    fn hashes(&self, rows: &[u32]) -> Vec<u64> {
        rows.iter().map(|&r| hash_id(self.id(r))).collect()
    }
}
