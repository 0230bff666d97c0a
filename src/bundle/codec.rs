//! Little-endian primitives with bounds checks: the only place bundle bytes are decoded.
//!
//! Every read checks the remaining length *before* allocating, so a corrupt length field
//! yields [`Error::Truncated`] instead of an enormous allocation or a panic.

use crate::error::{Error, Result};

/// Appends little-endian values to a growable buffer.
#[derive(Default, Debug)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }
    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
    /// Writes one byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    /// Writes a `u32`.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Writes a `u64`.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Writes an `f32`.
    pub fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Writes an `f64`.
    pub fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Writes a length-prefixed UTF-8 string.
    pub fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }
    /// Writes a string with a LEB128 length (one byte up to 127): for the many short strings of
    /// item ids and titles.
    pub(crate) fn short_str(&mut self, s: &str) {
        let mut n = s.len();
        while n >= 0x80 {
            self.buf.push(n as u8 | 0x80);
            n >>= 7;
        }
        self.buf.push(n as u8);
        self.buf.extend_from_slice(s.as_bytes());
    }
    /// Writes an `f32` slice, as a table of its distinct values plus a one- or two-byte index
    /// per element when that is smaller (popularity is a count over a user total: few distinct
    /// values), else plainly. Lossless either way; read back by [`Reader::f32s_dict`].
    pub(crate) fn f32s_dict(&mut self, v: &[f32]) {
        let mut table: Vec<f32> = Vec::new();
        let mut slot: crate::hash::Map<u32, u16> = crate::hash::map();
        let mut index: Vec<u16> = Vec::with_capacity(v.len());
        for x in v {
            let next = table.len();
            if next > u16::MAX as usize {
                break;
            }
            let i = *slot.entry(x.to_bits()).or_insert_with(|| {
                table.push(*x);
                next as u16
            });
            index.push(i);
        }
        let width = if table.len() <= 256 { 1 } else { 2 };
        if index.len() < v.len() || 4 + 4 * table.len() + 4 + width * v.len() >= 4 * v.len() {
            self.u8(0);
            self.f32s(v);
        } else {
            self.u8(width as u8);
            self.f32s(&table);
            if width == 1 {
                self.len(index.len());
                self.buf.extend(index.iter().map(|i| *i as u8));
            } else {
                self.u16s(&index);
            }
        }
    }
    /// Writes a length prefix (as `u32`).
    pub fn len(&mut self, n: usize) {
        self.u32(n as u32);
    }
    /// Writes a length-prefixed `f32` slice.
    pub(crate) fn f32s(&mut self, v: &[f32]) {
        self.len(v.len());
        self.buf.reserve(v.len() * 4);
        for x in v {
            self.f32(*x);
        }
    }
    /// Writes a length-prefixed `u32` slice.
    pub(crate) fn u32s(&mut self, v: &[u32]) {
        self.len(v.len());
        self.buf.reserve(v.len() * 4);
        for x in v {
            self.u32(*x);
        }
    }
    /// Writes a length-prefixed `u16` slice.
    pub(crate) fn u16s(&mut self, v: &[u16]) {
        self.len(v.len());
        self.buf.reserve(v.len() * 2);
        for x in v {
            self.buf.extend_from_slice(&x.to_le_bytes());
        }
    }
    /// Writes a length-prefixed `i8` slice.
    pub(crate) fn i8s(&mut self, v: &[i8]) {
        self.len(v.len());
        self.buf.extend(v.iter().map(|x| *x as u8));
    }
    /// Writes raw bytes with no prefix.
    pub fn raw(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }
}

/// Reads little-endian values from a byte slice, naming what it reads in every error.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Absolute offset of `bytes[0]` in the bundle, for error messages.
    base: u64,
    section: &'a str,
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`, which start at absolute offset `base` of section `section`.
    pub fn new(bytes: &'a [u8], base: u64, section: &'a str) -> Self {
        Self { bytes, pos: 0, base, section }
    }
    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }
    /// Fails unless every byte was consumed.
    pub fn finish(&self) -> Result<()> {
        if self.remaining() != 0 {
            return Err(Error::Corrupt(format!(
                "section '{}' has {} unexpected trailing bytes",
                self.section,
                self.remaining()
            )));
        }
        Ok(())
    }
    /// Takes `n` raw bytes.
    #[inline]
    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.truncated(n, what));
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }
    /// The error for `needed` bytes of `what` where fewer remain. Out of line, so that the
    /// readers' paths that succeed stay small enough to inline.
    #[cold]
    #[inline(never)]
    fn truncated(&self, needed: usize, what: &str) -> Error {
        Error::Truncated {
            what: format!("{} ({})", what, self.section),
            offset: self.base + self.pos as u64,
            needed: needed as u64,
            available: self.remaining() as u64,
        }
    }
    /// The error for a string `what` whose bytes are not UTF-8 (out of line, as above).
    #[cold]
    #[inline(never)]
    fn not_utf8(&self, what: &str) -> Error {
        Error::Corrupt(format!("{what} in '{}' is not UTF-8", self.section))
    }
    #[inline]
    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    /// Reads one byte.
    #[inline]
    pub fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }
    /// Reads a `u32`.
    #[inline]
    pub fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    /// Reads a `u64`.
    #[inline]
    pub fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    /// Reads an `f32`.
    #[inline]
    pub fn f32(&mut self, what: &str) -> Result<f32> {
        Ok(f32::from_le_bytes(self.array(what)?))
    }
    /// Reads an `f64`.
    #[inline]
    pub fn f64(&mut self, what: &str) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array(what)?))
    }
    /// Reads a length prefix and checks that `len * elem_size` bytes remain.
    pub fn len(&mut self, elem_size: usize, what: &str) -> Result<usize> {
        let n = self.u32(what)? as usize;
        let bytes = n.checked_mul(elem_size).ok_or_else(|| Error::Corrupt(format!("{what}: length {n} overflows")))?;
        if bytes > self.remaining() {
            return Err(self.truncated(bytes, what));
        }
        Ok(n)
    }
    /// Reads a length-prefixed UTF-8 string.
    pub fn str(&mut self, what: &str) -> Result<String> {
        self.str_ref(what).map(str::to_owned)
    }
    /// Reads a length-prefixed UTF-8 string, borrowed from the bytes.
    pub(crate) fn str_ref(&mut self, what: &str) -> Result<&'a str> {
        let n = self.len(1, what)?;
        let raw = self.take(n, what)?;
        std::str::from_utf8(raw).map_err(|_| self.not_utf8(what))
    }
    /// Reads a string written by [`Writer::short_str`], borrowed from the bytes.
    pub(crate) fn short_str_ref(&mut self, what: &str) -> Result<&'a str> {
        // The length's bytes are read from the slice directly: once per item id on loading, where
        // a reader call per byte is measurable.
        let mut n = 0usize;
        for (i, shift) in (0..35).step_by(7).enumerate() {
            let Some(&b) = self.bytes.get(self.pos + i) else {
                return Err(self.truncated(i + 1, what));
            };
            n |= ((b & 0x7f) as usize) << shift;
            if b < 0x80 {
                self.pos += i + 1;
                let raw = self.take(n, what)?;
                return std::str::from_utf8(raw).map_err(|_| self.not_utf8(what));
            }
        }
        Err(Error::Corrupt(format!("{what} in '{}' has a malformed length", self.section)))
    }
    /// Reads an `f32` vector written by [`Writer::f32s_dict`].
    pub(crate) fn f32s_dict(&mut self, what: &str) -> Result<Vec<f32>> {
        let width = self.u8(what)?;
        if width == 0 {
            return self.f32s(what);
        }
        let table = self.f32s(what)?;
        let index: Vec<u16> = match width {
            1 => {
                let n = self.len(1, what)?;
                self.take(n, what)?.iter().map(|b| *b as u16).collect()
            }
            2 => self.u16s(what)?,
            w => return Err(Error::Corrupt(format!("{what} in '{}' has unknown encoding {w}", self.section))),
        };
        index.into_iter().map(|i| table.get(i as usize).copied()).collect::<Option<Vec<f32>>>().ok_or_else(|| {
            Error::Corrupt(format!("{what} in '{}' refers past its table of {} values", self.section, table.len()))
        })
    }
    /// Reads a length-prefixed `f32` vector.
    pub(crate) fn f32s(&mut self, what: &str) -> Result<Vec<f32>> {
        let n = self.len(4, what)?;
        let raw = self.take(n * 4, what)?;
        Ok(words::<f32>(raw))
    }
    /// Reads a length-prefixed `u32` vector.
    pub(crate) fn u32s(&mut self, what: &str) -> Result<Vec<u32>> {
        let n = self.len(4, what)?;
        let raw = self.take(n * 4, what)?;
        Ok(words::<u32>(raw))
    }
    /// Reads a length-prefixed `u16` vector.
    pub(crate) fn u16s(&mut self, what: &str) -> Result<Vec<u16>> {
        let n = self.len(2, what)?;
        let raw = self.take(n * 2, what)?;
        Ok(raw.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect())
    }
    /// Reads a length-prefixed vector of IEEE half-precision numbers, widened to f32.
    pub(crate) fn f16s(&mut self, what: &str) -> Result<Vec<f32>> {
        Ok(crate::kernels::quant::widen_f16(&self.u16s(what)?))
    }
    /// Reads a length-prefixed `i8` vector.
    pub(crate) fn i8s(&mut self, what: &str) -> Result<Vec<i8>> {
        let n = self.len(1, what)?;
        let raw = self.take(n, what)?;
        let mut out = vec![0i8; n];
        // A loop over both slices compiles to a copy; `map().collect()` stayed a call per byte
        // under the wasm build's inlining thresholds (`.cargo/config.toml`).
        for (o, b) in out.iter_mut().zip(raw) {
            *o = *b as i8;
        }
        Ok(out)
    }
}

/// 4-byte plain values for which every bit pattern is valid (`f32`, `u32`).
trait Word: Copy + Default {
    fn from_le(b: [u8; 4]) -> Self;
}
impl Word for f32 {
    fn from_le(b: [u8; 4]) -> Self {
        f32::from_le_bytes(b)
    }
}
impl Word for u32 {
    fn from_le(b: [u8; 4]) -> Self {
        u32::from_le_bytes(b)
    }
}

/// Little-endian 4-byte words → values. On little-endian targets (wasm, x86, ARM) this is one
/// `memcpy` (factor sections are tens of MB); elsewhere a per-word conversion.
fn words<T: Word>(raw: &[u8]) -> Vec<T> {
    let n = raw.len() / 4;
    if cfg!(target_endian = "little") {
        let mut out = vec![T::default(); n];
        // SAFETY: `T` is f32 or u32 (sealed trait): 4 bytes, every bit pattern valid. `out` has
        // room for `4 n` bytes, `raw` has at least that many, and they cannot overlap.
        unsafe { std::ptr::copy_nonoverlapping(raw.as_ptr(), out.as_mut_ptr() as *mut u8, n * 4) };
        out
    } else {
        raw.chunks_exact(4).map(|c| T::from_le([c[0], c[1], c[2], c[3]])).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_short_input() {
        let mut w = Writer::new();
        w.u32(7);
        w.str("héllo");
        w.f32s(&[1.5, -2.0]);
        w.short_str("");
        w.short_str(&"x".repeat(300));
        let bytes = w.into_bytes();
        assert_eq!(bytes.len(), 4 + 4 + 6 + 4 + 8 + 1 + 2 + 300);
        let mut r = Reader::new(&bytes, 0, "t");
        assert_eq!(r.u32("a").unwrap(), 7);
        assert_eq!(r.str("b").unwrap(), "héllo");
        assert_eq!(r.f32s("c").unwrap(), vec![1.5, -2.0]);
        assert_eq!(r.short_str_ref("d").unwrap(), "");
        assert_eq!(r.short_str_ref("e").unwrap(), "x".repeat(300));
        r.finish().unwrap();

        let mut r = Reader::new(&bytes[..bytes.len() - 1], 0, "t");
        r.u32("a").unwrap();
        r.str("b").unwrap();
        r.f32s("c").unwrap();
        r.short_str_ref("d").unwrap();
        assert!(matches!(r.short_str_ref("e"), Err(Error::Truncated { .. })));
        // A length that never ends is corruption, not a huge allocation.
        let mut r = Reader::new(&[0xff; 8], 0, "t");
        assert!(matches!(r.short_str_ref("f"), Err(Error::Corrupt(_))));
    }

    #[test]
    fn dictionary_coded_floats_are_lossless_and_checked() {
        let few: Vec<f32> = (0..1000).map(|i| (i % 7) as f32 / 3.0).chain([-0.0, f32::NAN]).collect();
        let many: Vec<f32> = (0..1000).map(|i| i as f32 * 0.37).collect();
        let wide: Vec<f32> = (0..2000).map(|i| (i % 300) as f32).collect();
        for (v, max_bytes) in [(&few, 1100), (&many, 4005), (&wide, 5300)] {
            let mut w = Writer::new();
            w.f32s_dict(v);
            let bytes = w.into_bytes();
            assert!(bytes.len() <= max_bytes, "{} bytes", bytes.len());
            let mut r = Reader::new(&bytes, 0, "t");
            let back = r.f32s_dict("v").unwrap();
            assert_eq!(
                back.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
            r.finish().unwrap();
        }
        let mut w = Writer::new();
        w.f32s_dict(&few);
        let mut bytes = w.into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = 200; // an index past the table of 9 values
        assert!(matches!(Reader::new(&bytes, 0, "t").f32s_dict("v"), Err(Error::Corrupt(_))));
        assert!(matches!(Reader::new(&[9, 0, 0, 0, 0], 0, "t").f32s_dict("v"), Err(Error::Corrupt(_))));
    }

    #[test]
    fn huge_length_is_an_error_not_an_allocation() {
        let bytes = u32::MAX.to_le_bytes();
        let mut r = Reader::new(&bytes, 0, "t");
        assert!(matches!(r.f32s("v"), Err(Error::Truncated { .. })));
    }
}
