//! Helpers shared by the native integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub mod queries;

use shelfwise::data::Interactions;

/// A deterministic synthetic shop: two taste clusters, so a good model must learn them.
/// Users 0..40 buy from items a0..a9, users 40..80 from b0..b9; every user also buys "gift".
pub fn clustered_shop() -> Interactions {
    let mut triples: Vec<(String, String, f32)> = Vec::new();
    for u in 0..80 {
        let group = if u < 40 { "a" } else { "b" };
        for j in 0..10 {
            if (u * 7 + j * 3) % 10 < 6 {
                triples.push((format!("user{u}"), format!("{group}{j}"), 1.0));
            }
        }
        triples.push((format!("user{u}"), "gift".into(), 1.0));
    }
    Interactions::from_triples(triples.iter().map(|(u, i, w)| (u.as_str(), i.as_str(), *w))).unwrap()
}

/// [`clustered_shop`] with catalogue titles: "a" items are trains, "b" items dolls, with
/// colours shared across both; "gift" is a gift card.
pub fn clustered_shop_with_titles() -> Interactions {
    let mut data = clustered_shop();
    let colours = ["red", "blue", "green", "wooden", "pink"];
    data.fill_titles(|id| {
        let n: usize = id[1..].parse().unwrap_or(0);
        Some(match &id[..1] {
            "a" => format!("{} steam locomotive no. {n}", colours[n % 5]),
            "b" => format!("{} fashion doll with dress {n}", colours[n % 5]),
            _ => "gift card".to_string(),
        })
    });
    data
}

/// Runs the shelfwise CLI with the words of `line`.
pub fn run_cli(line: &str) -> std::process::Output {
    let args: Vec<&str> = line.split_whitespace().collect();
    std::process::Command::new(env!("CARGO_BIN_EXE_shelfwise")).args(&args).output().expect("run shelfwise")
}

/// What a command printed, stdout then stderr, for a failed assertion's message.
pub fn printed(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Runs `line` once per input, `{in}` its path and `{out}` a bundle in `dir`, and returns each
/// bundle's bytes with what the command printed; a command that fails fails the test.
pub fn train_each(dir: &Path, line: &str, inputs: &[&Path]) -> Vec<(Vec<u8>, String)> {
    inputs
        .iter()
        .enumerate()
        .map(|(k, input)| {
            let out = dir.join(format!("train-each-{k}.bundle"));
            let o = run_cli(
                &line.replace("{in}", &input.display().to_string()).replace("{out}", &out.display().to_string()),
            );
            assert!(o.status.success(), "{line} on {}: {}", input.display(), printed(&o));
            (std::fs::read(&out).unwrap(), printed(&o))
        })
        .collect()
}

/// A seeded xorshift64 generator, for test data that is the same on every machine.
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

/// One Hive-style partition of [`year_region_partitions`]: its directory, its rows (indices, in
/// order) and the `year,region` cells a CSV of its rows holds (the null region empty).
pub struct Partition {
    pub dir: PathBuf,
    pub rows: Vec<usize>,
    pub cells: String,
}

/// Rows `0..n` spread over the directories `year=Y/region=R` below `root`, as Spark's
/// `partitionBy("year", "region")` lays them out (two years from `first_year`; a region name that
/// Spark escapes, `north%3A1%2Fa` for `north:1/a`, and the null region
/// `__HIVE_DEFAULT_PARTITION__`), in path order. The directories are not created.
pub fn year_region_partitions(root: &Path, n: usize, first_year: usize) -> Vec<Partition> {
    let regions = [("north%3A1%2Fa", "north:1/a"), ("south", "south"), ("__HIVE_DEFAULT_PARTITION__", "")];
    let mut out: Vec<Partition> = Vec::new();
    for k in 0..n {
        let year = first_year + k % 2;
        let (name, cell) = regions[k * 7 % 11 % 3];
        let dir = root.join(format!("year={year}")).join(format!("region={name}"));
        match out.iter_mut().find(|p| p.dir == dir) {
            Some(p) => p.rows.push(k),
            None => out.push(Partition { dir, rows: vec![k], cells: format!("{year},{cell}") }),
        }
    }
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    out
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("shelfwise-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `../shared/data/<rel>`. Tests that read it are `#[ignore = "needs ../shared/data …"]`, so a
/// plain `cargo test` shows them as ignored; `scripts/test.sh` adds `--include-ignored` when the
/// data is there. Run that way without the data, they fail here and say why.
pub fn shared_data(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(rel);
    assert!(p.exists(), "{} is absent: this test needs the evaluation data in ../shared/data", p.display());
    p
}

/// Deterministic synthetic product titles in three labelled categories (words of our own), with
/// brand and colour words shared by all of them so the classifier must weigh the telling terms.
pub fn product_titles() -> Vec<(String, String)> {
    let kinds = [
        ("Puzzles", ["jigsaw", "puzzle", "pieces", "1000", "brain teaser"]),
        ("Trains", ["locomotive", "railway", "track", "oo gauge", "steam engine"]),
        ("Dolls", ["doll", "dress", "fashion", "baby doll", "dolls house"]),
    ];
    let shared = ["deluxe", "classic", "red", "blue", "wooden", "kids", "gift", "set", "mini", "large"];
    let mut out = Vec::new();
    for n in 0..60 {
        for (label, words) in &kinds {
            let a = words[n % words.len()];
            let b = words[(n * 3 + 1) % words.len()];
            let s1 = shared[n % shared.len()];
            let s2 = shared[(n * 7 + 3) % shared.len()];
            out.push((format!("{s1} {a} {s2} {b} no. {n}"), label.to_string()));
        }
    }
    out
}

/// Rows of a table with string columns `user` and `item`, grouped by user: `(item, weight)`,
/// the weight from column `weight` when given, else 1.
pub fn by_user(path: &Path, weight: Option<&str>) -> std::collections::HashMap<String, Vec<(String, f32)>> {
    let t = shelfwise::data::table::Table::read(path, b',').unwrap();
    let (cu, ci) = (t.column("user").unwrap(), t.column("item").unwrap());
    let cw = weight.map(|w| t.column(w).unwrap());
    let mut out: std::collections::HashMap<String, Vec<(String, f32)>> = std::collections::HashMap::new();
    for r in &t.rows {
        let w = cw.map_or(1.0, |c| r[c].parse::<f32>().unwrap());
        out.entry(r[cu].clone()).or_default().push((r[ci].clone(), w));
    }
    out
}

/// The cosine of two vectors, in f64.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let n = |v: &[f32]| v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (n(a) * n(b)).max(1e-30)
}

/// The share of each user's reference top 10 (`theirs`, grouped by user) that `rec` also ranks
/// in its top 10 for the user's history under `opts`.
pub fn top10_overlap(
    rec: &shelfwise::Recommender,
    histories: &std::collections::HashMap<String, Vec<(String, f32)>>,
    theirs: &std::collections::HashMap<String, Vec<(String, f32)>>,
    opts: &shelfwise::recs::RecommendOptions,
) -> f64 {
    let mut overlap = 0usize;
    for (user, top) in theirs {
        let ours: std::collections::HashSet<String> =
            rec.recommend(&histories[user], opts).unwrap().items.into_iter().map(|s| s.item).collect();
        overlap += top.iter().filter(|(i, _)| ours.contains(i)).count();
    }
    overlap as f64 / (10 * theirs.len()) as f64
}

/// precision@10 of `rec` on held-out items (`test`, grouped by user), each user's training
/// history folded in and excluded: hits / 10 over the test users.
pub fn held_out_precision_at_10(
    rec: &shelfwise::Recommender,
    histories: &std::collections::HashMap<String, Vec<(String, f32)>>,
    test: &std::collections::HashMap<String, Vec<(String, f32)>>,
) -> f64 {
    let mut hits = 0usize;
    for (user, held) in test {
        let held: std::collections::HashSet<&str> = held.iter().map(|(i, _)| i.as_str()).collect();
        let ours = rec.recommend(&histories[user], &shelfwise::recs::RecommendOptions::top(10)).unwrap().items;
        hits += ours.iter().filter(|s| held.contains(s.item.as_str())).count();
    }
    hits as f64 / (10 * test.len()) as f64
}
