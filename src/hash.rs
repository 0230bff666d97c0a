//! The crate's hash maps: foldhash with a fixed seed.
//!
//! std's `HashMap` hashes with SipHash-1-3 under keys drawn at random per process: a defence
//! against keys crafted to collide, paid on every lookup. The maps here hold the ids and terms
//! read from the shop's own files, on the shop's machine, where nobody else chooses the keys.
//! foldhash is several times faster, and a fixed seed gives the same order on every run. (The
//! runtime's lookups of integer keys go through [`crate::positions::Positions`] instead.)

use foldhash::fast::FixedState;

/// A `HashMap` hashed by [`fixed_hasher`].
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, FixedState>;

/// foldhash with the crate's fixed seed.
pub(crate) fn fixed_hasher() -> FixedState {
    FixedState::with_seed(0x5e1f_5e1f)
}

/// An empty [`Map`].
pub(crate) fn map<K, V>() -> Map<K, V> {
    Map::with_hasher(fixed_hasher())
}
