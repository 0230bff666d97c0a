//! The text classifier: TF-IDF definitions, training, the bundle round trip and typed errors.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use shelfwise::text::{TextClassifier, Tfidf, Tokenizer};
use shelfwise::train::propensity::stratified_split_by;
use shelfwise::train::text::TextParams;
use shelfwise::Error;

#[test]
fn tfidf_follows_the_sublinear_smoothed_l2_definitions() {
    let docs = ["red train", "red red doll", "blue train"];
    let t = Tfidf::fit(Tokenizer { word_ngrams: 1, char_ngrams: (0, 0) }, &docs, 1).unwrap();
    assert_eq!(t.terms().collect::<Vec<_>>(), ["blue", "doll", "red", "train"]);
    assert_eq!((t.column("red"), t.term(2), t.column("reds")), (Some(2), "red", None));
    // idf = ln((1 + n) / (1 + df)) + 1 with n = 3.
    let idf = |df: f64| ((4.0 / (1.0 + df)).ln() + 1.0) as f32;
    assert_eq!(t.idf(), [idf(1.0), idf(1.0), idf(2.0), idf(2.0)]);
    // "red red doll": tf(red) = 1 + ln 2, then unit length.
    let (red, doll) = ((1.0 + 2f32.ln()) * idf(2.0), idf(1.0));
    let norm = (red * red + doll * doll).sqrt();
    let row = t.transform("Red, RED doll! unseen");
    assert_eq!(row.len(), 2);
    assert_eq!(row[0].0, 1);
    assert!((row[0].1 - doll / norm).abs() < 1e-6 && (row[1].1 - red / norm).abs() < 1e-6, "{row:?}");
    assert!(t.transform("nothing known here").is_empty());
}

/// (title, label) rows.
type Rows = Vec<(String, String)>;

fn split() -> (Rows, Rows) {
    let all = common::product_titles();
    let labels: Vec<&str> = all.iter().map(|(_, l)| l.as_str()).collect();
    let (tr, te) = stratified_split_by(&labels, 0.25, 42).unwrap();
    (tr.iter().map(|&i| all[i].clone()).collect(), te.iter().map(|&i| all[i].clone()).collect())
}

fn fit(rows: &[(String, String)], p: TextParams) -> TextClassifier {
    let texts: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let labels: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    p.fit(&texts, &labels).unwrap().0
}

#[test]
fn classifier_learns_held_out_titles_and_round_trips() {
    let (train, test) = split();
    assert_eq!((train.len(), test.len()), (135, 45));
    let m = fit(&train, TextParams::new());
    assert_eq!(m.labels, ["Dolls", "Puzzles", "Trains"]);
    let correct = test.iter().filter(|(t, l)| m.classify(t).unwrap().labels[0].label == *l).count();
    assert!(correct >= 43, "{correct}/45 held-out titles right");
    let c = m.classify("Wooden steam engine with track").unwrap();
    assert_eq!(c.labels[0].label, "Trains");
    assert!(c.labels[0].p > 0.8, "{c:?}");
    assert!((c.labels.iter().map(|l| l.p).sum::<f32>() - 1.0).abs() < 1e-5);
    assert!(c.labels.windows(2).all(|w| w[0].p >= w[1].p));
    assert_eq!(c.known_terms, 6, "{c:?}");
    // Unknown words only: the answer is the prior, and says so.
    assert_eq!(m.classify("zzz qqq").unwrap().known_terms, 0);

    let bytes = m.to_bytes();
    let back = TextClassifier::from_bytes(&bytes).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.classify("baby doll dress").unwrap(), m.classify("baby doll dress").unwrap());
    // Deterministic: the same data gives the same bytes (apart from the timestamp-free metadata).
    assert_eq!(fit(&train, TextParams::new()).to_bytes(), bytes);
}

#[test]
fn char_ngrams_place_misspelt_titles() {
    let (train, _) = split();
    let m = fit(&train, TextParams::new().char_ngrams(3, 4));
    assert_eq!(m.classify("jigsw puzzel").unwrap().labels[0].label, "Puzzles");
    assert_eq!(m.classify("locomotiv").unwrap().labels[0].label, "Trains");
}

#[test]
fn empty_oversized_and_corrupt_inputs_are_typed_errors() {
    let (train, _) = split();
    let m = fit(&train, TextParams::new());
    let e = m.classify("  \n\t ").unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { .. }) && e.to_string().contains("is empty"), "{e}");
    let long = "train ".repeat(2_000);
    let e = m.classify(&long).unwrap_err().to_string();
    assert!(e.contains("12000 characters") && e.contains("10,000"), "{e}");

    let mut bytes = m.to_bytes();
    let n = bytes.len();
    bytes[n / 2] ^= 0x40;
    assert!(matches!(TextClassifier::from_bytes(&bytes), Err(Error::ChecksumMismatch { .. })));
    let rec =
        shelfwise::train::train_recommender(&common::clustered_shop(), &shelfwise::train::ModelChoice::Popular, None)
            .unwrap();
    let e = TextClassifier::from_bytes(&rec.to_bytes()).unwrap_err().to_string();
    assert_eq!(e, "bundle holds a recommender, not a text classifier");
}

#[test]
fn parameters_are_checked() {
    let e = TextParams::new().c(0.0).fit(&["a b"], &["x"]).unwrap_err().to_string();
    assert!(e.contains('C') && e.contains('0'), "{e}");
    let e = TextParams::new().fit(&["toy car", "toy train"], &["x", "x"]).unwrap_err().to_string();
    assert!(e.contains("at least 2 distinct labels"), "{e}");
    let e = TextParams::new().char_ngrams(5, 3).fit(&["a b"], &["x"]).unwrap_err().to_string();
    assert!(e.contains("5-3"), "{e}");
    let e = TextParams::new().fit(&["toy car"], &["x", "y"]).unwrap_err().to_string();
    assert!(e.contains("must match the 1 texts"), "{e}");
}

#[test]
fn merged_bundle_serves_every_model_and_refuses_two_of_a_kind() {
    let (train, _) = split();
    let text = fit(&train, TextParams::new());
    let rec =
        shelfwise::train::train_recommender(&common::clustered_shop(), &shelfwise::train::ModelChoice::Popular, None)
            .unwrap();
    let (tb, rb) = (text.to_bytes(), rec.to_bytes());
    let merged = shelfwise::bundle::merge(&[("recs.bundle", &rb), ("text.bundle", &tb)]).unwrap();
    let c = shelfwise::bundle::Container::parse(&merged).unwrap();
    assert_eq!(
        shelfwise::bundle::models(&c),
        [shelfwise::bundle::ModelKind::Recommender, shelfwise::bundle::ModelKind::Text]
    );
    assert!(c.names().any(|n| n == "textmeta") && c.names().any(|n| n == "meta"));
    assert_eq!(TextClassifier::from_bytes(&merged).unwrap(), text);
    let back = shelfwise::Recommender::from_bytes(&merged).unwrap();
    assert_eq!(back.to_bytes(), rb, "the recommender reads back unchanged");
    // Merging again (merged + a second text classifier) names the clash.
    let e = shelfwise::bundle::merge(&[("both.bundle", &merged), ("other.bundle", &tb)]).unwrap_err().to_string();
    assert!(e.contains("other.bundle") && e.contains("a text classifier") && e.contains("both.bundle"), "{e}");
    let e = shelfwise::bundle::merge(&[("only.bundle", &tb)]).unwrap_err().to_string();
    assert!(e.contains("at least two"), "{e}");
    let e = shelfwise::bundle::merge(&[("a.bundle", &tb), ("junk.bin", b"not a bundle")]).unwrap_err().to_string();
    assert!(e.contains("junk.bin") && e.contains("magic"), "{e}");
}
