//! The market calendar (rest-api §3.8): holidays, special sessions and each exchange's
//! trading window on a date, in IST. Pure data: the bundled Indian calendar can be extended or
//! corrected by the caller (the server reads an override file).

mod holiday;
mod session;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use thiserror::Error;

pub use holiday::{HolidayKind, MarketDay};
pub use session::{Session, ist_millis, regular_sessions};

/// The calendar bundled with the crate (NSE circulars for 2025 and 2026).
const BUNDLED: &str = include_str!("india.json");

/// A calendar data file that cannot be used.
#[derive(Debug, Error)]
pub enum CalendarError {
    /// Not valid JSON, or a field has the wrong shape.
    #[error("calendar data is malformed: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The same date appears twice.
    #[error("calendar data lists {0} twice")]
    Duplicate(NaiveDate),
    /// A session closes before it opens.
    #[error("calendar data for {0}: a session closes before it opens")]
    EmptySession(NaiveDate),
}

#[derive(Deserialize)]
struct CalendarFile {
    days: Vec<MarketDay>,
}

/// Holidays and special sessions by date, over the ordinary weekly sessions.
#[derive(Debug, Clone)]
pub struct MarketCalendar {
    days: BTreeMap<NaiveDate, MarketDay>,
    regular: Vec<Session>,
}

impl Default for MarketCalendar {
    fn default() -> Self {
        Self::bundled()
    }
}

impl MarketCalendar {
    /// The bundled Indian calendar.
    ///
    /// # Panics
    /// Never in a released build: the bundled file is checked by the tests.
    #[must_use]
    pub fn bundled() -> Self {
        let mut cal = Self {
            days: BTreeMap::new(),
            regular: regular_sessions(),
        };
        #[allow(clippy::expect_used)]
        cal.merge_json(BUNDLED)
            .expect("the bundled market calendar is valid");
        cal
    }

    /// Adds the days of a calendar file (`{"days": [...]}`); a date already present is replaced.
    ///
    /// # Errors
    /// [`CalendarError`] when the file is malformed, lists a date twice or has an empty session;
    /// the calendar is unchanged then.
    pub fn merge_json(&mut self, json: &str) -> Result<usize, CalendarError> {
        let file: CalendarFile = serde_json::from_str(json)?;
        let mut seen = BTreeMap::new();
        for day in file.days {
            if day.open.iter().any(|s| s.start >= s.end) {
                return Err(CalendarError::EmptySession(day.date));
            }
            if seen.insert(day.date, day.clone()).is_some() {
                return Err(CalendarError::Duplicate(day.date));
            }
        }
        let n = seen.len();
        self.days.extend(seen);
        Ok(n)
    }

    /// The holidays and special sessions of `year`, by date.
    pub fn year(&self, year: i32) -> impl Iterator<Item = &MarketDay> {
        let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
        let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
        self.days.range(from..=to).map(|(_, d)| d)
    }

    /// The calendar entry of a date, if any.
    #[must_use]
    pub fn day(&self, date: NaiveDate) -> Option<&MarketDay> {
        self.days.get(&date)
    }

    /// The sessions that trade on `date`: ordinary days get every regular session; weekends
    /// only CRYPTO; a trading holiday only its open exchanges; a settlement holiday the regular
    /// sessions; a special session only its listed sessions.
    #[must_use]
    pub fn sessions(&self, date: NaiveDate) -> Vec<Session> {
        match self.days.get(&date) {
            Some(day) => match day.kind {
                HolidayKind::SettlementHoliday => self.regular_on(date),
                HolidayKind::TradingHoliday | HolidayKind::SpecialSession => day.open.clone(),
            },
            None => self.regular_on(date),
        }
    }

    /// Whether `exchange` trades at `at_ms` (epoch milliseconds) by this calendar. Index
    /// exchanges follow their exchange's session (NSE_INDEX as NSE, BSE_INDEX as BSE,
    /// MCX_INDEX as MCX); an exchange without sessions here (NCDEX, GLOBAL_INDEX) never does.
    #[must_use]
    pub fn is_open(&self, exchange: crate::Exchange, at_ms: i64) -> bool {
        use crate::Exchange::{Bse, BseIndex, Mcx, McxIndex, Nse, NseIndex};
        let venue = match exchange {
            NseIndex => Nse,
            BseIndex => Bse,
            McxIndex => Mcx,
            other => other,
        };
        let ist = crate::clock::ist_from_ms(at_ms);
        let time = ist.time();
        self.sessions(ist.date())
            .iter()
            .any(|s| s.exchange == venue && s.start <= time && time < s.end)
    }

    fn regular_on(&self, date: NaiveDate) -> Vec<Session> {
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        self.regular
            .iter()
            .filter(|s| !weekend || s.exchange == crate::Exchange::Crypto)
            .copied()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Exchange;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn exchanges(s: &[Session]) -> Vec<Exchange> {
        s.iter().map(|s| s.exchange).collect()
    }

    #[test]
    fn bundled_data_is_valid_and_lists_the_2026_holidays() {
        let cal = MarketCalendar::bundled();
        let trading: Vec<_> = cal
            .year(2026)
            .filter(|h| h.kind == HolidayKind::TradingHoliday)
            .collect();
        assert_eq!(
            trading.len(),
            15,
            "NSE circular CMTR71775 lists 15 weekday holidays"
        );
        assert!(
            trading
                .iter()
                .all(|h| !matches!(h.date.weekday(), Weekday::Sat | Weekday::Sun))
        );
        assert_eq!(trading[0].description, "Republic Day");
    }

    #[test]
    fn an_ordinary_weekday_has_every_session_in_order() {
        let cal = MarketCalendar::bundled();
        let s = cal.sessions(d("2026-11-25"));
        assert_eq!(
            exchanges(&s),
            [
                Exchange::Nse,
                Exchange::Bse,
                Exchange::Nfo,
                Exchange::Bfo,
                Exchange::Mcx,
                Exchange::Bcd,
                Exchange::Cds,
                Exchange::Nco,
                Exchange::Crypto
            ]
        );
    }

    #[test]
    fn weekends_holidays_and_special_sessions() {
        let cal = MarketCalendar::bundled();
        assert_eq!(
            exchanges(&cal.sessions(d("2026-11-28"))),
            [Exchange::Crypto]
        );
        // Republic Day: everything closed.
        assert!(cal.sessions(d("2026-01-26")).is_empty());
        // Holi: MCX evening session only.
        let holi = cal.sessions(d("2026-03-03"));
        assert_eq!(exchanges(&holi), [Exchange::Mcx]);
        assert_eq!(holi[0].start.to_string(), "17:00:00");
        // Muhurat: only the special session.
        let muhurat = cal.sessions(d("2025-10-21"));
        assert_eq!(muhurat.len(), 7);
        assert!(muhurat.iter().all(|s| s.start.to_string() == "13:45:00"));
    }

    #[test]
    fn an_exchange_is_open_inside_its_session_only() {
        let cal = MarketCalendar::bundled();
        let at = |date: &str, h, m| {
            ist_millis(d(date), chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap())
        };
        // An ordinary Wednesday: NSE from 09:15 up to (not at) 15:30; the index follows NSE.
        assert!(!cal.is_open(Exchange::Nse, at("2026-11-25", 9, 14)));
        assert!(cal.is_open(Exchange::Nse, at("2026-11-25", 9, 15)));
        assert!(cal.is_open(Exchange::NseIndex, at("2026-11-25", 15, 29)));
        assert!(!cal.is_open(Exchange::Nse, at("2026-11-25", 15, 30)));
        assert!(cal.is_open(Exchange::Mcx, at("2026-11-25", 23, 0)));
        assert!(!cal.is_open(Exchange::Ncdex, at("2026-11-25", 11, 0)));
        // Guru Nanak Jayanti: equities closed all day, MCX in the evening only.
        assert!(!cal.is_open(Exchange::Nse, at("2026-11-24", 10, 0)));
        assert!(!cal.is_open(Exchange::McxIndex, at("2026-11-24", 10, 0)));
        assert!(cal.is_open(Exchange::Mcx, at("2026-11-24", 18, 0)));
        // A Saturday: only crypto.
        assert!(!cal.is_open(Exchange::Nse, at("2026-11-28", 11, 0)));
        assert!(cal.is_open(Exchange::Crypto, at("2026-11-28", 11, 0)));
    }

    #[test]
    fn an_override_replaces_a_date_and_a_settlement_holiday_trades_normally() {
        let mut cal = MarketCalendar::bundled();
        let n = cal
            .merge_json(
                r#"{"days":[{"date":"2026-03-03","description":"Holi (moved)","holiday_type":"SETTLEMENT_HOLIDAY"},
                            {"date":"2027-01-26","description":"Republic Day","holiday_type":"TRADING_HOLIDAY","closed_exchanges":["NSE"]}]}"#,
            )
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(cal.sessions(d("2026-03-03")).len(), 9);
        assert_eq!(cal.year(2027).count(), 1);
    }

    #[test]
    fn bad_override_files_are_rejected_whole() {
        let mut cal = MarketCalendar::bundled();
        let before = cal.year(2026).count();
        let dup = r#"{"days":[{"date":"2026-01-01","description":"x","holiday_type":"TRADING_HOLIDAY"},
                              {"date":"2026-01-01","description":"y","holiday_type":"TRADING_HOLIDAY"}]}"#;
        assert!(matches!(
            cal.merge_json(dup),
            Err(CalendarError::Duplicate(_))
        ));
        let empty = r#"{"days":[{"date":"2026-01-02","description":"x","holiday_type":"SPECIAL_SESSION",
                        "open_exchanges":[{"exchange":"NSE","start":"18:00","end":"17:00"}]}]}"#;
        assert!(matches!(
            cal.merge_json(empty),
            Err(CalendarError::EmptySession(_))
        ));
        assert!(matches!(
            cal.merge_json(r#"{"days":[{"date":"2026-13-01"}]}"#),
            Err(CalendarError::Malformed(_))
        ));
        assert_eq!(cal.year(2026).count(), before);
    }
}
