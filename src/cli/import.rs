//! `shelfwise import spark-als|implicit`: a model Spark MLlib or the Python implicit library
//! trained, as a bundle.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use shelfwise::recs::Recommender;
use shelfwise::train::import::implicit::{read_npy_matrix, NpyMatrix};
use shelfwise::train::import::{
    read_popularity, read_together, ImplicitAlsParams, ImportTables, ImportedFactors, SavedAls, SparkAlsModel,
    SparkAlsParams,
};

use super::args::{InputArgs, QuantizeArg, SepArg};
use super::output::{refuse_overwriting_inputs, OutputFile};
use super::progress::Bars;
use super::train::ExtrasArgs;

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// A Spark MLlib ALS model (`ALSModel.save`), implicitPrefs=True: the device's fold-in solves
    /// the normal equations Spark solves for a user (λ·n, ALS-WR), so it reproduces Spark's user
    /// factors from a history. See README "Training at scale".
    SparkAls(Box<SparkAlsArgs>),
    /// An ALS model of the Python implicit library (`model.save("m.npz")`, or its item_factors
    /// saved with `numpy.save`): the device's fold-in solves the equations implicit's
    /// `recalculate_user` solves (confidence alpha × weight, plain λ), so it reproduces the user
    /// factors implicit computes from the same history. See README "Training elsewhere".
    Implicit(Box<ImplicitArgs>),
}

/// The interaction log a model was trained on (`--interactions` and its columns).
#[derive(Args, Debug)]
pub struct LogArgs {
    /// The interaction log the model was trained on (CSV or Parquet, streamed): popularity,
    /// titles, prices, trending, and with --basket-col bought together, as `train recs`
    /// computes them.
    #[arg(long)]
    interactions: Option<PathBuf>,
    /// --interactions: user id column.
    #[arg(long, default_value = "user")]
    user_col: String,
    /// --interactions: item id column (the shop's ids, as in --item-ids).
    #[arg(long, default_value = "item")]
    item_col: String,
    /// --interactions: weight column.
    #[arg(long)]
    weight_col: Option<String>,
    /// --interactions: timestamp column (adds trending).
    #[arg(long)]
    time_col: Option<String>,
    /// --interactions: slash dates in the time column, mdy or dmy (as `train recs --date-order`).
    #[arg(long, value_parser = super::args::parse_date_order)]
    date_order: Option<shelfwise::data::time::DateOrder>,
    /// --interactions: title column.
    #[arg(long)]
    title_col: Option<String>,
    /// --interactions: price column.
    #[arg(long)]
    price_col: Option<String>,
    #[command(flatten)]
    sep: SepArg,
    /// --interactions has no header line (Spark's CSV default): columns by 1-based position.
    #[arg(long)]
    no_header: bool,
    /// --interactions: skip malformed rows (counted, the first ones shown) instead of stopping.
    #[arg(long)]
    skip_bad_rows: bool,
    /// --interactions: memory the log may take while it is read (as `train recs --max-memory`).
    #[arg(long, value_parser = super::args::parse_bytes)]
    max_memory: Option<u64>,
    /// --interactions: read only the rows at or after this time, by --time-col (as `train recs
    /// --since`): the window the model was trained on.
    #[arg(long, value_parser = super::args::parse_time)]
    since: Option<super::args::TimeArg>,
    /// --interactions: read only the rows before this time (as --since).
    #[arg(long, value_parser = super::args::parse_time)]
    until: Option<super::args::TimeArg>,
}

impl LogArgs {
    fn input(&self) -> Option<InputArgs> {
        self.interactions.as_ref().map(|path| InputArgs {
            input: path.clone(),
            user_col: self.user_col.clone(),
            item_col: self.item_col.clone(),
            weight_col: self.weight_col.clone(),
            time_col: self.time_col.clone(),
            date_order: self.date_order,
            title_col: self.title_col.clone(),
            price_col: self.price_col.clone(),
            sep: self.sep,
            no_header: self.no_header,
            skip_bad_rows: self.skip_bad_rows,
            max_memory: self.max_memory,
            since: self.since.clone(),
            until: self.until.clone(),
        })
    }
}

/// What every import takes beside the model: the log or a popularity table, the extras
/// `train recs` adds, quantisation and the output.
#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    log: LogArgs,
    /// Without --interactions: popularity from a table with columns `item` and `share` (share
    /// of users), as the Spark job writes it (`popularity/`).
    #[arg(long)]
    popularity: Option<PathBuf>,
    /// Store factors as f16 or int8 (a smaller download; rankings as the quantised rows give).
    #[arg(long, value_enum)]
    quantize: Option<QuantizeArg>,
    #[command(flatten)]
    extras: ExtrasArgs,
    /// Where to write the bundle.
    #[arg(long)]
    out: PathBuf,
}

/// Arguments of `import spark-als`.
#[derive(Args, Debug)]
pub struct SparkAlsArgs {
    /// The output folder of `examples/spark/shelfwise_als.py`: sets the defaults of --model
    /// (`als/`), --estimator (`als_estimator/`), --item-ids (`item_ids/`) and --popularity
    /// (`popularity/`).
    #[arg(long)]
    job: Option<PathBuf>,
    /// The folder `ALSModel.save` wrote (`metadata/`, `itemFactors/`).
    #[arg(long)]
    model: Option<PathBuf>,
    /// The folder `ALS.save` wrote (the estimator): regParam, alpha, implicitPrefs. ALSModel's
    /// own metadata keeps only the rank, so without this give --reg and --alpha.
    #[arg(long)]
    estimator: Option<PathBuf>,
    /// The estimator's regParam (overrides --estimator).
    #[arg(long)]
    reg: Option<f32>,
    /// The estimator's alpha (overrides --estimator).
    #[arg(long)]
    alpha: Option<f32>,
    /// Table (CSV or Parquet) mapping Spark's integer item ids to the shop's: columns `index`,
    /// `item`. Without it the integer ids are the item ids.
    #[arg(long)]
    item_ids: Option<PathBuf>,
    /// Without --basket-col: bought together from a table with columns `item`, `other`,
    /// `baskets`, `lift` (the Spark job's `together/`, read by default when it is there), with
    /// --together-min-support and --together-neighbors applied.
    #[arg(long)]
    together: Option<PathBuf>,
    #[command(flatten)]
    common: ImportArgs,
}

pub fn run(cmd: ImportCommand) -> anyhow::Result<()> {
    match cmd {
        ImportCommand::SparkAls(a) => spark_als(*a),
        ImportCommand::Implicit(a) => implicit(*a),
    }
}

/// `path`, else `job/name` when a job folder was given and it exists.
fn from_job(path: &Option<PathBuf>, job: &Option<PathBuf>, name: &str) -> Option<PathBuf> {
    path.clone().or_else(|| job.as_ref().map(|j| j.join(name)).filter(|p| p.exists()))
}

fn params(a: &SparkAlsArgs) -> anyhow::Result<SparkAlsParams> {
    let mut p = match from_job(&a.estimator, &a.job, "als_estimator") {
        Some(dir) => SparkAlsParams::read_estimator(&dir).with_context(|| format!("reading {}", dir.display()))?,
        None if a.reg.is_some() && a.alpha.is_some() => {
            SparkAlsParams { reg_param: 0.0, alpha: 0.0, implicit_prefs: true, nonnegative: false }
        }
        None => anyhow::bail!(
            "the estimator's regParam and alpha are needed (ALSModel's metadata has only the rank): \
             pass --estimator DIR (what ALS.save wrote) or --reg and --alpha"
        ),
    };
    p.reg_param = a.reg.unwrap_or(p.reg_param);
    p.alpha = a.alpha.unwrap_or(p.alpha);
    p.check()?;
    Ok(p)
}

fn spark_als(a: SparkAlsArgs) -> anyhow::Result<()> {
    let model_dir =
        from_job(&a.model, &a.job, "als").context("give --model DIR (what ALSModel.save wrote) or --job DIR")?;
    let c = &a.common;
    let inputs: Vec<&Path> = [c.log.interactions.as_deref(), Some(model_dir.as_path())].into_iter().flatten().collect();
    refuse_overwriting_inputs(&c.out, &inputs)?;
    let params = params(&a)?;
    c.extras.check(SEED)?;
    let t = Instant::now();
    let item_ids = from_job(&a.item_ids, &a.job, "item_ids");
    let mut tables = c.tables();
    let spark = SparkAlsModel::read(&model_dir, params, item_ids.as_deref(), &mut tables)
        .with_context(|| format!("reading the ALS model in {}", model_dir.display()))?;
    eprintln!(
        "Spark ALS: {} items × rank {}, regParam {} (× each history's length, as Spark), alpha {}",
        spark.factors.ids().len(),
        spark.factors.rank(),
        params.reg_param,
        params.alpha
    );
    let popularity = from_job(&c.popularity, &a.job, "popularity");
    let bars = Bars::default();
    let mut model = c.recommender(&spark.factors, popularity.as_deref(), &mut tables, &bars)?;
    if let Some(p) = from_job(&a.together, &a.job, "together").filter(|_| !c.extras.has_baskets()) {
        let (support, neighbors) = (c.extras.together_min_support, c.extras.together_neighbors);
        let nb = read_together(&p, model.items(), support, neighbors, &mut tables)
            .with_context(|| format!("reading {}", p.display()))?;
        eprintln!("bought together: {} pairs kept from {} (min support {support}, by lift)", nb.entries(), p.display());
        model = model.with_bought_together(nb)?;
    }
    bars.finish();
    tables.notices.iter().for_each(|n| eprintln!("note: {n}"));
    write(&model, &c.out, &inputs, t)
}

/// Arguments of `import implicit`.
#[derive(Args, Debug)]
pub struct ImplicitArgs {
    /// What implicit's `model.save("m.npz")` wrote (item factors, regularization, alpha).
    #[arg(long, conflicts_with = "factors")]
    model: Option<PathBuf>,
    /// Or the item factors alone (`numpy.save("item_factors.npy", model.item_factors)`), with
    /// --reg and --alpha.
    #[arg(long)]
    factors: Option<PathBuf>,
    /// The model's `regularization` (overrides the saved one).
    #[arg(long)]
    reg: Option<f32>,
    /// The model's `alpha` (overrides the saved one): confidence is alpha × the weight.
    #[arg(long)]
    alpha: Option<f32>,
    /// Table (CSV or Parquet) of the shop's item id of each factor row: columns `index` and
    /// `item`, or `item` alone in row order. Without it the row numbers are the item ids.
    #[arg(long)]
    item_ids: Option<PathBuf>,
    #[command(flatten)]
    common: ImportArgs,
}

fn implicit(a: ImplicitArgs) -> anyhow::Result<()> {
    let c = &a.common;
    let source = a.model.as_ref().or(a.factors.as_ref()).context("give --model M.npz or --factors ITEM_FACTORS.npy")?;
    let inputs: Vec<&Path> =
        [c.log.interactions.as_deref(), Some(source.as_path()), a.item_ids.as_deref()].into_iter().flatten().collect();
    refuse_overwriting_inputs(&c.out, &inputs)?;
    c.extras.check(SEED)?;
    let t = Instant::now();
    let (matrix, saved_reg, saved_alpha) = read_implicit(a.model.as_deref(), source)?;
    let params = ImplicitAlsParams {
        regularization: a.reg.or(saved_reg).context("the model's regularization is needed: pass --reg")?,
        alpha: a
            .alpha
            .or(saved_alpha)
            .context("the model's alpha is needed: pass --alpha (implicit's default is 1)")?,
    };
    let mut tables = c.tables();
    let factors = shelfwise::train::import::implicit::imported(matrix, params, a.item_ids.as_deref(), &mut tables)
        .with_context(|| format!("importing {}", source.display()))?;
    eprintln!(
        "implicit ALS: {} items × {} factors, regularization {}, alpha {} (confidence alpha × weight)",
        factors.ids().len(),
        factors.rank(),
        params.regularization,
        params.alpha
    );
    let bars = Bars::default();
    let model = c.recommender(&factors, c.popularity.as_deref(), &mut tables, &bars)?;
    bars.finish();
    tables.notices.iter().for_each(|n| eprintln!("note: {n}"));
    write(&model, &c.out, &inputs, t)
}

/// The item factors and the saved regularization and alpha: from `model` (an .npz) when given,
/// else from `source` (the --factors .npy).
fn read_implicit(model: Option<&Path>, source: &Path) -> anyhow::Result<(NpyMatrix, Option<f32>, Option<f32>)> {
    let reading = || format!("reading {}", source.display());
    Ok(match model {
        Some(m) => {
            let saved = SavedAls::read(m).with_context(reading)?;
            (saved.item_factors, saved.regularization, saved.alpha)
        }
        None => (read_npy_matrix(source).with_context(reading)?, None, None),
    })
}

/// The seed of the extras an import adds (trending, item2vec…).
const SEED: u64 = 42;

impl ImportArgs {
    /// How the import's own tables are read: rows that are not UTF-8 in --encoding's code page,
    /// as the log's.
    fn tables(&self) -> ImportTables {
        ImportTables { legacy: self.log.sep.legacy(), ..ImportTables::default() }
    }

    /// The factors as a recommender with what every import adds: popularity, titles and prices
    /// from the log (else `popularity`, a table read as `tables` says), the extras `train recs`
    /// adds, quantisation.
    fn recommender(
        &self,
        factors: &ImportedFactors,
        popularity: Option<&Path>,
        tables: &mut ImportTables,
        bars: &Bars,
    ) -> anyhow::Result<Recommender> {
        let input = self.log.input();
        let l = &self.log;
        if input.is_none()
            && (l.since.is_some() || l.until.is_some() || l.no_header || l.skip_bad_rows || l.max_memory.is_some())
        {
            anyhow::bail!(
                "--since, --until, --no-header, --skip-bad-rows and --max-memory are about --interactions: give it"
            );
        }
        let mut data = input.as_ref().map(|i| i.read(bars)).transpose()?;
        let catalog = self.extras.catalog_file()?;
        if let (Some(cat), Some(data)) = (&catalog, &mut data) {
            if let Some(titles) = &cat.titles {
                super::train::add_titles(data, &cat.ids, titles);
            }
        }
        let popularity = match (&data, popularity) {
            (None, Some(p)) => Some(read_popularity(p, tables).with_context(|| format!("reading {}", p.display()))?),
            _ => None,
        };
        if data.is_none() && popularity.is_none() {
            eprintln!(
                "note: no --interactions or --popularity: every item's popularity is 0 (fallbacks follow item order)"
            );
        }
        let model = factors.recommender(data.as_ref(), popularity.as_ref())?;
        let quantize = self.quantize.map(QuantizeArg::quantization);
        let log = data.as_ref().zip(input.as_ref());
        self.extras.add_to(model, log, catalog.as_ref(), quantize, SEED, bars)
    }
}

fn write(model: &Recommender, out: &Path, inputs: &[&Path], t: Instant) -> anyhow::Result<()> {
    let bytes = model.to_bytes();
    OutputFile::write_all_to(out, inputs, &bytes)?;
    eprintln!("imported {} items in {:.2?}", model.items().len(), t.elapsed());
    println!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}
