//! `shelfwise train text` (TF-IDF + softmax classifier) and `shelfwise classify`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use shelfwise::data::table::Table;
use shelfwise::eval::multiclass::{multiclass_report, MulticlassReport};
use shelfwise::text::{TextClassifier, MAX_CHAR_NGRAM};
use shelfwise::train::propensity::stratified_split_by;
use shelfwise::train::text::TextParams;

use super::output::{refuse_overwriting_inputs, OutputFile, Sink};

/// Arguments of `train text`.
#[derive(Args, Debug)]
pub struct TrainTextArgs {
    /// CSV (optionally compressed, with a header row) or Parquet.
    #[arg(long)]
    input: PathBuf,
    #[command(flatten)]
    sep: super::args::SepArg,
    /// Column holding the text (e.g. a product title).
    #[arg(long)]
    text_col: String,
    /// Column holding the label.
    #[arg(long)]
    label_col: String,
    /// Share of rows held out (stratified by label) for the report; 0 trains on everything.
    #[arg(long, default_value_t = 0.25)]
    test_fraction: f64,
    /// A separate held-out CSV or Parquet (same columns) for the report: trains on all of `--input`
    /// (replaces `--test-fraction`).
    #[arg(long, conflicts_with = "test_fraction")]
    test: Option<PathBuf>,
    /// Seed of the split.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Longest word n-gram.
    #[arg(long, default_value_t = 2)]
    ngrams: u8,
    /// Character n-grams inside words, as MIN-MAX (e.g. 3-5); 0-0 for none.
    #[arg(long, default_value = "0-0")]
    char_ngrams: String,
    /// Minimum number of training texts a term must occur in.
    #[arg(long, default_value_t = 1)]
    min_df: u32,
    /// Inverse L2 strength.
    #[arg(long, default_value_t = 10.0)]
    c: f64,
    /// Class weights: `balanced` weighs classes inversely to their frequency (favours macro-F1
    /// on unbalanced labels); `none` weighs every row alike.
    #[arg(long, default_value = "balanced", value_parser = ["balanced", "none"])]
    class_weight: String,
    /// L-BFGS iteration cap.
    #[arg(long, default_value_t = 300)]
    max_iter: usize,
    /// Write the training rows (text, label) here (for comparisons on the same split).
    #[arg(long)]
    train_out: Option<PathBuf>,
    /// Write the held-out rows (text, label) here.
    #[arg(long)]
    test_out: Option<PathBuf>,
    /// Print the report as JSON: `fit_seconds`, `iterations`, `terms`, `train_rows`,
    /// `test_rows`, and `accuracy`, `macro_f1` on the held-out rows (null without any).
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report of the held-out rows here: the confusion matrix
    /// as a heat map and precision, recall and F1 per label.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Where to write the bundle.
    #[arg(long)]
    out: PathBuf,
}

/// Arguments of `classify`.
#[derive(Args, Debug)]
pub struct ClassifyArgs {
    /// A text bundle from `train text`.
    #[arg(long)]
    model: PathBuf,
    /// CSV (optionally compressed, with a header row) or Parquet.
    #[arg(long)]
    input: PathBuf,
    #[command(flatten)]
    sep: super::args::SepArg,
    /// Column holding the text.
    #[arg(long)]
    text_col: String,
    /// Output CSV (default: standard output): row, label, p. `row` is the input's line for a CSV
    /// (the header is line 1), its row number from 1 for Parquet (counted across part files).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Appends every row's text and (trimmed, non-empty) label.
fn read_labelled<'t>(
    table: &'t Table,
    text_col: &str,
    label_col: &str,
    texts: &mut Vec<&'t str>,
    labels: &mut Vec<&'t str>,
) -> anyhow::Result<()> {
    let (ct, cl) = (table.column(text_col)?, table.column(label_col)?);
    for (r, row) in table.rows.iter().enumerate() {
        if row[cl].trim().is_empty() {
            bail!("{}: empty label (use a label for every row, or drop the row)", table.location(r, cl));
        }
        texts.push(row[ct].as_str());
        labels.push(row[cl].trim());
    }
    Ok(())
}

/// Parses `MIN-MAX` character n-gram lengths: `0-0` (none) or `1 <= MIN <= MAX <= 8`
/// ([`MAX_CHAR_NGRAM`], the longest a bundle may hold).
pub(super) fn char_ngrams(s: &str) -> anyhow::Result<(u8, u8)> {
    let usage =
        || format!("char n-grams must be MIN-MAX with 1 <= MIN <= MAX <= {MAX_CHAR_NGRAM}, or 0-0 for none; got {s:?}");
    let (a, b) = s.split_once('-').with_context(usage)?;
    let lo: u8 = a.trim().parse().with_context(usage)?;
    let hi: u8 = b.trim().parse().with_context(usage)?;
    if (lo, hi) != (0, 0) && !(1 <= lo && lo <= hi && hi <= MAX_CHAR_NGRAM) {
        anyhow::bail!(usage());
    }
    Ok((lo, hi))
}

fn write_rows(path: &Path, inputs: &[&Path], rows: &[usize], texts: &[&str], labels: &[&str]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(OutputFile::create(path, inputs)?);
    w.write_record(["text", "label"])?;
    for &r in rows {
        w.write_record([texts[r], labels[r]])?;
    }
    w.into_inner().map_err(|e| e.into_error())?.commit()
}

/// Runs `train text`.
pub fn train(a: TrainTextArgs) -> anyhow::Result<()> {
    // Every argument is checked before any data is read.
    let inputs: Vec<&Path> = std::iter::once(a.input.as_path()).chain(a.test.as_deref()).collect();
    for out in std::iter::once(&a.out).chain(&a.train_out).chain(&a.test_out).chain(&a.report) {
        refuse_overwriting_inputs(out, &inputs)?;
    }
    if a.report.is_some() && a.test.is_none() && a.test_fraction == 0.0 {
        bail!("--report describes held-out rows: give --test or a --test-fraction above 0");
    }
    let (lo, hi) = char_ngrams(&a.char_ngrams)?;
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    let sep = a.sep.format(&a.input)?;
    let table = Table::read(&a.input, sep)?;
    table.notices().iter().for_each(|n| eprintln!("note: {n}"));
    read_labelled(&table, &a.text_col, &a.label_col, &mut texts, &mut labels)?;
    let held_out = a.test.as_ref().map(|p| Table::read(p, sep)).transpose()?;
    let (train_rows, test_rows): (Vec<usize>, Vec<usize>) = if let Some(t) = &held_out {
        let n = texts.len();
        read_labelled(t, &a.text_col, &a.label_col, &mut texts, &mut labels)?;
        ((0..n).collect(), (n..texts.len()).collect())
    } else if a.test_fraction == 0.0 {
        ((0..texts.len()).collect(), Vec::new())
    } else {
        stratified_split_by(&labels, a.test_fraction, a.seed)?
    };
    if let Some(p) = &a.train_out {
        write_rows(p, &inputs, &train_rows, &texts, &labels)?;
    }
    if let Some(p) = &a.test_out {
        write_rows(p, &inputs, &test_rows, &texts, &labels)?;
    }
    let params = TextParams::new()
        .word_ngrams(a.ngrams)
        .char_ngrams(lo, hi)
        .min_df(a.min_df)
        .c(a.c)
        .max_iter(a.max_iter)
        .balanced(a.class_weight == "balanced");
    let tx: Vec<&str> = train_rows.iter().map(|&r| texts[r]).collect();
    let ty: Vec<&str> = train_rows.iter().map(|&r| labels[r]).collect();
    let t = Instant::now();
    let (mut model, fit) = params.fit(&tx, &ty)?;
    let secs = t.elapsed().as_secs_f64();
    record_training(&mut model, &a, train_rows.len(), &fit);
    let report = (!test_rows.is_empty()).then(|| evaluate(&model, &test_rows, &texts, &labels)).transpose()?;
    if let Some(r) = &report {
        model.meta.metrics.insert("accuracy".into(), r.accuracy);
        model.meta.metrics.insert("macro_f1".into(), r.macro_f1);
    }
    let bytes = model.to_bytes();
    OutputFile::write_all_to(&a.out, &inputs, &bytes)?;
    if let Some(path) = &a.report {
        let r = report
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("--report needs held-out rows (--test-fraction > 0 or --test)"))?;
        let what = format!("{} held-out rows of {}", r.rows, a.test.as_deref().unwrap_or(&a.input).display());
        super::output::write_report(path, &inputs, &shelfwise::report::text::report(&what, r)?)?;
    }
    if a.json {
        let r = report.as_ref();
        let out = serde_json::json!({
            "fit_seconds": secs,
            "iterations": fit.iterations,
            "terms": model.tfidf.len(),
            "train_rows": train_rows.len(),
            "test_rows": test_rows.len(),
            "accuracy": r.map(|r| r.accuracy),
            "macro_f1": r.map(|r| r.macro_f1),
        });
        println!("{out}");
        return Ok(());
    }
    eprintln!(
        "trained on {} texts: {} terms, {} labels, {} L-BFGS iterations in {secs:.2}s",
        train_rows.len(),
        model.tfidf.len(),
        model.labels.len(),
        fit.iterations
    );
    if let Some(r) = &report {
        print_report(r);
    }
    println!("wrote {} ({} bytes)", a.out.display(), bytes.len());
    Ok(())
}

/// The settings and counts of a fit, kept in the bundle's metadata.
fn record_training(
    model: &mut TextClassifier,
    a: &TrainTextArgs,
    train_rows: usize,
    fit: &shelfwise::train::text::TextFitReport,
) {
    let m = &mut model.meta;
    m.params.insert("word_ngrams".into(), a.ngrams.to_string());
    m.params.insert("char_ngrams".into(), a.char_ngrams.clone());
    m.params.insert("min_df".into(), a.min_df.to_string());
    m.params.insert("c".into(), a.c.to_string());
    m.params.insert("class_weight".into(), a.class_weight.clone());
    m.counts.insert("terms".into(), model.tfidf.len() as u64);
    m.counts.insert("train_rows".into(), train_rows as u64);
    if !fit.converged {
        m.notes.push(format!("L-BFGS stopped after {} iterations before converging", fit.iterations));
    }
}

fn evaluate(
    model: &TextClassifier,
    rows: &[usize],
    texts: &[&str],
    labels: &[&str],
) -> anyhow::Result<MulticlassReport> {
    let mut truth = Vec::with_capacity(rows.len());
    let mut predicted = Vec::with_capacity(rows.len());
    for &r in rows {
        // A held-out label the training rows never had cannot be predicted: refuse to score it.
        let Some(t) = model.labels.iter().position(|l| l == labels[r]) else {
            bail!("held-out label {:?} has no training rows", labels[r])
        };
        let p = if texts[r].trim().is_empty() {
            model.probabilities(&[])
        } else {
            model.probabilities(&model.row(texts[r])?)
        };
        let best = (0..p.len()).fold(0, |b, k| if p[k] > p[b] { k } else { b });
        truth.push(t);
        predicted.push(best);
    }
    Ok(multiclass_report(&model.labels, &truth, &predicted))
}

fn print_report(r: &MulticlassReport) {
    println!("held-out rows {}: accuracy {:.4}, macro-F1 {:.4}", r.rows, r.accuracy, r.macro_f1);
    let w = r.labels.iter().map(|l| l.chars().count()).max().unwrap_or(5).max(5);
    println!("{:<w$} {:>9} {:>7} {:>7} {:>7}", "label", "precision", "recall", "f1", "support");
    for k in 0..r.labels.len() {
        println!(
            "{:<w$} {:>9.4} {:>7.4} {:>7.4} {:>7}",
            r.labels[k], r.precision[k], r.recall[k], r.f1[k], r.support[k]
        );
    }
    println!("confusion (rows: true, columns: predicted, label order as above):");
    for row in &r.confusion {
        println!("  {}", row.iter().map(|c| format!("{c:>5}")).collect::<String>());
    }
}

/// Runs `classify`: the most probable label of every row.
pub fn classify(a: ClassifyArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&a.model).with_context(|| format!("reading {}", a.model.display()))?;
    let model = TextClassifier::from_bytes(&bytes).with_context(|| format!("loading {}", a.model.display()))?;
    let sep = a.sep.format(&a.input)?;
    let table = Table::read(&a.input, sep)?;
    table.notices().iter().for_each(|n| eprintln!("note: {n}"));
    let ct = table.column(&a.text_col)?;
    let out = Sink::open(a.out.as_deref(), &[a.model.as_path(), a.input.as_path()])?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["row", "label", "p"])?;
    for (r, row) in table.rows.iter().enumerate() {
        let c = model.classify(&row[ct]).with_context(|| table.location(r, ct).to_string())?;
        w.write_record([table.row_number(r).to_string(), c.labels[0].label.clone(), c.labels[0].p.to_string()])?;
    }
    w.into_inner().map_err(|e| e.into_error())?.finish()
}
