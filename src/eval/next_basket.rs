//! Next-basket evaluation: hold out the last days of a log by time; for each customer with a
//! basket before and after the cut, query with their last basket before it and count a hit when
//! any item of their first basket after it is in the top k.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::kernels::top_k;
use crate::recs::{ItemIndex, NeighborModel};
use crate::train::baskets::TogetherParams;
use crate::train::item2vec::{Item2VecParams, Sequences};

/// One purchase line: customer, basket, item, time (Unix seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Customer id.
    pub customer: String,
    /// Basket (order, invoice) id.
    pub basket: String,
    /// Item id.
    pub item: String,
    /// Time of the basket.
    pub time: i64,
}

/// Hit rates of each method on the same held-out next baskets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextBasketReport {
    /// The cut-off k.
    pub k: usize,
    /// Customers evaluated.
    pub customers: usize,
    /// Training cut-off (Unix seconds).
    pub cutoff: i64,
    /// Hit rate of "bought together" queried with the previous basket.
    pub bought_together: f64,
    /// Hit rate of the most popular items (same exclusions).
    pub popular: f64,
    /// Hit rate of bought-together with popular items filling any empty slots.
    pub bought_together_backfilled: f64,
    /// Hit rate of item2vec `forSession` queried with the previous basket (when trained).
    pub item2vec: Option<f64>,
}

struct Basket {
    id: String,
    time: i64,
    items: Vec<u32>,
}

impl Basket {
    /// Order by time, ties by basket id, so the choice never depends on hash order.
    fn key(&self) -> (i64, &str) {
        (self.time, self.id.as_str())
    }
}

/// Evaluates bought-together against popularity on the last `holdout_days` of `lines`.
/// With `item2vec`, embeddings are trained on the same pre-cut lines (customer sequences in time
/// order, or baskets, as the parameters say) and `forSession` is scored on the same queries.
pub fn evaluate_next_basket(
    lines: &[Line],
    holdout_days: f64,
    k: usize,
    params: &TogetherParams,
    item2vec: Option<&Item2VecParams>,
) -> Result<NextBasketReport> {
    let max_time = lines.iter().map(|l| l.time).max().ok_or_else(|| Error::Empty("no purchase lines".into()))?;
    let cutoff = max_time - (holdout_days * 86_400.0) as i64;
    // Catalogue = items bought before the cut.
    let mut ids: Vec<String> =
        lines.iter().filter(|l| l.time <= cutoff).map(|l| l.item.clone()).collect::<HashSet<_>>().into_iter().collect();
    ids.sort();
    let items = ItemIndex::new(ids)?;
    let baskets = group_baskets(lines, &items);
    // Training baskets as (basket, item) interactions for the co-occurrence counter.
    let index = &items;
    let train: Vec<(&str, &str, f32)> = baskets
        .iter()
        .filter(|(_, (_, b))| b.time <= cutoff)
        .flat_map(|(id, (_, b))| b.items.iter().map(move |i| (*id, index.id(*i), 1.0f32)))
        .collect();
    let log = crate::data::Interactions::from_triples(train.iter().copied())?;
    let together: NeighborModel = params.fit(&log, &items)?;
    let mut popularity = vec![0f32; items.len()];
    for (_, i, _) in &train {
        if let Some(ix) = items.get(i) {
            popularity[ix as usize] += 1.0;
        }
    }
    let embeddings =
        item2vec.map(|p| p.fit_sequences(&sequences(lines, cutoff, &items, p.kind()), items.len())).transpose()?;
    let by_customer = around_cutoff(&baskets, cutoff);
    let (mut n, mut hit_bt, mut hit_pop, mut hit_fill, mut hit_i2v) = (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut customers: Vec<&&str> = by_customer.keys().collect();
    customers.sort();
    for c in customers {
        let (Some(prev), Some(next)) = by_customer[*c] else { continue };
        if prev.items.is_empty() || next.items.is_empty() {
            continue;
        }
        n += 1;
        let query: HashSet<u32> = prev.items.iter().copied().collect();
        let target: HashSet<u32> = next.items.iter().copied().collect();
        let bt = together.cart_top_k(&prev.items, k);
        if bt.iter().any(|h| target.contains(&h.index)) {
            hit_bt += 1;
        }
        let pop = top_k(&popularity, k, |i| !query.contains(&i));
        if pop.iter().any(|h| target.contains(&h.index)) {
            hit_pop += 1;
        }
        let mut filled: Vec<u32> = bt.iter().map(|h| h.index).collect();
        for h in top_k(&popularity, k, |i| !query.contains(&i) && !filled.contains(&i)) {
            if filled.len() == k {
                break;
            }
            filled.push(h.index);
        }
        if filled.iter().any(|i| target.contains(i)) {
            hit_fill += 1;
        }
        if let Some(e) = &embeddings {
            if e.for_session(&prev.items, k, |_| true).iter().any(|h| target.contains(&h.index)) {
                hit_i2v += 1;
            }
        }
    }
    if n == 0 {
        return Err(Error::Empty("no customer has baskets on both sides of the cut-off".into()));
    }
    Ok(NextBasketReport {
        k,
        customers: n,
        cutoff,
        bought_together: hit_bt as f64 / n as f64,
        popular: hit_pop as f64 / n as f64,
        bought_together_backfilled: hit_fill as f64 / n as f64,
        item2vec: embeddings.map(|_| hit_i2v as f64 / n as f64),
    })
}

/// Each basket with its customer: its earliest line's time and its distinct catalogue items in
/// line order (items outside `items` left out).
fn group_baskets<'a>(lines: &'a [Line], items: &ItemIndex) -> HashMap<&'a str, (String, Basket)> {
    let mut baskets: HashMap<&str, (String, Basket)> = HashMap::new();
    for l in lines {
        let b = baskets
            .entry(l.basket.as_str())
            .or_insert_with(|| (l.customer.clone(), Basket { id: l.basket.clone(), time: l.time, items: Vec::new() }));
        b.1.time = b.1.time.min(l.time);
        if let Some(i) = items.get(&l.item) {
            if !b.1.items.contains(&i) {
                b.1.items.push(i);
            }
        }
    }
    baskets
}

/// Per customer: the last basket at or before `cutoff` and the first after it.
fn around_cutoff<'a>(
    baskets: &'a HashMap<&str, (String, Basket)>,
    cutoff: i64,
) -> HashMap<&'a str, (Option<&'a Basket>, Option<&'a Basket>)> {
    let mut by_customer: HashMap<&str, (Option<&Basket>, Option<&Basket>)> = HashMap::new();
    for (c, b) in baskets.values() {
        let e = by_customer.entry(c.as_str()).or_default();
        if b.time <= cutoff {
            if e.0.is_none_or(|p| b.key() > p.key()) {
                e.0 = Some(b);
            }
        } else if e.1.is_none_or(|n| b.key() < n.key()) {
            e.1 = Some(b);
        }
    }
    by_customer
}

/// Training sequences from the lines up to `cutoff`: per customer in time order, or per basket.
fn sequences(lines: &[Line], cutoff: i64, items: &ItemIndex, kind: Sequences) -> Vec<Vec<u32>> {
    let mut groups: HashMap<&str, Vec<(i64, &str, u32)>> = HashMap::new();
    for l in lines.iter().filter(|l| l.time <= cutoff) {
        if let Some(i) = items.get(&l.item) {
            let key = if kind == Sequences::Sets { l.basket.as_str() } else { l.customer.as_str() };
            groups.entry(key).or_default().push((l.time, l.basket.as_str(), i));
        }
    }
    let mut keys: Vec<&&str> = groups.keys().collect();
    keys.sort();
    keys.into_iter()
        .map(|k| {
            let mut g = groups[*k].clone();
            g.sort_unstable();
            g.into_iter().map(|x| x.2).collect::<Vec<u32>>()
        })
        .filter(|s| s.len() >= 2)
        .collect()
}
