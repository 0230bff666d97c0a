//! `shelfwise inspect FILE.bundle`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use shelfwise::bundle::{Container, Metadata, ModelKind};
use shelfwise::propensity::Propensity;
use shelfwise::text::TextClassifier;
use shelfwise::Recommender;

/// Arguments of `inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The bundle to describe.
    bundle: PathBuf,
}

/// Prints the container's sections, then each model's summary and metadata.
pub fn run(a: InspectArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&a.bundle).with_context(|| format!("reading {}", a.bundle.display()))?;
    let sections =
        shelfwise::bundle::describe(&bytes).with_context(|| format!("{} is not a valid bundle", a.bundle.display()))?;
    println!(
        "{}: {} bytes, format version {}, checksum ok",
        a.bundle.display(),
        bytes.len(),
        shelfwise::bundle::FORMAT_VERSION
    );
    println!("sections:");
    for (name, len) in sections {
        println!("  {name:<10} {len:>12} bytes");
    }
    let kinds = shelfwise::bundle::models(&Container::parse(&bytes)?);
    for kind in kinds {
        println!();
        match kind {
            ModelKind::Recommender => recommender(&bytes)?,
            ModelKind::Propensity => {
                let p = Propensity::from_bytes(&bytes)?;
                println!("propensity model: {}", p.model().family());
                println!("target:      {}", p.schema().target);
                println!(
                    "fields:      {}",
                    p.schema().fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
                );
                println!("threshold:   {:.4}", p.threshold());
                metadata(p.metadata());
            }
            ModelKind::Text => {
                let t = TextClassifier::from_bytes(&bytes)?;
                let tok = t.tfidf.tokenizer;
                println!(
                    "text classifier: {} labels, {} terms (word n-grams 1-{}, char n-grams {}-{})",
                    t.labels.len(),
                    t.tfidf.len(),
                    tok.word_ngrams,
                    tok.char_ngrams.0,
                    tok.char_ngrams.1
                );
                println!("labels:      {}", t.labels.join(", "));
                metadata(&t.meta);
            }
        }
    }
    Ok(())
}

fn metadata(m: &Metadata) {
    println!("written by:  {}", m.created_by);
    for (k, v) in &m.counts {
        println!("  trained on {v} {k}");
    }
    for (k, v) in &m.params {
        println!("  param  {k:<16} {v}");
    }
    for (k, v) in &m.metrics {
        println!("  metric {k:<28} {v:.4}");
    }
    for n in &m.notes {
        println!("  note   {n}");
    }
}

fn recommender(bytes: &[u8]) -> anyhow::Result<()> {
    let rec = Recommender::from_bytes(bytes)?;
    let info = rec.info();
    let m = &info.metadata;
    println!("model:       {}", info.model);
    println!("items:       {}", info.items);
    if let Some(k) = info.factors {
        println!("factors:     {k} ({})", info.factor_storage.unwrap_or("f32"));
    }
    if let Some(n) = info.neighbors {
        println!("neighbours:  {n}");
    }
    println!("catalogue:   {}", if info.has_catalog { "titles and prices" } else { "ids only" });
    if let Some(nb) = rec.bought_together_model() {
        println!("bought together: {} pairs", nb.entries());
    }
    println!("trending:    {}", if info.has_trending { "yes" } else { "no (train with --time-col)" });
    if let Some(t) = &m.trained_until {
        println!("trained until {t}");
    }
    metadata(m);
    let top: Vec<String> = rec.popular(&shelfwise::RecommendOptions::top(5))?.into_iter().map(|s| s.item).collect();
    println!("most popular: {}", top.join(", "));
    Ok(())
}
