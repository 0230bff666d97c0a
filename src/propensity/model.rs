//! Fitted classifiers over encoded features: logistic regression, MLP, boosted trees, forest.

use crate::error::{Error, Result};

/// One binary decision tree: internal nodes test `x[feature] <= threshold`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tree {
    /// Split feature per node (`u32::MAX` for leaves).
    pub feature: Vec<u32>,
    /// Split threshold per node.
    pub threshold: Vec<f32>,
    /// Left child per node.
    pub left: Vec<u32>,
    /// Right child per node.
    pub right: Vec<u32>,
    /// Output per node (leaves are used for prediction).
    pub value: Vec<f32>,
}

/// A leaf marker in [`Tree::feature`].
pub(crate) const LEAF: u32 = u32::MAX;

impl Tree {
    /// The leaf value `x` lands in.
    pub(crate) fn predict(&self, x: &[f32]) -> f32 {
        let mut n = 0usize;
        // Bounded by the node count, so a malformed tree cannot loop.
        for _ in 0..self.feature.len() {
            let f = self.feature[n];
            if f == LEAF {
                return self.value[n];
            }
            n = if x[f as usize] <= self.threshold[n] { self.left[n] } else { self.right[n] } as usize;
        }
        self.value[n]
    }

    fn validate(&self, width: usize) -> Result<()> {
        let n = self.feature.len();
        if n == 0 || [self.threshold.len(), self.left.len(), self.right.len(), self.value.len()].iter().any(|l| *l != n)
        {
            return Err(Error::Corrupt(format!("tree arrays disagree in length ({n} nodes)")));
        }
        for i in 0..n {
            if self.feature[i] != LEAF {
                if self.feature[i] as usize >= width {
                    return Err(Error::Corrupt(format!("tree splits on feature {} of {width}", self.feature[i])));
                }
                // Children must come after their parent: no cycles.
                if self.left[i] as usize <= i
                    || self.right[i] as usize <= i
                    || self.left[i] as usize >= n
                    || self.right[i] as usize >= n
                {
                    return Err(Error::Corrupt(format!("tree node {i} has invalid children")));
                }
            }
            if !self.value[i].is_finite() || !self.threshold[i].is_finite() && self.feature[i] != LEAF {
                return Err(Error::Corrupt(format!("tree node {i} is not finite")));
            }
        }
        Ok(())
    }
}

/// One dense layer `y = W x + b`, `W` row-major `outputs x inputs`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dense {
    /// Inputs.
    pub inputs: usize,
    /// Outputs.
    pub outputs: usize,
    /// Weights, row-major.
    pub weights: Vec<f32>,
    /// Biases.
    pub bias: Vec<f32>,
}

impl Dense {
    /// `out = W x + b`.
    pub(crate) fn forward(&self, x: &[f32], out: &mut Vec<f32>) {
        out.clear();
        for o in 0..self.outputs {
            let row = &self.weights[o * self.inputs..(o + 1) * self.inputs];
            out.push(crate::kernels::dot(row, x) + self.bias[o]);
        }
    }
}

/// A fitted classifier.
#[derive(Debug, Clone, PartialEq)]
pub enum Classifier {
    /// `p = σ(w·x + b)`.
    Logistic {
        /// Weights per encoded column.
        weights: Vec<f32>,
        /// Intercept.
        bias: f32,
    },
    /// ReLU hidden layers, sigmoid output.
    Mlp {
        /// Layers, input first; the last has one output.
        layers: Vec<Dense>,
    },
    /// `p = σ(base + Σ trees)` (learning rate folded into the leaves).
    Boosted {
        /// Initial log-odds.
        base: f32,
        /// The trees.
        trees: Vec<Tree>,
    },
    /// `p = mean of tree leaf probabilities`.
    Forest {
        /// The trees.
        trees: Vec<Tree>,
    },
}

impl Classifier {
    /// Family name used in metadata and on the command line.
    pub fn family(&self) -> &'static str {
        match self {
            Classifier::Logistic { .. } => "logistic",
            Classifier::Mlp { .. } => "mlp",
            Classifier::Boosted { .. } => "gbt",
            Classifier::Forest { .. } => "forest",
        }
    }

    /// Checks shapes against the encoded width.
    pub(crate) fn validate(&self, width: usize) -> Result<()> {
        match self {
            Classifier::Logistic { weights, bias } => {
                if weights.len() != width || !bias.is_finite() || weights.iter().any(|w| !w.is_finite()) {
                    return Err(Error::Corrupt(format!(
                        "logistic model has {} weights for {width} columns",
                        weights.len()
                    )));
                }
            }
            Classifier::Mlp { layers } => {
                let mut inputs = width;
                for (i, l) in layers.iter().enumerate() {
                    if l.inputs != inputs || l.weights.len() != l.inputs * l.outputs || l.bias.len() != l.outputs {
                        return Err(Error::Corrupt(format!("MLP layer {i} has inconsistent shape")));
                    }
                    if l.weights.iter().chain(&l.bias).any(|w| !w.is_finite()) {
                        return Err(Error::Corrupt(format!("MLP layer {i} has a non-finite weight")));
                    }
                    inputs = l.outputs;
                }
                if inputs != 1 || layers.is_empty() {
                    return Err(Error::Corrupt("MLP must end in one output".into()));
                }
            }
            Classifier::Boosted { trees, base } => {
                if !base.is_finite() {
                    return Err(Error::Corrupt("boosting base score is not finite".into()));
                }
                trees.iter().try_for_each(|t| t.validate(width))?;
            }
            Classifier::Forest { trees } => {
                if trees.is_empty() {
                    return Err(Error::Corrupt("forest has no trees".into()));
                }
                trees.iter().try_for_each(|t| t.validate(width))?;
            }
        }
        Ok(())
    }

    /// Probability of the positive class for an encoded record.
    pub(crate) fn predict(&self, x: &[f32]) -> f64 {
        match self {
            Classifier::Logistic { weights, bias } => sigmoid((crate::kernels::dot(weights, x) + bias) as f64),
            Classifier::Mlp { layers } => {
                let (mut a, mut b) = (x.to_vec(), Vec::new());
                for (i, l) in layers.iter().enumerate() {
                    l.forward(&a, &mut b);
                    if i + 1 < layers.len() {
                        b.iter_mut().for_each(|v| *v = v.max(0.0));
                    }
                    std::mem::swap(&mut a, &mut b);
                }
                sigmoid(a[0] as f64)
            }
            Classifier::Boosted { base, trees } => {
                let mut s = *base as f64;
                for t in trees {
                    s += t.predict(x) as f64;
                }
                sigmoid(s)
            }
            Classifier::Forest { trees } => {
                let s: f64 = trees.iter().map(|t| t.predict(x) as f64).sum();
                (s / trees.len() as f64).clamp(0.0, 1.0)
            }
        }
    }
}

/// The logistic function, stable for large |z|.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Log-odds of `p`, clamped away from 0 and 1.
pub fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln()
}
