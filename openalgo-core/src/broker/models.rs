//! What brokers report: order book, trades, positions, holdings, funds, quotes, depth, candles.
//! All prices and money are exact decimals; quantities are integers.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::{BrokerError, InstrumentKey};
use crate::money::{Money, serde_decimal};
use crate::{Action, OrderId, OrderStatus, Price, PriceType, Product, Quantity, StrategyTag};

/// One row of the order book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Order id.
    pub order_id: OrderId,
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Side.
    pub action: Action,
    /// Ordered units.
    pub quantity: Quantity,
    /// Filled units.
    pub filled_quantity: Quantity,
    /// Limit price (zero when none).
    pub price: Price,
    /// Trigger price (zero when none).
    pub trigger_price: Price,
    /// Average fill price (zero until filled).
    pub average_price: Price,
    /// Price type.
    pub price_type: PriceType,
    /// Product.
    pub product: Product,
    /// Normalised status.
    pub status: OrderStatus,
    /// Why the order was rejected, when it was.
    pub rejection_reason: Option<String>,
    /// Strategy tag, when the broker keeps it.
    pub strategy: StrategyTag,
    /// Exchange-local (IST) time of the last update.
    pub timestamp: NaiveDateTime,
}

impl Order {
    /// Units still working.
    #[must_use]
    pub const fn pending_quantity(&self) -> Quantity {
        Quantity::new(
            self.quantity
                .get()
                .saturating_sub(self.filled_quantity.get()),
        )
    }
}

/// One fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// The filled order.
    pub order_id: OrderId,
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Product.
    pub product: Product,
    /// Side.
    pub action: Action,
    /// Filled units.
    pub quantity: Quantity,
    /// Fill price.
    pub average_price: Price,
    /// Exchange-local (IST) fill time.
    pub timestamp: NaiveDateTime,
}

impl Trade {
    /// Quantity times price.
    #[must_use]
    pub fn trade_value(&self) -> Money {
        self.average_price.notional(self.quantity.get())
    }
}

/// A net position for one (instrument, product).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Product.
    pub product: Product,
    /// Net units: positive long, negative short, zero flat.
    pub quantity: i64,
    /// Average price of the open quantity.
    pub average_price: Price,
    /// Last traded price.
    pub ltp: Price,
    /// Realized plus unrealized P&L.
    #[serde(with = "serde_decimal")]
    pub pnl: Money,
}

/// A delivery holding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Product (CNC).
    pub product: Product,
    /// Units held.
    pub quantity: Quantity,
    /// Average buy price.
    pub average_price: Price,
    /// Last traded price.
    pub ltp: Price,
    /// Unrealized P&L.
    #[serde(with = "serde_decimal")]
    pub pnl: Money,
}

/// Account funds, as `/funds` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funds {
    /// Cash available for new orders.
    #[serde(with = "serde_decimal")]
    pub available_cash: Money,
    /// Collateral (pledged holdings).
    #[serde(with = "serde_decimal")]
    pub collateral: Money,
    /// Unrealized mark-to-market.
    #[serde(with = "serde_decimal")]
    pub m2m_unrealized: Money,
    /// Realized mark-to-market.
    #[serde(with = "serde_decimal")]
    pub m2m_realized: Money,
    /// Margin in use.
    #[serde(with = "serde_decimal")]
    pub utilised_debits: Money,
}

/// A snapshot quote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// Best ask.
    pub ask: Price,
    /// Best bid.
    pub bid: Price,
    /// Day open.
    pub open: Price,
    /// Day high.
    pub high: Price,
    /// Day low.
    pub low: Price,
    /// Last traded price.
    pub ltp: Price,
    /// Previous session's close.
    pub prev_close: Price,
    /// Day volume.
    pub volume: u64,
    /// Open interest.
    pub oi: u64,
}

/// One instrument's answer within a multi-quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteResult {
    /// The instrument asked for.
    pub instrument: InstrumentKey,
    /// Its quote or why there is none.
    pub quote: Result<Quote, BrokerError>,
}

/// One price level of the order book.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepthLevel {
    /// Price.
    pub price: Price,
    /// Quantity at this price.
    pub quantity: u64,
    /// Number of orders (0 when the broker does not say).
    pub orders: u32,
}

/// Market depth with the day's statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Depth {
    /// Bids, best first.
    pub bids: Vec<DepthLevel>,
    /// Asks, best first.
    pub asks: Vec<DepthLevel>,
    /// Last traded price.
    pub ltp: Price,
    /// Last traded quantity.
    pub ltq: u64,
    /// Day open.
    pub open: Price,
    /// Day high.
    pub high: Price,
    /// Day low.
    pub low: Price,
    /// Previous close.
    pub prev_close: Price,
    /// Day volume.
    pub volume: u64,
    /// Open interest.
    pub oi: u64,
    /// Total bid quantity.
    pub total_buy_quantity: u64,
    /// Total ask quantity.
    pub total_sell_quantity: u64,
}

/// One OHLCV candle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candle {
    /// Epoch seconds: the candle's start instant (intraday) or 00:00 UTC of its date (daily+).
    pub timestamp: i64,
    /// Open.
    pub open: Price,
    /// High.
    pub high: Price,
    /// Low.
    pub low: Price,
    /// Close.
    pub close: Price,
    /// Volume.
    pub volume: u64,
    /// Open interest.
    pub oi: u64,
}
