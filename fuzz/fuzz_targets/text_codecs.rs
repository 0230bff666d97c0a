//! Compressed text on arbitrary file contents: the first byte picks the file's extension, so
//! Hadoop's snappy and LZ4 block framings, zlib and Brotli (which are found by extension, not by
//! magic bytes) are decoded too; the rest is the file, read as a table within a 64 MB budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfwise::data::table::Table;

const EXTENSIONS: [&str; 5] = ["csv.snappy", "csv.lz4", "csv.deflate", "csv", "csv.br"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else { return };
    let extension = EXTENSIONS[pick as usize % EXTENSIONS.len()];
    let path = std::env::temp_dir().join(format!("shelfwise-fuzz-codec-{}.{extension}", std::process::id()));
    if std::fs::write(&path, file).is_err() {
        return;
    }
    let _ = Table::read_within(&path, b',', Some(64 << 20));
});
