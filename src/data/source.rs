//! Opening text inputs: plain or compressed (detected by magic bytes, not by file name, except
//! for Hadoop's framings, which have none: see `compression.rs`), with the guards every CSV
//! reader shares: `\r\n` read as `\n` (so line numbers are right for the files Python's csv
//! module and Windows tools write), a bound on a record's length (so a gzip bomb holding one huge
//! field stops with an error instead of exhausting memory), unique header names.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::compression::{Compression, Prefetch};
use crate::error::{Error, Location, Result};

/// Longest CSV record (one row, every field and separator) read, in bytes. Far above any real
/// interaction row or product text (ids are at most [`MAX_ID_BYTES`], texts 10,000 characters),
/// and a bound on the memory one row can take.
pub const MAX_RECORD_BYTES: u64 = 16 << 20;
/// Longest user, item or basket id, in bytes.
pub const MAX_ID_BYTES: usize = 1024;
/// Longest catalogue title, in bytes.
pub const MAX_TITLE_BYTES: usize = 4096;

/// How a CSV's bytes are read: its field separator, and the code page of the rows that are not
/// UTF-8 (UTF-8 rows are always read as UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvFormat {
    /// Field separator.
    pub delimiter: u8,
    /// The code page of rows that are not UTF-8: Windows-1252 unless named ([`legacy_encoding`]).
    pub legacy: &'static encoding_rs::Encoding,
}

impl Default for CsvFormat {
    /// Commas, and Windows-1252 ([`CsvFormat::from`]).
    fn default() -> Self {
        b','.into()
    }
}

impl From<u8> for CsvFormat {
    /// `delimiter`, with rows that are not UTF-8 read as Windows-1252: Excel's plain "CSV" on
    /// Windows in Western Europe and the Americas, and the code page most such files are in
    /// (Latin-1's letters are at the same bytes).
    fn from(delimiter: u8) -> Self {
        Self { delimiter, legacy: encoding_rs::WINDOWS_1252 }
    }
}

/// The code page `label` names (`windows-1250`, `cp1251`, `latin2`, `shift_jis`, …: the WHATWG
/// labels), for rows that are not UTF-8; UTF-8 itself and UTF-16 are refused (UTF-8 rows are
/// always read as such, and a UTF-16 file is not read at all).
pub fn legacy_encoding(label: &str) -> Result<&'static encoding_rs::Encoding> {
    let refuse = |why: &str| Error::param("encoding", label, why);
    let found = encoding_rs::Encoding::for_label_no_replacement(label.trim().as_bytes()).ok_or_else(|| {
        refuse("not a code page: name one such as windows-1250, windows-1251, iso-8859-2 or shift_jis")
    })?;
    if found == encoding_rs::UTF_8 {
        return Err(refuse("UTF-8 rows are always read as UTF-8: this names the code page of the others"));
    }
    if found == encoding_rs::UTF_16LE || found == encoding_rs::UTF_16BE {
        return Err(refuse("UTF-16 files are not read: save the file as UTF-8 (\"CSV UTF-8\")"));
    }
    Ok(found)
}

/// Opens `path` for reading, decompressing it as its first bytes (or, for Hadoop's framings, zlib
/// and Brotli, its extension) say: gzip, bzip2, Zstandard, LZ4, snappy, zlib or Brotli.
pub fn open(path: &Path) -> Result<Box<dyn Read + Send>> {
    open_to_read(path, Prefetch::WhenLarge)
}

/// Opens `path` as [`open`] does, decompressing on a thread of its own ahead of the reader
/// only with [`Prefetch::WhenLarge`] (not worth it for a header line).
fn open_to_read(path: &Path, read_ahead: Prefetch) -> Result<Box<dyn Read + Send>> {
    if path.is_dir() {
        return Err(Error::file(path, "is a directory, not a CSV file"));
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buf = BufReader::with_capacity(1 << 16, file);
    let head = buf.fill_buf().map_err(|e| Error::io(path, e))?;
    if head.starts_with(b"PAR1") {
        return Err(Error::file(path, "is a Parquet file, which this input does not take: give a CSV"));
    }
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        return Err(Error::file(path, "is UTF-16 text (Excel's \"Unicode Text\"): save it as UTF-8 (\"CSV UTF-8\")"));
    }
    let compression = Compression::detect(path, head)?;
    compression.decoder(buf, read_ahead).map_err(|e| Error::io(path, e))
}

/// Where column `name` is in `header`: the column of that name, or else, when `name` is a
/// whole number from 1 to the number of columns, the column at that 1-based position.
pub(crate) fn find_column(header: &[String], name: &str, file: &str) -> Result<usize> {
    if let Some(i) = header.iter().position(|h| h == name) {
        return Ok(i);
    }
    match name.parse::<usize>() {
        Ok(n) if (1..=header.len()).contains(&n) => Ok(n - 1),
        _ => Err(Error::MissingColumn {
            file: file.into(),
            column: name.into(),
            header: header.to_vec(),
            note: String::new(),
        }),
    }
}

/// `e`, when it is a missing column of a header that was not UTF-8 and was read in `read_as`,
/// saying so: its names may be misread (`iloœæ` for `ilość`) until `--encoding` (or
/// `--catalog-encoding`) names the file's code page.
pub(crate) fn noting_header(e: Error, read_as: Option<&'static encoding_rs::Encoding>) -> Error {
    match (e, read_as) {
        (Error::MissingColumn { file, column, header, .. }, Some(read_as)) => Error::MissingColumn {
            file,
            column,
            header,
            note: format!(
                " (the header is not UTF-8: read as {}; --encoding, or --catalog-encoding for a catalogue, names \
                 the file's code page)",
                read_as.name()
            ),
        },
        (e, _) => e,
    }
}

/// The separators [`detect_delimiter`] considers, in order of preference on a tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// A separator [`detect_delimiter`] found, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// The separator.
    pub byte: u8,
    /// Whether the file says it on a `sep=` line ([`separator_hint`]), rather than it being
    /// counted on the header line.
    pub from_hint: bool,
}

/// The field separator of `path` (plain or compressed; of a directory's first part with any
/// bytes): what its `sep=` line says ([`separator_hint`]), else read off its header line,
/// whichever of [`DELIMITERS`] occurs most often outside double quotes (a comma when none does,
/// or when the input is Parquet, which has none).
pub fn detect_delimiter(path: &Path) -> Result<Detected> {
    let counted = |byte| Ok(Detected { byte, from_hint: false });
    if super::parquet::is_parquet(path) {
        return counted(b',');
    }
    let first = match path.is_dir() {
        true => super::hive::first_file_with_bytes(path)?,
        false => Some(path.to_path_buf()),
    };
    let Some(path) = first else { return counted(b',') };
    let mut line = Vec::new();
    let mut reader = BufReader::new(open_to_read(&path, Prefetch::Never)?.take(1 << 20));
    reader.read_until(b'\n', &mut line).map_err(|e| Error::io(&path, e))?;
    if let Some(byte) = separator_hint(&line) {
        return Ok(Detected { byte, from_hint: true });
    }
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for b in line {
        match b {
            b'"' => quoted = !quoted,
            _ if quoted => {}
            _ => {
                if let Some(k) = DELIMITERS.iter().position(|d| *d == b) {
                    counts[k] += 1;
                }
            }
        }
    }
    let best = (0..DELIMITERS.len()).fold(0, |best, k| if counts[k] > counts[best] { k } else { best });
    counted(DELIMITERS[best])
}

/// The separator a first line such as `sep=;` names: Excel's hint, written above the header by
/// tools that export for Excel (and by people, so that Excel splits the columns), and not data.
/// The line may be quoted (`"sep=;"`), start with a byte-order mark and end with `\r\n`; the
/// separator is any one ASCII character but a letter, a digit or a quote.
pub fn separator_hint(line: &[u8]) -> Option<u8> {
    let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\"").and_then(|l| l.strip_suffix(b"\"")).unwrap_or(line);
    match line {
        [s, e, p, b'=', sep] if [*s, *e, *p].eq_ignore_ascii_case(b"sep") => {
            (sep.is_ascii() && !sep.is_ascii_alphanumeric() && *sep != b'"').then_some(*sep)
        }
        _ => None,
    }
}

/// `input` past its `sep=` line ([`separator_hint`]), if it starts with one, and whether it
/// did; else `input` as it was.
fn past_separator_hint(mut input: Box<dyn Read + Send>) -> std::io::Result<(Box<dyn Read + Send>, bool)> {
    // The longest hint: a byte-order mark, `"sep=;"` and `\r\n`.
    const LONGEST: usize = 12;
    let mut head = Vec::with_capacity(LONGEST);
    let mut byte = [0u8];
    while head.len() < LONGEST && head.last() != Some(&b'\n') {
        match input.read(&mut byte)? {
            0 => break,
            _ => head.push(byte[0]),
        }
    }
    let whole_line = head.ends_with(b"\n") || head.len() < LONGEST;
    match whole_line && separator_hint(&head).is_some() {
        true => Ok((input, true)),
        false => Ok((Box::new(std::io::Cursor::new(head).chain(input)), false)),
    }
}

/// A CSV file opened by [`csv_reader`].
pub(crate) struct CsvFile {
    pub(crate) rdr: csv::Reader<Guarded>,
    /// Column names.
    pub(crate) header: Vec<String>,
    /// The handle that bounds record length.
    pub(crate) bound: RecordBound,
    /// Lines before the ones the reader counts: 1 after a `sep=` line, which it did not see.
    pub(crate) lines_before: u64,
    /// The code page the header was read in, when it was not UTF-8.
    pub(crate) header_read_as: Option<&'static encoding_rs::Encoding>,
}

/// A CSV reader over `path` (plain or compressed) with the guards in the module docs, past a
/// `sep=` line ([`separator_hint`]; `delimiter` is used all the same), with its trimmed header
/// (BOM removed; a repeated name is an error naming both positions). Without a header line
/// (`has_header` false) the columns are named by their 1-based positions, `1`, `2`, …, from the
/// first record, which stays data. A part file named as Spark and Hadoop name their output
/// ([`spark_escapes`]) is read with their escapes.
pub(crate) fn csv_reader(path: &Path, format: CsvFormat, has_header: bool) -> Result<CsvFile> {
    let bound = RecordBound { start: Arc::new(AtomicU64::new(0)) };
    let (input, hinted) = past_separator_hint(open(path)?).map_err(|e| Error::io(path, e))?;
    let guarded = Guarded::new(input, bound.clone());
    let escape = spark_escapes(path).then_some(b'\\');
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(format.delimiter)
        .has_headers(has_header)
        .escape(escape)
        .from_reader(guarded);
    let first = rdr.byte_headers().map_err(|e| Error::file(path, e))?;
    let (first, header_read_as) = match csv::StringRecord::from_byte_record(first.clone()) {
        Ok(text) => (text, None),
        Err(e) => (decode_legacy(&e.into_byte_record(), format.legacy), Some(format.legacy)),
    };
    let header: Vec<String> = if has_header {
        first.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_string()).collect()
    } else {
        (1..=first.len()).map(|i| i.to_string()).collect()
    };
    for (i, h) in header.iter().enumerate() {
        if let Some(j) = header[..i].iter().position(|g| g == h) {
            return Err(Error::InvalidValue {
                field: format!("{}: header", path.display()),
                value: format!("{h:?}"),
                reason: format!("column name repeated at positions {} and {} (1-based): rename one", j + 1, i + 1),
            });
        }
    }
    bound.record_read(rdr.position().byte());
    Ok(CsvFile { rdr, header, bound, lines_before: u64::from(hinted), header_read_as })
}

/// Whether `path` is a part file as Spark, Databricks and Hadoop name their output (`part-…`),
/// whose CSV writer escapes a quote inside a quoted field as `\"` and a backslash as `\\`
/// (univocity's defaults), not as CSV's `""`: such a file is read with those escapes, which
/// also take `""`. Other files keep a backslash as it is.
fn spark_escapes(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("part-"))
}

/// Lets a reading loop tell the input where the current record starts, so the input can refuse
/// to feed one record past [`MAX_RECORD_BYTES`].
#[derive(Debug, Clone)]
pub(crate) struct RecordBound {
    start: Arc<AtomicU64>,
}

impl RecordBound {
    /// Call after each record with the reader's byte position (the next record's start).
    pub(crate) fn record_read(&self, byte: u64) {
        self.start.store(byte, Ordering::Relaxed);
    }
}

/// The input side of the guards: drops `\r` before `\n`, and fails with an I/O error once more
/// than [`MAX_RECORD_BYTES`] (plus read-ahead) have been read since the current record began.
pub(crate) struct Guarded {
    inner: BufReader<Box<dyn Read + Send>>,
    /// Bytes handed out so far (after dropping `\r`s): the csv reader's byte positions.
    given: u64,
    bound: RecordBound,
    /// A `\r` at the end of the last chunk, held back until the next byte shows whether it ends a line.
    held_cr: bool,
}

impl Guarded {
    fn new(inner: Box<dyn Read + Send>, bound: RecordBound) -> Self {
        Self { inner: BufReader::with_capacity(1 << 16, inner), given: 0, bound, held_cr: false }
    }

    /// Read-ahead the csv reader may do beyond a record, on top of the record itself.
    const SLACK: u64 = 1 << 20;
}

impl Read for Guarded {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let start = self.bound.start.load(Ordering::Relaxed);
        if self.given.saturating_sub(start) > MAX_RECORD_BYTES + Self::SLACK {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("a row longer than {} MiB (an unclosed quote, or not a CSV file?)", MAX_RECORD_BYTES >> 20),
            ));
        }
        let mut w = 0;
        while w < out.len() {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                if std::mem::take(&mut self.held_cr) {
                    out[w] = b'\r';
                    w += 1;
                }
                break;
            }
            let mut r = 0;
            if self.held_cr {
                self.held_cr = false;
                if buf[0] != b'\n' {
                    out[w] = b'\r';
                    w += 1;
                    continue;
                }
            }
            // Copy up to each `\r`; drop it when a `\n` follows, hold it when the chunk ends.
            while r < buf.len() && w < out.len() {
                let run = buf[r..].iter().position(|b| *b == b'\r').unwrap_or(buf.len() - r).min(out.len() - w);
                out[w..w + run].copy_from_slice(&buf[r..r + run]);
                (w, r) = (w + run, r + run);
                if r < buf.len() && w < out.len() && buf[r] == b'\r' {
                    match buf.get(r + 1) {
                        Some(b'\n') => r += 1,
                        Some(_) => {
                            out[w] = b'\r';
                            (w, r) = (w + 1, r + 1);
                        }
                        None => {
                            self.held_cr = true;
                            r += 1;
                        }
                    }
                }
            }
            self.inner.consume(r);
            if w > 0 {
                break;
            }
        }
        self.given += w as u64;
        Ok(w)
    }
}

/// A record that is not UTF-8 as text, read in code page `legacy` ([`CsvFormat::legacy`]). In a
/// single-byte code page every byte gives one character, so ids stay distinct.
pub(crate) fn decode_legacy(bytes: &csv::ByteRecord, legacy: &'static encoding_rs::Encoding) -> csv::StringRecord {
    let mut text = csv::StringRecord::with_capacity(bytes.as_slice().len() * 2, bytes.len());
    for field in bytes {
        text.push_field(&legacy.decode_without_bom_handling(field).0);
    }
    text.set_position(bytes.position().cloned());
    text
}

/// The rows of an input that were not UTF-8, read in a legacy code page ([`CsvFormat::legacy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotUtf8 {
    /// How many.
    pub rows: u64,
    /// Where the first was (`file:line`).
    pub first: String,
    /// The code page they were read in.
    pub read_as: &'static encoding_rs::Encoding,
    /// How many rows of the same input were UTF-8 with characters beyond ASCII (read as UTF-8),
    /// and where the first was: an input that mixes the two, or rows of the code page whose
    /// bytes happen to be valid UTF-8 too.
    pub utf8: Option<(u64, String)>,
}

impl NotUtf8 {
    /// What a run says of them.
    pub fn notice(&self) -> String {
        let Some((utf8, first_utf8)) = &self.utf8 else { return self.read_as_notice() };
        let name = self.read_as.name();
        format!(
            "{}; {utf8} other rows with characters beyond ASCII are valid UTF-8 and were read as UTF-8 (the first \
             at {first_utf8}): the input mixes the two, or those rows are {name} whose bytes happen to be valid \
             UTF-8 too (if the whole file is {name}, convert it to UTF-8 first, e.g. `iconv -f {name} -t utf-8`)",
            self.read_as_notice()
        )
    }

    /// What a run says of the rows read in the legacy code page.
    fn read_as_notice(&self) -> String {
        let (rows, first) = (self.rows, &self.first);
        if self.read_as == encoding_rs::WINDOWS_1252 {
            format!(
                "{rows} rows are not UTF-8 (the first at {first}): read as Windows-1252, the code page of Excel's \
                 plain \"CSV\" on Windows; if their accented letters look wrong, name the file's code page with \
                 --encoding (windows-1250 in Central Europe, windows-1251 for Cyrillic, …) or save it as \"CSV UTF-8\""
            )
        } else {
            format!(
                "{rows} rows are not UTF-8 (the first at {first}): read as {}, as --encoding says",
                self.read_as.name()
            )
        }
    }
}

/// `legacy` when it is not the default (Windows-1252), so was named by the caller: for an input
/// with no row that could need it, a Parquet file (whose text is UTF-8 by the format's rules).
pub(crate) fn named_encoding(legacy: &'static encoding_rs::Encoding) -> Option<&'static encoding_rs::Encoding> {
    (legacy != encoding_rs::WINDOWS_1252).then_some(legacy)
}

/// What a run says when the code page named for rows that are not UTF-8 was not needed: every
/// row was UTF-8 (or plain ASCII), so the file was read as it would have been without it.
pub fn unneeded_encoding_notice(named: &'static encoding_rs::Encoding) -> String {
    format!(
        "every row is UTF-8, so none was read as {} (the code page named for rows that are not): the file is \
         already UTF-8 or plain ASCII",
        named.name()
    )
}

/// A CSV reader error (wrong field count, …; records are read as bytes, so never bad UTF-8) as a
/// row error naming file and `line`, the line of the record it came from as the reader's caller
/// counts it (the csv reader gives an error the position of that record, which the caller read
/// off the record, a `sep=` line added: [`CsvFile::lines_before`]).
pub(crate) fn row_error(e: csv::Error, file: &str, line: u64) -> Error {
    let (value, reason) = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            (format!("{len} fields"), format!("expected {expected_len} fields, found {len}"))
        }
        csv::ErrorKind::Io(io) => (String::new(), io.to_string()),
        _ => (String::new(), e.to_string()),
    };
    Error::BadRow { location: Location::csv(file, line, "(row)"), value, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded_bytes(input: &[u8], out_size: usize) -> Vec<u8> {
        let bound = RecordBound { start: Arc::new(AtomicU64::new(0)) };
        let mut g = Guarded::new(Box::new(std::io::Cursor::new(input.to_vec())), bound.clone());
        let mut all = Vec::new();
        let mut buf = vec![0u8; out_size];
        loop {
            bound.record_read(all.len() as u64);
            let n = g.read(&mut buf).unwrap();
            if n == 0 {
                return all;
            }
            all.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn crlf_becomes_lf_and_lone_cr_stays_at_every_buffer_size() {
        let input = b"a,b\r\nc,d\r\n\"x\r\ny\"\r\re\rf\r";
        let want = b"a,b\nc,d\n\"x\ny\"\r\re\rf\r";
        for size in 1..input.len() + 2 {
            assert_eq!(guarded_bytes(input, size), want, "buffer of {size}");
        }
    }

    #[test]
    fn separator_hints_are_excel_sep_lines_only() {
        for (line, want) in [
            (&b"sep=;\n"[..], Some(b';')),
            (b"sep=,\r\n", Some(b',')),
            (b"SEP=|", Some(b'|')),
            (b"\"sep=\t\"\r\n", Some(b'\t')),
            (b"\xef\xbb\xbfsep=;\n", Some(b';')),
            (b"sep=\"\n", None),
            (b"sep=x\n", None),
            (b"sep=;;\n", None),
            (b"sep;item\n", None),
            (b"user;item\n", None),
            (b"sep=\xe4\n", None),
        ] {
            assert_eq!(separator_hint(line), want, "{:?}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn a_sep_line_is_read_past_and_any_other_start_kept() {
        let read = |input: &[u8]| {
            let (mut r, hinted) = past_separator_hint(Box::new(std::io::Cursor::new(input.to_vec()))).unwrap();
            let mut rest = Vec::new();
            r.read_to_end(&mut rest).unwrap();
            (String::from_utf8(rest).unwrap(), hinted)
        };
        assert_eq!(read(b"sep=;\r\na;b\n"), ("a;b\n".into(), true));
        assert_eq!(read(b"sep=;"), (String::new(), true));
        assert_eq!(read(b"a;b\n1;2\n"), ("a;b\n1;2\n".into(), false));
        assert_eq!(read(b"sep=;x\na\n"), ("sep=;x\na\n".into(), false));
        assert_eq!(read(b"a\n"), ("a\n".into(), false));
        assert_eq!(read(b""), (String::new(), false));
    }

    #[test]
    fn a_record_past_the_bound_is_an_io_error() {
        let bound = RecordBound { start: Arc::new(AtomicU64::new(0)) };
        let huge = std::io::repeat(b'a').take(MAX_RECORD_BYTES + Guarded::SLACK + (1 << 17));
        let mut g = Guarded::new(Box::new(huge), bound);
        let err = std::io::copy(&mut g, &mut std::io::sink()).unwrap_err();
        assert!(err.to_string().contains("longer than 16 MiB"), "{err}");
    }
}
