//! Raw input values of a record, as they arrive from CSV cells or JS objects.

/// One raw field value before encoding.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Absent, empty or null: imputed from training statistics.
    Missing,
    /// A number (must be finite).
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// Text (categories, or booleans written as text).
    Text(String),
}

impl Value {
    /// Interprets a CSV cell: empty → missing, otherwise text (typed later by the schema).
    pub fn from_cell(s: &str) -> Self {
        let t = s.trim();
        if Self::is_missing_cell(t) {
            Value::Missing
        } else {
            Value::Text(t.to_string())
        }
    }

    /// Whether a CSV cell (trimmed) stands for a missing value: empty, `NA`, `NaN` or `null`, in
    /// any case.
    pub fn is_missing_cell(t: &str) -> bool {
        t.is_empty() || t.eq_ignore_ascii_case("na") || t.eq_ignore_ascii_case("nan") || t.eq_ignore_ascii_case("null")
    }

    /// The value as it would be written back, for error messages.
    pub fn display(&self) -> String {
        match self {
            Value::Missing => "missing".into(),
            Value::Number(n) => crate::num_text::Num(*n).to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Text(t) => crate::error::Quoted(t).to_string(),
        }
    }
}

/// Parses the boolean spellings shops export: TRUE/FALSE, true/false, yes/no, y/n, 1/0.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "t" => Some(true),
        "false" | "no" | "n" | "0" | "f" => Some(false),
        _ => None,
    }
}
