//! `shelfwise train recs`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use shelfwise::train::train_recommender;

use super::args::{InputArgs, ModelArgs};
use super::progress::Bars;

/// What to train.
#[derive(Subcommand, Debug)]
pub enum TrainCommand {
    /// Train a recommender from a user × item interaction log.
    Recs(TrainRecsArgs),
    /// Train a purchase-propensity classifier from a table with a boolean target.
    Propensity(super::propensity::TrainPropensityArgs),
}

/// Arguments of `train recs`.
#[derive(Args, Debug)]
pub struct TrainRecsArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Where to write the bundle.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `train`.
pub fn run(cmd: TrainCommand) -> anyhow::Result<()> {
    match cmd {
        TrainCommand::Recs(a) => train_recs(a),
        TrainCommand::Propensity(a) => super::propensity::train(a),
    }
}

fn train_recs(a: TrainRecsArgs) -> anyhow::Result<()> {
    let bars = Bars::default();
    let data = a.input.read(&bars)?;
    let choice = a.model.choice()?;
    let t = Instant::now();
    let model = train_recommender(&data, &choice, Some(&bars))?;
    bars.finish();
    let bytes = model.to_bytes();
    std::fs::write(&a.out, &bytes).with_context(|| format!("writing {}", a.out.display()))?;
    let info = model.info();
    eprintln!("trained {} on {} items in {:.2?}", info.model, info.items, t.elapsed());
    for n in &info.metadata.notes {
        eprintln!("  {n}");
    }
    for (k, v) in &info.metadata.metrics {
        eprintln!("  {k:<28} {v:.4}");
    }
    println!("wrote {} ({} bytes)", a.out.display(), bytes.len());
    Ok(())
}
