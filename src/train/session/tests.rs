use super::*;
use crate::propensity::{Field, FieldKind};

const SPEC: &str = r#"
[fields]
Product = 'count(page.type == "product")'
Product_Seconds = 'sum_duration(page.type in ["product", "list"])'
Other = "count(page.type not in ['product'])"
Pages = "pages"
Bounce = "bounce_rate"
Month = "month"
Weekend = "weekend"
Visitor = "visitor_type"
Traffic = "$trafficType"
Special = "0"

[month]
names = ["Jan", "Feb", "Mar", "Apr", "May", "June", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

[visitor_type]
returning = "Returning_Visitor"
new = "New_Visitor"
"#;

fn field(name: &str, kind: FieldKind) -> Field {
    Field { name: name.into(), kind, missing_indicator: false }
}

fn schema() -> Schema {
    let num = || FieldKind::Numeric { mean: 1.0, std: 1.0 };
    let cat = |c: &[&str]| FieldKind::Categorical { categories: c.iter().map(|s| s.to_string()).collect() };
    Schema {
        target: "Revenue".into(),
        fields: vec![
            field("Product", num()),
            field("Product_Seconds", num()),
            field("Other", num()),
            field("Pages", num()),
            field("Bounce", num()),
            field("Month", cat(&["Feb", "June"])),
            field("Weekend", FieldKind::Boolean { rate: 0.2, std: 0.4 }),
            field("Visitor", cat(&["Returning_Visitor", "New_Visitor", "Other"])),
            field("Traffic", num()),
            field("Special", num()),
        ],
    }
}

#[test]
fn a_features_file_parses_to_its_features_in_the_models_order() {
    let spec = FeatureSpec::parse(SPEC).unwrap();
    let (map, warnings) = spec.session_map(&schema(), PageStats::default()).unwrap();
    let names: Vec<&str> = map.fields().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Product", "Product_Seconds", "Other", "Pages", "Bounce", "Month", "Weekend", "Visitor", "Traffic", "Special"]
    );
    let f = |n: &str| map.fields().iter().find(|(m, _)| m == n).unwrap().1.clone();
    assert_eq!(f("Product"), Feature::Pages(TypeFilter { types: vec!["product".into()], negate: false }));
    assert_eq!(
        f("Product_Seconds"),
        Feature::Seconds(TypeFilter { types: vec!["product".into(), "list".into()], negate: false })
    );
    assert_eq!(f("Other"), Feature::Pages(TypeFilter { types: vec!["product".into()], negate: true }));
    assert_eq!(f("Pages"), Feature::Pages(TypeFilter::all()));
    assert_eq!(f("Traffic"), Feature::Supplied("trafficType".into()));
    assert_eq!(f("Special"), Feature::Constant(Value::Number(0.0)));
    assert_eq!(map.month_names()[5], "June");
    assert_eq!(map.visitor_names()[1], "New_Visitor");
    // bounce_rate without a table: a warning naming the field.
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("Bounce = bounce_rate"), "{warnings:?}");
}

#[test]
fn mistakes_in_a_features_file_are_errors_that_name_them() {
    let cases = [
        ("[fields]\nA = 'count(page.kind == \"x\")'", "fields.A", "can only filter on page.type"),
        ("[fields]\nA = 'bounce'", "fields.A", "unknown name \"bounce\""),
        ("[fields]\nA = 'count(page.type == \"x\"'", "fields.A", "expected a name"),
        ("[fields]\nA = 'total(page.type == \"x\")'", "fields.A", "unknown function \"total\""),
        ("[fields]\nA = 'count(page.type in [])'", "fields.A", "empty list"),
        ("[fields]\nA = 'count(page.type == \"x)'", "fields.A", "unterminated string"),
        ("[fields]\nA = 3", "fields.A", "in quotes"),
        ("[fields]\nA = 'pages'\n[month]\nnames = ['Jan']", "month.names", "exactly 12"),
        ("[field]\nA = 'pages'", "features", "unknown field"),
    ];
    for (text, name, reason) in cases {
        let e = FeatureSpec::parse(text).unwrap_err().to_string();
        assert!(e.contains(name) && e.contains(reason), "{text:?}: {e}");
    }
}

#[test]
fn a_mapping_must_cover_the_model_exactly_with_fitting_types() {
    let spec = |extra: &str, drop: &str| {
        let text: String =
            SPEC.lines().filter(|l| drop.is_empty() || !l.starts_with(drop)).collect::<Vec<_>>().join("\n");
        FeatureSpec::parse(&text.replacen("[fields]", &format!("[fields]\n{extra}"), 1)).unwrap()
    };
    let err = |s: FeatureSpec| s.session_map(&schema(), PageStats::default()).unwrap_err().to_string();
    let e = err(spec("", "Traffic"));
    assert!(e.contains("Traffic") && e.contains("this model field is not mapped"), "{e}");
    let e = err(spec("Typo = 'pages'", ""));
    assert!(e.contains("Typo") && e.contains("the model has no such field"), "{e}");
    let wrong_type = spec("", "Weekend");
    let mut s = wrong_type.clone();
    s.fields.push(("Weekend".into(), Feature::Month));
    assert!(err(s).contains("month cannot feed this boolean field"));
    let mut s = spec("", "");
    s.month_names = DEFAULT_MONTHS.map(|m| m.to_uppercase()).to_vec();
    assert!(err(s).contains("none of them is a category of Month"));
}

#[test]
fn page_statistics_come_from_a_csv_with_checked_cells() {
    let dir = std::env::temp_dir().join(format!("shelfwise-pagestats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.csv");
    std::fs::write(&good, "page_type,page_id,bounce_rate,page_value\nproduct,,0.02,3.5\nproduct,A,0.1,\ninfo,,0.4,0\n")
        .unwrap();
    let t = read_page_stats(&good, b',').unwrap();
    assert_eq!(t.lookup("product", Some("A"), StatKind::BounceRate), Some(0.1));
    // A's row has no page value: its type's figure stands in.
    assert_eq!(t.lookup("product", Some("A"), StatKind::PageValue), Some(3.5));
    assert_eq!(t.lookup("product", Some("B"), StatKind::PageValue), Some(3.5));
    assert_eq!(t.lookup("product", None, StatKind::ExitRate), None);
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "page_type,bounce_rate\nproduct,0.5\ninfo,1.5\n").unwrap();
    let e = read_page_stats(&bad, b',').unwrap_err().to_string();
    assert!(e.contains("bad.csv:3") && e.contains("1.5"), "{e}");
    let none = dir.join("none.csv");
    std::fs::write(&none, "page_type,views\nproduct,3\n").unwrap();
    assert!(read_page_stats(&none, b',').unwrap_err().to_string().contains("bounce_rate, exit_rate or page_value"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn session_logs_read_from_json_with_checked_types() {
    let one = r#"{"format": "shelfwise-session/1", "start": 1795908600000, "utcOffset": 60, "returning": false,
        "pages": [{"type": "product", "id": "A", "seconds": 12.5, "value": 3.25}, {"type": "info", "id": null, "seconds": 0}],
        "cartAdds": 1, "purchases": 0, "values": {"trafficType": 2, "os": "mac", "x": null}}"#;
    let logs = read_session_logs(one).unwrap();
    assert_eq!(logs.len(), 1);
    let l = &logs[0];
    assert_eq!(
        (l.start_ms, l.utc_offset_minutes, l.returning, l.cart_adds),
        (1_795_908_600_000.0, 60.0, Some(false), 1)
    );
    assert_eq!(
        l.pages[0],
        PageView { kind: "product".into(), id: Some("A".into()), seconds: 12.5, stat: [None, None, Some(3.25)] }
    );
    assert_eq!(l.pages[1].id, None);
    assert!(l.values.contains(&("os".into(), Value::Text("mac".into()))));
    assert!(l.values.contains(&("x".into(), Value::Missing)));
    assert_eq!(read_session_logs(&format!("[{one}, {one}]")).unwrap().len(), 2);
    for (text, want) in [
        (r#"{"start": "soon", "pages": []}"#, "'start': \"soon\""),
        (r#"{"start": 0, "pages": [{"type": 3, "seconds": 1}]}"#, "'pages[0].type': 3"),
        (r#"{"start": 0, "pages": [{"type": "p", "seconds": -1}]}"#, "'pages[0].seconds': -1"),
        (r#"{"start": 0, "pages": [], "cartAdds": 1.5}"#, "'cartAdds': 1.5"),
        (r#"{"start": 0, "pages": [], "format": "other/1"}"#, "'format'"),
        (r#"[{"start": 0, "pages": []}, {"start": 0}]"#, "session log 1"),
        ("{", "session log"),
    ] {
        let e = read_session_logs(text).unwrap_err().to_string();
        assert!(e.contains(want), "{text}: {e}");
    }
}
