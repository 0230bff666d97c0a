//! A linear-time check of a Parquet footer's Thrift encoding, before arrow-rs decodes it.
//!
//! arrow-rs 59 skips the fields it does not know with a loop that, for a list of booleans,
//! consumes no bytes per element: a footer of a few bytes that declares a list of two billion
//! booleans keeps the decoder busy for seconds, and lists of such lists for hours (found by the
//! `parquet` fuzz target: an 11 KB file took 0.6 s per footer read). In the compact protocol
//! every element of every type takes at least one byte, so a valid footer never declares more
//! elements than bytes remain. This walk checks exactly that, one pass over the bytes.

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
    walk.value(STRUCT, 0).map_err(|why| format!("malformed Parquet footer ({len} bytes): {why}"))
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
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.at).ok_or("it ends inside a value")?;
        self.at += 1;
        Ok(b)
    }

    fn skip(&mut self, n: u64) -> Result<(), String> {
        match usize::try_from(n).ok().filter(|n| *n <= self.remaining()) {
            Some(n) => {
                self.at += n;
                Ok(())
            }
            None => Err(format!("a value of {n} bytes where {} remain", self.remaining())),
        }
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// An unsigned LEB128 integer of at most 10 bytes.
    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("an integer longer than 10 bytes".into())
    }

    /// A count of elements, each at least `min_bytes` long, that must fit in what remains.
    fn count(&self, n: u64, min_bytes: u64) -> Result<u64, String> {
        match n.checked_mul(min_bytes) {
            Some(bytes) if bytes <= self.remaining() as u64 => Ok(n),
            _ => Err(format!("a collection of {n} elements in {} bytes", self.remaining())),
        }
    }

    /// Skips one value of type `t` (a struct field's booleans carry their value in the type).
    fn value(&mut self, t: u8, depth: u32) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("nesting deeper than {MAX_DEPTH}"));
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
            STRUCT => loop {
                let head = self.byte()?;
                if head == 0 {
                    return Ok(());
                }
                if head >> 4 == 0 {
                    self.varint()?; // a field id given in full
                }
                self.value(head & 0x0f, depth + 1)?;
            },
            other => Err(format!("unknown field type {other}")),
        }
    }

    /// One element of a collection: booleans take a byte there.
    fn element(&mut self, t: u8, depth: u32) -> Result<(), String> {
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
}
