//! # openalgo-brokers
//!
//! Broker adapters behind [`openalgo_core::Broker`]: one module per broker (each behind a cargo
//! feature), [`paper::PaperBroker`] (paper trading over any broker's market data) and, with the
//! `simulator` feature, the built-in synthetic market that is the embedded default.
//! [`registry`] lists every broker compiled in: the server picks one by name from it.
#![warn(missing_docs)]

#[cfg(any(feature = "zerodha", feature = "dhan"))]
mod csv_fields;
#[cfg(any(feature = "zerodha", feature = "dhan", feature = "angel"))]
mod day_windows;
pub mod latency;
#[cfg(feature = "paper")]
pub mod paper;
#[cfg(any(feature = "zerodha", feature = "dhan", feature = "angel"))]
mod refused_session;
pub mod registry;
#[cfg(feature = "simulator")]
pub mod simulator;

#[cfg(feature = "angel")]
pub mod angel;
#[cfg(feature = "dhan")]
pub mod dhan;
#[cfg(feature = "zerodha")]
pub mod zerodha;
pub use openalgo_core as core;
