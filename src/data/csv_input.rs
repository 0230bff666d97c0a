//! CSV input as one stream of records: a file, or a directory of part files as Spark's
//! `DataFrameWriter.csv` writes them (`part-00000-….csv`, gzip parts too), below Hive-style
//! `key=value` partition directories too, whose columns every row of the part gets (`hive.rs`).
//! Every part must repeat the first one's columns; errors name the part file and its line.

use std::path::{Path, PathBuf};

use super::hive::{self, PartitionFilter};
use super::source;
use crate::error::{Error, Result};

/// The records of a CSV input, part after part; see the module docs.
pub(crate) struct CsvInput {
    /// Column names: the first part's, then the partition columns its files do not hold.
    header: Vec<String>,
    /// The first part's own header (positions `1`, `2`, … without a header line), which every
    /// part must repeat.
    file_header: Vec<String>,
    /// The first part's partition columns, outermost first, which every part must have too.
    keys: Vec<String>,
    /// The data set's directory, when the input is one.
    root: Option<PathBuf>,
    /// Part files not opened yet.
    rest: std::vec::IntoIter<PathBuf>,
    /// The part being read; `None` once all are read.
    part: Option<Part>,
    /// The part being read (or the last one), for messages.
    file: String,
    /// Parts opened so far.
    opened: usize,
    format: source::CsvFormat,
    has_header: bool,
    /// Parts not to read ([`CsvInput::skip_partitions`]).
    filter: Option<PartitionFilter>,
    /// Parts skipped by `filter` so far.
    skipped: u64,
    /// Records that were not UTF-8, read in the code page `format` names.
    not_utf8: Option<source::NotUtf8>,
    /// Records that were UTF-8 with bytes beyond ASCII, and where the first was.
    utf8_beyond_ascii: Option<(u64, String)>,
    /// The buffer the next record is read into ([`CsvInput::read`]).
    spare: Option<csv::ByteRecord>,
    /// The code page the first part's header was read in, when it was not UTF-8.
    header_read_as: Option<&'static encoding_rs::Encoding>,
}

/// One open part file.
struct Part {
    rdr: csv::Reader<source::Guarded>,
    bound: source::RecordBound,
    /// Line of the record read last.
    line: u64,
    /// Lines the reader does not count (see [`source::CsvFile`]).
    lines_before: u64,
    /// The values of the partition columns the header adds, for every row of the part.
    values: Vec<String>,
    /// Its partition directories' columns and values, outermost first.
    partition: Vec<(String, Option<String>)>,
}

/// What [`CsvInput::read`] found.
pub(crate) enum Record {
    /// A record, in the buffer given.
    Read,
    /// A malformed record (a wrong field count): reading can go on after it.
    Bad(Error),
    /// The input cannot be read on (a truncated gzip, an endless row, a part whose columns
    /// differ from the first's).
    Broken(Error),
    /// No more records.
    End,
}

impl CsvInput {
    /// Opens `path`, a CSV file (plain or compressed) or a directory of CSV part files, and reads the
    /// first part's header (see [`source::csv_reader`]). In a directory, parts without even a
    /// header line (an empty partition's file) are skipped.
    pub(crate) fn open(path: &Path, format: source::CsvFormat, has_header: bool) -> Result<Self> {
        let (root, files) = if path.is_dir() {
            let files = hive::data_files(path)?;
            if files.is_empty() {
                return Err(Error::file(path, "is a directory without data files (CSV or Parquet part files)"));
            }
            (Some(path.to_path_buf()), files)
        } else {
            (None, vec![path.to_path_buf()])
        };
        let mut input = Self {
            header: Vec::new(),
            file_header: Vec::new(),
            keys: Vec::new(),
            root,
            rest: files.into_iter(),
            part: None,
            file: path.display().to_string(),
            opened: 0,
            format,
            has_header,
            filter: None,
            skipped: 0,
            not_utf8: None,
            utf8_beyond_ascii: None,
            spare: None,
            header_read_as: None,
        };
        input.open_next_part()?;
        if input.part.is_none() && input.is_dir() {
            return Err(Error::Empty(format!("{}: every part file is empty", path.display())));
        }
        Ok(input)
    }

    /// Column names: the files' own, then the partition columns (see [`CsvInput`]).
    pub(crate) fn header(&self) -> &[String] {
        &self.header
    }

    /// The code page the header was read in, when it was not UTF-8 (see
    /// [`source::noting_header`]).
    pub(crate) fn header_read_as(&self) -> Option<&'static encoding_rs::Encoding> {
        self.header_read_as
    }

    /// The part file being read (the input itself when it is a file).
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    /// The line of the record read last, within its part.
    pub(crate) fn line(&self) -> u64 {
        self.part.as_ref().map_or(0, |p| p.line)
    }

    /// Skips, without reading their rows, the part files whose partition directory `key=value`
    /// has a value that `skip` accepts (`None` for the null partition), where the files hold no
    /// column `key` (their column wins, as in reading), the part open now included.
    pub(crate) fn skip_partitions(
        &mut self,
        key: &str,
        skip: impl Fn(Option<&str>) -> bool + Send + 'static,
    ) -> Result<()> {
        self.filter = Some(PartitionFilter::new(key, skip));
        if self.part.as_ref().is_some_and(|p| self.skips(&p.partition)) {
            self.skipped += 1;
            self.open_next_part()?;
        }
        Ok(())
    }

    /// How many part files [`CsvInput::skip_partitions`] skipped so far.
    pub(crate) fn parts_skipped(&self) -> u64 {
        self.skipped
    }

    fn skips(&self, partition: &[(String, Option<String>)]) -> bool {
        let holds = |key: &str| self.file_header.iter().any(|h| h == key);
        self.filter.as_ref().is_some_and(|f| f.skips(partition, holds))
    }

    /// The records that were not UTF-8 and were read in the code page [`CsvInput::open`]'s
    /// format names, if any were, with the UTF-8 records beyond ASCII beside them.
    pub(crate) fn not_utf8(&self) -> Option<source::NotUtf8> {
        let utf8 = self.utf8_beyond_ascii.clone();
        self.not_utf8.clone().map(|n| source::NotUtf8 { utf8, ..n })
    }

    /// The code page named for rows that are not UTF-8, when one other than the default
    /// (Windows-1252) was named and no row or header needed it: a run says so, since the file may
    /// not be what its reader was told ([`source::unneeded_encoding_notice`]).
    pub(crate) fn unneeded_encoding(&self) -> Option<&'static encoding_rs::Encoding> {
        source::named_encoding(self.format.legacy).filter(|_| self.not_utf8.is_none() && self.header_read_as.is_none())
    }

    /// Whether the input is a directory of parts (whose lines restart in each part).
    pub(crate) fn is_dir(&self) -> bool {
        self.root.is_some()
    }

    /// Reads the next record into `record`, the partition columns' values appended, opening the
    /// next part when one ends.
    pub(crate) fn read(&mut self, record: &mut csv::StringRecord) -> Record {
        loop {
            let Some(part) = self.part.as_mut() else { return Record::End };
            // Read as bytes into the spare buffer, which becomes `record` without a copy when
            // UTF-8 (the record's old buffer the next spare: no allocation per record), else is
            // decoded in the legacy code page.
            let mut bytes = self.spare.take().unwrap_or_default();
            let row = part.rdr.read_byte_record(&mut bytes);
            part.bound.record_read(part.rdr.position().byte());
            part.line = bytes.position().map_or(part.line + 1, |p| p.line() + part.lines_before);
            // Where this record is, for the first of its kind.
            let here = || format!("{}:{}", self.file, part.line);
            let old = match csv::StringRecord::from_byte_record(bytes) {
                Ok(text) => {
                    if !text.as_slice().is_ascii() {
                        self.utf8_beyond_ascii.get_or_insert_with(|| (0, here())).0 += 1;
                    }
                    std::mem::replace(record, text).into_byte_record()
                }
                Err(e) => {
                    let legacy = self.format.legacy;
                    self.not_utf8
                        .get_or_insert_with(|| source::NotUtf8 { rows: 0, first: here(), read_as: legacy, utf8: None })
                        .rows += 1;
                    let bytes = e.into_byte_record();
                    *record = source::decode_legacy(&bytes, self.format.legacy);
                    bytes
                }
            };
            self.spare = Some(old);
            match row {
                Ok(true) => {
                    for v in &part.values {
                        record.push_field(v);
                    }
                    return Record::Read;
                }
                Ok(false) => {
                    if let Err(e) = self.open_next_part() {
                        return Record::Broken(e);
                    }
                }
                // The input itself failed (a truncated gzip, an endless row): nothing to skip to.
                Err(e) if e.is_io_error() => return Record::Broken(source::row_error(e, &self.file, part.line)),
                Err(e) => return Record::Bad(source::row_error(e, &self.file, part.line)),
            }
        }
    }

    /// Opens the next part that has a header line; the first one opened sets the columns, and
    /// any later one must have the same.
    fn open_next_part(&mut self) -> Result<()> {
        self.part = None;
        while let Some(path) = self.rest.next() {
            let source::CsvFile { rdr, header: file_header, bound, lines_before, header_read_as } =
                source::csv_reader(&path, self.format, self.has_header).map_err(|e| {
                    match self.root.is_some() && super::parquet::has_magic(&path) {
                        true => Error::file(&path, super::parquet::MIXED_FORMATS),
                        false => e,
                    }
                })?;
            if self.root.is_some() && file_header.is_empty() {
                continue;
            }
            let partition = self.root.as_deref().map(|root| hive::partition_of(root, &path)).unwrap_or_default();
            let keys: Vec<String> = partition.iter().map(|(k, _)| k.clone()).collect();
            if self.opened == 0 {
                self.header_read_as = header_read_as;
                self.header = file_header.clone();
                for k in &keys {
                    if !self.header.contains(k) {
                        self.header.push(k.clone());
                    }
                }
                (self.file_header, self.keys) = (file_header, keys);
            } else {
                self.check_same_columns(&path, &file_header, &keys)?;
            }
            if self.skips(&partition) {
                self.skipped += 1;
                continue;
            }
            // The value of each column the header adds: the outermost directory of its name.
            let added = &self.header[self.file_header.len()..];
            let values = added
                .iter()
                .map(|k| partition.iter().find(|(key, _)| key == k).and_then(|(_, v)| v.clone()).unwrap_or_default())
                .collect();
            self.file = path.display().to_string();
            self.opened += 1;
            self.part = Some(Part { rdr, bound, line: 1 + lines_before, lines_before, values, partition });
            return Ok(());
        }
        Ok(())
    }

    /// Fails unless part `path` has the first part's columns: the same header (the same number
    /// of fields, without header lines) and the same partition directories.
    fn check_same_columns(&self, path: &Path, file_header: &[String], keys: &[String]) -> Result<()> {
        // The part read before this one, which had the first part's columns.
        let previous = self.file.as_str();
        let differs = if self.has_header {
            (file_header != self.file_header)
                .then(|| format!("has columns {file_header:?}, where {previous} has {:?}", self.file_header))
        } else {
            (file_header.len() != self.file_header.len())
                .then(|| format!("has {} fields, where {previous} has {}", file_header.len(), self.file_header.len()))
        };
        let differs = differs.or_else(|| {
            (keys != self.keys)
                .then(|| format!("lies in partitions {keys:?}, where {previous} lies in partitions {:?}", self.keys))
        });
        match differs {
            Some(how) => {
                Err(Error::file(path, format!("{how}: every part file of a data set must have the same columns")))
            }
            None => Ok(()),
        }
    }
}
