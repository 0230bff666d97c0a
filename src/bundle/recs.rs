//! Recommendation sections: `meta`, `items`, `popular`, optional `catalog`, and one of
//! `factors` (ALS) or `neighbrs` (item-item), optional `together` (basket co-occurrence) and
//! `trending`, `item2vec` (item embeddings) and `txindex` (the titles' text index). No section
//! holds user ids or user factors.
//!
//! Each section is one `Section` impl: its name, and its write and read side by side, so a
//! change to one side is made next to the other; one round-trip helper tests every section.

use super::codec::{Reader, Writer};
use super::section::{get, put, require, Section};
use super::{Container, ContainerWriter, Metadata};
use crate::error::{Error, Result};
use crate::recs::items::ItemIndexBuilder;
use crate::recs::{
    Bm25, Catalog, FactorModel, FactorValues, FoldIn, ItemEmbeddings, ItemIndex, NeighborModel, NewItems, Quantization,
    RecModel, Recommender, Scaling, TextIndex,
};

/// Largest factor count a bundle may declare (bounds the Gramian before it is allocated).
const MAX_FACTORS: usize = 4096;

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
fn catalogue_sections(c: &Container<'_>, n: usize) -> Result<CatalogUpdate> {
    Ok(CatalogUpdate {
        new_items: NewItems::default(),
        catalog: get!(c, CatalogSection, n),
        attributes: get!(c, super::attrs::AttrsSection, n),
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
        put::<super::attrs::AttrsSection>(&mut c, a);
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
struct CatalogBase;

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
struct NewItemsSection;

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
struct Items;

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
struct Cold;

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
struct Retired;

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
struct Popular;

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
struct CatalogSection;

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

/// `factors`: storage code, k, fold-in parameters, the Gramian's upper triangle (f64 beside f32
/// factors, f32 beside int8/f16), then the values (f32; f16 bits; or f16 row scales and codes).
struct Factors;

impl Section for Factors {
    type Value = FactorModel;
    const NAME: &'static str = "factors";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        let f = v;
        let (q, k, fold) = (f.quantization(), f.k(), f.fold_params());
        w.u8(q.code());
        w.u32(k as u32);
        w.f32(fold.regularization);
        w.f32(fold.alpha);
        // The top bit marks λ per history item (Spark's ALS), the next confidence without `1 +`
        // (implicit's): a runtime that predates them refuses the bundle ("unknown weight
        // scaling") instead of folding shoppers in differently.
        let (per_item, no_one) = (if fold.lambda_per_item { 0x80 } else { 0 }, if fold.one_plus { 0 } else { 0x40 });
        w.u8(fold.scaling.code() | per_item | no_one);
        // Upper triangle only (the matrix is symmetric); f32 next to int8/f16 factors.
        let compact = q != Quantization::None;
        w.len(k * (k + 1) / 2);
        for r in 0..k {
            for g in &f.gramian()[r * k + r..(r + 1) * k] {
                if compact {
                    w.f32(*g as f32);
                } else {
                    w.f64(*g);
                }
            }
        }
        let f16_bits = |v: &[f32]| v.iter().map(|x| half::f16::from_f32(*x).to_bits()).collect::<Vec<_>>();
        match (q, f.values()) {
            (Quantization::F16, FactorValues::F32(v)) => w.u16s(&f16_bits(v)),
            (_, FactorValues::F32(v)) => w.f32s(v),
            (_, FactorValues::Int8 { codes, scales }) => {
                // Row scales are f16-representable by construction (`quantize_row`).
                w.u16s(&f16_bits(scales));
                w.i8s(codes);
            }
        }
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        let code = r.u8("factor type")?;
        let q = Quantization::from_code(code)
            .ok_or_else(|| Error::Corrupt(format!("unknown factor storage type {code}")))?;
        let k = r.u32("factor count")? as usize;
        let regularization = r.f32("regularisation")?;
        let alpha = r.f32("alpha")?;
        let code = r.u8("scaling")?;
        let (lambda_per_item, one_plus) = (code & 0x80 != 0, code & 0x40 == 0);
        let scaling =
            Scaling::from_code(code & 0x3f).ok_or_else(|| Error::Corrupt(format!("unknown weight scaling {code}")))?;
        let fold = FoldIn { regularization, alpha, scaling, lambda_per_item, one_plus };
        let compact = q != Quantization::None;
        let g = r.len(if compact { 4 } else { 8 }, "Gramian")?;
        if k > MAX_FACTORS || g != k * (k + 1) / 2 {
            return Err(Error::Corrupt(format!("Gramian has {g} values, expected {} for k = {k}", k * (k + 1) / 2)));
        }
        let mut gramian = vec![0f64; k * k];
        for row in 0..k {
            for col in row..k {
                let v = if compact { r.f32("Gramian")? as f64 } else { r.f64("Gramian")? };
                gramian[row * k + col] = v;
                gramian[col * k + row] = v;
            }
        }
        let model = match q {
            Quantization::Int8 => {
                let scales: Vec<f32> = r.f16s("int8 row scales")?;
                let codes = r.i8s("int8 item factors")?;
                FactorModel::from_int8(k, codes, scales, gramian, fold)?
            }
            Quantization::F16 => FactorModel::from_f16(k, &r.u16s("f16 item factors")?, gramian, fold)?,
            Quantization::None => FactorModel::new(k, r.f32s("item factors")?, gramian, fold)?,
        };
        Ok(model)
    }
}

/// `bm25`: the BM25 weighting beside factors trained with it — `k1`, `b`, training users,
/// mean user length, then one idf per item.
struct Bm25Section;

impl Section for Bm25Section {
    type Value = Bm25;
    const NAME: &'static str = "bm25";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        w.f32(v.k1());
        w.f32(v.b());
        w.u32(v.users());
        w.f32(v.avg_len());
        w.f32s(v.idf());
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        let (k1, b, users, avg_len) =
            (r.f32("bm25 k1")?, r.f32("bm25 b")?, r.u32("bm25 users")?, r.f32("bm25 length")?);
        Bm25::new(k1, b, users, avg_len, r.f32s("bm25 idf")?).map_err(|e| Error::Corrupt(format!("bm25 section: {e}")))
    }
}

/// `neighbrs` (item-item weights) and `together` (basket co-occurrence) share one compressed-row
/// codec: row starts, neighbour indices and weights, each a length-prefixed array. Shapes are
/// checked against the catalogue when the model joins the recommender.
fn write_csr(nb: &NeighborModel, w: &mut Writer) {
    let (indptr, indices, weights) = nb.csr();
    w.u32s(indptr);
    w.u32s(indices);
    w.f32s(weights);
}

/// Reads [`write_csr`]'s layout; `what` names the entries in messages.
fn read_csr(r: &mut Reader<'_>, what: &str) -> Result<NeighborModel> {
    let indptr = r.u32s("row starts")?;
    let indices = r.u32s(&format!("{what} indices"))?;
    let weights = r.f32s(&format!("{what} weights"))?;
    Ok(NeighborModel::from_csr(indptr, indices, weights))
}

/// `neighbrs`: the item-item model (EASE), pruned rows.
struct Neighbors;

impl Section for Neighbors {
    type Value = NeighborModel;
    const NAME: &'static str = "neighbrs";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        write_csr(v, w);
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        read_csr(r, "neighbour")
    }
}

/// `neighb16`: the item-item model in 4 bytes per entry, written when every weight is a
/// half-precision number times one power-of-two scale and every index fits 16 bits (training
/// rounds EASE and RP3beta weights so: `NeighborModel::round_to_half`). Reads back exactly.
struct HalfNeighbors;

impl Section for HalfNeighbors {
    type Value = NeighborModel;
    const NAME: &'static str = "neighb16";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        let (indptr, indices, weights) = v.csr();
        // The section is chosen only when `half_storage` holds, so this scale is exact.
        let scale = v.half_scale();
        w.u32s(indptr);
        w.u16s(&indices.iter().map(|i| *i as u16).collect::<Vec<_>>());
        w.f32(scale);
        w.u16s(&weights.iter().map(|x| half::f16::from_f32(*x / scale).to_bits()).collect::<Vec<_>>());
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        let indptr = r.u32s("row starts")?;
        let indices = r.u16s("neighbour indices")?.into_iter().map(u32::from).collect();
        let scale = r.f32("neighbour weight scale")?;
        let mut weights = r.f16s("neighbour weights")?;
        weights.iter_mut().for_each(|w| *w *= scale);
        Ok(NeighborModel::from_csr(indptr, indices, weights))
    }
}

/// `blend`: the factor half's weight in a blend of the `factors` and item-item sections.
struct BlendSection;

impl Section for BlendSection {
    type Value = f32;
    const NAME: &'static str = "blend";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        w.f32(*v);
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        r.f32("blend weight")
    }
}

/// `together`: items bought in the same baskets.
struct Together;

impl Section for Together {
    type Value = NeighborModel;
    const NAME: &'static str = "together";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        write_csr(v, w);
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        read_csr(r, "co-occurrence")
    }
}

/// `item2vec`: the embedding dimension, then the row-major vectors.
struct Item2Vec;

impl Section for Item2Vec {
    type Value = ItemEmbeddings;
    const NAME: &'static str = "item2vec";
    type Context = ();
    fn write(v: &Self::Value, w: &mut Writer) {
        w.u32(v.dim as u32);
        w.f32s(&v.vectors);
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        let dim = r.u32("embedding dimension")? as usize;
        ItemEmbeddings::new(dim, r.f32s("item embeddings")?)
    }
}

/// `trending`: a time-decayed popularity per item (dictionary-coded when smaller).
struct Trending;

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
struct TextIndexSection;

impl Section for TextIndexSection {
    type Value = TextIndex;
    const NAME: &'static str = "txindex";
    type Context = usize;
    fn write(v: &Self::Value, w: &mut Writer) {
        let ix = v;
        super::text::write_tfidf(w, &ix.tfidf);
        w.u32s(&ix.indptr);
        w.u32s(&ix.items);
        w.f32s(&ix.weights);
    }
    fn read(r: &mut Reader<'_>, n_items: usize) -> Result<Self::Value> {
        let tfidf = super::text::read_tfidf(r)?;
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
    fn every_section_round_trips() {
        let ids = ItemIndex::new(["a", "é", "85123A"]).unwrap();
        assert!(round_trip::<Items>(&ids, ()).ids().eq(ids.ids()));
        assert_eq!(round_trip::<CatalogBase>(&(3, ids.fingerprint()), ()), (3, ids.fingerprint()));
        assert_eq!(round_trip::<Popular>(&vec![3.0, 1.0, 3.0], ()), vec![3.0, 1.0, 3.0]);
        assert_eq!(round_trip::<Cold>(&17, ()), 17);
        assert_eq!(round_trip::<Retired>(&vec![2, 9], ()), vec![2, 9]);
        assert_eq!(round_trip::<BlendSection>(&0.35, ()), 0.35);
        let new = NewItems::new(vec!["n1".into(), "ñ2".into()], vec![vec![(0, 0.75), (2, 0.25)], vec![]]).unwrap();
        assert_eq!(round_trip::<NewItemsSection>(&new, ()), new);
        let cat = Catalog {
            titles: vec!["Red train".into(), String::new(), "Doll".into()],
            prices: vec![1.5, f32::NAN, 0.0],
        };
        let back = round_trip::<CatalogSection>(&cat, 3);
        assert_eq!(back.titles, cat.titles);
        assert!(back.prices.iter().zip(&cat.prices).all(|(a, b)| a.to_bits() == b.to_bits()));
        let y: Vec<f32> = (0..12).map(|i| ((i * 7 % 11) as f32 - 5.0) / 4.0).collect();
        let g: Vec<f64> = (0..16).map(|i| if i % 5 == 0 { 2.0 } else { 0.25 }).collect();
        for ((q, per_item), one_plus) in [Quantization::None, Quantization::F16, Quantization::Int8]
            .into_iter()
            .zip([false, true, false])
            .zip([true, true, false])
        {
            let fold =
                FoldIn { regularization: 0.5, alpha: 4.0, scaling: Scaling::Log, lambda_per_item: per_item, one_plus };
            let f = FactorModel::new(4, y.clone(), g.clone(), fold).unwrap().quantize(q).unwrap();
            let back = round_trip::<Factors>(&f, ());
            assert_eq!(back, f, "{q:?}");
            let bm25 = Bm25::new(100.0, 0.8, 9, 2.5, vec![0.0, 1.25, 2.0]).unwrap();
            assert_eq!(round_trip::<Bm25Section>(&bm25, ()), bm25);
            assert_eq!(back.fold_params().lambda_per_item, per_item);
            assert_eq!(back.fold_params().one_plus, one_plus);
        }
        let nb = NeighborModel::from_csr(vec![0, 2, 2, 3], vec![1, 2, 0], vec![0.5, -1.25, 3.0]);
        assert_eq!(round_trip::<Neighbors>(&nb, ()), nb);
        let inexact = NeighborModel::from_csr(vec![0, 2, 2, 3], vec![1, 2, 0], vec![0.1, -1e-3, 3.3]);
        assert!(inexact.half_storage().is_none(), "0.1 is no half-precision number");
        let half = inexact.round_to_half();
        assert!(half.half_storage().is_some());
        assert!(half.csr().2.iter().zip([0.1f32, -1e-3, 3.3]).all(|(a, b)| (a - b).abs() <= b.abs() / 1024.0));
        assert_eq!(round_trip::<HalfNeighbors>(&half, ()), half);
        assert_eq!(round_trip::<Together>(&nb, ()), nb);
        let e = ItemEmbeddings::new(2, vec![0.6, 0.8, 0.0, 0.0, 1.0, 0.0]).unwrap();
        assert_eq!(round_trip::<Item2Vec>(&e, ()), e);
        assert_eq!(round_trip::<Trending>(&vec![0.25, 0.0, 9.5], ()), vec![0.25, 0.0, 9.5]);
        let ix = TextIndex::build(Tokenizer::default(), &["red wooden train", "", "blue doll"], 1).unwrap();
        assert_eq!(round_trip::<TextIndexSection>(&ix, 3), ix);
    }

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
