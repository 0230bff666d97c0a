//! Choosing a response's items: the request's exclusions, the shop's rules (filter, boost,
//! promotion, a cap per group) and the top-k, over whatever scores a method produced.
//!
//! Filters run inside the top-k selection, only for candidates that beat the current k-th
//! score, so a filter never leaves a shelf short while enough items pass and costs little.
//! A boost multiplies a score (`s·b` for `s ≥ 0`, `s / b` below, so a larger boost always ranks
//! higher); the largest boost any item can get bounds which candidates are worth evaluating.

use super::attributes::Attribute;
use super::{FactorModel, ItemEmbeddings, RecommendOptions};
use crate::kernels::{self, Hit, TopK};
use crate::rules::Bound;

/// Where a response's candidate scores come from.
pub(crate) enum Source<'a> {
    /// Every item has a score; with `positive_only`, only items scoring above 0 are candidates
    /// (a text match).
    Dense { scores: std::borrow::Cow<'a, [f32]>, positive_only: bool },
    /// Only these items have a score (an item-item row, a basket's rows summed); those above
    /// 0 are candidates. Ranked in time linear in the hits, not in the catalogue.
    Sparse(Vec<Hit>),
    /// A factor model ranks by user vector `x` (or by cosine to item `of`), certified without
    /// scoring every row; it turns dense when a boost needs every score.
    Factors { model: &'a FactorModel, x: Vec<f32>, of: Option<u32> },
}

/// The items a response may contain: `include_only` (when set) minus `exclude` minus the
/// history or query item.
pub(crate) struct Allowed {
    /// `include_only` as a mask over the catalogue, when set.
    pub only: Option<Vec<bool>>,
    /// Excluded indices, sorted, without duplicates.
    pub except: Vec<u32>,
}

impl Allowed {
    /// Whether item `i` may appear. Called only for candidates that beat the current k-th
    /// score, so a binary search over the exclusions costs little.
    pub fn keep(&self, i: u32) -> bool {
        self.only.as_ref().is_none_or(|m| m[i as usize]) && self.except.binary_search(&i).is_err()
    }
}

/// Ranks the best `n` items that a filter keeps: how a [`Source`] is asked for candidates.
type Ranker<'a> = dyn FnMut(usize, &mut dyn FnMut(u32) -> bool) -> Vec<Hit> + 'a;

/// One request's constraints, rules bound to its parameters.
pub(crate) struct Request<'r> {
    pub allowed: Allowed,
    pub filter: Option<Bound<'r>>,
    pub boost: Option<Bound<'r>>,
    /// The promotion rule and its number of slots.
    pub promote: Option<(Bound<'r>, usize)>,
    /// Exploration: the first new item's index and the slots reserved for new items.
    pub explore: Option<(u32, usize)>,
    /// At most `n` items per value of this attribute.
    pub group: Option<(&'r Attribute, usize)>,
    /// Maximal marginal relevance: the weight on relevance (1 − diversity) and how alike two
    /// items are.
    pub diversity: Option<(f32, Likeness<'r>)>,
    /// Rotation: (item, multiplier ≤ 1) for items shown and ignored, sorted by item.
    pub decay: Vec<(u32, f64)>,
}

/// How alike two items are, for diversity: the cosine of their factors or embeddings.
#[derive(Clone, Copy)]
pub(crate) enum Likeness<'a> {
    Factors(&'a FactorModel),
    Embeddings(&'a ItemEmbeddings),
}

impl Likeness<'_> {
    fn cosine(&self, i: u32, j: u32) -> f32 {
        match self {
            Likeness::Factors(f) => f.cosine(i, j),
            Likeness::Embeddings(e) => e.cosine(i, j),
        }
    }
}

/// Candidates ranked for each slot a diverse answer fills.
const DIVERSE_POOL: usize = 5;

/// Greedy maximal marginal relevance (Carbonell & Goldstein 1998) over `pool` (best first):
/// each next item maximises `λ·relevance − (1 − λ)·max cosine to the items already taken`,
/// relevance being the score scaled to [0, 1] over the pool. The first item is the best one.
fn mmr(pool: Vec<Hit>, n: usize, lambda: f32, like: Likeness<'_>) -> Vec<Hit> {
    let (lo, hi) =
        pool.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), h| (lo.min(h.score), hi.max(h.score)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut left: Vec<(Hit, f32)> = pool.into_iter().map(|h| (h, f32::NEG_INFINITY)).collect();
    let mut out: Vec<Hit> = Vec::with_capacity(n);
    while out.len() < n && !left.is_empty() {
        let value = |(h, nearest): &(Hit, f32)| {
            let penalty = if nearest.is_finite() { *nearest } else { 0.0 };
            lambda * (h.score - lo) / span - (1.0 - lambda) * penalty
        };
        let mut best = 0;
        for j in 1..left.len() {
            if value(&left[j]) > value(&left[best]) {
                best = j;
            }
        }
        let (taken, _) = left.remove(best);
        for (h, nearest) in &mut left {
            *nearest = nearest.max(like.cosine(taken.index, h.index));
        }
        out.push(taken);
    }
    out
}

/// One chosen item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pick {
    pub hit: Hit,
    pub promoted: bool,
    pub explore: bool,
}

impl Request<'_> {
    /// Whether item `i` may appear at all (exclusions and the filter).
    pub fn keep(&self, i: u32) -> bool {
        self.allowed.keep(i) && self.filter.as_ref().is_none_or(|f| f.passes(i))
    }

    /// The best `k` items from `source` under every constraint, promoted items placed by
    /// [`promoted_slots`].
    pub(crate) fn select(&self, source: Source<'_>, k: usize) -> Vec<Pick> {
        let mut rank = |n: usize, keep: &mut dyn FnMut(u32) -> bool| -> Vec<Hit> {
            match &source {
                Source::Factors { model, x, of } => {
                    let mut raw = |m: usize, keep: &mut dyn FnMut(u32) -> bool| match of {
                        None => model.top_k(x, m, keep),
                        Some(i) => model.similar_where(*i, m, keep),
                    };
                    if self.reweights() {
                        self.reweighted_top(&mut raw, n, keep)
                    } else {
                        raw(n, keep)
                    }
                }
                Source::Dense { scores, positive_only } => self.dense_top(scores, *positive_only, n, keep),
                Source::Sparse(hits) => self.sparse_top(hits, n, keep),
            }
        };
        let promoted: Vec<Hit> = match &self.promote {
            Some((rule, slots)) => self.grouped(&mut rank, *slots, &mut |i| self.keep(i) && rule.passes(i), &[]),
            None => Vec::new(),
        };
        let mut taken: Vec<u32> = promoted.iter().map(|h| h.index).collect();
        kernels::order::sort_by_key(&mut taken, |i| *i as u64);
        let explored: Vec<Hit> = match self.explore {
            Some((first, slots)) => self.grouped(
                &mut rank,
                slots.min(k - promoted.len()),
                &mut |i| i >= first && taken.binary_search(&i).is_err() && self.keep(i),
                &promoted,
            ),
            None => Vec::new(),
        };
        taken.extend(explored.iter().map(|h| h.index));
        kernels::order::sort_by_key(&mut taken, |i| *i as u64);
        let placed: Vec<Hit> = promoted.iter().chain(&explored).copied().collect();
        let want = k - placed.len();
        let organic = match self.diversity {
            Some((lambda, like)) if want > 1 => {
                let pool = self.grouped(
                    &mut rank,
                    want.saturating_mul(DIVERSE_POOL),
                    &mut |i| taken.binary_search(&i).is_err() && self.keep(i),
                    &placed,
                );
                mmr(pool, want, lambda, like)
            }
            _ => self.grouped(&mut rank, want, &mut |i| taken.binary_search(&i).is_err() && self.keep(i), &placed),
        };
        let special: Vec<Pick> = promoted
            .iter()
            .map(|&hit| Pick { hit, promoted: true, explore: false })
            .chain(explored.iter().map(|&hit| Pick { hit, promoted: false, explore: true }))
            .collect();
        place(special, organic, k)
    }

    /// The best `n` under `keep`, at most the group cap per group (counting `already`): ranks
    /// more than `n` and takes greedily, asking for more until enough or none are left.
    fn grouped(&self, rank: &mut Ranker<'_>, n: usize, keep: &mut dyn FnMut(u32) -> bool, already: &[Hit]) -> Vec<Hit> {
        let Some((attr, cap)) = self.group else {
            return if n == 0 { Vec::new() } else { rank(n, keep) };
        };
        let mut want = n.saturating_add(n / 2).max(n + 4);
        loop {
            let hits = rank(want, keep);
            // Items taken per group: `taken[p]` for the group at position `p` of `groups`.
            let (mut groups, mut taken) = (crate::positions::Positions::default(), Vec::<usize>::new());
            let mut count = |g: u64| {
                let (p, new) = groups.insert(g);
                if new {
                    taken.push(0);
                }
                taken[p] += 1;
                taken[p]
            };
            for h in already {
                if let Some(g) = attr.group_key(h.index as usize) {
                    count(g);
                }
            }
            let mut out = Vec::with_capacity(n);
            for h in &hits {
                if out.len() == n {
                    break;
                }
                let ok = match attr.group_key(h.index as usize) {
                    Some(g) => count(g) <= cap,
                    None => true,
                };
                if ok {
                    out.push(*h);
                }
            }
            if out.len() == n || hits.len() < want {
                return out;
            }
            want = want.saturating_mul(4);
        }
    }

    /// Whether scores are multiplied (a boost, or rotation): every score is then needed.
    fn reweights(&self) -> bool {
        self.boost.is_some() || !self.decay.is_empty()
    }

    /// Item `i`'s multiplier: its boost times its rotation decay; `None` ranks it last.
    fn multiplier(&self, i: u32) -> Option<f64> {
        let boost = match &self.boost {
            Some(b) => b.boost(i)?,
            None => 1.0,
        };
        let decay = self.decay.binary_search_by_key(&i, |(j, _)| *j).map_or(1.0, |p| self.decay[p].1);
        Some(boost * decay)
    }

    /// The largest multiplier any item can get (rotation only lowers scores: the boost's).
    fn max_multiplier(&self) -> f64 {
        self.boost.as_ref().map_or(1.0, |b| b.max_boost())
    }

    /// The best score `s` can reach once reweighted by at most `hi`: monotone in `s`, so an item scoring
    /// below another stays below the other's bound.
    fn bound(s: f32, hi: f64) -> f64 {
        if s >= 0.0 {
            s as f64 * hi
        } else {
            s as f64 / hi
        }
    }

    /// `s` multiplied by item `i`'s multiplier (`s / m` below zero, so a larger multiplier
    /// always ranks higher); −∞ for an item whose boost is not a positive number.
    fn reweighed(&self, i: u32, s: f32) -> f32 {
        match self.multiplier(i) {
            Some(m) if s >= 0.0 => (s as f64 * m) as f32,
            Some(m) => (s as f64 / m) as f32,
            None => f32::NEG_INFINITY,
        }
    }

    /// Top `n` by reweighted score from a ranking that is exact for raw scores (a factor
    /// model's certified top-k): rank the best `m` raw, reweight them, and stop once the
    /// `n`-th reweighted score beats the bound of the best raw score left out; else rank twice
    /// as many (the first try ranks 2n, at least n + 8). The same answer as reweighting every item, for a few times the work of a top-k.
    fn reweighted_top(&self, raw: &mut Ranker<'_>, n: usize, keep: &mut dyn FnMut(u32) -> bool) -> Vec<Hit> {
        let mut m = n.saturating_mul(2).max(n + 8);
        let hi = self.max_multiplier();
        loop {
            let ranked = raw(m.saturating_add(1), keep);
            let cands = ranked.iter().take(m).map(|h| Hit { index: h.index, score: self.reweighed(h.index, h.score) });
            let top = kernels::top_k_sparse(cands, n);
            match ranked.get(m) {
                None => return top,
                Some(next) if top.len() == n && top[n - 1].score as f64 > Self::bound(next.score, hi) => return top,
                Some(_) => m = m.saturating_mul(2),
            }
        }
    }

    /// Top `n` of the positive `hits` that `keep` allows, reweighted by boost and rotation
    /// when there are any.
    fn sparse_top(&self, hits: &[Hit], n: usize, keep: &mut dyn FnMut(u32) -> bool) -> Vec<Hit> {
        let reweights = self.reweights();
        let kept = hits
            .iter()
            .filter(|h| h.score > 0.0 && keep(h.index))
            .map(|h| Hit { index: h.index, score: if reweights { self.reweighed(h.index, h.score) } else { h.score } });
        kernels::top_k_sparse(kept, n)
    }

    /// Top `n` of dense scores, reweighted by boost and rotation when there are any.
    fn dense_top(&self, scores: &[f32], positive_only: bool, n: usize, keep: &mut dyn FnMut(u32) -> bool) -> Vec<Hit> {
        if !self.reweights() {
            return kernels::top_k(scores, n, |i| (!positive_only || scores[i as usize] > 0.0) && keep(i));
        }
        // Rotation only lowers scores, so the bound is the boost's; below the floor stays below.
        let hi = self.max_multiplier();
        let mut top = TopK::new(n);
        for (i, &s) in scores.iter().enumerate() {
            if s.is_nan() || (positive_only && s <= 0.0) || top.floor().is_some_and(|f| Self::bound(s, hi) <= f as f64)
            {
                continue;
            }
            let i = i as u32;
            if !keep(i) {
                continue;
            }
            top.offer(i, &[self.reweighed(i, s)], |_| true);
        }
        top.into_sorted()
    }
}

/// Where `n` promoted items go among `k` slots: spread evenly, the first after the best
/// organic item when there is room (slot `⌊(j + ½)·k / n⌋` for the `j`-th, at least 1 when
/// k > n), the best promoted item first.
pub(crate) fn promoted_slots(n: usize, k: usize) -> Vec<usize> {
    (0..n).map(|j| (((2 * j + 1) * k) / (2 * n)).max(usize::from(k > n) * (j + 1)).min(k - n + j)).collect()
}

/// Interleaves promoted (then exploration) items with organic ones (see [`promoted_slots`]);
/// when fewer organic items exist, the placed ones move up.
fn place(special: Vec<Pick>, organic: Vec<Hit>, k: usize) -> Vec<Pick> {
    let total = (special.len() + organic.len()).min(k);
    let slots = promoted_slots(special.len(), total.max(special.len()));
    let mut out = Vec::with_capacity(total);
    let (mut p, mut o) = (special.into_iter(), organic.into_iter());
    let mut next_slot = slots.into_iter().peekable();
    while out.len() < total {
        if next_slot.peek() == Some(&out.len()) {
            next_slot.next();
            if let Some(pick) = p.next() {
                out.push(pick);
                continue;
            }
        }
        match o.next() {
            Some(hit) => out.push(Pick { hit, promoted: false, explore: false }),
            None => match p.next() {
                Some(pick) => out.push(pick),
                None => break,
            },
        }
    }
    out
}

/// The request's time: `now` if given, else this machine's clock (the browser shell always
/// passes one; wasm has no clock of its own here).
pub(crate) fn now_or_clock(opts: &RecommendOptions) -> f64 {
    if let Some(t) = opts.now {
        return t;
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
    }
    #[cfg(target_arch = "wasm32")]
    f64::NAN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promoted_items_are_spread_and_never_first_when_there_is_room() {
        assert_eq!(promoted_slots(1, 10), [5]);
        assert_eq!(promoted_slots(2, 10), [2, 7]);
        assert_eq!(promoted_slots(3, 10), [1, 5, 8]);
        assert_eq!(promoted_slots(1, 2), [1]);
        assert_eq!(promoted_slots(2, 2), [0, 1]);
        assert_eq!(promoted_slots(0, 5), Vec::<usize>::new());
        let h = |i| Hit { index: i, score: 1.0 };
        let p = |i| Pick { hit: h(i), promoted: true, explore: false };
        let placed = place(vec![p(100), p(101)], vec![h(0), h(1), h(2)], 10);
        let order: Vec<(u32, bool)> = placed.iter().map(|p| (p.hit.index, p.promoted)).collect();
        assert_eq!(order, [(0, false), (100, true), (1, false), (101, true), (2, false)]);
        let only_promoted = place(vec![p(100)], vec![], 10);
        assert_eq!(only_promoted.len(), 1);
    }
}
