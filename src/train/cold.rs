//! Cold start: catalogue items nobody has interacted with yet get a place in the model from
//! what they look like. Each new item's text (its title and its string and set attributes) is
//! compared by TF-IDF cosine with the texts of the trained ("warm") items; its `neighbors` most
//! similar warm items, weighted by cosine^`power`, stand in for it: a factor model gives it the
//! weighted mean of their factor rows, an item-item model the weighted mean of their columns.
//! The runtime then ranks new items with no code of its own (the LightFM idea without its
//! training: a look-alike regression learned from the warm items).

use crate::error::{Error, Result};
use crate::kernels;
use crate::recs::items::ItemIndexBuilder;
use crate::recs::{Catalog, ItemEmbeddings, RecModel, Recommender, TextIndex};
use crate::text::Tokenizer;

/// How new items borrow from look-alikes. Defaults: 100 look-alikes, weights cosine².
#[derive(Debug, Clone, PartialEq)]
pub struct ColdStartParams {
    /// Warm items each new item borrows from (1..=10,000). Default 100.
    pub neighbors: usize,
    /// Exponent on the cosine (0.5..=8): higher leans on the closest look-alikes. Default 2.
    pub power: f32,
}

impl Default for ColdStartParams {
    fn default() -> Self {
        Self { neighbors: 100, power: 2.0 }
    }
}

impl ColdStartParams {
    /// Checks the ranges above.
    pub fn check(&self) -> Result<()> {
        if !(1..=10_000).contains(&self.neighbors) {
            return Err(Error::param("cold neighbors", self.neighbors, "must be between 1 and 10000"));
        }
        if !(0.5..=8.0).contains(&self.power) {
            return Err(Error::param("cold power", self.power, "must be between 0.5 and 8"));
        }
        Ok(())
    }

    /// For each new item's text, its look-alikes among `warm_texts`: (warm index, weight),
    /// weights summing to 1; empty when no warm text shares a word with it.
    pub fn look_alikes(&self, warm_texts: &[String], cold_texts: &[String]) -> Result<Vec<Vec<(u32, f32)>>> {
        self.check()?;
        let tokenizer = Tokenizer { word_ngrams: 1, char_ngrams: (0, 0) };
        let ix = TextIndex::build(tokenizer, warm_texts, 1)?;
        Ok(cold_texts
            .iter()
            .map(|text| {
                let scores = ix.scores(&ix.tfidf.transform(text), warm_texts.len());
                let top = kernels::top_k(&scores, self.neighbors, |i| scores[i as usize] > 0.0);
                let w: Vec<f32> = top.iter().map(|h| h.score.powf(self.power)).collect();
                let total: f32 = w.iter().sum();
                top.iter().zip(w).filter(|_| total > 0.0).map(|(h, w)| (h.index, w / total)).collect()
            })
            .collect())
    }
}

/// `rec` with new items appended after its trained ones: ids, titles, and their look-alikes
/// (from [`ColdStartParams::look_alikes`]). Popularity, trending, basket rows and embeddings
/// are zero for them. Add them before quantising the factors and before the title index; an
/// id the model already has is an error.
pub fn add_cold_items(
    mut rec: Recommender,
    ids: &[String],
    titles: &[String],
    look_alikes: &[Vec<(u32, f32)>],
) -> Result<Recommender> {
    let n = rec.items.len();
    let m = ids.len();
    if titles.len() != m || look_alikes.len() != m {
        return Err(Error::shape("titles and look-alikes (one per new item)", m, titles.len().min(look_alikes.len())));
    }
    if rec.text_index.is_some() {
        return Err(Error::param("text index", "present", "add new items before building the title index"));
    }
    let mut builder = ItemIndexBuilder::with_capacity(n + m);
    for id in rec.items.ids().chain(ids.iter().map(String::as_str)) {
        builder.push(id)?;
    }
    rec.items = builder.finish()?;
    rec.model = match rec.model {
        RecModel::Factors(f) => {
            let k = f.k();
            let mut rows = vec![0f32; m * k];
            for (row, alikes) in rows.chunks_exact_mut(k).zip(look_alikes) {
                for &(w, a) in alikes {
                    row.iter_mut().zip(f.row(w).iter()).for_each(|(r, y)| *r += a * y);
                }
            }
            RecModel::Factors(f.with_extra_rows(&rows)?)
        }
        RecModel::Neighbors(nb) => {
            let half = nb.half_storage().is_some();
            let wider = nb.with_cold_items(look_alikes);
            RecModel::Neighbors(if half { wider.round_to_half() } else { wider })
        }
        RecModel::Popular => RecModel::Popular,
    };
    let cat = rec.catalog.get_or_insert_with(|| Catalog { titles: vec![String::new(); n], prices: vec![f32::NAN; n] });
    cat.titles.extend(titles.iter().cloned());
    cat.prices.resize(n + m, f32::NAN);
    rec.popularity.resize(n + m, 0.0);
    if let Some(t) = &mut rec.trending {
        t.resize(n + m, 0.0);
    }
    if let Some(nb) = rec.together.take() {
        rec.together = Some(nb.with_cold_items(&vec![Vec::new(); m]));
    }
    if let Some(e) = rec.item2vec.take() {
        let mut v = e.vectors;
        v.resize((n + m) * e.dim, 0.0);
        rec.item2vec = Some(ItemEmbeddings::new(e.dim, v)?);
    }
    rec.cold += m;
    rec.meta.counts.insert("cold_items".into(), rec.cold as u64);
    Ok(rec)
}
