//! [`SandboxError`]: why the sandbox refused a request, with the reference's messages.

use chrono::NaiveTime;
use thiserror::Error;

use crate::{Money, OrderError, OrderId, OrderStatus};

/// A sandbox refusal.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SandboxError {
    /// Validation against the instrument master failed (symbol, product, lot, tick).
    #[error(transparent)]
    Invalid(#[from] OrderError),
    /// A MIS order that opens or adds outside the MIS window.
    #[error("MIS orders cannot be placed after square-off time ({} IST). Trading resumes at 09:00 AM IST.", .cutoff.format("%H:%M"))]
    MisWindowClosed {
        /// The exchange's cut-off.
        cutoff: NaiveTime,
    },
    /// A CNC sell beyond the shares available; the order is recorded as rejected.
    #[error("{reason}")]
    CncSellRejected {
        /// The rejected order's id.
        order_id: OrderId,
        /// Why.
        reason: String,
    },
    /// A MARKET order without any price to execute at.
    #[error(
        "Cannot place MARKET order for {symbol} - unable to fetch current price. Please try again later or use LIMIT order with a specific price."
    )]
    NoMarketPrice {
        /// Symbol.
        symbol: String,
    },
    /// Not enough free cash for the margin.
    #[error("Insufficient funds. Required: ₹{required:.2}, Available: ₹{available:.2}, Shortage: ₹{:.2}", .required - .available)]
    InsufficientFunds {
        /// Margin needed.
        required: Money,
        /// Cash available.
        available: Money,
    },
    /// Unknown order id.
    #[error("Order {0} not found")]
    OrderNotFound(String),
    /// Cancel of a finished order.
    #[error("Cannot cancel order in {0} status")]
    NotCancellable(OrderStatus),
    /// Modify of a finished order.
    #[error("Cannot modify order in {0} status")]
    NotModifiable(OrderStatus),
    /// A modify that changes what the order is.
    #[error("{0} cannot be changed when modifying an order. Cancel and re-place.")]
    CannotChange(&'static str),
    /// Close of a flat or unknown position.
    #[error("No open position found for {0}")]
    NoOpenPosition(String),
    /// An invalid GTT request.
    #[error("{0}")]
    GttInvalid(String),
    /// No active GTT with this id.
    #[error("No active GTT with trigger_id '{0}'")]
    GttNotFound(String),
    /// A GTT modification that changes what the GTT is.
    #[error("{0} cannot be changed when modifying a GTT. Cancel and re-place.")]
    GttCannotChange(&'static str),
}

impl SandboxError {
    /// True for "not found" refusals (the server answers 404).
    #[must_use]
    pub const fn is_not_found(&self) -> bool {
        matches!(
            self,
            Self::OrderNotFound(_) | Self::NoOpenPosition(_) | Self::GttNotFound(_)
        )
    }
}

impl From<SandboxError> for crate::BrokerError {
    /// A sandbox refusal seen through the broker error classes: unknown orders and positions
    /// are `NotFound`, everything else is a rejection carrying the reference's message.
    fn from(e: SandboxError) -> Self {
        if e.is_not_found() {
            Self::NotFound(e.to_string())
        } else {
            Self::rejected(e.to_string())
        }
    }
}

impl From<crate::broker::GttRuleError> for SandboxError {
    fn from(e: crate::broker::GttRuleError) -> Self {
        Self::GttInvalid(e.0)
    }
}
