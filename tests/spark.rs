//! The Spark route: what `examples/spark/shelfwise_als.py` trained (Spark MLlib ALS,
//! implicitPrefs, `local[2]`), imported by `shelfwise import spark-als`, must fold shoppers in as
//! Spark computed their user factors, rank as Spark's `recommendForUserSubset` does, and score
//! within 2 % of Spark's own precision@10 on the held-out split.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow_array::cast::AsArray;
use arrow_array::types::Float32Type;
use shelfwise::data::parquet::{Batches, Number};
use shelfwise::data::{Columns, Interactions, ReadOptions};
use shelfwise::recs::RecommendOptions;
use shelfwise::Recommender;

/// `(user id → factors)` from `als/userFactors` and `user_ids`.
fn user_factors(job: &Path) -> HashMap<String, Vec<f32>> {
    let table = shelfwise::data::table::Table::read(&job.join("user_ids"), b',').unwrap();
    let (ci, cu) = (table.column("index").unwrap(), table.column("user").unwrap());
    let ids: HashMap<i64, String> = table.rows.iter().map(|r| (r[ci].parse().unwrap(), r[cu].clone())).collect();
    let mut out = HashMap::new();
    let mut b =
        Batches::open(&job.join("als/userFactors")).unwrap().nested().columns(&["id".into(), "features".into()]);
    while let Some(batch) = b.next_batch().unwrap() {
        let lists = batch.columns[1].array().as_list::<i32>();
        for r in 0..batch.rows {
            let Some(Number::Int(id)) = batch.columns[0].number(r) else { panic!("user id") };
            let v: Vec<f32> = lists.value(r).as_primitive::<Float32Type>().values().to_vec();
            out.insert(ids[&id].clone(), v);
        }
    }
    out
}

#[test]
#[ignore = "needs the Spark job's output: bash scripts/test-spark.sh runs the job (Java 17, pyspark) and then this test"]
fn spark_als_imported_folds_in_and_ranks_as_spark_does() {
    let job = PathBuf::from(std::env::var("SHELFWISE_SPARK_OUT").expect("SHELFWISE_SPARK_OUT: the job's --out folder"));
    let dir = common::temp_dir("spark");
    let bundle = dir.join("spark.bundle");
    let o = Command::new(env!("CARGO_BIN_EXE_shelfwise"))
        .args(["import", "spark-als", "--job"])
        .arg(&job)
        .args(["--interactions"])
        .arg(job.join("train"))
        .args(["--weight-col", "weight", "--out"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    let rec = Recommender::from_bytes(&std::fs::read(&bundle).unwrap()).unwrap();

    // Bought together, when the job computed it (a log with baskets), came from its table.
    if job.join("together").exists() {
        let nb = rec.bought_together_model().expect("the job's together/ table is imported");
        assert!(nb.entries() > 0, "bought-together pairs from the Spark job");
    }

    // 1. Every training user's history folds in to Spark's user factors.
    let cols =
        Columns { user: "user".into(), item: "item".into(), weight: Some("weight".into()), ..Columns::default() };
    let (train, _) = Interactions::read_csv(&job.join("train"), &cols, &ReadOptions::default(), &|_| {}).unwrap();
    let spark_users = user_factors(&job);
    let csr = train.by_user();
    let mut histories: HashMap<String, Vec<(String, f32)>> = HashMap::new();
    let (mut worst, mut sum) = (1.0f64, 0.0f64);
    for (u, id) in train.users().iter().enumerate() {
        let history: Vec<(String, f32)> =
            csr.cols(u).iter().zip(csr.vals(u)).map(|(i, w)| (train.items()[*i as usize].clone(), *w)).collect();
        let state = rec.fold_in(&history).unwrap();
        let c = common::cosine(state.vector.as_ref().unwrap(), &spark_users[id]);
        (worst, sum) = (worst.min(c), sum + c);
        histories.insert(id.to_string(), history);
    }
    eprintln!(
        "fold-in vs Spark userFactors: {} users, cosine min {worst:.6}, mean {:.6}",
        train.n_users(),
        sum / train.n_users() as f64
    );
    assert!(worst >= 0.99, "every training user's fold-in must match Spark's (cosine ≥ 0.99), worst {worst}");

    // 2. The top 10 (history included, as recommendForUserSubset ranks) overlaps Spark's.
    let spark_recs = common::by_user(&job.join("recs"), None);
    let all = RecommendOptions { include_history: true, ..RecommendOptions::top(10) };
    let overlap = common::top10_overlap(&rec, &histories, &spark_recs, &all);
    eprintln!("top-10 overlap with Spark's recommendForUserSubset: {overlap:.4} over {} users", spark_recs.len());
    assert!(overlap >= 0.9, "top-10 overlap {overlap}");

    // 3. precision@10 on the held-out split, training items excluded, within 2 % of Spark's.
    let test = common::by_user(&job.join("test"), None);
    let ours = common::held_out_precision_at_10(&rec, &histories, &test);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(job.join("metrics.json")).unwrap()).unwrap();
    let theirs = metrics["precision_at_10"].as_f64().unwrap();
    eprintln!("precision@10 on {} test users: shelfwise (device fold-in) {ours:.4}, Spark {theirs:.4}", test.len());
    assert!((ours - theirs).abs() <= 0.02 * theirs, "precision@10 {ours} vs Spark's {theirs}");
}
