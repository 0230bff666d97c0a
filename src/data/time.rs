//! Timestamps found in shop exports, parsed to Unix seconds (UTC).

/// Parses `1700000000` (Unix seconds), `2011-12-09 12:50[:00]`, `2011-12-09T12:50:00`,
/// `2011-12-09`, `12/9/2011 12:50` (month/day/year, as Excel exports write it in the US), or
/// `09.12.2011 12:50` (day.month.year, as European exports write it; `2011.12.09` too). A time
/// followed by `Z` is UTC; one followed by an offset (`+01:00`, `-0530`, `+01`, as Spark's and
/// pandas' CSV exports write zoned times) is that far ahead of UTC; one without either is read
/// as UTC. Fractions of a second are dropped. [`parse_timestamp_in`] reads slash dates day first.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    parse_timestamp_in(s, DateOrder::MonthFirst)
}

/// [`parse_timestamp`], with slash dates read in `order`.
pub fn parse_timestamp_in(s: &str, order: DateOrder) -> Option<i64> {
    parse_any(s, order).filter(|t| (MIN_TIME..=MAX_TIME).contains(t))
}

/// Which of a slash date's first two numbers is the month: `3/1/2024` is 1 March in the US
/// (and in Excel's exports there), 3 January in the UK, France, Spain, Italy, Brazil, India …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    /// Month/day/year.
    #[default]
    MonthFirst,
    /// Day/month/year.
    DayFirst,
}

impl DateOrder {
    /// The order a slash date shows, if it shows one: a first number past 12 can only be a day
    /// (`13/3/2024`), a second one past 12 only a day too (`3/13/2024`). `None` for a date
    /// either order reads (`3/1/2024`) and for text that is no slash date.
    pub fn shown_by(s: &str) -> Option<Self> {
        let date = s.trim().split([' ', 'T']).next()?;
        let mut it = date.split('/');
        let (a, b, _) = (num(it.next())?, num(it.next())?, num(it.next())?);
        let (month, day_only) = (1..=12, 13..=31);
        match (day_only.contains(&a) && month.contains(&b), day_only.contains(&b) && month.contains(&a)) {
            (true, _) => Some(Self::DayFirst),
            (_, true) => Some(Self::MonthFirst),
            _ => None,
        }
    }

    /// Whether `s` is a slash date that either order reads (both of its first numbers 1 to 12).
    pub fn is_ambiguous(s: &str) -> bool {
        let Some(date) = s.trim().split([' ', 'T']).next() else { return false };
        let mut it = date.split('/');
        let month = |n: Option<i64>| n.is_some_and(|n| (1..=12).contains(&n));
        month(num(it.next())) && month(num(it.next())) && num(it.next()).is_some()
    }

    /// The order a column's slash dates show ([`DateOrder::shown_by`]): `Ok(None)` when none
    /// shows one; when both orders are shown, the positions of the first date of each, day first
    /// then month first.
    pub fn of_column<'a>(cells: impl IntoIterator<Item = &'a str>) -> Result<Option<Self>, (usize, usize)> {
        let (mut day, mut month) = (None, None);
        for (k, cell) in cells.into_iter().enumerate() {
            match Self::shown_by(cell) {
                Some(Self::DayFirst) => day = day.or(Some(k)),
                Some(Self::MonthFirst) => month = month.or(Some(k)),
                None => {}
            }
            if let (Some(d), Some(m)) = (day, month) {
                return Err((d, m));
            }
        }
        Ok(day.map(|_| Self::DayFirst).or(month.map(|_| Self::MonthFirst)))
    }

    /// How `--date-order` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::MonthFirst => "mdy",
            Self::DayFirst => "dmy",
        }
    }
}

/// Earliest time accepted: 0001-01-01T00:00:00Z. With [`MAX_TIME`], this keeps every difference
/// of two times (and every date's arithmetic) far inside `i64`.
pub(crate) const MIN_TIME: i64 = -62_135_596_800;
/// Latest time accepted: 9999-12-31T23:59:59Z.
pub(crate) const MAX_TIME: i64 = 253_402_300_799;

fn parse_any(s: &str, order: DateOrder) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(v) = s.parse::<i64>() {
        return Some(v);
    }
    if let Ok(v) = s.parse::<f64>() {
        return v.is_finite().then_some(v as i64);
    }
    let (date, time) = match s.find([' ', 'T']) {
        Some(p) => (&s[..p], s[p + 1..].trim()),
        None => (s, ""),
    };
    let (y, m, d) = if date.contains('-') {
        let mut it = date.split('-');
        (num(it.next())?, num(it.next())?, num(it.next())?)
    } else if date.contains('/') {
        let mut it = date.split('/');
        let (a, b, y) = (num(it.next())?, num(it.next())?, num(it.next())?);
        match order {
            DateOrder::MonthFirst => (y, a, b),
            DateOrder::DayFirst => (y, b, a),
        }
    } else if date.contains('.') {
        // Day first, as German, Swiss and Russian exports write dates with dots, or year first
        // (`2011.12.09`, as Korean and Hungarian ones do); a four-digit year either way, so that
        // a version such as `1.2.3` is no date.
        let mut parts = date.split('.').map(str::trim);
        let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        match (a.len(), c.len()) {
            (4, _) => (num(Some(a))?, num(Some(b))?, num(Some(c))?),
            (_, 4) => (num(Some(c))?, num(Some(b))?, num(Some(a))?),
            _ => return None,
        }
    } else {
        return None;
    };
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let (time, offset) = zone_offset(time)?;
    let mut secs = -offset;
    if !time.is_empty() {
        let mut it = time.split(':');
        let h = num(it.next())?;
        let mi = num(it.next())?;
        let sec = match it.next() {
            Some(x) => x.split('.').next()?.parse::<i64>().ok()?,
            None => 0,
        };
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + sec;
    }
    Some(days_from_civil(y, m, d) * 86_400 + secs)
}

/// `time` without its zone, and the zone's offset from UTC in seconds: 0 for `Z` or none;
/// `+HH:MM`, `+HHMM` or `+HH` (or `-`) up to 18 hours. `None` for a malformed offset.
fn zone_offset(time: &str) -> Option<(&str, i64)> {
    if let Some(t) = time.strip_suffix('Z') {
        return Some((t.trim_end(), 0));
    }
    let Some(at) = time.find(['+', '-']) else { return Some((time, 0)) };
    let (sign, zone) = (if time.as_bytes()[at] == b'-' { -1 } else { 1 }, &time[at + 1..]);
    let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    let (h, m) = match (zone.len(), zone.split_once(':')) {
        (5, Some((h, m))) if digits(h) && digits(m) => (h, m),
        (4, None) if zone.is_ascii() && digits(&zone[..2]) && digits(&zone[2..]) => zone.split_at(2),
        (2, None) if digits(zone) => (zone, "00"),
        _ => return None,
    };
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    if h > 18 || m > 59 {
        return None;
    }
    Some((time[..at].trim_end(), sign * (h * 3600 + m * 60)))
}

fn num(s: Option<&str>) -> Option<i64> {
    s?.trim().parse().ok()
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_timestamp(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slash_dates_show_their_order_when_a_number_is_past_12() {
        use DateOrder::*;
        for (s, shown, ambiguous) in [
            ("13/3/2024", Some(DayFirst), false),
            ("31/12/2024 23:59", Some(DayFirst), false),
            ("3/13/2024", Some(MonthFirst), false),
            ("12/31/2024T10:00", Some(MonthFirst), false),
            ("3/1/2024", None, true),
            ("12/12/2024 10:00", None, true),
            ("13/13/2024", None, false),
            ("32/1/2024", None, false),
            ("2024-03-13", None, false),
            ("13.03.2024", None, false),
            ("", None, false),
        ] {
            assert_eq!((DateOrder::shown_by(s), DateOrder::is_ambiguous(s)), (shown, ambiguous), "{s:?}");
        }
        assert_eq!(DateOrder::of_column(["3/1/2024", "2024-01-13", "13/1/2024"]), Ok(Some(DayFirst)));
        assert_eq!(DateOrder::of_column(["3/1/2024", "3/13/2024"]), Ok(Some(MonthFirst)));
        assert_eq!(DateOrder::of_column(["3/1/2024", "2024-01-13"]), Ok(None));
        assert_eq!(DateOrder::of_column(["3/13/2024", "1/2/2024", "13/3/2024"]), Err((2, 0)));
        let t = |s, o| parse_timestamp_in(s, o);
        assert_eq!(t("3/1/2024 10:00", DayFirst), t("2024-01-03 10:00", MonthFirst));
        assert_eq!(t("3/1/2024 10:00", MonthFirst), t("2024-03-01 10:00", MonthFirst));
        assert_eq!(t("13/1/2024", DayFirst), t("2024-01-13", DayFirst));
        assert_eq!(t("13/1/2024", MonthFirst), None);
        assert_eq!(t("2024-01-13", DayFirst), t("2024-01-13", MonthFirst), "only slash dates change");
    }

    #[test]
    fn parses_common_shapes() {
        assert_eq!(parse_timestamp("964982703"), Some(964_982_703));
        assert_eq!(parse_timestamp("1970-01-02"), Some(86_400));
        let a = parse_timestamp("2011-12-09 12:50:00").unwrap();
        assert_eq!(parse_timestamp("12/9/2011 12:50"), Some(a));
        assert_eq!(parse_timestamp("2011-12-09T12:50:00Z"), Some(a));
        assert_eq!(format_timestamp(a), "2011-12-09T12:50:00Z");
        assert_eq!(parse_timestamp("09.12.2011 12:50"), Some(a));
        assert_eq!(parse_timestamp("9.12.2011"), parse_timestamp("2011-12-09"));
        assert_eq!(parse_timestamp("12.31.2011"), None, "day first: there is no month 31");
        assert_eq!(parse_timestamp("1.2.3"), None);
        assert_eq!(parse_timestamp("2011.12.09 12:50"), Some(a));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2011-13-01"), None);
    }

    #[test]
    fn a_zone_offset_is_applied_and_a_malformed_one_refused() {
        let utc = parse_timestamp("2024-03-01T10:00:00Z").unwrap();
        // pandas writes zoned times as `2024-03-01 11:00:00.250000+01:00`, Spark as `…T11:00:00.250+01:00`.
        assert_eq!(parse_timestamp("2024-03-01 11:00:00.250000+01:00"), Some(utc));
        assert_eq!(parse_timestamp("2024-03-01T11:00:00.250+01:00"), Some(utc));
        assert_eq!(parse_timestamp("2024-03-01T04:30:00-0530"), Some(utc));
        assert_eq!(parse_timestamp("2024-03-01T12:00+02"), Some(utc));
        assert_eq!(parse_timestamp("2024-03-01 10:00:00 +00:00"), Some(utc));
        assert_eq!(parse_timestamp("2024-03-01T10:00:00.5Z"), Some(utc));
        // Across midnight and before 1970.
        assert_eq!(parse_timestamp("2024-03-01T00:30:00+01:00"), parse_timestamp("2024-02-29T23:30:00Z"));
        assert_eq!(parse_timestamp("1970-01-01T00:59:06.673+01:00"), Some(-54));
        for bad in
            ["2024-03-01T10:00:00+1", "2024-03-01T10:00:00+25:00", "2024-03-01T10:00:00+01:60", "2024-03-01T10:00+x1"]
        {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_outside_years_1_to_9999_are_refused_not_overflowed() {
        // Found by the csv_interactions fuzz target: a year of 1293876002011 overflowed i64.
        assert_eq!(parse_timestamp("1293876002011-02-01"), None);
        assert_eq!(parse_timestamp("10000-01-01"), None);
        assert_eq!(parse_timestamp("0-01-01"), None);
        assert_eq!(parse_timestamp("9223372036854775807"), None);
        assert_eq!(parse_timestamp("-1e300"), None);
        assert_eq!(parse_timestamp("9999-12-31 23:59:59"), Some(MAX_TIME));
        assert_eq!(parse_timestamp("0001-01-01"), Some(MIN_TIME));
        assert_eq!(format_timestamp(MAX_TIME), "9999-12-31T23:59:59Z");
    }
}
