//! History requests cut into the per-request date windows a broker serves (Kite, SmartAPI and
//! DhanHQ each cap a candle request at some number of days per interval): the adapters request
//! each window in turn and stitch the candles.

use chrono::{Days, NaiveDate};

/// `start..=end` cut into consecutive inclusive windows of at most `days` days (a zero is
/// taken as one); empty when `start` is after `end`.
pub(crate) fn day_windows(
    start: NaiveDate,
    end: NaiveDate,
    days: u64,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut from = start;
    while from <= end {
        let to = from
            .checked_add_days(Days::new(days.max(1) - 1))
            .map_or(end, |d| d.min(end));
        out.push((from, to));
        match to.checked_add_days(Days::new(1)) {
            Some(next) => from = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, day).expect("date")
    }

    #[test]
    fn ranges_are_cut_into_windows_that_meet_end_to_end() {
        assert_eq!(
            day_windows(d(1, 1), d(3, 15), 30),
            [
                (d(1, 1), d(1, 30)),
                (d(1, 31), d(2, 29)),
                (d(3, 1), d(3, 15))
            ]
        );
        assert_eq!(
            day_windows(d(1, 1), d(3, 15), 60),
            [(d(1, 1), d(2, 29)), (d(3, 1), d(3, 15))]
        );
        assert_eq!(
            day_windows(d(1, 1), d(5, 15), 90),
            [(d(1, 1), d(3, 30)), (d(3, 31), d(5, 15))]
        );
    }

    #[test]
    fn one_day_a_reversed_range_and_a_zero_width() {
        assert_eq!(day_windows(d(1, 1), d(1, 1), 90), [(d(1, 1), d(1, 1))]);
        assert!(day_windows(d(2, 1), d(1, 1), 90).is_empty());
        assert_eq!(
            day_windows(d(1, 1), d(1, 2), 0),
            [(d(1, 1), d(1, 1)), (d(1, 2), d(1, 2))]
        );
    }
}
