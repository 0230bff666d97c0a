//! Id interning for large logs: id string → dense index in first-seen order.
//!
//! A 20M-row log looks up every row's user among a million others, so each lookup is a random
//! access into a table far larger than the caches. Here one lookup touches one slot: the slot
//! holds the id's hash, its index and, for short ids, the id itself, so the common case never
//! follows a pointer. Longer ids are compared against the stored name. Open addressing with
//! linear probing, at most half full.
//!
//! The slots start narrow, 16 bytes with ids of up to [`NARROW`] bytes inline, and widen to
//! 32 bytes ([`WIDE`] bytes inline) once more than 1 id in [`WIDEN_AT`] is too long for narrow
//! slots but fits wide ones. A table half the size misses the caches less (a fifth faster on a
//! million 7-byte ids, and 32 MB less memory), while a log of longer ids keeps its compares
//! inside the slot.
//!
//! The slots are asked for in 2 MB pages ([`super::prefer_huge_pages`]): with 4 KB pages, a
//! random lookup in a table of many MB misses the TLB as well as the caches.

use super::ids::Ids;

/// Ids of at most this many bytes are compared inside a narrow (16-byte) slot.
const NARROW: usize = 7;

/// Ids of at most this many bytes are compared inside a wide (32-byte) slot.
const WIDE: usize = 23;

/// The slots widen once more than 1 id in this many is too long for a narrow slot but fits a
/// wide one: each such id's lookup follows a pointer to its name (a miss of its own), which then
/// costs more in all than the wider slots' extra misses. (Ids longer than [`WIDE`] bytes follow
/// the pointer either way, so they do not count.)
const WIDEN_AT: usize = 8;

/// How many lookups ahead [`Interner::intern_all`] prefetches: enough misses in flight to hide
/// memory latency, few enough not to stall on the core's miss buffers (64, issued in bursts,
/// did: 50–60 ns a lookup against 30–40 ns, in a micro-benchmark of a million ids).
const PREFETCH_AHEAD: usize = 16;

/// One slot of the table, with up to `N` id bytes inline.
#[derive(Clone, Copy)]
#[repr(C)]
struct Slot<const N: usize> {
    /// Low 32 bits of the id's hash.
    hash: u32,
    /// Dense index, or `EMPTY`.
    index: u32,
    /// Id length when it fits inline, else `u8::MAX`.
    len: u8,
    /// The id's bytes, zero-padded (only when `len != u8::MAX`).
    key: [u8; N],
}

const _: () = assert!(std::mem::size_of::<Slot<NARROW>>() == 16 && std::mem::size_of::<Slot<WIDE>>() == 32);

const EMPTY: u32 = u32::MAX;

impl<const N: usize> Slot<N> {
    const VACANT: Self = Self { hash: 0, index: EMPTY, len: 0, key: [0; N] };

    /// The slot of id `id` (UTF-8 bytes) of hash `hash` and index `index`.
    fn new(id: &[u8], hash: u32, index: u32) -> Self {
        let mut key = [0u8; N];
        if id.len() > N {
            return Self { hash, index, len: u8::MAX, key };
        }
        key[..id.len()].copy_from_slice(id);
        Self { hash, index, len: id.len() as u8, key }
    }

    /// Whether this slot holds `id`, of hash `hash`.
    fn holds(&self, id: &[u8], hash: u32, names: &Names) -> bool {
        // Compared as a slice: building the padded key first (as an insert does) made every
        // lookup wait on a store-to-load forward from the copy.
        let len = if id.len() <= N { id.len() as u8 } else { u8::MAX };
        self.hash == hash
            && self.len == len
            && (if len == u8::MAX { names.get(self.index) == id } else { same_bytes(&self.key[..id.len()], id) })
    }
}

/// The slots, narrow or wide (see the module doc).
enum Table {
    Narrow(Vec<Slot<NARROW>>),
    Wide(Vec<Slot<WIDE>>),
}

/// Id → index, names kept in index order.
pub(crate) struct Interner {
    table: Table,
    names: Names,
}

/// The ids by index, back to back in one buffer (a `String` each took 56 bytes for a 7-byte id,
/// and a call to the allocator), with what the table's upkeep needs to know of them.
#[derive(Default)]
pub(crate) struct Names {
    /// Every id's UTF-8 bytes, in index order.
    bytes: Vec<u8>,
    /// Where each id ends in `bytes`.
    ends: Vec<usize>,
    /// How many are too long for a narrow slot but fit a wide one.
    wide_only: usize,
}

impl Names {
    /// Adds `id` (UTF-8 bytes) under the next index.
    fn push(&mut self, id: &[u8]) {
        self.bytes.extend_from_slice(id);
        self.ends.push(self.bytes.len());
        self.wide_only += usize::from((NARROW + 1..=WIDE).contains(&id.len()));
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// A `String` per id, by index, made on all cores (a million of them took 60–90 ms on one).
    pub(crate) fn into_strings(self) -> Vec<String> {
        use rayon::prelude::*;
        // Bytes from a `&str` or a string column: valid UTF-8, so nothing is replaced.
        (0..self.len() as u32)
            .into_par_iter()
            .with_min_len(1 << 16)
            .map(|index| String::from_utf8_lossy(self.get(index)).into_owned())
            .collect()
    }

    /// The ids as [`Ids`], in the same buffer. Ids from a `&str` or a string column are UTF-8;
    /// were one not, every id would be read lossily, one by one, as [`Names::into_strings`] does.
    pub(crate) fn into_ids(self) -> Ids {
        let Names { bytes, ends, .. } = self;
        let (bytes, ends) = match String::from_utf8(bytes) {
            Ok(text) => match Ids::from_parts(text, ends) {
                Ok(ids) => return ids,
                Err((text, ends)) => (text.into_bytes(), ends),
            },
            Err(e) => (e.into_bytes(), ends),
        };
        let names = Names { bytes, ends, wide_only: 0 };
        (0..names.len() as u32).map(|i| String::from_utf8_lossy(names.get(i))).collect()
    }

    /// The bytes of the id of index `index` (empty past the last).
    fn get(&self, index: u32) -> &[u8] {
        let index = index as usize;
        let start = if index == 0 { 0 } else { self.ends.get(index - 1).copied().unwrap_or(0) };
        let end = self.ends.get(index).copied().unwrap_or(start);
        self.bytes.get(start..end).unwrap_or_default()
    }

    /// Whether narrow slots should widen (see [`WIDEN_AT`]).
    fn want_wide(&self) -> bool {
        self.wide_only * WIDEN_AT > self.len()
    }
}

/// The hash [`Interner::intern_hashed`] expects for the id of UTF-8 bytes `id` (a fixed seed:
/// the same on every run).
pub(crate) fn hash_id(id: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    crate::hash::fixed_hasher().hash_one(id)
}

impl Default for Interner {
    fn default() -> Self {
        Self { table: Table::Narrow(vec![Slot::VACANT; 16]), names: Names::default() }
    }
}

impl Interner {
    /// The index of `id`, giving it the next free index when it is new.
    pub(crate) fn intern(&mut self, id: &str) -> u32 {
        self.intern_hashed(id.as_bytes(), hash_id(id.as_bytes()))
    }

    /// Interns ids `id(0)`, `id(1)` … (UTF-8 bytes: a column's cells are read without a check
    /// per cell) in order, given their [`hash_id`]es, appending their indices to `out`. Each
    /// lookup's slot is prefetched [`PREFETCH_AHEAD`] lookups before it is needed, so the
    /// table's cache misses overlap instead of being waited for in turn.
    pub(crate) fn intern_all<'a>(&mut self, id: impl Fn(usize) -> &'a [u8], hashes: &[u64], out: &mut Vec<u32>) {
        let mut from = 0;
        while from < hashes.len() {
            from = match &mut self.table {
                Table::Narrow(slots) => intern_run(slots, &mut self.names, &id, hashes, from, out),
                Table::Wide(slots) => intern_run(slots, &mut self.names, &id, hashes, from, out),
            };
            self.widen_if_wanted();
        }
    }

    /// The index of the id of UTF-8 bytes `id` (the next free one when it is new), given its
    /// [`hash_id`].
    pub(crate) fn intern_hashed(&mut self, id: &[u8], hash: u64) -> u32 {
        let (index, _) = match &mut self.table {
            Table::Narrow(slots) => find_or_insert(slots, &mut self.names, id, hash),
            Table::Wide(slots) => find_or_insert(slots, &mut self.names, id, hash),
        };
        self.widen_if_wanted();
        index
    }

    /// Number of distinct ids.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// Approximate heap bytes held: the slot table and every name.
    pub(crate) fn heap_bytes(&self) -> u64 {
        let table = match &self.table {
            Table::Narrow(slots) => std::mem::size_of_val(slots.as_slice()),
            Table::Wide(slots) => std::mem::size_of_val(slots.as_slice()),
        };
        let names = self.names.bytes.capacity() + self.names.ends.capacity() * std::mem::size_of::<usize>();
        (table + names) as u64
    }

    /// The ids by index, once no more come: the table goes now.
    pub(crate) fn into_names(self) -> Names {
        self.names
    }

    /// Rebuilds narrow slots as wide ones, as many, once [`Names::want_wide`].
    fn widen_if_wanted(&mut self) {
        if let Table::Narrow(narrow) = &self.table {
            if self.names.want_wide() {
                let mut wide = vacant_slots::<WIDE>(narrow.len());
                for s in narrow.iter().filter(|s| s.index != EMPTY) {
                    place(&mut wide, Slot::new(self.names.get(s.index), s.hash, s.index));
                }
                self.table = Table::Wide(wide);
            }
        }
    }
}

/// Interns `id(from)`, `id(from + 1)` … into `slots` as [`Interner::intern_all`] does, until the
/// ids end or narrow slots should widen; returns the position of the next id to intern.
fn intern_run<'a, const N: usize>(
    slots: &mut Vec<Slot<N>>,
    names: &mut Names,
    id: &impl Fn(usize) -> &'a [u8],
    hashes: &[u64],
    from: usize,
    out: &mut Vec<u32>,
) -> usize {
    for &h in hashes.iter().skip(from).take(PREFETCH_AHEAD) {
        prefetch(slots, h);
    }
    for (k, &h) in hashes.iter().enumerate().skip(from) {
        if let Some(&ahead) = hashes.get(k + PREFETCH_AHEAD) {
            prefetch(slots, ahead);
        }
        let (index, new) = find_or_insert(slots, names, id(k), h);
        out.push(index);
        if new && N < WIDE && names.want_wide() {
            return k + 1;
        }
    }
    hashes.len()
}

/// Asks the CPU to start loading the slot where a lookup of `hash` begins (a hint only).
fn prefetch<const N: usize>(slots: &[Slot<N>], hash: u64) {
    #[cfg(target_arch = "x86_64")]
    {
        let at = (hash as usize) & (slots.len() - 1);
        // SAFETY: prefetching has no observable effect; `at` is masked to within the table.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(slots.as_ptr().add(at).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (slots, hash);
}

/// The index of `id` (UTF-8 bytes) of hash `hash`, and whether it was new (it is then added to
/// `names` under the next index, and the table doubles when over half full).
fn find_or_insert<const N: usize>(slots: &mut Vec<Slot<N>>, names: &mut Names, id: &[u8], hash: u64) -> (u32, bool) {
    let mask = slots.len() - 1;
    let mut at = (hash as usize) & mask;
    loop {
        let s = &slots[at];
        if s.index == EMPTY {
            break;
        }
        if s.holds(id, hash as u32, names) {
            return (s.index, false);
        }
        at = (at + 1) & mask;
    }
    let index = names.len() as u32;
    slots[at] = Slot::new(id, hash as u32, index);
    names.push(id);
    if names.len() * 2 > slots.len() {
        let old = std::mem::replace(slots, vacant_slots(slots.len() * 2));
        for s in old.into_iter().filter(|s| s.index != EMPTY) {
            place(slots, s);
        }
    }
    (index, true)
}

/// `n` vacant slots, in memory backed by huge pages where the system allows it (a lookup's
/// random access then rarely misses the TLB as well as the caches).
fn vacant_slots<const N: usize>(n: usize) -> Vec<Slot<N>> {
    let mut slots = Vec::with_capacity(n);
    super::prefer_huge_pages(&slots);
    slots.resize(n, Slot::VACANT);
    slots
}

/// Puts `s` in the first vacant slot from its hash's. Slots keep only 32 bits of hash, so that
/// is where a table of up to 2^32 slots looks for it.
fn place<const N: usize>(slots: &mut [Slot<N>], s: Slot<N>) {
    let mask = slots.len() - 1;
    let mut at = (s.hash as usize) & mask;
    while slots[at].index != EMPTY {
        at = (at + 1) & mask;
    }
    slots[at] = s;
}

/// Whether two slices of equal length (at most [`WIDE`]) hold the same bytes, compared as a
/// few overlapping words instead of through a call to `memcmp` (which cost a twentieth of a 20M
/// row read).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    fn word<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
        let mut w = [0u8; N];
        w.copy_from_slice(&s[at..at + N]);
        w
    }
    let n = a.len();
    debug_assert!(n == b.len() && n <= WIDE);
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

#[cfg(test)]
mod tests {
    use super::*;

    impl Interner {
        fn is_wide(&self) -> bool {
            matches!(self.table, Table::Wide(_))
        }

        fn slots(&self) -> usize {
            match &self.table {
                Table::Narrow(slots) => slots.len(),
                Table::Wide(slots) => slots.len(),
            }
        }
    }

    #[test]
    fn indices_follow_first_sight_for_short_long_and_empty_ids() {
        let mut ids: Vec<String> = (0..5_000).map(|i| format!("user-{i}")).collect();
        ids.extend((0..500).map(|i| format!("{:040}", i * 7919))); // longer than WIDE
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
        assert!(t.slots() >= 2 * ids.len());
        assert_eq!(t.into_names().into_strings(), ids);
    }

    #[test]
    fn slots_widen_once_one_id_in_eight_fits_only_wide_ones() {
        let mut t = Interner::default();
        let short: Vec<String> = (0..1_000).map(|i| format!("s{i}")).collect();
        let very_long: Vec<String> = (0..1_000).map(|i| format!("{i:030}")).collect();
        let mid: Vec<String> = (0..300).map(|i| format!("item-{i:08}")).collect();
        for id in short.iter().chain(&very_long) {
            t.intern(id);
        }
        assert!(!t.is_wide(), "ids longer than WIDE do not widen the slots");
        // 2,000 ids: the 286th mid-length id is the one that makes 8 × 286 > 2,286.
        for (n, id) in mid.iter().enumerate() {
            t.intern(id);
            assert_eq!(t.is_wide(), n + 1 >= 286, "after {} mid-length ids", n + 1);
        }
        for (n, id) in short.iter().chain(&very_long).chain(&mid).enumerate() {
            assert_eq!(t.intern(id), n as u32, "{id} after widening");
        }
        assert_eq!(t.len(), 2_300);
    }

    #[test]
    fn interning_in_bulk_gives_the_indices_of_one_by_one() {
        // Mid-length ids from row 10,000 on widen the slots in the middle of a batch.
        let ids: Vec<String> = (0..20_000)
            .map(|k| match k % 4 {
                0 => format!("u{}", (k * 7_919) % 5_000),
                1 => format!("{:030}", (k * 104_729) % 900), // longer than WIDE
                3 if k >= 10_000 => format!("item-{:08}", (k * 31) % 3_000),
                _ => format!("{}", k % 17),
            })
            .collect();
        let (mut one, mut bulk) = (Interner::default(), Interner::default());
        let mut widened_at = None;
        let want: Vec<u32> = (ids.iter().enumerate())
            .map(|(k, id)| {
                let index = one.intern(id);
                widened_at = widened_at.or(one.is_wide().then_some(k));
                index
            })
            .collect();
        let widened_at = widened_at.expect("the mid-length ids widen the slots");
        assert!(widened_at > 10_000 && widened_at % 700 != 699, "mid-batch: {widened_at}");
        let mut got = Vec::new();
        for (n, batch) in ids.chunks(700).enumerate() {
            let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
            let hashes: Vec<u64> = refs.iter().map(|id| hash_id(id.as_bytes())).collect();
            bulk.intern_all(|k| refs[k].as_bytes(), &hashes, &mut got);
            assert_eq!(bulk.is_wide(), (n + 1) * 700 > widened_at, "after batch {n}");
        }
        assert_eq!(got, want);
        assert_eq!(bulk.into_names().into_strings(), one.into_names().into_strings());
    }

    #[test]
    fn names_become_strings_in_index_order_across_cores() {
        // More ids than one core's share (`into_strings` splits from 65,536 on).
        let ids: Vec<String> = (0..200_000).map(|k| format!("id-{}", (k * 7_919) % 1_000_003)).collect();
        let mut t = Interner::default();
        for id in &ids {
            t.intern(id);
        }
        assert_eq!(t.into_names().into_strings(), ids);
    }

    #[test]
    fn names_become_ids_as_they_become_strings_even_when_not_utf8() {
        let ids: [&[u8]; 4] = [b"ok", "\u{e9}t\u{e9}".as_bytes(), b"", b"bad \xff"];
        for ids in [&ids[..3], &ids[..]] {
            let mut names = Names::default();
            ids.iter().for_each(|id| names.push(id));
            let strings = Names { bytes: names.bytes.clone(), ends: names.ends.clone(), wide_only: 0 }.into_strings();
            assert_eq!(names.into_ids().iter().collect::<Vec<_>>(), strings, "{} ids", ids.len());
        }
    }

    #[test]
    fn word_compares_agree_with_slice_equality_at_every_length() {
        for n in 0..=WIDE {
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
        for width in [NARROW, WIDE] {
            let mut t = Interner::default();
            let x = "x".repeat(width);
            let ids = ["a", "a\0", "a\0\0", &x, &format!("{x}x"), &format!("{x}y"), &format!("{x}\0")];
            // Enough ids that fit only a wide slot first, for the wide case.
            let filler: Vec<String> =
                (0..if width == WIDE { 10 } else { 0 }).map(|i| format!("filler-{i:04}")).collect();
            for id in &filler {
                t.intern(id);
            }
            assert_eq!(t.is_wide(), width == WIDE);
            for (n, id) in ids.iter().enumerate() {
                assert_eq!(t.intern(id), (filler.len() + n) as u32, "{id:?}");
            }
            assert_eq!(t.len(), filler.len() + ids.len());
        }
    }
}
