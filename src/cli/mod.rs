//! Argument parsing and dispatch. One file per subcommand; `anyhow` is used here only.

mod args;
mod bundle;
mod catalog;
mod eval;
mod experiment;
mod import;
mod inspect;
mod output;
mod progress;
mod propensity;
mod recommend;
mod rules;
mod text;
mod train;

use clap::{Parser, Subcommand};

/// shelfwise: train storefront models natively, ship a bundle, score on the shopper's device.
#[derive(Parser, Debug)]
#[command(name = "shelfwise", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a model and write a bundle.
    #[command(subcommand)]
    Train(train::TrainCommand),
    /// Evaluate a model family on a held-out split.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Work with bundle files (merge several models into one download).
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
    /// Work with a bundle's catalogue (update it without retraining).
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Read private experiment reports, or plan an experiment's size.
    #[command(subcommand)]
    Experiment(experiment::ExperimentCommand),
    /// Make a bundle of a model trained elsewhere (Apache Spark MLlib ALS).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Print what a bundle contains.
    Inspect(inspect::InspectArgs),
    /// Recommend for every user of a history file (the same code path as the browser).
    Recommend(recommend::RecommendArgs),
    /// Items similar to given items, under the same rules as `recommend`.
    Similar(recommend::SimilarArgs),
    /// Score raw records with a propensity bundle; writes CSV with header `p`.
    Score(propensity::ScoreArgs),
    /// Label every row of a text column with a text bundle; writes CSV `row,label,p`.
    Classify(text::ClassifyArgs),
}

/// Parses the command line and runs the subcommand.
pub fn run() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Train(t) => train::run(t),
        Command::Eval(e) => eval::run(e),
        Command::Bundle(b) => bundle::run(b),
        Command::Catalog(c) => catalog::run(c),
        Command::Experiment(c) => experiment::run(c),
        Command::Import(c) => import::run(c),
        Command::Inspect(a) => inspect::run(a),
        Command::Recommend(a) => recommend::run(a),
        Command::Similar(a) => recommend::similar(a),
        Command::Score(a) => propensity::score(a),
        Command::Classify(a) => text::classify(a),
    }
}
