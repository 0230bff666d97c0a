//! `TextClassifier` for JavaScript: a thin wrapper over [`crate::text::TextClassifier`].

use wasm_bindgen::prelude::*;

use super::convert::{js_err, Thrown};
use super::results::ToJs;
use crate::text;

/// A product-text classifier (TF-IDF + softmax) loaded from a bundle; text is classified on
/// this device.
#[wasm_bindgen]
pub struct TextClassifier {
    inner: text::TextClassifier,
}

#[wasm_bindgen]
impl TextClassifier {
    /// Loads and validates a bundle holding a text classifier (alone or merged with others).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    ) -> Result<TextClassifier, Thrown> {
        Ok(Self::from_slice(&super::convert::bytes_arg(&bytes, "bytes")?)?)
    }

    fn from_slice(bytes: &[u8]) -> Result<TextClassifier, JsError> {
        Ok(TextClassifier { inner: text::TextClassifier::from_bytes(bytes).map_err(js_err)? })
    }

    /// Every label of `text` with its probability, most probable first. Empty text and text
    /// over 10,000 characters throw.
    #[wasm_bindgen(unchecked_return_type = "Classification")]
    pub fn classify(&self, #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> Result<JsValue, Thrown> {
        let text = super::convert::string_arg(&text, "text")?;
        Ok(self.inner.classify(&text).map_err(js_err)?.to_js())
    }

    /// The labels the model knows, in weight order.
    #[wasm_bindgen(getter)]
    pub fn labels(&self) -> Vec<String> {
        self.inner.labels.clone()
    }

    /// Parameters, metrics and provenance written by the trainer.
    #[wasm_bindgen(unchecked_return_type = "ModelMetadata")]
    pub fn info(&self) -> Result<JsValue, JsError> {
        Ok(self.inner.meta.to_js())
    }

    /// Frees the model's memory now.
    pub fn dispose(self) {}
}
