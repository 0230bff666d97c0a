//! One tree grown best-first: the open node of largest gain is split, the smaller child's
//! histograms are summed and the larger's are the parent's minus them.

use rayon::prelude::*;

use super::binned::Binned;
use super::histograms::{feature_histogram, histograms, large, ordered, subtract, Bins, Pool};
use crate::propensity::model::{Tree, LEAF};
use crate::rng::Rng;
use crate::train::propensity::helper::Helper;

/// How one tree grows.
#[derive(Debug, Clone)]
pub(crate) struct GrowParams {
    pub max_leaves: usize,
    pub max_depth: usize,
    pub min_samples_leaf: usize,
    pub lambda: f64,
    /// Features tried per split (all when >= d).
    pub features_per_split: usize,
}

pub(super) struct Split {
    pub(super) feature: usize,
    pub(super) bin: usize,
    gain: f64,
    /// The left child's gradient and hessian sums (the right's are the node's minus these).
    gl: f64,
    hl: f64,
    /// The left child's row count.
    pub(super) cl: usize,
}

struct Node {
    rows: Vec<u32>,
    /// Gradient and hessian sums over `rows`.
    gs: f64,
    hs: f64,
    depth: usize,
    id: usize,
    split: Option<Split>,
    /// Every feature's histogram, kept while the node is open when splits look at every
    /// feature, so that a child's histogram can be had as parent minus sibling.
    hist: Option<Bins>,
}

/// The best split of feature `f` given its histogram over a node of `n` rows with sums `gs`, `hs`.
fn scan(f: usize, hist: &[(f64, f64, u32)], n: usize, gs: f64, hs: f64, p: &GrowParams) -> Option<Split> {
    if hist.len() < 2 {
        return None;
    }
    let parent = gs * gs / (hs + p.lambda);
    let (mut gl, mut hl, mut cl) = (0.0, 0.0, 0usize);
    let mut best: Option<Split> = None;
    for (bin, e) in hist[..hist.len() - 1].iter().enumerate() {
        if e.2 == 0 {
            // An empty bin splits as the bin before it, which was already tried (and wins ties).
            continue;
        }
        gl += e.0;
        hl += e.1;
        cl += e.2 as usize;
        let cr = n - cl;
        if cr < p.min_samples_leaf {
            // The right side only shrinks from here on.
            break;
        }
        if cl < p.min_samples_leaf {
            continue;
        }
        let (gr, hr) = (gs - gl, hs - hl);
        let gain = gl * gl / (hl + p.lambda) + gr * gr / (hr + p.lambda) - parent;
        if gain > 1e-12 && best.as_ref().is_none_or(|s| gain > s.gain) {
            best = Some(Split { feature: f, bin, gain, gl, hl, cl });
        }
    }
    best
}

/// The best of the features' candidates, picked in feature order so that the result does not
/// depend on scheduling.
fn pick(candidates: impl IntoIterator<Item = Option<Split>>) -> Option<Split> {
    let mut best: Option<Split> = None;
    for s in candidates.into_iter().flatten() {
        if best.as_ref().is_none_or(|b| s.gain > b.gain) {
            best = Some(s);
        }
    }
    best
}

/// The best split of a node from its full histograms (every feature considered).
fn best_split_all(b: &Binned, hist: &[(f64, f64, u32)], n: usize, gs: f64, hs: f64, p: &GrowParams) -> Option<Split> {
    pick((0..b.d()).map(|f| scan(f, &hist[b.span(f)], n, gs, hs, p)))
}

/// The best split over a random subset of `features_per_split` features (random forests), each
/// feature's histogram built on its own.
#[allow(clippy::too_many_arguments)] // the node's statistics, its parameters and its random stream
fn best_split_sampled(
    b: &Binned,
    rows: &[u32],
    g: &[f32],
    h: &[f32],
    gs: f64,
    hs: f64,
    p: &GrowParams,
    rng: &mut Rng,
) -> Option<Split> {
    let mut feats: Vec<usize> = (0..b.d()).collect();
    rng.shuffle(&mut feats);
    feats.truncate(p.features_per_split.max(1));
    let gh = ordered(rows, g, h);
    let per_feature = |f: usize| scan(f, &feature_histogram(b, f, rows, &gh), rows.len(), gs, hs, p);
    if large(rows.len(), feats.len()) {
        pick(feats.par_iter().map(|&f| per_feature(f)).collect::<Vec<_>>())
    } else {
        pick(feats.iter().map(|&f| per_feature(f)))
    }
}

/// A grown tree and, for each of its leaves, the node id and the training rows that reached it
/// (so boosting updates its training rows' scores without walking the tree again).
pub(crate) struct Grown {
    pub tree: Tree,
    pub leaves: Vec<(usize, Vec<u32>)>,
}

/// Grows one tree on `rows` with gradients `g` and hessians `h`; leaf value `−G/(H+λ)·scale`.
///
/// When every split considers every feature (boosting), each open node keeps its histograms and
/// only the smaller child of a split is scanned: the larger one's is the parent's minus it.
#[allow(clippy::too_many_arguments)] // the rows and their gradients, the parameters, the random stream and buffers
pub(crate) fn grow(
    b: &Binned,
    rows: Vec<u32>,
    g: &[f32],
    h: &[f32],
    p: &GrowParams,
    scale: f64,
    rng: &mut Rng,
    pool: &mut Pool,
    helper: Option<&Helper>,
) -> Grown {
    let sum =
        |rows: &[u32]| rows.iter().fold((0.0, 0.0), |(a, c), r| (a + g[*r as usize] as f64, c + h[*r as usize] as f64));
    let all_features = p.features_per_split >= b.d();
    let mut tree = Tree::default();
    let push_node = |tree: &mut Tree, gs: f64, hs: f64| {
        tree.feature.push(LEAF);
        tree.threshold.push(0.0);
        tree.left.push(0);
        tree.right.push(0);
        tree.value.push((-gs / (hs + p.lambda) * scale) as f32);
        tree.feature.len() - 1
    };
    // Whether a node of `n` rows at `depth` may split at all.
    let splittable = |n: usize, depth: usize| depth < p.max_depth && n >= 2 * p.min_samples_leaf;
    // A node's split candidate (and, for all-feature splits, its histograms when it may split).
    let mut assess = |rows: &[u32], hist: Option<Bins>, gs: f64, hs: f64, depth: usize, pool: &mut Pool| {
        if !splittable(rows.len(), depth) {
            pool.give(hist);
            return (None, None);
        }
        if all_features {
            let hist = hist.unwrap_or_else(|| histograms(b, rows, g, h, pool, helper));
            (best_split_all(b, &hist, rows.len(), gs, hs, p), Some(hist))
        } else {
            (best_split_sampled(b, rows, g, h, gs, hs, p, rng), None)
        }
    };
    let (gs, hs) = sum(&rows);
    let id = push_node(&mut tree, gs, hs);
    let (split, hist) = assess(&rows, None, gs, hs, 0, pool);
    let mut open = vec![Node { rows, gs, hs, depth: 0, id, split, hist }];
    let mut leaves = 1;
    while leaves < p.max_leaves {
        // Best-first: split the open node with the largest gain.
        let Some(pos) = open
            .iter()
            .enumerate()
            .filter(|(_, n)| n.split.is_some())
            .max_by(|a, b| {
                let (ga, gb) = (a.1.split.as_ref().map_or(0.0, |s| s.gain), b.1.split.as_ref().map_or(0.0, |s| s.gain));
                ga.total_cmp(&gb).then(b.0.cmp(&a.0))
            })
            .map(|(i, _)| i)
        else {
            break;
        };
        let node = open.swap_remove(pos);
        let Some(s) = node.split else { continue };
        let (l, r) = b.partition(&node.rows, &s);
        // The children's sums come from the split's histogram scan, not another pass over rows.
        let ((gl, hl), (gr, hr)) = ((s.gl, s.hl), (node.gs - s.gl, node.hs - s.hl));
        let (li, ri) = (push_node(&mut tree, gl, hl), push_node(&mut tree, gr, hr));
        tree.feature[node.id] = s.feature as u32;
        tree.threshold[node.id] = b.edges[s.feature][s.bin];
        tree.left[node.id] = li as u32;
        tree.right[node.id] = ri as u32;
        leaves += 1;
        let depth = node.depth + 1;
        // Histograms for the children that may split: the smaller's built, the larger's the
        // parent's minus it. With a helper and both children splittable, the larger's subtraction
        // and scan run beside the smaller's scan.
        let small_left = l.len() <= r.len();
        let both = splittable(l.len(), depth) && splittable(r.len(), depth);
        match (node.hist, helper) {
            (Some(parent), Some(helper)) if both => {
                let small = histograms(b, if small_left { &l } else { &r }, g, h, pool, Some(helper));
                let [(n_small, g_small, h_small), (n_big, g_big, h_big)] = match small_left {
                    true => [(l.len(), gl, hl), (r.len(), gr, hr)],
                    false => [(r.len(), gr, hr), (l.len(), gl, hl)],
                };
                let ((big, split_big), split_small) = helper.join(
                    || {
                        let big = subtract(parent, &small);
                        let split = best_split_all(b, &big, n_big, g_big, h_big, p);
                        (big, split)
                    },
                    || best_split_all(b, &small, n_small, g_small, h_small, p),
                );
                let (small, big) = ((split_small, Some(small)), (split_big, Some(big)));
                let ((split_l, hist_l), (split_r, hist_r)) = if small_left { (small, big) } else { (big, small) };
                open.push(Node { rows: l, gs: gl, hs: hl, depth, id: li, split: split_l, hist: hist_l });
                open.push(Node { rows: r, gs: gr, hs: hr, depth, id: ri, split: split_r, hist: hist_r });
            }
            (parent, _) => {
                let (mut hist_l, mut hist_r) = (None, None);
                match parent {
                    Some(parent) if splittable(l.len(), depth) || splittable(r.len(), depth) => {
                        let small = histograms(b, if small_left { &l } else { &r }, g, h, pool, helper);
                        let big = subtract(parent, &small);
                        (hist_l, hist_r) = if small_left { (Some(small), Some(big)) } else { (Some(big), Some(small)) };
                    }
                    parent => pool.give(parent),
                }
                for (rows, gs, hs, id, hist) in [(l, gl, hl, li, hist_l), (r, gr, hr, ri, hist_r)] {
                    let (split, hist) = assess(&rows, hist, gs, hs, depth, pool);
                    open.push(Node { rows, gs, hs, depth, id, split, hist });
                }
            }
        }
    }
    // Every node still open is a leaf: a row partitioned into it by `bin <= split bin` is one the
    // tree sends there by `x <= edges[bin]` (a value's bin counts the edges below it).
    let leaves = open
        .into_iter()
        .map(|n| {
            pool.give(n.hist);
            (n.id, n.rows)
        })
        .collect();
    Grown { tree, leaves }
}
