//! # openalgo
//!
//! The OpenAlgo-rs SDK for Rust trading bots: the domain core and the broker adapters in one
//! dependency.
//!
//! ```
//! use openalgo::{Exchange, SymbolParts};
//!
//! let parts = SymbolParts::parse_for_exchange("NIFTY30JAN2521500CE", Exchange::Nfo).unwrap();
//! assert_eq!(parts.underlying(), "NIFTY");
//! assert_eq!(parts.to_string(), "NIFTY30JAN2521500CE");
//! ```

pub use openalgo_brokers as brokers;
pub use openalgo_core as core;
pub use openalgo_core::*;
