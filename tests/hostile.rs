//! Hostile and careless input, replayed: every case of `RELIABILITY.md`'s table that a native test
//! can reach. Each must end in a typed error or a correct answer: never a panic, an abort, a hang
//! or silently wrong output. The JS-side cases are in `tests/e2e/hostile.test.mjs`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use shelfwise::recs::{RecommendOptions, Recommender, MAX_HISTORY};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

/// Runs the CLI with whitespace-separated arguments; `{dir}` stands for the test's directory.
fn cli(dir: &Path, args: &str) -> Output {
    let args: Vec<String> = args.split_whitespace().map(|a| a.replace("{dir}", dir.to_str().unwrap())).collect();
    Command::new(env!("CARGO_BIN_EXE_shelfwise")).args(&args).output().expect("run shelfwise")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The run failed cleanly: a non-zero exit that is not a panic (101) or an abort (134), with a
/// message containing every one of `needles`.
#[track_caller]
fn fails_with(o: &Output, needles: &[&str]) {
    let t = text(o);
    let code = o.status.code();
    assert!(code.is_some() && code != Some(0) && code != Some(101) && code != Some(134), "exit {code:?}: {t}");
    assert!(!t.contains("panicked"), "{t}");
    for n in needles {
        assert!(t.contains(n), "expected {n:?} in: {t}");
    }
}

#[track_caller]
fn succeeds(o: &Output) -> String {
    let t = text(o);
    assert!(o.status.success(), "exit {:?}: {t}", o.status.code());
    t
}

fn write(dir: &Path, name: &str, body: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

/// Rewrites a bundle's declared length and checksum after a mutation, as a hostile writer would.
fn reseal(mut b: Vec<u8>) -> Vec<u8> {
    shelfwise::bundle::reseal(&mut b);
    b
}

/// A bundle with one more, empty, section named by the raw bytes `name` (length and checksum fixed).
fn with_extra_section(bundle: &[u8], name: &[u8]) -> Vec<u8> {
    let count = u32::from_le_bytes(bundle[12..16].try_into().unwrap()) as usize;
    let table_end = 24 + 24 * count;
    let mut out = bundle[..table_end].to_vec();
    out[12..16].copy_from_slice(&(count as u32 + 1).to_le_bytes());
    // Every offset moves by one table entry.
    for e in 0..count {
        let at = 24 + 24 * e + 8;
        let off = u64::from_le_bytes(out[at..at + 8].try_into().unwrap()) + 24;
        out[at..at + 8].copy_from_slice(&off.to_le_bytes());
    }
    let mut entry = [0u8; 24];
    entry[..name.len()].copy_from_slice(name);
    let payload_end = (bundle.len() - 4 + 24) as u64;
    entry[8..16].copy_from_slice(&payload_end.to_le_bytes());
    out.extend_from_slice(&entry);
    out.extend_from_slice(&bundle[table_end..bundle.len() - 4]);
    out.extend_from_slice(&[0; 4]);
    reseal(out)
}

#[test]
fn non_ascii_section_name_is_rejected_by_every_reader_and_merge() {
    // Defect 1: accepted by the reader, then a panic in the writer during `bundle merge`.
    let dir = common::temp_dir("hostile-section-name");
    let evil = with_extra_section(&fixture("tiny-ease.bundle"), "é".as_bytes());
    let ok = with_extra_section(&fixture("tiny-ease.bundle"), b"extra");
    assert!(Recommender::from_bytes(&ok).is_ok(), "a well-named extra section is fine");
    let err = Recommender::from_bytes(&evil).unwrap_err().to_string();
    assert!(err.contains("not printable ASCII"), "{err}");
    let prop = fixture("tiny-propensity-mlp.bundle");
    let err = shelfwise::bundle::merge(&[("evil", &evil), ("prop", &prop)]).unwrap_err().to_string();
    assert!(err.contains("evil") && err.contains("not printable ASCII"), "{err}");
    write(&dir, "evil.bundle", &evil);
    write(&dir, "prop.bundle", &prop);
    fails_with(&cli(&dir, "bundle merge --out {dir}/m.bundle {dir}/evil.bundle {dir}/prop.bundle"), &["evil.bundle"]);
    fails_with(&cli(&dir, "inspect {dir}/evil.bundle"), &["not printable ASCII"]);
    assert!(!dir.join("m.bundle").exists());
}

#[test]
fn many_unknown_ids_fold_in_linearly_and_long_histories_are_truncated() {
    // Defect 3: each unknown id was checked against a growing list (100k ids took 27 s).
    let rec = Recommender::from_bytes(&fixture("tiny-als.bundle")).unwrap();
    let known = rec.items().id(0).to_string();
    let mut history: Vec<(String, f32)> = (0..200_000).map(|n| (format!("nope-{n}"), 1.0)).collect();
    history.push((known.clone(), 1.0));
    let r = rec.recommend(&history, &RecommendOptions::top(3)).unwrap();
    assert_eq!(r.truncated, 200_001 - MAX_HISTORY);
    assert_eq!(r.unknown.len(), MAX_HISTORY - 1, "the most recent entries are kept");
    assert_eq!(r.unknown[0], format!("nope-{}", 200_000 - (MAX_HISTORY - 1)));
    assert!(!r.fallback, "the known (most recent) item was folded in");
    // Repeated unknown ids are reported once, in first-seen order.
    let repeated: Vec<(&str, f32)> = vec![("x", 1.0), ("y", 1.0), ("x", 1.0), (known.as_str(), 1.0), ("y", 2.0)];
    let r = rec.recommend(&repeated, &RecommendOptions::top(3)).unwrap();
    assert_eq!(r.unknown, vec!["x", "y"]);
    assert_eq!(r.truncated, 0);
}

const LOG: &str = "user,item,w\nu1,i1,1\nu1,i2,2\nu2,i1,1\nu2,i3,1\nu3,i2,1\nu3,i3,1\n";

/// A small propensity table: `Bought` follows `PageValue`.
fn propensity_csv() -> String {
    let mut s = String::from("PageValue,Device,Bought\n");
    for i in 0..200 {
        let pv = (i * 37 % 100) as f64;
        s += &format!(
            "{pv},{},{}\n",
            ["mobile", "desktop"][i % 2],
            if pv + (i % 7) as f64 * 5.0 > 60.0 { 1 } else { 0 }
        );
    }
    s
}

#[test]
fn crlf_input_reports_the_right_line() {
    // Defect 7: every line number was one too low for CRLF input.
    let dir = common::temp_dir("hostile-crlf");
    write(&dir, "log.csv", "user,item,w\r\nu1,i1,1\r\nu2,i2,1\r\nu3,i3,-7\r\n");
    let o = cli(&dir, "train recs --input {dir}/log.csv --user-col user --item-col item --weight-col w --model popular --out {dir}/m.bundle");
    fails_with(&o, &["log.csv:4 column 'w'", "\"-7\""]);
    let mut table = String::from("a,b\r\n");
    for i in 0..5 {
        table += &format!("{i},{}\r\n", i % 2);
    }
    table += "9\r\n"; // line 7: a short row
    write(&dir, "t.csv", table);
    let o = cli(&dir, "train propensity --input {dir}/t.csv --target b --model logistic --out {dir}/p.bundle");
    fails_with(&o, &["t.csv:7", "expected 2 fields, found 1"]);
    // Without a bad row, a CRLF file trains exactly as its LF twin.
    write(&dir, "lf.csv", LOG);
    write(&dir, "crlf.csv", LOG.replace('\n', "\r\n"));
    for f in ["lf", "crlf"] {
        succeeds(&cli(&dir, &format!("train recs --input {{dir}}/{f}.csv --user-col user --item-col item --weight-col w --model popular --out {{dir}}/{f}.bundle")));
    }
    assert_eq!(std::fs::read(dir.join("lf.bundle")).unwrap(), std::fs::read(dir.join("crlf.bundle")).unwrap());
}

#[test]
fn out_equal_to_an_input_is_refused_and_the_input_kept() {
    // Defect 6: the training CSV was silently overwritten by the bundle.
    let dir = common::temp_dir("hostile-out-is-input");
    let log = write(&dir, "log.csv", LOG);
    std::os::unix::fs::symlink(&log, dir.join("link.csv")).unwrap();
    std::fs::hard_link(&log, dir.join("hard.csv")).unwrap();
    for out in ["log.csv", "link.csv", "hard.csv", "./log.csv"] {
        let o = cli(&dir, &format!("train recs --input {{dir}}/log.csv --user-col user --item-col item --model popular --out {{dir}}/{out}"));
        fails_with(&o, &["refusing to write", "same file"]);
    }
    assert_eq!(std::fs::read_to_string(&log).unwrap(), LOG);
    succeeds(&cli(
        &dir,
        "train recs --input {dir}/log.csv --user-col user --item-col item --model popular --out {dir}/m.bundle",
    ));
    let m = std::fs::read(dir.join("m.bundle")).unwrap();
    fails_with(&cli(&dir, "recommend --model {dir}/m.bundle --histories {dir}/log.csv --user-col user --item-col item --out {dir}/log.csv"), &["refusing"]);
    fails_with(&cli(&dir, "recommend --model {dir}/m.bundle --histories {dir}/log.csv --user-col user --item-col item --out {dir}/m.bundle"), &["refusing"]);
    write(&dir, "p.csv", propensity_csv());
    succeeds(&cli(&dir, "train propensity --input {dir}/p.csv --target Bought --model logistic --out {dir}/p.bundle"));
    fails_with(&cli(&dir, "score --model {dir}/p.bundle --input {dir}/p.csv --out {dir}/p.csv"), &["refusing"]);
    fails_with(&cli(&dir, "bundle merge --out {dir}/m.bundle {dir}/m.bundle {dir}/p.bundle"), &["refusing"]);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), LOG);
    assert_eq!(std::fs::read(dir.join("m.bundle")).unwrap(), m);
}

#[test]
fn a_failed_run_leaves_the_previous_output_whole_and_no_temp_file() {
    // Defect 5: outputs were written in place, so an interrupted run left a truncated file.
    let dir = common::temp_dir("hostile-atomic");
    write(&dir, "log.csv", LOG);
    succeeds(&cli(
        &dir,
        "train recs --input {dir}/log.csv --user-col user --item-col item --model popular --out {dir}/m.bundle",
    ));
    let good = std::fs::read(dir.join("m.bundle")).unwrap();
    // A run that fails half-way (a bad row after good ones) must not touch the old bundle.
    write(&dir, "bad.csv", format!("{LOG}u9,i9,1,extra\n"));
    fails_with(
        &cli(
            &dir,
            "train recs --input {dir}/bad.csv --user-col user --item-col item --model popular --out {dir}/m.bundle",
        ),
        &["bad.csv:8"],
    );
    // `recommend` streams its CSV: an error in a later user must leave no partial file behind.
    write(&dir, "h.csv", "user,item,w\na,i1,1\nb,i2,-1\n");
    fails_with(&cli(&dir, "recommend --model {dir}/m.bundle --histories {dir}/h.csv --user-col user --item-col item --weight-col w --out {dir}/r.csv"), &["h.csv:3"]);
    assert!(!dir.join("r.csv").exists());
    assert_eq!(std::fs::read(dir.join("m.bundle")).unwrap(), good);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn arguments_are_checked_before_outputs_are_opened() {
    // Defect 8: `--k 0 --out f` wrote a header-only file and blamed a user; bad n-gram ranges and
    // absurd thread counts were accepted.
    let dir = common::temp_dir("hostile-args");
    write(&dir, "log.csv", LOG);
    succeeds(&cli(
        &dir,
        "train recs --input {dir}/log.csv --user-col user --item-col item --model popular --out {dir}/m.bundle",
    ));
    fails_with(&cli(&dir, "recommend --model {dir}/m.bundle --histories {dir}/log.csv --user-col user --item-col item --k 0 --out {dir}/r.csv"), &["--k must be between 1 and 1000, got 0"]);
    assert!(!dir.join("r.csv").exists());
    for bad in ["5-2", "0-3", "x-y", "3", "1-40", "3-9"] {
        let o = cli(&dir, &format!("train recs --input {{dir}}/log.csv --user-col user --item-col item --model popular --text-index --text-char-ngrams {bad} --out {{dir}}/t.bundle"));
        fails_with(&o, &["char n-grams must be MIN-MAX"]);
    }
    let o = cli(&dir, "train recs --input {dir}/log.csv --user-col user --item-col item --model als --threads 100000 --out {dir}/t.bundle");
    fails_with(&o, &["threads", "100000", "256"]);
    assert!(!dir.join("t.bundle").exists());
}

#[test]
fn scoring_refuses_inputs_without_the_models_fields() {
    // Defect 8: a CSV with none of the model's columns scored every row the same, exit 0.
    let dir = common::temp_dir("hostile-score-fields");
    write(&dir, "p.csv", propensity_csv());
    succeeds(&cli(&dir, "train propensity --input {dir}/p.csv --target Bought --model logistic --out {dir}/p.bundle"));
    write(&dir, "none.csv", "a,b\n1,2\n");
    fails_with(
        &cli(&dir, "score --model {dir}/p.bundle --input {dir}/none.csv"),
        &["none of the model's 2 fields", "PageValue"],
    );
    write(&dir, "some.csv", "PageValue\n10\n90\n");
    fails_with(
        &cli(&dir, "score --model {dir}/p.bundle --input {dir}/some.csv"),
        &["Device", "--allow-missing-fields"],
    );
    let t = succeeds(&cli(&dir, "score --model {dir}/p.bundle --input {dir}/some.csv --allow-missing-fields"));
    assert!(t.contains("imputed for every row") && t.contains("Device"), "{t}");
}

#[test]
fn duplicate_header_names_are_refused_with_their_positions() {
    let dir = common::temp_dir("hostile-dup-header");
    write(&dir, "log.csv", "user,item,user\nu1,i1,u2\n");
    fails_with(
        &cli(
            &dir,
            "train recs --input {dir}/log.csv --user-col user --item-col item --model popular --out {dir}/m.bundle",
        ),
        &["repeated at positions 1 and 3"],
    );
    write(&dir, "p.csv", "x,x,y\n1,2,1\n2,3,0\n");
    fails_with(
        &cli(&dir, "train propensity --input {dir}/p.csv --target y --model logistic --out {dir}/p.bundle"),
        &["repeated at positions 1 and 2"],
    );
}

#[test]
fn surprising_type_inference_is_reported() {
    // Defect 8: a numeric column with a few `inf`/`1e309` cells silently became categorical, and
    // an all-empty column was typed boolean and kept.
    let mut csv = String::from("PageValue,Empty,Bought\n");
    for i in 0..200 {
        let pv = if i == 17 {
            "inf".to_string()
        } else if i == 40 {
            "1e309".to_string()
        } else {
            (i % 50).to_string()
        };
        csv += &format!("{pv},,{}\n", i % 2);
    }
    let dir = common::temp_dir("hostile-inference");
    let f = write(&dir, "p.csv", &csv);
    let table = shelfwise::data::table::Table::read(&f, b',').unwrap();
    let ds = shelfwise::train::propensity::Dataset::from_table(
        table,
        &shelfwise::train::propensity::PropensityParams::new("Bought"),
    )
    .unwrap();
    assert!(ds.columns.iter().all(|(n, _)| n != "Empty"), "{:?}", ds.columns);
    assert!(ds.notices.iter().any(|n| n.contains("'Empty' is empty in every row")), "{:?}", ds.notices);
    assert!(
        ds.notices.iter().any(|n| n.contains("'PageValue' read as categorical: 2 of its 200 cells")
            && n.contains("first at ")
            && n.contains("p.csv:19:")),
        "{:?}",
        ds.notices
    );
    let t =
        text(&cli(&dir, "train propensity --input {dir}/p.csv --target Bought --model logistic --out {dir}/m.bundle"));
    assert!(t.contains("notice: column 'PageValue' read as categorical"), "{t}");
}

#[test]
fn gbt_early_stopping_outside_zero_one_is_a_parameter_error() {
    use shelfwise::train::propensity::GbtParams;
    let x: Vec<Vec<f32>> = (0..50).map(|i| vec![i as f32]).collect();
    let y: Vec<bool> = (0..50).map(|i| i > 25).collect();
    let w = vec![1.0; 50];
    for f in [1.5, 1.0, 0.0, -0.1, f64::NAN] {
        let p = GbtParams { early_stopping: Some(f), rounds: 5, ..GbtParams::default() };
        let err = p.fit(&x, &y, &w).unwrap_err().to_string();
        assert!(err.contains("early_stopping"), "{f}: {err}");
    }
    assert!(GbtParams { early_stopping: Some(0.2), rounds: 5, ..GbtParams::default() }.fit(&x, &y, &w).is_ok());
}

#[test]
fn customer_text_in_one_row_never_becomes_the_title() {
    // Defect 9: the first non-empty title cell became the item's title, so a planted
    // "Gift note for <email>" went into the bundle and its words into the text index.
    let dir = common::temp_dir("hostile-title");
    let mut csv = String::from("user,item,title\n");
    csv += "u0,i1,Gift note for jane.doe@example.com\n"; // first, but once
    for u in 1..6 {
        csv += &format!("u{u},i1,Red wooden train\nu{u},i2,Blue doll\n");
    }
    csv += "u9,i3,Green kite\nu8,i3,Happy birthday love mum\n"; // two titles, once each
    write(&dir, "log.csv", &csv);
    let t = succeeds(&cli(&dir, "train recs --input {dir}/log.csv --user-col user --item-col item --title-col title --model popular --text-index --out {dir}/m.bundle"));
    assert!(t.contains("2 items have rows with different titles"), "{t}");
    assert!(t.contains("1 items kept no title"), "{t}");
    let bytes = std::fs::read(dir.join("m.bundle")).unwrap();
    for secret in ["jane.doe", "example.com", "Gift note", "birthday", "mum"] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w.eq_ignore_ascii_case(secret.as_bytes())),
            "{secret} in the bundle"
        );
    }
    let rec = Recommender::from_bytes(&bytes).unwrap();
    let titles: Vec<Option<String>> = (0..3).map(|i| rec.entry(i).title).collect();
    assert_eq!(titles, vec![Some("Red wooden train".to_string()), Some("Blue doll".into()), None]);
}

/// Gzips `rows` copies of `row` after `header` into `path`, streaming (the plain text never exists).
fn gzip_repeated(path: &Path, header: &str, row: &str, rows: usize) {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(path).unwrap(), flate2::Compression::fast());
    gz.write_all(header.as_bytes()).unwrap();
    let block = row.repeat(1024);
    for _ in 0..rows / 1024 {
        gz.write_all(block.as_bytes()).unwrap();
    }
    gz.finish().unwrap();
}

#[test]
fn a_gzip_bomb_of_one_huge_field_stops_with_an_error() {
    // Defect 4: a 5.8 MB gzip expanding to one 6 GB field aborted the process (exit 134). Here a
    // 64 MB field is enough to cross the 16 MiB row bound; `bench/hostile-bombs.sh` runs the full size.
    let dir = common::temp_dir("hostile-field-bomb");
    let f = dir.join("bomb.csv.gz");
    gzip_repeated(&f, "user,item\nu1,", "aaaaaaaaaaaaaaaa", 4 << 20);
    let cols = shelfwise::data::Columns { user: "user".into(), item: "item".into(), ..Default::default() };
    for skip in [false, true] {
        let opts = shelfwise::data::ReadOptions { skip_bad_rows: skip, ..Default::default() };
        let err = shelfwise::data::Interactions::read_csv(&f, &cols, &opts, &|_| {}).unwrap_err().to_string();
        assert!(err.contains("bomb.csv.gz:2") && err.contains("longer than 16 MiB"), "{err}");
    }
    fails_with(
        &cli(
            &dir,
            "train recs --input {dir}/bomb.csv.gz --user-col user --item-col item --model popular --out {dir}/m.bundle",
        ),
        &["longer than 16 MiB"],
    );
    let err = shelfwise::data::table::Table::read(&f, b',').unwrap_err().to_string();
    assert!(err.contains("longer than 16 MiB"), "{err}");
    // Long ids and titles are row errors naming the line.
    write(
        &dir,
        "long.csv",
        format!("user,item,title\nu1,i1,ok\nu2,{},ok\nu3,i3,{}\n", "x".repeat(1025), "t".repeat(4097)),
    );
    fails_with(&cli(&dir, "train recs --input {dir}/long.csv --user-col user --item-col item --title-col title --model popular --out {dir}/m.bundle"), &["long.csv:3 column 'item'", "longer than 1024 bytes"]);
    let t = succeeds(&cli(&dir, "train recs --input {dir}/long.csv --user-col user --item-col item --title-col title --model popular --skip-bad-rows --out {dir}/m.bundle"));
    assert!(t.contains("skipped 2 malformed") && t.contains("long.csv:4 column 'title'"), "{t}");
}

#[test]
fn repeated_rows_take_memory_for_distinct_pairs_only() {
    // Defect 4: a gzip of 750M identical rows aborted at a 4 GiB allocation (~40 B kept per row).
    // Duplicates now merge while reading: 3M copies of one row fit a 16 MB budget, which the rows
    // alone (36 MB) would not. `bench/hostile-bombs.sh` reads the full 750M rows.
    let dir = common::temp_dir("hostile-row-bomb");
    let f = dir.join("rows.csv.gz");
    gzip_repeated(&f, "user,item\n", "u1,i1\n", 3 << 20);
    let cols = shelfwise::data::Columns { user: "user".into(), item: "item".into(), ..Default::default() };
    let opts = shelfwise::data::ReadOptions { max_memory: Some(16 << 20), ..Default::default() };
    let (log, report) = shelfwise::data::Interactions::read_csv(&f, &cols, &opts, &|_| {}).unwrap();
    assert_eq!((log.len(), report.rows_read, report.duplicates_merged), (1, 3 << 20, (3 << 20) - 1));
    assert_eq!(log.weights()[0], (3 << 20) as f32);
    // Finite rows whose weights sum past f32's largest are named, not trained on as infinity.
    let big = dir.join("big.csv");
    std::fs::write(&big, "user,item,w\nu,a,3e38\nv,a,1\nu,a,3e38\n").unwrap();
    let weighted = shelfwise::data::Columns { weight: Some("w".into()), ..cols.clone() };
    let err = shelfwise::data::Interactions::read_csv(&big, &weighted, &Default::default(), &|_| {}).unwrap_err();
    assert!(err.to_string().contains(r#"weight of user "u", item "a""#), "{err}");
    let triples = [("u", "a", 3e38), ("u", "a", 3e38)];
    assert!(shelfwise::data::Interactions::from_triples(triples).is_err());
    // Distinct pairs over the budget stop with a message that says what it needs and where to go.
    let g = dir.join("distinct.csv");
    let mut csv = String::from("user,item\n");
    for i in 0..400_000 {
        csv += &format!("u{i},i{}\n", i % 1000);
    }
    std::fs::write(&g, csv).unwrap();
    let opts = shelfwise::data::ReadOptions { max_memory: Some(8 << 20), ..Default::default() };
    let err = shelfwise::data::Interactions::read_csv(&g, &cols, &opts, &|_| {}).unwrap_err();
    assert!(matches!(err, shelfwise::Error::MemoryBudget { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("distinct (user, item) pairs")
            && msg.contains("--max-memory")
            && msg.contains("Training at scale"),
        "{msg}"
    );
    fails_with(&cli(&dir, "train recs --input {dir}/distinct.csv --user-col user --item-col item --model popular --max-memory 8MB --out {dir}/m.bundle"), &["over the budget of 8 MB"]);
}

/// What a row of the table must end in.
enum Outcome {
    /// A clean failure whose message holds every needle.
    Fails(&'static [&'static str]),
    /// Success, with every needle in the output.
    Succeeds(&'static [&'static str]),
}

/// The cases of RELIABILITY.md's table that already held before the hostile-input issue, replayed
/// through `train recs` (or `train propensity` when the name says so) so they keep holding.
#[test]
fn hostile_files_table() {
    use Outcome::*;
    let dir = common::temp_dir("hostile-table");
    let gz = |text: &str| {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let mut truncated = gz(&LOG.repeat(200));
    truncated.truncate(truncated.len() / 2);
    let wide: String = (0..100_000).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",");
    let cases: Vec<(&str, Vec<u8>, Outcome)> = vec![
        ("empty file", Vec::new(), Fails(&["no column 'user'"])),
        ("header only", b"user,item,w\n".to_vec(), Fails(&["no usable rows"])),
        ("UTF-8 BOM", format!("\u{feff}{LOG}").into_bytes(), Succeeds(&["read 6 rows"])),
        ("quoted newline in an id", b"user,item,w\n\"u\n1\",i1,1\nu2,i2,1\n".to_vec(), Succeeds(&["read 2 rows"])),
        ("NUL bytes in a field", b"user,item,w\nu1,i\x001,1\nu2,i2,1\n".to_vec(), Succeeds(&["read 2 rows"])),
        (
            "not UTF-8 (Windows-1252)",
            b"user,item,w\nu1,i\xff1,1\n".to_vec(),
            Succeeds(&["1 rows are not UTF-8 (the first at", "log.csv:2): read as Windows-1252", "CSV UTF-8"]),
        ),
        (
            "UTF-16 (Excel's Unicode Text)",
            "\u{feff}user,item,w\nu1,i1,1\n".encode_utf16().flat_map(u16::to_le_bytes).collect(),
            Fails(&["log.csv: is UTF-16 text", "save it as UTF-8"]),
        ),
        ("ragged row", b"user,item,w\nu1,i1,1\nu2,i2\n".to_vec(), Fails(&["log.csv:3", "expected 3 fields, found 2"])),
        ("NaN weight", b"user,item,w\nu1,i1,NaN\n".to_vec(), Fails(&["log.csv:2 column 'w'", "finite number > 0"])),
        ("inf weight", b"user,item,w\nu1,i1,inf\n".to_vec(), Fails(&["log.csv:2 column 'w'", "finite number > 0"])),
        ("1e309 weight", b"user,item,w\nu1,i1,1e309\n".to_vec(), Fails(&["log.csv:2 column 'w'", "finite number > 0"])),
        ("negative weight", b"user,item,w\nu1,i1,-1\n".to_vec(), Fails(&["log.csv:2 column 'w'", "\"-1\""])),
        ("empty user id", b"user,item,w\n,i1,1\n".to_vec(), Fails(&["log.csv:2 column 'user'", "empty user id"])),
        ("100,000 columns", format!("user,item,w,{wide}\n").into_bytes(), Fails(&["no usable rows"])),
        ("truncated gzip", truncated, Fails(&["log.csv"])),
        ("gzip of a good log", gz(LOG), Succeeds(&["read 6 rows"])),
        ("semicolon file", LOG.replace(',', ";").into_bytes(), Succeeds(&["separator: ';' (detected", "read 6 rows"])),
        (
            "semicolon file with decimal commas",
            LOG.replace(',', ";").replace(";2\n", ";2,5\n").into_bytes(),
            Succeeds(&["separator: ';' (detected", "read 6 rows"]),
        ),
        (
            "comma file with a quoted decimal comma",
            LOG.replace(",2\n", ",\"2,5\"\n").into_bytes(),
            Fails(&["log.csv:3 column 'w'", "weight is not a number"]),
        ),
        ("broken Parquet file", b"PAR1\x15\x04rest".to_vec(), Fails(&["log.csv", "Parquet error"])),
        (
            "Excel's sep= line above the header",
            format!("sep=;\r\n{}", LOG.replace(',', ";")).into_bytes(),
            Succeeds(&["separator: ';' (as the sep= line of", "read 6 rows"]),
        ),
        (
            "a sep= line, then a ragged row",
            b"sep=,\nuser,item,w\nu1,i1,1\nu2,i2\n".to_vec(),
            Fails(&["log.csv:4", "expected 3 fields, found 2"]),
        ),
    ];
    for (name, body, outcome) in &cases {
        write(&dir, "log.csv", body);
        let o = cli(&dir, "train recs --input {dir}/log.csv --user-col user --item-col item --weight-col w --model popular --out {dir}/m.bundle");
        match outcome {
            Fails(needles) => {
                let t = text(&o);
                assert!(!o.status.success() && o.status.code().is_some_and(|c| c != 101 && c != 134), "{name}: {t}");
                assert!(needles.iter().all(|n| t.contains(n)), "{name}: {t}");
            }
            Succeeds(needles) => {
                let t = succeeds(&o);
                assert!(needles.iter().all(|n| t.contains(n)), "{name}: {t}");
            }
        }
        let _ = std::fs::remove_file(dir.join("m.bundle"));
    }
    // The truncated gzip stops even when bad rows may be skipped (it used to be able to spin).
    let truncated = &cases.iter().find(|(name, ..)| *name == "truncated gzip").unwrap().1;
    write(&dir, "log.csv", truncated);
    fails_with(&cli(&dir, "train recs --input {dir}/log.csv --user-col user --item-col item --model popular --skip-bad-rows --out {dir}/m.bundle"), &["log.csv"]);
    // A directory as input is read as a data set of part files: one holding other text fails,
    // naming it and what it lacks. An unwritable output, a missing file.
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    write(&dir.join("docs"), "notes.txt", b"free text, not a log\n");
    fails_with(
        &cli(
            &dir,
            "train recs --input {dir}/docs --user-col user --item-col item --model popular --out {dir}/m.bundle",
        ),
        &["docs", "no column 'user'", "free text"],
    );
    write(&dir, "log.csv", LOG);
    fails_with(&cli(&dir, "train recs --input {dir}/log.csv --user-col user --item-col item --model popular --out {dir}/no/such/dir/m.bundle"), &["m.bundle"]);
    fails_with(
        &cli(
            &dir,
            "train recs --input {dir}/nope.csv --user-col user --item-col item --model popular --out {dir}/m.bundle",
        ),
        &["nope.csv"],
    );
    fails_with(
        &cli(&dir, "train recs --input {dir}/log.csv --user-col user --item-col item --model popular --out {dir}"),
        &["directory"],
    );
}

/// Every single-bit flip of a small bundle, and every truncation, is an error (never a panic);
/// a bundle of the wrong kind says what it holds.
#[test]
fn bundle_bit_flips_truncations_and_wrong_kinds() {
    let dir = common::temp_dir("hostile-bundles");
    let als = fixture("tiny-als.bundle");
    for i in (0..als.len()).step_by(7) {
        let mut b = als.clone();
        b[i] ^= 0x10;
        assert!(Recommender::from_bytes(&b).is_err(), "flip at {i} accepted");
        // Resealed, the flip reaches the section decoders: an error or a valid model, never a panic.
        let _ = Recommender::from_bytes(&reseal(b));
    }
    for len in (0..als.len()).step_by(13) {
        assert!(Recommender::from_bytes(&als[..len]).is_err(), "prefix {len} accepted");
    }
    write(&dir, "p.bundle", fixture("tiny-propensity-gbt.bundle"));
    write(&dir, "h.csv", "user,item\nu,a1\n");
    fails_with(
        &cli(&dir, "recommend --model {dir}/p.bundle --histories {dir}/h.csv --user-col user --item-col item"),
        &["holds a propensity model, not a recommender"],
    );
    write(&dir, "r.bundle", &als);
    write(&dir, "t.csv", "a,b\n1,2\n");
    fails_with(
        &cli(&dir, "score --model {dir}/r.bundle --input {dir}/t.csv"),
        &["holds a recommender, not a propensity model"],
    );
    write(&dir, "junk.bundle", b"not a bundle at all");
    fails_with(&cli(&dir, "inspect {dir}/junk.bundle"), &["not a shelfwise bundle"]);
}

#[test]
fn catalogue_updates_flipped_cut_or_for_another_model_leave_the_model_as_it_was() {
    let merch = fixture("tiny-merch.bundle");
    let update = fixture("tiny-merch-update.bundle");
    let base = Recommender::from_bytes(&merch).unwrap();
    assert_eq!(base.to_bytes(), merch, "the fixture round-trips, so 'unchanged' is byte equality");
    let refused = |bytes: &[u8], what: &str| {
        let mut rec = base.clone();
        assert!(rec.update_catalog(bytes).is_err(), "{what} accepted");
        assert_eq!(rec.to_bytes(), merch, "{what} changed the model");
    };
    for i in (0..update.len()).step_by(5) {
        let mut b = update.clone();
        b[i] ^= 0x10;
        refused(&b, &format!("flip at {i}"));
        // Resealed, the flip reaches the section decoders: refused whole, or a model that answers.
        let mut rec = base.clone();
        if rec.update_catalog(&reseal(b)).is_ok() {
            rec.recommend(&[("a1", 1.0)], &RecommendOptions::top(5)).unwrap();
        } else {
            assert_eq!(rec.to_bytes(), merch);
        }
    }
    for len in (0..update.len()).step_by(11) {
        refused(&update[..len], &format!("prefix {len}"));
    }
    refused(&merch, "a whole bundle");
    refused(&fixture("tiny-als.bundle"), "another model");
    let mut other = Recommender::from_bytes(&fixture("tiny-als.bundle")).unwrap();
    let e = other.update_catalog(&update).unwrap_err().to_string();
    assert!(e.contains("an update made for another catalogue"), "{e}");
}

#[test]
fn absurd_but_finite_numbers_score_to_a_probability() {
    // Found by the `record` fuzz target: 1e300 became an infinite f32 feature and the model's
    // activations cancelled into p = NaN.
    use shelfwise::propensity::{Propensity, Value};
    for f in ["tiny-propensity-gbt.bundle", "tiny-propensity-mlp.bundle"] {
        let p = Propensity::from_bytes(&fixture(f)).unwrap();
        let names: Vec<String> = p.schema().fields.iter().map(|f| f.name.clone()).collect();
        // The fuzzer's input: the first field 2^599 (eight bytes of "\0\0\0Weeke"), the second "TRUE".
        let huge = f64::from_le_bytes([0, 0, 0, b'W', b'e', b'e', b'k', b'e']);
        for x in [huge, -huge, 1e300, f64::MAX, 3.4e38, 1e30] {
            for (i, name) in names.iter().enumerate() {
                let mut record: Vec<(&str, Value)> = vec![(name.as_str(), Value::Number(x))];
                record.extend(names.iter().filter(|n| *n != name).map(|n| (n.as_str(), Value::from_cell("TRUE"))));
                for r in [&record[..1], &record[..]] {
                    if let Ok(s) = p.score(r) {
                        assert!((0.0..=1.0).contains(&s.p), "{f}, field {i} = {x}: p = {}", s.p);
                    }
                }
            }
        }
    }
}

/// The tiny propensity fixture with a session mapping (Pages = product pages, Device supplied).
fn session_bundle() -> Vec<u8> {
    use shelfwise::session::{Feature, PageStats, SessionMap, TypeFilter, DEFAULT_MONTHS};
    let fields = vec![
        ("Pages".to_string(), Feature::Pages(TypeFilter { types: vec!["product".into()], negate: false })),
        ("Device".to_string(), Feature::Supplied("device".into())),
        ("Weekend".to_string(), Feature::Weekend),
    ];
    let stats = PageStats::new(vec![("product".into(), String::new(), [Some(0.1), None, Some(2.0)])]).unwrap();
    let map =
        SessionMap::new(fields, DEFAULT_MONTHS.map(String::from).to_vec(), ["r".into(), "n".into()], stats).unwrap();
    let p = shelfwise::propensity::Propensity::from_bytes(&fixture("tiny-propensity-gbt.bundle")).unwrap();
    p.with_session(map).unwrap().to_bytes()
}

#[test]
fn session_logs_mappings_and_their_sections_are_checked() {
    let dir = &common::temp_dir("hostile-session");
    let bundle = session_bundle();
    // Every resealed flip of the bundle: a typed error or a model that scores a session.
    let log = shelfwise::session::SessionLog { start_ms: 0.0, pages: vec![], ..Default::default() };
    for i in (0..bundle.len()).step_by(3) {
        let mut b = bundle.clone();
        b[i] ^= 0x04;
        if let Ok(m) = shelfwise::propensity::Propensity::from_bytes(&reseal(b)) {
            let _ = m.score_session(&log);
        }
    }
    write(dir, "s.bundle", &bundle);
    write(dir, "p.bundle", fixture("tiny-propensity-gbt.bundle"));
    let ok = r#"{"start": 0, "pages": [{"type": "product", "seconds": 1}], "values": {"device": "desktop"}}"#;
    write(dir, "ok.json", ok);
    assert!(succeeds(&cli(dir, "score --model {dir}/s.bundle --session {dir}/ok.json")).contains(r#""Pages":1.0"#));
    fails_with(&cli(dir, "score --model {dir}/p.bundle --session {dir}/ok.json"), &["psession", "--features"]);
    let many: Vec<String> = (0..1001).map(|_| r#"{"type": "p", "seconds": 1}"#.to_string()).collect();
    for (body, needles) in [
        ("{", &["session log", "EOF"][..]),
        (r#"{"start": 0, "pages": [{"type": "p", "seconds": -2}]}"#, &["'pages[0].seconds': -2"][..]),
        (r#"{"start": 0, "pages": [{"type": "p", "seconds": 1e400}]}"#, &["session log"][..]),
        (r#"{"start": 0, "pages": [{"type": "p", "seconds": 1, "bounceRate": 7}]}"#, &["'pages[0].bounceRate': 7"][..]),
        (r#"{"start": 1e20, "pages": []}"#, &["'start'"][..]),
        (r#"{"start": 0, "pages": {}}"#, &["'pages'", "expected an array"][..]),
        (&format!(r#"{{"start": 0, "pages": [{}]}}"#, many.join(",")), &["'pages': 1001", "at most 1,000"][..]),
    ] {
        write(dir, "bad.json", body);
        fails_with(&cli(dir, "score --model {dir}/s.bundle --session {dir}/bad.json"), needles);
    }
    // A mapping that names a field the model lacks, or leaves one out, stops training.
    write(
        dir,
        "t.csv",
        "Pages,Device,Bought\n1,a,no\n3,b,yes\n2,a,no\n5,b,yes\n1,a,no\n4,b,yes\n1,a,no\n6,b,yes\n2,a,no\n7,b,yes\n",
    );
    write(dir, "f.toml", "[fields]\nPages = 'pages'\nDevise = '$device'\n");
    fails_with(
        &cli(dir, "train propensity --input {dir}/t.csv --target Bought --model logistic --folds 2 --features {dir}/f.toml --out {dir}/o.bundle"),
        &["Device", "not mapped"],
    );
    write(dir, "f.toml", "[fields]\nPages = 'count(page.type = \"p\")'\n");
    fails_with(
        &cli(dir, "train propensity --input {dir}/t.csv --target Bought --features {dir}/f.toml --out {dir}/o.bundle"),
        &["fields.Pages", "column"],
    );
    assert!(!dir.join("o.bundle").exists());
}
