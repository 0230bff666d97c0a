use super::*;
use crate::recs::attributes::{AttrType, Attribute, Column};

/// Four items: price, in_stock, category, tags, created (seconds), margin (one missing).
fn shop() -> Attributes {
    let day = 86_400.0;
    let dict = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Attributes::new(
        4,
        vec![
            Attribute::new("price", AttrType::Number, Column::Number(vec![10.0, 60.0, 25.0, f64::NAN])).unwrap(),
            Attribute::new("in_stock", AttrType::Bool, Column::Bool(vec![1, 1, 0, 2])).unwrap(),
            Attribute::new(
                "category",
                AttrType::String,
                Column::String {
                    dict: dict(&["toys", "gift-cards"]),
                    codes: vec![0, 1, 0, crate::recs::attributes::NO_CODE],
                },
            )
            .unwrap(),
            Attribute::new(
                "tags",
                AttrType::Set,
                Column::Set { dict: dict(&["red", "wood", "sale"]), ends: vec![2, 2, 3, 3], codes: vec![0, 1, 2] },
            )
            .unwrap(),
            Attribute::new("created", AttrType::Time, Column::Number(vec![0.0, 100.0 * day, 95.0 * day, 50.0 * day]))
                .unwrap(),
            Attribute::new("unit price", AttrType::Number, Column::Number(vec![1.0, 2.0, 3.0, 4.0])).unwrap(),
        ],
    )
    .unwrap()
}

const NOW: f64 = 100.0 * 86_400.0;

fn passing(text: &str, params: &[(String, ParamValue)]) -> Vec<u32> {
    let attrs = shop();
    let rule = Rule::compile(text, RuleKind::Filter, &attrs).unwrap();
    let b = rule.bind(&attrs, params, NOW).unwrap();
    (0..4).filter(|i| b.passes(*i)).collect()
}

fn boosts(text: &str) -> Vec<Option<f64>> {
    let attrs = shop();
    let rule = Rule::compile(text, RuleKind::Boost, &attrs).unwrap();
    let b = rule.bind(&attrs, &[], NOW).unwrap();
    (0..4).map(|i| b.boost(i)).collect()
}

fn error(text: &str, kind: RuleKind) -> (usize, String) {
    match Rule::compile(text, kind, &shop()).unwrap_err() {
        Error::Rule { column, message, .. } => (column, message),
        e => panic!("not a rule error: {e}"),
    }
}

#[test]
fn filters_select_the_items_the_text_says() {
    assert_eq!(passing("in_stock && price < 50 && category != \"gift-cards\"", &[]), [0]);
    assert_eq!(passing("price >= 25", &[]), [1, 2]);
    assert_eq!(passing("!in_stock", &[]), [2]);
    assert_eq!(passing("\"red\" in tags || category in ['gift-cards']", &[]), [0, 1]);
    assert_eq!(passing("created > now - 7d", &[]), [1, 2]);
    assert_eq!(passing("now - created >= 2w && has(price)", &[]), [0]);
    assert_eq!(passing("`unit price` * 2 == 6", &[]), [2]);
    assert_eq!(passing("price / 10 + 1 > 2 ? true : false", &[]), [1, 2]);
    assert_eq!(passing("-price < -20", &[]), [1, 2]);
}

#[test]
fn missing_values_are_unknown_not_false_matches() {
    // Item 3 has no price, no stock flag, no category.
    assert_eq!(passing("price < 100 || price >= 100", &[]), [0, 1, 2]);
    assert_eq!(passing("category != \"toys\"", &[]), [1, 3]);
    assert_eq!(passing("!has(category)", &[]), [3]);
    assert_eq!(passing("in_stock || true", &[]), [0, 1, 2, 3]);
    assert_eq!(passing("in_stock && false", &[]), Vec::<u32>::new());
}

#[test]
fn parameters_take_their_type_from_use_and_are_checked_when_bound() {
    let cat = |s: &str| vec![("category".to_string(), ParamValue::Str(s.into()))];
    assert_eq!(passing("category == $category", &cat("toys")), [0, 2]);
    assert_eq!(passing("$category == category", &cat("gift-cards")), [1]);
    let list = vec![("wanted".to_string(), ParamValue::List(vec!["gift-cards".into(), "x".into()]))];
    assert_eq!(passing("category in $wanted", &list), [1]);
    let max = vec![("max".to_string(), ParamValue::Num(20.0))];
    assert_eq!(passing("price < $max", &max), [0]);
    let attrs = shop();
    let rule = Rule::compile("price < $max && category == $c", RuleKind::Filter, &attrs).unwrap();
    assert_eq!(rule.params().collect::<Vec<_>>(), [("max", Ty::Num), ("c", Ty::Str)]);
    let e = rule.bind(&attrs, &max, NOW).unwrap_err().to_string();
    assert!(e.contains("$c") && e.contains("missing"), "{e}");
    let wrong = vec![("max".to_string(), ParamValue::Str("20".into())), ("c".to_string(), ParamValue::Str("x".into()))];
    let e = rule.bind(&attrs, &wrong, NOW).unwrap_err().to_string();
    assert!(e.contains("$max") && e.contains("a number"), "{e}");
}

#[test]
fn boosts_multiply_and_bound_themselves() {
    assert_eq!(boosts("price > 20 ? 1.5 : 1"), [Some(1.0), Some(1.5), Some(1.5), Some(1.0)]);
    // A missing price makes the whole boost missing: neutral.
    assert_eq!(boosts("price / 10"), [Some(1.0), Some(6.0), Some(2.5), Some(1.0)]);
    assert_eq!(boosts("price - 20"), [None, Some(40.0), Some(5.0), Some(1.0)]);
    let attrs = shop();
    let max = |t: &str| Rule::compile(t, RuleKind::Boost, &attrs).unwrap().bind(&attrs, &[], NOW).unwrap().max_boost();
    assert_eq!(max("in_stock ? 1.2 : 0.8"), 1.2);
    assert_eq!(max("price / 10"), 6.0);
    assert_eq!(max("0.5"), 1.0);
    assert_eq!(max("2 / (price - 20)"), f64::INFINITY);
}

#[test]
fn errors_name_the_column_and_the_problem() {
    let (col, m) = error("in_stock && prise < 50", RuleKind::Filter);
    assert_eq!(col, 13);
    assert!(m.contains("unknown attribute 'prise'") && m.contains("price"), "{m}");
    let (col, m) = error("price < \"50\"", RuleKind::Filter);
    assert_eq!(col, 1);
    assert!(m.contains("cannot compare a number with a string"), "{m}");
    assert_eq!(error("price = 5", RuleKind::Filter).0, 7);
    assert!(error("price < 5 &&", RuleKind::Filter).1.contains("expected a value"));
    assert!(error("(price < 5", RuleKind::Filter).1.contains("expected ')'"));
    assert!(error("price", RuleKind::Filter).1.contains("must give true/false"));
    assert!(error("in_stock", RuleKind::Boost).1.contains("must give a number"));
    assert!(error("price < 5d", RuleKind::Filter).1.contains("cannot compare"));
    assert!(error("price < 5x", RuleKind::Filter).1.contains("durations"));
    assert!(error("\"a", RuleKind::Filter).1.contains("unclosed string"));
    assert!(error("", RuleKind::Filter).1.contains("empty"));
    assert!(error("$a == $b", RuleKind::Filter).1.contains("cannot tell the type"));
    assert_eq!(passing("$flag", &[("flag".to_string(), ParamValue::Bool(true))]), [0, 1, 2, 3]);
    assert!(error("nope(price)", RuleKind::Filter).1.contains("unknown function"));
    assert!(error("in_stock ? 1 : \"a\"", RuleKind::Boost).1.contains("both branches"));
    assert!(error("price in tags", RuleKind::Filter).1.contains("must be a string"));
    assert!(error("price < 5 price", RuleKind::Filter).1.contains("after a complete expression"));
    let deep = format!("{}true{}", "(".repeat(100), ")".repeat(100));
    assert!(error(&deep, RuleKind::Filter).1.contains("nests deeper"));
    let long = format!("true{}", " || true".repeat(1000));
    assert!(error(&long, RuleKind::Filter).1.contains("at most"));
    // Multi-byte text: the column counts characters.
    let (col, _) = error("\"é\" == prïce", RuleKind::Filter);
    assert_eq!(col, 8);
}

// proptest is a native dev-dependency: the property runs natively, the examples above everywhere.
#[cfg(not(target_arch = "wasm32"))]
proptest::proptest! {
    #[test]
    fn any_text_compiles_or_fails_cleanly(text in "[ -~é]{0,60}") {
        let attrs = shop();
        for kind in [RuleKind::Filter, RuleKind::Boost] {
            if let Ok(rule) = Rule::compile(&text, kind, &attrs) {
                let params: Vec<(String, ParamValue)> = rule.params().map(|(n, t)| (n.to_string(), match t {
                    Ty::Str => ParamValue::Str("toys".into()),
                    Ty::List => ParamValue::List(vec!["toys".into()]),
                    Ty::Bool => ParamValue::Bool(true),
                    _ => ParamValue::Num(1.0),
                })).collect();
                let b = rule.bind(&attrs, &params, NOW).unwrap();
                for i in 0..4 {
                    let _ = (b.passes(i), b.boost(i));
                }
                let _ = b.max_boost();
            }
        }
    }
}
