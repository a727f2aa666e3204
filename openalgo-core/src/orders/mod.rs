//! Order logic written once against the [`crate::Broker`] trait: validation against the
//! instrument master, smart (position-sized) orders, split, basket, close-all and cancel-all.
//!
//! The decisions are pure functions ([`smart_decision`], [`split_quantities`],
//! [`basket_sequence`]); [`OrderService`] applies them over `&dyn Broker` and returns typed
//! results per leg.

mod basket;
pub mod commands;
mod error;
mod locks;
pub mod options;
mod reconcile;
mod service;
mod smart;
mod split;
mod tags;
mod validate;

pub use basket::{BasketLeg, basket_sequence};
pub use commands::Reply;
pub use error::OrderError;
pub use locks::PositionLocks;
pub use reconcile::{NoHooks, ReconcileHooks, is_ambiguous};
pub use service::{CancelAllReport, CloseAllReport, ClosedPosition, OrderService, SQUARE_OFF_TAG};
pub use smart::{NoActionReason, SmartDecision, SmartOrderRequest, SmartOutcome, smart_decision};
pub use split::{MAX_SPLIT_ORDERS, SplitLeg, split_quantities};
pub use tags::TagSource;
pub use validate::{resolve, validate_against};
