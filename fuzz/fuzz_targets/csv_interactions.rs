//! The interaction-log reader on arbitrary file contents (plain or gzip, as sniffed; any bytes,
//! UTF-8 or not), strict and skipping bad rows, within a small memory budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfwise::data::time::DateOrder;
use shelfwise::data::{Columns, Interactions, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("shelfwise-fuzz-log-{}.csv", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let cols = Columns {
        user: "user".into(),
        item: "item".into(),
        weight: Some("w".into()),
        time: Some("t".into()),
        title: Some("title".into()),
        price: Some("price".into()),
    };
    // Strict with commas and slash dates as the column shows; skipping bad rows with `;` (decimal
    // commas), slash dates day first and rows that are not UTF-8 read as Shift_JIS (a multi-byte
    // code page, whose decoder meets broken sequences too).
    let shift_jis = shelfwise::data::source::legacy_encoding("shift_jis").unwrap();
    let windows_1252 = shelfwise::data::source::CsvFormat::default().legacy;
    for (skip, delimiter, date_order, legacy_encoding) in
        [(false, b',', None, windows_1252), (true, b';', Some(DateOrder::DayFirst), shift_jis)]
    {
        let opts = ReadOptions {
            skip_bad_rows: skip,
            delimiter,
            legacy_encoding,
            date_order,
            max_memory: Some(64 << 20),
            ..ReadOptions::default()
        };
        if let Ok((log, _)) = Interactions::read_csv(&path, &cols, &opts, &|_| {}) {
            assert_eq!(log.user_indices().len(), log.weights().len());
            assert_eq!(log.item_indices().len(), log.weights().len());
            assert!(log.user_indices().iter().all(|u| (*u as usize) < log.n_users()));
            assert!(log.item_indices().iter().all(|i| (*i as usize) < log.n_items()));
            assert!(log.weights().iter().all(|w| w.is_finite() && *w > 0.0));
            let _ = log.by_user();
        }
    }
    let minimal = Columns { user: "user".into(), item: "item".into(), ..Columns::default() };
    let _ = Interactions::read_csv(&path, &minimal, &ReadOptions::default(), &|_| {});
});
