//! `shelfwise train propensity`, `shelfwise eval propensity`, `shelfwise score`.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use shelfwise::data::table::Table;
use shelfwise::eval::{classification_report, ClassificationReport};
use shelfwise::propensity::{Propensity, Value};
use shelfwise::session::PageStats;
use shelfwise::train::propensity::{
    calibrate::CalibrationChoice, leakage::permutation_importance, stratified_split_by, train_propensity,
    ClassifierChoice, ColumnType, Dataset, ForestParams, GbtParams, LogisticParams, MlpParams, PropensityParams,
    TrainOutcome,
};
use shelfwise::train::session::{read_page_stats, read_session_logs, FeatureSpec};

use super::output::{refuse_overwriting_inputs, OutputFile, Sink};
use super::progress::Bars;

/// Classifier families on the command line.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// L2 logistic regression.
    Logistic,
    /// Multilayer perceptron (64-32).
    Mlp,
    /// Histogram gradient-boosted trees.
    Gbt,
    /// Random forest.
    Forest,
    /// Cross-validated choice among all families.
    Auto,
}

/// Arguments of `train propensity`.
#[derive(Args, Debug)]
pub struct TrainPropensityArgs {
    /// CSV (optionally compressed) or Parquet with one row per visit/customer and a boolean target column.
    #[arg(long)]
    input: PathBuf,
    /// Target column (TRUE/FALSE, yes/no, 1/0).
    #[arg(long)]
    target: String,
    #[command(flatten)]
    sep: super::args::SepArg,
    /// Model family.
    #[arg(long, value_enum, default_value = "auto")]
    model: Family,
    /// Columns to treat as categorical (comma-separated); others are inferred.
    #[arg(long, value_delimiter = ',')]
    categorical: Vec<String>,
    /// Columns to treat as numeric.
    #[arg(long, value_delimiter = ',')]
    numeric: Vec<String>,
    /// Columns to treat as boolean.
    #[arg(long, value_delimiter = ',')]
    boolean: Vec<String>,
    /// Columns to leave out.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Add "was missing" indicator columns for numeric/boolean fields with missing values.
    #[arg(long)]
    missing_indicator: bool,
    /// Weight classes inversely to their frequency.
    #[arg(long)]
    balanced: bool,
    /// Share of rows held out (stratified) for the report.
    #[arg(long, default_value_t = 0.25)]
    test_fraction: f64,
    /// Cross-validation folds for `--model auto`.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seed for splits and models.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How scores become probabilities, fitted on out-of-fold predictions of the training
    /// rows: auto (the lowest cross-validated log loss), platt, isotonic or none.
    #[arg(long, default_value = "auto", value_parser = |s: &str| CalibrationChoice::parse(s).map_err(|e| e.to_string()))]
    calibration: CalibrationChoice,
    /// How the package's SessionTracker turns a visit into this model's record (TOML: one
    /// feature expression per model field, e.g. `ProductRelated = 'count(page.type ==
    /// "product")'`; see the README's "Session features"). Stored in the bundle, so
    /// `scoreSession` and `score --session` work.
    #[arg(long)]
    features: Option<PathBuf>,
    /// The shop's page statistics for `bounce_rate`, `exit_rate` and `page_value` (CSV or
    /// Parquet: `page_type`, optional `page_id`, and those columns), stored with `--features`.
    #[arg(long, requires = "features")]
    page_stats: Option<PathBuf>,
    /// Where to write the bundle.
    #[arg(long)]
    out: PathBuf,
    /// Also write the held-out test rows (same columns) to this CSV.
    #[arg(long)]
    test_out: Option<PathBuf>,
    /// Print a JSON summary instead of text: `model`, `train_rows`, `test_rows`, `fit_seconds`
    /// (the model's fit on the encoded rows), `prepare_seconds` (fitting the schema and encoding
    /// the rows), `seconds` (everything), `test` (the held-out metrics, as `eval propensity --json`), `ece_uncalibrated`,
    /// `calibration`, `threshold`, `importance`, `cv` (the `auto` candidates), `warnings`,
    /// `bundle_bytes`, `out`.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report of the held-out rows here (as `eval propensity
    /// --report`, plus the `auto` candidates' cross-validated ROC AUC).
    #[arg(long)]
    report: Option<PathBuf>,
}

/// Arguments of `eval propensity`.
#[derive(Args, Debug)]
pub struct EvalPropensityArgs {
    /// The bundle.
    #[arg(long)]
    model: PathBuf,
    /// Labelled CSV or Parquet with the model's target column.
    #[arg(long)]
    input: PathBuf,
    /// Threshold for accuracy/precision/recall/F1 (default: the one stored in the bundle).
    #[arg(long)]
    threshold: Option<f64>,
    /// Print the report as one JSON object: `n`, `positives`, `threshold`, `accuracy`,
    /// `precision`, `recall`, `f1`, `roc_auc`, `pr_auc`, `log_loss`, `best_f1_threshold`,
    /// `best_f1`, `calibration` ([{ from, to, count, predicted, observed }]: ten bins of predicted
    /// probability, the mean prediction and the observed positive rate in each).
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report here: ROC and precision-recall curves, the
    /// reliability diagram, score histograms per class, the confusion matrix at the threshold
    /// and permutation importance.
    #[arg(long)]
    report: Option<PathBuf>,
    #[command(flatten)]
    sep: super::args::SepArg,
}

/// Arguments of `score`.
#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// The bundle.
    #[arg(long)]
    model: PathBuf,
    /// CSV or Parquet of raw records (extra columns are ignored, missing ones imputed).
    #[arg(long, required_unless_present = "session", conflicts_with = "session")]
    input: Option<PathBuf>,
    /// Score session logs instead (JSON: one `SessionTracker.toJSON()` object or an array of
    /// them) through the bundle's session mapping (`train propensity --features`). Prints one
    /// JSON line per log: `{"record": {…}, "p": …}` (and `"decide"` with `--decide`): the
    /// record is the one the page's `tracker.record()` gives for the same log.
    #[arg(long, conflicts_with_all = ["id_col", "with_line", "allow_missing_fields"])]
    session: Option<PathBuf>,
    /// Output CSV with header `p` (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Carry this input column through as the first output column (header `ID,p`), so scores
    /// join back to visitors or sessions.
    #[arg(long)]
    id_col: Option<String>,
    #[command(flatten)]
    sep: super::args::SepArg,
    /// Start each output row with the input line it scores (1-based, counting the header; for
    /// Parquet the row number from 1, counted across part files), so a score joins back to its
    /// row even without an id column.
    #[arg(long)]
    with_line: bool,
    /// Add a `decide` column: whether acting pays by expected value, `benefit=B,cost=C`
    /// (act when p · B − C > 0, with the calibrated p).
    #[arg(long, value_parser = parse_economics)]
    decide: Option<(f64, f64)>,
    /// Score even when some of the model's fields are not columns of the input (they are
    /// imputed for every row). Without it a missing field is an error: every row would silently
    /// get the same value for it.
    #[arg(long)]
    allow_missing_fields: bool,
}

/// Checks which of the model's fields `table` has: none is an error (every row would get the
/// same score), some missing is an error unless `allow_missing`, then a warning naming them.
fn check_fields(model: &Propensity, table: &Table, allow_missing: bool) -> anyhow::Result<()> {
    let fields: Vec<&str> = model.schema().fields.iter().map(|f| f.name.as_str()).collect();
    let missing: Vec<&str> = fields.iter().copied().filter(|f| !table.header.iter().any(|h| h == f)).collect();
    if missing.len() == fields.len() {
        bail!(
            "{}: none of the model's {} fields is a column (model fields: {}; columns: {}); check the file and --sep",
            table.file,
            fields.len(),
            fields.join(", "),
            table.header.join(", ")
        );
    }
    if !missing.is_empty() {
        if !allow_missing {
            bail!(
                "{}: {} of the model's fields are not columns: {} (pass --allow-missing-fields to impute them for every row)",
                table.file,
                missing.len(),
                missing.join(", ")
            );
        }
        eprintln!("warning: {} fields imputed for every row (not in the input): {}", missing.len(), missing.join(", "));
    }
    Ok(())
}

/// Runs `train propensity`.
pub fn train(a: TrainPropensityArgs) -> anyhow::Result<()> {
    let inputs: Vec<&Path> = [Some(&a.input), a.features.as_ref(), a.page_stats.as_ref()]
        .into_iter()
        .flatten()
        .map(PathBuf::as_path)
        .collect();
    for out in std::iter::once(&a.out).chain(&a.test_out).chain(&a.report) {
        refuse_overwriting_inputs(out, &inputs)?;
    }
    let session = session_inputs(&a)?;
    let bars = Bars::default();
    let table =
        Table::read(&a.input, a.sep.format(&a.input)?).with_context(|| format!("reading {}", a.input.display()))?;
    let p = params(&a);
    let held_out = a.test_out.as_ref().map(|_| table.clone());
    let ds = Dataset::from_table(table, &p)?;
    print_columns(&ds);
    let t = Instant::now();
    let mut out = train_propensity(&ds, &p, &choice(&a), &bars)?;
    bars.finish();
    if let Some((spec, stats)) = session {
        let (map, warnings) =
            spec.session_map(out.model.schema(), stats).context("matching --features to the model")?;
        out.model = out.model.with_session(map)?;
        out.warnings.extend(warnings);
    }
    let elapsed = t.elapsed();
    for r in &out.cv {
        let folds: Vec<String> = r.fold_aucs.iter().map(|f| format!("{f:.3}")).collect();
        eprintln!("  cv auc {:.4} ({}) {}", r.mean_auc, folds.join(" "), r.candidate);
    }
    if !a.json {
        print_training(&out, elapsed);
    }
    for w in &out.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(path) = &a.report {
        let input = shelfwise::report::propensity::PropensityInput {
            subtitle: format!("{} held-out rows of {} ({})", out.rows.1, a.input.display(), out.model.model().family()),
            scores: &out.test_scores,
            labels: &out.test_labels,
            metrics: &out.test,
            importance: &out.importance,
            candidates: out.cv.iter().map(|c| (c.candidate.clone(), c.mean_auc)).collect(),
        };
        super::output::write_report(path, &[a.input.as_path()], &shelfwise::report::propensity::report(&input)?)?;
    }
    let bytes = out.model.to_bytes();
    OutputFile::write_all_to(&a.out, &[&a.input], &bytes)?;
    if a.json {
        println!("{}", training_json(&out, elapsed, bytes.len(), &a.out));
    } else {
        println!("wrote {} ({} bytes)", a.out.display(), bytes.len());
    }
    if let (Some(path), Some(table)) = (&a.test_out, held_out) {
        write_held_out(path, &a.input, &table, &ds.labels, &p)?;
        eprintln!("wrote the {} held-out rows to {}", out.rows.1, path.display());
    }
    Ok(())
}

/// `--features` and `--page-stats`, read before training so a mistake in them costs no fit.
fn session_inputs(a: &TrainPropensityArgs) -> anyhow::Result<Option<(FeatureSpec, PageStats)>> {
    let Some(path) = &a.features else { return Ok(None) };
    let spec = FeatureSpec::read(path)?;
    let stats = match &a.page_stats {
        Some(p) => read_page_stats(p, a.sep.format(p)?).with_context(|| format!("reading {}", p.display()))?,
        None => PageStats::default(),
    };
    Ok(Some((spec, stats)))
}

/// The training parameters the arguments give.
fn params(a: &TrainPropensityArgs) -> PropensityParams {
    let mut p = PropensityParams::new(&a.target);
    for (cols, ty) in [
        (&a.categorical, ColumnType::Categorical),
        (&a.numeric, ColumnType::Numeric),
        (&a.boolean, ColumnType::Boolean),
    ] {
        for c in cols {
            p.types.insert(c.clone(), ty);
        }
    }
    p.ignore = a.ignore.clone();
    p.missing_indicator = a.missing_indicator;
    p.balanced = a.balanced;
    p.test_fraction = a.test_fraction;
    p.folds = a.folds;
    p.seed = a.seed;
    p.calibration = a.calibration;
    p
}

/// The classifier family the arguments name, seeded.
fn choice(a: &TrainPropensityArgs) -> ClassifierChoice {
    match a.model {
        Family::Logistic => ClassifierChoice::Logistic(LogisticParams::default()),
        Family::Mlp => ClassifierChoice::Mlp(MlpParams { seed: a.seed, ..MlpParams::default() }),
        Family::Gbt => ClassifierChoice::Gbt(GbtParams { seed: a.seed, ..GbtParams::default() }),
        Family::Forest => ClassifierChoice::Forest(ForestParams { seed: a.seed, ..ForestParams::default() }),
        Family::Auto => ClassifierChoice::Auto,
    }
}

/// The rows, the positive share and each column's inferred type (standard error).
fn print_columns(ds: &Dataset) {
    let pos = ds.labels.iter().filter(|l| **l).count();
    eprintln!(
        "{} rows, {} positive ({:.1}%), {} input columns:",
        ds.len(),
        pos,
        100.0 * pos as f64 / ds.len() as f64,
        ds.columns.len()
    );
    for (name, ty) in &ds.columns {
        eprintln!("  {name:<28} {ty:?}");
    }
    for n in &ds.notices {
        eprintln!("notice: {n}");
    }
}

/// The held-out report, calibration, threshold and importance, as text.
fn print_training(out: &TrainOutcome, elapsed: std::time::Duration) {
    println!(
        "model {} fitted on {} rows in {:.2?} (encoding the rows {:.2?}; {:.2?} with out-of-fold calibration, threshold and importance); held-out {} rows:",
        out.model.model().family(),
        out.rows.0,
        out.fit_time.fit,
        out.fit_time.prepare,
        elapsed,
        out.rows.1
    );
    print_report(&out.test);
    let losses: Vec<String> = out.calibration_losses.iter().map(|(n, l)| format!("{n} {l:.4}")).collect();
    println!(
        "  calibration: {}{}; expected calibration error {:.4} (uncalibrated {:.4})",
        out.model.calibration().name(),
        if losses.is_empty() { String::new() } else { format!(" (cross-validated log loss: {})", losses.join(", ")) },
        out.test.ece,
        out.uncalibrated.ece
    );
    println!("  threshold {:.4}: chosen on out-of-fold predictions of the training rows", out.model.threshold());
    print_importance(&out.importance);
}

/// `train propensity --json`'s object (its fields are listed on the argument).
fn training_json(out: &TrainOutcome, elapsed: std::time::Duration, bytes: usize, path: &Path) -> serde_json::Value {
    serde_json::json!({
        "model": out.model.model().family(),
        "train_rows": out.rows.0,
        "test_rows": out.rows.1,
        "fit_seconds": out.fit_time.fit.as_secs_f64(),
        "prepare_seconds": out.fit_time.prepare.as_secs_f64(),
        "seconds": elapsed.as_secs_f64(),
        "test": out.test,
        "ece_uncalibrated": out.uncalibrated.ece,
        "calibration": out.model.calibration().name(),
        "threshold": out.model.threshold(),
        "importance": out.importance.iter().map(|(f, d)| serde_json::json!({ "field": f, "auc_lost": d })).collect::<Vec<_>>(),
        "cv": out.cv.iter().map(|c| serde_json::json!({ "candidate": c.candidate, "mean_auc": c.mean_auc, "fold_aucs": c.fold_aucs })).collect::<Vec<_>>(),
        "warnings": out.warnings,
        "bundle_bytes": bytes,
        "out": path.display().to_string(),
    })
}

/// `--test-out`: the held-out rows (the same stratified split training used), as they were read.
fn write_held_out(
    path: &Path,
    input: &Path,
    table: &Table,
    labels: &[bool],
    p: &PropensityParams,
) -> anyhow::Result<()> {
    let (_, test) = stratified_split_by(labels, p.test_fraction, p.seed)?;
    let mut w = csv::Writer::from_writer(OutputFile::create(path, &[input])?);
    w.write_record(&table.header)?;
    for r in test {
        w.write_record(&table.rows[r])?;
    }
    w.into_inner().map_err(|e| e.into_error())?.commit()?;
    Ok(())
}

fn print_importance(importance: &[(String, f64)]) {
    println!("  permutation importance (ROC AUC lost when the field is shuffled), top 10:");
    for (f, d) in importance.iter().take(10) {
        println!("    {f:<28} {d:+.4}");
    }
}

fn print_report(r: &ClassificationReport) {
    println!("  ROC AUC {:.4}   PR AUC {:.4}   log loss {:.4}", r.roc_auc, r.pr_auc, r.log_loss);
    println!(
        "  at threshold {:.3}: accuracy {:.4}  precision {:.4}  recall {:.4}  F1 {:.4}",
        r.threshold, r.accuracy, r.precision, r.recall, r.f1
    );
    println!("  best F1 {:.4} at threshold {:.4}", r.best_f1, r.best_f1_threshold);
    println!("  calibration (predicted → observed, rows):");
    for b in r.calibration.iter().filter(|b| b.count > 0) {
        println!("    {:.1}–{:.1}: {:.3} → {:.3} ({})", b.from, b.to, b.predicted, b.observed, b.count);
    }
}

/// Reads the numbers with a decimal comma of every column but `keep` with a point, as training
/// did (`Dataset::from_table`), and says what reading found ([`Table::notices`]).
fn read_decimal_commas(table: &mut Table, keep: &[usize]) {
    table.point_decimal_commas(keep);
    for notice in table.notices() {
        eprintln!("notice: {notice}");
    }
}

fn records(table: &Table) -> Vec<Vec<(&str, Value)>> {
    table
        .rows
        .iter()
        .map(|row| table.header.iter().zip(row).map(|(h, c)| (h.as_str(), Value::from_cell(c))).collect())
        .collect()
}

fn score_all(model: &Propensity, table: &Table) -> anyhow::Result<Vec<f64>> {
    let mut unknown: HashMap<String, ()> = HashMap::new();
    let mut out = Vec::with_capacity(table.rows.len());
    for (r, rec) in records(table).iter().enumerate() {
        let rec: Vec<(&str, Value)> = rec.iter().filter(|(k, _)| *k != model.schema().target).cloned().collect();
        let s = model.score(&rec).with_context(|| table.row_place(r))?;
        s.report.unknown.into_iter().for_each(|u| {
            unknown.insert(u, ());
        });
        out.push(s.p);
    }
    if !unknown.is_empty() {
        let mut u: Vec<_> = unknown.into_keys().collect();
        u.sort();
        eprintln!("ignored columns the model does not use: {}", u.join(", "));
    }
    Ok(out)
}

/// Runs `eval propensity`.
pub fn eval(a: EvalPropensityArgs) -> anyhow::Result<()> {
    let model =
        Propensity::from_bytes(&std::fs::read(&a.model).with_context(|| format!("reading {}", a.model.display()))?)?;
    let mut table = Table::read(&a.input, a.sep.format(&a.input)?)?;
    let ti = table.column(&model.schema().target)?;
    read_decimal_commas(&mut table, &[ti]);
    let mut y = Vec::with_capacity(table.rows.len());
    for (r, row) in table.rows.iter().enumerate() {
        y.push(
            shelfwise::propensity::value::parse_bool(&row[ti])
                .with_context(|| format!("{}: target {:?} is not boolean", table.location(r, ti), row[ti]))?,
        );
    }
    let p = score_all(&model, &table)?;
    let r = classification_report(&p, &y, a.threshold.unwrap_or(model.threshold()));
    let recs = records(&table);
    let importance = permutation_importance(&model, &recs, &y, 42)?;
    if let Some(path) = &a.report {
        let input = shelfwise::report::propensity::PropensityInput {
            subtitle: format!("{} on {}", a.model.display(), a.input.display()),
            scores: &p,
            labels: &y,
            metrics: &r,
            importance: &importance,
            candidates: Vec::new(),
        };
        let report = shelfwise::report::propensity::report(&input)?;
        super::output::write_report(path, &[a.model.as_path(), a.input.as_path()], &report)?;
    }
    if a.json {
        let mut j = serde_json::to_value(&r)?;
        j["importance"] = importance.iter().map(|(f, d)| serde_json::json!({ "field": f, "auc_lost": d })).collect();
        println!("{}", serde_json::to_string(&j)?);
        return Ok(());
    }
    println!("{} rows, {} positive", r.n, r.positives);
    print_report(&r);
    print_importance(&importance);
    Ok(())
}

/// Runs `score`.
pub fn score(a: ScoreArgs) -> anyhow::Result<()> {
    let model =
        Propensity::from_bytes(&std::fs::read(&a.model).with_context(|| format!("reading {}", a.model.display()))?)?;
    if let Some(path) = &a.session {
        return score_sessions(&model, path, &a);
    }
    let input = a.input.as_deref().context("--input or --session is required")?;
    let mut out = Sink::open(a.out.as_deref(), &[a.model.as_path(), input])?;
    let mut table = Table::read(input, a.sep.format(input)?)?;
    let id = a.id_col.as_deref().map(|c| table.column(c)).transpose()?;
    read_decimal_commas(&mut table, &id.into_iter().collect::<Vec<_>>());
    check_fields(&model, &table, a.allow_missing_fields)?;
    let p = score_all(&model, &table)?;
    if a.with_line {
        write!(out, "line,")?;
    }
    if let (Some(name), Some(_)) = (&a.id_col, id) {
        write!(out, "{},", super::recommend::csv_field(name))?;
    }
    writeln!(out, "p{}", if a.decide.is_some() { ",decide" } else { "" })?;
    for (r, v) in p.iter().enumerate() {
        if a.with_line {
            write!(out, "{},", table.row_number(r))?;
        }
        if let Some(c) = id {
            write!(out, "{},", super::recommend::csv_field(&table.rows[r][c]))?;
        }
        write!(out, "{v}")?;
        if let Some((benefit, cost)) = a.decide {
            write!(out, ",{}", shelfwise::propensity::decision(*v, benefit, cost)?.act)?;
        }
        writeln!(out)?;
    }
    out.finish()
}

/// `score --session`: one JSON line per log, its record and score.
fn score_sessions(model: &Propensity, path: &Path, a: &ScoreArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let logs = read_session_logs(&text).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Sink::open(a.out.as_deref(), &[a.model.as_path(), path])?;
    for (i, log) in logs.iter().enumerate() {
        let record = model.session_record(log).with_context(|| format!("{}: session log {i}", path.display()))?;
        let fields: serde_json::Map<String, serde_json::Value> =
            record.iter().map(|(k, v)| (k.clone(), value_json(v))).collect();
        let p = model.score_record(&record)?.p;
        let mut line = serde_json::json!({ "record": fields, "p": p });
        if let Some((benefit, cost)) = a.decide {
            line["decide"] = shelfwise::propensity::decision(p, benefit, cost)?.act.into();
        }
        writeln!(out, "{line}")?;
    }
    out.finish()
}

fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Missing => serde_json::Value::Null,
        Value::Number(n) => serde_json::json!(n),
        Value::Bool(b) => (*b).into(),
        Value::Text(t) => t.clone().into(),
    }
}

/// `benefit=B,cost=C` for `--decide`.
fn parse_economics(s: &str) -> Result<(f64, f64), String> {
    let (mut benefit, mut cost) = (None, None);
    for part in s.split(',') {
        let (k, v) = part.split_once('=').ok_or_else(|| format!("expected benefit=B,cost=C, got {s:?}"))?;
        let v: f64 = v.trim().parse().map_err(|_| format!("{k} must be a number, got {v:?}"))?;
        match k.trim() {
            "benefit" => benefit = Some(v),
            "cost" => cost = Some(v),
            _ => return Err(format!("unknown key {k:?}: expected benefit=B,cost=C")),
        }
    }
    let (b, c) = benefit.zip(cost).ok_or_else(|| format!("expected benefit=B,cost=C, got {s:?}"))?;
    shelfwise::propensity::decision(0.5, b, c).map_err(|e| e.to_string())?;
    Ok((b, c))
}
