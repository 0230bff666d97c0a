//! Native half of the native/wasm parity check: the committed fixture bundle must give exactly
//! the committed expected results here; `tests/web.rs` asserts the same file inside Chromium.
//! Regenerate both files with `SHELFWISE_BLESS=1 cargo test --test fixture_parity`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::queries::{parse_record, PROPENSITY_RECORDS, TEXT_QUERIES};
use shelfwise::recs::{Quantization, RecommendOptions, Recommender, Scaling, TextIndex, TextQuery};
use shelfwise::train::{train_recommender, AlsParams, BlendParams, EaseParams, Item2VecParams, ModelChoice, Sequences};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// Sessions for `for_session` on bundles with embeddings; keep in sync with `tests/web.rs`.
pub const SESSIONS: [&[&str]; 2] = [&["a1", "a2", "b9"], &["b3", "gift", "ghost"]];

/// Search-box queries for bundles with a title index; keep in sync with `tests/web.rs`.
pub const TEXT_SEARCHES: [&str; 3] = ["Wooden LOCOMOTIVE", "pink dol", "doll locomotive gift"];

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
    for s in rec.similar("a4", &RecommendOptions::top(4)).unwrap() {
        out.push(format!("{label} similar a4 {} {}", s.item, s.score.to_bits()));
    }
    if label == "blend" {
        // A blend's reasons add each half's scaled contribution.
        let opts = RecommendOptions { reasons: true, ..RecommendOptions::top(3) };
        for s in rec.recommend(&[("a1", 1.0), ("b3", 2.0)], &opts).unwrap().items {
            out.push(format!("{label} because a1+b3 {} {} {}", s.item, s.score.to_bits(), s.because.join("+")));
        }
    }
    if rec.text_index().is_some() {
        for q in TEXT_SEARCHES {
            for s in rec.similar_by_text(TextQuery::Text(q), &RecommendOptions::top(4)).unwrap() {
                out.push(format!("{label} search {} {} {}", q.replace(' ', "_"), s.item, s.score.to_bits()));
            }
        }
        for s in rec.similar_by_text(TextQuery::Item("b2"), &RecommendOptions::top(4)).unwrap() {
            out.push(format!("{label} textlike b2 {} {}", s.item, s.score.to_bits()));
        }
    }
    if rec.item2vec().is_some() {
        for session in SESSIONS {
            for s in rec.for_session(session, &RecommendOptions::top(5)).unwrap().0 {
                out.push(format!("{label} session {} {} {}", session.join("+"), s.item, s.score.to_bits()));
            }
        }
    }
    out
}

#[test]
fn fixture_bundles_give_the_committed_results() {
    let bless = std::env::var_os("SHELFWISE_BLESS").is_some();
    let data = common::clustered_shop_with_titles();
    let mut lines = Vec::new();
    // Linear confidence, as these fixtures were made; "als-bm25" covers BM25 weighing.
    let als = |k| {
        let p = AlsParams::new().factors(k).iterations(8).regularization(0.5).threads(1);
        ModelChoice::Als(p.alpha(2.0).scaling(Scaling::Linear))
    };
    let bm25 = ModelChoice::Als(AlsParams::new().factors(8).iterations(8).regularization(0.5).threads(1));
    // A blend's factors in int8, as `auto` usually stores them beside the item-item rows.
    let blend = ModelChoice::Blend(
        BlendParams::new()
            .factors(als(20))
            .neighbors(ModelChoice::Ease(EaseParams::new().lambda(10.0).threads(1)))
            .weight(0.6),
    );
    // Factor counts chosen to reach every wasm kernel path: f32 four-row blocks (k % 4 == 0)
    // and single rows (f16 with k = 10); int8 single rows with a scalar tail (k = 20) and
    // four-row blocks (k = 32).
    for (label, choice, q) in [
        ("als", als(8), Quantization::None),
        ("ease", ModelChoice::Ease(EaseParams::new().lambda(10.0).threads(1)), Quantization::None),
        ("als-int8", als(20), Quantization::Int8),
        ("als-f16", als(10), Quantization::F16),
        ("als-int8x32", als(32), Quantization::Int8),
        ("als-bm25", bm25, Quantization::None),
        ("als-implicit", als(8), Quantization::None),
        ("blend", blend, Quantization::Int8),
    ] {
        let path = format!("{DIR}/tiny-{label}.bundle");
        if bless {
            let mut rec = train_recommender(&data, &choice, None).unwrap().quantize(q).unwrap();
            if label == "als-implicit" {
                rec = as_implicit(&data, &rec);
            }
            if label == "ease" {
                let e = Item2VecParams::new()
                    .dim(12)
                    .epochs(20)
                    .window(5)
                    .subsample(0.0)
                    .sequences(Sequences::Sets)
                    .fit(&data, rec.items())
                    .unwrap();
                rec = rec.with_item2vec(e).unwrap();
                let titles = &data.catalog().as_ref().unwrap().titles;
                rec = rec
                    .with_text_index(TextIndex::build(shelfwise::text::Tokenizer::default(), titles, 1).unwrap())
                    .unwrap();
            }
            std::fs::write(&path, rec.to_bytes()).unwrap();
        }
        let rec = Recommender::from_bytes(&std::fs::read(&path).unwrap()).unwrap();
        lines.extend(expected_lines(&rec, label));
    }
    lines.extend(propensity_lines(bless));
    text_fixture(bless);
    let expected_path = format!("{DIR}/tiny-expected.txt");
    if bless {
        std::fs::write(&expected_path, lines.join("\n") + "\n").unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap();
    assert_eq!(expected.lines().collect::<Vec<_>>(), lines);
}

/// `rec`'s factors imported as an implicit model (`import implicit`: confidence α·w without
/// `1 +`). α = 0.7 puts a single unit weight below confidence 1, so fold-in takes the direct
/// factorisation as well as the rank-one updates.
fn as_implicit(data: &shelfwise::data::Interactions, rec: &Recommender) -> Recommender {
    use shelfwise::recs::{FactorValues, RecModel};
    use shelfwise::train::import::{implicit, ImplicitAlsParams};
    let RecModel::Factors(f) = rec.model() else { panic!("an ALS model") };
    let FactorValues::F32(values) = f.values() else { panic!("f32 factors") };
    let ids = common::temp_dir("implicit-ids").join("ids.csv");
    let names: Vec<&str> = (0..rec.items().len() as u32).map(|i| rec.items().id(i)).collect();
    std::fs::write(&ids, format!("item\n{}\n", names.join("\n"))).unwrap();
    let m = implicit::NpyMatrix { rows: names.len(), cols: f.k(), values: values.to_vec() };
    let params = ImplicitAlsParams { regularization: 0.5, alpha: 0.7 };
    implicit::imported(m, params, Some(&ids), &mut Default::default()).unwrap().recommender(Some(data), None).unwrap()
}

fn propensity_lines(bless: bool) -> Vec<String> {
    use shelfwise::data::table::Table;
    use shelfwise::propensity::Propensity;
    use shelfwise::train::propensity::{
        train_propensity, ClassifierChoice, Dataset, GbtParams, MlpParams, PropensityParams,
    };
    let mut out = Vec::new();
    for (label, choice) in [
        ("gbt", ClassifierChoice::Gbt(GbtParams { rounds: 20, ..GbtParams::default() })),
        ("mlp", ClassifierChoice::Mlp(MlpParams { hidden: vec![8], epochs: 20, ..MlpParams::default() })),
    ] {
        let path = format!("{DIR}/tiny-propensity-{label}.bundle");
        if bless {
            let dir = common::temp_dir(&format!("fixture-{label}"));
            let f = dir.join("v.csv");
            let mut csv = String::from("Pages,Device,Weekend,Bought\n");
            for i in 0..300 {
                let bought = (i % 40) > 25 || i % 7 == 0;
                csv += &format!(
                    "{},{},{},{}\n",
                    i % 40,
                    ["mobile", "desktop", "tablet"][i % 3],
                    i % 3 == 0,
                    if bought { "yes" } else { "no" }
                );
            }
            std::fs::write(&f, csv).unwrap();
            let p = PropensityParams::new("Bought");
            let ds = Dataset::from_table(Table::read(&f, b',').unwrap(), &p).unwrap();
            let m = train_propensity(&ds, &p, &choice, &shelfwise::train::Silent).unwrap().model;
            std::fs::write(&path, m.to_bytes()).unwrap();
        }
        let m = Propensity::from_bytes(&std::fs::read(&path).unwrap()).unwrap();
        for (id, rec) in PROPENSITY_RECORDS {
            let owned = parse_record(rec);
            let r = shelfwise::propensity::borrowed(&owned);
            out.push(format!("{label} score {id} {}", m.score(&r).unwrap().p.to_bits()));
        }
    }
    out
}

/// The text classifier fixture and its expected answers (`rank label p-bits` per query); the
/// browser must give the same labels in the same order with probabilities within 1e-6.
fn text_fixture(bless: bool) {
    use shelfwise::text::TextClassifier;
    let path = format!("{DIR}/tiny-text.bundle");
    let expected_path = format!("{DIR}/tiny-text-expected.txt");
    if bless {
        let rows = common::product_titles();
        let texts: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        let labels: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        let m = shelfwise::train::text::TextParams::new().char_ngrams(3, 4).fit(&texts, &labels).unwrap().0;
        std::fs::write(&path, m.to_bytes()).unwrap();
    }
    let m = TextClassifier::from_bytes(&std::fs::read(&path).unwrap()).unwrap();
    let mut lines = Vec::new();
    for (q, text) in TEXT_QUERIES.iter().enumerate() {
        let c = m.classify(text).unwrap();
        for l in &c.labels {
            lines.push(format!("text {q} {} {} {}", c.known_terms, l.label, l.p.to_bits()));
        }
    }
    if bless {
        std::fs::write(&expected_path, lines.join("\n") + "\n").unwrap();
    }
    assert_eq!(std::fs::read_to_string(&expected_path).unwrap().lines().collect::<Vec<_>>(), lines);
}
