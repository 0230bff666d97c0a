//! Typed catalogue attributes (stock, margin, category, tags, dates, image URLs…): the values
//! merchandising rules read on the device. Catalogue data only, never user data.
//!
//! Strings are dictionary-coded (each distinct value stored once, a code per item), so a
//! 100k-item catalogue with a dozen categories costs a byte or two per item.

use crate::error::{Error, Result};

/// An attribute's type, as rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// A number (price, margin, stock count).
    Number,
    /// `true` / `false` (in stock).
    Bool,
    /// One string (category, brand, image URL).
    String,
    /// A set of strings (tags `a|b|c`).
    Set,
    /// A point in time (seconds since 1970-01-01 UTC; created at).
    Time,
}

impl AttrType {
    /// The name used in messages, in `--catalog-cols` and in the bundle's metadata.
    pub fn name(self) -> &'static str {
        match self {
            AttrType::Number => "number",
            AttrType::Bool => "bool",
            AttrType::String => "string",
            AttrType::Set => "set",
            AttrType::Time => "time",
        }
    }
    /// The type called `name` ([`AttrType::name`]).
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        [AttrType::Number, AttrType::Bool, AttrType::String, AttrType::Set, AttrType::Time]
            .into_iter()
            .find(|t| t.name() == name)
    }
    pub(crate) fn code(self) -> u8 {
        self as u8
    }
    pub(crate) fn from_code(c: u8) -> Option<Self> {
        [AttrType::Number, AttrType::Bool, AttrType::String, AttrType::Set, AttrType::Time].get(c as usize).copied()
    }
}

/// Code of a missing string value.
pub(crate) const NO_CODE: u32 = u32::MAX;

/// One attribute's values for every item.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numbers (`NaN` where missing); also times, in seconds since the epoch.
    Number(Vec<f64>),
    /// 0 false, 1 true, 2 missing.
    Bool(Vec<u8>),
    /// Dictionary and one code per item ([`u32::MAX`] where missing).
    String {
        /// Distinct values.
        dict: Vec<String>,
        /// Index into `dict` per item.
        codes: Vec<u32>,
    },
    /// Dictionary and, per item, a run of codes: item `i`'s are `codes[ends[i-1]..ends[i]]`.
    Set {
        /// Distinct values.
        dict: Vec<String>,
        /// Where each item's run of codes ends.
        ends: Vec<u32>,
        /// Indices into `dict`.
        codes: Vec<u32>,
    },
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Number(v) => v.len(),
            Column::Bool(v) => v.len(),
            Column::String { codes, .. } => codes.len(),
            Column::Set { ends, .. } => ends.len(),
        }
    }
}

/// One named attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    name: String,
    ty: AttrType,
    column: Column,
    /// Smallest and largest number (numbers and times), for bounding boosts.
    range: (f64, f64),
}

impl Attribute {
    /// An attribute; the column must suit the type (numbers for `Number`/`Time`, and so on) and
    /// every code must be in its dictionary.
    pub fn new(name: impl Into<String>, ty: AttrType, column: Column) -> Result<Self> {
        let name = name.into();
        let fits = matches!(
            (ty, &column),
            (AttrType::Number | AttrType::Time, Column::Number(_))
                | (AttrType::Bool, Column::Bool(_))
                | (AttrType::String, Column::String { .. })
                | (AttrType::Set, Column::Set { .. })
        );
        if !fits || name.is_empty() {
            return Err(Error::Corrupt(format!(
                "attribute '{name}' of type {} has the wrong kind of values",
                ty.name()
            )));
        }
        let bad = |what: &str| Err(Error::Corrupt(format!("attribute '{name}': {what}")));
        match &column {
            Column::Bool(v) if v.iter().any(|b| *b > 2) => return bad("boolean code out of range"),
            Column::String { dict, codes } if codes.iter().any(|c| *c != NO_CODE && *c as usize >= dict.len()) => {
                return bad("string code out of range")
            }
            Column::Set { dict, ends, codes } => {
                if codes.iter().any(|c| *c as usize >= dict.len()) {
                    return bad("set code out of range");
                }
                if ends.windows(2).any(|w| w[0] > w[1]) || ends.last().is_some_and(|e| *e as usize != codes.len()) {
                    return bad("set runs out of order");
                }
            }
            _ => {}
        }
        let range = match &column {
            Column::Number(v) => v
                .iter()
                .filter(|x| !x.is_nan())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(*x), hi.max(*x))),
            _ => (f64::NEG_INFINITY, f64::INFINITY),
        };
        Ok(Self { name, ty, column, range })
    }
    /// The attribute's name (the catalogue column it came from).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its type.
    pub fn ty(&self) -> AttrType {
        self.ty
    }
    /// Its values.
    pub fn column(&self) -> &Column {
        &self.column
    }
    /// Smallest and largest value of a number or time attribute (±∞ for others; an empty range,
    /// `(∞, −∞)`, when every value is missing).
    pub fn range(&self) -> (f64, f64) {
        self.range
    }
    /// Item `i`'s number or time (`None` when missing or not a number).
    pub fn number(&self, i: usize) -> Option<f64> {
        match &self.column {
            Column::Number(v) => Some(v[i]).filter(|x| !x.is_nan()),
            _ => None,
        }
    }
    /// Item `i`'s boolean.
    pub fn bool(&self, i: usize) -> Option<bool> {
        match &self.column {
            Column::Bool(v) if v[i] < 2 => Some(v[i] == 1),
            _ => None,
        }
    }
    /// Item `i`'s string.
    pub fn string(&self, i: usize) -> Option<&str> {
        match &self.column {
            Column::String { dict, codes } => dict.get(codes[i] as usize).map(String::as_str),
            _ => None,
        }
    }
    /// Item `i`'s set (empty when missing).
    pub fn set(&self, i: usize) -> impl Iterator<Item = &str> + '_ {
        let (dict, run): (&[String], &[u32]) = match &self.column {
            Column::Set { dict, ends, codes } => {
                let start = if i == 0 { 0 } else { ends[i - 1] as usize };
                (dict, &codes[start..ends[i] as usize])
            }
            _ => (&[], &[]),
        };
        run.iter().map(move |c| dict[*c as usize].as_str())
    }
    /// A grouping key for item `i` (`None` when missing): the string code, the boolean, or the
    /// number's bits. Sets have none.
    pub(crate) fn group_key(&self, i: usize) -> Option<u64> {
        match &self.column {
            Column::Number(v) => Some(v[i]).filter(|x| !x.is_nan()).map(|x| x.to_bits()),
            Column::Bool(v) => Some(v[i] as u64).filter(|b| *b < 2),
            Column::String { codes, .. } => Some(codes[i] as u64).filter(|c| *c != NO_CODE as u64),
            Column::Set { .. } => None,
        }
    }
    /// Item `i`'s value, for display (`None` when missing).
    pub fn value(&self, i: usize) -> Option<AttrValue> {
        match self.ty {
            AttrType::Number | AttrType::Time => self.number(i).map(AttrValue::Number),
            AttrType::Bool => self.bool(i).map(AttrValue::Bool),
            AttrType::String => self.string(i).map(|s| AttrValue::String(s.to_string())),
            AttrType::Set => Some(AttrValue::Set(self.set(i).map(str::to_string).collect())),
        }
    }
}

/// One item's value of one attribute, for display and serialisation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum AttrValue {
    /// A number or a time (seconds since the epoch).
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// A string.
    String(String),
    /// A set of strings.
    Set(Vec<String>),
}

/// Every attribute of a catalogue, each with one value per item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attributes {
    n: usize,
    attrs: Vec<Attribute>,
}

impl Attributes {
    /// No attributes (a catalogue without `--catalog`): every rule naming one is refused.
    pub(crate) const EMPTY: Attributes = Attributes { n: 0, attrs: Vec::new() };

    /// Attributes for `n` items; each must have `n` values and a distinct name.
    pub fn new(n: usize, attrs: Vec<Attribute>) -> Result<Self> {
        for (j, a) in attrs.iter().enumerate() {
            if a.column.len() != n {
                return Err(Error::shape(format!("values of attribute '{}'", a.name), n, a.column.len()));
            }
            if attrs[..j].iter().any(|b| b.name == a.name) {
                return Err(Error::Corrupt(format!("attribute '{}' appears twice", a.name)));
            }
        }
        Ok(Self { n, attrs })
    }
    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.n
    }
    /// The attributes, in catalogue column order.
    pub fn all(&self) -> &[Attribute] {
        &self.attrs
    }
    /// The attribute called `name`, with its position.
    pub fn find(&self, name: &str) -> Option<(usize, &Attribute)> {
        self.attrs.iter().enumerate().find(|(_, a)| a.name == name)
    }
    /// The attribute at `index` (from [`Attributes::find`]).
    pub fn get(&self, index: usize) -> &Attribute {
        &self.attrs[index]
    }
    /// The names, comma-separated, for messages.
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.attrs.iter().map(|a| a.name.as_str()).collect();
        if names.is_empty() {
            "none: train with --catalog".into()
        } else {
            names.join(", ")
        }
    }
}
