//! Recommendation sections: `meta`, `items`, `popular`, optional `catalog`, and one of
//! `factors` (ALS) or `neighbrs` (item-item), optional `together` (basket co-occurrence) and
//! `trending`, and `item2vec` (item embeddings). No section holds user ids or user factors.

use super::codec::{Reader, Writer};
use super::{Container, ContainerWriter, Metadata};
use crate::error::{Error, Result};
use crate::recs::items::ItemIndexBuilder;
use crate::recs::{
    Catalog, FactorModel, FactorValues, FoldIn, ItemEmbeddings, NeighborModel, Quantization, RecModel, Recommender,
    Scaling, TextIndex,
};

const FACTOR_F32: u8 = 0;
const FACTOR_INT8: u8 = 1;
const FACTOR_F16: u8 = 2;
/// Largest factor count a bundle may declare (bounds the Gramian before it is allocated).
const MAX_FACTORS: usize = 4096;

/// Serialises a recommender.
pub fn write(rec: &Recommender) -> Vec<u8> {
    let mut c = ContainerWriter::new();
    rec.meta.write_section(&mut c);

    let mut w = Writer::new();
    w.len(rec.items.len());
    for id in rec.items.ids() {
        w.short_str(id);
    }
    c.section("items", w.into_bytes());

    let mut w = Writer::new();
    w.f32s_dict(&rec.popularity);
    c.section("popular", w.into_bytes());

    if let Some(cat) = &rec.catalog {
        let mut w = Writer::new();
        for t in &cat.titles {
            w.short_str(t);
        }
        w.f32s(&cat.prices);
        c.section("catalog", w.into_bytes());
    }
    match &rec.model {
        RecModel::Factors(f) => {
            let mut w = Writer::new();
            w.u8(match f.quantization() {
                Quantization::None => FACTOR_F32,
                Quantization::Int8 => FACTOR_INT8,
                Quantization::F16 => FACTOR_F16,
            });
            let fold = f.fold_params();
            w.u32(f.k() as u32);
            w.f32(fold.regularization);
            w.f32(fold.alpha);
            w.u8(fold.scaling.code());
            // Upper triangle only (the matrix is symmetric); f32 next to int8/f16 factors.
            let compact = f.quantization() != Quantization::None;
            let k = f.k();
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
            match (f.quantization(), f.values()) {
                (Quantization::F16, FactorValues::F32(v)) => w.u16s(&f16_bits(v)),
                (_, FactorValues::F32(v)) => w.f32s(v),
                (_, FactorValues::Int8 { codes, scales }) => {
                    // Row scales are f16-representable by construction (`quantize_row`).
                    w.u16s(&f16_bits(scales));
                    w.i8s(codes);
                }
            }
            c.section("factors", w.into_bytes());
        }
        RecModel::Neighbors(nb) => {
            c.section("neighbrs", csr::write(nb));
        }
        RecModel::Popular => {}
    }
    if let Some(nb) = &rec.together {
        c.section("together", csr::write(nb));
    }
    if let Some(e) = &rec.item2vec {
        let mut w = Writer::new();
        w.u32(e.dim as u32);
        w.f32s(&e.vectors);
        c.section("item2vec", w.into_bytes());
    }
    if let Some(t) = &rec.trending {
        let mut w = Writer::new();
        w.f32s_dict(t);
        c.section("trending", w.into_bytes());
    }
    if let Some(ix) = &rec.text_index {
        let mut w = Writer::new();
        super::text::write_tfidf(&mut w, &ix.tfidf);
        w.u32s(&ix.indptr);
        w.u32s(&ix.items);
        w.f32s(&ix.weights);
        c.section("txindex", w.into_bytes());
    }
    c.finish()
}

/// Parses and validates a recommender bundle.
pub fn read(bytes: &[u8]) -> Result<Recommender> {
    let c = Container::parse(bytes)?;
    let meta = Metadata::read_for(&c, super::ModelKind::Recommender)?;

    let mut r = c.require("items")?;
    let n = r.len(1, "item count")?;
    let mut ids = ItemIndexBuilder::with_capacity(n);
    for _ in 0..n {
        ids.push(r.short_str_ref("item id")?)?;
    }
    r.finish()?;
    let items = ids.finish()?;

    let mut r = c.require("popular")?;
    let popularity = r.f32s_dict("popularity")?;
    r.finish()?;

    let catalog = match c.get("catalog") {
        Some(mut r) => {
            let mut titles = Vec::with_capacity(n);
            for _ in 0..n {
                titles.push(r.short_str_ref("title")?.to_owned());
            }
            let prices = r.f32s("prices")?;
            r.finish()?;
            Some(Catalog { titles, prices })
        }
        None => None,
    };

    let model = if let Some(mut r) = c.get("factors") {
        read_factors(&mut r)?
    } else if let Some(mut r) = c.get("neighbrs") {
        RecModel::Neighbors(csr::read(&mut r, "neighbour")?)
    } else {
        RecModel::Popular
    };
    meta.check_family(model.family())?;
    let mut rec = Recommender::from_parts(items, catalog, popularity, model, meta)?;
    if let Some(mut r) = c.get("together") {
        rec = rec.with_bought_together(csr::read(&mut r, "co-occurrence")?)?;
    }
    if let Some(mut r) = c.get("trending") {
        let t = r.f32s_dict("trending scores")?;
        r.finish()?;
        // In a file, scores that do not fit the catalogue are corruption, not a caller's mistake.
        rec = rec.with_trending(t).map_err(|e| Error::Corrupt(format!("trending section: {e}")))?;
    }
    if let Some(mut r) = c.get("item2vec") {
        let dim = r.u32("embedding dimension")? as usize;
        let v = r.f32s("item embeddings")?;
        r.finish()?;
        rec = rec.with_item2vec(ItemEmbeddings::new(dim, v)?)?;
    }
    if let Some(mut r) = c.get("txindex") {
        let tfidf = super::text::read_tfidf(&mut r)?;
        let (indptr, items, weights) =
            (r.u32s("text index row starts")?, r.u32s("text index items")?, r.f32s("text index weights")?);
        r.finish()?;
        let n = rec.items().len();
        rec = rec.with_text_index(TextIndex::new(tfidf, indptr, items, weights, n)?)?;
    }
    Ok(rec)
}

/// `neighbrs` (item-item weights) and `together` (basket co-occurrence): one compressed-row codec.
/// Row starts, neighbour indices and weights, each a length-prefixed array; shapes are checked
/// against the catalogue when the model joins the recommender.
mod csr {
    use super::{NeighborModel, Reader, Result, Writer};

    pub(super) fn write(nb: &NeighborModel) -> Vec<u8> {
        let (indptr, indices, weights) = nb.csr();
        let mut w = Writer::new();
        w.u32s(indptr);
        w.u32s(indices);
        w.f32s(weights);
        w.into_bytes()
    }

    /// Reads the section; `what` names its entries in messages ("neighbour", "co-occurrence").
    pub(super) fn read(r: &mut Reader<'_>, what: &str) -> Result<NeighborModel> {
        let indptr = r.u32s("row starts")?;
        let indices = r.u32s(&format!("{what} indices"))?;
        let weights = r.f32s(&format!("{what} weights"))?;
        r.finish()?;
        Ok(NeighborModel::from_csr(indptr, indices, weights))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn round_trips() {
            let nb = NeighborModel::from_csr(vec![0, 2, 2, 3], vec![1, 2, 0], vec![0.5, -1.25, 3.0]);
            let bytes = write(&nb);
            let mut r = Reader::new(&bytes, 0, "together");
            assert_eq!(read(&mut r, "co-occurrence").unwrap(), nb);
        }
    }
}

fn read_factors(r: &mut Reader<'_>) -> Result<RecModel> {
    let dtype = r.u8("factor type")?;
    if ![FACTOR_F32, FACTOR_INT8, FACTOR_F16].contains(&dtype) {
        return Err(Error::Corrupt(format!("unknown factor storage type {dtype}")));
    }
    let k = r.u32("factor count")? as usize;
    let reg = r.f32("regularisation")?;
    let alpha = r.f32("alpha")?;
    let code = r.u8("scaling")?;
    let scaling = Scaling::from_code(code).ok_or_else(|| Error::Corrupt(format!("unknown weight scaling {code}")))?;
    let fold = FoldIn { regularization: reg, alpha, scaling };
    let compact = dtype != FACTOR_F32;
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
    let model = match dtype {
        FACTOR_INT8 => {
            let scales: Vec<f32> =
                r.u16s("int8 row scales")?.into_iter().map(|b| half::f16::from_bits(b).to_f32()).collect();
            let codes = r.i8s("int8 item factors")?;
            FactorModel::from_int8(k, codes, scales, gramian, fold)?
        }
        FACTOR_F16 => FactorModel::from_f16(k, &r.u16s("f16 item factors")?, gramian, fold)?,
        _ => FactorModel::new(k, r.f32s("item factors")?, gramian, fold)?,
    };
    r.finish()?;
    Ok(RecModel::Factors(model))
}
