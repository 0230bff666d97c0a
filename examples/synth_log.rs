//! Writes a seeded synthetic implicit-feedback log with power-law users and items, for training
//! time and memory measurements only (it models no real shop). Two files with the same pairs:
//! CSV `user,item` for `shelfwise train recs`, and little-endian u32 pairs for numpy.
//!
//! ```sh
//! cargo run --release --example synth_log -- USERS ITEMS INTERACTIONS OUT.csv OUT.u32 [SEED]
//! ```
//! Item popularity follows Zipf(0.9) over a shuffled item order; users' activity follows
//! Zipf(0.7), so a few users are very active and most have a handful of interactions.

use std::io::{BufWriter, Write};

use shelfwise::rng::Rng;

/// Cumulative Zipf weights over `n` ranks, for inverse-CDF sampling.
fn zipf_cdf(n: usize, s: f64) -> Vec<f64> {
    let mut acc = 0.0;
    let mut cdf: Vec<f64> = (1..=n)
        .map(|r| {
            acc += 1.0 / (r as f64).powf(s);
            acc
        })
        .collect();
    cdf.iter_mut().for_each(|c| *c /= acc);
    cdf
}

fn sample(cdf: &[f64], rng: &mut Rng) -> usize {
    let u = rng.f64();
    cdf.partition_point(|c| *c < u).min(cdf.len() - 1)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 5 {
        return Err("usage: synth_log USERS ITEMS INTERACTIONS OUT.csv OUT.u32 [SEED]".into());
    }
    let (users, items, n): (usize, usize, usize) = (args[0].parse()?, args[1].parse()?, args[2].parse()?);
    let seed = args.get(5).map(|s| s.parse()).transpose()?.unwrap_or(42);
    let mut rng = Rng::new(seed);
    let (user_cdf, item_cdf) = (zipf_cdf(users, 0.7), zipf_cdf(items, 0.9));
    let mut item_order: Vec<u32> = (0..items as u32).collect();
    rng.shuffle(&mut item_order);
    let mut user_order: Vec<u32> = (0..users as u32).collect();
    rng.shuffle(&mut user_order);
    let mut csv = BufWriter::with_capacity(1 << 20, std::fs::File::create(&args[3])?);
    let mut raw = BufWriter::with_capacity(1 << 20, std::fs::File::create(&args[4])?);
    writeln!(csv, "user,item")?;
    // Every user appears at least once, then the rest by activity.
    for i in 0..n {
        let u = if i < users { user_order[i] } else { user_order[sample(&user_cdf, &mut rng)] };
        let it = item_order[sample(&item_cdf, &mut rng)];
        writeln!(csv, "u{u},i{it}")?;
        raw.write_all(&u.to_le_bytes())?;
        raw.write_all(&it.to_le_bytes())?;
    }
    csv.flush()?;
    raw.flush()?;
    eprintln!("wrote {n} interactions of {users} users × {items} items (seed {seed})");
    Ok(())
}
