//! The paper-trading (analyzer / sandbox) engine: funds and margin, order lifecycle, fills,
//! positions, trades, holdings with T+1, MIS square-off, expiry settlement and resets.
//!
//! Pure and deterministic: no I/O and no wall clock. Time is passed in as IST `now`, prices as
//! [`MarketSnapshot`]s. Every change is a [`SandboxEvent`] that a store can journal, and the
//! whole account can be snapshotted and restored. Deviations from the reference sandbox
//! (sandbox.md §14) are listed in `docs/compatibility.md`.

mod book;
pub mod codec;
mod config;
mod daily;
mod engine;
mod error;
mod event;
mod gtt;
mod history;
mod ids;
mod ledger;
mod model;
mod netting;
mod state;

pub use config::{
    ExpirySettlementTiming, FundReset, GttOcoMargin, Leverages, OptionSettlement, SandboxConfig,
    SquareOffTimes,
};
pub use daily::DailyPnl;
pub use engine::{AUTO_SQUARE_OFF, RMS_SQUARE_OFF, SandboxEngine};
pub use error::SandboxError;
pub use event::{SandboxEvent, coalesce};
pub use gtt::{
    GttLeg, GttRequest, GttStatus, GttTriggers, LegStatus, SandboxGtt, TriggerDirection,
};
pub use ledger::FundsLedger;
pub use model::{MarketSnapshot, SandboxHolding, SandboxOrder, SandboxPosition, SandboxTrade};
pub use state::SandboxSnapshot;

#[cfg(test)]
mod tests;
