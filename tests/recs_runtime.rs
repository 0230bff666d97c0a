//! The runtime recommender on models trained natively: ranking, filters, fold-in, errors.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use shelfwise::recs::{Quantization, RecModel, RecommendOptions, Recommender};
use shelfwise::train::{train_recommender, AlsParams, EaseParams, ModelChoice};
use shelfwise::Error;

fn models() -> Vec<(&'static str, Recommender)> {
    let data = common::clustered_shop();
    vec![
        (
            "als",
            train_recommender(
                &data,
                &ModelChoice::Als(AlsParams::new().factors(8).iterations(10).regularization(0.5).threads(1)),
                None,
            )
            .unwrap(),
        ),
        (
            "ease",
            train_recommender(&data, &ModelChoice::Ease(EaseParams::new().lambda(10.0).threads(1)), None).unwrap(),
        ),
        ("als-int8", als(24).quantize(Quantization::Int8).unwrap()),
        ("als-f16", als(24).quantize(Quantization::F16).unwrap()),
    ]
}

fn als(k: usize) -> Recommender {
    train_recommender(
        &common::clustered_shop(),
        &ModelChoice::Als(AlsParams::new().factors(k).iterations(10).regularization(0.5).threads(1)),
        None,
    )
    .unwrap()
}

#[test]
fn each_model_recommends_from_the_shoppers_own_cluster() {
    for (name, rec) in models() {
        let bytes = rec.to_bytes();
        let rec = Recommender::from_bytes(&bytes).unwrap();
        let out = rec.recommend(&[("a1", 1.0), ("a2", 1.0), ("a3", 1.0)], &RecommendOptions::top(5)).unwrap();
        assert_eq!(out.items.len(), 5, "{name}");
        assert!(!out.fallback);
        let a_items = out.items.iter().filter(|s| s.item.starts_with('a')).count();
        assert!(a_items >= 4, "{name}: expected cluster-a items, got {:?}", out.items);
        for s in &out.items {
            assert!(!["a1", "a2", "a3"].contains(&s.item.as_str()), "{name} recommended history item {}", s.item);
        }
        assert!(out.items.windows(2).all(|w| w[0].score >= w[1].score), "{name}: not sorted");
        let sim = rec.similar("b4", &RecommendOptions::top(3)).unwrap();
        assert_eq!(sim.len(), 3, "{name}");
        assert!(
            sim.iter().all(|s| s.item != "b4" && !s.item.starts_with('a')),
            "{name}: similar(b4) crosses clusters: {sim:?}"
        );
        assert!(sim[0].item.starts_with('b'), "{name}: similar(b4) = {sim:?}");
    }
}

#[test]
fn filters_unknown_ids_and_fallback() {
    for (name, rec) in models() {
        let opts = RecommendOptions { k: 3, exclude: vec!["a5".into(), "nope".into()], ..RecommendOptions::default() };
        let out = rec.recommend(&[("a1", 1.0), ("ghost", 1.0), ("ghost", 2.0)], &opts).unwrap();
        assert_eq!(out.unknown, vec!["ghost".to_string()], "{name}");
        assert!(out.items.iter().all(|s| s.item != "a5" && s.item != "a1"));

        let only = RecommendOptions {
            k: 10,
            include_only: Some(vec!["b1".into(), "b2".into(), "a1".into()]),
            ..RecommendOptions::default()
        };
        let out = rec.recommend(&[("a1", 1.0)], &only).unwrap();
        let mut got: Vec<_> = out.items.iter().map(|s| s.item.clone()).collect();
        got.sort();
        assert_eq!(got, vec!["b1", "b2"], "{name}: includeOnly minus history");

        let cold = rec.recommend(&[("ghost", 1.0)], &RecommendOptions::top(1)).unwrap();
        assert!(cold.fallback);
        assert_eq!(cold.items[0].item, "gift", "{name}: popular fallback");
        assert_eq!(rec.popular(&RecommendOptions::top(1)).unwrap()[0].item, "gift");
    }
}

#[test]
fn typed_errors_for_bad_requests() {
    for (_, rec) in models() {
        assert_eq!(rec.similar("nope", &RecommendOptions::top(5)).unwrap_err(), Error::UnknownItem("nope".into()));
        assert!(rec.similar("nope", &RecommendOptions::top(5)).unwrap_err().to_string().contains("'nope'"));
        assert!(matches!(
            rec.recommend(&[("a1", 1.0)], &RecommendOptions::top(0)),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            rec.recommend(&[("a1", 1.0)], &RecommendOptions::top(1001)),
            Err(Error::InvalidParameter { .. })
        ));
        let e = rec.recommend(&[("a1", f32::NAN)], &RecommendOptions::top(3)).unwrap_err();
        assert!(e.to_string().contains("NaN") && e.to_string().contains("a1"), "{e}");
        assert!(rec.recommend(&[("a1", -1.0)], &RecommendOptions::top(3)).is_err());
        // The model stays usable after errors.
        assert_eq!(rec.recommend(&[("a1", 1.0)], &RecommendOptions::top(3)).unwrap().items.len(), 3);
    }
}

#[test]
fn fold_in_is_exact_and_deterministic() {
    let (_, als) = models().remove(0);
    let a = als.fold_in(&[("a1", 1.0), ("a2", 2.0)]).unwrap();
    let b = als.fold_in(&[("a2", 1.0), ("a1", 1.0), ("a2", 1.0)]).unwrap();
    let (va, vb) = (a.vector.unwrap(), b.vector.unwrap());
    for (x, y) in va.iter().zip(&vb) {
        assert!((x - y).abs() < 1e-5, "merged duplicates should give the same vector");
    }
    // The folded-in vector satisfies the normal equations A x = b.
    let RecModel::Factors(f) = als.model() else { panic!("als model") };
    let k = f.k();
    let hist = [(als.items().get("a1").unwrap(), 1.0f32), (als.items().get("a2").unwrap(), 2.0)];
    let x = f.fold_in(&hist).unwrap();
    for r in 0..k {
        let mut ax = f.fold_params().regularization as f64 * x[r] as f64;
        for (c, xc) in x.iter().enumerate() {
            ax += f.gramian()[r * k + c] * *xc as f64;
        }
        let mut b = 0.0;
        // The default confidence is BM25's: each weight weighed within the whole history.
        let s = f.bm25().expect("the default scaling is BM25").weigh(&hist);
        for ((i, _), s) in hist.into_iter().zip(s) {
            let y = f.row(i);
            let conf = 1.0 + f.fold_params().alpha as f64 * s as f64;
            let yx: f64 = y.iter().zip(&x).map(|(p, q)| *p as f64 * *q as f64).sum();
            ax += (conf - 1.0) * y[r] as f64 * yx;
            b += conf * y[r] as f64;
        }
        assert!((ax - b).abs() < 1e-3 * (1.0 + b.abs()), "row {r}: {ax} vs {b}");
    }
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let data = common::clustered_shop();
    let p = ModelChoice::Als(AlsParams::new().factors(6).iterations(5).threads(1).seed(9));
    let a = train_recommender(&data, &p, None).unwrap().to_bytes();
    let b = train_recommender(&data, &p, None).unwrap().to_bytes();
    assert_eq!(a, b);
    let p2 = ModelChoice::Als(AlsParams::new().factors(6).iterations(5).threads(1).seed(10));
    assert_ne!(a, train_recommender(&data, &p2, None).unwrap().to_bytes());
}

#[test]
fn invalid_parameters_name_the_parameter() {
    let data = common::clustered_shop();
    let e = train_recommender(&data, &ModelChoice::Als(AlsParams::new().factors(0)), None).unwrap_err();
    assert!(e.to_string().contains("factors = 0"), "{e}");
    let e = train_recommender(&data, &ModelChoice::Ease(EaseParams::new().lambda(-1.0)), None).unwrap_err();
    assert!(e.to_string().contains("lambda = -1"), "{e}");
}

fn auto(trials: usize) -> shelfwise::train::AutoParams {
    use shelfwise::train::auto::Budget;
    shelfwise::train::AutoParams { budget: Budget::Trials(trials), als_iterations: 6, threads: 1, ..Default::default() }
}

#[test]
fn auto_searches_every_family_and_records_each_trial() {
    let data = common::clustered_shop();
    let rec = train_recommender(&data, &ModelChoice::Auto(auto(10)), None).unwrap();
    let meta = rec.metadata();
    assert_eq!(meta.params.get("selection").map(String::as_str), Some("auto"));
    assert!(meta.metrics.contains_key("validation_ndcg@10"), "{meta:?}");
    let log = rec.search().expect("auto records its search");
    for family in ["popular", "ease", "rp3", "svd", "als"] {
        assert!(log.trials.iter().any(|t| t.family == family), "no {family} trial: {log:?}");
    }
    // The winner is a full-fidelity trial, re-validated on a second split with the best mean of
    // the finalists, and it is what was trained.
    let w = &log.trials[log.winner];
    assert_eq!(w.fidelity, "full");
    let checks: Vec<_> = log.trials.iter().filter(|t| t.fidelity == "check").collect();
    assert!(!checks.is_empty() && checks.len() <= 3, "{log:?}");
    let same =
        |a: &shelfwise::bundle::Trial, b: &shelfwise::bundle::Trial| a.family == b.family && a.params == b.params;
    let mean = |t: &shelfwise::bundle::Trial| {
        let full = log.trials.iter().find(|f| f.fidelity == "full" && same(f, t)).unwrap();
        (full.ndcg + t.ndcg) / 2.0
    };
    let w_check = checks.iter().find(|c| same(c, w)).expect("the winner was re-validated");
    assert!(checks.iter().all(|c| mean(c) <= mean(w_check)), "{log:?}");
    assert_eq!(meta.metrics.get("validation_ndcg@10"), Some(&mean(w_check)));
    assert_eq!(meta.model, w.family);
    assert_ne!(meta.model, "popular", "a personal model must beat popularity on clustered data");
    assert!(
        log.frontier.contains(&log.winner) || log.frontier.iter().any(|f| log.trials[*f].bundle_bytes < w.bundle_bytes)
    );
    // ALS was ranked cheaply, and the record survives the bundle.
    assert!(log.trials.iter().any(|t| t.family == "als" && t.fidelity == "low"), "{log:?}");
    let reread = Recommender::from_bytes(&rec.to_bytes()).unwrap();
    assert_eq!(reread.metadata(), meta);
    assert_eq!(reread.search(), Some(log));
    // A trial budget makes the search reproducible.
    let again = train_recommender(&data, &ModelChoice::Auto(auto(10)), None).unwrap();
    assert!(again.model() == rec.model(), "the same search chose a different model");
    let scores = |l: &shelfwise::bundle::SearchLog| -> Vec<(String, u64, f64)> {
        l.trials.iter().map(|t| (t.family.clone(), t.bundle_bytes, t.ndcg)).collect()
    };
    assert_eq!(scores(again.search().unwrap()), scores(log));
}

#[test]
fn auto_keeps_the_bundle_within_its_size_budget() {
    let data = common::clustered_shop();
    let unbounded = train_recommender(&data, &ModelChoice::Auto(auto(8)), None).unwrap();
    let max = unbounded.to_bytes().len() as u64 / 2;
    let p = shelfwise::train::AutoParams { max_bundle_bytes: max, ..auto(8) };
    let rec = train_recommender(&data, &ModelChoice::Auto(p), None).unwrap();
    let log = rec.search().unwrap();
    assert!(log.trials[log.winner].bundle_bytes <= max, "{log:?}");
    assert!(log.trials.iter().filter(|t| t.fidelity == "full").all(|t| t.bundle_bytes <= max + max / 2), "{log:?}");
}

#[test]
fn sampled_users_hold_out_part_of_a_sample_only() {
    use shelfwise::eval::split::Split;
    let data = common::clustered_shop();
    let (train, test) = Split::SampledUsers { users: 5, test_fraction: 0.5 }.apply(&data, 3).unwrap();
    assert_eq!(train.len() + test.len(), data.len());
    let held: std::collections::HashSet<u32> = test.user_indices().iter().copied().collect();
    assert!(!held.is_empty() && held.len() <= 5, "{held:?}");
    // Every sampled user keeps at least one interaction to fold in.
    for u in held {
        assert!(train.user_indices().contains(&u), "user {u} lost every interaction");
    }
}

#[test]
fn leave_last_out_holds_out_each_users_latest() {
    use shelfwise::eval::split::Split;
    let data = common::clustered_shop();
    let n = data.len() as i64;
    let data = data.with_times((0..n).collect()).unwrap();
    let (train, test) = Split::LeaveLastOut.apply(&data, 1).unwrap();
    assert_eq!(train.len() + test.len(), data.len());
    assert_eq!(test.len(), data.n_users());
    let by_user = data.by_user();
    for r in 0..test.len() {
        let u = test.user_indices()[r] as usize;
        let latest =
            (0..data.len()).filter(|i| data.user_indices()[*i] as usize == u).map(|i| data.times()[i]).max().unwrap();
        assert_eq!(test.times()[r], latest);
        assert!(by_user.cols(u).len() >= 2);
    }
    let random = Split::Random { test_fraction: 0.25 }.apply(&data, 7).unwrap();
    let again = Split::Random { test_fraction: 0.25 }.apply(&data, 7).unwrap();
    assert_eq!(random.1.item_indices(), again.1.item_indices());
    assert!(Split::Random { test_fraction: 1.5 }.apply(&data, 7).is_err());
}

#[test]
fn bought_together_and_trending_round_trip() {
    use shelfwise::train::baskets::{trending, PairScore, TogetherParams};
    let data = common::clustered_shop();
    let n = data.len() as i64;
    let data = data.with_times((0..n).map(|t| t * 3600).collect()).unwrap();
    let rec = train_recommender(&data, &ModelChoice::Popular, None).unwrap();
    assert!(matches!(
        rec.bought_together(&["a1"], &RecommendOptions::top(3)),
        Err(shelfwise::Error::MissingSection(_))
    ));
    // Baskets: each user's items form one basket.
    let nb = TogetherParams { score: PairScore::Lift, min_support: 2, neighbors: 5 }.fit(&data, rec.items()).unwrap();
    let t = trending(&data, rec.items(), 1.0).unwrap();
    let rec = rec.with_bought_together(nb).unwrap().with_trending(t).unwrap();
    let rec = Recommender::from_bytes(&rec.to_bytes()).unwrap();
    let (items, unknown) = rec.bought_together(&["a1", "nope"], &RecommendOptions::top(3)).unwrap();
    assert_eq!(unknown, vec!["nope".to_string()]);
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|s| s.item.starts_with('a') && s.item != "a1"), "{items:?}");
    let (cart, _) = rec.bought_together(&["b1", "b2"], &RecommendOptions::top(20)).unwrap();
    // Repeats count once; a cart of unknown ids only is an error, in Rust as in JS.
    assert_eq!(rec.bought_together(&["b1", "b1", "b2", "b2"], &RecommendOptions::top(20)).unwrap().0, cart);
    let err = rec.bought_together(&["nope", "ghost", "nope"], &RecommendOptions::top(3)).unwrap_err();
    assert_eq!(err.to_string(), "unknown item id 'nope', 'ghost'");
    assert!(cart.iter().all(|s| s.item != "b1" && s.item != "b2" && !s.item.starts_with('a')), "{cart:?}");
    // The latest interactions belong to the last users (cluster b): b items trend.
    let top = rec.trending(&RecommendOptions::top(3)).unwrap();
    assert!(top.iter().all(|s| s.item.starts_with('b') || s.item == "gift"), "{top:?}");
    assert!(rec.info().has_trending && rec.info().has_bought_together);
}

#[test]
fn next_basket_evaluation_rewards_real_pairs() {
    use shelfwise::eval::next_basket::{evaluate_next_basket, Line};
    use shelfwise::train::baskets::TogetherParams;
    // Pens always go with ink and paper with envelopes; "mug" is popular but unrelated.
    let mut lines = Vec::new();
    let mut basket = 0;
    for c in 0..40 {
        for day in 0..4i64 {
            basket += 1;
            let (first, partner) = if c % 2 == 0 { ("pen", "ink") } else { ("paper", "envelope") };
            let t = day * 40 * 86_400 + c as i64;
            for item in [first, partner, "mug"] {
                // The held-out basket (day 3) has only the partner; the previous has its pair item.
                if day == 3 && item != partner {
                    continue;
                }
                if day == 2 && item == partner {
                    continue;
                }
                lines.push(Line {
                    customer: format!("c{c}"),
                    basket: format!("b{basket}"),
                    item: item.into(),
                    time: t,
                });
            }
        }
    }
    let r =
        evaluate_next_basket(&lines, 30.0, 1, &TogetherParams { min_support: 2, ..TogetherParams::default() }, None)
            .unwrap();
    assert_eq!(r.customers, 40);
    assert!((r.bought_together - 1.0).abs() < 1e-12, "{r:?}");
    assert!(r.popular < 0.6, "{r:?}");
    assert!(evaluate_next_basket(&[], 30.0, 1, &TogetherParams::default(), None).is_err());
}

#[test]
fn quantised_factors_keep_the_ranking_and_shrink_the_bundle() {
    let f32_model = als(48);
    let f32_bytes = f32_model.to_bytes();
    let histories: [&[(&str, f32)]; 3] =
        [&[("a1", 1.0), ("a2", 2.0)], &[("b3", 1.0), ("gift", 1.0)], &[("a7", 1.0), ("b7", 1.0)]];
    for (q, name) in [(Quantization::Int8, "int8"), (Quantization::F16, "f16")] {
        let bytes = f32_model.clone().quantize(q).unwrap().to_bytes();
        let rec = Recommender::from_bytes(&bytes).unwrap();
        assert_eq!(rec.info().factor_storage, Some(name));
        assert_eq!(rec.metadata().params.get("quantize").map(String::as_str), Some(name));
        for h in histories {
            let exact = f32_model.recommend(h, &RecommendOptions::top(5)).unwrap().items;
            let approx = rec.recommend(h, &RecommendOptions::top(5)).unwrap().items;
            // Same leaders; scores within a few per cent of the top score (rounding of the stored
            // factors, which also moves the folded-in user vector).
            assert_eq!(exact[0].item, approx[0].item, "{name} {h:?}");
            let common = approx.iter().filter(|a| exact.iter().any(|e| e.item == a.item)).count();
            assert!(common >= 4, "{name} {h:?}: {exact:?} vs {approx:?}");
            for a in &approx {
                if let Some(e) = exact.iter().find(|e| e.item == a.item) {
                    assert!(
                        (e.score - a.score).abs() <= 0.03 * exact[0].score.abs(),
                        "{name}: {e:?} vs {a:?} (top {})",
                        exact[0].score
                    );
                }
            }
            assert!(approx.windows(2).all(|w| w[0].score >= w[1].score));
        }
        assert_eq!(
            rec.similar("b4", &RecommendOptions::top(3)).unwrap()[0].item,
            f32_model.similar("b4", &RecommendOptions::top(3)).unwrap()[0].item
        );
        // (Here the 48×48 Gramian dominates; real catalogues: BENCHMARKS.md and tests/quality.rs.)
        assert!(bytes.len() < f32_bytes.len(), "{name}: {} vs {} bytes", bytes.len(), f32_bytes.len());
        // Quantising again is lossless, and the bytes round-trip exactly.
        assert_eq!(rec.clone().quantize(q).unwrap().to_bytes(), bytes);
    }
    // EASE has no factors: unchanged, with a note.
    let ease = models().remove(1).1.quantize(Quantization::Int8).unwrap();
    assert!(
        ease.metadata().notes.iter().any(|n| n.contains("quantize int8 not applied")),
        "{:?}",
        ease.metadata().notes
    );
}

#[test]
fn item2vec_sessions_stay_in_their_cluster_deterministically() {
    use shelfwise::train::{Item2VecParams, Sequences};
    let data = common::clustered_shop();
    let base = models().remove(1).1; // EASE, no embeddings yet
    assert!(matches!(base.for_session(&["a1"], &RecommendOptions::top(3)), Err(Error::MissingSection(_))));
    let p = Item2VecParams::new().dim(16).epochs(30).window(5).subsample(0.0).min_count(1).sequences(Sequences::Sets);
    let e = p.fit(&data, base.items()).unwrap();
    assert_eq!(e, p.fit(&data, base.items()).unwrap(), "same seed, same vectors");
    assert_ne!(e, p.clone().seed(7).fit(&data, base.items()).unwrap());
    let rec = Recommender::from_bytes(&base.with_item2vec(e).unwrap().to_bytes()).unwrap();
    assert!(rec.info().has_item2vec);
    for (session, cluster) in [(&["a1", "a2", "a3"][..], 'a'), (&["b4", "b5"][..], 'b')] {
        let (hits, unknown) = rec.for_session(session, &RecommendOptions::top(5)).unwrap();
        assert!(unknown.is_empty());
        assert_eq!(hits.len(), 5);
        assert!(hits.iter().all(|h| !session.contains(&h.item.as_str())), "session items excluded: {hits:?}");
        let same = hits.iter().filter(|h| h.item.starts_with(cluster)).count();
        assert!(same >= 4, "{session:?} → {hits:?}");
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }
    let (_, unknown) = rec.for_session(&["a1", "nope"], &RecommendOptions::top(3)).unwrap();
    assert_eq!(unknown, vec!["nope"]);
    // Unknown ids come back once each, in the order of their last appearance; a repeat counts at
    // its latest position (the same answer as the session without the earlier copy).
    let (hits, unknown) = rec.for_session(&["x", "a1", "y", "x", "b4", "a1"], &RecommendOptions::top(5)).unwrap();
    assert_eq!(unknown, vec!["y", "x"]);
    assert_eq!(hits, rec.for_session(&["b4", "a1"], &RecommendOptions::top(5)).unwrap().0);
    // A session far longer than MAX_HISTORY keeps its most recent entries, in linear time.
    let mut long: Vec<String> = (0..300_000).map(|i| format!("junk{i}")).collect();
    long.extend(["b4", "b5"].map(String::from));
    let (hits, unknown) = rec.for_session(&long, &RecommendOptions::top(5)).unwrap();
    assert_eq!(unknown.len(), shelfwise::recs::MAX_HISTORY - 2);
    assert_eq!(hits, rec.for_session(&["b4", "b5"], &RecommendOptions::top(5)).unwrap().0);
    let opts = RecommendOptions { exclude: vec!["a5".into()], ..RecommendOptions::top(9) };
    assert!(rec.for_session(&["a1"], &opts).unwrap().0.iter().all(|h| h.item != "a5"));
    assert!(
        matches!(rec.for_session(&["nope", "never"], &RecommendOptions::top(3)), Err(Error::UnknownItem(m)) if m.contains("nope"))
    );
    assert!(rec
        .for_session::<&str>(&[], &RecommendOptions::top(3))
        .unwrap_err()
        .to_string()
        .contains("at least one item"));
    assert!(Item2VecParams::new().dim(0).check().unwrap_err().to_string().contains("dim"));
}

#[test]
fn similar_and_bought_together_take_recommend_options() {
    use shelfwise::train::baskets::{PairScore, TogetherParams};
    let data = common::clustered_shop();
    for choice in [
        ModelChoice::Als(AlsParams::new().factors(8).seed(3)),
        ModelChoice::Ease(EaseParams::new().lambda(10.0)),
        ModelChoice::Popular,
    ] {
        let rec = train_recommender(&data, &choice, None).unwrap();
        let nb =
            TogetherParams { score: PairScore::Lift, min_support: 2, neighbors: 5 }.fit(&data, rec.items()).unwrap();
        let rec = rec.with_bought_together(nb).unwrap();
        let all = rec.similar("a1", &RecommendOptions::top(5)).unwrap();
        assert!(all.iter().all(|s| s.item != "a1"));
        let first = all[0].item.clone();
        let opts = RecommendOptions { exclude: vec![first.clone()], ..RecommendOptions::top(5) };
        let without = rec.similar("a1", &opts).unwrap();
        assert!(without.iter().all(|s| s.item != first && s.item != "a1"), "{without:?}");
        let only = RecommendOptions { include_only: Some(vec!["b2".into(), "b3".into()]), ..RecommendOptions::top(5) };
        let r = rec.similar("a1", &only).unwrap();
        assert!(r.iter().all(|s| s.item == "b2" || s.item == "b3"), "{r:?}");
        let (cart, _) = rec.bought_together(&["a1"], &RecommendOptions::top(5)).unwrap();
        if let Some(top) = cart.first() {
            let opts = RecommendOptions { exclude: vec![top.item.clone()], ..RecommendOptions::top(5) };
            let (rest, _) = rec.bought_together(&["a1"], &opts).unwrap();
            assert!(rest.iter().all(|s| s.item != top.item), "{rest:?}");
        }
        assert!(rec.similar("a1", &RecommendOptions::top(0)).is_err());
    }
}
