//! Recommendation quality on real data, evaluated through the runtime path (fold-in per user).
//! Shared evaluation data is optional: tests skip with a message when it is absent.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use shelfwise::data::{Columns, Interactions, ReadOptions};
use shelfwise::eval::split::{evaluate, Split};
use shelfwise::recs::{Quantization, Recommender, Scaling};
use shelfwise::train::{train_recommender, AlsParams, EaseParams, ModelChoice};

fn read(path: &std::path::Path, user: &str, item: &str, weight: Option<&str>, skip: bool) -> Interactions {
    let cols = Columns { user: user.into(), item: item.into(), weight: weight.map(Into::into), ..Columns::default() };
    Interactions::read_csv(path, &cols, &ReadOptions { skip_bad_rows: skip, ..ReadOptions::default() }, &|_| {})
        .unwrap()
        .0
}

#[test]
fn demo_data_models_beat_popularity() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/online-retail-demo.csv.gz");
    let data = read(&path, "CustomerID", "StockCode", None, false);
    let (train, test) = Split::Random { test_fraction: 0.2 }.apply(&data, 42).unwrap();
    let pop = evaluate(&train_recommender(&train, &ModelChoice::Popular, None).unwrap(), &train, &test, 10).unwrap();
    let ease = evaluate(
        &train_recommender(&train, &ModelChoice::Ease(EaseParams::new().lambda(500.0)), None).unwrap(),
        &train,
        &test,
        10,
    )
    .unwrap();
    let als = evaluate(
        &train_recommender(&train, &ModelChoice::Als(AlsParams::new().factors(64).regularization(50.0)), None).unwrap(),
        &train,
        &test,
        10,
    )
    .unwrap();
    eprintln!(
        "demo data precision@10: popular {:.4}, ease {:.4}, als {:.4}",
        pop.precision, ease.precision, als.precision
    );
    assert!(ease.precision > pop.precision * 1.5, "ease {ease:?} vs popular {pop:?}");
    assert!(als.precision > pop.precision * 1.3, "als {als:?} vs popular {pop:?}");
    assert!(ease.coverage > pop.coverage * 5.0);
}

#[test]
#[ignore = "needs ../shared/data (evaluation data, not in the repo)"]
fn movielens_precision_at_10_reaches_0_30() {
    let path = common::shared_data("ml-latest-small/ratings.csv");
    let data = read(&path, "userId", "movieId", None, false);
    let (train, test) = Split::Random { test_fraction: 0.2 }.apply(&data, 42).unwrap();
    let model =
        train_recommender(&train, &ModelChoice::Ease(EaseParams::new().lambda(250.0).neighbors(200)), None).unwrap();
    let r = evaluate(&model, &train, &test, 10).unwrap();
    eprintln!("ml-latest-small EASE: {r:?}");
    assert!(r.precision >= 0.30, "precision@10 {}", r.precision);
}

#[test]
#[ignore = "needs ../shared/data (evaluation data, not in the repo)"]
fn online_retail_precision_at_10() {
    let path = common::shared_data("online-retail/online_retail.csv.gz");
    let data = read(&path, "CustomerID", "StockCode", Some("Quantity"), true);
    let (train, test) = Split::Random { test_fraction: 0.2 }.apply(&data, 42).unwrap();
    let model =
        train_recommender(&train, &ModelChoice::Ease(EaseParams::new().lambda(500.0).neighbors(200)), None).unwrap();
    let r = evaluate(&model, &train, &test, 10).unwrap();
    eprintln!("Online Retail EASE: {r:?}");
    assert!(r.capped_precision >= 0.19, "capped precision@10 {}", r.capped_precision);
    assert!(r.precision >= 0.14, "precision@10 {}", r.precision);
}

/// `--model auto` with a 20-trial budget (reproducible on any machine; the CLI's default is 60
/// seconds), evaluated on a random 80/20 split it never saw.
fn auto_precision(data: &Interactions) -> f64 {
    use shelfwise::train::auto::Budget;
    let (train, test) = Split::Random { test_fraction: 0.2 }.apply(data, 42).unwrap();
    let p = shelfwise::train::AutoParams { budget: Budget::Trials(20), ..Default::default() };
    let model = train_recommender(&train, &ModelChoice::Auto(p), None).unwrap();
    let log = model.search().unwrap();
    let r = evaluate(&model, &train, &test, 10).unwrap();
    eprintln!("auto chose {} ({:?}): {r:?}", log.trials[log.winner].family, log.trials[log.winner].params);
    assert!(model.to_bytes().len() as u64 <= 5 << 20, "the default bundle budget holds");
    r.precision
}

#[test]
#[ignore = "needs ../shared/data (evaluation data, not in the repo)"]
fn auto_on_movielens_beats_tuned_ease_and_als() {
    let data = read(&common::shared_data("ml-latest-small/ratings.csv"), "userId", "movieId", None, false);
    // Measured 0.3209 (a blend: ALS 256 factors, weight 0.7, beside EASE λ 250 with 60
    // neighbours; ALS alone 0.3138); EASE tuned on this split reaches 0.308 (1,000 neighbours,
    // far over the bundle budget) and implicit's ALS tuned by grid 0.294. The target.
    let p = auto_precision(&data);
    assert!(p >= 0.32, "precision@10 {p}");
}

#[test]
#[ignore = "needs ../shared/data (evaluation data, not in the repo)"]
fn auto_on_online_retail_beats_tuned_ease_and_als() {
    let data = read(&common::shared_data("online-retail/online_retail.csv.gz"), "CustomerID", "StockCode", None, true);
    // Measured 0.2040 (a blend: ALS 256 factors, weight 0.7, beside EASE λ 59 with 90
    // neighbours; EASE alone, λ 96, 0.1917; customers × products, no weights); EASE λ=100 with
    // 1,000 neighbours scores 0.1880 and ALS 256 factors 0.1831 on this split. The target.
    let p = auto_precision(&data);
    assert!(p >= 0.20, "precision@10 {p}");
}

/// Int8 bundles ≥ 3.5× smaller than f32 (f16 ≥ 1.9×), each losing ≤ 1 % relative precision@10.
/// Linear confidence (α 2, λ 50), the setting these figures were first measured with: a BM25
/// model also carries one f32 idf per item, which no factor storage shrinks.
fn check_quantized(name: &str, data: &Interactions, factors: usize) {
    let (train, test) = Split::Random { test_fraction: 0.2 }.apply(data, 42).unwrap();
    let als = AlsParams::new().factors(factors).regularization(50.0).alpha(2.0).scaling(Scaling::Linear);
    let f32_model = train_recommender(&train, &ModelChoice::Als(als), None).unwrap();
    let f32_bytes = f32_model.to_bytes();
    let base = evaluate(&Recommender::from_bytes(&f32_bytes).unwrap(), &train, &test, 10).unwrap();
    for q in [Quantization::Int8, Quantization::F16] {
        let bytes = f32_model.clone().quantize(q).unwrap().to_bytes();
        let r = evaluate(&Recommender::from_bytes(&bytes).unwrap(), &train, &test, 10).unwrap();
        let ratio = f32_bytes.len() as f64 / bytes.len() as f64;
        eprintln!(
            "{name} ALS {}: precision@10 {:.4} (f32 {:.4}), bundle {} bytes ({ratio:.2}x smaller)",
            q.name(),
            r.precision,
            base.precision,
            bytes.len()
        );
        assert!(r.precision >= 0.99 * base.precision, "{name} {}: {} vs {}", q.name(), r.precision, base.precision);
        assert!(ratio >= if q == Quantization::Int8 { 3.5 } else { 1.9 }, "{name} {}: {ratio:.2}x", q.name());
    }
}

#[test]
#[ignore = "needs ../shared/data (evaluation data, not in the repo)"]
fn int8_factors_lose_at_most_1_percent_precision_on_movielens() {
    let path = common::shared_data("ml-latest-small/ratings.csv");
    check_quantized("ml-latest-small", &read(&path, "userId", "movieId", None, false), 64);
}

#[test]
#[ignore = "needs ../shared/data (evaluation data, not in the repo)"]
fn int8_factors_lose_at_most_1_percent_precision_on_online_retail() {
    let path = common::shared_data("online-retail/online_retail.csv.gz");
    check_quantized("Online Retail", &read(&path, "CustomerID", "StockCode", Some("Quantity"), true), 128);
}

#[test]
#[ignore = "needs ../shared/data (evaluation data, not in the repo)"]
fn online_retail_next_basket_item2vec_and_bought_together_beat_popularity() {
    let path = common::shared_data("online-retail/online_retail.csv.gz");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shelfwise"))
        .args(["eval", "baskets", "--input"])
        .arg(&path)
        .args([
            "--user-col",
            "CustomerID",
            "--item-col",
            "StockCode",
            "--basket-col",
            "InvoiceNo",
            "--time-col",
            "InvoiceDate",
        ])
        .args(["--weight-col", "Quantity", "--item2vec"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let rate = |name: &str| -> f64 {
        let line =
            text.lines().find(|l| l.trim_start().starts_with(name)).unwrap_or_else(|| panic!("no '{name}' in {text}"));
        line.split_whitespace().last().unwrap().parse().unwrap()
    };
    let (bt, i2v, pop) = (rate("bought together "), rate("item2vec forSession"), rate("popular"));
    eprintln!("next-basket hit rate@10: bought together {bt}, item2vec {i2v}, popular {pop}");
    assert!(bt >= 0.44 && i2v >= 0.37 && pop < 0.29, "{text}");
}

/// The reference text task (SOURCES.md): product title → top-level category, 13 labels with at
/// least 100 rows, stratified 75/25, seed 42. scikit-learn's reference model scores macro-F1
/// 0.8339 on this same split (0.8467 on its own split; `scripts/bench-text.sh`).
#[test]
#[ignore = "needs ../shared/data (evaluation data, not in the repo)"]
fn amazon_toys_title_classifier_macro_f1() {
    let path = common::shared_data("amazon-toys/amazon_co-ecommerce_sample.csv");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(&path).unwrap();
    let mut rows: Vec<(String, String)> = Vec::new();
    for r in reader.records() {
        let r = r.unwrap();
        if r.get(2).is_some_and(|c| !c.trim().is_empty()) {
            rows.push((r[1].to_string(), r[2].split(" > ").next().unwrap().trim().to_string()));
        }
    }
    let mut counts = std::collections::HashMap::new();
    rows.iter().for_each(|(_, l)| *counts.entry(l.clone()).or_insert(0) += 1);
    rows.retain(|(_, l)| counts[l] >= 100);
    assert_eq!(rows.len(), 9170);
    let labels: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let (train, test) = shelfwise::train::propensity::stratified_split_by(&labels, 0.25, 42).unwrap();
    let tx: Vec<&str> = train.iter().map(|&i| rows[i].0.as_str()).collect();
    let ty: Vec<&str> = train.iter().map(|&i| labels[i]).collect();
    let (m, _) = shelfwise::train::text::TextParams::new().fit(&tx, &ty).unwrap();
    let truth: Vec<usize> = test.iter().map(|&i| m.labels.iter().position(|l| l == labels[i]).unwrap()).collect();
    let predicted: Vec<usize> = test
        .iter()
        .map(|&i| {
            let best = &m.classify(&rows[i].0).unwrap().labels[0].label;
            m.labels.iter().position(|l| l == best).unwrap()
        })
        .collect();
    let r = shelfwise::eval::multiclass::multiclass_report(&m.labels, &truth, &predicted);
    eprintln!("amazon-toys: accuracy {:.4}, macro-F1 {:.4}", r.accuracy, r.macro_f1);
    assert!(r.macro_f1 >= 0.84, "macro-F1 {:.4}", r.macro_f1);
}

/// The cold-start split of Online Retail: every item first sold in the last 60 days (118) is
/// new — in the catalogue with its title, absent from training; the 985 customers who bought
/// one after the cut and had bought before it are ranked the new items only, from their history
/// before the cut. Rows without a customer or with a quantity ≤ 0 are left out.
struct ColdSplit {
    train: Interactions,
    titles: std::collections::HashMap<String, String>,
    new_items: Vec<String>,
    users: Vec<ColdUser>,
}

/// A customer's history before the cut and the new items they bought after it.
type ColdUser = (Vec<(String, f32)>, std::collections::HashSet<String>);

fn cold_split() -> ColdSplit {
    use std::collections::{HashMap, HashSet};
    let path = common::shared_data("online-retail/online_retail.csv.gz");
    let mut rdr = csv::Reader::from_reader(flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()));
    let mut rows: Vec<(String, String, i64)> = Vec::new();
    let mut descriptions: HashMap<String, HashMap<String, u32>> = HashMap::new();
    for r in rdr.records() {
        let r = r.unwrap();
        let (item, desc, qty, when, customer) = (&r[1], &r[2], &r[3], &r[4], &r[6]);
        if customer.is_empty() || qty.parse::<f64>().unwrap() <= 0.0 {
            continue;
        }
        let t = shelfwise::data::time::parse_timestamp(when).unwrap();
        rows.push((customer.to_string(), item.to_string(), t));
        *descriptions.entry(item.to_string()).or_default().entry(desc.to_string()).or_default() += 1;
    }
    let cut = rows.iter().map(|r| r.2).max().unwrap() - 60 * 86_400;
    let mut first: HashMap<&str, i64> = HashMap::new();
    for (_, i, t) in &rows {
        let f = first.entry(i).or_insert(*t);
        *f = (*f).min(*t);
    }
    let mut new_items: Vec<String> = first.iter().filter(|(_, t)| **t >= cut).map(|(i, _)| i.to_string()).collect();
    new_items.sort();
    let new_set: HashSet<&str> = new_items.iter().map(String::as_str).collect();
    let mut before: HashMap<&str, Vec<(String, f32)>> = HashMap::new();
    let mut after: HashMap<&str, HashSet<String>> = HashMap::new();
    let mut triples = Vec::new();
    for (c, i, t) in &rows {
        if *t < cut {
            triples.push((c.as_str(), i.as_str(), 1.0));
            before.entry(c).or_default().push((i.clone(), 1.0));
        } else if new_set.contains(i.as_str()) {
            after.entry(c).or_default().insert(i.clone());
        }
    }
    let mut users: Vec<_> =
        after.into_iter().filter_map(|(c, bought)| before.get(c).map(|h| (c, h.clone(), bought))).collect();
    users.sort_by(|a, b| a.0.cmp(b.0));
    // An item's title: its most frequent description (ties: the first in text order).
    let titles = descriptions
        .into_iter()
        .map(|(i, d)| {
            let best = d.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).unwrap().0.clone();
            (i, best)
        })
        .collect();
    ColdSplit {
        train: Interactions::from_triples(triples).unwrap(),
        titles,
        new_items,
        users: users.into_iter().map(|(_, h, b)| (h, b)).collect(),
    }
}

#[test]
#[ignore = "needs ../shared/data (evaluation data, not in the repo)"]
fn new_items_are_ranked_from_their_look_alikes_on_online_retail() {
    use shelfwise::recs::RecommendOptions;
    use shelfwise::train::cold::{add_cold_items, ColdStartParams};
    let s = cold_split();
    assert_eq!((s.new_items.len(), s.users.len()), (118, 985));
    let model = train_recommender(&s.train, &ModelChoice::Als(AlsParams::new()), None).unwrap();
    let warm: Vec<String> = model.items().ids().map(|i| s.titles[i].clone()).collect();
    let cold: Vec<String> = s.new_items.iter().map(|i| s.titles[i].clone()).collect();
    let alikes = ColdStartParams::default().look_alikes(&warm, &cold).unwrap();
    let model = add_cold_items(model, &s.new_items, &cold, &alikes).unwrap();
    let opts = RecommendOptions { include_only: Some(s.new_items.clone()), ..RecommendOptions::top(10) };
    let (mut hits, mut recall) = (0.0, 0.0);
    for (history, bought) in &s.users {
        let top = model.recommend(history, &opts).unwrap().items;
        let found = top.iter().filter(|x| bought.contains(&x.item)).count();
        hits += f64::from(found > 0);
        recall += found as f64 / bought.len() as f64;
    }
    let n = s.users.len() as f64;
    let (hit_rate, recall) = (hits / n, recall / n);
    eprintln!("Online Retail cold start: hit-rate@10 {hit_rate:.4}, recall@10 {recall:.4}");
    // References measured on this split (bench/cold_start.py): random 0.24, title TF-IDF
    // nearest neighbour 0.522, LightFM WARP with title words 0.50.
    assert!(hit_rate >= 0.58, "hit-rate@10 {hit_rate}");
}
