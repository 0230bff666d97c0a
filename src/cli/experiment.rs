//! `shelfwise experiment analyze` and `experiment plan`: private on-device experiments, read.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use shelfwise::experiment::{analyze, plan, Report};

/// What to do with experiment reports.
#[derive(Subcommand, Debug)]
pub enum ExperimentCommand {
    /// De-bias the privatised reports (JSON lines from `Experiment.report`) into per-variant
    /// rates with 95 % intervals, and each variant against `control` with a p-value.
    Analyze(AnalyzeArgs),
    /// How many devices an experiment needs to detect a lift at a given ε (and without privacy).
    Plan(PlanArgs),
}

/// Arguments of `experiment analyze`.
#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// JSON lines, one report per line, as the shop's endpoint collected them.
    #[arg(long)]
    reports: PathBuf,
    /// The experiment to analyse (default: the one in the reports, if only one).
    #[arg(long)]
    experiment: Option<String>,
    /// Print the analysis as JSON.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report here: each metric's estimates per variant and
    /// the differences from control, with their 95 % intervals.
    #[arg(long)]
    report: Option<PathBuf>,
}

/// Arguments of `experiment plan`.
#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The control's rate (e.g. 0.02 for 2 % conversion).
    #[arg(long)]
    baseline: f64,
    /// The relative lift to detect (0.15 for 2.0 % → 2.3 %).
    #[arg(long)]
    lift: f64,
    /// ε of the randomized response on that metric.
    #[arg(long, default_value_t = 1.0)]
    epsilon: f64,
    /// Power: the chance of detecting the lift when it is there.
    #[arg(long, default_value_t = 0.8)]
    power: f64,
    /// Two-sided significance level.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
}

/// Runs `experiment`.
pub fn run(cmd: ExperimentCommand) -> anyhow::Result<()> {
    match cmd {
        ExperimentCommand::Analyze(a) => analyze_reports(a),
        ExperimentCommand::Plan(a) => plan_devices(a),
    }
}

fn analyze_reports(a: AnalyzeArgs) -> anyhow::Result<()> {
    let file = std::fs::File::open(&a.reports).with_context(|| format!("reading {}", a.reports.display()))?;
    let mut reports = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", a.reports.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let r: Report =
            serde_json::from_str(&line).with_context(|| format!("{}:{}: not a report", a.reports.display(), i + 1))?;
        reports.push(r);
    }
    let name = match &a.experiment {
        Some(n) => n.clone(),
        None => {
            let mut names: Vec<&str> = reports.iter().map(|r| r.experiment.as_str()).collect();
            names.sort();
            names.dedup();
            match names.as_slice() {
                [one] => one.to_string(),
                [] => anyhow::bail!("{}: no reports", a.reports.display()),
                many => {
                    anyhow::bail!("reports of several experiments ({}): name one with --experiment", many.join(", "))
                }
            }
        }
    };
    let an = analyze(&name, &reports)?;
    if let Some(path) = &a.report {
        let report = shelfwise::report::experiment::report(&a.reports.display().to_string(), &an)?;
        super::output::write_report(path, &[a.reports.as_path()], &report)?;
    }
    if a.json {
        println!("{}", serde_json::to_string(&an)?);
        return Ok(());
    }
    println!("experiment {}: {} reports", an.experiment, an.variants.iter().map(|v| v.reports).sum::<usize>());
    for v in &an.variants {
        println!("  {} ({} reports)", v.variant, v.reports);
        for (m, e) in &v.metrics {
            println!("    {m:<10} {:.4}  (95 % interval {:.4} to {:.4})", e.value, e.low, e.high);
        }
    }
    for (m, by) in &an.differences {
        for (v, d) in by {
            println!(
                "  {m}: {v} − control = {:+.4} (95 % interval {:+.4} to {:+.4}), p = {:.4}",
                d.estimate.value, d.estimate.low, d.estimate.high, d.p_value
            );
        }
    }
    Ok(())
}

fn plan_devices(a: PlanArgs) -> anyhow::Result<()> {
    let p = plan(a.baseline, a.lift, a.epsilon, a.alpha, a.power)?;
    let treated = a.baseline * (1.0 + a.lift);
    println!(
        "to detect {:.2} % → {:.2} % with {:.0} % power (two-sided α = {}):",
        100.0 * a.baseline,
        100.0 * treated,
        100.0 * a.power,
        a.alpha
    );
    println!(
        "  {:.0} devices per variant at ε = {} (one private report each); {:.0} without privacy: privacy costs {:.0}× the devices",
        p.devices_per_variant, a.epsilon, p.devices_without_privacy, p.privacy_cost
    );
    Ok(())
}
