//! One error type for the whole crate. Every variant names the offending value.

use std::fmt;

#[cfg(not(target_arch = "wasm32"))]
use std::sync::Arc;

/// The operating system's error behind an [`Error::Io`], shared so that `Error` stays `Clone`;
/// two are equal when their kinds are. Native only, like files.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Clone)]
pub struct IoSource(Arc<std::io::Error>);

#[cfg(not(target_arch = "wasm32"))]
impl IoSource {
    /// The underlying error.
    pub fn get(&self) -> &std::io::Error {
        &self.0
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl PartialEq for IoSource {
    fn eq(&self, other: &Self) -> bool {
        self.0.kind() == other.0.kind()
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl fmt::Display for IoSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::error::Error for IoSource {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// Result alias used throughout shelfwise.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a tabular input a problem was found: for CSV the 1-based line and the column name;
/// for Parquet the part file, its row group, the 1-based row within the file and the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// File path (or `<memory>` for in-memory inputs).
    pub file: String,
    /// CSV: 1-based line number in the file, counting the header. Parquet: 1-based row number
    /// within the part file.
    pub line: u64,
    /// Column name from the header (or schema).
    pub column: String,
    /// Parquet only: the row group, counted from 0 (as pyarrow's `read_row_group` takes it).
    pub row_group: Option<u64>,
}

impl Location {
    /// A CSV location.
    pub fn csv(file: impl Into<String>, line: u64, column: impl Into<String>) -> Self {
        Self { file: file.into(), line, column: column.into(), row_group: None }
    }

    /// The row's place without the column: `file:line` for a CSV, the part file, row group and
    /// row for Parquet.
    pub fn row(&self) -> String {
        match self.row_group {
            None => format!("{}:{}", self.file, self.line),
            Some(g) => format!("{}: row group {g}, row {}", self.file, self.line),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sep = if self.row_group.is_some() { "," } else { "" };
        write!(f, "{}{sep} column '{}'", self.row(), self.column)
    }
}

/// Everything that can go wrong in shelfwise, with the value that caused it.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a shelfwise bundle (bad magic).
    #[error("not a shelfwise bundle: expected magic {}, found {}", Quoted(.expected), Quoted(.found))]
    BadMagic {
        /// The magic every bundle starts with.
        expected: String,
        /// What the input started with.
        found: String,
    },
    /// The bundle was written by an incompatible format version.
    #[error("unsupported bundle format version {found} (this build reads version {supported}; train or export the bundle again with a matching shelfwise)")]
    UnsupportedVersion {
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// The bundle ends before a structure it announces.
    #[error("truncated bundle: {what} needs {needed} bytes at offset {offset}, only {available} available")]
    Truncated {
        /// The structure being read.
        what: String,
        /// Byte offset of the structure.
        offset: u64,
        /// Bytes it needs.
        needed: u64,
        /// Bytes left.
        available: u64,
    },
    /// The checksum over the bundle does not match: the file is corrupt.
    #[error("corrupt bundle: checksum mismatch (stored {stored:#010x}, computed {computed:#010x})")]
    ChecksumMismatch {
        /// Checksum stored in the file.
        stored: u32,
        /// Checksum of the bytes read.
        computed: u32,
    },
    /// A bundle structure is internally inconsistent.
    #[error("corrupt bundle: {0}")]
    Corrupt(String),
    /// A section the model needs is absent.
    #[error("bundle has no '{0}' section")]
    MissingSection(String),
    /// The bundle is valid but holds other models than the one asked for.
    #[error("bundle holds {found}, not {expected}")]
    WrongModel {
        /// The model asked for.
        expected: String,
        /// What the bundle holds.
        found: String,
    },
    /// An item id is not in the model's catalogue.
    #[error("unknown item id '{0}'")]
    UnknownItem(String),
    /// A parameter is out of its valid range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: String,
        /// Offending value, as text.
        value: String,
        /// What is allowed.
        reason: String,
    },
    /// A row of a CSV input could not be parsed.
    #[error("{location}: {reason}{}", shown_value(.value))]
    BadRow {
        /// Where.
        location: Location,
        /// The raw value.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A column named by the caller is not in the header.
    #[error("{file}: no column '{column}' in header {}{note}", QuotedList(.header))]
    MissingColumn {
        /// File path.
        file: String,
        /// Requested column.
        column: String,
        /// The header that was found.
        header: Vec<String>,
        /// Why the header may not say what its file holds (empty, or text starting with ` (`):
        /// it was not UTF-8, and was read in a legacy code page.
        note: String,
    },
    /// Input has nothing to train or score on.
    #[error("empty input: {0}")]
    Empty(String),
    /// Reading or writing a file failed (native only: the wasm reads no files).
    #[cfg(not(target_arch = "wasm32"))]
    #[error("{path}: {message}")]
    Io {
        /// File path.
        path: String,
        /// What went wrong (the operating system's message, or ours).
        message: String,
        /// The operating system's error, when there was one. Its text is `message`, so it is not
        /// also the error's `source()`: a chain printed in full (`{:#}`) would say it twice.
        os_error: Option<IoSource>,
    },
    /// Two things that must have the same size do not (a mistake in assembling a model from
    /// parts, not a corrupt file).
    #[error("shape mismatch: {what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// What was being matched.
        what: String,
        /// The size required.
        expected: usize,
        /// The size given.
        found: usize,
    },
    /// The operating system (or the browser) could not supply randomness (`--seed random`).
    #[error("no randomness from the operating system: {0}")]
    Randomness(String),
    /// An input needs more memory than the budget allows (`--max-memory`). Native only: only
    /// reading files raises it, and the wasm is spared its message.
    #[cfg(not(target_arch = "wasm32"))]
    #[error("{what} need about {} in memory, over the budget of {}: raise --max-memory, or train at scale (README: 'Training at scale')", Bytes(*.needed), Bytes(*.budget))]
    MemoryBudget {
        /// What was being held.
        what: String,
        /// Estimated bytes needed.
        needed: u64,
        /// The budget.
        budget: u64,
    },
    /// A report's chart could not be drawn (native only: reports are written by the CLI).
    #[cfg(not(target_arch = "wasm32"))]
    #[error("drawing a chart: {0}")]
    Chart(String),
    /// A numeric failure (e.g. a matrix that cannot be factorised).
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// A merchandising rule that does not parse or type-check.
    #[error("{kind} rule {}, column {column}: {message}", Quoted(.rule))]
    Rule {
        /// `filter` or `boost`.
        kind: String,
        /// The rule's text (its first 200 characters).
        rule: String,
        /// 1-based character position of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A value has the wrong type or is not finite.
    #[error("invalid value for '{field}': {value} ({reason})")]
    InvalidValue {
        /// Field name.
        field: String,
        /// The value as text.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
}

/// A bad row's value for its message: ` (value "…")`, or nothing when it is empty (an empty cell,
/// which the reason names, or a line the file could not be read on).
fn shown_value(value: &str) -> String {
    match value {
        "" => String::new(),
        v => format!(" (value {})", Quoted(v)),
    }
}

/// Text in double quotes for a message, escaped as `{:?}` escapes it: quotes, backslashes and
/// control characters, and (as `\u{…}`) the format characters that print as nothing, so a stray
/// one is seen. std's `Debug` for `str` also escapes the rarer unassigned and unprintable
/// characters, through Unicode tables that this keeps out of the wasm.
pub(crate) struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                '\0' => f.write_str("\\0")?,
                _ if c.is_control() || is_invisible(c) => write!(f, "\\u{{{:x}}}", c as u32)?,
                _ => fmt::Write::write_char(f, c)?,
            }
        }
        f.write_str("\"")
    }
}

/// Format characters that print as nothing or reorder text: the soft hyphen, zero-width and
/// direction marks, separators, word joiners, the byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}')
}

/// A list of texts for a message, as `{:?}` shows a `Vec<String>`: `["a", "b"]`.
pub(crate) struct QuotedList<'a>(pub &'a [String]);

impl fmt::Display for QuotedList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, s) in self.0.iter().enumerate() {
            write!(f, "{}{}", if i == 0 { "" } else { ", " }, Quoted(s))?;
        }
        f.write_str("]")
    }
}

/// A byte count for messages: `1.5 GB`, `320 MB`, `12 KB`.
#[cfg(not(target_arch = "wasm32"))]
struct Bytes(u64);

#[cfg(not(target_arch = "wasm32"))]
impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            n if n >= 1 << 30 => {
                let tenths = (n * 10 + (1 << 29)) >> 30;
                write!(f, "{}.{} GB", tenths / 10, tenths % 10)
            }
            n if n >= 1 << 20 => write!(f, "{} MB", (n + (1 << 19)) >> 20),
            n => write!(f, "{} KB", n.div_ceil(1024)),
        }
    }
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn param(name: impl Into<String>, value: impl fmt::Display, reason: impl Into<String>) -> Self {
        Self::param_formatted(name.into(), &value, reason.into())
    }
    /// [`Error::param`] past its type parameters: one copy of the value's formatting in the wasm
    /// instead of one per caller's value type.
    fn param_formatted(name: String, value: &dyn fmt::Display, reason: String) -> Self {
        Error::InvalidParameter { name, value: value.to_string(), reason }
    }

    /// Wraps an I/O error with the path it concerns, keeping it (`Error::Io::os_error`).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn io(path: impl AsRef<std::path::Path>, err: std::io::Error) -> Self {
        let message = err.to_string();
        Error::Io { path: path.as_ref().display().to_string(), message, os_error: Some(IoSource(Arc::new(err))) }
    }

    /// A problem with the file at `path` that the operating system did not report (a directory
    /// given for a file, a CSV header that cannot be read).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn file(path: impl AsRef<std::path::Path>, message: impl fmt::Display) -> Self {
        Error::Io { path: path.as_ref().display().to_string(), message: message.to_string(), os_error: None }
    }

    /// Shorthand for [`Error::ShapeMismatch`].
    pub(crate) fn shape(what: impl Into<String>, expected: usize, found: usize) -> Self {
        Error::ShapeMismatch { what: what.into(), expected, found }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quoted text reads as `{:?}` shows it, invisible characters included.
    #[test]
    fn quoted_is_debug_s_quoting() {
        for s in [
            "",
            "plain",
            "Ölpumpe 'x' \"y\" a\\b",
            "tab\there\nline\r\0",
            "\u{7f}\u{1b}[0m",
            "zero\u{200b}width\u{feff}",
            "\u{2028}",
        ] {
            assert_eq!(Quoted(s).to_string(), format!("{s:?}"));
        }
        let list = ["a".to_string(), "b \"c\"".to_string()];
        assert_eq!(QuotedList(&list).to_string(), format!("{list:?}"));
        assert_eq!(QuotedList(&[]).to_string(), "[]");
    }
}
