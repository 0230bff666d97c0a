//! The crate's hash maps: foldhash with a fixed seed.
//!
//! std's `HashMap` hashes with SipHash-1-3 under keys drawn at random per process: a defence
//! against keys crafted to collide, paid on every lookup. The maps here hold item indices, group
//! keys, the model's own terms and ids read from the shop's own files, on the shop's machine or
//! the shopper's own device, where nobody else chooses the keys. foldhash is several times
//! faster, its code a fraction of SipHash's and the random keys' set-up in the wasm, and a fixed
//! seed gives the same order on every run.

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

/// An empty [`Map`] with room for `n` entries.
pub(crate) fn map_with_capacity<K, V>(n: usize) -> Map<K, V> {
    Map::with_capacity_and_hasher(n, fixed_hasher())
}
