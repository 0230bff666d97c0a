//! The implicit route: an ALS model the Python implicit library trained (`model.save`), imported
//! by `shelfwise import implicit`, must fold shoppers in as implicit's `recalculate_user` does,
//! rank as its `recommend(recalculate_user=True)` does, and score within 2 % of implicit's own
//! precision@10 on the held-out split.
//!
//! The committed fixture (tests/fixtures/implicit/) is a small synthetic log of ours that
//! `bench/implicit_export.py` trained implicit 0.7.3 on; `SHELFWISE_IMPLICIT_OUT` points the
//! test at another export of that script (`bash scripts/bench-implicit.sh` on ml-latest-small).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use shelfwise::data::table::Table;
use shelfwise::recs::RecommendOptions;
use shelfwise::train::import::implicit::read_npy_matrix;
use shelfwise::Recommender;

/// The worst and the mean cosine between each user's fold-in and a row of `expected`.
fn fold_in_match(
    rec: &Recommender,
    users: &[String],
    histories: &HashMap<String, Vec<(String, f32)>>,
    expected: &Path,
) -> (f64, f64) {
    let m = read_npy_matrix(expected).unwrap();
    assert_eq!(m.rows, users.len());
    let (mut worst, mut sum) = (1.0f64, 0.0f64);
    for (u, id) in users.iter().enumerate() {
        let state = rec.fold_in(&histories[id]).unwrap();
        let c = common::cosine(state.vector.as_ref().unwrap(), &m.values[u * m.cols..(u + 1) * m.cols]);
        (worst, sum) = (worst.min(c), sum + c);
    }
    (worst, sum / users.len() as f64)
}

/// Imports the model in `dir` with `log` as `--interactions` (read with `args`) into `bundle`;
/// what the run printed to stderr.
fn import(dir: &Path, log: &Path, args: &[&str], bundle: &Path) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_shelfwise"))
        .args(["import", "implicit", "--model"])
        .arg(dir.join("model.npz"))
        .arg("--item-ids")
        .arg(dir.join("item_ids.csv"))
        .arg("--interactions")
        .arg(log)
        .args(args)
        .arg("--out")
        .arg(bundle)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn implicit_als_imported_folds_in_and_ranks_as_implicit_does() {
    let dir = std::env::var("SHELFWISE_IMPLICIT_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/implicit"));
    let bundle = common::temp_dir("implicit").join("implicit.bundle");
    import(&dir, &dir.join("train.csv"), &["--weight-col", "weight"], &bundle);
    let rec = Recommender::from_bytes(&std::fs::read(&bundle).unwrap()).unwrap();
    let info = rec.info();
    assert_eq!(
        info.metadata.params.get("trained_by").map(String::as_str),
        Some("implicit AlternatingLeastSquares (imported)")
    );

    // 1. Every training user's history folds in to what implicit's recalculate_user computes,
    //    and to the user factors its fit left (computed before its last item update).
    let histories = common::by_user(&dir.join("train.csv"), Some("weight"));
    let users: Vec<String> =
        Table::read(&dir.join("users.csv"), b',').unwrap().rows.into_iter().map(|r| r[0].clone()).collect();
    let (worst, mean) = fold_in_match(&rec, &users, &histories, &dir.join("recalculated.npy"));
    eprintln!("fold-in vs implicit's recalculate_user: {} users, cosine min {worst:.7}, mean {mean:.7}", users.len());
    assert!(worst >= 0.9999, "fold-in must solve implicit's equations (cosine ≥ 0.9999), worst {worst}");
    let (worst, mean) = fold_in_match(&rec, &users, &histories, &dir.join("trained.npy"));
    eprintln!("fold-in vs implicit's trained user_factors: cosine min {worst:.5}, mean {mean:.5}");
    assert!(worst >= 0.99, "every training user's fold-in must match implicit's (cosine ≥ 0.99), worst {worst}");

    // 2. The top 10, history excluded, overlaps recommend(recalculate_user=True).
    let theirs = common::by_user(&dir.join("recs.csv"), None);
    let overlap = common::top10_overlap(&rec, &histories, &theirs, &RecommendOptions::top(10));
    eprintln!("top-10 overlap with implicit's recommend: {overlap:.4} over {} users", theirs.len());
    assert!(overlap >= 0.99, "top-10 overlap {overlap}");

    // 3. precision@10 on the held-out split within 2 % of implicit's own.
    let test = common::by_user(&dir.join("test.csv"), None);
    let ours = common::held_out_precision_at_10(&rec, &histories, &test);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap();
    let theirs = metrics["precision_at_10"].as_f64().unwrap();
    eprintln!("precision@10 on {} test users: shelfwise (device fold-in) {ours:.4}, implicit {theirs:.4}", test.len());
    assert!((ours - theirs).abs() <= 0.02 * theirs, "precision@10 {ours} vs implicit's {theirs}");
}

#[test]
fn a_bpr_model_or_a_broken_file_is_an_error_naming_it() {
    let dir = common::temp_dir("implicit-bad");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/implicit");
    let run = |args: &[&std::ffi::OsStr]| {
        let o = Command::new(env!("CARGO_BIN_EXE_shelfwise")).args(["import", "implicit"]).args(args).output().unwrap();
        assert!(!o.status.success());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let out = dir.join("x.bundle");
    // Not a zip.
    let bad = dir.join("bad.npz");
    std::fs::write(&bad, b"not a zip at all").unwrap();
    let e = run(&["--model".as_ref(), bad.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    assert!(e.contains("bad.npz") && e.contains("not an .npz"), "{e}");
    // A BPR model's factors carry a bias column and no ALS fold-in.
    let e = run(&["--model".as_ref(), fixture.join("bpr.npz").as_os_str(), "--out".as_ref(), out.as_os_str()]);
    assert!(e.contains("bpr.npz") && e.contains("BPR"), "{e}");
    // Factors alone need the parameters.
    let e = run(&["--factors".as_ref(), fixture.join("trained.npy").as_os_str(), "--out".as_ref(), out.as_os_str()]);
    assert!(e.contains("--reg"), "{e}");
    // An id table that misses a row.
    let ids = dir.join("ids.csv");
    std::fs::write(&ids, "item\na\nb\n").unwrap();
    let e = run(&[
        "--model".as_ref(),
        fixture.join("model.npz").as_os_str(),
        "--item-ids".as_ref(),
        ids.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(e.contains("ids.csv") && e.contains("no id"), "{e}");
    assert!(!out.exists());
}

/// Imports the fixture's model with the id table `ids` and the popularity table `popularity`
/// (written to `dir` under `name`) and `args`: the bundle, and what the run printed to stderr.
fn import_tables(dir: &Path, name: &str, ids: &[u8], popularity: &[u8], args: &[&str]) -> (Vec<u8>, String) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/implicit");
    let (id_file, share_file, out) = (
        dir.join(format!("ids-{name}.csv")),
        dir.join(format!("share-{name}.csv")),
        dir.join(format!("{name}.bundle")),
    );
    std::fs::write(&id_file, ids).unwrap();
    std::fs::write(&share_file, popularity).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_shelfwise"))
        .args(["import", "implicit", "--model"])
        .arg(fixture.join("model.npz"))
        .arg("--item-ids")
        .arg(&id_file)
        .arg("--popularity")
        .arg(&share_file)
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    (std::fs::read(&out).unwrap(), stderr)
}

/// The import's own tables as a spreadsheet in Europe writes them: an id table and a popularity
/// table with `;`, decimal commas and a `sep=;` line import the bundle their comma files do.
#[test]
fn id_and_popularity_tables_from_a_european_spreadsheet_import_the_same_bundle() {
    let dir = common::temp_dir("implicit-tables-eu");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/implicit");
    let ids = std::fs::read_to_string(fixture.join("item_ids.csv")).unwrap();
    let mut popularity = String::from("item,share\n");
    for (k, line) in ids.lines().skip(1).enumerate() {
        popularity += &format!("{},0.{:03}\n", line.split_once(',').unwrap().1, (k * 37) % 1000);
    }
    let european =
        |csv: &str| format!("sep=;\r\n{}", csv.replace(',', ";").replace(";0.", ";0,").replace('\n', "\r\n"));
    let bundles: Vec<Vec<u8>> = [(ids.clone(), popularity.clone()), (european(&ids), european(&popularity))]
        .iter()
        .enumerate()
        .map(|(k, (ids, popularity))| import_tables(&dir, &k.to_string(), ids.as_bytes(), popularity.as_bytes(), &[]).0)
        .collect();
    assert!(european(&popularity).contains("sku-0034;0,037"));
    assert!(bundles[0] == bundles[1], "the European tables import the comma tables' bundle");
}

/// The import's tables in a code page other than UTF-8 (Windows-1250, as a Polish spreadsheet
/// saves them): read in `--encoding`'s code page they import the bundle of their UTF-8 copies;
/// without it, the run says which rows were not UTF-8 and how it read them.
#[test]
fn tables_in_a_code_page_are_read_in_the_one_encoding_names() {
    let dir = common::temp_dir("implicit-tables-1250");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/implicit");
    let ids = std::fs::read_to_string(fixture.join("item_ids.csv")).unwrap().replace("sku-", "miś-łódź-");
    let mut popularity = String::from("item,share\n");
    for (k, line) in ids.lines().skip(1).enumerate() {
        popularity += &format!("{},0.{:03}\n", line.split_once(',').unwrap().1, (k * 37) % 1000);
    }
    let cp1250 = |text: &str| encoding_rs::WINDOWS_1250.encode(text).0.into_owned();
    let import =
        |name: &str, ids: &[u8], popularity: &[u8], args: &[&str]| import_tables(&dir, name, ids, popularity, args);
    let (utf8, said) = import("utf8", ids.as_bytes(), popularity.as_bytes(), &[]);
    assert!(!said.contains("not UTF-8"), "{said}");
    let (named, said) = import("named", &cp1250(&ids), &cp1250(&popularity), &["--encoding", "windows-1250"]);
    assert!(named == utf8, "read as Windows-1250, the tables give the UTF-8 tables' bundle");
    let rows = ids.lines().count() - 1;
    for table in ["ids-named.csv", "share-named.csv"] {
        let want = format!("{table}: {rows} rows are not UTF-8 (the first at ");
        assert!(said.contains(&want) && said.contains("read as windows-1250, as --encoding says"), "{said}");
    }
    let (unnamed, said) = import("unnamed", &cp1250(&ids), &cp1250(&popularity), &[]);
    assert!(unnamed != utf8, "read as Windows-1252, the ids are others");
    assert!(said.contains("ids-unnamed.csv:2): read as Windows-1252") && said.contains("--encoding"), "{said}");
}

/// `--interactions` is read as `train recs` reads a log: a Spark-style CSV without a header
/// line (`--no-header`, columns by position) and a time window (`--since`/`--until`, the window
/// the model was trained on) give the bundle of the log holding just the window's rows.
#[test]
fn the_imported_log_takes_a_time_window_and_no_header() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/implicit");
    let dir = common::temp_dir("implicit-window");
    let train = std::fs::read_to_string(fixture.join("train.csv")).unwrap();
    let (mut inside, mut all) = (String::from("user,item,weight,day\n"), String::new());
    for (k, row) in train.lines().skip(1).enumerate() {
        inside.push_str(&format!("{row},2024-03-02\n"));
        all.push_str(&format!("{row},2024-03-02\n"));
        // Rows before and after the window, on the same items: popularity would differ.
        let day = ["2024-02-28", "2024-03-05"][k % 2];
        all.push_str(&format!("{row},{day}\n"));
    }
    std::fs::write(dir.join("inside.csv"), inside).unwrap();
    std::fs::write(dir.join("all.csv"), all).unwrap();
    let import = |log: &str, args: &[&str]| {
        let out = dir.join(format!("{log}.bundle"));
        let err = import(&fixture, &dir.join(log), args, &out);
        (std::fs::read(out).unwrap(), err)
    };
    let (want, _) = import("inside.csv", &["--weight-col", "weight", "--time-col", "day"]);
    let (got, err) = import(
        "all.csv",
        &["--no-header", "--user-col", "1", "--item-col", "2", "--weight-col", "3", "--time-col", "4"]
            .into_iter()
            .chain(["--since", "2024-03-01", "--until", "2024-03-03"])
            .collect::<Vec<_>>(),
    );
    assert!(err.contains("time window: 2243 rows outside it"), "{err}");
    assert!(got == want, "the window's import differs from the import of the window's rows");
    // A window without a log to apply it to is refused.
    let o = Command::new(env!("CARGO_BIN_EXE_shelfwise"))
        .args(["import", "implicit", "--model"])
        .arg(fixture.join("model.npz"))
        .args(["--since", "2024-03-01", "--out"])
        .arg(dir.join("x.bundle"))
        .output()
        .unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("give it"));
}
