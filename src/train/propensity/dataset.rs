//! A table read for propensity training: each column's type inferred (or forced), the rows as
//! raw values and labels, and the preprocessing fitted on training rows only.

use std::collections::HashMap;

use super::{ColumnType, PropensityParams};
use crate::data::table::Table;
use crate::error::{Error, Result};
use crate::propensity::schema::MISSING_CATEGORY;
use crate::propensity::value::parse_bool;
use crate::propensity::{Field, FieldKind, Schema, Value};

/// A table turned into raw records and labels, with inferred column types.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Input column names and types, in file order.
    pub columns: Vec<(String, ColumnType)>,
    /// Raw values per row, aligned with `columns`.
    pub rows: Vec<Vec<Value>>,
    /// Labels.
    pub labels: Vec<bool>,
    /// Target column name.
    pub target: String,
    /// Decisions of type inference a user may not expect (a column dropped, or read as
    /// categorical because of a few cells), one sentence each, for the training report.
    pub notices: Vec<String>,
    table: Table,
    col_index: Vec<usize>,
}

/// Share of a column's non-empty cells that must be finite numbers before the rest are called
/// out when the column is read as categorical.
const MOSTLY_NUMERIC: f64 = 0.9;

/// Infers a column's type from its non-empty cells (boolean if every one parses as one, else
/// numeric if every one is a finite number, else categorical); `None` when every cell is empty.
/// A column read as categorical although most cells are numbers gets a notice.
fn infer_type(table: &Table, c: usize, notices: &mut Vec<String>) -> Option<ColumnType> {
    let vals = || table.rows.iter().enumerate().map(|(r, row)| (r, row[c].trim())).filter(|(_, v)| !v.is_empty());
    let n = vals().count();
    if n == 0 {
        notices.push(format!("column '{}' is empty in every row: left out", table.header[c]));
        return None;
    }
    if vals().all(|(_, v)| parse_bool(v).is_some()) {
        return Some(ColumnType::Boolean);
    }
    let finite = |v: &str| v.parse::<f64>().is_ok_and(f64::is_finite);
    let numbers = vals().filter(|(_, v)| finite(v)).count();
    if numbers == n {
        return Some(ColumnType::Numeric);
    }
    if numbers as f64 >= MOSTLY_NUMERIC * n as f64 {
        let (r, first) = vals().find(|(_, v)| !finite(v)).unwrap_or((0, ""));
        notices.push(format!(
            "column '{}' read as categorical: {} of its {n} cells are not finite numbers (first at {}: {first:?}); \
             fix those cells, or pass --numeric {} to stop at them",
            table.header[c],
            n - numbers,
            table.row_place(r),
            table.header[c]
        ));
    }
    Some(ColumnType::Categorical)
}

impl Dataset {
    /// Infers types (boolean if every value parses as one, else numeric if every value is a
    /// number, else categorical), honouring overrides; labels must be boolean-like. Numbers with a
    /// decimal comma are read as [`Table::point_decimal_commas`] reads them, with a notice.
    pub fn from_table(mut table: Table, p: &PropensityParams) -> Result<Self> {
        let ti = table.column(&p.target)?;
        for name in p.types.keys().chain(&p.ignore) {
            table.column(name)?;
        }
        table.point_decimal_commas(&[ti]);
        let mut labels = Vec::with_capacity(table.rows.len());
        for (r, row) in table.rows.iter().enumerate() {
            let cell = row[ti].trim();
            labels.push(parse_bool(cell).ok_or_else(|| Error::BadRow {
                location: table.location(r, ti),
                value: cell.into(),
                reason: "target must be TRUE/FALSE, yes/no or 1/0".into(),
            })?);
        }
        let mut columns = Vec::new();
        let mut col_index = Vec::new();
        let mut notices = table.notices();
        for (c, name) in table.header.iter().enumerate() {
            if c == ti || p.ignore.contains(name) {
                continue;
            }
            let Some(ty) = p.types.get(name).copied().or_else(|| infer_type(&table, c, &mut notices)) else {
                continue;
            };
            columns.push((name.clone(), ty));
            col_index.push(c);
        }
        let mut rows = Vec::with_capacity(table.rows.len());
        for (r, row) in table.rows.iter().enumerate() {
            let mut vals = Vec::with_capacity(columns.len());
            for (k, &c) in col_index.iter().enumerate() {
                let v = Value::from_cell(&row[c]);
                // Type errors are caught here, with the cell's location.
                if let (Value::Text(t), ColumnType::Numeric) = (&v, columns[k].1) {
                    if !t.parse::<f64>().is_ok_and(f64::is_finite) {
                        return Err(Error::BadRow {
                            location: table.location(r, c),
                            value: t.clone(),
                            reason: "expected a finite number".into(),
                        });
                    }
                }
                if let (Value::Text(t), ColumnType::Boolean) = (&v, columns[k].1) {
                    if parse_bool(t).is_none() {
                        return Err(Error::BadRow {
                            location: table.location(r, c),
                            value: t.clone(),
                            reason: "expected a boolean".into(),
                        });
                    }
                }
                // Typed once here, so fitting and every encoding of the row do not parse it again.
                vals.push(match (v, columns[k].1) {
                    (Value::Text(t), ColumnType::Numeric) => Value::Number(t.parse::<f64>().unwrap_or(f64::NAN)),
                    (Value::Text(t), ColumnType::Boolean) => parse_bool(&t).map_or(Value::Text(t), Value::Bool),
                    (v, _) => v,
                });
            }
            rows.push(vals);
        }
        Ok(Self { columns, rows, labels, target: p.target.clone(), notices, table, col_index })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Record `r` as `(name, value)` pairs.
    pub fn record(&self, r: usize) -> Vec<(&str, Value)> {
        self.columns.iter().zip(&self.rows[r]).map(|((n, _), v)| (n.as_str(), v.clone())).collect()
    }

    /// Fits the encoders on `rows` only.
    pub(crate) fn fit_schema(&self, rows: &[usize], p: &PropensityParams) -> Schema {
        let fields = self
            .columns
            .iter()
            .enumerate()
            .map(|(k, (name, ty))| {
                let vals = rows.iter().map(|r| &self.rows[*r][k]);
                let any_missing = vals.clone().any(|v| matches!(v, Value::Missing));
                let kind = match ty {
                    ColumnType::Numeric | ColumnType::Boolean => {
                        let xs: Vec<f64> = vals
                            .filter_map(|v| match v {
                                Value::Text(t) if *ty == ColumnType::Numeric => t.parse::<f64>().ok(),
                                Value::Text(t) => parse_bool(t).map(|b| if b { 1.0 } else { 0.0 }),
                                Value::Number(n) => Some(*n),
                                Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
                                Value::Missing => None,
                            })
                            .collect();
                        let n = xs.len().max(1) as f64;
                        let mean = xs.iter().sum::<f64>() / n;
                        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
                        let std = if var > 1e-12 { var.sqrt() } else { 1.0 };
                        if *ty == ColumnType::Numeric {
                            FieldKind::Numeric { mean, std }
                        } else {
                            FieldKind::Boolean { rate: mean, std }
                        }
                    }
                    ColumnType::Categorical => {
                        let mut counts: HashMap<String, usize> = HashMap::new();
                        for v in vals {
                            let key = match v {
                                Value::Missing => MISSING_CATEGORY.to_string(),
                                Value::Text(t) => t.clone(),
                                Value::Number(n) => crate::propensity::schema::format_number(*n),
                                Value::Bool(b) => {
                                    if *b {
                                        "TRUE".into()
                                    } else {
                                        "FALSE".into()
                                    }
                                }
                            };
                            *counts.entry(key).or_default() += 1;
                        }
                        let mut cats: Vec<(String, usize)> = counts.into_iter().collect();
                        cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                        cats.truncate(p.max_categories);
                        FieldKind::Categorical { categories: cats.into_iter().map(|c| c.0).collect() }
                    }
                };
                let missing_indicator =
                    p.missing_indicator && any_missing && !matches!(kind, FieldKind::Categorical { .. });
                Field { name: name.clone(), kind, missing_indicator }
            })
            .collect();
        Schema { fields, target: self.target.clone() }
    }

    /// Encodes `rows` with `schema`; an error names the row's file, line and column.
    pub(crate) fn encode(&self, schema: &Schema, rows: &[usize]) -> Result<Vec<Vec<f32>>> {
        rows.iter()
            .map(|&r| {
                let mut x = Vec::with_capacity(schema.width());
                schema.encode(&self.record(r), &mut x).map_err(|e| match e {
                    Error::InvalidValue { field, value, reason } => {
                        let k = self.columns.iter().position(|(n, _)| *n == field).unwrap_or(0);
                        Error::BadRow { location: self.table.location(r, self.col_index[k]), value, reason }
                    }
                    other => other,
                })?;
                Ok(x)
            })
            .collect()
    }
}
