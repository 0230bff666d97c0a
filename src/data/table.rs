//! Tabular input (CSV, or Parquet through [`super::parquet`]) for propensity models, text
//! classifiers and catalogues: raw cells with where each row came from.

use std::path::Path;

use super::csv_input::{CsvInput, Record};
use super::{parquet, source};
use crate::error::{Error, Location, Result};

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
}

impl Table {
    /// Reads a CSV (optionally compressed) or Parquet input within the default memory budget;
    /// see [`Table::read_within`].
    pub fn read(path: &Path, delimiter: u8) -> Result<Self> {
        Self::read_within(path, delimiter, Some(super::default_memory_budget()))
    }

    /// Reads a CSV (optionally compressed) or Parquet input, a file or a directory of part files (see
    /// [`super::parquet`]; Parquet cells become the text a CSV export would hold, null an empty
    /// cell); a row with the wrong field count is an error naming its part file and line, and so
    /// is a repeated column name or a part whose columns differ from the first part's. Past
    /// `max_memory` bytes of cells reading stops with [`Error::MemoryBudget`].
    pub fn read_within(path: &Path, delimiter: u8, max_memory: Option<u64>) -> Result<Self> {
        if parquet::is_parquet(path) {
            return Self::read_parquet(path, max_memory);
        }
        let file = path.display().to_string();
        let mut input = CsvInput::open(path, delimiter, true)?;
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
        Ok(t)
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
        source::find_column(&self.header, name, &self.file)
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
