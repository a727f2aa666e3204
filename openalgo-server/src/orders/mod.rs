//! The typed order service under HTTP: the API handlers, the pages (and later webhooks and the
//! binding) place, modify and cancel orders through [`OrderDesk`] and core's order commands
//! ([`commands`]); nothing calls an HTTP handler to trade.

mod desk;
pub mod idempotency;
mod reconcile;

pub use desk::{Answer, OrderCall, OrderDesk, Outcome};
pub use openalgo_core::orders::{Reply, commands};
pub use reconcile::{BackgroundReconciler, RECHECK_PAUSE};
