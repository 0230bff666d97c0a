//! Tabular CSV input for propensity models: raw cells with their line numbers.

use std::path::Path;

use super::source;
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
    /// 1-based line number of each row.
    pub lines: Vec<u64>,
}

impl Table {
    /// Reads a CSV (optionally gzip) within the default memory budget; see [`Table::read_within`].
    pub fn read(path: &Path, delimiter: u8) -> Result<Self> {
        Self::read_within(path, delimiter, Some(super::default_memory_budget()))
    }

    /// Reads a CSV (optionally gzip); a row with the wrong field count is an error naming its line,
    /// and so is a repeated column name. Past `max_memory` bytes of cells reading stops with
    /// [`Error::MemoryBudget`].
    pub fn read_within(path: &Path, delimiter: u8, max_memory: Option<u64>) -> Result<Self> {
        let file = path.display().to_string();
        let (mut rdr, header, bound) = source::csv_reader(path, delimiter, true)?;
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        let mut record = csv::StringRecord::new();
        let mut held = 0u64;
        loop {
            let line = lines.last().map_or(2, |l| l + 1);
            let more = rdr.read_record(&mut record).map_err(|e| source::row_error(e, &file, line))?;
            bound.record_read(rdr.position().byte());
            if !more {
                break;
            }
            lines.push(record.position().map_or(line, |p| p.line()));
            let row: Vec<String> = record.iter().map(str::to_string).collect();
            held += (row.len() * std::mem::size_of::<String>() + record.as_slice().len() + 40) as u64;
            if let Some(budget) = max_memory.filter(|b| held > *b) {
                return Err(Error::MemoryBudget {
                    what: format!("{file}: {} rows of {} columns", rows.len() + 1, header.len()),
                    needed: held,
                    budget,
                });
            }
            rows.push(row);
        }
        if rows.is_empty() {
            return Err(Error::Empty(format!("{file}: no data rows")));
        }
        Ok(Self { file, header, rows, lines })
    }

    /// Index of column `name` (or of a 1-based position, when no column has that name), or an
    /// error listing the header.
    pub fn column(&self, name: &str) -> Result<usize> {
        source::find_column(&self.header, name, &self.file)
    }

    /// The location of cell (`row`, `col`).
    pub fn location(&self, row: usize, col: usize) -> Location {
        Location { file: self.file.clone(), line: self.lines[row], column: self.header[col].clone() }
    }
}
