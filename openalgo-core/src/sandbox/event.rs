//! Sandbox events: every state change, as the new state of the record it touched. A store
//! journals them; replaying them over a snapshot rebuilds the engine exactly.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::daily::DailyPnl;
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
    /// A session ended: its P&L row joins the daily history (emitted just before the next
    /// [`SandboxEvent::SessionStarted`]).
    DayClosed(DailyPnl),
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

/// What a snapshot event overwrites: a later event with the same key supersedes it.
#[derive(PartialEq, Eq)]
enum Supersedes<'a> {
    Funds,
    Order(u64),
    Position(&'a InstrumentKey, Product),
}

fn snapshot_key(e: &SandboxEvent) -> Option<Supersedes<'_>> {
    match e {
        SandboxEvent::Funds(_) => Some(Supersedes::Funds),
        SandboxEvent::Order(o) => Some(Supersedes::Order(o.seq)),
        SandboxEvent::Position(p) => Some(Supersedes::Position(&p.instrument, p.product)),
        _ => None,
    }
}

/// The events of one command without the funds, order and position snapshots that a later
/// event of the same batch replaces: replaying the result gives the same state as replaying
/// `events`. Batches holding a reset, a new session or a removal are returned whole.
#[must_use]
pub fn coalesce(events: &[SandboxEvent]) -> Vec<&SandboxEvent> {
    let barrier = events.iter().any(|e| {
        matches!(
            e,
            SandboxEvent::Cleared
                | SandboxEvent::SessionStarted { .. }
                | SandboxEvent::PositionRemoved { .. }
                | SandboxEvent::HoldingRemoved { .. }
        )
    });
    if barrier {
        return events.iter().collect();
    }
    let mut seen: Vec<Supersedes<'_>> = Vec::new();
    let mut keep: Vec<&SandboxEvent> = Vec::with_capacity(events.len());
    for e in events.iter().rev() {
        match snapshot_key(e) {
            Some(k) if seen.contains(&k) => {}
            Some(k) => {
                seen.push(k);
                keep.push(e);
            }
            None => keep.push(e),
        }
    }
    keep.reverse();
    keep
}
