//! Runs in headless Chromium (wasm-bindgen-test). The JS-facing API must give bit-identical
//! results to the native build (committed expectations) and typed errors, never traps.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect, Uint8Array};
use shelfwise::wasm::Recommender;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ALS: &[u8] = include_bytes!("fixtures/tiny-als.bundle");
const EASE: &[u8] = include_bytes!("fixtures/tiny-ease.bundle");
const ALS_INT8: &[u8] = include_bytes!("fixtures/tiny-als-int8.bundle");
const ALS_F16: &[u8] = include_bytes!("fixtures/tiny-als-f16.bundle");
const ALS_INT8X32: &[u8] = include_bytes!("fixtures/tiny-als-int8x32.bundle");
const ALS_BM25: &[u8] = include_bytes!("fixtures/tiny-als-bm25.bundle");
const ALS_IMPLICIT: &[u8] = include_bytes!("fixtures/tiny-als-implicit.bundle");
const BLEND: &[u8] = include_bytes!("fixtures/tiny-blend.bundle");
const EXPECTED: &str = include_str!("fixtures/tiny-expected.txt");
const PROP_GBT: &[u8] = include_bytes!("fixtures/tiny-propensity-gbt.bundle");
const PROP_MLP: &[u8] = include_bytes!("fixtures/tiny-propensity-mlp.bundle");
const TEXT: &[u8] = include_bytes!("fixtures/tiny-text.bundle");
const TEXT_EXPECTED: &str = include_str!("fixtures/tiny-text-expected.txt");

#[path = "common/queries.rs"]
mod queries;
use queries::{parse_record, PROPENSITY_RECORDS, TEXT_QUERIES};

/// `k=v;k=v` → a plain JS object with numbers, booleans and strings.
fn js_record(s: &str) -> JsValue {
    use shelfwise::propensity::Value;
    let o = js_sys::Object::new();
    for (k, v) in parse_record(s) {
        let val: JsValue = match v {
            Value::Bool(b) => b.into(),
            Value::Number(n) => n.into(),
            Value::Text(t) => t.into(),
            Value::Missing => JsValue::NULL,
        };
        Reflect::set(&o, &k.into(), &val).unwrap();
    }
    o.into()
}

fn strings(items: &[&str]) -> JsValue {
    items.iter().map(|s| JsValue::from_str(s)).collect::<Array>().into()
}

fn opts_k(k: f64) -> JsValue {
    let o = js_sys::Object::new();
    Reflect::set(&o, &"k".into(), &k.into()).unwrap();
    o.into()
}

fn field(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

/// `[{item, score}]` → lines in the fixture's format.
fn lines(label: &str, what: &str, list: JsValue) -> Vec<String> {
    list.dyn_into::<Array>()
        .unwrap()
        .iter()
        .map(|e| {
            let item = field(&e, "item").as_string().unwrap();
            let score = field(&e, "score").as_f64().unwrap() as f32;
            format!("{label} {what} {item} {}", score.to_bits())
        })
        .collect()
}

/// Bundle bytes as JS passes them.
fn js_bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

/// A JS string.
fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

fn error_message(e: impl Into<JsValue>) -> String {
    let v: JsValue = e.into();
    v.dyn_into::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default()
}

#[wasm_bindgen_test]
fn results_equal_the_native_build_bit_for_bit() {
    let mut got = Vec::new();
    for (label, bytes) in [
        ("als", ALS),
        ("ease", EASE),
        ("als-int8", ALS_INT8),
        ("als-f16", ALS_F16),
        ("als-int8x32", ALS_INT8X32),
        ("als-bm25", ALS_BM25),
        ("als-implicit", ALS_IMPLICIT),
        ("blend", BLEND),
    ] {
        let rec = Recommender::from_bytes(js_bytes(bytes)).unwrap();
        let histories: [&[&str]; 3] = [&["a1", "a2"], &["b3", "gift", "b5", "b3"], &["a7", "b7", "unknown-item"]];
        for h in histories {
            let out = rec.recommend(strings(h), opts_k(5.0)).unwrap();
            got.extend(lines(label, &format!("recommend {}", h.join("+")), out));
        }
        got.extend(lines(label, "similar a4", rec.similar(s("a4"), opts_k(4.0)).unwrap()));
        if label == "blend" {
            // Same request as `tests/fixture_parity.rs`: reasons, and a weighted history.
            let history = Array::new();
            for (item, weight) in [("a1", 1.0), ("b3", 2.0)] {
                let e = js_sys::Object::new();
                Reflect::set(&e, &"item".into(), &item.into()).unwrap();
                Reflect::set(&e, &"weight".into(), &weight.into()).unwrap();
                history.push(&e);
            }
            let o = opts_k(3.0);
            Reflect::set(&o, &"reasons".into(), &true.into()).unwrap();
            for e in rec.recommend(history.into(), o).unwrap().dyn_into::<Array>().unwrap().iter() {
                let item = field(&e, "item").as_string().unwrap();
                let score = field(&e, "score").as_f64().unwrap() as f32;
                let because: Vec<String> =
                    field(&e, "because").dyn_into::<Array>().unwrap().iter().map(|b| b.as_string().unwrap()).collect();
                got.push(format!("{label} because a1+b3 {item} {} {}", score.to_bits(), because.join("+")));
            }
            let info = rec.info().unwrap();
            assert_eq!(field(&info, "model").as_string().as_deref(), Some("blend"));
            assert_eq!(field(&info, "factors").as_f64(), Some(20.0));
            assert_eq!(field(&info, "factorStorage").as_string().as_deref(), Some("int8"));
            assert!(field(&info, "neighbors").as_f64().is_some_and(|n| n > 0.0));
        }
        assert_eq!(field(&rec.info().unwrap(), "hasItem2Vec").as_bool(), Some(label == "ease"), "{label}");
        assert_eq!(field(&rec.info().unwrap(), "hasTextIndex").as_bool(), Some(label == "ease"), "{label}");
        if label == "ease" {
            // Same searches as `tests/fixture_parity.rs`.
            for q in ["Wooden LOCOMOTIVE", "pink dol", "doll locomotive gift"] {
                got.extend(lines(
                    label,
                    &format!("search {}", q.replace(' ', "_")),
                    rec.similar_by_text(JsValue::from_str(q), opts_k(4.0)).unwrap(),
                ));
            }
            let item = js_record("item=b2");
            got.extend(lines(label, "textlike b2", rec.similar_by_text(item, opts_k(4.0)).unwrap()));
        }
        if label == "ease" {
            // Same sessions as `tests/fixture_parity.rs`.
            for session in [&["a1", "a2", "b9"][..], &["b3", "gift", "ghost"][..]] {
                got.extend(lines(
                    label,
                    &format!("session {}", session.join("+")),
                    rec.for_session(strings(session), opts_k(5.0)).unwrap(),
                ));
            }
        }
    }
    for (label, bytes) in [("gbt", PROP_GBT), ("mlp", PROP_MLP)] {
        let m = shelfwise::wasm::Propensity::from_bytes(js_bytes(bytes)).unwrap();
        for (id, rec) in PROPENSITY_RECORDS {
            got.push(format!("{label} score {id} {}", m.score(js_record(rec)).unwrap().to_bits()));
        }
    }
    assert_eq!(got, EXPECTED.lines().collect::<Vec<_>>());
}

#[wasm_bindgen_test]
fn weighted_history_objects_and_options() {
    let rec = Recommender::from_bytes(js_bytes(EASE)).unwrap();
    let h = Array::new();
    let e = js_sys::Object::new();
    Reflect::set(&e, &"item".into(), &"a1".into()).unwrap();
    Reflect::set(&e, &"weight".into(), &2.0.into()).unwrap();
    h.push(&e);
    h.push(&"ghost".into());
    let o = js_sys::Object::new();
    Reflect::set(&o, &"k".into(), &3.0.into()).unwrap();
    Reflect::set(&o, &"exclude".into(), &strings(&["a2"])).unwrap();
    let d = rec.recommend_detailed(h.into(), o.into()).unwrap();
    let items: Vec<String> = field(&d, "items")
        .dyn_into::<Array>()
        .unwrap()
        .iter()
        .map(|e| field(&e, "item").as_string().unwrap())
        .collect();
    assert_eq!(items.len(), 3);
    assert!(!items.contains(&"a1".to_string()) && !items.contains(&"a2".to_string()));
    let unknown: Vec<String> =
        field(&d, "unknown").dyn_into::<Array>().unwrap().iter().map(|v| v.as_string().unwrap()).collect();
    assert_eq!(unknown, vec!["ghost"]);
    assert_eq!(field(&d, "fallback").as_bool(), Some(false));
    assert_eq!(rec.item_count(), 21);
    let info = rec.info().unwrap();
    assert_eq!(field(&info, "model").as_string().unwrap(), "ease");
}

#[wasm_bindgen_test]
fn corrupt_bundles_throw_typed_errors() {
    let truncated = &ALS[..ALS.len() - 7];
    let msg = error_message(Recommender::from_bytes(js_bytes(truncated)).err().unwrap());
    assert!(msg.starts_with("truncated bundle"), "{msg}");

    let mut flipped = ALS.to_vec();
    flipped[ALS.len() / 2] ^= 0x04;
    let msg = error_message(Recommender::from_bytes(js_bytes(&flipped)).err().unwrap());
    assert!(msg.contains("checksum mismatch"), "{msg}");

    let mut version = ALS.to_vec();
    version[8] = 9;
    let msg = error_message(Recommender::from_bytes(js_bytes(&version)).err().unwrap());
    assert!(msg.contains("unsupported bundle format version 9"), "{msg}");

    let msg = error_message(Recommender::from_bytes(js_bytes(b"hello")).err().unwrap());
    assert!(msg.contains("not a shelfwise bundle"), "{msg}");
}

#[wasm_bindgen_test]
fn bad_arguments_throw_and_the_instance_survives() {
    let rec = Recommender::from_bytes(js_bytes(ALS)).unwrap();
    let msg = error_message(rec.similar(s("no-such-item"), JsValue::UNDEFINED).err().unwrap());
    assert_eq!(msg, "unknown item id 'no-such-item'");

    let msg = error_message(rec.recommend(JsValue::from_str("a1"), JsValue::UNDEFINED).err().unwrap());
    assert!(msg.contains("history must be an array"), "{msg}");

    let h = Array::new();
    h.push(&JsValue::from_f64(42.0));
    let msg = error_message(rec.recommend(h.into(), JsValue::UNDEFINED).err().unwrap());
    assert!(msg.contains("history[0]") && msg.contains("42"), "{msg}");

    let e = js_sys::Object::new();
    Reflect::set(&e, &"item".into(), &"a1".into()).unwrap();
    Reflect::set(&e, &"weight".into(), &f64::NAN.into()).unwrap();
    let h = Array::new();
    h.push(&e);
    let msg = error_message(rec.recommend(h.into(), JsValue::UNDEFINED).err().unwrap());
    assert!(msg.contains("weight of 'a1'") && msg.contains("NaN"), "{msg}");

    let msg = error_message(rec.recommend(strings(&["a1"]), opts_k(0.0)).err().unwrap());
    assert!(msg.contains("options.k"), "{msg}");
    let msg = error_message(rec.recommend(strings(&["a1"]), opts_k(2.5)).err().unwrap());
    assert!(msg.contains("2.5"), "{msg}");

    let ok = rec.recommend(strings(&["a1"]), opts_k(3.0)).unwrap();
    assert_eq!(ok.dyn_into::<Array>().unwrap().length(), 3);
    let _ = Uint8Array::new_with_length(0);
}

#[wasm_bindgen_test]
fn propensity_errors_name_the_field() {
    let m = shelfwise::wasm::Propensity::from_bytes(js_bytes(PROP_GBT)).unwrap();
    let msg = error_message(m.score(js_record("Pages=lots")).err().unwrap());
    assert!(msg.contains("'Pages'") && msg.contains("lots"), "{msg}");
    let o = js_sys::Object::new();
    Reflect::set(&o, &"Pages".into(), &f64::NAN.into()).unwrap();
    let msg = error_message(m.score(o.into()).err().unwrap());
    assert!(msg.contains("'Pages': NaN"), "{msg}");
    let msg = error_message(m.score(JsValue::from_str("Pages=3")).err().unwrap());
    assert!(msg.contains("plain object"), "{msg}");
    let msg = error_message(shelfwise::wasm::Propensity::from_bytes(js_bytes(&PROP_GBT[..40])).err().unwrap());
    assert!(msg.starts_with("truncated bundle"), "{msg}");
    let p = m.score(js_record("Pages=39;Device=desktop")).unwrap();
    assert!((0.0..=1.0).contains(&p));
    // decide: expected value with the calibrated probability, the numbers behind it.
    let d = m
        .decide(js_record("Pages=39;Device=desktop"), js_object(&[("benefit", 20.into()), ("cost", 5.into())]))
        .unwrap();
    assert_eq!(field(&d, "p").as_f64(), Some(p));
    assert_eq!(field(&d, "act").as_bool(), Some(p * 20.0 - 5.0 > 0.0));
    assert_eq!(field(&d, "breakEven").as_f64(), Some(0.25));
    let e = m.decide(js_record("Pages=39"), js_object(&[("benefit", 0.into()), ("cost", 5.into())])).unwrap_err();
    assert!(error_message(e).contains("benefit"));
    let e = m.decide(js_record("Pages=39"), JsValue::from_str("cheap")).unwrap_err();
    assert!(JsValue::from(e).dyn_ref::<js_sys::TypeError>().is_some());
}

#[wasm_bindgen_test]
fn for_session_errors_are_typed() {
    let with = Recommender::from_bytes(js_bytes(EASE)).unwrap();
    let msg = error_message(with.for_session(strings(&[]), JsValue::UNDEFINED).err().unwrap());
    assert!(msg.contains("at least one item"), "{msg}");
    let msg = error_message(with.for_session(strings(&["ghost", "nope"]), JsValue::UNDEFINED).err().unwrap());
    assert!(msg.contains("ghost"), "{msg}");
    let msg = error_message(with.for_session(JsValue::from_str("a1"), JsValue::UNDEFINED).err().unwrap());
    assert!(msg.contains("array of item ids"), "{msg}");
    let without = Recommender::from_bytes(js_bytes(ALS)).unwrap();
    let msg = error_message(without.for_session(strings(&["a1"]), JsValue::UNDEFINED).err().unwrap());
    assert!(msg.contains("item2vec"), "{msg}");
    // The instance keeps working after each error.
    assert_eq!(with.for_session(strings(&["a1"]), opts_k(3.0)).unwrap().dyn_into::<Array>().unwrap().length(), 3);
}

#[wasm_bindgen_test]
fn text_classification_equals_the_native_build() {
    let m = shelfwise::wasm::TextClassifier::from_bytes(js_bytes(TEXT)).unwrap();
    let mut expected = TEXT_EXPECTED.lines();
    for (q, text) in TEXT_QUERIES.iter().enumerate() {
        let c = m.classify(s(text)).unwrap();
        let known = field(&c, "knownTerms").as_f64().unwrap();
        for l in field(&c, "labels").dyn_into::<Array>().unwrap().iter() {
            let want: Vec<&str> = expected.next().unwrap().split(' ').collect();
            assert_eq!((want[1], want[2]), (q.to_string().as_str(), known.to_string().as_str()));
            assert_eq!(field(&l, "label").as_string().unwrap(), want[3], "query {q}: same ranking");
            let (got, native) = (field(&l, "p").as_f64().unwrap() as f32, f32::from_bits(want[4].parse().unwrap()));
            assert!((got - native).abs() <= 1e-6, "query {q} {}: {got} vs {native}", want[3]);
        }
    }
    assert_eq!(expected.next(), None);
    assert_eq!(m.labels(), ["Dolls", "Puzzles", "Trains"]);
    assert_eq!(field(&m.info().unwrap(), "model").as_string().as_deref(), Some("text"));
}

#[wasm_bindgen_test]
fn text_errors_are_typed() {
    let m = shelfwise::wasm::TextClassifier::from_bytes(js_bytes(TEXT)).unwrap();
    let msg = error_message(m.classify(s(" \t\n")).err().unwrap());
    assert!(msg.contains("is empty"), "{msg}");
    let msg = error_message(m.classify(s(&"x".repeat(10_001))).err().unwrap());
    assert!(msg.contains("10001 characters") && msg.contains("10,000"), "{msg}");
    let msg = error_message(shelfwise::wasm::TextClassifier::from_bytes(js_bytes(ALS)).err().unwrap());
    assert_eq!(msg, "bundle holds a recommender, not a text classifier");
    let mut flipped = TEXT.to_vec();
    flipped[TEXT.len() / 3] ^= 1;
    let msg = error_message(shelfwise::wasm::TextClassifier::from_bytes(js_bytes(&flipped)).err().unwrap());
    assert!(msg.contains("checksum mismatch"), "{msg}");
    // Still usable after the errors.
    assert!(m.classify(s("steam train")).is_ok());
}

#[wasm_bindgen_test]
fn similar_by_text_errors_are_typed() {
    let rec = Recommender::from_bytes(js_bytes(EASE)).unwrap();
    let msg = error_message(rec.similar_by_text(JsValue::from_str("   "), JsValue::UNDEFINED).err().unwrap());
    assert!(msg.contains("is empty"), "{msg}");
    let msg = error_message(
        rec.similar_by_text(JsValue::from_str(&"doll ".repeat(2_001)), JsValue::UNDEFINED).err().unwrap(),
    );
    assert!(msg.contains("10005 characters"), "{msg}");
    let msg = error_message(rec.similar_by_text(js_record("item=nope"), JsValue::UNDEFINED).err().unwrap());
    assert!(msg.contains("unknown item id 'nope'"), "{msg}");
    let msg = error_message(rec.similar_by_text(JsValue::from_f64(3.0), JsValue::UNDEFINED).err().unwrap());
    assert!(msg.contains("string or { item: string }") && msg.contains('3'), "{msg}");
    let msg = error_message(rec.similar_by_text(JsValue::from_str("doll"), opts_k(0.0)).err().unwrap());
    assert!(msg.contains('k'), "{msg}");
    let msg = error_message(
        Recommender::from_bytes(js_bytes(ALS))
            .unwrap()
            .similar_by_text(JsValue::from_str("doll"), JsValue::UNDEFINED)
            .err()
            .unwrap(),
    );
    assert!(msg.contains("txindex"), "{msg}");
    // Words the catalogue never uses find nothing, without an error.
    assert_eq!(
        rec.similar_by_text(JsValue::from_str("zebra"), JsValue::UNDEFINED)
            .unwrap()
            .dyn_into::<Array>()
            .unwrap()
            .length(),
        0
    );
}

/// The SIMD screening codes (`kernels::quant::screen_row`) equal the scalar definition, ties
/// to even included, and rankings and similar items through them equal scoring every row (f32
/// and int8 models).
#[wasm_bindgen_test]
fn screened_rankings_equal_scoring_every_row_in_wasm() {
    use shelfwise::kernels::{self, quant};
    use shelfwise::recs::{FactorModel, Quantization, Scaling};
    let mut rng = shelfwise::rng::Rng::new(11);
    for k in [16usize, 37, 64] {
        let mut row: Vec<f32> = (0..k).map(|_| rng.normal() as f32).collect();
        // Exact half steps of the row's scale: the rounding ties.
        let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
        for (j, v) in row.iter_mut().enumerate().skip(1).step_by(3) {
            *v = (j as f32 - 20.5) * max / 127.0;
        }
        let mut codes = vec![0i8; k];
        let scale = quant::screen_row(&row, &mut codes).unwrap();
        let inv = 127.0 / row.iter().fold(0f32, |m, v| m.max(v.abs()));
        let want: Vec<i8> = row.iter().map(|v| (v * inv).round_ties_even() as i8).collect();
        assert_eq!(codes, want, "k = {k}");
        assert!(scale > 0.0);
    }
    let (k, n) = (32, 3_000);
    let y: Vec<f32> = (0..n * k).map(|_| rng.normal() as f32).collect();
    let g: Vec<f64> = (0..k * k).map(|i| if i % (k + 1) == 0 { 1.0 } else { 0.0 }).collect();
    let f32_model = FactorModel::new(k, y, g, shelfwise::recs::FoldIn::new(0.1, 1.0, Scaling::Linear)).unwrap();
    let int8_model = f32_model.clone().quantize(Quantization::Int8).unwrap();
    for m in [f32_model, int8_model] {
        for _ in 0..5 {
            let x: Vec<f32> = (0..k).map(|_| rng.normal() as f32).collect();
            let all: Vec<f32> = (0..n as u32).map(|i| m.score(&x, i)).collect();
            let keep = |i: u32| i % 4 != 1;
            assert_eq!(m.top_k(&x, 10, keep), kernels::top_k(&all, 10, keep), "{:?}", m.quantization());
        }
        for i in [0u32, 1_234] {
            let cos: Vec<f32> = (0..n as u32).map(|j| m.cosine(i, j)).collect();
            assert_eq!(m.similar(i, 10), kernels::top_k(&cos, 10, |j| j != i), "{:?}", m.quantization());
        }
    }
}

const MERCH: &[u8] = include_bytes!("fixtures/tiny-merch.bundle");
const MERCH_UPDATE: &[u8] = include_bytes!("fixtures/tiny-merch-update.bundle");
const MERCH_UPDATE_EXPECTED: &str = include_str!("fixtures/tiny-merch-update-expected.txt");
const MERCH_EXPECTED: &str = include_str!("fixtures/tiny-merch-expected.txt");

/// Options as a page writes them: a JS object built from `key` → value pairs.
fn js_object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

#[wasm_bindgen_test]
fn merchandising_rules_equal_the_native_build_bit_for_bit() {
    let rec = Recommender::from_bytes(js_bytes(MERCH)).unwrap();
    // Same queries as `merch_queries` in `tests/merchandising.rs`; `now` is day 100 in ms.
    let now = ("now", JsValue::from_f64(100.0 * 86_400_000.0));
    let filter = rec.compile(s("in_stock && price < 50"), JsValue::UNDEFINED).unwrap();
    let queries: Vec<(&str, &[&str], JsValue)> = vec![
        ("filter", &["a1", "a2"], js_object(&[("k", 5.into()), ("filter", filter), now.clone()])),
        ("boost", &["b3"], js_object(&[("k", 5.into()), ("boost", s("margin > 0.25 ? 2 : 1")), now.clone()])),
        (
            "group",
            &["a1"],
            js_object(&[
                ("k", 6.into()),
                ("maxPerGroup", js_object(&[("attribute", s("category")), ("n", 2.into())])),
                now.clone(),
            ]),
        ),
        (
            "promote",
            &["a1", "a2"],
            js_object(&[
                ("k", 5.into()),
                ("promote", js_object(&[("filter", s("category == $c")), ("share", 0.4.into())])),
                ("params", js_object(&[("c", s("dolls"))])),
                now.clone(),
            ]),
        ),
        ("reasons", &["a1", "a2", "b9"], js_object(&[("k", 3.into()), ("reasons", true.into()), now.clone()])),
        ("diverse", &["a1", "a2"], js_object(&[("k", 6.into()), ("diversity", 0.7.into()), now.clone()])),
        (
            "rotation",
            &["a1", "a2"],
            js_object(&[
                ("k", 4.into()),
                (
                    "rotation",
                    js_object(&[(
                        "impressions",
                        [
                            js_object(&[("item", s("a5")), ("count", 6.into())]),
                            js_object(&[("item", s("a4")), ("count", 1.into())]),
                        ]
                        .into_iter()
                        .collect::<Array>()
                        .into(),
                    )]),
                ),
                now.clone(),
            ]),
        ),
        ("explore", &["b1", "b2"], js_object(&[("k", 5.into()), ("explore", 0.4.into()), now.clone()])),
        (
            "recent",
            &["a4"],
            js_object(&[("k", 4.into()), ("filter", s("\"sale\" in tags || created > now - 30d")), now.clone()]),
        ),
    ];
    let mut got = Vec::new();
    for (label, history, o) in queries {
        let list = if label == "recent" {
            rec.similar(s(history[0]), o).unwrap()
        } else {
            rec.recommend(strings(history), o).unwrap()
        };
        for e in list.dyn_into::<Array>().unwrap().iter() {
            let item = field(&e, "item").as_string().unwrap();
            let score = field(&e, "score").as_f64().unwrap() as f32;
            let promoted = field(&e, "promoted").as_bool().unwrap_or(false);
            let because = field(&e, "because");
            let because: Vec<String> = if because.is_undefined() {
                Vec::new()
            } else {
                because.dyn_into::<Array>().unwrap().iter().map(|b| b.as_string().unwrap()).collect()
            };
            let explore = field(&e, "explore").as_bool().unwrap_or(false);
            got.push(format!("{label} {item} {} {promoted} {explore} {}", score.to_bits(), because.join("+")));
        }
    }
    assert_eq!(got, MERCH_EXPECTED.lines().collect::<Vec<_>>());
    // A bad rule is an Error naming the column; the instance survives it.
    let e = error_message(rec.compile(s("in_stock && prise < 5"), JsValue::UNDEFINED).unwrap_err());
    assert!(e.contains("column 13") && e.contains("unknown attribute 'prise'"), "{e}");
    let e = rec.compile(s("price"), s("sideways")).unwrap_err();
    assert!(JsValue::from(e).dyn_ref::<js_sys::TypeError>().is_some());
    let empty = rec.recommend_detailed(strings(&["a1"]), js_object(&[("filter", s("price > 1000"))])).unwrap();
    assert_eq!(field(&empty, "items").dyn_into::<Array>().unwrap().length(), 0);
    assert!(field(&empty, "notes")
        .dyn_into::<Array>()
        .unwrap()
        .get(0)
        .as_string()
        .unwrap()
        .contains("no item satisfies"));
    let entry = rec.catalog().unwrap().dyn_into::<Array>().unwrap().get(0);
    assert!(field(&field(&entry, "attributes"), "category").is_string());
}

#[wasm_bindgen_test]
fn a_catalogue_update_applies_in_place_as_natively() {
    let mut rec = Recommender::from_bytes(js_bytes(MERCH)).unwrap();
    // Same queries as `update_queries` in `tests/merchandising.rs`.
    let queries: [(&str, &[&str], JsValue); 3] = [
        ("stock", &["a1", "a2"], js_object(&[("k", 5.into()), ("filter", s("in_stock && price < 50"))])),
        ("retired", &["b3"], js_object(&[("k", 5.into())])),
        ("new", &["a1", "a2"], js_object(&[("k", 2.into()), ("includeOnly", strings(&["a90", "b90"]))])),
    ];
    rec.update_catalog(js_bytes(MERCH_UPDATE)).unwrap();
    let mut got = Vec::new();
    for (label, history, o) in queries {
        for e in rec.recommend(strings(history), o).unwrap().dyn_into::<Array>().unwrap().iter() {
            let score = field(&e, "score").as_f64().unwrap() as f32;
            got.push(format!("{label} {} {}", field(&e, "item").as_string().unwrap(), score.to_bits()));
        }
    }
    assert_eq!(got, MERCH_UPDATE_EXPECTED.lines().collect::<Vec<_>>());
    // A whole bundle is not an update; a number is a TypeError; the model survives both.
    let e = error_message(rec.update_catalog(js_bytes(MERCH)).unwrap_err());
    assert!(e.contains("not a catalogue update"), "{e}");
    let e = rec.update_catalog(JsValue::from_f64(3.0)).unwrap_err();
    assert!(JsValue::from(e).dyn_ref::<js_sys::TypeError>().is_some());
    assert_eq!(rec.recommend(strings(&["b3"]), JsValue::UNDEFINED).unwrap().dyn_into::<Array>().unwrap().length(), 10);
}

/// The tiny propensity fixture with a session mapping: Pages = product pages, Device supplied by
/// the page, Weekend from the session's start.
fn session_model() -> shelfwise::wasm::Propensity {
    use shelfwise::session::{Feature, PageStats, SessionMap, TypeFilter, DEFAULT_MONTHS};
    let fields = vec![
        ("Pages".to_string(), Feature::Pages(TypeFilter { types: vec!["product".into()], negate: false })),
        ("Device".to_string(), Feature::Supplied("device".into())),
        ("Weekend".to_string(), Feature::Weekend),
    ];
    let months = DEFAULT_MONTHS.map(String::from).to_vec();
    let map = SessionMap::new(fields, months, ["r".into(), "n".into()], PageStats::default()).unwrap();
    let bytes = shelfwise::propensity::Propensity::from_bytes(PROP_GBT).unwrap().with_session(map).unwrap().to_bytes();
    shelfwise::wasm::Propensity::from_bytes(js_bytes(&bytes)).unwrap()
}

#[wasm_bindgen_test]
fn a_session_log_becomes_the_record_the_mapping_declares() {
    let m = session_model();
    assert!(m.has_session());
    // Saturday 2026-11-28 23:30 UTC is Sunday 00:30 at UTC+1.
    let log = js_sys::JSON::parse(
        r#"{"start": 1795908600000, "utcOffset": 60, "pages": [{"type": "product", "id": "A", "seconds": 3},
            {"type": "home", "seconds": 1}, {"type": "product", "seconds": 2.5}], "values": {"device": "desktop"}}"#,
    )
    .unwrap();
    let record = m.session_record(log.clone()).unwrap();
    assert_eq!(field(&record, "Pages").as_f64(), Some(2.0));
    assert_eq!(field(&record, "Device").as_string().as_deref(), Some("desktop"));
    assert_eq!(field(&record, "Weekend").as_bool(), Some(true));
    let p = m.score_session(log).unwrap();
    let weekend = js_object(&[("Pages", 2.into()), ("Device", "desktop".into()), ("Weekend", true.into())]);
    assert_eq!(p, m.score(weekend).unwrap());
    // Typed errors name the place; a bundle without a mapping says how to get one.
    let bad = js_sys::JSON::parse(r#"{"start": 0, "pages": [{"type": "product", "seconds": "3"}]}"#).unwrap();
    let e = JsValue::from(m.session_record(bad).unwrap_err());
    assert!(e.dyn_ref::<js_sys::TypeError>().is_some());
    assert!(error_message(e).contains("session.pages[0].seconds must be a number"));
    let plain = shelfwise::wasm::Propensity::from_bytes(js_bytes(PROP_GBT)).unwrap();
    assert!(!plain.has_session());
    let log = js_sys::JSON::parse(r#"{"start": 0, "pages": []}"#).unwrap();
    assert!(error_message(plain.score_session(log).unwrap_err()).contains("--features"));
}

/// The JSON of a JS value (`JSON.stringify`), read back.
fn js_json(v: &JsValue) -> serde_json::Value {
    serde_json::from_str(&String::from(js_sys::JSON::stringify(v).unwrap())).unwrap()
}

/// `v` without its `null` fields: JSON leaves a JS `undefined` property out where serde_json
/// writes `null` for `None`.
fn without_nulls(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value::{Array, Object};
    match v {
        Object(m) => Object(m.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, without_nulls(v))).collect()),
        Array(a) => Array(a.into_iter().map(without_nulls).collect()),
        v => v,
    }
}

/// The same JSON, numbers compared as the f32 they may have been (serde_json writes an `f32`'s
/// shortest digits, JS the `f64` it was widened to).
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value::{Array, Number, Object};
    match (a, b) {
        (Number(x), Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || x as f32 == y as f32
        }
        (Array(x), Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y)),
        (Object(x), Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// `got`, what the wasm returned, is the native JSON of `native`: the same fields, names and
/// values.
fn assert_native_json(what: &str, got: &JsValue, native: &impl serde::Serialize) {
    let (got, want) = (js_json(got), without_nulls(serde_json::to_value(native).unwrap()));
    assert!(same_json(&got, &want), "{what}:\n  wasm   {got}\n  native {want}");
}

/// A plain history as the core takes it: each item with weight 1, as the JS `string[]` means.
fn weighted<'a>(items: &[&'a str]) -> Vec<(&'a str, f32)> {
    items.iter().map(|&i| (i, 1.0)).collect()
}

#[wasm_bindgen_test]
fn results_have_the_native_json_shape() {
    use shelfwise::recs::{Promote, RecommendOptions};
    let opts = |k: usize| RecommendOptions { k, ..RecommendOptions::default() };
    let now = 100.0 * 86_400_000.0;
    for (label, bytes) in [("als", ALS), ("ease", EASE), ("blend", BLEND), ("merch", MERCH)] {
        let (rec, native) =
            (Recommender::from_bytes(js_bytes(bytes)).unwrap(), shelfwise::Recommender::from_bytes(bytes).unwrap());
        let history = ["a1", "b3", "unknown-item"];
        let reasons = js_object(&[("k", 4.into()), ("reasons", true.into())]);
        let why = RecommendOptions { reasons: true, ..opts(4) };
        let wanted = native.recommend(&weighted(&history), &why).unwrap();
        assert_native_json(
            &format!("{label} recommend"),
            &rec.recommend(strings(&history), reasons.clone()).unwrap(),
            &wanted.items,
        );
        assert_native_json(
            &format!("{label} recommendDetailed"),
            &rec.recommend_detailed(strings(&history), reasons).unwrap(),
            &wanted,
        );
        assert_native_json(
            &format!("{label} similar"),
            &rec.similar(s("a4"), opts_k(3.0)).unwrap(),
            &native.similar("a4", &opts(3)).unwrap(),
        );
        assert_native_json(
            &format!("{label} popular"),
            &rec.popular(opts_k(3.0)).unwrap(),
            &native.popular(&opts(3)).unwrap(),
        );
        assert_native_json(&format!("{label} info"), &rec.info().unwrap(), &native.info());
        let catalog: Vec<_> = (0..native.items().len() as u32).map(|i| native.entry(i)).collect();
        assert_native_json(&format!("{label} catalog"), &rec.catalog().unwrap(), &catalog);
    }
    // Promotions, new items, notes and attributes: the merchandising fixture.
    let (rec, native) =
        (Recommender::from_bytes(js_bytes(MERCH)).unwrap(), shelfwise::Recommender::from_bytes(MERCH).unwrap());
    let promote = js_object(&[
        ("k", 5.into()),
        ("promote", js_object(&[("filter", s("category == $c")), ("share", 0.4.into())])),
        ("params", js_object(&[("c", s("dolls"))])),
        ("now", now.into()),
    ]);
    let promoted = RecommendOptions {
        promote: Some(Promote { filter: "category == $c".into(), share: 0.4 }),
        params: vec![("c".into(), shelfwise::rules::ParamValue::Str("dolls".into()))],
        now: Some(now),
        ..opts(5)
    };
    let want = native.recommend(&weighted(&["a1", "a2"]), &promoted).unwrap();
    assert!(want.items.iter().any(|s| s.promoted));
    assert_native_json("promote", &rec.recommend_detailed(strings(&["a1", "a2"]), promote).unwrap(), &want);
    let explore = js_object(&[("k", 5.into()), ("explore", 0.4.into()), ("now", now.into())]);
    let want = native
        .recommend(&weighted(&["b1", "b2"]), &RecommendOptions { explore: Some(0.4), now: Some(now), ..opts(5) })
        .unwrap();
    assert!(want.items.iter().any(|s| s.explore));
    assert_native_json("explore", &rec.recommend(strings(&["b1", "b2"]), explore).unwrap(), &want.items);
    let none = RecommendOptions { filter: Some("price > 1000".into()), ..opts(10) };
    let want = native.recommend(&weighted(&["a1"]), &none).unwrap();
    assert!(!want.notes.is_empty());
    assert_native_json(
        "notes",
        &rec.recommend_detailed(strings(&["a1"]), js_object(&[("filter", s("price > 1000"))])).unwrap(),
        &want,
    );
    let compiled = rec.compile(s("category == $c && price < $p"), JsValue::UNDEFINED).unwrap();
    let want = serde_json::json!({ "rule": "category == $c && price < $p", "kind": "filter", "params": [["c", "a string"], ["p", "a number"]] });
    assert_native_json("compile", &compiled, &want);
    // Propensity and text.
    for bytes in [PROP_GBT, PROP_MLP] {
        let (m, native) = (
            shelfwise::wasm::Propensity::from_bytes(js_bytes(bytes)).unwrap(),
            shelfwise::propensity::Propensity::from_bytes(bytes).unwrap(),
        );
        for (_, text) in PROPENSITY_RECORDS {
            let record = js_record(text);
            let owned = parse_record(text);
            let r = shelfwise::propensity::borrowed(&owned);
            assert_native_json("scoreDetailed", &m.score_detailed(record.clone()).unwrap(), &native.score(&r).unwrap());
            assert_native_json("explain", &m.explain(record.clone()).unwrap(), &native.explain(&r).unwrap());
            let economics = js_object(&[("benefit", 10.into()), ("cost", 1.5.into())]);
            assert_native_json("decide", &m.decide(record, economics).unwrap(), &native.decide(&r, 10.0, 1.5).unwrap());
        }
        assert_native_json("schema", &m.schema().unwrap(), native.schema());
        assert_native_json("propensity info", &m.info().unwrap(), native.metadata());
    }
    let (m, native) = (
        shelfwise::wasm::TextClassifier::from_bytes(js_bytes(TEXT)).unwrap(),
        shelfwise::text::TextClassifier::from_bytes(TEXT).unwrap(),
    );
    for text in TEXT_QUERIES {
        assert_native_json("classify", &m.classify(s(text)).unwrap(), &native.classify(text).unwrap());
    }
    assert_native_json("text info", &m.info().unwrap(), &native.meta);
}
