//! The shop's page statistics (bounce rate, exit rate, page value per page and per page type),
//! computed at training time from the shop's analytics export and shipped in the bundle, so the
//! device can average over the pages a shopper visited what only the whole site can measure.

use crate::error::Quoted;

/// What [`StatKind::valid`] allows, for messages.
pub(crate) const RANGES: &str = "a rate must be in [0, 1] and a page value in [0, 1e12]";

/// One page statistic, as the analytics tools define them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatKind {
    /// Share of sessions entering on the page that left without another page view.
    BounceRate,
    /// Share of the page's views that were the last of their session.
    ExitRate,
    /// Revenue of the sessions that saw the page before buying, per view of the page.
    PageValue,
}

impl StatKind {
    /// The three, in storage order.
    pub const ALL: [StatKind; 3] = [StatKind::BounceRate, StatKind::ExitRate, StatKind::PageValue];

    /// The aggregate's name in a feature mapping and the CSV column name.
    pub fn name(self) -> &'static str {
        match self {
            StatKind::BounceRate => "bounce_rate",
            StatKind::ExitRate => "exit_rate",
            StatKind::PageValue => "page_value",
        }
    }

    /// The property of a page view in a session log that supplies it.
    pub(crate) fn log_key(self) -> &'static str {
        match self {
            StatKind::BounceRate => "bounceRate",
            StatKind::ExitRate => "exitRate",
            StatKind::PageValue => "value",
        }
    }

    /// Whether `v` is a possible value: a rate in [0, 1], a page value in [0, 10¹²] (so a mean
    /// over 1,000 pages cannot overflow).
    pub fn valid(self, v: f64) -> bool {
        match self {
            StatKind::BounceRate | StatKind::ExitRate => (0.0..=1.0).contains(&v),
            StatKind::PageValue => (0.0..=1e12).contains(&v),
        }
    }
}

/// The statistics known for one page or page type: bounce rate, exit rate, page value (in
/// [`StatKind::ALL`] order); `None` where the export had no figure.
pub type PageStat = [Option<f64>; 3];

/// Page statistics keyed by `(page type, page id)`; a page type's own row has the empty id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageStats {
    /// Sorted by key, keys unique.
    rows: Vec<(String, String, PageStat)>,
}

impl PageStats {
    /// A table from rows in any order; a later row for the same key replaces an earlier one.
    /// Values must be valid for their statistic ([`StatKind::valid`]).
    pub fn new(mut rows: Vec<(String, String, PageStat)>) -> crate::Result<Self> {
        rows.iter().try_for_each(check_row)?;
        rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1))); // stable: equal keys keep their order
        let mut out: Vec<(String, String, PageStat)> = Vec::with_capacity(rows.len());
        for r in rows {
            match out.last_mut() {
                Some(last) if last.0 == r.0 && last.1 == r.1 => *last = r,
                _ => out.push(r),
            }
        }
        Ok(Self { rows: out })
    }

    /// A table from rows already sorted by key without repeats (as a bundle stores them).
    pub(crate) fn from_sorted(rows: Vec<(String, String, PageStat)>) -> crate::Result<Self> {
        rows.iter().try_for_each(check_row)?;
        if let Some(w) = rows.windows(2).find(|w| (&w[0].0, &w[0].1) >= (&w[1].0, &w[1].1)) {
            return Err(crate::Error::Corrupt(format!(
                "page statistics out of order at {} {}",
                Quoted(&w[1].0),
                Quoted(&w[1].1)
            )));
        }
        Ok(Self { rows })
    }

    /// The rows, sorted by key.
    pub fn rows(&self) -> &[(String, String, PageStat)] {
        &self.rows
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Statistic `kind` of page `id` of type `page_type`: the page's own figure, else its type's,
    /// else `None` (one statistic at a time: a page row without a page value takes its type's).
    pub(crate) fn lookup(&self, page_type: &str, id: Option<&str>, kind: StatKind) -> Option<f64> {
        let find = |id: &str| {
            self.rows
                .binary_search_by(|r| (r.0.as_str(), r.1.as_str()).cmp(&(page_type, id)))
                .ok()
                .and_then(|i| self.rows[i].2[kind as usize])
        };
        id.filter(|id| !id.is_empty()).and_then(find).or_else(|| find(""))
    }
}

fn check_row((kind, id, stat): &(String, String, PageStat)) -> crate::Result<()> {
    for (k, v) in StatKind::ALL.iter().zip(stat) {
        if let Some(v) = v.filter(|v| !k.valid(*v)) {
            return Err(crate::Error::InvalidValue {
                field: format!("page statistics of {} {}: {}", Quoted(kind), Quoted(id), k.name()),
                value: crate::num_text::Num(v).to_string(),
                reason: RANGES.into(),
            });
        }
    }
    Ok(())
}
