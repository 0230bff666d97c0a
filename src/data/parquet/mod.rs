//! Parquet input (arrow-rs): one file, or a directory of part files as Spark and warehouses write
//! them (Hive-style `key=value` partition directories giving columns: `hive.rs`),
//! read one row group at a time in bounded batches of the columns asked for.
//!
//! Cells keep their Parquet types: numbers, booleans, dates and timestamps are read as values,
//! not text; where a reader wants text (ids, titles, the string cells of a [`super::table::Table`]),
//! a value is written the way a CSV export would hold it, so the same data gives the same model
//! from either format. Errors name the part file, the row group (counted from 0, as pyarrow's
//! `read_row_group` takes it), the row (counted from 1 within the file) and the column.

//!
//! One file per concern: [`Batches`] reads the row groups (`batches.rs`), deciding how each
//! column chunk is decoded (`coding.rs`) after its page headers are checked against the memory
//! budget (`pages.rs`, with `thrift.rs` for the headers and `delta.rs` for delta-coded strings);
//! [`Column`] types a batch's columns once (`column.rs`). This file finds the part files and
//! holds the boundary around the decoder.

mod batches;
mod coding;
mod column;
mod delta;
mod group;
mod pages;
mod thrift;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};

use super::hive;
use crate::error::{Error, Result};

pub use batches::{Batch, Batches};
pub use column::{Column, Number};

/// Whether `path` is read as Parquet: a file starting with the `PAR1` magic, or a directory
/// whose first data file with any bytes (`hive.rs`, in path order) does. A data set's part files
/// are all of one format, so one file tells, and the reader of that format refuses a part of
/// the other (a directory of many parts is not opened file by file to decide).
pub fn is_parquet(path: &Path) -> bool {
    if path.is_dir() {
        hive::first_file_with_bytes(path).is_ok_and(|first| first.is_some_and(|f| has_magic(&f)))
    } else {
        has_magic(path)
    }
}

pub(super) fn has_magic(path: &Path) -> bool {
    let mut head = [0u8; 4];
    File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head == b"PAR1"
}

/// Why a data set whose part files are Parquet and CSV is not read.
pub(super) const MIXED_FORMATS: &str = "is not of the format of the data set's first part file (Parquet or CSV): \
    every part file of a data set must be of one format";

/// The Parquet files behind `path`: the file itself, or a directory's data files (`hive.rs`:
/// below Hive-style partition directories too, in path order, `_SUCCESS` and checksum files
/// skipped, and empty files too); a data file that is not Parquet is an error.
pub fn parts(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    for f in hive::data_files(path)? {
        if hive::is_empty_file(&f) {
            continue;
        }
        if !has_magic(&f) {
            return Err(Error::file(&f, MIXED_FORMATS));
        }
        found.push(f);
    }
    if found.is_empty() {
        return Err(Error::file(path, "is a directory without Parquet part files"));
    }
    Ok(found)
}

fn metadata(part: &Path) -> Result<ArrowReaderMetadata> {
    let file = File::open(part).map_err(|e| Error::io(part, e))?;
    check_footer(part, &file)?;
    decoding(part, "footer", || ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()))?
        .map_err(|e| Error::file(part, e))
}

/// Refuses a footer that would keep the decoder busy for no bytes ([`thrift`]);
/// a file too short or without a footer is left to the decoder's own errors.
fn check_footer(part: &Path, mut file: &File) -> Result<()> {
    use std::io::{Seek, SeekFrom};
    let io = |e| Error::io(part, e);
    let size = file.metadata().map_err(io)?.len();
    if size < 8 {
        return Ok(());
    }
    let mut end = [0u8; 8];
    file.seek(SeekFrom::End(-8)).and_then(|_| file.read_exact(&mut end)).map_err(io)?;
    let len = u64::from(u32::from_le_bytes([end[0], end[1], end[2], end[3]]));
    if &end[4..] != b"PAR1" || len > size - 8 {
        return Ok(());
    }
    let mut tail = vec![0u8; len as usize + 8];
    file.seek(SeekFrom::End(-(tail.len() as i64))).and_then(|_| file.read_exact(&mut tail)).map_err(io)?;
    thrift::check(&tail).map_err(|why| Error::file(part, why))
}

thread_local! {
    static DECODING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside a call into the Parquet decoder, where a panic is caught and
/// reported as a malformed file: a panic hook uses it to keep such panics quiet (the CLI) or to
/// let them unwind to the boundary (the fuzz target, whose default hook aborts).
pub fn in_decoder() -> bool {
    DECODING.with(|d| d.get())
}

/// Runs a call into the Parquet decoder, turning a panic into an error naming `part`.
///
/// The boundary: arrow-rs panics on some malformed inputs (`BitReader::get_vlq_int` asserts on an
/// over-long integer, arrow-buffer's bit-chunk iterator on definition levels past the buffer:
/// the `parquet` fuzz target found both within minutes), and a malformed file must be an error,
/// never a crash. Only decoder calls run inside (no shelfwise
/// state is left half-updated by an unwind: the batch being decoded is dropped), so a caught
/// panic means a file the decoder could not read.
fn decoding<T>(part: &Path, what: &str, f: impl FnOnce() -> T) -> Result<T> {
    /// Clears the flag when the call returns or unwinds.
    struct Inside;
    impl Drop for Inside {
        fn drop(&mut self) {
            DECODING.with(|d| d.set(false));
        }
    }
    DECODING.with(|d| d.set(true));
    let inside = Inside;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    drop(inside);
    result.map_err(|panic| {
        let why = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("a decoder panic");
        Error::file(part, format!("malformed Parquet data in the {what} (the decoder failed: {why})"))
    })
}
