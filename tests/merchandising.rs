//! Merchandising on the device: catalogue attributes, rules (filter, boost, parameters, time),
//! caps per group, promotions and reasons, natively; the fixture half of the native = wasm check
//! (`tests/web.rs` asserts the same file in Chromium). Regenerate with
//! `SHELFWISE_BLESS=1 cargo test --test merchandising`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use shelfwise::recs::{AttrType, Attribute, Attributes, Column, Promote, RecommendOptions, Recommender};
use shelfwise::rules::{ParamValue, RuleKind};
use shelfwise::train::{train_recommender, AlsParams, EaseParams, ModelChoice};
use shelfwise::Error;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const DAY: f64 = 86_400.0;
/// The time every fixture query runs at.
pub const NOW: f64 = 100.0 * DAY;

/// Attributes for the clustered shop: a* are trains, b* dolls; prices, stock, tags, dates.
fn attributes(rec: &Recommender) -> Attributes {
    attributes_on(rec, 0)
}

/// The catalogue's attributes on `day`: from day 1 prices are 3 higher and a different third
/// of the items is out of stock (what a daily catalogue update changes).
fn attributes_on(rec: &Recommender, day: usize) -> Attributes {
    let ids: Vec<&str> = rec.items().ids().collect();
    let n_of = |id: &str| id[1..].parse::<usize>().unwrap_or(0);
    let strings = |f: &dyn Fn(&str) -> Option<String>| {
        let mut dict: Vec<String> = Vec::new();
        let codes: Vec<u32> = ids
            .iter()
            .map(|id| match f(id) {
                Some(v) => match dict.iter().position(|d| *d == v) {
                    Some(p) => p as u32,
                    None => {
                        dict.push(v);
                        dict.len() as u32 - 1
                    }
                },
                None => u32::MAX,
            })
            .collect();
        (dict, codes)
    };
    let (cat_dict, cat_codes) = strings(&|id| {
        Some(match &id[..1] {
            "a" => "trains".into(),
            "b" => "dolls".into(),
            _ => "gift-cards".into(),
        })
    });
    let (tag_dict, tag_codes) = strings(&|id| Some(["red", "blue", "green"][n_of(id) % 3].to_string()));
    // Tags: the colour, plus "sale" for every fourth item (set codes per item, sorted).
    let mut dict = tag_dict.clone();
    dict.push("sale".into());
    let (mut ends, mut codes) = (Vec::new(), Vec::new());
    for (i, id) in ids.iter().enumerate() {
        codes.push(tag_codes[i]);
        if n_of(id) % 4 == 0 && *id != "gift" {
            codes.push(dict.len() as u32 - 1);
        }
        ends.push(codes.len() as u32);
    }
    let num = |f: &dyn Fn(&str) -> f64| Column::Number(ids.iter().map(|id| f(id)).collect());
    Attributes::new(
        ids.len(),
        vec![
            Attribute::new(
                "price",
                AttrType::Number,
                num(&|id| if id == "gift" { 25.0 } else { 10.0 + 5.0 * n_of(id) as f64 + 3.0 * day.min(1) as f64 }),
            )
            .unwrap(),
            Attribute::new(
                "in_stock",
                AttrType::Bool,
                Column::Bool(ids.iter().map(|id| u8::from(n_of(id) % 3 != day % 3 || *id == "gift")).collect()),
            )
            .unwrap(),
            Attribute::new("category", AttrType::String, Column::String { dict: cat_dict, codes: cat_codes }).unwrap(),
            Attribute::new("tags", AttrType::Set, Column::Set { dict, ends, codes }).unwrap(),
            Attribute::new(
                "created",
                AttrType::Time,
                num(&|id| if id == "gift" { 0.0 } else { 10.0 * DAY * n_of(id) as f64 }),
            )
            .unwrap(),
            Attribute::new(
                "margin",
                AttrType::Number,
                num(&|id| if id == "gift" { f64::NAN } else { 0.1 * (n_of(id) % 5) as f64 }),
            )
            .unwrap(),
        ],
    )
    .unwrap()
}

fn shop(choice: ModelChoice) -> Recommender {
    let rec = train_recommender(&common::clustered_shop(), &choice, None).unwrap();
    let attrs = attributes(&rec);
    let rec = rec.with_attributes(attrs).unwrap();
    Recommender::from_bytes(&rec.to_bytes()).unwrap()
}

/// The fixture both sides answer: [`shop`] with titles and two new items placed by look-alikes.
fn fixture() -> Recommender {
    use shelfwise::train::cold::{add_cold_items, ColdStartParams};
    let data = common::clustered_shop_with_titles();
    let rec = train_recommender(&data, &als(), None).unwrap();
    let warm = rec.catalog().unwrap().titles.clone();
    let ids = vec!["new-train".to_string(), "new-doll".to_string()];
    let titles = vec!["red steam locomotive deluxe".to_string(), "pink fashion doll".to_string()];
    let alikes = ColdStartParams::default().look_alikes(&warm, &titles).unwrap();
    let rec = add_cold_items(rec, &ids, &titles, &alikes).unwrap();
    let attrs = attributes(&rec);
    Recommender::from_bytes(&rec.with_attributes(attrs).unwrap().to_bytes()).unwrap()
}

fn als() -> ModelChoice {
    ModelChoice::Als(AlsParams::new().factors(8).iterations(8).regularization(0.5).threads(1))
}

fn models() -> Vec<(&'static str, Recommender)> {
    vec![("als", shop(als())), ("ease", shop(ModelChoice::Ease(EaseParams::new().lambda(10.0).threads(1))))]
}

fn opts(k: usize) -> RecommendOptions {
    RecommendOptions { now: Some(NOW), ..RecommendOptions::top(k) }
}

fn attr<'a>(rec: &'a Recommender, name: &str) -> &'a Attribute {
    rec.attributes().unwrap().find(name).unwrap().1
}

fn index(rec: &Recommender, id: &str) -> usize {
    rec.items().get(id).unwrap() as usize
}

#[test]
fn a_filter_holds_for_every_item_and_never_leaves_the_shelf_short() {
    for (name, rec) in models() {
        let o =
            RecommendOptions { filter: Some("in_stock && price < 50 && category != \"gift-cards\"".into()), ..opts(8) };
        let out = rec.recommend(&[("a1", 1.0), ("a2", 1.0)], &o).unwrap();
        // 13 items pass (price < 50: n < 8; in stock: n % 3 != 0; a1, a2 are history).
        assert_eq!(out.items.len(), 8, "{name}");
        for s in &out.items {
            let i = index(&rec, &s.item);
            assert!(
                attr(&rec, "in_stock").bool(i).unwrap() && attr(&rec, "price").number(i).unwrap() < 50.0,
                "{name}: {s:?}"
            );
            assert_ne!(s.item, "gift");
        }
        assert!(out.notes.is_empty());
        let none = RecommendOptions { filter: Some("price > 1000".into()), ..opts(5) };
        let out = rec.recommend(&[("a1", 1.0)], &none).unwrap();
        assert!(out.items.is_empty());
        assert_eq!(out.notes, ["no item satisfies the filter \"price > 1000\""], "{name}");
    }
}

#[test]
fn a_boost_reorders_by_multiplying_and_parameters_and_time_bind_per_request() {
    for (name, rec) in models() {
        let plain = rec.recommend(&[("b3", 1.0)], &opts(20)).unwrap().items;
        // The weakest item with a positive score: a 1000× boost must make it the first.
        let weak = plain.iter().rfind(|s| s.score > 0.0).unwrap().item.clone();
        let i = index(&rec, &weak);
        let boost = "category == $c && price == $p && created >= now - 1000d ? 1000 : 1".to_string();
        let params = vec![
            ("c".into(), ParamValue::Str(attr(&rec, "category").string(i).unwrap().into())),
            ("p".into(), ParamValue::Num(attr(&rec, "price").number(i).unwrap())),
        ];
        let o = RecommendOptions { boost: Some(boost.clone()), params, ..opts(20) };
        let boosted = rec.recommend(&[("b3", 1.0)], &o).unwrap().items;
        assert!(boosted.windows(2).all(|w| w[0].score >= w[1].score), "{name}: not sorted");
        assert_eq!(boosted[0].item, weak, "{name}: {boosted:?}");
        let missing = RecommendOptions { boost: Some(boost), ..opts(5) };
        let e = rec.recommend(&[("b3", 1.0)], &missing).unwrap_err().to_string();
        assert!(e.contains("$c") && e.contains("missing"), "{e}");
    }
}

#[test]
fn caps_per_group_promotions_and_reasons() {
    for (name, rec) in models() {
        let capped = RecommendOptions { max_per_group: Some(("category".into(), 2)), ..opts(5) };
        let out = rec.recommend(&[("a1", 1.0), ("a2", 1.0)], &capped).unwrap().items;
        assert_eq!(out.len(), 5, "{name}: dolls and gift cards fill the shelf");
        for c in ["trains", "dolls", "gift-cards"] {
            let n = out.iter().filter(|s| attr(&rec, "category").string(index(&rec, &s.item)) == Some(c)).count();
            assert!(n <= 2, "{name}: {n} {c} in {out:?}");
        }
        let promo = RecommendOptions {
            promote: Some(Promote { filter: "category == \"dolls\"".into(), share: 0.4 }),
            ..opts(5)
        };
        let out = rec.recommend(&[("a1", 1.0), ("a2", 1.0)], &promo).unwrap().items;
        let flags: Vec<bool> = out.iter().map(|s| s.promoted).collect();
        assert_eq!(flags, [false, true, false, true, false], "{name}: {out:?}");
        assert!(out.iter().filter(|s| s.promoted).all(|s| s.item.starts_with('b')));
        let why = RecommendOptions { reasons: true, ..opts(3) };
        let out = rec.recommend(&[("a1", 1.0), ("a2", 1.0), ("b9", 1.0)], &why).unwrap().items;
        for s in &out {
            assert!(
                !s.because.is_empty() && s.because.iter().all(|b| ["a1", "a2", "b9"].contains(&b.as_str())),
                "{name}: {s:?}"
            );
            // An "a" item is explained by the "a" history first.
            if s.item.starts_with('a') {
                assert!(s.because[0].starts_with('a'), "{name}: {s:?}");
            }
        }
        let sim = rec
            .similar("a4", &RecommendOptions { reasons: true, filter: Some("\"sale\" in tags".into()), ..opts(3) })
            .unwrap();
        assert!(sim
            .iter()
            .all(|s| s.because == ["a4"] && attr(&rec, "tags").set(index(&rec, &s.item)).any(|t| t == "sale")));
    }
}

#[test]
fn a_boosted_factor_ranking_equals_reweighting_every_item() {
    let rec = shop(als());
    let shelfwise::recs::RecModel::Factors(f) = rec.model() else { panic!("als") };
    let history = [("b3", 1.0), ("a7", 2.0)];
    let state = rec.fold_in(&history).unwrap();
    let x = state.vector.as_ref().unwrap();
    for (p, b) in [(20.0, 1.2), (40.0, 3.0), (10.0, 0.5), (55.0, 50.0)] {
        let params = vec![("p".into(), ParamValue::Num(p)), ("b".into(), ParamValue::Num(b))];
        let o = RecommendOptions { boost: Some("price > $p ? $b : 1".into()), params, ..opts(7) };
        let got: Vec<(String, f32)> =
            rec.recommend(&history, &o).unwrap().items.into_iter().map(|s| (s.item, s.score)).collect();
        // Every item scored exactly and reweighted, history left out, best first (ties: lower index).
        let mut all: Vec<(u32, f32)> = (0..rec.items().len() as u32)
            .filter(|i| !["b3", "a7"].contains(&rec.items().id(*i)))
            .map(|i| {
                let s = f.score(x, i);
                let m = if attr(&rec, "price").number(i as usize).unwrap() > p { b } else { 1.0 };
                (i, if s >= 0.0 { (s as f64 * m) as f32 } else { (s as f64 / m) as f32 })
            })
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let want: Vec<(String, f32)> = all[..7].iter().map(|(i, s)| (rec.items().id(*i).to_string(), *s)).collect();
        assert_eq!(got, want, "boost {b} above {p}");
    }
}

#[test]
fn diversity_trades_score_for_variety() {
    let rec = shop(als());
    let shelfwise::recs::RecModel::Factors(f) = rec.model() else { panic!("als") };
    let likeness = |items: &[shelfwise::recs::Scored]| {
        let ix: Vec<u32> = items.iter().map(|s| rec.items().get(&s.item).unwrap()).collect();
        let pairs: Vec<f32> =
            ix.iter().enumerate().flat_map(|(a, i)| ix[a + 1..].iter().map(move |j| f.cosine(*i, *j))).collect();
        pairs.iter().sum::<f32>() / pairs.len() as f32
    };
    let history = [("a1", 1.0), ("a2", 1.0)];
    let plain = rec.recommend(&history, &opts(6)).unwrap().items;
    let diverse = rec.recommend(&history, &RecommendOptions { diversity: 0.8, ..opts(6) }).unwrap().items;
    assert_eq!(plain[0].item, diverse[0].item, "the best item leads either way");
    assert!(likeness(&diverse) < likeness(&plain), "{} vs {}", likeness(&diverse), likeness(&plain));
    let e = rec.recommend(&history, &RecommendOptions { diversity: 1.5, ..opts(6) }).unwrap_err().to_string();
    assert!(e.contains("diversity"), "{e}");
    let ease = shop(ModelChoice::Ease(EaseParams::new().lambda(10.0).threads(1)));
    let e = ease.recommend(&history, &RecommendOptions { diversity: 0.5, ..opts(6) }).unwrap_err().to_string();
    assert!(e.contains("needs item factors or item2vec"), "{e}");
}

#[test]
fn rotation_sinks_items_shown_again_and_again_without_a_click() {
    for (name, rec) in models() {
        let history = [("a1", 1.0), ("a2", 1.0)];
        let plain = rec.recommend(&history, &opts(5)).unwrap().items;
        let top = plain[0].item.clone();
        let ignored = RecommendOptions { impressions: vec![(top.clone(), 30.0)], ..opts(5) };
        let rotated = rec.recommend(&history, &ignored).unwrap().items;
        assert!(!rotated.iter().any(|s| s.item == top), "{name}: {top} shown 30 times still leads: {rotated:?}");
        assert_eq!(rotated[0].item, plain[1].item, "{name}");
        let bad = RecommendOptions { rotation_half_life: 0.0, ..ignored };
        assert!(rec.recommend(&history, &bad).unwrap_err().to_string().contains("halfLife"));
    }
}

#[test]
fn factor_reasons_are_the_exact_parts_of_the_score() {
    let rec = shop(als());
    let history = [("a1", 1.0), ("a2", 2.0), ("b4", 1.0)];
    let state = rec.fold_in(&history).unwrap();
    let shelfwise::recs::RecModel::Factors(f) = rec.model() else { panic!("als") };
    for target in ["a5", "b1", "gift"] {
        let t = rec.items().get(target).unwrap();
        let parts = f.contributions(&state.history, t).unwrap();
        let score = f.score(state.vector.as_ref().unwrap(), t);
        let sum: f32 = parts.iter().sum();
        assert!((sum - score).abs() <= 1e-4 * score.abs().max(1.0), "{target}: {sum} vs {score}");
    }
}

#[test]
fn bad_rules_and_options_are_typed_errors() {
    let rec = shop(als());
    let e = rec.compile_rule("in_stock && prise < 5", RuleKind::Filter).unwrap_err();
    assert!(matches!(&e, Error::Rule { column: 13, .. }), "{e}");
    assert!(e.to_string().contains("unknown attribute 'prise'"), "{e}");
    let o = RecommendOptions { max_per_group: Some(("tags".into(), 1)), ..opts(3) };
    assert!(rec.recommend(&[("a1", 1.0)], &o).unwrap_err().to_string().contains("is a set"));
    let o = RecommendOptions { max_per_group: Some(("colour".into(), 1)), ..opts(3) };
    assert!(rec.recommend(&[("a1", 1.0)], &o).unwrap_err().to_string().contains("is not an attribute"));
    let o = RecommendOptions { promote: Some(Promote { filter: "true".into(), share: 1.5 }), ..opts(3) };
    assert!(rec.recommend(&[("a1", 1.0)], &o).unwrap_err().to_string().contains("promote.share"));
    let plain = train_recommender(&common::clustered_shop(), &als(), None).unwrap();
    let e = plain.compile_rule("price < 5", RuleKind::Filter).unwrap_err().to_string();
    assert!(e.contains("train with --catalog"), "{e}");
}

/// The queries both sides answer on the fixture; keep in sync with `tests/web.rs`.
pub fn merch_queries() -> Vec<(&'static str, &'static [&'static str], RecommendOptions)> {
    let p = |k, f: &dyn Fn(&mut RecommendOptions)| {
        let mut o = opts(k);
        f(&mut o);
        o
    };
    vec![
        ("filter", &["a1", "a2"], p(5, &|o| o.filter = Some("in_stock && price < 50".into()))),
        ("boost", &["b3"], p(5, &|o| o.boost = Some("margin > 0.25 ? 2 : 1".into()))),
        ("group", &["a1"], p(6, &|o| o.max_per_group = Some(("category".into(), 2)))),
        (
            "promote",
            &["a1", "a2"],
            p(5, &|o| {
                o.promote = Some(Promote { filter: "category == $c".into(), share: 0.4 });
                o.params = vec![("c".into(), ParamValue::Str("dolls".into()))];
            }),
        ),
        ("reasons", &["a1", "a2", "b9"], p(3, &|o| o.reasons = true)),
        ("diverse", &["a1", "a2"], p(6, &|o| o.diversity = 0.7)),
        ("rotation", &["a1", "a2"], p(4, &|o| o.impressions = vec![("a5".into(), 6.0), ("a4".into(), 1.0)])),
        ("explore", &["b1", "b2"], p(5, &|o| o.explore = Some(0.4))),
        ("recent", &["a4"], p(4, &|o| o.filter = Some("\"sale\" in tags || created > now - 30d".into()))),
    ]
}

#[test]
fn merch_fixture_gives_the_committed_results() {
    let path = format!("{DIR}/tiny-merch.bundle");
    let expected = format!("{DIR}/tiny-merch-expected.txt");
    if std::env::var_os("SHELFWISE_BLESS").is_some() {
        std::fs::write(&path, fixture().to_bytes()).unwrap();
    }
    let rec = Recommender::from_bytes(&std::fs::read(&path).unwrap()).unwrap();
    let mut lines = Vec::new();
    for (label, history, o) in merch_queries() {
        let hist: Vec<(&str, f32)> = history.iter().map(|i| (*i, 1.0)).collect();
        let items = if label == "recent" {
            rec.similar(history[0], &o).unwrap()
        } else {
            rec.recommend(&hist, &o).unwrap().items
        };
        for s in items {
            lines.push(format!(
                "{label} {} {} {} {} {}",
                s.item,
                s.score.to_bits(),
                s.promoted,
                s.explore,
                s.because.join("+")
            ));
        }
    }
    let text = lines.join("\n") + "\n";
    if std::env::var_os("SHELFWISE_BLESS").is_some() {
        std::fs::write(&expected, &text).unwrap();
    }
    assert_eq!(text, std::fs::read_to_string(&expected).unwrap());
}

/// The queries the catalogue-update fixture answers; keep in sync with `tests/web.rs`.
fn update_queries(rec: &Recommender) -> String {
    let mut lines = Vec::new();
    let queries: [(&str, &[&str], RecommendOptions); 3] = [
        ("stock", &["a1", "a2"], RecommendOptions { filter: Some("in_stock && price < 50".into()), ..opts(5) }),
        ("retired", &["b3"], opts(5)),
        ("new", &["a1", "a2"], RecommendOptions { include_only: Some(vec!["a90".into(), "b90".into()]), ..opts(2) }),
    ];
    for (label, history, o) in queries {
        let hist: Vec<(&str, f32)> = history.iter().map(|i| (*i, 1.0)).collect();
        for s in rec.recommend(&hist, &o).unwrap().items {
            lines.push(format!("{label} {} {}", s.item, s.score.to_bits()));
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn a_catalogue_update_applied_on_the_device_equals_the_updated_model() {
    let (bundle, expected) =
        (format!("{DIR}/tiny-merch-update.bundle"), format!("{DIR}/tiny-merch-update-expected.txt"));
    let base = Recommender::from_bytes(&std::fs::read(format!("{DIR}/tiny-merch.bundle")).unwrap()).unwrap();
    // The day after: two new items (placed by look-alikes), new prices and stock, two items no
    // longer sold.
    let ix = |id: &str| base.items().get(id).unwrap();
    let look_alikes = vec![vec![(ix("a1"), 0.5), (ix("a2"), 0.5)], vec![(ix("b1"), 1.0)]];
    let new = shelfwise::recs::NewItems::new(vec!["a90".into(), "b90".into()], look_alikes).unwrap();
    let wider = base.clone().with_new_items(&new).unwrap();
    let retired = ["a3", "b2"].map(ix).to_vec();
    let updated = wider.clone().with_attributes(attributes_on(&wider, 1)).unwrap().with_retired(retired).unwrap();
    let delta = shelfwise::bundle::recs::write_catalog_update(base.items(), &updated, &new).unwrap();
    if std::env::var_os("SHELFWISE_BLESS").is_some() {
        std::fs::write(&bundle, &delta).unwrap();
        std::fs::write(&expected, update_queries(&updated)).unwrap();
    }
    assert_eq!(delta, std::fs::read(&bundle).unwrap(), "the committed update is what the code writes");
    let mut on_device = base.clone();
    on_device.update_catalog(&delta).unwrap();
    assert_eq!(on_device.to_bytes(), updated.to_bytes());
    let text = update_queries(&on_device);
    assert_eq!(text, std::fs::read_to_string(&expected).unwrap());
    assert!(!text.contains(" a3 ") && !text.contains(" b2 ") && text.contains("new a90 "), "{text}");
    assert_eq!((on_device.items().len(), on_device.cold_count()), (base.items().len() + 2, base.cold_count() + 2));
}

#[test]
fn new_items_join_by_look_alikes_and_explore_reserves_slots_for_them() {
    use shelfwise::train::cold::{add_cold_items, ColdStartParams};
    let data = common::clustered_shop_with_titles();
    for choice in [als(), ModelChoice::Ease(EaseParams::new().lambda(10.0).threads(1))] {
        let rec = train_recommender(&data, &choice, None).unwrap();
        let warm = rec.catalog().unwrap().titles.clone();
        let ids = vec!["new-train".to_string(), "new-doll".to_string(), "new-nothing".to_string()];
        let titles =
            vec!["red steam locomotive deluxe".to_string(), "pink fashion doll".to_string(), "zzz qqq".to_string()];
        let alikes = ColdStartParams::default().look_alikes(&warm, &titles).unwrap();
        assert!(alikes[2].is_empty(), "no shared word, no look-alikes");
        let rec = add_cold_items(rec, &ids, &titles, &alikes).unwrap();
        let rec = Recommender::from_bytes(&rec.to_bytes()).unwrap();
        assert_eq!((rec.cold_count(), rec.info().cold_items), (3, 3));
        // Ranked among the new items only, a train lover gets the new train first.
        let only = RecommendOptions { include_only: Some(ids.clone()), ..opts(2) };
        let top = rec.recommend(&[("a1", 1.0), ("a2", 1.0), ("a3", 1.0)], &only).unwrap().items;
        assert_eq!(top[0].item, "new-train", "{top:?}");
        let top = rec.recommend(&[("b1", 1.0), ("b2", 1.0)], &only).unwrap().items;
        assert_eq!(top[0].item, "new-doll", "{top:?}");
        // Explore: 2 of 5 slots go to new items, at slots 2 and 4 (1-based), flagged.
        let o = RecommendOptions { explore: Some(0.4), ..opts(5) };
        let out = rec.recommend(&[("a1", 1.0)], &o).unwrap().items;
        let flags: Vec<bool> = out.iter().map(|s| s.explore).collect();
        assert_eq!(flags, [false, true, false, true, false], "{out:?}");
        assert!(out.iter().filter(|s| s.explore).all(|s| s.item.starts_with("new-")));
        assert_eq!(out.iter().filter(|s| s.item.starts_with("new-")).count(), 2);
    }
}
