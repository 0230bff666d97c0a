//! A multinomial (softmax) logistic-regression classifier over TF-IDF features.

use serde::Serialize;

use super::tfidf::Tfidf;
use crate::bundle::Metadata;
use crate::error::{Error, Result};

/// Longest text `classify` accepts, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// A fitted text classifier: vocabulary, labels and weights. No training text is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct TextClassifier {
    /// Parameters, metrics and provenance written by the trainer.
    pub meta: Metadata,
    /// Vocabulary and idf.
    pub tfidf: Tfidf,
    /// Class labels, in weight order.
    pub labels: Vec<String>,
    /// Feature-major weights: `weights[j * labels.len() + c]`.
    pub weights: Vec<f32>,
    /// One intercept per label.
    pub bias: Vec<f32>,
}

/// One label and its probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelScore {
    /// The label.
    pub label: String,
    /// Probability (all labels sum to 1).
    pub p: f32,
}

/// `classify`'s answer: labels by probability, and how many of the text's terms the model knew.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Classification {
    /// Every label, most probable first (ties by label order).
    pub labels: Vec<LabelScore>,
    /// Terms of the text found in the vocabulary (0: the answer is the prior).
    pub known_terms: usize,
}

impl TextClassifier {
    /// Assembles a classifier and checks shapes and finiteness.
    pub fn new(tfidf: Tfidf, labels: Vec<String>, weights: Vec<f32>, bias: Vec<f32>) -> Result<Self> {
        let c = labels.len();
        if c < 2 {
            return Err(Error::Corrupt(format!("a classifier needs at least 2 labels, found {c}")));
        }
        if weights.len() != tfidf.len() * c || bias.len() != c {
            return Err(Error::Corrupt(format!(
                "{} weights and {} intercepts for {} terms × {c} labels",
                weights.len(),
                bias.len(),
                tfidf.len()
            )));
        }
        if weights.iter().chain(&bias).any(|v| !v.is_finite()) {
            return Err(Error::Corrupt("a classifier weight is not finite".into()));
        }
        Ok(Self { meta: Metadata::new("text"), tfidf, labels, weights, bias })
    }

    /// Loads and validates a text bundle.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        crate::bundle::text::read(bytes)
    }

    /// Serialises to bundle bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::bundle::text::write(self)
    }

    /// Class probabilities for one TF-IDF row.
    pub fn probabilities(&self, row: &[(u32, f32)]) -> Vec<f32> {
        let c = self.labels.len();
        let mut z = self.bias.clone();
        for &(j, v) in row {
            let w = &self.weights[j as usize * c..(j as usize + 1) * c];
            for (zc, wc) in z.iter_mut().zip(w) {
                *zc += v * wc;
            }
        }
        softmax(&mut z);
        z
    }

    /// Labels of `text` with probabilities. Empty (or whitespace-only) text and text longer than
    /// [`MAX_TEXT_CHARS`] are errors.
    pub fn classify(&self, text: &str) -> Result<Classification> {
        let row = self.row(text)?;
        let p = self.probabilities(&row);
        let mut labels: Vec<LabelScore> =
            self.labels.iter().zip(p).map(|(l, p)| LabelScore { label: l.clone(), p }).collect();
        crate::kernels::order::sort_by_key(&mut labels, |l| crate::kernels::order::descending(l.p) as u64);
        Ok(Classification { labels, known_terms: row.len() })
    }

    /// The checked TF-IDF row of `text`.
    pub fn row(&self, text: &str) -> Result<Vec<(u32, f32)>> {
        check_text(text)?;
        Ok(self.tfidf.transform(text))
    }
}

/// Rejects empty and oversized text, naming the problem.
pub(crate) fn check_text(text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::param("text", "\"\"", "is empty"));
    }
    let n = text.chars().count();
    if n > MAX_TEXT_CHARS {
        return Err(Error::param("text", format!("{n} characters"), "longer than 10,000 characters"));
    }
    Ok(())
}

/// In-place softmax, stable for large inputs.
pub fn softmax(z: &mut [f32]) {
    let m = z.iter().fold(f32::NEG_INFINITY, |a, b| a.max(*b));
    let mut s = 0f32;
    for v in z.iter_mut() {
        *v = (*v - m).exp();
        s += *v;
    }
    z.iter_mut().for_each(|v| *v /= s);
}
