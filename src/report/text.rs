//! The text-classifier report (`train text --report`): the confusion matrix as a heat map and
//! per-class precision, recall and F1.

use super::chart;
use super::{num, Report};
use crate::error::Result;
use crate::eval::multiclass::MulticlassReport;

/// Builds the report for held-out rows scored with `report`.
pub fn report(subtitle: &str, m: &MulticlassReport) -> Result<Report> {
    let mut r = Report::new("shelfwise · text classifier report", subtitle);
    r.figures(vec![
        (num(m.rows as f64), "held-out rows".into()),
        (format!("{:.4}", m.accuracy), "accuracy".into()),
        (format!("{:.4}", m.macro_f1), "macro-F1".into()),
        (m.labels.len().to_string(), "labels".into()),
    ]);
    r.heading("Confusion matrix");
    let shade: Vec<Vec<f64>> = m
        .confusion
        .iter()
        .map(|row| {
            let total = row.iter().sum::<usize>().max(1) as f64;
            row.iter().map(|v| *v as f64 / total).collect()
        })
        .collect();
    let text: Vec<Vec<String>> = m.confusion.iter().map(|row| row.iter().map(|v| v.to_string()).collect()).collect();
    r.chart(
        chart::heat_map("Confusion matrix", ("predicted", "actual"), &m.labels, &shade, &text)?,
        "Rows are the true label, columns the predicted one; shading is the share of the row (recall on the diagonal).",
    );
    r.heading("Per label");
    let groups = vec![
        ("precision".to_string(), m.precision.clone()),
        ("recall".to_string(), m.recall.clone()),
        ("F1".to_string(), m.f1.clone()),
    ];
    r.chart(chart::bars("Precision, recall and F1 per label", "score", &m.labels, &groups)?, "One row per label.");
    let rows = (0..m.labels.len())
        .map(|i| {
            vec![m.labels[i].clone(), m.support[i].to_string(), num(m.precision[i]), num(m.recall[i]), num(m.f1[i])]
        })
        .collect();
    r.table(vec!["label".into(), "rows".into(), "precision".into(), "recall".into(), "F1".into()], rows);
    Ok(r)
}
