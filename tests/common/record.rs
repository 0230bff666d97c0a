//! Propensity records written `k=v;k=v`, shared by the native tests and the wasm tests (which
//! include this file alone: the rest of `common` is native-only).

use shelfwise::propensity::Value;

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
