//! `shelfwise train recs`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use shelfwise::data::catalog::CatalogFile;
use shelfwise::recs::TextIndex;
use shelfwise::text::Tokenizer;
use shelfwise::train::baskets::{trending, PairScore, TogetherParams};
use shelfwise::train::cold::{add_catalog_items, ColdStartParams};
use shelfwise::train::{train_recommender, Item2VecParams, Sequences};

use super::args::{InputArgs, ModelArgs};
use super::output::{refuse_overwriting_inputs, OutputFile};
use super::progress::Bars;

/// What to train.
#[derive(Subcommand, Debug)]
pub enum TrainCommand {
    /// Train a recommender from a user × item interaction log.
    Recs(Box<TrainRecsArgs>),
    /// Train a purchase-propensity classifier from a table with a boolean target.
    Propensity(super::propensity::TrainPropensityArgs),
    /// Train a product-text classifier (TF-IDF + softmax logistic regression).
    Text(super::text::TrainTextArgs),
}

/// Arguments of `train recs`.
#[derive(Args, Debug)]
pub struct TrainRecsArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    extras: ExtrasArgs,
    /// Where to write the bundle.
    #[arg(long)]
    out: PathBuf,
    /// Print a JSON summary instead of text: `model`, `items`, `seconds`, `bundle_bytes`,
    /// `out`, `params`, `metrics`, `counts`, `notes`, and `search` (the `--model auto` trials,
    /// or null).
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report here: what the bundle holds and the `auto`
    /// search trace (`eval recs --report` draws quality on held-out data).
    #[arg(long)]
    report: Option<PathBuf>,
}

/// What a bundle holds beside its model, from the interaction log and the catalogue: shared by
/// `train recs` and `import spark-als`.
#[derive(Args, Debug)]
pub struct ExtrasArgs {
    /// Column holding the basket (order/invoice) id: adds "frequently bought together".
    #[arg(long)]
    basket_col: Option<String>,
    /// Bought together: baskets a pair must share.
    #[arg(long, default_value_t = 3)]
    pub together_min_support: u32,
    /// Bought together: partners kept per item.
    #[arg(long, default_value_t = 50)]
    pub together_neighbors: usize,
    /// Bought together: pair score.
    #[arg(long, value_enum, default_value = "confidence")]
    together_score: PairScoreArg,
    /// Trending (needs --time-col): half-life of an interaction's weight, in days.
    #[arg(long, default_value_t = 14.0)]
    trending_half_life: f64,
    #[command(flatten)]
    item2vec: super::args::Item2VecArgs,
    /// Index the catalogue's titles (needs --title-col) for `similarByText` and search.
    #[arg(long)]
    text_index: bool,
    /// Text index: character n-grams inside words, MIN-MAX (0-0 for none): tolerate
    /// misspellings at the cost of a larger bundle. (Half-typed words match without them.)
    #[arg(long, default_value = "0-0")]
    text_char_ngrams: String,
    #[command(flatten)]
    catalog: super::catalog::CatalogArgs,
}

/// Pair scores on the command line.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairScoreArg {
    /// How much more often than chance the pair is bought together.
    Lift,
    /// Shared baskets over baskets with either item.
    Jaccard,
    /// Share of the item's baskets that also hold the partner, P(b | a).
    Confidence,
}

impl PairScoreArg {
    /// The library's pair score.
    pub fn score(self) -> PairScore {
        match self {
            PairScoreArg::Lift => PairScore::Lift,
            PairScoreArg::Jaccard => PairScore::Jaccard,
            PairScoreArg::Confidence => PairScore::Confidence,
        }
    }
}

/// Runs `train`.
pub fn run(cmd: TrainCommand) -> anyhow::Result<()> {
    match cmd {
        TrainCommand::Recs(a) => train_recs(*a),
        TrainCommand::Propensity(a) => super::propensity::train(a),
        TrainCommand::Text(a) => super::text::train(a),
    }
}

/// Catalogue items the log never mentions join `model` as new items, placed by look-alikes
/// (`shelfwise::train::cold`).
fn add_new_items(
    model: shelfwise::Recommender,
    cat: &CatalogFile,
    neighbors: usize,
) -> anyhow::Result<shelfwise::Recommender> {
    let params = ColdStartParams { neighbors, ..ColdStartParams::default() };
    let (model, n) = add_catalog_items(model, cat, &params)?;
    if n.added > 0 {
        eprintln!(
            "new items: {} from the catalogue ({} placed by up to {neighbors} look-alikes each; {} share no word with a trained item)",
            n.added,
            n.placed,
            n.added - n.placed
        );
    }
    Ok(model)
}

/// Gives items without a title in the log the catalogue's title.
pub fn add_titles(data: &mut shelfwise::data::Interactions, ids: &[String], titles: &[String]) {
    let by_id: std::collections::HashMap<&str, &str> =
        ids.iter().map(String::as_str).zip(titles.iter().map(String::as_str)).collect();
    data.fill_titles(|id| by_id.get(id).map(|t| t.to_string()));
}

impl ExtrasArgs {
    /// The catalogue file, if one was given.
    pub fn catalog_file(&self) -> anyhow::Result<Option<CatalogFile>> {
        self.catalog.read()
    }

    /// Whether bought together comes from baskets of the log (`--basket-col`).
    pub fn has_baskets(&self) -> bool {
        self.basket_col.is_some()
    }

    /// Checks the options before any data is read.
    pub fn check(&self, seed: u64) -> anyhow::Result<()> {
        if self.text_index {
            super::text::char_ngrams(&self.text_char_ngrams)?;
        }
        if let Some(p) = self.item2vec.params(seed, self.basket_col.is_some()) {
            p.check()?;
        }
        Ok(())
    }

    /// Adds to `model` what the options ask for: new catalogue items, the factor storage, then
    /// from the log (`data`, read with `input`'s columns) trending, bought together and item2vec;
    /// the title index; the catalogue's attributes.
    pub fn add_to(
        &self,
        model: shelfwise::Recommender,
        data: Option<(&shelfwise::data::Interactions, &InputArgs)>,
        catalog: Option<&CatalogFile>,
        quantize: Option<shelfwise::recs::Quantization>,
        seed: u64,
        bars: &Bars,
    ) -> anyhow::Result<shelfwise::Recommender> {
        let mut model = model;
        if let Some(cat) = catalog {
            model = add_new_items(model, cat, self.catalog.cold_neighbors)?;
        }
        if let Some(q) = quantize {
            model = model.quantize(q)?;
        }
        let i2v = self.item2vec.params(seed, self.basket_col.is_some());
        if data.is_none() && (self.basket_col.is_some() || i2v.is_some()) {
            anyhow::bail!("--basket-col and --item2vec need the interaction log (--interactions)");
        }
        if let Some((data, _)) = data.filter(|(d, _)| d.has_time()) {
            model = self.add_trending(model, data)?;
        }
        let mut baskets = None;
        if let (Some(basket), Some((_, input))) = (&self.basket_col, data) {
            let read = baskets.insert(read_baskets(basket, input, bars)?);
            model = self.add_bought_together(model, read)?;
        }
        if let (Some(p), Some((data, _))) = (i2v, data) {
            model = add_item2vec(model, p, data, baskets.as_ref())?;
        }
        if self.text_index {
            model = self.add_text_index(model)?;
        }
        if let Some(cat) = catalog {
            model = add_attributes(model, cat)?;
        }
        Ok(model)
    }

    /// Trending scores from the log's times (`--trending-half-life`).
    fn add_trending(
        &self,
        model: shelfwise::Recommender,
        data: &shelfwise::data::Interactions,
    ) -> anyhow::Result<shelfwise::Recommender> {
        let scores = trending(data, model.items(), self.trending_half_life)?;
        let model = model.with_trending(scores)?;
        eprintln!(
            "trending: half-life {} days up to {}",
            self.trending_half_life,
            model.metadata().trained_until.as_deref().unwrap_or("?")
        );
        Ok(model)
    }

    /// Bought together from the baskets (`--together-*`).
    fn add_bought_together(
        &self,
        model: shelfwise::Recommender,
        baskets: &shelfwise::data::Interactions,
    ) -> anyhow::Result<shelfwise::Recommender> {
        let p = TogetherParams {
            score: self.together_score.score(),
            min_support: self.together_min_support,
            neighbors: self.together_neighbors,
        };
        let nb = p.fit(baskets, model.items())?;
        eprintln!("bought together: {} pairs kept (min support {}, {:?})", nb.entries(), p.min_support, p.score);
        Ok(model.with_bought_together(nb)?)
    }

    /// The title search index (`--text-index`, `--text-char-ngrams`).
    fn add_text_index(&self, mut model: shelfwise::Recommender) -> anyhow::Result<shelfwise::Recommender> {
        let (lo, hi) = super::text::char_ngrams(&self.text_char_ngrams)?;
        let titles = &model.catalog().context("--text-index needs titles: pass --title-col")?.titles;
        let tokenizer = Tokenizer { word_ngrams: 2, char_ngrams: (lo, hi) };
        let ix = TextIndex::build(tokenizer, titles, 1)?;
        eprintln!(
            "text index: {} terms, {} postings over {} titles",
            ix.tfidf.len(),
            ix.items.len(),
            titles.iter().filter(|t| !t.trim().is_empty()).count()
        );
        model.metadata_mut().params.insert("text_index".into(), format!("word 1-2, char {}", self.text_char_ngrams));
        Ok(model.with_text_index(ix)?)
    }
}

/// The log read again with `--basket-col` as its user column: one "user" per basket. A row with
/// an empty basket id is in no basket (a sale outside any order, a null column), not an error;
/// such rows are counted.
fn read_baskets(basket: &str, input: &InputArgs, bars: &Bars) -> anyhow::Result<shelfwise::data::Interactions> {
    // Times only to keep the rows of a time window, which baskets are read from too.
    let time_col = input.time_col.clone().filter(|_| input.has_window());
    let args = InputArgs {
        user_col: basket.to_string(),
        time_col,
        title_col: None,
        price_col: None,
        skip_bad_rows: true,
        ..input.clone()
    };
    let (baskets, report, took) = args.read_quietly(bars)?;
    let left_out = match input.skip_bad_rows {
        true => "in no basket (no basket id, or skipped as malformed above)",
        false => "in no basket (no basket id)",
    };
    eprintln!(
        "baskets from column '{basket}': {} baskets over {} items, read in {took:.2?}; {} rows {left_out}",
        baskets.n_users(),
        baskets.n_items(),
        report.rows_skipped
    );
    Ok(baskets)
}

/// item2vec embeddings from baskets or from customers' histories in time order.
fn add_item2vec(
    model: shelfwise::Recommender,
    p: Item2VecParams,
    data: &shelfwise::data::Interactions,
    baskets: Option<&shelfwise::data::Interactions>,
) -> anyhow::Result<shelfwise::Recommender> {
    let (log, what) = match (p.kind(), baskets) {
        (Sequences::Sets, Some(b)) => (b, "baskets"),
        (Sequences::Sets, None) => anyhow::bail!("--item2vec-sequences baskets needs --basket-col"),
        (Sequences::Ordered, _) => (data, "customers in time order"),
    };
    let t = Instant::now();
    let e = p.fit(log, model.items())?;
    let trained = e.vectors.chunks_exact(e.dim).filter(|r| r.iter().any(|v| *v != 0.0)).count();
    eprintln!("item2vec: {trained} of {} items embedded from {what} in {:.2?}", model.items().len(), t.elapsed());
    Ok(model.with_item2vec(e)?)
}

/// The catalogue's attributes for the model's items.
fn add_attributes(model: shelfwise::Recommender, cat: &CatalogFile) -> anyhow::Result<shelfwise::Recommender> {
    let (attrs, unmatched) = cat.attributes_for(model.items())?;
    let cols: Vec<String> = attrs.all().iter().map(|a| format!("{}:{}", a.name(), a.ty().name())).collect();
    eprintln!(
        "catalogue: {} attributes ({}); {} of {} rows match model items{}",
        cols.len(),
        cols.join(", "),
        cat.ids.len() - unmatched,
        cat.ids.len(),
        if unmatched > 0 { " (the others have no interactions and could not be placed)" } else { "" }
    );
    Ok(model.with_attributes(attrs)?)
}

fn train_recs(a: TrainRecsArgs) -> anyhow::Result<()> {
    // Every argument is checked before any data is read.
    refuse_overwriting_inputs(&a.out, &[&a.input.input])?;
    if let Some(r) = &a.report {
        refuse_overwriting_inputs(r, &[&a.input.input, &a.out])?;
    }
    let seed = a.model.seed()?;
    let choice = a.model.choice(seed)?;
    a.extras.check(seed)?;
    let bars = Bars::default();
    let mut data = a.input.read(&bars)?;
    let catalog = a.extras.catalog.read()?;
    if let Some(cat) = &catalog {
        if let Some(titles) = &cat.titles {
            add_titles(&mut data, &cat.ids, titles);
        }
    }
    let t = Instant::now();
    let model = train_recommender(&data, &choice, Some(&bars))?;
    bars.finish();
    let model =
        a.extras.add_to(model, Some((&data, &a.input)), catalog.as_ref(), a.model.quantization(), seed, &bars)?;
    let bytes = model.to_bytes();
    OutputFile::write_all_to(&a.out, &[&a.input.input], &bytes)?;
    let seconds = t.elapsed().as_secs_f64();
    if let Some(path) = &a.report {
        let what = format!("{} → {}", a.input.input.display(), a.out.display());
        let report = shelfwise::report::recs::training_report(&what, &model, bytes.len(), seconds)?;
        super::output::write_report(path, &[a.input.input.as_path()], &report)?;
    }
    let info = model.info();
    if a.json {
        let meta = model.metadata();
        let out = serde_json::json!({
            "model": info.model,
            "items": info.items,
            "seconds": seconds,
            "bundle_bytes": bytes.len(),
            "out": a.out.display().to_string(),
            "params": meta.params,
            "metrics": meta.metrics,
            "counts": meta.counts,
            "notes": meta.notes,
            "search": model.search(),
        });
        println!("{out}");
        return Ok(());
    }
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
