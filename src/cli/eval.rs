//! `shelfwise eval recs`: train on a seeded split, evaluate through the runtime path.

use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};
use shelfwise::eval::split::{evaluate_lists, Split};
use shelfwise::eval::RankingReport;
use shelfwise::train::train_recommender;

use super::args::{InputArgs, ModelArgs};
use super::progress::Bars;

/// What to evaluate.
#[derive(Subcommand, Debug)]
pub enum EvalCommand {
    /// Evaluate a recommender family on a held-out split.
    Recs(Box<EvalRecsArgs>),
    /// Evaluate a propensity bundle on labelled data.
    Propensity(super::propensity::EvalPropensityArgs),
    /// Next-basket hit rate of "bought together" against popularity on a time-based hold-out.
    Baskets(EvalBasketsArgs),
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
    /// Also write a self-contained HTML report here: metric curves beside the popularity
    /// baseline, popularity bias and coverage, results by shopper activity, the `auto` search.
    #[arg(long)]
    report: Option<std::path::PathBuf>,
}

/// Runs `eval`.
pub fn run(cmd: EvalCommand) -> anyhow::Result<()> {
    match cmd {
        EvalCommand::Recs(a) => eval_recs(*a),
        EvalCommand::Propensity(a) => super::propensity::eval(a),
        EvalCommand::Baskets(a) => eval_baskets(a),
    }
}

fn eval_recs(a: EvalRecsArgs) -> anyhow::Result<()> {
    let seed = a.model.seed()?;
    let choice = a.model.choice(seed)?;
    if let Some(k) = a.k.iter().find(|k| !(1..=shelfwise::recs::MAX_K).contains(k)) {
        anyhow::bail!("--k must be between 1 and {}, got {k}", shelfwise::recs::MAX_K);
    }
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
            let (train, test) = split.apply(&data, seed)?;
            eprintln!("split: {} train, {} test interactions (seed {seed})", train.len(), test.len());
            (train, test)
        }
    };
    let t = Instant::now();
    let model = a.model.apply_quantization(train_recommender(&train, &choice, Some(&bars))?)?;
    bars.finish();
    let fit = t.elapsed();
    // One pass ranks every test user at the largest cut-off asked for (20 at least for the
    // report's curves); each k's metrics come from its prefix, as `evaluate` at that k would give.
    let largest = a.k.iter().copied().max().unwrap_or(10);
    let depth = if a.report.is_some() { largest.clamp(20, shelfwise::recs::MAX_K) } else { largest };
    let lists = evaluate_lists(&model, &train, &test, depth)?;
    let reports: Vec<RankingReport> = a.k.iter().map(|k| lists.report(*k)).collect();
    if let Some(path) = &a.report {
        let what = format!("{} ({})", a.input.input.display(), describe_split(&a, seed));
        let fitted = (&model, fit.as_secs_f64(), &lists);
        write_recs_report(path, &[a.input.input.as_path()], &what, fitted, (&train, &test), &a.k)?;
    }
    if a.json {
        let metrics: serde_json::Map<String, serde_json::Value> =
            reports.iter().flat_map(|r| r.as_map()).map(|(k, v)| (k, serde_json::json!(v))).collect();
        let out = serde_json::json!({
            "model": model.info().model,
            "fit_seconds": fit.as_secs_f64(),
            "params": model.metadata().params,
            "metrics": metrics,
            "search": model.search(),
        });
        println!("{out}");
        return Ok(());
    }
    println!(
        "model {}  ({:?} to fit)  {}",
        model.info().model,
        fit,
        model.metadata().params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
    );
    println!(
        "{:>4} {:>7} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "k", "users", "precision", "capped-p", "recall", "ndcg", "map", "hit-rate", "coverage"
    );
    for r in &reports {
        println!(
            "{:>4} {:>7} {:>10.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4}",
            r.k, r.users, r.precision, r.capped_precision, r.recall, r.ndcg, r.map, r.hit_rate, r.coverage
        );
    }
    Ok(())
}

/// The split in words, for the report.
fn describe_split(a: &EvalRecsArgs, seed: u64) -> String {
    match (&a.test_input, a.split) {
        (Some(t), _) => format!("tested on {}", t.display()),
        (None, SplitArg::Random) => format!("random split, {:.0} % held out, seed {seed}", 100.0 * a.test_fraction),
        (None, SplitArg::LeaveLastOut) => "each shopper's latest interaction held out".into(),
    }
}

/// Writes the recommendation report for `model` (fitted in `fit_seconds`, its test users' `lists`)
/// beside the popularity baseline, evaluated to the same depth.
fn write_recs_report(
    path: &std::path::Path,
    inputs: &[&std::path::Path],
    what: &str,
    (model, fit_seconds, lists): (&shelfwise::Recommender, f64, &shelfwise::eval::split::UserLists),
    (train, test): (&shelfwise::data::Interactions, &shelfwise::data::Interactions),
    ks: &[usize],
) -> anyhow::Result<()> {
    use shelfwise::report::recs::{head_items, head_share, report, RecsInput};
    let headline = ks.iter().copied().min().unwrap_or(10);
    let depth = lists.users.iter().map(|u| u.ranked.len()).max().unwrap_or(headline).max(headline);
    let mut models = vec![(model.info().model.to_string(), lists)];
    let popular = train_recommender(train, &shelfwise::train::ModelChoice::Popular, None)?;
    let baseline = evaluate_lists(&popular, train, test, depth)?;
    if model.info().model != popular.info().model {
        models.push(("popularity".to_string(), &baseline));
    }
    let head = head_items(train);
    let params = model.metadata().params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
    let input = RecsInput {
        subtitle: what.to_string(),
        model: format!("{} {params}", model.info().model),
        fit_seconds,
        models,
        k: headline,
        head_share_of_test: head_share(test, &head),
        head,
        search: model.search(),
    };
    super::output::write_report(path, inputs, &report(&input)?)
}

/// Arguments of `eval baskets`.
#[derive(Args, Debug)]
pub struct EvalBasketsArgs {
    /// CSV (optionally compressed) or Parquet of purchase lines.
    #[arg(long)]
    input: std::path::PathBuf,
    /// Customer column.
    #[arg(long)]
    user_col: String,
    /// Item column.
    #[arg(long)]
    item_col: String,
    /// Basket (order/invoice) column.
    #[arg(long)]
    basket_col: String,
    /// Time column.
    #[arg(long)]
    time_col: String,
    /// Optional quantity column: rows with a quantity <= 0 (returns) are skipped and counted.
    #[arg(long)]
    weight_col: Option<String>,
    /// Slash dates in --time-col: mdy or dmy (default: as the column's dates past the 12th show;
    /// month first when none does).
    #[arg(long, value_parser = super::args::parse_date_order)]
    date_order: Option<shelfwise::data::time::DateOrder>,
    #[command(flatten)]
    sep: super::args::SepArg,
    /// Days at the end of the log held out.
    #[arg(long, default_value_t = 30.0)]
    holdout_days: f64,
    /// Cut-off k.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Bought together: baskets a pair must share.
    #[arg(long, default_value_t = 3)]
    together_min_support: u32,
    /// Bought together: partners kept per item.
    #[arg(long, default_value_t = 50)]
    together_neighbors: usize,
    /// Bought together: pair score.
    #[arg(long, value_enum, default_value = "confidence")]
    together_score: super::train::PairScoreArg,
    #[command(flatten)]
    item2vec: super::args::Item2VecArgs,
    /// Random seed (item2vec).
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

fn eval_baskets(a: EvalBasketsArgs) -> anyhow::Result<()> {
    use shelfwise::data::table::Table;
    use shelfwise::data::time::{parse_timestamp_in, DateOrder};
    use shelfwise::eval::next_basket::{evaluate_next_basket, Line};
    let mut table = Table::read(&a.input, a.sep.format(&a.input)?)?;
    let (cu, cb, ci, ct) = (
        table.column(&a.user_col)?,
        table.column(&a.basket_col)?,
        table.column(&a.item_col)?,
        table.column(&a.time_col)?,
    );
    table.point_decimal_commas(&[cu, cb, ci, ct]);
    table.notices().iter().for_each(|n| eprintln!("note: {n}"));
    let order = match a.date_order {
        Some(order) => order,
        None => DateOrder::of_column(table.rows.iter().map(|row| row[ct].as_str()))
            .map_err(|(day, month)| {
                let (day, month) = (&table.rows[day][ct], &table.rows[month][ct]);
                anyhow::anyhow!(
                    "{}: column '{}' has day-first dates ({day:?}) and month-first ones ({month:?}): pass \
                     --date-order dmy or mdy",
                    table.file,
                    a.time_col
                )
            })?
            .unwrap_or_default(),
    };
    let cw = a.weight_col.as_deref().map(|c| table.column(c)).transpose()?;
    let (mut lines, mut no_customer, mut returns) = (Vec::new(), 0usize, 0usize);
    for (r, row) in table.rows.iter().enumerate() {
        if row[cu].trim().is_empty() {
            no_customer += 1;
            continue;
        }
        if let Some(w) = cw {
            let q: f64 = row[w]
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("{}: {:?} is not a number", table.location(r, w), row[w]))?;
            if q <= 0.0 {
                returns += 1;
                continue;
            }
        }
        let time = parse_timestamp_in(&row[ct], order)
            .ok_or_else(|| anyhow::anyhow!("{}: unrecognised timestamp {:?}", table.location(r, ct), row[ct]))?;
        lines.push(Line {
            customer: row[cu].trim().into(),
            basket: row[cb].trim().into(),
            item: row[ci].trim().into(),
            time,
        });
    }
    eprintln!(
        "{} purchase lines used; skipped {no_customer} without a customer and {returns} with quantity <= 0",
        lines.len()
    );
    let p = shelfwise::train::baskets::TogetherParams {
        min_support: a.together_min_support,
        neighbors: a.together_neighbors,
        score: a.together_score.score(),
    };
    let i2v = a.item2vec.params(a.seed, true);
    let r = evaluate_next_basket(&lines, a.holdout_days, a.k, &p, i2v.as_ref())?;
    println!(
        "held out after {} ({} days); {} customers with a basket on both sides",
        shelfwise::data::time::format_timestamp(r.cutoff),
        a.holdout_days,
        r.customers
    );
    println!("hit rate@{} for each customer's next basket, queried with their previous basket:", r.k);
    println!("  bought together              {:.4}", r.bought_together);
    println!("  bought together + popular    {:.4}", r.bought_together_backfilled);
    if let Some(h) = r.item2vec {
        println!("  item2vec forSession          {h:.4}");
    }
    println!("  popular                      {:.4}", r.popular);
    Ok(())
}
