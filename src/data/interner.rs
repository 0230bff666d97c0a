//! Id interning for large logs: id string → dense index in first-seen order.
//!
//! A 20M-row log looks up every row's user among a million others, so each lookup is a random
//! access into a table far larger than the caches. Here one lookup touches one 32-byte slot: the
//! slot holds the id's hash, its index and, for ids of up to [`INLINE`] bytes (most shop ids),
//! the id itself, so the common case never follows a pointer. Longer ids are compared against
//! the stored name. Open addressing with linear probing, at most half full.

/// Ids of at most this many bytes are compared inside the slot.
const INLINE: usize = 23;

/// How many lookups ahead [`Interner::intern_all`] prefetches: enough misses in flight to hide
/// memory latency, few enough not to stall on the core's miss buffers (64, issued in bursts,
/// did: 50–60 ns a lookup against 30–40 ns, in a micro-benchmark of a million ids).
const PREFETCH_AHEAD: usize = 16;

#[derive(Clone, Copy)]
#[repr(C)]
struct Slot {
    /// Low 32 bits of the id's hash.
    hash: u32,
    /// Dense index, or `EMPTY`.
    index: u32,
    /// Id length when it fits inline, else `u8::MAX`.
    len: u8,
    /// The id's bytes, zero-padded (only when `len != u8::MAX`).
    key: [u8; INLINE],
}

const EMPTY: u32 = u32::MAX;
const VACANT: Slot = Slot { hash: 0, index: EMPTY, len: 0, key: [0; INLINE] };

/// Id → index, names kept in index order.
pub(crate) struct Interner {
    slots: Vec<Slot>,
    names: Vec<String>,
    /// Heap bytes of `names`' strings, kept as they are added (summing them per call made every
    /// batch of a 20M-row read walk a million names: 34 s instead of 5 s).
    name_bytes: usize,
}

/// The hash [`Interner::intern_hashed`] expects for the id of UTF-8 bytes `id` (a fixed seed:
/// the same on every run).
pub(crate) fn hash_id(id: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x5e1f_5e1f).hash_one(id)
}

impl Default for Interner {
    fn default() -> Self {
        Self { slots: vec![VACANT; 16], names: Vec::new(), name_bytes: 0 }
    }
}

impl Interner {
    /// The index of `id`, giving it the next free index when it is new.
    pub(crate) fn intern(&mut self, id: &str) -> u32 {
        self.intern_hashed(id.as_bytes(), hash_id(id.as_bytes()))
    }

    /// Asks the CPU to start loading the slot where a lookup of `hash` begins (a hint only).
    pub(crate) fn prefetch(&self, hash: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            let at = (hash as usize) & (self.slots.len() - 1);
            // SAFETY: prefetching has no observable effect; the pointer is in bounds.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    self.slots.as_ptr().add(at).cast(),
                )
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = hash;
    }

    /// Interns ids `id(0)`, `id(1)` … (UTF-8 bytes: a column's cells are read without a check
    /// per cell) in order, given their [`hash_id`]es, appending their indices to `out`. Each
    /// lookup's slot is prefetched [`PREFETCH_AHEAD`] lookups before it is needed, so the
    /// table's cache misses overlap instead of being waited for in turn.
    pub(crate) fn intern_all<'a>(&mut self, id: impl Fn(usize) -> &'a [u8], hashes: &[u64], out: &mut Vec<u32>) {
        for &h in hashes.iter().take(PREFETCH_AHEAD) {
            self.prefetch(h);
        }
        for (k, &h) in hashes.iter().enumerate() {
            if let Some(&ahead) = hashes.get(k + PREFETCH_AHEAD) {
                self.prefetch(ahead);
            }
            out.push(self.intern_hashed(id(k), h));
        }
    }

    /// The index of the id of UTF-8 bytes `id` (the next free one when it is new), given its
    /// [`hash_id`].
    pub(crate) fn intern_hashed(&mut self, id: &[u8], hash: u64) -> u32 {
        // Compared as a slice: building the padded key first (as an insert does) made every
        // lookup wait on a store-to-load forward from the copy.
        let len = if id.len() <= INLINE { id.len() as u8 } else { u8::MAX };
        let mask = self.slots.len() - 1;
        let mut at = (hash as usize) & mask;
        loop {
            let s = &self.slots[at];
            if s.index == EMPTY {
                break;
            }
            if s.hash == hash as u32
                && s.len == len
                && (if len == u8::MAX {
                    self.names[s.index as usize].as_bytes() == id
                } else {
                    same_bytes(&s.key[..id.len()], id)
                })
            {
                return s.index;
            }
            at = (at + 1) & mask;
        }
        let index = self.names.len() as u32;
        let (len, key) = inline_key(id);
        self.slots[at] = Slot { hash: hash as u32, index, len, key };
        // Bytes from a `&str` or a string column: valid UTF-8, so nothing is replaced.
        let name = String::from_utf8_lossy(id).into_owned();
        self.name_bytes += name.capacity();
        self.names.push(name);
        if self.names.len() * 2 > self.slots.len() {
            self.grow();
        }
        index
    }

    /// Number of distinct ids.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// The ids by index.
    /// Approximate heap bytes held: the slot table and every name.
    pub(crate) fn heap_bytes(&self) -> u64 {
        let names = self.name_bytes + self.names.capacity() * std::mem::size_of::<String>();
        (self.slots.capacity() * std::mem::size_of::<Slot>() + names) as u64
    }

    pub(crate) fn into_names(self) -> Vec<String> {
        self.names
    }

    /// Doubles the table. Slots keep only 32 bits of hash, so the new position is found from
    /// those: with at most 2^31 slots that is every bit the mask can use.
    fn grow(&mut self) {
        let slots = vec![VACANT; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, slots);
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|s| s.index != EMPTY) {
            let mut at = (s.hash as usize) & mask;
            while self.slots[at].index != EMPTY {
                at = (at + 1) & mask;
            }
            self.slots[at] = s;
        }
    }
}

/// Whether two slices of equal length (at most [`INLINE`]) hold the same bytes, compared as a
/// few overlapping words instead of through a call to `memcmp` (which cost a twentieth of a 20M
/// row read).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    fn word<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
        let mut w = [0u8; N];
        w.copy_from_slice(&s[at..at + N]);
        w
    }
    let n = a.len();
    debug_assert!(n == b.len() && n <= INLINE);
    match n {
        0 => true,
        1..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4),
        8..=16 => word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, n - 8) == word::<8>(b, n - 8),
        _ => {
            word::<8>(a, 0) == word::<8>(b, 0)
                && word::<8>(a, 8) == word::<8>(b, 8)
                && word::<8>(a, n - 8) == word::<8>(b, n - 8)
        }
    }
}

/// The id's inline form: its length and zero-padded bytes, or `u8::MAX` when it is too long.
fn inline_key(id: &[u8]) -> (u8, [u8; INLINE]) {
    let mut key = [0u8; INLINE];
    if id.len() > INLINE {
        return (u8::MAX, key);
    }
    key[..id.len()].copy_from_slice(id);
    (id.len() as u8, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_follow_first_sight_for_short_long_and_empty_ids() {
        let mut ids: Vec<String> = (0..5_000).map(|i| format!("user-{i}")).collect();
        ids.extend((0..500).map(|i| format!("{:040}", i * 7919))); // longer than INLINE
        ids.push(String::new());
        ids.push("é".repeat(11)); // 22 bytes, multi-byte characters
        let mut t = Interner::default();
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(t.intern(id), n as u32, "{id}");
        }
        for (n, id) in ids.iter().enumerate().rev() {
            assert_eq!(t.intern(id), n as u32, "{id} again");
        }
        assert_eq!(t.len(), ids.len());
        assert!(t.slots.len() >= 2 * ids.len());
        assert_eq!(t.into_names(), ids);
    }

    #[test]
    fn interning_in_bulk_gives_the_indices_of_one_by_one() {
        let ids: Vec<String> = (0..20_000)
            .map(|k| match k % 3 {
                0 => format!("u{}", (k * 7_919) % 5_000),
                1 => format!("{:030}", (k * 104_729) % 900), // longer than INLINE
                _ => format!("{}", k % 17),
            })
            .collect();
        let (mut one, mut bulk) = (Interner::default(), Interner::default());
        let want: Vec<u32> = ids.iter().map(|id| one.intern(id)).collect();
        let mut got = Vec::new();
        for batch in ids.chunks(700) {
            let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
            let hashes: Vec<u64> = refs.iter().map(|id| hash_id(id.as_bytes())).collect();
            bulk.intern_all(|k| refs[k].as_bytes(), &hashes, &mut got);
        }
        assert_eq!(got, want);
        assert_eq!(bulk.into_names(), one.into_names());
    }

    #[test]
    fn word_compares_agree_with_slice_equality_at_every_length() {
        for n in 0..=INLINE {
            let a: Vec<u8> = (0..n as u8).map(|k| b'a' + k).collect();
            assert!(same_bytes(&a, &a.clone()), "{n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 1;
                assert!(!same_bytes(&a, &b), "{n} bytes, differing at {at}");
            }
        }
    }

    #[test]
    fn ids_differing_only_in_padding_or_tail_stay_distinct() {
        let mut t = Interner::default();
        let ids =
            ["a", "a\0", "a\0\0", &"x".repeat(INLINE), &"x".repeat(INLINE + 1), &format!("{}y", "x".repeat(INLINE))];
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(t.intern(id), n as u32, "{id:?}");
        }
        assert_eq!(t.len(), ids.len());
    }
}
