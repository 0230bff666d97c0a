//! Opening text inputs: plain or gzip (detected by magic bytes, not by file name).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::error::{Error, Location, Result};

/// Opens `path` for reading, transparently decompressing gzip.
pub fn open(path: &Path) -> Result<Box<dyn Read + Send>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buf = BufReader::with_capacity(1 << 16, file);
    let head = buf.fill_buf().map_err(|e| Error::io(path, e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(buf))))
    } else {
        Ok(Box::new(buf))
    }
}

/// A CSV reader error (wrong field count, bad UTF-8, …) as a row error naming file and line;
/// `line` is used when the error carries no position.
pub(crate) fn row_error(e: csv::Error, file: &str, line: u64) -> Error {
    let line = e.position().map_or(line, |p| p.line());
    let (value, reason) = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            (format!("{len} fields"), format!("expected {expected_len} fields, found {len}"))
        }
        csv::ErrorKind::Utf8 { err, .. } => (format!("field {}", err.field() + 1), "invalid UTF-8".to_string()),
        _ => (String::new(), e.to_string()),
    };
    Error::BadRow { location: Location { file: file.into(), line, column: "(row)".into() }, value, reason }
}
