//! The queries the committed fixtures were answered for, shared by the native tests and the wasm
//! tests (which include this file alone: the rest of `common` is native-only), so both builds
//! answer the same ones.

use shelfwise::propensity::Value;

/// Propensity records, `k=v;k=v`, with the ids the expectations name them by.
pub const PROPENSITY_RECORDS: [(&str, &str); 4] = [
    ("a", "Pages=30;Device=desktop;Weekend=true"),
    ("b", "Pages=3.5;Device=mobile;Weekend=false"),
    ("c", "Pages=12;Device=watch"),
    ("d", "Device=tablet;Weekend=true"),
];

/// The text classifier's queries.
pub const TEXT_QUERIES: [&str; 4] =
    ["wooden steam engine", "Baby doll with pink dress", "jigsaw 1000 pièces — PUZZLE!", "zzz unknown words"];

/// Parses `k=v;k=v` into typed values: numbers, booleans, text.
pub fn parse_record(s: &str) -> Vec<(String, Value)> {
    s.split(';')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            let val = match v {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => v.parse::<f64>().map(Value::Number).unwrap_or_else(|_| Value::Text(v.into())),
            };
            (k.to_string(), val)
        })
        .collect()
}
