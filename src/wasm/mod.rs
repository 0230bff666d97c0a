//! The JavaScript facade (wasm32 only). It converts types and errors; all logic lives in the core.
//! `Recommender` is always there; `Propensity` and `TextClassifier` come with the `js-propensity`
//! and `js-text` features, so a page that only recommends loads a smaller runtime.

mod convert;
#[cfg(feature = "js-propensity")]
mod propensity;
mod recommender;
mod results;
#[cfg(feature = "js-propensity")]
mod session;
#[cfg(feature = "js-text")]
mod text;
mod types;

#[cfg(feature = "js-propensity")]
pub use propensity::Propensity;
pub use recommender::Recommender;
#[cfg(feature = "js-text")]
pub use text::TextClassifier;

/// The library version, for diagnostics.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The heap allocator: talc instead of Rust's default dlmalloc for wasm32.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
