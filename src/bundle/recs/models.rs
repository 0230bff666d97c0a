//! The model sections: how a bundle scores (`factors` with `bm25`, the item-item rows
//! `neighbrs` or `neighb16`, a `blend`'s weight), and the extra models beside it (`together`,
//! `item2vec`).

use crate::bundle::codec::{Reader, Writer};
use crate::bundle::section::Section;
use crate::error::{Error, Result};
use crate::recs::{Bm25, FactorModel, FactorValues, FoldIn, ItemEmbeddings, NeighborModel, Quantization, Scaling};

/// Largest factor count a bundle may declare (bounds the Gramian before it is allocated).
const MAX_FACTORS: usize = 4096;

/// `factors`: storage code, k, fold-in parameters, the Gramian's upper triangle (f64 beside f32
/// factors, f32 beside int8/f16), then the values (f32; f16 bits; or f16 row scales and codes).
pub(super) struct Factors;

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
pub(super) struct Bm25Section;

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
pub(super) struct Neighbors;

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
pub(super) struct HalfNeighbors;

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
pub(super) struct BlendSection;

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
pub(super) struct Together;

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
pub(super) struct Item2Vec;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::section::round_trip;

    #[test]
    fn every_model_section_round_trips() {
        assert_eq!(round_trip::<BlendSection>(&0.35, ()), 0.35);
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
    }
}
