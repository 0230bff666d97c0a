//! Histogram-based decision trees, grown leaf-wise; used by gradient boosting (Newton leaves on
//! log-loss gradients) and by the random forest (variance reduction on bootstrap samples).

use rayon::prelude::*;

use super::helper::{with_helper, Helper};
use crate::error::{Error, Result};
use crate::propensity::model::{Tree, LEAF};
use crate::propensity::{logit, Classifier};
use crate::rng::Rng;

/// Features quantised to at most 255 bins; bin `b` holds values `<= edges[b]`.
pub(crate) struct Binned {
    n: usize,
    /// Column-major bin indices (`feature * n + row`).
    bins: Vec<u8>,
    /// Upper edge per bin, per feature (the last bin is unbounded).
    edges: Vec<Vec<f32>>,
    /// Two-bin columns no two of which are in their upper bin on the same row (a categorical
    /// field's one-hot columns), histogrammed together in one pass (LightGBM's exclusive feature
    /// bundling, for building histograms only: splits still see every column).
    bundles: Vec<Bundle>,
    /// Whether each feature is in a bundle.
    bundled: Vec<bool>,
    /// Where each feature's bins start in a node's histogram ([`Bins`]), and (last) its length.
    offsets: Vec<usize>,
}

/// Mutually exclusive two-bin columns: `code[row]` is 0 when the row is in every member's lower
/// bin, else 1 + the index in `members` of the one member whose upper bin it is in.
struct Bundle {
    members: Vec<usize>,
    code: Vec<u8>,
}

/// Greedy bundling of the two-bin columns of `bins` (column-major, `n` rows): each joins the
/// first bundle none of whose rows it shares, at most 254 members a bundle; bundles of one
/// column are left out.
fn bundle_exclusive(bins: &[u8], n: usize, edges: &[Vec<f32>]) -> Vec<Bundle> {
    let mut out: Vec<Bundle> = Vec::new();
    for f in (0..edges.len()).filter(|f| edges[*f].len() == 1) {
        let col = &bins[f * n..(f + 1) * n];
        let free = |b: &Bundle| b.members.len() < 254 && col.iter().zip(&b.code).all(|(x, c)| *x == 0 || *c == 0);
        let k = match out.iter().position(free) {
            Some(k) => k,
            None => {
                out.push(Bundle { members: Vec::new(), code: vec![0; n] });
                out.len() - 1
            }
        };
        let b = &mut out[k];
        b.members.push(f);
        let tag = b.members.len() as u8;
        col.iter().zip(&mut b.code).filter(|(x, _)| **x == 1).for_each(|(_, c)| *c = tag);
    }
    out.retain(|b| b.members.len() > 1);
    out
}

impl Binned {
    pub(crate) fn new(x: &[Vec<f32>]) -> Self {
        let n = x.len();
        let d = x.first().map_or(0, Vec::len);
        let columns: Vec<(Vec<f32>, Vec<u8>)> = (0..d)
            .into_par_iter()
            .map(|f| {
                let mut vals: Vec<f32> = x.iter().map(|r| r[f]).collect();
                vals.sort_by(f32::total_cmp);
                vals.dedup();
                let edges: Vec<f32> = if vals.len() <= 255 {
                    vals.windows(2).map(|w| w[0] + (w[1] - w[0]) / 2.0).collect()
                } else {
                    let mut e: Vec<f32> = (1..255).map(|q| vals[q * vals.len() / 255]).collect();
                    e.dedup();
                    e
                };
                let bins = x.iter().map(|r| edges.partition_point(|e| *e < r[f]) as u8).collect();
                (edges, bins)
            })
            .collect();
        let mut bins = Vec::with_capacity(n * d);
        let mut edges = Vec::with_capacity(d);
        for (e, b) in columns {
            edges.push(e);
            bins.extend(b);
        }
        let bundles = bundle_exclusive(&bins, n, &edges);
        let mut bundled = vec![false; edges.len()];
        bundles.iter().flat_map(|b| &b.members).for_each(|f| bundled[*f] = true);
        let offsets = std::iter::once(0)
            .chain(edges.iter().scan(0, |end, e| {
                *end += e.len() + 1;
                Some(*end)
            }))
            .collect();
        Self { n, bins, edges, bundles, bundled, offsets }
    }
    fn d(&self) -> usize {
        self.edges.len()
    }
    /// Feature `f`'s bins within a node's histogram.
    fn span(&self, f: usize) -> std::ops::Range<usize> {
        self.offsets[f]..self.offsets[f + 1]
    }
    /// Bins of all features: the length of a node's histogram.
    fn total_bins(&self) -> usize {
        self.offsets[self.d()]
    }
    /// `rows` split by `s` (bin at most the split's to the left), order kept; the counts are the
    /// split's, so neither side grows while it is filled.
    ///
    /// Without a branch per row (which side a row goes is a coin toss to the predictor): each
    /// row is written to both sides' next slot and only its side's position advances; one spare
    /// slot per side takes the writes past its last row.
    fn partition(&self, rows: &[u32], s: &Split) -> (Vec<u32>, Vec<u32>) {
        let col = &self.bins[s.feature * self.n..(s.feature + 1) * self.n];
        let cr = rows.len().saturating_sub(s.cl);
        let (mut l, mut r) = (vec![0u32; s.cl + 1], vec![0u32; cr + 1]);
        let (mut li, mut ri) = (0, 0);
        for &row in rows {
            let left = col[row as usize] as usize <= s.bin;
            l[li.min(s.cl)] = row;
            r[ri.min(cr)] = row;
            li += usize::from(left);
            ri += usize::from(!left);
        }
        l.truncate(li.min(s.cl));
        r.truncate(ri.min(cr));
        (l, r)
    }
}

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

struct Split {
    feature: usize,
    bin: usize,
    gain: f64,
    /// The left child's gradient and hessian sums (the right's are the node's minus these).
    gl: f64,
    hl: f64,
    /// The left child's row count.
    cl: usize,
}

/// Sums of gradient, hessian and row count per bin: one feature's, or a node's for every
/// feature one after another ([`Binned::span`]), in one allocation.
type Bins = Vec<(f64, f64, u32)>;

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

/// The gradient and hessian of each of `rows`, in the rows' order: gathered once per node, so
/// each feature's pass reads them in sequence and gathers only its bins (LightGBM's "ordered
/// gradients").
fn ordered(rows: &[u32], g: &[f32], h: &[f32]) -> Vec<(f32, f32)> {
    rows.iter().map(|r| (g[*r as usize], h[*r as usize])).collect()
}

/// Interleaved partial histograms per pass over a column of few bins (see [`feature_histogram`]).
const LANES: usize = 4;
/// Columns of at most this many bins are summed in [`LANES`] lanes.
const FEW_BINS: usize = 16;
/// Columns of more bins are summed in lanes too over nodes of at least this many rows per bin.
const LANE_ROWS_PER_BIN: usize = 16;

/// One feature's histogram over `rows`, whose gradients and hessians are `gh` (see [`ordered`]).
fn feature_histogram(b: &Binned, f: usize, rows: &[u32], gh: &[(f32, f32)]) -> Bins {
    let mut hist = vec![(0f64, 0f64, 0u32); b.edges[f].len() + 1];
    feature_histogram_into(b, f, rows, gh, &mut hist);
    hist
}

/// [`feature_histogram`] added into `out` (one entry per bin of feature `f`).
///
/// A column of few bins (a one-hot column has two) puts consecutive rows in the same bin, and
/// with one histogram each row's sums wait on the previous row's stores: such columns spread
/// rows round-robin over [`LANES`] partial histograms, summed at the end in lane order.
/// Deterministic; the sums round as interleaved sums do. Columns of many bins do the same over
/// nodes of [`LANE_ROWS_PER_BIN`] rows per bin or more (a skewed column, such as a duration that
/// is mostly zero, chains its rows through one bin as a one-hot does; the lanes' merge costs at
/// most a sixteenth of the pass there), and use one histogram over smaller nodes.
fn feature_histogram_into(b: &Binned, f: usize, rows: &[u32], gh: &[(f32, f32)], out: &mut [(f64, f64, u32)]) {
    let col = &b.bins[f * b.n..(f + 1) * b.n];
    let bins = out.len();
    if bins <= FEW_BINS {
        let mut lanes = [(0f64, 0f64, 0u32); LANES * FEW_BINS];
        lane_histogram_into(col, rows, gh, &mut lanes[..LANES * bins], out);
    } else if rows.len() >= LANE_ROWS_PER_BIN * bins {
        let mut lanes = vec![(0f64, 0f64, 0u32); LANES * bins];
        lane_histogram_into(col, rows, gh, &mut lanes, out);
    } else {
        for (&r, &(g, h)) in rows.iter().zip(gh) {
            let e = &mut out[col[r as usize] as usize];
            e.0 += g as f64;
            e.1 += h as f64;
            e.2 += 1;
        }
    }
}

/// The histogram of codes `col` (< `bins`) over `rows`, in [`LANES`] interleaved lanes.
fn lane_histogram(col: &[u8], bins: usize, rows: &[u32], gh: &[(f32, f32)]) -> Bins {
    let mut lanes = vec![(0f64, 0f64, 0u32); LANES * bins];
    let mut out = vec![(0f64, 0f64, 0u32); bins];
    lane_histogram_into(col, rows, gh, &mut lanes, &mut out);
    out
}

/// [`lane_histogram`] added into `out`, with `lanes` (zeroed, [`LANES`] × `out.len()`) as scratch.
fn lane_histogram_into(
    col: &[u8],
    rows: &[u32],
    gh: &[(f32, f32)],
    lanes: &mut [(f64, f64, u32)],
    out: &mut [(f64, f64, u32)],
) {
    let bins = out.len();
    let (rows4, rest) = rows.split_at(rows.len() - rows.len() % LANES);
    for (rs, ghs) in rows4.chunks_exact(LANES).zip(gh.chunks_exact(LANES)) {
        for k in 0..LANES {
            let e = &mut lanes[k * bins + col[rs[k] as usize] as usize];
            e.0 += ghs[k].0 as f64;
            e.1 += ghs[k].1 as f64;
            e.2 += 1;
        }
    }
    for (&r, &(g, h)) in rest.iter().zip(&gh[rows4.len()..]) {
        let e = &mut lanes[col[r as usize] as usize];
        e.0 += g as f64;
        e.1 += h as f64;
        e.2 += 1;
    }
    for lane in lanes.chunks_exact(bins) {
        for (e, o) in out.iter_mut().zip(lane) {
            e.0 += o.0;
            e.1 += o.1;
            e.2 += o.2;
        }
    }
}

/// Row-passes (rows × passes) from which a node's histograms are shared with the [`Helper`]
/// (about 4 µs of work; 2¹¹ to 2¹³ measured alike on Online Shoppers).
const SHARED_ROW_PASSES: usize = 1 << 12;

/// Whether `rows` is worth spreading over threads: 2¹⁸ row-passes and more. Below it the
/// passes' own histograms and the round trip to the pool cost more than the second core gives
/// back (measured: 2¹⁶ made Online Shoppers' fit about a tenth slower).
fn large(rows: usize, features: usize) -> bool {
    rows * features >= 1 << 18
}

/// Every feature's histogram over `rows`, one after another: a pass per unbundled column and one
/// per bundle. With a [`Helper`], over nodes of [`SHARED_ROW_PASSES`] or more, the passes are
/// split between two threads, each writing its own stretch of the node's histogram (no pass
/// allocates), so the sums are the same on any thread count.
fn histograms(b: &Binned, rows: &[u32], g: &[f32], h: &[f32], pool: &mut Pool, helper: Option<&Helper>) -> Bins {
    let gh = ordered(rows, g, h);
    let mut out = pool.take(b.total_bins());
    let unbundled: Vec<usize> = (0..b.d()).filter(|f| !b.bundled[*f]).collect();
    let columns = |features: &[usize], out: &mut [(f64, f64, u32)], at: usize| {
        for &f in features {
            let span = b.span(f);
            feature_histogram_into(b, f, rows, &gh, &mut out[span.start - at..span.end - at]);
        }
    };
    let bundles = || -> Vec<Bins> {
        b.bundles.iter().map(|bundle| lane_histogram(&bundle.code, bundle.members.len() + 1, rows, &gh)).collect()
    };
    let shared = rows.len() * (unbundled.len() + b.bundles.len()) >= SHARED_ROW_PASSES;
    let bundled = if let Some(helper) = helper.filter(|_| shared && unbundled.len() > 1) {
        // Half the passes on this thread; the other columns and the bundles on the helper.
        let half = (unbundled.len() + b.bundles.len()).div_ceil(2).min(unbundled.len() - 1);
        let (first, rest) = unbundled.split_at(half);
        let at = b.offsets[rest[0]];
        let (lo, hi) = out.split_at_mut(at);
        helper
            .join(
                || columns(first, lo, 0),
                || {
                    columns(rest, hi, at);
                    bundles()
                },
            )
            .1
    } else {
        columns(&unbundled, &mut out, 0);
        bundles()
    };
    // A member's upper bin is its code's bin; its lower bin, the node's total minus that.
    for (bundle, hist) in b.bundles.iter().zip(&bundled) {
        let total = hist.iter().fold((0f64, 0f64, 0u32), |t, e| (t.0 + e.0, t.1 + e.1, t.2 + e.2));
        for (k, &f) in bundle.members.iter().enumerate() {
            let up = hist[k + 1];
            out[b.span(f)].copy_from_slice(&[(total.0 - up.0, total.1 - up.1, total.2 - up.2), up]);
        }
    }
    out
}

/// Node histograms no longer needed, kept for the next node: a node's histogram is tens of
/// kilobytes, and allocating one per node (freed and faulted in again) cost more than filling it.
#[derive(Default)]
pub(crate) struct Pool(Vec<Bins>);

impl Pool {
    /// A zeroed histogram of `len` bins.
    fn take(&mut self, len: usize) -> Bins {
        let mut hist = self.0.pop().unwrap_or_default();
        hist.clear();
        hist.resize(len, (0.0, 0.0, 0));
        hist
    }

    /// Keeps `hist` for [`Pool::take`].
    fn give(&mut self, hist: Option<Bins>) {
        self.0.extend(hist);
    }
}

/// `parent − child`, bin by bin, in the parent's allocation: the histogram of the child's sibling.
fn subtract(mut parent: Bins, child: &[(f64, f64, u32)]) -> Bins {
    for (p, c) in parent.iter_mut().zip(child) {
        *p = (p.0 - c.0, p.1 - c.1, p.2 - c.2);
    }
    parent
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

/// Gradient-boosted trees on log-loss. Defaults follow scikit-learn's HistGradientBoosting.
#[derive(Debug, Clone, PartialEq)]
pub struct GbtParams {
    /// Boosting rounds. Default 100.
    pub rounds: usize,
    /// Shrinkage. Default 0.1.
    pub learning_rate: f64,
    /// Leaves per tree. Default 31.
    pub max_leaves: usize,
    /// Depth limit. Default 16 (effectively bounded by `max_leaves`).
    pub max_depth: usize,
    /// Minimum rows per leaf. Default 20.
    pub min_samples_leaf: usize,
    /// L2 on leaf values. Default 0 (plus a 1e-3 hessian floor).
    pub l2: f64,
    /// Hold out this share of training rows and stop when log loss has not improved for 10 rounds.
    /// Default `None` (all rounds).
    pub early_stopping: Option<f64>,
    /// Seed (for the early-stopping split). Default 42.
    pub seed: u64,
}

impl Default for GbtParams {
    fn default() -> Self {
        Self {
            rounds: 100,
            learning_rate: 0.1,
            max_leaves: 31,
            max_depth: 16,
            min_samples_leaf: 20,
            l2: 0.0,
            early_stopping: None,
            seed: 42,
        }
    }
}

impl GbtParams {
    /// Validates every field.
    pub fn check(&self) -> Result<()> {
        if !(1..=10_000).contains(&self.rounds) {
            return Err(Error::param("rounds", self.rounds, "must be between 1 and 10000"));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return Err(Error::param("learning_rate", self.learning_rate, "must be in (0, 1]"));
        }
        if self.max_leaves < 2 {
            return Err(Error::param("max_leaves", self.max_leaves, "must be at least 2"));
        }
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return Err(Error::param("l2", self.l2, "must be >= 0"));
        }
        if let Some(f) = self.early_stopping {
            // Both sides of the split must keep rows: 1.0 left none to train on, > 1 panicked.
            if !(f > 0.0 && f < 1.0) {
                return Err(Error::param("early_stopping", f, "must be a share of rows strictly between 0 and 1"));
            }
        }
        Ok(())
    }

    /// Fits on encoded rows `x` with labels `y` and per-row weights `w`.
    pub fn fit(&self, x: &[Vec<f32>], y: &[bool], w: &[f32]) -> Result<Classifier> {
        self.check()?;
        let mut rng = Rng::new(self.seed);
        let mut rows: Vec<u32> = (0..x.len() as u32).collect();
        let mut valid: Vec<u32> = Vec::new();
        if let Some(f) = self.early_stopping {
            rng.shuffle(&mut rows);
            let cut = (rows.len() as f64 * f) as usize;
            valid = rows.drain(..cut).collect();
        }
        if rows.is_empty() {
            return Err(Error::Empty(format!(
                "no training rows left after holding out {} for early stopping",
                valid.len()
            )));
        }
        let b = Binned::new(x);
        let (sw, swy) = rows.iter().fold((0.0, 0.0), |(a, c), r| {
            (a + w[*r as usize] as f64, c + if y[*r as usize] { w[*r as usize] as f64 } else { 0.0 })
        });
        let base = logit((swy / sw).clamp(1e-6, 1.0 - 1e-6));
        let mut raw = vec![base; x.len()];
        let (mut g, mut h) = (vec![0f32; x.len()], vec![0f32; x.len()]);
        let p = GrowParams {
            max_leaves: self.max_leaves,
            max_depth: self.max_depth,
            min_samples_leaf: self.min_samples_leaf,
            lambda: self.l2 + 1e-3,
            features_per_split: usize::MAX,
        };
        // The rounds, with a second thread for large nodes' histograms when one is free.
        let trees = with_helper(|helper| {
            let mut trees: Vec<Tree> = Vec::new();
            let mut pool = Pool::default();
            let (mut best_loss, mut best_len) = (f64::INFINITY, 0);
            for _ in 0..self.rounds {
                gradients(&raw, y, w, &mut g, &mut h, helper);
                let Grown { tree: t, leaves } =
                    grow(&b, rows.clone(), &g, &h, &p, self.learning_rate, &mut rng, &mut pool, helper);
                for (id, leaf_rows) in &leaves {
                    let v = t.value[*id] as f64;
                    leaf_rows.iter().for_each(|r| raw[*r as usize] += v);
                }
                for r in &valid {
                    raw[*r as usize] += t.predict(&x[*r as usize]) as f64;
                }
                trees.push(t);
                if !valid.is_empty() {
                    let loss: f64 = valid
                        .iter()
                        .map(|r| {
                            let q = crate::propensity::sigmoid(raw[*r as usize]).clamp(1e-15, 1.0 - 1e-15);
                            if y[*r as usize] {
                                -q.ln()
                            } else {
                                -(1.0 - q).ln()
                            }
                        })
                        .sum();
                    if loss < best_loss - 1e-9 {
                        best_loss = loss;
                        best_len = trees.len();
                    } else if trees.len() - best_len >= 10 {
                        break;
                    }
                }
            }
            if !valid.is_empty() {
                trees.truncate(best_len.max(1));
            }
            trees
        });
        Ok(Classifier::Boosted { base: base as f32, trees })
    }
}

/// Log loss's gradient and hessian at each row's raw score, weighted; each half of the rows on
/// its own thread when there is a [`Helper`] (the values are the same).
fn gradients(raw: &[f64], y: &[bool], w: &[f32], g: &mut [f32], h: &mut [f32], helper: Option<&Helper>) {
    let fill = |raw: &[f64], y: &[bool], w: &[f32], g: &mut [f32], h: &mut [f32]| {
        for ((((r, y), w), g), h) in raw.iter().zip(y).zip(w).zip(g).zip(h) {
            let q = crate::propensity::sigmoid(*r);
            *g = ((q - if *y { 1.0 } else { 0.0 }) * *w as f64) as f32;
            *h = ((q * (1.0 - q)).max(1e-6) * *w as f64) as f32;
        }
    };
    match helper {
        Some(helper) if raw.len() >= 2 * MIN_SHARED_ROWS => {
            let m = raw.len() / 2;
            let ((g0, g1), (h0, h1)) = (g.split_at_mut(m), h.split_at_mut(m));
            helper.join(|| fill(&raw[..m], &y[..m], &w[..m], g0, h0), || fill(&raw[m..], &y[m..], &w[m..], g1, h1));
        }
        _ => fill(raw, y, w, g, h),
    }
}

/// Rows from which a round's gradients are shared with the [`Helper`].
const MIN_SHARED_ROWS: usize = 1024;

/// A random forest of probability trees (bootstrap rows, √d features per split).
#[derive(Debug, Clone, PartialEq)]
pub struct ForestParams {
    /// Trees. Default 100.
    pub trees: usize,
    /// Minimum rows per leaf. Default 3.
    pub min_samples_leaf: usize,
    /// Depth limit. Default 32.
    pub max_depth: usize,
    /// Features tried per split; 0 = √d. Default 0.
    pub features_per_split: usize,
    /// Seed. Default 42.
    pub seed: u64,
}

impl Default for ForestParams {
    fn default() -> Self {
        Self { trees: 100, min_samples_leaf: 3, max_depth: 32, features_per_split: 0, seed: 42 }
    }
}

impl ForestParams {
    /// Validates every field.
    pub fn check(&self) -> Result<()> {
        if !(1..=5000).contains(&self.trees) {
            return Err(Error::param("trees", self.trees, "must be between 1 and 5000"));
        }
        if self.min_samples_leaf == 0 || self.max_depth == 0 {
            return Err(Error::param(
                "forest",
                format!("min_samples_leaf {} max_depth {}", self.min_samples_leaf, self.max_depth),
                "both must be at least 1",
            ));
        }
        Ok(())
    }

    /// Fits on encoded rows (after [`ForestParams::check`]); trees are grown in parallel, each
    /// from its own seeded stream.
    pub fn fit(&self, x: &[Vec<f32>], y: &[bool], w: &[f32]) -> Result<Classifier> {
        self.check()?;
        let b = Binned::new(x);
        let d = b.d();
        let fps = if self.features_per_split == 0 {
            ((d as f64).sqrt().round() as usize).max(1)
        } else {
            self.features_per_split
        };
        let p = GrowParams {
            max_leaves: usize::MAX,
            max_depth: self.max_depth,
            min_samples_leaf: self.min_samples_leaf,
            lambda: 0.0,
            features_per_split: fps,
        };
        let root = Rng::new(self.seed);
        let n = x.len();
        let trees = (0..self.trees)
            .into_par_iter()
            .map(|t| {
                let mut rng = root.fork(t as u64);
                let mut count = vec![0f32; n];
                for _ in 0..n {
                    count[rng.below(n as u64) as usize] += 1.0;
                }
                let rows: Vec<u32> = (0..n as u32).filter(|r| count[*r as usize] > 0.0).collect();
                // Squared loss on the 0/1 label: g = −y·c, h = c gives leaf value = weighted mean of y.
                let g: Vec<f32> = (0..n).map(|r| -(if y[r] { 1.0 } else { 0.0 }) * count[r] * w[r]).collect();
                let h: Vec<f32> = (0..n).map(|r| count[r] * w[r]).collect();
                grow(&b, rows, &g, &h, &p, 1.0, &mut rng, &mut Pool::default(), None).tree
            })
            .collect();
        Ok(Classifier::Forest { trees })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boosting_grows_the_same_trees_with_the_helper_as_without() {
        let x: Vec<Vec<f32>> = (0..4000)
            .map(|i| {
                let i = i as f32;
                vec![
                    (i * 0.61).sin(),
                    (i * 0.13).cos().max(0.0),
                    (i % 7.0),
                    f32::from(i % 3.0 == 0.0),
                    (i * 0.007).fract(),
                ]
            })
            .collect();
        let y: Vec<bool> = x.iter().map(|r| r[0] + r[1] * 0.5 + (r[2] - 3.0) * 0.1 > 0.2).collect();
        let w = vec![1f32; x.len()];
        let params = GbtParams { rounds: 15, ..GbtParams::default() };
        // On the test's own thread a helper joins when there are two cores; inside rayon's pool none does.
        let here = params.fit(&x, &y, &w).unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let alone = pool.install(|| params.fit(&x, &y, &w)).unwrap();
        assert_eq!(here, alone);
        let Classifier::Boosted { trees, .. } = &here else { panic!("a boosted classifier") };
        assert!(trees.iter().all(|t| t.feature.len() > 20), "trees of many nodes");
    }

    #[test]
    fn bundled_histograms_equal_one_pass_per_column() {
        // Columns: a number, a categorical's three one-hot columns, and a flag that overlaps them.
        let x: Vec<Vec<f32>> = (0..3000)
            .map(|i| {
                let c = i % 3;
                vec![(i % 17) as f32, f32::from(c == 0), f32::from(c == 1), f32::from(c == 2), f32::from(i % 2 == 0)]
            })
            .collect();
        let b = Binned::new(&x);
        assert_eq!(b.bundles.len(), 1, "the one-hot columns form one bundle");
        assert_eq!(b.bundles[0].members, [1, 2, 3]);
        assert_eq!(b.bundled, [false, true, true, true, false]);
        let g: Vec<f32> = (0..3000).map(|i| (i as f32 * 0.37).sin()).collect();
        let h: Vec<f32> = (0..3000).map(|i| 0.1 + (i % 7) as f32 * 0.05).collect();
        let rows: Vec<u32> = (0..3000).filter(|r| r % 5 != 0).collect();
        let gh = ordered(&rows, &g, &h);
        let bundled = histograms(&b, &rows, &g, &h, &mut Pool::default(), None);
        assert!(rows.len() * 3 >= SHARED_ROW_PASSES, "large enough to be shared with a helper");
        let shared =
            super::super::helper::with_helper(|helper| histograms(&b, &rows, &g, &h, &mut Pool::default(), helper));
        assert_eq!(shared, bundled, "the same sums on two threads");
        for f in 0..b.d() {
            let hist = &bundled[b.span(f)];
            let direct = feature_histogram(&b, f, &rows, &gh);
            assert_eq!(hist.len(), direct.len());
            for (a, d) in hist.iter().zip(&direct) {
                assert_eq!(a.2, d.2, "column {f}: counts are exact");
                assert!((a.0 - d.0).abs() < 1e-9 && (a.1 - d.1).abs() < 1e-9, "column {f}: {a:?} vs {d:?}");
            }
        }
    }
}
