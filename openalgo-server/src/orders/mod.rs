//! The typed order service under HTTP: the API handlers, the pages (and later webhooks and the
//! binding) place, modify and cancel orders through [`OrderDesk`] and the commands of
//! [`commands`]; nothing calls an HTTP handler to trade.

pub mod commands;
mod desk;
pub mod idempotency;

pub use desk::{Answer, OrderCall, OrderDesk, Outcome, Reply};
