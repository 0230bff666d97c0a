//! One row group as arrow-rs's decoder reads it, each page of delta-coded strings checked as the
//! decoder takes it: decompressed once, by the decoder's own page reader, and measured
//! ([`super::delta`]) before it is decoded.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use parquet::arrow::arrow_reader::RowGroups;
use parquet::column::page::{Page, PageIterator, PageMetadata, PageReader};
use parquet::errors::{ParquetError, Result as ParquetResult};
use parquet::file::metadata::{ParquetMetaData, RowGroupMetaData};
use parquet::file::serialized_reader::SerializedPageReader;

use super::pages::{ChunkPlace, DeltaChunk};
use crate::error::Error;

/// What a page check refused, typed: the decoder passes on only its text.
pub(super) type Refused = Arc<Mutex<Option<Error>>>;

/// Row group `group` of part `part`, for [`parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new_with_row_groups`].
pub(super) struct CheckedGroup {
    pub part: PathBuf,
    pub file: Arc<File>,
    pub meta: Arc<ParquetMetaData>,
    pub group: usize,
    /// The chunks holding pages of delta-coded strings ([`super::pages::check_pages`]).
    pub delta: Vec<DeltaChunk>,
    /// The memory budget a page must fit in once decoded (without one, only the counts its
    /// length streams declare are checked).
    pub budget: Option<u64>,
    /// Where a refusal is left for the reader to report as it is.
    pub refused: Refused,
}

impl RowGroups for CheckedGroup {
    fn num_rows(&self) -> usize {
        self.meta.row_group(self.group).num_rows().max(0) as usize
    }

    fn column_chunks(&self, leaf: usize) -> ParquetResult<Box<dyn PageIterator>> {
        let group = self.meta.row_group(self.group);
        let chunk = group.column(leaf);
        let pages = SerializedPageReader::new(self.file.clone(), chunk, self.num_rows(), None)?;
        let pages: Box<dyn PageReader> = match self.delta.iter().find(|d| d.leaf == leaf) {
            None => Box::new(pages),
            Some(d) => Box::new(DeltaChecked {
                pages,
                part: self.part.clone(),
                group: self.group,
                column: d.column.clone(),
                starts: d.starts.clone(),
                taken: 0,
                levels: (chunk.column_descr().max_def_level(), chunk.column_descr().max_rep_level()),
                budget: self.budget,
                refused: self.refused.clone(),
            }),
        };
        Ok(Box::new(OneChunk(Some(pages))))
    }

    fn row_groups(&self) -> Box<dyn Iterator<Item = &RowGroupMetaData> + '_> {
        Box::new(std::iter::once(self.meta.row_group(self.group)))
    }

    fn metadata(&self) -> &ParquetMetaData {
        &self.meta
    }
}

/// The pages of a column in the one row group.
struct OneChunk(Option<Box<dyn PageReader>>);

impl Iterator for OneChunk {
    type Item = ParquetResult<Box<dyn PageReader>>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.take().map(Ok)
    }
}

impl PageIterator for OneChunk {}

/// A column chunk's pages, each measured before the decoder has it.
struct DeltaChecked {
    pages: SerializedPageReader<File>,
    part: PathBuf,
    group: usize,
    column: String,
    /// Where each page starts ([`DeltaChunk::starts`]), and how many were taken or skipped.
    starts: Vec<u64>,
    taken: usize,
    /// The column's highest definition and repetition levels.
    levels: (i16, i16),
    budget: Option<u64>,
    refused: Refused,
}

impl DeltaChecked {
    /// Refuses `page` if its delta-coded strings are malformed or, decoded, over the budget
    /// (other pages pass at no cost).
    fn check(&self, page: &Page, at: Option<u64>) -> Result<(), Error> {
        let place = ChunkPlace { part: Path::new(&self.part), group: self.group, column: &self.column };
        let (max_def, max_rep) = self.levels;
        let held = super::delta::decoded_bytes(page, max_def, max_rep, self.budget.unwrap_or(0))
            .map_err(|why| place.bad_page(at, &why))?;
        match self.budget.filter(|b| held > *b) {
            Some(budget) => Err(place.over_budget("decoded", held, budget)),
            None => Ok(()),
        }
    }
}

impl PageReader for DeltaChecked {
    fn get_next_page(&mut self) -> ParquetResult<Option<Page>> {
        let at = self.starts.get(self.taken).copied();
        let page = self.pages.get_next_page()?;
        self.taken += 1;
        if let Some(page) = &page {
            if let Err(e) = self.check(page, at) {
                let text = e.to_string();
                *self.refused.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(e);
                return Err(ParquetError::General(text));
            }
        }
        Ok(page)
    }

    fn peek_next_page(&mut self) -> ParquetResult<Option<PageMetadata>> {
        self.pages.peek_next_page()
    }

    fn skip_next_page(&mut self) -> ParquetResult<()> {
        self.taken += 1;
        self.pages.skip_next_page()
    }

    fn at_record_boundary(&mut self) -> ParquetResult<bool> {
        self.pages.at_record_boundary()
    }
}

impl Iterator for DeltaChecked {
    type Item = ParquetResult<Page>;

    fn next(&mut self) -> Option<Self::Item> {
        self.get_next_page().transpose()
    }
}
