//! Writes a synthetic ALS bundle (random factors) for speed measurements, plus the raw f32
//! factor matrix for comparing libraries on the same numbers. Not a model of anything.
//!
//! ```sh
//! cargo run --release --example synth_bundle -- ITEMS FACTORS none|f16|int8 OUT.bundle [OUT.f32]
//! ```
//!
//! With `SYNTH_ATTRS=1` the bundle also carries catalogue attributes for rule benchmarks:
//! `in_stock` (nine in ten), `margin` (0–0.6), `price`, `category` (20 values), `brand` (500).

use shelfwise::bundle::Metadata;
use shelfwise::recs::{
    AttrType, Attribute, Attributes, Column, FactorModel, ItemIndex, Quantization, RecModel, Recommender, Scaling,
};
use shelfwise::rng::Rng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err("usage: synth_bundle ITEMS FACTORS none|f16|int8 OUT.bundle [OUT.f32]".into());
    }
    let (n, k): (usize, usize) = (args[0].parse()?, args[1].parse()?);
    let q = Quantization::parse(&args[2])?;
    let mut rng = Rng::new(7);
    // Popular items get longer vectors, as in trained models.
    let factors: Vec<f32> =
        (0..n * k).map(|i| (rng.normal() * 0.1 * (1.0 + 2.0 / (1.0 + (i / k) as f64).sqrt())) as f32).collect();
    // Timing only: a diagonal Gramian keeps fold-in well posed at the cost of a real YᵀY pass.
    let mut gramian = vec![0f64; k * k];
    for d in 0..k {
        gramian[d * k + d] = n as f64 * 0.01;
    }
    let popularity: Vec<f32> = (0..n).map(|i| 1.0 / (1.0 + i as f32)).collect();
    let ids = (0..n).map(|i| format!("i{i}"));
    if let Some(raw) = args.get(4) {
        let bytes: Vec<u8> = factors.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(raw, bytes)?;
    }
    let model = FactorModel::new(k, factors, gramian, shelfwise::recs::FoldIn::new(1.0, 10.0, Scaling::Linear))?;
    let rec = Recommender::from_parts(
        ItemIndex::new(ids)?,
        None,
        popularity,
        RecModel::Factors(model),
        Metadata::new("als"),
    )?
    .quantize(q)?;
    let rec =
        if std::env::var_os("SYNTH_ATTRS").is_some() { rec.with_attributes(attributes(n, &mut rng)?)? } else { rec };
    let bytes = rec.to_bytes();
    std::fs::write(&args[3], &bytes)?;
    println!("{} ({n} items x {k} factors, {}): {} bytes", args[3], q.name(), bytes.len());
    Ok(())
}

/// Seeded attributes for `n` items (timing only).
fn attributes(n: usize, rng: &mut Rng) -> shelfwise::Result<Attributes> {
    let mut pick = |m: u64| rng.below(m) as u32;
    let in_stock = Column::Bool((0..n).map(|_| u8::from(pick(10) != 0)).collect());
    let margin = Column::Number((0..n).map(|_| pick(600) as f64 / 1000.0).collect());
    let price = Column::Number((0..n).map(|_| 1.0 + pick(10_000) as f64 / 100.0).collect());
    let category = Column::String {
        dict: (0..20).map(|c| format!("category-{c}")).collect(),
        codes: (0..n).map(|_| pick(20)).collect(),
    };
    let brand = Column::String {
        dict: (0..500).map(|c| format!("brand-{c}")).collect(),
        codes: (0..n).map(|_| pick(500)).collect(),
    };
    Attributes::new(
        n,
        vec![
            Attribute::new("in_stock", AttrType::Bool, in_stock)?,
            Attribute::new("margin", AttrType::Number, margin)?,
            Attribute::new("price", AttrType::Number, price)?,
            Attribute::new("category", AttrType::String, category)?,
            Attribute::new("brand", AttrType::String, brand)?,
        ],
    )
}
