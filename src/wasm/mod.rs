//! The JavaScript facade (wasm32 only). It converts types and errors; all logic lives in the core.

mod convert;
mod propensity;
mod recommender;
mod results;
mod session;
mod text;
mod types;

pub use propensity::Propensity;
pub use recommender::Recommender;
pub use text::TextClassifier;

/// The library version, for diagnostics.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The heap allocator: talc instead of Rust's default dlmalloc for wasm32.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
