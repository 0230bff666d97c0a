//! Interaction logs: reading them from CSV, interning ids, merging duplicates.

use std::collections::HashMap;
use std::path::Path;

use super::{source, time::parse_timestamp, Csr};
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
    /// Latest time of each pair (`i64::MIN` when the input has no times).
    pub time: Vec<i64>,
    /// Titles and prices per item, when the input had those columns.
    pub catalog: Option<Catalog>,
}

#[derive(Default)]
struct Builder {
    users: Vec<String>,
    items: Vec<String>,
    user_ix: HashMap<String, u32>,
    item_ix: HashMap<String, u32>,
    pair: HashMap<(u32, u32), usize>,
    out: Interactions,
    titles: Vec<String>,
    prices: Vec<f32>,
    merged: u64,
}

impl Builder {
    fn intern(ix: &mut HashMap<String, u32>, names: &mut Vec<String>, id: &str) -> u32 {
        if let Some(i) = ix.get(id) {
            return *i;
        }
        let i = names.len() as u32;
        names.push(id.to_string());
        ix.insert(id.to_string(), i);
        i
    }

    fn push(&mut self, user: &str, item: &str, weight: f32, time: i64, title: Option<&str>, price: Option<f32>) {
        let u = Self::intern(&mut self.user_ix, &mut self.users, user);
        let i = Self::intern(&mut self.item_ix, &mut self.items, item);
        if self.titles.len() < self.items.len() {
            self.titles.push(String::new());
            self.prices.push(f32::NAN);
        }
        if let Some(t) = title {
            if self.titles[i as usize].is_empty() {
                self.titles[i as usize] = t.trim().to_string();
            }
        }
        if let Some(p) = price {
            if self.prices[i as usize].is_nan() {
                self.prices[i as usize] = p;
            }
        }
        match self.pair.get(&(u, i)) {
            Some(&k) => {
                self.merged += 1;
                self.out.weight[k] += weight;
                self.out.time[k] = self.out.time[k].max(time);
            }
            None => {
                self.pair.insert((u, i), self.out.user.len());
                self.out.user.push(u);
                self.out.item.push(i);
                self.out.weight.push(weight);
                self.out.time.push(time);
            }
        }
    }

    fn finish(mut self, with_catalog: bool) -> Interactions {
        self.out.users = self.users;
        self.out.items = self.items;
        if with_catalog {
            self.out.catalog = Some(Catalog { titles: self.titles, prices: self.prices });
        }
        self.out
    }
}

impl Interactions {
    /// Builds a log from `(user, item, weight)` triples; weights must be finite and > 0.
    pub fn from_triples<'a>(triples: impl IntoIterator<Item = (&'a str, &'a str, f32)>) -> Result<Self> {
        let mut b = Builder::default();
        for (n, (u, i, w)) in triples.into_iter().enumerate() {
            if u.is_empty() || i.is_empty() {
                return Err(Error::InvalidValue { field: format!("triple {n}"), value: format!("({u:?}, {i:?})"), reason: "ids must not be empty".into() });
            }
            if !(w.is_finite() && w > 0.0) {
                return Err(Error::InvalidValue { field: format!("weight of triple {n}"), value: w.to_string(), reason: "must be a finite number > 0".into() });
            }
            b.push(u, i, w, i64::MIN, None, None);
        }
        Ok(b.finish(false))
    }

    /// Reads a CSV (optionally gzip) log. Malformed rows stop the read with an error naming
    /// file, line, column and value, unless `opts.skip_bad_rows`, which counts and reports them.
    /// `progress` is called with the number of rows read so far every 65,536 rows.
    pub fn read_csv(path: &Path, cols: &Columns, opts: &ReadOptions, progress: &dyn Fn(u64)) -> Result<(Self, ReadReport)> {
        let file = path.display().to_string();
        let mut rdr = csv::ReaderBuilder::new().delimiter(opts.delimiter).has_headers(true).from_reader(source::open(path)?);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| Error::io(path, e))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        let find = |name: &str| -> Result<usize> {
            header.iter().position(|h| h == name).ok_or_else(|| Error::MissingColumn { file: file.clone(), column: name.into(), header: header.clone() })
        };
        let optional = |name: &Option<String>| -> Result<Option<usize>> { name.as_deref().map(find).transpose() };
        let (cu, ci) = (find(&cols.user)?, find(&cols.item)?);
        let (cw, ct, ctitle, cprice) = (optional(&cols.weight)?, optional(&cols.time)?, optional(&cols.title)?, optional(&cols.price)?);

        let mut b = Builder::default();
        let mut report = ReadReport::default();
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
                    b.push(r.user, r.item, r.weight, r.time, r.title, r.price);
                    report.rows_kept += 1;
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
        report.duplicates_merged = b.merged;
        if report.rows_kept == 0 {
            return Err(Error::Empty(format!("{file}: no usable rows ({} read, {} skipped)", report.rows_read, report.rows_skipped)));
        }
        Ok((b.finish(ctitle.is_some() || cprice.is_some()), report))
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
        self.time.first().is_some_and(|t| *t != i64::MIN)
    }
    /// Latest interaction time, if any.
    pub fn max_time(&self) -> Option<i64> {
        self.time.iter().copied().filter(|t| *t != i64::MIN).max()
    }

    /// The interactions at `rows`, sharing this log's id spaces and catalogue.
    pub fn select(&self, rows: &[usize]) -> Self {
        Self {
            users: self.users.clone(),
            items: self.items.clone(),
            user: rows.iter().map(|r| self.user[*r]).collect(),
            item: rows.iter().map(|r| self.item[*r]).collect(),
            weight: rows.iter().map(|r| self.weight[*r]).collect(),
            time: rows.iter().map(|r| self.time[*r]).collect(),
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
