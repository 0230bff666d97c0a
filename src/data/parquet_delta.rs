//! What arrow-rs holds to decode a page of delta-coded strings, known before it decodes.
//!
//! A `DELTA_BYTE_ARRAY` value is a prefix of the value before it plus a suffix, and the lengths
//! of both come `DELTA_BINARY_PACKED`, where a block of any number of equal lengths takes a few
//! bytes. So a page of a few kilobytes can hold a million copies of one 60 KB string: 60 GB once
//! decoded, which arrow-rs 59 builds value by value. And it sizes its arrays of lengths by the
//! count the stream's header declares, before it reads a length: 8 GB for a count of two billion
//! in four bytes. A `DELTA_LENGTH_BYTE_ARRAY` page's lengths are sized the same way (its values
//! are its own bytes, so they cannot outgrow the page).
//!
//! [`decoded_bytes`] walks the length streams without storing them and adds up what the decoder
//! will hold: 4 bytes per declared length and every value's bytes. The reader compares that with
//! its memory budget before arrow-rs sees the page.

use parquet::basic::Encoding;
use parquet::column::page::Page;

/// Thrift `Encoding`s of byte arrays coded by their lengths: `DELTA_LENGTH_BYTE_ARRAY` and
/// `DELTA_BYTE_ARRAY`.
pub(crate) const DELTA_STRING_ENCODINGS: [i64; 2] = [6, 7];

/// The bytes arrow-rs holds to decode `page` of a column whose levels go up to `max_def` and
/// `max_rep`, if its values are delta-coded strings (0 for any other page): each declared length
/// at 4 bytes, plus the page's values decoded. Where the declared lengths alone pass `limit`, the
/// lengths are not walked, so a hostile page costs this walk no more than the limit allows. A
/// length stream that declares more values than the page holds is an error, whatever its cost; a
/// stream the decoder will refuse costs what the decoder allocates before refusing it.
pub(crate) fn decoded_bytes(page: &Page, max_def: i16, max_rep: i16, limit: u64) -> Result<u64, String> {
    let (values, num_values) = match page {
        Page::DataPage { buf, num_values, encoding, def_level_encoding, rep_level_encoding, .. }
            if is_delta_string(*encoding) =>
        {
            let mut at = 0;
            for (max, levels) in [(max_rep, *rep_level_encoding), (max_def, *def_level_encoding)] {
                if max > 0 {
                    match v1_levels_len(&buf[at..], max, levels, *num_values) {
                        Some(n) => at += n,
                        None => return Ok(0), // the decoder refuses the page before its values
                    }
                }
            }
            (&buf[at..], *num_values)
        }
        Page::DataPageV2 { buf, num_values, encoding, def_levels_byte_len, rep_levels_byte_len, .. }
            if is_delta_string(*encoding) =>
        {
            let at = *def_levels_byte_len as usize + *rep_levels_byte_len as usize;
            match buf.get(at..) {
                Some(values) => (values, *num_values),
                None => return Ok(0),
            }
        }
        _ => return Ok(0),
    };
    let encoding = page.encoding();
    values_bytes(values, encoding == Encoding::DELTA_BYTE_ARRAY, u64::from(num_values), limit)
}

fn is_delta_string(e: Encoding) -> bool {
    matches!(e, Encoding::DELTA_LENGTH_BYTE_ARRAY | Encoding::DELTA_BYTE_ARRAY)
}

/// Bytes of a v1 page's levels, as arrow-rs finds them: RLE levels after their 4-byte length,
/// bit-packed ones by the count of values. `None` where the decoder will refuse them.
fn v1_levels_len(buf: &[u8], max: i16, encoding: Encoding, num_values: u32) -> Option<usize> {
    match encoding {
        Encoding::RLE => {
            let len = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?) as usize;
            (4 + len <= buf.len()).then_some(4 + len)
        }
        #[allow(deprecated)]
        Encoding::BIT_PACKED => {
            let width = 16 - (max as u16).leading_zeros() as usize;
            Some((num_values as usize * width).div_ceil(8))
        }
        _ => None,
    }
}

/// [`decoded_bytes`] of a page's value bytes: `prefixed` for `DELTA_BYTE_ARRAY` (a stream of
/// prefix lengths, then one of suffix lengths, then the suffixes), else `DELTA_LENGTH_BYTE_ARRAY`
/// (lengths, then the values).
fn values_bytes(values: &[u8], prefixed: bool, page_values: u64, limit: u64) -> Result<u64, String> {
    let name = if prefixed { "DELTA_BYTE_ARRAY" } else { "DELTA_LENGTH_BYTE_ARRAY" };
    let declared = |s: &Lengths| -> Result<u64, String> {
        if s.count > page_values {
            return Err(format!("a {name} page declaring {} values where its header counts {page_values}", s.count));
        }
        Ok(4 * s.count)
    };
    let Some(mut first) = Lengths::new(values) else { return Ok(0) };
    let mut held = declared(&first)?;
    if held > limit {
        return Ok(held);
    }
    // The decoder reads every length of the first stream into its array before anything else.
    let Some(first_end) = first.clone().end() else { return Ok(held) };
    if !prefixed {
        // The decoder adds the lengths up and refuses a negative one or a total past the page.
        let data = values.len().saturating_sub(first_end) as u64;
        let total = first.try_fold(0u64, |sum, n| u64::try_from(n.ok()?).ok().map(|n| sum + n));
        return Ok(held + total.filter(|t| *t <= data).unwrap_or(0));
    }
    let Some(suffixes) = Lengths::new(&values[first_end..]) else { return Ok(held) };
    held += declared(&suffixes)?;
    let Some(suffixes_end) = suffixes.clone().end() else { return Ok(held) };
    if held > limit || suffixes.count != first.count {
        return Ok(held);
    }
    // Each value: the previous one cut to the prefix length (a longer prefix keeps it whole),
    // then the suffix, which must lie within the page.
    let mut data = values.len().saturating_sub(first_end + suffixes_end) as u64;
    let mut last = 0u64;
    for (prefix, suffix) in first.zip(suffixes) {
        let (Ok(prefix), Ok(suffix)) = (prefix, suffix) else { break };
        let suffix = suffix as u32 as u64; // a negative length is past any page's end
        if suffix > data {
            break;
        }
        data -= suffix;
        last = (prefix as u32 as u64).min(last) + suffix;
        held += last;
    }
    Ok(held)
}

/// A `DELTA_BINARY_PACKED` stream of `i32` lengths, read the way arrow-rs reads it: a header
/// (values per block, mini blocks per block, the count, the first value), then blocks of a
/// minimum delta, one bit width per mini block, and the mini blocks' deltas packed LSB first.
/// Yields each length, or `Err` where the decoder fails (it fails the page there).
#[derive(Clone)]
struct Lengths<'a> {
    bytes: &'a [u8],
    /// Bit position of the next read.
    bit: usize,
    per_mini: usize,
    minis: usize,
    /// Values declared by the header.
    count: u64,
    /// Values not yet yielded.
    left: u64,
    first: Option<i32>,
    last: i32,
    min_delta: i32,
    /// Bit widths of the current block's mini blocks, the one being read, and its values left.
    widths: &'a [u8],
    mini: usize,
    in_mini: usize,
    /// Byte where the current block's mini blocks end.
    block_end: usize,
}

impl<'a> Lengths<'a> {
    /// The stream at the start of `bytes`, or `None` if the decoder refuses its header.
    fn new(bytes: &'a [u8]) -> Option<Self> {
        let mut s = Lengths {
            bytes,
            bit: 0,
            per_mini: 0,
            minis: 0,
            count: 0,
            left: 0,
            first: None,
            last: 0,
            min_delta: 0,
            widths: &[],
            mini: 0,
            in_mini: 0,
            block_end: 0,
        };
        let block = usize::try_from(s.varint()?).ok()?;
        s.minis = usize::try_from(s.varint()?).ok()?;
        s.count = u64::try_from(s.varint()?).ok().filter(|c| usize::try_from(*c).is_ok())?;
        s.first = Some(i32::try_from(s.zigzag()?).ok()?);
        if s.minis == 0 || block % 128 != 0 || block % s.minis != 0 || (block / s.minis) % 32 != 0 {
            return None;
        }
        s.per_mini = block / s.minis;
        s.left = s.count;
        Some(s)
    }

    /// The byte after the stream once every value is read, as the decoder reports it (the end of
    /// the last block, padding included); `None` if the decoder fails on the way.
    fn end(mut self) -> Option<usize> {
        for v in self.by_ref() {
            v.ok()?;
        }
        Some(self.bit.div_ceil(8).max(self.block_end))
    }

    fn varint(&mut self) -> Option<i64> {
        let mut at = self.bit.div_ceil(8);
        let (mut v, mut shift) = (0i64, 0u32);
        loop {
            let b = *self.bytes.get(at)?;
            at += 1;
            v |= i64::from(b & 0x7f).wrapping_shl(shift);
            shift += 7;
            if b & 0x80 == 0 {
                self.bit = at * 8;
                return Some(v);
            }
            if shift >= 70 {
                return None; // the decoder panics past 10 bytes; its boundary makes that an error
            }
        }
    }

    fn zigzag(&mut self) -> Option<i64> {
        let u = self.varint()? as u64;
        Some((u >> 1) as i64 ^ -((u & 1) as i64))
    }

    /// The next block's header: its minimum delta and its mini blocks' widths (those past the
    /// stream's values count as 0, as the decoder counts them for the block's end).
    fn next_block(&mut self) -> Option<()> {
        self.min_delta = i32::try_from(self.zigzag()?).ok()?;
        let at = self.bit / 8;
        let widths = self.bytes.get(at..at.checked_add(self.minis)?)?;
        self.bit = (at + self.minis) * 8;
        let mut end = at + self.minis;
        let mut remaining = self.left;
        for &w in widths {
            if remaining > 0 {
                end = end.saturating_add(w as usize * self.per_mini / 8);
            }
            remaining = remaining.saturating_sub(self.per_mini as u64);
        }
        self.block_end = end;
        self.widths = widths;
        self.mini = 0;
        self.in_mini = self.per_mini;
        Some(())
    }

    fn bits(&mut self, width: usize) -> Option<u32> {
        if width == 0 {
            return Some(0);
        }
        if self.bit.checked_add(width)? > self.bytes.len() * 8 {
            return None;
        }
        // Up to 32 bits from any bit offset: within the 8 bytes from the offset's byte.
        let (at, shift) = (self.bit / 8, self.bit % 8);
        let mut word = [0u8; 8];
        let take = (self.bytes.len() - at).min(8);
        word[..take].copy_from_slice(&self.bytes[at..at + take]);
        self.bit += width;
        Some(((u64::from_le_bytes(word) >> shift) & ((1u64 << width) - 1)) as u32)
    }
}

impl Iterator for Lengths<'_> {
    type Item = Result<i32, ()>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        if let Some(first) = self.first.take() {
            self.left -= 1;
            self.last = first;
            return Some(Ok(first));
        }
        let step = (|| {
            if self.in_mini == 0 {
                self.mini += 1;
                self.in_mini = self.per_mini;
            }
            if self.widths.is_empty() || self.mini >= self.widths.len() {
                self.next_block()?;
            }
            let width = self.widths[self.mini] as usize;
            if width > 32 {
                return None;
            }
            let delta = self.bits(width)?;
            self.in_mini -= 1;
            Some((delta as i32).wrapping_add(self.min_delta))
        })();
        match step {
            Some(delta) => {
                self.left -= 1;
                self.last = self.last.wrapping_add(delta);
                Some(Ok(self.last))
            }
            None => {
                self.left = 0;
                Some(Err(()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::{WriterProperties, WriterVersion};
    use parquet::file::reader::{FileReader, SerializedFileReader};

    /// Writes `values` as one column coded `encoding` in pages of `version`, and returns the sum
    /// of [`decoded_bytes`] over its pages.
    fn walked(values: &[Option<String>], encoding: Encoding, version: WriterVersion) -> u64 {
        let col: ArrayRef = Arc::new(StringArray::from(values.to_vec()));
        let batch = RecordBatch::try_from_iter([("s", col)]).unwrap();
        let props = WriterProperties::builder()
            .set_writer_version(version)
            .set_dictionary_enabled(false)
            .set_encoding(encoding)
            .set_data_page_row_count_limit(700)
            .set_compression(parquet::basic::Compression::SNAPPY)
            .build();
        let mut bytes = Vec::new();
        let mut w = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let path = std::env::temp_dir().join(format!("shelfwise-delta-{}-{encoding}-{version:?}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        let file = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        std::fs::remove_file(&path).unwrap();
        let descr = file.metadata().file_metadata().schema_descr().column(0);
        let mut pages = file.get_row_group(0).unwrap().get_column_page_reader(0).unwrap();
        let (mut sum, mut seen) = (0, 0);
        while let Some(page) = pages.get_next_page().unwrap() {
            assert_eq!(page.encoding(), encoding);
            sum += decoded_bytes(&page, descr.max_def_level(), descr.max_rep_level(), u64::MAX).unwrap();
            seen += 1;
        }
        assert!(seen >= 3, "several pages: {seen}");
        sum
    }

    #[test]
    fn the_walk_adds_up_what_the_decoder_holds() {
        // Sorted words share prefixes; lengths vary across mini blocks and blocks; some are null.
        let mut s = 7u64;
        let values: Vec<Option<String>> = (0..3000)
            .map(|k| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let len = (s >> 58) as usize;
                (k % 97 != 5).then(|| format!("item-{:05}-{}", k / 3, "é".repeat(len)))
            })
            .collect();
        let lengths: u64 = values.iter().flatten().map(|v| v.len() as u64).sum();
        let present = values.iter().flatten().count() as u64;
        for version in [WriterVersion::PARQUET_1_0, WriterVersion::PARQUET_2_0] {
            // Each page's prefix and suffix lengths at 4 bytes, and every value.
            assert_eq!(walked(&values, Encoding::DELTA_BYTE_ARRAY, version), 8 * present + lengths);
            assert_eq!(walked(&values, Encoding::DELTA_LENGTH_BYTE_ARRAY, version), 4 * present + lengths);
        }
    }

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    fn zigzag(v: i64) -> u64 {
        ((v << 1) ^ (v >> 63)) as u64
    }

    /// A `DELTA_BINARY_PACKED` header: blocks of 128 values in one mini block, `count` values, the
    /// first `first`.
    fn header(count: u64, first: i64) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [128, 1, count, zigzag(first)] {
            varint(v, &mut out);
        }
        out
    }

    /// A stream of `count` copies of `value`: after the header, two bytes per block of 128 (a
    /// minimum delta of 0 and a mini block of width 0).
    fn repeated(count: u64, value: i64) -> Vec<u8> {
        let mut out = header(count, value);
        for _ in 0..count.saturating_sub(1).div_ceil(128) {
            out.extend([0, 0]);
        }
        out
    }

    #[test]
    fn a_prefix_bomb_is_counted_before_it_is_decoded() {
        // Every value keeps up to 1,000 bytes of the one before and adds a byte: lengths 1, 2, …,
        // 1,001, then 1,001 for good. 20 KB of suffixes and 350 bytes of lengths decode to 20 MB.
        let n = 20_000u64;
        let mut page = repeated(n, 1000);
        page.extend(repeated(n, 1));
        page.extend(std::iter::repeat_n(b'x', n as usize));
        let decoded = 1001 * 1002 / 2 + (n - 1001) * 1001;
        assert_eq!(values_bytes(&page, true, n, u64::MAX).unwrap(), 8 * n + decoded);
        // Suffixes past the page's end: the decoder stops at the first, and so does the count.
        let cut = &page[..page.len() - (n as usize - 10)];
        assert_eq!(values_bytes(cut, true, n, u64::MAX).unwrap(), 8 * n + (1..=10).sum::<u64>());
        // Lengths whose arrays pass the limit are not walked; a count past the page's values is refused.
        assert_eq!(values_bytes(&page, true, n, 4 * n - 1).unwrap(), 4 * n);
        assert_eq!(values_bytes(&page, true, n, 8 * n - 1).unwrap(), 8 * n);
        let err = values_bytes(&page, true, n - 1, u64::MAX).unwrap_err();
        assert_eq!(err, "a DELTA_BYTE_ARRAY page declaring 20000 values where its header counts 19999");
        // Two billion lengths declared in nine bytes cost what their array would.
        let huge = header(2_000_000_000, 0);
        assert_eq!(huge.len(), 9);
        assert_eq!(values_bytes(&huge, false, u32::MAX.into(), 1 << 26).unwrap(), 8_000_000_000);
        let err = values_bytes(&huge, false, 1000, u64::MAX).unwrap_err();
        assert!(err.starts_with("a DELTA_LENGTH_BYTE_ARRAY page declaring 2000000000 values"), "{err}");
    }
}
