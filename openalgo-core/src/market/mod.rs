//! The tick model: LTP, Quote and Depth ticks and order updates, serialising to the OpenAlgo
//! WebSocket JSON (websocket.md §2.10, §4.4, §5.3).

mod mode;
mod order_update;
mod tick;

pub use mode::{ModeError, SubscriptionMode};
pub use order_update::{OrderUpdate, TradingMode};
pub use tick::{MarketDepth, QuoteFields, Tick, TickData};

/// Anything a broker stream yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketEvent {
    /// A market-data tick.
    Tick(Tick),
    /// A change to one of the account's orders.
    Order(OrderUpdate),
}
