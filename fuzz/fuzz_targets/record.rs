//! The propensity record encoder (and the text tokenizer) on arbitrary JSON-like records: field
//! names and values decoded from the input, scored by the committed propensity fixtures; and the
//! same bytes read as session logs (JSON) and scored through a session mapping.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use shelfwise::propensity::{Propensity, Value};
use shelfwise::session::{Feature, PageStats, SessionMap, StatKind, DEFAULT_MONTHS};
use shelfwise::text::TextClassifier;

/// The gbt fixture with a session mapping using every kind of feature its three fields accept.
fn session_model(gbt: &Propensity) -> Propensity {
    let fields = vec![
        ("Pages".to_string(), Feature::Stat(StatKind::PageValue)),
        ("Device".to_string(), Feature::Supplied("device".into())),
        ("Weekend".to_string(), Feature::Weekend),
    ];
    let stats = PageStats::new(vec![("p".into(), String::new(), [Some(0.5), Some(0.5), Some(3.0)])]).expect("valid");
    let map = SessionMap::new(fields, DEFAULT_MONTHS.map(String::from).to_vec(), ["r".into(), "n".into()], stats)
        .expect("valid");
    let m = gbt.clone().with_session(map).expect("the mapping fits");
    Propensity::from_bytes(&m.to_bytes()).expect("round trip")
}

fn session() -> &'static Propensity {
    static S: OnceLock<Propensity> = OnceLock::new();
    S.get_or_init(|| session_model(&models().0[0]))
}

fn models() -> &'static (Vec<Propensity>, TextClassifier) {
    static M: OnceLock<(Vec<Propensity>, TextClassifier)> = OnceLock::new();
    M.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");
        let load = |f: &str| std::fs::read(format!("{dir}{f}")).expect("fixture");
        let props = ["tiny-propensity-gbt.bundle", "tiny-propensity-mlp.bundle"]
            .iter()
            .map(|f| Propensity::from_bytes(&load(f)).expect("fixture loads"))
            .collect();
        (props, TextClassifier::from_bytes(&load("tiny-text.bundle")).expect("fixture loads"))
    })
}

/// Splits the input at 0xff bytes into fields; each field's first byte picks the value's kind.
fn record(data: &[u8], names: &[String]) -> Vec<(String, Value)> {
    data.split(|b| *b == 0xff)
        .enumerate()
        .map(|(i, part)| {
            let (kind, rest) = part.split_first().map_or((0, &[][..]), |(k, r)| (*k, r));
            let name = if kind & 0x80 == 0 && !names.is_empty() {
                names[i % names.len()].clone()
            } else {
                String::from_utf8_lossy(rest).into_owned()
            };
            let text = String::from_utf8_lossy(rest).into_owned();
            let value = match kind % 5 {
                0 => Value::Missing,
                1 => Value::Number(f64::from_le_bytes(rest.get(..8).and_then(|b| b.try_into().ok()).unwrap_or([0; 8]))),
                2 => Value::Bool(rest.first().is_some_and(|b| b & 1 == 1)),
                3 => Value::Text(text),
                _ => Value::from_cell(&text),
            };
            (name, value)
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let (props, text) = models();
    for p in props {
        let names: Vec<String> = p.schema().fields.iter().map(|f| f.name.clone()).collect();
        let r = record(data, &names);
        let borrowed: Vec<(&str, Value)> = r.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        if let Ok(s) = p.score(&borrowed) {
            assert!((0.0..=1.0).contains(&s.p), "p = {}", s.p);
        }
        let _ = p.explain(&borrowed);
    }
    let _ = text.classify(&String::from_utf8_lossy(data));
    if let Ok(logs) = std::str::from_utf8(data).map(shelfwise::train::session::read_session_logs) {
        for log in logs.into_iter().flatten() {
            let s = session().score_session(&log).expect("a log that reads scores");
            assert!((0.0..=1.0).contains(&s.p), "p = {}", s.p);
        }
    }
});
