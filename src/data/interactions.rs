//! Interaction logs: reading them from CSV, interning ids, merging duplicates.

use std::ops::Range;
use std::path::Path;

use super::{interner::Interner, source, time::parse_timestamp, Csr};
use crate::error::{Error, Location, Result};
use crate::recs::Catalog;

/// Which columns of a CSV hold what. Only `user` and `item` are required.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// User (customer) id column.
    pub user: String,
    /// Item (product) id column.
    pub item: String,
    /// Optional weight (quantity, rating, count); must be a finite number > 0. Default 1.
    pub weight: Option<String>,
    /// Optional timestamp (Unix seconds or ISO / `M/D/YYYY H:MM` dates).
    pub time: Option<String>,
    /// Optional item title, kept in the bundle's catalogue.
    pub title: Option<String>,
    /// Optional item price, kept in the bundle's catalogue.
    pub price: Option<String>,
}

/// How strict reading is. Default: stop at the first bad row; comma delimiter.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Skip malformed rows (counting and reporting them) instead of stopping.
    pub skip_bad_rows: bool,
    /// Field delimiter (default `,`).
    pub delimiter: u8,
    /// How many skipped-row examples to keep for the report (default 5).
    pub max_examples: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self { skip_bad_rows: false, delimiter: b',', max_examples: 5 }
    }
}

/// What reading found: counts and the first examples of skipped rows.
#[derive(Debug, Clone, Default)]
pub struct ReadReport {
    /// Data rows read (header excluded).
    pub rows_read: u64,
    /// Rows that became interactions.
    pub rows_kept: u64,
    /// Rows skipped as malformed (only with `skip_bad_rows`).
    pub rows_skipped: u64,
    /// The first skipped rows' errors.
    pub examples: Vec<Error>,
    /// Rows folded into an earlier (user, item) pair.
    pub duplicates_merged: u64,
}

/// A deduplicated interaction log with interned ids (structure of arrays).
#[derive(Debug, Clone, Default)]
pub struct Interactions {
    /// User ids by index.
    pub users: Vec<String>,
    /// Item ids by index.
    pub items: Vec<String>,
    /// User index of each interaction.
    pub user: Vec<u32>,
    /// Item index of each interaction.
    pub item: Vec<u32>,
    /// Summed weight of each (user, item) pair.
    pub weight: Vec<f32>,
    /// Latest time of each pair; empty when the input has no times (see [`Interactions::time_at`]).
    pub time: Vec<i64>,
    /// Titles and prices per item, when the input had those columns.
    pub catalog: Option<Catalog>,
}

/// Collects rows as they come (no per-pair hash table: at 20M rows that table alone took more
/// memory than the rows), then merges duplicate pairs by grouping rows per user.
struct Builder {
    users: Interner,
    items: Interner,
    /// Whether rows carry times (`out.time` stays empty otherwise).
    timed: bool,
    out: Interactions,
    titles: Vec<String>,
    prices: Vec<f32>,
    pending: Pending,
}

/// Rows read but not yet interned, their strings copied into one buffer. Reading a file fills
/// these on one thread while another interns them.
#[derive(Default)]
struct Pending {
    text: String,
    rows: Vec<PendingRow>,
    /// (user, item) id hashes of a group of rows, filled by [`Builder::intern`].
    hashes: Vec<(u64, u64)>,
}

impl Pending {
    /// Rows handed from the reading thread to the interning thread at a time.
    const BATCH: usize = 1024;
    /// Rows whose slots are prefetched together: enough misses in flight to hide memory latency,
    /// few enough to stay in L1.
    const PREFETCH: usize = 64;

    /// Queues a row.
    fn push(&mut self, user: &str, item: &str, weight: f32, time: i64, title: Option<&str>, price: Option<f32>) {
        let mut span = |s: &str| {
            let start = self.text.len();
            self.text.push_str(s);
            start..self.text.len()
        };
        let row = PendingRow { user: span(user), item: span(item), title: title.map(&mut span), weight, time, price };
        self.rows.push(row);
    }

    fn is_full(&self) -> bool {
        self.rows.len() >= Self::BATCH
    }
}

struct PendingRow {
    user: Range<usize>,
    item: Range<usize>,
    title: Option<Range<usize>>,
    weight: f32,
    time: i64,
    price: Option<f32>,
}

impl Builder {
    fn new(timed: bool) -> Self {
        Self {
            users: Interner::default(),
            items: Interner::default(),
            timed,
            out: Interactions::default(),
            titles: Vec::new(),
            prices: Vec::new(),
            pending: Pending::default(),
        }
    }

    /// Adds a row on this thread (queued, then interned a batch at a time).
    fn push(&mut self, user: &str, item: &str, weight: f32, time: i64, title: Option<&str>, price: Option<f32>) {
        self.pending.push(user, item, weight, time, title, price);
        if self.pending.is_full() {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let mut p = std::mem::take(&mut self.pending);
        self.intern(&mut p);
        self.pending = p;
    }

    /// Interns a batch of rows and empties it (keeping its buffers), [`Pending::PREFETCH`] rows at a
    /// time: a group's ids are all hashed and their slots prefetched first, so its table misses
    /// overlap instead of being waited for in turn.
    fn intern(&mut self, p: &mut Pending) {
        let Pending { text, rows, hashes } = p;
        for group in rows.chunks(Pending::PREFETCH) {
            hashes.clear();
            for row in group {
                let (hu, hi) = (self.users.hash(&text[row.user.clone()]), self.items.hash(&text[row.item.clone()]));
                self.users.prefetch(hu);
                self.items.prefetch(hi);
                hashes.push((hu, hi));
            }
            for (row, &(hu, hi)) in group.iter().zip(hashes.iter()) {
                let u = self.users.intern_hashed(&text[row.user.clone()], hu);
                let i = self.items.intern_hashed(&text[row.item.clone()], hi);
                if self.titles.len() < self.items.len() {
                    self.titles.push(String::new());
                    self.prices.push(f32::NAN);
                }
                if let Some(t) = &row.title {
                    if self.titles[i as usize].is_empty() {
                        self.titles[i as usize] = text[t.clone()].trim().to_string();
                    }
                }
                if let Some(price) = row.price {
                    if self.prices[i as usize].is_nan() {
                        self.prices[i as usize] = price;
                    }
                }
                self.out.user.push(u);
                self.out.item.push(i);
                self.out.weight.push(row.weight);
                if self.timed {
                    self.out.time.push(row.time);
                }
            }
        }
        text.clear();
        rows.clear();
    }

    /// Folds every repeated (user, item) row into the pair's first row: weights summed in row
    /// order, latest time kept; pairs stay in first-seen order. Returns how many rows were folded.
    fn merge_duplicates(&mut self) -> u64 {
        let d = &mut self.out;
        let (n, users) = (d.user.len(), self.users.len());
        let mut start = vec![0u32; users + 1];
        for u in &d.user {
            start[*u as usize + 1] += 1;
        }
        for u in 0..users {
            start[u + 1] += start[u];
        }
        // Rows grouped by user, each as an `item << 32 | row` key so that sorting a group never
        // looks back into the 20M-row columns. A counting sort in two passes: first into at most
        // 1,024 coarse buckets of consecutive users (few enough write streams to stay cached),
        // then each bucket by user, its counters and its stretch of `keys` small enough to be too.
        let shift = (usize::BITS - users.leading_zeros()).saturating_sub(10);
        let mut coarse = vec![0usize; (users >> shift) + 2];
        for b in 0..coarse.len() - 1 {
            coarse[b + 1] = start[((b + 1) << shift).min(users)] as usize;
        }
        let mut rows = vec![[0u32; 3]; n];
        let mut next: Vec<usize> = coarse.clone();
        for (r, (u, i)) in d.user.iter().zip(&d.item).enumerate() {
            let b = (*u as usize) >> shift;
            rows[next[b]] = [*u, *i, r as u32];
            next[b] += 1;
        }
        let mut keys = vec![0u64; n];
        let mut next = start.clone();
        for &[u, i, r] in &rows {
            keys[next[u as usize] as usize] = (u64::from(i) << 32) | u64::from(r);
            next[u as usize] += 1;
        }
        drop((rows, next));
        let mut folded = vec![false; n];
        let mut merged = 0u64;
        for g in start.windows(2) {
            let group = &mut keys[g[0] as usize..g[1] as usize];
            if group.len() < 2 {
                continue;
            }
            group.sort_unstable();
            let mut head = group[0];
            for &key in &group[1..] {
                if key >> 32 != head >> 32 {
                    head = key;
                    continue;
                }
                let (h, r) = (head as u32 as usize, key as u32 as usize);
                merged += 1;
                folded[r] = true;
                d.weight[h] += d.weight[r];
                if self.timed {
                    d.time[h] = d.time[h].max(d.time[r]);
                }
            }
        }
        drop(keys);
        if merged > 0 {
            let mut w = 0;
            for (r, _) in folded.iter().enumerate().filter(|(_, f)| !**f) {
                d.user[w] = d.user[r];
                d.item[w] = d.item[r];
                d.weight[w] = d.weight[r];
                if self.timed {
                    d.time[w] = d.time[r];
                }
                w += 1;
            }
            d.user.truncate(w);
            d.item.truncate(w);
            d.weight.truncate(w);
            d.time.truncate(if self.timed { w } else { 0 });
        }
        d.user.shrink_to_fit();
        d.item.shrink_to_fit();
        d.weight.shrink_to_fit();
        d.time.shrink_to_fit();
        merged
    }

    /// The merged log and how many duplicate rows were folded into earlier ones.
    fn finish(mut self, with_catalog: bool) -> (Interactions, u64) {
        self.flush();
        let merged = self.merge_duplicates();
        self.out.users = self.users.into_names();
        self.out.items = self.items.into_names();
        if with_catalog {
            self.out.catalog = Some(Catalog { titles: self.titles, prices: self.prices });
        }
        (self.out, merged)
    }
}

impl Interactions {
    /// Builds a log from `(user, item, weight)` triples; weights must be finite and > 0.
    pub fn from_triples<'a>(triples: impl IntoIterator<Item = (&'a str, &'a str, f32)>) -> Result<Self> {
        let mut b = Builder::new(false);
        for (n, (u, i, w)) in triples.into_iter().enumerate() {
            if u.is_empty() || i.is_empty() {
                return Err(Error::InvalidValue {
                    field: format!("triple {n}"),
                    value: format!("({u:?}, {i:?})"),
                    reason: "ids must not be empty".into(),
                });
            }
            if !(w.is_finite() && w > 0.0) {
                return Err(Error::InvalidValue {
                    field: format!("weight of triple {n}"),
                    value: w.to_string(),
                    reason: "must be a finite number > 0".into(),
                });
            }
            b.push(u, i, w, i64::MIN, None, None);
        }
        Ok(b.finish(false).0)
    }

    /// Reads a CSV (optionally gzip) log. Malformed rows stop the read with an error naming
    /// file, line, column and value, unless `opts.skip_bad_rows`, which counts and reports them.
    /// `progress` is called with the number of rows read so far every 65,536 rows.
    pub fn read_csv(
        path: &Path,
        cols: &Columns,
        opts: &ReadOptions,
        progress: &dyn Fn(u64),
    ) -> Result<(Self, ReadReport)> {
        let file = path.display().to_string();
        let mut rdr =
            csv::ReaderBuilder::new().delimiter(opts.delimiter).has_headers(true).from_reader(source::open(path)?);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| Error::io(path, e))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        let find = |name: &str| -> Result<usize> {
            header.iter().position(|h| h == name).ok_or_else(|| Error::MissingColumn {
                file: file.clone(),
                column: name.into(),
                header: header.clone(),
            })
        };
        let optional = |name: &Option<String>| -> Result<Option<usize>> { name.as_deref().map(find).transpose() };
        let (cu, ci) = (find(&cols.user)?, find(&cols.item)?);
        let (cw, ct, ctitle, cprice) =
            (optional(&cols.weight)?, optional(&cols.time)?, optional(&cols.title)?, optional(&cols.price)?);

        let timed = ct.is_some();
        let mut report = ReadReport::default();
        // This thread parses rows into batches; a second one interns them, in order.
        let b = std::thread::scope(|scope| -> Result<Builder> {
            let (to_intern, batches) = std::sync::mpsc::sync_channel::<Pending>(4);
            let (recycle, spare) = std::sync::mpsc::channel::<Pending>();
            let interning = scope.spawn(move || {
                let mut b = Builder::new(timed);
                for mut p in batches {
                    b.intern(&mut p);
                    let _ = recycle.send(p); // fails only once reading has stopped
                }
                b
            });
            let mut p = Pending::default();
            let mut record = csv::StringRecord::new();
            let mut line = 1u64;
            loop {
                let row = rdr.read_record(&mut record);
                line = record.position().map_or(line + 1, |p| p.line());
                let parsed = match row {
                    Ok(false) => break,
                    Ok(true) => {
                        report.rows_read += 1;
                        parse_row(&record, &header, &file, line, cu, ci, cw, ct, ctitle, cprice)
                    }
                    Err(e) => {
                        report.rows_read += 1;
                        Err(source::row_error(e, &file, line))
                    }
                };
                match parsed {
                    Ok(r) => {
                        p.push(r.user, r.item, r.weight, r.time, r.title, r.price);
                        report.rows_kept += 1;
                        if p.is_full() {
                            let next = spare.try_recv().unwrap_or_default();
                            if to_intern.send(std::mem::replace(&mut p, next)).is_err() {
                                break; // the interning thread panicked; joining it re-raises that
                            }
                        }
                    }
                    Err(e) if opts.skip_bad_rows => {
                        report.rows_skipped += 1;
                        if report.examples.len() < opts.max_examples {
                            report.examples.push(e);
                        }
                    }
                    Err(e) => return Err(e),
                }
                if report.rows_read % 65_536 == 0 {
                    progress(report.rows_read);
                }
            }
            let _ = to_intern.send(p);
            drop(to_intern);
            Ok(interning.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        })?;
        if report.rows_kept == 0 {
            return Err(Error::Empty(format!(
                "{file}: no usable rows ({} read, {} skipped)",
                report.rows_read, report.rows_skipped
            )));
        }
        let (data, merged) = b.finish(ctitle.is_some() || cprice.is_some());
        report.duplicates_merged = merged;
        Ok((data, report))
    }

    /// Number of distinct (user, item) pairs.
    pub fn len(&self) -> usize {
        self.user.len()
    }
    /// True when there are no interactions.
    pub fn is_empty(&self) -> bool {
        self.user.is_empty()
    }
    /// Number of users.
    pub fn n_users(&self) -> usize {
        self.users.len()
    }
    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.items.len()
    }
    /// Fraction of the user × item matrix that is filled.
    pub fn density(&self) -> f64 {
        self.len() as f64 / (self.n_users().max(1) as f64 * self.n_items().max(1) as f64)
    }
    /// Whether the input had a time column.
    pub fn has_time(&self) -> bool {
        !self.time.is_empty()
    }
    /// Time of interaction `r`, or `i64::MIN` when the log has no times.
    pub fn time_at(&self, r: usize) -> i64 {
        self.time.get(r).copied().unwrap_or(i64::MIN)
    }
    /// Latest interaction time, if any.
    pub fn max_time(&self) -> Option<i64> {
        self.time.iter().copied().max()
    }

    /// The interactions at `rows`, sharing this log's id spaces and catalogue.
    pub fn select(&self, rows: &[usize]) -> Self {
        Self {
            users: self.users.clone(),
            items: self.items.clone(),
            user: rows.iter().map(|r| self.user[*r]).collect(),
            item: rows.iter().map(|r| self.item[*r]).collect(),
            weight: rows.iter().map(|r| self.weight[*r]).collect(),
            time: if self.has_time() { rows.iter().map(|r| self.time[*r]).collect() } else { Vec::new() },
            catalog: self.catalog.clone(),
        }
    }

    /// Rows grouped by user: row `u` lists `(item, weight)`.
    pub fn by_user(&self) -> Csr {
        Csr::build(self.n_users(), &self.user, &self.item, &self.weight)
    }

    /// Rows grouped by item: row `i` lists `(user, weight)`.
    pub fn by_item(&self) -> Csr {
        Csr::build(self.n_items(), &self.item, &self.user, &self.weight)
    }
}

struct Row<'a> {
    user: &'a str,
    item: &'a str,
    weight: f32,
    time: i64,
    title: Option<&'a str>,
    price: Option<f32>,
}

#[allow(clippy::too_many_arguments)]
fn parse_row<'a>(
    rec: &'a csv::StringRecord,
    header: &[String],
    file: &str,
    line: u64,
    cu: usize,
    ci: usize,
    cw: Option<usize>,
    ct: Option<usize>,
    ctitle: Option<usize>,
    cprice: Option<usize>,
) -> Result<Row<'a>> {
    let bad = |col: usize, reason: &str| Error::BadRow {
        location: Location { file: file.into(), line, column: header[col].clone() },
        value: rec.get(col).unwrap_or("").to_string(),
        reason: reason.into(),
    };
    let field = |col: usize| rec.get(col).map(str::trim).unwrap_or("");
    let user = field(cu);
    if user.is_empty() {
        return Err(bad(cu, "empty user id"));
    }
    let item = field(ci);
    if item.is_empty() {
        return Err(bad(ci, "empty item id"));
    }
    let weight = match cw {
        Some(c) => match field(c).parse::<f32>() {
            Ok(w) if w.is_finite() && w > 0.0 => w,
            Ok(_) => return Err(bad(c, "weight must be a finite number > 0")),
            Err(_) => return Err(bad(c, "weight is not a number")),
        },
        None => 1.0,
    };
    let time = match ct {
        Some(c) => parse_timestamp(field(c)).ok_or_else(|| bad(c, "unrecognised timestamp"))?,
        None => i64::MIN,
    };
    let price = match cprice {
        Some(c) if !field(c).is_empty() => match field(c).parse::<f32>() {
            Ok(p) if p.is_finite() && p >= 0.0 => Some(p),
            _ => return Err(bad(c, "price must be a finite number >= 0")),
        },
        _ => None,
    };
    Ok(Row { user, item, weight, time, title: ctitle.map(field), price })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The obvious definition: one hash-map slot per pair, in first-seen order.
    fn reference(rows: &[(u32, u32, f32, i64)]) -> Vec<(u32, u32, f32, i64)> {
        let mut slot: std::collections::HashMap<(u32, u32), usize> = std::collections::HashMap::new();
        let mut out: Vec<(u32, u32, f32, i64)> = Vec::new();
        for &(u, i, w, t) in rows {
            match slot.get(&(u, i)) {
                Some(&k) => {
                    out[k].2 += w;
                    out[k].3 = out[k].3.max(t);
                }
                None => {
                    slot.insert((u, i), out.len());
                    out.push((u, i, w, t));
                }
            }
        }
        out
    }

    #[test]
    fn duplicates_fold_into_first_rows_in_order() {
        let mut rng = crate::rng::Rng::new(3);
        // 40 users sort in one pass; 3,000 users go through coarse buckets of 4 users first.
        for (timed, users, items) in [(false, 40, 30), (true, 40, 30), (true, 3_000, 4)] {
            let rows: Vec<(u32, u32, f32, i64)> = (0..5_000)
                .map(|_| {
                    (rng.below(users) as u32, rng.below(items) as u32, 0.1 + rng.f64() as f32, rng.below(1_000) as i64)
                })
                .collect();
            let mut b = Builder::new(timed);
            for &(u, i, w, t) in &rows {
                b.push(&format!("u{u}"), &format!("i{i}"), w, t, None, None);
            }
            let (d, merged) = b.finish(false);
            let want = reference(&rows);
            assert_eq!(merged as usize, rows.len() - want.len());
            assert_eq!(d.len(), want.len());
            assert_eq!(d.has_time(), timed);
            for (r, (u, i, w, t)) in want.iter().enumerate() {
                assert_eq!(
                    (d.users[d.user[r] as usize].as_str(), d.items[d.item[r] as usize].as_str()),
                    (format!("u{u}").as_str(), format!("i{i}").as_str())
                );
                assert_eq!(d.weight[r].to_bits(), w.to_bits(), "row {r}: weights sum in row order");
                assert_eq!(d.time_at(r), if timed { *t } else { i64::MIN });
            }
        }
    }

    /// Rows cross from the reading thread to the interning thread in batches: order, errors
    /// after batches have gone, and skipped rows must all come out as if read on one thread.
    #[test]
    fn reading_in_batches_keeps_order_and_reports_the_bad_line() {
        let path = std::env::temp_dir().join(format!("shelfwise-batches-{}.csv", std::process::id()));
        let mut csv = String::from("user,item,qty\n");
        let mut good = Vec::new();
        for r in 0..5_000u32 {
            let (u, i) = (format!("u{}", (r * 7919) % 1_300), format!("i{}", (r * 104_729) % 90));
            if r == 2_999 {
                csv.push_str(&format!("{u},{i},-2\n")); // line 3001
            } else {
                csv.push_str(&format!("{u},{i},{}\n", 1 + r % 3));
                good.push((u, i, (1 + r % 3) as f32));
            }
        }
        std::fs::write(&path, csv).unwrap();
        let cols =
            Columns { user: "user".into(), item: "item".into(), weight: Some("qty".into()), ..Columns::default() };
        let err = Interactions::read_csv(&path, &cols, &ReadOptions::default(), &|_| {}).unwrap_err();
        match &err {
            Error::BadRow { location, value, .. } => {
                assert_eq!((location.line, location.column.as_str(), value.as_str()), (3_001, "qty", "-2"), "{err}")
            }
            other => panic!("expected a bad row, got {other}"),
        }
        let opts = ReadOptions { skip_bad_rows: true, ..ReadOptions::default() };
        let (read, report) = Interactions::read_csv(&path, &cols, &opts, &|_| {}).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!((report.rows_read, report.rows_kept, report.rows_skipped), (5_000, 4_999, 1));
        let want = Interactions::from_triples(good.iter().map(|(u, i, w)| (u.as_str(), i.as_str(), *w))).unwrap();
        assert_eq!(
            (&read.users, &read.items, &read.user, &read.item, &read.weight),
            (&want.users, &want.items, &want.user, &want.item, &want.weight)
        );
        assert_eq!(report.duplicates_merged as usize, 4_999 - want.len());
    }
}
