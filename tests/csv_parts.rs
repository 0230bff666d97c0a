//! Directories of CSV part files, as Spark's `DataFrameWriter.csv` writes them (gzip parts,
//! `_SUCCESS` and checksum files, empty parts, Hive-style `key=value` partition directories):
//! read as the one CSV of their rows in path order with the partition columns added, as a log
//! and as a table, through every command; a part whose columns differ, or a bad row, is an error
//! naming the part file and its line.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::io::Write as _;
use std::path::Path;

use shelfwise::data::table::Table;
use shelfwise::data::{Columns, Interactions, ReadOptions};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

/// `n` seeded rows `customer,product,qty,when,title` with repeated pairs and a quoted title
/// holding the separator.
fn shop_lines(n: usize) -> Vec<String> {
    let mut next = common::xorshift(0x2545_f491_4f6c_dd1d);
    (0..n)
        .map(|k| {
            let customer = next() % 90;
            let p = (next() % 30 + customer % 5 * 4) % 37;
            let qty = ["1", "2", "0.5"][(next() % 3) as usize];
            let when = 1_700_000_000 + k * 1_800;
            format!("c{customer},P{p:02},{qty},{when},\"toy {p}, {}\"", ["red", "blue"][p as usize % 2])
        })
        .collect()
}

const HEADER: &str = "customer,product,qty,when,title";

/// Writes `lines` as a Spark-style partitioned data set under `root` (`year=…/region=…`, one
/// region escaped, one null; every other part gzip; each part with a header line, plus an empty
/// part, a header-only part, `_SUCCESS`, checksum files and a `_temporary` directory), and
/// returns the CSV of the same rows in the parts' path order with `year` and `region` added.
fn write_parts(root: &Path, lines: &[String]) -> String {
    let groups = common::year_region_partitions(root, lines.len(), 2021);
    let mut csv = format!("{HEADER},year,region\n");
    for (g, common::Partition { dir, rows, cells }) in groups.iter().enumerate() {
        std::fs::create_dir_all(dir).unwrap();
        let part: Vec<&String> = rows.iter().map(|&k| &lines[k]).collect();
        // Two part files per partition, as a job with two tasks writes them.
        for (k, half) in part.chunks(part.len().div_ceil(2)).enumerate() {
            let body = format!("{HEADER}\n{}\n", half.iter().map(|l| l.as_str()).collect::<Vec<_>>().join("\n"));
            let name = format!("part-{k:05}-7f3e.c000.csv");
            match (g + k) % 2 {
                0 => std::fs::write(dir.join(&name), body).unwrap(),
                _ => std::fs::write(dir.join(format!("{name}.gz")), gzip(body.as_bytes())).unwrap(),
            }
            std::fs::write(dir.join(format!(".{name}.crc")), b"crc").unwrap();
            for l in half.iter() {
                csv.push_str(&format!("{l},{cells}\n"));
            }
        }
    }
    let first = &groups[0].dir;
    std::fs::write(first.join("part-00002-7f3e.c000.csv"), b"").unwrap();
    std::fs::write(first.join("part-00003-7f3e.c000.csv"), format!("{HEADER}\n")).unwrap();
    std::fs::write(root.join("_SUCCESS"), b"").unwrap();
    std::fs::create_dir_all(root.join("_temporary/0")).unwrap();
    std::fs::write(root.join("_temporary/0/part-00000.csv"), b"not,the,columns\n1,2,3\n").unwrap();
    csv
}

fn columns() -> Columns {
    Columns {
        user: "customer".into(),
        item: "product".into(),
        weight: Some("qty".into()),
        time: Some("when".into()),
        title: Some("title".into()),
        price: None,
    }
}

fn read(path: &Path) -> Interactions {
    Interactions::read_csv(path, &columns(), &ReadOptions::default(), &|_| {}).unwrap().0
}

#[test]
fn a_directory_of_csv_parts_reads_as_the_one_csv_of_its_rows_with_the_partition_columns() {
    let dir = common::temp_dir("csv-parts");
    let root = dir.join("events");
    let csv = write_parts(&root, &shop_lines(2_400));
    std::fs::write(dir.join("events.csv"), &csv).unwrap();

    // As a log: the same pairs, weights, times and titles.
    let (a, b) = (read(&root), read(&dir.join("events.csv")));
    assert!(a.len() < 2_400 && a.catalog().is_some(), "duplicates merged, catalogue kept");
    assert_eq!((a.users(), a.items()), (b.users(), b.items()));
    assert_eq!(
        (a.user_indices(), a.item_indices(), a.weights(), a.times()),
        (b.user_indices(), b.item_indices(), b.weights(), b.times())
    );
    assert_eq!(format!("{:?}", a.catalog()), format!("{:?}", b.catalog()));

    // As a table: the same header and cells; rows numbered across parts; cells placed in their part.
    let (t, u) = (Table::read(&root, b',').unwrap(), Table::read(&dir.join("events.csv"), b',').unwrap());
    assert_eq!(t.header, u.header);
    assert_eq!(t.rows, u.rows);
    assert!(t.rows.iter().any(|r| r[6] == "north:1/a") && t.rows.iter().any(|r| r[6].is_empty()));
    assert_eq!((t.row_number(0), t.row_number(2_399)), (1, 2_400));
    let last = t.location(2_399, 1).to_string();
    assert!(
        last.contains("year=2022/region=south/part-00001-7f3e.c000.csv") && last.ends_with(" column 'product'"),
        "{last}"
    );
    assert_eq!(shelfwise::data::source::detect_delimiter(&root).unwrap().byte, b',');

    // Through the CLI: byte-identical bundles, with the region partition as baskets.
    let line = "train recs --input {in} --user-col customer --item-col product --weight-col qty --time-col when \
                --title-col title --basket-col region --together-min-support 1 --skip-bad-rows --model ease --out {out}";
    let bundles = common::train_each(&dir, line, &[&dir.join("events.csv"), &root]);
    assert!(bundles[0].0 == bundles[1].0, "bundles differ between one CSV and its parts");
}

/// What Spark itself writes with `partitionBy("day", "store")` and
/// `.option("header", True).option("compression", "gzip").csv(…)` (tests/fixtures/spark-partitioned,
/// made by scripts/make-spark-partitioned-fixture.py with pyspark 4.3) holds the rows of the
/// Parquet Spark wrote of the same data, and trains the same bundle byte for byte.
#[test]
fn spark_csv_output_reads_as_the_parquet_spark_wrote() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spark-partitioned");
    let (csv, pq) = (fixture.join("events-csv"), fixture.join("events"));
    let (a, b) = (Table::read(&csv, b',').unwrap(), Table::read(&pq, b',').unwrap());
    assert_eq!(a.header, b.header);
    assert_eq!((a.rows.len(), b.rows.len()), (240, 240));
    let when = a.column("event_time").unwrap();
    let time = shelfwise::data::time::parse_timestamp;
    for (r, (x, y)) in a.rows.iter().zip(&b.rows).enumerate() {
        assert_eq!(time(&x[when]), time(&y[when]), "row {r}: {x:?} vs {y:?}");
        assert!((0..x.len()).filter(|&k| k != when).all(|k| x[k] == y[k]), "row {r}: {x:?} vs {y:?}");
    }
    let dir = common::temp_dir("csv-parts-spark");
    let line = "train recs --input {in} --user-col user_id --item-col item_id --weight-col quantity \
                --time-col event_time --price-col price --basket-col store --together-min-support 1 --skip-bad-rows \
                --model ease --out {out}";
    let bundles = common::train_each(&dir, line, &[&csv, &pq]);
    assert!(bundles[0].0 == bundles[1].0, "bundles differ between Spark's CSV and Parquet output");
}

/// Every part must repeat the first one's columns and partitions; a bad row names its own part
/// file and line, and is skipped with `--skip-bad-rows` like a CSV's.
#[test]
fn parts_must_share_their_columns_and_errors_name_the_part_and_its_line() {
    let dir = common::temp_dir("csv-parts-errors");
    let part = |root: &Path, name: &str, body: &str| {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    };
    let err = |root: &Path| {
        Interactions::read_csv(root, &columns(), &ReadOptions::default(), &|_| {}).unwrap_err().to_string()
    };
    let good = format!("{HEADER}\nc1,P1,1,1700000000,toy\nc2,P2,1,1700000001,toy\n");

    let renamed = dir.join("renamed");
    part(&renamed, "part-00000.csv", &good);
    part(&renamed, "part-00001.csv", &good.replace("qty", "quantity"));
    let e = err(&renamed);
    assert!(e.contains("renamed/part-00001.csv: has columns") && e.contains("\"quantity\""), "{e}");
    assert!(e.contains("renamed/part-00000.csv has") && e.contains("must have the same columns"), "{e}");

    let partitions = dir.join("partitions");
    part(&partitions, "day=1/part-00000.csv", &good);
    part(&partitions, "day=2/store=x/part-00000.csv", &good);
    let e = err(&partitions);
    assert!(e.contains("day=2/store=x/part-00000.csv: lies in partitions [\"day\", \"store\"]"), "{e}");

    let bad_row = dir.join("bad-row");
    part(&bad_row, "part-00000.csv", &good);
    part(&bad_row, "part-00001.csv", &format!("{HEADER}\nc3,P3,1,1700000002,toy\nc4,P4,lots,1700000003,toy\n"));
    let e = err(&bad_row);
    assert!(e.contains("bad-row/part-00001.csv:3 column 'qty'") && e.contains("\"lots\""), "{e}");
    let opts = ReadOptions { skip_bad_rows: true, ..ReadOptions::default() };
    let (log, report) = Interactions::read_csv(&bad_row, &columns(), &opts, &|_| {}).unwrap();
    assert_eq!((report.rows_read, report.rows_skipped, log.len()), (4, 1, 3));
    let t = Table::read(&bad_row, b',').unwrap();
    assert_eq!(t.row_place(3), format!("{}:3", bad_row.join("part-00001.csv").display()));

    let empty = dir.join("empty");
    part(&empty, "part-00000.csv", "");
    part(&empty, "part-00001.csv", "");
    let e = err(&empty);
    assert!(e.contains("every part file is empty"), "{e}");
    std::fs::create_dir_all(dir.join("nothing/_temporary")).unwrap();
    let e = err(&dir.join("nothing"));
    assert!(e.contains("is a directory without data files"), "{e}");
}

/// Part files exported for Excel, each with its own `sep=;` line (one of them gzipped; the
/// quoted titles hold a `;`), read as the one file of their rows; a bad row's line in its part counts the part's hint line.
#[test]
fn parts_with_excel_sep_lines_read_as_one_file() {
    let dir = common::temp_dir("csv-parts-sep-line");
    let excel = |lines: &[String]| format!("sep=;\r\n{HEADER}\r\n{}\r\n", lines.join("\r\n")).replace(',', ";");
    let lines = shop_lines(600);
    let root = dir.join("parts");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("part-00000.csv"), excel(&lines[..250])).unwrap();
    std::fs::write(root.join("part-00001.csv.gz"), gzip(excel(&lines[250..]).as_bytes())).unwrap();
    let one = dir.join("one.csv");
    std::fs::write(&one, excel(&lines)).unwrap();
    assert_eq!(shelfwise::data::source::detect_delimiter(&root).unwrap().byte, b';');
    let opts = ReadOptions { delimiter: b';', ..ReadOptions::default() };
    let read = |path: &Path| Interactions::read_csv(path, &columns(), &opts, &|_| {}).unwrap().0;
    let (a, b) = (read(&root), read(&one));
    assert_eq!((a.users(), a.items()), (b.users(), b.items()));
    assert_eq!((a.item_indices(), a.weights(), a.times()), (b.item_indices(), b.weights(), b.times()));
    assert_eq!(Table::read(&root, b';').unwrap().rows, Table::read(&one, b';').unwrap().rows);

    // Line 1 is the hint, 2 the header: the second part's third row is on line 5.
    let mut bad = lines[250..].to_vec();
    let cells: Vec<&str> = bad[2].splitn(4, ',').collect();
    bad[2] = format!("{},{},lots,{}", cells[0], cells[1], cells[3]);
    std::fs::write(root.join("part-00001.csv.gz"), gzip(excel(&bad).as_bytes())).unwrap();
    let e = Interactions::read_csv(&root, &columns(), &opts, &|_| {}).unwrap_err().to_string();
    assert!(e.contains("part-00001.csv.gz:5 column 'qty'") && e.contains("\"lots\""), "{e}");
}

/// Spark writes CSV without header lines by default: columns are then named by position in every
/// part, the partition columns by name after them, and every part must have as many fields.
#[test]
fn parts_without_header_lines_are_read_by_position() {
    let dir = common::temp_dir("csv-parts-no-header");
    let lines = shop_lines(300);
    let root = dir.join("events");
    let mut csv = String::new();
    for (k, chunk) in lines.chunks(100).enumerate() {
        let part = root.join(format!("day=2024-03-0{}", k + 1));
        std::fs::create_dir_all(&part).unwrap();
        std::fs::write(part.join("part-00000.csv"), chunk.join("\n") + "\n").unwrap();
        for l in chunk {
            csv.push_str(&format!("{l},2024-03-0{}\n", k + 1));
        }
    }
    std::fs::write(dir.join("events.csv"), &csv).unwrap();
    let cols = Columns { user: "1".into(), item: "2".into(), time: Some("day".into()), ..Columns::default() };
    let cols_csv = Columns { time: Some("6".into()), ..cols.clone() };
    let opts = ReadOptions { has_header: false, ..ReadOptions::default() };
    let (a, _) = Interactions::read_csv(&root, &cols, &opts, &|_| {}).unwrap();
    let (b, _) = Interactions::read_csv(&dir.join("events.csv"), &cols_csv, &opts, &|_| {}).unwrap();
    assert_eq!((a.users(), a.items(), a.times()), (b.users(), b.items(), b.times()));

    std::fs::write(root.join("day=2024-03-03/part-00001.csv"), "c1,P1\n").unwrap();
    let e = Interactions::read_csv(&root, &cols, &opts, &|_| {}).unwrap_err().to_string();
    assert!(e.contains("part-00001.csv: has 2 fields, where") && e.contains("has 5"), "{e}");
}

/// Text as Spark writes it with each of Hadoop's other codecs (`.option("compression", codec)`:
/// bzip2, deflate, and snappy and LZ4 in Hadoop's block framing, several blocks to a part; made by
/// scripts/make-spark-partitioned-fixture.py) reads as the plain CSV of the same rows, as a table
/// and as a log, and trains the same bundle byte for byte.
#[test]
fn text_spark_compressed_with_each_codec_reads_as_the_plain_csv() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spark-partitioned");
    let plain = fixture.join("expected.csv");
    let want = Table::read(&plain, b',').unwrap();
    let time = shelfwise::data::time::parse_timestamp;
    let dir = common::temp_dir("csv-parts-codecs");
    let line = "train recs --input {in} --user-col user_id --item-col item_id --weight-col quantity \
                --time-col event_time --basket-col store --together-min-support 1 --model ease --out {out}";
    for codec in ["bzip2", "deflate", "lz4", "snappy"] {
        let parts = fixture.join("events-text").join(codec);
        let got = Table::read(&parts, b',').unwrap();
        assert_eq!(got.header, want.header, "{codec}");
        assert_eq!(got.rows.len(), 240, "{codec}");
        let when = got.column("event_time").unwrap();
        for (r, (x, y)) in got.rows.iter().zip(&want.rows).enumerate() {
            assert_eq!(time(&x[when]).unwrap(), time(&y[when]).unwrap(), "{codec} row {r}");
            assert!((0..x.len()).filter(|&k| k != when).all(|k| x[k] == y[k]), "{codec} row {r}: {x:?} vs {y:?}");
        }
        std::fs::create_dir_all(dir.join(codec)).unwrap();
        let bundles = common::train_each(&dir.join(codec), line, &[&plain, &parts]);
        assert!(bundles[0].0 == bundles[1].0, "{codec}: bundles differ between the plain CSV and its parts");
    }
}

/// Text compressed as the command-line tools of each format write it (Zstandard frames, bzip2
/// streams, each twice over as concatenated files are; an LZ4 frame; snappy's framing format)
/// reads as the plain CSV, whatever the file is named; a Brotli stream, which has no magic bytes,
/// when named `.br`.
#[test]
fn text_compressed_by_the_formats_own_tools_reads_as_the_plain_csv() {
    let dir = common::temp_dir("csv-parts-tools");
    let lines = shop_lines(400);
    let (head, tail) = lines.split_at(150);
    let text = |rows: &[String]| rows.iter().map(|l| format!("{l}\n")).collect::<String>().into_bytes();
    let first = [HEADER.as_bytes(), b"\n", &text(head)].concat();
    let rest = text(tail);
    let twice = |f: &dyn Fn(&[u8]) -> Vec<u8>| [f(&first), f(&rest)].concat();
    let zstd = twice(&|b| zstd::encode_all(b, 3).unwrap());
    let bzip2 = twice(&|b| {
        let mut z = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        z.write_all(b).unwrap();
        z.finish().unwrap()
    });
    let all = [first.clone(), rest.clone()].concat();
    let mut lz4 = lz4_flex::frame::FrameEncoder::new(Vec::new());
    lz4.write_all(&all).unwrap();
    let mut snappy = snap::write::FrameEncoder::new(Vec::new());
    snappy.write_all(&all).unwrap();
    let plain = dir.join("log.csv");
    std::fs::write(&plain, &all).unwrap();
    let want = read(&plain);
    for (name, bytes) in [
        ("log.csv.zst", zstd),
        ("log.csv.bz2", bzip2),
        ("log.csv.lz4", lz4.finish().unwrap()),
        ("log.csv.sz", snappy.into_inner().unwrap()),
    ] {
        for name in [name, "log.data"] {
            let path = dir.join(name);
            std::fs::write(&path, &bytes).unwrap();
            let got = read(&path);
            assert_eq!(
                (got.users(), got.items(), got.weights()),
                (want.users(), want.items(), want.weights()),
                "{name}"
            );
            assert_eq!(got.times(), want.times(), "{name}");
        }
    }
    let mut brotli = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 22);
    brotli.write_all(&all).unwrap();
    let path = dir.join("log.csv.br");
    std::fs::write(&path, brotli.into_inner()).unwrap();
    let got = read(&path);
    assert_eq!((got.users(), got.items(), got.times()), (want.users(), want.items(), want.times()), "brotli");
}

/// A compressed file of a MiB or more is decompressed on a thread of its own ahead of the
/// parser (`ReadAhead`): the same rows, and a damaged end still names its line.
#[test]
fn a_large_compressed_file_reads_ahead_as_the_plain_csv() {
    let dir = common::temp_dir("csv-parts-read-ahead");
    let text = format!("{HEADER}\n{}\n", shop_lines(40_000).join("\n"));
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    z.write_all(text.as_bytes()).unwrap();
    let stored = z.finish().unwrap();
    assert!(stored.len() > 1 << 20, "{} bytes: under the read-ahead size", stored.len());
    std::fs::write(dir.join("log.csv"), &text).unwrap();
    std::fs::write(dir.join("log.csv.gz"), &stored).unwrap();
    let (got, want) = (read(&dir.join("log.csv.gz")), read(&dir.join("log.csv")));
    assert_eq!(
        (got.users(), got.items(), got.weights(), got.times()),
        (want.users(), want.items(), want.weights(), want.times())
    );
    std::fs::write(dir.join("cut.csv.gz"), &stored[..stored.len() - 300]).unwrap();
    let e = Interactions::read_csv(&dir.join("cut.csv.gz"), &columns(), &ReadOptions::default(), &|_| {})
        .unwrap_err()
        .to_string();
    let lines = text.lines().count() as u64;
    let line: u64 =
        e.split("cut.csv.gz:").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap();
    assert!(line + 10 >= lines && line <= lines, "line {line} of {lines}: {e}");
}

/// A file named for a compression whose bytes are neither in it nor text (damaged, or renamed) is
/// an error naming it, as is one in a compression that is not read; neither is read as garbled
/// rows. Text under a compressed name is read as the text it is.
#[test]
fn misnamed_or_unread_compressions_are_errors_naming_the_file() {
    let dir = common::temp_dir("csv-parts-misnamed");
    let junk = b"\x00\x13\xfe\x01customer,product\n";
    for (name, bytes, says) in [
        ("part-00000.csv.gz", &junk[..], "is named .gz, but holds neither gzip nor text"),
        ("part-00000.csv.bz2", junk, "is named .bz2, but holds neither bzip2 nor text"),
        ("part-00000.csv.zst", junk, "is named .zst, but holds neither Zstandard nor text"),
        ("part-00000.csv.deflate", junk, "is named .deflate, but holds neither a zlib stream (deflate) nor text"),
        ("part-00000.csv.lzo", b"\x89LZO\0\r\n\x1a\n", "is compressed with LZO, which is not read"),
    ] {
        let root = dir.join(name);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join(name), bytes).unwrap();
        for input in [root.join(name), root.clone()] {
            let e =
                Interactions::read_csv(&input, &columns(), &ReadOptions::default(), &|_| {}).unwrap_err().to_string();
            assert!(e.contains(name) && e.contains(says), "{e}");
        }
    }
    let text = format!("{HEADER}\n{}\n", shop_lines(50).join("\n"));
    std::fs::write(dir.join("plain.csv"), &text).unwrap();
    for name in ["export.csv.gz", "export.csv.bz2", "export.csv.snappy"] {
        std::fs::write(dir.join(name), &text).unwrap();
        assert_eq!(read(&dir.join(name)).users(), read(&dir.join("plain.csv")).users(), "{name}");
    }
    // Hadoop's snappy framing has no magic bytes: a damaged part is an error naming it and a byte.
    let root = dir.join("snappy");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("part-00000.csv.snappy"), b"\0\0\0\x20\0\0\0\x08garbled!").unwrap();
    let e = Interactions::read_csv(&root, &columns(), &ReadOptions::default(), &|_| {}).unwrap_err().to_string();
    assert!(e.contains("part-00000.csv.snappy") && e.contains("damaged Hadoop snappy block at byte"), "{e}");
    // Nor has Brotli: bytes that are not a Brotli stream are an error naming the file.
    std::fs::write(dir.join("junk.csv.br"), junk).unwrap();
    let e = Interactions::read_csv(&dir.join("junk.csv.br"), &columns(), &ReadOptions::default(), &|_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("junk.csv.br") && e.contains("(decoding Brotli)"), "{e}");
}

/// A data set's format is its first non-empty part file's, so a directory is not opened file by
/// file to decide; a part of the other format is then an error naming it, whichever comes first,
/// never rows skipped in silence.
#[test]
fn a_part_of_the_other_format_is_an_error_naming_it() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spark-partitioned");
    let parquet = hive_files(&fixture.join("events"))[0].clone();
    let dir = common::temp_dir("csv-parts-mixed");
    let cols = Columns { user: "user_id".into(), item: "item_id".into(), ..Columns::default() };
    let header = "n,user_id,item_id,quantity,event_time,price,day,store\n";
    for (name, first, second) in [("csv-first", "a.csv", "b.parquet"), ("parquet-first", "a.parquet", "b.csv")] {
        let root = dir.join(name);
        std::fs::create_dir_all(&root).unwrap();
        for file in [first, second] {
            match file.ends_with(".csv") {
                true => std::fs::write(root.join(file), format!("{header}0,0,sku-0,1,1709287200,1.99,x,y\n")).unwrap(),
                false => std::fs::copy(&parquet, root.join(file)).map(|_| ()).unwrap(),
            }
        }
        std::fs::write(root.join("0-empty"), b"").unwrap();
        let e = Interactions::read_csv(&root, &cols, &ReadOptions::default(), &|_| {}).unwrap_err().to_string();
        assert!(e.contains(second) && e.contains("every part file of a data set must be of one format"), "{name}: {e}");
        let e = Table::read(&root, b',').unwrap_err().to_string();
        assert!(e.contains(second) && e.contains("must be of one format"), "{name}: {e}");
    }
}

/// The files below `dir`, in path order, without `_`/`.` names.
fn hive_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with(['_', '.']) {
            continue;
        }
        match p.is_dir() {
            true => found.extend(hive_files(&p)),
            false => found.push(p),
        }
    }
    found.sort();
    found
}

/// Spark's CSV writer escapes quotes and backslashes inside quoted fields with a backslash
/// (`"q\"\\"`), not by doubling: its part files (as Spark 4.3 wrote these lines) read back as the
/// values Spark wrote, while a file named otherwise keeps CSV's doubled quotes and any backslash.
#[test]
fn spark_escaped_quotes_in_part_files_read_as_the_values_spark_wrote() {
    let dir = common::temp_dir("csv-spark-escapes");
    let spark = "n,title\n0,\"a\\\\b, c\"\n1,\"q\\\"\\\\\"\n2,end\\\n3,\"\\\"lead\"\n4,\"x\\\"\\\"y\"\n\
                 5,\"plain\\\\\\\"mix, z\"\n6,C:\\dir\\\n7,\"doubled \"\"too\"\"\"\n";
    let parts = dir.join("out");
    std::fs::create_dir_all(&parts).unwrap();
    std::fs::write(parts.join("_SUCCESS"), "").unwrap();
    std::fs::write(parts.join("part-00000-5c1d-c000.csv"), spark).unwrap();
    let titles = |t: Table| t.rows.iter().map(|r| r[1].clone()).collect::<Vec<_>>();
    let wrote = ["a\\b, c", "q\"\\", "end\\", "\"lead", "x\"\"y", "plain\\\"mix, z", "C:\\dir\\", "doubled \"too\""];
    assert_eq!(titles(Table::read(&parts, b',').unwrap()), wrote);
    assert_eq!(titles(Table::read(&parts.join("part-00000-5c1d-c000.csv"), b',').unwrap()), wrote);
    // pandas and Excel double a quote and leave a backslash alone.
    let plain = dir.join("export.csv");
    std::fs::write(&plain, "n,title\n0,\"a\\b, c\"\n1,\"doubled \"\"too\"\"\"\n2,C:\\dir\\\n").unwrap();
    assert_eq!(titles(Table::read(&plain, b',').unwrap()), ["a\\b, c", "doubled \"too\"", "C:\\dir\\"]);
}
