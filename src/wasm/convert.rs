//! JS value ↔ Rust conversions with errors that name the offending argument and value.

use js_sys::{Array, ArrayBuffer, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsError, JsValue};

use crate::recs::{Promote, RecommendOptions};
use crate::rules::ParamValue;

/// Maps any displayable error to a JS `Error` carrying its message.
pub fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// What an exported function throws: a `TypeError` when an argument has the wrong type, an `Error`
/// for everything else (every [`JsError`] converts into it, so `?` works on both).
#[derive(Debug)]
pub struct Thrown(JsValue);

impl Thrown {
    /// Passes on what JS code called from Rust threw.
    pub fn from_js(v: JsValue) -> Self {
        Thrown(v)
    }
}

impl From<JsError> for Thrown {
    fn from(e: JsError) -> Self {
        Thrown(e.into())
    }
}

impl From<Thrown> for JsValue {
    fn from(t: Thrown) -> Self {
        t.0
    }
}

/// A `TypeError`: `param` must be `expected`, naming the type it got (and the value, for a number
/// or a boolean).
pub fn type_error(param: &str, expected: &str, got: &JsValue) -> Thrown {
    let value = match (got.as_bool(), got.as_f64()) {
        (Some(b), _) => format!(" ({b})"),
        (_, Some(_)) => format!(" ({})", describe(got)),
        _ => String::new(),
    };
    Thrown(js_sys::TypeError::new(&format!("{param} must be {expected}, got {}{value}", type_name(got))).into())
}

/// The JS type of a value for messages: `number`, `object`, `array`, `null`, …
pub fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if Array::is_array(v) {
        "an array".into()
    } else {
        v.js_typeof().as_string().unwrap_or_else(|| "a value".into())
    }
}

/// A string argument, or a `TypeError` naming `param`.
pub fn string_arg(v: &JsValue, param: &str) -> Result<String, Thrown> {
    v.as_string().ok_or_else(|| type_error(param, "a string", v))
}

/// An array of item id strings, or a `TypeError` naming `param` (and the index of a non-string).
pub fn id_list(v: &JsValue, param: &str) -> Result<Vec<String>, Thrown> {
    let arr = v.dyn_ref::<Array>().ok_or_else(|| type_error(param, "an array of item ids", v))?;
    arr.iter()
        .enumerate()
        .map(|(i, e)| e.as_string().ok_or_else(|| type_error(&format!("{param}[{i}]"), "a string", &e)))
        .collect()
}

/// Bundle bytes: a `Uint8Array` (a Node `Buffer` is one), an `ArrayBuffer` or any other
/// `ArrayBuffer` view; anything else is a `TypeError` naming `param`.
pub fn bytes_arg(v: &JsValue, param: &str) -> Result<Vec<u8>, Thrown> {
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Ok(a.to_vec());
    }
    if let Some(b) = v.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(b).to_vec());
    }
    if ArrayBuffer::is_view(v) {
        let view: &js_sys::DataView = v.unchecked_ref(); // every view has buffer, byteOffset, byteLength
        let bytes = Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset() as u32,
            view.byte_length() as u32,
        );
        return Ok(bytes.to_vec());
    }
    Err(type_error(param, "a Uint8Array or an ArrayBuffer", v))
}

/// A short description of a JS value for error messages.
pub fn describe(v: &JsValue) -> String {
    if let Some(s) = v.as_string() {
        crate::error::Quoted(&s).to_string()
    } else if let Some(n) = v.as_f64() {
        crate::num_text::Num(n).to_string()
    } else if v.is_null() {
        "null".into()
    } else if v.is_undefined() {
        "undefined".into()
    } else {
        v.js_typeof().as_string().unwrap_or_else(|| "a value".into())
    }
}

/// `obj[key]`; a getter that throws is an error naming the property.
pub(super) fn get(obj: &JsValue, key: &str) -> Result<JsValue, JsError> {
    Reflect::get(obj, &JsValue::from_str(key)).map_err(|_| JsError::new(&format!("cannot read property '{key}'")))
}

/// A history: an array of item ids, or of `{ item, weight? }` objects.
pub fn history(v: &JsValue) -> Result<Vec<(String, f32)>, JsError> {
    let arr = v.dyn_ref::<Array>().ok_or_else(|| {
        JsError::new(&format!(
            "history must be an array of item ids or {{ item, weight }} objects, got {}",
            describe(v)
        ))
    })?;
    let mut out = Vec::with_capacity(arr.length() as usize);
    for (i, e) in arr.iter().enumerate() {
        if let Some(s) = e.as_string() {
            out.push((s, 1.0));
            continue;
        }
        if e.is_object() {
            let item = get(&e, "item")?
                .as_string()
                .ok_or_else(|| JsError::new(&format!("history[{i}].item must be a string")))?;
            let w = get(&e, "weight")?;
            let weight = if w.is_undefined() || w.is_null() {
                1.0
            } else {
                w.as_f64().ok_or_else(|| {
                    JsError::new(&format!("history[{i}].weight must be a number, got {}", describe(&w)))
                })? as f32
            };
            out.push((item, weight));
            continue;
        }
        return Err(JsError::new(&format!(
            "history[{i}] must be an item id string or {{ item, weight }}, got {}",
            describe(&e)
        )));
    }
    Ok(out)
}

fn string_list(v: &JsValue, name: &str) -> Result<Vec<String>, JsError> {
    let arr = v
        .dyn_ref::<Array>()
        .ok_or_else(|| JsError::new(&format!("options.{name} must be an array of item ids, got {}", describe(v))))?;
    arr.iter()
        .enumerate()
        .map(|(i, e)| {
            e.as_string()
                .ok_or_else(|| JsError::new(&format!("options.{name}[{i}] must be a string, got {}", describe(&e))))
        })
        .collect()
}

/// `k` from an options object: a whole number in 1..=1000, default 10.
pub fn k(opts: &JsValue) -> Result<usize, JsError> {
    if opts.is_undefined() || opts.is_null() {
        return Ok(10);
    }
    let v = get(opts, "k")?;
    if v.is_undefined() {
        return Ok(10);
    }
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && (1.0..=crate::recs::MAX_K as f64).contains(&n) => Ok(n as usize),
        _ => Err(JsError::new(&format!(
            "options.k must be a whole number from 1 to {}, got {}",
            crate::recs::MAX_K,
            describe(&v)
        ))),
    }
}

/// Recommendation options: `{ k?, exclude?, includeOnly?, includeHistory?, filter?, boost?,
/// params?, now?, maxPerGroup?, promote?, reasons? }`. `now` defaults to this device's clock.
pub fn options(opts: &JsValue) -> Result<RecommendOptions, JsError> {
    let mut o = RecommendOptions::top(k(opts)?);
    o.now = Some(js_sys::Date::now() / 1000.0);
    if opts.is_undefined() || opts.is_null() {
        return Ok(o);
    }
    if !opts.is_object() {
        return Err(JsError::new(&format!("options must be an object, got {}", describe(opts))));
    }
    let ex = get(opts, "exclude")?;
    if !ex.is_undefined() {
        o.exclude = string_list(&ex, "exclude")?;
    }
    let only = get(opts, "includeOnly")?;
    if !only.is_undefined() {
        o.include_only = Some(string_list(&only, "includeOnly")?);
    }
    o.include_history = flag(opts, "includeHistory")?;
    o.reasons = flag(opts, "reasons")?;
    o.filter = rule_text(&get(opts, "filter")?, "filter")?;
    o.boost = rule_text(&get(opts, "boost")?, "boost")?;
    let params = get(opts, "params")?;
    if !params.is_undefined() {
        o.params = rule_params(&params)?;
    }
    let now = get(opts, "now")?;
    if !now.is_undefined() {
        let ms = match now.dyn_ref::<js_sys::Date>() {
            Some(d) => d.get_time(),
            None => now.as_f64().filter(|t| t.is_finite()).ok_or_else(|| {
                JsError::new(&format!("options.now must be a Date or milliseconds since 1970, got {}", describe(&now)))
            })?,
        };
        o.now = Some(ms / 1000.0);
    }
    let group = get(opts, "maxPerGroup")?;
    if !group.is_undefined() {
        let attr = get(&group, "attribute")?.as_string();
        let n = get(&group, "n")?.as_f64().filter(|n| n.fract() == 0.0 && *n >= 1.0 && *n <= 1e6);
        match (attr, n) {
            (Some(a), Some(n)) => o.max_per_group = Some((a, n as usize)),
            _ => return Err(JsError::new("options.maxPerGroup must be { attribute: string, n: whole number ≥ 1 }")),
        }
    }
    if let Some(d) = number(opts, "diversity", "diversity", "a number in [0, 1]")? {
        o.diversity = d as f32;
    }
    let rotation = get(opts, "rotation")?;
    if !rotation.is_undefined() {
        let list = get(&rotation, "impressions")?;
        let arr = list.dyn_ref::<Array>().ok_or_else(|| {
            JsError::new("options.rotation.impressions must be an array of { item, count } (Profile.impressions())")
        })?;
        for (i, e) in arr.iter().enumerate() {
            match (get(&e, "item")?.as_string(), get(&e, "count")?.as_f64()) {
                (Some(item), Some(n)) => o.impressions.push((item, n as f32)),
                _ => return Err(JsError::new(&format!("options.rotation.impressions[{i}] must be {{ item, count }}"))),
            }
        }
        if let Some(h) = number(&rotation, "halfLife", "rotation.halfLife", "a number")? {
            o.rotation_half_life = h as f32;
        }
    }
    o.explore = number(opts, "explore", "explore", "a number in (0, 1]")?;
    let promote = get(opts, "promote")?;
    if !promote.is_undefined() {
        let filter = rule_text(&get(&promote, "filter")?, "promote.filter")?;
        let share = get(&promote, "share")?.as_f64();
        match (filter, share) {
            (Some(filter), Some(share)) => o.promote = Some(Promote { filter, share }),
            _ => return Err(JsError::new("options.promote must be { filter: rule, share: number in (0, 1] }")),
        }
    }
    Ok(o)
}

/// A number option (`options.{name}`, read from `obj[key]`): `None` when absent, an error
/// saying it must be `expected` for anything but a number.
fn number(obj: &JsValue, key: &str, name: &str, expected: &str) -> Result<Option<f64>, JsError> {
    let v = get(obj, key)?;
    if v.is_undefined() {
        return Ok(None);
    }
    v.as_f64()
        .map(Some)
        .ok_or_else(|| JsError::new(&format!("options.{name} must be {expected}, got {}", describe(&v))))
}

/// A boolean option, false when absent.
fn flag(opts: &JsValue, key: &str) -> Result<bool, JsError> {
    let v = get(opts, key)?;
    if v.is_undefined() {
        return Ok(false);
    }
    v.as_bool().ok_or_else(|| JsError::new(&format!("options.{key} must be a boolean, got {}", describe(&v))))
}

/// A rule: its text, or a compiled rule object (`rec.compile(…)`, which carries its text).
fn rule_text(v: &JsValue, name: &str) -> Result<Option<String>, JsError> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if let Some(s) = v.as_string() {
        return Ok(Some(s));
    }
    if v.is_object() {
        if let Some(s) = get(v, "rule")?.as_string() {
            return Ok(Some(s));
        }
    }
    Err(JsError::new(&format!("options.{name} must be a rule string or a compiled rule, got {}", describe(v))))
}

/// `params`: an object of numbers, booleans, strings and arrays of strings.
fn rule_params(v: &JsValue) -> Result<Vec<(String, ParamValue)>, JsError> {
    let obj = v
        .dyn_ref::<js_sys::Object>()
        .filter(|_| !Array::is_array(v))
        .ok_or_else(|| JsError::new(&format!("options.params must be an object, got {}", describe(v))))?;
    let mut out = Vec::new();
    for entry in js_sys::Object::entries(obj).iter() {
        let pair: Array = entry.unchecked_into();
        let name = pair.get(0).as_string().unwrap_or_default();
        let value = pair.get(1);
        let p = if let Some(n) = value.as_f64() {
            ParamValue::Num(n)
        } else if let Some(b) = value.as_bool() {
            ParamValue::Bool(b)
        } else if let Some(s) = value.as_string() {
            ParamValue::Str(s)
        } else if Array::is_array(&value) {
            ParamValue::List(string_list(&value, &format!("params.{name}"))?)
        } else {
            return Err(JsError::new(&format!(
                "options.params.{name} must be a number, boolean, string or array of strings, got {}",
                describe(&value)
            )));
        };
        out.push((name, p));
    }
    Ok(out)
}
