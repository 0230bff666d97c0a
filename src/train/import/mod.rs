//! Factor models trained elsewhere, made into shelfwise recommenders: Spark MLlib's ALS
//! ([`spark`]) and the Python implicit library's ([`implicit`]). Each reader finds the item
//! factors, the shop's item ids and the fold-in that solves the trainer's own user update, so the
//! device reproduces the user factors the trainer computes from a history.

pub mod implicit;
pub mod spark;

use std::collections::HashMap;
use std::path::Path;

use crate::bundle::Metadata;
use crate::data::table::Table;
use crate::data::Interactions;
use crate::error::{Error, Result};
use crate::recs::{Catalog, FactorModel, FoldIn, ItemIndex, NeighborModel, RecModel, Recommender};

pub use implicit::{ImplicitAlsParams, SavedAls};
pub use spark::{SparkAlsModel, SparkAlsParams};

/// How an import reads its own tables (the item ids, popularity and bought-together tables): each
/// one's separator is detected, and its rows that are not UTF-8 are read in `legacy`. What reading
/// found that a run should say (rows that were not UTF-8, numbers with a decimal comma) is kept in
/// `notices`, a line each, naming its table.
#[derive(Debug, Clone)]
pub struct ImportTables {
    /// The code page of rows that are not UTF-8 (default Windows-1252, as for every CSV).
    pub legacy: &'static encoding_rs::Encoding,
    /// What the tables read so far had to say.
    pub notices: Vec<String>,
}

impl Default for ImportTables {
    /// Rows that are not UTF-8 read in every CSV's default code page ([`crate::data::source::CsvFormat::default`],
    /// Windows-1252); nothing said yet.
    fn default() -> Self {
        Self { legacy: crate::data::source::CsvFormat::default().legacy, notices: Vec::new() }
    }
}

/// The most factors per item an import takes (fold-in factorises a rank × rank system).
pub const MAX_RANK: usize = 1024;

/// Item factors trained elsewhere, with the shop's item ids and the fold-in of their trainer.
#[derive(Debug, Clone)]
pub struct ImportedFactors {
    ids: Vec<String>,
    factors: Vec<f32>,
    rank: usize,
    fold: FoldIn,
    described: Vec<(&'static str, String)>,
}

impl ImportedFactors {
    /// Factors (`rank` per id, row-major) folded in by `fold`; `described` are the metadata
    /// parameters the bundle records (the trainer, λ, α…).
    pub(crate) fn new(
        ids: Vec<String>,
        factors: Vec<f32>,
        rank: usize,
        fold: FoldIn,
        described: Vec<(&'static str, String)>,
    ) -> Result<Self> {
        fold.check()?;
        if !(1..=MAX_RANK).contains(&rank) {
            return Err(Error::param("rank", rank, format!("must be between 1 and {MAX_RANK} factors per item")));
        }
        if factors.len() != ids.len() * rank {
            return Err(Error::shape(
                format!("factor values of {} items at rank {rank}", ids.len()),
                ids.len() * rank,
                factors.len(),
            ));
        }
        Ok(Self { ids, factors, rank, fold, described })
    }

    /// The shop's item id of each row.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Factors per item.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Row-major factors, [`ImportedFactors::rank`] values per item.
    pub fn factors(&self) -> &[f32] {
        &self.factors
    }

    /// How a shopper is folded in.
    pub fn fold(&self) -> FoldIn {
        self.fold
    }

    /// The fold-in model: the factors, their Gramian, the trainer's confidence and λ.
    pub(crate) fn factor_model(&self) -> Result<FactorModel> {
        let g = super::als::gramian(&self.factors, self.rank);
        FactorModel::new(self.rank, self.factors.clone(), g, self.fold)
    }

    /// A recommender of these factors. Popularity, titles and prices come from `log` (the
    /// interactions the model was trained on, streamed like any input: items it lacks get none)
    /// or else from `popularity` (item id → share of users, a table the trainer's job computed).
    pub fn recommender(
        &self,
        log: Option<&Interactions>,
        popularity: Option<&HashMap<String, f32>>,
    ) -> Result<Recommender> {
        let n = self.ids.len();
        let mut meta = Metadata::new("als");
        meta.params.insert("factors".into(), self.rank.to_string());
        for (k, v) in &self.described {
            meta.params.insert((*k).into(), v.clone());
        }
        meta.counts.insert("items".into(), n as u64);
        let (pop, catalog) = match (log, popularity) {
            (Some(data), _) => self.counted_in(data, &mut meta),
            (None, Some(shares)) => (self.ids.iter().map(|id| shares.get(id).copied().unwrap_or(0.0)).collect(), None),
            (None, None) => (vec![0f32; n], None),
        };
        let model = RecModel::Factors(self.factor_model()?);
        Recommender::from_parts(ItemIndex::new(self.ids.clone())?, catalog, pop, model, meta)
    }

    /// Popularity (share of the log's users), titles and prices of the rows from the log, and its
    /// counts and last time into `meta`.
    fn counted_in(&self, data: &Interactions, meta: &mut Metadata) -> (Vec<f32>, Option<Catalog>) {
        let n = self.ids.len();
        let row_of: HashMap<&str, usize> = self.ids.iter().enumerate().map(|(r, id)| (id.as_str(), r)).collect();
        let map: Vec<Option<usize>> = data.items.iter().map(|id| row_of.get(id.as_str()).copied()).collect();
        let mut seen = vec![false; data.n_users()];
        let mut counts = vec![0u32; n];
        for (u, i) in data.user.iter().zip(&data.item) {
            if let Some(r) = map[*i as usize] {
                counts[r] += 1;
                seen[*u as usize] = true;
            }
        }
        let users = seen.iter().filter(|s| **s).count();
        meta.counts.insert("users".into(), users as u64);
        meta.counts.insert("interactions".into(), counts.iter().map(|c| u64::from(*c)).sum());
        meta.trained_until = data.max_time().map(crate::data::time::format_timestamp);
        let catalog = data.catalog.as_ref().map(|c| {
            let mut cat = Catalog { titles: vec![String::new(); n], prices: vec![f32::NAN; n] };
            for (i, r) in map.iter().enumerate() {
                if let Some(r) = r {
                    cat.titles[*r] = c.titles[i].clone();
                    cat.prices[*r] = c.prices[i];
                }
            }
            cat
        });
        (counts.iter().map(|c| *c as f32 / users.max(1) as f32).collect(), catalog)
    }
}

/// The shop's id of each imported row's integer id: from `item_ids` (see [`map_ids`]), else the
/// integer itself.
pub(crate) fn shop_ids(item_ids: Option<&Path>, indexes: &[i64], tables: &mut ImportTables) -> Result<Vec<String>> {
    match item_ids {
        Some(p) => map_ids(p, indexes, tables),
        None => Ok(indexes.iter().map(i64::to_string).collect()),
    }
}

/// The shop's id of each imported row's integer id, from a table with columns `index` and
/// `item`, or `item` alone whose row numbers (from 0) are the indexes.
fn map_ids(path: &Path, indexes: &[i64], tables: &mut ImportTables) -> Result<Vec<String>> {
    let t = read_table(path, &["item"], tables)?;
    let cs = t.column("item")?;
    let ci = t.header.iter().position(|h| h == "index");
    let bad_index = |index: i64, reason: &str| Error::InvalidValue {
        field: format!("{}: index", path.display()),
        value: index.to_string(),
        reason: reason.into(),
    };
    let mut by_index = HashMap::with_capacity(t.rows.len());
    for (r, row) in t.rows.iter().enumerate() {
        let index: i64 = match ci {
            None => r as i64,
            Some(ci) => row[ci].trim().parse().map_err(|_| Error::BadRow {
                location: t.location(r, ci),
                value: row[ci].clone(),
                reason: "index must be a whole number".into(),
            })?,
        };
        if by_index.insert(index, row[cs].trim().to_string()).is_some() {
            return Err(bad_index(index, "two rows give this index an id"));
        }
    }
    indexes
        .iter()
        .map(|i| by_index.remove(i).ok_or_else(|| bad_index(*i, "an item of the factors has no id in the table")))
        .collect()
}

/// One of an import's tables, Parquet or CSV as a person may have written it too: its separator
/// detected (a `sep=` line or the header), its numbers with a decimal comma read with a point
/// (in files whose separator is not the comma) but in the id columns `ids`.
fn read_table(path: &Path, ids: &[&str], tables: &mut ImportTables) -> Result<Table> {
    use crate::data::source::{detect_delimiter, CsvFormat};
    let mut t = Table::read(path, CsvFormat { delimiter: detect_delimiter(path)?.byte, legacy: tables.legacy })?;
    let keep: Vec<usize> = ids.iter().filter_map(|c| t.header.iter().position(|h| h == c)).collect();
    t.point_decimal_commas(&keep);
    tables.notices.extend(t.notices().into_iter().map(|n| format!("{}: {n}", path.display())));
    Ok(t)
}

/// Bought-together rows from a table with columns `item`, `other`, `baskets` and `lift` (the
/// Spark job's `together/`): pairs shared by fewer than `min_support` baskets are left out, and
/// each item keeps its `neighbors` partners of highest lift. Items `items` lacks are skipped.
pub fn read_together(
    path: &Path,
    items: &ItemIndex,
    min_support: u32,
    neighbors: usize,
    tables: &mut ImportTables,
) -> Result<NeighborModel> {
    let t = read_table(path, &["item", "other"], tables)?;
    let [ci, co, cb, cl] = ["item", "other", "baskets", "lift"].map(|c| t.column(c));
    let (ci, co, cb, cl) = (ci?, co?, cb?, cl?);
    let mut pairs = Vec::new();
    for (r, row) in t.rows.iter().enumerate() {
        let number = |c: usize| -> Result<f64> {
            row[c].trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).ok_or_else(|| Error::BadRow {
                location: t.location(r, c),
                value: row[c].clone(),
                reason: "must be a finite number >= 0".into(),
            })
        };
        let (baskets, lift) = (number(cb)?, number(cl)?);
        if let (Some(a), Some(b)) = (items.get(row[ci].trim()), items.get(row[co].trim())) {
            if baskets >= f64::from(min_support) {
                pairs.push((a, b, lift as f32));
            }
        }
    }
    Ok(crate::train::baskets::together_from_pairs(items.len(), &pairs, neighbors))
}

/// Item id → share of users, from a table with columns `item` and `share` (the Spark job's
/// `popularity/`).
pub fn read_popularity(path: &Path, tables: &mut ImportTables) -> Result<HashMap<String, f32>> {
    let t = read_table(path, &["item"], tables)?;
    let (ci, cs) = (t.column("item")?, t.column("share")?);
    t.rows
        .iter()
        .enumerate()
        .map(|(r, row)| match row[cs].trim().parse::<f32>() {
            Ok(s) if s.is_finite() && s >= 0.0 => Ok((row[ci].trim().to_string(), s)),
            _ => Err(Error::BadRow {
                location: t.location(r, cs),
                value: row[cs].clone(),
                reason: "share must be a finite number >= 0".into(),
            }),
        })
        .collect()
}
