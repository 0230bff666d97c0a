//! The experiment report (`experiment analyze --report`): per-variant estimates with their
//! 95 % intervals, and each variant against control.

use super::chart::{self, Interval};
use super::{num, Report};
use crate::error::Result;
use crate::experiment::Analysis;

/// A metric's name as a reader says it.
fn metric_name(m: &str) -> String {
    match m {
        "clicked" => "clicked a recommendation (share of devices)".into(),
        "converted" => "converted (share of devices)".into(),
        "revenue" => "revenue per device".into(),
        other => other.into(),
    }
}

/// Builds the report of an analysis of `reports` private reports.
pub fn report(subtitle: &str, a: &Analysis) -> Result<Report> {
    let mut r = Report::new(format!("shelfwise · experiment {}", a.experiment), subtitle);
    let total: usize = a.variants.iter().map(|v| v.reports).sum();
    let mut figures = vec![(num(total as f64), "private reports".to_string())];
    figures.extend(a.variants.iter().map(|v| (num(v.reports as f64), format!("from {}", v.variant))));
    r.figures(figures);
    r.note(
        "Each report carries randomized-response bits and a noised revenue, privatised on the device; the \
         estimates below are de-biased means with normal 95 % intervals, which already include the noise \
         privacy adds.",
    );
    let mut metrics: Vec<&String> = a.variants.iter().flat_map(|v| v.metrics.keys()).collect();
    metrics.sort();
    metrics.dedup();
    for m in metrics {
        r.heading(metric_name(m));
        let rows: Vec<Interval> = a
            .variants
            .iter()
            .filter_map(|v| v.metrics.get(m).map(|e| (v, e)))
            .map(|(v, e)| Interval { label: v.variant.clone(), value: e.value, low: e.low, high: e.high })
            .collect();
        r.chart(chart::intervals(&metric_name(m), "estimate with 95 % interval", &rows, None)?, "Per variant.");
        let mut table: Vec<Vec<String>> = a
            .variants
            .iter()
            .filter_map(|v| v.metrics.get(m).map(|e| (v, e)))
            .map(|(v, e)| vec![v.variant.clone(), num(e.value), num(e.low), num(e.high), "".into()])
            .collect();
        if let Some(diffs) = a.differences.get(m) {
            let rows: Vec<Interval> = diffs
                .iter()
                .map(|(v, d)| Interval {
                    label: format!("{v} − control"),
                    value: d.estimate.value,
                    low: d.estimate.low,
                    high: d.estimate.high,
                })
                .collect();
            r.chart(
                chart::intervals("Difference from control", "difference with 95 % interval", &rows, Some(0.0))?,
                "An interval that does not cross the dashed zero line is a difference at the 5 % level.",
            );
            table.extend(diffs.iter().map(|(v, d)| {
                vec![
                    format!("{v} − control"),
                    num(d.estimate.value),
                    num(d.estimate.low),
                    num(d.estimate.high),
                    format!("{:.4}", d.p_value),
                ]
            }));
        }
        r.table(vec!["".into(), "estimate".into(), "95 % low".into(), "95 % high".into(), "p-value".into()], table);
    }
    Ok(r)
}
