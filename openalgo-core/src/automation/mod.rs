//! Webhook strategies (platform §8.1–8.3): what a TradingView, GoCharting, Amibroker or
//! Chartink alert becomes. Pure: the host stores strategies, receives alerts, supplies the IST
//! time, and sends the resulting order through the order service.
//!
//! - [`strategy`]: a strategy — validated name, trading mode (LONG, SHORT, BOTH), schedule
//!   (intraday window with square-off, or positional) and symbol mappings.
//! - [`window`]: the intraday entry/exit window and its square-off time.
//! - [`alert`]: a charting platform's alert (`symbol`, `action`, `position_size`) and the order
//!   it makes under the strategy's mode and window.
//! - [`approval`]: semi-automatic execution — the order mode, which endpoints queue for
//!   approval or are refused, and a queued order's status.
//! - [`chartink`]: a Chartink scanner alert (comma-separated stocks; BUY/SELL/SHORT/COVER from
//!   the scan name) and its orders.

pub mod alert;
pub mod approval;
pub mod chartink;
pub mod strategy;
pub mod window;

pub use alert::{Alert, AlertError, AlertOrder};
pub use approval::{OrderMode, PendingStatus, Queued, Refused};
pub use chartink::{ChartinkAlert, ChartinkOrders, ScanAction};
pub use strategy::{
    Schedule, StrategyError, StrategyName, SymbolMapping, TradingMode, WebhookStrategy,
};
pub use window::TradingWindow;

#[cfg(test)]
mod tests;
