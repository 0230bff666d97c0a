//! JS session logs (`SessionTracker.toJSON()`, or a tracker itself) → [`SessionLog`]: types
//! checked, each wrong one a `TypeError` naming its place (`log.pages[2].seconds`). Values are
//! checked by [`SessionLog::check`], the same as the CLI's.

use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};

use super::convert::{get, type_error, Thrown};
use crate::propensity::Value;
use crate::session::{PageView, SessionLog, MAX_PAGES};

fn absent(v: &JsValue) -> bool {
    v.is_null() || v.is_undefined()
}

fn number(v: &JsValue, at: &str) -> Result<f64, Thrown> {
    v.as_f64().ok_or_else(|| type_error(at, "a number", v))
}

fn optional_number(v: &JsValue, at: &str) -> Result<Option<f64>, Thrown> {
    if absent(v) {
        Ok(None)
    } else {
        number(v, at).map(Some)
    }
}

fn count(v: &JsValue, at: &str) -> Result<u32, Thrown> {
    match v.as_f64() {
        None if absent(v) => Ok(0),
        Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => Ok(n as u32),
        _ => Err(type_error(at, "a whole number >= 0", v)),
    }
}

/// A session log from a plain object, or from anything with a `toJSON()` method (a tracker).
pub fn session_log(arg: &JsValue, name: &str) -> Result<SessionLog, Thrown> {
    // Only objects have properties to read (`Reflect.get` throws on anything else).
    let to_json = if arg.is_object() { get(arg, "toJSON")? } else { JsValue::UNDEFINED };
    let v = match to_json.dyn_ref::<Function>() {
        Some(f) => f.call0(arg).map_err(Thrown::from_js)?,
        None => arg.clone(),
    };
    if !v.is_object() || Array::is_array(&v) {
        return Err(type_error(name, "a session log (SessionTracker.toJSON()) or a SessionTracker", &v));
    }
    let pages = get(&v, "pages")?;
    let pages = pages.dyn_ref::<Array>().ok_or_else(|| type_error(&format!("{name}.pages"), "an array", &pages))?;
    if pages.length() as usize > MAX_PAGES {
        return Err(type_error(&format!("{name}.pages"), "an array of at most 1,000 page views", &pages.into()));
    }
    let views = pages
        .iter()
        .enumerate()
        .map(|(i, p)| page_view(&p, &format!("{name}.pages[{i}]")))
        .collect::<Result<_, _>>()?;
    let returning = get(&v, "returning")?;
    let log = SessionLog {
        start_ms: number(&get(&v, "start")?, &format!("{name}.start"))?,
        utc_offset_minutes: optional_number(&get(&v, "utcOffset")?, &format!("{name}.utcOffset"))?.unwrap_or(0.0),
        returning: match returning.as_bool() {
            Some(b) => Some(b),
            None if absent(&returning) => None,
            None => return Err(type_error(&format!("{name}.returning"), "true, false or null", &returning)),
        },
        pages: views,
        cart_adds: count(&get(&v, "cartAdds")?, &format!("{name}.cartAdds"))?,
        purchases: count(&get(&v, "purchases")?, &format!("{name}.purchases"))?,
        values: supplied(&get(&v, "values")?, &format!("{name}.values"))?,
    };
    Ok(log)
}

fn page_view(p: &JsValue, at: &str) -> Result<PageView, Thrown> {
    if !p.is_object() {
        return Err(type_error(at, "an object", p));
    }
    let kind = get(p, "type")?;
    let id = get(p, "id")?;
    let stat = |k: &str| optional_number(&get(p, k)?, &format!("{at}.{k}"));
    Ok(PageView {
        kind: kind.as_string().ok_or_else(|| type_error(&format!("{at}.type"), "a string", &kind))?,
        id: match id.as_string() {
            Some(s) => Some(s),
            None if absent(&id) => None,
            None => return Err(type_error(&format!("{at}.id"), "a string or null", &id)),
        },
        seconds: number(&get(p, "seconds")?, &format!("{at}.seconds"))?,
        stat: [stat("bounceRate")?, stat("exitRate")?, stat("value")?],
    })
}

/// The page's values: a plain object of field values, read as a propensity record is.
fn supplied(v: &JsValue, at: &str) -> Result<Vec<(String, Value)>, Thrown> {
    if absent(v) {
        return Ok(Vec::new());
    }
    super::propensity::record(v, at)
}
