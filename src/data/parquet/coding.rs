//! How each column chunk of a row group is decoded: dictionary-coded, as string views, or plain.

use std::path::Path;

use arrow_schema::DataType;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};

use super::decoding;
use crate::error::{Error, Result};

/// Those of `names` that are columns whose every data page in row group `g` is dictionary-coded,
/// as the footer's page-encoding summary says.
pub(super) fn all_dictionary_coded(meta: &ArrowReaderMetadata, g: usize, names: &[String]) -> Vec<String> {
    use parquet::basic::Encoding;
    let group = &meta.metadata().row_groups()[g];
    names
        .iter()
        .filter(|name| {
            group.columns().iter().any(|c| {
                c.column_path().parts() == [name.as_str()]
                    && c.dictionary_page_offset().is_some()
                    && c.page_encoding_stats_mask().is_some_and(|mask| {
                        mask.is_only(Encoding::PLAIN_DICTIONARY) || mask.is_only(Encoding::RLE_DICTIONARY)
                    })
            })
        })
        .cloned()
        .collect()
}

/// Those of `names` not in `coded` whose chunk in row group `g` has a dictionary page: string and
/// binary columns among them are read as views (see [`typed`]).
pub(super) fn viewed_columns(meta: &ArrowReaderMetadata, g: usize, names: &[String], coded: &[String]) -> Vec<String> {
    use parquet::basic::Encoding;
    let group = &meta.metadata().row_groups()[g];
    names
        .iter()
        .filter(|name| !coded.contains(name))
        .filter(|name| {
            group.columns().iter().any(|c| {
                c.column_path().parts() == [name.as_str()]
                    && (c.dictionary_page_offset().is_some()
                        || c.encodings().any(|e| matches!(e, Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY)))
            })
        })
        .cloned()
        .collect()
}

/// `meta` with the string columns named in `coded` typed as dictionaries (keys `i32`), so that
/// the decoder hands their dictionary pages through, and the string (or binary) columns in
/// `viewed` as views.
///
/// Views, because a string column read as plain strings is copied out value by value: a
/// dictionary page holding one value of 1 MB and 200,000 keys to it (a 74 KB file) would become
/// 16 GB per batch of 16,384 rows. A view of a dictionary-coded value points into the decoded
/// dictionary page instead, 16 bytes a row.
pub(super) fn typed(
    part: &Path,
    meta: ArrowReaderMetadata,
    coded: &[String],
    viewed: &[String],
) -> Result<ArrowReaderMetadata> {
    let retype = |f: &arrow_schema::Field| match f.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 if coded.contains(f.name()) => {
            Some(DataType::Dictionary(Box::new(DataType::Int32), Box::new(f.data_type().clone())))
        }
        DataType::Utf8 | DataType::LargeUtf8 if viewed.contains(f.name()) => Some(DataType::Utf8View),
        DataType::Binary | DataType::LargeBinary if viewed.contains(f.name()) => Some(DataType::BinaryView),
        _ => None,
    };
    if !meta.schema().fields().iter().any(|f| retype(f).is_some()) {
        return Ok(meta);
    }
    let fields: Vec<arrow_schema::Field> = meta
        .schema()
        .fields()
        .iter()
        .map(|f| match retype(f) {
            Some(t) => f.as_ref().clone().with_data_type(t),
            None => f.as_ref().clone(),
        })
        .collect();
    let schema = std::sync::Arc::new(arrow_schema::Schema::new_with_metadata(fields, meta.schema().metadata().clone()));
    let options = ArrowReaderOptions::new().with_schema(schema);
    decoding(part, "footer", || ArrowReaderMetadata::try_new(meta.metadata().clone(), options))?
        .map_err(|e| Error::file(part, e))
}
