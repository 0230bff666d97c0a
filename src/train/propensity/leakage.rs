//! What each field says on its own, and what the model leans on: single-field out-of-fold AUC
//! and missingness by class (for leakage warnings: a column known only after the outcome
//! predicts it far too well), and permutation importance on held-out rows.

use std::collections::HashMap;

use super::{ColumnType, Dataset};
use crate::error::Result;
use crate::eval::classification_report;
use crate::propensity::{Propensity, Value};
use crate::rng::Rng;

/// Quantile bins a numeric field is cut into for its single-field AUC.
const BINS: usize = 32;
/// A field alone at or above this out-of-fold AUC is called out whatever the others do.
const ALONE_AUC: f64 = 0.95;
/// A field at or above this AUC and this far above the next best one is called out too.
const FAR_AUC: f64 = 0.9;
const FAR_GAP: f64 = 0.25;

/// One field's signal on its own.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldSignal {
    /// The field.
    pub field: String,
    /// Out-of-fold ROC AUC of the target rate of the field's value (per category, per quantile
    /// bin of a number; missing is a value of its own), folded to ≥ 0.5.
    pub auc: f64,
    /// Share of positive rows where the field is missing.
    pub missing_positive: f64,
    /// Share of negative rows where the field is missing.
    pub missing_negative: f64,
}

/// A field's value as a group key: its category, its quantile bin (given the cut points), or
/// missing.
fn key(v: &Value, cuts: Option<&[f64]>) -> String {
    if let (Some(c), Some(x)) = (cuts, number(v)) {
        return format!("bin {}", c.partition_point(|q| *q < x));
    }
    match v {
        Value::Missing => "\u{0}missing".into(),
        Value::Bool(b) => format!("bool {b}"),
        Value::Number(x) => format!("num {x}"),
        Value::Text(t) => format!("text {t}"),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(x) => Some(*x),
        Value::Text(t) => t.trim().parse().ok().filter(|x: &f64| x.is_finite()),
        _ => None,
    }
}

/// Each field's [`FieldSignal`] over `rows`: target rates learned on one half, scored on the
/// other, both ways (so a column of ids does not look predictive).
pub(crate) fn field_signals(ds: &Dataset, rows: &[usize], seed: u64) -> Vec<FieldSignal> {
    let mut shuffled = rows.to_vec();
    Rng::new(seed ^ 0x1ea4).shuffle(&mut shuffled);
    let halves = [&shuffled[..shuffled.len() / 2], &shuffled[shuffled.len() / 2..]];
    let (pos, neg) = {
        let p = rows.iter().filter(|r| ds.labels[**r]).count();
        (p.max(1) as f64, (rows.len() - p).max(1) as f64)
    };
    let base = pos / rows.len().max(1) as f64;
    ds.columns
        .iter()
        .enumerate()
        .map(|(c, (name, ty))| {
            let (mut scores, mut labels) = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
            for k in 0..2 {
                let (fit, score) = (halves[k], halves[1 - k]);
                let cuts: Option<Vec<f64>> = (*ty == ColumnType::Numeric).then(|| {
                    let mut v: Vec<f64> = fit.iter().filter_map(|r| number(&ds.rows[*r][c])).collect();
                    v.sort_by(f64::total_cmp);
                    (1..BINS).filter_map(|b| v.get(b * v.len() / BINS).copied()).collect()
                });
                let mut rate: HashMap<String, (f64, f64)> = HashMap::new();
                for r in fit {
                    let e = rate.entry(key(&ds.rows[*r][c], cuts.as_deref())).or_default();
                    e.0 += f64::from(u8::from(ds.labels[*r]));
                    e.1 += 1.0;
                }
                for r in score {
                    // Smoothed towards the base rate, so a value seen once says little.
                    let (p, n) = rate.get(&key(&ds.rows[*r][c], cuts.as_deref())).copied().unwrap_or_default();
                    scores.push((p + 2.0 * base) / (n + 2.0));
                    labels.push(ds.labels[*r]);
                }
            }
            let auc = classification_report(&scores, &labels, 0.5).roc_auc;
            let missing = |class: bool| {
                rows.iter().filter(|r| ds.labels[**r] == class && matches!(ds.rows[**r][c], Value::Missing)).count()
                    as f64
            };
            FieldSignal {
                field: name.clone(),
                auc: auc.max(1.0 - auc),
                missing_positive: missing(true) / pos,
                missing_negative: missing(false) / neg,
            }
        })
        .collect()
}

/// Warnings for fields that look like leakage: one that alone predicts the target almost
/// perfectly, or far better than every other field, or one missing mostly for one class.
/// Each names the field and the way out (`--ignore`).
pub(crate) fn leakage_warnings(signals: &[FieldSignal]) -> Vec<String> {
    let mut by_auc: Vec<&FieldSignal> = signals.iter().collect();
    by_auc.sort_by(|a, b| b.auc.total_cmp(&a.auc));
    let mut out = Vec::new();
    for (i, s) in by_auc.iter().enumerate() {
        let next = by_auc.get(i + 1).map_or(0.5, |n| n.auc);
        let far = i == 0 && s.auc >= FAR_AUC && s.auc - next >= FAR_GAP;
        if s.auc >= ALONE_AUC || far {
            out.push(format!(
                "'{}' alone predicts the target with AUC {:.3} (the next field: {:.3}): if it is only known after the outcome, leave it out with --ignore {}",
                s.field, s.auc, next, s.field
            ));
        }
    }
    for s in signals {
        let (hi, lo) = if s.missing_positive > s.missing_negative {
            (s.missing_positive, s.missing_negative)
        } else {
            (s.missing_negative, s.missing_positive)
        };
        if hi >= 0.05 && hi >= 10.0 * lo.max(0.001) {
            out.push(format!(
                "'{}' is missing in {:.0}% of positive and {:.0}% of negative rows: missingness that tracks the outcome often means it is recorded after it (--ignore {})",
                s.field,
                100.0 * s.missing_positive,
                100.0 * s.missing_negative,
                s.field
            ));
        }
    }
    out
}

/// Permutation importance: how much `model`'s ROC AUC on `records` drops when one field's
/// values are shuffled across the rows (seeded), largest first. Model fields absent from the
/// records are left out.
pub fn permutation_importance(
    model: &Propensity,
    records: &[Vec<(&str, Value)>],
    y: &[bool],
    seed: u64,
) -> Result<Vec<(String, f64)>> {
    let auc = |recs: &[Vec<(&str, Value)>]| -> Result<f64> {
        let p = recs.iter().map(|r| model.score(r).map(|s| s.p)).collect::<Result<Vec<f64>>>()?;
        Ok(classification_report(&p, y, 0.5).roc_auc)
    };
    let base = auc(records)?;
    let mut out = Vec::new();
    for f in &model.schema().fields {
        let Some(col) = records.first().and_then(|r| r.iter().position(|(n, _)| *n == f.name)) else { continue };
        let mut values: Vec<Value> = records.iter().map(|r| r[col].1.clone()).collect();
        Rng::new(seed).shuffle(&mut values);
        let shuffled: Vec<Vec<(&str, Value)>> = records
            .iter()
            .zip(values)
            .map(|(r, v)| {
                let mut r = r.clone();
                r[col].1 = v;
                r
            })
            .collect();
        out.push((f.name.clone(), base - auc(&shuffled)?));
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(out)
}
