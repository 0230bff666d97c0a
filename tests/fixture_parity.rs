//! Native half of the native/wasm parity check: the committed fixture bundle must give exactly
//! the committed expected results here; `tests/web.rs` asserts the same file inside Chromium.
//! Regenerate both files with `SHELFWISE_BLESS=1 cargo test --test fixture_parity`.

mod common;

use shelfwise::recs::{RecommendOptions, Recommender};
use shelfwise::train::{train_recommender, AlsParams, EaseParams, ModelChoice};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The queries both sides answer; keep in sync with `tests/web.rs`.
pub fn expected_lines(rec: &Recommender, label: &str) -> Vec<String> {
    let mut out = Vec::new();
    let histories: [&[&str]; 3] = [&["a1", "a2"], &["b3", "gift", "b5", "b3"], &["a7", "b7", "unknown-item"]];
    for h in histories {
        let hist: Vec<(&str, f32)> = h.iter().map(|i| (*i, 1.0)).collect();
        for s in rec.recommend(&hist, &RecommendOptions::top(5)).unwrap().items {
            out.push(format!("{label} recommend {} {} {}", h.join("+"), s.item, s.score.to_bits()));
        }
    }
    for s in rec.similar("a4", 4).unwrap() {
        out.push(format!("{label} similar a4 {} {}", s.item, s.score.to_bits()));
    }
    out
}

#[test]
fn fixture_bundles_give_the_committed_results() {
    let bless = std::env::var_os("SHELFWISE_BLESS").is_some();
    let data = common::clustered_shop();
    let mut lines = Vec::new();
    for (label, choice) in [
        ("als", ModelChoice::Als(AlsParams::new().factors(8).iterations(8).regularization(0.5).threads(1))),
        ("ease", ModelChoice::Ease(EaseParams::new().lambda(10.0).threads(1))),
    ] {
        let path = format!("{DIR}/tiny-{label}.bundle");
        if bless {
            std::fs::write(&path, train_recommender(&data, &choice, None).unwrap().to_bytes()).unwrap();
        }
        let rec = Recommender::from_bytes(&std::fs::read(&path).unwrap()).unwrap();
        lines.extend(expected_lines(&rec, label));
    }
    let expected_path = format!("{DIR}/tiny-expected.txt");
    if bless {
        std::fs::write(&expected_path, lines.join("\n") + "\n").unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap();
    assert_eq!(expected.lines().collect::<Vec<_>>(), lines);
}
