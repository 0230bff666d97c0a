//! A batch's column with its type resolved once: cells read as values, or as the text a CSV export
//! would hold.

use std::fmt::Write as _;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};

use crate::data::time::format_timestamp;
use crate::error::{Error, Result};

/// One column of a batch with its type resolved once: cells read as values, or as the text a CSV
/// export would hold. Cloning shares the decoded buffers.
#[derive(Clone)]
pub struct Column {
    array: ArrayRef,
    kind: Kind,
    /// For [`Kind::Utf8`]: the array, typed once (a downcast per cell cost more than the cell).
    utf8: Option<arrow_array::StringArray>,
    /// For [`Kind::Utf8View`]: the array, typed once.
    views: Option<arrow_array::StringViewArray>,
    /// For [`Kind::Dict`]: the keys, and the dictionary's values.
    keys: Option<arrow_array::Int32Array>,
    values: Option<Box<Column>>,
    /// `array.len()`, kept: asking the array is a call through its vtable, once per key checked.
    rows: usize,
}

#[derive(Clone, Copy)]
enum Kind {
    Utf8,
    LargeUtf8,
    Utf8View,
    /// Strings coded by a dictionary with `i32` keys: `values` holds the dictionary.
    Dict,
    Int(IntKind),
    F32,
    F64,
    Decimal(i8),
    Bool,
    /// Dates and timestamps, read as Unix seconds.
    Time(TimeKind),
    /// Lists (factor vectors), read through [`Column::array`] only.
    List,
}

#[derive(Clone, Copy)]
enum IntKind {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

#[derive(Clone, Copy)]
enum TimeKind {
    Date32,
    Date64,
    Ts(TimeUnit),
}

/// A numeric cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A whole number.
    Int(i64),
    /// Any other number.
    Float(f64),
}

impl Column {
    pub(super) fn new(array: ArrayRef, part: &str, name: &str, nested: bool) -> Result<Self> {
        let kind = match array.data_type() {
            DataType::Utf8 => Kind::Utf8,
            DataType::LargeUtf8 => Kind::LargeUtf8,
            DataType::Utf8View => Kind::Utf8View,
            DataType::Int8 => Kind::Int(IntKind::I8),
            DataType::Int16 => Kind::Int(IntKind::I16),
            DataType::Int32 => Kind::Int(IntKind::I32),
            DataType::Int64 => Kind::Int(IntKind::I64),
            DataType::UInt8 => Kind::Int(IntKind::U8),
            DataType::UInt16 => Kind::Int(IntKind::U16),
            DataType::UInt32 => Kind::Int(IntKind::U32),
            DataType::UInt64 => Kind::Int(IntKind::U64),
            DataType::Float32 => Kind::F32,
            DataType::Float64 => Kind::F64,
            DataType::Decimal128(_, scale) => Kind::Decimal(*scale),
            DataType::Boolean => Kind::Bool,
            DataType::Date32 => Kind::Time(TimeKind::Date32),
            DataType::Date64 => Kind::Time(TimeKind::Date64),
            DataType::Timestamp(unit, _) => Kind::Time(TimeKind::Ts(*unit)),
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) if nested => Kind::List,
            DataType::Dictionary(k, v)
                if **k == DataType::Int32 && matches!(**v, DataType::Utf8 | DataType::LargeUtf8) =>
            {
                let dict = array.as_dictionary::<Int32Type>();
                let values = Column::new(dict.values().clone(), part, name, false)?;
                let keys = Some(dict.keys().clone());
                return Ok(Self { keys, values: Some(Box::new(values)), ..Self::plain(array, Kind::Dict) });
            }
            DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8) => {
                // Keys of another width (a pandas category is written with `i8` keys) made `i32`,
                // rather than each row's string copied out: a dictionary holds fewer than 2^31
                // values, since a page is at most 2 GB.
                let dict = array.as_any_dictionary();
                let keys: arrow_array::Int32Array = (dict.normalized_keys().iter().enumerate())
                    .map(|(i, &k)| (!array.is_null(i)).then(|| i32::try_from(k).ok()).flatten())
                    .collect();
                let recoded = arrow_array::DictionaryArray::<Int32Type>::try_new(keys, dict.values().clone())
                    .map_err(|e| Error::file(part, format!("column '{name}': {e}")))?;
                return Column::new(std::sync::Arc::new(recoded), part, name, nested);
            }
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => {
                return Column::new(as_text(&array, part, name)?, part, name, nested);
            }
            DataType::Dictionary(..) => {
                // Numbers, dates or booleans coded by a dictionary (a pandas category of integer
                // codes): decoded to their values, which read as a column of that type does.
                let dict = array.as_any_dictionary();
                let plain = arrow_select::take::take(dict.values().as_ref(), dict.keys(), None)
                    .map_err(|e| Error::file(part, format!("column '{name}': {e}")))?;
                return Column::new(plain, part, name, nested);
            }
            other => return Err(Error::InvalidValue {
                field: format!("{part}: column '{name}'"),
                value: other.to_string(),
                reason:
                    "this Parquet type is not read here: strings, binary, numbers, booleans, dates and timestamps are"
                        .into(),
            }),
        };
        Ok(Self::plain(array, kind))
    }

    fn plain(array: ArrayRef, kind: Kind) -> Self {
        let utf8 = matches!(kind, Kind::Utf8).then(|| array.as_string::<i32>().clone());
        let views = matches!(kind, Kind::Utf8View).then(|| array.as_string_view().clone());
        Self { rows: array.len(), array, kind, utf8, views, keys: None, values: None }
    }

    /// Whether row `i` is null (for a dictionary column: its key, or the value it points to).
    pub fn is_null(&self, i: usize) -> bool {
        match self.dictionary() {
            Some((keys, values)) => self.array.is_null(i) || values.key(keys[i]).is_none_or(|k| values.is_null(k)),
            None => self.array.is_null(i),
        }
    }

    /// `key` as a row of this column, when it is one (a key past a dictionary's end is refused,
    /// not read: the decoder checks keys only against non-empty dictionaries).
    pub fn key(&self, key: i32) -> Option<usize> {
        usize::try_from(key).ok().filter(|k| *k < self.rows)
    }

    /// Rows in the column.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// A dictionary-coded column's keys (one per row; a null row's key is arbitrary) and its
    /// dictionary (see [`super::Batches::with_dictionaries`]).
    pub fn dictionary(&self) -> Option<(&[i32], &Column)> {
        Some((self.keys.as_ref()?.values(), self.values.as_deref()?))
    }

    /// Which buffers hold the column: equal for two batches that share one dictionary (the
    /// pages of one column chunk). Only meaningful while this column is alive, so that its
    /// buffers cannot be reused for another.
    pub fn identity(&self) -> (usize, usize, usize) {
        let data = self.array.to_data();
        let at = |k: usize| data.buffers().get(k).map_or(0, |b| b.as_ptr() as usize);
        (at(0), at(1), data.len())
    }

    /// Cell `i` of a column of strings as it is stored (`None` when null or not a string column):
    /// a borrow of the decoded buffers, with no copy.
    pub fn string(&self, i: usize) -> Option<&str> {
        // Through the typed arrays: `ArrayRef::is_null` is a call through a vtable per cell.
        match self.kind {
            Kind::Dict => {
                let values = self.values.as_deref()?;
                values.string(self.dictionary_entry(i)?)
            }
            Kind::Utf8 => self.utf8.as_ref().and_then(|a| (!a.is_null(i)).then(|| a.value(i))),
            Kind::LargeUtf8 => Some(self.array.as_string::<i64>()).and_then(|a| (!a.is_null(i)).then(|| a.value(i))),
            Kind::Utf8View => self.views.as_ref().and_then(|a| (!a.is_null(i)).then(|| a.value(i))),
            _ => None,
        }
    }

    /// For a dictionary-coded column, the dictionary entry that row `i` names (`None` when the
    /// row is null or its key is outside the dictionary).
    pub fn dictionary_entry(&self, i: usize) -> Option<usize> {
        let (keys, values) = (self.keys.as_ref()?, self.values.as_deref()?);
        if keys.is_null(i) {
            return None;
        }
        values.key(keys.value(i))
    }

    /// A `Utf8` column with no null cell as its offsets (one more than its rows) and bytes, for
    /// loops over every row without a check per cell.
    pub fn utf8_without_nulls(&self) -> Option<(&[i32], &[u8])> {
        let a = self.utf8.as_ref().filter(|a| a.null_count() == 0)?;
        Some((a.value_offsets(), a.value_data()))
    }

    /// A string-view column without nulls (string columns with a dictionary page are read as
    /// views, unless read as dictionaries).
    pub fn views_without_nulls(&self) -> Option<&arrow_array::StringViewArray> {
        self.views.as_ref().filter(|a| a.null_count() == 0)
    }

    /// A dictionary-coded column with no null key: its keys and its dictionary.
    pub fn dictionary_without_nulls(&self) -> Option<(&[i32], &Column)> {
        self.keys.as_ref().filter(|k| k.null_count() == 0)?;
        self.dictionary()
    }

    /// Whether cells are strings, read by [`Column::string`].
    pub fn is_strings(&self) -> bool {
        matches!(self.kind, Kind::Dict | Kind::Utf8 | Kind::LargeUtf8 | Kind::Utf8View)
    }

    /// Cell `i` as text (`None` when null): strings as they are, numbers as CSV exports write them
    /// (integers without a decimal point, `u64` past `i64` too; decimals exactly, with their
    /// scale's digits; floats in the shortest form that reads back, whole ones with `.0`), dates
    /// and timestamps as `YYYY-MM-DDTHH:MM:SSZ`, booleans as `true`/`false`. `buf` holds the text
    /// of cells that are not strings.
    pub fn text<'s>(&'s self, i: usize, buf: &'s mut String) -> Option<&'s str> {
        if self.is_strings() {
            return self.string(i);
        }
        if self.array.is_null(i) {
            return None;
        }
        let s: &str = match self.kind {
            Kind::Dict | Kind::Utf8 | Kind::LargeUtf8 | Kind::Utf8View => return None, // `string` above
            Kind::Bool => {
                if self.array.as_boolean().value(i) {
                    "true"
                } else {
                    "false"
                }
            }
            Kind::Time(_) => {
                buf.clear();
                buf.push_str(&format_timestamp(self.seconds_of(i)?));
                buf.as_str()
            }
            Kind::Int(IntKind::U64) => {
                buf.clear();
                write!(buf, "{}", self.array.as_primitive::<UInt64Type>().value(i)).ok()?;
                buf.as_str()
            }
            Kind::Decimal(scale) => {
                buf.clear();
                write_decimal(buf, self.array.as_primitive::<Decimal128Type>().value(i), scale);
                buf.as_str()
            }
            _ => {
                buf.clear();
                // Floats as Spark, pandas and Java write them: shortest digits that read back, and
                // `.0` on whole numbers (an id column of doubles reads "15643.0", as in their CSVs).
                match (self.kind, self.number(i)?) {
                    (_, Number::Int(v)) => write!(buf, "{v}"),
                    (Kind::F32, Number::Float(v)) => write!(buf, "{:?}", v as f32),
                    (_, Number::Float(v)) => write!(buf, "{v:?}"),
                }
                .ok()?;
                buf.as_str()
            }
        };
        Some(s)
    }

    /// Cell `i` as a number, when the column is numeric and the cell not null. A `u64` past
    /// `i64` and a decimal are floats here (rounded beyond 2^53); [`Column::text`] gives them
    /// exactly, as ids need.
    pub fn number(&self, i: usize) -> Option<Number> {
        if self.array.is_null(i) {
            return None;
        }
        let a = &self.array;
        Some(match self.kind {
            Kind::Int(k) => Number::Int(match k {
                IntKind::I8 => a.as_primitive::<Int8Type>().value(i).into(),
                IntKind::I16 => a.as_primitive::<Int16Type>().value(i).into(),
                IntKind::I32 => a.as_primitive::<Int32Type>().value(i).into(),
                IntKind::I64 => a.as_primitive::<Int64Type>().value(i),
                IntKind::U8 => a.as_primitive::<UInt8Type>().value(i).into(),
                IntKind::U16 => a.as_primitive::<UInt16Type>().value(i).into(),
                IntKind::U32 => a.as_primitive::<UInt32Type>().value(i).into(),
                IntKind::U64 => match i64::try_from(a.as_primitive::<UInt64Type>().value(i)) {
                    Ok(v) => v,
                    Err(_) => return Some(Number::Float(a.as_primitive::<UInt64Type>().value(i) as f64)),
                },
            }),
            Kind::F32 => Number::Float(a.as_primitive::<Float32Type>().value(i).into()),
            Kind::F64 => Number::Float(a.as_primitive::<Float64Type>().value(i)),
            Kind::Decimal(scale) => {
                Number::Float(a.as_primitive::<Decimal128Type>().value(i) as f64 / 10f64.powi(scale.into()))
            }
            _ => return None,
        })
    }

    /// Whether the column holds dates or timestamps.
    pub(crate) fn is_time(&self) -> bool {
        matches!(self.kind, Kind::Time(_))
    }

    /// Cell `i` of a date or timestamp column as Unix seconds (fractions dropped toward −∞).
    pub(crate) fn seconds_of(&self, i: usize) -> Option<i64> {
        let Kind::Time(t) = self.kind else { return None };
        if self.array.is_null(i) {
            return None;
        }
        let a = &self.array;
        Some(match t {
            TimeKind::Date32 => i64::from(a.as_primitive::<Date32Type>().value(i)) * 86_400,
            TimeKind::Date64 => a.as_primitive::<Date64Type>().value(i).div_euclid(1000),
            TimeKind::Ts(TimeUnit::Second) => a.as_primitive::<TimestampSecondType>().value(i),
            TimeKind::Ts(TimeUnit::Millisecond) => {
                a.as_primitive::<TimestampMillisecondType>().value(i).div_euclid(1000)
            }
            TimeKind::Ts(TimeUnit::Microsecond) => {
                a.as_primitive::<TimestampMicrosecondType>().value(i).div_euclid(1_000_000)
            }
            TimeKind::Ts(TimeUnit::Nanosecond) => {
                a.as_primitive::<TimestampNanosecondType>().value(i).div_euclid(1_000_000_000)
            }
        })
    }

    /// The raw array, for readers of nested columns (factor vectors).
    pub fn array(&self) -> &ArrayRef {
        &self.array
    }
}

/// A binary column as the text it holds: bytes that are UTF-8 (strings written without their
/// annotation, as Impala and older Hive write them) as that text, 16-byte values as the UUIDs
/// Parquet's UUID type holds (`550e8400-e29b-41d4-a716-446655440000`), other fixed widths (hashes)
/// as lowercase hex. Bytes that are not UTF-8 are an error naming the column.
fn as_text(array: &ArrayRef, part: &str, name: &str) -> Result<ArrayRef> {
    let not_utf8 = |e: arrow_schema::ArrowError| {
        Error::file(part, format!("column '{name}': binary values that are not UTF-8 text ({e})"))
    };
    let text: ArrayRef = match array.data_type() {
        DataType::Binary => std::sync::Arc::new(
            arrow_array::StringArray::try_from_binary(array.as_binary::<i32>().clone()).map_err(not_utf8)?,
        ),
        DataType::LargeBinary => std::sync::Arc::new(
            arrow_array::LargeStringArray::try_from_binary(array.as_binary::<i64>().clone()).map_err(not_utf8)?,
        ),
        DataType::BinaryView => std::sync::Arc::new(array.as_binary_view().clone().to_string_view().map_err(not_utf8)?),
        _ => {
            // Each cell's hex written into one reused buffer (a UUID's dashes after bytes 4, 6,
            // 8 and 10), not a string per byte.
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let fixed = array.as_fixed_size_binary();
            let width = 2 * fixed.value_length().max(0) as usize + 4;
            let mut out = arrow_array::builder::StringBuilder::with_capacity(fixed.len(), fixed.len() * width);
            let mut cell = String::with_capacity(width);
            for value in fixed.iter() {
                let Some(bytes) = value else {
                    out.append_null();
                    continue;
                };
                cell.clear();
                for (i, b) in bytes.iter().enumerate() {
                    if bytes.len() == 16 && matches!(i, 4 | 6 | 8 | 10) {
                        cell.push('-');
                    }
                    cell.extend([HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]].map(char::from));
                }
                out.append_value(&cell);
            }
            std::sync::Arc::new(out.finish())
        }
    };
    Ok(text)
}

/// `value` scaled by 10^−`scale` as exact decimal text, as a CSV export writes a decimal: `25.90`
/// for 2590 at scale 2, `-0.05` for −5 at scale 2, `1200` for 12 at scale −2.
fn write_decimal(buf: &mut String, value: i128, scale: i8) {
    let digits = value.unsigned_abs().to_string();
    if value < 0 {
        buf.push('-');
    }
    match usize::try_from(scale) {
        Err(_) => {
            buf.push_str(&digits);
            if value != 0 {
                buf.extend(std::iter::repeat_n('0', scale.unsigned_abs().into()));
            }
        }
        Ok(0) => buf.push_str(&digits),
        Ok(scale) => {
            // The fraction's leading zeros written in place, not a padded copy of the digits.
            let whole = digits.len().saturating_sub(scale);
            buf.push_str(if whole == 0 { "0" } else { &digits[..whole] });
            buf.push('.');
            buf.extend(std::iter::repeat_n('0', scale.saturating_sub(digits.len())));
            buf.push_str(&digits[whole..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn texts(array: ArrayRef) -> Vec<Option<String>> {
        let col = Column::new(array, "part", "c", false).unwrap();
        let mut buf = String::new();
        (0..col.rows).map(|i| col.text(i, &mut buf).map(str::to_string)).collect()
    }

    #[test]
    fn decimals_and_large_unsigned_ids_read_as_exact_text() {
        let u = arrow_array::UInt64Array::from(vec![Some(u64::MAX), Some(18_446_744_073_709_551_039), None, Some(7)]);
        let want = [Some("18446744073709551615"), Some("18446744073709551039"), None, Some("7")];
        assert_eq!(texts(Arc::new(u)), want.map(|t| t.map(String::from)));
        // DECIMAL(38, 0), as Snowflake unloads NUMBER: ids past 2^53 stay apart.
        let ids = [12_345_678_901_234_567_890i128, 12_345_678_901_234_567_891, -42];
        let d = arrow_array::Decimal128Array::from(ids.to_vec()).with_precision_and_scale(38, 0).unwrap();
        assert_eq!(texts(Arc::new(d)), ids.map(|v| Some(v.to_string())));
        let cents = arrow_array::Decimal128Array::from(vec![2590, 5, -5, 0, -123_456, i128::MIN + 1])
            .with_precision_and_scale(38, 2)
            .unwrap();
        let want = ["25.90", "0.05", "-0.05", "0.00", "-1234.56", "-1701411834604692317316873037158841057.27"];
        assert_eq!(texts(Arc::new(cents)), want.map(|t| Some(t.to_string())));
        let hundreds = arrow_array::Decimal128Array::from(vec![12, 0, -3]).with_precision_and_scale(10, -2).unwrap();
        assert_eq!(texts(Arc::new(hundreds)), ["1200", "0", "-300"].map(|t| Some(t.to_string())));
    }

    #[test]
    fn binary_columns_read_as_their_text_uuids_or_hex() {
        let utf8 = arrow_array::BinaryArray::from(vec![Some(b"sku-1".as_slice()), None, Some("ñ".as_bytes())]);
        assert_eq!(texts(Arc::new(utf8)), [Some("sku-1".to_string()), None, Some("ñ".to_string())]);
        let uuid: [u8; 16] = *b"\x55\x0e\x84\x00\xe2\x9b\x41\xd4\xa7\x16\x44\x66\x55\x44\x00\x00";
        let fixed = arrow_array::FixedSizeBinaryArray::try_from_iter([uuid].into_iter()).unwrap();
        assert_eq!(texts(Arc::new(fixed)), [Some("550e8400-e29b-41d4-a716-446655440000".to_string())]);
        let sha1 = arrow_array::FixedSizeBinaryArray::try_from_iter([[0xabu8; 20]].into_iter()).unwrap();
        assert_eq!(texts(Arc::new(sha1)), [Some("ab".repeat(20))]);
        let raw = arrow_array::BinaryArray::from(vec![b"ok".as_slice(), &[0xff, 0xfe]]);
        let e = Column::new(Arc::new(raw), "part", "user", false).err().unwrap().to_string();
        assert!(e.contains("column 'user': binary values that are not UTF-8 text"), "{e}");
    }
}
