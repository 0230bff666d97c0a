//! The propensity table reader and type inference on arbitrary file contents.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfwise::data::table::Table;
use shelfwise::train::propensity::{Dataset, PropensityParams};

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("shelfwise-fuzz-table-{}.csv", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    for sep in [b',', b';'] {
        if let Ok(table) = Table::read_within(&path, sep, Some(64 << 20)) {
            if let Some(target) = table.header.last().cloned() {
                let _ = Dataset::from_table(table, &PropensityParams::new(&target));
            }
        }
    }
});
