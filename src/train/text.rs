//! Training the text classifier: TF-IDF on the training texts, then multinomial logistic
//! regression with an L2 penalty (`Σ log-loss + ‖W‖² / 2C`, intercepts unpenalised — the
//! objective of scikit-learn's `LogisticRegression(C)`) minimised by L-BFGS.

use crate::error::{Error, Result};
use crate::text::classifier::softmax;
use crate::text::{TextClassifier, Tfidf, Tokenizer};

/// Parameters of [`TextParams::fit`], with stated defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TextParams {
    word_ngrams: u8,
    char_ngrams: (u8, u8),
    min_df: u32,
    c: f64,
    max_iter: usize,
    balanced: bool,
}

impl Default for TextParams {
    fn default() -> Self {
        Self { word_ngrams: 2, char_ngrams: (0, 0), min_df: 1, c: 10.0, max_iter: 300, balanced: true }
    }
}

/// What training did.
#[derive(Debug, Clone, PartialEq)]
pub struct TextFitReport {
    /// L-BFGS iterations run.
    pub iterations: usize,
    /// Final objective value.
    pub objective: f64,
    /// Whether the gradient fell below the tolerance before `max_iter`.
    pub converged: bool,
}

impl TextParams {
    /// Defaults: word uni- and bigrams, no character n-grams, min document frequency 1,
    /// C = 10, balanced class weights, at most 300 L-BFGS iterations. Training is deterministic (no randomness).
    pub fn new() -> Self {
        Self::default()
    }
    /// Longest word n-gram (1–3). Default 2.
    pub fn word_ngrams(mut self, n: u8) -> Self {
        self.word_ngrams = n;
        self
    }
    /// Character n-gram lengths `(min, max)` inside words, `(0, 0)` for none. Default none.
    pub fn char_ngrams(mut self, lo: u8, hi: u8) -> Self {
        self.char_ngrams = (lo, hi);
        self
    }
    /// Terms must occur in at least this many training texts. Default 1.
    pub fn min_df(mut self, n: u32) -> Self {
        self.min_df = n;
        self
    }
    /// Inverse L2 strength C (> 0). Default 10.
    pub fn c(mut self, c: f64) -> Self {
        self.c = c;
        self
    }
    /// Iteration cap (≥ 1). Default 300.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }

    /// Weight each class by `n / (classes × n_class)` so rare labels count as much as common
    /// ones (scikit-learn's `class_weight="balanced"`); favours macro-F1. Default on.
    pub fn balanced(mut self, on: bool) -> Self {
        self.balanced = on;
        self
    }

    /// Rejects out-of-range parameters, naming the parameter and value.
    pub fn check(&self) -> Result<()> {
        Tokenizer { word_ngrams: self.word_ngrams, char_ngrams: self.char_ngrams }.check()?;
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(Error::param("C", self.c, "must be a finite number > 0"));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max iterations", 0, "must be ≥ 1"));
        }
        Ok(())
    }

    /// Fits on `texts` with `labels` (same length, at least two distinct labels).
    pub fn fit<S: AsRef<str>, L: AsRef<str>>(
        &self,
        texts: &[S],
        labels: &[L],
    ) -> Result<(TextClassifier, TextFitReport)> {
        self.check()?;
        if texts.len() != labels.len() {
            return Err(Error::param("labels", labels.len(), format!("must match the {} texts", texts.len())));
        }
        let mut names: Vec<&str> = labels.iter().map(|l| l.as_ref()).collect();
        names.sort_unstable();
        names.dedup();
        if names.len() < 2 {
            return Err(Error::param("labels", names.len(), "need at least 2 distinct labels"));
        }
        let y: Vec<usize> = labels.iter().map(|l| names.binary_search(&l.as_ref()).unwrap_or(0)).collect();
        let tokenizer = Tokenizer { word_ngrams: self.word_ngrams, char_ngrams: self.char_ngrams };
        let tfidf = Tfidf::fit(tokenizer, texts, self.min_df)?;
        let rows: Vec<Vec<(u32, f32)>> = texts.iter().map(|t| tfidf.transform(t.as_ref())).collect();
        let (f, c) = (tfidf.len(), names.len());
        let mut class_weight = vec![1f32; c];
        if self.balanced {
            let mut n_class = vec![0usize; c];
            y.iter().for_each(|k| n_class[*k] += 1);
            for (w, n) in class_weight.iter_mut().zip(&n_class) {
                *w = y.len() as f32 / (c * n) as f32;
            }
        }
        let problem =
            Softmax { rows: &rows, y: &y, class_weight: &class_weight, features: f, classes: c, inv_c: 1.0 / self.c };
        let mut theta = vec![0f64; f * c + c];
        let report = lbfgs(&problem, &mut theta, self.max_iter);
        let weights = theta[..f * c].iter().map(|v| *v as f32).collect();
        let bias = theta[f * c..].iter().map(|v| *v as f32).collect();
        let model = TextClassifier::new(tfidf, names.into_iter().map(str::to_owned).collect(), weights, bias)?;
        Ok((model, report))
    }
}

struct Softmax<'a> {
    rows: &'a [Vec<(u32, f32)>],
    y: &'a [usize],
    class_weight: &'a [f32],
    features: usize,
    classes: usize,
    inv_c: f64,
}

impl Softmax<'_> {
    /// Objective and gradient at `theta` (feature-major weights, then intercepts).
    fn eval(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (f, c) = (self.features, self.classes);
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut loss = 0f64;
        let mut z = vec![0f32; c];
        for (row, &y) in self.rows.iter().zip(self.y) {
            for (k, zk) in z.iter_mut().enumerate() {
                *zk = theta[f * c + k] as f32;
            }
            for &(j, v) in row {
                let w = &theta[j as usize * c..(j as usize + 1) * c];
                for (zk, wk) in z.iter_mut().zip(w) {
                    *zk += v * *wk as f32;
                }
            }
            softmax(&mut z);
            let cw = self.class_weight[y];
            loss -= cw as f64 * (z[y].max(1e-30) as f64).ln();
            z[y] -= 1.0;
            if cw != 1.0 {
                z.iter_mut().for_each(|v| *v *= cw);
            }
            for &(j, v) in row {
                let g = &mut grad[j as usize * c..(j as usize + 1) * c];
                for (gk, dk) in g.iter_mut().zip(&z) {
                    *gk += (v * dk) as f64;
                }
            }
            for (k, dk) in z.iter().enumerate() {
                grad[f * c + k] += *dk as f64;
            }
        }
        let mut penalty = 0f64;
        for (g, w) in grad[..f * c].iter_mut().zip(&theta[..f * c]) {
            penalty += w * w;
            *g += w * self.inv_c;
        }
        loss + 0.5 * self.inv_c * penalty
    }
}

/// Dot product with eight independent accumulators (vectorises; the plain sum cannot).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    let mut acc = [0f64; 8];
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// Limited-memory BFGS (10 pairs) with a backtracking Armijo line search.
fn lbfgs(p: &Softmax<'_>, x: &mut [f64], max_iter: usize) -> TextFitReport {
    const M: usize = 10;
    let n = x.len();
    let mut g = vec![0f64; n];
    let mut fx = p.eval(x, &mut g);
    let g0 = dot(&g, &g).sqrt().max(1e-12);
    let (mut s_hist, mut y_hist, mut rho): (Vec<Vec<f64>>, Vec<Vec<f64>>, Vec<f64>) =
        (Vec::new(), Vec::new(), Vec::new());
    let mut d = vec![0f64; n];
    let (mut xn, mut gn) = (vec![0f64; n], vec![0f64; n]);
    for it in 0..max_iter {
        if dot(&g, &g).sqrt() <= 1e-5 * g0 {
            return TextFitReport { iterations: it, objective: fx, converged: true };
        }
        // Two-loop recursion: d = -H g.
        d.copy_from_slice(&g);
        let mut alpha = vec![0f64; s_hist.len()];
        for i in (0..s_hist.len()).rev() {
            alpha[i] = rho[i] * dot(&s_hist[i], &d);
            for (dk, yk) in d.iter_mut().zip(&y_hist[i]) {
                *dk -= alpha[i] * yk;
            }
        }
        if let (Some(s), Some(y)) = (s_hist.last(), y_hist.last()) {
            let gamma = dot(s, y) / dot(y, y);
            d.iter_mut().for_each(|v| *v *= gamma);
        } else {
            let scale = 1.0 / dot(&g, &g).sqrt();
            d.iter_mut().for_each(|v| *v *= scale);
        }
        for i in 0..s_hist.len() {
            let beta = rho[i] * dot(&y_hist[i], &d);
            for (dk, sk) in d.iter_mut().zip(&s_hist[i]) {
                *dk += sk * (alpha[i] - beta);
            }
        }
        d.iter_mut().for_each(|v| *v = -*v);
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction: restart from steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho.clear();
            d.iter_mut().zip(&g).for_each(|(dk, gk)| *dk = -gk);
            slope = -dot(&g, &g);
        }
        let mut step = 1.0;
        let mut fn_ = f64::INFINITY;
        for _ in 0..40 {
            for ((xk, x0), dk) in xn.iter_mut().zip(x.iter()).zip(&d) {
                *xk = x0 + step * dk;
            }
            fn_ = p.eval(&xn, &mut gn);
            if fn_ <= fx + 1e-4 * step * slope {
                break;
            }
            step *= 0.5;
        }
        if fn_ > fx {
            return TextFitReport { iterations: it, objective: fx, converged: false };
        }
        let s: Vec<f64> = xn.iter().zip(x.iter()).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            if s_hist.len() == M {
                s_hist.remove(0);
                y_hist.remove(0);
                rho.remove(0);
            }
            rho.push(1.0 / sy);
            s_hist.push(s);
            y_hist.push(y);
        }
        x.copy_from_slice(&xn);
        g.copy_from_slice(&gn);
        let improvement = (fx - fn_) / fx.abs().max(1.0);
        fx = fn_;
        if improvement < 1e-10 {
            return TextFitReport { iterations: it + 1, objective: fx, converged: true };
        }
    }
    TextFitReport { iterations: max_iter, objective: fx, converged: false }
}
