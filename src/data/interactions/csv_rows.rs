//! CSV logs, read a row at a time: each record checked and handed to the interning thread in
//! batches of rows whose ids are copied into one buffer.

use std::path::Path;

use super::super::csv_input::{CsvInput, Record};
use super::super::decimal::{allows_decimal_comma, parse_number};
use super::super::source;
use super::builder::Pending;
use super::time_cells::{TimeCells, TimeProblem};
use super::{preview, Columns, Next, ReadOptions, ReadReport, Row, RowChecks, TimeWindow, Work};
use crate::error::{Error, Location, Result};

/// CSV rows: the input (a file or part files), where the columns are, and the record read last.
pub(super) struct CsvRows {
    input: CsvInput,
    at: ColumnIndex,
    record: csv::StringRecord,
}

impl CsvRows {
    /// Opens `path` (a file or a directory of parts) for `cols`; with a window over a data set
    /// partitioned by the time column, the parts outside it are left unread.
    pub(super) fn open(path: &Path, cols: &Columns, opts: &ReadOptions) -> Result<Self> {
        let file = path.display().to_string();
        let format = source::CsvFormat { delimiter: opts.delimiter, legacy: opts.legacy_encoding };
        let mut input = CsvInput::open(path, format, opts.has_header)?;
        let at = ColumnIndex {
            window: opts.window,
            decimal_comma: allows_decimal_comma(opts.delimiter),
            times: TimeCells::new(opts.date_order),
            ..ColumnIndex::find(input.header(), cols, &file)
                .map_err(|e| source::noting_header(e, input.header_read_as()))?
        };
        if let (Some(window), Some(t)) = (opts.window, at.time) {
            let key = input.header()[t].clone();
            input.skip_partitions(&key, move |v| window.rules_out_partition(v))?;
        }
        Ok(Self { input, at, record: csv::StringRecord::new() })
    }

    /// The records that were not UTF-8 ([`CsvInput::not_utf8`]).
    pub(super) fn not_utf8(&self) -> Option<source::NotUtf8> {
        self.input.not_utf8()
    }

    /// A named code page no row needed ([`CsvInput::unneeded_encoding`]).
    pub(super) fn unneeded_encoding(&self) -> Option<&'static encoding_rs::Encoding> {
        self.input.unneeded_encoding()
    }

    /// Part files not read because their time partition lies outside the window.
    pub(super) fn parts_skipped(&self) -> u64 {
        self.input.parts_skipped()
    }

    /// Parses rows into batches sent to `to_intern` (taking emptied batches back from `spare`)
    /// until the input ends or the interning thread stops. A bad row is counted and skipped with
    /// `skip_bad_rows`, else returned; an input that fails to read is always returned.
    pub(super) fn feed(
        &mut self,
        opts: &ReadOptions,
        report: &mut ReadReport,
        to_intern: &std::sync::mpsc::SyncSender<Work>,
        spare: &std::sync::mpsc::Receiver<Pending>,
        progress: &dyn Fn(u64),
    ) -> Result<()> {
        let mut p = Pending::default();
        let read = loop {
            match self.next_row() {
                Next::End => break Ok(()),
                Next::Broken(e) => break Err(e),
                Next::Row(r) => {
                    report.rows_read += 1;
                    p.push(&r);
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

    /// The next record, checked as a row.
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
                    Err(next) => next,
                }
            }
        }
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
    /// Whether weights and prices may have a decimal comma (`decimal.rs`: not in a
    /// comma-separated file).
    decimal_comma: bool,
    /// The time cells read so far.
    times: TimeCells,
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
            decimal_comma: false,
            times: TimeCells::default(),
        })
    }

    /// One record as a row (`None` when its time lies outside the window, its other cells
    /// unchecked), or an error naming file, `line`, column and value: a bad row ([`Next::Bad`]),
    /// or one after which the read cannot go on ([`Next::Broken`]).
    fn parse<'a>(
        &mut self,
        rec: &'a csv::StringRecord,
        header: &[String],
        file: &str,
        line: u64,
    ) -> std::result::Result<Option<Row<'a>>, Next<'a>> {
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
            Some(c) => match self.times.parse(field(c)) {
                Ok(t) => t,
                Err(TimeProblem::Bad(why)) => return Err(Next::Bad(bad(c, &why))),
                Err(TimeProblem::Mixed(why)) => return Err(Next::Broken(bad(c, &why))),
            },
            None => i64::MIN,
        };
        if self.window.is_some_and(|w| !w.contains(time)) {
            return Ok(None);
        }
        let user = id(self.user, "user")?;
        let item = id(self.item, "item")?;
        let weight = match self.weight {
            Some(c) => match parse_number::<f32>(field(c), self.decimal_comma) {
                Some(w) if w.is_finite() && w > 0.0 => w,
                Some(_) => return Err(Next::Bad(bad(c, RowChecks::BAD_WEIGHT))),
                None => return Err(Next::Bad(bad(c, "weight is not a number"))),
            },
            None => 1.0,
        };
        let title = match self.title {
            Some(c) => Some(RowChecks::title(field(c)).map_err(|reason| bad(c, &reason))?),
            None => None,
        };
        let price = match self.price {
            Some(c) if !field(c).is_empty() => match parse_number::<f32>(field(c), self.decimal_comma) {
                Some(p) if p.is_finite() && p >= 0.0 => Some(p),
                _ => return Err(Next::Bad(bad(c, RowChecks::BAD_PRICE))),
            },
            _ => None,
        };
        Ok(Some(Row { user, item, weight, time, title, price }))
    }
}
