//! The propensity report (`eval propensity --report`, `train propensity --report`): ROC and
//! precision-recall curves, the reliability diagram, score histograms per class, the confusion
//! matrix at the shipped threshold and permutation importance.

use super::chart::{self, Axes, Mark, Series};
use super::{num, Report};
use crate::error::Result;
use crate::eval::classification::{operating_points, OperatingPoint};
use crate::eval::ClassificationReport;

/// What the propensity report is made from.
#[derive(Debug, Clone)]
pub struct PropensityInput<'a> {
    /// What was evaluated (the bundle, the data).
    pub subtitle: String,
    /// Predicted probabilities, one per row.
    pub scores: &'a [f64],
    /// The labels of those rows.
    pub labels: &'a [bool],
    /// The metrics at the threshold used.
    pub metrics: &'a ClassificationReport,
    /// Field → ROC AUC lost when that field's values are shuffled.
    pub importance: &'a [(String, f64)],
    /// `--model auto`'s candidates with their mean cross-validated ROC AUC (empty otherwise).
    pub candidates: Vec<(String, f64)>,
}

/// Curves are drawn through at most this many points.
const CURVE_POINTS: usize = 400;

/// Every `len / max`-th element and the last (curves stay faithful, files stay small).
fn thin<T: Copy>(v: &[T], max: usize) -> Vec<T> {
    if v.len() <= max {
        return v.to_vec();
    }
    let step = v.len().div_ceil(max);
    let mut out: Vec<T> = v.iter().step_by(step).copied().collect();
    out.extend(v.last().copied());
    out
}

/// Builds the report.
pub fn report(input: &PropensityInput) -> Result<Report> {
    let m = input.metrics;
    let mut r = Report::new("shelfwise · propensity report", &input.subtitle);
    r.figures(vec![
        (num(m.n as f64), format!("rows ({} positive)", m.positives)),
        (format!("{:.4}", m.roc_auc), "ROC AUC".into()),
        (format!("{:.4}", m.pr_auc), "PR AUC (average precision)".into()),
        (format!("{:.4}", m.log_loss), "log loss".into()),
        (format!("{:.4}", m.ece), "calibration error (ECE)".into()),
        (format!("{:.3}", m.threshold), "threshold".into()),
        (format!("{:.4}", m.f1), "F1 at the threshold".into()),
    ]);
    let points = operating_points(input.scores, input.labels);
    curves_section(&mut r, m, &points)?;
    calibration_section(&mut r, input)?;
    confusion_section(&mut r, input)?;
    importance_section(&mut r, input.importance)?;
    if !input.candidates.is_empty() {
        r.heading("How --model auto chose");
        let names: Vec<String> = input.candidates.iter().map(|c| c.0.clone()).collect();
        let auc = vec![("mean ROC AUC".to_string(), input.candidates.iter().map(|c| c.1).collect())];
        r.chart(
            chart::bars("Cross-validated ROC AUC per candidate", "mean ROC AUC over the folds", &names, &auc)?,
            "Each candidate family and setting, cross-validated on the training rows; the best was fitted.",
        );
    }
    Ok(r)
}

fn curves_section(r: &mut Report, m: &ClassificationReport, points: &[OperatingPoint]) -> Result<()> {
    r.heading("Ranking: ROC and precision-recall");
    let (pos, neg) = (m.positives.max(1) as f64, (m.n - m.positives).max(1) as f64);
    let mut roc = vec![(0.0, 0.0)];
    roc.extend(points.iter().map(|o| (o.false_positives as f64 / neg, o.true_positives as f64 / pos)));
    let roc = thin(&roc, CURVE_POINTS);
    let chance = Series::with("chance", vec![(0.0, 0.0), (1.0, 1.0)], Mark::Dashed);
    let axes =
        Axes::new(format!("ROC curve (AUC {:.4})", m.roc_auc), "false positive rate", "true positive rate").unit();
    r.chart(chart::lines(&axes, &[Series::line("model", roc), chance])?, "Each point is one threshold.");
    let pr: Vec<(f64, f64)> = points
        .iter()
        .map(|o| {
            (
                o.true_positives as f64 / pos,
                o.true_positives as f64 / (o.true_positives + o.false_positives).max(1) as f64,
            )
        })
        .collect();
    let base = m.positives as f64 / m.n.max(1) as f64;
    let baseline = Series::with("positive rate", vec![(0.0, base), (1.0, base)], Mark::Dashed);
    let axes = Axes::new(format!("Precision-recall (average precision {:.4})", m.pr_auc), "recall", "precision").unit();
    r.chart(
        chart::lines(&axes, &[Series::line("model", thin(&pr, CURVE_POINTS)), baseline])?,
        "The dashed line is a model that ranks at random.",
    );
    Ok(())
}

fn calibration_section(r: &mut Report, input: &PropensityInput) -> Result<()> {
    let m = input.metrics;
    r.heading("Calibration");
    let bins: Vec<(f64, f64)> =
        m.calibration.iter().filter(|b| b.count > 0).map(|b| (b.predicted, b.observed)).collect();
    let diagonal = Series::with("perfectly calibrated", vec![(0.0, 0.0), (1.0, 1.0)], Mark::Dashed);
    let axes = Axes::new(
        format!("Reliability diagram (ECE {:.4})", m.ece),
        "mean predicted probability",
        "observed positive rate",
    )
    .unit();
    r.chart(
        chart::lines(&axes, &[Series::line("model", bins), diagonal])?,
        "Ten equal-width bins of predicted probability; a calibrated model sits on the diagonal.",
    );
    let rows = m
        .calibration
        .iter()
        .map(|b| vec![format!("{:.1}–{:.1}", b.from, b.to), b.count.to_string(), num(b.predicted), num(b.observed)])
        .collect();
    r.table(vec!["bin".into(), "rows".into(), "predicted".into(), "observed".into()], rows);
    const BINS: usize = 20;
    let histogram = |label: bool| {
        let mut counts = [0usize; BINS];
        let rows: Vec<f64> =
            input.scores.iter().zip(input.labels).filter(|(_, y)| **y == label).map(|(p, _)| *p).collect();
        rows.iter().for_each(|p| counts[((p.clamp(0.0, 1.0) * BINS as f64) as usize).min(BINS - 1)] += 1);
        let total = rows.len().max(1) as f64;
        // Steps: each bin drawn flat across its width.
        let mut pts = Vec::with_capacity(2 * BINS);
        for (b, c) in counts.iter().enumerate() {
            let share = *c as f64 / total;
            pts.push((b as f64 / BINS as f64, share));
            pts.push(((b + 1) as f64 / BINS as f64, share));
        }
        pts
    };
    let series = [
        Series::with("negative rows", histogram(false), Mark::Area),
        Series::with("positive rows", histogram(true), Mark::Area),
    ];
    let axes = Axes::new("Scores by class", "predicted probability", "share of the class's rows");
    let axes = Axes { x_range: Some(0.0..1.0), ..axes };
    r.chart(chart::lines(&axes, &series)?, "Twenty bins; the further apart the two classes, the better they separate.");
    Ok(())
}

fn confusion_section(r: &mut Report, input: &PropensityInput) -> Result<()> {
    let t = input.metrics.threshold;
    r.heading(format!("Confusion matrix at the threshold {t:.3}"));
    let mut c = [[0usize; 2]; 2];
    for (p, y) in input.scores.iter().zip(input.labels) {
        c[usize::from(!*y)][usize::from(*p < t)] += 1;
    }
    let labels: Vec<String> = vec!["positive".into(), "negative".into()];
    let shade: Vec<Vec<f64>> =
        c.iter().map(|row| row.iter().map(|v| *v as f64 / row.iter().sum::<usize>().max(1) as f64).collect()).collect();
    let text: Vec<Vec<String>> = c.iter().map(|row| row.iter().map(|v| v.to_string()).collect()).collect();
    r.chart(
        chart::heat_map("Confusion matrix", ("predicted", "actual"), &labels, &shade, &text)?,
        "Rows are the actual class, columns the prediction at the threshold; shading is the share of the row.",
    );
    Ok(())
}

fn importance_section(r: &mut Report, importance: &[(String, f64)]) -> Result<()> {
    if importance.is_empty() {
        return Ok(());
    }
    r.heading("Which fields matter");
    let mut sorted = importance.to_vec();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    let fields: Vec<String> = sorted.iter().map(|f| f.0.clone()).collect();
    let values = vec![("ROC AUC lost".to_string(), sorted.iter().map(|f| f.1).collect())];
    r.chart(
        chart::bars("Permutation importance", "ROC AUC lost when the field is shuffled", &fields, &values)?,
        "Each field's values shuffled across rows, the others kept: how much ROC AUC falls.",
    );
    Ok(())
}
