//! Recommendations at runtime: item index, factor and item-item models, the [`Recommender`].

pub mod attributes;
pub mod blend;
pub mod bm25;
pub mod catalog;
pub mod embeddings;
pub mod factors;
pub mod items;
pub mod neighbors;
pub mod new_items;
pub mod recommender;
mod screen;
mod select;
pub mod text_index;

pub use attributes::{AttrType, AttrValue, Attribute, Attributes, Column};
pub use blend::BlendModel;
pub use bm25::Bm25;
pub use catalog::{Catalog, CatalogEntry};
pub use embeddings::ItemEmbeddings;
pub use factors::{FactorModel, FactorValues, FoldIn, Quantization, Scaling};
pub use items::ItemIndex;
pub use neighbors::NeighborModel;
pub use new_items::NewItems;
pub use recommender::{
    ModelInfo, Promote, RecModel, RecommendOptions, Recommendations, Recommender, Scored, TextQuery, UserState,
    MAX_HISTORY, MAX_K,
};
pub use text_index::TextIndex;
