//! Fitting calibration on out-of-fold predictions: Platt scaling (Platt 1999, with his smoothed
//! targets) and isotonic regression (pool-adjacent-violators, Zadrozny & Elkan 2002), and the
//! choice between them (and none) by cross-validated log loss.

use crate::error::{Error, Result};
use crate::eval::classification::log_loss_clamped;
use crate::propensity::{logit, sigmoid, Calibration};

/// Which calibration training fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CalibrationChoice {
    /// The lowest two-fold cross-validated log loss among none, Platt and isotonic (default).
    #[default]
    Auto,
    /// Raw classifier scores.
    None,
    /// Platt scaling.
    Platt,
    /// Isotonic regression.
    Isotonic,
}

impl CalibrationChoice {
    /// Parses `auto`, `none`, `platt` or `isotonic`.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "auto" => Self::Auto,
            "none" => Self::None,
            "platt" => Self::Platt,
            "isotonic" => Self::Isotonic,
            _ => return Err(Error::param("calibration", s, "expected auto, none, platt or isotonic")),
        })
    }
}

/// Platt scaling: `σ(a·logit(s) + b)` by Newton's method on the log loss against Platt's
/// smoothed targets (`(N₊ + 1) / (N₊ + 2)` and `1 / (N₋ + 2)`), a small ridge keeping it defined.
pub(crate) fn fit_platt(s: &[f64], y: &[bool]) -> Calibration {
    let pos = y.iter().filter(|v| **v).count() as f64;
    let neg = y.len() as f64 - pos;
    let (hi, lo) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
    let z: Vec<f64> = s.iter().map(|v| logit(*v)).collect();
    let (mut a, mut b) = (1.0, 0.0);
    for _ in 0..50 {
        let (mut g0, mut g1, mut h00, mut h01, mut h11) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for (zi, yi) in z.iter().zip(y) {
            let p = sigmoid(a * zi + b);
            let t = if *yi { hi } else { lo };
            let (d, w) = (p - t, (p * (1.0 - p)).max(1e-12));
            g0 += d * zi;
            g1 += d;
            h00 += w * zi * zi;
            h01 += w * zi;
            h11 += w;
        }
        let det = h00 * h11 - h01 * h01;
        if det.abs() < 1e-300 {
            break;
        }
        let (da, db) = ((h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det);
        a -= da;
        b -= db;
        if da.abs() + db.abs() < 1e-10 {
            break;
        }
    }
    if a.is_finite() && b.is_finite() {
        Calibration::Platt { a, b }
    } else {
        Calibration::None
    }
}

/// Isotonic regression of the labels on the scores by pool-adjacent-violators; the map passes
/// through each pooled block's mean score and mean label (tied scores pool together).
pub(crate) fn fit_isotonic(s: &[f64], y: &[bool]) -> Calibration {
    let mut order: Vec<usize> = (0..s.len()).filter(|i| s[*i].is_finite()).collect();
    order.sort_by(|a, b| s[*a].total_cmp(&s[*b]));
    // Blocks: (sum of scores, sum of labels, count).
    let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        let mut block = (0.0, 0.0, 0.0);
        while j < order.len() && s[order[j]] == s[order[i]] {
            block.0 += s[order[j]];
            block.1 += f64::from(u8::from(y[order[j]]));
            block.2 += 1.0;
            j += 1;
        }
        blocks.push(block);
        while blocks.len() > 1 {
            let (last, prev) = (blocks[blocks.len() - 1], blocks[blocks.len() - 2]);
            if prev.1 / prev.2 < last.1 / last.2 {
                break;
            }
            blocks.pop();
            let merged = blocks.last_mut().map(|b| *b = (b.0 + last.0, b.1 + last.1, b.2 + last.2));
            debug_assert!(merged.is_some());
        }
        i = j;
    }
    if blocks.is_empty() {
        return Calibration::None;
    }
    let x: Vec<f64> = blocks.iter().map(|b| b.0 / b.2).collect();
    let yv: Vec<f64> = blocks.iter().map(|b| b.1 / b.2).collect();
    Calibration::Isotonic { x, y: yv }
}

/// Fits `choice` on out-of-fold scores `s` with labels `y`; for [`CalibrationChoice::Auto`],
/// each method's log loss on two folds (fitted on one half, measured on the other, both ways;
/// the folds alternate through the scores in ascending order, so both halves span the range)
/// picks the method. Returns the calibration and, for `Auto`, each method's log loss.
pub fn calibrate(s: &[f64], y: &[bool], choice: CalibrationChoice) -> (Calibration, Vec<(&'static str, f64)>) {
    let fit = |c: CalibrationChoice, s: &[f64], y: &[bool]| match c {
        CalibrationChoice::Platt => fit_platt(s, y),
        CalibrationChoice::Isotonic => fit_isotonic(s, y),
        _ => Calibration::None,
    };
    if choice != CalibrationChoice::Auto {
        return (fit(choice, s, y), Vec::new());
    }
    let mut order: Vec<usize> = (0..s.len()).collect();
    order.sort_by(|a, b| s[*a].total_cmp(&s[*b]).then(a.cmp(b)));
    let halves: [Vec<usize>; 2] =
        [order.iter().step_by(2).copied().collect(), order.iter().skip(1).step_by(2).copied().collect()];
    let pick = |rows: &[usize]| -> (Vec<f64>, Vec<bool>) {
        (rows.iter().map(|r| s[*r]).collect(), rows.iter().map(|r| y[*r]).collect())
    };
    let mut losses = Vec::new();
    for (name, c) in [
        ("none", CalibrationChoice::None),
        ("platt", CalibrationChoice::Platt),
        ("isotonic", CalibrationChoice::Isotonic),
    ] {
        let mut total = 0.0;
        for k in 0..2 {
            let (fs, fy) = pick(&halves[k]);
            let (es, ey) = pick(&halves[1 - k]);
            let cal = fit(c, &fs, &fy);
            let p: Vec<f64> = es.iter().map(|v| cal.apply(*v)).collect();
            // Clipped at 1e-6, not 1e-15: an isotonic map's 0 or 1 at an end is a wide bin's
            // estimate, not a certainty to be charged 35 nats.
            total += log_loss_clamped(&p, &ey, 1e-6) / 2.0;
        }
        losses.push((name, total));
    }
    let best = losses.iter().min_by(|a, b| a.1.total_cmp(&b.1)).map_or("none", |b| b.0);
    let c = match best {
        "platt" => CalibrationChoice::Platt,
        "isotonic" => CalibrationChoice::Isotonic,
        _ => CalibrationChoice::None,
    };
    (fit(c, s, y), losses)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores that are systematically too high: the true probability of score `s` is `s²`.
    fn overconfident(n: usize) -> (Vec<f64>, Vec<bool>) {
        let mut rng = crate::rng::Rng::new(3);
        (0..n)
            .map(|_| {
                let s = 0.02 + 0.96 * rng.f64();
                (s, rng.f64() < s * s)
            })
            .unzip()
    }

    #[test]
    fn both_methods_fix_overconfident_scores_and_auto_picks_one() {
        let (s, y) = overconfident(20_000);
        let ece = |p: &[f64]| crate::eval::classification::classification_report(p, &y, 0.5).ece;
        let raw = ece(&s);
        for c in [fit_platt(&s, &y), fit_isotonic(&s, &y)] {
            c.validate().unwrap();
            let p: Vec<f64> = s.iter().map(|v| c.apply(*v)).collect();
            let after = ece(&p);
            assert!(after < raw / 3.0 && after < 0.03, "{}: {after} vs raw {raw}", c.name());
        }
        let (c, losses) = calibrate(&s, &y, CalibrationChoice::Auto);
        assert_ne!(c, Calibration::None, "{losses:?}");
        assert_eq!(losses.len(), 3);
        // Already calibrated scores keep (nearly) the identity.
        let t: Vec<f64> = s.iter().map(|v| v * v).collect();
        let p = fit_platt(&t, &y);
        assert!((p.apply(0.3) - 0.3).abs() < 0.05, "{p:?}");
    }

    #[test]
    fn isotonic_is_monotone_through_ties_and_platt_survives_one_class() {
        let s = [0.1, 0.1, 0.2, 0.3, 0.3, 0.9];
        let y = [false, true, false, true, false, true];
        let c = fit_isotonic(&s, &y);
        c.validate().unwrap();
        let probe: Vec<f64> = (0..=20).map(|i| c.apply(i as f64 / 20.0)).collect();
        assert!(probe.windows(2).all(|w| w[0] <= w[1]), "{probe:?}");
        fit_platt(&[0.2, 0.4], &[false, false]).validate().unwrap();
        assert!(CalibrationChoice::parse("sigmoid").is_err());
    }
}
