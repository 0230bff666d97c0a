//! The running search: trials, their record, exploration, promotion of low-fidelity ALS.

use std::collections::BTreeMap;
use std::time::Instant;

use super::space::{neighbor_count, Family, Space};
use super::Budget;
use crate::bundle::Trial;
use crate::data::Interactions;
use crate::error::Result;
use crate::eval::split::evaluate;
use crate::recs::{BlendModel, RecModel};
use crate::rng::Rng;
use crate::train::{assemble, ease_metadata, fit_family, BlendParams, ModelChoice, Progress, Silent};

/// The family and parameters of a candidate, for the search record.
fn describe(c: &ModelChoice) -> (&'static str, BTreeMap<String, f64>) {
    let m = |kv: &[(&str, f64)]| kv.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let params = match c {
        ModelChoice::Als(p) => {
            let mut kv: BTreeMap<String, f64> = m(&[
                ("factors", p.factors as f64),
                ("regularization", p.regularization as f64),
                ("alpha", p.alpha as f64),
                // 0 linear, 1 log, 2 BM25 (`Scaling::code`).
                ("scaling", f64::from(p.scaling.code())),
                ("iterations", p.iterations as f64),
            ]);
            if p.scaling == crate::recs::Scaling::Bm25 {
                kv.insert("bm25_b".into(), p.bm25_b as f64);
            }
            kv
        }
        ModelChoice::Svd(p) => m(&[("factors", p.factors as f64)]),
        ModelChoice::Ease(p) => m(&[("lambda", p.lambda), ("neighbors", p.neighbors as f64)]),
        ModelChoice::Rp3(p) => m(&[("alpha", p.alpha), ("beta", p.beta), ("neighbors", p.neighbors as f64)]),
        ModelChoice::Blend(p) => {
            let mut kv = m(&[("weight", p.weight as f64)]);
            for half in [&p.factors, &p.neighbors] {
                let (family, params) = describe(half);
                kv.extend(params.into_iter().map(|(k, v)| (format!("{family}.{k}"), v)));
            }
            kv
        }
        ModelChoice::Popular | ModelChoice::Auto(_) => BTreeMap::new(),
    };
    (c.family_name(), params)
}

/// One line for a trial.
pub(super) fn trial_line(t: &Trial, k: usize) -> String {
    format!(
        "{:<7} {:<58} {:>4} {:<4}  ndcg@{k} {:.4}  precision@{k} {:.4}  {:>9} bytes  {:.1}s",
        t.family,
        t.params_text(3),
        t.fidelity,
        t.storage,
        t.ndcg,
        t.precision,
        t.bundle_bytes,
        t.seconds
    )
}

/// A blend's halves fitted on one split: what they are (factor and item-item candidates, and
/// whether on the second split), the models, and their metadata.
pub(super) struct FittedHalves {
    of: (ModelChoice, ModelChoice, bool),
    f: crate::recs::FactorModel,
    nb: crate::recs::NeighborModel,
    fmeta: crate::bundle::Metadata,
    nmeta: crate::bundle::Metadata,
}

/// The state of a running search.
pub(super) struct Search<'a> {
    /// The training split, as evaluation matches users by id.
    pub(super) train: &'a Interactions,
    /// The training split without items it never saw, as the trainers take it.
    pub(super) fit: &'a Interactions,
    pub(super) valid: &'a Interactions,
    pub(super) space: Space,
    pub(super) trials: Vec<Trial>,
    /// The candidate behind each trial.
    pub(super) choices: Vec<ModelChoice>,
    pub(super) started: Instant,
    /// Whole seconds already reported to a time budget's bar.
    pub(super) ticked: std::cell::Cell<u64>,
    /// Set while finalists are re-validated on the second split.
    pub(super) checking: bool,
    /// The last blend's halves fitted on the current split: finalists that differ only in the
    /// weight are re-validated without fitting them again.
    pub(super) halves: Option<FittedHalves>,
    pub(super) progress: &'a dyn Progress,
}

impl Search<'_> {
    /// Trains `c` on the training split (`low`: a third of ALS's iterations) and validates it.
    pub(super) fn run(&mut self, c: &ModelChoice, low: bool) -> Result<()> {
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
            ModelChoice::Blend(p) => {
                // The halves are fitted once per split and blended at each weight.
                let fitted = match self.halves.take() {
                    Some(h) if h.of.0 == *p.factors && h.of.1 == *p.neighbors && h.of.2 == self.checking => h,
                    _ => {
                        let (f, nb, fmeta, nmeta) = p.fit_halves(data, &Silent)?;
                        let of = ((*p.factors).clone(), (*p.neighbors).clone(), self.checking);
                        FittedHalves { of, f, nb, fmeta, nmeta }
                    }
                };
                let weights = if self.checking { vec![p.weight] } else { BLEND_WEIGHTS.to_vec() };
                let FittedHalves { f, nb, fmeta, nmeta, .. } = self.halves.insert(fitted);
                weights
                    .into_iter()
                    .map(|w| {
                        let p = p.clone().weight(w);
                        let m = RecModel::Blend(BlendModel::new(f.clone(), nb.clone(), w)?);
                        Ok((ModelChoice::Blend(p.clone()), m, p.metadata(fmeta, nmeta)))
                    })
                    .collect::<Result<_>>()?
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
                storage: rec.model().factors().map_or(String::new(), |f| f.quantization().storage_name().into()),
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

    pub(super) fn tick(&self) {
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
    pub(super) fn tried(&self, c: &ModelChoice) -> bool {
        self.choices.iter().any(|t| match (t, c) {
            (ModelChoice::Ease(a), ModelChoice::Ease(b)) => a.lambda == b.lambda,
            _ => t == c,
        })
    }

    /// Seconds the family's trials took so far.
    pub(super) fn spent(&self, f: Family) -> f64 {
        self.trials.iter().filter(|t| t.family == f.name()).map(|t| t.seconds).sum()
    }

    pub(super) fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Seconds a candidate is expected to take, from the last trial of its family (None: no trial yet).
    pub(super) fn estimate(&self, c: &ModelChoice) -> Option<f64> {
        let fam = family_of(c)?.name();
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
    pub(super) fn best(&self, n: usize, keep: impl Fn(&Trial) -> bool) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.trials.len()).filter(|i| keep(&self.trials[*i])).collect();
        order.sort_by(|a, b| self.trials[*b].ndcg.total_cmp(&self.trials[*a].ndcg));
        order.truncate(n);
        order
    }
}

/// Factors of the search's first ALS trial (fewer when the bundle budget cannot hold them).
pub(super) const ALS_START_FACTORS: f64 = 256.0;

/// Configurations re-validated on a second split before the winner is chosen.
pub(super) const FINALISTS: usize = 3;

/// Share of a time budget's exploration one family may spend, so that one slow family (EASE
/// on a large catalogue) cannot crowd out the others.
const FAMILY_SHARE: f64 = 0.4;

/// Draws and runs candidates until the budget's exploration share is spent: each family's
/// defaults first, then one random draw per family, then a seeded mix of random draws and
/// perturbations of the three best configurations of the families still within their share.
pub(super) fn explore(s: &mut Search<'_>, rng: &mut Rng) -> Result<()> {
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
        // Blends are built from the best trials after the draws, never drawn.
        ModelChoice::Blend(_) | ModelChoice::Popular | ModelChoice::Auto(_) => None,
    }
}

/// The factor half's weights a blend is validated at (validation on ml-latest-small and
/// Online Retail was flat from 0.3 to 0.7 and fell off outside).
const BLEND_WEIGHTS: [f32; 3] = [0.3, 0.5, 0.7];

/// Blends the best full-fidelity factor model (ALS, PureSVD) with the best item-item model
/// (EASE, RP3beta): the factors as trained, stored as small as needed, and as many of the
/// item-item model's neighbours as fit beside them in the bundle budget. Validated at each of
/// [`BLEND_WEIGHTS`]; skipped when either family has no trial or fewer than 10 neighbours fit.
pub(super) fn blend(s: &mut Search<'_>) -> Result<()> {
    let best_of = |families: [Family; 2]| {
        let keep = |t: &Trial| t.fidelity == "full" && families.iter().any(|f| f.name() == t.family);
        s.best(1, keep).first().map(|i| s.choices[*i].clone())
    };
    let (Some(f), Some(nb)) = (best_of([Family::Als, Family::Svd]), best_of([Family::Ease, Family::Rp3])) else {
        return Ok(());
    };
    let Some(n) = neighbor_count(&nb).and_then(|wanted| s.space.blend_neighbors(&f, wanted)) else {
        return Ok(());
    };
    let nb = match nb {
        ModelChoice::Ease(p) => ModelChoice::Ease(p.neighbors(n)),
        ModelChoice::Rp3(p) => ModelChoice::Rp3(p.neighbors(n)),
        other => other,
    };
    s.run(&ModelChoice::Blend(BlendParams::new().factors(f).neighbors(nb)), false)
}

/// Successive halving for ALS: the best low-fidelity ALS trials that could beat the best
/// full-fidelity one are retrained with all iterations (at most three; two under a trial count).
pub(super) fn promote(s: &mut Search<'_>) -> Result<()> {
    let best_full = s.best(1, |t| t.fidelity == "full").first().map_or(0.0, |i| s.trials[*i].ndcg);
    let max = match s.space.p.budget {
        Budget::Trials(_) => 2,
        Budget::Time(_) => 3,
    };
    let within = s.space.p.max_bundle_bytes;
    let best_low = s.best(1, |t| t.fidelity == "low").first().copied();
    for i in s.best(max, |t| t.fidelity == "low" && t.bundle_bytes <= within) {
        if s.trials[i].ndcg < 0.9 * best_full {
            continue;
        }
        if let Budget::Time(d) = s.space.p.budget {
            let est = s.trials[i].seconds * 3.0;
            if s.elapsed() + est > d.as_secs_f64() && Some(i) != best_low {
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
