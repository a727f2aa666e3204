//! Time to expiry: the exchange's expiry cut-off in IST and the reference's year fraction.
//!
//! The reference takes the expiry at the exchange's cut-off on the expiry date (15:30 for NFO,
//! BFO and every exchange not listed, 23:30 for MCX, 12:30 for CDS; a request may override it
//! with `HH:MM`), counts calendar time to it in days of 86,400 s and years of 365 days, treats
//! a cut-off already passed as expired, and raises anything under 0.0001 years (~53 min) to
//! 0.0001 years.

use chrono::{NaiveDateTime, NaiveTime};

use crate::Exchange;
use crate::symbol::ExpiryDate;

/// The smallest time to expiry the reference uses, in years.
pub const MIN_YEARS: f64 = 0.0001;

/// The expiry cut-off (IST wall clock) the reference uses for an exchange.
#[must_use]
pub fn expiry_cutoff(exchange: Exchange) -> NaiveTime {
    let (h, m) = match exchange {
        Exchange::Mcx => (23, 30),
        Exchange::Cds => (12, 30),
        _ => (15, 30),
    };
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

/// Parses a request's `expiry_time` override, `HH:MM` with hour 0–23 and minute 0–59 (one or
/// two digits each, as the reference's `int()` reads them).
#[must_use]
pub fn parse_expiry_time(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.split_once(':')?;
    let field = |s: &str| {
        let s = s.trim();
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    NaiveTime::from_hms_opt(field(h)?, field(m)?, 0)
}

/// The time left to an option's expiry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeToExpiry {
    /// Years of 365 days (at least [`MIN_YEARS`]).
    pub years: f64,
    /// Days of 86,400 s (the reference's `days_to_expiry`, `years × 365` when raised).
    pub days: f64,
}

/// The time from `now_ist` (IST wall clock) to the expiry at `cutoff` on `expiry`; `None` once
/// the cut-off has passed.
#[must_use]
pub fn time_to_expiry(
    expiry: ExpiryDate,
    cutoff: NaiveTime,
    now_ist: NaiveDateTime,
) -> Option<TimeToExpiry> {
    let at = expiry.date().and_time(cutoff);
    if at < now_ist {
        return None;
    }
    let delta = at - now_ist;
    // Whole seconds and the sub-second rest, as Python's `total_seconds()` does.
    #[allow(clippy::cast_precision_loss)]
    let seconds = delta.num_seconds() as f64 + f64::from(delta.subsec_nanos()) / 1_000_000_000.0;
    let days = seconds / 86_400.0;
    let years = days / 365.0;
    Some(if years < MIN_YEARS {
        TimeToExpiry {
            years: MIN_YEARS,
            days: MIN_YEARS * 365.0,
        }
    } else {
        TimeToExpiry { years, days }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 8, d)
            .and_then(|x| x.and_hms_opt(h, m, 0))
            .unwrap()
    }

    #[test]
    fn cutoffs_per_exchange() {
        let hm = |t: NaiveTime| t.format("%H:%M").to_string();
        assert_eq!(hm(expiry_cutoff(Exchange::Nfo)), "15:30");
        assert_eq!(hm(expiry_cutoff(Exchange::Bfo)), "15:30");
        assert_eq!(hm(expiry_cutoff(Exchange::Mcx)), "23:30");
        assert_eq!(hm(expiry_cutoff(Exchange::Cds)), "12:30");
        assert_eq!(hm(expiry_cutoff(Exchange::Crypto)), "15:30");
        assert_eq!(parse_expiry_time("19:00").map(hm).as_deref(), Some("19:00"));
        assert_eq!(parse_expiry_time("9:5").map(hm).as_deref(), Some("09:05"));
        for bad in [
            "24:00", "12:60", "1230", "12:30:00", ":30", "ab:cd", "-1:30", "",
        ] {
            assert_eq!(parse_expiry_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn years_and_days() {
        let expiry = ExpiryDate::from_ymd(2026, 8, 25).unwrap();
        let cutoff = expiry_cutoff(Exchange::Nfo);
        // 25 Aug 15:30 minus 28 days 12 hours = 28.5 days.
        let july_28 = NaiveDate::from_ymd_opt(2026, 7, 28)
            .and_then(|x| x.and_hms_opt(3, 30, 0))
            .unwrap();
        let t = time_to_expiry(expiry, cutoff, july_28).unwrap();
        assert!((t.days - 28.5).abs() < 1e-12, "{t:?}");
        assert!((t.years - 28.5 / 365.0).abs() < 1e-15);
        // After the cut-off: expired; at the cut-off: the minimum.
        assert_eq!(time_to_expiry(expiry, cutoff, at(25, 15, 31)), None);
        let min = time_to_expiry(expiry, cutoff, at(25, 15, 30)).unwrap();
        assert_eq!(min.years, MIN_YEARS);
        assert!((min.days - 0.0365).abs() < 1e-15);
        // MCX keeps eight more hours on the same day.
        let mcx = time_to_expiry(expiry, expiry_cutoff(Exchange::Mcx), at(25, 15, 30)).unwrap();
        assert!((mcx.days - 8.0 / 24.0).abs() < 1e-12);
    }
}
