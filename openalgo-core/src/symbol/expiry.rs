//! Expiry dates and their two text forms: `DDMMMYY` in symbols and requests, `DD-MMM-YY` in the
//! master contract.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// A contract expiry date (years 2000–2099, as two-digit years imply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpiryDate(NaiveDate);

impl ExpiryDate {
    /// Wraps a calendar date; `None` outside 2000–2099.
    #[must_use]
    pub fn new(date: NaiveDate) -> Option<Self> {
        (2000..=2099).contains(&date.year()).then_some(Self(date))
    }

    /// Builds from day, month (1–12) and full year.
    #[must_use]
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, day).and_then(Self::new)
    }

    /// The calendar date.
    #[must_use]
    pub const fn date(self) -> NaiveDate {
        self.0
    }

    /// Parses the compact `DDMMMYY` form (upper-case month), e.g. `30JAN25`.
    ///
    /// # Errors
    /// A human-readable reason when the text is not a real date in that form.
    pub fn parse_compact(text: &str) -> Result<Self, String> {
        let b = text.as_bytes();
        if b.len() != 7 {
            return Err(format!(
                "expected DDMMMYY (7 characters), got {} characters",
                b.len()
            ));
        }
        Self::from_parts(&text[0..2], &text[2..5], &text[5..7])
    }

    /// Parses the master-contract `DD-MMM-YY` form, e.g. `30-JAN-25`.
    ///
    /// # Errors
    /// A human-readable reason when the text is not a real date in that form.
    pub fn parse_dashed(text: &str) -> Result<Self, String> {
        let b = text.as_bytes();
        if b.len() != 9 || b[2] != b'-' || b[6] != b'-' {
            return Err("expected DD-MMM-YY".to_owned());
        }
        Self::from_parts(&text[0..2], &text[3..6], &text[7..9])
    }

    fn from_parts(day: &str, month: &str, year: &str) -> Result<Self, String> {
        let two_digits = |s: &str| {
            let b = s.as_bytes();
            (b.len() == 2 && b.iter().all(u8::is_ascii_digit))
                .then(|| u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0'))
        };
        let d = two_digits(day).ok_or_else(|| format!("day '{day}' is not two digits"))?;
        let m = month_number(month)
            .ok_or_else(|| format!("month '{month}' is not one of JAN..DEC (upper-case)"))?;
        let y = two_digits(year).ok_or_else(|| format!("year '{year}' is not two digits"))?;
        #[allow(clippy::cast_possible_wrap)]
        let full_year = 2000 + y as i32;
        Self::from_ymd(full_year, m, d)
            .ok_or_else(|| format!("day {d:02} does not exist in {month} {full_year}"))
    }

    /// The compact `DDMMMYY` form used inside symbols.
    #[must_use]
    pub fn compact(self) -> String {
        self.to_string()
    }

    /// The master-contract `DD-MMM-YY` form.
    #[must_use]
    pub fn dashed(self) -> String {
        format!(
            "{:02}-{}-{:02}",
            self.0.day(),
            MONTHS[self.0.month0() as usize],
            self.0.year() % 100
        )
    }

    pub(crate) fn write_compact(self, out: &mut impl fmt::Write) -> fmt::Result {
        let day = self.0.day();
        let year = self.0.year() % 100;
        write!(out, "{day:02}{}{year:02}", MONTHS[self.0.month0() as usize])
    }
}

/// 1-based month number of an upper-case three-letter abbreviation.
#[must_use]
pub(crate) fn month_number(abbrev: &str) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| *m == abbrev)
        .and_then(|i| u32::try_from(i + 1).ok())
}

impl fmt::Display for ExpiryDate {
    /// Writes the compact `DDMMMYY` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_compact(f)
    }
}

impl FromStr for ExpiryDate {
    type Err = String;

    /// Accepts either `DDMMMYY` or `DD-MMM-YY`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 9 {
            Self::parse_dashed(s)
        } else {
            Self::parse_compact(s)
        }
    }
}

impl Serialize for ExpiryDate {
    /// Writes the master-contract `DD-MMM-YY` form.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.dashed())
    }
}

impl<'de> Deserialize<'de> for ExpiryDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms() {
        let e = ExpiryDate::parse_compact("30JAN25").unwrap();
        assert_eq!(e.date(), NaiveDate::from_ymd_opt(2025, 1, 30).unwrap());
        assert_eq!(e.compact(), "30JAN25");
        assert_eq!(e.dashed(), "30-JAN-25");
        assert_eq!(
            ExpiryDate::parse_dashed("05-FEB-26").unwrap().compact(),
            "05FEB26"
        );
        assert_eq!(
            "25-AUG-26".parse::<ExpiryDate>().unwrap().compact(),
            "25AUG26"
        );
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"30-JAN-25\"");
    }

    #[test]
    fn precise_errors() {
        assert_eq!(
            ExpiryDate::parse_compact("30FEB25").unwrap_err(),
            "day 30 does not exist in FEB 2025"
        );
        assert_eq!(
            ExpiryDate::parse_compact("30Jan25").unwrap_err(),
            "month 'Jan' is not one of JAN..DEC (upper-case)"
        );
        assert!(ExpiryDate::parse_compact("3JAN25").is_err());
        assert!(ExpiryDate::parse_compact("00JAN25").is_err());
        assert!(ExpiryDate::parse_dashed("30JAN25").is_err());
        assert!(ExpiryDate::parse_compact("29FEB24").is_ok());
        assert!(ExpiryDate::parse_compact("29FEB25").is_err());
    }
}
