//! What the search may try: the families, their ranges, and the size budget's bounds on factor
//! and neighbour counts and on factor storage.

use super::search::ALS_START_FACTORS;
use super::AutoParams;
use crate::data::Interactions;
use crate::recs::{Quantization, Scaling};

/// The confidence scalings ALS is searched over.
const SCALINGS: [Scaling; 3] = [Scaling::Linear, Scaling::Log, Scaling::Bm25];
use crate::rng::Rng;
use crate::train::{AlsParams, EaseParams, ModelChoice, Rp3Params, SvdParams};

/// The families the search draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    Ease,
    Rp3,
    Svd,
    Als,
}

impl Family {
    pub(super) fn name(self) -> &'static str {
        match self {
            Family::Ease => "ease",
            Family::Rp3 => "rp3",
            Family::Svd => "svd",
            Family::Als => "als",
        }
    }
}

/// What bounds the search: the catalogue, and how many bytes each family may spend.
pub(super) struct Space {
    pub(super) families: Vec<Family>,
    pub(super) n_items: usize,
    /// Bytes a model may add to the bundle's ids, popularity and titles.
    pub(super) room: f64,
    /// Largest factor count whose bundle fits.
    pub(super) max_factors: usize,
    /// Largest neighbour count whose bundle fits.
    pub(super) max_neighbors: usize,
    pub(super) p: AutoParams,
}

impl Space {
    pub(super) fn new(p: &AutoParams, data: &Interactions, base_bytes: u64) -> Self {
        let n_items = data.n_items().max(1);
        let room = p.max_bundle_bytes.saturating_sub(base_bytes) as f64;
        let smallest = *storages(p.quantization).last().unwrap_or(&Quantization::Int8);
        // n·k·b + 8·k² ≤ room.
        let (a, b) = (8.0, n_items as f64 * per_value(smallest));
        let k = ((-b + (b * b + 4.0 * a * room).sqrt()) / (2.0 * a)).floor();
        let max_factors = (k as usize).min(512).min(data.n_users()).min(n_items);
        let max_neighbors =
            ((room / (n_items as f64 * per_entry(n_items))) as usize).min(n_items.saturating_sub(1)).min(2000);
        let mut families = Vec::new();
        if n_items <= p.ease_max_items && max_neighbors >= 10 {
            families.push(Family::Ease);
        }
        if max_neighbors >= 10 {
            families.push(Family::Rp3);
        }
        if max_factors >= 8 {
            families.extend([Family::Svd, Family::Als]);
        }
        Self { families, n_items, room, max_factors, max_neighbors, p: p.clone() }
    }

    /// How a candidate's factors are stored: the least lossy allowed storage whose bundle fits
    /// (a blend's factors: beside its item-item half).
    pub(super) fn storage(&self, c: &ModelChoice) -> Quantization {
        let (k, room) = match c {
            ModelChoice::Blend(b) => {
                (factor_count(&b.factors), self.room - self.neighbor_bytes(neighbor_count(&b.neighbors).unwrap_or(0)))
            }
            c => (factor_count(c), self.room),
        };
        let Some(k) = k else { return Quantization::None };
        let options = storages(self.p.quantization);
        let fits = |q: &&Quantization| self.factor_bytes(k, **q) <= room;
        *options.iter().find(fits).or(options.last()).unwrap_or(&Quantization::None)
    }

    /// Bundle bytes of `k` factors per item stored as `q`, with the fold-in Gramian.
    fn factor_bytes(&self, k: usize, q: Quantization) -> f64 {
        let k = k as f64;
        self.n_items as f64 * k * per_value(q) + 8.0 * k * k
    }

    /// Bundle bytes of `n` neighbours per item.
    fn neighbor_bytes(&self, n: usize) -> f64 {
        self.n_items as f64 * n as f64 * per_entry(self.n_items)
    }

    /// Neighbours per item a blend can keep beside factor model `f` stored in the smallest
    /// allowed storage (at most `wanted`); `None` when fewer than 10 fit.
    pub(super) fn blend_neighbors(&self, f: &ModelChoice, wanted: usize) -> Option<usize> {
        let smallest = *storages(self.p.quantization).last()?;
        let left = self.room - self.factor_bytes(factor_count(f)?, smallest);
        let n = ((left / self.neighbor_bytes(1)).max(0.0) as usize).min(wanted);
        (n >= 10).then_some(n)
    }

    /// The family's defaults, bounded by the size budget.
    pub(super) fn default_for(&self, f: Family) -> ModelChoice {
        let t = self.p.threads;
        match f {
            Family::Ease => ModelChoice::Ease(EaseParams::new().threads(t)),
            Family::Rp3 => {
                let d = Rp3Params::new();
                ModelChoice::Rp3(d.clone().neighbors(d.neighbors.min(self.max_neighbors)).threads(t))
            }
            Family::Svd => {
                let d = SvdParams::new();
                ModelChoice::Svd(d.clone().factors(d.factors.min(self.max_factors)).threads(t).seed(self.p.seed))
            }
            Family::Als => {
                // More factors measured better on both tuning data sets (256 in int8: 0.314 and
                // 0.184 against 0.309 and 0.172 at the explicit default of 128), so the search
                // starts from the most that fit the bundle budget, up to 256.
                let d = AlsParams::new();
                ModelChoice::Als(
                    d.clone()
                        .factors(self.factors(ALS_START_FACTORS))
                        .iterations(self.p.als_iterations)
                        .threads(t)
                        .seed(self.p.seed),
                )
            }
        }
    }

    /// A seeded draw from the family's whole range.
    pub(super) fn random(&self, f: Family, rng: &mut Rng) -> ModelChoice {
        let t = self.p.threads;
        match f {
            Family::Ease => ModelChoice::Ease(EaseParams::new().lambda(log_uniform(rng, 5.0, 20_000.0)).threads(t)),
            Family::Rp3 => ModelChoice::Rp3(
                Rp3Params::new()
                    .alpha(0.2 + 1.3 * rng.f64())
                    .beta(rng.f64())
                    .neighbors(self.neighbors(log_uniform(rng, 20.0, 1000.0)))
                    .threads(t),
            ),
            Family::Svd => ModelChoice::Svd(
                SvdParams::new().factors(self.factors(log_uniform(rng, 8.0, 512.0))).threads(t).seed(self.p.seed),
            ),
            Family::Als => {
                let scaling = SCALINGS[rng.below(3) as usize];
                // BM25 values are idf-sized (a few units), so its α range sits a decade lower.
                let (lo, hi) = if scaling == Scaling::Bm25 { (0.03, 3.0) } else { (0.3, 30.0) };
                // BM25's length normalisation b over the range where long histories count
                // anywhere from a little less to fully less per item (k1 saturates repeats,
                // which binary logs do not have: it stays at its default).
                let b = 0.3 + 0.7 * rng.f64() as f32;
                ModelChoice::Als(
                    AlsParams::new()
                        .scaling(scaling)
                        .bm25(crate::recs::bm25::DEFAULT_K1, b)
                        .factors(self.factors(log_uniform(rng, 16.0, 512.0)))
                        .regularization(log_uniform(rng, 0.5, 500.0) as f32)
                        .alpha(log_uniform(rng, lo, hi) as f32)
                        .iterations(self.p.als_iterations)
                        .threads(t)
                        .seed(self.p.seed),
                )
            }
        }
    }

    /// A step from a good configuration: a random non-empty subset of its parameters (often
    /// one, a coordinate move) each moved by a log-normal factor.
    pub(super) fn perturb(&self, c: &ModelChoice, rng: &mut Rng) -> ModelChoice {
        let n = match c {
            ModelChoice::Als(_) => 5,
            ModelChoice::Rp3(_) => 3,
            _ => 1,
        };
        let first = rng.below(n);
        let moves: Vec<bool> = (0..n).map(|i| i == first || rng.f64() < 0.25).collect();
        let mut step = |i: usize, v: f64, lo: f64, hi: f64| {
            if moves[i] {
                (v * (0.7 * rng.normal()).exp()).clamp(lo, hi)
            } else {
                v
            }
        };
        match c {
            ModelChoice::Ease(p) => ModelChoice::Ease(p.clone().lambda(step(0, p.lambda, 1.0, 1e6))),
            ModelChoice::Svd(p) => {
                ModelChoice::Svd(p.clone().factors(self.factors(step(0, p.factors as f64, 4.0, 512.0))))
            }
            ModelChoice::Rp3(p) => {
                let alpha = step(0, p.alpha, 0.05, 2.0);
                let beta = step(1, p.beta.max(0.02), 0.0, 1.5);
                let n = self.neighbors(step(2, p.neighbors as f64, 5.0, 2000.0));
                ModelChoice::Rp3(p.clone().alpha(alpha).beta(beta).neighbors(n))
            }
            ModelChoice::Als(p) => {
                let factors = self.factors(step(0, p.factors as f64, 8.0, 512.0));
                let reg = step(1, p.regularization as f64, 0.01, 5000.0) as f32;
                let alpha = step(2, p.alpha as f64, 0.01, 100.0) as f32;
                let b = step(4, p.bm25_b as f64, 0.05, 1.0) as f32;
                // A move of the scaling switches to one of the other two.
                let scaling = if step(3, 1.0, 0.0, 10.0) < 0.7 {
                    let others: Vec<Scaling> = SCALINGS.into_iter().filter(|s| *s != p.scaling).collect();
                    others[rng.below(others.len() as u64) as usize]
                } else {
                    p.scaling
                };
                ModelChoice::Als(
                    p.clone().factors(factors).regularization(reg).alpha(alpha).scaling(scaling).bm25(p.bm25_k1, b),
                )
            }
            other => other.clone(),
        }
    }

    /// A factor count within the size budget (multiples of 8 above 16).
    pub(super) fn factors(&self, v: f64) -> usize {
        let k = if v > 16.0 { ((v / 8.0).round() * 8.0) as usize } else { v.round() as usize };
        k.clamp(1, self.max_factors.max(1))
    }

    /// A neighbour count within the size budget.
    pub(super) fn neighbors(&self, v: f64) -> usize {
        (v.round() as usize).clamp(1, self.max_neighbors.max(1))
    }

    /// The neighbour counts one EASE fit is pruned to: the largest that fits, and smaller ones.
    pub(super) fn ease_counts(&self) -> Vec<usize> {
        let top = self.max_neighbors.min(1000);
        let mut c: Vec<usize> = [top, top / 2, top / 4].into_iter().filter(|n| *n >= 10).collect();
        c.dedup();
        c
    }
}

/// Factors of a factor-model candidate.
fn factor_count(c: &ModelChoice) -> Option<usize> {
    match c {
        ModelChoice::Als(p) => Some(p.factors),
        ModelChoice::Svd(p) => Some(p.factors),
        _ => None,
    }
}

/// Neighbours per item of an item-item candidate.
pub(super) fn neighbor_count(c: &ModelChoice) -> Option<usize> {
    match c {
        ModelChoice::Ease(p) => Some(p.neighbors),
        ModelChoice::Rp3(p) => Some(p.neighbors),
        _ => None,
    }
}

/// Bundle bytes per neighbour entry: 4 (u16 index, f16 weight) up to 65,536 items, else 8.
fn per_entry(n_items: usize) -> f64 {
    if n_items <= 65_536 {
        4.0
    } else {
        8.0
    }
}

/// The storages a search may use, least lossy first.
fn storages(fixed: Option<Quantization>) -> Vec<Quantization> {
    match fixed {
        Some(q) => vec![q],
        None => vec![Quantization::None, Quantization::F16, Quantization::Int8],
    }
}

/// Bundle bytes per factor value (int8 adds a 4-byte scale per item, counted as a quarter
/// byte per value at 16 factors and less above).
fn per_value(q: Quantization) -> f64 {
    match q {
        Quantization::None => 4.0,
        Quantization::F16 => 2.0,
        Quantization::Int8 => 1.25,
    }
}

fn log_uniform(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    (lo.ln() + rng.f64() * (hi.ln() - lo.ln())).exp()
}
