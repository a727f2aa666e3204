//! The trade-book row.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{round2, wire};
use crate::{Action, Exchange, Product, Trade};

/// One fill as `tradebook` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TradeRow<'a> {
    /// Side.
    pub action: Action,
    /// Fill price, 2 places.
    #[serde(serialize_with = "wire::number")]
    pub average_price: Decimal,
    /// OpenAlgo exchange.
    pub exchange: Exchange,
    /// The filled order's id.
    pub orderid: &'a str,
    /// Product.
    pub product: Product,
    /// Filled units.
    pub quantity: u64,
    /// OpenAlgo symbol.
    pub symbol: &'a str,
    /// Fill time (IST), `YYYY-MM-DD HH:MM:SS`.
    #[serde(serialize_with = "wire::timestamp")]
    pub timestamp: NaiveDateTime,
    /// Quantity times the exact fill price, then rounded to 2 places.
    #[serde(serialize_with = "wire::number")]
    pub trade_value: Decimal,
}

impl<'a> From<&'a Trade> for TradeRow<'a> {
    fn from(t: &'a Trade) -> Self {
        Self {
            action: t.action,
            average_price: round2(t.average_price.value()),
            exchange: t.instrument.exchange,
            orderid: t.order_id.as_str(),
            product: t.product,
            quantity: t.quantity.get(),
            symbol: t.instrument.symbol.as_str(),
            timestamp: t.timestamp,
            trade_value: round2(t.trade_value()),
        }
    }
}
