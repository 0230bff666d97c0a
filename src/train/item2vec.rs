//! item2vec: skip-gram with negative sampling over item sequences (a customer's items in time
//! order, or the items of each basket), as word2vec does over sentences.

use crate::data::Interactions;
use crate::error::{Error, Result};
use crate::kernels::dot::dot_wide;
use crate::recs::{ItemEmbeddings, ItemIndex};
use crate::rng::Rng;

/// How training sequences are formed from a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sequences {
    /// Each row (customer) is one sequence, items ordered by time (by item without times).
    #[default]
    Ordered,
    /// Each row (basket) is a set: its items are shuffled every epoch before windowing.
    Sets,
}

/// Parameters of [`Item2VecParams::fit`]. Builders state their defaults; [`Item2VecParams::check`]
/// validates them before training.
#[derive(Debug, Clone, PartialEq)]
pub struct Item2VecParams {
    dim: usize,
    window: usize,
    epochs: usize,
    negatives: usize,
    subsample: f64,
    learning_rate: f32,
    sequences: Sequences,
    min_count: u32,
    seed: u64,
}

impl Default for Item2VecParams {
    fn default() -> Self {
        Self {
            dim: 64,
            window: 20,
            epochs: 20,
            negatives: 5,
            subsample: 1e-3,
            learning_rate: 0.025,
            sequences: Sequences::Ordered,
            min_count: 10,
            seed: 42,
        }
    }
}

impl Item2VecParams {
    /// Defaults (the best measured on Online Retail's next baskets, README): 64 dimensions,
    /// window 20, 20 epochs, 5 negatives, subsampling 1e-3, learning rate 0.025 decaying linearly
    /// to 0.025·10⁻⁴, ordered sequences, min count 10, seed 42. Training is
    /// single-threaded, so a seed always gives the same vectors.
    pub fn new() -> Self {
        Self::default()
    }
    /// Vector length (1–512). Default 64.
    pub fn dim(mut self, d: usize) -> Self {
        self.dim = d;
        self
    }
    /// Items on each side of the centre item (≥ 1); each step samples a window of 1..=window. Default 20.
    pub fn window(mut self, w: usize) -> Self {
        self.window = w;
        self
    }
    /// Passes over the sequences (≥ 1). Default 20.
    pub fn epochs(mut self, e: usize) -> Self {
        self.epochs = e;
        self
    }
    /// Negative samples per positive pair, drawn from unigram^0.75 (≥ 1). Default 5.
    pub fn negatives(mut self, n: usize) -> Self {
        self.negatives = n;
        self
    }
    /// Frequent-item subsampling threshold t (0 disables). Default 1e-3.
    pub fn subsample(mut self, t: f64) -> Self {
        self.subsample = t;
        self
    }
    /// Initial learning rate (> 0), decayed linearly. Default 0.025.
    pub fn learning_rate(mut self, lr: f32) -> Self {
        self.learning_rate = lr;
        self
    }
    /// How rows become sequences. Default [`Sequences::Ordered`].
    pub fn sequences(mut self, s: Sequences) -> Self {
        self.sequences = s;
        self
    }
    /// Items seen fewer times get no vector (their noisy vectors would crowd out real
    /// neighbours). Default 10.
    pub fn min_count(mut self, n: u32) -> Self {
        self.min_count = n;
        self
    }
    /// Random seed. Default 42.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    /// How rows become sequences.
    pub fn kind(&self) -> Sequences {
        self.sequences
    }

    /// Rejects out-of-range parameters, naming the parameter and value.
    pub fn check(&self) -> Result<()> {
        if !(1..=512).contains(&self.dim) {
            return Err(Error::param("item2vec dim", self.dim, "must be 1–512"));
        }
        if self.window == 0 || self.epochs == 0 || self.negatives == 0 {
            return Err(Error::param(
                "item2vec window/epochs/negatives",
                format!("{}/{}/{}", self.window, self.epochs, self.negatives),
                "each must be ≥ 1",
            ));
        }
        if !(self.subsample.is_finite() && self.subsample >= 0.0) {
            return Err(Error::param("item2vec subsample", self.subsample, "must be a finite number ≥ 0"));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(Error::param("item2vec learning rate", self.learning_rate, "must be a finite number > 0"));
        }
        Ok(())
    }

    /// Learns one vector per item of `items` from the rows of `log` (items not in `items` are
    /// skipped; items never seen get a zero vector).
    pub fn fit(&self, log: &Interactions, items: &ItemIndex) -> Result<ItemEmbeddings> {
        self.check()?;
        let remap: Vec<Option<u32>> = log.items.iter().map(|id| items.get(id)).collect();
        let mut rows: Vec<Vec<(i64, u32)>> = vec![Vec::new(); log.n_users()];
        for r in 0..log.len() {
            if let Some(i) = remap[log.item[r] as usize] {
                rows[log.user[r] as usize].push((log.time_at(r), i));
            }
        }
        // Sorted by (time, item): time order when the log has times, item order otherwise.
        let seqs: Vec<Vec<u32>> = rows
            .into_iter()
            .filter(|r| r.len() >= 2)
            .map(|mut r| {
                r.sort_unstable();
                r.into_iter().map(|x| x.1).collect()
            })
            .collect();
        self.train(&seqs, items.len())
    }

    /// Trains on explicit sequences of item indices. Fails on out-of-range parameters, on an
    /// index `≥ n_items` (naming the sequence and index), and when training diverges to
    /// non-finite vectors (a learning rate far too large).
    pub(crate) fn fit_sequences(&self, seqs: &[Vec<u32>], n_items: usize) -> Result<ItemEmbeddings> {
        self.check()?;
        if let Some((n, i)) =
            seqs.iter().enumerate().find_map(|(n, s)| s.iter().find(|i| **i as usize >= n_items).map(|i| (n, *i)))
        {
            return Err(Error::InvalidValue {
                field: format!("item in sequence {n}"),
                value: i.to_string(),
                reason: format!("item indices must be < {n_items}"),
            });
        }
        self.train(seqs, n_items)
    }

    /// Skip-gram training on checked parameters and in-range sequences.
    fn train(&self, seqs: &[Vec<u32>], n_items: usize) -> Result<ItemEmbeddings> {
        let d = self.dim;
        let mut rng = Rng::new(self.seed);
        let (seqs, counts) = self.drop_rare(seqs, n_items);
        let total: f64 = counts.iter().sum();
        let cum = negative_table(&counts);
        let keep_prob = self.keep_probabilities(&counts, total);
        let mut w: Vec<f32> = (0..n_items * d).map(|_| ((rng.f64() - 0.5) / d as f64) as f32).collect();
        let mut c = vec![0f32; n_items * d];
        let mut grad = vec![0f32; d];
        let steps = (self.epochs as f64 * total).max(1.0);
        let mut done = 0f64;
        let mut seq = Vec::new();
        for _ in 0..self.epochs {
            for s in &seqs {
                seq.clear();
                seq.extend(
                    s.iter().copied().filter(|&i| keep_prob[i as usize] >= 1.0 || rng.f64() < keep_prob[i as usize]),
                );
                if self.sequences == Sequences::Sets {
                    rng.shuffle(&mut seq);
                }
                let lr = (self.learning_rate as f64 * (1.0 - done / steps).max(1e-4)) as f32;
                done += s.len() as f64;
                for (p, &centre) in seq.iter().enumerate() {
                    let b = 1 + rng.below(self.window as u64) as usize;
                    let lo = p.saturating_sub(b);
                    let hi = (p + b + 1).min(seq.len());
                    for (q, &ctx) in seq.iter().enumerate().take(hi).skip(lo) {
                        if q == p || ctx == centre {
                            continue;
                        }
                        let pair = Pair { ctx, centre, lr };
                        self.update(pair, (&mut w, &mut c), &mut grad, &cum, &mut rng);
                    }
                }
            }
        }
        for (i, cnt) in counts.iter().enumerate() {
            if *cnt == 0.0 {
                w[i * d..(i + 1) * d].iter_mut().for_each(|v| *v = 0.0);
            }
        }
        if w.iter().any(|v| !v.is_finite()) {
            return Err(Error::param(
                "item2vec learning rate",
                self.learning_rate,
                "training diverged to non-finite vectors; use a smaller rate",
            ));
        }
        ItemEmbeddings::normalized(d, w)
    }

    /// The sequences without items seen fewer than `min_count` times, and every item's count
    /// (0 for those left out).
    fn drop_rare(&self, seqs: &[Vec<u32>], n_items: usize) -> (Vec<Vec<u32>>, Vec<f64>) {
        let mut counts = vec![0f64; n_items];
        for s in seqs {
            for &i in s {
                counts[i as usize] += 1.0;
            }
        }
        let rare: Vec<bool> = counts.iter().map(|c| *c < self.min_count as f64).collect();
        let seqs = seqs.iter().map(|s| s.iter().copied().filter(|&i| !rare[i as usize]).collect()).collect();
        counts.iter_mut().zip(&rare).for_each(|(c, r)| {
            if *r {
                *c = 0.0
            }
        });
        (seqs, counts)
    }

    /// The chance of keeping each occurrence of an item (word2vec's frequent-item subsampling).
    fn keep_probabilities(&self, counts: &[f64], total: f64) -> Vec<f64> {
        counts
            .iter()
            .map(|&c| {
                if self.subsample == 0.0 || c == 0.0 {
                    return 1.0;
                }
                let f = c / total;
                (((f / self.subsample).sqrt() + 1.0) * self.subsample / f).min(1.0)
            })
            .collect()
    }

    /// One skip-gram step: the context's vector in `w` against the centre item (label 1) and
    /// `negatives` sampled items (label 0) in `c`; `grad` is scratch of length `dim`.
    fn update(&self, pair: Pair, (w, c): (&mut [f32], &mut [f32]), grad: &mut [f32], cum: &[f64], rng: &mut Rng) {
        let d = self.dim;
        let Pair { ctx, centre, lr } = pair;
        grad.iter_mut().for_each(|g| *g = 0.0);
        let wv = &mut w[ctx as usize * d..(ctx as usize + 1) * d];
        for n in 0..=self.negatives {
            let (target, label) = if n == 0 {
                (centre, 1.0)
            } else {
                let t = sample(cum, rng);
                if t == centre {
                    continue;
                }
                (t, 0.0)
            };
            let cv = &mut c[target as usize * d..(target as usize + 1) * d];
            let g = (label - sigmoid(dot_wide(wv, cv))) * lr;
            // Slices of equal length: bounds checks vanish and the loop vectorises.
            for ((gr, cx), wx) in grad.iter_mut().zip(cv.iter_mut()).zip(wv.iter()) {
                *gr += g * *cx;
                *cx += g * *wx;
            }
        }
        for (wx, gr) in wv.iter_mut().zip(grad.iter()) {
            *wx += gr;
        }
    }
}

/// A (context, centre) pair of one sequence and the learning rate at its step.
#[derive(Clone, Copy)]
struct Pair {
    ctx: u32,
    centre: u32,
    lr: f32,
}

/// The negative-sampling distribution: cumulative unigram^0.75.
fn negative_table(counts: &[f64]) -> Vec<f64> {
    let mut acc = 0f64;
    counts
        .iter()
        .map(|c| {
            acc += c.powf(0.75);
            acc
        })
        .collect()
}

fn sigmoid(x: f32) -> f32 {
    if x > 6.0 {
        1.0
    } else if x < -6.0 {
        0.0
    } else {
        1.0 / (1.0 + (-x).exp())
    }
}

fn sample(cum: &[f64], rng: &mut Rng) -> u32 {
    let total = *cum.last().unwrap_or(&0.0);
    let x = rng.f64() * total;
    cum.partition_point(|&c| c <= x).min(cum.len() - 1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_sequences_and_divergence_are_errors_not_panics() {
        let seqs = vec![vec![0, 1, 2, 1, 0], vec![2, 1, 0, 2]];
        let fitted = Item2VecParams::new().dim(8).epochs(2).min_count(1).fit_sequences(&seqs, 3).unwrap();
        assert_eq!(fitted.n_items(), 3);
        let err = Item2VecParams::new()
            .dim(8)
            .min_count(1)
            .fit_sequences(&[vec![0, 1], vec![1, 7]], 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("sequence 1") && err.contains('7') && err.contains("< 3"), "{err}");
        let err = Item2VecParams::new()
            .dim(8)
            .epochs(5)
            .min_count(1)
            .subsample(0.0)
            .learning_rate(1e30)
            .fit_sequences(&seqs, 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("learning rate") && err.contains("diverged"), "{err}");
        assert!(Item2VecParams::new().dim(0).fit_sequences(&seqs, 3).is_err());
    }
}
