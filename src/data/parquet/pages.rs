//! Checking a row group's page headers before the decoder reads them: what each page will take
//! once decompressed (or decoded, for delta-coded strings) against the memory budget, and the
//! encodings the footer promised; and where a chunk holds pages of delta-coded strings.

use std::fs::File;
use std::path::Path;

use parquet::arrow::arrow_reader::ArrowReaderMetadata;

use crate::error::{Error, Result};

/// Walks the page headers of the column chunks of `names` in row group `g` before the decoder
/// reads them, refusing a page that decompresses to more than `budget` bytes, a header whose
/// Thrift is malformed ([`super::thrift`]), and in the columns of `coded` a data page that
/// is not dictionary-coded though the footer says every one is (read as a dictionary, such a
/// page would have the decoder copy each of the batch's coded values out as a string).
///
/// arrow-rs allocates a page's declared decompressed size (up to 2 GB, zeroed) before it
/// decompresses: a header of a few bytes can declare it, and the `parquet` fuzz target found one
/// that did. The walk reads only the headers (usually tens of bytes each), and stops at what the
/// decoder reports itself: a negative size, or a page past its chunk's end.
///
/// Returns the chunks that hold pages of delta-coded strings, whose decoded size only their
/// decompressed bytes tell: [`super::group`] checks those pages as the decoder takes them.
pub(super) fn check_pages(
    part: &Path,
    file: &File,
    meta: &ArrowReaderMetadata,
    g: usize,
    names: &[String],
    coded: &[String],
    budget: Option<u64>,
) -> Result<Vec<DeltaChunk>> {
    use super::delta::DELTA_STRING_ENCODINGS;
    use super::thrift::DICTIONARY_ENCODINGS;
    let size = file.metadata().map_err(|e| Error::io(part, e))?.len();
    let mut buf = Vec::new();
    let mut delta = Vec::new();
    for (leaf, chunk) in meta.metadata().row_groups()[g].columns().iter().enumerate() {
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
        // Where each page starts, and whether one is of delta-coded strings.
        let (mut starts, mut any_delta) = (Vec::new(), false);
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
            if page.data_encoding.is_some() || page.dictionary_values.is_some() {
                starts.push(at); // the pages the decoder's page reader hands on (not index pages)
            }
            any_delta |= page.data_encoding.is_some_and(|e| DELTA_STRING_ENCODINGS.contains(&e));
            let (Ok(header), Ok(body)) = (u64::try_from(page.header), u64::try_from(page.compressed)) else { break };
            at = at.saturating_add(header).saturating_add(body);
        }
        if any_delta {
            delta.push(DeltaChunk { leaf, column: column.to_string(), starts });
        }
    }
    Ok(delta)
}

/// A column chunk holding pages of delta-coded strings, as [`check_pages`] found it.
pub(super) struct DeltaChunk {
    /// The chunk's column, by its index among the leaf columns (as the decoder counts them).
    pub leaf: usize,
    /// Its top-level column's name.
    pub column: String,
    /// Where each of its data and dictionary pages starts, in order.
    pub starts: Vec<u64>,
}

/// A column chunk of a row group of a part file, for the errors its pages raise.
pub(super) struct ChunkPlace<'a> {
    pub part: &'a Path,
    pub group: usize,
    pub column: &'a str,
}

impl ChunkPlace<'_> {
    /// A page that is not what it claims to be (at byte `at`, where known).
    pub(super) fn bad_page(&self, at: Option<u64>, why: &str) -> Error {
        let (g, column) = (self.group, self.column);
        match at {
            Some(at) => Error::file(self.part, format!("row group {g}, column `{column}`, byte {at}: {why}")),
            None => Error::file(self.part, format!("row group {g}, column `{column}`: {why}")),
        }
    }

    /// A page that needs `needed` bytes once `held` (decompressed, or decoded), over `budget`.
    pub(super) fn over_budget(&self, held: &str, needed: u64, budget: u64) -> Error {
        let (g, column) = (self.group, self.column);
        let what = format!("{}, row group {g}: pages of column `{column}`, {held} one at a time,", self.part.display());
        Error::MemoryBudget { what, needed, budget }
    }
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
) -> std::result::Result<super::thrift::PageSize, String> {
    use super::thrift::{page_header, Stop};
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
