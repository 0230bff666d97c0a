//! Features quantised once per fit: at most 255 bins per column, and the one-hot columns of a
//! categorical field bundled for their histograms.

use rayon::prelude::*;

use super::grow::Split;

/// Features quantised to at most 255 bins; bin `b` holds values `<= edges[b]`.
pub(crate) struct Binned {
    pub(super) n: usize,
    /// Column-major bin indices (`feature * n + row`).
    pub(super) bins: Vec<u8>,
    /// Upper edge per bin, per feature (the last bin is unbounded).
    pub(super) edges: Vec<Vec<f32>>,
    /// Two-bin columns no two of which are in their upper bin on the same row (a categorical
    /// field's one-hot columns), histogrammed together in one pass (LightGBM's exclusive feature
    /// bundling, for building histograms only: splits still see every column).
    pub(super) bundles: Vec<Bundle>,
    /// Whether each feature is in a bundle.
    pub(super) bundled: Vec<bool>,
    /// Where each feature's bins start in a node's histogram
    /// ([`Bins`](super::histograms::Bins)), and (last) its length.
    pub(super) offsets: Vec<usize>,
}

/// Mutually exclusive two-bin columns: `code[row]` is 0 when the row is in every member's lower
/// bin, else 1 + the index in `members` of the one member whose upper bin it is in.
pub(super) struct Bundle {
    pub(super) members: Vec<usize>,
    pub(super) code: Vec<u8>,
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
    pub(super) fn d(&self) -> usize {
        self.edges.len()
    }
    /// Feature `f`'s bins within a node's histogram.
    pub(super) fn span(&self, f: usize) -> std::ops::Range<usize> {
        self.offsets[f]..self.offsets[f + 1]
    }
    /// Bins of all features: the length of a node's histogram.
    pub(super) fn total_bins(&self) -> usize {
        self.offsets[self.d()]
    }
    /// `rows` split by `s` (bin at most the split's to the left), order kept; the counts are the
    /// split's, so neither side grows while it is filled.
    ///
    /// Without a branch per row (which side a row goes is a coin toss to the predictor): each
    /// row is written to both sides' next slot and only its side's position advances; one spare
    /// slot per side takes the writes past its last row.
    pub(super) fn partition(&self, rows: &[u32], s: &Split) -> (Vec<u32>, Vec<u32>) {
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
