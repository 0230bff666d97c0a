//! Binary classification metrics: threshold metrics, ROC AUC, PR AUC, log loss, calibration.

use serde::Serialize;

/// One calibration bin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// Lower edge of predicted probability.
    pub from: f64,
    /// Upper edge.
    pub to: f64,
    /// Rows in the bin.
    pub count: usize,
    /// Mean predicted probability.
    pub predicted: f64,
    /// Observed positive rate.
    pub observed: f64,
}

/// Metrics for predicted probabilities against labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassificationReport {
    /// Rows.
    pub n: usize,
    /// Positive rows.
    pub positives: usize,
    /// Threshold used for the threshold metrics.
    pub threshold: f64,
    /// Accuracy at `threshold`.
    pub accuracy: f64,
    /// Precision at `threshold`.
    pub precision: f64,
    /// Recall at `threshold`.
    pub recall: f64,
    /// F1 at `threshold`.
    pub f1: f64,
    /// Area under the ROC curve (ties averaged).
    pub roc_auc: f64,
    /// Average precision (area under the precision-recall curve).
    pub pr_auc: f64,
    /// Mean log loss (probabilities clipped to [1e-15, 1 − 1e-15]).
    pub log_loss: f64,
    /// Threshold that maximises F1, and that F1.
    pub best_f1_threshold: f64,
    /// F1 at `best_f1_threshold`.
    pub best_f1: f64,
    /// Ten equal-width bins of predicted probability.
    pub calibration: Vec<CalibrationBin>,
    /// Expected calibration error over those bins: Σ (rows in bin / rows) · |predicted − observed|.
    pub ece: f64,
}

/// Computes every metric; `threshold` is used for accuracy/precision/recall/F1.
pub fn classification_report(p: &[f64], y: &[bool], threshold: f64) -> ClassificationReport {
    let n = p.len().min(y.len());
    let (p, y) = (&p[..n], &y[..n]);
    let positives = y.iter().filter(|v| **v).count();
    let (mut tp, mut fp, mut tn, mut fneg) = (0usize, 0usize, 0usize, 0usize);
    for (pi, yi) in p.iter().zip(y) {
        match (*pi >= threshold, *yi) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fneg += 1,
        }
    }
    let precision = div(tp, tp + fp);
    let recall = div(tp, tp + fneg);
    let sweep = sweep_thresholds(p, y, positives);
    let bins = calibration(p, y);
    ClassificationReport {
        n,
        positives,
        threshold,
        accuracy: div(tp + tn, n),
        precision,
        recall,
        f1: f1(precision, recall),
        roc_auc: sweep.roc_auc,
        pr_auc: sweep.pr_auc,
        log_loss: log_loss(p, y),
        best_f1_threshold: sweep.best_f1_threshold,
        best_f1: sweep.best_f1,
        calibration: bins.clone(),
        ece: bins.iter().map(|b| b.count as f64 * (b.predicted - b.observed).abs()).sum::<f64>() / n.max(1) as f64,
    }
}

/// `a / b`, or 0 when `b` is 0.
fn div(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The harmonic mean of precision and recall (0 when both are 0).
fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}

/// Mean log loss, probabilities clamped away from 0 and 1.
fn log_loss(p: &[f64], y: &[bool]) -> f64 {
    log_loss_clamped(p, y, 1e-15)
}

/// Mean log loss with probabilities clamped to [`eps`, 1 − `eps`].
pub(crate) fn log_loss_clamped(p: &[f64], y: &[bool], eps: f64) -> f64 {
    let total: f64 = p
        .iter()
        .zip(y)
        .map(|(pi, yi)| {
            let q = pi.clamp(eps, 1.0 - eps);
            if *yi {
                -q.ln()
            } else {
                -(1.0 - q).ln()
            }
        })
        .sum();
    total / p.len().max(1) as f64
}

/// What one pass over the scores, best first, gives.
struct Sweep {
    roc_auc: f64,
    pr_auc: f64,
    best_f1: f64,
    best_f1_threshold: f64,
}

/// ROC AUC (ties averaged), average precision and the best-F1 threshold, in one pass over the
/// [`operating_points`] (scores best first, tied scores as one group).
fn sweep_thresholds(p: &[f64], y: &[bool], positives: usize) -> Sweep {
    let neg = p.len().min(y.len()) - positives;
    let (mut auc, mut ap) = (0.0, 0.0);
    let (mut tp_c, mut fp_c) = (0usize, 0usize);
    let (mut best_f1, mut best_t) = (0.0, 0.5);
    for point in operating_points(p, y) {
        let (tp_g, fp_g) = (point.true_positives - tp_c, point.false_positives - fp_c);
        // ROC: trapezoid over the tied group; AP: recall step × precision at the group's end.
        auc += fp_g as f64 * (tp_c as f64 + tp_g as f64 / 2.0);
        tp_c += tp_g;
        fp_c += fp_g;
        if tp_g > 0 && positives > 0 {
            ap += (tp_g as f64 / positives as f64) * (tp_c as f64 / (tp_c + fp_c) as f64);
        }
        let f = f1(div(tp_c, tp_c + fp_c), div(tp_c, positives));
        if f > best_f1 {
            best_f1 = f;
            best_t = point.threshold;
        }
    }
    let roc_auc = if positives == 0 || neg == 0 { 0.5 } else { auc / (positives as f64 * neg as f64) };
    Sweep { roc_auc, pr_auc: ap, best_f1, best_f1_threshold: best_t }
}

/// One threshold of a sweep: rows scored at or above `threshold`, split by label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OperatingPoint {
    /// The lowest score counted as positive.
    pub threshold: f64,
    /// Positive rows at or above it.
    pub true_positives: usize,
    /// Negative rows at or above it.
    pub false_positives: usize,
}

/// Every distinct threshold, highest first (tied scores move together): the points ROC and
/// precision-recall curves are drawn through.
pub(crate) fn operating_points(p: &[f64], y: &[bool]) -> Vec<OperatingPoint> {
    let n = p.len().min(y.len());
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| p[*b].total_cmp(&p[*a]));
    let (mut out, mut tp, mut fp, mut i) = (Vec::new(), 0usize, 0usize, 0usize);
    while i < n {
        let t = p[order[i]];
        // The group's first row always counts, so a NaN score (equal to nothing) is a group of
        // its own rather than a loop that never advances.
        loop {
            if y[order[i]] {
                tp += 1
            } else {
                fp += 1
            }
            i += 1;
            if i == n || p[order[i]] != t {
                break;
            }
        }
        out.push(OperatingPoint { threshold: t, true_positives: tp, false_positives: fp });
    }
    out
}

/// Ten equal-width bins of predicted probability: mean prediction against observed rate.
fn calibration(p: &[f64], y: &[bool]) -> Vec<CalibrationBin> {
    (0..10)
        .map(|b| {
            let (from, to) = (b as f64 / 10.0, (b + 1) as f64 / 10.0);
            let idx: Vec<usize> =
                (0..p.len()).filter(|i| p[*i] >= from && (p[*i] < to || (b == 9 && p[*i] <= 1.0))).collect();
            let c = idx.len().max(1) as f64;
            CalibrationBin {
                from,
                to,
                count: idx.len(),
                predicted: idx.iter().map(|i| p[*i]).sum::<f64>() / c,
                observed: idx.iter().filter(|i| y[**i]).count() as f64 / c,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let p = [0.9, 0.8, 0.7, 0.6, 0.2, 0.1];
        let y = [true, false, true, true, false, false];
        let r = classification_report(&p, &y, 0.5);
        // Positives at ranks 1,3,4 among 6: pairs ordered correctly = 3+2+2 of 9.
        assert!((r.roc_auc - 7.0 / 9.0).abs() < 1e-12, "{}", r.roc_auc);
        assert!((r.accuracy - 5.0 / 6.0).abs() < 1e-12);
        assert!((r.precision - 0.75).abs() < 1e-12 && (r.recall - 1.0).abs() < 1e-12);
        let ap = (1.0 + 2.0 / 3.0 + 3.0 / 4.0) / 3.0;
        assert!((r.pr_auc - ap).abs() < 1e-12);
        let ties = classification_report(&[0.5, 0.5], &[true, false], 0.5);
        assert!((ties.roc_auc - 0.5).abs() < 1e-12);
        let pts = operating_points(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false]);
        let tpfp: Vec<(usize, usize)> = pts.iter().map(|o| (o.true_positives, o.false_positives)).collect();
        assert_eq!(tpfp, [(1, 0), (2, 1), (2, 2)]);
        assert_eq!(pts[1].threshold, 0.5);
        // A NaN score is a group of its own: the sweep ends.
        let pts = operating_points(&[0.9, f64::NAN, 0.1], &[true, false, true]);
        assert_eq!(pts.len(), 3);
    }
}
