//! `shelfwise bundle merge A B … --out C`: one file holding a recommender, a propensity model and
//! a text classifier (at most one of each).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};

/// Bundle-file operations.
#[derive(Subcommand, Debug)]
pub enum BundleCommand {
    /// Merge bundles holding different kinds of model into one.
    Merge(MergeArgs),
}

/// Arguments of `bundle merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Two or more bundles.
    #[arg(required = true, num_args = 2..)]
    inputs: Vec<PathBuf>,
    /// Where to write the merged bundle.
    #[arg(long)]
    out: PathBuf,
}

/// Runs a bundle subcommand.
pub fn run(cmd: BundleCommand) -> anyhow::Result<()> {
    let BundleCommand::Merge(a) = cmd;
    let paths: Vec<&Path> = a.inputs.iter().map(PathBuf::as_path).collect();
    super::output::refuse_overwriting_inputs(&a.out, &paths)?;
    let mut files = Vec::with_capacity(a.inputs.len());
    for p in &a.inputs {
        files.push((p.display().to_string(), std::fs::read(p).with_context(|| format!("reading {}", p.display()))?));
    }
    let inputs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let bytes = shelfwise::bundle::merge(&inputs)?;
    super::output::OutputFile::write_all_to(&a.out, &paths, &bytes)?;
    let kinds = shelfwise::bundle::models(&shelfwise::bundle::Container::parse(&bytes)?);
    println!(
        "wrote {} ({} bytes): {}",
        a.out.display(),
        bytes.len(),
        kinds.iter().map(|k| k.describe()).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}
