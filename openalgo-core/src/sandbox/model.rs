//! The sandbox's records: orders, trades, positions, holdings and the price snapshot it fills
//! against. All are plain serialisable data; the engine owns the rules.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::{
    Action, InstrumentKey, Money, OrderId, OrderStatus, Price, PriceType, Product, Quantity,
    StrategyTag, TradeId,
};

/// The prices an order can fill against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketSnapshot {
    /// Last traded price.
    pub ltp: Price,
    /// Best bid, when known.
    pub bid: Option<Price>,
    /// Best ask, when known.
    pub ask: Option<Price>,
    /// Day high and low, when known: an LTP outside them marks a stale quote.
    pub day_range: Option<(Price, Price)>,
}

impl MarketSnapshot {
    /// A snapshot with only a last price (a tick).
    #[must_use]
    pub const fn ltp(ltp: Price) -> Self {
        Self {
            ltp,
            bid: None,
            ask: None,
            day_range: None,
        }
    }

    /// From a streamed tick: the best bid and ask of its depth, the day range of its quote, when
    /// it carries them.
    #[must_use]
    pub fn from_tick(t: &crate::market::Tick) -> Self {
        let some = |p: Price| p.is_positive().then_some(p);
        let best = |levels: &[crate::DepthLevel]| levels.first().and_then(|l| some(l.price));
        let depth = t.depth();
        Self {
            ltp: t.ltp,
            bid: depth.and_then(|d| best(&d.buy)),
            ask: depth.and_then(|d| best(&d.sell)),
            day_range: t
                .quote()
                .filter(|q| q.high.is_positive() && q.low.is_positive())
                .map(|q| (q.low, q.high)),
        }
    }

    /// From a broker quote (bid, ask and day range when non-zero).
    #[must_use]
    pub fn from_quote(q: &crate::Quote) -> Self {
        let some = |p: Price| p.is_positive().then_some(p);
        Self {
            ltp: q.ltp,
            bid: some(q.bid),
            ask: some(q.ask),
            day_range: (q.high.is_positive() && q.low.is_positive()).then_some((q.low, q.high)),
        }
    }

    /// The price a market order on `action` executes at: ask for buys, bid for sells, the LTP
    /// when that side is unknown.
    #[must_use]
    pub fn market_price(&self, action: Action) -> Price {
        let side = match action {
            Action::Buy => self.ask,
            Action::Sell => self.bid,
        };
        side.filter(|p| p.is_positive()).unwrap_or(self.ltp)
    }

    /// True when the LTP lies outside the quote's own day range (a stale quote).
    #[must_use]
    pub fn is_stale(&self) -> bool {
        self.day_range
            .is_some_and(|(low, high)| self.ltp < low || self.ltp > high)
    }
}

/// A sandbox order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxOrder {
    /// Order id (14 digits: `YYMMDD` + sequence).
    pub order_id: OrderId,
    /// Placement sequence number (orders fill in this order within a tick).
    pub seq: u64,
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Side.
    pub action: Action,
    /// Units.
    pub quantity: Quantity,
    /// Price type.
    pub price_type: PriceType,
    /// Product.
    pub product: Product,
    /// Limit price (zero unless LIMIT or SL).
    pub price: Price,
    /// Trigger (zero unless SL or SL-M).
    pub trigger_price: Price,
    /// Status.
    pub status: OrderStatus,
    /// Fill price once complete.
    pub average_price: Price,
    /// Filled units (0 or `quantity`: there are no partial fills).
    pub filled_quantity: Quantity,
    /// Margin reserved for this order while it works.
    pub margin_blocked: Money,
    /// Why it was rejected.
    pub rejection_reason: Option<String>,
    /// Strategy tag.
    pub strategy: StrategyTag,
    /// Placement time, IST.
    pub placed_at: NaiveDateTime,
    /// Last change, IST.
    pub updated_at: NaiveDateTime,
}

impl SandboxOrder {
    /// Units not yet filled.
    #[must_use]
    pub const fn pending_quantity(&self) -> Quantity {
        if self.status.is_working() {
            Quantity::new(self.quantity.get() - self.filled_quantity.get())
        } else {
            Quantity::ZERO
        }
    }

    /// The core order-book row, taking the order apart.
    #[must_use]
    pub fn into_order(self) -> crate::Order {
        crate::Order {
            order_id: self.order_id,
            instrument: self.instrument,
            action: self.action,
            quantity: self.quantity,
            filled_quantity: self.filled_quantity,
            price: self.price,
            trigger_price: self.trigger_price,
            average_price: self.average_price,
            price_type: self.price_type,
            product: self.product,
            status: self.status,
            rejection_reason: self.rejection_reason,
            strategy: self.strategy,
            timestamp: self.updated_at,
        }
    }

    /// The core order-book row.
    #[must_use]
    pub fn to_order(&self) -> crate::Order {
        self.clone().into_order()
    }

    /// The order-update event for this order's current state.
    #[must_use]
    pub fn to_update(&self) -> crate::market::OrderUpdate {
        crate::market::OrderUpdate {
            order_id: self.order_id.clone(),
            instrument: self.instrument.clone(),
            action: self.action,
            quantity: self.quantity,
            price: self.price,
            trigger_price: self.trigger_price,
            price_type: self.price_type,
            product: self.product,
            status: self.status,
            filled_quantity: self.filled_quantity,
            average_price: self.average_price,
            rejection_reason: self.rejection_reason.clone().unwrap_or_default(),
        }
    }
}

/// One fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxTrade {
    /// Trade id.
    pub trade_id: TradeId,
    /// Sequence number.
    pub seq: u64,
    /// The filled order.
    pub order_id: OrderId,
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Side.
    pub action: Action,
    /// Units.
    pub quantity: Quantity,
    /// Fill price.
    pub price: Price,
    /// Product.
    pub product: Product,
    /// Strategy tag.
    pub strategy: StrategyTag,
    /// Fill time, IST.
    pub timestamp: NaiveDateTime,
}

impl SandboxTrade {
    /// The core trade-book row, taking the trade apart.
    #[must_use]
    pub fn into_trade(self) -> crate::Trade {
        crate::Trade {
            order_id: self.order_id,
            instrument: self.instrument,
            product: self.product,
            action: self.action,
            quantity: self.quantity,
            average_price: self.price,
            timestamp: self.timestamp,
        }
    }

    /// The core trade-book row.
    #[must_use]
    pub fn to_trade(&self) -> crate::Trade {
        self.clone().into_trade()
    }
}

/// A net position for one (instrument, product).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxPosition {
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Product.
    pub product: Product,
    /// Signed units.
    pub quantity: i64,
    /// Average price of the open units (4 decimals).
    pub average_price: Price,
    /// Margin held by the open units: `|quantity| × average_price / leverage`.
    pub margin: Money,
    /// Last price seen (fill or tick).
    pub ltp: Price,
    /// Realized P&L over the row's life.
    pub accumulated_realized: Money,
    /// Realized P&L in the current session.
    pub today_realized: Money,
    /// When the current opening began (reset whenever the row goes from flat to open).
    pub opened_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

impl SandboxPosition {
    /// Unrealized P&L at the last price.
    #[must_use]
    pub fn unrealized(&self) -> Money {
        (self.ltp.value() - self.average_price.value()) * Money::from(self.quantity)
    }

    /// The core position-book row: P&L is today's realized plus unrealized.
    #[must_use]
    pub fn to_position(&self) -> crate::Position {
        crate::Position {
            instrument: self.instrument.clone(),
            product: self.product,
            quantity: self.quantity,
            average_price: if self.quantity == 0 {
                Price::ZERO
            } else {
                self.average_price
            },
            ltp: self.ltp,
            pnl: self.today_realized + self.unrealized(),
        }
    }
}

/// Delivery shares held after T+1 settlement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxHolding {
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Units held.
    pub quantity: u64,
    /// Exact cost basis of the units held.
    pub cost: Money,
    /// Last price seen.
    pub ltp: Price,
    /// Date of the last settlement into this holding.
    pub settlement_date: NaiveDate,
}

impl SandboxHolding {
    /// Average cost per unit (4 decimals).
    #[must_use]
    pub fn average_price(&self) -> Price {
        if self.quantity == 0 {
            return Price::ZERO;
        }
        Price::new((self.cost / Money::from(self.quantity)).round_dp(4))
    }

    /// The core holdings row.
    #[must_use]
    pub fn to_holding(&self) -> crate::Holding {
        crate::Holding {
            instrument: self.instrument.clone(),
            product: Product::Cnc,
            quantity: Quantity::new(self.quantity),
            average_price: self.average_price(),
            ltp: self.ltp,
            pnl: self.ltp.notional(self.quantity) - self.cost,
        }
    }
}
