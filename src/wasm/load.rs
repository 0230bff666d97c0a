//! `load(url, options)`: the download itself is JavaScript (`load.js`: streaming, progress,
//! SRI check, Cache API); this side only turns the verified bytes into a model. A one-shot
//! callback keeps it free of an async executor (which would cost ~5 KB gzip of the binary).

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/load.js")]
extern "C" {
    #[wasm_bindgen(js_name = loadWith)]
    fn load_with(url: &str, opts: JsValue, parse: JsValue) -> Promise;
}

/// A promise of `parse(bytes)` for the verified bytes of the bundle at `url`; rejected with a
/// `TypeError` when `url` is not a string.
pub fn load<T, F>(url: &JsValue, opts: JsValue, parse: F) -> Promise
where
    T: Into<JsValue> + 'static,
    F: FnOnce(&[u8]) -> Result<T, JsError> + 'static,
{
    let url = match super::convert::string_arg(url, "url") {
        Ok(u) => u,
        Err(t) => return Promise::reject(&t.into()),
    };
    let url = url.as_str();
    let cb = Closure::once_into_js(move |bytes: Uint8Array| -> Result<JsValue, JsValue> {
        Ok(parse(&bytes.to_vec()).map_err(JsValue::from)?.into())
    });
    load_with(url, opts, cb)
}
