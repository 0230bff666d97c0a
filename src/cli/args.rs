//! Arguments shared by several subcommands, and their conversion to library types.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use shelfwise::data::source::CsvFormat;
use shelfwise::data::time::DateOrder;
use shelfwise::data::{Columns, Interactions, ReadOptions, ReadReport, TimeWindow};
use shelfwise::recs::{Quantization, Scaling};
use shelfwise::rng::Rng;
use shelfwise::train::auto::Budget;
use shelfwise::train::{
    AlsParams, AutoParams, BlendParams, EaseParams, Item2VecParams, ModelChoice, Rp3Params, Sequences, SvdParams,
};

use super::progress::Bars;

/// Where the interaction log is and which columns mean what.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// CSV (plain or compressed: gzip, bzip2, zstd, snappy, LZ4, deflate) or Parquet: a file, or a
    /// directory of part files as Spark writes them (`key=value` partition directories giving
    /// columns), with one interaction per row.
    #[arg(long)]
    pub input: PathBuf,
    /// Column holding the user (customer) id.
    #[arg(long)]
    pub user_col: String,
    /// Column holding the item (product) id.
    #[arg(long)]
    pub item_col: String,
    /// Column holding a weight (quantity, rating); default: every row weighs 1.
    #[arg(long)]
    pub weight_col: Option<String>,
    /// Column holding a timestamp (Unix seconds or a date).
    #[arg(long)]
    pub time_col: Option<String>,
    /// Slash dates in --time-col: mdy (3/1/2024 is 1 March, as US exports write it) or dmy (3
    /// January, as UK and most European ones do). Default: as the column's first date past the
    /// 12th shows (13/3/2024 is day first), month first until one does; if a day-first date
    /// follows one read month first, the run stops and asks for this.
    #[arg(long, value_parser = parse_date_order)]
    pub date_order: Option<DateOrder>,
    /// Column holding the item title (stored in the bundle's catalogue).
    #[arg(long)]
    pub title_col: Option<String>,
    /// Column holding the item price (stored in the bundle's catalogue).
    #[arg(long)]
    pub price_col: Option<String>,
    #[command(flatten)]
    pub sep: SepArg,
    /// The file has no header line: name columns by 1-based position (`--user-col 1`).
    /// Positions work with a header too, for any column no header name matches.
    #[arg(long)]
    pub no_header: bool,
    /// Skip malformed rows (they are counted and the first ones shown) instead of stopping.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Memory the log may take while it is read, e.g. 8GB or 512MB (default: half of this
    /// machine's memory). Duplicate rows are merged as they come, so this bounds distinct
    /// (user, item) pairs; past it the run stops with a message instead of being killed.
    #[arg(long, value_parser = parse_bytes)]
    pub max_memory: Option<u64>,
    /// Read only the rows at or after this time (a date such as 2024-03-01, a date and time, or
    /// Unix seconds; UTC; a slash date such as 3/1/2024 in --date-order's order), by --time-col.
    /// In a data set partitioned by that column (`day=2024-03-01/…`) the part files of earlier
    /// partitions are not read at all.
    #[arg(long, value_parser = parse_time)]
    pub since: Option<TimeArg>,
    /// Read only the rows before this time (as --since; the time itself is left out).
    #[arg(long, value_parser = parse_time)]
    pub until: Option<TimeArg>,
}

/// Parses `--date-order`.
pub fn parse_date_order(s: &str) -> Result<DateOrder, String> {
    match s.to_ascii_lowercase().as_str() {
        "mdy" => Ok(DateOrder::MonthFirst),
        "dmy" => Ok(DateOrder::DayFirst),
        _ => Err(format!("expected mdy (month first) or dmy (day first), got {s:?}")),
    }
}

/// A `--since`/`--until` value as each date order reads it: the same time for an ISO date or
/// Unix seconds, two times for a slash date either order reads (`3/1/2024`), one for a slash date
/// that shows its order (`13/3/2024`). `--date-order`, else the date itself, decides
/// ([`TimeArg::at`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeArg {
    text: String,
    month_first: Option<i64>,
    day_first: Option<i64>,
}

impl TimeArg {
    /// The time, its slash date read in `order` when given; without it, a date either order
    /// reads is an error.
    pub fn at(&self, order: Option<DateOrder>) -> anyhow::Result<i64> {
        let text = &self.text;
        match (order, self.month_first, self.day_first) {
            (Some(DateOrder::MonthFirst), Some(t), _) | (Some(DateOrder::DayFirst), _, Some(t)) => Ok(t),
            (Some(order), ..) => {
                anyhow::bail!("--since/--until {text:?} is not a date in --date-order {}", order.name())
            }
            (None, Some(m), Some(d)) if m != d => anyhow::bail!(
                "--since/--until {text:?} could be month or day first: give --date-order mdy or dmy, or write the \
                 date as 2024-03-01"
            ),
            (None, Some(t), _) | (None, None, Some(t)) => Ok(t),
            (None, None, None) => anyhow::bail!("--since/--until {text:?} is not a date"),
        }
    }
}

/// Parses `--since`/`--until`: what a time column may hold (see `data::time::parse_timestamp`),
/// as each date order reads it ([`TimeArg`]).
pub fn parse_time(s: &str) -> Result<TimeArg, String> {
    let read = |order| shelfwise::data::time::parse_timestamp_in(s, order);
    let (month_first, day_first) = (read(DateOrder::MonthFirst), read(DateOrder::DayFirst));
    if month_first.is_none() && day_first.is_none() {
        return Err(format!(
            "expected a date (2024-03-01), a date and time (2024-03-01 12:00) or Unix seconds, got {s:?}"
        ));
    }
    Ok(TimeArg { text: s.to_string(), month_first, day_first })
}

/// Parses `--sep`: one ASCII character, or a name (`tab`, `comma`, `semicolon`, `pipe`,
/// `space`), or the two characters `\t` as a shell passes them unexpanded.
pub fn parse_sep(s: &str) -> Result<u8, String> {
    Ok(match s {
        "tab" | "\\t" | "\t" => b'\t',
        "comma" => b',',
        "semicolon" => b';',
        "pipe" => b'|',
        "space" => b' ',
        _ if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => s.as_bytes()[0],
        _ => return Err(format!("expected one ASCII character or tab, comma, semicolon, pipe, space; got {s:?}")),
    })
}

/// `--sep` and `--encoding`, shared by every command that reads a CSV.
#[derive(Args, Debug, Clone, Copy)]
pub struct SepArg {
    /// Field separator: one character, or tab, comma, semicolon, pipe, space (`\t` too). By
    /// default it is detected from the header line (comma, semicolon, tab or pipe) and printed.
    #[arg(long, value_parser = parse_sep)]
    sep: Option<u8>,
    /// The code page of rows that are not UTF-8: windows-1250 (Central Europe), windows-1251
    /// (Cyrillic), iso-8859-2, shift_jis, … (default windows-1252, Excel's plain "CSV" on
    /// Windows in Western Europe and the Americas). UTF-8 rows are always read as UTF-8.
    #[arg(long, value_parser = parse_encoding)]
    encoding: Option<&'static encoding_rs::Encoding>,
}

/// `--catalog-sep` and `--catalog-encoding`: the catalogue file's separator (detected from its
/// header by default) and code page.
#[derive(Args, Debug, Clone, Copy, Default)]
pub struct CatalogSepArg {
    /// Catalogue field separator, as for --sep (default: detected from its header line).
    #[arg(long, value_parser = parse_sep)]
    catalog_sep: Option<u8>,
    /// The code page of catalogue rows that are not UTF-8, as for --encoding.
    #[arg(long, value_parser = parse_encoding)]
    catalog_encoding: Option<&'static encoding_rs::Encoding>,
}

impl CatalogSepArg {
    /// How to read `path`: its separator (see [`SepArg::delimiter`]) and code page.
    pub fn format(self, path: &std::path::Path) -> anyhow::Result<CsvFormat> {
        SepArg { sep: self.catalog_sep, encoding: self.catalog_encoding }.format(path)
    }
}

/// Parses `--encoding` and `--catalog-encoding`: a code page's name
/// ([`shelfwise::data::source::legacy_encoding`]); an error says why (clap names the flag).
pub fn parse_encoding(s: &str) -> Result<&'static encoding_rs::Encoding, String> {
    shelfwise::data::source::legacy_encoding(s).map_err(|e| match e {
        shelfwise::Error::InvalidParameter { reason, .. } => reason,
        e => e.to_string(),
    })
}

impl SepArg {
    /// How to read `path`: its separator ([`SepArg::delimiter`]) and the code page of rows that
    /// are not UTF-8.
    pub fn format(self, path: &std::path::Path) -> anyhow::Result<CsvFormat> {
        Ok(CsvFormat { delimiter: self.delimiter(path)?, legacy: self.legacy() })
    }

    /// The code page of rows that are not UTF-8: `--encoding`, else Windows-1252.
    pub fn legacy(self) -> &'static encoding_rs::Encoding {
        self.encoding.unwrap_or(encoding_rs::WINDOWS_1252)
    }

    /// The separator to read `path` with: `--sep` when given, else detected from its header
    /// line (and said on stderr, so a surprise is visible).
    pub fn delimiter(self, path: &std::path::Path) -> anyhow::Result<u8> {
        if let Some(d) = self.sep {
            return Ok(d);
        }
        if shelfwise::data::parquet::is_parquet(path) {
            return Ok(b','); // columns, not separators
        }
        let d =
            shelfwise::data::source::detect_delimiter(path).with_context(|| format!("reading {}", path.display()))?;
        let name = match d.byte {
            b'\t' => "tab".to_string(),
            b => format!("'{}'", b as char),
        };
        match d.from_hint {
            true => eprintln!("separator: {name} (as the sep= line of {} says; --sep sets it)", path.display()),
            false => eprintln!("separator: {name} (detected from the header of {}; --sep sets it)", path.display()),
        }
        Ok(d.byte)
    }
}

/// Parses a byte size: a whole or decimal number with an optional unit B, KB, MB, GB or TB
/// (powers of 1024; `k`, `m`, `g`, `t` and `KiB`-style spellings too).
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("expected a size such as 512MB or 8GB, got {s:?}"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        u => return Err(format!("unknown size unit {u:?} in {s:?} (use B, KB, MB, GB or TB)")),
    };
    let bytes = n * (1u64 << shift) as f64;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("size {s:?} is out of range"));
    }
    Ok(bytes as u64)
}

impl InputArgs {
    /// Whether `--since` or `--until` is given.
    pub fn has_window(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// The time window `--since` and `--until` give, if either does, their slash dates read in
    /// `--date-order` ([`TimeArg::at`]).
    pub fn window(&self) -> anyhow::Result<Option<TimeWindow>> {
        let at = |t: &Option<TimeArg>| t.as_ref().map(|t| t.at(self.date_order)).transpose();
        Ok(self.has_window().then_some(TimeWindow { since: at(&self.since)?, until: at(&self.until)? }))
    }

    /// Reads the log, printing a summary to stderr.
    pub fn read(&self, bars: &Bars) -> anyhow::Result<Interactions> {
        let (data, report, took) = self.read_quietly(bars)?;
        print_read_report(&data, &report, took);
        self.print_window(&report);
        Ok(data)
    }

    /// Reads the log as [`InputArgs::read`] does, printing only its progress.
    pub fn read_quietly(&self, bars: &Bars) -> anyhow::Result<(Interactions, ReadReport, std::time::Duration)> {
        let window = self.window()?;
        let delimiter = self.sep.delimiter(&self.input)?;
        let cols = Columns {
            user: self.user_col.clone(),
            item: self.item_col.clone(),
            weight: self.weight_col.clone(),
            time: self.time_col.clone(),
            title: self.title_col.clone(),
            price: self.price_col.clone(),
        };
        let mut opts = ReadOptions {
            skip_bad_rows: self.skip_bad_rows,
            delimiter,
            legacy_encoding: self.sep.legacy(),
            has_header: !self.no_header,
            date_order: self.date_order,
            ..ReadOptions::default()
        };
        if let Some(m) = self.max_memory {
            opts.max_memory = Some(m);
        }
        opts.window = window;
        if opts.window.is_some() && self.time_col.is_none() {
            anyhow::bail!("--since and --until need --time-col: the column whose time they compare");
        }
        let spinner = bars.spinner(&format!("reading {}", self.input.display()));
        let started = std::time::Instant::now();
        let (data, report) = Interactions::read_csv(&self.input, &cols, &opts, &|n| {
            spinner.set_message(format!("reading {}: {n} rows", self.input.display()))
        })
        .with_context(|| format!("reading {}", self.input.display()))?;
        spinner.finish_and_clear();
        Ok((data, report, started.elapsed()))
    }

    /// How many rows and part files the time window left out, if there is one.
    pub fn print_window(&self, report: &ReadReport) {
        if self.has_window() {
            eprintln!(
                "time window: {} rows outside it, {} part files outside it not read",
                report.rows_outside_window, report.parts_outside_window
            );
        }
    }
}

fn print_read_report(data: &Interactions, r: &ReadReport, took: std::time::Duration) {
    eprintln!(
        "read {} rows in {:.2?}: kept {}, skipped {} malformed, merged {} duplicate (user, item) rows",
        r.rows_read, took, r.rows_kept, r.rows_skipped, r.duplicates_merged
    );
    for e in &r.examples {
        eprintln!("  skipped: {e}");
    }
    if r.rows_skipped > r.examples.len() as u64 {
        eprintln!("  … and {} more skipped rows", r.rows_skipped - r.examples.len() as u64);
    }
    if let Some(not_utf8) = &r.not_utf8 {
        eprintln!("note: {}", not_utf8.notice());
    }
    if let Some(named) = r.unneeded_encoding {
        eprintln!("note: {}", shelfwise::data::source::unneeded_encoding_notice(named));
    }
    if r.items_with_several_titles > 0 {
        eprintln!(
            "warning: {} items have rows with different titles; each keeps its most frequent title",
            r.items_with_several_titles
        );
    }
    if r.titles_withheld > 0 {
        eprintln!(
            "warning: {} items kept no title: none of their titles occurs on {} or more rows, and a title seen \
             once among others may be customer text",
            r.titles_withheld,
            shelfwise::data::interactions::MIN_TITLE_ROWS
        );
    }
    eprintln!(
        "{} users × {} items, {} interactions, density {:.4}%",
        data.n_users(),
        data.n_items(),
        data.len(),
        data.density() * 100.0
    );
}

/// Model families on the command line.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Implicit ALS (latent factors, exact fold-in on the device).
    Als,
    /// PureSVD: truncated SVD item factors (fold-in is a projection).
    Svd,
    /// EASE item-item, pruned to the strongest neighbours (catalogues up to ~30,000 items).
    Ease,
    /// RP3beta random-walk item-item with a popularity penalty, pruned (any catalogue size).
    Rp3,
    /// ALS and EASE blended: each one's scores scaled to a largest magnitude of 1 and summed
    /// with --blend-weight (both models ship in the bundle).
    Blend,
    /// Popularity baseline.
    Popular,
    /// A budgeted validation search over every family and its hyperparameters (see --budget).
    Auto,
}

/// Weight scalings on the command line.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalingArg {
    /// Confidence grows linearly with the weight.
    Linear,
    /// Confidence grows with ln(1 + weight).
    Log,
    /// BM25: repeats saturate (--bm25-k1), long histories are normalised (--bm25-b), rare
    /// items count more (idf); the bundle carries the idf so the device weighs a history alike.
    Bm25,
}

impl ScalingArg {
    /// The library's scaling.
    pub fn scaling(self) -> Scaling {
        match self {
            ScalingArg::Linear => Scaling::Linear,
            ScalingArg::Log => Scaling::Log,
            ScalingArg::Bm25 => Scaling::Bm25,
        }
    }
}

/// item2vec sequence sources on the command line.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequencesArg {
    /// Baskets when a basket column is given, else customers.
    Auto,
    /// Each customer's items in time order.
    Customers,
    /// The items of each basket, as a set (needs a basket column).
    Baskets,
}

/// Item embeddings (item2vec) for `forSession`.
#[derive(Args, Debug, Clone)]
pub struct Item2VecArgs {
    /// Train item embeddings (item2vec) for session recommendations (`forSession`).
    #[arg(long)]
    pub item2vec: bool,
    /// item2vec: vector length.
    #[arg(long, default_value_t = 64)]
    pub item2vec_dim: usize,
    /// item2vec: items on each side of the centre item.
    #[arg(long, default_value_t = 20)]
    pub item2vec_window: usize,
    /// item2vec: passes over the sequences.
    #[arg(long, default_value_t = 20)]
    pub item2vec_epochs: usize,
    /// item2vec: negative samples per pair.
    #[arg(long, default_value_t = 5)]
    pub item2vec_negatives: usize,
    /// item2vec: frequent-item subsampling threshold (0 = off).
    #[arg(long, default_value_t = 1e-3)]
    pub item2vec_subsample: f64,
    /// item2vec: items seen fewer times get no vector.
    #[arg(long, default_value_t = 10)]
    pub item2vec_min_count: u32,
    /// item2vec: where sequences come from (auto: baskets when a basket column is given).
    #[arg(long, value_enum, default_value = "auto")]
    pub item2vec_sequences: SequencesArg,
}

impl Item2VecArgs {
    /// The library's parameters (None without `--item2vec`); `baskets` says whether a basket
    /// column is available for `auto`.
    pub fn params(&self, seed: u64, baskets: bool) -> Option<Item2VecParams> {
        self.item2vec.then(|| {
            Item2VecParams::new()
                .dim(self.item2vec_dim)
                .window(self.item2vec_window)
                .epochs(self.item2vec_epochs)
                .negatives(self.item2vec_negatives)
                .subsample(self.item2vec_subsample)
                .min_count(self.item2vec_min_count)
                .sequences(match self.item2vec_sequences {
                    SequencesArg::Customers => Sequences::Ordered,
                    SequencesArg::Baskets => Sequences::Sets,
                    SequencesArg::Auto if baskets => Sequences::Sets,
                    SequencesArg::Auto => Sequences::Ordered,
                })
                .seed(seed)
        })
    }
}

/// Factor storage on the command line.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantizeArg {
    /// 4-byte floats.
    None,
    /// Half precision in the bundle (half the size, same scores to ~3 significant digits).
    F16,
    /// One byte per value plus a scale per item (a quarter of the size; integer scoring).
    Int8,
}

impl QuantizeArg {
    /// The library's storage.
    pub fn quantization(self) -> Quantization {
        match self {
            QuantizeArg::None => Quantization::None,
            QuantizeArg::F16 => Quantization::F16,
            QuantizeArg::Int8 => Quantization::Int8,
        }
    }
}

/// Hyperparameters; each applies to the families named in its help. Unset values take the
/// family's default: the median of the best settings `--model auto` found on ml-latest-small,
/// Online Retail and a synthetic shop log (README says which three are kept off it, and why).
#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// Model family. Unset hyperparameters of an explicit family take its defaults: the medians
    /// of the best settings `auto` found on ml-latest-small, Online Retail and a synthetic shop
    /// log (ALS factors, EASE λ and neighbour counts excepted; README says why).
    #[arg(long, value_enum, default_value = "auto")]
    pub model: Family,
    /// auto: how long to search: a time (60s, 5m, 1h) or a number of trials (40trials), which
    /// is reproducible on any machine. The final fit on all data comes after it.
    #[arg(long, default_value = "60s")]
    pub budget: String,
    /// auto: the largest bundle the chosen model may make (ids, popularity and titles
    /// included), e.g. 5MB or 500KB; every family's size is bounded to fit.
    #[arg(long, value_parser = parse_bytes, default_value = "5MB")]
    pub max_bundle_size: u64,
    /// ALS, SVD: latent factors [default: ALS 128, SVD 88].
    #[arg(long)]
    pub factors: Option<usize>,
    /// ALS: iterations [default: 15].
    #[arg(long)]
    pub iterations: Option<usize>,
    /// ALS: L2 regularisation [default: 20].
    #[arg(long)]
    pub regularization: Option<f32>,
    /// ALS: confidence scale alpha (c = 1 + alpha * s(w)) [default: 0.3].
    #[arg(long)]
    pub alpha: Option<f32>,
    /// ALS: weight scaling s [default: bm25].
    #[arg(long, value_enum)]
    pub scaling: Option<ScalingArg>,
    /// ALS with --scaling bm25: saturation k1 (> 0) [default: 100].
    #[arg(long)]
    pub bm25_k1: Option<f32>,
    /// ALS with --scaling bm25: length normalisation b, 0 to 1 [default: 0.8].
    #[arg(long)]
    pub bm25_b: Option<f32>,
    /// How factors (ALS, SVD) are stored in the bundle (and scored) [default: none; with
    /// --model auto, the least lossy storage that fits --max-bundle-size].
    #[arg(long, value_enum)]
    pub quantize: Option<QuantizeArg>,
    /// EASE: L2 regularisation lambda [default: 250].
    #[arg(long)]
    pub lambda: Option<f64>,
    /// EASE, RP3: neighbours kept per item [default: 200].
    #[arg(long)]
    pub neighbors: Option<usize>,
    /// RP3: exponent on each random-walk step's probability [default: 0.8].
    #[arg(long)]
    pub rp3_alpha: Option<f64>,
    /// RP3: popularity penalty beta (0 = none; higher favours less popular items) [default: 0.4].
    #[arg(long)]
    pub beta: Option<f64>,
    /// Blend: the ALS half's weight, in (0, 1); EASE gets the rest [default: 0.7].
    #[arg(long)]
    pub blend_weight: Option<f32>,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Random seed (a number, or "random" for one from the OS).
    #[arg(long, default_value = "42")]
    pub seed: String,
}

impl ModelArgs {
    /// The seed as a number. `random` draws one from the OS and prints it: call this once per run
    /// and pass the result on, so the run can be reproduced with `--seed` and that number.
    pub fn seed(&self) -> anyhow::Result<u64> {
        if self.seed == "random" {
            let s = Rng::os_seed()?;
            eprintln!("seed: {s}");
            return Ok(s);
        }
        self.seed.parse().with_context(|| format!("--seed must be a whole number or \"random\", got {:?}", self.seed))
    }

    /// The factor storage `--quantize` asks for.
    pub fn quantization(&self) -> Option<Quantization> {
        self.quantize.map(QuantizeArg::quantization)
    }

    /// Applies `--quantize` when given (`auto` has already stored factors to fit its budget).
    pub fn apply_quantization(&self, model: shelfwise::Recommender) -> anyhow::Result<shelfwise::Recommender> {
        Ok(match self.quantization() {
            Some(q) => model.quantize(q)?,
            None => model,
        })
    }

    /// The library's description of the chosen model, with its parameters checked; `seed` is the
    /// run's one seed (see [`ModelArgs::seed`]).
    pub fn choice(&self, seed: u64) -> anyhow::Result<ModelChoice> {
        let choice = self.family_choice(self.model, seed)?;
        choice.check()?;
        Ok(choice)
    }

    /// [`ModelArgs::choice`] for `family`, its parameters not yet checked.
    fn family_choice(&self, family: Family, seed: u64) -> anyhow::Result<ModelChoice> {
        let t = self.threads;
        Ok(match family {
            Family::Als => {
                let d = AlsParams::new();
                ModelChoice::Als(
                    d.clone()
                        .factors(self.factors.unwrap_or(d.factors))
                        .iterations(self.iterations.unwrap_or(d.iterations))
                        .regularization(self.regularization.unwrap_or(d.regularization))
                        .alpha(self.alpha.unwrap_or(d.alpha))
                        .scaling(self.scaling.map_or(d.scaling, ScalingArg::scaling))
                        .bm25(self.bm25_k1.unwrap_or(d.bm25_k1), self.bm25_b.unwrap_or(d.bm25_b))
                        .threads(t)
                        .seed(seed),
                )
            }
            Family::Svd => {
                let d = SvdParams::new();
                ModelChoice::Svd(d.clone().factors(self.factors.unwrap_or(d.factors)).threads(t).seed(seed))
            }
            Family::Ease => {
                let d = EaseParams::new();
                ModelChoice::Ease(
                    d.clone()
                        .lambda(self.lambda.unwrap_or(d.lambda))
                        .neighbors(self.neighbors.unwrap_or(d.neighbors))
                        .threads(t),
                )
            }
            Family::Rp3 => {
                let d = Rp3Params::new();
                ModelChoice::Rp3(
                    d.clone()
                        .alpha(self.rp3_alpha.unwrap_or(d.alpha))
                        .beta(self.beta.unwrap_or(d.beta))
                        .neighbors(self.neighbors.unwrap_or(d.neighbors))
                        .threads(t),
                )
            }
            Family::Blend => {
                let d = BlendParams::new();
                ModelChoice::Blend(
                    d.clone()
                        .factors(self.family_choice(Family::Als, seed)?)
                        .neighbors(self.family_choice(Family::Ease, seed)?)
                        .weight(self.blend_weight.unwrap_or(d.weight)),
                )
            }
            Family::Popular => ModelChoice::Popular,
            Family::Auto => ModelChoice::Auto(AutoParams {
                budget: Budget::parse(&self.budget)?,
                max_bundle_bytes: self.max_bundle_size,
                quantization: self.quantization(),
                seed,
                threads: t,
                als_iterations: self.iterations.unwrap_or(AlsParams::new().iterations),
                ..AutoParams::default()
            }),
        })
    }
}
