//! `--since`/`--until` (`ReadOptions::window`): only the rows whose time lies in the window are
//! read, from CSV and Parquet, files and partitioned directories alike, giving the bundle of a
//! log that holds just those rows; in a data set partitioned by the time column, the part files
//! of partitions outside the window are not read at all.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use shelfwise::data::{Columns, Interactions, ReadOptions, TimeWindow};

/// One row: customer, product, quantity, day (`2024-03-DD`).
type Row = (String, String, f64, String);

/// 20 days of seeded rows, a few hundred a day, with customers and products that come and go.
fn rows() -> Vec<Row> {
    let mut next = common::xorshift(0x853c_49e6_748f_ea9b);
    (0..6_000)
        .map(|k| {
            let day = 1 + k / 300;
            let customer = (next() % 60 + day as u64 * 3) % 150;
            let product = (next() % 25 + customer % 4 * 5 + day as u64) % 48;
            let qty = [1.0, 2.0, 0.5][(next() % 3) as usize];
            (format!("c{customer}"), format!("P{product:02}"), qty, format!("2024-03-{day:02}"))
        })
        .collect()
}

fn csv(rows: &[&Row]) -> String {
    let mut out = String::from("customer,product,qty,day\n");
    for (c, p, q, d) in rows {
        out.push_str(&format!("{c},{p},{q},{d}\n"));
    }
    out
}

fn write_parquet(path: &Path, rows: &[&Row], with_day: bool) {
    let col = |f: &dyn Fn(&Row) -> String| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(|r| f(r)).collect::<Vec<_>>()))
    };
    let mut columns = vec![
        ("customer", col(&|r| r.0.clone())),
        ("product", col(&|r| r.1.clone())),
        ("qty", Arc::new(Float64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())) as ArrayRef),
    ];
    if with_day {
        columns.push(("day", col(&|r| r.3.clone())));
    }
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// The log in four forms: one CSV, one Parquet file, and directories partitioned by `day` of CSV
/// parts and of Parquet parts (the day only in the directory names).
fn write_forms(dir: &Path, rows: &[Row]) -> [std::path::PathBuf; 4] {
    let all: Vec<&Row> = rows.iter().collect();
    std::fs::write(dir.join("log.csv"), csv(&all)).unwrap();
    write_parquet(&dir.join("log.parquet"), &all, true);
    for (name, parquet) in [("csv-parts", false), ("parquet-parts", true)] {
        let mut days: Vec<&str> = rows.iter().map(|r| r.3.as_str()).collect();
        days.dedup();
        for day in days {
            let part_dir = dir.join(name).join(format!("day={day}"));
            std::fs::create_dir_all(&part_dir).unwrap();
            let these: Vec<&Row> = rows.iter().filter(|r| r.3 == day).collect();
            if parquet {
                write_parquet(&part_dir.join("part-00000.parquet"), &these, false);
            } else {
                let body: String =
                    csv(&these).lines().map(|l| l.rsplit_once(',').unwrap().0.to_owned() + "\n").collect();
                std::fs::write(part_dir.join("part-00000.csv"), body).unwrap();
            }
        }
    }
    ["log.csv", "log.parquet", "csv-parts", "parquet-parts"].map(|n| dir.join(n))
}

fn columns() -> Columns {
    Columns {
        user: "customer".into(),
        item: "product".into(),
        weight: Some("qty".into()),
        time: Some("day".into()),
        ..Columns::default()
    }
}

#[test]
fn a_time_window_reads_the_rows_in_it_from_every_form_of_the_log() {
    let dir = common::temp_dir("time-window");
    let rows = rows();
    let forms = write_forms(&dir, &rows);
    let in_window: Vec<&Row> =
        rows.iter().filter(|r| r.3.as_str() >= "2024-03-06" && r.3.as_str() < "2024-03-15").collect();
    std::fs::write(dir.join("window.csv"), csv(&in_window)).unwrap();
    let time = |d: &str| shelfwise::data::time::parse_timestamp(d);
    let opts = ReadOptions {
        window: Some(TimeWindow { since: time("2024-03-06"), until: time("2024-03-15") }),
        ..ReadOptions::default()
    };
    let (want, _) =
        Interactions::read_csv(&dir.join("window.csv"), &columns(), &ReadOptions::default(), &|_| {}).unwrap();
    for form in &forms {
        let (got, report) = Interactions::read_csv(form, &columns(), &opts, &|_| {}).unwrap();
        let name = form.file_name().unwrap().to_string_lossy();
        assert_eq!((got.users(), got.items()), (want.users(), want.items()), "{name}");
        assert_eq!(
            (got.user_indices(), got.item_indices(), got.weights(), got.times()),
            (want.user_indices(), want.item_indices(), want.weights(), want.times()),
            "{name}"
        );
        assert_eq!(report.rows_kept, in_window.len() as u64, "{name}");
        // In the partitioned forms the 11 days outside are not read; in the others, their rows are.
        let outside = (rows.len() - in_window.len()) as u64;
        let expected = if name.ends_with("parts") { (0, 11) } else { (outside, 0) };
        assert_eq!((report.rows_outside_window, report.parts_outside_window), expected, "{name}");
    }

    // Through the CLI: the bundle of the log that holds just the window's rows, byte for byte,
    // bought together from baskets (the day) included.
    let line = "train recs --input {in} --user-col customer --item-col product --weight-col qty --time-col day \
                --basket-col day --together-min-support 2 --model ease --out {out}";
    let want = common::train_each(&dir, line, &[&dir.join("window.csv")]).remove(0).0;
    let windowed = line.replace("--out", "--since 2024-03-06 --until 2024-03-15 --out");
    let forms: Vec<&Path> = forms.iter().map(|f| f.as_path()).collect();
    for (form, (got, report)) in forms.iter().zip(common::train_each(&dir, &windowed, &forms)) {
        assert!(got == want, "{}: the bundle differs from the window's log\n{report}", form.display());
        assert!(report.contains("time window: "), "{report}");
    }
}

/// The part files of partitions outside the window are not opened for their rows: a part whose
/// rows are broken (a ragged row, which a CSV reader stops at) does not stop the read when its
/// day lies outside, and does when it lies inside.
#[test]
fn parts_outside_the_window_are_not_read() {
    let dir = common::temp_dir("time-window-pruned");
    let forms = write_forms(&dir, &rows());
    let broken = forms[2].join("day=2024-03-02/part-00001.csv");
    std::fs::write(&broken, "customer,product,qty\nc1,P01\n").unwrap();
    let time = |d: &str| shelfwise::data::time::parse_timestamp(d);
    let read = |since: &str| {
        let opts =
            ReadOptions { window: Some(TimeWindow { since: time(since), until: None }), ..ReadOptions::default() };
        Interactions::read_csv(&forms[2], &columns(), &opts, &|_| {})
    };
    let (_, report) = read("2024-03-03").unwrap();
    assert_eq!(report.parts_outside_window, 3, "the two days before, one of them in two parts");
    let e = read("2024-03-02").unwrap_err().to_string();
    assert!(e.contains("day=2024-03-02/part-00001.csv:2") && e.contains("expected 3 fields, found 2"), "{e}");

    // A window no row falls in says so; a window without a time column is refused.
    let opts =
        ReadOptions { window: Some(TimeWindow { since: time("2025-01-01"), until: None }), ..ReadOptions::default() };
    let e = Interactions::read_csv(&forms[0], &columns(), &opts, &|_| {}).unwrap_err().to_string();
    assert!(e.contains("no usable rows") && e.contains("6000 rows and 0 part files outside the time window"), "{e}");
    let untimed = Columns { time: None, ..columns() };
    let e = Interactions::read_csv(&forms[0], &untimed, &opts, &|_| {}).unwrap_err().to_string();
    assert!(e.contains("needs a time column"), "{e}");
    let o = common::run_cli(&format!(
        "train recs --input {} --user-col customer --item-col product --since 2024-03-03 --out {}",
        forms[0].display(),
        dir.join("x.bundle").display()
    ));
    assert!(
        !o.status.success() && common::printed(&o).contains("--since and --until need --time-col"),
        "{}",
        common::printed(&o)
    );
    let o = common::run_cli(&format!(
        "train recs --input {} --user-col customer --item-col product --time-col day --since yesterday --out {}",
        forms[0].display(),
        dir.join("x.bundle").display()
    ));
    assert!(!o.status.success() && common::printed(&o).contains("expected a date"), "{}", common::printed(&o));
}

/// Slash dates read in the order their column shows or `--date-order` gives: day first as UK and
/// most European exports write them, month first as US ones do, from CSV and Parquet strings,
/// each giving the log its ISO dates give; a day-first date after rows read month first stops
/// the read (even with bad rows skipped), since those rows may have been read wrong.
#[test]
fn slash_dates_read_day_or_month_first_as_their_column_shows() {
    use shelfwise::data::time::DateOrder;
    let dir = common::temp_dir("slash-dates");
    let rows = rows();
    let all: Vec<&Row> = rows.iter().collect();
    let iso = dir.join("iso.csv");
    std::fs::write(&iso, csv(&all)).unwrap();
    let (want, _) = Interactions::read_csv(&iso, &columns(), &ReadOptions::default(), &|_| {}).unwrap();
    // `2024-03-DD` as day/month/year or month/day/year, rows in order or latest first.
    let slashed = |day_first: bool, latest_first: bool| -> Vec<Row> {
        let mut out: Vec<Row> = rows
            .iter()
            .map(|(c, p, q, d)| {
                let day = &d[8..];
                let date = if day_first { format!("{day}/03/2024") } else { format!("03/{day}/2024") };
                (c.clone(), p.clone(), *q, date)
            })
            .collect();
        if latest_first {
            out.reverse();
        }
        out
    };
    let read = |path: &Path, order: Option<DateOrder>, skip: bool| {
        let opts = ReadOptions { date_order: order, skip_bad_rows: skip, ..ReadOptions::default() };
        Interactions::read_csv(path, &columns(), &opts, &|_| {})
    };
    let same = |got: &Interactions, name: &str| {
        let pairs = |d: &Interactions| {
            let mut v: Vec<(String, String, i64)> = (0..d.len())
                .map(|r| {
                    let (u, i) = (d.user_indices()[r] as usize, d.item_indices()[r] as usize);
                    (d.users()[u].to_string(), d.items()[i].clone(), d.times()[r])
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(pairs(got), pairs(&want), "{name}");
    };
    for (name, day_first, latest_first, order) in [
        ("uk-given", true, false, Some(DateOrder::DayFirst)),
        ("uk-shown", true, true, None),
        ("us", false, false, None),
        ("us-given", false, false, Some(DateOrder::MonthFirst)),
    ] {
        let these = slashed(day_first, latest_first);
        let these: Vec<&Row> = these.iter().collect();
        let (text, parquet) = (dir.join(format!("{name}.csv")), dir.join(format!("{name}.parquet")));
        std::fs::write(&text, csv(&these)).unwrap();
        write_parquet(&parquet, &these, true);
        for path in [&text, &parquet] {
            same(&read(path, order, false).unwrap().0, &path.display().to_string());
        }
    }

    // Day first, the 1st to the 12th first: those rows were read month first when the 13th came.
    let uk: Vec<Row> = slashed(true, false);
    let uk: Vec<&Row> = uk.iter().collect();
    let (text, parquet) = (dir.join("uk.csv"), dir.join("uk.parquet"));
    std::fs::write(&text, csv(&uk)).unwrap();
    write_parquet(&parquet, &uk, true);
    for path in [&text, &parquet] {
        for skip in [false, true] {
            let e = read(path, None, skip).unwrap_err().to_string();
            assert!(
                e.contains("\"13/03/2024\" is a day-first date")
                    && e.contains("earlier \"01/03/2024\" was read month first")
                    && e.contains("--date-order dmy"),
                "{}: {e}",
                path.display()
            );
        }
    }
    // A month-first date in a column read day first is a bad row, skipped when asked.
    let mut mixed = uk.clone();
    let odd = ("c1".to_string(), "P01".to_string(), 1.0, "03/14/2024".to_string());
    mixed.push(&odd);
    std::fs::write(&text, csv(&mixed)).unwrap();
    let e = read(&text, Some(DateOrder::DayFirst), false).unwrap_err().to_string();
    assert!(e.contains("a month-first date in a column read day-first (as --date-order dmy set)"), "{e}");
    let (got, report) = read(&text, Some(DateOrder::DayFirst), true).unwrap();
    same(&got, "the month-first row skipped");
    assert_eq!(report.rows_skipped, 1);

    // Through the CLI, with a window given as an ISO date and one given as a slash date that
    // shows its order, or one either order reads, in --date-order's order; without it, such a
    // date is refused as a bound, and so is a date --date-order cannot read.
    let line = "train recs --input {in} --user-col customer --item-col product --weight-col qty --time-col day \
                --model ease --out {out}";
    std::fs::write(&text, csv(&uk)).unwrap();
    let want = common::train_each(&dir, &line.replace("--out", "--since 2024-03-06 --until 2024-03-15 --out"), &[&iso]);
    let uk_line = line.replace("--out", "--date-order dmy --since 2024-03-06 --until 15/03/2024 --out");
    let got = common::train_each(&dir, &uk_line, &[&text]);
    assert!(got[0].0 == want[0].0, "{}", got[0].1);
    let o = common::run_cli(&line.replace("{in}", &text.display().to_string()).replace("{out}", "/tmp/never.bundle"));
    assert!(!o.status.success() && common::printed(&o).contains("--date-order dmy"), "{}", common::printed(&o));
    let got = common::train_each(&dir, &uk_line.replace("2024-03-06", "06/03/2024"), &[&text]);
    assert!(got[0].0 == want[0].0, "--since 06/03/2024 is 6 March with --date-order dmy: {}", got[0].1);
    let o =
        common::run_cli(&line.replace("--out", "--since 06/03/2024 --out").replace("{in}", "x").replace("{out}", "y"));
    let said = common::printed(&o);
    assert!(!o.status.success() && said.contains("could be month or day first: give --date-order"), "{said}");
    let o = common::run_cli(
        &uk_line.replace("dmy", "mdy").replace("{in}", &text.display().to_string()).replace("{out}", "y"),
    );
    let said = common::printed(&o);
    assert!(!o.status.success() && said.contains("\"15/03/2024\" is not a date in --date-order mdy"), "{said}");
}
