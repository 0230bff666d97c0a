//! Propensity: schema inference, typed errors, explanation, bundle round trip, quality.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use shelfwise::data::table::Table;
use shelfwise::propensity::{Propensity, Value};
use shelfwise::train::propensity::{
    train_propensity, ClassifierChoice, ColumnType, Dataset, ForestParams, GbtParams, LogisticParams, MlpParams,
    PropensityParams,
};
use shelfwise::train::Silent;
use shelfwise::Error;

/// A synthetic shop: conversion rises with page value and on weekends; device is a category.
fn synthetic_csv() -> String {
    let mut s = String::from("PageValue,Minutes,Device,Weekend,Bought\n");
    let mut rng = shelfwise::rng::Rng::new(5);
    for i in 0..600 {
        let pv = rng.f64() * 100.0;
        let minutes = if i % 17 == 0 { String::new() } else { format!("{:.1}", rng.f64() * 30.0) };
        let device = ["mobile", "desktop", "tablet"][i % 3];
        let weekend = i % 4 == 0;
        let z = (pv - 50.0) / 12.0 + if weekend { 1.5 } else { 0.0 } + if device == "desktop" { 0.5 } else { 0.0 };
        let bought = rng.f64() < 1.0 / (1.0 + (-z).exp());
        s += &format!(
            "{pv:.2},{minutes},{device},{},{}\n",
            if weekend { "TRUE" } else { "FALSE" },
            if bought { "yes" } else { "no" }
        );
    }
    s
}

fn dataset(csv: &str, name: &str) -> (Dataset, PropensityParams) {
    let dir = common::temp_dir(name);
    let f = dir.join("visits.csv");
    std::fs::write(&f, csv).unwrap();
    let p = PropensityParams { missing_indicator: true, ..PropensityParams::new("Bought") };
    (Dataset::from_table(Table::read(&f, b',').unwrap(), &p).unwrap(), p)
}

#[test]
fn infers_types_and_every_family_learns_the_signal() {
    let (ds, p) = dataset(&synthetic_csv(), "families");
    let types: Vec<ColumnType> = ds.columns.iter().map(|c| c.1).collect();
    assert_eq!(types, vec![ColumnType::Numeric, ColumnType::Numeric, ColumnType::Categorical, ColumnType::Boolean]);
    for choice in [
        ClassifierChoice::Logistic(LogisticParams::default()),
        ClassifierChoice::Gbt(GbtParams { rounds: 50, ..GbtParams::default() }),
        ClassifierChoice::Forest(ForestParams { trees: 30, ..ForestParams::default() }),
        ClassifierChoice::Mlp(MlpParams { epochs: 60, ..MlpParams::default() }),
    ] {
        let out = train_propensity(&ds, &p, &choice, &Silent).unwrap();
        assert!(out.test.roc_auc > 0.85, "{}: AUC {}", choice.describe(), out.test.roc_auc);
        let bytes = out.model.to_bytes();
        let back = Propensity::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), bytes);
        let m = Value::Number(12.0);
        let hi = back
            .score(&[
                ("PageValue", Value::Number(95.0)),
                ("Minutes", m.clone()),
                ("Weekend", Value::Bool(true)),
                ("Device", Value::Text("desktop".into())),
            ])
            .unwrap();
        let lo = back
            .score(&[
                ("PageValue", Value::Number(5.0)),
                ("Minutes", m.clone()),
                ("Weekend", Value::Bool(false)),
                ("Device", Value::Text("mobile".into())),
            ])
            .unwrap();
        assert!(hi.p > 0.8 && lo.p < 0.2, "{}: {} vs {}", choice.describe(), hi.p, lo.p);
        assert!(hi.report.missing.is_empty() && hi.report.unknown.is_empty());
        let partial = back
            .score(&[
                ("PageValue", Value::Number(50.0)),
                ("Weekend", Value::Bool(true)),
                ("Device", Value::Text("desktop".into())),
            ])
            .unwrap();
        assert_eq!(partial.report.missing, vec!["Minutes".to_string()]);
    }
}

#[test]
fn typed_errors_and_reports_for_bad_records() {
    let (ds, p) = dataset(&synthetic_csv(), "errors");
    let m = train_propensity(&ds, &p, &ClassifierChoice::Logistic(LogisticParams::default()), &Silent).unwrap().model;
    let e = m.score(&[("PageValue", Value::Text("lots".into()))]).unwrap_err();
    assert_eq!(
        e,
        Error::InvalidValue { field: "PageValue".into(), value: "\"lots\"".into(), reason: "expected a number".into() }
    );
    // Numbers sent as text read exactly like numbers.
    for (text, n) in [("12.5", 12.5), ("-0.25", -0.25), ("1e2", 100.0), ("95", 95.0)] {
        let a = m.score(&[("PageValue", Value::Text(text.into()))]).unwrap().p;
        assert_eq!(a, m.score(&[("PageValue", Value::Number(n))]).unwrap().p, "{text}");
    }
    let e = m.score(&[("PageValue", Value::Text(" 12".into()))]).unwrap_err();
    assert!(e.to_string().contains("expected a number"), "{e}");
    let e = m.score(&[("PageValue", Value::Number(f64::NAN))]).unwrap_err();
    assert!(e.to_string().contains("'PageValue': NaN"), "{e}");
    assert!(m.score(&[("Minutes", Value::Number(f64::INFINITY))]).unwrap_err().to_string().contains("inf"));
    assert!(m.score(&[("Weekend", Value::Text("sometimes".into()))]).unwrap_err().to_string().contains("Weekend"));
    let s = m
        .score(&[
            ("PageValue", Value::Number(10.0)),
            ("Colour", Value::Text("red".into())),
            ("Device", Value::Text("watch".into())),
        ])
        .unwrap();
    assert_eq!(s.report.unknown, vec!["Colour".to_string()]);
    assert_eq!(s.report.unseen, vec!["Device".to_string()]);
    assert!(s.report.missing.contains(&"Weekend".to_string()));
    assert!((0.0..=1.0).contains(&s.p));
    let ex = m.explain(&[("PageValue", Value::Number(95.0)), ("Weekend", Value::Bool(true))]).unwrap();
    assert_eq!(ex[0].field, "PageValue", "{ex:?}");
    assert!(ex[0].contribution > 0.0);
}

#[test]
fn csv_errors_name_file_line_column_and_value() {
    let mut csv = synthetic_csv();
    csv += "12.5,3.0,mobile,TRUE,maybe\n";
    let dir = common::temp_dir("badtarget");
    let f = dir.join("v.csv");
    std::fs::write(&f, &csv).unwrap();
    let e = Dataset::from_table(Table::read(&f, b',').unwrap(), &PropensityParams::new("Bought")).unwrap_err();
    assert!(e.to_string().contains("v.csv:602 column 'Bought'") && e.to_string().contains("maybe"), "{e}");

    let mut p = PropensityParams::new("Bought");
    p.types.insert("Minutes".into(), ColumnType::Numeric);
    let bad = synthetic_csv().replacen("\n", "\nabc,1.0,mobile,TRUE,yes\n", 1);
    std::fs::write(&f, bad).unwrap();
    let e = Dataset::from_table(Table::read(&f, b',').unwrap(), &{
        let mut q = p.clone();
        q.types.insert("PageValue".into(), ColumnType::Numeric);
        q
    })
    .unwrap_err();
    assert!(e.to_string().contains("v.csv:2 column 'PageValue'") && e.to_string().contains("abc"), "{e}");

    std::fs::write(&f, "a,b,Bought\n1,2,yes\n1,2\n").unwrap();
    let e = Table::read(&f, b',').unwrap_err();
    assert!(e.to_string().contains("v.csv:3") && e.to_string().contains("expected 3 fields, found 2"), "{e}");
}

#[test]
fn corrupt_propensity_bundles_are_typed_errors() {
    let (ds, p) = dataset(&synthetic_csv(), "corrupt");
    let bytes =
        train_propensity(&ds, &p, &ClassifierChoice::Gbt(GbtParams { rounds: 5, ..GbtParams::default() }), &Silent)
            .unwrap()
            .model
            .to_bytes();
    assert!(matches!(Propensity::from_bytes(&bytes[..bytes.len() - 3]), Err(Error::Truncated { .. })));
    let mut b = bytes.clone();
    b[bytes.len() / 2] ^= 8;
    assert!(matches!(Propensity::from_bytes(&b), Err(Error::ChecksumMismatch { .. })));
    // A recommender bundle is not a propensity bundle.
    let rec =
        shelfwise::train::train_recommender(&common::clustered_shop(), &shelfwise::train::ModelChoice::Popular, None)
            .unwrap()
            .to_bytes();
    let e = Propensity::from_bytes(&rec).unwrap_err();
    assert_eq!(e, Error::WrongModel { expected: "a propensity model".into(), found: "a recommender".into() });
    assert_eq!(e.to_string(), "bundle holds a recommender, not a propensity model");
}

#[test]
#[ignore = "needs ../shared/data (evaluation data, not in the repo)"]
fn online_shoppers_auc_reaches_0_925() {
    let path = common::shared_data("online-shoppers-intention/online_shoppers_intention.csv");
    let p = PropensityParams::new("Revenue");
    let ds = Dataset::from_table(Table::read(&path, b',').unwrap(), &p).unwrap();
    let gbt = train_propensity(&ds, &p, &ClassifierChoice::Gbt(GbtParams::default()), &Silent).unwrap();
    eprintln!(
        "gbt test AUC {:.4}; calibration {}: ECE {:.4} (uncalibrated {:.4}), log loss {:.4} ({:.4}); {:?}",
        gbt.test.roc_auc,
        gbt.model.calibration().name(),
        gbt.test.ece,
        gbt.uncalibrated.ece,
        gbt.test.log_loss,
        gbt.uncalibrated.log_loss,
        gbt.calibration_losses
    );
    assert!(gbt.test.roc_auc >= 0.925, "{}", gbt.test.roc_auc);
    assert!(gbt.test.ece <= 0.02, "expected calibration error {}", gbt.test.ece);
    assert!(gbt.warnings.is_empty(), "no leakage warning on Online Shoppers: {:?}", gbt.warnings);
    eprintln!("importance: {:?}", &gbt.importance[..5]);
    let lr = train_propensity(&ds, &p, &ClassifierChoice::Logistic(LogisticParams::default()), &Silent).unwrap();
    assert!(lr.test.roc_auc >= 0.877, "logistic {}", lr.test.roc_auc);
    let rf = train_propensity(&ds, &p, &ClassifierChoice::Forest(ForestParams::default()), &Silent).unwrap();
    assert!(rf.test.roc_auc >= 0.909, "forest {}", rf.test.roc_auc);
}

#[test]
fn a_planted_post_outcome_column_is_called_out_and_importance_is_reported() {
    // The synthetic shop plus `Refunded` (known only after a purchase: yes for 97 % of buyers)
    // and `DeliveryDate` (recorded only for buyers).
    let mut rng = shelfwise::rng::Rng::new(9);
    let mut csv = String::new();
    for (i, line) in synthetic_csv().lines().enumerate() {
        if i == 0 {
            csv += &format!("{line},Refunded,DeliveryDate\n");
            continue;
        }
        let bought = line.ends_with(",yes");
        let refunded = if bought == (rng.f64() < 0.97) { "yes" } else { "no" };
        let delivery = if bought { "2026-01-02" } else { "" };
        csv += &format!("{line},{refunded},{delivery}\n");
    }
    let (ds, p) = dataset(&csv, "leak");
    let out = train_propensity(&ds, &p, &ClassifierChoice::Logistic(LogisticParams::default()), &Silent).unwrap();
    assert!(
        out.warnings.iter().any(|w| w.contains("'Refunded' alone predicts") && w.contains("--ignore Refunded")),
        "{:?}",
        out.warnings
    );
    assert!(
        out.warnings.iter().any(|w| w.contains("'DeliveryDate' is missing in 0% of positive and 100% of negative")),
        "{:?}",
        out.warnings
    );
    assert!(out.model.metadata().notes.iter().any(|n| n.starts_with("warning: 'Refunded'")));
    // Importance: the leaked column carries the model.
    assert!(["Refunded", "DeliveryDate"].contains(&out.importance[0].0.as_str()), "{:?}", out.importance);
    // Without the planted columns: no warning, and page value leads the importance.
    let (ds, p) = dataset(&synthetic_csv(), "no-leak");
    let out = train_propensity(&ds, &p, &ClassifierChoice::Logistic(LogisticParams::default()), &Silent).unwrap();
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(out.importance[0].0, "PageValue", "{:?}", out.importance);
}
