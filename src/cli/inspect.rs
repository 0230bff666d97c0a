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
    /// Print one JSON object instead: `bytes`, `formatVersion`, `sections` (name → bytes), and
    /// per model kind its summary and metadata (`recommender` also `search`, the `--model auto`
    /// record, or null).
    #[arg(long)]
    json: bool,
}

/// Prints the container's sections, then each model's summary and metadata.
pub fn run(a: InspectArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&a.bundle).with_context(|| format!("reading {}", a.bundle.display()))?;
    let sections =
        shelfwise::bundle::describe(&bytes).with_context(|| format!("{} is not a valid bundle", a.bundle.display()))?;
    if a.json {
        return json(&bytes, &sections);
    }
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
                if let Some(m) = p.session() {
                    let rows = m.stats().rows().len();
                    println!(
                        "session:     {} fields mapped (score --session, scoreSession); {rows} page-statistics rows",
                        m.fields().len()
                    );
                }
                metadata(p.metadata());
            }
            ModelKind::Text => {
                let t = TextClassifier::from_bytes(&bytes)?;
                let tok = t.tfidf.tokenizer();
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

/// `inspect --json`.
fn json(bytes: &[u8], sections: &[(String, usize)]) -> anyhow::Result<()> {
    let mut out = serde_json::json!({
        "bytes": bytes.len(),
        "formatVersion": shelfwise::bundle::FORMAT_VERSION,
        "sections": sections.iter().map(|(n, l)| (n.clone(), serde_json::json!(l))).collect::<serde_json::Map<_, _>>(),
    });
    for kind in shelfwise::bundle::models(&Container::parse(bytes)?) {
        let (key, value) = match kind {
            ModelKind::Recommender => {
                let rec = Recommender::from_bytes(bytes)?;
                ("recommender", serde_json::json!({ "info": rec.info(), "search": rec.search() }))
            }
            ModelKind::Propensity => {
                let p = Propensity::from_bytes(bytes)?;
                let fields: Vec<&str> = p.schema().fields.iter().map(|f| f.name.as_str()).collect();
                (
                    "propensity",
                    serde_json::json!({
                        "model": p.model().family(),
                        "target": p.schema().target,
                        "fields": fields,
                        "threshold": p.threshold(),
                        "metadata": p.metadata(),
                    }),
                )
            }
            ModelKind::Text => {
                let t = TextClassifier::from_bytes(bytes)?;
                ("text", serde_json::json!({ "labels": t.labels, "terms": t.tfidf.len(), "metadata": t.meta }))
            }
        };
        out[key] = value;
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// What the catalogue section really holds.
fn catalogue_contents(c: Option<&shelfwise::recs::Catalog>) -> String {
    let Some(c) = c else { return "ids only".into() };
    let titles = c.titles.iter().filter(|t| !t.is_empty()).count();
    let prices = c.prices.iter().filter(|p| !p.is_nan()).count();
    match (titles, prices) {
        (0, 0) => "ids only".into(),
        (t, 0) => format!("titles ({t} items)"),
        (0, p) => format!("prices ({p} items)"),
        (t, p) => format!("titles ({t} items) and prices ({p} items)"),
    }
}

fn metadata(m: &Metadata) {
    println!("written by:  {}", m.created_by);
    for (k, v) in &m.counts {
        println!("  count  {k:<16} {v}");
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
    println!("catalogue:   {}", catalogue_contents(rec.catalog()));
    if let Some(nb) = rec.bought_together_model() {
        println!("bought together: {} pairs", nb.entries());
    }
    println!("trending:    {}", if info.has_trending { "yes" } else { "no (train with --time-col)" });
    if let Some(t) = &m.trained_until {
        println!("trained until {t}");
    }
    metadata(m);
    println!("most popular:");
    for s in rec.popular(&shelfwise::RecommendOptions::top(5))? {
        match rec.items().get(&s.item).map(|i| rec.entry(i)) {
            Some(shelfwise::recs::CatalogEntry { title: Some(t), .. }) if !t.is_empty() => {
                println!("  {:<16} {t}", s.item)
            }
            _ => println!("  {}", s.item),
        }
    }
    if let Some(log) = rec.search() {
        search(log);
    }
    Ok(())
}

/// The `--model auto` record: every trial, the winner (`*`) and the size/quality frontier (`f`).
fn search(log: &shelfwise::bundle::SearchLog) {
    println!();
    println!(
        "search: {} trials, budget {}, bundles up to {} bytes, validation on {} users (metrics @{})",
        log.trials.len(),
        log.budget,
        log.max_bundle_bytes,
        log.validation_users,
        log.k
    );
    println!("      # family  fidelity storage      ndcg  precision  coverage        bytes  seconds  parameters");
    for (i, t) in log.trials.iter().enumerate() {
        let mark = match (i == log.winner, log.frontier.contains(&i)) {
            (true, _) => '*',
            (false, true) => 'f',
            _ => ' ',
        };
        println!(
            "  {mark} {:>3} {:<7} {:<8} {:<7} {:>9.4} {:>10.4} {:>9.4} {:>12} {:>8.1}  {}",
            i + 1,
            t.family,
            t.fidelity,
            t.storage,
            t.ndcg,
            t.precision,
            t.coverage,
            t.bundle_bytes,
            t.seconds,
            t.params_text(4)
        );
    }
    println!("  * chosen, f on the size/quality frontier (no smaller bundle validated as well)");
}
