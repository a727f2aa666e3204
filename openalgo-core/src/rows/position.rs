//! The position-book row.

use rust_decimal::Decimal;
use serde::Serialize;

use super::{round2, wire};
use crate::{Exchange, Position, Product};

/// One net position as `positionbook` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PositionRow<'a> {
    /// Average price of the open units, 2 places.
    #[serde(serialize_with = "wire::number")]
    pub average_price: Decimal,
    /// OpenAlgo exchange.
    pub exchange: Exchange,
    /// Last traded price, 2 places.
    #[serde(serialize_with = "wire::number")]
    pub ltp: Decimal,
    /// Realized plus unrealized P&L, 2 places.
    #[serde(serialize_with = "wire::number")]
    pub pnl: Decimal,
    /// Product.
    pub product: Product,
    /// Net units: positive long, negative short, zero flat.
    pub quantity: i64,
    /// OpenAlgo symbol.
    pub symbol: &'a str,
}

impl<'a> From<&'a Position> for PositionRow<'a> {
    fn from(p: &'a Position) -> Self {
        Self {
            average_price: round2(p.average_price.value()),
            exchange: p.instrument.exchange,
            ltp: round2(p.ltp.value()),
            pnl: round2(p.pnl),
            product: p.product,
            quantity: p.quantity,
            symbol: p.instrument.symbol.as_str(),
        }
    }
}
