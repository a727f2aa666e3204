//! # openalgo-brokers
//!
//! Broker adapters behind [`openalgo_core::Broker`]: one module per broker (each behind a cargo
//! feature) plus `simulator`, the built-in synthetic market that is the embedded default.
//!
//! No adapter has landed yet: the simulator arrives with the paper-trading issue and Zerodha
//! with its own issue. This crate exists now so the workspace layout is final.
#![warn(missing_docs)]

pub use openalgo_core as core;
