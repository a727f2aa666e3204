//! [`RiskGate`]: one account's [`RiskGuard`] shared by every order path, and the pre-trade step
//! the order service runs before a placement reaches the broker. The gate reads the broker only
//! when a rule that is on needs it: the open positions' quantities for the open-positions rule, a last price to
//! value a MARKET order against a value limit. A read that fails refuses the order (the engine
//! fails closed).

use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDateTime;

use super::guard::{Exposure, OrderCheck, RiskGuard, RiskState};
use super::violation::RiskViolation;
use crate::{Broker, Money, OrderRequest};

/// A monotonic clock in nanoseconds (the throttle's time).
pub type Monotonic = Arc<dyn Fn() -> u64 + Send + Sync>;

/// One account's risk rules, shared.
pub struct RiskGate {
    guard: Mutex<RiskGuard>,
    monotonic: Monotonic,
}

impl std::fmt::Debug for RiskGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RiskGate")
            .field("guard", &self.guard)
            .finish_non_exhaustive()
    }
}

impl RiskGate {
    /// A gate over `guard`, timing its throttle with `monotonic`.
    #[must_use]
    pub fn new(guard: RiskGuard, monotonic: Monotonic) -> Self {
        Self {
            guard: Mutex::new(guard),
            monotonic,
        }
    }

    /// Runs `f` on the guard (to read it, change limits, engage or release the kill switch).
    pub fn with<R>(&self, f: impl FnOnce(&mut RiskGuard) -> R) -> R {
        f(&mut self.guard.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// What to save.
    #[must_use]
    pub fn state(&self) -> RiskState {
        self.with(|g| g.state())
    }

    /// Feeds the day's P&L; true when it tripped the kill switch.
    pub fn observe_pnl(&self, day_pnl: Money, now: NaiveDateTime) -> bool {
        self.with(|g| g.observe_pnl(day_pnl, now))
    }

    /// The pre-trade check of `order` on `broker`'s account.
    ///
    /// # Errors
    /// The first [`RiskViolation`]; [`RiskViolation::Unverifiable`] when the broker read a rule
    /// needs failed.
    pub async fn admit(
        &self,
        order: &OrderRequest,
        broker: &dyn Broker,
    ) -> Result<(), RiskViolation> {
        let (exposure_needed, price_needed) =
            self.with(|g| (g.needs_exposure(), g.needs_reference_price(order)));
        let exposure = if exposure_needed {
            let (count, holds) = broker
                .exposure(order.instrument(), order.product())
                .await
                .map_err(|e| RiskViolation::Unverifiable {
                    rule: "max open positions",
                    cause: e.to_string(),
                })?;
            Some(Exposure {
                open_positions: count,
                opens_position: !holds,
            })
        } else {
            None
        };
        let reference_price = if price_needed {
            let ltp = broker.last_price(order.instrument()).await.map_err(|e| {
                RiskViolation::Unverifiable {
                    rule: "max order value",
                    cause: e.to_string(),
                }
            })?;
            Some(ltp)
        } else {
            None
        };
        let check = OrderCheck {
            order,
            reference_price,
            exposure,
        };
        let now = (self.monotonic)();
        self.with(|g| g.check(&check, now))
    }
}
