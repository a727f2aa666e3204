//! The order-book row (also the `orderstatus` payload) and the order book's statistics.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{round2, wire};
use crate::{Action, Exchange, Order, OrderStatus, PriceType, Product};

/// One order as `orderbook` lists it and `orderstatus` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRow<'a> {
    /// Side.
    pub action: Action,
    /// Average fill price, 2 places (zero until filled).
    #[serde(serialize_with = "wire::number")]
    pub average_price: Decimal,
    /// OpenAlgo exchange.
    pub exchange: Exchange,
    /// Filled units.
    pub filled_quantity: u64,
    /// Normalised status.
    pub order_status: OrderStatus,
    /// Order id.
    pub orderid: &'a str,
    /// Units still working.
    pub pending_quantity: u64,
    /// Limit price, 2 places; zero for MARKET orders whatever the broker reports.
    #[serde(serialize_with = "wire::number")]
    pub price: Decimal,
    /// Price type.
    pub pricetype: PriceType,
    /// Product.
    pub product: Product,
    /// Ordered units.
    pub quantity: u64,
    /// Why the order was rejected; empty otherwise.
    pub rejection_reason: &'a str,
    /// Strategy tag.
    pub strategy: &'a str,
    /// OpenAlgo symbol.
    pub symbol: &'a str,
    /// Time of the order's last change (IST), `YYYY-MM-DD HH:MM:SS`.
    #[serde(serialize_with = "wire::timestamp")]
    pub timestamp: NaiveDateTime,
    /// Trigger price, 2 places (zero when none).
    #[serde(serialize_with = "wire::number")]
    pub trigger_price: Decimal,
}

impl<'a> From<&'a Order> for OrderRow<'a> {
    fn from(o: &'a Order) -> Self {
        Self {
            action: o.action,
            average_price: round2(o.average_price.value()),
            exchange: o.instrument.exchange,
            filled_quantity: o.filled_quantity.get(),
            order_status: o.status,
            orderid: o.order_id.as_str(),
            pending_quantity: o.pending_quantity().get(),
            price: if o.price_type == PriceType::Market {
                Decimal::ZERO
            } else {
                round2(o.price.value())
            },
            pricetype: o.price_type,
            product: o.product,
            quantity: o.quantity.get(),
            rejection_reason: o.rejection_reason.as_deref().unwrap_or_default(),
            strategy: o.strategy.as_str(),
            symbol: o.instrument.symbol.as_str(),
            timestamp: o.timestamp,
            trigger_price: round2(o.trigger_price.value()),
        }
    }
}

/// Counts over the order book, by side and by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OrderBookStatistics {
    /// BUY orders.
    pub total_buy_orders: usize,
    /// Orders with status `complete`.
    pub total_completed_orders: usize,
    /// Orders with status `open`.
    pub total_open_orders: usize,
    /// Orders with status `rejected`.
    pub total_rejected_orders: usize,
    /// SELL orders.
    pub total_sell_orders: usize,
}

impl OrderBookStatistics {
    /// The counts over `orders`.
    #[must_use]
    pub fn of(orders: &[Order]) -> Self {
        let mut s = Self::default();
        for o in orders {
            s.add(o);
        }
        s
    }

    /// Counts one more order (for answers written a row at a time).
    pub fn add(&mut self, o: &Order) {
        match o.action {
            Action::Buy => self.total_buy_orders += 1,
            Action::Sell => self.total_sell_orders += 1,
        }
        match o.status {
            OrderStatus::Complete => self.total_completed_orders += 1,
            OrderStatus::Open => self.total_open_orders += 1,
            OrderStatus::Rejected => self.total_rejected_orders += 1,
            _ => {}
        }
    }
}

/// The `orderbook` payload: `{"orders": [...], "statistics": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderBook<'a> {
    /// One row per order, in the broker's order.
    pub orders: Vec<OrderRow<'a>>,
    /// Counts over the orders.
    pub statistics: OrderBookStatistics,
}

impl<'a> From<&'a [Order]> for OrderBook<'a> {
    fn from(orders: &'a [Order]) -> Self {
        Self {
            orders: orders.iter().map(OrderRow::from).collect(),
            statistics: OrderBookStatistics::of(orders),
        }
    }
}
