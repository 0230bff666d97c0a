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
use crate::recs::{Catalog, FactorModel, ItemEmbeddings, NeighborModel, RecModel, Recommender, TextIndex};
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

/// Factors with one row per new item: the weighted sum of its look-alikes' rows.
fn factors_with_cold(f: FactorModel, look_alikes: &[Vec<(u32, f32)>]) -> Result<FactorModel> {
    let k = f.k();
    let mut rows = vec![0f32; look_alikes.len() * k];
    for (row, alikes) in rows.chunks_exact_mut(k).zip(look_alikes) {
        for &(w, a) in alikes {
            row.iter_mut().zip(f.row(w).iter()).for_each(|(r, y)| *r += a * y);
        }
    }
    f.with_extra_rows(&rows)
}

/// Item-item rows for new items from their look-alikes, stored as before (4 or 8 bytes an entry).
fn neighbors_with_cold(nb: &NeighborModel, look_alikes: &[Vec<(u32, f32)>]) -> NeighborModel {
    let half = nb.half_storage().is_some();
    let wider = nb.with_cold_items(look_alikes);
    if half {
        wider.round_to_half()
    } else {
        wider
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
        RecModel::Factors(f) => RecModel::Factors(factors_with_cold(f, look_alikes)?),
        RecModel::Neighbors(nb) => RecModel::Neighbors(neighbors_with_cold(&nb, look_alikes)),
        RecModel::Blend(b) => {
            let (f, nb, w) = b.into_parts();
            let (f, nb) = (factors_with_cold(f, look_alikes)?, neighbors_with_cold(&nb, look_alikes));
            RecModel::Blend(crate::recs::BlendModel::new(f, nb, w)?)
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

/// How many catalogue items [`add_catalog_items`] added, and how many of them had look-alikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Added {
    /// Catalogue items the model did not have.
    pub added: usize,
    /// Of those, the ones with at least one look-alike.
    pub placed: usize,
}

/// `rec` with every item of `cat` it lacks added as a new item ([`add_cold_items`]): each new
/// item's text (title and string attributes) against the trained items' — their catalogue
/// text where the catalogue lists them, else their title. Unchanged when nothing is new.
pub fn add_catalog_items(
    rec: Recommender,
    cat: &crate::data::catalog::CatalogFile,
    params: &ColdStartParams,
) -> Result<(Recommender, Added)> {
    let new_rows: Vec<usize> = (0..cat.ids.len()).filter(|r| rec.items.get(&cat.ids[*r]).is_none()).collect();
    if new_rows.is_empty() {
        return Ok((rec, Added { added: 0, placed: 0 }));
    }
    let mut row_of = vec![None; rec.items.len()];
    for (r, id) in cat.ids.iter().enumerate() {
        if let Some(i) = rec.items.get(id) {
            row_of[i as usize] = Some(r);
        }
    }
    let warm: Vec<String> = (0..rec.items.len())
        .map(|i| match row_of[i] {
            Some(r) => cat.text(r),
            None => rec.catalog.as_ref().map_or(String::new(), |c| c.titles[i].clone()),
        })
        .collect();
    let cold: Vec<String> = new_rows.iter().map(|r| cat.text(*r)).collect();
    let alikes = params.look_alikes(&warm, &cold)?;
    let placed = alikes.iter().filter(|a| !a.is_empty()).count();
    let ids: Vec<String> = new_rows.iter().map(|r| cat.ids[*r].clone()).collect();
    let titles: Vec<String> =
        new_rows.iter().map(|r| cat.titles.as_ref().map_or(String::new(), |t| t[*r].clone())).collect();
    Ok((add_cold_items(rec, &ids, &titles, &alikes)?, Added { added: ids.len(), placed }))
}

/// What [`update_catalog`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogUpdate {
    /// Catalogue items the model did not have, added as new items.
    pub added: usize,
    /// New items with no look-alike (no word in common with any trained item).
    pub unplaced: usize,
    /// Model items absent from the catalogue: no longer recommended.
    pub retired: usize,
    /// Items whose title the catalogue replaced.
    pub retitled: usize,
}

/// Brings `rec`'s catalogue up to date with `cat` without retraining: catalogue items the model
/// lacks join as new items (placed by look-alikes, as [`add_cold_items`]), model items the
/// catalogue lacks are retired (never returned; histories still use them), titles (when the
/// catalogue has a title column) and every attribute are replaced, and the title index (if any)
/// is rebuilt. Quantised factors are widened to add rows and stored as before.
pub fn update_catalog(
    mut rec: Recommender,
    cat: &crate::data::catalog::CatalogFile,
    params: &ColdStartParams,
) -> Result<(Recommender, CatalogUpdate)> {
    let tokenizer = rec.text_index.take().map(|ix| ix.tfidf.tokenizer);
    let stored = rec.model.factors().map_or(crate::recs::Quantization::None, |f| f.quantization());
    let (mut added, mut unplaced) = (0, 0);
    if cat.ids.iter().any(|id| rec.items.get(id).is_none()) {
        if stored != crate::recs::Quantization::None {
            rec = rec.quantize(crate::recs::Quantization::None)?;
        }
        let (wider, placed) = add_catalog_items(rec, cat, params)?;
        (rec, added, unplaced) = (wider, placed.added, placed.added - placed.placed);
        if stored != crate::recs::Quantization::None {
            rec = rec.quantize(stored)?;
        }
    }
    let mut retitled = 0;
    if let (Some(titles), Some(c)) = (&cat.titles, rec.catalog.as_mut()) {
        for (r, id) in cat.ids.iter().enumerate() {
            if let Some(i) = rec.items.get(id) {
                if c.titles[i as usize] != titles[r] {
                    c.titles[i as usize] = titles[r].clone();
                    retitled += 1;
                }
            }
        }
    }
    let listed: std::collections::HashSet<&str> = cat.ids.iter().map(String::as_str).collect();
    let retired: Vec<u32> = (0..rec.items.len() as u32).filter(|i| !listed.contains(rec.items.id(*i))).collect();
    let n_retired = retired.len();
    rec = rec.with_retired(retired)?;
    let (attrs, _) = cat.attributes_for(&rec.items)?;
    rec = rec.with_attributes(attrs)?;
    if let Some(t) = tokenizer {
        let titles = rec.catalog.as_ref().map(|c| c.titles.clone()).unwrap_or_default();
        let ix = TextIndex::build(t, &titles, 1)?;
        rec = rec.with_text_index(ix)?;
    }
    let report = CatalogUpdate { added, unplaced, retired: n_retired, retitled };
    rec.meta.notes.push(format!(
        "catalogue updated: {} new items, {} retired, {} retitled",
        report.added, report.retired, report.retitled
    ));
    Ok((rec, report))
}
