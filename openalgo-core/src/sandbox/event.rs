//! Sandbox events: every state change, as the new state of the record it touched. A store
//! journals them; replaying them over a snapshot rebuilds the engine exactly.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::gtt::SandboxGtt;
use super::ledger::FundsLedger;
use super::model::{SandboxHolding, SandboxOrder, SandboxPosition, SandboxTrade};
use crate::{InstrumentKey, Product};

/// One state change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SandboxEvent {
    /// An order was created or changed (status, fill, modification).
    Order(SandboxOrder),
    /// A fill was recorded.
    Trade(SandboxTrade),
    /// A position was created or changed.
    Position(SandboxPosition),
    /// A position row was removed (settled into holdings).
    PositionRemoved {
        /// Instrument.
        instrument: InstrumentKey,
        /// Product.
        product: Product,
    },
    /// A holding was created or changed.
    Holding(SandboxHolding),
    /// A holding was sold out.
    HoldingRemoved {
        /// Instrument.
        instrument: InstrumentKey,
    },
    /// A GTT was created or changed.
    Gtt(SandboxGtt),
    /// Funds changed.
    Funds(FundsLedger),
    /// A new session began: today's realized P&L restarts from zero.
    SessionStarted {
        /// The session boundary.
        at: NaiveDateTime,
    },
    /// The account was wiped (manual reset): orders, trades, positions and holdings removed.
    Cleared,
}

impl SandboxEvent {
    /// The order update to stream for this event, when it is an order change.
    #[must_use]
    pub fn order_update(&self) -> Option<crate::market::OrderUpdate> {
        match self {
            Self::Order(o) => Some(o.to_update()),
            _ => None,
        }
    }
}
