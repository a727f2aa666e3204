//! The account rows of the REST API (`orderbook`, `orderstatus`, `tradebook`, `positionbook`,
//! `holdings`, `funds`), defined once for every front end: the server serialises them into its
//! JSON answers and the Python binding turns the same rows into dicts.
//!
//! Each row is built from a core broker model ([`crate::Order`], [`crate::Trade`], …) and
//! carries exact decimals already rounded as the wire shows them; floats appear only while
//! serialising. Fields are declared in the order the server writes them: its JSON objects are
//! sorted maps, so that order is alphabetical (byte order: `order_status` before `orderid`).

mod funds;
mod gtt;
mod holding;
mod order;
mod position;
#[cfg(test)]
mod tests;
mod trade;

pub use funds::FundsRow;
pub use gtt::{GttLegRow, GttRow};
pub use holding::{HoldingRow, HoldingsBook, HoldingsStatistics};
pub use order::{OrderBook, OrderBookStatistics, OrderRow};
pub use position::PositionRow;
pub use trade::TradeRow;

use rust_decimal::Decimal;

/// Money and prices as the rows show them: rounded to 2 places the way `Decimal::round_dp`
/// rounds (half to even).
#[must_use]
pub fn round2(value: Decimal) -> Decimal {
    value.round_dp(2)
}

/// `part` as a percentage of `whole`, rounded to 2 places; zero when `whole` is zero (or the
/// quotient does not fit a decimal).
#[must_use]
pub fn percent(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        return Decimal::ZERO;
    }
    part.checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|p| p.checked_div(whole))
        .map_or(Decimal::ZERO, round2)
}

/// Serialisers for the rows' fields: the wire's number, text and time formats.
mod wire {
    use chrono::NaiveDateTime;
    use rust_decimal::Decimal;
    use serde::Serializer;

    use crate::money::decimal_to_f64;

    /// A decimal as a JSON number (the double nearest to it).
    pub(super) fn number<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(decimal_to_f64(*value))
    }

    /// A decimal as text with exactly 2 places (`format!("{:.2}")`: further places are cut).
    pub(super) fn text2<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{value:.2}"))
    }

    /// An exchange-local time as `YYYY-MM-DD HH:MM:SS`.
    pub(super) fn timestamp<S: Serializer>(value: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 19];
        match timestamp_text(value, &mut buf) {
            Some(text) => s.serialize_str(text),
            None => s.collect_str(&value.format("%Y-%m-%d %H:%M:%S")),
        }
    }

    /// `YYYY-MM-DD HH:MM:SS` written by hand (books write one per row, and chrono's
    /// format-string interpreter was a quarter of a large order book's time); `None` for years
    /// outside 0–9999, which chrono writes differently.
    pub(super) fn timestamp_text<'a>(
        value: &NaiveDateTime,
        buf: &'a mut [u8; 19],
    ) -> Option<&'a str> {
        use chrono::{Datelike, Timelike};
        let year = u32::try_from(value.year()).ok().filter(|y| *y <= 9999)?;
        let fields = [
            (0, 4, year),
            (5, 2, value.month()),
            (8, 2, value.day()),
            (11, 2, value.hour()),
            (14, 2, value.minute()),
            (17, 2, value.second()),
        ];
        *buf = *b"0000-00-00 00:00:00";
        for (at, width, mut v) in fields {
            for i in (at..at + width).rev() {
                buf[i] = b'0' + u8::try_from(v % 10).unwrap_or(0);
                v /= 10;
            }
        }
        std::str::from_utf8(buf).ok()
    }

    #[cfg(test)]
    mod tests {
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn timestamps_read_as_chrono_writes_them(secs in -62_000_000_000i64..300_000_000_000i64) {
                let t = chrono::DateTime::from_timestamp(secs, 0).unwrap().naive_utc();
                let mut buf = [0u8; 19];
                match super::timestamp_text(&t, &mut buf) {
                    Some(text) => prop_assert_eq!(text, t.format("%Y-%m-%d %H:%M:%S").to_string()),
                    None => prop_assert!(!(0..=9999).contains(&chrono::Datelike::year(&t))),
                }
            }
        }
    }
}
