//! The pre-trade risk engine: rules every new order passes before any broker call, per account.
//!
//! OpenAlgo has none; this is ours. A [`RiskGuard`] holds one account's [`RiskLimits`], its
//! kill switch and its per-segment order throttle, and answers [`RiskGuard::check`] in constant
//! time (no scan of orders or positions: the caller passes the few facts a rule needs in an
//! [`OrderCheck`]). Everything is pure: time comes in as arguments, so the host decides the
//! clock and persists [`RiskState`] wherever it keeps its data.
//!
//! - [`limits`]: what an account allows (daily loss, order quantity/value, open positions,
//!   orders per second per exchange segment).
//! - [`throttle`]: the orders-per-second cap as a token bucket per exchange (GCRA).
//! - [`guard`]: the kill switch and the checks, in a fixed order.
//! - [`gate`]: the guard shared by an account's order paths, and the pre-trade step the order
//!   service runs (reading positions or a quote only when a rule needs them).
//! - [`violation`]: why an order was refused, naming the rule.

pub mod gate;
pub mod guard;
pub mod limits;
pub mod throttle;
pub mod violation;

pub use gate::{Monotonic, RiskGate};
pub use guard::{Exposure, KillSwitch, OrderCheck, RiskGuard, RiskState};
pub use limits::{LimitsError, RiskLimits, SymbolLimits};
pub use throttle::SegmentThrottle;
pub use violation::RiskViolation;

#[cfg(test)]
mod tests;
