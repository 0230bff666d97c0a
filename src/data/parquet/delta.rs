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
//! [`decoded_bytes`] decodes the length streams alone, once their declared counts are known to fit
//! the budget, and adds up what the decoder will hold: 4 bytes per declared length and every
//! value's bytes. The reader compares that with its memory budget before arrow-rs sees the page.

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
/// bit-packed ones by the count of values; within `buf`. `None` where the decoder will refuse
/// them (bit-packed levels past the page make it panic, which its boundary reports).
fn v1_levels_len(buf: &[u8], max: i16, encoding: Encoding, num_values: u32) -> Option<usize> {
    match encoding {
        Encoding::RLE => {
            let len = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?) as usize;
            (4 + len <= buf.len()).then_some(4 + len)
        }
        #[allow(deprecated)]
        Encoding::BIT_PACKED => {
            let width = 16 - (max as u16).leading_zeros() as usize;
            Some((num_values as usize * width).div_ceil(8)).filter(|n| *n <= buf.len())
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
    let Some(first) = Lengths::new(values) else { return Ok(0) };
    let mut held = declared(&first)?;
    if held > limit {
        return Ok(held);
    }
    // The decoder reads every length of the first stream into its array before anything else.
    let Some((first, first_end)) = first.decode() else { return Ok(held) };
    if !prefixed {
        // The decoder adds the lengths up and refuses a negative one or a total past the page.
        let data = values.len().saturating_sub(first_end) as u64;
        let total = first.iter().try_fold(0u64, |sum, n| u64::try_from(*n).ok().map(|n| sum + n));
        return Ok(held + total.filter(|t| *t <= data).unwrap_or(0));
    }
    // The padding the first stream's last block claims may run past the page (the decoder then fails).
    let Some(suffixes) = values.get(first_end..).and_then(Lengths::new) else { return Ok(held) };
    held += declared(&suffixes)?;
    if held > limit {
        return Ok(held);
    }
    let Some((suffixes, suffixes_end)) = suffixes.decode() else { return Ok(held) };
    if suffixes.len() != first.len() {
        return Ok(held);
    }
    // Each value: the previous one cut to the prefix length (a longer prefix keeps it whole),
    // then the suffix, which must lie within the page.
    let mut data = values.len().saturating_sub(first_end + suffixes_end) as u64;
    let mut last = 0u64;
    for (&prefix, &suffix) in first.iter().zip(&suffixes) {
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

/// The header of a `DELTA_BINARY_PACKED` stream of `i32` lengths, read the way arrow-rs reads it:
/// values per block, mini blocks per block, the count, the first value. Blocks follow: a minimum
/// delta, one bit width per mini block, and the mini blocks' deltas packed LSB first.
struct Lengths<'a> {
    bytes: &'a [u8],
    /// The byte after the header.
    body: usize,
    per_mini: usize,
    minis: usize,
    /// Values declared by the header.
    count: u64,
    first: i32,
}

impl<'a> Lengths<'a> {
    /// The stream at the start of `bytes`, or `None` if the decoder refuses its header.
    fn new(bytes: &'a [u8]) -> Option<Self> {
        let (block, at) = varint(bytes, 0)?;
        let (minis, at) = varint(bytes, at)?;
        let (count, at) = varint(bytes, at)?;
        let (first, body) = varint(bytes, at)?;
        let (block, minis) = (usize::try_from(block).ok()?, usize::try_from(minis).ok()?);
        let count = u64::try_from(count).ok().filter(|c| usize::try_from(*c).is_ok())?;
        let first = i32::try_from(zigzag(first)).ok()?;
        if minis == 0 || block % 128 != 0 || block % minis != 0 || (block / minis) % 32 != 0 {
            return None;
        }
        Some(Self { bytes, body, per_mini: block / minis, minis, count, first })
    }

    /// Every length, and the byte after the stream as the decoder reports it (the end of the last
    /// block, padding included); `None` where the decoder fails. The lengths are pushed as they
    /// are decoded, so a count the bytes do not back costs no more than the bytes do (width-0
    /// mini blocks aside, which the caller bounds by the declared count).
    fn decode(&self) -> Option<(Vec<i32>, usize)> {
        let mut out = Vec::new();
        if self.count == 0 {
            return Some((out, self.body));
        }
        out.push(self.first);
        let (mut last, mut left, mut at, mut block_end) = (self.first, self.count - 1, self.body, 0);
        while left > 0 {
            let (min_delta, widths_at) = varint(self.bytes, at)?;
            let min_delta = i32::try_from(zigzag(min_delta)).ok()?;
            let widths = self.bytes.get(widths_at..widths_at.checked_add(self.minis)?)?;
            // The block's end counts the widths of the mini blocks that hold values.
            let (mut end, mut remaining) = (widths_at + self.minis, left);
            for &w in widths {
                if remaining > 0 {
                    end = end.saturating_add((w as usize).saturating_mul(self.per_mini) / 8);
                }
                remaining = remaining.saturating_sub(self.per_mini as u64);
            }
            block_end = end;
            let mut bit = (widths_at + self.minis) * 8;
            for &width in widths {
                if left == 0 {
                    break;
                }
                let take = left.min(self.per_mini as u64) as usize;
                let width = width as usize;
                if width > 32 || bit.checked_add(take * width)? > self.bytes.len() * 8 {
                    return None;
                }
                unpack(self.bytes, bit, width, take, min_delta, &mut last, &mut out);
                bit += take * width;
                left -= take as u64;
            }
            at = bit.div_ceil(8);
        }
        Some((out, at.max(block_end)))
    }
}

/// Appends `take` values to `out`: each the one before (`last`) plus `min_delta` plus a delta of
/// `width` bits, read LSB first from bit `bit` of `bytes` (which holds them all).
fn unpack(bytes: &[u8], bit: usize, width: usize, take: usize, min_delta: i32, last: &mut i32, out: &mut Vec<i32>) {
    out.reserve(take);
    if width == 0 {
        for _ in 0..take {
            *last = last.wrapping_add(min_delta);
            out.push(*last);
        }
        return;
    }
    let mask = (1u64 << width) - 1;
    for k in 0..take {
        let b = bit + k * width;
        let at = b / 8;
        // 8 bytes from the delta's first byte hold it (at most 32 bits from a bit offset under 8).
        let word = match bytes.get(at..at + 8) {
            Some(s) => u64::from_le_bytes(<[u8; 8]>::try_from(s).unwrap_or_default()),
            None => {
                let mut w = [0u8; 8];
                let tail = &bytes[at.min(bytes.len())..];
                w[..tail.len()].copy_from_slice(tail);
                u64::from_le_bytes(w)
            }
        };
        let delta = ((word >> (b % 8)) & mask) as u32 as i32;
        *last = last.wrapping_add(delta).wrapping_add(min_delta);
        out.push(*last);
    }
}

/// The ULEB128 at byte `at` and the byte after it, as arrow-rs reads one: at most 10 bytes (it
/// panics past that, and its boundary makes that an error), the bits taken as an `i64`.
fn varint(bytes: &[u8], at: usize) -> Option<(i64, usize)> {
    super::thrift::varint_at(bytes, at).ok().map(|(v, next)| (v as i64, next))
}

/// A zigzag-coded integer read by [`varint`].
fn zigzag(v: i64) -> i64 {
    super::thrift::zigzag(v as u64)
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

    #[test]
    fn malformed_streams_cost_what_the_decoder_allocates_before_it_fails() {
        // Three lengths whose last block claims 128 bytes of padding the page does not hold: the
        // suffix stream would start past the page's end, so only the prefix array is held.
        let mut page = header(3, 5);
        page.extend([0, 8, 1, 2]); // min delta 0, one mini block of width 8, two deltas
        assert_eq!(values_bytes(&page, true, 3, u64::MAX).unwrap(), 12);
        // A mini block of width 255 in blocks of 2^52 × 128 values (their padding past any size):
        // refused by the decoder.
        let mut page = Vec::new();
        for v in [128 << 52, 1, 3, 0] {
            varint(v, &mut page);
        }
        page.extend([0, 255, 1, 2]);
        assert_eq!(values_bytes(&page, false, 3, u64::MAX).unwrap(), 12);
        // A header cut short costs nothing: the decoder fails before it allocates.
        assert_eq!(values_bytes(&page[..3], true, 3, u64::MAX).unwrap(), 0);
    }

    #[test]
    fn levels_past_the_page_end_the_count_before_the_values() {
        // A v1 page of one optional column: 1,000 values' bit-packed definition levels need 125
        // bytes, and the page holds 20. The decoder refuses it (its boundary turns the panic into
        // an error); the count stops there too, holding nothing.
        #[allow(deprecated)]
        let page = Page::DataPage {
            buf: vec![0u8; 20].into(),
            num_values: 1000,
            encoding: Encoding::DELTA_BYTE_ARRAY,
            def_level_encoding: Encoding::BIT_PACKED,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        assert_eq!(decoded_bytes(&page, 1, 0, u64::MAX), Ok(0));
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
