//! Tabular input (CSV, or Parquet through [`super::parquet`]) for propensity models, text
//! classifiers and catalogues: raw cells with where each row came from.

use std::path::Path;

use super::csv_input::{CsvInput, Record};
use super::decimal::{allows_decimal_comma, has_decimal_comma, with_decimal_point};
use super::{parquet, source};
use crate::error::{Error, Location, Result};
use crate::propensity::value::Value;

/// A CSV file held as text cells, with the line each row came from.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// File path, for error messages.
    pub file: String,
    /// Column names.
    pub header: Vec<String>,
    /// Cells, row by row.
    pub rows: Vec<Vec<String>>,
    /// 1-based line number of each row within its file (Parquet: row number within its part
    /// file).
    pub lines: Vec<u64>,
    /// Parquet and directories of CSV parts only: each row's part file (index into `parts`) and
    /// row group (Parquet).
    origins: Vec<(u32, Option<u32>)>,
    /// Parquet and directories of CSV parts only: the part files rows came from.
    parts: Vec<String>,
    /// Whether cells may hold numbers with a decimal comma: a CSV whose separator is not the
    /// comma ([`Table::point_decimal_commas`]).
    decimal_comma: bool,
    /// Columns whose numbers had a decimal comma, rewritten with a point.
    decimal_commas: Vec<usize>,
    /// Rows that were not UTF-8, read in a legacy code page.
    not_utf8: Option<source::NotUtf8>,
    /// The code page the header was read in, when it was not UTF-8.
    header_read_as: Option<&'static encoding_rs::Encoding>,
    /// A code page named for rows that are not UTF-8 that no row needed
    /// ([`CsvInput::unneeded_encoding`](super::csv_input::CsvInput::unneeded_encoding)).
    unneeded_encoding: Option<&'static encoding_rs::Encoding>,
}

impl Table {
    /// Reads a CSV (optionally compressed) or Parquet input within the default memory budget;
    /// see [`Table::read_within`].
    pub fn read(path: &Path, format: impl Into<source::CsvFormat>) -> Result<Self> {
        Self::read_within(path, format, Some(super::default_memory_budget()))
    }

    /// Reads a CSV (optionally compressed) or Parquet input, a file or a directory of part files (see
    /// [`super::parquet`]; Parquet cells become the text a CSV export would hold, null an empty
    /// cell; a CSV row that is not UTF-8 is read in `format`'s legacy code page, as [`Table::notices`]
    /// says); a row with the wrong field count is an error naming its part file and line, and so
    /// is a repeated column name or a part whose columns differ from the first part's. Past
    /// `max_memory` bytes of cells reading stops with [`Error::MemoryBudget`]. Cells are kept as
    /// written; see [`Table::point_decimal_commas`] for numbers with a decimal comma.
    pub fn read_within(path: &Path, format: impl Into<source::CsvFormat>, max_memory: Option<u64>) -> Result<Self> {
        let format = format.into();
        if parquet::is_parquet(path) {
            let mut t = Self::read_parquet(path, max_memory)?;
            t.unneeded_encoding = source::named_encoding(format.legacy);
            return Ok(t);
        }
        let file = path.display().to_string();
        let mut input = CsvInput::open(path, format, true)?;
        let mut t = Self { file, header: input.header().to_vec(), ..Self::default() };
        let mut record = csv::StringRecord::new();
        let mut held = 0u64;
        loop {
            match input.read(&mut record) {
                Record::Read => {}
                Record::End => break,
                Record::Bad(e) | Record::Broken(e) => return Err(e),
            }
            if input.is_dir() {
                if t.parts.last().map(String::as_str) != Some(input.file()) {
                    t.parts.push(input.file().to_owned());
                }
                t.origins.push(((t.parts.len() - 1) as u32, None));
            }
            t.lines.push(input.line());
            let row: Vec<String> = record.iter().map(str::to_string).collect();
            held += (row.len() * std::mem::size_of::<String>() + record.as_slice().len() + 40) as u64;
            check_budget(held, max_memory, &t.file, t.rows.len() + 1, t.header.len())?;
            t.rows.push(row);
        }
        if t.rows.is_empty() {
            return Err(Error::Empty(format!("{}: no data rows", t.file)));
        }
        t.decimal_comma = allows_decimal_comma(format.delimiter);
        t.not_utf8 = input.not_utf8();
        t.header_read_as = input.header_read_as();
        t.unneeded_encoding = input.unneeded_encoding();
        Ok(t)
    }

    /// In a CSV whose separator is not the comma, rewrites with a point (`3.50`, `1234.56`) the
    /// columns of numbers written with a decimal comma (`3,50`, `1.234,56`: `decimal.rs`), as if
    /// exported so, but for the columns `keep` (ids and titles, text that may only look like a
    /// number). Every cell of such a column must be a number with a decimal comma, a whole
    /// number, or missing (empty, `NA`, `NaN`, `null`); a column that also holds a number with a
    /// point (`2.5`, or `1.234`, which may be either) is left as written, as is any other text.
    /// [`Table::decimal_comma_columns`] names the columns rewritten.
    pub fn point_decimal_commas(&mut self, keep: &[usize]) {
        if !self.decimal_comma {
            return;
        }
        for c in 0..self.header.len() {
            if keep.contains(&c) || self.decimal_commas.contains(&c) || !self.has_decimal_commas(c) {
                continue;
            }
            for row in &mut self.rows {
                if let Some(point) = with_decimal_point(row[c].trim()) {
                    row[c] = point;
                }
            }
            self.decimal_commas.push(c);
        }
    }

    /// Whether column `c` holds a number with a decimal comma and otherwise only whole numbers
    /// and missing cells.
    fn has_decimal_commas(&self, c: usize) -> bool {
        let mut any = false;
        for v in self.rows.iter().map(|row| row[c].trim()) {
            if has_decimal_comma(v) {
                any = true;
            } else if !(Value::is_missing_cell(v) || !v.contains('.') && v.parse::<f64>().is_ok()) {
                return false;
            }
        }
        any
    }

    /// What reading found that a run should say: rows that were not UTF-8 (or a code page named
    /// for them that none needed), columns read with a decimal comma.
    pub fn notices(&self) -> Vec<String> {
        let legacy = self.not_utf8.as_ref().map(source::NotUtf8::notice);
        let unneeded = self.unneeded_encoding.map(source::unneeded_encoding_notice);
        let commas = self
            .decimal_comma_columns()
            .map(|name| format!("column '{name}' has numbers with a decimal comma: read 3,50 as 3.50"));
        legacy.into_iter().chain(unneeded).chain(commas).collect()
    }

    /// The names of the columns [`Table::point_decimal_commas`] rewrote.
    pub fn decimal_comma_columns(&self) -> impl Iterator<Item = &str> {
        self.decimal_commas.iter().map(|&c| self.header[c].as_str())
    }

    /// [`Table::read_within`] for a Parquet input: every top-level column, batch by batch.
    fn read_parquet(path: &Path, max_memory: Option<u64>) -> Result<Self> {
        let file = path.display().to_string();
        let batches = parquet::Batches::open(path)?;
        let header = batches.header();
        let mut batches = batches.columns(&header).within(max_memory);
        let (mut t, mut held, mut text) = (Self { file, header, ..Self::default() }, 0u64, String::new());
        while let Some(b) = batches.next_batch()? {
            if t.parts.last() != Some(&b.part) {
                t.parts.push(b.part.clone());
            }
            let origin = ((t.parts.len() - 1) as u32, Some(b.group as u32));
            for r in 0..b.rows {
                let row: Vec<String> =
                    b.columns.iter().map(|c| c.text(r, &mut text).unwrap_or_default().to_owned()).collect();
                held += (row.iter().map(String::len).sum::<usize>() + row.len() * std::mem::size_of::<String>() + 48)
                    as u64;
                check_budget(held, max_memory, &t.file, t.rows.len() + 1, t.header.len())?;
                t.rows.push(row);
                t.lines.push(b.first_row + r as u64);
                t.origins.push(origin);
            }
        }
        if t.rows.is_empty() {
            return Err(Error::Empty(format!("{}: no data rows", t.file)));
        }
        Ok(t)
    }

    /// Index of column `name` (or of a 1-based position, when no column has that name), or an
    /// error listing the header.
    pub fn column(&self, name: &str) -> Result<usize> {
        source::find_column(&self.header, name, &self.file).map_err(|e| source::noting_header(e, self.header_read_as))
    }

    /// How an output names input row `row` (the number `classify` and `score --with-line` write
    /// before a row's result): a CSV's line (from 1, the header being line 1; a quoted line
    /// break makes a row span lines), or, for Parquet and a directory of CSV parts, the row
    /// number from 1 across all part files in order, since Parquet has no lines and a part's own
    /// lines or row numbers restart in each part.
    pub fn row_number(&self, row: usize) -> u64 {
        if self.origins.is_empty() {
            self.lines[row]
        } else {
            row as u64 + 1
        }
    }

    /// Where row `row` is, for a message about the whole row ([`Location::row`]).
    pub fn row_place(&self, row: usize) -> String {
        self.place(row, String::new()).row()
    }

    /// The location of cell (`row`, `col`).
    pub fn location(&self, row: usize, col: usize) -> Location {
        self.place(row, self.header[col].clone())
    }

    fn place(&self, row: usize, column: String) -> Location {
        match self.origins.get(row) {
            Some(&(part, group)) => Location {
                file: self.parts[part as usize].clone(),
                line: self.lines[row],
                column,
                row_group: group.map(u64::from),
            },
            None => Location::csv(self.file.clone(), self.lines[row], column),
        }
    }
}

/// Fails with [`Error::MemoryBudget`] once `held` bytes exceed the budget.
fn check_budget(held: u64, budget: Option<u64>, file: &str, rows: usize, cols: usize) -> Result<()> {
    match budget.filter(|b| held > *b) {
        Some(budget) => {
            Err(Error::MemoryBudget { what: format!("{file}: {rows} rows of {cols} columns"), needed: held, budget })
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `csv` read with `sep`, its decimal commas read but in the columns `keep`.
    fn read(name: &str, sep: u8, csv: &str, keep: &[usize]) -> Table {
        let path = std::env::temp_dir().join(format!("shelfwise-table-{}-{name}.csv", std::process::id()));
        std::fs::write(&path, csv).unwrap();
        let mut t = Table::read(&path, sep).unwrap();
        std::fs::remove_file(&path).unwrap();
        t.point_decimal_commas(keep);
        t
    }

    fn column(t: &Table, c: usize) -> Vec<&str> {
        t.rows.iter().map(|r| r[c].as_str()).collect()
    }

    #[test]
    fn only_columns_of_numbers_with_decimal_commas_are_read_with_a_point() {
        let csv = "id;price;mixed;words;count;rate\n\
                   1,5;3,50;2.5;3,5;7;NA\n\
                   2,5;1.234,5;3,5;big;8; 0,25 \n\
                   3,5;;1;x;9;-1\n";
        let t = read("semicolon", b';', csv, &[0]);
        assert_eq!(column(&t, 0), ["1,5", "2,5", "3,5"], "a kept column (ids) stays as written");
        assert_eq!(column(&t, 1), ["3.50", "1234.5", ""], "decimal commas, groups and a missing cell");
        assert_eq!(column(&t, 2), ["2.5", "3,5", "1"], "a point beside a comma: left as written");
        assert_eq!(column(&t, 3), ["3,5", "big", "x"], "text: left as written");
        assert_eq!(column(&t, 4), ["7", "8", "9"], "whole numbers only: nothing to read");
        assert_eq!(column(&t, 5), ["NA", "0.25", "-1"], "missing markers and whole numbers beside a comma");
        assert_eq!(t.decimal_comma_columns().collect::<Vec<_>>(), ["price", "rate"]);

        let t = read("tab", b'\t', "a\tb\n1,5\t1.234\n", &[]);
        assert_eq!((column(&t, 0), column(&t, 1)), (vec!["1.5"], vec!["1.234"]), "a tab-separated file too");
        let t = read("comma", b',', "a,b\n\"1,5\",2\n", &[]);
        assert_eq!(column(&t, 0), ["1,5"], "never in a comma-separated file");
        assert_eq!(t.decimal_comma_columns().count(), 0);
    }
}
