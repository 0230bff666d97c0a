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
use super::{preview, trim, Builder, Columns, Next, ReadOptions, ReadReport, Row, RowChecks, Work};
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

    /// Row `r`'s id, trimmed, when it passes [`RowChecks::id`] (`None`: it does not, or is null).
    /// `col` is the column last given to [`EntryChecks::use_column`].
    fn id<'a>(&mut self, col: &'a Column, r: usize, buf: &'a mut String, what: &str) -> Option<&'a str> {
        match col.dictionary() {
            Some((_, values)) => {
                let k = col.dictionary_entry(r)?;
                let text = values.string(k).unwrap_or("");
                let passed = self.0.of.get_mut(k)?;
                if passed.is_none() {
                    *passed = Some(RowChecks::id(text, what).is_ok());
                }
                passed.unwrap_or(false).then(|| trim(text))
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
    /// The batch rows kept, in order.
    rows: Vec<u32>,
    /// Per kept row: weight, time (`i64::MIN` without a time column) and price.
    weight: Vec<f32>,
    time: Vec<i64>,
    price: Vec<Option<f32>>,
}

impl Chunks {
    /// Opens `path` (a file or a directory of parts) for `cols`, ids read dictionary-coded.
    pub(super) fn open(path: &Path, cols: &Columns) -> Result<Self> {
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
        let batches = batches.columns(&names).with_dictionaries(&ids)?;
        Ok(Self { batches, names, at, checked: Default::default() })
    }

    /// Checks every row of every batch and sends each batch's kept rows to `to_intern`, until
    /// the input ends or the interning thread stops. A bad row is counted and skipped with
    /// `skip_bad_rows`, else returned, as [`super::feed`] does for CSV.
    pub(super) fn feed(
        &mut self,
        opts: &ReadOptions,
        report: &mut ReadReport,
        to_intern: &std::sync::mpsc::SyncSender<Work>,
        progress: &dyn Fn(u64),
    ) -> Result<()> {
        let mut bufs: [String; 3] = Default::default();
        while let Some(batch) = self.batches.next_batch()? {
            for (checked, at) in self.checked.iter_mut().zip(&self.at) {
                if let Some(c) = at {
                    checked.use_column(&batch.columns[*c]);
                }
            }
            let (mut rows, mut weight, mut time, mut price) =
                (Vec::with_capacity(batch.rows), Vec::new(), Vec::new(), Vec::new());
            for r in 0..batch.rows {
                match self.check(&batch, r, &mut bufs) {
                    Next::Row(row) => {
                        report.rows_read += 1;
                        report.rows_kept += 1;
                        rows.push(r as u32);
                        weight.push(row.weight);
                        time.push(row.time);
                        price.push(row.price);
                    }
                    Next::Bad(e) if opts.skip_bad_rows => report.skip(e, opts),
                    Next::Bad(e) | Next::Broken(e) => return Err(e),
                    Next::End => {}
                }
                if report.rows_read % 65_536 == 0 {
                    progress(report.rows_read);
                }
            }
            let mut columns: Vec<Option<Column>> = batch.columns.into_iter().map(Some).collect();
            let mut take = |k: usize| self.at[k].and_then(|c| columns[c].take());
            let (Some(user), Some(item), title) = (take(0), take(1), take(4)) else { return Ok(()) };
            let chunk = Chunk { user, item, title, rows, weight, time, price };
            if to_intern.send(Work::Columns(Box::new(chunk))).is_err() {
                return Ok(()); // the interning thread stopped; joining it tells why
            }
        }
        Ok(())
    }

    /// Row `r` of `b` with the checks of a CSV row: ids and title as text, numbers as numbers.
    fn check<'a>(&mut self, b: &'a Batch, r: usize, bufs: &'a mut [String; 3]) -> Next<'a> {
        let [ub, ib, tb] = bufs;
        let names = &self.names;
        let col = |k: usize| self.at[k].map(|c| (&b.columns[c], names[c].as_str()));
        let bad = |(_, name): (&Column, &str), value: String, reason: String| Error::BadRow {
            location: b.location(r, name),
            value: preview(&value),
            reason,
        };
        let text = |c: &Column, buf: &mut String| c.text(r, buf).map(str::to_owned).unwrap_or_default();
        let (Some(user_col), Some(item_col)) = (col(0), col(1)) else { return Next::End };
        // The slow path, for a row that failed: the reason, from the checks again.
        let reason = |c: &Column, what: &str| match RowChecks::id(c.text(r, &mut String::new()).unwrap_or(""), what) {
            Err(reason) => reason,
            Ok(_) => format!("{what} id not in the column's dictionary"),
        };
        let [user_checks, item_checks] = &mut self.checked;
        let Some(user) = user_checks.id(user_col.0, r, ub, "user") else {
            return Next::Bad(bad(user_col, text(user_col.0, &mut String::new()), reason(user_col.0, "user")));
        };
        let Some(item) = item_checks.id(item_col.0, r, ib, "item") else {
            return Next::Bad(bad(item_col, text(item_col.0, &mut String::new()), reason(item_col.0, "item")));
        };
        let weight = match col(2) {
            None => 1.0,
            Some(c) => match number(c.0, r).map(|w| w.map(|w| w as f32)) {
                Some(Ok(w)) if w.is_finite() && w > 0.0 => w,
                Some(Ok(_)) => return Next::Bad(bad(c, text(c.0, &mut String::new()), RowChecks::BAD_WEIGHT.into())),
                _ => return Next::Bad(bad(c, text(c.0, &mut String::new()), "weight is not a number".into())),
            },
        };
        let time = match col(3) {
            None => i64::MIN,
            Some(c) => {
                let t = if c.0.is_time() {
                    c.0.seconds_of(r)
                } else {
                    match c.0.number(r) {
                        Some(Number::Int(v)) => Some(v),
                        Some(Number::Float(v)) => v.is_finite().then_some(v as i64),
                        None => c.0.text(r, &mut String::new()).and_then(time::parse_timestamp),
                    }
                };
                match t.filter(|t| (time::MIN_TIME..=time::MAX_TIME).contains(t)) {
                    Some(t) => t,
                    None => return Next::Bad(bad(c, text(c.0, &mut String::new()), "unrecognised timestamp".into())),
                }
            }
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
        self.rows_seen += c.rows.len() as u64;
        let [user_ids, item_ids] = &mut self.dictionaries;
        let users = intern_ids(&mut self.users, user_ids, &c.user, &c.rows);
        let items = intern_ids(&mut self.items, item_ids, &c.item, &c.rows);
        let mut buf = String::new();
        for (k, &r) in c.rows.iter().enumerate() {
            let title = c.title.as_ref().map(|t| t.text(r as usize, &mut buf).unwrap_or("").trim());
            self.add_row(users[k], items[k], c.weight[k], c.time[k], title, c.price[k]);
        }
        self.bound_memory()
    }
}

/// The interned index of `col`'s id on each of `rows` (rows that passed [`RowChecks::id`]), with
/// [`Interner::intern_all`]'s prefetching. A dictionary-coded column looks each dictionary entry
/// up once, when a row first names it; any other column, each row's id.
fn intern_ids(interner: &mut Interner, seen: &mut DictionaryIds, col: &Column, rows: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(rows.len());
    let mut arena = String::new();
    match col.dictionary() {
        Some((keys, values)) => {
            seen.use_dictionary(values, DictionaryIds::NONE);
            // A checked row's key is within the dictionary; `usize::MAX` never is.
            let entry = |r: u32| values.key(keys[r as usize]).unwrap_or(usize::MAX);
            // The entries these rows name for the first time, in row order.
            let mut fresh = Vec::new();
            for &r in rows {
                let k = entry(r);
                if seen.of.get(k) == Some(&DictionaryIds::NONE) {
                    seen.of[k] = DictionaryIds::FRESH;
                    fresh.push(k as u32);
                }
            }
            let mut indices = Vec::with_capacity(fresh.len());
            intern_rows(interner, values, &fresh, &mut arena, &mut indices);
            for (&k, index) in fresh.iter().zip(indices) {
                seen.of[k as usize] = index;
            }
            // Unreachable for checked rows: a key outside the dictionary.
            out.extend(rows.iter().map(|&r| seen.of.get(entry(r)).copied().unwrap_or_else(|| interner.intern(""))));
        }
        None => intern_rows(interner, col, rows, &mut arena, &mut out),
    }
    out
}

/// Interns the trimmed ids of `col`'s `rows`, in order. Strings are borrowed from the column;
/// other cells (numbers) are written into `arena` first.
fn intern_rows(interner: &mut Interner, col: &Column, rows: &[u32], arena: &mut String, out: &mut Vec<u32>) {
    let ids: Vec<&str> = if col.is_strings() {
        rows.iter().map(|&r| trim(col.string(r as usize).unwrap_or(""))).collect()
    } else {
        let (mut spans, mut buf) = (Vec::with_capacity(rows.len()), String::new());
        for &r in rows {
            let start = arena.len();
            arena.push_str(trim(col.text(r as usize, &mut buf).unwrap_or("")));
            spans.push(start..arena.len());
        }
        spans.into_iter().map(|span| &arena[span]).collect()
    };
    let hashes: Vec<u64> = ids.iter().map(|id| hash_id(id)).collect();
    interner.intern_all(&ids, &hashes, out);
}
