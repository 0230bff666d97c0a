//! The catalogue's sections: what a bundle says about its items rather than how it scores them
//! (`items`, `popular`, `catalog`, `cold`, `retired`, `trending`, `txindex`), and the catalogue
//! update that carries them to a loaded model (`catbase`, `newitems`), read by one reader for
//! both.

use crate::bundle::attrs::AttrsSection;
use crate::bundle::codec::{Reader, Writer};
use crate::bundle::section::{get, Section};
use crate::bundle::text::{read_tfidf, write_tfidf};
use crate::bundle::Container;
use crate::error::{Error, Result};
use crate::recs::items::ItemIndexBuilder;
use crate::recs::{Catalog, ItemIndex, NewItems, TextIndex};
// What only the native writer of catalogue updates uses.
#[cfg(not(target_arch = "wasm32"))]
use crate::{bundle::section::put, bundle::ContainerWriter, recs::Recommender};

/// What a catalogue update (`catalog update --delta-out`) changes on a loaded model: new items
/// (with their look-alikes), titles and prices, attributes, retired items and the title index,
/// each only when the update carries it (new and retired items: none when absent).
#[derive(Debug)]
pub struct CatalogUpdate {
    pub(crate) new_items: NewItems,
    pub(crate) catalog: Option<Catalog>,
    pub(crate) attributes: Option<crate::recs::Attributes>,
    pub(crate) retired: Vec<u32>,
    pub(crate) text_index: Option<TextIndex>,
}

/// Reads a catalogue update for `items`' model: refused unless it was made from a model with
/// exactly these items in this order (its `catbase` section), so the sections line up. The
/// catalogue's sections cover the model's items and then the new ones.
pub(crate) fn read_catalog_update(items: &ItemIndex, bytes: &[u8]) -> Result<CatalogUpdate> {
    let c = Container::parse(bytes)?;
    let wrong =
        |found: &str| Error::WrongModel { expected: "a catalogue update for this model".into(), found: found.into() };
    let Some((n, fingerprint)) = get!(c, CatalogBase, ()) else {
        return Err(wrong(if c.get(Items::NAME).is_some() { "a recommender" } else { "no catalogue update" }));
    };
    if n != items.len() as u64 || fingerprint != items.fingerprint() {
        return Err(wrong("an update made for another catalogue"));
    }
    let new_items = get!(c, NewItemsSection, ()).unwrap_or_default();
    let all = items.len() + new_items.len();
    Ok(CatalogUpdate { new_items, ..catalogue_sections(&c, all)? })
}

/// The catalogue's sections of a bundle or of a catalogue update, for `n` items: one reader
/// for both, so the wasm carries each section's decoding once.
pub(super) fn catalogue_sections(c: &Container<'_>, n: usize) -> Result<CatalogUpdate> {
    Ok(CatalogUpdate {
        new_items: NewItems::default(),
        catalog: get!(c, CatalogSection, n),
        attributes: get!(c, AttrsSection, n),
        retired: get!(c, Retired, ()).unwrap_or_default(),
        text_index: get!(c, TextIndexSection, n),
    })
}

/// Writes the catalogue update that turns a model with `base`'s items into `updated`, which is
/// `base`'s items followed by `new` ([`Recommender::with_new_items`]): no model sections, the new
/// items' ids and look-alikes (a device places them as `catalog update` did), and the catalogue's
/// sections for every item.
#[cfg(not(target_arch = "wasm32"))]
pub fn write_catalog_update(base: &ItemIndex, updated: &Recommender, new: &NewItems) -> Result<Vec<u8>> {
    let (n, m) = (base.len(), new.len());
    let same = updated.items.len() == n + m
        && updated.items.ids().take(n).eq(base.ids())
        && updated.items.ids().skip(n).eq(new.ids().iter().map(String::as_str));
    if !same {
        return Err(Error::param(
            "catalogue update",
            format!("{} items after, {n} before and {m} new", updated.items.len()),
            "the updated model must hold the base model's items, then the new ones",
        ));
    }
    let mut c = ContainerWriter::new();
    put::<CatalogBase>(&mut c, &(n as u64, base.fingerprint()));
    if !new.is_empty() {
        put::<NewItemsSection>(&mut c, new);
    }
    if let Some(cat) = &updated.catalog {
        put::<CatalogSection>(&mut c, cat);
    }
    if let Some(a) = &updated.attributes {
        put::<AttrsSection>(&mut c, a);
    }
    if !updated.retired.is_empty() {
        put::<Retired>(&mut c, &updated.retired);
    }
    if let Some(ix) = &updated.text_index {
        put::<TextIndexSection>(&mut c, ix);
    }
    Ok(c.finish())
}

/// `catbase`: marks a catalogue update and names the model it is for: the item count and the
/// items' [`ItemIndex::fingerprint`].
pub(super) struct CatalogBase;

/// The section that marks a catalogue update (`require_kind` names such a file in its error).
pub(crate) const CATALOG_UPDATE_MARKER: &str = CatalogBase::NAME;

impl Section for CatalogBase {
    type Value = (u64, u64);
    const NAME: &'static str = "catbase";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        w.u64(v.0);
        w.u64(v.1);
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        Ok((r.u64("item count")?, r.u64("fingerprint")?))
    }
}

/// `newitems`: the items a catalogue update adds (their ids), then their look-alikes among the
/// model's items as compressed rows (each item's end, the indices, the weights).
pub(super) struct NewItemsSection;

impl Section for NewItemsSection {
    type Value = NewItems;
    const NAME: &'static str = "newitems";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        w.len(v.len());
        for id in v.ids() {
            w.short_str(id);
        }
        let ends: Vec<u32> = v
            .look_alikes()
            .iter()
            .scan(0, |end, a| {
                *end += a.len() as u32;
                Some(*end)
            })
            .collect();
        w.u32s(&ends);
        w.u32s(&v.look_alikes().iter().flatten().map(|(i, _)| *i).collect::<Vec<_>>());
        w.f32s(&v.look_alikes().iter().flatten().map(|(_, a)| *a).collect::<Vec<_>>());
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        let m = r.len(1, "new item count")?;
        let mut ids = Vec::with_capacity(m);
        for _ in 0..m {
            ids.push(r.short_str_ref("new item id")?.to_owned());
        }
        let (ends, indices, weights) =
            (r.u32s("look-alike ends")?, r.u32s("look-alikes")?, r.f32s("look-alike weights")?);
        let bad = ends.len() != m
            || indices.len() != weights.len()
            || ends.windows(2).any(|w| w[0] > w[1])
            || ends.last().is_some_and(|e| *e as usize != indices.len());
        if bad {
            return Err(Error::Corrupt(format!("new items: look-alike ends do not fit {} look-alikes", indices.len())));
        }
        let mut start = 0;
        let look_alikes = ends
            .iter()
            .map(|end| {
                let range = start..*end as usize;
                start = *end as usize;
                indices[range.clone()].iter().copied().zip(weights[range].iter().copied()).collect()
            })
            .collect();
        NewItems::new(ids, look_alikes)
    }
}

/// `items`: the item ids in model order, one-byte (LEB128) lengths.
pub(super) struct Items;

impl Section for Items {
    type Value = ItemIndex;
    const NAME: &'static str = "items";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        w.len(v.len());
        for id in v.ids() {
            w.short_str(id);
        }
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        let n = r.len(1, "item count")?;
        let mut ids = ItemIndexBuilder::with_capacity(n);
        for _ in 0..n {
            ids.push(r.short_str_ref("item id")?)?;
        }
        ids.finish()
    }
}

/// `cold`: how many of the last items are new (in the catalogue, never interacted with).
pub(super) struct Cold;

impl Section for Cold {
    type Value = usize;
    const NAME: &'static str = "cold";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        w.len(*v);
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        Ok(r.u32("new item count")? as usize)
    }
}

/// `retired`: the indices of items no longer sold (sorted).
pub(super) struct Retired;

impl Section for Retired {
    type Value = Vec<u32>;
    const NAME: &'static str = "retired";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        w.u32s(v);
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        r.u32s("retired items")
    }
}

/// `popular`: each item's popularity (dictionary-coded when smaller).
pub(super) struct Popular;

impl Section for Popular {
    type Value = Vec<f32>;
    const NAME: &'static str = "popular";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        w.f32s_dict(v);
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        r.f32s_dict("popularity")
    }
}

/// `catalog`: a title per item (short strings), then the prices. Context: the item count.
pub(super) struct CatalogSection;

impl Section for CatalogSection {
    type Value = Catalog;
    const NAME: &'static str = "catalog";
    type Context = usize;
    fn write(v: &Self::Value, w: &mut Writer) {
        for t in &v.titles {
            w.short_str(t);
        }
        w.f32s(&v.prices);
    }
    fn read(r: &mut Reader<'_>, n: usize) -> Result<Self::Value> {
        let mut titles = Vec::with_capacity(n.min(r.remaining()));
        for _ in 0..n {
            titles.push(r.short_str_ref("title")?.to_owned());
        }
        Ok(Catalog { titles, prices: r.f32s("prices")? })
    }
}

/// `trending`: a time-decayed popularity per item (dictionary-coded when smaller).
pub(super) struct Trending;

impl Section for Trending {
    type Value = Vec<f32>;
    const NAME: &'static str = "trending";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        w.f32s_dict(v);
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        r.f32s_dict("trending scores")
    }
}

/// `txindex`: the titles' TF-IDF vocabulary (the codec shared with text classifiers), then the
/// postings as compressed rows per term. Context: the item count.
pub(super) struct TextIndexSection;

impl Section for TextIndexSection {
    type Value = TextIndex;
    const NAME: &'static str = "txindex";
    type Context = usize;
    fn write(v: &Self::Value, w: &mut Writer) {
        let ix = v;
        write_tfidf(w, &ix.tfidf);
        w.u32s(&ix.indptr);
        w.u32s(&ix.items);
        w.f32s(&ix.weights);
    }
    fn read(r: &mut Reader<'_>, n_items: usize) -> Result<Self::Value> {
        let tfidf = read_tfidf(r)?;
        let (indptr, items, weights) =
            (r.u32s("text index row starts")?, r.u32s("text index items")?, r.f32s("text index weights")?);
        TextIndex::new(tfidf, indptr, items, weights, n_items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::section::round_trip;
    use crate::text::Tokenizer;

    #[test]
    fn every_catalogue_section_round_trips() {
        let ids = ItemIndex::new(["a", "é", "85123A"]).unwrap();
        assert!(round_trip::<Items>(&ids, ()).ids().eq(ids.ids()));
        assert_eq!(round_trip::<CatalogBase>(&(3, ids.fingerprint()), ()), (3, ids.fingerprint()));
        assert_eq!(round_trip::<Popular>(&vec![3.0, 1.0, 3.0], ()), vec![3.0, 1.0, 3.0]);
        assert_eq!(round_trip::<Cold>(&17, ()), 17);
        assert_eq!(round_trip::<Retired>(&vec![2, 9], ()), vec![2, 9]);
        let new = NewItems::new(vec!["n1".into(), "ñ2".into()], vec![vec![(0, 0.75), (2, 0.25)], vec![]]).unwrap();
        assert_eq!(round_trip::<NewItemsSection>(&new, ()), new);
        let cat = Catalog {
            titles: vec!["Red train".into(), String::new(), "Doll".into()],
            prices: vec![1.5, f32::NAN, 0.0],
        };
        let back = round_trip::<CatalogSection>(&cat, 3);
        assert_eq!(back.titles, cat.titles);
        assert!(back.prices.iter().zip(&cat.prices).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(round_trip::<Trending>(&vec![0.25, 0.0, 9.5], ()), vec![0.25, 0.0, 9.5]);
        let ix = TextIndex::build(Tokenizer::default(), &["red wooden train", "", "blue doll"], 1).unwrap();
        assert_eq!(round_trip::<TextIndexSection>(&ix, 3), ix);
    }
}
