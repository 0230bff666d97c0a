//! How long `--model auto` may search: a time or a number of trials.

use std::time::Duration;

use crate::error::{Error, Result};

/// How long the search may run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// Wall-clock time for the search (the final fit on all data comes after it).
    Time(Duration),
    /// A number of configurations trained (reproducible on any machine); up to two ALS
    /// promotions to full iterations come on top.
    Trials(usize),
}

impl Budget {
    /// Parses `60s`, `2m`, `1h` (time) or `40 trials` / `40t` (count).
    pub fn parse(s: &str) -> Result<Self> {
        let t = s.trim();
        let bad = || Error::param("budget", s, "must be a time such as 60s, 2m, 1h or a count such as 40trials");
        let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let v: f64 = num.parse().map_err(|_| bad())?;
        let secs = match unit.trim() {
            "s" | "sec" | "secs" | "seconds" => v,
            "m" | "min" | "minutes" => v * 60.0,
            "h" | "hours" => v * 3600.0,
            "t" | "trial" | "trials" if v.fract() == 0.0 && (1.0..=10_000.0).contains(&v) => {
                return Ok(Budget::Trials(v as usize))
            }
            _ => return Err(bad()),
        };
        if !(1.0..=7.0 * 86_400.0).contains(&secs) {
            return Err(Error::param("budget", s, "must be between 1 second and 7 days"));
        }
        Ok(Budget::Time(Duration::from_secs_f64(secs)))
    }

    /// As written on the command line.
    pub fn describe(&self) -> String {
        match self {
            Budget::Time(d) => format!("{}s", d.as_secs_f64()),
            Budget::Trials(n) => format!("{n} trials"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_times_and_counts() {
        assert_eq!(Budget::parse("60s").unwrap(), Budget::Time(Duration::from_secs(60)));
        assert_eq!(Budget::parse("2m").unwrap(), Budget::Time(Duration::from_secs(120)));
        assert_eq!(Budget::parse("1.5h").unwrap(), Budget::Time(Duration::from_secs(5400)));
        assert_eq!(Budget::parse("40 trials").unwrap(), Budget::Trials(40));
        assert_eq!(Budget::parse("7t").unwrap(), Budget::Trials(7));
        for bad in ["60", "", "s", "-5s", "0s", "1.5trials", "0trials", "10 parsecs", "1e9h"] {
            assert!(Budget::parse(bad).is_err(), "{bad}");
        }
    }
}
