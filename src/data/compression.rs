//! The compressions a text input may come in, found by magic bytes (or, for Hadoop's framings,
//! which have none, by the extension Spark gives them), and a decoder for each: every codec Spark
//! writes text with (`.option("compression", …)`: gzip, bzip2, deflate, snappy, lz4, zstd) and the
//! files the command-line tools of those formats write, Brotli's (`.br`) among them.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};

/// How a text file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    /// Not compressed.
    Plain,
    /// gzip, one member or several (`gzip`, `pigz`, Hadoop's `GzipCodec`).
    Gzip,
    /// bzip2, one stream or several (`bzip2`, Hadoop's `BZip2Codec`).
    Bzip2,
    /// Zstandard frames (`zstd`, Hadoop's `ZStandardCodec`).
    Zstd,
    /// A zlib stream (Hadoop's `DeflateCodec` and `DefaultCodec`, `.deflate`).
    Zlib,
    /// The snappy framing format (`snzip`, python-snappy's stream).
    SnappyFramed,
    /// The LZ4 frame format (`lz4`).
    Lz4Frame,
    /// Hadoop's block framing (`BlockCompressorStream`) of raw snappy: `SnappyCodec`, `.snappy`.
    HadoopSnappy,
    /// Hadoop's block framing of raw LZ4 blocks: `Lz4Codec`, `.lz4`.
    HadoopLz4,
    /// A Brotli stream (`brotli`, `.br`; it has no magic bytes).
    Brotli,
}

impl Compression {
    /// The compression of `path`, whose first bytes are `head` (as many as one read gives, which
    /// is all of them for a file shorter than the read buffer). Magic bytes decide first; then
    /// bytes that read as text are plain text, whatever the name (a plain export named `.gz`);
    /// then the extension, for the framings without magic bytes. A file named for a compression
    /// that is neither in it nor text is an error: damaged or misnamed, it would be read as
    /// garbled rows.
    pub(crate) fn detect(path: &Path, head: &[u8]) -> Result<Self> {
        if head.is_empty() {
            // Empty text in any compression (an empty partition's part file).
            return Ok(Self::Plain);
        }
        if let Some(found) = Self::by_magic(head) {
            return Ok(found);
        }
        if looks_like_text(head) {
            return Ok(Self::Plain);
        }
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let named = match extension {
            "gz" => Self::Gzip,
            "bz2" => Self::Bzip2,
            "zst" => Self::Zstd,
            "deflate" => Self::Zlib,
            "sz" => Self::SnappyFramed,
            "snappy" => Self::HadoopSnappy,
            "lz4" => Self::HadoopLz4,
            "br" => Self::Brotli,
            "lzo" | "lzo_deflate" => {
                return Err(Error::file(
                    path,
                    "is compressed with LZO, which is not read: give it uncompressed or compressed with gzip, \
                     bzip2, deflate, snappy, lz4, zstd or brotli (in Spark: `.option(\"compression\", \"gzip\")`)",
                ));
            }
            // Bytes that are not text under no compression's name: the CSV reader says what is wrong.
            _ => return Ok(Self::Plain),
        };
        match named {
            Self::Zlib if is_zlib_header(head) => Ok(Self::Zlib),
            // A block's length and its first chunk's: Hadoop's framing has no magic bytes.
            Self::HadoopSnappy | Self::HadoopLz4 if head.len() >= 8 => Ok(named),
            // Any bytes may start a Brotli stream: its decoder says whether they do.
            Self::Brotli => Ok(named),
            _ => Err(Error::file(
                path,
                format!(
                    "is named .{extension}, but holds neither {} nor text: a damaged or misnamed file",
                    named.name()
                ),
            )),
        }
    }

    /// The compressions that have magic bytes, found by them.
    fn by_magic(head: &[u8]) -> Option<Self> {
        // bzip2: "BZh", the block size 1-9, then a block's or the end's magic.
        let bzip2 = head.len() >= 10
            && head.starts_with(b"BZh")
            && (b'1'..=b'9').contains(&head[3])
            && (head[4..10] == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]
                || head[4..10] == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90]);
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Self::Gzip)
        } else if bzip2 {
            Some(Self::Bzip2)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Self::Zstd)
        } else if head.starts_with(b"\xff\x06\0\0sNaPpY") {
            Some(Self::SnappyFramed)
        } else if head.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
            Some(Self::Lz4Frame)
        } else {
            None
        }
    }

    /// The format's name, for messages.
    fn name(self) -> &'static str {
        match self {
            Self::Plain => "plain text",
            Self::Gzip => "gzip",
            Self::Bzip2 => "bzip2",
            Self::Zstd => "Zstandard",
            Self::Zlib => "a zlib stream (deflate)",
            Self::SnappyFramed => "snappy's framing format",
            Self::Lz4Frame => "an LZ4 frame",
            Self::HadoopSnappy => "Hadoop's snappy blocks",
            Self::HadoopLz4 => "Hadoop's LZ4 blocks",
            Self::Brotli => "Brotli",
        }
    }

    /// The decompressed bytes of `input`. With [`Prefetch::WhenLarge`], a compressed file of at
    /// least [`READ_AHEAD_FROM`] bytes is decompressed on a thread of its own, a few MiB ahead of
    /// the reader ([`ReadAhead`]), so that a CSV is parsed while the next bytes are decoded; a
    /// smaller one is not worth a thread. An error is zstd's failure to allocate its context.
    pub(crate) fn decoder(self, input: BufReader<File>, prefetch: Prefetch) -> io::Result<Box<dyn Read + Send>> {
        let large = |input: &BufReader<File>| input.get_ref().metadata().is_ok_and(|m| m.len() >= READ_AHEAD_FROM);
        Ok(match self {
            Self::Plain => Box::new(input),
            _ if prefetch == Prefetch::WhenLarge && large(&input) => {
                Box::new(ReadAhead::spawn(self.decoder_here(input)?))
            }
            _ => self.decoder_here(input)?,
        })
    }

    /// The decompressed bytes of `input`, decompressed as they are read.
    fn decoder_here(self, input: BufReader<File>) -> io::Result<Box<dyn Read + Send>> {
        Ok(match self {
            Self::Plain => Box::new(input),
            Self::Gzip => self.buffered(flate2::bufread::MultiGzDecoder::new(input)),
            Self::Bzip2 => self.buffered(bzip2::bufread::MultiBzDecoder::new(input)),
            Self::Zlib => self.buffered(flate2::bufread::ZlibDecoder::new(input)),
            // A frame may ask for a window of up to 2^27 bytes (zstd's own default limit, which
            // `zstd --long` stays within); a frame asking more is an error, not an allocation.
            Self::Zstd => {
                let mut d = zstd::stream::read::Decoder::with_buffer(input)?;
                d.window_log_max(27)?;
                self.buffered(d)
            }
            Self::SnappyFramed => self.buffered(snap::read::FrameDecoder::new(input)),
            Self::Lz4Frame => self.buffered(lz4_flex::frame::FrameDecoder::new(input)),
            // These name the block and byte in their errors themselves.
            Self::HadoopSnappy => Box::new(HadoopBlocks::new(input, BlockCodec::Snappy)),
            Self::HadoopLz4 => Box::new(HadoopBlocks::new(input, BlockCodec::Lz4)),
            // Windows are at most 16 MiB (the format's own limit without the large-window flag,
            // which this decoder refuses).
            Self::Brotli => self.buffered(brotli::Decompressor::new(input, DECODED_BUF)),
        })
    }

    /// `decoder`'s output, read [`DECODED_BUF`] bytes at a time, its errors saying which
    /// compression the file failed to decode as ([`Labelled`]).
    fn buffered(self, decoder: impl Read + Send + 'static) -> Box<dyn Read + Send> {
        Box::new(BufReader::with_capacity(DECODED_BUF, Labelled { decoder, compression: self }))
    }
}

/// How many decoded bytes a decoder hands on at a time.
const DECODED_BUF: usize = 1 << 16;

/// A decoder whose own errors (those that are not the operating system's) say which compression
/// was being decoded: `Invalid Data` alone does not tell that a `.br` file's Brotli is damaged.
struct Labelled<R> {
    decoder: R,
    compression: Compression,
}

impl<R: Read> Read for Labelled<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.decoder.read(buf).map_err(|e| match e.raw_os_error() {
            Some(_) => e,
            None => io::Error::new(e.kind(), format!("{e} (decoding {})", self.compression.name())),
        })
    }
}

/// Whether a file may be decompressed on a thread of its own ahead of its reader ([`ReadAhead`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prefetch {
    /// When it is [`READ_AHEAD_FROM`] bytes or more: a file read through.
    WhenLarge,
    /// Never: a file of which only the first lines are read.
    Never,
}

/// The compressed size from which a file is decompressed on a thread of its own.
const READ_AHEAD_FROM: u64 = 1 << 20;

/// A reader that reads `inner` on a thread of its own, [`ReadAhead::CHUNK`] bytes at a time and at
/// most [`ReadAhead::AHEAD`] chunks ahead (so it holds a few MiB at most), handing the chunks
/// over in order; buffers go back to the thread to be filled again. Dropping it stops the
/// thread after the chunk it is reading. An error of `inner` is returned after the bytes read
/// before it, so it is reported where it occurred.
struct ReadAhead {
    full: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    empty: std::sync::mpsc::SyncSender<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
    done: bool,
}

impl ReadAhead {
    const CHUNK: usize = 1 << 20;
    const AHEAD: usize = 3;

    fn spawn(mut inner: Box<dyn Read + Send>) -> Self {
        let (full_tx, full) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(Self::AHEAD);
        let (empty, empty_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(Self::AHEAD + 2);
        std::thread::spawn(move || loop {
            let mut buf = empty_rx.try_recv().unwrap_or_else(|_| Vec::with_capacity(Self::CHUNK));
            buf.clear();
            // A send fails once the reader is gone: nothing left to do.
            match fill(&mut inner, &mut buf) {
                Ok(n) => {
                    if full_tx.send(Ok(buf)).is_err() || n == 0 {
                        return;
                    }
                }
                Err(e) => {
                    if !buf.is_empty() && full_tx.send(Ok(buf)).is_err() {
                        return;
                    }
                    let _ = full_tx.send(Err(e));
                    return;
                }
            }
        });
        Self { full, empty, chunk: Vec::new(), at: 0, done: false }
    }
}

/// Reads from `inner` until `buf` holds [`ReadAhead::CHUNK`] bytes or the input ends; the bytes
/// read (0 at the end). On an error, `buf` keeps the bytes read before it (`read_to_end`
/// retries an interrupted read itself).
fn fill(inner: &mut dyn Read, buf: &mut Vec<u8>) -> io::Result<usize> {
    inner.take(ReadAhead::CHUNK as u64).read_to_end(buf)
}

impl Read for ReadAhead {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            let next = match self.full.recv() {
                Ok(next) => next,
                Err(_) => return Err(io::Error::other("the decompressing thread stopped")),
            };
            let used = std::mem::replace(&mut self.chunk, next.inspect_err(|_| self.done = true)?);
            // The thread may have ended, or have buffers enough: then this one is dropped.
            let _ = self.empty.try_send(used);
            self.at = 0;
            self.done = self.chunk.is_empty();
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Whether `head` reads as text: UTF-8 (a character cut off at its end allowed) without control
/// bytes other than tab, line feed and carriage return.
fn looks_like_text(head: &[u8]) -> bool {
    let utf8 = std::str::from_utf8(head).map_or_else(|e| e.error_len().is_none(), |_| true);
    utf8 && !head.iter().any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
}

/// zlib's two-byte header: deflate with a window of at most 32 KiB, and the check bits.
fn is_zlib_header(head: &[u8]) -> bool {
    head.len() >= 2
        && head[0] & 0x0f == 8
        && head[0] >> 4 <= 7
        && (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0
}

/// The raw codec inside Hadoop's block framing.
#[derive(Debug, Clone, Copy)]
enum BlockCodec {
    Snappy,
    Lz4,
}

/// Largest block of Hadoop's framing read, decompressed (Hadoop's codecs buffer 64-256 KiB by
/// default): a bound on the memory a damaged or hostile length can claim.
const MAX_HADOOP_BLOCK: usize = 64 << 20;

/// Hadoop's `BlockCompressorStream` framing, as its `SnappyCodec` and `Lz4Codec` write it: blocks,
/// each a big-endian `u32` of its decompressed length, then chunks of a big-endian `u32`
/// compressed length and that many bytes of raw snappy or LZ4, until the block's length is out.
struct HadoopBlocks<R> {
    input: R,
    codec: BlockCodec,
    /// Decompressed bytes of the current block not yet produced by its chunks.
    block_left: usize,
    /// Bytes of the input read so far, for messages.
    offset: u64,
    compressed: Vec<u8>,
    /// The last chunk's decompressed bytes, of which `out[at..]` are not yet handed out.
    out: Vec<u8>,
    at: usize,
}

impl<R: Read> HadoopBlocks<R> {
    fn new(input: R, codec: BlockCodec) -> Self {
        Self { input, codec, block_left: 0, offset: 0, compressed: Vec::new(), out: Vec::new(), at: 0 }
    }

    fn corrupt(&self, what: impl std::fmt::Display) -> io::Error {
        let codec = match self.codec {
            BlockCodec::Snappy => "snappy",
            BlockCodec::Lz4 => "LZ4",
        };
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("damaged Hadoop {codec} block at byte {}: {what}", self.offset),
        )
    }

    /// A big-endian length, or `None` at a clean end of the input when `end_ok`.
    fn length(&mut self, end_ok: bool) -> io::Result<Option<usize>> {
        let mut word = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            match self.input.read(&mut word[got..]) {
                Ok(0) if got == 0 && end_ok => return Ok(None),
                Ok(0) => return Err(self.corrupt("the input ends inside a length")),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.offset += 4;
        let n = u32::from_be_bytes(word) as usize;
        if n > MAX_HADOOP_BLOCK {
            return Err(
                self.corrupt(format_args!("a length of {n} bytes, over the {} MiB read", MAX_HADOOP_BLOCK >> 20))
            );
        }
        Ok(Some(n))
    }

    /// Decompresses the next chunk into `out`; false at the end of the input.
    fn next_chunk(&mut self) -> io::Result<bool> {
        while self.block_left == 0 {
            match self.length(true)? {
                None => return Ok(false),
                Some(n) => self.block_left = n,
            }
        }
        let n = self.length(false)?.ok_or_else(|| self.corrupt("the input ends inside a length"))?;
        self.compressed.resize(n, 0);
        self.input.read_exact(&mut self.compressed).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => self.corrupt(format_args!("the input ends inside a chunk of {n} bytes")),
            _ => e,
        })?;
        self.offset += n as u64;
        self.out.resize(self.block_left, 0);
        let produced = match self.codec {
            BlockCodec::Snappy => {
                let len = snap::raw::decompress_len(&self.compressed).map_err(|e| self.corrupt(e))?;
                if len > self.block_left {
                    return Err(self
                        .corrupt(format_args!("a chunk of {len} bytes where the block has {} left", self.block_left)));
                }
                snap::raw::Decoder::new().decompress(&self.compressed, &mut self.out).map_err(|e| self.corrupt(e))?
            }
            BlockCodec::Lz4 => {
                lz4_flex::block::decompress_into(&self.compressed, &mut self.out).map_err(|e| self.corrupt(e))?
            }
        };
        self.out.truncate(produced);
        self.block_left -= produced;
        self.at = 0;
        Ok(true)
    }
}

impl<R: Read> Read for HadoopBlocks<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.out.len() {
            if !self.next_chunk()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` in Hadoop's block framing: blocks of `block` bytes, each in chunks of `chunk`.
    fn hadoop(text: &[u8], codec: BlockCodec, block: usize, chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for b in text.chunks(block) {
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
            for c in b.chunks(chunk) {
                let z = match codec {
                    BlockCodec::Snappy => snap::raw::Encoder::new().compress_vec(c).unwrap(),
                    BlockCodec::Lz4 => lz4_flex::block::compress(c),
                };
                out.extend_from_slice(&(z.len() as u32).to_be_bytes());
                out.extend_from_slice(&z);
            }
        }
        out
    }

    fn decode(bytes: &[u8], codec: BlockCodec) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        HadoopBlocks::new(bytes, codec).read_to_end(&mut out)?;
        Ok(out)
    }

    fn text() -> Vec<u8> {
        (0..5000).flat_map(|k| format!("u{},i{},{}\n", k % 97, k % 13, k % 5).into_bytes()).collect()
    }

    #[test]
    fn hadoop_blocks_of_one_or_several_chunks_decode_to_the_text() {
        let text = text();
        for codec in [BlockCodec::Snappy, BlockCodec::Lz4] {
            for (block, chunk) in [(text.len(), text.len()), (4096, 4096), (4096, 1000), (1 << 18, 777)] {
                assert_eq!(
                    decode(&hadoop(&text, codec, block, chunk), codec).unwrap(),
                    text,
                    "{codec:?} {block} {chunk}"
                );
            }
            assert_eq!(decode(&[], codec).unwrap(), b"");
            // An empty block (a flush with nothing buffered) is skipped.
            let mut with_empty = 0u32.to_be_bytes().to_vec();
            with_empty.extend(hadoop(b"a,b\n", codec, 4, 4));
            assert_eq!(decode(&with_empty, codec).unwrap(), b"a,b\n");
        }
    }

    #[test]
    fn damaged_hadoop_blocks_are_errors_not_text() {
        let text = text();
        for codec in [BlockCodec::Snappy, BlockCodec::Lz4] {
            let good = hadoop(&text, codec, 4096, 4096);
            let message = |bytes: &[u8]| decode(bytes, codec).unwrap_err().to_string();
            assert!(message(&good[..good.len() - 3]).contains("ends inside a chunk"), "{codec:?}");
            assert!(message(&good[..6]).contains("ends inside a length"), "{codec:?}");
            let mut huge = good.clone();
            huge[..4].copy_from_slice(&u32::MAX.to_be_bytes());
            assert!(message(&huge).contains("over the 64 MiB read"), "{codec:?}");
            // A block that claims fewer bytes than its chunk holds.
            let mut short = good.clone();
            short[..4].copy_from_slice(&100u32.to_be_bytes());
            assert!(message(&short).contains("damaged Hadoop"), "{codec:?}");
            let mut garbled = good.clone();
            for b in &mut garbled[8..40] {
                *b = 0xff;
            }
            assert!(decode(&garbled, codec).map_or(true, |out| out != text), "{codec:?}");
        }
    }

    /// A reader that fails after `good` bytes.
    struct FailsAfter(io::Cursor<Vec<u8>>);

    impl Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(1000);
            match self.0.read(&mut buf[..n])? {
                0 => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "truncated")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn read_ahead_hands_over_every_byte_in_order_then_the_error_where_it_occurred() {
        let text: Vec<u8> = (0..3 * ReadAhead::CHUNK + 12_345).map(|k| (k * 7 % 251) as u8).collect();
        let mut got = Vec::new();
        ReadAhead::spawn(Box::new(io::Cursor::new(text.clone()))).read_to_end(&mut got).unwrap();
        assert!(got == text);
        let mut failing = ReadAhead::spawn(Box::new(FailsAfter(io::Cursor::new(text.clone()))));
        let mut got = Vec::new();
        let e = failing.read_to_end(&mut got).unwrap_err();
        assert_eq!(e.to_string(), "truncated");
        assert!(got == text, "every byte before the error, {} of {}", got.len(), text.len());
        // A reader dropped early stops its thread instead of hanging it.
        let mut early = ReadAhead::spawn(Box::new(io::repeat(b'x')));
        let mut head = [0u8; 10];
        early.read_exact(&mut head).unwrap();
        drop(early);
    }

    /// Random damage to a framed text is an error or other bytes, never a panic or a hang.
    #[test]
    fn randomly_damaged_hadoop_blocks_never_panic() {
        let text = text();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for codec in [BlockCodec::Snappy, BlockCodec::Lz4] {
            let good = hadoop(&text, codec, 4096, 1500);
            for _ in 0..2000 {
                let mut bad = good.clone();
                for _ in 0..1 + next() % 4 {
                    let at = (next() % bad.len() as u64) as usize;
                    bad[at] = next() as u8;
                }
                bad.truncate(bad.len() - (next() % 16) as usize);
                let _ = decode(&bad, codec);
            }
        }
    }

    #[test]
    fn magic_bytes_and_extensions_name_the_compression() {
        let detect = |name: &str, head: &[u8]| Compression::detect(Path::new(name), head);
        assert_eq!(detect("a.csv", b"user,item\n").unwrap(), Compression::Plain);
        assert_eq!(detect("a", &[0x1f, 0x8b, 8]).unwrap(), Compression::Gzip);
        assert_eq!(detect("a.bz2", b"BZh91AY&SY\0").unwrap(), Compression::Bzip2);
        assert_eq!(detect("a", b"BZh91AY&SY\0").unwrap(), Compression::Bzip2);
        assert_eq!(detect("a.csv", b"BZh9,item\n").unwrap(), Compression::Plain, "text that starts like bzip2");
        assert_eq!(detect("a.zst", &[0x28, 0xb5, 0x2f, 0xfd, 0]).unwrap(), Compression::Zstd);
        assert_eq!(detect("a.deflate", b"x\x9c").unwrap(), Compression::Zlib);
        assert_eq!(detect("a.deflate", b"x^\x03\x80").unwrap(), Compression::Zlib);
        assert_eq!(detect("a.csv", b"x^,y\n").unwrap(), Compression::Plain, "a valid zlib header, but text");
        assert_eq!(detect("a.snappy", b"\0\0gi\0\0&\\rest").unwrap(), Compression::HadoopSnappy);
        assert_eq!(detect("a.snappy", b"\xff\x06\0\0sNaPpY").unwrap(), Compression::SnappyFramed);
        assert_eq!(detect("a.lz4", b"\0\0gi\0\0&\\rest").unwrap(), Compression::HadoopLz4);
        assert_eq!(detect("a.lz4", &[0x04, 0x22, 0x4d, 0x18, 0x64]).unwrap(), Compression::Lz4Frame);
        assert_eq!(detect("a.snappy", b"").unwrap(), Compression::Plain, "an empty part");
        assert_eq!(detect("a.br", b"\x1b\x00\xf8").unwrap(), Compression::Brotli, "by its name only");
        assert_eq!(detect("a", b"\x1b\x00\xf8").unwrap(), Compression::Plain);
        assert_eq!(detect("a.gz", &[0x28, 0xb5, 0x2f, 0xfd, 0]).unwrap(), Compression::Zstd, "the bytes decide");
        // Text under a compressed name is the text it is: a plain export named .gz, say.
        for name in ["a.gz", "a.bz2", "a.zst", "a.deflate", "a.snappy", "a.lz4", "a.lzo", "a.br"] {
            // A character cut off at the end of what one read gave (the first 2 bytes of a `€`).
            let head = ["user,item\r\nü,\t".as_bytes(), &[0xe2, 0x82]].concat();
            assert_eq!(detect(name, &head).unwrap(), Compression::Plain, "{name}");
        }
        for (name, head) in
            [("a.gz", &b"\x1f\x00"[..]), ("a.bz2", b"\x00\x01"), ("a.deflate", b"\x78\x02\x00"), ("a.lz4", b"\x00")]
        {
            let e = detect(name, head).unwrap_err().to_string();
            assert!(
                e.contains("but holds neither") && e.contains("nor text: a damaged or misnamed file"),
                "{name}: {e}"
            );
        }
        assert_eq!(detect("a.bin", b"\x00\x01\x02").unwrap(), Compression::Plain, "binary without a codec's name");
        let e = detect("a.lzo", b"\x89LZO").unwrap_err().to_string();
        assert!(e.contains("LZO, which is not read"), "{e}");
    }
}
