//! The simulator: the built-in synthetic Indian market that is the embedded default broker.
//!
//! - [`SimMarket`]: a bundled instrument master generated from today's date and deterministic
//!   prices (quotes, depth, ticks, candles for every interval) from a seed.
//! - [`SimulatorMarket`]: that market behind the [`openalgo_core::Broker`] trait.
//! - [`simulator`]: the market plus a paper-trading account — what a newcomer trades on.

mod broker;
mod calendar;
mod entry;
mod market;
mod pace;
mod path;
mod stream;
mod universe;

pub use broker::{SimulatorMarket, simulator};
pub use calendar::ExpiryRule;
pub use entry::{ENTRY, SimulatorSettings};
pub use market::{SimConfig, SimError, SimMarket, TickCache};
pub use stream::tick_stream;
