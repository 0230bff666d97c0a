//! `attrs`: the catalogue's typed attributes, written and read side by side. Per attribute:
//! its name, type code, then the values: numbers as an `f32` dictionary when every value is an
//! exact `f32` (else plain `f64`), booleans a byte each, strings and sets a dictionary plus codes
//! one, two or four bytes wide (whichever the dictionary needs; the dictionary's size stands for
//! a missing string). Context: the item count.

use super::codec::{Reader, Writer};
use super::section::Section;
use crate::error::{Error, Result};
use crate::recs::attributes::{AttrType, Attribute, Attributes, Column, NO_CODE};

/// Largest number of attributes a bundle may declare.
const MAX_ATTRIBUTES: usize = 1024;

pub(crate) struct AttrsSection;

impl Section for AttrsSection {
    type Value = Attributes;
    const NAME: &'static str = "attrs";
    type Context = usize;
    fn write(v: &Self::Value, w: &mut Writer) {
        w.len(v.all().len());
        for a in v.all() {
            w.short_str(a.name());
            w.u8(a.ty().code());
            match a.column() {
                Column::Number(x) => write_numbers(w, x),
                Column::Bool(x) => {
                    w.len(x.len());
                    w.raw(x);
                }
                Column::String { dict, codes } => {
                    write_dict(w, dict);
                    write_codes(w, codes, dict.len());
                }
                Column::Set { dict, ends, codes } => {
                    write_dict(w, dict);
                    w.u32s(ends);
                    write_codes(w, codes, dict.len());
                }
            }
        }
    }
    fn read(r: &mut Reader<'_>, n: usize) -> Result<Self::Value> {
        let count = r.len(2, "attribute count")?;
        if count > MAX_ATTRIBUTES {
            return Err(Error::Corrupt(format!("{count} attributes (at most {MAX_ATTRIBUTES})")));
        }
        let mut attrs = Vec::with_capacity(count);
        for _ in 0..count {
            let name = r.short_str_ref("attribute name")?.to_string();
            let code = r.u8("attribute type")?;
            let ty = AttrType::from_code(code)
                .ok_or_else(|| Error::Corrupt(format!("attribute '{name}' has unknown type {code}")))?;
            let column = match ty {
                AttrType::Number | AttrType::Time => Column::Number(read_numbers(r)?),
                AttrType::Bool => {
                    let len = r.len(1, "booleans")?;
                    Column::Bool(r.take(len, "booleans")?.to_vec())
                }
                AttrType::String => {
                    let dict = read_dict(r)?;
                    let codes = read_codes(r, dict.len())?;
                    Column::String { dict, codes }
                }
                AttrType::Set => {
                    let dict = read_dict(r)?;
                    let ends = r.u32s("set ends")?;
                    let codes = read_codes(r, dict.len())?;
                    if codes.contains(&NO_CODE) {
                        return Err(Error::Corrupt(format!("set attribute '{name}' has a missing code")));
                    }
                    Column::Set { dict, ends, codes }
                }
            };
            attrs.push(Attribute::new(name, ty, column)?);
        }
        Attributes::new(n, attrs).map_err(|e| Error::Corrupt(format!("attributes: {e}")))
    }
}

fn write_numbers(w: &mut Writer, x: &[f64]) {
    let narrow: Vec<f32> = x.iter().map(|v| *v as f32).collect();
    if x.iter().zip(&narrow).all(|(a, b)| *b as f64 == *a || a.is_nan()) {
        w.u8(0);
        w.f32s_dict(&narrow);
    } else {
        w.u8(1);
        w.len(x.len());
        x.iter().for_each(|v| w.f64(*v));
    }
}

fn read_numbers(r: &mut Reader<'_>) -> Result<Vec<f64>> {
    match r.u8("number encoding")? {
        0 => Ok(r.f32s_dict("numbers")?.into_iter().map(f64::from).collect()),
        1 => {
            let n = r.len(8, "numbers")?;
            (0..n).map(|_| r.f64("number")).collect()
        }
        e => Err(Error::Corrupt(format!("unknown number encoding {e}"))),
    }
}

fn write_dict(w: &mut Writer, dict: &[String]) {
    w.len(dict.len());
    dict.iter().for_each(|s| w.short_str(s));
}

fn read_dict(r: &mut Reader<'_>) -> Result<Vec<String>> {
    let n = r.len(1, "dictionary size")?;
    (0..n).map(|_| r.short_str_ref("dictionary value").map(str::to_string)).collect()
}

/// Codes as narrow as the dictionary allows; `missing` (the dictionary size) for [`NO_CODE`].
fn write_codes(w: &mut Writer, codes: &[u32], missing: usize) {
    let width = match missing {
        m if m < 0xff => 1,
        m if m < 0xffff => 2,
        _ => 4,
    };
    w.u8(width as u8);
    w.len(codes.len());
    for c in codes {
        let c = if *c == NO_CODE { missing as u32 } else { *c };
        w.raw(&c.to_le_bytes()[..width]);
    }
}

fn read_codes(r: &mut Reader<'_>, missing: usize) -> Result<Vec<u32>> {
    let width = r.u8("code width")? as usize;
    if !matches!(width, 1 | 2 | 4) {
        return Err(Error::Corrupt(format!("code width {width}")));
    }
    let n = r.len(width, "codes")?;
    let raw = r.take(n * width, "codes")?;
    Ok(raw
        .chunks_exact(width)
        .map(|b| {
            let mut word = [0u8; 4];
            word[..width].copy_from_slice(b);
            match u32::from_le_bytes(word) {
                c if c as usize == missing => NO_CODE,
                c => c,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::section::round_trip;

    #[test]
    fn every_attribute_type_round_trips() {
        let dict = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let many: Vec<String> = (0..300).map(|i| format!("c{i}")).collect();
        let attrs = Attributes::new(
            3,
            vec![
                Attribute::new("price", AttrType::Number, Column::Number(vec![1.5, f64::NAN, 2.0])).unwrap(),
                Attribute::new("exact", AttrType::Number, Column::Number(vec![0.1, 1e300, -3.0])).unwrap(),
                Attribute::new("created", AttrType::Time, Column::Number(vec![1.7e9 + 1.0, 0.0, f64::NAN])).unwrap(),
                Attribute::new("in_stock", AttrType::Bool, Column::Bool(vec![1, 0, 2])).unwrap(),
                Attribute::new(
                    "category",
                    AttrType::String,
                    Column::String { dict: dict(&["a", "é"]), codes: vec![1, NO_CODE, 0] },
                )
                .unwrap(),
                Attribute::new(
                    "wide",
                    AttrType::String,
                    Column::String { dict: many.clone(), codes: vec![299, 0, NO_CODE] },
                )
                .unwrap(),
                Attribute::new(
                    "tags",
                    AttrType::Set,
                    Column::Set { dict: dict(&["x", "y"]), ends: vec![0, 2, 3], codes: vec![0, 1, 1] },
                )
                .unwrap(),
            ],
        )
        .unwrap();
        let back = round_trip::<AttrsSection>(&attrs, 3);
        // NaN != NaN: compare through the accessors.
        assert_eq!(back.all().len(), attrs.all().len());
        for (a, b) in attrs.all().iter().zip(back.all()) {
            assert_eq!((a.name(), a.ty()), (b.name(), b.ty()));
            for i in 0..3 {
                assert_eq!(a.value(i), b.value(i), "{} item {i}", a.name());
            }
        }
    }
}
