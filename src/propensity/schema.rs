//! The fitted input schema and encoder: raw record → feature vector. Training and scoring both
//! call `Schema::encode`, so a record is transformed identically natively and in wasm.

use serde::Serialize;

use super::value::{parse_bool, Value};
use crate::error::{Error, Result};

/// How one input field is encoded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FieldKind {
    /// Standardised number: `(x − mean) / std`, missing → training mean.
    Numeric {
        /// Training mean (also the imputed value).
        mean: f64,
        /// Training standard deviation (1 when constant).
        std: f64,
    },
    /// 1 / 0 after standardisation like a number; missing → training rate.
    Boolean {
        /// Share of `true` in training (also the imputed value).
        rate: f64,
        /// Standard deviation of the 0/1 column (1 when constant).
        std: f64,
    },
    /// One-hot over training categories plus one slot for unseen values; missing is its own
    /// category when training had missing values, otherwise it goes to the unseen slot.
    Categorical {
        /// Known categories, in slot order.
        categories: Vec<String>,
    },
}

impl FieldKind {
    /// `numeric`, `boolean` or `categorical`.
    pub fn name(&self) -> &'static str {
        match self {
            FieldKind::Numeric { .. } => "numeric",
            FieldKind::Boolean { .. } => "boolean",
            FieldKind::Categorical { .. } => "categorical",
        }
    }
}

/// One input field.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// Column / property name.
    pub name: String,
    /// Encoding.
    #[serde(flatten)]
    pub kind: FieldKind,
    /// Whether an extra 0/1 "was missing" column follows (numeric and boolean fields).
    pub missing_indicator: bool,
}

/// Spelling used for a missing categorical value when training saw one.
pub(crate) const MISSING_CATEGORY: &str = "(missing)";

impl Field {
    /// Number of encoded columns.
    pub(crate) fn width(&self) -> usize {
        match &self.kind {
            FieldKind::Categorical { categories } => categories.len() + 1,
            _ => 1 + usize::from(self.missing_indicator),
        }
    }
}

/// What encoding noticed about a record (not errors).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EncodeReport {
    /// Schema fields the record did not have (imputed).
    pub missing: Vec<String>,
    /// Record properties the schema does not know (ignored).
    pub unknown: Vec<String>,
    /// Categorical fields whose value was not seen in training (unseen slot).
    pub unseen: Vec<String>,
}

/// The fitted schema: fields in order, and the encoded dimension.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schema {
    /// Input fields in encoding order.
    pub fields: Vec<Field>,
    /// Name of the predicted target column.
    pub target: String,
}

/// Standard units beyond which a numeric value is clipped. A finite but absurd value (1e300, say)
/// used to become an infinite f32, and infinite activations can cancel into a NaN probability
/// (found by the `record` fuzz target). A million standard deviations ranks the same as more.
pub(crate) const MAX_STANDARD_UNITS: f64 = 1e6;

/// `(x − mean) / std`, clipped to ±[`MAX_STANDARD_UNITS`], as an f32 (always finite).
fn standardize(x: f64, mean: f64, std: f64) -> f32 {
    ((x - mean) / std).clamp(-MAX_STANDARD_UNITS, MAX_STANDARD_UNITS) as f32
}

impl Schema {
    /// Encoded dimension.
    pub(crate) fn width(&self) -> usize {
        self.fields.iter().map(Field::width).sum()
    }

    /// Encodes a record given as `(name, value)` pairs. Wrong types, NaN and infinities are
    /// errors naming the field; missing and unknown fields are reported, not fatal.
    pub(crate) fn encode(&self, record: &[(&str, Value)], out: &mut Vec<f32>) -> Result<EncodeReport> {
        // Which record entry each field takes (the last of a repeated name), in the one pass
        // over fields per entry that finding unknown names needs anyway.
        let mut taken: Vec<Option<&Value>> = vec![None; self.fields.len()];
        let mut report = EncodeReport::default();
        for (k, v) in record {
            match self.fields.iter().position(|f| f.name == *k) {
                Some(i) => taken[i] = Some(v),
                None => report.unknown.push(k.to_string()),
            }
        }
        out.clear();
        for (f, v) in self.fields.iter().zip(taken) {
            let v = v.unwrap_or_else(|| {
                report.missing.push(f.name.clone());
                &Value::Missing
            });
            self.encode_field(f, v, out, &mut report)?;
        }
        Ok(report)
    }

    fn encode_field(&self, f: &Field, v: &Value, out: &mut Vec<f32>, report: &mut EncodeReport) -> Result<()> {
        let bad =
            |reason: &str| Error::InvalidValue { field: f.name.clone(), value: v.display(), reason: reason.into() };
        match &f.kind {
            FieldKind::Numeric { mean, std } => {
                let x = match v {
                    Value::Missing => None,
                    Value::Number(n) if n.is_finite() => Some(*n),
                    Value::Number(_) => return Err(bad("must be a finite number")),
                    Value::Text(t) => match crate::num_text::parse_f64(t) {
                        Some(n) if n.is_finite() => Some(n),
                        _ => return Err(bad("expected a number")),
                    },
                    Value::Bool(_) => return Err(bad("expected a number, got a boolean")),
                };
                out.push(standardize(x.unwrap_or(*mean), *mean, *std));
                if f.missing_indicator {
                    out.push(if x.is_none() { 1.0 } else { 0.0 });
                }
            }
            FieldKind::Boolean { rate, std } => {
                let x = match v {
                    Value::Missing => None,
                    Value::Bool(b) => Some(*b),
                    Value::Number(n) if *n == 0.0 || *n == 1.0 => Some(*n == 1.0),
                    Value::Number(_) => return Err(bad("expected a boolean (true/false or 1/0)")),
                    Value::Text(t) => {
                        Some(parse_bool(t).ok_or_else(|| bad("expected a boolean (TRUE/FALSE, yes/no, 1/0)"))?)
                    }
                };
                let raw = x.map_or(*rate, |b| if b { 1.0 } else { 0.0 });
                out.push(((raw - rate) / std) as f32);
                if f.missing_indicator {
                    out.push(if x.is_none() { 1.0 } else { 0.0 });
                }
            }
            FieldKind::Categorical { categories } => {
                let key: Option<String> = match v {
                    Value::Missing => Some(MISSING_CATEGORY.to_string()),
                    Value::Text(t) => Some(t.clone()),
                    Value::Number(n) if n.is_finite() => Some(format_number(*n)),
                    Value::Number(_) => return Err(bad("must be a finite number or text")),
                    Value::Bool(b) => Some(if *b { "TRUE".into() } else { "FALSE".into() }),
                };
                let start = out.len();
                out.extend(std::iter::repeat_n(0.0, categories.len() + 1));
                match key.and_then(|k| categories.iter().position(|c| *c == k)) {
                    Some(i) => out[start + i] = 1.0,
                    None => {
                        if !matches!(v, Value::Missing) {
                            report.unseen.push(f.name.clone());
                        }
                        out[start + categories.len()] = 1.0;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Formats a number the way CSV exports write it (`2`, not `2.0`).
pub(crate) fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        crate::num_text::Num(n).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        let numeric = |name: &str| Field {
            name: name.into(),
            kind: FieldKind::Numeric { mean: 1.0, std: 2.0 },
            missing_indicator: true,
        };
        Schema { fields: vec![numeric("a"), numeric("b")], target: "t".into() }
    }

    /// Each field takes its property (the last of a repeated name); fields without one are
    /// imputed and reported missing, properties without a field reported unknown, in order.
    #[test]
    fn record_properties_meet_their_fields() {
        let record =
            [("x", Value::Number(9.0)), ("b", Value::Number(3.0)), ("b", Value::Number(5.0)), ("y", Value::Bool(true))];
        let mut out = Vec::new();
        let report = schema().encode(&record, &mut out).ok();
        assert_eq!(out, vec![0.0, 1.0, 2.0, 0.0]);
        assert_eq!(
            report,
            Some(EncodeReport { missing: vec!["a".into()], unknown: vec!["x".into(), "y".into()], unseen: vec![] })
        );
    }
}
