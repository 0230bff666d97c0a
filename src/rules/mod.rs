//! Merchandising rules evaluated on the device: one small expression language for filters
//! (`in_stock && price < 50 && category != "gift-cards"`) and boosts
//! (`margin > 0.3 ? 1.2 : 1`, `created_at > now - 14d ? 1.5 : 1`), the same in the CLI, Rust
//! and JavaScript.
//!
//! A rule is parsed and type-checked once against a catalogue's attributes ([`Rule::compile`]),
//! then bound to a request's parameters (`$category`) and time, and evaluated per candidate
//! inside the top-k selection.
//!
//! The language, loosest binding first: `c ? a : b`; `||`; `&&`; `== != < <= > >=` and
//! `in` (a string in a set attribute or a list: `"red" in colors`, `brand in ["a", "b"]`,
//! `category in $wanted`); `+ -`; `* /`; unary `! -`. Values: numbers (`0.3`, `1e3`), strings in
//! double or single quotes, `true`/`false`, durations (`30s 15m 12h 14d 2w`), `now`, attribute
//! names (`` `unit price` `` for a name with spaces), parameters (`$name`, typed by where they
//! are used) and `has(attribute)`. Times subtract to durations and add durations. Missing values
//! follow three-valued logic: a comparison with a missing value is unknown (except `!=`, which is
//! true), `&&`/`||` are Kleene's, an unknown condition takes the `:` branch, an unknown filter is
//! false and an unknown boost is 1.

mod check;
mod eval;
mod parse;

pub use check::Ty;
pub use parse::{MAX_DEPTH, MAX_LEN};

use crate::error::{Error, Result};
use crate::recs::attributes::Attributes;
use check::{Checker, Node};
use eval::{Env, V};

/// What a rule computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// True/false: which items may be shown.
    Filter,
    /// A positive number multiplying an item's score.
    Boost,
}

impl RuleKind {
    /// `"filter"` or `"boost"`.
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Filter => "filter",
            RuleKind::Boost => "boost",
        }
    }
}

/// A syntax or type error at a byte position of the rule's text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuleError {
    pub pos: usize,
    pub message: String,
}

impl RuleError {
    pub(crate) fn at(pos: usize, message: impl Into<String>) -> Self {
        Self { pos, message: message.into() }
    }
    fn into_error(self, kind: RuleKind, text: &str) -> Error {
        let pos = self.pos.min(text.len());
        let column = text.get(..pos).map_or(pos, |s| s.chars().count()) + 1;
        Error::Rule { kind: kind.name().into(), rule: text.chars().take(200).collect(), column, message: self.message }
    }
}

/// A value given for a rule parameter (`$category`). Times and durations are numbers of seconds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A number (or a time or duration, in seconds).
    Num(f64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
    /// A list of strings (for `x in $list`).
    List(Vec<String>),
}

impl ParamValue {
    fn ty_name(&self) -> &'static str {
        match self {
            ParamValue::Num(_) => "a number",
            ParamValue::Bool(_) => "true/false",
            ParamValue::Str(_) => "a string",
            ParamValue::List(_) => "a list of strings",
        }
    }
    fn fits(&self, t: Ty) -> bool {
        matches!(
            (self, t),
            (ParamValue::Num(_), Ty::Num | Ty::Time | Ty::Dur)
                | (ParamValue::Bool(_), Ty::Bool)
                | (ParamValue::Str(_), Ty::Str)
                | (ParamValue::List(_), Ty::List)
        )
    }
}

/// A parsed, type-checked rule: reusable for every request against the same catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    text: String,
    kind: RuleKind,
    node: Node,
    params: Vec<(String, Ty)>,
}

impl Rule {
    /// Parses `text` and checks it against `attrs`: syntax errors, unknown attributes and type
    /// errors are [`Error::Rule`] with the column; a filter must be true/false and a boost a number.
    pub fn compile(text: &str, kind: RuleKind, attrs: &Attributes) -> Result<Self> {
        let fail = |e: RuleError| e.into_error(kind, text);
        let tree = parse::parse(text).map_err(fail)?;
        let want = match kind {
            RuleKind::Filter => Ty::Bool,
            RuleKind::Boost => Ty::Num,
        };
        let mut checker = Checker { attrs, params: Vec::new() };
        let (node, ty) = checker.check(&tree, Some(want)).map_err(fail)?;
        if ty != want {
            let m = format!("a {} must give {}, this rule gives {}", kind.name(), want.name(), ty.name());
            return Err(fail(RuleError::at(0, m)));
        }
        Ok(Self { text: text.to_string(), kind, node, params: checker.params })
    }
    /// The rule's text.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// Filter or boost.
    pub fn kind(&self) -> RuleKind {
        self.kind
    }
    /// The parameters the rule needs, with their types, in order of first use.
    pub fn params(&self) -> impl Iterator<Item = (&str, Ty)> + '_ {
        self.params.iter().map(|(n, t)| (n.as_str(), *t))
    }
    /// The rule with `params` and the time `now` (seconds since the epoch) filled in. A
    /// parameter the rule needs that is absent or of the wrong type is an error.
    pub fn bind<'a>(&'a self, attrs: &'a Attributes, params: &[(String, ParamValue)], now: f64) -> Result<Bound<'a>> {
        let mut values = Vec::with_capacity(self.params.len());
        for (name, ty) in &self.params {
            let v = params.iter().find(|(n, _)| n == name).map(|(_, v)| v).ok_or_else(|| {
                Error::param(
                    format!("${name}"),
                    "missing",
                    format!("the {} rule uses it: pass it in params", self.kind.name()),
                )
            })?;
            if !v.fits(*ty) {
                return Err(Error::param(
                    format!("${name}"),
                    v.ty_name(),
                    format!("the rule uses it as {}", ty.name()),
                ));
            }
            values.push(v.clone());
        }
        Ok(Bound { node: &self.node, attrs, values, now })
    }
}

/// A rule bound to one request's parameters.
#[derive(Debug)]
pub struct Bound<'a> {
    node: &'a Node,
    attrs: &'a Attributes,
    values: Vec<ParamValue>,
    now: f64,
}

impl Bound<'_> {
    fn env(&self) -> Env<'_> {
        Env { attrs: self.attrs, params: &self.values, now: self.now }
    }
    /// Whether item `i` passes a filter (an unknown result does not).
    pub fn passes(&self, i: u32) -> bool {
        matches!(self.env().eval(self.node, i as usize), V::Bool(true))
    }
    /// Item `i`'s boost: the rule's number, 1 when it is missing; `None` when it is not a
    /// positive finite number (such an item is ranked after every boosted one).
    pub fn boost(&self, i: u32) -> Option<f64> {
        match self.env().eval(self.node, i as usize) {
            V::Num(b) if b > 0.0 && b.is_finite() => Some(b),
            V::Num(_) => None,
            _ => Some(1.0),
        }
    }
    /// The largest boost any item can get (∞ when it cannot be bounded).
    pub fn max_boost(&self) -> f64 {
        self.env().bounds(self.node).1.max(1.0)
    }
}

#[cfg(test)]
mod tests;
