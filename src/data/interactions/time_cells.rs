//! A log's time cells read as times: the last cell's time reused for the same text, and slash
//! dates read in the order the column shows.

use crate::data::time::{parse_timestamp_in, DateOrder};

/// Reads a column's time cells. Consecutive rows often share a time (the lines of one order;
/// every row of a part whose time is its partition directory), and parsing a date costs more
/// than comparing a few bytes, so the last text's time is reused.
///
/// Slash dates are read in the order `--date-order` gives, else in the order the first date
/// that shows one does (`13/3/2024` can only be day first, `3/13/2024` only month first), month
/// first until then. A day-first date after a slash date was read month first stops the read
/// ([`TimeProblem::Mixed`]): the earlier rows may have been read wrong, and no row is kept
/// read so; a date of the other order after that is a bad row.
#[derive(Default)]
pub(super) struct TimeCells {
    text: String,
    time: Option<i64>,
    /// The order slash dates are read in, once given or shown.
    order: Option<DateOrder>,
    /// What set `order`: `--date-order`, or the first date that showed it.
    set_by: String,
    /// The first slash date read month first before the order was known, either order reading it.
    guessed: Option<String>,
}

/// Why a time cell gives no time.
#[derive(Debug, PartialEq)]
pub(super) enum TimeProblem {
    /// The cell is no time (in the column's order): a bad row.
    Bad(String),
    /// A day-first date after rows whose slash dates were read month first: the read cannot go on.
    Mixed(String),
}

impl TimeCells {
    /// Reads slash dates in `order` when given, else as the column shows.
    pub(super) fn new(order: Option<DateOrder>) -> Self {
        let set_by = order.map_or(String::new(), |o| format!("--date-order {}", o.name()));
        Self { order, set_by, ..Self::default() }
    }

    /// The time of `text` (Unix seconds), or why it gives none.
    pub(super) fn parse(&mut self, text: &str) -> Result<i64, TimeProblem> {
        if let Some(t) = self.time.filter(|_| self.text == text) {
            return Ok(t);
        }
        let order = self.order_for(text)?;
        let t = parse_timestamp_in(text, order).ok_or_else(|| TimeProblem::Bad("unrecognised timestamp".into()))?;
        self.time = Some(t);
        self.text.clear();
        self.text.push_str(text);
        Ok(t)
    }

    /// The order to read `text` in, learning the column's from it.
    fn order_for(&mut self, text: &str) -> Result<DateOrder, TimeProblem> {
        let Some(shown) = DateOrder::shown_by(text) else {
            if self.order.is_none() && self.guessed.is_none() && DateOrder::is_ambiguous(text) {
                self.guessed = Some(text.trim().to_owned());
            }
            return Ok(self.order.unwrap_or_default());
        };
        match self.order {
            Some(order) if order != shown => Err(TimeProblem::Bad(format!(
                "a {} date in a column read {} (as {} set)",
                words(shown),
                words(order),
                self.set_by
            ))),
            Some(order) => Ok(order),
            None => match &self.guessed {
                Some(earlier) if shown == DateOrder::DayFirst => Err(TimeProblem::Mixed(format!(
                    "{:?} is a day-first date, but the column's earlier {earlier:?} was read month first (3 January \
                     or 1 March: slash dates are read month first until one shows the order); pass --date-order dmy \
                     to read them day first (or mdy)",
                    text.trim()
                ))),
                _ => {
                    self.order = Some(shown);
                    self.set_by = format!("{:?} showed", text.trim());
                    Ok(shown)
                }
            },
        }
    }
}

fn words(order: DateOrder) -> &'static str {
    match order {
        DateOrder::MonthFirst => "month-first",
        DateOrder::DayFirst => "day-first",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::time::parse_timestamp;

    #[test]
    fn the_last_time_parsed_is_reused_only_for_the_same_text() {
        let mut cells = TimeCells::default();
        for text in ["2024-03-01", "2024-03-01", "bad", "bad", "2024-03-01", "1700000000", "2024-03-01 10:00", ""] {
            assert_eq!(cells.parse(text).ok(), parse_timestamp(text), "{text:?}");
        }
    }

    fn day(y: i64, m: i64, d: i64) -> i64 {
        crate::data::time::days_from_civil(y, m, d) * 86_400
    }

    #[test]
    fn slash_dates_are_read_in_the_order_their_column_shows() {
        // Day first, shown before any date either order reads.
        let mut cells = TimeCells::new(None);
        assert_eq!(cells.parse("13/03/2024"), Ok(day(2024, 3, 13)));
        assert_eq!(cells.parse("01/03/2024"), Ok(day(2024, 3, 1)), "read day first from then on");
        assert!(matches!(cells.parse("03/14/2024"), Err(TimeProblem::Bad(why)) if why.contains("a month-first date")));
        assert_eq!(cells.parse("2024-03-01"), Ok(day(2024, 3, 1)), "other forms as ever");

        // Month first, shown or not: read as Excel's US exports write dates.
        let mut cells = TimeCells::new(None);
        assert_eq!(cells.parse("3/1/2024 10:00"), Ok(day(2024, 3, 1) + 36_000));
        assert_eq!(cells.parse("3/14/2024"), Ok(day(2024, 3, 14)));
        assert!(matches!(cells.parse("14/3/2024"), Err(TimeProblem::Bad(_))));

        // A day-first date after one read month first stops the read.
        let mut cells = TimeCells::new(None);
        assert_eq!(cells.parse("01/03/2024"), Ok(day(2024, 1, 3)));
        match cells.parse("13/03/2024") {
            Err(TimeProblem::Mixed(why)) => assert!(why.contains("\"01/03/2024\"") && why.contains("--date-order dmy")),
            other => panic!("{other:?}"),
        }

        // Given: read so from the first row, and the other order is a bad row.
        let mut cells = TimeCells::new(Some(DateOrder::DayFirst));
        assert_eq!(cells.parse("01/03/2024"), Ok(day(2024, 3, 1)));
        assert_eq!(cells.parse("13/03/2024"), Ok(day(2024, 3, 13)));
        match cells.parse("3/14/2024") {
            Err(TimeProblem::Bad(why)) => assert!(why.contains("--date-order dmy"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
