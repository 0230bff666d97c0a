//! Measuring shelfwise without tracking anyone: the analysis side of on-device experiments.
//!
//! Each device sends at most one report per period (`Experiment.report` in the JS package): its
//! variant, the period's first day, and one privatised value per metric — a randomized-response
//! bit (Warner 1965; RAPPOR, Erlingsson et al. 2014) for "clicked a recommendation" and
//! "converted", and revenue clipped to a cap plus Laplace noise of scale `cap / ε`. Nothing else:
//! no item id, no device id, no time finer than a day. Here the reports are de-biased into
//! per-variant rates with intervals, the difference between variants is tested, and [`plan`]
//! says how many devices an experiment needs at a given ε.

pub(crate) mod stats;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use stats::{normal_cdf, normal_quantile};

/// The probability that randomized response at `epsilon` reports the true bit: `e^ε / (1 + e^ε)`.
pub(crate) fn truth_probability(epsilon: f64) -> f64 {
    1.0 / (1.0 + (-epsilon).exp())
}

/// One privatised report as the device sends it (`format` "shelfwise-report/1").
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Report {
    /// Always "shelfwise-report/1".
    pub format: String,
    /// The experiment's name.
    pub experiment: String,
    /// The device's variant.
    pub variant: String,
    /// The period's first day, `YYYY-MM-DD`.
    pub period: String,
    /// ε spent on each metric.
    pub epsilon: BTreeMap<String, f64>,
    /// Randomized-response bits (`clicked`, `converted`) and the noised revenue.
    pub metrics: BTreeMap<String, f64>,
    /// The revenue clip (the Laplace noise's sensitivity).
    #[serde(rename = "revenueCap", default)]
    pub revenue_cap: Option<f64>,
}

/// Metrics reported as randomized-response bits.
pub(crate) const BINARY_METRICS: [&str; 2] = ["clicked", "converted"];

/// An estimate with its standard error and 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The de-biased estimate.
    pub value: f64,
    /// Its standard error.
    pub se: f64,
    /// 95 % interval, low end.
    pub low: f64,
    /// 95 % interval, high end.
    pub high: f64,
}

impl Estimate {
    /// The mean of per-device values with its standard error and normal 95 % interval.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0).max(1.0);
        let se = (var / n).sqrt();
        let z = normal_quantile(0.975);
        Self { value: mean, se, low: mean - z * se, high: mean + z * se }
    }
}

/// A difference between two variants.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    /// `treatment − control`, with its interval.
    pub estimate: Estimate,
    /// Two-sided p-value of "no difference" (normal approximation).
    pub p_value: f64,
}

/// One variant's estimates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantResult {
    /// The variant.
    pub variant: String,
    /// Reports (devices × periods).
    pub reports: usize,
    /// Per metric: the de-biased rate (or mean revenue per device).
    pub metrics: BTreeMap<String, Estimate>,
}

/// The analysis of one experiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The experiment.
    pub experiment: String,
    /// Each variant, in name order.
    pub variants: Vec<VariantResult>,
    /// Per metric, each other variant against `control` (or the first variant), `treatment − control`.
    pub differences: BTreeMap<String, BTreeMap<String, Difference>>,
}

/// A randomized-response bit `y` (0 or 1) reported at `epsilon`, de-biased: `(y − (1 − q)) /
/// (2q − 1)` with `q` the truth probability; its mean over devices estimates the true rate.
pub(crate) fn debias_bit(y: f64, epsilon: f64) -> f64 {
    let q = truth_probability(epsilon);
    (y - (1.0 - q)) / (2.0 * q - 1.0)
}

/// `treatment − control` from per-device values, with its interval and two-sided p-value.
pub(crate) fn compare(treatment: &[f64], control: &[f64]) -> Difference {
    let (ea, eb) = (Estimate::of(treatment), Estimate::of(control));
    let d = ea.value - eb.value;
    let se = (ea.se * ea.se + eb.se * eb.se).sqrt();
    let z = normal_quantile(0.975);
    let p_value = if se > 0.0 { 2.0 * (1.0 - normal_cdf((d / se).abs())) } else { 1.0 };
    Difference { estimate: Estimate { value: d, se, low: d - z * se, high: d + z * se }, p_value }
}

/// Each report's unbiased stand-in for the true value of `metric`: a randomized-response bit
/// de-biased ([`debias_bit`]); revenue as noised (Laplace noise has mean zero).
fn debiased(r: &Report, metric: &str) -> Result<Option<f64>> {
    let Some(&y) = r.metrics.get(metric) else { return Ok(None) };
    if !BINARY_METRICS.contains(&metric) {
        return Ok(Some(y));
    }
    let eps = r.epsilon.get(metric).copied().unwrap_or(f64::NAN);
    if !(eps > 0.0 && eps.is_finite()) || !(y == 0.0 || y == 1.0) {
        return Err(Error::InvalidValue {
            field: format!("report {metric}"),
            value: format!("{y} at epsilon {eps}"),
            reason: "a randomized-response metric is 0 or 1 with a positive epsilon".into(),
        });
    }
    Ok(Some(debias_bit(y, eps)))
}

/// De-biases `reports` of experiment `name` into per-variant estimates and differences.
pub fn analyze(name: &str, reports: &[Report]) -> Result<Analysis> {
    let mine: Vec<&Report> = reports.iter().filter(|r| r.experiment == name).collect();
    if mine.is_empty() {
        return Err(Error::Empty(format!("no reports for experiment '{name}'")));
    }
    let mut by_variant: BTreeMap<&str, Vec<&Report>> = BTreeMap::new();
    for r in &mine {
        by_variant.entry(r.variant.as_str()).or_default().push(r);
    }
    let metrics: Vec<String> = {
        let mut m: Vec<String> = mine.iter().flat_map(|r| r.metrics.keys().cloned()).collect();
        m.sort();
        m.dedup();
        m
    };
    let mut variants = Vec::new();
    let mut values: BTreeMap<(&str, &str), Vec<f64>> = BTreeMap::new();
    for (v, rs) in &by_variant {
        let mut est = BTreeMap::new();
        for m in &metrics {
            let vals: Vec<f64> =
                rs.iter().map(|r| debiased(r, m)).collect::<Result<Vec<_>>>()?.into_iter().flatten().collect();
            if !vals.is_empty() {
                est.insert(m.clone(), Estimate::of(&vals));
            }
            values.insert((v, m.as_str()), vals);
        }
        variants.push(VariantResult { variant: v.to_string(), reports: rs.len(), metrics: est });
    }
    let control =
        if by_variant.contains_key("control") { "control" } else { by_variant.keys().next().copied().unwrap_or("") };
    let mut differences: BTreeMap<String, BTreeMap<String, Difference>> = BTreeMap::new();
    for m in &metrics {
        for v in by_variant.keys().filter(|v| **v != control) {
            let (Some(a), Some(b)) = (values.get(&(*v, m.as_str())), values.get(&(control, m.as_str()))) else {
                continue;
            };
            if a.is_empty() || b.is_empty() {
                continue;
            }
            differences.entry(m.clone()).or_default().insert(v.to_string(), compare(a, b));
        }
    }
    Ok(Analysis { experiment: name.to_string(), variants, differences })
}

/// Variance of one device's de-biased randomized-response value when the true rate is `p`.
pub(crate) fn rr_variance(p: f64, epsilon: f64) -> f64 {
    let q = truth_probability(epsilon);
    let observed = p * (2.0 * q - 1.0) + (1.0 - q);
    observed * (1.0 - observed) / ((2.0 * q - 1.0) * (2.0 * q - 1.0))
}

/// What a planned comparison of two rates needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Plan {
    /// Devices per variant (one report each) to detect the lift with the given power.
    pub devices_per_variant: f64,
    /// The same without privacy (the true bits counted directly).
    pub devices_without_privacy: f64,
    /// How many times more devices privacy costs.
    pub privacy_cost: f64,
}

/// Devices per variant to detect `baseline → baseline · (1 + lift)` with a two-sided test at
/// `alpha` and the given `power`, each device reporting one randomized-response bit at `epsilon`.
pub fn plan(baseline: f64, lift: f64, epsilon: f64, alpha: f64, power: f64) -> Result<Plan> {
    let treated = baseline * (1.0 + lift);
    if !(0.0 < baseline && treated < 1.0 && lift != 0.0) {
        return Err(Error::param("baseline, lift", format!("{baseline}, {lift}"), "rates must stay in (0, 1)"));
    }
    let in_unit = |v: f64| 0.0 < v && v < 1.0;
    if !(epsilon > 0.0 && epsilon.is_finite() && in_unit(alpha) && in_unit(power)) {
        return Err(Error::param(
            "epsilon, alpha, power",
            format!("{epsilon}, {alpha}, {power}"),
            "epsilon > 0; alpha and power in (0, 1)",
        ));
    }
    let z = normal_quantile(1.0 - alpha / 2.0) + normal_quantile(power);
    let delta2 = (treated - baseline) * (treated - baseline);
    let private = z * z * (rr_variance(baseline, epsilon) + rr_variance(treated, epsilon)) / delta2;
    let plain = z * z * (baseline * (1.0 - baseline) + treated * (1.0 - treated)) / delta2;
    Ok(Plan {
        devices_per_variant: private.ceil(),
        devices_without_privacy: plain.ceil(),
        privacy_cost: private / plain,
    })
}

/// The power of comparing two rates `p0`, `p1` with `n` devices per variant at `epsilon`
/// (two-sided, `alpha`).
pub fn power(p0: f64, p1: f64, n: f64, epsilon: f64, alpha: f64) -> f64 {
    let se = ((rr_variance(p0, epsilon) + rr_variance(p1, epsilon)) / n).sqrt();
    normal_cdf((p1 - p0).abs() / se - normal_quantile(1.0 - alpha / 2.0))
}

#[cfg(test)]
mod tests;
