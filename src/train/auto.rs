//! `--model auto`: a budgeted search over every family and its hyperparameters.
//!
//! Validation is a seeded sample of users inside the training log ([`Split::SampledUsers`]),
//! scored through the runtime path, as a page would. The search starts from each family's
//! defaults, then alternates seeded random draws over wide (log-scale) ranges with perturbations
//! of the best configurations found so far. ALS is ranked cheaply with a third of its iterations
//! and the best few are promoted to full iterations (successive halving); EASE fits its inverse
//! once and prunes it to several neighbour counts. Every family's size is bounded so the bundle
//! fits `max_bundle_bytes`; the winner (best validation NDCG@k among full-fidelity trials that
//! fit) is retrained on all data, and every trial is recorded in the bundle's `search` section.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::{
    assemble, compact, ease_metadata, fit_family, AlsParams, EaseParams, ModelChoice, Progress, Rp3Params, Silent,
    SvdParams,
};
use crate::bundle::{SearchLog, Trial};
use crate::data::Interactions;
use crate::error::{Error, Result};
use crate::eval::split::{evaluate, Split};
use crate::recs::{Quantization, RecModel, Recommender, Scaling};
use crate::rng::Rng;

/// How long the search may run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// Wall-clock time for the search (the final fit on all data comes after it).
    Time(Duration),
    /// A number of configurations trained (reproducible on any machine); up to two ALS
    /// promotions to full iterations come on top.
    Trials(usize),
}

impl Budget {
    /// Parses `60s`, `2m`, `1h` (time) or `40 trials` / `40t` (count).
    pub fn parse(s: &str) -> Result<Self> {
        let t = s.trim();
        let bad = || Error::param("budget", s, "must be a time such as 60s, 2m, 1h or a count such as 40trials");
        let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let v: f64 = num.parse().map_err(|_| bad())?;
        let secs = match unit.trim() {
            "s" | "sec" | "secs" | "seconds" => v,
            "m" | "min" | "minutes" => v * 60.0,
            "h" | "hours" => v * 3600.0,
            "t" | "trial" | "trials" if v.fract() == 0.0 && (1.0..=10_000.0).contains(&v) => {
                return Ok(Budget::Trials(v as usize))
            }
            _ => return Err(bad()),
        };
        if !(1.0..=7.0 * 86_400.0).contains(&secs) {
            return Err(Error::param("budget", s, "must be between 1 second and 7 days"));
        }
        Ok(Budget::Time(Duration::from_secs_f64(secs)))
    }

    /// As written on the command line.
    pub fn describe(&self) -> String {
        match self {
            Budget::Time(d) => format!("{}s", d.as_secs_f64()),
            Budget::Trials(n) => format!("{n} trials"),
        }
    }
}

/// Settings for automatic model selection.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoParams {
    /// How long to search. Default 60 seconds.
    pub budget: Budget,
    /// Largest bundle the chosen model may make (item ids, popularity and titles included).
    /// Default 5 MB (5 × 2²⁰ bytes).
    pub max_bundle_bytes: u64,
    /// Factor storage the bundle will use; `None` lets the search store each factor model in the
    /// least lossy way that fits the size budget (f32, else f16, else int8). Sizes and validation
    /// metrics are measured as shipped. Default `None`.
    pub quantization: Option<Quantization>,
    /// Most users whose interactions are sampled for validation. Default 5,000.
    pub validation_users: usize,
    /// Share of a validation user's interactions held out. Default 0.2.
    pub validation_fraction: f64,
    /// Cut-off for the selection metric (NDCG@k). Default 10.
    pub k: usize,
    /// Seed for the validation sample, the sampler and every model. Default 42.
    pub seed: u64,
    /// Worker threads (0 = all cores). Default 0.
    pub threads: usize,
    /// ALS iterations at full fidelity (a third of them rank candidates). Default 15.
    pub als_iterations: usize,
    /// Catalogue size above which EASE (a dense `items²` inverse) is not tried. Default 20,000.
    pub ease_max_items: usize,
}

impl Default for AutoParams {
    fn default() -> Self {
        Self {
            budget: Budget::Time(Duration::from_secs(60)),
            max_bundle_bytes: 5 << 20,
            quantization: None,
            validation_users: 5_000,
            validation_fraction: 0.2,
            k: 10,
            seed: 42,
            threads: 0,
            als_iterations: 15,
            ease_max_items: 20_000,
        }
    }
}

impl AutoParams {
    /// Validates every field.
    pub fn check(&self) -> Result<()> {
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return Err(Error::param("validation_fraction", self.validation_fraction, "must be between 0 and 1"));
        }
        if !(1..=crate::recs::MAX_K).contains(&self.k) {
            return Err(Error::param("k", self.k, format!("must be between 1 and {}", crate::recs::MAX_K)));
        }
        if self.validation_users == 0 {
            return Err(Error::param("validation_users", 0, "must be at least 1"));
        }
        if self.max_bundle_bytes < 1024 {
            return Err(Error::param("max_bundle_bytes", self.max_bundle_bytes, "must be at least 1 KB"));
        }
        if let Budget::Trials(0) = self.budget {
            return Err(Error::param("budget", 0, "must be at least one trial"));
        }
        AlsParams::new().iterations(self.als_iterations).check()?;
        super::check_threads(self.threads)
    }
}

/// The families the search draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Ease,
    Rp3,
    Svd,
    Als,
}

impl Family {
    fn name(self) -> &'static str {
        match self {
            Family::Ease => "ease",
            Family::Rp3 => "rp3",
            Family::Svd => "svd",
            Family::Als => "als",
        }
    }
}

/// What bounds the search: the catalogue, and how many bytes each family may spend.
struct Space {
    families: Vec<Family>,
    n_items: usize,
    /// Bytes a model may add to the bundle's ids, popularity and titles.
    room: f64,
    /// Largest factor count whose bundle fits.
    max_factors: usize,
    /// Largest neighbour count whose bundle fits.
    max_neighbors: usize,
    p: AutoParams,
}

impl Space {
    fn new(p: &AutoParams, data: &Interactions, base_bytes: u64) -> Self {
        let n_items = data.n_items().max(1);
        let room = p.max_bundle_bytes.saturating_sub(base_bytes) as f64;
        let smallest = *storages(p.quantization).last().unwrap_or(&Quantization::Int8);
        // n·k·b + 8·k² ≤ room.
        let (a, b) = (8.0, n_items as f64 * per_value(smallest));
        let k = ((-b + (b * b + 4.0 * a * room).sqrt()) / (2.0 * a)).floor();
        let max_factors = (k as usize).min(512).min(data.n_users()).min(n_items);
        // A neighbour entry takes 4 bytes (u16 index, f16 weight) up to 65,536 items, else 8.
        let per_entry = if n_items <= 65_536 { 4.0 } else { 8.0 };
        let max_neighbors = ((room / (n_items as f64 * per_entry)) as usize).min(n_items.saturating_sub(1)).min(2000);
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

    /// How a candidate's factors are stored: the least lossy allowed storage whose bundle fits.
    fn storage(&self, c: &ModelChoice) -> Quantization {
        let k = match c {
            ModelChoice::Als(p) => p.factors,
            ModelChoice::Svd(p) => p.factors,
            _ => return Quantization::None,
        } as f64;
        let options = storages(self.p.quantization);
        let fits = |q: &&Quantization| self.n_items as f64 * k * per_value(**q) + 8.0 * k * k <= self.room;
        *options.iter().find(fits).or(options.last()).unwrap_or(&Quantization::None)
    }

    /// The family's defaults, bounded by the size budget.
    fn default_for(&self, f: Family) -> ModelChoice {
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
    fn random(&self, f: Family, rng: &mut Rng) -> ModelChoice {
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
            Family::Als => ModelChoice::Als(
                AlsParams::new()
                    .factors(self.factors(log_uniform(rng, 16.0, 512.0)))
                    .regularization(log_uniform(rng, 0.5, 500.0) as f32)
                    .alpha(log_uniform(rng, 0.3, 30.0) as f32)
                    .scaling(if rng.f64() < 0.5 { Scaling::Linear } else { Scaling::Log })
                    .iterations(self.p.als_iterations)
                    .threads(t)
                    .seed(self.p.seed),
            ),
        }
    }

    /// A step from a good configuration: a random non-empty subset of its parameters (often
    /// one, a coordinate move) each moved by a log-normal factor.
    fn perturb(&self, c: &ModelChoice, rng: &mut Rng) -> ModelChoice {
        let n = match c {
            ModelChoice::Als(_) => 4,
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
                let alpha = step(2, p.alpha as f64, 0.1, 100.0) as f32;
                let scaling = match (p.scaling, step(3, 1.0, 0.0, 10.0) < 0.7) {
                    (s, false) => s,
                    (Scaling::Linear, true) => Scaling::Log,
                    (Scaling::Log, true) => Scaling::Linear,
                };
                ModelChoice::Als(p.clone().factors(factors).regularization(reg).alpha(alpha).scaling(scaling))
            }
            other => other.clone(),
        }
    }

    /// A factor count within the size budget (multiples of 8 above 16).
    fn factors(&self, v: f64) -> usize {
        let k = if v > 16.0 { ((v / 8.0).round() * 8.0) as usize } else { v.round() as usize };
        k.clamp(1, self.max_factors.max(1))
    }

    /// A neighbour count within the size budget.
    fn neighbors(&self, v: f64) -> usize {
        (v.round() as usize).clamp(1, self.max_neighbors.max(1))
    }

    /// The neighbour counts one EASE fit is pruned to: the largest that fits, and smaller ones.
    fn ease_counts(&self) -> Vec<usize> {
        let top = self.max_neighbors.min(1000);
        let mut c: Vec<usize> = [top, top / 2, top / 4].into_iter().filter(|n| *n >= 10).collect();
        c.dedup();
        c
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

/// The family and parameters of a candidate, for the search record.
fn describe(c: &ModelChoice) -> (&'static str, BTreeMap<String, f64>) {
    let m = |kv: &[(&str, f64)]| kv.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    match c {
        ModelChoice::Als(p) => (
            "als",
            m(&[
                ("factors", p.factors as f64),
                ("regularization", p.regularization as f64),
                ("alpha", p.alpha as f64),
                ("log_scaling", f64::from(u8::from(p.scaling == Scaling::Log))),
                ("iterations", p.iterations as f64),
            ]),
        ),
        ModelChoice::Svd(p) => ("svd", m(&[("factors", p.factors as f64)])),
        ModelChoice::Ease(p) => ("ease", m(&[("lambda", p.lambda), ("neighbors", p.neighbors as f64)])),
        ModelChoice::Rp3(p) => ("rp3", m(&[("alpha", p.alpha), ("beta", p.beta), ("neighbors", p.neighbors as f64)])),
        ModelChoice::Popular | ModelChoice::Auto(_) => ("popular", BTreeMap::new()),
    }
}

fn storage_name(q: Quantization) -> &'static str {
    match q {
        Quantization::None => "f32",
        q => q.name(),
    }
}

/// One line for a trial.
fn trial_line(t: &Trial, k: usize) -> String {
    let params: Vec<String> = t.params.iter().map(|(k, v)| format!("{k}={}", short(*v))).collect();
    format!(
        "{:<7} {:<58} {:>4} {:<4}  ndcg@{k} {:.4}  precision@{k} {:.4}  {:>9} bytes  {:.1}s",
        t.family,
        params.join(" "),
        t.fidelity,
        t.storage,
        t.ndcg,
        t.precision,
        t.bundle_bytes,
        t.seconds
    )
}

fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{v}")
    } else {
        format!("{:.3}", v)
    }
}

/// The state of a running search.
struct Search<'a> {
    /// The training split, as evaluation matches users by id.
    train: &'a Interactions,
    /// The training split without items it never saw, as the trainers take it.
    fit: &'a Interactions,
    valid: &'a Interactions,
    space: Space,
    trials: Vec<Trial>,
    /// The candidate behind each trial.
    choices: Vec<ModelChoice>,
    started: Instant,
    /// Whole seconds already reported to a time budget's bar.
    ticked: std::cell::Cell<u64>,
    /// Set while finalists are re-validated on the second split.
    checking: bool,
    progress: &'a dyn Progress,
}

impl Search<'_> {
    /// Trains `c` on the training split (`low`: a third of ALS's iterations) and validates it.
    fn run(&mut self, c: &ModelChoice, low: bool) -> Result<()> {
        let t = Instant::now();
        let (fidelity, c) = match c {
            _ if self.checking => ("check", c.clone()),
            ModelChoice::Als(p) if low => ("low", ModelChoice::Als(p.clone().iterations((p.iterations / 3).max(2)))),
            _ => ("full", c.clone()),
        };
        let data = self.fit;
        let models: Vec<(ModelChoice, RecModel, crate::bundle::Metadata)> = match &c {
            ModelChoice::Ease(p) => {
                let counts = if self.checking { vec![p.neighbors] } else { self.space.ease_counts() };
                let fitted = p.fit_pruned(data, &counts, &Silent)?;
                counts
                    .into_iter()
                    .zip(fitted)
                    .map(|(n, m)| {
                        let p = p.clone().neighbors(n);
                        (ModelChoice::Ease(p.clone()), RecModel::Neighbors(m), ease_metadata(&p))
                    })
                    .collect()
            }
            _ => {
                let (m, meta) = fit_family(data, &c, &Silent)?;
                vec![(c.clone(), m, meta)]
            }
        };
        let fit_seconds = t.elapsed().as_secs_f64() / models.len() as f64;
        for (choice, model, meta) in models {
            let t = Instant::now();
            let storage = self.space.storage(&choice);
            let rec = assemble(data, model, meta)?.quantize(storage)?;
            let report = evaluate(&rec, self.train, self.valid, self.space.p.k)?;
            let bytes = rec.to_bytes().len() as u64;
            let (family, params) = describe(&choice);
            let trial = Trial {
                family: family.into(),
                params,
                fidelity: fidelity.into(),
                storage: match rec.model() {
                    RecModel::Factors(f) => storage_name(f.quantization()).into(),
                    _ => String::new(),
                },
                ndcg: report.ndcg,
                precision: report.precision,
                coverage: report.coverage,
                bundle_bytes: bytes,
                seconds: fit_seconds + t.elapsed().as_secs_f64(),
            };
            self.progress.message(&format!(
                "[auto {:>3}] {}",
                self.trials.len() + 1,
                trial_line(&trial, self.space.p.k)
            ));
            self.trials.push(trial);
            self.choices.push(match (&choice, fidelity) {
                (ModelChoice::Als(p), "low") => ModelChoice::Als(p.clone().iterations(self.space.p.als_iterations)),
                _ => choice,
            });
        }
        self.tick();
        Ok(())
    }

    fn tick(&self) {
        match self.space.p.budget {
            Budget::Trials(_) => self.progress.tick(1),
            Budget::Time(_) => {
                let now = self.started.elapsed().as_secs();
                self.progress.tick(now.saturating_sub(self.ticked.replace(now)));
            }
        }
    }

    /// Whether this configuration was trained already (EASE: the same λ, as each fit is pruned
    /// to every neighbour count).
    fn tried(&self, c: &ModelChoice) -> bool {
        self.choices.iter().any(|t| match (t, c) {
            (ModelChoice::Ease(a), ModelChoice::Ease(b)) => a.lambda == b.lambda,
            _ => t == c,
        })
    }

    /// Seconds the family's trials took so far.
    fn spent(&self, f: Family) -> f64 {
        self.trials.iter().filter(|t| t.family == f.name()).map(|t| t.seconds).sum()
    }

    fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Seconds a candidate is expected to take, from the last trial of its family (None: no trial yet).
    fn estimate(&self, c: &ModelChoice) -> Option<f64> {
        let (fam, _) = describe(c);
        let size = |c: &ModelChoice| match c {
            ModelChoice::Als(p) => p.factors as f64,
            ModelChoice::Svd(p) => p.factors as f64,
            _ => 1.0,
        };
        let i = (0..self.trials.len()).rev().find(|i| self.trials[*i].family == fam)?;
        let per_size = self.trials[i].seconds / size(&self.choices[i]).max(1.0);
        let ease_share = if fam == "ease" { self.space.ease_counts().len() as f64 } else { 1.0 };
        Some(per_size * size(c) * ease_share)
    }

    /// The best `n` distinct full- or low-fidelity trials by NDCG (indices).
    fn best(&self, n: usize, keep: impl Fn(&Trial) -> bool) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.trials.len()).filter(|i| keep(&self.trials[*i])).collect();
        order.sort_by(|a, b| self.trials[*b].ndcg.total_cmp(&self.trials[*a].ndcg));
        order.truncate(n);
        order
    }
}

pub(super) fn train_auto(data: &Interactions, p: &AutoParams, progress: &dyn Progress) -> Result<Recommender> {
    p.check()?;
    let split = Split::SampledUsers { users: p.validation_users, test_fraction: p.validation_fraction };
    let (train, valid) = split.apply(data, p.seed)?;
    let (train2, valid2) = split.apply(data, p.seed ^ 0xC4EC)?;
    let fit2 = compact(&train2);
    let base_bytes =
        assemble(&compact(data), RecModel::Popular, crate::bundle::Metadata::new("popular"))?.to_bytes().len() as u64;
    let fit = compact(&train);
    let space = Space::new(p, &fit, base_bytes + 4096);
    let validation_users = valid.by_user().indptr.windows(2).filter(|w| w[1] > w[0]).count();
    let mut rng = Rng::new(p.seed ^ 0x005E_A2C4);
    match p.budget {
        Budget::Trials(n) => progress.stage("auto search", n as u64 + 3),
        Budget::Time(d) => progress.stage("auto search (s)", d.as_secs()),
    }
    let mut s = Search {
        train: &train,
        fit: &fit,
        valid: &valid,
        space,
        trials: Vec::new(),
        choices: Vec::new(),
        started: Instant::now(),
        ticked: std::cell::Cell::new(0),
        checking: false,
        progress,
    };
    s.run(&ModelChoice::Popular, false)?;
    explore(&mut s, &mut rng)?;
    promote(&mut s)?;
    let fits = |t: &Trial| t.fidelity == "full" && t.bundle_bytes <= p.max_bundle_bytes;
    let mut finalists = s.best(FINALISTS, fits);
    if finalists.is_empty() {
        finalists = s.best(1, |t| t.fidelity == "full");
    }
    // Re-validate the finalists on a second, independent split: one split's best of many
    // trials is partly luck (the winner's curse), worst on small logs.
    (s.train, s.fit, s.valid, s.checking) = (&train2, &fit2, &valid2, true);
    let mut mean = Vec::with_capacity(finalists.len());
    for &f in &finalists {
        let c = s.choices[f].clone();
        s.run(&c, false)?;
        mean.push((s.trials[f].ndcg + s.trials[s.trials.len() - 1].ndcg) / 2.0);
    }
    let best = (0..finalists.len()).max_by(|a, b| mean[*a].total_cmp(&mean[*b])).unwrap_or(0);
    let winner = finalists.get(best).copied().unwrap_or(0);
    let choice = s.choices[winner].clone();
    let trial = Trial { ndcg: mean.get(best).copied().unwrap_or(s.trials[winner].ndcg), ..s.trials[winner].clone() };
    progress.message(&format!("[auto] retraining on all data: {}", trial_line(&trial, p.k)));
    let storage = s.space.storage(&choice);
    let mut model = super::train_recommender(data, &choice, Some(progress))?.quantize(storage)?;
    let meta = model.metadata_mut();
    meta.metrics = BTreeMap::from([
        (format!("validation_ndcg@{}", p.k), trial.ndcg),
        (format!("validation_precision@{}", p.k), trial.precision),
        ("validation_coverage".to_string(), trial.coverage),
    ]);
    meta.params.insert("selection".into(), "auto".into());
    meta.notes.push(format!(
        "auto searched {} trials in {:.0}s ({} budget, validation on {} users), re-validated the best {} on a second split and chose {} (mean validation ndcg@{} = {:.4}), retrained on all data",
        s.trials.len(),
        s.elapsed(),
        p.budget.describe(),
        validation_users,
        finalists.len(),
        trial.family,
        p.k,
        trial.ndcg
    ));
    let log = SearchLog {
        k: p.k,
        budget: p.budget.describe(),
        max_bundle_bytes: p.max_bundle_bytes,
        validation_users,
        frontier: SearchLog::compute_frontier(&s.trials),
        trials: s.trials,
        winner,
    };
    Ok(model.with_search(log))
}

/// Factors of the search's first ALS trial (fewer when the bundle budget cannot hold them).
const ALS_START_FACTORS: f64 = 256.0;

/// Configurations re-validated on a second split before the winner is chosen.
const FINALISTS: usize = 3;

/// Share of a time budget's exploration one family may spend, so that one slow family (EASE
/// on a large catalogue) cannot crowd out the others.
const FAMILY_SHARE: f64 = 0.4;

/// Draws and runs candidates until the budget's exploration share is spent: each family's
/// defaults first, then one random draw per family, then a seeded mix of random draws and
/// perturbations of the three best configurations of the families still within their share.
fn explore(s: &mut Search<'_>, rng: &mut Rng) -> Result<()> {
    let families = s.space.families.clone();
    let mut queue: Vec<ModelChoice> = families.iter().map(|f| s.space.default_for(*f)).collect();
    queue.extend(families.iter().map(|f| s.space.random(*f, rng)));
    queue.reverse();
    let mut trained = 0usize;
    let mut skipped = 0usize;
    loop {
        let explore_secs = match s.space.p.budget {
            Budget::Trials(n) if trained >= n => break,
            Budget::Time(d) if s.elapsed() >= 0.8 * d.as_secs_f64() => break,
            Budget::Trials(_) => f64::INFINITY,
            Budget::Time(d) => 0.8 * d.as_secs_f64(),
        };
        let open: Vec<Family> =
            s.space.families.iter().copied().filter(|f| s.spent(*f) < FAMILY_SHARE * explore_secs).collect();
        if open.is_empty() || skipped >= 50 {
            break;
        }
        let cand = next_candidate(s, &mut queue, &open, rng);
        if s.tried(&cand) {
            skipped += 1;
            continue;
        }
        if let (Budget::Time(d), Some(est)) = (s.space.p.budget, s.estimate(&cand)) {
            if s.elapsed() + est > d.as_secs_f64() {
                skipped += 1;
                continue;
            }
        }
        if let (Budget::Time(d), ModelChoice::Ease(_), None) = (s.space.p.budget, &cand, s.estimate(&cand)) {
            // No EASE fit yet: its dense inverse costs about n³/3 + n³ flops; skip when even an
            // optimistic 80 GFLOP/s (measured: 9,700 items in 13 s on 2 cores) could not finish
            // it within half the budget.
            let n = s.space.n_items as f64;
            if 1.33 * n * n * n / 8e10 > 0.5 * d.as_secs_f64() {
                s.space.families.retain(|f| *f != Family::Ease);
                skipped += 1;
                continue;
            }
        }
        s.run(&cand, true)?;
        trained += 1;
        skipped = 0;
    }
    Ok(())
}

/// The next candidate among `open` families: the queue first; then a family — half the time
/// the one with the best trial so far, else any — and within it 35 % random draws and 65 %
/// perturbations of one of its three best trials.
fn next_candidate(s: &Search<'_>, queue: &mut Vec<ModelChoice>, open: &[Family], rng: &mut Rng) -> ModelChoice {
    while let Some(c) = queue.pop() {
        if family_of(&c).is_some_and(|f| open.contains(&f)) {
            return c;
        }
    }
    let leader =
        s.best(1, |t| open.iter().any(|f| f.name() == t.family)).first().and_then(|i| family_of(&s.choices[*i]));
    let family = match leader {
        Some(f) if rng.f64() < 0.5 => f,
        _ => open[rng.below(open.len() as u64) as usize],
    };
    if rng.f64() < 0.35 {
        return s.space.random(family, rng);
    }
    let top = s.best(3, |t| t.family == family.name());
    match top.get(rng.below(top.len().max(1) as u64) as usize) {
        Some(i) => s.space.perturb(&s.choices[*i], rng),
        None => s.space.random(family, rng),
    }
}

fn family_of(c: &ModelChoice) -> Option<Family> {
    match c {
        ModelChoice::Ease(_) => Some(Family::Ease),
        ModelChoice::Rp3(_) => Some(Family::Rp3),
        ModelChoice::Svd(_) => Some(Family::Svd),
        ModelChoice::Als(_) => Some(Family::Als),
        ModelChoice::Popular | ModelChoice::Auto(_) => None,
    }
}

/// Successive halving for ALS: the best low-fidelity ALS trials that could beat the best
/// full-fidelity one are retrained with all iterations (at most three; two under a trial count).
fn promote(s: &mut Search<'_>) -> Result<()> {
    let best_full = s.best(1, |t| t.fidelity == "full").first().map_or(0.0, |i| s.trials[*i].ndcg);
    let max = match s.space.p.budget {
        Budget::Trials(_) => 2,
        Budget::Time(_) => 3,
    };
    let within = s.space.p.max_bundle_bytes;
    for i in s.best(max, |t| t.fidelity == "low" && t.bundle_bytes <= within) {
        if s.trials[i].ndcg < 0.9 * best_full {
            continue;
        }
        if let Budget::Time(d) = s.space.p.budget {
            let est = s.trials[i].seconds * 3.0;
            if s.elapsed() + est > d.as_secs_f64() && i != s.best(1, |t| t.fidelity == "low")[0] {
                continue;
            }
        }
        let c = s.choices[i].clone();
        if s.trials.iter().zip(&s.choices).any(|(t, d)| t.fidelity == "full" && *d == c) {
            continue;
        }
        s.run(&c, false)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_times_and_counts() {
        assert_eq!(Budget::parse("60s").unwrap(), Budget::Time(Duration::from_secs(60)));
        assert_eq!(Budget::parse("2m").unwrap(), Budget::Time(Duration::from_secs(120)));
        assert_eq!(Budget::parse("1.5h").unwrap(), Budget::Time(Duration::from_secs(5400)));
        assert_eq!(Budget::parse("40 trials").unwrap(), Budget::Trials(40));
        assert_eq!(Budget::parse("7t").unwrap(), Budget::Trials(7));
        for bad in ["60", "", "s", "-5s", "0s", "1.5trials", "0trials", "10 parsecs", "1e9h"] {
            assert!(Budget::parse(bad).is_err(), "{bad}");
        }
    }
}
