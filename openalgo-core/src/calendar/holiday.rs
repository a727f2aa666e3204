//! Holidays and special sessions: the calendar's data records.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Session;
use crate::Exchange;

crate::vocab::wire_enum! {
    /// What kind of day a calendar entry describes.
    pub enum HolidayKind("holiday type") {
        /// Exchanges in `closed` do not trade; those in `open` keep the listed sessions.
        TradingHoliday = "TRADING_HOLIDAY",
        /// Trading as usual; only settlement is off.
        SettlementHoliday = "SETTLEMENT_HOLIDAY",
        /// A special session (e.g. Muhurat): only the listed sessions trade.
        SpecialSession = "SPECIAL_SESSION",
    }
}

/// One calendar entry: a holiday or a special session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketDay {
    /// The date (IST).
    pub date: NaiveDate,
    /// What the day is (e.g. `Republic Day`).
    pub description: String,
    /// The kind of day.
    #[serde(rename = "holiday_type")]
    pub kind: HolidayKind,
    /// Exchanges closed all day.
    #[serde(rename = "closed_exchanges", default)]
    pub closed: Vec<Exchange>,
    /// Exchanges open, with their sessions that day.
    #[serde(rename = "open_exchanges", default)]
    pub open: Vec<Session>,
}
