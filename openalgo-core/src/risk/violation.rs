//! Why the risk engine refused an order. Every message names the rule and the limit, so a
//! strategy's log says what to change.

use thiserror::Error;

use crate::{Exchange, InstrumentKey, Money};

/// A refused order.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RiskViolation {
    /// The account's kill switch is engaged.
    #[error("Risk: kill switch is on ({reason}); new orders are refused until it is released")]
    KillSwitch {
        /// Why it was engaged.
        reason: String,
    },
    /// The order's quantity is above the limit.
    #[error(
        "Risk: order quantity {quantity} for {instrument} exceeds the max order quantity {limit}"
    )]
    QuantityAbove {
        /// The order's instrument.
        instrument: InstrumentKey,
        /// Requested units.
        quantity: u64,
        /// The limit.
        limit: u64,
    },
    /// The order's value is above the limit.
    #[error("Risk: order value {value} for {instrument} exceeds the max order value {limit}")]
    ValueAbove {
        /// The order's instrument.
        instrument: InstrumentKey,
        /// Quantity × price.
        value: Money,
        /// The limit.
        limit: Money,
    },
    /// A value limit applies but the order has no price to value it at (a MARKET order on an
    /// instrument with no known last price). The engine fails closed.
    #[error(
        "Risk: order value for {instrument} cannot be checked against the max order value {limit}: no price is known; send a LIMIT order"
    )]
    ValueUnknown {
        /// The order's instrument.
        instrument: InstrumentKey,
        /// The limit.
        limit: Money,
    },
    /// The order would open a position beyond the limit.
    #[error(
        "Risk: {open} positions are open, the max open positions is {limit}; only orders that reduce or add to them are allowed"
    )]
    TooManyPositions {
        /// Positions open now.
        open: usize,
        /// The limit.
        limit: u32,
    },
    /// A rule that is on needs a broker read (positions, a quote) that failed; the engine
    /// fails closed.
    #[error("Risk: the {rule} rule could not be checked ({cause}); the order was not sent")]
    Unverifiable {
        /// The rule.
        rule: &'static str,
        /// Why the read failed.
        cause: String,
    },
    /// Over the orders-per-second cap of the exchange segment.
    #[error(
        "Risk: orders-per-second cap of {per_second}/s on {exchange} reached; retry in {retry_ms} ms"
    )]
    Throttled {
        /// The segment.
        exchange: Exchange,
        /// The cap.
        per_second: u32,
        /// Milliseconds until the next order is allowed (rounded up).
        retry_ms: u64,
    },
}

impl RiskViolation {
    /// True for the rate cap (HTTP 429); every other refusal is a policy refusal (HTTP 403).
    #[must_use]
    pub const fn is_rate_limit(&self) -> bool {
        matches!(self, Self::Throttled { .. })
    }
}
