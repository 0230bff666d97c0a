//! A multilayer perceptron (ReLU hidden layers, sigmoid output) trained with Adam on log loss,
//! with early stopping on a held-out share of the training rows.

use crate::error::{Error, Result};
use crate::propensity::{sigmoid, Classifier, Dense};
use crate::rng::Rng;

/// MLP hyperparameters. Defaults follow scikit-learn's `MLPClassifier((64, 32))`.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpParams {
    /// Hidden layer widths. Default `[64, 32]`.
    pub hidden: Vec<usize>,
    /// Adam step size. Default 0.001.
    pub learning_rate: f64,
    /// L2 penalty on weights. Default 1e-4.
    pub alpha: f64,
    /// Mini-batch size. Default 200.
    pub batch: usize,
    /// Epochs at most. Default 200.
    pub epochs: usize,
    /// Share of training rows held out for early stopping. Default 0.1.
    pub validation: f64,
    /// Epochs without validation improvement before stopping. Default 10.
    pub patience: usize,
    /// Seed for initial weights, shuffling and the hold-out. Default 42.
    pub seed: u64,
}

impl Default for MlpParams {
    fn default() -> Self {
        Self {
            hidden: vec![64, 32],
            learning_rate: 1e-3,
            alpha: 1e-4,
            batch: 200,
            epochs: 200,
            validation: 0.1,
            patience: 10,
            seed: 42,
        }
    }
}

struct Adam {
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Adam {
    fn new(n: usize) -> Self {
        Self { m: vec![0.0; n], v: vec![0.0; n], t: 0 }
    }

    fn step(&mut self, params: &mut [f32], grad: &[f64], lr: f64) {
        self.t += 1;
        let (b1, b2) = (0.9f64, 0.999f64);
        let (c1, c2) = (1.0 - b1.powi(self.t), 1.0 - b2.powi(self.t));
        for i in 0..params.len() {
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * grad[i];
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * grad[i] * grad[i];
            params[i] -= (lr * (self.m[i] / c1) / ((self.v[i] / c2).sqrt() + 1e-8)) as f32;
        }
    }
}

impl MlpParams {
    /// Validates every field.
    pub fn check(&self) -> Result<()> {
        if self.hidden.is_empty() || self.hidden.iter().any(|h| *h == 0 || *h > 4096) {
            return Err(Error::param("hidden", format!("{:?}", self.hidden), "one or more widths between 1 and 4096"));
        }
        if !(0.0..0.5).contains(&self.validation) || self.batch == 0 || self.epochs == 0 {
            return Err(Error::param(
                "mlp",
                format!("validation {} batch {} epochs {}", self.validation, self.batch, self.epochs),
                "validation in [0, 0.5), batch and epochs > 0",
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::param("learning_rate", self.learning_rate, "must be a finite number > 0"));
        }
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::param("alpha", self.alpha, "must be a finite number >= 0"));
        }
        Ok(())
    }

    /// Fits on encoded rows `x`, labels `y`, row weights `w` (after [`MlpParams::check`]).
    pub fn fit(&self, x: &[Vec<f32>], y: &[bool], w: &[f32]) -> Result<Classifier> {
        self.check()?;
        let mut rng = Rng::new(self.seed);
        let mut layers = self.init(x.first().map_or(0, Vec::len), &mut rng);
        let mut adam: Vec<(Adam, Adam)> =
            layers.iter().map(|l| (Adam::new(l.weights.len()), Adam::new(l.bias.len()))).collect();
        let mut rows: Vec<usize> = (0..x.len()).collect();
        rng.shuffle(&mut rows);
        let cut = (rows.len() as f64 * self.validation) as usize;
        let valid: Vec<usize> = rows.drain(..cut).collect();
        let (mut best, mut best_layers, mut stale) = (f64::INFINITY, layers.clone(), 0);
        for _ in 0..self.epochs {
            rng.shuffle(&mut rows);
            for batch in rows.chunks(self.batch) {
                let mut grads = Gradients::zeros(&layers);
                for &r in batch {
                    let acts = forward(&layers, &x[r]);
                    let p = sigmoid(acts[layers.len()][0] as f64);
                    backward(&layers, &acts, (p - if y[r] { 1.0 } else { 0.0 }) * w[r] as f64, &mut grads);
                }
                self.step(&mut layers, &mut adam, &grads, batch.len() as f64);
            }
            let loss = log_loss(&layers, x, y, if valid.is_empty() { &rows } else { &valid });
            if loss < best - 1e-5 {
                best = loss;
                best_layers = layers.clone();
                stale = 0;
            } else {
                stale += 1;
                if stale >= self.patience {
                    break;
                }
            }
        }
        Ok(Classifier::Mlp { layers: best_layers })
    }

    /// Layers of widths `d`, the hidden widths, 1, with Glorot-uniform weights and biases
    /// (the output layer's bound for a sigmoid, the others' for ReLU).
    fn init(&self, d: usize, rng: &mut Rng) -> Vec<Dense> {
        let mut widths = vec![d];
        widths.extend(&self.hidden);
        widths.push(1);
        widths
            .windows(2)
            .enumerate()
            .map(|(i, io)| {
                let (fi, fo) = (io[0], io[1]);
                let factor = if i + 2 == widths.len() { 2.0 } else { 6.0 };
                let bound = (factor / (fi + fo) as f64).sqrt();
                Dense {
                    inputs: fi,
                    outputs: fo,
                    weights: (0..fi * fo).map(|_| ((rng.f64() * 2.0 - 1.0) * bound) as f32).collect(),
                    bias: (0..fo).map(|_| ((rng.f64() * 2.0 - 1.0) * bound) as f32).collect(),
                }
            })
            .collect()
    }

    /// One Adam step per layer on a batch's mean gradient plus the L2 penalty.
    fn step(&self, layers: &mut [Dense], adam: &mut [(Adam, Adam)], grads: &Gradients, m: f64) {
        for (i, l) in layers.iter_mut().enumerate() {
            let gwi: Vec<f64> =
                grads.weights[i].iter().zip(&l.weights).map(|(g, wv)| g / m + self.alpha * *wv as f64 / m).collect();
            let gbi: Vec<f64> = grads.bias[i].iter().map(|g| g / m).collect();
            adam[i].0.step(&mut l.weights, &gwi, self.learning_rate);
            adam[i].1.step(&mut l.bias, &gbi, self.learning_rate);
        }
    }
}

/// A batch's summed gradients, per layer.
struct Gradients {
    weights: Vec<Vec<f64>>,
    bias: Vec<Vec<f64>>,
}

impl Gradients {
    fn zeros(layers: &[Dense]) -> Self {
        Self {
            weights: layers.iter().map(|l| vec![0.0; l.weights.len()]).collect(),
            bias: layers.iter().map(|l| vec![0.0; l.bias.len()]).collect(),
        }
    }
}

/// Every layer's activations for input `x` (`x` itself first; ReLU on hidden layers, the
/// output's logit last).
fn forward(layers: &[Dense], x: &[f32]) -> Vec<Vec<f32>> {
    let mut acts: Vec<Vec<f32>> = vec![x.to_vec()];
    for (i, l) in layers.iter().enumerate() {
        let mut out = Vec::new();
        l.forward(&acts[i], &mut out);
        if i + 1 < layers.len() {
            out.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        acts.push(out);
    }
    acts
}

/// Back-propagates the output error `delta` (p − y, weighted) through `layers`, adding each
/// layer's gradients to `grads`.
fn backward(layers: &[Dense], acts: &[Vec<f32>], delta: f64, grads: &mut Gradients) {
    let mut delta = vec![delta];
    for i in (0..layers.len()).rev() {
        let l = &layers[i];
        let input = &acts[i];
        let rows = grads.weights[i].chunks_exact_mut(l.inputs);
        for ((d, gb), row) in delta.iter().zip(grads.bias[i].iter_mut()).zip(rows) {
            *gb += d;
            for (g, a) in row.iter_mut().zip(input) {
                *g += d * *a as f64;
            }
        }
        if i > 0 {
            let mut prev = vec![0f64; l.inputs];
            for (d, row) in delta.iter().zip(l.weights.chunks_exact(l.inputs)) {
                for (pv, wv) in prev.iter_mut().zip(row) {
                    *pv += d * *wv as f64;
                }
            }
            for (pv, a) in prev.iter_mut().zip(input) {
                if *a <= 0.0 {
                    *pv = 0.0;
                }
            }
            delta = prev;
        }
    }
}

/// Mean log loss of `layers` on `rows` (probabilities clamped away from 0 and 1).
fn log_loss(layers: &[Dense], x: &[Vec<f32>], y: &[bool], rows: &[usize]) -> f64 {
    let model = Classifier::Mlp { layers: layers.to_vec() };
    rows.iter()
        .map(|r| {
            let q = model.predict(&x[*r]).clamp(1e-15, 1.0 - 1e-15);
            if y[*r] {
                -q.ln()
            } else {
                -(1.0 - q).ln()
            }
        })
        .sum::<f64>()
        / rows.len().max(1) as f64
}
