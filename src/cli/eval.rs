//! `shelfwise eval recs`: train on a seeded split, evaluate through the runtime path.

use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};
use shelfwise::eval::split::{evaluate, Split};
use shelfwise::eval::RankingReport;
use shelfwise::train::train_recommender;

use super::args::{InputArgs, ModelArgs};
use super::progress::Bars;

/// What to evaluate.
#[derive(Subcommand, Debug)]
pub enum EvalCommand {
    /// Evaluate a recommender family on a held-out split.
    Recs(EvalRecsArgs),
    /// Evaluate a propensity bundle on labelled data.
    Propensity(super::propensity::EvalPropensityArgs),
}

/// Split kinds on the command line.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitArg {
    /// Random per interaction (`--test-fraction`).
    Random,
    /// Each user's latest interaction by time.
    LeaveLastOut,
}

/// Arguments of `eval recs`.
#[derive(Args, Debug)]
pub struct EvalRecsArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// How to hold out test interactions.
    #[arg(long, value_enum, default_value = "random")]
    split: SplitArg,
    /// Use this file as the test set (same columns) and all of --input for training, instead of splitting.
    #[arg(long)]
    test_input: Option<std::path::PathBuf>,
    /// Share of interactions held out by a random split.
    #[arg(long, default_value_t = 0.2)]
    test_fraction: f64,
    /// Cut-offs to report (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "10")]
    k: Vec<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `eval`.
pub fn run(cmd: EvalCommand) -> anyhow::Result<()> {
    match cmd {
        EvalCommand::Recs(a) => eval_recs(a),
        EvalCommand::Propensity(a) => super::propensity::eval(a),
    }
}

fn eval_recs(a: EvalRecsArgs) -> anyhow::Result<()> {
    let bars = Bars::default();
    let data = a.input.read(&bars)?;
    let split = match a.split {
        SplitArg::Random => Split::Random { test_fraction: a.test_fraction },
        SplitArg::LeaveLastOut => Split::LeaveLastOut,
    };
    let (train, test) = match &a.test_input {
        Some(path) => {
            let test_args = InputArgs { input: path.clone(), ..a.input.clone() };
            let test = test_args.read(&bars)?;
            eprintln!("fixed split: {} train, {} test interactions", data.len(), test.len());
            (data, test)
        }
        None => {
            let seed = a.model.seed()?;
            let (train, test) = split.apply(&data, seed)?;
            eprintln!("split: {} train, {} test interactions (seed {seed})", train.len(), test.len());
            (train, test)
        }
    };
    let t = Instant::now();
    let model = train_recommender(&train, &a.model.choice()?, Some(&bars))?;
    bars.finish();
    let fit = t.elapsed();
    let reports: Vec<RankingReport> = a.k.iter().map(|k| evaluate(&model, &train, &test, *k)).collect::<Result<_, _>>()?;
    if a.json {
        let mut out = String::from("{");
        out += &format!("\"model\":\"{}\",\"fit_seconds\":{:.3},\"params\":{{", model.info().model, fit.as_secs_f64());
        out += &model.metadata().params.iter().map(|(k, v)| format!("\"{k}\":\"{v}\"")).collect::<Vec<_>>().join(",");
        out += "},\"metrics\":{";
        out += &reports.iter().flat_map(|r| r.as_map()).map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",");
        out += "}}";
        println!("{out}");
        return Ok(());
    }
    println!("model {}  ({:?} to fit)  {}", model.info().model, fit, model.metadata().params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "));
    println!("{:>4} {:>7} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}", "k", "users", "precision", "capped-p", "recall", "ndcg", "map", "hit-rate", "coverage");
    for r in &reports {
        println!(
            "{:>4} {:>7} {:>10.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4}",
            r.k, r.users, r.precision, r.capped_precision, r.recall, r.ndcg, r.map, r.hit_rate, r.coverage
        );
    }
    Ok(())
}
