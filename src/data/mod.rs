//! Native-only data ingestion: CSV/gzip logs with line/column errors, id interning, CSR rows.

pub mod catalog;
mod compression;
mod csv_input;
mod decimal;
mod hive;
pub mod ids;
pub mod interactions;
mod interner;
pub mod parquet;
pub mod source;
pub mod table;
pub mod time;

pub use ids::Ids;
pub use interactions::{Columns, Interactions, ReadOptions, ReadReport, TimeWindow};

/// The default memory budget for reading an input: half of this machine's physical memory (from
/// `/proc/meminfo`; 4 GiB where that cannot be read), leaving the rest for training.
pub fn default_memory_budget() -> u64 {
    physical_memory().map_or(4 << 30, |m| m / 2)
}

/// Hands memory the allocator holds free back to the system. glibc keeps freed blocks in its
/// heaps, up to twice an adaptive threshold at each heap's top: after a 20M-row read that was
/// 20–30 MB of the peak, held through the last merge of duplicates. A no-op elsewhere.
pub(crate) fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu", not(miri)))]
    // SAFETY: `malloc_trim` takes no pointer and frees nothing in use; any thread may call it.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Asks Linux to back the 2 MB-aligned stretches of `v`'s buffer with 2 MB pages
/// (`MADV_HUGEPAGE`; effective where transparent huge pages are `madvise` or `always`), best
/// called before the buffer is first written. A no-op elsewhere.
pub(crate) fn prefer_huge_pages<T>(v: &Vec<T>) {
    #[cfg(all(target_os = "linux", not(miri)))]
    {
        const HUGE: usize = 2 << 20;
        let start = v.as_ptr() as usize;
        let end = start + v.capacity() * std::mem::size_of::<T>();
        let (from, to) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if to > from {
            // SAFETY: the range lies within `v`'s allocation, which the borrow keeps alive, and
            // `MADV_HUGEPAGE` changes how its pages are backed, never what they hold.
            unsafe {
                libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(all(target_os = "linux", not(miri))))]
    let _ = v;
}

fn physical_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 =
        info.lines().find_map(|l| l.strip_prefix("MemTotal:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// Compressed sparse rows: row `r` holds `idx[indptr[r]..indptr[r+1]]` with values `val[..]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    /// Row starts (`rows + 1` entries).
    pub indptr: Vec<usize>,
    /// Column indices, sorted within each row.
    pub idx: Vec<u32>,
    /// Values.
    pub val: Vec<f32>,
}

impl Csr {
    /// Groups `(row[k], col[k], val[k])` triples into `rows` rows, columns sorted per row.
    pub fn build(rows: usize, row: &[u32], col: &[u32], val: &[f32]) -> Self {
        let mut indptr = vec![0usize; rows + 1];
        for r in row {
            indptr[*r as usize + 1] += 1;
        }
        for r in 0..rows {
            indptr[r + 1] += indptr[r];
        }
        let mut next = indptr.clone();
        let mut idx = vec![0u32; row.len()];
        let mut v = vec![0f32; row.len()];
        for k in 0..row.len() {
            let r = row[k] as usize;
            idx[next[r]] = col[k];
            v[next[r]] = val[k];
            next[r] += 1;
        }
        // Sort each row by column (stable, so equal columns keep input order); one buffer for all.
        let mut pairs: Vec<(u32, f32)> = Vec::new();
        for r in 0..rows {
            let (s, e) = (indptr[r], indptr[r + 1]);
            if idx[s..e].is_sorted() {
                continue;
            }
            pairs.clear();
            pairs.extend(idx[s..e].iter().copied().zip(v[s..e].iter().copied()));
            pairs.sort_by_key(|p| p.0);
            for (k, (c, x)) in pairs.iter().enumerate() {
                idx[s + k] = *c;
                v[s + k] = *x;
            }
        }
        Self { indptr, idx, val: v }
    }
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.indptr.len() - 1
    }
    /// Column indices of row `r`.
    pub fn cols(&self, r: usize) -> &[u32] {
        &self.idx[self.indptr[r]..self.indptr[r + 1]]
    }
    /// Values of row `r`.
    pub fn vals(&self, r: usize) -> &[f32] {
        &self.val[self.indptr[r]..self.indptr[r + 1]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flags of the mapping that holds `addr`, from `/proc/self/smaps` (`None`: not found).
    #[cfg(target_os = "linux")]
    fn mapping_flags(addr: usize) -> Option<String> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut inside = false;
        for line in smaps.lines() {
            let range = line.split_whitespace().next().and_then(|r| r.split_once('-'));
            if let Some((Ok(start), Ok(end))) =
                range.map(|(s, e)| (usize::from_str_radix(s, 16), usize::from_str_radix(e, 16)))
            {
                inside = (start..end).contains(&addr);
            } else if let (true, Some(flags)) = (inside, line.strip_prefix("VmFlags:")) {
                return Some(flags.to_string());
            }
        }
        None
    }

    #[test]
    fn huge_pages_are_asked_for_without_touching_what_a_buffer_holds() {
        // Nothing to ask for: no buffer, no bytes, less than a 2 MB stretch.
        prefer_huge_pages(&Vec::<u8>::new());
        prefer_huge_pages(&Vec::<()>::with_capacity(1 << 30));
        prefer_huge_pages(&vec![7u8; 100]);
        let mut v: Vec<u64> = (0..1u64 << 21).collect(); // 16 MB, written before and after
        prefer_huge_pages(&v);
        assert!(v.iter().enumerate().all(|(k, &x)| x == k as u64));
        v.resize(v.len() + 10, 1);
        // Where the kernel has transparent huge pages, the stretch is marked for them (`hg`),
        // whether or not 2 MB pages were free to back it.
        #[cfg(target_os = "linux")]
        if std::path::Path::new("/sys/kernel/mm/transparent_hugepage/enabled").exists() {
            let v: Vec<u64> = Vec::with_capacity(1 << 21);
            prefer_huge_pages(&v);
            let middle = v.as_ptr() as usize + (8 << 20);
            let flags = mapping_flags(middle).expect("the buffer's mapping is in smaps");
            assert!(flags.split_whitespace().any(|f| f == "hg"), "{flags}");
        }
    }
}
