use super::*;

fn page(kind: &str, id: Option<&str>, seconds: f64) -> PageView {
    PageView { kind: kind.into(), id: id.map(Into::into), seconds, stat: [None; 3] }
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn stats() -> PageStats {
    PageStats::new(vec![
        ("product".into(), String::new(), [Some(0.02), Some(0.05), Some(1.0)]),
        ("product".into(), "A".into(), [Some(0.10), Some(0.20), Some(30.0)]),
        ("info".into(), String::new(), [Some(0.5), Some(0.4), None]),
    ])
    .unwrap()
}

fn map(fields: Vec<(&str, Feature)>) -> SessionMap {
    let fields = fields.into_iter().map(|(n, f)| (n.to_string(), f)).collect();
    let visitors = ["Returning_Visitor".to_string(), "New_Visitor".to_string()];
    SessionMap::new(fields, names(&DEFAULT_MONTHS), visitors, stats()).unwrap()
}

fn log() -> SessionLog {
    SessionLog {
        // Saturday 2026-11-28 23:30 UTC: Sunday 00:30 in UTC+1, still November.
        start_ms: 1_795_908_600_000.0,
        utc_offset_minutes: 60.0,
        returning: Some(true),
        pages: vec![
            page("home", None, 4.0),
            page("product", Some("A"), 30.5),
            page("product", Some("B"), 10.0),
            PageView { stat: [None, None, Some(6.0)], ..page("info", Some("delivery"), 2.25) },
        ],
        cart_adds: 1,
        purchases: 0,
        values: vec![("trafficType".into(), Value::Number(2.0))],
    }
}

#[test]
fn every_feature_has_its_known_value() {
    let products = TypeFilter { types: names(&["product"]), negate: false };
    let m = map(vec![
        ("ProductRelated", Feature::Pages(products.clone())),
        ("ProductRelated_Duration", Feature::Seconds(products)),
        ("Other", Feature::Pages(TypeFilter { types: names(&["product"]), negate: true })),
        ("Pages", Feature::Pages(TypeFilter::all())),
        ("Seconds", Feature::Seconds(TypeFilter::all())),
        ("BounceRates", Feature::Stat(StatKind::BounceRate)),
        ("ExitRates", Feature::Stat(StatKind::ExitRate)),
        ("PageValues", Feature::Stat(StatKind::PageValue)),
        ("Month", Feature::Month),
        ("MonthNumber", Feature::MonthNumber),
        ("Weekday", Feature::Weekday),
        ("Hour", Feature::Hour),
        ("Weekend", Feature::Weekend),
        ("VisitorType", Feature::VisitorType),
        ("Returning", Feature::Returning),
        ("Bounced", Feature::Bounced),
        ("Carts", Feature::CartAdds),
        ("Bought", Feature::Purchases),
        ("TrafficType", Feature::Supplied("trafficType".into())),
        ("Region", Feature::Supplied("region".into())),
        ("SpecialDay", Feature::Constant(Value::Number(0.0))),
    ]);
    let r = m.record(&log()).unwrap();
    let got: Vec<(&str, Value)> = r.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let n = Value::Number;
    assert_eq!(
        got,
        vec![
            ("ProductRelated", n(2.0)),
            ("ProductRelated_Duration", n(40.5)),
            ("Other", n(2.0)),
            ("Pages", n(4.0)),
            ("Seconds", n(46.75)),
            // home has no row: left out. A's own row, B's type row, info's type row.
            ("BounceRates", n((0.10 + 0.02 + 0.5) / 3.0)),
            ("ExitRates", n((0.20 + 0.05 + 0.4) / 3.0)),
            // info's type row has no page value, but the page supplied 6.
            ("PageValues", n((30.0 + 1.0 + 6.0) / 3.0)),
            ("Month", Value::Text("Nov".into())),
            ("MonthNumber", n(11.0)),
            ("Weekday", n(6.0)),
            ("Hour", n(0.0)),
            ("Weekend", Value::Bool(true)),
            ("VisitorType", Value::Text("Returning_Visitor".into())),
            ("Returning", Value::Bool(true)),
            ("Bounced", Value::Bool(false)),
            ("Carts", n(1.0)),
            ("Bought", n(0.0)),
            ("TrafficType", n(2.0)),
            ("Region", Value::Missing),
            ("SpecialDay", n(0.0)),
        ]
    );
}

#[test]
fn pages_without_statistics_leave_the_mean_missing() {
    let m = map(vec![("BounceRates", Feature::Stat(StatKind::BounceRate)), ("Bounced", Feature::Bounced)]);
    let l = SessionLog { pages: vec![page("home", Some("/"), 3.0)], cart_adds: 0, ..log() };
    assert_eq!(
        m.record(&l).unwrap(),
        vec![("BounceRates".into(), Value::Missing), ("Bounced".into(), Value::Bool(true))]
    );
    let unknown = SessionLog { returning: None, pages: vec![], ..log() };
    let m = map(vec![("VisitorType", Feature::VisitorType), ("Pages", Feature::Pages(TypeFilter::all()))]);
    assert_eq!(
        m.record(&unknown).unwrap(),
        vec![("VisitorType".into(), Value::Missing), ("Pages".into(), Value::Number(0.0))]
    );
}

#[test]
fn a_bad_log_is_an_error_naming_the_value_and_its_place() {
    let m = map(vec![("Pages", Feature::Pages(TypeFilter::all()))]);
    let cases: Vec<(SessionLog, &str)> = vec![
        (SessionLog { start_ms: f64::NAN, ..log() }, "'start': NaN"),
        (SessionLog { utc_offset_minutes: 2_000.0, ..log() }, "'utcOffset': 2000"),
        (SessionLog { pages: vec![page("product", None, -1.0)], ..log() }, "'pages[0].seconds': -1"),
        (SessionLog { pages: vec![page("", None, 1.0)], ..log() }, "'pages[0].type'"),
        (
            SessionLog { pages: vec![PageView { stat: [Some(1.5), None, None], ..page("p", None, 1.0) }], ..log() },
            "'pages[0].bounceRate': 1.5",
        ),
        (SessionLog { pages: vec![page("p", None, 1.0); MAX_PAGES + 1], ..log() }, "'pages': 1001"),
        // Bounds that keep every sum finite: 1,000 views of 10^7 s, page values up to 10^12.
        (SessionLog { pages: vec![page("p", None, 2e7)], ..log() }, "'pages[0].seconds': 20000000"),
        (
            SessionLog { pages: vec![PageView { stat: [None, None, Some(2e12)], ..page("p", None, 1.0) }], ..log() },
            "'pages[0].value': 2000000000000",
        ),
        (SessionLog { values: vec![("x".into(), Value::Number(f64::INFINITY))], ..log() }, "'values.x'"),
    ];
    for (l, want) in cases {
        let e = m.record(&l).unwrap_err().to_string();
        assert!(e.contains(want), "{e:?} should contain {want:?}");
    }
}

#[test]
fn page_statistics_are_checked_sorted_and_the_last_row_wins() {
    let t = PageStats::new(vec![
        ("b".into(), String::new(), [Some(0.1), None, None]),
        ("a".into(), "x".into(), [None, None, Some(1.0)]),
        ("b".into(), String::new(), [Some(0.2), None, None]),
    ])
    .unwrap();
    assert_eq!(t.rows().len(), 2);
    assert_eq!(t.lookup("b", Some("anything"), StatKind::BounceRate), Some(0.2));
    assert_eq!(t.lookup("a", Some("x"), StatKind::PageValue), Some(1.0));
    assert_eq!(t.lookup("a", Some("y"), StatKind::PageValue), None);
    assert!(PageStats::new(vec![("a".into(), String::new(), [Some(-0.1), None, None])]).is_err());
    let unsorted = vec![("b".into(), String::new(), [None; 3]), ("a".into(), String::new(), [None; 3])];
    assert!(PageStats::from_sorted(unsorted).is_err());
}
