//! Expiry rules of the simulated contracts and the exchanges' trading sessions, all computed
//! from dates passed in (no wall clock).

use chrono::{Datelike, Days, NaiveDate, NaiveTime, Weekday};
use openalgo_core::Exchange;

/// Moves a weekend date back to the Friday before.
fn weekday_on_or_before(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d - Days::new(1),
        Weekday::Sun => d - Days::new(2),
        _ => d,
    }
}

fn month_start(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default()
}

fn next_month(d: NaiveDate) -> NaiveDate {
    if d.month() == 12 {
        month_start(d.year() + 1, 1)
    } else {
        month_start(d.year(), d.month() + 1)
    }
}

fn last_day_of_month(d: NaiveDate) -> NaiveDate {
    next_month(d) - Days::new(1)
}

/// The last `weekday` of the month containing `d`.
fn last_weekday_of_month(d: NaiveDate, weekday: Weekday) -> NaiveDate {
    let last = last_day_of_month(d);
    let back = (7 + last.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
    last - Days::new(u64::from(back))
}

/// The first `weekday` on or after `d`.
fn next_weekday(d: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() - d.weekday().num_days_from_monday()) % 7;
    d + Days::new(u64::from(ahead))
}

/// How a simulated contract series expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryRule {
    /// Every given weekday (NIFTY options: Tuesday; SENSEX options: Thursday).
    Weekly(Weekday),
    /// The last given weekday of each month (index futures, monthly options).
    MonthlyLast(Weekday),
    /// A fixed day of each month, moved back to a weekday (CRUDEOIL: 19th).
    MonthlyDay(u32),
    /// A fixed day of even months, moved back to a weekday (GOLD: 5th).
    EvenMonthDay(u32),
    /// Two weekdays before the last weekday of the month (USDINR).
    CurrencyMonthly,
}

impl ExpiryRule {
    /// The expiry of this rule's contract for the month of `d` (monthly rules) or the week
    /// starting at `d` (weekly rule).
    fn in_period(self, d: NaiveDate) -> NaiveDate {
        match self {
            Self::Weekly(w) => next_weekday(d, w),
            Self::MonthlyLast(w) => last_weekday_of_month(d, w),
            Self::MonthlyDay(day) | Self::EvenMonthDay(day) => {
                weekday_on_or_before(NaiveDate::from_ymd_opt(d.year(), d.month(), day).unwrap_or(d))
            }
            Self::CurrencyMonthly => {
                let mut x = weekday_on_or_before(last_day_of_month(d));
                for _ in 0..2 {
                    x = weekday_on_or_before(x - Days::new(1));
                }
                x
            }
        }
    }

    /// The next `count` expiries on or after `today`, ascending.
    #[must_use]
    pub fn upcoming(self, today: NaiveDate, count: usize) -> Vec<NaiveDate> {
        let mut out = Vec::with_capacity(count);
        let mut cursor = match self {
            Self::Weekly(_) => today,
            _ => month_start(today.year(), today.month()),
        };
        while out.len() < count {
            let skip = matches!(self, Self::EvenMonthDay(_)) && cursor.month() % 2 == 1;
            if !skip {
                let e = self.in_period(cursor);
                if e >= today && out.last() != Some(&e) {
                    out.push(e);
                }
            }
            cursor = match self {
                Self::Weekly(_) => self.in_period(cursor) + Days::new(1),
                _ => next_month(cursor),
            };
        }
        out
    }
}

/// An exchange's regular session in IST, Monday to Friday.
#[must_use]
pub(crate) fn session(exchange: Exchange) -> (NaiveTime, NaiveTime) {
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
    match exchange {
        Exchange::Mcx | Exchange::McxIndex => (hm(9, 0), hm(23, 30)),
        Exchange::Cds | Exchange::Bcd => (hm(9, 0), hm(17, 0)),
        _ => (hm(9, 15), hm(15, 30)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weekly_and_monthly_index_expiries() {
        // 2026-11-24 is a Tuesday: this week's NIFTY expiry is today.
        let today = d(2026, 11, 24);
        assert_eq!(
            ExpiryRule::Weekly(Weekday::Tue).upcoming(today, 2),
            [d(2026, 11, 24), d(2026, 12, 1)]
        );
        assert_eq!(
            ExpiryRule::Weekly(Weekday::Thu).upcoming(today, 2),
            [d(2026, 11, 26), d(2026, 12, 3)]
        );
        assert_eq!(
            ExpiryRule::MonthlyLast(Weekday::Tue).upcoming(today, 2),
            [d(2026, 11, 24), d(2026, 12, 29)]
        );
        assert_eq!(
            ExpiryRule::MonthlyLast(Weekday::Tue).upcoming(d(2026, 11, 25), 2),
            [d(2026, 12, 29), d(2027, 1, 26)]
        );
    }

    #[test]
    fn commodity_and_currency_expiries() {
        let today = d(2026, 11, 24);
        // 2026-12-19 is a Saturday: CRUDEOIL moves to Friday the 18th.
        assert_eq!(
            ExpiryRule::MonthlyDay(19).upcoming(today, 2),
            [d(2026, 12, 18), d(2027, 1, 19)]
        );
        // GOLD: the 5th of even months (2026-12-05 is a Saturday → the 4th).
        assert_eq!(
            ExpiryRule::EvenMonthDay(5).upcoming(today, 2),
            [d(2026, 12, 4), d(2027, 2, 5)]
        );
        // USDINR: last weekday of Nov 2026 is Mon 30th; two weekdays before is Thu 26th.
        assert_eq!(
            ExpiryRule::CurrencyMonthly.upcoming(today, 2),
            [d(2026, 11, 26), d(2026, 12, 29)]
        );
    }
}
