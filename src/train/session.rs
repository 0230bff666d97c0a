//! Declaring, at training time, how a `SessionTracker` log becomes the model's record: the
//! `--features` file (TOML: one feature expression per model field), the `--page-stats` table
//! (the shop's analytics export), and reading session logs as JSON (`score --session`). The
//! result is a [`SessionMap`], stored in the bundle and evaluated by the same code on the device.
//!
//! ```toml
//! [fields]
//! ProductRelated = 'count(page.type == "product")'
//! ProductRelated_Duration = 'sum_duration(page.type in ["product", "list"])'
//! BounceRates = "bounce_rate"
//! Month = "month"
//! TrafficType = "$trafficType"
//! SpecialDay = "0"
//!
//! [month]
//! names = ["Jan", "Feb", "Mar", "Apr", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
//!
//! [visitor_type]
//! returning = "Returning_Visitor"
//! new = "New_Visitor"
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::data::table::Table;
use crate::error::{Error, Result};
use crate::propensity::{Schema, Value};
use crate::session::{
    Feature, PageStat, PageStats, PageView, SessionLog, SessionMap, StatKind, TypeFilter, DEFAULT_MONTHS,
};

/// A parsed `--features` file, before it is matched to a model's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureSpec {
    /// Model field → feature, in the file's order.
    pub fields: Vec<(String, Feature)>,
    /// How `month` spells January … December.
    pub month_names: Vec<String>,
    /// How `visitor_type` spells a returning and a new visitor.
    pub visitor_names: [String; 2],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    fields: toml::Table,
    month: Option<MonthSection>,
    visitor_type: Option<VisitorSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MonthSection {
    names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VisitorSection {
    returning: String,
    new: String,
}

impl FeatureSpec {
    /// Reads and parses a `--features` file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text).map_err(|e| match e {
            Error::InvalidParameter { name, value, reason } => {
                Error::InvalidParameter { name: format!("{}: {name}", path.display()), value, reason }
            }
            e => e,
        })
    }

    /// Parses the text of a `--features` file.
    pub fn parse(text: &str) -> Result<Self> {
        let file: SpecFile = toml::from_str(text).map_err(|e| Error::param("features", "(file)", e.to_string()))?;
        let mut fields = Vec::with_capacity(file.fields.len());
        for (name, v) in file.fields {
            let toml::Value::String(expr) = v else {
                return Err(Error::param(
                    format!("fields.{name}"),
                    v.type_str(),
                    "expected a feature expression in quotes",
                ));
            };
            let feature = parse_feature(&expr)
                .map_err(|reason| Error::param(format!("fields.{name}"), format!("{expr:?}"), reason))?;
            fields.push((name, feature));
        }
        let month_names = file.month.map_or_else(|| DEFAULT_MONTHS.map(String::from).to_vec(), |m| m.names);
        if month_names.len() != 12 {
            return Err(Error::param("month.names", month_names.len(), "need exactly 12 names, January first"));
        }
        let visitor_names =
            file.visitor_type.map_or_else(|| ["returning".into(), "new".into()], |v| [v.returning, v.new]);
        Ok(Self { fields, month_names, visitor_names })
    }

    /// The mapping for a model with `schema`, in the model's field order, with `stats`: every
    /// field must be mapped, each by a feature its encoder accepts. Returns warnings (statistics
    /// used without a table: every page must then supply its own).
    pub fn session_map(&self, schema: &Schema, stats: PageStats) -> Result<(SessionMap, Vec<String>)> {
        let mut fields = Vec::with_capacity(schema.fields.len());
        for f in &schema.fields {
            match self.fields.iter().find(|(n, _)| *n == f.name) {
                Some((n, feature)) => fields.push((n.clone(), feature.clone())),
                None => {
                    return Err(Error::param(
                        "features",
                        &f.name,
                        "this model field is not mapped (map it in [fields], or train with --ignore it)",
                    ))
                }
            }
        }
        if let Some((n, _)) = self.fields.iter().find(|(n, _)| !schema.fields.iter().any(|f| f.name == *n)) {
            return Err(Error::param("features", n, "the model has no such field (a typo, or a column left out)"));
        }
        let mut warnings = Vec::new();
        if stats.is_empty() {
            for (n, f) in &fields {
                if let Feature::Stat(k) = f {
                    warnings.push(format!(
                        "{n} = {} but no --page-stats table was given: every page must supply its own {} or the field is imputed",
                        k.name(),
                        k.name()
                    ));
                }
            }
        }
        let map = SessionMap::new(fields, self.month_names.clone(), self.visitor_names.clone(), stats)?;
        if let Some((n, names)) = unspelled_months(&map, schema) {
            return Err(Error::param(
                "month.names",
                names,
                format!("none of them is a category of {n}: spell the months as the training data does"),
            ));
        }
        map.check_for(schema)?;
        Ok((map, warnings))
    }
}

/// A `month` field none of whose names is one of the field's categories.
fn unspelled_months(map: &SessionMap, schema: &Schema) -> Option<(String, String)> {
    use crate::propensity::FieldKind;
    map.fields().iter().filter(|(_, f)| *f == Feature::Month).find_map(|(n, _)| {
        let field = schema.fields.iter().find(|f| f.name == *n)?;
        let FieldKind::Categorical { categories } = &field.kind else { return None };
        (!map.month_names().iter().any(|m| categories.contains(m))).then(|| (n.clone(), map.month_names().join(", ")))
    })
}

/// The features that take no arguments, by name.
const NAMED: [(&str, Feature); 13] = [
    ("bounce_rate", Feature::Stat(StatKind::BounceRate)),
    ("exit_rate", Feature::Stat(StatKind::ExitRate)),
    ("page_value", Feature::Stat(StatKind::PageValue)),
    ("month", Feature::Month),
    ("month_number", Feature::MonthNumber),
    ("weekday", Feature::Weekday),
    ("hour", Feature::Hour),
    ("weekend", Feature::Weekend),
    ("visitor_type", Feature::VisitorType),
    ("returning", Feature::Returning),
    ("bounced", Feature::Bounced),
    ("cart_adds", Feature::CartAdds),
    ("purchases", Feature::Purchases),
];

/// One token of a feature expression.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Num(f64),
    Punct(&'static str),
}

fn tokens(expr: &str) -> std::result::Result<Vec<Token>, String> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let rest = &expr[i..];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if let Some(p) = ["==", "!=", "(", ")", "[", "]", ",", "$"].into_iter().find(|p| rest.starts_with(p)) {
            out.push(Token::Punct(p));
            i += p.len();
        } else if c == b'"' || c == b'\'' {
            let end = rest[1..].find(c as char).ok_or_else(|| format!("column {}: unterminated string", i + 1))?;
            out.push(Token::Str(rest[1..1 + end].to_string()));
            i += end + 2;
        } else if c.is_ascii_digit() || c == b'-' || c == b'.' {
            let len = rest.find(|ch: char| !(ch.is_ascii_alphanumeric() || "+-.".contains(ch))).unwrap_or(rest.len());
            let n = crate::num_text::parse_f64(&rest[..len])
                .filter(|n| n.is_finite())
                .ok_or_else(|| format!("column {}: not a number: {:?}", i + 1, &rest[..len]))?;
            out.push(Token::Num(n));
            i += len;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let len =
                rest.find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '.')).unwrap_or(rest.len());
            out.push(Token::Word(rest[..len].to_string()));
            i += len;
        } else {
            let ch = rest.chars().next().unwrap_or(' ');
            return Err(format!("column {}: unexpected {ch:?}", i + 1));
        }
    }
    Ok(out)
}

/// Parses one feature expression (the grammar is in `--help` and the README).
pub(crate) fn parse_feature(expr: &str) -> std::result::Result<Feature, String> {
    let t = tokens(expr)?;
    let word = |i: usize| match t.get(i) {
        Some(Token::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    let feature = match t.as_slice() {
        [Token::Punct("$"), Token::Word(name)] => Feature::Supplied(name.clone()),
        [Token::Num(n)] => Feature::Constant(Value::Number(*n)),
        [Token::Str(s)] => Feature::Constant(Value::Text(s.clone())),
        [Token::Word(w)] => match w.as_str() {
            "true" | "false" => Feature::Constant(Value::Bool(w == "true")),
            "missing" => Feature::Constant(Value::Missing),
            "pages" => Feature::Pages(TypeFilter::all()),
            "duration" => Feature::Seconds(TypeFilter::all()),
            w => NAMED.iter().find(|(n, _)| *n == w).map(|(_, f)| f.clone()).ok_or_else(|| unknown_name(w))?,
        },
        [Token::Word(_), Token::Punct("("), inner @ .., Token::Punct(")")] => {
            let filter = if inner.is_empty() { TypeFilter::all() } else { parse_filter(inner)? };
            match word(0) {
                Some("count") => Feature::Pages(filter),
                Some("sum_duration") => Feature::Seconds(filter),
                Some(w) => return Err(format!("unknown function {w:?} (expected count or sum_duration)")),
                None => unreachable!("matched a word"),
            }
        }
        [] => return Err("empty expression".into()),
        _ => return Err("expected a name, $name, a constant, count(...) or sum_duration(...)".into()),
    };
    Ok(feature)
}

fn unknown_name(w: &str) -> String {
    let names: Vec<&str> = ["pages", "duration"].into_iter().chain(NAMED.iter().map(|(n, _)| *n)).collect();
    format!(
        "unknown name {w:?} (expected one of {}, $name for a value the page supplies, or a constant)",
        names.join(", ")
    )
}

/// `page.type == "a"`, `page.type != "a"`, `page.type in ["a", "b"]`, `page.type not in [...]`.
fn parse_filter(t: &[Token]) -> std::result::Result<TypeFilter, String> {
    let Some((Token::Word(subject), rest)) = t.split_first() else {
        return Err("expected page.type".into());
    };
    if subject != "page.type" {
        return Err(format!("can only filter on page.type, not {subject:?}"));
    }
    let list = |t: &[Token]| -> std::result::Result<Vec<String>, String> {
        let [Token::Punct("["), items @ .., Token::Punct("]")] = t else {
            return Err("expected a list of page types in [ ]".into());
        };
        let mut types = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match (i % 2, item) {
                (0, Token::Str(s)) => types.push(s.clone()),
                (1, Token::Punct(",")) => {}
                _ => return Err("expected page types in quotes, separated by commas".into()),
            }
        }
        if types.is_empty() {
            return Err("an empty list of page types".into());
        }
        Ok(types)
    };
    match rest {
        [Token::Punct(op @ ("==" | "!=")), Token::Str(s)] => {
            Ok(TypeFilter { types: vec![s.clone()], negate: *op == "!=" })
        }
        [Token::Word(w), l @ ..] if w == "in" => Ok(TypeFilter { types: list(l)?, negate: false }),
        [Token::Word(n), Token::Word(w), l @ ..] if n == "not" && w == "in" => {
            Ok(TypeFilter { types: list(l)?, negate: true })
        }
        _ => Err("expected page.type == \"…\", != \"…\", in [\"…\", …] or not in [\"…\", …]".into()),
    }
}

/// Reads a page-statistics CSV (or Parquet): a `page_type` column, an optional `page_id` column
/// (empty for the type's own row), and any of `bounce_rate`, `exit_rate`, `page_value` (empty
/// cells: no figure; a decimal comma as [`Table::point_decimal_commas`] reads it). A cell that
/// is not a valid figure is an error naming its line.
pub fn read_page_stats(path: &Path, format: impl Into<crate::data::source::CsvFormat>) -> Result<PageStats> {
    let mut table = Table::read(path, format)?;
    let kind_col = table.column("page_type")?;
    let id_col = table.header.iter().position(|h| h == "page_id");
    table.point_decimal_commas(&[Some(kind_col), id_col].into_iter().flatten().collect::<Vec<_>>());
    let stat_cols: Vec<Option<usize>> =
        StatKind::ALL.iter().map(|k| table.header.iter().position(|h| h == k.name())).collect();
    if stat_cols.iter().all(Option::is_none) {
        return Err(Error::MissingColumn {
            file: table.file.clone(),
            column: "bounce_rate, exit_rate or page_value".into(),
            header: table.header.clone(),
            note: String::new(),
        });
    }
    let mut rows = Vec::with_capacity(table.rows.len());
    for (r, row) in table.rows.iter().enumerate() {
        let bad = |c: usize, reason: &str| Error::BadRow {
            location: table.location(r, c),
            value: row[c].clone(),
            reason: reason.into(),
        };
        let kind = row[kind_col].trim();
        if kind.is_empty() || kind.len() > crate::session::MAX_NAME {
            return Err(bad(kind_col, "a page type must be 1 to 256 bytes long"));
        }
        let id = id_col.map_or("", |c| row[c].trim());
        let mut stat: PageStat = [None; 3];
        for ((k, col), slot) in StatKind::ALL.iter().zip(&stat_cols).zip(&mut stat) {
            let Some(c) = *col else { continue };
            let cell = row[c].trim();
            if cell.is_empty() {
                continue;
            }
            match crate::num_text::parse_f64(cell) {
                Some(v) if k.valid(v) => *slot = Some(v),
                _ => return Err(bad(c, "a rate must be a number in [0, 1], a page value a number in [0, 1e12]")),
            }
        }
        rows.push((kind.to_string(), id.to_string(), stat));
    }
    PageStats::new(rows)
}

/// Reads session logs from JSON text: one log object (as `SessionTracker.toJSON()` gives) or an
/// array of them. Every value's type is checked; errors name the log and the value's place.
pub fn read_session_logs(text: &str) -> Result<Vec<SessionLog>> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::param("session log", "(JSON)", e.to_string()))?;
    match &v {
        serde_json::Value::Array(logs) => logs
            .iter()
            .enumerate()
            .map(|(i, l)| log_from_json(l).map_err(|e| Error::param(format!("session log {i}"), "", e.to_string())))
            .collect(),
        one => Ok(vec![log_from_json(one)?]),
    }
}

/// The session log format's name, as `toJSON()` writes it.
pub(crate) const LOG_FORMAT: &str = "shelfwise-session/1";

fn log_from_json(v: &serde_json::Value) -> Result<SessionLog> {
    use serde_json::Value as J;
    let bad = |at: &str, v: &J, want: &str| Error::InvalidValue {
        field: at.into(),
        value: v.to_string(),
        reason: want.into(),
    };
    let J::Object(o) = v else { return Err(bad("log", v, "expected an object")) };
    if let Some(f) = o.get("format").filter(|f| f.as_str() != Some(LOG_FORMAT)) {
        return Err(bad("format", f, "expected \"shelfwise-session/1\""));
    }
    let null = J::Null;
    let get = |k: &str| o.get(k).unwrap_or(&null);
    let num = |at: &str, v: &J| v.as_f64().ok_or_else(|| bad(at, v, "expected a number"));
    let opt_num = |at: &str, v: &J| if v.is_null() { Ok(None) } else { num(at, v).map(Some) };
    let count = |k: &str| match get(k) {
        J::Null => Ok(0),
        v => v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| bad(k, v, "expected a whole number >= 0")),
    };
    let returning = match get("returning") {
        J::Null => None,
        J::Bool(b) => Some(*b),
        v => return Err(bad("returning", v, "expected true, false or null")),
    };
    let J::Array(pages) = get("pages") else { return Err(bad("pages", get("pages"), "expected an array")) };
    let mut views = Vec::with_capacity(pages.len());
    for (i, p) in pages.iter().enumerate() {
        let at = |k: &str| format!("pages[{i}].{k}");
        let J::Object(p) = p else { return Err(bad(&format!("pages[{i}]"), p, "expected an object")) };
        let field = |k: &str| p.get(k).unwrap_or(&null);
        let kind = field("type").as_str().ok_or_else(|| bad(&at("type"), field("type"), "expected a string"))?;
        let id = match field("id") {
            J::Null => None,
            J::String(s) => Some(s.clone()),
            v => return Err(bad(&at("id"), v, "expected a string or null")),
        };
        views.push(PageView {
            kind: kind.to_string(),
            id,
            seconds: num(&at("seconds"), field("seconds"))?,
            stat: [
                opt_num(&at("bounceRate"), field("bounceRate"))?,
                opt_num(&at("exitRate"), field("exitRate"))?,
                opt_num(&at("value"), field("value"))?,
            ],
        });
    }
    let mut values = Vec::new();
    match get("values") {
        J::Null => {}
        J::Object(m) => {
            for (k, v) in m {
                values.push((
                    k.clone(),
                    match v {
                        J::Null => Value::Missing,
                        J::Bool(b) => Value::Bool(*b),
                        J::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
                        J::String(s) => Value::Text(s.clone()),
                        v => return Err(bad(&format!("values.{k}"), v, "expected a number, string, boolean or null")),
                    },
                ));
            }
        }
        v => return Err(bad("values", v, "expected an object")),
    }
    let log = SessionLog {
        start_ms: num("start", get("start"))?,
        utc_offset_minutes: opt_num("utcOffset", get("utcOffset"))?.unwrap_or(0.0),
        returning,
        pages: views,
        cart_adds: count("cartAdds")?,
        purchases: count("purchases")?,
        values,
    };
    log.check()?;
    Ok(log)
}

#[cfg(test)]
mod tests;
