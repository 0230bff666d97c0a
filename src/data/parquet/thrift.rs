//! Linear-time checks of the Thrift a Parquet file carries (its footer, and each page's header),
//! before arrow-rs decodes it.
//!
//! arrow-rs 59 skips the fields it does not know with a loop that, for a list of booleans,
//! consumes no bytes per element: a footer of a few bytes that declares a list of two billion
//! booleans keeps the decoder busy for seconds, and lists of such lists for hours (found by the
//! `parquet` fuzz target: an 11 KB file took 0.6 s per footer read). In the compact protocol
//! every element of every type takes at least one byte, so a valid footer never declares more
//! elements than bytes remain. This walk checks exactly that, one pass over the bytes.
//!
//! A page header is walked the same way, and its two sizes read: the decoder zero-fills a page's
//! declared decompressed size before it decompresses, so a reader checks that size against its
//! memory budget first ([`page_header`]).

/// Thrift compact-protocol element types.
const BOOL_TRUE: u8 = 1;
const BOOL_FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
const STRUCT: u8 = 12;
const UUID: u8 = 13;

/// Nesting deeper than this is refused (arrow-rs's own limit is of the same order).
const MAX_DEPTH: u32 = 64;

/// Checks the footer of a Parquet file's last bytes `tail` (the Thrift `FileMetaData`, its
/// 4-byte length and `PAR1`), when `tail` holds all of it; a shorter tail is left to the decoder.
/// Returns what is wrong, for an error naming the file.
pub(crate) fn check(tail: &[u8]) -> Result<(), String> {
    let Some((meta, len)) = footer(tail) else { return Ok(()) };
    let mut walk = Walk { bytes: meta, at: 0 };
    walk.value(STRUCT, 0).map_err(|stop| format!("malformed Parquet footer ({len} bytes): {}", stop.why()))
}

/// Thrift `Encoding`s of dictionary-coded data pages: `PLAIN_DICTIONARY` and `RLE_DICTIONARY`.
pub(crate) const DICTIONARY_ENCODINGS: [i64; 2] = [2, 8];

/// What a page header says of its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageSize {
    /// Bytes of the header itself.
    pub header: usize,
    /// Bytes of the page after its header, in the file.
    pub compressed: i64,
    /// Bytes of the page once decompressed.
    pub uncompressed: i64,
    /// For a dictionary page, the values it holds.
    pub dictionary_values: Option<i64>,
    /// For a data page (v1 or v2), the encoding of its values (Thrift `Encoding`).
    pub data_encoding: Option<i64>,
}

/// The page header at the start of `bytes` (Thrift `PageHeader`: field 2 is the decompressed size,
/// field 3 the size in the file; field 5 a data page's header and field 8 a v2 data page's, whose
/// fields 2 and 4 give the values' encoding; field 7 a dictionary page's header, whose field 1
/// counts its values), its encoding checked as [`check`] checks a footer's.
pub(crate) fn page_header(bytes: &[u8]) -> Result<PageSize, Stop> {
    let mut walk = Walk { bytes, at: 0 };
    let (mut uncompressed, mut compressed, mut dictionary_values, mut data_encoding) = (None, None, None, None);
    walk.fields(&mut |w, id, t| {
        match (id, t) {
            (2, I32) => uncompressed = Some(w.int()?),
            (3, I32) => compressed = Some(w.int()?),
            (7, STRUCT) => w.fields(&mut |w, id, t| match (id, t) {
                (1, I32) => {
                    dictionary_values = Some(w.int()?);
                    Ok(())
                }
                _ => w.value(t, 2),
            })?,
            (5 | 8, STRUCT) => {
                let encoding_field = if id == 5 { 2 } else { 4 };
                w.fields(&mut |w, id, t| match (id, t) {
                    (f, I32) if f == encoding_field => {
                        data_encoding = Some(w.int()?);
                        Ok(())
                    }
                    _ => w.value(t, 2),
                })?
            }
            _ => w.value(t, 1)?,
        }
        Ok(())
    })?;
    match (uncompressed, compressed) {
        (Some(uncompressed), Some(compressed)) => {
            Ok(PageSize { header: walk.at, compressed, uncompressed, dictionary_values, data_encoding })
        }
        _ => Err(Stop::Malformed("a page header without the page's sizes".into())),
    }
}

/// The signed integer a zigzag-coded one stands for.
pub(crate) fn zigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

/// The unsigned LEB128 integer (at most 10 bytes) at byte `at` of `bytes`, and the byte after it.
/// Thrift's compact protocol and Parquet's `DELTA_BINARY_PACKED` headers both code integers so.
pub(crate) fn varint_at(bytes: &[u8], at: usize) -> Result<(u64, usize), Stop> {
    let mut walk = Walk { bytes, at };
    let v = walk.varint()?;
    Ok((v, walk.at))
}

/// Why a walk stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The bytes end before the value does: at least `needs` bytes, from the start, are needed.
    Short {
        /// Bytes needed from the start of the walk.
        needs: u64,
        /// What ran past the end.
        why: String,
    },
    /// The bytes are not a valid encoding.
    Malformed(String),
}

impl Stop {
    /// What is wrong, for an error message.
    pub(crate) fn why(self) -> String {
        match self {
            Stop::Short { why, .. } | Stop::Malformed(why) => why,
        }
    }
}

/// The Thrift bytes of the footer, and their length, when `tail` ends with a whole footer.
fn footer(tail: &[u8]) -> Option<(&[u8], usize)> {
    let n = tail.len();
    if n < 8 || &tail[n - 4..] != b"PAR1" {
        return None;
    }
    let len = u32::from_le_bytes(tail[n - 8..n - 4].try_into().ok()?) as usize;
    let start = (n - 8).checked_sub(len)?;
    Some((&tail[start..n - 8], len))
}

struct Walk<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Walk<'_> {
    fn byte(&mut self) -> Result<u8, Stop> {
        let b = *self.bytes.get(self.at).ok_or_else(|| self.short(1, "it ends inside a value".into()))?;
        self.at += 1;
        Ok(b)
    }

    fn skip(&mut self, n: u64) -> Result<(), Stop> {
        match usize::try_from(n).ok().filter(|n| *n <= self.remaining()) {
            Some(n) => {
                self.at += n;
                Ok(())
            }
            None => Err(self.short(n, format!("a value of {n} bytes where {} remain", self.remaining()))),
        }
    }

    /// Stopped for want of `more` bytes past the current position.
    fn short(&self, more: u64, why: String) -> Stop {
        Stop::Short { needs: (self.at as u64).saturating_add(more), why }
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// An unsigned LEB128 integer of at most 10 bytes.
    fn varint(&mut self) -> Result<u64, Stop> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Stop::Malformed("an integer longer than 10 bytes".into()))
    }

    /// A zigzag-coded integer (i16, i32 and i64 alike).
    fn int(&mut self) -> Result<i64, Stop> {
        self.varint().map(zigzag)
    }

    /// The fields of a struct, to its stop byte: `field` reads or skips each value,
    /// given its field id and type.
    fn fields(&mut self, field: &mut dyn FnMut(&mut Self, i64, u8) -> Result<(), Stop>) -> Result<(), Stop> {
        let mut id = 0i64;
        loop {
            let head = self.byte()?;
            if head == 0 {
                return Ok(());
            }
            id = match head >> 4 {
                0 => self.int()?,
                delta => id + i64::from(delta),
            };
            field(self, id, head & 0x0f)?;
        }
    }

    /// A count of elements, each at least `min_bytes` long, that must fit in what remains.
    fn count(&self, n: u64, min_bytes: u64) -> Result<u64, Stop> {
        match n.checked_mul(min_bytes) {
            Some(bytes) if bytes <= self.remaining() as u64 => Ok(n),
            bytes => Err(self.short(
                bytes.unwrap_or(u64::MAX),
                format!("a collection of {n} elements in {} bytes", self.remaining()),
            )),
        }
    }

    /// Skips one value of type `t` (a struct field's booleans carry their value in the type).
    fn value(&mut self, t: u8, depth: u32) -> Result<(), Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop::Malformed(format!("nesting deeper than {MAX_DEPTH}")));
        }
        match t {
            BOOL_TRUE | BOOL_FALSE => Ok(()),
            BYTE => self.skip(1),
            I16 | I32 | I64 => self.varint().map(drop),
            DOUBLE => self.skip(8),
            UUID => self.skip(16),
            BINARY => {
                let n = self.varint()?;
                self.skip(n)
            }
            LIST | SET => {
                let head = self.byte()?;
                let n = match head >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                let n = self.count(n, 1)?;
                let element = head & 0x0f;
                for _ in 0..n {
                    self.element(element, depth + 1)?;
                }
                Ok(())
            }
            MAP => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                let kinds = self.byte()?;
                let n = self.count(n, 2)?;
                for _ in 0..n {
                    self.element(kinds >> 4, depth + 1)?;
                    self.element(kinds & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            STRUCT => self.fields(&mut |w, _, t| w.value(t, depth + 1)),
            other => Err(Stop::Malformed(format!("unknown field type {other}"))),
        }
    }

    /// One element of a collection: booleans take a byte there.
    fn element(&mut self, t: u8, depth: u32) -> Result<(), Stop> {
        match t {
            BOOL_TRUE | BOOL_FALSE => self.skip(1),
            t => self.value(t, depth),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(meta: &[u8]) -> Vec<u8> {
        let mut f = b"PAR1".to_vec();
        f.extend_from_slice(meta);
        f.extend_from_slice(&(meta.len() as u32).to_le_bytes());
        f.extend_from_slice(b"PAR1");
        f
    }

    #[test]
    fn collections_longer_than_their_bytes_are_refused_at_once() {
        // Field 1, a list (short form: delta 1, type 9) of booleans of 0x7fffffff elements.
        let huge = file(&[0x19, 0xf1, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00]);
        let err = check(&huge).unwrap_err();
        assert!(err.contains("2147483647 elements"), "{err}");
        // The same list holding its two booleans, then an i32 field and a string field: fine.
        assert_eq!(check(&file(&[0x19, 0x21, 0x01, 0x02, 0x15, 0x08, 0x18, 0x02, b'o', b'k', 0x00])), Ok(()));
        // A map of a billion entries in a few bytes; nesting past the limit; a truncated struct.
        assert!(check(&file(&[0x1b, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0x55, 0x00])).unwrap_err().contains("elements"));
        assert!(check(&file(&[0x1c; 80])).unwrap_err().contains("nesting"));
        assert!(check(&file(&[0x15])).unwrap_err().contains("ends inside"));
        // Not a footer at all: left to the decoder's own errors.
        assert_eq!(check(b"PAR1"), Ok(()));
    }

    #[test]
    fn page_headers_give_their_sizes_or_say_how_many_bytes_they_need() {
        // type DATA_PAGE, decompressed 100 bytes, 50 in the file, a data-page header struct
        // (num_values 10, encoding RLE_DICTIONARY), then the stop byte; the page's own bytes follow.
        let header = [0x15, 0x00, 0x15, 0xc8, 0x01, 0x15, 0x64, 0x2c, 0x15, 0x14, 0x15, 0x10, 0x00, 0x00];
        let mut page = header.to_vec();
        page.extend_from_slice(&[0xaa; 50]);
        let data =
            PageSize { header: 14, compressed: 50, uncompressed: 100, dictionary_values: None, data_encoding: Some(8) };
        assert_eq!(page_header(&page), Ok(data));
        // A dictionary page (type 2) with its header (field 7: num_values 7, encoding PLAIN).
        let dict = [0x15, 0x04, 0x15, 0x1c, 0x15, 0x1c, 0x4c, 0x15, 0x0e, 0x15, 0x00, 0x00, 0x00];
        assert_eq!(page_header(&dict).map(|p| p.dictionary_values), Ok(Some(7)));
        // Cut short: the walk says it needs more, not that the header is malformed.
        assert!(matches!(page_header(&header[..4]), Err(Stop::Short { needs: 5, .. })));
        // A statistics-like binary field (id 9, given in full) of 300 bytes, cut after 20.
        let mut stats = vec![0x08, 0x12, 0xac, 0x02];
        stats.extend_from_slice(&[0u8; 16]);
        assert!(matches!(page_header(&stats), Err(Stop::Short { needs: 304, .. })));
        // The largest size an i32 holds comes back as such; a header without sizes is malformed.
        let huge = [0x15, 0x00, 0x15, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0x15, 0x02, 0x00];
        assert_eq!(page_header(&huge).map(|p| p.uncompressed), Ok(i64::from(i32::MAX)));
        assert!(matches!(page_header(&[0x15, 0x00, 0x00]), Err(Stop::Malformed(_))));
        assert!(matches!(page_header(&[0x1e, 0x00]), Err(Stop::Malformed(_))));
    }
}
