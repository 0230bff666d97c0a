//! Spark MLlib's ALS (`ALSModel.save(dir)`), so a shop that trains at cluster scale keeps the
//! bundle, the on-device runtime and exact fold-in.
//!
//! Spark's implicit ALS solves, for a user with ratings `r_i`,
//! `(YᵀY + Σ α|r_i| y_i y_iᵀ + λ·n I) x = Σ_{r_i > 0} (1 + α|r_i|) y_i` (`ALS.computeFactors`:
//! `c1 = alpha · |rating|`, `ls.add(y, 1 + c1, c1)` for a positive rating, and
//! `regParam · numExplicits` on the diagonal, the ALS-WR weighting). That is shelfwise's fold-in
//! with linear scaling and λ per history item ([`FoldIn::lambda_per_item`]), so the device
//! reproduces the user factors Spark computed in its last half-iteration.

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::Array;

use super::{shop_ids, ImportTables, ImportedFactors, MAX_RANK};
use crate::data::parquet::{Batches, Number};
use crate::error::{Error, Result};
use crate::recs::{FoldIn, Scaling};

/// The estimator's parameters that fold-in needs (not in `ALSModel`'s own metadata, which keeps
/// only the rank and column names: read them from `ALS.save(dir)` or give them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparkAlsParams {
    /// `regParam` (Spark's default 0.1).
    pub reg_param: f32,
    /// `alpha` (Spark's default 1.0).
    pub alpha: f32,
    /// `implicitPrefs`: must be true (explicit-feedback ALS solves other equations).
    pub implicit_prefs: bool,
    /// `nonnegative`: must be false (Spark then solves by NNLS, not Cholesky).
    pub nonnegative: bool,
}

impl SparkAlsParams {
    /// Reads the parameters an `ALS` estimator was saved with (`ALS.write().save(dir)`, or a
    /// pipeline stage's folder): `dir/metadata/part-*` JSON, explicit values over defaults.
    pub fn read_estimator(dir: &Path) -> Result<Self> {
        let meta = read_metadata(dir)?;
        let get = |name: &str| {
            meta.get("paramMap").and_then(|m| m.get(name)).or_else(|| meta.get("defaultParamMap")?.get(name))
        };
        let number = |name: &str, default: f64| get(name).and_then(|v| v.as_f64()).unwrap_or(default) as f32;
        let flag = |name: &str, default: bool| get(name).and_then(|v| v.as_bool()).unwrap_or(default);
        Ok(Self {
            reg_param: number("regParam", 0.1),
            alpha: number("alpha", 1.0),
            implicit_prefs: flag("implicitPrefs", false),
            nonnegative: flag("nonnegative", false),
        })
    }

    /// Fails unless fold-in can reproduce Spark's user update with these parameters.
    pub fn check(&self) -> Result<()> {
        if !self.implicit_prefs {
            return Err(Error::param(
                "implicitPrefs",
                "false",
                "explicit-feedback ALS is not imported: train with implicitPrefs=True (purchases, views and clicks are implicit feedback)",
            ));
        }
        if self.nonnegative {
            return Err(Error::param(
                "nonnegative",
                "true",
                "Spark solves non-negative ALS by NNLS, which fold-in does not: train with nonnegative=False",
            ));
        }
        self.fold_in().check()
    }

    fn fold_in(&self) -> FoldIn {
        FoldIn { lambda_per_item: true, ..FoldIn::new(self.reg_param, self.alpha, Scaling::Linear) }
    }
}

/// The JSON of a Spark ML writer's `dir/metadata/part-*` file.
fn read_metadata(dir: &Path) -> Result<serde_json::Value> {
    let meta = dir.join("metadata");
    let part = std::fs::read_dir(&meta)
        .map_err(|e| Error::io(&meta, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("part-")))
        .ok_or_else(|| Error::file(&meta, "holds no part file: not a Spark ML model or estimator folder"))?;
    let text = std::fs::read_to_string(&part).map_err(|e| Error::io(&part, e))?;
    let line = text.lines().next().unwrap_or("");
    serde_json::from_str(line).map_err(|e| Error::file(&part, format!("not Spark ML metadata JSON: {e}")))
}

/// Item factors read from a saved `ALSModel`, rows in Spark's item-index order, with the shop's ids.
#[derive(Debug, Clone)]
pub struct SparkAlsModel {
    /// Spark's integer item id of each row (ascending).
    pub spark_ids: Vec<i64>,
    /// The estimator's parameters.
    pub params: SparkAlsParams,
    /// The factors with the shop's ids, and how to fold a shopper in.
    pub factors: ImportedFactors,
}

impl SparkAlsModel {
    /// Reads `model_dir` (what `ALSModel.save` writes: `metadata/` JSON with the rank,
    /// `itemFactors/` Parquet with `id` and `features`). `item_ids` maps Spark's integer ids to
    /// the shop's (a CSV or Parquet table with columns `index` and `item`, as
    /// `examples/spark/shelfwise_als.py` writes it, read as `tables` says); without it the integer
    /// ids are the ids.
    pub fn read(
        model_dir: &Path,
        params: SparkAlsParams,
        item_ids: Option<&Path>,
        tables: &mut ImportTables,
    ) -> Result<Self> {
        params.check()?;
        let meta = read_metadata(model_dir)?;
        let rank = meta.get("rank").and_then(|r| r.as_u64()).filter(|r| (1..=MAX_RANK as u64).contains(r));
        let rank = rank.ok_or_else(|| {
            Error::file(model_dir, format!("metadata has no rank between 1 and {MAX_RANK}: not an ALSModel folder"))
        })? as usize;
        let (mut rows, mut values) = (Vec::<(i64, usize)>::new(), Vec::<f32>::new());
        // Pages are checked against the default budget, as every other Parquet input's are.
        let mut batches = Batches::open(&model_dir.join("itemFactors"))?
            .nested()
            .columns(&["id".into(), "features".into()])
            .within(Some(crate::data::default_memory_budget()));
        while let Some(b) = batches.next_batch()? {
            let features = b.columns[1].array();
            for r in 0..b.rows {
                let id = match b.columns[0].number(r) {
                    Some(Number::Int(id)) => id,
                    _ => return Err(bad_row(&b, r, "id", "an item id must be a whole number")),
                };
                let start = values.len();
                push_vector(features.as_ref(), r, &mut values).map_err(|why| bad_row(&b, r, "features", why))?;
                if values.len() - start != rank {
                    return Err(bad_row(
                        &b,
                        r,
                        "features",
                        &format!("{} values where the rank is {rank}", values.len() - start),
                    ));
                }
                rows.push((id, start));
            }
        }
        rows.sort_unstable();
        if let Some(w) = rows.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::file(model_dir.join("itemFactors"), format!("item id {} has two factor rows", w[0].0)));
        }
        let factors: Vec<f32> = rows.iter().flat_map(|(_, s)| values[*s..*s + rank].iter().copied()).collect();
        let spark_ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let ids = shop_ids(item_ids, &spark_ids, tables)?;
        let described = vec![
            ("regularization", params.reg_param.to_string()),
            ("alpha", params.alpha.to_string()),
            ("scaling", "linear".to_string()),
            ("lambda", "per history item (Spark ALS-WR)".to_string()),
            ("trained_by", "Apache Spark MLlib ALS (imported)".to_string()),
        ];
        let factors = ImportedFactors::new(ids, factors, rank, params.fold_in(), described)?;
        Ok(Self { spark_ids, params, factors })
    }
}

fn bad_row(b: &crate::data::parquet::Batch, r: usize, col: &str, why: &str) -> Error {
    Error::BadRow { location: b.location(r, col), value: String::new(), reason: why.into() }
}

/// Appends the float list in row `r` of a list column (`array<float>` or `array<double>`).
fn push_vector(list: &dyn Array, r: usize, out: &mut Vec<f32>) -> std::result::Result<(), &'static str> {
    if list.is_null(r) {
        return Err("no factors (null)");
    }
    let values = match list.data_type() {
        arrow_schema::DataType::List(_) => list.as_list::<i32>().value(r),
        arrow_schema::DataType::LargeList(_) => list.as_list::<i64>().value(r),
        arrow_schema::DataType::FixedSizeList(..) => list.as_fixed_size_list().value(r),
        _ => return Err("features must be a list of numbers"),
    };
    match values.data_type() {
        arrow_schema::DataType::Float32 => out.extend(values.as_primitive::<Float32Type>().values().iter()),
        arrow_schema::DataType::Float64 => {
            out.extend(values.as_primitive::<Float64Type>().values().iter().map(|v| *v as f32))
        }
        _ => return Err("features must be floats"),
    }
    if values.null_count() > 0 || out.iter().rev().take(values.len()).any(|v| !v.is_finite()) {
        return Err("a factor value is null or not finite");
    }
    Ok(())
}
