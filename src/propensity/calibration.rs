//! From a classifier's raw score to a probability one can act on: Platt scaling or isotonic
//! regression, fitted in training on out-of-fold predictions (`train::propensity::calibrate`)
//! and applied on the device after the classifier.

use crate::error::{Error, Result};

/// How raw scores become probabilities.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Calibration {
    /// The raw score as it is.
    #[default]
    None,
    /// Platt scaling: `p = σ(a·logit(s) + b)`.
    Platt {
        /// Slope on the raw score's log-odds.
        a: f64,
        /// Intercept.
        b: f64,
    },
    /// Isotonic regression: the non-decreasing piecewise-linear map through `(x[i], y[i])`
    /// (`x` increasing), constant beyond its ends.
    Isotonic {
        /// Raw scores, increasing.
        x: Vec<f64>,
        /// Probabilities, non-decreasing, in [0, 1].
        y: Vec<f64>,
    },
}

impl Calibration {
    /// `none`, `platt` or `isotonic`.
    pub fn name(&self) -> &'static str {
        match self {
            Calibration::None => "none",
            Calibration::Platt { .. } => "platt",
            Calibration::Isotonic { .. } => "isotonic",
        }
    }

    /// The calibrated probability of raw score `s`.
    pub fn apply(&self, s: f64) -> f64 {
        match self {
            Calibration::None => s,
            Calibration::Platt { a, b } => super::sigmoid(a * super::logit(s) + b),
            Calibration::Isotonic { x, y } => {
                let j = x.partition_point(|v| *v <= s);
                match j {
                    0 => y[0],
                    j if j == x.len() => y[j - 1],
                    j => {
                        let t = (s - x[j - 1]) / (x[j] - x[j - 1]);
                        y[j - 1] + t * (y[j] - y[j - 1])
                    }
                }
            }
        }
    }

    /// Checks finiteness and, for isotonic maps, order and range (as read from a bundle).
    pub(crate) fn validate(&self) -> Result<()> {
        let ok = match self {
            Calibration::None => true,
            Calibration::Platt { a, b } => a.is_finite() && b.is_finite(),
            Calibration::Isotonic { x, y } => {
                !x.is_empty()
                    && x.len() == y.len()
                    && x.iter().all(|v| v.is_finite())
                    && x.windows(2).all(|w| w[0] < w[1])
                    && y.iter().all(|v| (0.0..=1.0).contains(v))
                    && y.windows(2).all(|w| w[0] <= w[1])
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::Corrupt(format!("{} calibration is not a valid map", self.name())))
        }
    }
}
