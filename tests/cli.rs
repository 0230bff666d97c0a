//! The `shelfwise` binary end to end: training, inspection, batch recommendation, input errors.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::process::{Command, Output};

fn shelfwise(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shelfwise")).args(args).output().expect("run shelfwise")
}

/// Runs the CLI with whitespace-separated arguments (test paths hold no spaces).
fn run(line: &str) -> Output {
    shelfwise(&line.split_whitespace().collect::<Vec<_>>())
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Reads an HTML report and checks what every report must be: one self-contained page with its
/// own CSP, no script, nothing fetched, and `charts` inline SVG charts holding `marks` or more
/// drawn marks (lines, bars, dots) between them.
fn check_report(path: &std::path::Path, charts: usize, marks: usize, says: &[&str]) -> String {
    let html = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(html.starts_with("<!doctype html>") && html.contains("Content-Security-Policy"), "{html:.300}");
    assert!(html.contains("default-src 'none'") && html.contains("style-src 'sha256-"), "{html:.600}");
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<link"), "nothing runs or loads");
    let urls = html.matches("http://").count() + html.matches("https://").count();
    assert_eq!(urls, html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(), "no address but SVG's namespace");
    assert_eq!(html.matches("<svg").count(), charts, "charts in {}", path.display());
    let drawn =
        ["<polyline", "<rect", "<circle", "<polygon", "<path"].iter().map(|t| html.matches(t).count()).sum::<usize>();
    assert!(drawn >= marks, "{drawn} marks in {}", path.display());
    for s in says {
        assert!(html.contains(s), "{} does not say {s:?}", path.display());
    }
    html
}

const GOOD: &str = "customer,product,qty,when\nc1,p1,2,2011-01-01 10:00:00\nc1,p2,1,2011-01-02 10:00:00\nc2,p1,1,2011-01-03 10:00:00\nc2,p3,5,2011-01-04 10:00:00\nc3,p2,1,2011-01-05 10:00:00\nc3,p3,1,2011-01-06 10:00:00\nc1,p1,1,2011-01-07 10:00:00\n";

#[test]
fn malformed_row_stops_with_file_line_column_and_value() {
    let dir = common::temp_dir("badrow");
    let f = dir.join("log.csv");
    std::fs::write(&f, format!("{GOOD}c4,p1,lots,2011-01-08 10:00:00\n")).unwrap();
    let out = dir.join("m.bundle");
    let o = run(&format!(
        "train recs --input {} --user-col customer --item-col product --weight-col qty --model popular --out {}",
        f.display(),
        out.display()
    ));
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("log.csv:9 column 'qty'"), "{t}");
    assert!(t.contains("\"lots\""), "{t}");
    assert!(!out.exists(), "no bundle may be written after an error");

    std::fs::write(&f, format!("{GOOD}c4,p1\n")).unwrap();
    let t = text(&run(&format!(
        "train recs --input {} --user-col customer --item-col product --model popular --out {}",
        f.display(),
        out.display()
    )));
    assert!(t.contains("log.csv:9") && t.contains("expected 4 fields, found 2"), "{t}");

    std::fs::write(&f, format!("{GOOD}c4,p1,1,not-a-date\n")).unwrap();
    let t = text(&run(&format!(
        "train recs --input {} --user-col customer --item-col product --time-col when --model popular --out {}",
        f.display(),
        out.display()
    )));
    assert!(t.contains("log.csv:9 column 'when'") && t.contains("not-a-date"), "{t}");
}

#[test]
fn skip_bad_rows_counts_and_shows_examples() {
    let dir = common::temp_dir("skip");
    let f = dir.join("log.csv");
    std::fs::write(&f, format!("{GOOD},p9,1,2011-01-08 10:00:00\nc5,p1,-3,2011-01-08 10:00:00\n")).unwrap();
    let out = dir.join("m.bundle");
    let o = run(&format!("train recs --input {} --user-col customer --item-col product --weight-col qty --skip-bad-rows --model popular --out {}", f.display(), out.display()));
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("read 9 rows in ") && t.contains(": kept 7, skipped 2 malformed, merged 1 duplicate"), "{t}");
    assert!(t.contains("log.csv:9 column 'customer': empty user id"), "{t}");
    assert!(t.contains("log.csv:10 column 'qty'") && t.contains("\"-3\""), "{t}");
    assert!(t.contains("3 users × 3 items"), "{t}");
}

#[test]
fn missing_column_lists_the_header() {
    let dir = common::temp_dir("missingcol");
    let f = dir.join("log.csv");
    std::fs::write(&f, GOOD).unwrap();
    let t = text(&run(&format!(
        "train recs --input {} --user-col CustomerID --item-col product --out /dev/null",
        f.display()
    )));
    assert!(t.contains("no column 'CustomerID'") && t.contains("\"customer\""), "{t}");
}

#[test]
fn train_inspect_recommend_round_trip() {
    let dir = common::temp_dir("roundtrip");
    let f = dir.join("log.csv");
    std::fs::write(&f, GOOD).unwrap();
    let gz = dir.join("log.csv.gz");
    {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::default());
        e.write_all(GOOD.as_bytes()).unwrap();
        e.finish().unwrap();
    }
    let bundle = dir.join("m.bundle");
    let o = run(&format!(
        "train recs --input {} --user-col customer --item-col product --time-col when --model als --factors 2 --out {}",
        gz.display(),
        bundle.display()
    ));
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&run(&format!("inspect {}", bundle.display())));
    assert!(
        t.contains("model:       als")
            && t.contains("factors:     2")
            && t.contains("trained until 2011-01-07T10:00:00Z"),
        "{t}"
    );
    assert!(!t.contains("c1") && !t.contains("c2"), "inspect shows no user ids: {t}");

    let hist = dir.join("hist.csv");
    std::fs::write(&hist, "shopper,sku\nalice,p1\nbob,p3\nbob,zzz\ncarol,zzz\n").unwrap();
    let out = dir.join("recs.csv");
    let o = run(&format!(
        "recommend --model {} --histories {} --user-col shopper --item-col sku --k 2 --out {}",
        bundle.display(),
        hist.display(),
        out.display()
    ));
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("skipped 1 item ids not in the model: zzz"));
    let csv = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "user,item,rank,score,fallback");
    assert_eq!(lines.len(), 7, "{csv}");
    assert!(lines[1].starts_with("alice,") && lines[1].contains(",1,") && lines[1].ends_with(",false"), "{csv}");
    // carol knows no item the model has: she gets popularity, marked as such.
    assert!(lines[5].starts_with("carol,") && lines[5].ends_with(",true"), "{csv}");
    let o = run(&format!(
        "recommend --model {} --histories {} --user-col shopper --item-col sku --k 2 --with-titles",
        bundle.display(),
        hist.display()
    ));
    assert!(!o.status.success() && text(&o).contains("has no titles"), "{}", text(&o));
    assert!(!lines.iter().any(|l| l.starts_with("alice,p1,")), "history excluded: {csv}");

    let mut corrupt = std::fs::read(&bundle).unwrap();
    let n = corrupt.len();
    corrupt[n / 2] ^= 1;
    std::fs::write(&bundle, &corrupt).unwrap();
    let t = text(&run(&format!("inspect {}", bundle.display())));
    assert!(t.contains("checksum mismatch"), "{t}");
}

#[test]
fn eval_reports_metrics_as_json() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/online-retail-demo.csv.gz");
    let o = run(&format!(
        "eval recs --input {} --user-col CustomerID --item-col StockCode --model popular --k 5,10 --json",
        path.display()
    ));
    assert!(o.status.success(), "{}", text(&o));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("\"model\":\"popular\"") && s.contains("\"precision@10\":") && s.contains("\"ndcg@5\":"), "{s}");
}

#[test]
fn eval_recs_writes_an_html_report_with_the_search_the_baseline_and_activity() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/online-retail-demo.csv.gz");
    let dir = common::temp_dir("recs-report");
    let report = dir.join("recs.html");
    let o = run(&format!(
        "eval recs --input {} --user-col CustomerID --item-col StockCode --model auto --budget 4trials --k 5,10 --json --report {}",
        path.display(),
        report.display()
    ));
    assert!(o.status.success(), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let html = check_report(
        &report,
        6,
        60,
        &[
            "precision@k",
            "recall@k",
            "NDCG@k",
            "Popularity bias",
            "By shopper activity",
            "How --model auto chose",
            "popularity",
        ],
    );
    // The report's headline figures are the printed ones.
    let ndcg = j["metrics"]["ndcg@5"].as_f64().unwrap();
    assert!(html.contains(&format!("<b>{ndcg:.4}</b><span>NDCG@5</span>")), "{ndcg}");
    // The report is an output like any other: it may not replace the input.
    let o = run(&format!(
        "eval recs --input {} --user-col CustomerID --item-col StockCode --model popular --report {}",
        path.display(),
        path.display()
    ));
    assert!(!o.status.success(), "{}", text(&o));
}

#[test]
fn propensity_train_score_eval() {
    let dir = common::temp_dir("propensity-cli");
    let f = dir.join("visits.csv");
    let mut csv = String::from("Pages,Device,Weekend,Bought\n");
    for i in 0..300 {
        csv += &format!(
            "{},{},{},{}\n",
            i % 40,
            ["mobile", "desktop"][i % 2],
            if i % 3 == 0 { "TRUE" } else { "FALSE" },
            if (i % 40) > 25 || i % 7 == 0 { "yes" } else { "no" }
        );
    }
    std::fs::write(&f, &csv).unwrap();
    let bundle = dir.join("p.bundle");
    let test_rows = dir.join("test.csv");
    let o = run(&format!(
        "train propensity --input {} --target Bought --model logistic --out {} --test-out {}",
        f.display(),
        bundle.display(),
        test_rows.display()
    ));
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("Pages")
            && t.contains("Numeric")
            && t.contains("Device")
            && t.contains("Categorical")
            && t.contains("Weekend")
            && t.contains("Boolean"),
        "schema report: {t}"
    );
    assert!(t.contains("ROC AUC") && t.contains("calibration") && t.contains("best F1"), "{t}");
    assert!(t.contains("held-out 75 rows"), "{t}");

    let scores = dir.join("p.csv");
    let o =
        run(&format!("score --model {} --input {} --out {}", bundle.display(), test_rows.display(), scores.display()));
    assert!(o.status.success(), "{}", text(&o));
    let lines: Vec<String> = std::fs::read_to_string(&scores).unwrap().lines().map(String::from).collect();
    assert_eq!(lines[0], "p");
    assert_eq!(lines.len(), 76);
    assert!(lines[1..].iter().all(|l| l.parse::<f64>().is_ok_and(|p| (0.0..=1.0).contains(&p))));
    // --id-col carries a column through, so scores join back to their rows.
    let o = run(&format!("score --model {} --input {} --id-col Device", bundle.display(), test_rows.display()));
    let with_ids: Vec<String> = String::from_utf8_lossy(&o.stdout).lines().map(String::from).collect();
    assert_eq!(with_ids[0], "Device,p");
    assert!(with_ids[1..]
        .iter()
        .zip(&lines[1..])
        .all(|(w, p)| w.ends_with(&format!(",{p}")) && (w.starts_with("mobile,") || w.starts_with("desktop,"))));
    // --decide: act where p · benefit − cost > 0, i.e. p above cost / benefit = 0.25.
    let o = run(&format!(
        "score --model {} --input {} --id-col Device --decide benefit=20,cost=5",
        bundle.display(),
        test_rows.display()
    ));
    let decided = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(decided.starts_with("Device,p,decide\n"), "{}", text(&o));
    // --with-line: each row's input line (the header is line 1), in input order.
    let o = run(&format!("score --model {} --input {} --with-line", bundle.display(), test_rows.display()));
    let lined: Vec<String> = String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect();
    assert_eq!(lined[0], "line,p");
    assert!(lined[1].starts_with("2,") && lined[75].starts_with("76,"), "{lined:?}");
    for l in decided.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f[2] == "true", f[1].parse::<f64>().unwrap() > 0.25, "{l}");
    }
    let o =
        run(&format!("score --model {} --input {} --decide benefit=0,cost=5", bundle.display(), test_rows.display()));
    assert!(!o.status.success() && text(&o).contains("benefit"), "{}", text(&o));
    assert!(t.contains("threshold") && t.contains("out-of-fold"), "{t}");
    let o = run(&format!("score --model {} --input {} --id-col nope", bundle.display(), test_rows.display()));
    assert!(!o.status.success() && text(&o).contains("nope"), "{}", text(&o));

    let o = run(&format!("eval propensity --model {} --input {}", bundle.display(), test_rows.display()));
    assert!(text(&o).contains("75 rows") && text(&o).contains("ROC AUC"), "{}", text(&o));
    let o = run(&format!("eval propensity --model {} --input {} --json", bundle.display(), test_rows.display()));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["n"], 75);
    assert!(j["roc_auc"].as_f64().is_some_and(|a| a > 0.5) && j["calibration"].as_array().unwrap().len() == 10, "{j}");
    assert!(j["ece"].as_f64().is_some() && j["importance"][0]["auc_lost"].as_f64().is_some(), "{j}");
    let report = dir.join("train-propensity.html");
    let o = run(&format!(
        "train propensity --input {} --target Bought --model auto --out {} --json --report {}",
        f.display(),
        dir.join("auto.bundle").display(),
        report.display()
    ));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    assert_eq!((j["train_rows"].as_u64(), j["test_rows"].as_u64()), (Some(225), Some(75)), "{j}");
    assert!(j["test"]["roc_auc"].as_f64().is_some() && j["cv"].as_array().is_some_and(|c| c.len() >= 4), "{j}");
    check_report(&report, 7, 40, &["ROC curve", "How --model auto chose", "Cross-validated ROC AUC per candidate"]);
    let report = dir.join("propensity.html");
    let o = run(&format!(
        "eval propensity --model {} --input {} --report {}",
        bundle.display(),
        test_rows.display(),
        report.display()
    ));
    assert!(o.status.success(), "{}", text(&o));
    check_report(
        &report,
        6,
        40,
        &[
            "ROC curve",
            "Precision-recall",
            "Reliability diagram",
            "Scores by class",
            "Confusion matrix",
            "Permutation importance",
            "Pages",
        ],
    );

    std::fs::write(&f, "Pages,Device,Weekend\n3,mobile,TRUE\nlots,desktop,FALSE\n").unwrap();
    let o = run(&format!("score --model {} --input {}", bundle.display(), f.display()));
    assert!(!o.status.success());
    assert!(
        text(&o).contains("visits.csv:3") && text(&o).contains("'Pages'") && text(&o).contains("lots"),
        "{}",
        text(&o)
    );
}

#[test]
fn train_text_classify_merge_and_inspect() {
    let dir = common::temp_dir("text");
    let f = dir.join("titles.csv");
    let mut csv = String::from("title,category\n");
    for (t, l) in common::product_titles() {
        csv.push_str(&format!("\"{t}\",{l}\n"));
    }
    std::fs::write(&f, &csv).unwrap();
    let text_bundle = dir.join("text.bundle");
    let o = run(&format!(
        "train text --input {} --text-col title --label-col category --out {}",
        f.display(),
        text_bundle.display()
    ));
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("held-out rows 45: accuracy") && t.contains("macro-F1") && t.contains("confusion"), "{t}");
    let report = dir.join("text.html");
    let o = run(&format!(
        "train text --input {} --text-col title --label-col category --out {} --json --report {}",
        f.display(),
        dir.join("text2.bundle").display(),
        report.display()
    ));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    assert_eq!((j["test_rows"].as_u64(), j["terms"].as_u64().is_some()), (Some(45), true), "{j}");
    check_report(&report, 2, 12, &["Confusion matrix", "Precision, recall and F1 per label", "Dolls", "Trains"]);
    let o = run(&format!(
        "train text --input {} --text-col title --label-col category --test-fraction 0 --out {} --report {}",
        f.display(),
        dir.join("text3.bundle").display(),
        report.display()
    ));
    assert!(!o.status.success() && text(&o).contains("--report describes held-out rows"), "{}", text(&o));

    let q = dir.join("queries.csv");
    std::fs::write(&q, "id,title\n1,steam locomotive\n2,\"jigsaw, 1000 pieces\"\n").unwrap();
    let o = run(&format!("classify --model {} --input {} --text-col title", text_bundle.display(), q.display()));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0], ["row", "label", "p"], "{out}");
    assert_eq!((rows[1][0], rows[1][1]), ("2", "Trains"), "{out}");
    assert_eq!((rows[2][0], rows[2][1]), ("3", "Puzzles"), "{out}");

    std::fs::write(&q, "id,title\n1,steam locomotive\n2,\n").unwrap();
    let t = text(&run(&format!("classify --model {} --input {} --text-col title", text_bundle.display(), q.display())));
    assert!(t.contains("queries.csv:3 column 'title'") && t.contains("is empty"), "{t}");

    std::fs::write(&f, format!("{csv}\"red doll\",\n")).unwrap();
    let t = text(&shelfwise(&[
        "train",
        "text",
        "--input",
        f.to_str().unwrap(),
        "--text-col",
        "title",
        "--label-col",
        "category",
        "--out",
        dir.join("x.bundle").to_str().unwrap(),
    ]));
    assert!(t.contains("titles.csv:182 column 'category'") && t.contains("empty label"), "{t}");

    let log = dir.join("log.csv");
    std::fs::write(&log, GOOD).unwrap();
    let recs = dir.join("recs.bundle");
    let o = run(&format!(
        "train recs --input {} --user-col customer --item-col product --model popular --out {}",
        log.display(),
        recs.display()
    ));
    assert!(o.status.success(), "{}", text(&o));
    let merged = dir.join("shop.bundle");
    let o = run(&format!("bundle merge {} {} --out {}", recs.display(), text_bundle.display(), merged.display()));
    assert!(text(&o).contains("a recommender, a text classifier"), "{}", text(&o));
    let t = text(&run(&format!("inspect {}", merged.display())));
    assert!(
        t.contains("textmeta")
            && t.contains("model:       popular")
            && t.contains("text classifier: 3 labels")
            && t.contains("labels:      Dolls, Puzzles, Trains"),
        "{t}"
    );
    let o = shelfwise(&[
        "bundle",
        "merge",
        text_bundle.to_str().unwrap(),
        merged.to_str().unwrap(),
        "--out",
        dir.join("bad.bundle").to_str().unwrap(),
    ]);
    assert!(!o.status.success() && text(&o).contains("holds a text classifier and so does"), "{}", text(&o));
}

/// Two groups of shoppers, each buying within its own half of a 30-item catalogue.
fn clustered_log() -> String {
    let mut s = String::from("customer,product\n");
    for u in 0..40 {
        let g = u % 2;
        for j in 0..8 {
            s.push_str(&format!("c{u},p{}\n", g * 15 + (u * 7 + j * 3) % 15));
        }
    }
    s
}

#[test]
fn auto_searches_within_a_trial_budget_and_inspect_shows_the_search() {
    let dir = common::temp_dir("auto");
    let f = dir.join("log.csv");
    std::fs::write(&f, clustered_log()).unwrap();
    let bundle = dir.join("m.bundle");
    let o = run(&format!(
        "train recs --input {} --user-col customer --item-col product --model auto --budget 8trials --threads 1 --out {}",
        f.display(),
        bundle.display()
    ));
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("[auto   1] popular"), "each trial is reported: {}", text(&o));
    // --json and --report: the same run summarised for machines and drawn for people.
    let report = dir.join("train.html");
    let o = run(&format!(
        "train recs --input {} --user-col customer --item-col product --model auto --budget 8trials --threads 1 --out {} --json --report {}",
        f.display(),
        dir.join("m2.bundle").display(),
        report.display()
    ));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    let trials = j["search"]["trials"].as_array().unwrap();
    assert_eq!(j["model"], trials[j["search"]["winner"].as_u64().unwrap() as usize]["family"], "{j}");
    assert_eq!(j["bundle_bytes"].as_u64(), Some(std::fs::metadata(dir.join("m2.bundle")).unwrap().len()));
    check_report(&report, 1, trials.len(), &["How --model auto chose", "Search trace", "Parameters"]);
    let t = text(&run(&format!("inspect {}", bundle.display())));
    assert!(t.contains("search: ") && t.contains("budget 8 trials") && t.contains("  * "), "{t}");
    let j: serde_json::Value =
        serde_json::from_slice(&run(&format!("inspect --json {}", bundle.display())).stdout).unwrap();
    let search = &j["recommender"]["search"];
    let trials = search["trials"].as_array().unwrap();
    assert!(trials.len() >= 9, "popular, eight trials and any promotions: {search}");
    let winner = &trials[search["winner"].as_u64().unwrap() as usize];
    assert_eq!(j["recommender"]["info"]["model"], winner["family"]);
    assert!(j["sections"]["search"].as_u64().unwrap() > 0);
    // Budgets and sizes are checked before the log is read.
    for (arg, want) in [("--budget 60", "budget"), ("--budget 0trials", "budget"), ("--max-bundle-size 5XB", "size")] {
        let o = run(&format!(
            "train recs --input /nonexistent.csv --user-col customer --item-col product --model auto {arg} --out {}",
            dir.join("x.bundle").display()
        ));
        assert!(
            !o.status.success() && text(&o).contains(want) && !text(&o).contains("nonexistent"),
            "{arg}: {}",
            text(&o)
        );
    }
}

#[test]
fn svd_rp3_and_blend_train_from_the_command_line() {
    let dir = common::temp_dir("families");
    let f = dir.join("log.csv");
    std::fs::write(&f, clustered_log()).unwrap();
    for (family, args, shown) in [
        ("svd", "--factors 4", "factors:     4"),
        ("rp3", "--beta 0.2 --neighbors 5", "neighbours:"),
        ("blend", "--factors 4 --lambda 5 --neighbors 5 --blend-weight 0.6", "param  weight           0.6"),
    ] {
        let bundle = dir.join(format!("{family}.bundle"));
        let o = run(&format!(
            "train recs --input {} --user-col customer --item-col product --model {family} {args} --out {}",
            f.display(),
            bundle.display()
        ));
        assert!(o.status.success(), "{}", text(&o));
        let t = text(&run(&format!("inspect {}", bundle.display())));
        assert!(t.contains(&format!("model:       {family}")) && t.contains(shown), "{t}");
        let recs = shelfwise::Recommender::from_bytes(&std::fs::read(&bundle).unwrap())
            .unwrap()
            .recommend(&[("p0", 1.0)], &shelfwise::RecommendOptions::top(3))
            .unwrap();
        assert!(recs.items.iter().all(|s| s.item.trim_start_matches('p').parse::<u32>().unwrap() < 15), "{recs:?}");
    }
    // A blend's weight is checked before the log is read.
    let o = run(&format!(
        "train recs --input /nonexistent.csv --user-col customer --item-col product --model blend --blend-weight 1 --out {}",
        dir.join("x.bundle").display()
    ));
    let t = text(&o);
    assert!(!o.status.success() && t.contains("blend weight") && !t.contains("nonexistent"), "{t}");
}

#[test]
fn separators_are_detected_named_and_parquet_is_recognised() {
    let dir = common::temp_dir("sep");
    let semi = dir.join("semi.csv");
    std::fs::write(&semi, GOOD.replace(',', ";")).unwrap();
    let tab = dir.join("tab.tsv");
    std::fs::write(&tab, GOOD.replace(',', "\t")).unwrap();
    // A quoted header name holding commas does not outvote the real separator.
    let quoted = dir.join("quoted.csv");
    let header = "\"customer, id, one, two, three\";product;qty;when\n";
    std::fs::write(&quoted, format!("{header}{}", GOOD.split_once('\n').unwrap().1.replace(',', ";"))).unwrap();
    for (file, sep, said, user) in [
        (&semi, None, "separator: ';'", "customer"),
        (&tab, None, "separator: tab", "customer"),
        (&quoted, None, "separator: ';'", "customer, id, one, two, three"),
        (&tab, Some("tab"), "", "customer"),
        (&tab, Some("\\t"), "", "customer"),
        (&semi, Some("semicolon"), "", "customer"),
    ] {
        let out = dir.join("m.bundle");
        let mut args: Vec<String> = ["train", "recs", "--input", &file.display().to_string(), "--user-col", user]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(["--item-col", "product", "--model", "popular", "--out"].map(String::from));
        args.push(out.display().to_string());
        if let Some(s) = sep {
            args.extend(["--sep".to_string(), s.to_string()]);
        }
        let o = shelfwise(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(said) && text(&o).contains("3 users"), "{args:?}: {}", text(&o));
    }
    let o = run(&format!(
        "train recs --input {} --user-col customer --item-col product --sep ab --out {}",
        semi.display(),
        dir.join("x").display()
    ));
    assert!(!o.status.success() && text(&o).contains("semicolon"), "{}", text(&o));
    let parquet = dir.join("log.parquet");
    std::fs::write(&parquet, b"PAR1\x15\x04\x15\x10rest of a parquet file").unwrap();
    let o = run(&format!(
        "train recs --input {} --user-col customer --item-col product --out {}",
        parquet.display(),
        dir.join("x").display()
    ));
    // Recognised by its magic bytes and read as Parquet (tests/parquet.rs); this one is broken.
    assert!(!o.status.success() && text(&o).contains("log.parquet: Parquet error"), "{}", text(&o));
}

#[test]
fn recommend_adds_titles_and_inspect_says_what_the_catalogue_holds() {
    let dir = common::temp_dir("titles");
    let f = dir.join("log.csv");
    let mut log = String::from("customer,product,name\n");
    for (c, p) in [("c1", 1), ("c1", 2), ("c2", 1), ("c2", 3), ("c3", 2), ("c3", 3), ("c4", 1), ("c4", 2)] {
        log.push_str(&format!("{c},p{p},\"Mug, size {p}\"\n"));
    }
    std::fs::write(&f, log).unwrap();
    let bundle = dir.join("m.bundle");
    let o = run(&format!(
        "train recs --input {} --user-col customer --item-col product --title-col name --model ease --out {}",
        f.display(),
        bundle.display()
    ));
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&run(&format!("inspect {}", bundle.display())));
    assert!(t.contains("catalogue:   titles (3 items)") && t.contains("Mug, size 1"), "{t}");
    assert!(!t.contains("trained on"), "{t}");
    let hist = dir.join("h.csv");
    std::fs::write(&hist, "u,i\nx,p1\n").unwrap();
    let o = run(&format!(
        "recommend --model {} --histories {} --user-col u --item-col i --k 1 --with-titles",
        bundle.display(),
        hist.display()
    ));
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(csv.starts_with("user,item,rank,score,fallback,title\n"), "{csv}");
    assert!(
        csv.lines().nth(1).is_some_and(|l| l.starts_with("x,p2,1,") && l.ends_with(",false,\"Mug, size 2\"")),
        "{csv}"
    );
}

#[test]
fn headerless_tab_separated_logs_read_by_position() {
    let dir = common::temp_dir("udata");
    let f = dir.join("u.data");
    // MovieLens 100k's u.data layout: user, item, rating, Unix time; tab-separated, no header.
    std::fs::write(
        &f,
        "196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t377\t1\t878887116\n22\t377\t1\t878887116\n",
    )
    .unwrap();
    let bundle = dir.join("m.bundle");
    let o = run(&format!(
        "train recs --input {} --no-header --user-col 1 --item-col 2 --weight-col 3 --time-col 4 --model popular --out {}",
        f.display(),
        bundle.display()
    ));
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("separator: tab") && t.contains("read 4 rows") && t.contains("3 users × 3 items"), "{t}");
    let t = text(&run(&format!("inspect {}", bundle.display())));
    assert!(t.contains("trained until 1998-04-04T19:22:22Z"), "{t}");
    // Without --no-header the first row is a header; positions still name its columns.
    let o = run(&format!(
        "train recs --input {} --user-col 1 --item-col 2 --model popular --out {}",
        f.display(),
        bundle.display()
    ));
    assert!(o.status.success() && text(&o).contains("read 3 rows"), "{}", text(&o));
    let o = run(&format!(
        "train recs --input {} --user-col 9 --item-col 2 --model popular --out {}",
        f.display(),
        bundle.display()
    ));
    assert!(!o.status.success() && text(&o).contains("no column '9'"), "{}", text(&o));
}

#[test]
fn catalogue_attributes_and_rules_from_the_command_line() {
    let dir = common::temp_dir("catalog");
    let f = dir.join("log.csv");
    std::fs::write(&f, clustered_log()).unwrap();
    // p0–p14 are kitchen items, p15–p29 garden ones; every third is out of stock.
    let mut cat = String::from("sku;name;price;in_stock;category;tags\n");
    for p in 0..30 {
        let category = if p < 15 { "kitchen" } else { "garden" };
        let stock = if p % 3 == 0 { "no" } else { "yes" };
        cat.push_str(&format!(
            "p{p};Thing {p};{};{stock};{category};{}\n",
            5 + p,
            if p % 2 == 0 { "red|sale" } else { "blue" }
        ));
    }
    cat.push_str("new1;Brand new;9;yes;kitchen;red\n");
    let catalog = dir.join("catalog.csv");
    std::fs::write(&catalog, cat).unwrap();
    let bundle = dir.join("m.bundle");
    let o = run(&format!(
        "train recs --input {} --user-col customer --item-col product --model ease --catalog {} --catalog-id-col sku --catalog-title-col name --out {}",
        f.display(),
        catalog.display(),
        bundle.display()
    ));
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("new items: 1 from the catalogue (1 placed by up to 100 look-alikes each"), "{t}");
    assert!(
        t.contains("catalogue: 4 attributes (price:number, in_stock:bool, category:string, tags:set); 31 of 31 rows"),
        "{t}"
    );
    let hist = dir.join("h.csv");
    std::fs::write(&hist, "u,i\nx,p1\nx,p2\ny,p16\n").unwrap();
    let only = dir.join("only.txt");
    std::fs::write(&only, "p4\np5\np7\np8\np20\n").unwrap();
    let o = run(&format!(
        "recommend --model {} --histories {} --user-col u --item-col i --k 4 --filter in_stock&&price<30 --max-per category:3 --include-only {} --reasons --with-titles",
        bundle.display(),
        hist.display(),
        only.display()
    ));
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{}", text(&o));
    assert!(csv.starts_with("user,item,rank,score,fallback,title,promoted,explore,because\n"), "{csv}");
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert!(!rows.is_empty());
    for r in &rows {
        // Only the listed items, all in stock and under 30.
        assert!(["p4", "p5", "p7", "p8", "p20"].contains(&r[1]), "{csv}");
        assert_eq!((r[6], r[7]), ("false", "false"));
    }
    let kitchen = |r: &&Vec<&str>| r[1][1..].parse::<u32>().unwrap() < 15;
    assert_eq!(rows.iter().filter(|r| r[0] == "x").count(), 4, "{csv}");
    assert_eq!(rows.iter().filter(|r| r[0] == "x").filter(kitchen).count(), 3, "at most 3 kitchen items: {csv}");
    assert!(rows.iter().any(|r| r[0] == "x" && (r[8].contains("p1") || r[8].contains("p2"))), "{csv}");
    // Exploration: the new catalogue item takes one of two slots.
    let o = run(&format!(
        "recommend --model {} --histories {} --user-col u --item-col i --k 2 --explore 0.5 --reasons",
        bundle.display(),
        hist.display()
    ));
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(csv.lines().filter(|l| l.contains(",new1,")).all(|l| l.contains(",false,true,")), "{csv}");
    assert_eq!(csv.lines().filter(|l| l.contains(",new1,")).count(), 2, "{csv}");
    // A bad rule stops before any output, naming the column and the attribute.
    let o = run(&format!(
        "recommend --model {} --histories {} --user-col u --item-col i --filter in_stock&&prise<3",
        bundle.display(),
        hist.display()
    ));
    assert!(
        !o.status.success() && text(&o).contains("column 11") && text(&o).contains("unknown attribute 'prise'"),
        "{}",
        text(&o)
    );
    // Tomorrow's catalogue: p0–p9 gone, a new garden item, every kitchen item in stock.
    let mut today = String::from("sku;name;price;in_stock;category;tags\n");
    for p in 10..30 {
        let category = if p < 15 { "kitchen" } else { "garden" };
        today.push_str(&format!("p{p};Thing {p};{};yes;{category};red\n", 5 + p));
    }
    today.push_str("new1;Brand new;9;yes;kitchen;red\nnew2;Garden thing;12;yes;garden;green\n");
    let today_path = dir.join("today.csv");
    std::fs::write(&today_path, today).unwrap();
    let updated = dir.join("m2.bundle");
    let o = run(&format!(
        "catalog update --model {} --catalog {} --catalog-id-col sku --catalog-title-col name --out {}",
        bundle.display(),
        today_path.display(),
        updated.display()
    ));
    assert!(o.status.success() && text(&o).contains("1 new (0 with no look-alike), 10 retired"), "{}", text(&o));
    let o = run(&format!(
        "recommend --model {} --histories {} --user-col u --item-col i --k 25 --explore 0.1 --reasons",
        updated.display(),
        hist.display()
    ));
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    let items: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').nth(1).unwrap()).collect();
    assert!(items.iter().all(|i| i.starts_with("new") || i[1..].parse::<u32>().unwrap() >= 10), "retired items: {csv}");
    assert!(items.contains(&"new2"), "{csv}");
    let t = text(&run(&format!("inspect {}", updated.display())));
    assert!(t.contains("catalogue updated: 1 new items, 10 retired"), "{t}");
    catalogue_updates_alone(&dir, &bundle, &updated);
    let o =
        run(&format!("similar --model {} --item p1 --k 3 --filter category==$c --param c=garden", bundle.display()));
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        csv.lines().skip(1).all(|l| l.split(',').nth(1).is_some_and(|p| p[1..].parse::<u32>().unwrap() >= 15)),
        "{csv}"
    );
}

/// `catalog update --delta-out`: the catalogue sections alone (and the new items' look-alikes),
/// applied to the model a page holds, equal the whole updated bundle's; refused for another model.
fn catalogue_updates_alone(dir: &std::path::Path, first: &std::path::Path, model: &std::path::Path) {
    use shelfwise::bundle::Container;
    let (full, delta) = (dir.join("m3.bundle"), dir.join("m3.update"));
    let args = |catalog: &str| {
        format!(
            "catalog update --model {} --catalog {} --catalog-id-col sku --catalog-title-col name --out {} --delta-out {}",
            model.display(),
            dir.join(catalog).display(),
            full.display(),
            delta.display()
        )
    };
    // Every section but the metadata (which notes the update) equals the whole bundle's.
    let sections = |b: &[u8]| -> Vec<(String, Vec<u8>)> {
        let c = Container::parse(b).unwrap();
        c.raw().filter(|(n, _)| *n != "meta").map(|(n, p)| (n.to_string(), p.to_vec())).collect()
    };
    // Items added: the page places them by the look-alikes the update carries, as the CLI did.
    let mut grown = String::from("sku;name;price;in_stock;category;tags\nextra;Thing extra;3;yes;garden;red\n");
    for p in 10..30 {
        grown.push_str(&format!("p{p};Thing {p};{};yes;kitchen;red\n", 5 + p));
    }
    std::fs::write(dir.join("grown.csv"), grown).unwrap();
    let o = run(&args("grown.csv"));
    assert!(o.status.success() && text(&o).contains("the catalogue update alone"), "{}", text(&o));
    let mut on_page = shelfwise::Recommender::from_bytes(&std::fs::read(model).unwrap()).unwrap();
    let n = on_page.items().len();
    on_page.update_catalog(&std::fs::read(&delta).unwrap()).unwrap();
    let whole = std::fs::read(&full).unwrap();
    assert_eq!(sections(&on_page.to_bytes()), sections(&whole));
    assert_eq!((on_page.items().len(), on_page.items().id(n as u32)), (n + 1, "extra"));
    let hist = [("p12", 1.0), ("p13", 1.0)];
    let o = shelfwise::RecommendOptions { include_only: Some(vec!["extra".into()]), ..Default::default() };
    let got = on_page.recommend(&hist, &o).unwrap().items;
    assert_eq!(got, shelfwise::Recommender::from_bytes(&whole).unwrap().recommend(&hist, &o).unwrap().items);
    assert!(got.len() == 1 && got[0].score != 0.0, "{got:?}");
    // The day after: new prices and titles, p10 out of stock, p11 gone; no new item.
    let mut day = String::from("sku;name;price;in_stock;category;tags\nnew1;Brand new;8;yes;kitchen;red\nnew2;Garden thing;12;yes;garden;green\n");
    for p in (10..30).filter(|p| *p != 11) {
        let category = if p < 15 { "kitchen" } else { "garden" };
        day.push_str(&format!("p{p};Thing {p} v2;{};{};{category};red\n", 4 + p, if p == 10 { "no" } else { "yes" }));
    }
    std::fs::write(dir.join("day.csv"), day).unwrap();
    let o = run(&args("day.csv"));
    assert!(o.status.success() && text(&o).contains("the catalogue update alone"), "{}", text(&o));
    let (full_bytes, delta_bytes) = (std::fs::read(&full).unwrap(), std::fs::read(&delta).unwrap());
    assert!(delta_bytes.len() * 2 < full_bytes.len(), "{} vs {}", delta_bytes.len(), full_bytes.len());
    let mut on_page = shelfwise::Recommender::from_bytes(&std::fs::read(model).unwrap()).unwrap();
    on_page.update_catalog(&delta_bytes).unwrap();
    assert_eq!(sections(&on_page.to_bytes()), sections(&full_bytes));
    let titles = &on_page.catalog().unwrap().titles;
    assert_eq!(titles.iter().filter(|t| t.ends_with(" v2")).count(), 19, "{titles:?}");
    // Made for another model (or not an update at all): refused, and the model is unchanged.
    let mut other = shelfwise::Recommender::from_bytes(&std::fs::read(first).unwrap()).unwrap();
    let before = other.to_bytes();
    let e = other.update_catalog(&delta_bytes).unwrap_err().to_string();
    assert!(e.contains("an update made for another catalogue"), "{e}");
    let e = other.update_catalog(&before).unwrap_err().to_string();
    assert!(e.contains("holds a recommender, not a catalogue update"), "{e}");
    assert_eq!(other.to_bytes(), before);
    let e = shelfwise::Recommender::from_bytes(&delta_bytes).unwrap_err().to_string();
    assert!(e.contains("a catalogue update (apply it to a loaded model with updateCatalog)"), "{e}");
}

#[test]
fn experiment_plan_and_analyze_from_the_command_line() {
    let t = text(&run("experiment plan --baseline 0.02 --lift 0.15 --epsilon 1"));
    assert!(t.contains("1642525 devices per variant at ε = 1") && t.contains("privacy costs 45×"), "{t}");
    let o = run("experiment plan --baseline 0.02 --lift 0.15 --epsilon 0");
    assert!(!o.status.success() && text(&o).contains("epsilon"), "{}", text(&o));
    let dir = common::temp_dir("experiment");
    let f = dir.join("reports.jsonl");
    let line = |variant: &str, clicked: u8| {
        format!(
            r#"{{"format":"shelfwise-report/1","experiment":"home","variant":"{variant}","period":"2026-11-30","epsilon":{{"clicked":2,"converted":2,"revenue":2}},"metrics":{{"clicked":{clicked},"converted":0,"revenue":1.5}},"revenueCap":100}}"#
        )
    };
    let mut body = String::new();
    for i in 0..400 {
        body += &line(if i % 2 == 0 { "control" } else { "shelfwise" }, u8::from(i % 4 == 1));
        body.push('\n');
    }
    std::fs::write(&f, &body).unwrap();
    let t = text(&run(&format!("experiment analyze --reports {}", f.display())));
    assert!(t.contains("experiment home: 400 reports") && t.contains("clicked: shelfwise − control"), "{t}");
    let report = dir.join("experiment.html");
    let o = run(&format!("experiment analyze --reports {} --report {}", f.display(), report.display()));
    assert!(o.status.success(), "{}", text(&o));
    // Three metrics: the variants' estimates and the difference from control for each.
    check_report(
        &report,
        6,
        12,
        &["experiment home", "clicked a recommendation", "revenue per device", "shelfwise − control"],
    );
    std::fs::write(&f, body + "{not json}\n").unwrap();
    let o = run(&format!("experiment analyze --reports {}", f.display()));
    assert!(!o.status.success() && text(&o).contains("reports.jsonl:401: not a report"), "{}", text(&o));
}

/// A number as a spreadsheet set to a German locale exports it: `1.234,5` for `1234.5`; other
/// cells as they are.
fn with_decimal_comma(cell: &str) -> String {
    if cell.parse::<f64>().is_err() || !cell.contains('.') {
        return cell.to_string();
    }
    let (int, frac) = cell.split_once('.').unwrap();
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (k, ch) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{frac}")
}

/// `csv` (comma-separated, no quoted fields) as such an export: `;` between fields and decimal
/// commas.
fn european_export(csv: &str) -> String {
    csv.lines().map(|l| l.split(',').map(with_decimal_comma).collect::<Vec<_>>().join(";") + "\n").collect()
}

#[test]
fn european_exports_with_decimal_commas_train_and_score_what_their_point_csv_does() {
    let dir = common::temp_dir("decimal-comma");
    let gz = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/online-shoppers.csv.gz")).unwrap();
    let mut all = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut all).unwrap();
    let visits: String = all.lines().take(3001).map(|l| format!("{l}\n")).collect();
    let european = european_export(&visits);
    assert!(european.contains(";0,2;") && european.contains("1.2"), "the export has decimal commas and groups");
    let (points, commas) = (dir.join("visits.csv"), dir.join("visits-de.csv"));
    std::fs::write(&points, &visits).unwrap();
    std::fs::write(&commas, &european).unwrap();
    let line = "train propensity --input {in} --target Revenue --model logistic --out {out}";
    let trained = common::train_each(&dir, line, &[&points, &commas]);
    assert!(trained[0].0 == trained[1].0, "the decimal-comma export trains the same bundle");
    assert!(trained[1].1.contains("column 'ExitRates' has numbers with a decimal comma"), "{}", trained[1].1);
    let model = dir.join("train-each-0.bundle");
    let scores: Vec<Output> = [&points, &commas]
        .iter()
        .map(|f| run(&format!("score --model {} --input {}", model.display(), f.display())))
        .collect();
    assert!(scores.iter().all(|o| o.status.success()), "{}", text(&scores[1]));
    assert_eq!(scores[0].stdout, scores[1].stdout, "the same scores from either export");

    // A log's weights and prices, and a catalogue's numbers, the same way.
    let mut log = String::from("user,item,qty,price\n");
    let mut catalogue = String::from("item,title,price,rating\n");
    for i in 0..400 {
        log += &format!("u{},i{},{}.{},{}.{:02}\n", i % 37, (i * 7) % 23, 1 + i % 3, i % 10, 900 + i * 13, i % 100);
    }
    for i in 0..23 {
        catalogue += &format!("i{i},Toy {i},{}.50,{}.{}\n", 5 + i * 71, i % 5, i % 10);
    }
    let de = |name: &str, csv: &str| {
        let (p, c) = (dir.join(format!("{name}.csv")), dir.join(format!("{name}-de.csv")));
        std::fs::write(&p, csv).unwrap();
        std::fs::write(&c, european_export(csv)).unwrap();
        (p, c)
    };
    let (log_points, log_commas) = de("log", &log);
    let (cat_points, cat_commas) = de("catalogue", &catalogue);
    assert!(std::fs::read_to_string(&cat_commas).unwrap().contains(";1.070,50;"));
    let bundles: Vec<Vec<u8>> = [(&log_points, &cat_points), (&log_commas, &cat_commas)]
        .iter()
        .enumerate()
        .map(|(k, (log, cat))| {
            let out = dir.join(format!("recs-{k}.bundle"));
            let o = run(&format!(
                "train recs --input {} --user-col user --item-col item --weight-col qty --price-col price \
                 --model popular --catalog {} --catalog-id-col item --catalog-cols price:number,rating:number --out {}",
                log.display(),
                cat.display(),
                out.display()
            ));
            assert!(o.status.success(), "{}", text(&o));
            std::fs::read(&out).unwrap()
        })
        .collect();
    assert!(bundles[0] == bundles[1], "the decimal-comma log and catalogue train the same bundle");

    // A comma-separated file has no decimal commas: a quoted "3,5" weight is still an error.
    let quoted = dir.join("quoted.csv");
    std::fs::write(&quoted, "user,item,qty\nu1,i1,\"3,5\"\n").unwrap();
    let o = run(&format!(
        "train recs --input {} --user-col user --item-col item --weight-col qty --model popular --out {}",
        quoted.display(),
        dir.join("quoted.bundle").display()
    ));
    assert!(!o.status.success() && text(&o).contains("weight is not a number"), "{}", text(&o));
}

/// Excel's plain "CSV" on a German Windows: Windows-1252 bytes, `;` between fields, decimal
/// commas. Its ids, titles and header with umlauts train the bundle the UTF-8 export does, and the
/// run says how it read them.
#[test]
fn windows_1252_exports_train_what_their_utf8_export_does() {
    let dir = common::temp_dir("windows-1252");
    let mut log = String::from("Kunde;Artikel;Menge;Bezeichnung;Größe\n");
    for i in 0..300 {
        let (item, title) =
            [("Bär-01", "Teddybär, groß"), ("Würfel", "Holzwürfel"), ("Ölfarbe", "Öl à la carte")][i % 3];
        log += &format!("K{};{item};{},{};{title};{}\n", i % 29, 1 + i % 4, i % 10, ["S", "M", "L"][i % 3]);
    }
    let (utf8, legacy) = (dir.join("utf8.csv"), dir.join("excel.csv"));
    std::fs::write(&utf8, &log).unwrap();
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&log);
    assert!(!unmappable && std::str::from_utf8(&bytes).is_err());
    std::fs::write(&legacy, &bytes).unwrap();
    let line =
        "train recs --input {in} --user-col Kunde --item-col Artikel --weight-col Menge --title-col Bezeichnung \
                --model popular --out {out}";
    let trained = common::train_each(&dir, line, &[&utf8, &legacy]);
    assert!(trained[0].0 == trained[1].0, "the Windows-1252 export trains the UTF-8 export's bundle");
    assert!(trained[0].1.contains("separator: ';'") && !trained[0].1.contains("Windows-1252"), "{}", trained[0].1);
    assert!(
        trained[1].1.contains("note: 300 rows are not UTF-8 (the first at") && trained[1].1.contains("excel.csv:2)"),
        "{}",
        trained[1].1
    );
    let o = run(&format!(
        "train recs --input {} --user-col Kunde --item-col Größe --model popular --out {}",
        legacy.display(),
        dir.join("size.bundle").display()
    ));
    assert!(o.status.success(), "a header name with an umlaut is found: {}", text(&o));
}

/// A Central European Excel export (Windows-1250: `Ł`, `ą`, `ś` at bytes Windows-1252 gives
/// other letters) trains its UTF-8 export's bundle with `--encoding windows-1250` (and its
/// catalogue with `--catalog-encoding`); without it the run says how its rows were read and
/// names `--encoding`; with it, a file that is UTF-8 throughout reads as it is and the run says
/// the code page was not needed. An unknown code page, or UTF-8, is refused by name.
#[test]
fn code_pages_other_than_windows_1252_are_read_as_encoding_names_them() {
    let dir = common::temp_dir("windows-1250");
    let mut log = String::from("klient;produkt;ilość\n");
    for i in 0..300 {
        let item = ["Łódź-miś", "Żółw-ś", "Kość-ą"][i % 3];
        log += &format!("k{};{item};{},5\n", i % 29, 1 + i % 4);
    }
    let catalogue = "produkt;nazwa\nŁódź-miś;Miś z Łodzi\nŻółw-ś;Żółw\nKość-ą;Kość do gryzienia\n";
    let cp1250 = |text: &str| {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1250.encode(text);
        assert!(!unmappable && std::str::from_utf8(&bytes).is_err());
        bytes.into_owned()
    };
    let write = |name: &str, bytes: &[u8]| {
        let f = dir.join(name);
        std::fs::write(&f, bytes).unwrap();
        f.display().to_string()
    };
    let (utf8, legacy) = (write("utf8.csv", log.as_bytes()), write("excel.csv", &cp1250(&log)));
    let (cat_utf8, cat_legacy) = (write("cat.csv", catalogue.as_bytes()), write("cat-excel.csv", &cp1250(catalogue)));
    let train = |log: &str, cat: &str, extra: &str, out: &str| {
        let out = dir.join(out);
        let o = run(&format!(
            "train recs --input {log} --user-col klient --item-col produkt --weight-col ilość --model popular \
             --catalog {cat} --catalog-id-col produkt --catalog-title-col nazwa {extra} --out {}",
            out.display()
        ));
        (std::fs::read(&out).ok(), text(&o))
    };
    let (want, _) = train(&utf8, &cat_utf8, "", "utf8.bundle");
    let (got, said) = train(&legacy, &cat_legacy, "--encoding windows-1250 --catalog-encoding cp1250", "excel.bundle");
    assert!(want.is_some() && got == want, "the Windows-1250 export trains the UTF-8 bundle: {said}");
    assert!(
        said.contains("300 rows are not UTF-8") && said.contains("read as windows-1250, as --encoding says"),
        "{said}"
    );
    // Without --encoding: the header's `ilość` reads as `iloœæ`, and the error says why.
    let (none, said) = train(&legacy, &cat_legacy, "", "guessed.bundle");
    assert!(none.is_none() && said.contains("no column 'ilość'"), "{said}");
    assert!(
        said.contains("(the header is not UTF-8: read as windows-1252; --encoding, or --catalog-encoding"),
        "{said}"
    );
    // With an ASCII header the rows read, the ids misread, and the run names --encoding.
    let ascii = write("ascii-header.csv", &cp1250(&log.replacen("ilość", "ilosc", 1)));
    let o = run(&format!(
        "train recs --input {ascii} --user-col klient --item-col produkt --weight-col ilosc --model popular --out {}",
        dir.join("guessed.bundle").display()
    ));
    let said = text(&o);
    assert!(o.status.success() && said.contains("read as Windows-1252") && said.contains("--encoding (windows-1250"));
    // A file that mixes the two (a UTF-8 export appended to the Excel one): each row read as it
    // is, the same bundle as the whole log in UTF-8, and the run says that both kinds were there.
    let more: String = (0..30).map(|i| format!("k{};Kość-ą;2,5\n", 30 + i)).collect();
    let mut mixed = cp1250(&log);
    mixed.extend_from_slice(more.as_bytes());
    let (mixed, whole) = (write("mixed.csv", &mixed), write("whole.csv", format!("{log}{more}").as_bytes()));
    let (want, _) = train(&whole, &cat_utf8, "", "whole.bundle");
    let (got, said) = train(&mixed, &cat_legacy, "--encoding windows-1250 --catalog-encoding cp1250", "mixed.bundle");
    assert!(want.is_some() && got == want, "each row read in its own encoding: {said}");
    assert!(
        said.contains("300 rows are not UTF-8 (the first at")
            && said.contains("; 30 other rows with characters beyond ASCII are valid UTF-8 and were read as UTF-8")
            && said.contains("mixed.csv:302)")
            && said.contains("iconv -f windows-1250 -t utf-8"),
        "{said}"
    );
    // A code page named for a file that is UTF-8 throughout: the same bundle, and the run says
    // that no row needed it.
    let (got, said) = train(&utf8, &cat_utf8, "--encoding windows-1250 --catalog-encoding cp1250", "named.bundle");
    let (want, _) = train(&utf8, &cat_utf8, "", "utf8.bundle");
    assert!(want.is_some() && got == want, "{said}");
    assert!(said.contains("every row is UTF-8, so none was read as windows-1250"), "{said}");
    for (label, why) in [("klingon", "not a code page"), ("utf-8", "UTF-8 rows are always read as UTF-8")] {
        let (none, said) = train(&legacy, &cat_legacy, &format!("--encoding {label}"), "never.bundle");
        assert!(none.is_none() && said.contains(why), "{label}: {said}");
    }
}

/// Excel's `sep=;` line above the header names the separator and is not data: a log and a
/// propensity table with one (plain, quoted, after a byte-order mark, with `\r\n`) train what
/// the same files without it train, and a bad row's line counts it.
#[test]
fn excel_sep_lines_name_the_separator_and_are_not_data() {
    let dir = common::temp_dir("sep-line");
    let mut log = String::from("user;item;qty\n");
    for i in 0..200 {
        log += &format!("u{};i{};{},5\n", i % 17, (i * 5) % 13, 1 + i % 3);
    }
    let hinted = ["sep=;\n", "\"sep=;\"\r\n", "\u{feff}sep=;\r\n"];
    let files: Vec<std::path::PathBuf> = std::iter::once(String::new())
        .chain(hinted.iter().map(|h| h.to_string()))
        .enumerate()
        .map(|(k, hint)| {
            let f = dir.join(format!("log-{k}.csv"));
            std::fs::write(&f, format!("{hint}{log}")).unwrap();
            f
        })
        .collect();
    let line = "train recs --input {in} --user-col user --item-col item --weight-col qty --model popular --out {out}";
    let trained = common::train_each(&dir, line, &files.iter().map(|f| f.as_path()).collect::<Vec<_>>());
    for (k, (bundle, said)) in trained.iter().enumerate().skip(1) {
        assert!(*bundle == trained[0].0, "{:?}: the same bundle as without the line", hinted[k - 1]);
        assert!(said.contains("separator: ';' (as the sep= line of"), "{said}");
    }

    // A propensity table, read whole, likewise.
    let gz = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/online-shoppers.csv.gz")).unwrap();
    let mut all = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut all).unwrap();
    let visits: String = all.lines().take(1001).map(|l| format!("{l}\n")).collect();
    let (plain, excel) = (dir.join("visits.csv"), dir.join("visits-excel.csv"));
    std::fs::write(&plain, &visits).unwrap();
    std::fs::write(&excel, format!("sep=,\r\n{visits}")).unwrap();
    let line = "train propensity --input {in} --target Revenue --model logistic --out {out}";
    let trained = common::train_each(&dir, line, &[&plain, &excel]);
    assert!(trained[0].0 == trained[1].0, "the table with a sep= line trains the same bundle");

    // Lines are the file's own: the hint is line 1, the header line 2.
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "sep=;\r\nuser;item;qty\r\nu1;i1;1\r\nu2;i2\r\n").unwrap();
    let o = run(&format!(
        "train recs --input {} --user-col user --item-col item --weight-col qty --model popular --out {}",
        bad.display(),
        dir.join("bad.bundle").display()
    ));
    assert!(!o.status.success() && text(&o).contains("bad.csv:4 column '(row)': expected 3 fields"), "{}", text(&o));
}

/// `eval baskets` on a UK spreadsheet's export of the Online Retail lines (`;`, decimal commas,
/// dates day first) prints what it prints on the ISO, comma-separated lines.
#[test]
fn eval_baskets_reads_a_european_export_as_the_iso_lines() {
    use shelfwise::data::time::DateOrder::DayFirst;
    let dir = common::temp_dir("baskets-uk");
    let gz = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/online-retail-demo.csv.gz")).unwrap();
    let mut rdr = csv::Reader::from_reader(flate2::read::GzDecoder::new(&gz[..]));
    let (mut iso, mut uk) =
        (String::from("order,item,qty,when,price,customer\n"), String::from("order;item;qty;when;price;customer\n"));
    for row in rdr.records().take(40_000) {
        let r = row.unwrap();
        let (date, time) = r[4].split_once(' ').unwrap();
        let (y, m, d) = (&date[..4], &date[5..7], &date[8..10]);
        iso += &format!("{},{},{},{},{},{}\n", &r[0], &r[1], &r[3], &r[4], &r[5], &r[6]);
        uk += &format!("{};{};{};{d}/{m}/{y} {time};{};{}\n", &r[0], &r[1], &r[3], r[5].replace('.', ","), &r[6]);
    }
    let (a, b) = (dir.join("iso.csv"), dir.join("uk.csv"));
    std::fs::write(&a, iso).unwrap();
    std::fs::write(&b, &uk).unwrap();
    // A month-first line among them: both orders, an error naming a date of each.
    let day_first = |d: &&str| shelfwise::data::time::DateOrder::shown_by(d) == Some(DayFirst);
    let first_day_first = uk.lines().skip(1).map(|l| l.split(';').nth(3).unwrap()).find(day_first).unwrap();
    let mixed = dir.join("mixed.csv");
    std::fs::write(&mixed, format!("{uk}1;85123A;1;12/31/2011 10:00;2,55;17850\n")).unwrap();
    let eval = |f: &std::path::Path| {
        run(&format!(
            "eval baskets --input {} --user-col customer --item-col item --basket-col order --time-col when \
             --weight-col qty --holdout-days 10",
            f.display()
        ))
    };
    let (want, got) = (eval(&a), eval(&b));
    assert!(want.status.success() && got.status.success(), "{}{}", text(&want), text(&got));
    assert!(!want.stdout.is_empty() && want.stdout == got.stdout, "{}\n{}", text(&want), text(&got));
    let o = eval(&mixed);
    let said = text(&o);
    assert!(!o.status.success() && said.contains("\"12/31/2011 10:00\")") && said.contains("--date-order"), "{said}");
    assert!(said.contains(&format!("has day-first dates ({first_day_first:?})")), "{said}");
}
