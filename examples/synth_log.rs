//! Writes a seeded synthetic implicit-feedback log with power-law users and items, for training
//! time and memory measurements only (it models no real shop). Files with the same pairs: CSV
//! `user,item` for `shelfwise train recs`, little-endian u32 pairs for numpy, and optionally the
//! same two string columns as Parquet (snappy, row groups of 1M rows, as Spark writes them).
//!
//! ```sh
//! cargo run --release --example synth_log -- USERS ITEMS INTERACTIONS OUT.csv OUT.u32 [SEED [OUT.parquet]]
//! ```
//! Item popularity follows Zipf(0.9) over a shuffled item order; users' activity follows
//! Zipf(0.7), so a few users are very active and most have a handful of interactions.

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
/// The log as Parquet: `user` and `item` string columns, written a million rows at a time.
struct ParquetOut {
    writer: parquet::arrow::ArrowWriter<std::fs::File>,
    schema: arrow_schema::SchemaRef,
    users: arrow_array::builder::StringBuilder,
    items: arrow_array::builder::StringBuilder,
    rows: usize,
}

#[cfg(not(target_arch = "wasm32"))]
impl ParquetOut {
    const GROUP: usize = 1 << 20;

    fn create(path: &str) -> Result<Self, Box<dyn std::error::Error>> {
        use arrow_schema::{DataType, Field, Schema};
        let schema = std::sync::Arc::new(Schema::new(vec![
            Field::new("user", DataType::Utf8, false),
            Field::new("item", DataType::Utf8, false),
        ]));
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .set_max_row_group_row_count(Some(Self::GROUP))
            .build();
        let writer = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path)?, schema.clone(), Some(props))?;
        Ok(Self { writer, schema, users: Default::default(), items: Default::default(), rows: 0 })
    }

    fn push(&mut self, u: u32, it: u32) -> Result<(), Box<dyn std::error::Error>> {
        self.users.append_value(format!("u{u}"));
        self.items.append_value(format!("i{it}"));
        self.rows += 1;
        if self.rows == Self::GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let cols: Vec<arrow_array::ArrayRef> =
            vec![std::sync::Arc::new(self.users.finish()), std::sync::Arc::new(self.items.finish())];
        self.writer.write(&arrow_array::RecordBatch::try_new(self.schema.clone(), cols)?)?;
        self.rows = 0;
        Ok(())
    }

    fn finish(mut self) -> Result<(), Box<dyn std::error::Error>> {
        if self.rows > 0 {
            self.flush()?;
        }
        self.writer.close()?;
        Ok(())
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 5 {
        return Err("usage: synth_log USERS ITEMS INTERACTIONS OUT.csv OUT.u32 [SEED [OUT.parquet]]".into());
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
    let mut parquet = args.get(6).map(|p| ParquetOut::create(p)).transpose()?;
    writeln!(csv, "user,item")?;
    // Every user appears at least once, then the rest by activity.
    for i in 0..n {
        let u = if i < users { user_order[i] } else { user_order[sample(&user_cdf, &mut rng)] };
        let it = item_order[sample(&item_cdf, &mut rng)];
        writeln!(csv, "u{u},i{it}")?;
        raw.write_all(&u.to_le_bytes())?;
        raw.write_all(&it.to_le_bytes())?;
        if let Some(p) = &mut parquet {
            p.push(u, it)?;
        }
    }
    csv.flush()?;
    raw.flush()?;
    if let Some(p) = parquet {
        p.finish()?;
    }
    eprintln!("wrote {n} interactions of {users} users × {items} items (seed {seed})");
    Ok(())
}

/// Native only (it writes files, some through the Parquet writer); `cargo test --target wasm32`
/// builds every example, so this one is an empty program there.
#[cfg(target_arch = "wasm32")]
fn main() {}
