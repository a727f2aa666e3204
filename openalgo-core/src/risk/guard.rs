//! [`RiskGuard`]: one account's kill switch, limits and throttle, and the pre-trade check.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::limits::{LimitsError, RiskLimits};
use super::throttle::SegmentThrottle;
use super::violation::RiskViolation;
use crate::{Money, OrderRequest, Price, PriceType};

/// An engaged kill switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KillSwitch {
    /// Why it was engaged (a person's words or the rule that tripped it).
    pub reason: String,
    /// When (IST).
    pub since: NaiveDateTime,
    /// True when a rule tripped it (max daily loss), false when a person did.
    pub automatic: bool,
}

/// What survives a restart: the limits and the kill switch. The throttle is not kept: its
/// window is one second.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskState {
    /// The account's limits.
    pub limits: RiskLimits,
    /// The kill switch, when engaged.
    pub kill_switch: Option<KillSwitch>,
}

/// The account's exposure, for the open-positions rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exposure {
    /// Positions with a non-zero net quantity.
    pub open_positions: usize,
    /// Whether the order's (instrument, product) has no open position now.
    pub opens_position: bool,
}

/// One order to check, with the facts the rules need that the order does not carry.
#[derive(Debug, Clone, Copy)]
pub struct OrderCheck<'a> {
    /// The order.
    pub order: &'a OrderRequest,
    /// The instrument's last price, to value an order without a price of its own (MARKET).
    pub reference_price: Option<Price>,
    /// The account's exposure; needed only when [`RiskGuard::needs_exposure`] says so.
    pub exposure: Option<Exposure>,
}

/// One account's pre-trade risk rules.
#[derive(Debug, Clone)]
pub struct RiskGuard {
    limits: RiskLimits,
    kill_switch: Option<KillSwitch>,
    throttle: SegmentThrottle,
}

impl RiskGuard {
    /// A guard with `limits` and the kill switch released.
    ///
    /// # Errors
    /// [`LimitsError`] when a limit is set at zero or below.
    pub fn new(limits: RiskLimits) -> Result<Self, LimitsError> {
        Self::restore(RiskState {
            limits,
            kill_switch: None,
        })
    }

    /// A guard as it was saved.
    ///
    /// # Errors
    /// [`LimitsError`] when a saved limit is invalid.
    pub fn restore(state: RiskState) -> Result<Self, LimitsError> {
        state.limits.validate()?;
        Ok(Self {
            throttle: SegmentThrottle::new(state.limits.orders_per_second),
            limits: state.limits,
            kill_switch: state.kill_switch,
        })
    }

    /// What to save.
    #[must_use]
    pub fn state(&self) -> RiskState {
        RiskState {
            limits: self.limits.clone(),
            kill_switch: self.kill_switch.clone(),
        }
    }

    /// The limits in force.
    #[must_use]
    pub const fn limits(&self) -> &RiskLimits {
        &self.limits
    }

    /// Replaces the limits; the throttle restarts when its rate changes.
    ///
    /// # Errors
    /// [`LimitsError`] when a limit is set at zero or below (nothing changes then).
    pub fn set_limits(&mut self, limits: RiskLimits) -> Result<(), LimitsError> {
        limits.validate()?;
        if limits.orders_per_second != self.limits.orders_per_second {
            self.throttle = SegmentThrottle::new(limits.orders_per_second);
        }
        self.limits = limits;
        Ok(())
    }

    /// The kill switch, when engaged.
    #[must_use]
    pub const fn kill_switch(&self) -> Option<&KillSwitch> {
        self.kill_switch.as_ref()
    }

    /// Engages the kill switch (a person's action); an engaged switch keeps its first reason.
    pub fn engage(&mut self, reason: &str, now: NaiveDateTime) {
        if self.kill_switch.is_none() {
            self.kill_switch = Some(KillSwitch {
                reason: reason.to_owned(),
                since: now,
                automatic: false,
            });
        }
    }

    /// Releases the kill switch; returns whether it was engaged.
    pub fn release(&mut self) -> bool {
        self.kill_switch.take().is_some()
    }

    /// Whether [`OrderCheck::exposure`] is needed (the open-positions rule is on), so a host
    /// reads the position book only then.
    #[must_use]
    pub const fn needs_exposure(&self) -> bool {
        self.limits.max_open_positions.is_some()
    }

    /// Whether a value limit applies to this order and it has no price of its own, so a host
    /// looks up a reference price only then.
    #[must_use]
    pub fn needs_reference_price(&self, order: &OrderRequest) -> bool {
        order.price_type() == PriceType::Market
            && self.limits.order_value_for(order.instrument()).is_some()
    }

    /// Checks a new order: kill switch, quantity, value, open positions, then the throttle,
    /// which takes a token only when everything else passed. `now_nanos` is a monotonic clock.
    ///
    /// # Errors
    /// The first [`RiskViolation`].
    pub fn check(&mut self, check: &OrderCheck<'_>, now_nanos: u64) -> Result<(), RiskViolation> {
        if let Some(k) = &self.kill_switch {
            return Err(RiskViolation::KillSwitch {
                reason: k.reason.clone(),
            });
        }
        let order = check.order;
        let instrument = order.instrument();
        let quantity = order.quantity().get();
        if let Some(limit) = self.limits.order_quantity_for(instrument)
            && quantity > limit
        {
            return Err(RiskViolation::QuantityAbove {
                instrument: instrument.clone(),
                quantity,
                limit,
            });
        }
        if let Some(limit) = self.limits.order_value_for(instrument) {
            let basis = match order.price_type() {
                PriceType::Limit | PriceType::StopLimit => Some(order.price()),
                PriceType::StopMarket => Some(order.trigger_price()),
                PriceType::Market => check.reference_price,
            }
            .filter(|p| p.is_positive());
            let Some(price) = basis else {
                return Err(RiskViolation::ValueUnknown {
                    instrument: instrument.clone(),
                    limit,
                });
            };
            let value: Money = price.notional(quantity);
            if value > limit {
                return Err(RiskViolation::ValueAbove {
                    instrument: instrument.clone(),
                    value,
                    limit,
                });
            }
        }
        if let (Some(limit), Some(e)) = (self.limits.max_open_positions, check.exposure)
            && e.opens_position
            && e.open_positions >= usize::try_from(limit).unwrap_or(usize::MAX)
        {
            return Err(RiskViolation::TooManyPositions {
                open: e.open_positions,
                limit,
            });
        }
        let exchange = instrument.exchange;
        if !self.throttle.try_acquire(exchange, now_nanos) {
            return Err(RiskViolation::Throttled {
                exchange,
                per_second: self.throttle.per_second(),
                retry_ms: self
                    .throttle
                    .wait_nanos(exchange, now_nanos)
                    .div_ceil(1_000_000),
            });
        }
        Ok(())
    }

    /// Feeds the day's P&L (realized + unrealized); trips the kill switch when the loss reaches
    /// the max daily loss. Returns true when this call tripped it.
    pub fn observe_pnl(&mut self, day_pnl: Money, now: NaiveDateTime) -> bool {
        let Some(limit) = self.limits.max_daily_loss else {
            return false;
        };
        if self.kill_switch.is_some() || day_pnl > -limit {
            return false;
        }
        self.kill_switch = Some(KillSwitch {
            reason: format!("max daily loss {limit} reached: the day's P&L is {day_pnl}"),
            since: now,
            automatic: true,
        });
        true
    }
}
