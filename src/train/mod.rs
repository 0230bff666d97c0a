//! Native-only training: ALS, EASE, popularity, and `auto` model selection by validation NDCG.

pub mod als;
pub mod auto;
pub mod baskets;
pub mod blend;
pub mod cold;
pub mod ease;
pub mod import;
pub mod item2vec;
pub mod progress;
pub mod propensity;
pub mod rp3;
pub mod session;
mod simd;
pub mod svd;
pub mod text;

use std::borrow::Cow;

use crate::bundle::Metadata;
use crate::data::Interactions;
use crate::error::{Error, Result};
use crate::recs::{Catalog, ItemIndex, RecModel, Recommender};

pub use als::AlsParams;
pub use auto::AutoParams;
pub use blend::BlendParams;
pub use ease::EaseParams;
pub use item2vec::{Item2VecParams, Sequences};
pub use progress::{Progress, Silent};
pub use rp3::Rp3Params;
pub use svd::SvdParams;

/// Which recommendation model to train.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelChoice {
    /// Implicit ALS.
    Als(AlsParams),
    /// Pruned EASE item-item.
    Ease(EaseParams),
    /// PureSVD: truncated SVD item factors, folded in by projection.
    Svd(SvdParams),
    /// RP3beta random-walk item-item, pruned.
    Rp3(Rp3Params),
    /// A factor model and an item-item model, their scores blended.
    Blend(BlendParams),
    /// Popularity only.
    Popular,
    /// Search a grid over every family on a validation split, keep the best NDCG@10.
    Auto(AutoParams),
}

impl ModelChoice {
    /// The family's name, as metadata and the search record write it.
    pub fn family_name(&self) -> &'static str {
        match self {
            ModelChoice::Als(_) => "als",
            ModelChoice::Ease(_) => "ease",
            ModelChoice::Svd(_) => "svd",
            ModelChoice::Rp3(_) => "rp3",
            ModelChoice::Blend(_) => "blend",
            ModelChoice::Popular => "popular",
            ModelChoice::Auto(_) => "auto",
        }
    }

    /// Validates the chosen family's parameters (what training would reject), so a caller can
    /// refuse bad arguments before reading any data.
    pub fn check(&self) -> Result<()> {
        match self {
            ModelChoice::Als(p) => p.check(),
            ModelChoice::Ease(p) => p.check(),
            ModelChoice::Svd(p) => p.check(),
            ModelChoice::Rp3(p) => p.check(),
            ModelChoice::Blend(p) => p.check(),
            ModelChoice::Popular => Ok(()),
            ModelChoice::Auto(p) => p.check(),
        }
    }
}

/// Trains a recommender on `data`. Items with no interactions are left out of the bundle.
pub fn train_recommender(
    data: &Interactions,
    choice: &ModelChoice,
    progress: Option<&dyn Progress>,
) -> Result<Recommender> {
    let progress = progress::or_silent(progress);
    if data.is_empty() {
        return Err(Error::Empty("no interactions to train on".into()));
    }
    if let ModelChoice::Auto(a) = choice {
        return auto::train_auto(data, a, progress);
    }
    let data = compact(data);
    let (model, meta) = fit_family(&data, choice, progress)?;
    assemble(&data, model, meta)
}

/// Fits one family (not `Auto`) on a compacted log, with the metadata that describes it.
fn fit_family(data: &Interactions, choice: &ModelChoice, progress: &dyn Progress) -> Result<(RecModel, Metadata)> {
    Ok(match choice {
        ModelChoice::Als(p) => (RecModel::Factors(p.fit(data, progress)?), als_metadata(p)),
        ModelChoice::Ease(p) => (RecModel::Neighbors(p.fit(data, progress)?), ease_metadata(p)),
        ModelChoice::Svd(p) => {
            let m = p.fit(data, progress)?;
            let mut meta = Metadata::new("svd");
            meta.params.insert("factors".into(), m.k().to_string());
            meta.params.insert("power_iterations".into(), p.power_iterations.to_string());
            meta.params.insert("seed".into(), p.seed.to_string());
            (RecModel::Factors(m), meta)
        }
        ModelChoice::Rp3(p) => {
            let m = p.fit(data, progress)?;
            let mut meta = Metadata::new("rp3");
            meta.params.insert("alpha".into(), p.alpha.to_string());
            meta.params.insert("beta".into(), p.beta.to_string());
            meta.params.insert("neighbors".into(), p.neighbors.to_string());
            (RecModel::Neighbors(m), meta)
        }
        ModelChoice::Blend(p) => {
            let (m, meta) = p.fit(data, progress)?;
            (RecModel::Blend(m), meta)
        }
        ModelChoice::Popular | ModelChoice::Auto(_) => (RecModel::Popular, Metadata::new("popular")),
    })
}

fn als_metadata(p: &AlsParams) -> Metadata {
    let mut meta = Metadata::new("als");
    for (k, v) in [
        ("factors", p.factors.to_string()),
        ("iterations", p.iterations.to_string()),
        ("regularization", p.regularization.to_string()),
        ("alpha", p.alpha.to_string()),
        ("scaling", p.scaling.name().to_string()),
        ("cg_steps", p.cg_steps.to_string()),
        ("seed", p.seed.to_string()),
    ] {
        meta.params.insert(k.into(), v);
    }
    if p.scaling == crate::recs::Scaling::Bm25 {
        meta.params.insert("bm25_k1".into(), p.bm25_k1.to_string());
        meta.params.insert("bm25_b".into(), p.bm25_b.to_string());
    }
    meta
}

fn ease_metadata(p: &EaseParams) -> Metadata {
    let mut meta = Metadata::new("ease");
    meta.params.insert("lambda".into(), p.lambda.to_string());
    meta.params.insert("neighbors".into(), p.neighbors.to_string());
    meta
}

/// A recommender from a model fitted on compacted `data`: item ids, titles, popularity
/// (share of active users who interacted) and aggregate counts.
fn assemble(data: &Interactions, model: RecModel, mut meta: Metadata) -> Result<Recommender> {
    let n_users_active = {
        let mut seen = vec![false; data.n_users()];
        data.user.iter().for_each(|u| seen[*u as usize] = true);
        seen.iter().filter(|s| **s).count()
    };
    let mut counts = vec![0u32; data.n_items()];
    data.item.iter().for_each(|i| counts[*i as usize] += 1);
    let popularity: Vec<f32> = counts.iter().map(|c| *c as f32 / n_users_active.max(1) as f32).collect();
    meta.counts.insert("users".into(), n_users_active as u64);
    meta.counts.insert("items".into(), data.n_items() as u64);
    meta.counts.insert("interactions".into(), data.len() as u64);
    meta.trained_until = data.max_time().map(crate::data::time::format_timestamp);
    Recommender::from_parts(ItemIndex::new(data.items.clone())?, data.catalog.clone(), popularity, model, meta)
}

/// Drops items without interactions (renumbering the rest, order kept). A log whose items all
/// have interactions — any log read from a file — is borrowed as it is, not copied, user ids
/// included; a copied log leaves the user ids out. Either way user ids stop here: training reads
/// user indices only, and `Recommender::from_parts` takes item-side state, so no bundle can
/// carry a user id (the privacy test scans bundle bytes for them).
fn compact(data: &Interactions) -> Cow<'_, Interactions> {
    let mut used = vec![false; data.n_items()];
    data.item.iter().for_each(|i| used[*i as usize] = true);
    if used.iter().all(|u| *u) {
        return Cow::Borrowed(data);
    }
    let mut remap = vec![u32::MAX; data.n_items()];
    let mut items = Vec::new();
    let mut titles = Vec::new();
    let mut prices = Vec::new();
    for (i, u) in used.iter().enumerate() {
        if *u {
            remap[i] = items.len() as u32;
            items.push(data.items[i].clone());
            if let Some(c) = &data.catalog {
                titles.push(c.titles[i].clone());
                prices.push(c.prices[i]);
            }
        }
    }
    Cow::Owned(Interactions {
        users: std::iter::repeat_n("", data.n_users()).collect(),
        items,
        user: data.user.clone(),
        item: data.item.iter().map(|i| remap[*i as usize]).collect(),
        weight: data.weight.clone(),
        time: data.time.clone(),
        catalog: data.catalog.as_ref().map(|_| Catalog { titles, prices }),
    })
}

/// A rayon pool with `threads` workers (0 = all cores).
/// Most worker threads a trainer starts: more than cores only costs memory and start-up time (a
/// request for 100,000 spent over a minute spawning them).
pub(crate) const MAX_THREADS: usize = 256;

/// Checks a `threads` parameter: 0 (all cores) to [`MAX_THREADS`].
pub(crate) fn check_threads(threads: usize) -> Result<()> {
    if threads > MAX_THREADS {
        return Err(Error::param("threads", threads, format!("must be between 0 (all cores) and {MAX_THREADS}")));
    }
    Ok(())
}

pub(crate) fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    check_threads(threads)?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::param("threads", threads, e.to_string()))
}
