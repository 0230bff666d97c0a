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
    /// Reads a CSV (optionally gzip); a row with the wrong field count is an error naming its line.
    pub fn read(path: &Path, delimiter: u8) -> Result<Self> {
        let file = path.display().to_string();
        let mut rdr = csv::ReaderBuilder::new().delimiter(delimiter).from_reader(source::open(path)?);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| Error::io(path, e))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| source::row_error(e, &file, lines.last().map_or(2, |l| l + 1)))?;
            lines.push(rec.position().map_or(0, |p| p.line()));
            rows.push(rec.iter().map(str::to_string).collect());
        }
        if rows.is_empty() {
            return Err(Error::Empty(format!("{file}: no data rows")));
        }
        Ok(Self { file, header, rows, lines })
    }

    /// Index of column `name`, or an error listing the header.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| Error::MissingColumn {
            file: self.file.clone(),
            column: name.into(),
            header: self.header.clone(),
        })
    }

    /// The location of cell (`row`, `col`).
    pub fn location(&self, row: usize, col: usize) -> Location {
        Location { file: self.file.clone(), line: self.lines[row], column: self.header[col].clone() }
    }
}
