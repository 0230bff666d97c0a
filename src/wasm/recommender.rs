//! `Recommender` for JavaScript: a thin wrapper over [`crate::recs::Recommender`].

use wasm_bindgen::prelude::*;

use js_sys::Array;

use super::convert::{bytes_arg, history, id_list, js_err, options, string_arg, type_error, Thrown};
use super::results::ToJs;
use crate::recs;

/// A recommendation model loaded from a bundle. All scoring happens on this device.
#[wasm_bindgen]
pub struct Recommender {
    inner: recs::Recommender,
}

#[wasm_bindgen]
impl Recommender {
    /// Loads and validates a bundle (`Uint8Array` or `ArrayBuffer`). Throws on truncated,
    /// corrupt or wrong-version bytes; a `TypeError` for any other argument.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    ) -> Result<Recommender, Thrown> {
        Ok(Self::from_slice(&bytes_arg(&bytes, "bytes")?)?)
    }

    fn from_slice(bytes: &[u8]) -> Result<Recommender, JsError> {
        Ok(Recommender { inner: recs::Recommender::from_bytes(bytes).map_err(js_err)? })
    }

    /// Top-k items for a history (`string[]` or `{ item, weight }[]`), history excluded.
    /// Options: `{ k = 10, exclude, includeOnly, includeHistory = false }`.
    #[wasm_bindgen(unchecked_return_type = "Scored[]")]
    pub fn recommend(
        &self,
        #[wasm_bindgen(js_name = history, unchecked_param_type = "HistoryEntry[]")] history_: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RecommendOptions")] opts: JsValue,
    ) -> Result<JsValue, JsError> {
        let h = history(&history_)?;
        let r = self.inner.recommend(&h, &options(&opts)?).map_err(js_err)?;
        Ok(r.items.to_js())
    }

    /// Like `recommend`, plus the unknown ids that were skipped and whether popularity was used.
    #[wasm_bindgen(js_name = recommendDetailed, unchecked_return_type = "Recommendations")]
    pub fn recommend_detailed(
        &self,
        #[wasm_bindgen(js_name = history, unchecked_param_type = "HistoryEntry[]")] history_: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RecommendOptions")] opts: JsValue,
    ) -> Result<JsValue, JsError> {
        let h = history(&history_)?;
        Ok(self.inner.recommend(&h, &options(&opts)?).map_err(js_err)?.to_js())
    }

    /// Items most similar to `item`, item itself excluded. Options as for `recommend`
    /// (`{ k = 10, exclude, includeOnly }`). Throws for an unknown item.
    #[wasm_bindgen(unchecked_return_type = "Scored[]")]
    pub fn similar(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] item: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RecommendOptions")] opts: JsValue,
    ) -> Result<JsValue, Thrown> {
        let item = string_arg(&item, "item")?;
        Ok(self.inner.similar(&item, &options(&opts)?).map_err(js_err)?.to_js())
    }

    /// The most popular items (the fallback for a new visitor).
    #[wasm_bindgen(unchecked_return_type = "Scored[]")]
    pub fn popular(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RecommendOptions")] opts: JsValue,
    ) -> Result<JsValue, JsError> {
        Ok(self.inner.popular(&options(&opts)?).map_err(js_err)?.to_js())
    }

    /// Items most often bought with `itemOrCart` (an id or an array of ids), cart excluded.
    /// Options as for `recommend` (`{ k = 10, exclude, includeOnly }`).
    /// Throws if no cart item is known, or if the bundle has no basket data.
    #[wasm_bindgen(js_name = boughtTogether, unchecked_return_type = "Scored[]")]
    pub fn bought_together(
        &self,
        #[wasm_bindgen(js_name = itemOrCart, unchecked_param_type = "string | string[]")] item_or_cart: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RecommendOptions")] opts: JsValue,
    ) -> Result<JsValue, Thrown> {
        let cart: Vec<String> = match item_or_cart.as_string() {
            Some(s) => vec![s],
            None if Array::is_array(&item_or_cart) => id_list(&item_or_cart, "itemOrCart")?,
            None => return Err(type_error("itemOrCart", "an item id or an array of item ids", &item_or_cart)),
        };
        let (items, _unknown) = self.inner.bought_together(&cart, &options(&opts)?).map_err(js_err)?;
        Ok(items.to_js())
    }

    /// Items that fit a session (`string[]`, oldest first): item2vec neighbours of the
    /// recency-weighted session, session items excluded. Options as for `recommend`. Throws for
    /// an empty session, one of unknown ids only, or a bundle without item embeddings.
    #[wasm_bindgen(js_name = forSession, unchecked_return_type = "Scored[]")]
    pub fn for_session(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] items: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RecommendOptions")] opts: JsValue,
    ) -> Result<JsValue, Thrown> {
        let session = id_list(&items, "items")?;
        Ok(self.inner.for_session(&session, &options(&opts)?).map_err(js_err)?.0.to_js())
    }

    /// Items whose catalogue titles best match `query` by TF-IDF cosine. A string is a search
    /// query (a half-typed last word matches the words it begins); `{ item }` finds items whose
    /// titles resemble that item's — content-based, so it works for items nobody has bought yet.
    /// Items sharing no word with the query are left out. Throws for empty or oversized text, an
    /// unknown item, or a bundle trained without `--text-index`.
    #[wasm_bindgen(js_name = similarByText, unchecked_return_type = "Scored[]")]
    pub fn similar_by_text(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | { item: string }")] query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RecommendOptions")] opts: JsValue,
    ) -> Result<JsValue, Thrown> {
        let opts = options(&opts)?;
        if let Some(text) = query.as_string() {
            return Ok(self.inner.similar_by_text(recs::TextQuery::Text(&text), &opts).map_err(js_err)?.to_js());
        }
        let item = if query.is_object() && !Array::is_array(&query) {
            let v = js_sys::Reflect::get(&query, &"item".into()).unwrap_or(JsValue::UNDEFINED);
            string_arg(&v, "query.item")?
        } else {
            return Err(type_error("query", "a string or { item: string }", &query));
        };
        Ok(self.inner.similar_by_text(recs::TextQuery::Item(&item), &opts).map_err(js_err)?.to_js())
    }

    /// Trending items (time-decayed popularity at the training cut-off), for a new visitor.
    #[wasm_bindgen(unchecked_return_type = "Scored[]")]
    pub fn trending(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RecommendOptions")] opts: JsValue,
    ) -> Result<JsValue, JsError> {
        Ok(self.inner.trending(&options(&opts)?).map_err(js_err)?.to_js())
    }

    /// Parses and type-checks a rule (`kind`: "filter", the default, or "boost") against this
    /// catalogue's attributes, so a mistake shows once with its column; returns
    /// `{ rule, kind, params }`, usable wherever options take a rule. Throws for a syntax or
    /// type error, or an unknown attribute.
    #[wasm_bindgen(unchecked_return_type = "CompiledRule")]
    pub fn compile(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] rule: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "\"filter\" | \"boost\"")] kind: JsValue,
    ) -> Result<JsValue, Thrown> {
        let text = string_arg(&rule, "rule")?;
        let kind = match kind.as_string().as_deref() {
            None if kind.is_undefined() => crate::rules::RuleKind::Filter,
            Some("filter") => crate::rules::RuleKind::Filter,
            Some("boost") => crate::rules::RuleKind::Boost,
            _ => return Err(type_error("kind", "\"filter\" or \"boost\"", &kind)),
        };
        let compiled = self.inner.compile_rule(&text, kind).map_err(js_err)?;
        let params: Vec<(&str, &str)> = compiled.params().map(|(n, t)| (n, t.name())).collect();
        Ok(super::results::compiled_rule(&text, kind.name(), &params))
    }

    /// Model family, item count, factors, metrics, training cut-off.
    #[wasm_bindgen(unchecked_return_type = "ModelInfo")]
    pub fn info(&self) -> Result<JsValue, JsError> {
        Ok(self.inner.info().to_js())
    }

    /// Every item with its title, price and popularity (when the bundle has them).
    #[wasm_bindgen(unchecked_return_type = "CatalogEntry[]")]
    pub fn catalog(&self) -> Result<JsValue, JsError> {
        let all: Vec<_> = (0..self.inner.items().len() as u32).map(|i| self.inner.entry(i)).collect();
        Ok(all.to_js())
    }

    /// Applies a catalogue update (`shelfwise catalog update --delta-out`: new items placed by
    /// their look-alikes, titles, prices, attributes, retired items, title index) to this model,
    /// in place; throws, leaving the model as it was, when the update was made for another model
    /// or is corrupt.
    #[wasm_bindgen(js_name = updateCatalog)]
    pub fn update_catalog(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    ) -> Result<(), Thrown> {
        let bytes = bytes_arg(&bytes, "bytes")?;
        Ok(self.inner.update_catalog(&bytes).map_err(js_err)?)
    }

    /// Whether `item` is in the catalogue.
    #[wasm_bindgen(js_name = hasItem)]
    pub fn has_item(&self, #[wasm_bindgen(unchecked_param_type = "string")] item: JsValue) -> Result<bool, Thrown> {
        Ok(self.inner.items().get(&string_arg(&item, "item")?).is_some())
    }

    /// Number of items in the catalogue.
    #[wasm_bindgen(getter, js_name = itemCount)]
    pub fn item_count(&self) -> usize {
        self.inner.items().len()
    }

    /// Frees the model's memory now (the object is unusable afterwards).
    pub fn dispose(self) {}
}
