//! L2-regularised logistic regression solved by Newton's method (IRLS) with a Cholesky step.

use nalgebra::{DMatrix, DVector};

use crate::error::{Error, Result};
use crate::propensity::{sigmoid, Classifier};

/// Logistic regression. The penalty is `‖w‖² / (2C)` (intercept unpenalised), as in scikit-learn.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticParams {
    /// Inverse regularisation strength. Default 1.0.
    pub c: f64,
    /// Newton iterations at most. Default 50.
    pub max_iter: usize,
}

impl Default for LogisticParams {
    fn default() -> Self {
        Self { c: 1.0, max_iter: 50 }
    }
}

impl LogisticParams {
    /// Validates every field.
    pub fn check(&self) -> Result<()> {
        if !(self.c > 0.0 && self.c.is_finite()) {
            return Err(Error::param("C", self.c, "must be a finite number > 0"));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", self.max_iter, "must be at least 1"));
        }
        Ok(())
    }

    /// Fits on encoded rows `x`, labels `y`, row weights `w` (after [`LogisticParams::check`]).
    pub fn fit(&self, x: &[Vec<f32>], y: &[bool], w: &[f32]) -> Result<Classifier> {
        self.check()?;
        let d = x.first().map_or(0, Vec::len);
        let dim = d + 1;
        let mut beta = DVector::<f64>::zeros(dim);
        let lambda = 1.0 / self.c;
        for _ in 0..self.max_iter {
            let mut hess = DMatrix::<f64>::zeros(dim, dim);
            let mut grad = DVector::<f64>::zeros(dim);
            let mut row = vec![0f64; dim];
            for (i, xi) in x.iter().enumerate() {
                row[..d].iter_mut().zip(xi).for_each(|(r, v)| *r = *v as f64);
                row[d] = 1.0;
                let z: f64 = row.iter().zip(beta.iter()).map(|(a, b)| a * b).sum();
                let p = sigmoid(z);
                let wi = w[i] as f64;
                let gi = (p - if y[i] { 1.0 } else { 0.0 }) * wi;
                let hi = (p * (1.0 - p)).max(1e-10) * wi;
                for a in 0..dim {
                    grad[a] += gi * row[a];
                    let ha = hi * row[a];
                    if ha != 0.0 {
                        for b in a..dim {
                            hess[(a, b)] += ha * row[b];
                        }
                    }
                }
            }
            for a in 0..dim {
                for b in 0..a {
                    hess[(a, b)] = hess[(b, a)];
                }
            }
            for a in 0..d {
                grad[a] += lambda * beta[a];
                hess[(a, a)] += lambda;
            }
            hess[(d, d)] += 1e-9;
            let step = hess
                .cholesky()
                .ok_or_else(|| Error::Numerical("logistic Hessian is not positive definite".into()))?
                .solve(&grad);
            beta -= &step;
            if step.amax() < 1e-8 {
                break;
            }
        }
        Ok(Classifier::Logistic { weights: beta.iter().take(d).map(|v| *v as f32).collect(), bias: beta[d] as f32 })
    }
}
