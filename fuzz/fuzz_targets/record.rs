//! The propensity record encoder (and the text tokenizer) on arbitrary JSON-like records: field
//! names and values decoded from the input, scored by the committed propensity fixtures.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use shelfwise::propensity::{Propensity, Value};
use shelfwise::text::TextClassifier;

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
});
