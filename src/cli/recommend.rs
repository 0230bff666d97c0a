//! `shelfwise recommend`: fold every user of a history file in and write their top-k.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use shelfwise::data::{Columns, Interactions, ReadOptions};
use shelfwise::Recommender;

use super::output::Sink;
use super::rules::RulesArgs;

/// Arguments of `recommend`.
#[derive(Args, Debug)]
pub struct RecommendArgs {
    /// The bundle to score with.
    #[arg(long)]
    model: PathBuf,
    /// CSV or Parquet of histories: one (user, item[, weight]) per row, in the order events happened.
    #[arg(long)]
    histories: PathBuf,
    /// User column of the histories file.
    #[arg(long)]
    user_col: String,
    /// Item column of the histories file.
    #[arg(long)]
    item_col: String,
    /// Optional weight column (default 1 per row).
    #[arg(long)]
    weight_col: Option<String>,
    #[command(flatten)]
    sep: super::args::SepArg,
    /// Add each recommended item's title (from the bundle's catalogue) as a last column.
    #[arg(long)]
    with_titles: bool,
    #[command(flatten)]
    rules: RulesArgs,
    /// Output CSV (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Writes `user,item,rank,score` rows, users in first-seen order.
pub fn run(a: RecommendArgs) -> anyhow::Result<()> {
    // Arguments are checked before any output is opened.
    let opts = a.rules.options()?;
    let rec = load(&a.model)?;
    a.rules.check(&rec)?;
    let inputs = [a.model.as_path(), a.histories.as_path()];
    let mut out = Sink::open(a.out.as_deref(), &inputs)?;
    let cols = Columns { user: a.user_col, item: a.item_col, weight: a.weight_col, ..Columns::default() };
    let format = a.sep.format(&a.histories)?;
    let read = ReadOptions { delimiter: format.delimiter, legacy_encoding: format.legacy, ..ReadOptions::default() };
    let (hist, _) = Interactions::read_csv(&a.histories, &cols, &read, &|_| {})?;
    let mut rows_of: Vec<Vec<usize>> = vec![Vec::new(); hist.n_users()];
    for r in 0..hist.len() {
        rows_of[hist.user_indices()[r] as usize].push(r);
    }
    let titles = match (a.with_titles, rec.catalog()) {
        (true, Some(c)) => Some(&c.titles),
        (true, None) => anyhow::bail!("--with-titles: {} has no titles (train with --title-col)", a.model.display()),
        (false, _) => None,
    };
    // `fallback` marks users whose history held no item the model knows: they get popularity.
    let reasons = a.rules.reasons();
    writeln!(
        out,
        "user,item,rank,score,fallback{}{}",
        if titles.is_some() { ",title" } else { "" },
        if reasons { ",promoted,explore,because" } else { "" }
    )?;
    let mut unknown: HashMap<String, usize> = HashMap::new();
    for (u, rows) in rows_of.iter().enumerate() {
        // Rows are in the file's order of first appearance within the user.
        let history: Vec<(&str, f32)> = rows
            .iter()
            .map(|r| (hist.items()[hist.item_indices()[*r] as usize].as_str(), hist.weights()[*r]))
            .collect();
        let recs = rec.recommend(&history, &opts).with_context(|| format!("user {}", &hist.users()[u]))?;
        for id in recs.unknown {
            *unknown.entry(id).or_default() += 1;
        }
        for (rank, s) in recs.items.iter().enumerate() {
            let user = csv_field(&hist.users()[u]);
            write!(out, "{user},{},{},{},{}", csv_field(&s.item), rank + 1, s.score, recs.fallback)?;
            if let (Some(t), Some(i)) = (titles, rec.items().get(&s.item)) {
                write!(out, ",{}", csv_field(&t[i as usize]))?;
            }
            if reasons {
                write!(out, ",{},{},{}", s.promoted, s.explore, csv_field(&s.because.join("|")))?;
            }
            writeln!(out)?;
        }
        for n in &recs.notes {
            eprintln!("user {}: {n}", &hist.users()[u]);
        }
    }
    out.finish()?;
    if !unknown.is_empty() {
        let mut ids: Vec<_> = unknown.keys().cloned().collect();
        ids.sort();
        eprintln!(
            "skipped {} item ids not in the model: {}",
            ids.len(),
            ids.iter().take(10).cloned().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}

/// Arguments of `similar`.
#[derive(Args, Debug)]
pub struct SimilarArgs {
    /// The bundle to score with.
    #[arg(long)]
    model: PathBuf,
    /// An item to find similar items for (repeatable).
    #[arg(long = "item")]
    items: Vec<String>,
    /// A file of item ids, one per line, to find similar items for.
    #[arg(long)]
    items_file: Option<PathBuf>,
    #[command(flatten)]
    rules: RulesArgs,
    /// Output CSV (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Writes `item,similar,rank,score[,promoted]` rows.
pub fn similar(a: SimilarArgs) -> anyhow::Result<()> {
    let opts = a.rules.options()?;
    let rec = load(&a.model)?;
    a.rules.check(&rec)?;
    let mut items = a.items.clone();
    if let Some(f) = &a.items_file {
        let text = std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        items.extend(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string));
    }
    if items.is_empty() {
        anyhow::bail!("name items with --item ID or --items-file FILE");
    }
    let inputs: Vec<&std::path::Path> =
        [Some(a.model.as_path()), a.items_file.as_deref()].into_iter().flatten().collect();
    let mut out = Sink::open(a.out.as_deref(), &inputs)?;
    writeln!(out, "item,similar,rank,score{}", if a.rules.reasons() { ",promoted" } else { "" })?;
    for item in &items {
        for (rank, s) in rec.similar(item, &opts)?.iter().enumerate() {
            write!(out, "{},{},{},{}", csv_field(item), csv_field(&s.item), rank + 1, s.score)?;
            if a.rules.reasons() {
                write!(out, ",{}", s.promoted)?;
            }
            writeln!(out)?;
        }
    }
    out.finish()
}

fn load(path: &std::path::Path) -> anyhow::Result<Recommender> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Recommender::from_bytes(&bytes).with_context(|| format!("loading {}", path.display()))
}

/// A CSV field, quoted when it holds a comma, quote or line break.
pub(super) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
