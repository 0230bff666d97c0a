//! Recommendation sections: `meta`, `items`, `popular`, optional `catalog`, and one of
//! `factors` (ALS) or `neighbrs` (item-item), optional `together` (basket co-occurrence) and
//! `trending`, `item2vec` (item embeddings) and `txindex` (the titles' text index). No section
//! holds user ids or user factors.
//!
//! Each section is one `Section` impl: its name, and its write and read side by side, so a
//! change to one side is made next to the other; one round-trip helper tests every section.

//!
//! A file per kind: `catalogue.rs` the item sections and catalogue updates, `models.rs` the
//! sections that score; this file puts a recommender's sections together and reads them back.

mod catalogue;
mod models;

use super::section::{get, put, require};
use super::{Container, ContainerWriter, Metadata};
use crate::error::{Error, Result};
use crate::recs::{FactorModel, NeighborModel, RecModel, Recommender};
use catalogue::{catalogue_sections, CatalogSection, Cold, Items, Popular, Retired, TextIndexSection, Trending};
use models::{BlendSection, Bm25Section, Factors, HalfNeighbors, Item2Vec, Neighbors, Together};

#[cfg(not(target_arch = "wasm32"))]
pub use catalogue::write_catalog_update;
pub use catalogue::CatalogUpdate;
pub(crate) use catalogue::{read_catalog_update, CATALOG_UPDATE_MARKER};

/// Serialises a recommender.
pub fn write(rec: &Recommender) -> Vec<u8> {
    let mut c = ContainerWriter::new();
    rec.meta.write_section(&mut c);
    put::<Items>(&mut c, &rec.items);
    put::<Popular>(&mut c, &rec.popularity);
    if let Some(cat) = &rec.catalog {
        put::<CatalogSection>(&mut c, cat);
    }
    match &rec.model {
        RecModel::Factors(f) => put_factors(&mut c, f),
        RecModel::Neighbors(nb) => put_neighbors(&mut c, nb),
        RecModel::Blend(b) => {
            put_factors(&mut c, b.factors());
            put_neighbors(&mut c, b.neighbors());
            put::<BlendSection>(&mut c, &b.weight());
        }
        RecModel::Popular => {}
    }
    if let Some(nb) = &rec.together {
        put::<Together>(&mut c, nb);
    }
    if let Some(e) = &rec.item2vec {
        put::<Item2Vec>(&mut c, e);
    }
    if let Some(t) = &rec.trending {
        put::<Trending>(&mut c, t);
    }
    if let Some(ix) = &rec.text_index {
        put::<TextIndexSection>(&mut c, ix);
    }
    if let Some(a) = &rec.attributes {
        put::<super::attrs::AttrsSection>(&mut c, a);
    }
    if rec.cold > 0 {
        put::<Cold>(&mut c, &rec.cold);
    }
    if !rec.retired.is_empty() {
        put::<Retired>(&mut c, &rec.retired);
    }
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    if let Some(log) = &rec.search {
        put::<super::search::SearchSection>(&mut c, log);
    }
    c.finish()
}

/// The `factors` section, and `bm25` when the factors were trained with it.
fn put_factors(c: &mut ContainerWriter, f: &FactorModel) {
    put::<Factors>(c, f);
    if let Some(b) = f.bm25() {
        put::<Bm25Section>(c, b);
    }
}

/// The item-item section: `neighb16` when its weights allow, else `neighbrs`.
fn put_neighbors(c: &mut ContainerWriter, nb: &NeighborModel) {
    if nb.half_storage().is_some() {
        put::<HalfNeighbors>(c, nb)
    } else {
        put::<Neighbors>(c, nb)
    }
}

/// Parses and validates a recommender bundle.
pub fn read(bytes: &[u8]) -> Result<Recommender> {
    let c = Container::parse(bytes)?;
    let meta = Metadata::read_for(&c, super::ModelKind::Recommender)?;
    let items = require!(c, Items, ());
    let n = items.len();
    let popularity = require!(c, Popular, ());
    let sections = catalogue_sections(&c, n)?;
    let factors = match get!(c, Factors, ()) {
        Some(f) => Some(f.with_bm25(get!(c, Bm25Section, ())).map_err(|e| match e {
            Error::MissingSection(_) => e,
            other => Error::Corrupt(format!("bm25 section: {other}")),
        })?),
        None => None,
    };
    let neighbors = match get!(c, Neighbors, ()) {
        Some(nb) => Some(nb),
        None => get!(c, HalfNeighbors, ()),
    };
    let model = match (factors, neighbors, get!(c, BlendSection, ())) {
        (Some(f), Some(nb), Some(w)) => RecModel::Blend(
            crate::recs::BlendModel::new(f, nb, w).map_err(|e| Error::Corrupt(format!("blend section: {e}")))?,
        ),
        (Some(f), None, None) => RecModel::Factors(f),
        (None, Some(nb), None) => RecModel::Neighbors(nb),
        (None, None, None) => RecModel::Popular,
        (f, nb, w) => {
            return Err(Error::Corrupt(format!(
                "model sections: factors {}, item-item {}, blend {} (a blend needs all three, other models one)",
                present(f.is_some()),
                present(nb.is_some()),
                present(w.is_some())
            )))
        }
    };
    if !model.holds(&meta.model) {
        meta.check_family(model.family())?;
    }
    let mut rec = Recommender::from_parts(items, sections.catalog, popularity, model, meta)?;
    if let Some(nb) = get!(c, Together, ()) {
        rec = rec.with_bought_together(nb)?;
    }
    if let Some(t) = get!(c, Trending, ()) {
        // In a file, scores that do not fit the catalogue are corruption, not a caller's mistake.
        rec = rec.with_trending(t).map_err(|e| Error::Corrupt(format!("trending section: {e}")))?;
    }
    if let Some(e) = get!(c, Item2Vec, ()) {
        rec = rec.with_item2vec(e)?;
    }
    if let Some(ix) = sections.text_index {
        rec = rec.with_text_index(ix)?;
    }
    if let Some(a) = sections.attributes {
        rec = rec.with_attributes(a)?;
    }
    if let Some(cold) = get!(c, Cold, ()) {
        rec = rec.with_cold_count(cold)?;
    }
    if !sections.retired.is_empty() {
        rec = rec.with_retired(sections.retired)?;
    }
    #[cfg(all(feature = "train", not(target_arch = "wasm32")))]
    if let Some(log) = get!(c, super::search::SearchSection, ()) {
        rec = rec.with_search(log);
    }
    Ok(rec)
}

fn present(yes: bool) -> &'static str {
    if yes {
        "present"
    } else {
        "absent"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::codec::Writer;
    use crate::bundle::section::Section;
    use crate::recs::{FoldIn, ItemIndex, Scaling};

    /// A three-item blend: factors, `neighb16` rows and the weight.
    fn blend() -> Recommender {
        let y: Vec<f32> = vec![1.0, 0.0, 0.5, 0.5, 0.0, 1.0];
        let g = vec![1.25, 0.25, 0.25, 1.25];
        let f = FactorModel::new(2, y, g, FoldIn::new(0.5, 2.0, Scaling::Linear)).unwrap();
        let nb = NeighborModel::from_csr(vec![0, 1, 2, 3], vec![1, 2, 0], vec![0.5, 0.25, 1.0]);
        let items = ItemIndex::new(["a", "b", "c"]).unwrap();
        let model = RecModel::Blend(crate::recs::BlendModel::new(f, nb, 0.4).unwrap());
        Recommender::from_parts(items, None, vec![0.5; 3], model, Metadata::new("blend")).unwrap()
    }

    #[test]
    fn a_blend_reads_back_and_needs_all_three_sections() {
        let rec = blend();
        let back = read(&write(&rec)).unwrap();
        assert_eq!(back.model(), rec.model());
        // Without its weight, the factors and rows are not a model this runtime can score.
        let mut c = ContainerWriter::new();
        rec.meta.write_section(&mut c);
        put::<Items>(&mut c, &rec.items);
        put::<Popular>(&mut c, &rec.popularity);
        let RecModel::Blend(b) = &rec.model else { unreachable!("a blend") };
        put_factors(&mut c, b.factors());
        put_neighbors(&mut c, b.neighbors());
        let e = read(&c.finish()).unwrap_err().to_string();
        assert!(e.contains("factors present, item-item present, blend absent"), "{e}");
    }

    #[test]
    fn trailing_bytes_in_a_section_are_corruption() {
        let mut w = Writer::new();
        Popular::write(&vec![1.0], &mut w);
        w.u8(7);
        let mut c = ContainerWriter::new();
        c.section(Popular::NAME, w.into_bytes());
        let bytes = c.finish();
        let read = |c: &Container<'_>| -> Result<Option<Vec<f32>>> { Ok(get!(c, Popular, ())) };
        assert!(read(&Container::parse(&bytes).unwrap()).is_err());
    }
}
