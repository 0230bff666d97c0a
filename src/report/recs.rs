//! The recommendation report (`eval recs --report`): quality by cut-off per model beside the
//! popularity baseline, coverage and popularity bias, results by shopper activity, and how
//! `--model auto` searched.

use std::collections::{BTreeMap, HashSet};

use super::chart::{self, Axes, Mark, Series};
use super::{num, Report};
use crate::bundle::search::SearchLog;
use crate::data::Interactions;
use crate::error::Result;
use crate::eval::split::{UserList, UserLists};
use crate::eval::RankingReport;
use crate::recs::Recommender;

/// What the recommendation report is made from.
#[derive(Debug, Clone)]
pub struct RecsInput<'a> {
    /// What was evaluated (the input file, the split).
    pub subtitle: String,
    /// The evaluated model's family and parameters, as printed.
    pub model: String,
    /// Seconds the fit took.
    pub fit_seconds: f64,
    /// Every model's lists, the evaluated one first (then baselines such as popularity), all
    /// made at the same cut-off.
    pub models: Vec<(String, &'a UserLists)>,
    /// The headline cut-off (at most the lists' cut-off).
    pub k: usize,
    /// The most popular items of the training data ([`head_items`]).
    pub head: HashSet<String>,
    /// Share of held-out interactions that fall on `head` items (what shoppers chose anyway).
    pub head_share_of_test: f64,
    /// The `--model auto` search, when there was one.
    pub search: Option<&'a SearchLog>,
}

/// Share of the catalogue counted as "most popular" for popularity bias.
pub const HEAD_SHARE: f64 = 0.01;

/// The top [`HEAD_SHARE`] of items by training interactions (at least one item).
pub fn head_items(train: &Interactions) -> HashSet<String> {
    let by_item = train.by_item();
    let mut counts: Vec<(usize, usize)> =
        (0..train.n_items()).map(|i| (by_item.cols(i).len(), i)).filter(|(c, _)| *c > 0).collect();
    counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let n = ((counts.len() as f64 * HEAD_SHARE).ceil() as usize).max(1);
    counts.iter().take(n).map(|(_, i)| train.items[*i].clone()).collect()
}

/// Share of `test`'s interactions on `head` items.
pub fn head_share(test: &Interactions, head: &HashSet<String>) -> f64 {
    let hits = test.item.iter().filter(|i| head.contains(&test.items[**i as usize])).count();
    hits as f64 / test.len().max(1) as f64
}

/// Activity groups by training-history length: (name, lowest, highest).
const ACTIVITY: [(&str, usize, usize); 3] =
    [("light (1–5 items)", 1, 5), ("medium (6–20)", 6, 20), ("heavy (21 or more)", 21, usize::MAX)];

/// Cut-offs drawn on the curves, up to `max`.
fn cut_offs(max: usize) -> Vec<usize> {
    let mut ks: Vec<usize> = [1, 2, 3, 5, 10, 15, 20, 30, 50, 100].into_iter().filter(|k| *k <= max).collect();
    if ks.last() != Some(&max) {
        ks.push(max);
    }
    ks
}

/// Share of recommendation slots (top `k`) filled with `head` items.
fn head_slots(lists: &UserLists, k: usize, head: &HashSet<String>) -> f64 {
    let (mut slots, mut hits) = (0usize, 0usize);
    for u in &lists.users {
        for item in u.ranked.iter().take(k) {
            slots += 1;
            hits += head.contains(item) as usize;
        }
    }
    hits as f64 / slots.max(1) as f64
}

/// Builds the report.
pub fn report(input: &RecsInput) -> Result<Report> {
    let mut r = Report::new("shelfwise · recommendation report", &input.subtitle);
    let k = input.k;
    let max_k = input.models.iter().flat_map(|m| m.1.users.iter().map(|u| u.ranked.len())).max().unwrap_or(k).max(k);
    let at_k: Vec<RankingReport> = input.models.iter().map(|(_, l)| l.report(k)).collect();
    let main = &at_k[0];
    let mut figures = vec![
        (num(main.users as f64), "test users evaluated".to_string()),
        (format!("{:.4}", main.precision), format!("precision@{k}")),
        (format!("{:.4}", main.recall), format!("recall@{k}")),
        (format!("{:.4}", main.ndcg), format!("NDCG@{k}")),
        (format!("{:.1} %", 100.0 * main.coverage), format!("catalogue coverage@{k}")),
        (format!("{:.1} s", input.fit_seconds), "to fit".to_string()),
    ];
    if let Some(base) = at_k.get(1).filter(|b| b.ndcg > 0.0) {
        figures.push((format!("{:.2}×", main.ndcg / base.ndcg), format!("NDCG@{k} of {}", input.models[1].0)));
    }
    r.paragraph(format!("Model: {}.", input.model)).figures(figures);
    r.note(
        "Every test user's training history is folded in through the same runtime a page uses, \
         their history is excluded from the ranking, and their held-out items count as hits.",
    );
    cut_off_section(&mut r, input, max_k)?;
    bias_section(&mut r, input, &at_k)?;
    activity_section(&mut r, input)?;
    if let Some(log) = input.search {
        search_section(&mut r, log)?;
    }
    Ok(r)
}

fn cut_off_section(r: &mut Report, input: &RecsInput, max_k: usize) -> Result<()> {
    r.heading("Quality by cut-off");
    let ks = cut_offs(max_k);
    let curves: Vec<Vec<RankingReport>> =
        input.models.iter().map(|(_, l)| ks.iter().map(|k| l.report(*k)).collect()).collect();
    type Pick = fn(&RankingReport) -> f64;
    let metrics: [(&str, Pick); 3] = [("precision", |m| m.precision), ("recall", |m| m.recall), ("NDCG", |m| m.ndcg)];
    for (name, pick) in metrics {
        let series: Vec<Series> = input
            .models
            .iter()
            .zip(&curves)
            .map(|((m, _), c)| Series::line(m, c.iter().map(|x| (x.k as f64, pick(x))).collect()))
            .collect();
        let axes = Axes::new(format!("{name}@k"), "k (items shown)", name);
        r.chart(chart::lines(&axes, &series)?, format!("{name}@k for k = 1 … {max_k}, each model one line."));
    }
    let mut rows = Vec::new();
    for ((m, _), c) in input.models.iter().zip(&curves) {
        for x in c {
            rows.push(vec![
                m.clone(),
                x.k.to_string(),
                num(x.precision),
                num(x.recall),
                num(x.ndcg),
                num(x.map),
                num(x.hit_rate),
                num(x.coverage),
            ]);
        }
    }
    let header = ["model", "k", "precision", "recall", "NDCG", "MAP", "hit rate", "coverage"];
    r.table(header.map(String::from).to_vec(), rows);
    Ok(())
}

/// `at_k`: each model's metrics at the headline cut-off, as `report` computed them.
fn bias_section(r: &mut Report, input: &RecsInput, at_k: &[RankingReport]) -> Result<()> {
    let k = input.k;
    r.heading("Coverage and popularity bias");
    let mut categories: Vec<String> = input.models.iter().map(|m| m.0.clone()).collect();
    let mut head: Vec<f64> = input.models.iter().map(|(_, l)| head_slots(l, k, &input.head)).collect();
    let mut coverage: Vec<f64> = at_k.iter().map(|m| m.coverage).collect();
    categories.push("held-out interactions".into());
    head.push(input.head_share_of_test);
    coverage.push(f64::NAN);
    let groups = vec![
        (format!("top-{k} slots on the most popular {:.0} %", 100.0 * HEAD_SHARE), head.clone()),
        (format!("catalogue coverage@{k}"), coverage.clone()),
    ];
    r.chart(
        chart::bars("Popularity bias and coverage", "share", &categories, &groups)?,
        format!(
            "Popularity bias: the share of recommendation slots taken by the top {:.0} % of items by training \
             interactions ({} items), beside the share of held-out interactions on them. Coverage: distinct \
             items recommended over the catalogue.",
            100.0 * HEAD_SHARE,
            input.head.len()
        ),
    );
    let rows = categories
        .iter()
        .zip(head.iter().zip(&coverage))
        .map(|(c, (h, v))| {
            vec![
                c.clone(),
                format!("{:.1} %", 100.0 * h),
                if v.is_nan() { "–".into() } else { format!("{:.1} %", 100.0 * v) },
            ]
        })
        .collect();
    r.table(vec!["".into(), "slots on most popular".into(), "coverage".into()], rows);
    Ok(())
}

fn activity_section(r: &mut Report, input: &RecsInput) -> Result<()> {
    let k = input.k;
    r.heading("By shopper activity");
    let in_group = |u: &UserList, lo: usize, hi: usize| u.history >= lo && u.history <= hi;
    let categories: Vec<String> = ACTIVITY.iter().map(|a| a.0.to_string()).collect();
    let groups: Vec<(String, Vec<f64>)> = input
        .models
        .iter()
        .map(|(m, l)| {
            (m.clone(), ACTIVITY.iter().map(|(_, lo, hi)| l.report_where(k, |u| in_group(u, *lo, *hi)).ndcg).collect())
        })
        .collect();
    r.chart(
        chart::bars(&format!("NDCG@{k} by training history"), &format!("NDCG@{k}"), &categories, &groups)?,
        "Shoppers grouped by how many items their training history holds.",
    );
    let mut rows = Vec::new();
    for (m, l) in &input.models {
        for (name, lo, hi) in ACTIVITY {
            let x = l.report_where(k, |u| in_group(u, lo, hi));
            rows.push(vec![
                m.clone(),
                name.to_string(),
                x.users.to_string(),
                num(x.precision),
                num(x.recall),
                num(x.ndcg),
            ]);
        }
    }
    let header =
        ["model", "activity", "users", &format!("precision@{k}"), &format!("recall@{k}"), &format!("NDCG@{k}")];
    r.table(header.map(String::from).to_vec(), rows);
    Ok(())
}

/// The training report (`train recs --report`): what the bundle holds and how `--model auto`
/// chose. Quality curves need held-out data: `eval recs --report` draws them.
pub fn training_report(subtitle: &str, model: &Recommender, bundle_bytes: usize, seconds: f64) -> Result<Report> {
    let info = model.info();
    let meta = model.metadata();
    let mut r = Report::new("shelfwise · recommender training report", subtitle);
    let mut figures = vec![
        (info.model.clone(), "model".to_string()),
        (num(info.items as f64), "items".to_string()),
        (format!("{:.1} KB", bundle_bytes as f64 / 1024.0), "bundle".to_string()),
        (format!("{seconds:.1} s"), "to train".to_string()),
    ];
    figures.extend(meta.counts.iter().map(|(k, v)| (num(*v as f64), k.replace('_', " "))));
    r.figures(figures);
    let holds = [
        (info.has_catalog, "titles"),
        (info.has_bought_together, "bought together"),
        (info.has_trending, "trending"),
        (info.has_item2vec, "session embeddings (item2vec)"),
        (info.has_text_index, "title search"),
    ];
    let holds: Vec<&str> = holds.iter().filter(|h| h.0).map(|h| h.1).collect();
    if !holds.is_empty() {
        r.paragraph(format!("Beside the model the bundle holds: {}.", holds.join(", ")));
    }
    let params = meta.params.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
    r.heading("Parameters").table(vec!["parameter".into(), "value".into()], params);
    if !meta.metrics.is_empty() {
        let rows = meta.metrics.iter().map(|(k, v)| vec![k.clone(), num(*v)]).collect();
        r.heading("Metrics stored in the bundle").table(vec!["metric".into(), "value".into()], rows);
    }
    if !meta.notes.is_empty() {
        r.heading("Notes");
        meta.notes.iter().for_each(|n| {
            r.note(n.clone());
        });
    }
    match model.search() {
        Some(log) => search_section(&mut r, log)?,
        None => {
            r.note("Quality by cut-off, popularity bias and results by shopper activity need held-out data: `shelfwise eval recs … --report` draws them.");
        }
    }
    Ok(r)
}

fn search_section(r: &mut Report, log: &SearchLog) -> Result<()> {
    r.heading("How --model auto chose");
    r.paragraph(format!(
        "{} trials within {} (bundles up to {} bytes), each validated on {} users at k = {}; the winner was \
         retrained on all the data.",
        log.trials.len(),
        log.budget,
        log.max_bundle_bytes,
        log.validation_users,
        log.k
    ));
    let mut families: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    let mut elapsed = 0.0;
    for t in &log.trials {
        elapsed += t.seconds;
        families.entry(t.family.as_str()).or_default().push((elapsed, t.ndcg));
    }
    let mut series: Vec<Series> = families.iter().map(|(f, pts)| Series::with(*f, pts.clone(), Mark::Points)).collect();
    let best: Vec<(f64, f64)> = {
        let (mut best, mut at, mut out) = (f64::NEG_INFINITY, 0.0, Vec::new());
        for t in &log.trials {
            at += t.seconds;
            if t.ndcg > best {
                best = t.ndcg;
            }
            out.push((at, best));
        }
        out
    };
    series.push(Series::line("best so far", best));
    let axes = Axes::new("Search trace", "seconds since the search began", format!("validation NDCG@{}", log.k));
    r.chart(chart::lines(&axes, &series)?, "Each dot is one trial, coloured by family; the line is the best so far.");
    let rows = log
        .trials
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mark = if i == log.winner { "★ " } else { "" };
            vec![
                format!("{mark}{}", i + 1),
                t.family.clone(),
                t.params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "),
                t.fidelity.clone(),
                t.storage.clone(),
                num(t.ndcg),
                num(t.precision),
                num(t.bundle_bytes as f64),
                format!("{:.1}", t.seconds),
            ]
        })
        .collect();
    let header = ["trial", "family", "parameters", "fidelity", "storage", "NDCG", "precision", "bytes", "seconds"];
    r.table(header.map(String::from).to_vec(), rows);
    Ok(())
}
