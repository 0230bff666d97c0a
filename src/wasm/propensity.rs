//! `Propensity` for JavaScript: a thin wrapper over [`crate::propensity::Propensity`].

use js_sys::{Array, Float64Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::convert::{js_err, Thrown};
use super::results::ToJs;
use crate::propensity::{self, borrowed, Value};

/// A purchase-propensity model loaded from a bundle. Records are scored on this device.
#[wasm_bindgen]
pub struct Propensity {
    inner: propensity::Propensity,
}

/// Converts a plain JS object into `(field, value)` pairs; rejects values that are not
/// numbers, strings, booleans, null or undefined.
pub(super) fn record(v: &JsValue, what: &str) -> Result<Vec<(String, Value)>, Thrown> {
    if !v.is_object() || Array::is_array(v) {
        return Err(super::convert::type_error(what, "a plain object of field values", v));
    }
    let obj: &Object = v.unchecked_ref();
    let mut out = Vec::new();
    for key in Object::keys(obj).iter() {
        let k = key.as_string().unwrap_or_default();
        let val = Reflect::get(obj, &key).map_err(|_| JsError::new(&format!("cannot read {what}.{k}")))?;
        let value = if val.is_null() || val.is_undefined() {
            Value::Missing
        } else if let Some(n) = val.as_f64() {
            Value::Number(n)
        } else if let Some(b) = val.as_bool() {
            Value::Bool(b)
        } else if let Some(s) = val.as_string() {
            Value::Text(s)
        } else {
            return Err(JsError::new(&format!(
                "{what}: invalid value for '{k}': a {} (expected a number, string, boolean or null)",
                val.js_typeof().as_string().unwrap_or_default()
            ))
            .into());
        };
        out.push((k, value));
    }
    Ok(out)
}

#[wasm_bindgen]
impl Propensity {
    /// Loads and validates a propensity bundle.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    ) -> Result<Propensity, Thrown> {
        Ok(Self::from_slice(&super::convert::bytes_arg(&bytes, "bytes")?)?)
    }

    fn from_slice(bytes: &[u8]) -> Result<Propensity, JsError> {
        Ok(Propensity { inner: propensity::Propensity::from_bytes(bytes).map_err(js_err)? })
    }

    /// Probability (0–1) that this visit converts. Missing fields are imputed; a wrong type,
    /// NaN or Infinity throws an Error naming the field and value.
    pub fn score(
        &self,
        #[wasm_bindgen(js_name = record, unchecked_param_type = "PropensityRecord")] record_: JsValue,
    ) -> Result<f64, Thrown> {
        let r = record(&record_, "record")?;
        Ok(self.inner.score(&borrowed(&r)).map_err(js_err)?.p)
    }

    /// The probability plus what was imputed (`missing`), ignored (`unknown`) or unseen.
    #[wasm_bindgen(js_name = scoreDetailed, unchecked_return_type = "PropensityScore")]
    pub fn score_detailed(
        &self,
        #[wasm_bindgen(js_name = record, unchecked_param_type = "PropensityRecord")] record_: JsValue,
    ) -> Result<JsValue, Thrown> {
        let r = record(&record_, "record")?;
        Ok(self.inner.score(&borrowed(&r)).map_err(js_err)?.to_js())
    }

    /// Scores many records; the error names the index of the first bad one.
    #[wasm_bindgen(js_name = scoreBatch)]
    pub fn score_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PropensityRecord[]")] records: JsValue,
    ) -> Result<Float64Array, Thrown> {
        let arr = records
            .dyn_ref::<Array>()
            .ok_or_else(|| super::convert::type_error("records", "an array of records", &records))?;
        let mut out = Vec::with_capacity(arr.length() as usize);
        for (i, v) in arr.iter().enumerate() {
            let r = record(&v, &format!("records[{i}]"))?;
            out.push(self.inner.score(&borrowed(&r)).map_err(|e| JsError::new(&format!("records[{i}]: {e}")))?.p);
        }
        Ok(Float64Array::from(&out[..]))
    }

    /// Whether acting on this visitor (an incentive, say) pays: `{ act, p, expectedValue,
    /// benefit, cost, breakEven }` with `act` when `p · benefit − cost > 0` (calibrated `p`).
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn decide(
        &self,
        #[wasm_bindgen(js_name = record, unchecked_param_type = "PropensityRecord")] record_: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ benefit: number; cost: number }")] economics: JsValue,
    ) -> Result<JsValue, Thrown> {
        let r = record(&record_, "record")?;
        let num = |k: &str| {
            let v = js_sys::Reflect::get(&economics, &k.into()).unwrap_or(JsValue::UNDEFINED);
            v.as_f64().ok_or_else(|| super::convert::type_error(&format!("economics.{k}"), "a number", &v))
        };
        if !economics.is_object() {
            return Err(super::convert::type_error("economics", "{ benefit, cost }", &economics));
        }
        let (benefit, cost) = (num("benefit")?, num("cost")?);
        Ok(self.inner.decide(&borrowed(&r), benefit, cost).map_err(js_err)?.to_js())
    }

    /// The record this bundle's session mapping (`train propensity --features`) makes of a
    /// session log (`tracker.toJSON()`, or the tracker itself): `{ field: value }` in the
    /// model's field order, `null` where the session says nothing (the model imputes it).
    #[wasm_bindgen(js_name = sessionRecord, unchecked_return_type = "PropensityRecord")]
    pub fn session_record(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SessionLog | { toJSON(): SessionLog }")] session: JsValue,
    ) -> Result<JsValue, Thrown> {
        let log = super::session::session_log(&session, "session")?;
        let record = self.inner.session_record(&log).map_err(js_err)?;
        let out = Object::new();
        for (k, v) in &record {
            let js = match v {
                Value::Missing => JsValue::NULL,
                Value::Number(n) => JsValue::from_f64(*n),
                Value::Bool(b) => JsValue::from_bool(*b),
                Value::Text(t) => JsValue::from_str(t),
            };
            Reflect::set(&out, &JsValue::from_str(k), &js).map_err(Thrown::from_js)?;
        }
        Ok(out.into())
    }

    /// The probability for a session: `score(sessionRecord(session))`.
    #[wasm_bindgen(js_name = scoreSession)]
    pub fn score_session(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SessionLog | { toJSON(): SessionLog }")] session: JsValue,
    ) -> Result<f64, Thrown> {
        let log = super::session::session_log(&session, "session")?;
        Ok(self.inner.score_session(&log).map_err(js_err)?.p)
    }

    /// Whether the bundle carries a session mapping (so `sessionRecord` and `scoreSession` work).
    #[wasm_bindgen(getter, js_name = hasSession)]
    pub fn has_session(&self) -> bool {
        self.inner.session().is_some()
    }

    /// Each field's contribution in log-odds, largest first.
    #[wasm_bindgen(unchecked_return_type = "Contribution[]")]
    pub fn explain(
        &self,
        #[wasm_bindgen(js_name = record, unchecked_param_type = "PropensityRecord")] record_: JsValue,
    ) -> Result<JsValue, Thrown> {
        let r = record(&record_, "record")?;
        Ok(self.inner.explain(&borrowed(&r)).map_err(js_err)?.to_js())
    }

    /// The fields the model expects, their types and categories.
    #[wasm_bindgen(unchecked_return_type = "PropensitySchema")]
    pub fn schema(&self) -> Result<JsValue, JsError> {
        Ok(self.inner.schema().to_js())
    }

    /// Model family, metrics, decision threshold.
    #[wasm_bindgen(unchecked_return_type = "ModelMetadata")]
    pub fn info(&self) -> Result<JsValue, JsError> {
        Ok(self.inner.metadata().to_js())
    }

    /// The decision threshold chosen in training (maximises F1 on out-of-fold predictions).
    #[wasm_bindgen(getter)]
    pub fn threshold(&self) -> f64 {
        self.inner.threshold()
    }

    /// Frees the model's memory now.
    pub fn dispose(self) {}
}
