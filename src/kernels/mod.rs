//! Numeric kernels shared by training and the runtime: dot products (f32 and int8) and top-k selection.

pub mod dot;
pub(crate) mod order;
pub mod quant;
pub mod topk;

pub use dot::{dot, score_rows};
pub use topk::{top_k, top_k_sparse, Hit, TopK};
