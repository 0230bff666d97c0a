//! Data sets as directories of part files, as Spark and warehouses write them, in Parquet or
//! CSV: `events/day=2024-03-01/country=FR/part-00000.snappy.parquet`. Hive-style `key=value`
//! directories partition the rows; the files do not hold the partition columns, so each
//! `key=value` directory on a part's path gives every row of that part column `key` with text
//! `value` (Spark's `%XX` escapes undone, `__HIVE_DEFAULT_PARTITION__` read as null).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, DictionaryArray, Int32Array, StringArray};

use crate::error::{Error, Result};

/// The value Spark and Hive write for a null partition value.
const NULL_VALUE: &str = "__HIVE_DEFAULT_PARTITION__";

/// How deep partition directories may nest: a data set has a few levels; a symbolic link that
/// loops would otherwise be followed forever.
const MAX_DEPTH: usize = 16;

/// The data files of the data set in directory `dir`: every file below it and its `key=value`
/// directories, in path order. Names starting with `_` or `.` (`_SUCCESS`, `_temporary`,
/// checksum files) are not data and are skipped. A table that keeps its own log of which files
/// it holds ([`table_format`]) is refused: its directory also holds the files of rewritten and
/// deleted rows.
pub(super) fn data_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if let Some((format, spark_name)) = table_format(dir) {
        return Err(Error::file(
            dir,
            format!(
                "is {format} table: its directory can hold files the table no longer contains, so it is not read \
                 file by file; write a snapshot as plain Parquet and read that (in Spark: \
                 `spark.read.format(\"{spark_name}\").load(table).write.parquet(out)`)"
            ),
        ));
    }
    let mut found = Vec::new();
    collect_files(dir, 0, &mut found)?;
    found.sort();
    Ok(found)
}

/// The first of `dir`'s data files ([`data_files`]) with any bytes (an empty partition's part file
/// has none): the file that tells a data set's format and separator.
pub(super) fn first_file_with_bytes(dir: &Path) -> Result<Option<PathBuf>> {
    Ok(data_files(dir)?.into_iter().find(|f| !is_empty_file(f)))
}

/// Whether `path` is a file of no bytes.
pub(super) fn is_empty_file(path: &Path) -> bool {
    path.metadata().is_ok_and(|m| m.len() == 0)
}

/// Adds to `found` the files under directory `dir` (`depth` levels below the data set's root),
/// descending into `key=value` directories; see [`data_files`].
fn collect_files(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = entry.map_err(|e| Error::io(dir, e))?.path();
        let name = p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        if name.starts_with(['_', '.']) {
            continue;
        }
        if p.is_dir() && partition(&name).is_some() {
            if depth + 1 > MAX_DEPTH {
                return Err(Error::file(&p, format!("partition directories nest deeper than {MAX_DEPTH} levels")));
            }
            collect_files(&p, depth + 1, found)?;
        } else if p.is_file() {
            found.push(p);
        }
    }
    Ok(())
}

/// Which table format keeps its log in directory `dir`, where plain part files would not tell
/// which of them the table still holds (rewritten and deleted rows stay on disk until cleaned
/// up), with Spark's name for it: a Delta Lake `_delta_log`, Apache Hudi's `.hoodie` or Apache
/// Iceberg's `metadata/*.metadata.json`.
pub(super) fn table_format(dir: &Path) -> Option<(&'static str, &'static str)> {
    if dir.join("_delta_log").is_dir() {
        return Some(("a Delta Lake", "delta"));
    }
    if dir.join(".hoodie").is_dir() {
        return Some(("an Apache Hudi", "hudi"));
    }
    let iceberg = std::fs::read_dir(dir.join("metadata")).ok()?.flatten().any(|e| {
        let name = e.file_name();
        name.to_string_lossy().ends_with(".metadata.json")
    });
    iceberg.then_some(("an Apache Iceberg", "iceberg"))
}

/// The partition column `key` and value of a directory named `key=value` (`None` for a null
/// value), or `None` when the name is not of that form.
fn partition(name: &str) -> Option<(String, Option<String>)> {
    let (key, value) = name.split_once('=')?;
    if key.is_empty() {
        return None;
    }
    let value = (value != NULL_VALUE).then(|| unescape(value));
    Some((unescape(key), value))
}

/// `text` with Spark's path escapes (`%` and two hex digits, for a byte) undone; a `%` not
/// followed by two hex digits is kept, as Spark keeps it.
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = |i: usize| bytes.get(i).and_then(|&b| (b as char).to_digit(16));
        match (bytes[at], hex(at + 1), hex(at + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                at += 3;
            }
            (b, _, _) => {
                out.push(b);
                at += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// The partition columns of the part file `part` of the data set at `root`, outermost first:
/// one per `key=value` directory between them.
pub(super) fn partition_of(root: &Path, part: &Path) -> Vec<(String, Option<String>)> {
    let dirs = part.parent().and_then(|dir| dir.strip_prefix(root).ok());
    dirs.into_iter().flat_map(|d| d.iter()).filter_map(|name| partition(&name.to_string_lossy())).collect()
}

/// Which part files a reader skips without reading their rows: those whose partition directory
/// `key=value` has a value `skip` accepts (`None` for the null partition), where the file holds
/// no column `key` (its own column wins, as in reading).
pub(super) struct PartitionFilter {
    key: String,
    skip: Box<SkipValue>,
}

/// Whether a partition value (`None`: null) rules its part out.
type SkipValue = dyn Fn(Option<&str>) -> bool + Send;

impl PartitionFilter {
    pub(super) fn new(key: &str, skip: impl Fn(Option<&str>) -> bool + Send + 'static) -> Self {
        Self { key: key.to_owned(), skip: Box::new(skip) }
    }

    /// Whether to skip a part in directories `partition` ([`partition_of`]), given whether the
    /// file holds a column of the key's name.
    pub(super) fn skips(&self, partition: &[(String, Option<String>)], file_holds: impl Fn(&str) -> bool) -> bool {
        let value = partition.iter().find(|(k, _)| *k == self.key).map(|(_, v)| v.as_deref());
        value.is_some_and(|v| (self.skip)(v)) && !file_holds(&self.key)
    }
}

/// A partition column's values for the Parquet reader, made once per part so that its batches
/// share them (a reader that learns a dictionary's entries then learns this one's once).
#[derive(Clone)]
pub(super) struct Constant {
    pub(super) key: String,
    values: ArrayRef,
    null: bool,
}

impl Constant {
    /// The columns of `partition` ([`partition_of`]).
    pub(super) fn all(partition: Vec<(String, Option<String>)>) -> Vec<Self> {
        let column = |(key, value): (String, Option<String>)| Self {
            key,
            null: value.is_none(),
            values: Arc::new(StringArray::from(vec![value.unwrap_or_default()])),
        };
        partition.into_iter().map(column).collect()
    }

    /// `rows` rows of the value: a dictionary of one entry, a key per row.
    pub(super) fn column(&self, rows: usize) -> ArrayRef {
        let keys = Int32Array::from(vec![(!self.null).then_some(0); rows]);
        Arc::new(DictionaryArray::new(keys, self.values.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_directories_name_a_column_and_its_value() {
        assert_eq!(partition("day=2024-03-01"), Some(("day".into(), Some("2024-03-01".into()))));
        // Spark escapes `:` and other path characters; a stray `%` stays.
        assert_eq!(partition("ts=2024-03-01 10%3A00%3A00"), Some(("ts".into(), Some("2024-03-01 10:00:00".into()))));
        assert_eq!(partition("k=50%"), Some(("k".into(), Some("50%".into()))));
        assert_eq!(partition("k=%zz%4"), Some(("k".into(), Some("%zz%4".into()))));
        assert_eq!(partition("k=a=b"), Some(("k".into(), Some("a=b".into()))));
        assert_eq!(partition("k="), Some(("k".into(), Some(String::new()))));
        assert_eq!(partition("country=__HIVE_DEFAULT_PARTITION__"), Some(("country".into(), None)));
        // Escapes that decode to bytes which are not UTF-8 leave the text as it is.
        assert_eq!(partition("k=%FF"), Some(("k".into(), Some("%FF".into()))));
        assert_eq!(partition("=x"), None);
        assert_eq!(partition("data"), None);
        let root = Path::new("/d");
        let part = Path::new("/d/day=1/misc/country=FR/p.parquet");
        assert_eq!(
            partition_of(root, part),
            vec![("day".into(), Some("1".into())), ("country".into(), Some("FR".into()))]
        );
    }

    #[test]
    fn partitions_nest_up_to_the_limit_and_no_deeper() {
        let root = std::env::temp_dir().join(format!("shelfwise-hive-depth-{}", std::process::id()));
        let nested = |levels: usize| (0..levels).fold(root.clone(), |dir, k| dir.join(format!("k{k}=v")));
        let deepest = nested(MAX_DEPTH);
        std::fs::create_dir_all(&deepest).unwrap();
        std::fs::write(deepest.join("part-0"), b"").unwrap();
        let found = data_files(&root).unwrap();
        assert_eq!(found, [deepest.join("part-0")]);
        assert_eq!(partition_of(&root, &found[0]).len(), MAX_DEPTH);
        std::fs::create_dir_all(nested(MAX_DEPTH + 1)).unwrap();
        let e = data_files(&root).unwrap_err().to_string();
        assert!(e.contains("nest deeper than 16 levels"), "{e}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
