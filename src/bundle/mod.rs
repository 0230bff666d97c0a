//! The bundle: one versioned, checksummed binary file holding models and their metadata.
//!
//! [`container`] defines the byte layout (magic, version, section table, [`checksum`]);
//! `codec` the bounds-checked primitives; [`recs`] the recommendation sections.
//! Reading never panics: every malformed input is an [`Error`](crate::Error).

pub(crate) mod attrs;
pub mod checksum;
pub(crate) mod codec;
pub mod container;
pub mod merge;
pub mod meta;
pub mod named;
pub mod propensity;
pub mod recs;
pub mod search;
pub(crate) mod section;
pub mod text;

pub use container::{reseal, Container, ContainerWriter, FORMAT_VERSION, MAGIC};
pub use merge::{merge, models, ModelKind};
pub use meta::Metadata;
pub use named::Named;
pub use search::{SearchLog, Trial};

/// A human-readable summary of any bundle's container (for `shelfwise inspect`).
pub fn describe(bytes: &[u8]) -> crate::Result<Vec<(String, usize)>> {
    Ok(Container::parse(bytes)?.sizes())
}
