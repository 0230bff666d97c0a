//! The rule language on arbitrary text: compiled as a filter and as a boost against the merch
//! fixture's attributes, bound with parameters of every type, evaluated for every item and used
//! in a request. Nothing may panic; every failure is a typed error.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use shelfwise::recs::{Promote, RecommendOptions, Recommender};
use shelfwise::rules::{ParamValue, RuleKind, Ty};

fn model() -> &'static Recommender {
    static M: OnceLock<Recommender> = OnceLock::new();
    M.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/tiny-merch.bundle");
        Recommender::from_bytes(&std::fs::read(path).expect("fixture")).expect("fixture loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let rec = model();
    let attrs = rec.attributes().expect("the fixture has attributes");
    for kind in [RuleKind::Filter, RuleKind::Boost] {
        let Ok(rule) = rec.compile_rule(text, kind) else { continue };
        let params: Vec<(String, ParamValue)> = rule
            .params()
            .map(|(n, t)| {
                let v = match t {
                    Ty::Str => ParamValue::Str("dolls".into()),
                    Ty::List => ParamValue::List(vec!["dolls".into(), "red".into()]),
                    Ty::Bool => ParamValue::Bool(data.len() % 2 == 0),
                    _ => ParamValue::Num(data.len() as f64 - 3.5),
                };
                (n.to_string(), v)
            })
            .collect();
        let bound = rule.bind(attrs, &params, 8.64e6).expect("parameters of the inferred types bind");
        for i in 0..rec.items().len() as u32 {
            let _ = (bound.passes(i), bound.boost(i));
        }
        let _ = bound.max_boost();
        let mut o = RecommendOptions { now: Some(8.64e6), params, k: 5, ..RecommendOptions::default() };
        match kind {
            RuleKind::Filter => o.promote = Some(Promote { filter: text.to_string(), share: 0.4 }),
            RuleKind::Boost => o.boost = Some(text.to_string()),
        }
        o.max_per_group = Some(("category".into(), 1));
        let out = rec.recommend(&[("a1", 1.0), ("b2", 1.0)], &o).expect("a compiled rule runs");
        assert!(out.items.len() <= 5);
        let _ = rec.similar("a4", &o).expect("a compiled rule runs");
    }
});
