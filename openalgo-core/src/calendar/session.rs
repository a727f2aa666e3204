//! Trading sessions: an exchange open between two IST wall-clock times of one date.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::Exchange;

/// IST is UTC+05:30 all year (no daylight saving).
const IST_OFFSET_MILLIS: i64 = (5 * 3600 + 30 * 60) * 1000;

/// One exchange's session on a day, in IST wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The exchange that is open.
    pub exchange: Exchange,
    /// Opening time (IST).
    #[serde(with = "hh_mm")]
    pub start: NaiveTime,
    /// Closing time (IST).
    #[serde(with = "hh_mm")]
    pub end: NaiveTime,
}

impl Session {
    /// A session; `None` when it would close before it opens.
    #[must_use]
    pub fn new(exchange: Exchange, start: NaiveTime, end: NaiveTime) -> Option<Self> {
        (start < end).then_some(Self {
            exchange,
            start,
            end,
        })
    }

    /// Opening and closing instants on `date`, as epoch milliseconds.
    #[must_use]
    pub fn epoch_millis(&self, date: NaiveDate) -> (i64, i64) {
        (ist_millis(date, self.start), ist_millis(date, self.end))
    }
}

/// Epoch milliseconds of an IST wall-clock time.
#[must_use]
pub fn ist_millis(date: NaiveDate, time: NaiveTime) -> i64 {
    date.and_time(time).and_utc().timestamp_millis() - IST_OFFSET_MILLIS
}

fn at(h: u32, m: u32, s: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, s).unwrap_or(NaiveTime::MIN)
}

/// The ordinary sessions, in the reference's order: NSE, BSE 09:15–15:30; NFO, BFO 09:15–15:40;
/// MCX, NCO 09:00–23:55; BCD, CDS 09:00–17:00; CRYPTO all day.
#[must_use]
pub fn regular_sessions() -> Vec<Session> {
    use Exchange::{Bcd, Bfo, Bse, Cds, Crypto, Mcx, Nco, Nfo, Nse};
    let s = |exchange, start, end| Session {
        exchange,
        start,
        end,
    };
    vec![
        s(Nse, at(9, 15, 0), at(15, 30, 0)),
        s(Bse, at(9, 15, 0), at(15, 30, 0)),
        s(Nfo, at(9, 15, 0), at(15, 40, 0)),
        s(Bfo, at(9, 15, 0), at(15, 40, 0)),
        s(Mcx, at(9, 0, 0), at(23, 55, 0)),
        s(Bcd, at(9, 0, 0), at(17, 0, 0)),
        s(Cds, at(9, 0, 0), at(17, 0, 0)),
        s(Nco, at(9, 0, 0), at(23, 55, 0)),
        s(Crypto, at(0, 0, 0), at(23, 59, 59)),
    ]
}

/// `HH:MM` (or `HH:MM:SS`) in data files.
mod hh_mm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&t.format("%H:%M:%S"))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let s = String::deserialize(d)?;
        NaiveTime::parse_from_str(&s, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(&s, "%H:%M"))
            .map_err(|_| D::Error::custom(format!("invalid time '{s}', expected HH:MM")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ist_midnight_is_the_previous_utc_evening() {
        let d = NaiveDate::from_ymd_opt(2025, 4, 30).unwrap();
        // 2025-04-30 09:15 IST = 03:45 UTC
        assert_eq!(ist_millis(d, at(9, 15, 0)), 1_745_984_700_000);
        let nse = regular_sessions()[0];
        assert_eq!(nse.epoch_millis(d), (1_745_984_700_000, 1_746_007_200_000));
    }

    #[test]
    fn a_session_must_close_after_it_opens() {
        assert!(Session::new(Exchange::Nse, at(15, 0, 0), at(9, 0, 0)).is_none());
    }
}
