//! Reading a data set's part files a row group at a time, in bounded batches of the columns asked
//! for.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReader, RowGroups};
use parquet::arrow::{parquet_to_arrow_field_levels, ProjectionMask};

use super::coding::{all_dictionary_coded, typed, viewed_columns};
use super::column::Column;
use super::group::{CheckedGroup, Refused};
use super::pages::check_pages;
use super::{decoding, metadata, parts};
use crate::data::hive::{self, Constant, PartitionFilter};
use crate::error::{Error, Location, Result};

/// Rows per batch: bounds what one read holds beside the row group's pages.
const BATCH_ROWS: usize = 16_384;

/// One batch of rows: the asked-for columns in the order asked, and where the rows are.
pub struct Batch {
    /// Columns, in the order of the names given to [`Batches::open`].
    pub columns: Vec<Column>,
    /// Rows in the batch.
    pub rows: usize,
    /// The part file.
    pub part: String,
    /// Row group within the part, from 0.
    pub group: usize,
    /// Row number within the part (from 1) of the batch's first row.
    pub first_row: u64,
}

impl Batch {
    /// Where row `r` of the batch, column `col`, is.
    pub fn location(&self, r: usize, col: &str) -> Location {
        Location {
            file: self.part.clone(),
            line: self.first_row + r as u64,
            column: col.into(),
            row_group: Some(self.group as u64),
        }
    }
}

/// Reads the named columns of every part, one row group at a time, in batches of
/// 16,384 rows. Every part must hold every named column.
pub struct Batches {
    names: Vec<String>,
    /// Whether list columns are let through (for [`Column::array`]).
    nested: bool,
    /// String columns read dictionary-coded (see [`Batches::with_dictionaries`]).
    dictionaries: Vec<String>,
    /// The memory budget a page must fit in once decompressed (see [`Batches::within`]).
    budget: Option<u64>,
    /// The data set's directory (or file): partition directories are read below it.
    root: PathBuf,
    parts: std::vec::IntoIter<PathBuf>,
    /// The part being read.
    part: Option<OpenPart>,
    reader: Option<(ParquetRecordBatchReader, usize, u64)>,
    /// What a page check refused in the row group being read ([`CheckedGroup`]).
    refused: Refused,
    /// Parts not to read, by a partition directory ([`Batches::skip_partitions`]).
    filter: Option<PartitionFilter>,
    /// Parts skipped by `filter` so far.
    skipped: u64,
}

/// A part file being read.
struct OpenPart {
    path: PathBuf,
    meta: ArrowReaderMetadata,
    /// The next row group to read, and the part's rows before it.
    next_group: usize,
    rows_before: u64,
    /// The columns its partition directories give it, outermost first, as columns and as text.
    partition: Vec<Constant>,
    partition_values: Vec<(String, Option<String>)>,
}

impl OpenPart {
    /// Reads the footer of `path`, a part of the data set at `root`.
    fn open(root: &Path, path: PathBuf) -> Result<Self> {
        let meta = metadata(&path)?;
        let partition_values = hive::partition_of(root, &path);
        let partition = Constant::all(partition_values.clone());
        Ok(Self { path, meta, next_group: 0, rows_before: 0, partition, partition_values })
    }

    /// Those of `names` the file holds: all but the partition columns it does not hold.
    fn file_columns(&self, names: &[String]) -> Vec<String> {
        let schema = self.meta.schema();
        let from_directory = |n: &String| schema.index_of(n).is_err() && self.partition.iter().any(|c| &c.key == n);
        names.iter().filter(|n| !from_directory(n)).cloned().collect()
    }
}

impl Batches {
    /// Opens `path` (a file or a directory of parts): its first part's footer is read now, for
    /// [`Batches::header`], and kept for reading. Choose the columns with [`Batches::columns`].
    pub fn open(path: &Path) -> Result<Self> {
        let mut parts = parts(path)?.into_iter();
        let first = parts.next().map(|p| OpenPart::open(path, p)).transpose()?;
        Ok(Self {
            names: Vec::new(),
            nested: false,
            dictionaries: Vec::new(),
            budget: None,
            root: path.to_path_buf(),
            parts,
            part: first,
            reader: None,
            refused: Refused::default(),
            filter: None,
            skipped: 0,
        })
    }

    /// Skips, without reading their rows, the part files whose partition directory `key=value`
    /// has a value that `skip` accepts (`None` for the null partition), where the file itself
    /// holds no column `key` (the file's column wins, as in reading). The part open now is
    /// skipped too if so; ask for [`Batches::header`] first.
    pub fn skip_partitions(mut self, key: &str, skip: impl Fn(Option<&str>) -> bool + Send + 'static) -> Self {
        self.filter = Some(PartitionFilter::new(key, skip));
        if self.part.as_ref().is_some_and(|p| self.skips(p)) {
            self.part = None;
            self.skipped += 1;
        }
        self
    }

    /// How many part files [`Batches::skip_partitions`] skipped so far.
    pub fn parts_skipped(&self) -> u64 {
        self.skipped
    }

    fn skips(&self, part: &OpenPart) -> bool {
        let holds = |key: &str| part.meta.schema().index_of(key).is_ok();
        self.filter.as_ref().is_some_and(|f| f.skips(&part.partition_values, holds))
    }

    /// The top-level column names: the first part's schema, then the columns its partition
    /// directories add.
    pub fn header(&self) -> Vec<String> {
        let Some(part) = &self.part else { return Vec::new() };
        let mut names: Vec<String> = part.meta.schema().fields().iter().map(|f| f.name().clone()).collect();
        for c in &part.partition {
            if !names.contains(&c.key) {
                names.push(c.key.clone());
            }
        }
        names
    }

    /// Reads `names`, in this order; a column of a type other than strings, numbers, booleans,
    /// dates and timestamps is an error naming it.
    pub fn columns(mut self, names: &[String]) -> Self {
        self.names = names.to_vec();
        self
    }

    /// Reads the string columns among `names` dictionary-coded in the row groups where the
    /// writer coded every data page of the column with its dictionary: the dictionary comes
    /// through once with a key per row ([`Column::dictionary`]) instead of a string per row.
    /// Parquet writers dictionary-code id columns, so a reader of ids can look each distinct id up
    /// once. A chunk whose dictionary overflowed into plain pages (or whose footer does not say)
    /// is read as strings: the decoder would otherwise build a dictionary for every batch of its
    /// plain pages, which costs more than it saves.
    pub fn with_dictionaries(mut self, names: &[String]) -> Result<Self> {
        self.dictionaries = names.to_vec();
        Ok(self)
    }

    /// Refuses a row group holding a page of the columns read that would need more than `budget`
    /// bytes once decompressed (an [`Error::MemoryBudget`] naming the part, row group and column),
    /// before the decoder allocates it. Without a budget (the default) any page size is let
    /// through. Either way each page header's encoding is checked first.
    pub fn within(self, budget: Option<u64>) -> Self {
        Self { budget, ..self }
    }

    /// Lets list columns through, to be read by [`Column::array`].
    pub fn nested(self) -> Self {
        Self { nested: true, ..self }
    }

    /// The next batch, or `None` at the end of the last part.
    pub fn next_batch(&mut self) -> Result<Option<Batch>> {
        loop {
            if let Some((reader, group, first)) = &mut self.reader {
                let (path, partition) =
                    self.part.as_ref().map(|p| (p.path.clone(), &p.partition[..])).unwrap_or_default();
                let next = match decoding(&path, &format!("row group {group}"), || reader.next()) {
                    Ok(next) => next,
                    Err(e) => {
                        self.reader = None; // a decoder that panicked is not asked again
                        return Err(e);
                    }
                };
                if let Some(batch) = next {
                    let part = path.display().to_string();
                    let refused = || self.refused.lock().ok().and_then(|mut r| r.take());
                    let batch = batch.map_err(|e| {
                        refused().unwrap_or_else(|| Error::file(&part, format!("row group {group}: {e}")))
                    })?;
                    let out = columns_of(&self.names, partition, self.nested, &batch, &part, *group, *first)?;
                    *first += batch.num_rows() as u64;
                    return Ok(Some(out));
                }
                self.reader = None;
            }
            if !self.open_next_group()? {
                return Ok(None);
            }
        }
    }

    /// Opens the next row group (of this part or the next ones); false when none is left.
    fn open_next_group(&mut self) -> Result<bool> {
        loop {
            if let Some(part) = &mut self.part {
                let groups = part.meta.metadata().row_groups();
                if part.next_group < groups.len() {
                    let (g, rows_before) = (part.next_group, part.rows_before);
                    part.rows_before += groups[g].num_rows().max(0) as u64;
                    part.next_group += 1;
                    let (path, meta, names) = (&part.path, &part.meta, part.file_columns(&self.names));
                    let coded = all_dictionary_coded(meta, g, &self.dictionaries);
                    // One handle for the walk and the decoder: the pages checked are the pages read.
                    let file = File::open(path).map_err(|e| Error::io(path, e))?;
                    let delta = check_pages(path, &file, meta, g, &names, &coded, self.budget)?;
                    let viewed = viewed_columns(meta, g, &names, &coded);
                    let meta = typed(path, meta.clone(), &coded, &viewed)?;
                    self.refused = Refused::default();
                    let group = CheckedGroup {
                        part: path.clone(),
                        file: Arc::new(file),
                        meta: meta.metadata().clone(),
                        group: g,
                        delta,
                        budget: self.budget,
                        refused: self.refused.clone(),
                    };
                    let reader = group_reader(&group, &meta, &names)?;
                    self.reader = Some((reader, g, rows_before + 1));
                    return Ok(true);
                }
                self.part = None;
            }
            match self.parts.next() {
                Some(p) => {
                    let part = OpenPart::open(&self.root, p)?;
                    if self.skips(&part) {
                        self.skipped += 1;
                    } else {
                        self.part = Some(part);
                    }
                }
                None => return Ok(false),
            }
        }
    }
}

/// `names` of `batch` as [`Column`]s, in that order: the file's columns, or those of its
/// `partition` directories.
fn columns_of(
    names: &[String],
    partition: &[Constant],
    nested: bool,
    batch: &RecordBatch,
    part: &str,
    group: usize,
    first_row: u64,
) -> Result<Batch> {
    let schema = batch.schema();
    let columns = names
        .iter()
        .map(|name| {
            let array = match (schema.index_of(name), partition.iter().find(|c| &c.key == name)) {
                (Ok(at), _) => batch.column(at).clone(),
                (Err(_), Some(c)) => c.column(batch.num_rows()),
                (Err(_), None) => return Err(missing(part, name, &schema)),
            };
            Column::new(array, part, name, nested)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Batch { columns, rows: batch.num_rows(), part: part.into(), group, first_row })
}

fn missing(part: &str, name: &str, schema: &arrow_schema::Schema) -> Error {
    Error::MissingColumn {
        file: part.into(),
        column: name.into(),
        header: schema.fields().iter().map(|f| f.name().clone()).collect(),
        note: String::new(),
    }
}

/// A reader of `group`, projected to `names`, its columns typed as `meta`'s schema says.
fn group_reader(
    group: &CheckedGroup,
    meta: &ArrowReaderMetadata,
    names: &[String],
) -> Result<ParquetRecordBatchReader> {
    let (path, g) = (&group.part, group.group);
    let part = path.display().to_string();
    let schema = meta.schema();
    let roots =
        names.iter().map(|n| schema.index_of(n).map_err(|_| missing(&part, n, schema))).collect::<Result<Vec<_>>>()?;
    let mask = ProjectionMask::roots(meta.parquet_schema(), roots);
    // A batch no larger than the group, as arrow-rs's own builder sizes it (its buffers are
    // allocated for a whole batch).
    let rows = BATCH_ROWS.min(group.num_rows().max(1));
    decoding(path, &format!("row group {g}"), || {
        let levels = parquet_to_arrow_field_levels(meta.parquet_schema(), mask, Some(schema.fields()))?;
        ParquetRecordBatchReader::try_new_with_row_groups(&levels, group, rows, None)
    })?
    .map_err(|e| Error::file(path, format!("row group {g}: {e}")))
}
