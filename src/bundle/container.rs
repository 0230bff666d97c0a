//! The container: magic, version, total length, section table, payloads, checksum trailer.
//!
//! ```text
//! offset  size  field
//! 0       8     magic "SHLFWISE"
//! 8       4     format version (u32 LE)
//! 12      4     section count N (u32 LE)
//! 16      8     total length of the file in bytes, trailer included (u64 LE)
//! 24      24*N  section table: name (8 bytes, ASCII, NUL-padded), offset (u64), length (u64)
//! ...           section payloads, in table order, contiguous
//! len-4   4     checksum (see [`super::checksum`]) of bytes [0, len-4)
//! ```

use super::codec::{Reader, Writer};
use crate::error::{Error, Quoted, Result};

/// First eight bytes of every bundle.
pub const MAGIC: &[u8; 8] = b"SHLFWISE";
/// The format version this build writes and reads. Before any release, version 1 (CRC-32
/// trailer) gave way to version 2 (a SIMD-friendly checksum) and version 2 to version 3 (one-byte
/// lengths for item ids and titles, the Gramian's upper triangle only, f32 Gramian and f16 row
/// scales beside int8 factors); older files must be re-exported.
pub const FORMAT_VERSION: u32 = 3;
const HEADER_LEN: usize = 24;
const ENTRY_LEN: usize = 24;
const TRAILER_LEN: usize = 4;
/// Upper bound on sections, so a corrupt count cannot drive a huge loop.
const MAX_SECTIONS: u32 = 1024;
/// Bytes in a section-table name.
const NAME_LEN: usize = 8;

/// Why `name` cannot name a section, or `None` when it can: 1 to 8 bytes of printable ASCII
/// (no NUL, which pads the table entry). The one definition the reader and the writer share, so
/// every file the reader accepts can be written again (merged, updated).
pub(crate) fn invalid_section_name(name: &[u8]) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.len() > NAME_LEN {
        Some("is longer than 8 bytes")
    } else if !name.iter().all(|b| b.is_ascii_graphic()) {
        Some("is not printable ASCII")
    } else {
        None
    }
}

/// A validated bundle: its sections, by name, borrowed from the input bytes.
#[derive(Debug, Clone)]
pub struct Container<'a> {
    sections: Vec<(String, u64, &'a [u8])>,
}

impl<'a> Container<'a> {
    /// Validates `bytes` (magic, version, length, checksum, section bounds) without copying.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let head = bytes.get(..8).unwrap_or(bytes);
        if head != MAGIC {
            return Err(Error::BadMagic {
                expected: String::from_utf8_lossy(MAGIC).into_owned(),
                found: String::from_utf8_lossy(head).into_owned(),
            });
        }
        let mut r = Reader::new(bytes, 0, "header");
        r.take(8, "magic")?;
        let version = r.u32("format version")?;
        if version != FORMAT_VERSION {
            return Err(Error::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
        }
        let count = r.u32("section count")?;
        let total = r.u64("total length")?;
        if (bytes.len() as u64) < total {
            return Err(Error::Truncated {
                what: "bundle".into(),
                offset: 0,
                needed: total,
                available: bytes.len() as u64,
            });
        }
        if (bytes.len() as u64) > total {
            return Err(Error::Corrupt(format!(
                "{} trailing bytes after the declared end ({} bytes)",
                bytes.len() as u64 - total,
                total
            )));
        }
        if count > MAX_SECTIONS {
            return Err(Error::Corrupt(format!("section count {count} exceeds {MAX_SECTIONS}")));
        }
        let table_end = HEADER_LEN + ENTRY_LEN * count as usize;
        if bytes.len() < table_end + TRAILER_LEN {
            return Err(Error::Truncated {
                what: "section table".into(),
                offset: HEADER_LEN as u64,
                needed: (table_end + TRAILER_LEN) as u64,
                available: bytes.len() as u64,
            });
        }
        let body_end = bytes.len() - TRAILER_LEN;
        let stored =
            u32::from_le_bytes([bytes[body_end], bytes[body_end + 1], bytes[body_end + 2], bytes[body_end + 3]]);
        let computed = super::checksum::checksum(&bytes[..body_end]);
        if stored != computed {
            return Err(Error::ChecksumMismatch { stored, computed });
        }
        let mut sections: Vec<(String, u64, &[u8])> = Vec::with_capacity(count as usize);
        for i in 0..count {
            let name = section_name(&mut r, i)?;
            let (offset, len) = (r.u64("section offset")?, r.u64("section length")?);
            let end =
                offset.checked_add(len).ok_or_else(|| Error::Corrupt(format!("section '{name}' bounds overflow")))?;
            if offset < table_end as u64 || end > body_end as u64 {
                return Err(Error::Corrupt(format!(
                    "section '{name}' spans bytes {offset}..{end}, outside the payload area {table_end}..{body_end}"
                )));
            }
            if sections.iter().any(|(n, _, _)| *n == name) {
                return Err(Error::Corrupt(format!("section '{name}' appears twice")));
            }
            sections.push((name, offset, &bytes[offset as usize..end as usize]));
        }
        Ok(Self { sections })
    }

    /// The names of all sections, in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|(n, _, _)| n.as_str())
    }

    /// A reader over section `name`, if present. (Kept out of line: every section codec calls
    /// it, and inlined copies cost the wasm about 430 B gzip.)
    #[inline(never)]
    pub fn get(&self, name: &'static str) -> Option<Reader<'a>> {
        self.sections.iter().find(|(n, _, _)| n == name).map(|(_, off, b)| Reader::new(b, *off, name))
    }

    /// A reader over section `name`, or [`Error::MissingSection`].
    pub(crate) fn require(&self, name: &'static str) -> Result<Reader<'a>> {
        self.get(name).ok_or_else(|| Error::MissingSection(name.into()))
    }

    /// Every section's name and payload, in file order (for merging bundles).
    pub fn raw(&self) -> impl Iterator<Item = (&str, &'a [u8])> {
        self.sections.iter().map(|(n, _, b)| (n.as_str(), *b))
    }

    /// Sizes of all sections, for `inspect`.
    pub fn sizes(&self) -> Vec<(String, usize)> {
        self.sections.iter().map(|(n, _, b)| (n.clone(), b.len())).collect()
    }
}

/// Rewrites the declared total length and the checksum trailer of `bytes` so that they match its
/// contents, leaving everything else as it is. For tools that patch bundles and for fuzzers,
/// whose mutations would otherwise never get past the checksum to the section decoders. Inputs
/// too short to hold a header and a trailer are left alone.
pub fn reseal(bytes: &mut [u8]) {
    if bytes.len() < HEADER_LEN + TRAILER_LEN {
        return;
    }
    let len = bytes.len() as u64;
    bytes[16..24].copy_from_slice(&len.to_le_bytes());
    let body_end = bytes.len() - TRAILER_LEN;
    let sum = super::checksum::checksum(&bytes[..body_end]);
    bytes[body_end..].copy_from_slice(&sum.to_le_bytes());
}

/// Reads table entry `i`'s name: valid by [`invalid_section_name`], NUL padding only after it.
fn section_name(r: &mut Reader<'_>, i: u32) -> Result<String> {
    let raw = r.take(NAME_LEN, "section name")?;
    let (name, padding) = raw.split_at(raw.iter().position(|b| *b == 0).unwrap_or(NAME_LEN));
    if let Some(why) = invalid_section_name(name) {
        return Err(Error::Corrupt(format!("section {i}'s name {} {why}", Quoted(&String::from_utf8_lossy(name)))));
    }
    if padding.iter().any(|b| *b != 0) {
        return Err(Error::Corrupt(format!("section {i}'s name has bytes after its NUL padding")));
    }
    Ok(String::from_utf8_lossy(name).into_owned())
}

/// Assembles sections into a checksummed bundle.
#[derive(Debug, Default)]
pub struct ContainerWriter {
    sections: Vec<(String, Vec<u8>)>,
}

impl ContainerWriter {
    /// An empty bundle.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a section. Names are 1 to 8 bytes of printable ASCII and unique; the crate's own
    /// section names are constants that satisfy this, and names copied from a parsed bundle were
    /// checked by the same rule when it was parsed, so this is an invariant, not an input check.
    pub fn section(&mut self, name: &str, payload: Vec<u8>) -> &mut Self {
        debug_assert!(invalid_section_name(name.as_bytes()).is_none(), "section name {name:?}");
        debug_assert!(!self.has(name), "duplicate section {name}");
        self.sections.push((name.to_owned(), payload));
        self
    }

    /// True when a section of that name was added.
    pub fn has(&self, name: &str) -> bool {
        self.sections.iter().any(|(n, _)| n == name)
    }

    /// The finished bytes.
    pub fn finish(&self) -> Vec<u8> {
        let table_end = HEADER_LEN + ENTRY_LEN * self.sections.len();
        let payload: usize = self.sections.iter().map(|(_, p)| p.len()).sum();
        let total = table_end + payload + TRAILER_LEN;
        let mut w = Writer::new();
        w.raw(MAGIC);
        w.u32(FORMAT_VERSION);
        w.u32(self.sections.len() as u32);
        w.u64(total as u64);
        let mut offset = table_end as u64;
        for (name, p) in &self.sections {
            let mut padded = [0u8; NAME_LEN];
            let n = name.len().min(NAME_LEN);
            padded[..n].copy_from_slice(&name.as_bytes()[..n]);
            w.raw(&padded);
            w.u64(offset);
            w.u64(p.len() as u64);
            offset += p.len() as u64;
        }
        for (_, p) in &self.sections {
            w.raw(p);
        }
        let mut bytes = w.into_bytes();
        let sum = super::checksum::checksum(&bytes);
        bytes.extend_from_slice(&sum.to_le_bytes());
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut c = ContainerWriter::new();
        c.section("a", vec![1, 2, 3]).section("bb", vec![9; 10]);
        c.finish()
    }

    #[test]
    fn parses_what_it_writes() {
        let bytes = sample();
        let c = Container::parse(&bytes).unwrap();
        assert_eq!(c.names().collect::<Vec<_>>(), vec!["a", "bb"]);
        assert_eq!(c.require("bb").unwrap().remaining(), 10);
        assert!(matches!(c.require("zz"), Err(Error::MissingSection(_))));
    }

    /// A bundle with arbitrary raw 8-byte names, length and checksum fixed: what a hostile
    /// writer could produce.
    fn raw_bundle(sections: &[([u8; 8], &[u8])]) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(MAGIC);
        w.u32(FORMAT_VERSION);
        w.u32(sections.len() as u32);
        let table_end = HEADER_LEN + ENTRY_LEN * sections.len();
        let total = table_end + sections.iter().map(|(_, p)| p.len()).sum::<usize>() + TRAILER_LEN;
        w.u64(total as u64);
        let mut offset = table_end as u64;
        for (name, p) in sections {
            w.raw(name);
            w.u64(offset);
            w.u64(p.len() as u64);
            offset += p.len() as u64;
        }
        for (_, p) in sections {
            w.raw(p);
        }
        let mut bytes = w.into_bytes();
        let sum = super::super::checksum::checksum(&bytes);
        bytes.extend_from_slice(&sum.to_le_bytes());
        bytes
    }

    #[test]
    fn rejects_names_the_writer_cannot_write() {
        // Regression (hostile-input issue, defect 1): "é" was accepted here and then panicked the
        // writer in `bundle merge`.
        let ok = raw_bundle(&[(*b"a\0\0\0\0\0\0\0", &[1])]);
        assert!(Container::parse(&ok).is_ok());
        for name in [*b"\xc3\xa9\0\0\0\0\0\0", [0; 8], *b"a b\0\0\0\0\0", *b"a\0b\0\0\0\0\0", *b"a\x7f\0\0\0\0\0\0"] {
            let bytes = raw_bundle(&[(*b"a\0\0\0\0\0\0\0", &[1]), (name, &[])]);
            let err = Container::parse(&bytes).unwrap_err();
            assert!(matches!(err, Error::Corrupt(ref m) if m.contains("section 1")), "{name:?}: {err}");
        }
        // Every name the reader accepts, the writer writes back identically.
        let c = Container::parse(&ok).unwrap();
        let mut w = ContainerWriter::new();
        for (n, p) in c.raw() {
            w.section(n, p.to_vec());
        }
        assert_eq!(w.finish(), ok);
    }

    #[test]
    fn every_truncation_and_every_bit_flip_is_an_error() {
        let bytes = sample();
        for len in 0..bytes.len() {
            assert!(Container::parse(&bytes[..len]).is_err(), "prefix {len} accepted");
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert!(Container::parse(&b).is_err(), "flip at byte {i} bit {bit} accepted");
            }
        }
    }
}
