//! The account rows of the REST API (`orderbook`, `orderstatus`, `tradebook`, `positionbook`,
//! `holdings`, `funds`), defined once for every front end: the server serialises them into its
//! JSON answers and the Python binding turns the same rows into dicts.
//!
//! Each row is built from a core broker model ([`crate::Order`], [`crate::Trade`], …) and
//! carries exact decimals already rounded as the wire shows them; floats appear only while
//! serialising. Fields are declared in the order the server writes them: its JSON objects are
//! sorted maps, so that order is alphabetical (byte order: `order_status` before `orderid`).

mod funds;
mod holding;
mod order;
mod position;
#[cfg(test)]
mod tests;
mod trade;

pub use funds::FundsRow;
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
        s.collect_str(&value.format("%Y-%m-%d %H:%M:%S"))
    }
}
