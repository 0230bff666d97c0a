//! Cold start: catalogue items nobody has interacted with yet get a place in the model from
//! what they look like. Each new item's text (its title and its string and set attributes) is
//! compared by TF-IDF cosine with the texts of the trained ("warm") items; its `neighbors` most
//! similar warm items, weighted by cosine^`power`, stand in for it: a factor model gives it the
//! weighted mean of their factor rows, an item-item model the weighted mean of their columns.
//! The runtime then ranks new items with no code of its own (the LightFM idea without its
//! training: a look-alike regression learned from the warm items).

use crate::error::{Error, Result};
use crate::kernels;
use crate::recs::{NewItems, Recommender, TextIndex};
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
/// (from [`ColdStartParams::look_alikes`]), placed by [`Recommender::with_new_items`] (the code a
/// page runs for a catalogue update that adds items). Add them before the attributes and the title
/// index, which describe every item; an id the model already has is an error.
pub fn add_cold_items(
    rec: Recommender,
    ids: &[String],
    titles: &[String],
    look_alikes: &[Vec<(u32, f32)>],
) -> Result<Recommender> {
    with_titled_new_items(rec, &NewItems::new(ids.to_vec(), look_alikes.to_vec())?, titles)
}

/// [`add_cold_items`] for items already gathered as [`NewItems`], one title each.
fn with_titled_new_items(rec: Recommender, new: &NewItems, titles: &[String]) -> Result<Recommender> {
    if titles.len() != new.len() {
        return Err(Error::shape("titles (one per new item)", new.len(), titles.len()));
    }
    if rec.text_index.is_some() || rec.attributes.is_some() {
        return Err(Error::param(
            "new items",
            "after the catalogue",
            "add new items before the attributes and title index",
        ));
    }
    let n = rec.items.len();
    let mut rec = rec.with_new_items(new)?;
    if let Some(c) = rec.catalog.as_mut() {
        c.titles[n..].clone_from_slice(titles);
    }
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

/// `rec` with every item of `cat` it lacks added as a new item ([`add_cold_items`]).
/// Unchanged when nothing is new.
pub fn add_catalog_items(
    rec: Recommender,
    cat: &crate::data::catalog::CatalogFile,
    params: &ColdStartParams,
) -> Result<(Recommender, Added)> {
    let (new, titles) = catalog_items_missing_from(&rec, cat, params)?;
    let placed = new.look_alikes().iter().filter(|a| !a.is_empty()).count();
    let added = Added { added: new.len(), placed };
    if new.is_empty() {
        return Ok((rec, added));
    }
    Ok((with_titled_new_items(rec, &new, &titles)?, added))
}

/// The items of `cat` that `rec` lacks, with their look-alikes and titles: each new item's text
/// (title and string attributes) against the trained items' — their catalogue text where the
/// catalogue lists them, else their title.
fn catalog_items_missing_from(
    rec: &Recommender,
    cat: &crate::data::catalog::CatalogFile,
    params: &ColdStartParams,
) -> Result<(NewItems, Vec<String>)> {
    let new_rows: Vec<usize> = (0..cat.ids.len()).filter(|r| rec.items.get(&cat.ids[*r]).is_none()).collect();
    if new_rows.is_empty() {
        return Ok((NewItems::default(), Vec::new()));
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
    let ids: Vec<String> = new_rows.iter().map(|r| cat.ids[*r].clone()).collect();
    let titles: Vec<String> =
        new_rows.iter().map(|r| cat.titles.as_ref().map_or(String::new(), |t| t[*r].clone())).collect();
    Ok((NewItems::new(ids, alikes)?, titles))
}

/// What [`update_catalog`] changed.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogUpdate {
    /// Catalogue items the model did not have, added as new items, with their look-alikes (what
    /// a catalogue update carries for a page to add them: `bundle::recs::write_catalog_update`).
    pub new_items: NewItems,
    /// New items with no look-alike (no word in common with any trained item).
    pub unplaced: usize,
    /// Model items absent from the catalogue: no longer recommended.
    pub retired: usize,
    /// Items whose title the catalogue replaced.
    pub retitled: usize,
}

/// Brings `rec`'s catalogue up to date with `cat` without retraining: catalogue items the model
/// lacks join as new items (placed by look-alikes, [`Recommender::with_new_items`]), model items
/// the catalogue lacks are retired (never returned; histories still use them), titles (when the
/// catalogue has a title column) and every attribute are replaced, and the title index (if any)
/// is rebuilt. Quantised factors stay quantised: new rows are quantised, the others kept as
/// they were.
pub fn update_catalog(
    rec: Recommender,
    cat: &crate::data::catalog::CatalogFile,
    params: &ColdStartParams,
) -> Result<(Recommender, CatalogUpdate)> {
    let tokenizer = rec.text_index.as_ref().map(|ix| ix.tfidf.tokenizer());
    let (new_items, new_titles) = catalog_items_missing_from(&rec, cat, params)?;
    let unplaced = new_items.look_alikes().iter().filter(|a| a.is_empty()).count();
    let n = rec.items.len();
    let mut rec = rec.with_new_items(&new_items)?;
    let mut retitled = 0;
    if let (Some(titles), Some(c)) = (&cat.titles, rec.catalog.as_mut()) {
        c.titles[n..].clone_from_slice(&new_titles);
        for (r, id) in cat.ids.iter().enumerate() {
            if let Some(i) = rec.items.get(id).filter(|i| (*i as usize) < n) {
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
    rec.meta.notes.push(format!(
        "catalogue updated: {} new items, {} retired, {} retitled",
        new_items.len(),
        n_retired,
        retitled
    ));
    Ok((rec, CatalogUpdate { new_items, unplaced, retired: n_retired, retitled }))
}
