//! New items joining a trained model: catalogue items nobody has interacted with yet, each
//! placed by its look-alikes among the model's items (found natively by `train::cold`). Pure and
//! in the wasm, so a page applies a catalogue update that adds items exactly as `catalog update`
//! adds them to the whole bundle.

use super::items::ItemIndexBuilder;
use super::{BlendModel, Catalog, FactorModel, NeighborModel, RecModel, Recommender};
use crate::error::{Error, Result};
use crate::num_text::{Num, Num32};

/// Items to add to a model: their ids and, for each, its look-alikes among the model's items
/// (item index, weight; weights of one item summing to at most 1). An item with no look-alike
/// gets a zero factor row and no item-item column.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewItems {
    ids: Vec<String>,
    look_alikes: Vec<Vec<(u32, f32)>>,
}

impl NewItems {
    /// One list of look-alikes per id.
    pub fn new(ids: Vec<String>, look_alikes: Vec<Vec<(u32, f32)>>) -> Result<Self> {
        if ids.len() != look_alikes.len() {
            return Err(Error::shape("look-alike lists (one per new item)", ids.len(), look_alikes.len()));
        }
        Ok(Self { ids, look_alikes })
    }

    /// The new items' ids, in the order they join.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Each new item's look-alikes: (model item index, weight).
    pub fn look_alikes(&self) -> &[Vec<(u32, f32)>] {
        &self.look_alikes
    }

    /// How many items join.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no item joins.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Checks the look-alikes against a model of `n` items: indices below `n`, weights finite,
    /// positive, and at most 1 in sum per item (a weighted mean of rows, not a multiple).
    fn check(&self, n: usize) -> Result<()> {
        for (id, alikes) in self.ids.iter().zip(&self.look_alikes) {
            let bad = |what: String| Error::Corrupt(format!("new item '{id}': {what}"));
            if let Some((w, _)) = alikes.iter().find(|(w, _)| *w as usize >= n) {
                return Err(bad(format!("look-alike {w} outside the model's {n} items")));
            }
            if let Some((_, a)) = alikes.iter().find(|(_, a)| !(a.is_finite() && *a > 0.0)) {
                return Err(bad(format!("look-alike weight {} is not a finite number > 0", Num32(*a))));
            }
            let total: f64 = alikes.iter().map(|(_, a)| *a as f64).sum();
            if total > 1.0 + 1e-4 {
                return Err(bad(format!("look-alike weights sum to {}, above 1", Num(total))));
            }
        }
        Ok(())
    }
}

/// The parts of a model that new items change and that can fail: the ids and the model's rows,
/// made from the model without changing it ([`Recommender::grown`]).
pub(crate) struct Grown {
    items: super::ItemIndex,
    model: RecModel,
    added: usize,
}

impl Recommender {
    /// This model with `new` appended after its items: a factor row each (the weighted mean of
    /// its look-alikes' rows, stored as the model stores its rows: int8 and f16 models quantise
    /// the new rows only), an item-item column each (the look-alikes' columns, weighted), zero
    /// popularity, trending, basket rows and embeddings, empty titles and no price. They count as
    /// new items (`explore`). The attributes and the title index describe the old items, so they
    /// are dropped: give the catalogue's for every item afterwards (`catalog update` does). An id
    /// the model already has is an error.
    pub fn with_new_items(mut self, new: &NewItems) -> Result<Self> {
        if !new.is_empty() {
            let grown = self.grown(new)?;
            self.install(grown);
        }
        Ok(self)
    }

    /// The ids and model rows with `new` added, checked; `self` is unchanged, so a failed
    /// update leaves the model as it was.
    pub(crate) fn grown(&self, new: &NewItems) -> Result<Grown> {
        let n = self.items.len();
        new.check(n)?;
        let mut builder = ItemIndexBuilder::with_capacity(n + new.len());
        for id in self.items.ids().chain(new.ids.iter().map(String::as_str)) {
            builder.push(id)?;
        }
        let alikes = &new.look_alikes;
        let model = match &self.model {
            RecModel::Factors(f) => RecModel::Factors(factors_with_new(f, alikes)?),
            RecModel::Neighbors(nb) => RecModel::Neighbors(neighbors_with_new(nb, alikes)),
            RecModel::Blend(b) => RecModel::Blend(BlendModel::new(
                factors_with_new(b.factors(), alikes)?,
                neighbors_with_new(b.neighbors(), alikes),
                b.weight(),
            )?),
            RecModel::Popular => RecModel::Popular,
        };
        Ok(Grown { items: builder.finish()?, model, added: new.len() })
    }

    /// Installs grown ids and rows, and sizes everything else for them (cannot fail).
    pub(crate) fn install(&mut self, grown: Grown) {
        let (n, m) = (self.items.len(), grown.added);
        (self.items, self.model) = (grown.items, grown.model);
        let cat =
            self.catalog.get_or_insert_with(|| Catalog { titles: vec![String::new(); n], prices: vec![f32::NAN; n] });
        cat.titles.resize(n + m, String::new());
        cat.prices.resize(n + m, f32::NAN);
        self.popularity.resize(n + m, 0.0);
        if let Some(t) = &mut self.trending {
            t.resize(n + m, 0.0);
        }
        if let Some(nb) = &mut self.together {
            nb.add_empty_rows(m);
        }
        if let Some(e) = &mut self.item2vec {
            e.vectors.resize((n + m) * e.dim, 0.0);
        }
        (self.attributes, self.text_index) = (None, None);
        self.cold += m;
        self.meta.counts.insert("cold_items".into(), self.cold as u64);
    }
}

/// Factors with one row per new item: the weighted sum of its look-alikes' rows.
fn factors_with_new(f: &FactorModel, look_alikes: &[Vec<(u32, f32)>]) -> Result<FactorModel> {
    let k = f.k();
    let mut rows = vec![0f32; look_alikes.len() * k];
    for (row, alikes) in rows.chunks_exact_mut(k).zip(look_alikes) {
        for &(w, a) in alikes {
            f.add_scaled_row(w, a, row);
        }
    }
    f.with_extra_rows(&rows)
}

/// Item-item columns for new items from their look-alikes, stored as before (4 or 8 bytes an
/// entry).
fn neighbors_with_new(nb: &NeighborModel, look_alikes: &[Vec<(u32, f32)>]) -> NeighborModel {
    let half = nb.half_storage().is_some();
    let wider = nb.with_cold_items(look_alikes);
    if half {
        wider.round_to_half()
    } else {
        wider
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Metadata;
    use crate::recs::{FoldIn, ItemIndex, Quantization, Scaling};

    /// Three items with 4 factors stored as `q`, or three item-item rows.
    fn model(factors: Option<Quantization>) -> Recommender {
        let model = match factors {
            Some(q) => {
                let y: Vec<f32> = (0..12).map(|i| ((i * 7 % 11) as f32 - 5.0) / 3.0).collect();
                let g: Vec<f64> = (0..16).map(|i| if i % 5 == 0 { 2.0 } else { 0.25 }).collect();
                let f = FactorModel::new(4, y, g, FoldIn::new(0.5, 2.0, Scaling::Linear)).unwrap();
                RecModel::Factors(f.quantize(q).unwrap())
            }
            None => RecModel::Neighbors(NeighborModel::from_csr(
                vec![0, 2, 3, 4],
                vec![1, 2, 0, 1],
                vec![0.5, 0.25, 1.0, 2.0],
            )),
        };
        let items = ItemIndex::new(["a", "b", "c"]).unwrap();
        Recommender::from_parts(items, None, vec![3.0, 2.0, 1.0], model, Metadata::new("als")).unwrap()
    }

    fn new_items() -> NewItems {
        NewItems::new(vec!["x".into(), "y".into()], vec![vec![(0, 0.5), (2, 0.5)], vec![]]).unwrap()
    }

    #[test]
    fn new_rows_are_the_look_alikes_mean_and_stored_rows_stay_as_they_were() {
        for q in [Quantization::None, Quantization::F16, Quantization::Int8] {
            let base = model(Some(q));
            let wider = base.clone().with_new_items(&new_items()).unwrap();
            let (f, g) = (base.model().factors().unwrap(), wider.model().factors().unwrap());
            assert_eq!((g.n_items(), g.quantization(), wider.cold_count()), (5, q, 2));
            for i in 0..3 {
                assert_eq!(g.row(i), f.row(i), "{q:?}: stored row {i} changed");
            }
            let mean: Vec<f32> = f.row(0).iter().zip(f.row(2).iter()).map(|(a, b)| 0.5 * a + 0.5 * b).collect();
            let tolerance = if q == Quantization::Int8 { 0.02 } else { 1e-3 };
            assert!(
                g.row(3).iter().zip(&mean).all(|(a, b)| (a - b).abs() <= tolerance),
                "{q:?}: {:?} {mean:?}",
                g.row(3)
            );
            assert!(g.row(4).iter().all(|v| *v == 0.0), "no look-alike, a zero row");
            assert_eq!(Recommender::from_bytes(&wider.to_bytes()).unwrap().to_bytes(), wider.to_bytes());
            assert_eq!((wider.popularity()[3], wider.items().id(4)), (0.0, "y"));
        }
    }

    #[test]
    fn new_item_columns_are_the_look_alikes_columns() {
        let wider = model(None).with_new_items(&new_items()).unwrap();
        let nb = wider.model().neighbors().unwrap();
        // Item 0 points to 1 (0.5) and 2 (0.25): to x with 0.25 · 0.5; item 1 points to 0: 1.0 · 0.5.
        assert_eq!((nb.weight(0, 3), nb.weight(1, 3), nb.weight(2, 3), nb.weight(0, 4)), (0.125, 0.5, 0.0, 0.0));
    }

    #[test]
    fn bad_look_alikes_and_known_ids_are_refused() {
        let refused = |ids: &[&str], alikes: Vec<Vec<(u32, f32)>>| {
            let new = NewItems::new(ids.iter().map(|s| s.to_string()).collect(), alikes).unwrap();
            model(Some(Quantization::Int8)).with_new_items(&new).unwrap_err().to_string()
        };
        assert!(refused(&["x"], vec![vec![(3, 1.0)]]).contains("look-alike 3 outside the model's 3 items"));
        assert!(refused(&["x"], vec![vec![(0, f32::NAN)]]).contains("not a finite number > 0"));
        assert!(refused(&["x"], vec![vec![(0, 1.0), (1, 1.0)]]).contains("sum to 2"));
        assert!(refused(&["b"], vec![vec![]]).contains("'b'"), "{}", refused(&["b"], vec![vec![]]));
        assert!(NewItems::new(vec!["x".into()], vec![]).is_err());
    }
}
