//! Results as plain JS objects, written field by field with the names and shapes their
//! `Serialize` derives give the CLI's JSON (`rename_all`, skipped empty fields, `flatten`,
//! tagged and untagged enums). A generic serialiser (serde-wasm-bindgen) cost 17.6 KB of wasm
//! with the derived code it drove; these are the same objects for a fraction of it. The wasm
//! test `results_have_the_native_json_shape` compares every one with the native JSON of the
//! same value, so the two cannot drift apart.

use std::cell::RefCell;

use js_sys::{Array, Object};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::bundle::{Metadata, Named};
use crate::propensity::{Contribution, Decision, Field, FieldKind, Schema, Score};
use crate::recs::{AttrValue, CatalogEntry, ModelInfo, Recommendations, Scored};
use crate::text::{Classification, LabelScore};

/// A value as the plain JS value its JSON stands for.
pub(crate) trait ToJs {
    /// The JS value.
    fn to_js(&self) -> JsValue;
}

#[wasm_bindgen]
extern "C" {
    /// A plain object, written by plain assignment (no `Reflect.set` and its exception check:
    /// a fresh object literal has no setters and is not frozen).
    #[wasm_bindgen(extends = Object)]
    type Plain;
    #[wasm_bindgen(method, indexing_setter)]
    fn set(this: &Plain, key: &JsValue, value: &JsValue);
}

thread_local! {
    /// Field names already made JS strings, by the address and length of their literal (one
    /// literal may begin another, as "item" does "items"): a result's names cross into JS once
    /// per page, not once per object (most of the cost of a small object).
    static NAMES: RefCell<Vec<((usize, usize), JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// The JS string of a field name (a literal), made once.
fn name(key: &'static str) -> JsValue {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        let at = (key.as_ptr() as usize, key.len());
        if let Some((_, v)) = names.iter().find(|(p, _)| *p == at) {
            return v.clone();
        }
        let v = JsValue::from_str(key);
        names.push((at, v.clone()));
        v
    })
}

/// A plain object being filled, in field order.
struct Obj(Plain);

impl Obj {
    fn new() -> Self {
        Obj(Object::new().unchecked_into())
    }
    /// Sets the field `key`.
    fn set(self, key: &'static str, value: JsValue) -> Self {
        self.0.set(&name(key), &value);
        self
    }
    /// Sets a property named by data (a metadata or attribute name).
    fn set_named(self, key: &str, value: JsValue) -> Self {
        self.0.set(&JsValue::from_str(key), &value);
        self
    }
    /// Sets `key` when `present` (a field the JSON leaves out when empty or false).
    fn set_if(self, present: bool, key: &'static str, value: impl FnOnce() -> JsValue) -> Self {
        if present {
            self.set(key, value())
        } else {
            self
        }
    }
    /// Sets `key` to the value there is (an `Option` field the JSON leaves out when `None`).
    fn set_some(self, key: &'static str, value: Option<JsValue>) -> Self {
        match value {
            Some(v) => self.set(key, v),
            None => self,
        }
    }
    fn done(self) -> JsValue {
        self.0.into()
    }
}

fn num(v: f64) -> JsValue {
    JsValue::from_f64(v)
}

impl ToJs for str {
    fn to_js(&self) -> JsValue {
        JsValue::from_str(self)
    }
}

impl ToJs for String {
    fn to_js(&self) -> JsValue {
        JsValue::from_str(self)
    }
}

impl<T: ToJs> ToJs for [T] {
    fn to_js(&self) -> JsValue {
        let out = Array::new_with_length(self.len() as u32);
        for (i, v) in self.iter().enumerate() {
            out.set(i as u32, v.to_js());
        }
        out.into()
    }
}

impl<T: ToJs> ToJs for Vec<T> {
    fn to_js(&self) -> JsValue {
        self.as_slice().to_js()
    }
}

impl<V: NamedValue> ToJs for Named<V> {
    fn to_js(&self) -> JsValue {
        let out = Obj::new();
        self.iter().fold(out, |o, (k, v)| o.set_named(k, v.value())).done()
    }
}

/// A metadata value: text, a metric or a count.
pub(crate) trait NamedValue {
    fn value(&self) -> JsValue;
}

impl NamedValue for String {
    fn value(&self) -> JsValue {
        JsValue::from_str(self)
    }
}

impl NamedValue for f64 {
    fn value(&self) -> JsValue {
        num(*self)
    }
}

impl NamedValue for u64 {
    fn value(&self) -> JsValue {
        num(*self as f64)
    }
}

impl ToJs for Scored {
    fn to_js(&self) -> JsValue {
        Obj::new()
            .set("item", self.item.to_js())
            .set("score", num(self.score.into()))
            .set_if(self.promoted, "promoted", || true.into())
            .set_if(self.explore, "explore", || true.into())
            .set_if(!self.because.is_empty(), "because", || self.because.to_js())
            .done()
    }
}

impl ToJs for Recommendations {
    fn to_js(&self) -> JsValue {
        Obj::new()
            .set("items", self.items.to_js())
            .set("unknown", self.unknown.to_js())
            .set("truncated", num(self.truncated as f64))
            .set("fallback", self.fallback.into())
            .set_if(!self.notes.is_empty(), "notes", || self.notes.to_js())
            .done()
    }
}

impl ToJs for Metadata {
    fn to_js(&self) -> JsValue {
        Obj::new()
            .set("model", self.model.to_js())
            .set("createdBy", self.created_by.to_js())
            .set("params", self.params.to_js())
            .set("metrics", self.metrics.to_js())
            .set("trainedUntil", self.trained_until.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str))
            .set("counts", self.counts.to_js())
            .set("notes", self.notes.to_js())
            .done()
    }
}

impl ToJs for ModelInfo {
    fn to_js(&self) -> JsValue {
        Obj::new()
            .set("model", self.model.to_js())
            .set("items", num(self.items as f64))
            .set_some("factors", self.factors.map(|n| num(n as f64)))
            .set_some("factorStorage", self.factor_storage.map(JsValue::from_str))
            .set_some("neighbors", self.neighbors.map(|n| num(n as f64)))
            .set("hasCatalog", self.has_catalog.into())
            .set("hasBoughtTogether", self.has_bought_together.into())
            .set("hasTrending", self.has_trending.into())
            .set("hasItem2Vec", self.has_item2vec.into())
            .set("hasTextIndex", self.has_text_index.into())
            .set("coldItems", num(self.cold_items as f64))
            .set("metadata", self.metadata.to_js())
            .done()
    }
}

impl ToJs for AttrValue {
    fn to_js(&self) -> JsValue {
        match self {
            AttrValue::Number(n) => num(*n),
            AttrValue::Bool(b) => (*b).into(),
            AttrValue::String(s) => s.to_js(),
            AttrValue::Set(s) => s.to_js(),
        }
    }
}

impl ToJs for CatalogEntry {
    fn to_js(&self) -> JsValue {
        let attributes = || self.attributes.0.iter().fold(Obj::new(), |o, (k, v)| o.set_named(k, v.to_js())).done();
        Obj::new()
            .set("item", self.item.to_js())
            .set_some("title", self.title.as_deref().map(JsValue::from_str))
            .set_some("price", self.price.map(|p| num(p.into())))
            .set("popularity", num(self.popularity.into()))
            .set_if(!self.attributes.is_empty(), "attributes", attributes)
            .done()
    }
}

impl ToJs for LabelScore {
    fn to_js(&self) -> JsValue {
        Obj::new().set("label", self.label.to_js()).set("p", num(self.p.into())).done()
    }
}

impl ToJs for Classification {
    fn to_js(&self) -> JsValue {
        Obj::new().set("labels", self.labels.to_js()).set("knownTerms", num(self.known_terms as f64)).done()
    }
}

impl ToJs for Score {
    fn to_js(&self) -> JsValue {
        Obj::new()
            .set("p", num(self.p))
            .set("missing", self.report.missing.to_js())
            .set("unknown", self.report.unknown.to_js())
            .set("unseen", self.report.unseen.to_js())
            .done()
    }
}

impl ToJs for Decision {
    fn to_js(&self) -> JsValue {
        Obj::new()
            .set("act", self.act.into())
            .set("p", num(self.p))
            .set("expectedValue", num(self.expected_value))
            .set("benefit", num(self.benefit))
            .set("cost", num(self.cost))
            .set("breakEven", num(self.break_even))
            .done()
    }
}

impl ToJs for Contribution {
    fn to_js(&self) -> JsValue {
        Obj::new().set("field", self.field.to_js()).set("contribution", num(self.contribution)).done()
    }
}

impl ToJs for Field {
    fn to_js(&self) -> JsValue {
        let o = Obj::new().set("name", self.name.to_js()).set("type", self.kind.name().into());
        let o = match &self.kind {
            FieldKind::Numeric { mean, std } => o.set("mean", num(*mean)).set("std", num(*std)),
            FieldKind::Boolean { rate, std } => o.set("rate", num(*rate)).set("std", num(*std)),
            FieldKind::Categorical { categories } => o.set("categories", categories.to_js()),
        };
        o.set("missingIndicator", self.missing_indicator.into()).done()
    }
}

impl ToJs for Schema {
    fn to_js(&self) -> JsValue {
        Obj::new().set("fields", self.fields.to_js()).set("target", self.target.to_js()).done()
    }
}

/// What `compile` returns: `{ rule, kind, params }`, each parameter a `[name, type]` pair.
pub(crate) fn compiled_rule(rule: &str, kind: &str, params: &[(&str, &str)]) -> JsValue {
    let pairs = Array::new_with_length(params.len() as u32);
    for (i, (name, ty)) in params.iter().enumerate() {
        pairs.set(i as u32, Array::of2(&name.to_js(), &ty.to_js()).into());
    }
    Obj::new().set("rule", rule.to_js()).set("kind", kind.to_js()).set("params", pairs.into()).done()
}
