//! Session features on the device: what a shopper did during this visit (a [`SessionLog`], kept
//! by the package's `SessionTracker`) becomes the record a propensity model expects, through the
//! mapping declared at training time ([`SessionMap`]: one [`Feature`] per model field, stored in
//! the bundle's `psession` section with the shop's [`PageStats`]). The CLI (`score --session`)
//! and the page run this same code, so both produce the same record from the same log.

mod calendar;
mod stats;

pub use calendar::LocalTime;
pub use stats::{PageStat, PageStats, StatKind};

use crate::error::{Error, Result};
use crate::propensity::Value;

/// Most page views a log may hold (the tracker stops recording views past it).
pub const MAX_PAGES: usize = 1_000;
/// Most seconds one page view may count (115 days: a sum over 1,000 views stays finite).
pub(crate) const MAX_SECONDS: f64 = 1e7;
/// Longest page type, page id or supplied-value name, in bytes.
pub(crate) const MAX_NAME: usize = 256;

/// One page view.
#[derive(Debug, Clone, PartialEq)]
pub struct PageView {
    /// The page's type (`"product"`, `"info"`, …: the names the mapping uses).
    pub kind: String,
    /// The page's id (a product id, a path), if it has one.
    pub id: Option<String>,
    /// Seconds the page was visible (hidden tabs do not count).
    pub seconds: f64,
    /// Statistics the page supplied itself; they take precedence over the bundle's table.
    pub stat: PageStat,
}

/// What one shopper did during one visit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionLog {
    /// When the session started, in milliseconds since the Unix epoch.
    pub start_ms: f64,
    /// The device's offset from UTC in minutes (east positive), for the local month and day.
    pub utc_offset_minutes: f64,
    /// Whether this device visited before (`None`: unknown, e.g. without storage consent).
    pub returning: Option<bool>,
    /// Page views in order.
    pub pages: Vec<PageView>,
    /// Products put in the cart.
    pub cart_adds: u32,
    /// Purchases completed.
    pub purchases: u32,
    /// Values the page supplied (`$name` in a mapping), e.g. a traffic source code.
    pub values: Vec<(String, Value)>,
}

fn invalid(field: String, value: impl std::fmt::Display, reason: &str) -> Error {
    Error::InvalidValue { field, value: value.to_string(), reason: reason.into() }
}

fn check_name(field: impl FnOnce() -> String, s: &str, may_be_empty: bool) -> Result<()> {
    if (s.is_empty() && !may_be_empty) || s.len() > MAX_NAME {
        let shown: String = s.chars().take(40).collect();
        return Err(invalid(field(), crate::error::Quoted(&shown).to_string(), "must be 1 to 256 bytes long"));
    }
    Ok(())
}

impl SessionLog {
    /// Checks every value, naming the first bad one by its position (`pages[3].seconds`).
    pub fn check(&self) -> Result<()> {
        let num = crate::num_text::Num;
        if !(self.start_ms.is_finite() && self.start_ms.abs() <= 1e14) {
            return Err(invalid(
                "start".into(),
                num(self.start_ms),
                "must be milliseconds since 1970, within ±3,000 years",
            ));
        }
        if !(self.utc_offset_minutes.is_finite() && self.utc_offset_minutes.abs() <= 1_440.0) {
            return Err(invalid("utcOffset".into(), num(self.utc_offset_minutes), "must be minutes within ±1,440"));
        }
        if self.pages.len() > MAX_PAGES {
            return Err(invalid("pages".into(), self.pages.len(), "at most 1,000 page views"));
        }
        for (i, p) in self.pages.iter().enumerate() {
            check_name(|| format!("pages[{i}].type"), &p.kind, false)?;
            if let Some(id) = &p.id {
                check_name(|| format!("pages[{i}].id"), id, true)?;
            }
            if !(0.0..=MAX_SECONDS).contains(&p.seconds) {
                return Err(invalid(format!("pages[{i}].seconds"), num(p.seconds), "must be a number from 0 to 1e7"));
            }
            for (k, v) in StatKind::ALL.iter().zip(&p.stat) {
                if let Some(v) = v.filter(|v| !k.valid(*v)) {
                    let reason = stats::RANGES;
                    return Err(invalid(format!("pages[{i}].{}", k.log_key()), num(v), reason));
                }
            }
        }
        for (name, v) in &self.values {
            check_name(|| "values".into(), name, false)?;
            if matches!(v, Value::Number(n) if !n.is_finite()) {
                return Err(invalid(format!("values.{name}"), v.display(), "must be finite"));
            }
        }
        Ok(())
    }
}

/// Which page types a count or a duration covers.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeFilter {
    /// The page types named.
    pub types: Vec<String>,
    /// Whether the filter takes every type *but* those (an empty list negated takes all).
    pub negate: bool,
}

impl TypeFilter {
    /// Every page.
    pub fn all() -> Self {
        Self { types: Vec::new(), negate: true }
    }

    /// Whether a page of type `kind` passes.
    pub fn passes(&self, kind: &str) -> bool {
        self.types.iter().any(|t| t == kind) != self.negate
    }
}

/// What the tracker computes for one model field.
#[derive(Debug, Clone, PartialEq)]
pub enum Feature {
    /// `count(…)`: page views whose type passes.
    Pages(TypeFilter),
    /// `sum_duration(…)`: seconds on those pages.
    Seconds(TypeFilter),
    /// `bounce_rate`, `exit_rate`, `page_value`: the statistic's mean over the page views that
    /// have one (supplied by the page, else the table's row for the page, else for its type);
    /// missing (imputed by the model) when none has.
    Stat(StatKind),
    /// `month`: the local month of the session's start, spelled as [`SessionMap::month_names`].
    Month,
    /// `month_number`: 1–12.
    MonthNumber,
    /// `weekday`: 0 = Monday … 6 = Sunday.
    Weekday,
    /// `hour`: 0–23, local.
    Hour,
    /// `weekend`: Saturday or Sunday (a boolean).
    Weekend,
    /// `visitor_type`: [`SessionMap::visitor_names`]' returning or new name; missing if unknown.
    VisitorType,
    /// `returning`: a boolean; missing if unknown.
    Returning,
    /// `bounced`: one page view and nothing put in the cart or bought (a boolean).
    Bounced,
    /// `cart_adds`.
    CartAdds,
    /// `purchases`.
    Purchases,
    /// `$name`: a value the page supplies; missing when it did not.
    Supplied(String),
    /// A constant (a field the device cannot observe, fixed at its usual value).
    Constant(Value),
}

impl Feature {
    /// The feature's name in a mapping.
    pub fn name(&self) -> &'static str {
        match self {
            Feature::Pages(_) => "count(...)",
            Feature::Seconds(_) => "sum_duration(...)",
            Feature::Stat(k) => k.name(),
            Feature::Month => "month",
            Feature::MonthNumber => "month_number",
            Feature::Weekday => "weekday",
            Feature::Hour => "hour",
            Feature::Weekend => "weekend",
            Feature::VisitorType => "visitor_type",
            Feature::Returning => "returning",
            Feature::Bounced => "bounced",
            Feature::CartAdds => "cart_adds",
            Feature::Purchases => "purchases",
            Feature::Supplied(_) => "a supplied value",
            Feature::Constant(_) => "a constant",
        }
    }

    /// Whether the feature can give a number, a boolean, text (a supplied value can give any).
    fn output(&self) -> (bool, bool, bool) {
        match self {
            Feature::Month | Feature::VisitorType => (false, false, true),
            Feature::Weekend | Feature::Returning | Feature::Bounced => (false, true, false),
            Feature::Supplied(_) | Feature::Constant(Value::Missing) => (true, true, true),
            Feature::Constant(Value::Number(n)) => (true, *n == 0.0 || *n == 1.0, false),
            Feature::Constant(Value::Bool(_)) => (false, true, false),
            Feature::Constant(Value::Text(_)) => (false, false, true),
            _ => (true, false, false),
        }
    }
}

/// How a session becomes a model's record: one feature per field, how months and visitor types
/// are spelled in the training data, and the shop's page statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionMap {
    fields: Vec<(String, Feature)>,
    month_names: Vec<String>,
    visitor_names: [String; 2],
    stats: PageStats,
}

/// Month names used when a mapping names none.
pub const DEFAULT_MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

impl SessionMap {
    /// A mapping; `month_names` must hold 12 names and every field name must be unique.
    pub fn new(
        fields: Vec<(String, Feature)>,
        month_names: Vec<String>,
        visitor_names: [String; 2],
        stats: PageStats,
    ) -> Result<Self> {
        if month_names.len() != 12 {
            return Err(Error::param("month names", month_names.len(), "need exactly 12 names, January first"));
        }
        if let Some((i, (name, _))) =
            fields.iter().enumerate().find(|(i, (n, _))| fields[..*i].iter().any(|(m, _)| m == n))
        {
            return Err(Error::param(format!("fields[{i}]"), name, "a field is mapped twice"));
        }
        Ok(Self { fields, month_names, visitor_names, stats })
    }

    /// The fields and their features, in the model's field order.
    pub fn fields(&self) -> &[(String, Feature)] {
        &self.fields
    }
    /// How `month` spells January … December.
    pub fn month_names(&self) -> &[String] {
        &self.month_names
    }
    /// How `visitor_type` spells a returning and a new visitor.
    pub fn visitor_names(&self) -> &[String; 2] {
        &self.visitor_names
    }
    /// The page statistics.
    pub fn stats(&self) -> &PageStats {
        &self.stats
    }

    /// Checks the mapping against the model's fields: each field mapped once, nothing else, and
    /// each feature's type one the field's encoder accepts.
    pub(crate) fn check_for(&self, schema: &crate::propensity::Schema) -> Result<()> {
        use crate::propensity::FieldKind;
        for (name, feature) in &self.fields {
            let Some(field) = schema.fields.iter().find(|f| f.name == *name) else {
                return Err(Error::param("session mapping", name, "the model has no such field"));
            };
            let (number, boolean, text) = feature.output();
            let fits = match field.kind {
                FieldKind::Numeric { .. } => number,
                FieldKind::Boolean { .. } => boolean,
                FieldKind::Categorical { .. } => number || boolean || text,
            };
            if !fits {
                return Err(Error::param(
                    "session mapping",
                    name,
                    format!("{} cannot feed this {} field", feature.name(), field.kind.name()),
                ));
            }
        }
        if let Some(f) = schema.fields.iter().find(|f| !self.fields.iter().any(|(n, _)| *n == f.name)) {
            return Err(Error::param("session mapping", &f.name, "this model field is not mapped"));
        }
        Ok(())
    }

    /// The record for `log`: every mapped field, in order, after checking the log.
    pub fn record(&self, log: &SessionLog) -> Result<Vec<(String, Value)>> {
        log.check()?;
        let time = LocalTime::of(log.start_ms, log.utc_offset_minutes);
        Ok(self.fields.iter().map(|(name, f)| (name.clone(), self.value(f, log, time))).collect())
    }

    fn value(&self, f: &Feature, log: &SessionLog, time: LocalTime) -> Value {
        let count = |n: usize| Value::Number(n as f64);
        match f {
            Feature::Pages(filter) => count(log.pages.iter().filter(|p| filter.passes(&p.kind)).count()),
            Feature::Seconds(filter) => {
                // A fold from +0: `sum()` of nothing is −0 (and would print so).
                Value::Number(log.pages.iter().filter(|p| filter.passes(&p.kind)).fold(0.0, |s, p| s + p.seconds))
            }
            Feature::Stat(kind) => self.mean_stat(log, *kind),
            Feature::Month => Value::Text(self.month_names[time.month as usize - 1].clone()),
            Feature::MonthNumber => Value::Number(f64::from(time.month)),
            Feature::Weekday => Value::Number(f64::from(time.weekday)),
            Feature::Hour => Value::Number(f64::from(time.hour)),
            Feature::Weekend => Value::Bool(time.weekend()),
            Feature::VisitorType => {
                log.returning.map_or(Value::Missing, |r| Value::Text(self.visitor_names[usize::from(!r)].clone()))
            }
            Feature::Returning => log.returning.map_or(Value::Missing, Value::Bool),
            Feature::Bounced => Value::Bool(log.pages.len() == 1 && log.cart_adds == 0 && log.purchases == 0),
            Feature::CartAdds => Value::Number(f64::from(log.cart_adds)),
            Feature::Purchases => Value::Number(f64::from(log.purchases)),
            Feature::Supplied(name) => {
                log.values.iter().rev().find(|(n, _)| n == name).map_or(Value::Missing, |(_, v)| v.clone())
            }
            Feature::Constant(v) => v.clone(),
        }
    }

    /// The mean of `kind` over the page views that have a figure for it.
    fn mean_stat(&self, log: &SessionLog, kind: StatKind) -> Value {
        let (mut sum, mut n) = (0.0, 0usize);
        for p in &log.pages {
            let v = p.stat[kind as usize].or_else(|| self.stats.lookup(&p.kind, p.id.as_deref(), kind));
            if let Some(v) = v {
                sum += v;
                n += 1;
            }
        }
        if n == 0 {
            Value::Missing
        } else {
            Value::Number(sum / n as f64)
        }
    }
}

#[cfg(test)]
mod tests;
