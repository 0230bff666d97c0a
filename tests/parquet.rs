//! Parquet input: the same data as CSV and as Parquet (one file, or a directory of part files in
//! several row groups, as Spark writes them) gives the same log and byte-identical bundles; errors
//! name part file, row group, row and column; a broken file is an error, never a panic.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use arrow_array::builder::{
    Decimal128Builder, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::{WriterProperties, WriterVersion};
use shelfwise::data::parquet::Batches;
use shelfwise::data::{Columns, Interactions, ReadOptions};

fn run(line: &str) -> Output {
    let args: Vec<&str> = line.split_whitespace().collect();
    Command::new(env!("CARGO_BIN_EXE_shelfwise")).args(&args).output().expect("run shelfwise")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// One row of the shop log: customer (a number), product, quantity, time, title, price.
#[derive(Clone)]
struct Row {
    customer: i64,
    product: String,
    qty: f64,
    micros: i64,
    title: Option<String>,
    cents: i128,
}

/// A seeded shop log of `n` rows with repeated pairs, fractional quantities, a missing title.
fn shop_rows(n: usize) -> Vec<Row> {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    (0..n)
        .map(|k| {
            let customer = (next() % 120) as i64;
            let p = (next() % 40 + customer as u64 % 7 * 3) % 45;
            Row {
                customer,
                product: format!("P{p:03}"),
                qty: [1.0, 2.0, 0.5, 3.25][(next() % 4) as usize],
                micros: (1_300_000_000 + k as i64 * 3_600) * 1_000_000 + 250_000,
                title: (p != 7).then(|| format!("product {p}, in \"{}\"", ["red", "blue", "green"][p as usize % 3])),
                cents: 99 + p as i128 * 25,
            }
        })
        .collect()
}

fn csv_text(rows: &[Row]) -> String {
    let mut out = String::from("customer,product,qty,when,title,price\n");
    for r in rows {
        let secs = r.micros.div_euclid(1_000_000);
        let title = r.title.as_deref().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).unwrap_or_default();
        let price = format!("{}.{:02}", r.cents / 100, r.cents % 100);
        out.push_str(&format!("{},{},{},{secs},{title},{price}\n", r.customer, r.product, r.qty));
    }
    out
}

fn batch(rows: &[Row]) -> RecordBatch {
    let (mut c, mut p, mut q) = (Int64Builder::new(), StringBuilder::new(), Float64Builder::new());
    let mut t = TimestampMicrosecondBuilder::new();
    let (mut ti, mut pr) = (StringBuilder::new(), Decimal128Builder::new().with_precision_and_scale(10, 2).unwrap());
    for r in rows {
        c.append_value(r.customer);
        p.append_value(&r.product);
        q.append_value(r.qty);
        t.append_value(r.micros);
        ti.append_option(r.title.as_deref());
        pr.append_value(r.cents);
    }
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("customer", Arc::new(c.finish())),
        ("product", Arc::new(p.finish())),
        ("qty", Arc::new(q.finish())),
        ("when", Arc::new(t.finish())),
        ("title", Arc::new(ti.finish())),
        ("price", Arc::new(pr.finish())),
    ];
    RecordBatch::try_from_iter(cols).unwrap()
}

/// Writes `rows` as one Parquet file with row groups of at most `group_rows` rows, snappy pages.
fn write_parquet(path: &Path, rows: &[Row], group_rows: usize) {
    write_parquet_compressed(path, rows, group_rows, Compression::SNAPPY);
}

/// Writes `rows` as one Parquet file with row groups of at most `group_rows` rows, pages
/// compressed with `compression`.
fn write_parquet_compressed(path: &Path, rows: &[Row], group_rows: usize, compression: Compression) {
    let props =
        WriterProperties::builder().set_max_row_group_row_count(Some(group_rows)).set_compression(compression).build();
    let b = batch(rows);
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), b.schema(), Some(props)).unwrap();
    w.write(&b).unwrap();
    w.close().unwrap();
}

fn columns() -> Columns {
    Columns {
        user: "customer".into(),
        item: "product".into(),
        weight: Some("qty".into()),
        time: Some("when".into()),
        title: Some("title".into()),
        price: Some("price".into()),
    }
}

fn read(path: &Path) -> Interactions {
    Interactions::read_csv(path, &columns(), &ReadOptions::default(), &|_| {}).unwrap().0
}

fn assert_same_log(a: &Interactions, b: &Interactions) {
    assert_eq!(a.users(), b.users());
    assert_eq!(a.items(), b.items());
    assert_eq!(
        (&a.user_indices(), &a.item_indices(), &a.weights(), &a.times()),
        (&b.user_indices(), &b.item_indices(), &b.weights(), &b.times())
    );
    assert_eq!(format!("{:?}", a.catalog()), format!("{:?}", b.catalog()));
}

#[test]
fn a_parquet_file_and_a_directory_of_parts_read_as_the_csv_does() {
    let dir = common::temp_dir("parquet-same");
    let rows = shop_rows(5_000);
    std::fs::write(dir.join("log.csv"), csv_text(&rows)).unwrap();
    write_parquet(&dir.join("log.parquet"), &rows, 700);
    let parts = dir.join("parts");
    std::fs::create_dir_all(&parts).unwrap();
    for (k, chunk) in rows.chunks(1_800).enumerate() {
        write_parquet(&parts.join(format!("part-{k:05}-abc.snappy.parquet")), chunk, 500);
    }
    std::fs::write(parts.join("_SUCCESS"), b"").unwrap();
    std::fs::write(parts.join(".part-00000-abc.snappy.parquet.crc"), b"crc").unwrap();

    let csv = read(&dir.join("log.csv"));
    assert!(csv.len() < 5_000 && csv.catalog().is_some(), "duplicates merged, catalogue kept");
    assert_same_log(&csv, &read(&dir.join("log.parquet")));
    assert_same_log(&csv, &read(&parts));

    // Through the CLI: byte-identical bundles, for a factor model and an item-item one.
    for model in ["als", "ease"] {
        let mut bundles = Vec::new();
        for input in [dir.join("log.csv"), dir.join("log.parquet"), parts.clone()] {
            let out = dir.join(format!("{model}-{}.bundle", bundles.len()));
            let o = run(&format!(
                "train recs --input {} --user-col customer --item-col product --weight-col qty --time-col when \
                 --title-col title --price-col price --model {model} --out {}",
                input.display(),
                out.display()
            ));
            assert!(o.status.success(), "{}", text(&o));
            bundles.push(std::fs::read(&out).unwrap());
        }
        assert!(bundles[0] == bundles[1] && bundles[0] == bundles[2], "{model}: bundles differ between formats");
    }
    // A code page named for a Parquet input (whose text is UTF-8) changes nothing, and is said.
    let out = dir.join("named.bundle");
    let o = run(&format!(
        "train recs --input {} --user-col customer --item-col product --weight-col qty --model popular \
         --encoding windows-1250 --out {}",
        dir.join("log.parquet").display(),
        out.display()
    ));
    assert!(o.status.success() && text(&o).contains("none was read as windows-1250"), "{}", text(&o));
}

/// Pages in every compression the format has but LZO (which pyarrow and Spark do not write
/// either) read as the CSV does.
#[test]
fn pages_in_every_compression_read_as_the_csv_does() {
    let dir = common::temp_dir("parquet-codecs");
    let rows = shop_rows(3_000);
    std::fs::write(dir.join("log.csv"), csv_text(&rows)).unwrap();
    let csv = read(&dir.join("log.csv"));
    for compression in [
        Compression::UNCOMPRESSED,
        Compression::SNAPPY,
        Compression::GZIP(Default::default()),
        Compression::LZ4,
        Compression::LZ4_RAW,
        Compression::ZSTD(Default::default()),
        Compression::BROTLI(Default::default()),
    ] {
        let path = dir.join(format!("{compression:?}.parquet"));
        write_parquet_compressed(&path, &rows, 1_000, compression);
        assert_same_log(&csv, &read(&path));
    }
}

/// A Hive-partitioned data set (Spark's `partitionBy("year", "region")`): the files lack the
/// partition columns, which come from the `key=value` directories, escapes undone and the
/// default partition read as null. It reads as the CSV of the same rows in the directories'
/// order with those columns added, as a log (region as baskets) and as a table.
#[test]
fn a_hive_partitioned_directory_reads_as_the_csv_of_its_rows_with_the_partition_columns() {
    let dir = common::temp_dir("parquet-hive");
    let rows = shop_rows(3_000);
    let root = dir.join("events");
    let mut csv = String::from("customer,product,qty,when,title,price,year,region\n");
    for p in common::year_region_partitions(&root, rows.len(), 2011) {
        std::fs::create_dir_all(&p.dir).unwrap();
        let part: Vec<Row> = p.rows.iter().map(|&k| rows[k].clone()).collect();
        write_parquet(&p.dir.join("part-00000-abc.c000.snappy.parquet"), &part, 400);
        std::fs::write(p.dir.join(".part-00000-abc.c000.snappy.parquet.crc"), b"crc").unwrap();
        for line in csv_text(&part).lines().skip(1) {
            csv.push_str(&format!("{line},{}\n", p.cells));
        }
    }
    std::fs::write(root.join("_SUCCESS"), b"").unwrap();
    std::fs::write(dir.join("events.csv"), &csv).unwrap();

    let table = |p: &Path| shelfwise::data::table::Table::read(p, b',').unwrap();
    let (a, b) = (table(&root), table(&dir.join("events.csv")));
    assert_eq!(a.header, b.header);
    assert_eq!(a.rows.len(), b.rows.len());
    for (r, (x, y)) in a.rows.iter().zip(&b.rows).enumerate() {
        assert_eq!(x[6..], y[6..], "row {r}: the partition columns");
        assert_eq!(x[1], y[1], "row {r}: a column of the files");
    }
    assert!(a.rows.iter().any(|x| x[7] == "north:1/a") && a.rows.iter().any(|x| x[7].is_empty()));

    // The region as baskets: rows of the default partition have none and are skipped in both.
    let line = "train recs --input {in} --user-col customer --item-col product --weight-col qty --time-col when \
                --basket-col region --together-min-support 1 --skip-bad-rows --model ease --out {out}";
    let [(csv_report, csv_bundle), (pq_report, pq_bundle)] = both_formats(&dir, line, &dir.join("events.csv"), &root);
    assert!(!csv_bundle.is_empty(), "{csv_report}");
    assert_eq!(csv_bundle, pq_bundle, "bundles differ: {csv_report}\n---\n{pq_report}");
}

/// What Spark itself writes with `partitionBy("day", "store")` (tests/fixtures/spark-partitioned,
/// made by scripts/make-spark-partitioned-fixture.py with pyspark 4.3): INT96 timestamps, a
/// decimal price, store names escaped in directory names and a null store read as the rows Spark
/// wrote to `expected.csv`, and train the bundle that CSV does when its rows come in the same order.
#[test]
fn spark_partitioned_output_reads_as_the_rows_spark_wrote() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spark-partitioned");
    let table = |p: &Path| shelfwise::data::table::Table::read(p, b',').unwrap();
    let (pq, csv) = (table(&fixture.join("events")), table(&fixture.join("expected.csv")));
    assert_eq!(pq.header, csv.header);
    assert_eq!((pq.rows.len(), csv.rows.len()), (240, 240));
    let (n, when) = (csv.column("n").unwrap(), csv.column("event_time").unwrap());
    let expected: std::collections::HashMap<&str, &Vec<String>> = csv.rows.iter().map(|r| (r[n].as_str(), r)).collect();
    let mut in_order = format!("{}\n", csv.header.join(","));
    for x in &pq.rows {
        let y = expected[x[n].as_str()];
        let time = shelfwise::data::time::parse_timestamp;
        assert_eq!(time(&x[when]), time(&y[when]), "row n={}: {x:?} vs {y:?}", x[n]);
        let same =
            |k: usize| x[k] == y[k] || x[k].parse::<f64>().ok().is_some_and(|v| y[k].parse::<f64>().ok() == Some(v));
        assert!((0..x.len()).filter(|&k| k != when).all(same), "row n={}: {x:?} vs {y:?}", x[n]);
        in_order.push_str(&format!("{}\n", y.join(",")));
    }
    let stores: std::collections::BTreeSet<&str> = pq.rows.iter().map(|r| r[7].as_str()).collect();
    assert_eq!(stores.into_iter().collect::<Vec<_>>(), ["", "store:0/east", "store:1/east", "store:2/east"]);

    let dir = common::temp_dir("parquet-spark-partitioned");
    std::fs::write(dir.join("expected.csv"), in_order).unwrap();
    let line = "train recs --input {in} --user-col user_id --item-col item_id --weight-col quantity \
                --time-col event_time --price-col price --basket-col store --together-min-support 1 \
                --skip-bad-rows --model ease --out {out}";
    let [(_, csv_bundle), (_, pq_bundle)] =
        both_formats(&dir, line, &dir.join("expected.csv"), &fixture.join("events"));
    assert!(!csv_bundle.is_empty() && csv_bundle == pq_bundle, "bundles differ");
}

/// A Delta Lake, Hudi or Iceberg table keeps rewritten and deleted rows in files on disk until
/// they are cleaned up; read file by file it would silently train on them, so it is refused with
/// the way to a snapshot.
#[test]
fn tables_that_keep_their_own_log_are_refused_not_read_file_by_file() {
    let dir = common::temp_dir("parquet-table-formats");
    for (marker, format, spark_name) in [
        ("_delta_log/00000000000000000000.json", "a Delta Lake", "delta"),
        (".hoodie/hoodie.properties", "an Apache Hudi", "hudi"),
        ("metadata/v1.metadata.json", "an Apache Iceberg", "iceberg"),
    ] {
        let table = dir.join(spark_name);
        let marker = table.join(marker);
        std::fs::create_dir_all(marker.parent().unwrap()).unwrap();
        std::fs::write(&marker, b"{}").unwrap();
        write_parquet(&table.join("part-00000.parquet"), &shop_rows(20), 20);
        let e = Interactions::read_csv(&table, &columns(), &ReadOptions::default(), &|_| {}).unwrap_err().to_string();
        assert!(e.contains(&format!("is {format} table")), "{e}");
        assert!(e.contains(&format!("spark.read.format(\"{spark_name}\")")), "{e}");
    }
}

/// Partition directories that nest without end (a link back up) stop with an error, not a
/// stack overflow.
#[cfg(unix)]
#[test]
fn partition_directories_that_loop_are_an_error() {
    let dir = common::temp_dir("parquet-hive-loop");
    let root = dir.join("events");
    std::fs::create_dir_all(&root).unwrap();
    write_parquet(&root.join("part-0.parquet"), &shop_rows(10), 10);
    std::os::unix::fs::symlink(&root, root.join("k=1")).unwrap();
    let e = Interactions::read_csv(&root, &columns(), &ReadOptions::default(), &|_| {}).unwrap_err().to_string();
    assert!(e.contains("partition directories nest deeper than 16 levels"), "{e}");
}

#[test]
fn a_bad_cell_names_part_row_group_row_and_column() {
    let dir = common::temp_dir("parquet-bad");
    let mut rows = shop_rows(1_000);
    rows[777].qty = -2.0;
    write_parquet(&dir.join("log.parquet"), &rows, 300);
    let err = Interactions::read_csv(&dir.join("log.parquet"), &columns(), &ReadOptions::default(), &|_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("log.parquet: row group 2, row 778, column 'qty'"), "{err}");
    assert!(err.contains("finite number > 0") && err.contains("\"-2.0\""), "{err}");

    // Skipping bad rows works as for CSV.
    let opts = ReadOptions { skip_bad_rows: true, ..ReadOptions::default() };
    let (_, report) = Interactions::read_csv(&dir.join("log.parquet"), &columns(), &opts, &|_| {}).unwrap();
    assert_eq!((report.rows_read, report.rows_skipped), (1_000, 1));

    // A missing column lists the schema's names.
    let cols = Columns { item: "sku".into(), ..columns() };
    let err = Interactions::read_csv(&dir.join("log.parquet"), &cols, &ReadOptions::default(), &|_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("sku") && err.contains("product"), "{err}");
}

#[test]
fn broken_or_unreadable_parquet_is_an_error_not_a_panic() {
    let dir = common::temp_dir("parquet-broken");
    let rows = shop_rows(400);
    write_parquet(&dir.join("good.parquet"), &rows, 100);
    let good = std::fs::read(dir.join("good.parquet")).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("magic only", b"PAR1".to_vec()),
        ("magic and garbage", b"PAR1\x15\x04\x15\x10rest of a parquet file".to_vec()),
        ("cut in half", good[..good.len() / 2].to_vec()),
        ("footer flipped", {
            let mut b = good.clone();
            let n = b.len();
            b[n - 12] ^= 0x5a;
            b
        }),
        ("a page flipped", {
            let mut b = good.clone();
            b[200] ^= 0xff;
            b[201] ^= 0xff;
            b
        }),
    ];
    for (name, bytes) in cases {
        let f = dir.join("bad.parquet");
        std::fs::write(&f, &bytes).unwrap();
        let o = run(&format!(
            "train recs --input {} --user-col customer --item-col product --model popular --out {}",
            f.display(),
            dir.join("m.bundle").display()
        ));
        let t = text(&o);
        // Either a clean error naming the file, or (a flipped page that still decodes) a model.
        let clean = o.status.code().is_some_and(|c| c != 101 && c != 134);
        assert!(clean && (o.status.success() || t.contains("bad.parquet")), "{name}: {t}");
    }
}

#[test]
fn a_decoder_panic_on_a_malformed_page_is_an_error_naming_the_file() {
    // Found by the `parquet` fuzz target in its first minute: arrow-rs 59 asserts on an over-long
    // RLE run length (`BitReader::get_vlq_int`), a panic in release builds too.
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/parquet/vlq-overflow-panic.parquet");
    let cols = Columns { user: "item".into(), item: "users".into(), ..Columns::default() };
    let err = Interactions::read_csv(&seed, &cols, &ReadOptions::default(), &|_| {}).unwrap_err().to_string();
    assert!(
        err.contains("vlq-overflow-panic.parquet") && err.contains("malformed Parquet data in the row group 0"),
        "{err}"
    );
    // The same file's `share` column has a page header that is not Thrift: the walk over the
    // headers before decoding (which checks each page against the budget) refuses it by place.
    let cols = Columns { weight: Some("share".into()), ..cols };
    let err = Interactions::read_csv(&seed, &cols, &ReadOptions::default(), &|_| {}).unwrap_err().to_string();
    assert!(
        err.contains("row group 0, column `share`, byte 9224: malformed page header: unknown field type 15"),
        "{err}"
    );
    let o = run(&format!(
        "train recs --input {} --user-col item --item-col users --model popular --out {}",
        seed.display(),
        common::temp_dir("parquet-panic").join("m.bundle").display()
    ));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!text(&o).contains("panicked"), "the caught panic prints nothing: {}", text(&o));

    // A footer whose Thrift declares a list of 212 million booleans in 2 KB: arrow-rs's skip of
    // unknown fields spends no bytes on a boolean element (0.6 s per read here; lists of such
    // lists, hours). Checked first in one pass over the footer, it is refused at once.
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/parquet/bool-list-footer-spin.parquet");
    let err = Interactions::read_csv(&seed, &columns(), &ReadOptions::default(), &|_| {}).unwrap_err().to_string();
    assert!(
        err.contains("bool-list-footer-spin.parquet")
            && err.contains("malformed Parquet footer (3502 bytes): a collection of 212190331 elements in 2362 bytes"),
        "{err}"
    );

    // A column chunk at a negative offset: arrow-rs's `byte_range` asserts. The page walk reads
    // the offsets without it and leaves the chunk to the decoder, behind the boundary (found by
    // the fuzz target the day the walk was added, when the walk still called `byte_range`).
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/parquet/negative-chunk-offset-panic.parquet");
    let err = Interactions::read_csv(&seed, &columns(), &ReadOptions::default(), &|_| {}).unwrap_err().to_string();
    assert!(err.contains("(the decoder failed: column start and length should not be negative)"), "{err}");
    let err = shelfwise::data::table::Table::read(&seed, b',').unwrap_err().to_string();
    assert!(err.contains("column start and length should not be negative"), "{err}");

    // The second: arrow-buffer's bit-chunk iterator asserts on definition levels past the buffer.
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/parquet/definition-levels-panic.parquet");
    let err = shelfwise::data::table::Table::read(&seed, b',').unwrap_err().to_string();
    assert!(err.contains("malformed Parquet data"), "{err}");
    assert!(!shelfwise::data::parquet::in_decoder(), "the boundary's flag is cleared after an unwind");
}

/// An unsigned LEB128 integer at `b[*at..]`, moving `at` past it.
fn varint(b: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = b[*at];
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            break;
        }
    }
    v
}

fn zigzag_varint(n: i64) -> Vec<u8> {
    let (mut v, mut out) = (((n << 1) ^ (n >> 63)) as u64, Vec::new());
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

/// `good` with one integer of the dictionary page header that starts column 0 of row group 0
/// (arrow-rs writes it `15 04 | 15 size | 15 size | 4c 15 count …`) set to `value`: field 2 (the
/// decompressed size) or the dictionary header's field 1 (its value count). The bytes after it
/// shift, which only the other columns' offsets notice.
fn with_dictionary_header_field(good: &[u8], start: usize, field: u8, value: i32) -> Vec<u8> {
    assert_eq!(&good[start..start + 3], &[0x15, 0x04, 0x15], "a dictionary page header");
    let mut at = start + 3;
    let spans: Vec<(usize, usize)> = (0..3)
        .map(|k| {
            if k > 0 {
                at += if k == 2 { 2 } else { 1 }; // 0x15, or 0x4c 0x15 into the dictionary header
            }
            let from = at;
            varint(good, &mut at);
            (from, at)
        })
        .collect();
    let (from, to) = spans[if field == 2 { 0 } else { 2 }];
    [&good[..from], &zigzag_varint(i64::from(value))[..], &good[to..]].concat()
}

#[test]
fn pages_are_checked_against_the_budget_before_the_decoder_allocates_them() {
    // The `parquet` fuzz target (CI, 2026-12-02) ran out of memory on a page header that declared
    // a 2 GB page: arrow-rs zero-fills a page's declared size before decompressing it.
    let dir = common::temp_dir("parquet-page-budget");
    write_parquet(&dir.join("good.parquet"), &shop_rows(400), 100);
    let good = std::fs::read(dir.join("good.parquet")).unwrap();
    let meta = parquet::file::reader::SerializedFileReader::new(std::fs::File::open(dir.join("good.parquet")).unwrap())
        .unwrap();
    let start = parquet::file::reader::FileReader::metadata(&meta).row_group(0).column(0).byte_range().0 as usize;
    let budget = ReadOptions { max_memory: Some(64 << 20), ..ReadOptions::default() };
    let read_with = |bytes: &[u8], opts: &ReadOptions| {
        let f = dir.join("bad.parquet");
        std::fs::write(&f, bytes).unwrap();
        let log = Interactions::read_csv(&f, &columns(), opts, &|_| {}).map(drop).map_err(|e| e.to_string());
        let table = shelfwise::data::table::Table::read_within(&f, b',', opts.max_memory).map(drop);
        (log, table.map_err(|e| e.to_string()))
    };

    let huge = with_dictionary_header_field(&good, start, 2, i32::MAX);
    let (log, table) = read_with(&huge, &budget);
    for err in [log.unwrap_err(), table.unwrap_err()] {
        assert!(
            err.contains(
                "bad.parquet, row group 0: pages of column `customer`, decompressed one at a time, need about 2.0 GB"
            ) && err.contains("over the budget of 64 MB"),
            "{err}"
        );
    }
    // Within the budget, the same file reads; below one page, it is refused the same way.
    let (log, table) = read_with(&good, &budget);
    assert_eq!((log, table), (Ok(()), Ok(())));
    let (log, _) = read_with(&good, &ReadOptions { max_memory: Some(200), ..ReadOptions::default() });
    assert!(log.unwrap_err().contains("pages of column `customer`, decompressed one at a time, need about"));

    // A data page of `product` coded PLAIN where the footer says every one is dictionary-coded:
    // the data page header's encoding (`2c 15 <values> 15 10`: RLE_DICTIONARY) set to 0.
    let product = parquet::file::reader::FileReader::metadata(&meta).row_group(0).column(1).byte_range().0 as usize;
    let mut plain = good.clone();
    let at = (product..good.len() - 8).find(|&k| good[k] == 0x2c && good[k + 1] == 0x15).unwrap() + 2;
    let mut end = at;
    varint(&good, &mut end);
    assert_eq!(&good[end..end + 2], &[0x15, 0x10], "an RLE_DICTIONARY data page");
    plain[end + 1] = 0x00;
    let (log, _) = read_with(&plain, &budget);
    let err = log.unwrap_err();
    assert!(
        err.contains("row group 0, column `product`, byte")
            && err.contains("a data page not dictionary-coded, where the footer says every one is"),
        "{err}"
    );

    // A dictionary page that says it holds more values than it has bytes.
    let (log, table) = read_with(&with_dictionary_header_field(&good, start, 1, 1 << 30), &budget);
    for err in [log.unwrap_err(), table.unwrap_err()] {
        assert!(err.contains("a dictionary page of 1073741824 values in"), "{err}");
    }
}

#[test]
fn tables_for_propensity_read_parquet_cells_as_csv_text() {
    let dir = common::temp_dir("parquet-table");
    let rows = shop_rows(600);
    write_parquet(&dir.join("t.parquet"), &rows, 250);
    std::fs::write(dir.join("t.csv"), csv_text(&rows)).unwrap();
    let a = shelfwise::data::table::Table::read(&dir.join("t.parquet"), b',').unwrap();
    let b = shelfwise::data::table::Table::read(&dir.join("t.csv"), b',').unwrap();
    assert_eq!(a.header, b.header);
    for (r, (x, y)) in a.rows.iter().zip(&b.rows).enumerate() {
        // The CSV holds seconds where Parquet holds a timestamp: both read as the same time.
        let when = |v: &str| shelfwise::data::time::parse_timestamp(v);
        assert_eq!(when(&x[3]), when(&y[3]), "row {r}");
        let same = |k: usize| x[k] == y[k] || x[k].parse::<f64>().ok() == y[k].parse::<f64>().ok();
        assert!((0..6).filter(|k| *k != 3).all(same), "row {r}: {x:?} vs {y:?}");
    }
    assert_eq!(
        a.location(301, 2).to_string(),
        format!("{}: row group 1, row 302, column 'qty'", dir.join("t.parquet").display())
    );
}

/// Writes `n` rows of `user` and `item` ids (`None`: null, an empty CSV cell) to `dir/log.csv`
/// and returns them as a batch to write as Parquet.
fn id_log(dir: &Path, n: usize, user: impl Fn(usize) -> String, item: impl Fn(usize) -> Option<String>) -> RecordBatch {
    let mut csv = String::from("user,item\n");
    let (mut u, mut i) = (StringBuilder::new(), StringBuilder::new());
    for k in 0..n {
        csv.push_str(&format!("{},{}\n", user(k), item(k).unwrap_or_default()));
        u.append_value(user(k));
        i.append_option(item(k));
    }
    std::fs::write(dir.join("log.csv"), csv).unwrap();
    let cols: Vec<(&str, ArrayRef)> = vec![("user", Arc::new(u.finish())), ("item", Arc::new(i.finish()))];
    RecordBatch::try_from_iter(cols).unwrap()
}

/// Id columns are read dictionary-coded where the writer coded every page of a chunk with its
/// dictionary, else as strings: dictionary pages, dictionaries that overflow into plain pages
/// mid-chunk, and no dictionary at all must give the log the CSV gives, ids trimmed alike, and a
/// null id a bad row at the same place.
#[test]
fn dictionary_plain_and_overflowing_id_pages_read_as_the_csv_does() {
    let dir = common::temp_dir("parquet-dictionary");
    let n = 6_000;
    let user = |k: usize| {
        format!("{}c{}{}", if k % 11 == 0 { "  " } else { "" }, (k * 7_919) % 900, if k % 13 == 0 { " " } else { "" })
    };
    let item = |k: usize| (k != 4_321).then(|| format!("sku-{:04}", (k * 104_729) % 350));
    let batch = id_log(&dir, n, user, item);
    let columns = Columns { user: "user".into(), item: "item".into(), ..Columns::default() };
    let skip = ReadOptions { skip_bad_rows: true, ..ReadOptions::default() };
    let (csv, csv_report) = Interactions::read_csv(&dir.join("log.csv"), &columns, &skip, &|_| {}).unwrap();
    assert_eq!(csv_report.rows_skipped, 1);
    let settings: [(&str, bool, WriterProperties); 6] = [
        ("dictionary pages", true, WriterProperties::builder().set_max_row_group_row_count(Some(2_500)).build()),
        (
            "dictionaries overflowing into plain pages",
            false,
            WriterProperties::builder()
                .set_max_row_group_row_count(Some(2_500))
                .set_dictionary_page_size_limit(512)
                .set_data_page_row_count_limit(300)
                .set_write_batch_size(300)
                .build(),
        ),
        ("no dictionaries", false, WriterProperties::builder().set_dictionary_enabled(false).build()),
        ("delta-coded strings, v1 pages", false, delta_coded(Encoding::DELTA_BYTE_ARRAY, WriterVersion::PARQUET_1_0)),
        ("delta-coded strings, v2 pages", false, delta_coded(Encoding::DELTA_BYTE_ARRAY, WriterVersion::PARQUET_2_0)),
        ("delta-coded lengths", false, delta_coded(Encoding::DELTA_LENGTH_BYTE_ARRAY, WriterVersion::PARQUET_1_0)),
    ];
    for (what, coded, props) in settings {
        let path = dir.join("log.parquet");
        let mut w = ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let names = ["user".to_string(), "item".to_string()];
        let mut batches = Batches::open(&path).unwrap().columns(&names).with_dictionaries(&names).unwrap();
        let first = batches.next_batch().unwrap().unwrap();
        assert!(first.columns.iter().all(|c| c.dictionary().is_some() == coded), "{what}: dictionary-coded: {coded}");
        let (pq, report) = Interactions::read_csv(&path, &columns, &skip, &|_| {}).unwrap();
        assert_same_log(&csv, &pq);
        assert_eq!((report.rows_read, report.rows_skipped), (n as u64, 1), "{what}");
        let err = Interactions::read_csv(&path, &columns, &ReadOptions::default(), &|_| {}).unwrap_err().to_string();
        assert!(err.contains("row 4322, column 'item'") && err.contains("empty item id"), "{what}: {err}");
    }
}

/// Writer settings that code the ids by their lengths (`DELTA_*`), without dictionaries, in
/// pages of 700 rows.
fn delta_coded(encoding: Encoding, version: WriterVersion) -> WriterProperties {
    WriterProperties::builder()
        .set_writer_version(version)
        .set_dictionary_enabled(false)
        .set_encoding(encoding)
        .set_data_page_row_count_limit(700)
        .set_write_batch_size(700)
        .build()
}

/// Batches whose ids all pass are checked a column at a time, the rest row by row: a log of
/// clean ids with a few that need the row-by-row path (Unicode whitespace and non-ASCII at the
/// ends, an overlong id, an id of spaces alone) must read as the CSV does with every writer
/// setting, and the bad rows must be reported where they are.
#[test]
fn clean_batches_and_batches_with_odd_ids_read_as_the_csv_does() {
    let dir = common::temp_dir("parquet-clean-ids");
    let n = 6_000;
    let user = |k: usize| match k {
        5_001 => format!("\u{a0}c{k}\u{2003}"),
        5_002 => format!("ü{k}é"),
        5_003 => "x".repeat(shelfwise::data::source::MAX_ID_BYTES + 1),
        _ => format!("c{}", (k * 7_919) % 900),
    };
    let item = |k: usize| Some(if k == 5_500 { "   ".to_string() } else { format!("sku-{:04}", (k * 104_729) % 350) });
    let batch = id_log(&dir, n, user, item);
    let columns = Columns { user: "user".into(), item: "item".into(), ..Columns::default() };
    let skip = ReadOptions { skip_bad_rows: true, ..ReadOptions::default() };
    let (csv, csv_report) = Interactions::read_csv(&dir.join("log.csv"), &columns, &skip, &|_| {}).unwrap();
    assert_eq!(csv_report.rows_skipped, 2);
    assert!(csv.users().iter().any(|u| u == "c5001") && csv.users().iter().any(|u| u == "ü5002é"));
    let groups = || WriterProperties::builder().set_max_row_group_row_count(Some(2_500));
    let settings = [
        ("dictionary pages", groups().build()),
        ("dictionaries overflowing into plain pages", groups().set_dictionary_page_size_limit(512).build()),
        ("no dictionaries", groups().set_dictionary_enabled(false).build()),
    ];
    for (what, props) in settings {
        let path = dir.join("log.parquet");
        let mut w = ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let (pq, report) = Interactions::read_csv(&path, &columns, &skip, &|_| {}).unwrap();
        assert_same_log(&csv, &pq);
        assert_eq!((report.rows_read, report.rows_kept, report.rows_skipped), (n as u64, n as u64 - 2, 2), "{what}");
        let err = Interactions::read_csv(&path, &columns, &ReadOptions::default(), &|_| {}).unwrap_err().to_string();
        assert!(err.contains("row 5004, column 'user'") && err.contains("longer than 1024 bytes"), "{what}: {err}");
    }
}

#[test]
fn dictionaries_with_narrow_keys_read_as_the_csv_does() {
    // pandas writes a category column as a dictionary with `i8` keys, and the Arrow schema in the
    // footer has the reader hand it back as one.
    use arrow_array::builder::StringDictionaryBuilder;
    use arrow_array::types::Int8Type;
    let dir = common::temp_dir("parquet-narrow-keys");
    let rows = shop_rows(3_000);
    std::fs::write(dir.join("log.csv"), csv_text(&rows)).unwrap();
    let b = batch(&rows);
    let (mut product, mut title) =
        (StringDictionaryBuilder::<Int8Type>::new(), StringDictionaryBuilder::<Int8Type>::new());
    for r in &rows {
        product.append_value(&r.product);
        title.append_option(r.title.as_deref());
    }
    let schema = b.schema();
    let mut cols: Vec<(&str, ArrayRef)> =
        schema.fields().iter().map(|f| f.name().as_str()).zip(b.columns().iter().cloned()).collect();
    cols[1].1 = Arc::new(product.finish());
    cols[4].1 = Arc::new(title.finish());
    let b = RecordBatch::try_from_iter(cols).unwrap();
    assert!(
        matches!(b.schema().field(1).data_type(), arrow_schema::DataType::Dictionary(k, _) if **k == arrow_schema::DataType::Int8)
    );
    let f = dir.join("log.parquet");
    let mut w = ArrowWriter::try_new(std::fs::File::create(&f).unwrap(), b.schema(), None).unwrap();
    w.write(&b).unwrap();
    w.close().unwrap();
    assert_same_log(&read(&dir.join("log.csv")), &read(&f));
}

/// How [`long_title_log`] codes its titles.
#[derive(Clone, Copy)]
enum TitleCoding {
    /// One dictionary entry every row points to: 100,000 rows of 64 KB titles take about 40 KB,
    /// and decode to 6.4 GB of titles if each row's is copied out.
    Dictionary,
    /// `DELTA_BYTE_ARRAY`: every title after the first is the one before it as a prefix and an
    /// empty suffix, a few bytes per row, and each decodes to `title_bytes`.
    DeltaByteArray,
}

/// A shop log of `thousands` × 1,000 rows whose every title is one string of `title_bytes`, coded
/// as `coding` says.
fn long_title_log(path: &Path, title_bytes: usize, thousands: usize, coding: TitleCoding) {
    use arrow_array::{DictionaryArray, Float64Array, Int32Array, Int64Array, StringArray};
    use parquet::arrow::arrow_writer::ArrowWriterOptions;
    let rows = 1000;
    let long = "x".repeat(title_bytes);
    let (title, props): (ArrayRef, _) = match coding {
        TitleCoding::Dictionary => {
            let keys = Int32Array::from(vec![0; rows]);
            let title = DictionaryArray::<arrow_array::types::Int32Type>::try_new(
                keys,
                Arc::new(StringArray::from(vec![long.as_str()])),
            )
            .unwrap();
            (Arc::new(title), WriterProperties::builder())
        }
        TitleCoding::DeltaByteArray => (
            Arc::new(StringArray::from(vec![long.as_str(); rows])),
            WriterProperties::builder()
                .set_column_dictionary_enabled("title".into(), false)
                .set_column_encoding("title".into(), Encoding::DELTA_BYTE_ARRAY),
        ),
    };
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("customer", Arc::new(Int64Array::from((0..rows as i64).map(|k| k % 100).collect::<Vec<_>>()))),
        ("product", Arc::new(StringArray::from((0..rows).map(|k| format!("P{}", k % 50)).collect::<Vec<_>>()))),
        ("qty", Arc::new(Float64Array::from(vec![1.0; rows]))),
        ("when", Arc::new(Int64Array::from(vec![1_300_000_000; rows]))),
        ("title", title),
        ("price", Arc::new(Float64Array::from(vec![9.5; rows]))),
    ];
    let b = RecordBatch::try_from_iter(cols).unwrap();
    // Without the Arrow schema in the footer, as most writers outside arrow-rs leave it: the
    // titles' type comes from the Parquet schema, plain strings.
    let props = props.set_compression(Compression::SNAPPY).build();
    let opts = ArrowWriterOptions::new().with_properties(props).with_skip_arrow_metadata(true);
    let mut w = ArrowWriter::try_new_with_options(std::fs::File::create(path).unwrap(), b.schema(), opts).unwrap();
    for _ in 0..thousands {
        w.write(&b).unwrap();
    }
    w.close().unwrap();
}

#[test]
fn a_dictionary_of_long_strings_is_not_copied_out_row_by_row() {
    // Read as plain strings, arrow-rs copies a dictionary-coded value out for every row: 1 GB per
    // batch of 16,384 rows here, under a 64 MB budget (2.1 GB resident with 1 MB titles). Read as
    // string views, each row points into the dictionary; the budget and the title limit hold.
    let dir = common::temp_dir("parquet-long-titles");
    let f = dir.join("long-titles.parquet");
    long_title_log(&f, 64 << 10, 100, TitleCoding::Dictionary);
    assert!(std::fs::metadata(&f).unwrap().len() < 64 << 10, "small enough to be a fuzz seed");
    let cols = Columns { title: Some("title".into()), ..columns() };
    let opts = ReadOptions { max_memory: Some(64 << 20), skip_bad_rows: true, ..ReadOptions::default() };
    let err = Interactions::read_csv(&f, &cols, &opts, &|_| {}).unwrap_err().to_string();
    assert!(err.contains("no usable rows (100000 read, 100000 skipped)"), "{err}");
    let opts = ReadOptions { skip_bad_rows: false, ..opts };
    let err = Interactions::read_csv(&f, &cols, &opts, &|_| {}).unwrap_err().to_string();
    assert!(
        err.contains("row 1, column 'title': title longer than 4096 bytes (value \"xxxx")
            && err.contains("… (65536 bytes)"),
        "{err}"
    );
    // Without titles the log reads; the table reader stops at its budget.
    let (log, _) = Interactions::read_csv(&f, &columns_without_title(), &opts, &|_| {}).unwrap();
    assert_eq!((log.users().len(), log.items().len()), (100, 50));
    let err = shelfwise::data::table::Table::read_within(&f, b',', Some(64 << 20)).unwrap_err().to_string();
    assert!(err.contains("over the budget of 64 MB"), "{err}");
}

fn columns_without_title() -> Columns {
    Columns { title: None, price: None, ..columns() }
}

#[test]
fn delta_coded_strings_are_checked_against_the_budget_before_they_are_decoded() {
    // arrow-rs builds each DELTA_BYTE_ARRAY value in full before the reader sees a batch: this
    // 4.4 KB file's 4,000 titles of 32 KB decode to 125 MB, over a 64 MB budget. The page walk adds
    // the values' lengths up from the page's length streams first (`data::parquet::delta`).
    let dir = common::temp_dir("parquet-delta-titles");
    let f = dir.join("delta-titles.parquet");
    long_title_log(&f, 32 << 10, 4, TitleCoding::DeltaByteArray);
    assert!(std::fs::metadata(&f).unwrap().len() < 64 << 10, "small enough to be a fuzz seed");
    let cols = Columns { title: Some("title".into()), ..columns() };
    let opts = ReadOptions { max_memory: Some(64 << 20), skip_bad_rows: true, ..ReadOptions::default() };
    let log = Interactions::read_csv(&f, &cols, &opts, &|_| {}).map(drop).unwrap_err().to_string();
    let table = shelfwise::data::table::Table::read_within(&f, b',', Some(64 << 20)).map(drop).unwrap_err().to_string();
    for err in [log, table] {
        assert!(
            err.contains(
                "delta-titles.parquet, row group 0: pages of column `title`, decoded one at a time, need about 125 MB"
            ) && err.contains("over the budget of 64 MB"),
            "{err}"
        );
    }
    // The fuzz seed: 8,000 titles of 256 KB in 15.6 KB (2.06 GB resident before the check).
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/parquet/delta-prefix-titles-oom.parquet");
    let err = Interactions::read_csv(&seed, &cols, &opts, &|_| {}).map(drop).unwrap_err().to_string();
    assert!(err.contains("pages of column `title`, decoded one at a time, need about 2.0 GB"), "{err}");
    // Under the budget the titles are read, and refused one by one as too long.
    let opts = ReadOptions { max_memory: Some(256 << 20), ..opts };
    let err = Interactions::read_csv(&f, &cols, &opts, &|_| {}).unwrap_err().to_string();
    assert!(err.contains("no usable rows (4000 read, 4000 skipped)"), "{err}");
    // Without titles, the column is not read and the log reads.
    let (log, _) = Interactions::read_csv(&f, &columns_without_title(), &opts, &|_| {}).unwrap();
    assert_eq!((log.users().len(), log.items().len()), (100, 50));
}

#[test]
fn a_malformed_page_of_delta_coded_strings_is_named_by_its_byte() {
    // Titles coded by their lengths, uncompressed, in pages of 500 values: each page's length
    // stream starts with its header (128 per block, 4 mini blocks, 500 values: 80 01 04 f4 03).
    // The second page's stream is made to declare 501 values; the page checked as the decoder
    // takes it is named by the byte where its header starts, as the file's offset index has it.
    use parquet::file::metadata::{PageIndexPolicy, ParquetMetaDataReader};
    let dir = common::temp_dir("parquet-delta-malformed");
    let f = dir.join("titles.parquet");
    let rows = 2000;
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("customer", Arc::new(arrow_array::Int64Array::from((0..rows).map(|k| k % 10).collect::<Vec<_>>()))),
        (
            "product",
            Arc::new(arrow_array::StringArray::from((0..rows).map(|k| format!("P{}", k % 7)).collect::<Vec<_>>())),
        ),
        (
            "title",
            Arc::new(arrow_array::StringArray::from((0..rows).map(|k| format!("title {k}")).collect::<Vec<_>>())),
        ),
    ];
    let b = RecordBatch::try_from_iter(cols).unwrap();
    let props = WriterProperties::builder()
        .set_compression(Compression::UNCOMPRESSED)
        .set_data_page_row_count_limit(500)
        .set_write_batch_size(500)
        .set_column_dictionary_enabled("title".into(), false)
        .set_column_encoding("title".into(), Encoding::DELTA_LENGTH_BYTE_ARRAY)
        .build();
    let mut w = ArrowWriter::try_new(std::fs::File::create(&f).unwrap(), b.schema(), Some(props)).unwrap();
    w.write(&b).unwrap();
    w.close().unwrap();
    let mut bytes = std::fs::read(&f).unwrap();
    let header = [0x80, 0x01, 0x04, 0xf4, 0x03];
    let streams: Vec<usize> = (0..bytes.len() - 5).filter(|&at| bytes[at..at + 5] == header).collect();
    assert_eq!(streams.len(), 4, "one length stream per page of titles");
    bytes[streams[1] + 3] = 0xf5; // 501
    std::fs::write(&f, &bytes).unwrap();
    let file = std::fs::File::open(&f).unwrap();
    let meta = ParquetMetaDataReader::new()
        .with_offset_index_policy(PageIndexPolicy::Required)
        .parse_and_finish(&file)
        .unwrap();
    let title = meta.file_metadata().schema_descr().columns().iter().position(|c| c.name() == "title").unwrap();
    let pages = &meta.offset_index().unwrap()[0][title].page_locations;
    assert_eq!(pages.len(), 4);
    let want = format!(
        "titles.parquet: row group 0, column `title`, byte {}: a DELTA_LENGTH_BYTE_ARRAY page declaring 501 values where its header counts 500",
        pages[1].offset
    );
    let cols = Columns { weight: None, time: None, price: None, ..columns() };
    for budget in [None, Some(64 << 20)] {
        let opts = ReadOptions { max_memory: budget, ..ReadOptions::default() };
        let err = Interactions::read_csv(&f, &cols, &opts, &|_| {}).map(drop).unwrap_err().to_string();
        assert!(err.contains(&want), "{err}");
    }
    // Without titles the column is not read, and the log reads.
    let cols = Columns { title: None, ..cols };
    let (log, _) = Interactions::read_csv(&f, &cols, &ReadOptions::default(), &|_| {}).unwrap();
    assert_eq!((log.users().len(), log.items().len()), (10, 7));
}

/// Writes the CSV (optionally gzip) `csv` as Parquet, each column typed as a warehouse would
/// type it: whole numbers `Int64`, other numbers `Float64`, `TRUE`/`FALSE` `Boolean`, the rest
/// strings; an empty cell is null. Row groups of 2,000 rows.
fn typed_parquet(csv: &Path, out: &Path) {
    use arrow_array::builder::BooleanBuilder;
    let text = if csv.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(std::fs::File::open(csv).unwrap()), &mut s)
            .unwrap();
        s
    } else {
        std::fs::read_to_string(csv).unwrap()
    };
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let cells = |c: usize| rows.iter().map(move |r| Some(&r[c]).filter(|v| !v.is_empty()));
    let cols: Vec<(String, ArrayRef)> = (0..header.len())
        .map(|c| {
            let all = |f: &dyn Fn(&str) -> bool| cells(c).flatten().all(f);
            let array: ArrayRef = if all(&|v| v.parse::<i64>().is_ok()) {
                let mut b = Int64Builder::new();
                cells(c).for_each(|v| b.append_option(v.map(|v| v.parse::<i64>().unwrap())));
                Arc::new(b.finish())
            } else if all(&|v| v.parse::<f64>().is_ok()) {
                let mut b = Float64Builder::new();
                cells(c).for_each(|v| b.append_option(v.map(|v| v.parse::<f64>().unwrap())));
                Arc::new(b.finish())
            } else if all(&|v| v == "TRUE" || v == "FALSE") {
                let mut b = BooleanBuilder::new();
                cells(c).for_each(|v| b.append_option(v.map(|v| v == "TRUE")));
                Arc::new(b.finish())
            } else {
                let mut b = StringBuilder::new();
                cells(c).for_each(|v| b.append_option(v));
                Arc::new(b.finish())
            };
            (header[c].clone(), array)
        })
        .collect();
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(2_000))
        .set_compression(Compression::SNAPPY)
        .build();
    let mut w = ArrowWriter::try_new(std::fs::File::create(out).unwrap(), batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Runs `line` once with `{in}` as the CSV and once as the Parquet, writing to `{out}` in turn;
/// returns both outputs (stdout, and the `{out}` file if the line names one) with the inputs'
/// and outputs' paths taken out.
fn both_formats(dir: &Path, line: &str, csv: &Path, pq: &Path) -> [(String, Vec<u8>); 2] {
    [csv, pq].map(|input| {
        let out = dir.join("out.bin");
        let _ = std::fs::remove_file(&out);
        let o = run(&line.replace("{in}", &input.display().to_string()).replace("{out}", &out.display().to_string()));
        assert!(o.status.success(), "{line} on {}: {}", input.display(), text(&o));
        let stdout = String::from_utf8_lossy(&o.stdout)
            .replace(&input.display().to_string(), "INPUT")
            .replace(&out.display().to_string(), "OUT");
        (without_durations(&stdout), std::fs::read(&out).unwrap_or_default())
    })
}

/// `report` with every duration (`21.42ms`, `1.2s`, `830µs`) replaced by `T`.
fn without_durations(report: &str) -> String {
    let is_duration = |w: &str| {
        let w = w.trim_end_matches([',', ';', ':', ')']);
        let number = ["ms", "µs", "ns", "s"].iter().find_map(|unit| w.strip_suffix(unit));
        number.is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    report
        .lines()
        .map(|line| line.split(' ').map(|w| if is_duration(w) { "T" } else { w }).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// "Parquet input everywhere a CSV is read": propensity (train, evaluate, score), text (train,
/// classify), catalogue attributes and histories give the same bundles and outputs from a CSV and
/// from the same data as typed Parquet columns.
#[test]
fn every_command_reads_parquet_as_it_reads_the_csv() {
    let dir = common::temp_dir("parquet-commands");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let visits = (data.join("online-shoppers.csv.gz"), dir.join("visits.parquet"));
    typed_parquet(&visits.0, &visits.1);
    let same = |line: &str, (csv, pq): &(std::path::PathBuf, std::path::PathBuf)| {
        let [a, b] = both_formats(&dir, line, csv, pq);
        let first = a.0.lines().zip(b.0.lines()).find(|(x, y)| x != y);
        assert!(a == b, "{line}: outputs differ between CSV and Parquet (first lines that differ: {first:?})");
        a.1
    };
    let model = same("train propensity --input {in} --target Revenue --model logistic --seed 3 --out {out}", &visits);
    std::fs::write(dir.join("p.bundle"), model).unwrap();
    let p = dir.join("p.bundle").display().to_string();
    same(&format!("eval propensity --model {p} --input {{in}}"), &visits);
    same(&format!("score --model {p} --input {{in}} --out {{out}}"), &visits);

    // Titles labelled with their product's category (the demo log joined to its catalogue).
    let catalog = (data.join("online-retail-catalog.csv.gz"), dir.join("catalog.parquet"));
    typed_parquet(&catalog.0, &catalog.1);
    let log = (data.join("online-retail-demo.csv.gz"), dir.join("log.parquet"));
    typed_parquet(&log.0, &log.1);
    let category: std::collections::HashMap<String, String> =
        csv::Reader::from_reader(flate2::read::GzDecoder::new(std::fs::File::open(&catalog.0).unwrap()))
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_string(), r[2].to_string())
            })
            .collect();
    let mut titles = String::from("title,label\n");
    let mut seen = std::collections::HashSet::new();
    for r in csv::Reader::from_reader(flate2::read::GzDecoder::new(std::fs::File::open(&log.0).unwrap())).records() {
        let r = r.unwrap();
        if let Some(label) = category.get(&r[1]).filter(|_| seen.insert(r[2].to_string())) {
            titles.push_str(&format!("\"{}\",{label}\n", r[2].replace('"', "\"\"")));
        }
    }
    let texts = (dir.join("titles.csv"), dir.join("titles.parquet"));
    std::fs::write(&texts.0, titles).unwrap();
    typed_parquet(&texts.0, &texts.1);
    let model = same("train text --input {in} --text-col title --label-col label --out {out}", &texts);
    std::fs::write(dir.join("t.bundle"), model).unwrap();
    let t = dir.join("t.bundle").display().to_string();
    // `row` is the CSV's line (the header is line 1) and Parquet's row from 1, counted on across
    // part files: the same rows either way, and in a directory of parts each row once.
    let parts = dir.join("titles-parts");
    std::fs::create_dir_all(&parts).unwrap();
    let lines: Vec<String> = std::fs::read_to_string(&texts.0).unwrap().lines().map(str::to_string).collect();
    for (k, half) in lines[1..].chunks(lines.len() / 2 + 1).enumerate() {
        let csv = dir.join(format!("half-{k}.csv"));
        std::fs::write(&csv, format!("{}\n{}\n", lines[0], half.join("\n"))).unwrap();
        typed_parquet(&csv, &parts.join(format!("part-{k:05}.parquet")));
    }
    let classify = format!("classify --model {t} --input {{in}} --text-col title --out {{out}}");
    let rows = |out: &[u8]| -> Vec<(u64, String)> {
        let text = String::from_utf8(out.to_vec()).unwrap();
        text.lines()
            .skip(1)
            .map(|l| l.split_once(',').unwrap())
            .map(|(r, rest)| (r.parse().unwrap(), rest.into()))
            .collect()
    };
    let [csv_out, pq_out] = both_formats(&dir, &classify, &texts.0, &texts.1);
    let [_, parts_out] = both_formats(&dir, &classify, &texts.0, &parts);
    let (csv_rows, pq_rows, parts_rows) = (rows(&csv_out.1), rows(&pq_out.1), rows(&parts_out.1));
    assert_eq!(csv_rows.len(), lines.len() - 1);
    assert_eq!(pq_rows, csv_rows.iter().map(|(line, rest)| (line - 1, rest.clone())).collect::<Vec<_>>());
    assert_eq!(parts_rows, pq_rows);
    let with_line = format!("score --model {p} --input {{in}} --with-line --out {{out}}");
    let [csv_out, pq_out] = both_formats(&dir, &with_line, &visits.0, &visits.1);
    let (csv_rows, pq_rows) = (rows(&csv_out.1), rows(&pq_out.1));
    assert_eq!(pq_rows, csv_rows.iter().map(|(line, rest)| (line - 1, rest.clone())).collect::<Vec<_>>());

    // A recommender with catalogue attributes, from Parquet log and catalogue alike; then
    // recommendations for the log's customers as histories.
    let recs = "train recs --input {in} --user-col CustomerID --item-col StockCode --weight-col Quantity \
                --time-col InvoiceDate --title-col Description --price-col UnitPrice --model als --out {out}";
    let with_catalog = |catalog: &Path| format!("{recs} --catalog {} --catalog-id-col StockCode", catalog.display());
    let a = both_formats(&dir, &with_catalog(&catalog.0), &log.0, &log.1);
    let b = both_formats(&dir, &with_catalog(&catalog.1), &log.0, &log.1);
    assert!(a[0].1 == a[1].1 && a[0].1 == b[0].1 && a[0].1 == b[1].1, "bundles differ between formats");
    std::fs::write(dir.join("r.bundle"), &a[0].1).unwrap();
    let r = dir.join("r.bundle").display().to_string();
    same(
        &format!("recommend --model {r} --histories {{in}} --user-col CustomerID --item-col StockCode --out {{out}}"),
        &log,
    );
}

/// Files as pandas and pyarrow write them (tests/fixtures/pyarrow, made by
/// scripts/make-pyarrow-fixture.py: categorical ids of strings and of integers, `large_string`,
/// millisecond, INT96 and zoned timestamps (the CSV holding their offsets), v2 pages without
/// dictionaries, int32/float32/decimal columns, gzip, LZ4 and zstd, dates, uint64 ids past i64
/// and the same ids as DECIMAL(38,0), strings as plain binary, UUID ids) train the bundle the CSV
/// of the same rows trains; a visit table with nullable integers, missing floats, booleans and a
/// categorical trains the same propensity model.
#[test]
fn files_pandas_and_pyarrow_write_train_what_their_csv_trains() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pyarrow");
    let dir = common::temp_dir("parquet-pyarrow");
    let recs = "train recs --input {in} --user-col user --item-col item --weight-col qty --time-col ts \
                --title-col title --price-col price --model als --factors 8 --iterations 3 --out {out}";
    for (parquet, csv) in [
        ("pandas", "log"),
        ("categorical", "log"),
        ("int-categorical", "log"),
        ("paris", "log-paris"),
        ("large-string-ms", "log"),
        ("int96", "log"),
        ("v2-zstd-plain", "log"),
        ("gzip", "log"),
        ("lz4", "log"),
        ("narrow-types", "log"),
        ("date32", "log-dates"),
        ("uint64", "log-uint64"),
        ("decimal-ids", "log-uint64"),
        ("binary-strings", "log"),
        ("uuid", "log-uuid"),
    ] {
        let (csv, pq) = (fixture.join(format!("{csv}.csv")), fixture.join(format!("{parquet}.parquet")));
        let [(csv_out, csv_bundle), (pq_out, pq_bundle)] = both_formats(&dir, recs, &csv, &pq);
        assert_eq!(pq_out, csv_out, "{parquet}");
        assert!(!csv_bundle.is_empty() && csv_bundle == pq_bundle, "{parquet}.parquet: bundle differs from the CSV's");
    }
    let sessions = (fixture.join("sessions.csv"), fixture.join("sessions.parquet"));
    let line = "train propensity --input {in} --target bought --model gbt --seed 5 --out {out}";
    let [(_, csv_bundle), (_, pq_bundle)] = both_formats(&dir, line, &sessions.0, &sessions.1);
    assert!(!csv_bundle.is_empty() && csv_bundle == pq_bundle, "sessions: bundle differs from the CSV's");
}
