//! Writes a seeded synthetic shop log with taste structure, for choosing defaults and search
//! ranges on a third data set beside ml-latest-small and Online Retail (issue 18): items fall in
//! categories, each shopper favours two of them, and both items and shoppers follow power laws.
//! Unlike `synth_log` (uniformly random pairs, for timing), a model can learn something here.
//!
//! ```sh
//! cargo run --release --example synth_shop -- USERS ITEMS INTERACTIONS OUT.csv [SEED]
//! ```
//! Categories: one per 50 items (at least 10). A shopper's interaction comes from one of their two
//! favourite categories with probability 0.75 (by Zipf(0.9) popularity inside it), else from
//! the whole catalogue by Zipf(0.9); shoppers' activity follows Zipf(0.7), every shopper at least
//! once.

#[cfg(not(target_arch = "wasm32"))]
use std::io::{BufWriter, Write};

#[cfg(not(target_arch = "wasm32"))]
use shelfwise::rng::Rng;

#[cfg(not(target_arch = "wasm32"))]
#[path = "support/zipf.rs"]
mod zipf;
#[cfg(not(target_arch = "wasm32"))]
use zipf::{sample, zipf_cdf};

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        return Err("usage: synth_shop USERS ITEMS INTERACTIONS OUT.csv [SEED]".into());
    }
    let (users, items, n): (usize, usize, usize) = (args[0].parse()?, args[1].parse()?, args[2].parse()?);
    if users == 0 || items == 0 {
        return Err("USERS and ITEMS must be at least 1".into());
    }
    let seed = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(42);
    let mut rng = Rng::new(seed);
    let categories = (items / 50).max(10).min(items);
    // Items in popularity order, dealt round-robin into categories (each keeps a popularity tail).
    let mut by_popularity: Vec<u32> = (0..items as u32).collect();
    rng.shuffle(&mut by_popularity);
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); categories];
    for (rank, item) in by_popularity.iter().enumerate() {
        members[rank % categories].push(*item);
    }
    let cdfs: Vec<Vec<f64>> = members.iter().map(|m| zipf_cdf(m.len(), 0.9)).collect();
    let (user_cdf, item_cdf) = (zipf_cdf(users, 0.7), zipf_cdf(items, 0.9));
    let mut user_order: Vec<u32> = (0..users as u32).collect();
    rng.shuffle(&mut user_order);
    let favourites: Vec<[usize; 2]> =
        (0..users).map(|_| [rng.below(categories as u64) as usize, rng.below(categories as u64) as usize]).collect();
    let mut csv = BufWriter::with_capacity(1 << 20, std::fs::File::create(&args[3])?);
    writeln!(csv, "user,item")?;
    for i in 0..n {
        let u = if i < users { user_order[i] } else { user_order[sample(&user_cdf, &mut rng)] };
        let it = if rng.f64() < 0.75 {
            let c = favourites[u as usize][rng.below(2) as usize];
            members[c][sample(&cdfs[c], &mut rng)]
        } else {
            by_popularity[sample(&item_cdf, &mut rng)]
        };
        writeln!(csv, "u{u},i{it}")?;
    }
    csv.flush()?;
    eprintln!("wrote {n} interactions of {users} users × {items} items in {categories} categories (seed {seed})");
    Ok(())
}

/// Native only (it writes a file); `cargo test --target wasm32` builds every example, so this one
/// is an empty program there.
#[cfg(target_arch = "wasm32")]
fn main() {}
