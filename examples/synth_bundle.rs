//! Writes a synthetic ALS bundle (random factors) for speed measurements, plus the raw f32
//! factor matrix for comparing libraries on the same numbers. Not a model of anything.
//!
//! ```sh
//! cargo run --release --example synth_bundle -- ITEMS FACTORS none|f16|int8 OUT.bundle [OUT.f32]
//! ```

use shelfwise::bundle::Metadata;
use shelfwise::recs::{FactorModel, ItemIndex, Quantization, RecModel, Recommender, Scaling};
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
    let model = FactorModel::new(
        k,
        factors,
        gramian,
        shelfwise::recs::FoldIn { regularization: 1.0, alpha: 10.0, scaling: Scaling::Linear },
    )?;
    let rec = Recommender::from_parts(
        ItemIndex::new(ids)?,
        None,
        popularity,
        RecModel::Factors(model),
        Metadata::new("als"),
    )?
    .quantize(q)?;
    let bytes = rec.to_bytes();
    std::fs::write(&args[3], &bytes)?;
    println!("{} ({n} items x {k} factors, {}): {} bytes", args[3], q.name(), bytes.len());
    Ok(())
}
