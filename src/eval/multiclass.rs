//! Multi-class metrics: accuracy, macro-F1, per-class precision / recall, confusion matrix.

use serde::Serialize;

/// Metrics of predicted vs true class indices over `labels`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MulticlassReport {
    /// Class names, in index order.
    pub labels: Vec<String>,
    /// Rows evaluated.
    pub rows: usize,
    /// Share predicted correctly.
    pub accuracy: f64,
    /// Unweighted mean of per-class F1.
    pub macro_f1: f64,
    /// Per class: precision (0 when never predicted).
    pub precision: Vec<f64>,
    /// Per class: recall.
    pub recall: Vec<f64>,
    /// Per class: F1.
    pub f1: Vec<f64>,
    /// Per class: true rows.
    pub support: Vec<usize>,
    /// `confusion[true][predicted]` counts.
    pub confusion: Vec<Vec<usize>>,
}

/// Computes the report; `truth` and `predicted` hold indices into `labels`.
pub fn multiclass_report(labels: &[String], truth: &[usize], predicted: &[usize]) -> MulticlassReport {
    let c = labels.len();
    let mut confusion = vec![vec![0usize; c]; c];
    for (&t, &p) in truth.iter().zip(predicted) {
        confusion[t][p] += 1;
    }
    let support: Vec<usize> = confusion.iter().map(|r| r.iter().sum()).collect();
    let predicted_n: Vec<usize> = (0..c).map(|k| confusion.iter().map(|r| r[k]).sum()).collect();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision: Vec<f64> = (0..c).map(|k| ratio(confusion[k][k], predicted_n[k])).collect();
    let recall: Vec<f64> = (0..c).map(|k| ratio(confusion[k][k], support[k])).collect();
    let f1: Vec<f64> =
        precision.iter().zip(&recall).map(|(p, r)| if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }).collect();
    let correct: usize = (0..c).map(|k| confusion[k][k]).sum();
    MulticlassReport {
        labels: labels.to_vec(),
        rows: truth.len(),
        accuracy: ratio(correct, truth.len()),
        macro_f1: if c == 0 { 0.0 } else { f1.iter().sum::<f64>() / c as f64 },
        precision,
        recall,
        f1,
        support,
        confusion,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let labels: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let r = multiclass_report(&labels, &[0, 0, 1, 1, 2, 2], &[0, 1, 1, 1, 2, 0]);
        assert_eq!(r.accuracy, 4.0 / 6.0);
        assert_eq!(r.precision, vec![0.5, 2.0 / 3.0, 1.0]);
        assert_eq!(r.recall, vec![0.5, 1.0, 0.5]);
        assert_eq!(r.confusion, vec![vec![1, 1, 0], vec![0, 2, 0], vec![1, 0, 1]]);
        let f1c = 2.0 * 1.0 * 0.5 / 1.5;
        assert!((r.macro_f1 - (0.5 + 0.8 + f1c) / 3.0).abs() < 1e-12);
    }
}
