//! Parquet input on arbitrary file contents: the interaction reader (every column kind it maps)
//! and the table reader. Errors are fine; a panic, a hang or runaway memory is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfwise::data::table::Table;
use shelfwise::data::{Columns, Interactions, ReadOptions};

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys's hook aborts at any panic, before an unwind can reach the reader's boundary
    // (`data::parquet` turns a decoder panic into an error). Keep its abort for every panic but
    // the decoder's, as the CLI keeps their messages quiet; an uncaught panic still aborts.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let fuzzer = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !shelfwise::data::parquet::in_decoder() {
                fuzzer(info);
            }
        }));
    });
    let path = std::env::temp_dir().join(format!("shelfwise-fuzz-parquet-{}.parquet", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let _ = Table::read_within(&path, b',', Some(64 << 20));
    for (user, item, weight, time, title, price) in [
        ("customer", "product", "qty", "when", "title", "price"),
        ("item", "users", "share", "users", "item", "share"),
    ] {
        let cols = Columns {
            user: user.into(),
            item: item.into(),
            weight: Some(weight.into()),
            time: Some(time.into()),
            title: Some(title.into()),
            price: Some(price.into()),
        };
        let opts = ReadOptions { max_memory: Some(64 << 20), skip_bad_rows: true, ..ReadOptions::default() };
        let _ = Interactions::read_csv(&path, &cols, &opts, &|_| {});
    }
});
