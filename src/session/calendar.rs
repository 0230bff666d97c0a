//! The local calendar of a session's start, from epoch milliseconds and the page's UTC offset,
//! with integer arithmetic only (no time-zone database: the page reports its own offset).

const DAY_MS: f64 = 86_400_000.0;

/// A session start in local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// 1–12.
    pub month: u32,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u32,
    /// 0–23.
    pub hour: u32,
}

impl LocalTime {
    /// `start_ms` milliseconds since the Unix epoch (UTC), seen `utc_offset_minutes` east of UTC.
    /// The caller has checked both are finite and in range.
    pub fn of(start_ms: f64, utc_offset_minutes: f64) -> Self {
        let local = start_ms + utc_offset_minutes * 60_000.0;
        let days = (local / DAY_MS).floor();
        let hour = ((local - days * DAY_MS) / 3_600_000.0).floor().clamp(0.0, 23.0) as u32;
        let days = days as i64;
        Self { month: month_of_day(days), weekday: (days + 3).rem_euclid(7) as u32, hour }
    }

    /// Saturday or Sunday.
    pub fn weekend(&self) -> bool {
        self.weekday >= 5
    }
}

/// The month (1–12) of day `z` counted from 1970-01-01, by the proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`, month part only).
fn month_of_day(z: i64) -> u32 {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    (if mp < 10 { mp + 3 } else { mp - 9 }) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        // 2026-11-30 18:53:29 UTC is a Monday.
        let t = LocalTime::of(1_796_064_809_000.0, 0.0);
        assert_eq!(t, LocalTime { month: 11, weekday: 0, hour: 18 });
        // Six hours east it is already 00:53 on Tuesday 1 December.
        assert_eq!(LocalTime::of(1_796_064_809_000.0, 360.0), LocalTime { month: 12, weekday: 1, hour: 0 });
        // The epoch was a Thursday; a minute before it, in UTC, Wednesday 31 December 1969, 23:59.
        assert_eq!(LocalTime::of(0.0, 0.0), LocalTime { month: 1, weekday: 3, hour: 0 });
        assert_eq!(LocalTime::of(-60_000.0, 0.0), LocalTime { month: 12, weekday: 2, hour: 23 });
        // 2024-02-29 (leap day) 12:00 UTC, a Thursday; 2024-03-02 is a Saturday.
        assert_eq!(LocalTime::of(1_709_208_000_000.0, 0.0), LocalTime { month: 2, weekday: 3, hour: 12 });
        assert!(LocalTime::of(1_709_208_000_000.0 + 2.0 * DAY_MS, 0.0).weekend());
    }
}
