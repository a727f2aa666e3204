//! The funds row.

use rust_decimal::Decimal;
use serde::Serialize;

use super::wire;
use crate::Funds;

/// Account funds as `funds` returns them: every amount is text with exactly 2 places, as in
/// the reference (`"1000000.00"`); places beyond the second are cut, not rounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FundsRow {
    /// Cash available for new orders.
    #[serde(serialize_with = "wire::text2")]
    pub availablecash: Decimal,
    /// Collateral (pledged holdings).
    #[serde(serialize_with = "wire::text2")]
    pub collateral: Decimal,
    /// Realized mark-to-market.
    #[serde(serialize_with = "wire::text2")]
    pub m2mrealized: Decimal,
    /// Unrealized mark-to-market.
    #[serde(serialize_with = "wire::text2")]
    pub m2munrealized: Decimal,
    /// Margin in use.
    #[serde(serialize_with = "wire::text2")]
    pub utiliseddebits: Decimal,
}

impl From<&Funds> for FundsRow {
    fn from(f: &Funds) -> Self {
        Self {
            availablecash: f.available_cash,
            collateral: f.collateral,
            m2mrealized: f.m2m_realized,
            m2munrealized: f.m2m_unrealized,
            utiliseddebits: f.utilised_debits,
        }
    }
}
