//! The catalogue file (`train recs --catalog`) and `shelfwise catalog update`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use shelfwise::data::catalog::{parse_columns, CatalogFile, CatalogOptions};
use shelfwise::train::cold::{update_catalog, ColdStartParams};

use super::output::{refuse_overwriting_inputs, OutputFile};

/// The shop's catalogue file: attributes that rules read on the device.
#[derive(Args, Debug)]
pub struct CatalogArgs {
    /// Catalogue CSV or Parquet, one row per product: every column but the id (and title) becomes a typed
    /// attribute (number, bool, string, set `a|b|c`, time) stored in the bundle.
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// Catalogue column holding the item id (a name or a 1-based position).
    #[arg(long, default_value = "id")]
    catalog_id_col: String,
    /// Catalogue column holding the title (used as the item's title where the log has none).
    #[arg(long)]
    catalog_title_col: Option<String>,
    /// Catalogue columns to keep, with optional types: `price:number,tags:set,brand`
    /// (default: every column, types inferred).
    #[arg(long)]
    catalog_cols: Option<String>,
    #[command(flatten)]
    catalog_sep: super::args::CatalogSepArg,
    /// Catalogue items with no interactions join the model as new items, each placed by this
    /// many trained items whose title and string attributes are most like its own.
    #[arg(long, default_value_t = 100)]
    pub cold_neighbors: usize,
}

impl CatalogArgs {
    /// Reads the catalogue, if one was given.
    pub fn read(&self) -> anyhow::Result<Option<CatalogFile>> {
        let Some(path) = &self.catalog else { return Ok(None) };
        let opts = CatalogOptions {
            id_col: self.catalog_id_col.clone(),
            title_col: self.catalog_title_col.clone(),
            cols: self.catalog_cols.as_deref().map(parse_columns).transpose()?,
            format: self.catalog_sep.format(path)?,
        };
        let catalog = CatalogFile::read(path, &opts)?;
        for notice in &catalog.notices {
            eprintln!("catalogue: {notice}");
        }
        Ok(Some(catalog))
    }
}

/// What to do with a catalogue.
#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Bring a bundle's catalogue up to date without retraining: new items join (placed by
    /// look-alikes), items no longer listed are never recommended again, titles and attributes
    /// are replaced, the title index is rebuilt.
    Update(UpdateArgs),
}

/// Arguments of `catalog update`.
#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// The bundle to update.
    #[arg(long)]
    model: PathBuf,
    #[command(flatten)]
    catalog: CatalogArgs,
    /// Where to write the updated bundle.
    #[arg(long)]
    out: PathBuf,
    /// Also write the update alone here: the catalogue sections (titles, prices, attributes,
    /// retired items, title index) without the model, for pages that already hold the model to
    /// apply with `rec.updateCatalog(bytes)`. New items travel as their ids and look-alikes; the
    /// page places them as this command does.
    #[arg(long)]
    delta_out: Option<PathBuf>,
}

/// Runs `catalog`.
pub fn run(cmd: CatalogCommand) -> anyhow::Result<()> {
    match cmd {
        CatalogCommand::Update(a) => update(a),
    }
}

fn update(a: UpdateArgs) -> anyhow::Result<()> {
    let catalog_path = a.catalog.catalog.clone().context("--catalog FILE is required")?;
    for out in std::iter::once(&a.out).chain(&a.delta_out) {
        refuse_overwriting_inputs(out, &[&a.model, &catalog_path])?;
    }
    let t = Instant::now();
    let bytes = std::fs::read(&a.model).with_context(|| format!("reading {}", a.model.display()))?;
    let rec = shelfwise::Recommender::from_bytes(&bytes).with_context(|| format!("loading {}", a.model.display()))?;
    let cat = a.catalog.read()?.context("--catalog FILE is required")?;
    let params = ColdStartParams { neighbors: a.catalog.cold_neighbors, ..ColdStartParams::default() };
    let base = rec.items().clone();
    let (rec, r) = update_catalog(rec, &cat, &params)?;
    let delta = a
        .delta_out
        .as_ref()
        .map(|_| shelfwise::bundle::recs::write_catalog_update(&base, &rec, &r.new_items))
        .transpose()?;
    let out = rec.to_bytes();
    OutputFile::write_all_to(&a.out, &[&a.model, &catalog_path], &out)?;
    if let (Some(path), Some(delta)) = (&a.delta_out, &delta) {
        OutputFile::write_all_to(path, &[&a.model, &catalog_path], delta)?;
        println!("wrote {} ({} bytes: the catalogue update alone)", path.display(), delta.len());
    }
    eprintln!(
        "catalogue: {} items listed; {} new ({} with no look-alike), {} retired, {} retitled; {} attributes; {:.2?}",
        cat.ids.len(),
        r.new_items.len(),
        r.unplaced,
        r.retired,
        r.retitled,
        rec.attributes().map_or(0, |x| x.all().len()),
        t.elapsed()
    );
    println!("wrote {} ({} bytes)", a.out.display(), out.len());
    Ok(())
}
