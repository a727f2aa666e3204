//! The holdings row and the portfolio statistics beside it.

use rust_decimal::Decimal;
use serde::Serialize;

use super::{percent, round2, wire};
use crate::{Exchange, Holding, Product};

/// One delivery holding as `holdings` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoldingRow<'a> {
    /// Average buy price, 2 places.
    #[serde(serialize_with = "wire::number")]
    pub average_price: Decimal,
    /// OpenAlgo exchange.
    pub exchange: Exchange,
    /// Last traded price, 2 places.
    #[serde(serialize_with = "wire::number")]
    pub ltp: Decimal,
    /// Unrealized P&L, 2 places.
    #[serde(serialize_with = "wire::number")]
    pub pnl: Decimal,
    /// P&L as a percentage of the cost (`quantity × average_price`), 2 places; zero at no cost.
    #[serde(serialize_with = "wire::number")]
    pub pnlpercent: Decimal,
    /// Product.
    pub product: Product,
    /// Units held.
    pub quantity: u64,
    /// OpenAlgo symbol.
    pub symbol: &'a str,
}

impl<'a> From<&'a Holding> for HoldingRow<'a> {
    fn from(h: &'a Holding) -> Self {
        let cost = h.average_price.notional(h.quantity.get());
        Self {
            average_price: round2(h.average_price.value()),
            exchange: h.instrument.exchange,
            ltp: round2(h.ltp.value()),
            pnl: round2(h.pnl),
            pnlpercent: percent(h.pnl, cost),
            product: h.product,
            quantity: h.quantity.get(),
            symbol: h.instrument.symbol.as_str(),
        }
    }
}

/// Totals over the holdings, each rounded to 2 places after summing exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HoldingsStatistics {
    /// Sum of `quantity × ltp`.
    #[serde(serialize_with = "wire::number")]
    pub totalholdingvalue: Decimal,
    /// Sum of `quantity × average_price`.
    #[serde(serialize_with = "wire::number")]
    pub totalinvvalue: Decimal,
    /// The P&L as a percentage of the invested value (zero when nothing is invested).
    #[serde(serialize_with = "wire::number")]
    pub totalpnlpercentage: Decimal,
    /// Holding value minus invested value.
    #[serde(serialize_with = "wire::number")]
    pub totalprofitandloss: Decimal,
}

impl HoldingsStatistics {
    /// The totals over `holdings`.
    #[must_use]
    pub fn of(holdings: &[Holding]) -> Self {
        let mut value = Decimal::ZERO;
        let mut invested = Decimal::ZERO;
        for h in holdings {
            value += h.ltp.notional(h.quantity.get());
            invested += h.average_price.notional(h.quantity.get());
        }
        let pnl = value - invested;
        Self {
            totalholdingvalue: round2(value),
            totalinvvalue: round2(invested),
            totalpnlpercentage: percent(pnl, invested),
            totalprofitandloss: round2(pnl),
        }
    }
}

/// The `holdings` payload: `{"holdings": [...], "statistics": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoldingsBook<'a> {
    /// One row per holding, in the broker's order.
    pub holdings: Vec<HoldingRow<'a>>,
    /// Totals over the holdings.
    pub statistics: HoldingsStatistics,
}

impl<'a> From<&'a [Holding]> for HoldingsBook<'a> {
    fn from(holdings: &'a [Holding]) -> Self {
        Self {
            holdings: holdings.iter().map(HoldingRow::from).collect(),
            statistics: HoldingsStatistics::of(holdings),
        }
    }
}
