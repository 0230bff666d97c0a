//! Parquet input (arrow-rs): one file, or a directory of part files as Spark and warehouses write
//! them (Hive-style `key=value` partition directories giving columns: `hive.rs`),
//! read one row group at a time in bounded batches of the columns asked for.
//!
//! Cells keep their Parquet types: numbers, booleans, dates and timestamps are read as values,
//! not text; where a reader wants text (ids, titles, the string cells of a [`super::table::Table`]),
//! a value is written the way a CSV export would hold it, so the same data gives the same model
//! from either format. Errors name the part file, the row group (counted from 0, as pyarrow's
//! `read_row_group` takes it), the row (counted from 1 within the file) and the column.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use super::hive::{self, Constant, PartitionFilter};
use super::time::format_timestamp;
use crate::error::{Error, Location, Result};

/// Rows per batch: bounds what one read holds beside the row group's pages.
const BATCH_ROWS: usize = 16_384;

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

/// Refuses a footer that would keep the decoder busy for no bytes ([`super::parquet_thrift`]);
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
    super::parquet_thrift::check(&tail).map_err(|why| Error::file(part, why))
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

/// One batch of rows: the asked-for columns in the order asked, and where the rows are.
pub struct Batch {
    /// Columns, in the order of the names given to [`Batches::open`].
    pub columns: Vec<Column>,
    /// Rows in the batch.
    pub rows: usize,
    /// The part file.
    pub part: String,
    /// Row group within the part, from 0.
    pub group: usize,
    /// Row number within the part (from 1) of the batch's first row.
    pub first_row: u64,
}

impl Batch {
    /// Where row `r` of the batch, column `col`, is.
    pub fn location(&self, r: usize, col: &str) -> Location {
        Location {
            file: self.part.clone(),
            line: self.first_row + r as u64,
            column: col.into(),
            row_group: Some(self.group as u64),
        }
    }
}

/// Reads the named columns of every part, one row group at a time, in batches of
/// 16,384 rows. Every part must hold every named column.
pub struct Batches {
    names: Vec<String>,
    /// Whether list columns are let through (for [`Column::array`]).
    nested: bool,
    /// String columns read dictionary-coded (see [`Batches::with_dictionaries`]).
    dictionaries: Vec<String>,
    /// The memory budget a page must fit in once decompressed (see [`Batches::within`]).
    budget: Option<u64>,
    /// The data set's directory (or file): partition directories are read below it.
    root: PathBuf,
    parts: std::vec::IntoIter<PathBuf>,
    /// The part being read.
    part: Option<OpenPart>,
    reader: Option<(parquet::arrow::arrow_reader::ParquetRecordBatchReader, usize, u64)>,
    /// Parts not to read, by a partition directory ([`Batches::skip_partitions`]).
    filter: Option<PartitionFilter>,
    /// Parts skipped by `filter` so far.
    skipped: u64,
}

/// A part file being read.
struct OpenPart {
    path: PathBuf,
    meta: ArrowReaderMetadata,
    /// The next row group to read, and the part's rows before it.
    next_group: usize,
    rows_before: u64,
    /// The columns its partition directories give it, outermost first, as columns and as text.
    partition: Vec<Constant>,
    partition_values: Vec<(String, Option<String>)>,
}

impl OpenPart {
    /// Reads the footer of `path`, a part of the data set at `root`.
    fn open(root: &Path, path: PathBuf) -> Result<Self> {
        let meta = metadata(&path)?;
        let partition_values = hive::partition_of(root, &path);
        let partition = Constant::all(partition_values.clone());
        Ok(Self { path, meta, next_group: 0, rows_before: 0, partition, partition_values })
    }

    /// Those of `names` the file holds: all but the partition columns it does not hold.
    fn file_columns(&self, names: &[String]) -> Vec<String> {
        let schema = self.meta.schema();
        let from_directory = |n: &String| schema.index_of(n).is_err() && self.partition.iter().any(|c| &c.key == n);
        names.iter().filter(|n| !from_directory(n)).cloned().collect()
    }
}

impl Batches {
    /// Opens `path` (a file or a directory of parts): its first part's footer is read now, for
    /// [`Batches::header`], and kept for reading. Choose the columns with [`Batches::columns`].
    pub fn open(path: &Path) -> Result<Self> {
        let mut parts = parts(path)?.into_iter();
        let first = parts.next().map(|p| OpenPart::open(path, p)).transpose()?;
        Ok(Self {
            names: Vec::new(),
            nested: false,
            dictionaries: Vec::new(),
            budget: None,
            root: path.to_path_buf(),
            parts,
            part: first,
            reader: None,
            filter: None,
            skipped: 0,
        })
    }

    /// Skips, without reading their rows, the part files whose partition directory `key=value`
    /// has a value that `skip` accepts (`None` for the null partition), where the file itself
    /// holds no column `key` (the file's column wins, as in reading). The part open now is
    /// skipped too if so; ask for [`Batches::header`] first.
    pub fn skip_partitions(mut self, key: &str, skip: impl Fn(Option<&str>) -> bool + Send + 'static) -> Self {
        self.filter = Some(PartitionFilter::new(key, skip));
        if self.part.as_ref().is_some_and(|p| self.skips(p)) {
            self.part = None;
            self.skipped += 1;
        }
        self
    }

    /// How many part files [`Batches::skip_partitions`] skipped so far.
    pub fn parts_skipped(&self) -> u64 {
        self.skipped
    }

    fn skips(&self, part: &OpenPart) -> bool {
        let holds = |key: &str| part.meta.schema().index_of(key).is_ok();
        self.filter.as_ref().is_some_and(|f| f.skips(&part.partition_values, holds))
    }

    /// The top-level column names: the first part's schema, then the columns its partition
    /// directories add.
    pub fn header(&self) -> Vec<String> {
        let Some(part) = &self.part else { return Vec::new() };
        let mut names: Vec<String> = part.meta.schema().fields().iter().map(|f| f.name().clone()).collect();
        for c in &part.partition {
            if !names.contains(&c.key) {
                names.push(c.key.clone());
            }
        }
        names
    }

    /// Reads `names`, in this order; a column of a type other than strings, numbers, booleans,
    /// dates and timestamps is an error naming it.
    pub fn columns(mut self, names: &[String]) -> Self {
        self.names = names.to_vec();
        self
    }

    /// Reads the string columns among `names` dictionary-coded in the row groups where the
    /// writer coded every data page of the column with its dictionary: the dictionary comes
    /// through once with a key per row ([`Column::dictionary`]) instead of a string per row.
    /// Parquet writers dictionary-code id columns, so a reader of ids can look each distinct id up
    /// once. A chunk whose dictionary overflowed into plain pages (or whose footer does not say)
    /// is read as strings: the decoder would otherwise build a dictionary for every batch of its
    /// plain pages, which costs more than it saves.
    pub fn with_dictionaries(mut self, names: &[String]) -> Result<Self> {
        self.dictionaries = names.to_vec();
        Ok(self)
    }

    /// Refuses a row group holding a page of the columns read that would need more than `budget`
    /// bytes once decompressed (an [`Error::MemoryBudget`] naming the part, row group and column),
    /// before the decoder allocates it. Without a budget (the default) any page size is let
    /// through. Either way each page header's encoding is checked first.
    pub fn within(self, budget: Option<u64>) -> Self {
        Self { budget, ..self }
    }

    /// Lets list columns through, to be read by [`Column::array`].
    pub fn nested(self) -> Self {
        Self { nested: true, ..self }
    }

    /// The next batch, or `None` at the end of the last part.
    pub fn next_batch(&mut self) -> Result<Option<Batch>> {
        loop {
            if let Some((reader, group, first)) = &mut self.reader {
                let (path, partition) =
                    self.part.as_ref().map(|p| (p.path.clone(), &p.partition[..])).unwrap_or_default();
                let next = match decoding(&path, &format!("row group {group}"), || reader.next()) {
                    Ok(next) => next,
                    Err(e) => {
                        self.reader = None; // a decoder that panicked is not asked again
                        return Err(e);
                    }
                };
                if let Some(batch) = next {
                    let part = path.display().to_string();
                    let batch = batch.map_err(|e| Error::file(&part, format!("row group {group}: {e}")))?;
                    let out = columns_of(&self.names, partition, self.nested, &batch, &part, *group, *first)?;
                    *first += batch.num_rows() as u64;
                    return Ok(Some(out));
                }
                self.reader = None;
            }
            if !self.open_next_group()? {
                return Ok(None);
            }
        }
    }

    /// Opens the next row group (of this part or the next ones); false when none is left.
    fn open_next_group(&mut self) -> Result<bool> {
        loop {
            if let Some(part) = &mut self.part {
                let groups = part.meta.metadata().row_groups();
                if part.next_group < groups.len() {
                    let (g, rows_before) = (part.next_group, part.rows_before);
                    part.rows_before += groups[g].num_rows().max(0) as u64;
                    part.next_group += 1;
                    let (path, meta, names) = (&part.path, &part.meta, part.file_columns(&self.names));
                    let coded = all_dictionary_coded(meta, g, &self.dictionaries);
                    // One handle for the walk and the decoder: the pages checked are the pages read.
                    let file = File::open(path).map_err(|e| Error::io(path, e))?;
                    check_pages(path, &file, meta, g, &names, &coded, self.budget)?;
                    let viewed = viewed_columns(meta, g, &names, &coded);
                    let meta = typed(path, meta.clone(), &coded, &viewed)?;
                    let reader = group_reader(path, file, &meta, &names, g)?;
                    self.reader = Some((reader, g, rows_before + 1));
                    return Ok(true);
                }
                self.part = None;
            }
            match self.parts.next() {
                Some(p) => {
                    let part = OpenPart::open(&self.root, p)?;
                    if self.skips(&part) {
                        self.skipped += 1;
                    } else {
                        self.part = Some(part);
                    }
                }
                None => return Ok(false),
            }
        }
    }
}

/// Walks the page headers of the column chunks of `names` in row group `g` before the decoder
/// reads them, refusing a page that decompresses to more than `budget` bytes, a header whose
/// Thrift is malformed ([`super::parquet_thrift`]), and in the columns of `coded` a data page that
/// is not dictionary-coded though the footer says every one is (read as a dictionary, such a
/// page would have the decoder copy each of the batch's coded values out as a string).
///
/// arrow-rs allocates a page's declared decompressed size (up to 2 GB, zeroed) before it
/// decompresses: a header of a few bytes can declare it, and the `parquet` fuzz target found one
/// that did. The walk reads only the headers (usually tens of bytes each), and stops at what the
/// decoder reports itself: a negative size, or a page past its chunk's end.
fn check_pages(
    part: &Path,
    file: &File,
    meta: &ArrowReaderMetadata,
    g: usize,
    names: &[String],
    coded: &[String],
    budget: Option<u64>,
) -> Result<()> {
    use super::parquet_delta::DELTA_STRING_ENCODINGS;
    use super::parquet_thrift::DICTIONARY_ENCODINGS;
    let size = file.metadata().map_err(|e| Error::io(part, e))?.len();
    let mut buf = Vec::new();
    for chunk in meta.metadata().row_groups()[g].columns() {
        let column = chunk.column_path().parts().first().map(String::as_str).unwrap_or_default();
        if !names.iter().any(|n| n == column) {
            continue;
        }
        let place = ChunkPlace { part, group: g, column };
        let dictionary_only = coded.iter().any(|n| n == column);
        // `ColumnChunkMetaData::byte_range`, without its panic on a negative offset or length
        // (the decoder, behind its boundary, reports those).
        let start = chunk.dictionary_page_offset().unwrap_or_else(|| chunk.data_page_offset());
        let (Ok(start), Ok(len)) = (u64::try_from(start), u64::try_from(chunk.compressed_size())) else { continue };
        let (mut at, end) = (start, start.saturating_add(len).min(size));
        // Where each page starts, for the pages of delta-coded strings.
        let mut delta_pages = Vec::new();
        while at < end {
            let bad_page = |why: &str| place.bad_page(Some(at), why);
            let page = page_header_at(file, at, end, budget, &mut buf).map_err(|why| bad_page(&why))?;
            let too_big = budget.filter(|b| u64::try_from(page.uncompressed).is_ok_and(|u| u > *b));
            if let Some(budget) = too_big {
                return Err(place.over_budget("decompressed", page.uncompressed as u64, budget));
            }
            if let Some(values) = page.dictionary_values.filter(|n| *n > page.uncompressed.max(0)) {
                // Every dictionary value takes a byte at least; the decoder sizes buffers by the count.
                return Err(bad_page(&format!("a dictionary page of {values} values in {} bytes", page.uncompressed)));
            }
            if dictionary_only && page.data_encoding.is_some_and(|e| !DICTIONARY_ENCODINGS.contains(&e)) {
                return Err(bad_page("a data page not dictionary-coded, where the footer says every one is"));
            }
            delta_pages.push(page.data_encoding.filter(|e| DELTA_STRING_ENCODINGS.contains(e)).map(|_| at));
            let (Ok(header), Ok(body)) = (u64::try_from(page.header), u64::try_from(page.compressed)) else { break };
            at = at.saturating_add(header).saturating_add(body);
        }
        if delta_pages.iter().any(Option::is_some) {
            check_delta_pages(&place, file, chunk, &delta_pages, budget)?;
        }
    }
    Ok(())
}

/// A column chunk of a row group of a part file, for the errors its pages raise.
struct ChunkPlace<'a> {
    part: &'a Path,
    group: usize,
    column: &'a str,
}

impl ChunkPlace<'_> {
    /// A page that is not what it claims to be (at byte `at`, where known).
    fn bad_page(&self, at: Option<u64>, why: &str) -> Error {
        let (g, column) = (self.group, self.column);
        match at {
            Some(at) => Error::file(self.part, format!("row group {g}, column `{column}`, byte {at}: {why}")),
            None => Error::file(self.part, format!("row group {g}, column `{column}`: {why}")),
        }
    }

    /// A page that needs `needed` bytes once `held` (decompressed, or decoded), over `budget`.
    fn over_budget(&self, held: &str, needed: u64, budget: u64) -> Error {
        let (g, column) = (self.group, self.column);
        let what = format!("{}, row group {g}: pages of column `{column}`, {held} one at a time,", self.part.display());
        Error::MemoryBudget { what, needed, budget }
    }
}

/// Decompresses the pages of delta-coded strings in `chunk` (`delta_pages` holds, for each page
/// the walk found, its byte if it is one) and refuses one that declares more lengths than it
/// holds values, or whose decoding would need more than `budget` ([`super::parquet_delta`]).
/// Without a budget only the declared counts are checked.
fn check_delta_pages(
    place: &ChunkPlace,
    file: &File,
    chunk: &parquet::file::metadata::ColumnChunkMetaData,
    delta_pages: &[Option<u64>],
    budget: Option<u64>,
) -> Result<()> {
    use parquet::column::page::PageReader;
    use parquet::file::serialized_reader::SerializedPageReader;
    let file = file.try_clone().map_err(|e| Error::io(place.part, e))?;
    let (max_def, max_rep) = (chunk.column_descr().max_def_level(), chunk.column_descr().max_rep_level());
    let walk = || -> Result<()> {
        let unreadable = |e: parquet::errors::ParquetError| place.bad_page(None, &e.to_string());
        let mut pages = SerializedPageReader::new(std::sync::Arc::new(file), chunk, 0, None).map_err(unreadable)?;
        for page_at in delta_pages {
            let Some(at) = *page_at else {
                pages.skip_next_page().map_err(unreadable)?;
                continue;
            };
            let Some(page) = pages.get_next_page().map_err(unreadable)? else { break };
            let held = super::parquet_delta::decoded_bytes(&page, max_def, max_rep, budget.unwrap_or(0))
                .map_err(|why| place.bad_page(Some(at), &why))?;
            if let Some(budget) = budget.filter(|b| held > *b) {
                return Err(place.over_budget("decoded", held, budget));
            }
        }
        Ok(())
    };
    decoding(place.part, "a page of delta-coded strings", walk)?
}

/// The header of the page at byte `at` of a column chunk ending at `end`: read 256 bytes, then as
/// many more as a long header needs (statistics can make one kilobytes long), within the chunk
/// and `budget`.
fn page_header_at(
    file: &File,
    at: u64,
    end: u64,
    budget: Option<u64>,
    buf: &mut Vec<u8>,
) -> std::result::Result<super::parquet_thrift::PageSize, String> {
    use super::parquet_thrift::{page_header, Stop};
    use std::os::unix::fs::FileExt;
    let left = end - at;
    let mut want = left.min(256);
    loop {
        buf.resize(want as usize, 0);
        file.read_exact_at(buf, at).map_err(|e| format!("reading a page header: {e}"))?;
        match page_header(buf) {
            Ok(page) => return Ok(page),
            Err(Stop::Short { needs, why }) if needs > left => {
                return Err(format!("a page header past its column chunk's end ({why})"));
            }
            Err(Stop::Short { needs, .. }) if budget.is_some_and(|b| needs > b) => {
                return Err(format!("a page header of at least {needs} bytes, over the memory budget"));
            }
            Err(Stop::Short { needs, .. }) => want = needs.max(want * 2).min(left),
            Err(Stop::Malformed(why)) => return Err(format!("malformed page header: {why}")),
        }
    }
}

/// Those of `names` that are columns whose every data page in row group `g` is dictionary-coded,
/// as the footer's page-encoding summary says.
fn all_dictionary_coded(meta: &ArrowReaderMetadata, g: usize, names: &[String]) -> Vec<String> {
    use parquet::basic::Encoding;
    let group = &meta.metadata().row_groups()[g];
    names
        .iter()
        .filter(|name| {
            group.columns().iter().any(|c| {
                c.column_path().parts() == [name.as_str()]
                    && c.dictionary_page_offset().is_some()
                    && c.page_encoding_stats_mask().is_some_and(|mask| {
                        mask.is_only(Encoding::PLAIN_DICTIONARY) || mask.is_only(Encoding::RLE_DICTIONARY)
                    })
            })
        })
        .cloned()
        .collect()
}

/// Those of `names` not in `coded` whose chunk in row group `g` has a dictionary page: string and
/// binary columns among them are read as views (see [`typed`]).
fn viewed_columns(meta: &ArrowReaderMetadata, g: usize, names: &[String], coded: &[String]) -> Vec<String> {
    use parquet::basic::Encoding;
    let group = &meta.metadata().row_groups()[g];
    names
        .iter()
        .filter(|name| !coded.contains(name))
        .filter(|name| {
            group.columns().iter().any(|c| {
                c.column_path().parts() == [name.as_str()]
                    && (c.dictionary_page_offset().is_some()
                        || c.encodings().any(|e| matches!(e, Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY)))
            })
        })
        .cloned()
        .collect()
}

/// `meta` with the string columns named in `coded` typed as dictionaries (keys `i32`), so that
/// the decoder hands their dictionary pages through, and the string (or binary) columns in
/// `viewed` as views.
///
/// Views, because a string column read as plain strings is copied out value by value: a
/// dictionary page holding one value of 1 MB and 200,000 keys to it (a 74 KB file) would become
/// 16 GB per batch of 16,384 rows. A view of a dictionary-coded value points into the decoded
/// dictionary page instead, 16 bytes a row.
fn typed(part: &Path, meta: ArrowReaderMetadata, coded: &[String], viewed: &[String]) -> Result<ArrowReaderMetadata> {
    let retype = |f: &arrow_schema::Field| match f.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 if coded.contains(f.name()) => {
            Some(DataType::Dictionary(Box::new(DataType::Int32), Box::new(f.data_type().clone())))
        }
        DataType::Utf8 | DataType::LargeUtf8 if viewed.contains(f.name()) => Some(DataType::Utf8View),
        DataType::Binary | DataType::LargeBinary if viewed.contains(f.name()) => Some(DataType::BinaryView),
        _ => None,
    };
    if !meta.schema().fields().iter().any(|f| retype(f).is_some()) {
        return Ok(meta);
    }
    let fields: Vec<arrow_schema::Field> = meta
        .schema()
        .fields()
        .iter()
        .map(|f| match retype(f) {
            Some(t) => f.as_ref().clone().with_data_type(t),
            None => f.as_ref().clone(),
        })
        .collect();
    let schema = std::sync::Arc::new(arrow_schema::Schema::new_with_metadata(fields, meta.schema().metadata().clone()));
    let options = ArrowReaderOptions::new().with_schema(schema);
    decoding(part, "footer", || ArrowReaderMetadata::try_new(meta.metadata().clone(), options))?
        .map_err(|e| Error::file(part, e))
}

/// `names` of `batch` as [`Column`]s, in that order: the file's columns, or those of its
/// `partition` directories.
fn columns_of(
    names: &[String],
    partition: &[Constant],
    nested: bool,
    batch: &RecordBatch,
    part: &str,
    group: usize,
    first_row: u64,
) -> Result<Batch> {
    let schema = batch.schema();
    let columns = names
        .iter()
        .map(|name| {
            let array = match (schema.index_of(name), partition.iter().find(|c| &c.key == name)) {
                (Ok(at), _) => batch.column(at).clone(),
                (Err(_), Some(c)) => c.column(batch.num_rows()),
                (Err(_), None) => return Err(missing(part, name, &schema)),
            };
            Column::new(array, part, name, nested)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Batch { columns, rows: batch.num_rows(), part: part.into(), group, first_row })
}

fn missing(part: &str, name: &str, schema: &arrow_schema::Schema) -> Error {
    Error::MissingColumn {
        file: part.into(),
        column: name.into(),
        header: schema.fields().iter().map(|f| f.name().clone()).collect(),
    }
}

/// A reader of row group `g` of one part, projected to `names`.
fn group_reader(
    path: &Path,
    file: File,
    meta: &ArrowReaderMetadata,
    names: &[String],
    g: usize,
) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReader> {
    let part = path.display().to_string();
    let schema = meta.schema();
    let roots =
        names.iter().map(|n| schema.index_of(n).map_err(|_| missing(&part, n, schema))).collect::<Result<Vec<_>>>()?;
    let mask = ProjectionMask::roots(meta.parquet_schema(), roots);
    decoding(path, &format!("row group {g}"), || {
        ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
            .with_projection(mask)
            .with_row_groups(vec![g])
            .with_batch_size(BATCH_ROWS)
            .build()
    })?
    .map_err(|e| Error::file(path, format!("row group {g}: {e}")))
}

/// One column of a batch with its type resolved once: cells read as values, or as the text a CSV
/// export would hold. Cloning shares the decoded buffers.
#[derive(Clone)]
pub struct Column {
    array: ArrayRef,
    kind: Kind,
    /// For [`Kind::Utf8`]: the array, typed once (a downcast per cell cost more than the cell).
    utf8: Option<arrow_array::StringArray>,
    /// For [`Kind::Utf8View`]: the array, typed once.
    views: Option<arrow_array::StringViewArray>,
    /// For [`Kind::Dict`]: the keys, and the dictionary's values.
    keys: Option<arrow_array::Int32Array>,
    values: Option<Box<Column>>,
    /// `array.len()`, kept: asking the array is a call through its vtable, once per key checked.
    rows: usize,
}

#[derive(Clone, Copy)]
enum Kind {
    Utf8,
    LargeUtf8,
    Utf8View,
    /// Strings coded by a dictionary with `i32` keys: `values` holds the dictionary.
    Dict,
    Int(IntKind),
    F32,
    F64,
    Decimal(i8),
    Bool,
    /// Dates and timestamps, read as Unix seconds.
    Time(TimeKind),
    /// Lists (factor vectors), read through [`Column::array`] only.
    List,
}

#[derive(Clone, Copy)]
enum IntKind {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

#[derive(Clone, Copy)]
enum TimeKind {
    Date32,
    Date64,
    Ts(TimeUnit),
}

/// A numeric cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A whole number.
    Int(i64),
    /// Any other number.
    Float(f64),
}

impl Column {
    fn new(array: ArrayRef, part: &str, name: &str, nested: bool) -> Result<Self> {
        let kind = match array.data_type() {
            DataType::Utf8 => Kind::Utf8,
            DataType::LargeUtf8 => Kind::LargeUtf8,
            DataType::Utf8View => Kind::Utf8View,
            DataType::Int8 => Kind::Int(IntKind::I8),
            DataType::Int16 => Kind::Int(IntKind::I16),
            DataType::Int32 => Kind::Int(IntKind::I32),
            DataType::Int64 => Kind::Int(IntKind::I64),
            DataType::UInt8 => Kind::Int(IntKind::U8),
            DataType::UInt16 => Kind::Int(IntKind::U16),
            DataType::UInt32 => Kind::Int(IntKind::U32),
            DataType::UInt64 => Kind::Int(IntKind::U64),
            DataType::Float32 => Kind::F32,
            DataType::Float64 => Kind::F64,
            DataType::Decimal128(_, scale) => Kind::Decimal(*scale),
            DataType::Boolean => Kind::Bool,
            DataType::Date32 => Kind::Time(TimeKind::Date32),
            DataType::Date64 => Kind::Time(TimeKind::Date64),
            DataType::Timestamp(unit, _) => Kind::Time(TimeKind::Ts(*unit)),
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) if nested => Kind::List,
            DataType::Dictionary(k, v)
                if **k == DataType::Int32 && matches!(**v, DataType::Utf8 | DataType::LargeUtf8) =>
            {
                let dict = array.as_dictionary::<Int32Type>();
                let values = Column::new(dict.values().clone(), part, name, false)?;
                let keys = Some(dict.keys().clone());
                return Ok(Self { keys, values: Some(Box::new(values)), ..Self::plain(array, Kind::Dict) });
            }
            DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8) => {
                // Keys of another width (a pandas category is written with `i8` keys) made `i32`,
                // rather than each row's string copied out: a dictionary holds fewer than 2^31
                // values, since a page is at most 2 GB.
                let dict = array.as_any_dictionary();
                let keys: arrow_array::Int32Array = (dict.normalized_keys().iter().enumerate())
                    .map(|(i, &k)| (!array.is_null(i)).then(|| i32::try_from(k).ok()).flatten())
                    .collect();
                let recoded = arrow_array::DictionaryArray::<Int32Type>::try_new(keys, dict.values().clone())
                    .map_err(|e| Error::file(part, format!("column '{name}': {e}")))?;
                return Column::new(std::sync::Arc::new(recoded), part, name, nested);
            }
            other => {
                return Err(Error::InvalidValue {
                    field: format!("{part}: column '{name}'"),
                    value: other.to_string(),
                    reason: "this Parquet type is not read here: strings, numbers, booleans, dates and timestamps are"
                        .into(),
                })
            }
        };
        Ok(Self::plain(array, kind))
    }

    fn plain(array: ArrayRef, kind: Kind) -> Self {
        let utf8 = matches!(kind, Kind::Utf8).then(|| array.as_string::<i32>().clone());
        let views = matches!(kind, Kind::Utf8View).then(|| array.as_string_view().clone());
        Self { rows: array.len(), array, kind, utf8, views, keys: None, values: None }
    }

    /// Whether row `i` is null (for a dictionary column: its key, or the value it points to).
    pub fn is_null(&self, i: usize) -> bool {
        match self.dictionary() {
            Some((keys, values)) => self.array.is_null(i) || values.key(keys[i]).is_none_or(|k| values.is_null(k)),
            None => self.array.is_null(i),
        }
    }

    /// `key` as a row of this column, when it is one (a key past a dictionary's end is refused,
    /// not read: the decoder checks keys only against non-empty dictionaries).
    pub fn key(&self, key: i32) -> Option<usize> {
        usize::try_from(key).ok().filter(|k| *k < self.rows)
    }

    /// Rows in the column.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// A dictionary-coded column's keys (one per row; a null row's key is arbitrary) and its
    /// dictionary (see [`Batches::with_dictionaries`]).
    pub fn dictionary(&self) -> Option<(&[i32], &Column)> {
        Some((self.keys.as_ref()?.values(), self.values.as_deref()?))
    }

    /// Which buffers hold the column: equal for two batches that share one dictionary (the
    /// pages of one column chunk). Only meaningful while this column is alive, so that its
    /// buffers cannot be reused for another.
    pub fn identity(&self) -> (usize, usize, usize) {
        let data = self.array.to_data();
        let at = |k: usize| data.buffers().get(k).map_or(0, |b| b.as_ptr() as usize);
        (at(0), at(1), data.len())
    }

    /// Cell `i` of a column of strings as it is stored (`None` when null or not a string column):
    /// a borrow of the decoded buffers, with no copy.
    pub fn string(&self, i: usize) -> Option<&str> {
        // Through the typed arrays: `ArrayRef::is_null` is a call through a vtable per cell.
        match self.kind {
            Kind::Dict => {
                let values = self.values.as_deref()?;
                values.string(self.dictionary_entry(i)?)
            }
            Kind::Utf8 => self.utf8.as_ref().and_then(|a| (!a.is_null(i)).then(|| a.value(i))),
            Kind::LargeUtf8 => Some(self.array.as_string::<i64>()).and_then(|a| (!a.is_null(i)).then(|| a.value(i))),
            Kind::Utf8View => self.views.as_ref().and_then(|a| (!a.is_null(i)).then(|| a.value(i))),
            _ => None,
        }
    }

    /// For a dictionary-coded column, the dictionary entry that row `i` names (`None` when the
    /// row is null or its key is outside the dictionary).
    pub fn dictionary_entry(&self, i: usize) -> Option<usize> {
        let (keys, values) = (self.keys.as_ref()?, self.values.as_deref()?);
        if keys.is_null(i) {
            return None;
        }
        values.key(keys.value(i))
    }

    /// A `Utf8` column with no null cell as its offsets (one more than its rows) and bytes, for
    /// loops over every row without a check per cell.
    pub fn utf8_without_nulls(&self) -> Option<(&[i32], &[u8])> {
        let a = self.utf8.as_ref().filter(|a| a.null_count() == 0)?;
        Some((a.value_offsets(), a.value_data()))
    }

    /// A string-view column without nulls (string columns with a dictionary page are read as
    /// views, unless read as dictionaries).
    pub fn views_without_nulls(&self) -> Option<&arrow_array::StringViewArray> {
        self.views.as_ref().filter(|a| a.null_count() == 0)
    }

    /// A dictionary-coded column with no null key: its keys and its dictionary.
    pub fn dictionary_without_nulls(&self) -> Option<(&[i32], &Column)> {
        self.keys.as_ref().filter(|k| k.null_count() == 0)?;
        self.dictionary()
    }

    /// Whether cells are strings, read by [`Column::string`].
    pub fn is_strings(&self) -> bool {
        matches!(self.kind, Kind::Dict | Kind::Utf8 | Kind::LargeUtf8 | Kind::Utf8View)
    }

    /// Cell `i` as text (`None` when null): strings as they are, numbers as CSV exports write them
    /// (integers without a decimal point, floats in the shortest form that reads back, whole
    /// ones with `.0`), dates
    /// and timestamps as `YYYY-MM-DDTHH:MM:SSZ`, booleans as `true`/`false`. `buf` holds the text
    /// of cells that are not strings.
    pub fn text<'s>(&'s self, i: usize, buf: &'s mut String) -> Option<&'s str> {
        if self.is_strings() {
            return self.string(i);
        }
        if self.array.is_null(i) {
            return None;
        }
        let s: &str = match self.kind {
            Kind::Dict | Kind::Utf8 | Kind::LargeUtf8 | Kind::Utf8View => return None, // `string` above
            Kind::Bool => {
                if self.array.as_boolean().value(i) {
                    "true"
                } else {
                    "false"
                }
            }
            Kind::Time(_) => {
                buf.clear();
                buf.push_str(&format_timestamp(self.seconds_of(i)?));
                buf.as_str()
            }
            _ => {
                buf.clear();
                // Floats as Spark, pandas and Java write them: shortest digits that read back, and
                // `.0` on whole numbers (an id column of doubles reads "15643.0", as in their CSVs).
                match (self.kind, self.number(i)?) {
                    (_, Number::Int(v)) => write!(buf, "{v}"),
                    (Kind::F32, Number::Float(v)) => write!(buf, "{:?}", v as f32),
                    (_, Number::Float(v)) => write!(buf, "{v:?}"),
                }
                .ok()?;
                buf.as_str()
            }
        };
        Some(s)
    }

    /// Cell `i` as a number, when the column is numeric and the cell not null.
    pub fn number(&self, i: usize) -> Option<Number> {
        if self.array.is_null(i) {
            return None;
        }
        let a = &self.array;
        Some(match self.kind {
            Kind::Int(k) => Number::Int(match k {
                IntKind::I8 => a.as_primitive::<Int8Type>().value(i).into(),
                IntKind::I16 => a.as_primitive::<Int16Type>().value(i).into(),
                IntKind::I32 => a.as_primitive::<Int32Type>().value(i).into(),
                IntKind::I64 => a.as_primitive::<Int64Type>().value(i),
                IntKind::U8 => a.as_primitive::<UInt8Type>().value(i).into(),
                IntKind::U16 => a.as_primitive::<UInt16Type>().value(i).into(),
                IntKind::U32 => a.as_primitive::<UInt32Type>().value(i).into(),
                IntKind::U64 => match i64::try_from(a.as_primitive::<UInt64Type>().value(i)) {
                    Ok(v) => v,
                    Err(_) => return Some(Number::Float(a.as_primitive::<UInt64Type>().value(i) as f64)),
                },
            }),
            Kind::F32 => Number::Float(a.as_primitive::<Float32Type>().value(i).into()),
            Kind::F64 => Number::Float(a.as_primitive::<Float64Type>().value(i)),
            Kind::Decimal(scale) => {
                Number::Float(a.as_primitive::<Decimal128Type>().value(i) as f64 / 10f64.powi(scale.into()))
            }
            _ => return None,
        })
    }

    /// Whether the column holds dates or timestamps.
    pub(crate) fn is_time(&self) -> bool {
        matches!(self.kind, Kind::Time(_))
    }

    /// Cell `i` of a date or timestamp column as Unix seconds (fractions dropped toward −∞).
    pub(crate) fn seconds_of(&self, i: usize) -> Option<i64> {
        let Kind::Time(t) = self.kind else { return None };
        if self.array.is_null(i) {
            return None;
        }
        let a = &self.array;
        Some(match t {
            TimeKind::Date32 => i64::from(a.as_primitive::<Date32Type>().value(i)) * 86_400,
            TimeKind::Date64 => a.as_primitive::<Date64Type>().value(i).div_euclid(1000),
            TimeKind::Ts(TimeUnit::Second) => a.as_primitive::<TimestampSecondType>().value(i),
            TimeKind::Ts(TimeUnit::Millisecond) => {
                a.as_primitive::<TimestampMillisecondType>().value(i).div_euclid(1000)
            }
            TimeKind::Ts(TimeUnit::Microsecond) => {
                a.as_primitive::<TimestampMicrosecondType>().value(i).div_euclid(1_000_000)
            }
            TimeKind::Ts(TimeUnit::Nanosecond) => {
                a.as_primitive::<TimestampNanosecondType>().value(i).div_euclid(1_000_000_000)
            }
        })
    }

    /// The raw array, for readers of nested columns (factor vectors).
    pub fn array(&self) -> &ArrayRef {
        &self.array
    }
}
