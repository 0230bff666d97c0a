//! Hostile and careless input, replayed: every case of `RELIABILITY.md`'s table that a native test
//! can reach. Each must end in a typed error or a correct answer: never a panic, an abort, a hang
//! or silently wrong output. The JS-side cases are in `tests/e2e/hostile.test.mjs`.

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
