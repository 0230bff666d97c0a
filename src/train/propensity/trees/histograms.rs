//! A node's histograms: the sums of gradient, hessian and rows per bin of every feature, a pass
//! per column (or per bundle), split with a [`Helper`] thread over large nodes.

use super::binned::Binned;
use crate::train::propensity::helper::Helper;

/// Sums of gradient, hessian and row count per bin: one feature's, or a node's for every
/// feature one after another ([`Binned::span`]), in one allocation.
pub(super) type Bins = Vec<(f64, f64, u32)>;

/// The gradient and hessian of each of `rows`, in the rows' order: gathered once per node, so
/// each feature's pass reads them in sequence and gathers only its bins (LightGBM's "ordered
/// gradients").
pub(super) fn ordered(rows: &[u32], g: &[f32], h: &[f32]) -> Vec<(f32, f32)> {
    rows.iter().map(|r| (g[*r as usize], h[*r as usize])).collect()
}

/// Interleaved partial histograms per pass over a column of few bins (see [`feature_histogram`]).
const LANES: usize = 4;
/// Columns of at most this many bins are summed in [`LANES`] lanes.
const FEW_BINS: usize = 16;
/// Columns of more bins are summed in lanes too over nodes of at least this many rows per bin.
const LANE_ROWS_PER_BIN: usize = 16;

/// One feature's histogram over `rows`, whose gradients and hessians are `gh` (see [`ordered`]).
pub(super) fn feature_histogram(b: &Binned, f: usize, rows: &[u32], gh: &[(f32, f32)]) -> Bins {
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
pub(super) fn large(rows: usize, features: usize) -> bool {
    rows * features >= 1 << 18
}

/// Every feature's histogram over `rows`, one after another: a pass per unbundled column and one
/// per bundle. With a [`Helper`], over nodes of [`SHARED_ROW_PASSES`] or more, the passes are
/// split between two threads, each writing its own stretch of the node's histogram (no pass
/// allocates), so the sums are the same on any thread count.
pub(super) fn histograms(
    b: &Binned,
    rows: &[u32],
    g: &[f32],
    h: &[f32],
    pool: &mut Pool,
    helper: Option<&Helper>,
) -> Bins {
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
    pub(super) fn give(&mut self, hist: Option<Bins>) {
        self.0.extend(hist);
    }
}

/// `parent − child`, bin by bin, in the parent's allocation: the histogram of the child's sibling.
pub(super) fn subtract(mut parent: Bins, child: &[(f64, f64, u32)]) -> Bins {
    for (p, c) in parent.iter_mut().zip(child) {
        *p = (p.0 - c.0, p.1 - c.1, p.2 - c.2);
    }
    parent
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::propensity::helper::with_helper;

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
        let shared = with_helper(|helper| histograms(&b, &rows, &g, &h, &mut Pool::default(), helper));
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
