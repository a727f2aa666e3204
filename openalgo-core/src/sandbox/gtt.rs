//! Good-till-triggered orders in the sandbox (sandbox.md §11): requests, records and rules.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::error::SandboxError;
use crate::{
    Action, InstrumentKey, Money, OrderId, Price, PriceType, Product, Quantity, StrategyTag,
};

/// Which way a trigger fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TriggerDirection {
    /// When the LTP falls to or below the trigger (stop-loss side).
    Below,
    /// When the LTP rises to or above the trigger (target side).
    Above,
}

impl TriggerDirection {
    /// True when `ltp` crosses `trigger` in this direction (inclusive).
    #[must_use]
    pub fn crossed(self, ltp: Price, trigger: Price) -> bool {
        match self {
            Self::Below => ltp <= trigger,
            Self::Above => ltp >= trigger,
        }
    }
}

/// The triggers of a GTT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GttTriggers {
    /// One trigger: `triggerprice_sl` (fires on a fall) or `triggerprice_tg` (on a rise).
    Single {
        /// Trigger price.
        trigger: Price,
        /// Direction.
        direction: TriggerDirection,
        /// Child limit price (0 for MARKET).
        price: Price,
    },
    /// One-cancels-other: a stop-loss leg below and a target leg above.
    Oco {
        /// Stop-loss trigger (fires on a fall).
        stoploss_trigger: Price,
        /// Stop-loss leg limit price.
        stoploss_price: Price,
        /// Target trigger (fires on a rise).
        target_trigger: Price,
        /// Target leg limit price.
        target_price: Price,
    },
}

/// A request to place or replace a GTT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GttRequest {
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Side of every leg.
    pub action: Action,
    /// CNC or NRML.
    pub product: Product,
    /// Units per leg.
    pub quantity: Quantity,
    /// LIMIT (default) or MARKET child orders.
    pub price_type: PriceType,
    /// Triggers.
    pub triggers: GttTriggers,
    /// Strategy tag.
    pub strategy: StrategyTag,
    /// Expiry; a year from placement when absent.
    pub expires_at: Option<NaiveDateTime>,
}

impl GttRequest {
    /// Checks the request's own rules (reference §3.1.11 and sandbox §11.1–§11.2).
    ///
    /// # Errors
    /// [`SandboxError::GttInvalid`] with the reason.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let bad = |m: &str| Err(SandboxError::GttInvalid(m.to_owned()));
        if !matches!(self.product, Product::Cnc | Product::Nrml) {
            return bad(
                "GTT supports only CNC (delivery) or NRML (overnight F&O); MIS is intraday-only.",
            );
        }
        if !matches!(self.price_type, PriceType::Limit | PriceType::Market) {
            return bad("GTT child orders must be LIMIT or MARKET");
        }
        if self.quantity.is_zero() {
            return bad("Quantity must be a positive number");
        }
        if self.instrument.exchange.is_index() {
            return bad("GTT orders cannot be placed on index exchanges");
        }
        match self.triggers {
            GttTriggers::Single { trigger, .. } if !trigger.is_positive() => {
                bad("SINGLE GTT requires a positive triggerprice_sl or triggerprice_tg.")
            }
            GttTriggers::Oco {
                stoploss_trigger,
                target_trigger,
                ..
            } if !stoploss_trigger.is_positive() || !target_trigger.is_positive() => {
                bad("OCO GTT requires positive stoploss and target triggers")
            }
            GttTriggers::Oco {
                stoploss_trigger,
                target_trigger,
                ..
            } if stoploss_trigger >= target_trigger => {
                bad("Stoploss trigger must be less than target trigger (triggerprice_tg).")
            }
            _ => Ok(()),
        }
    }

    /// The legs this request creates, in leg order (stop-loss first for OCO).
    #[must_use]
    pub fn legs(&self) -> Vec<GttLeg> {
        let leg = |trigger, direction, price: Price| GttLeg {
            trigger,
            direction,
            price: if self.price_type == PriceType::Market {
                Price::ZERO
            } else {
                price
            },
            status: LegStatus::Pending,
            order_id: None,
        };
        match self.triggers {
            GttTriggers::Single {
                trigger,
                direction,
                price,
            } => vec![leg(trigger, direction, price)],
            GttTriggers::Oco {
                stoploss_trigger,
                stoploss_price,
                target_trigger,
                target_price,
            } => vec![
                leg(stoploss_trigger, TriggerDirection::Below, stoploss_price),
                leg(target_trigger, TriggerDirection::Above, target_price),
            ],
        }
    }
}

/// Status of a GTT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GttStatus {
    /// Waiting for a trigger.
    Active,
    /// A leg fired and its order was placed.
    Triggered,
    /// Cancelled by the user.
    Cancelled,
    /// Past its expiry.
    Expired,
    /// Its order could never be placed (e.g. no shares to sell).
    Rejected,
}

/// Status of one leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LegStatus {
    /// Waiting.
    Pending,
    /// Fired; its order was placed.
    Triggered,
    /// Cancelled (with its GTT, or as the other leg of a fired OCO).
    Cancelled,
}

/// One leg of a GTT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GttLeg {
    /// Trigger price.
    pub trigger: Price,
    /// Direction.
    pub direction: TriggerDirection,
    /// Child limit price (zero for MARKET).
    pub price: Price,
    /// Status.
    pub status: LegStatus,
    /// The order placed when the leg fired.
    pub order_id: Option<OrderId>,
}

/// A sandbox GTT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxGtt {
    /// Trigger id (`GTT-YYMMDD-<8 hex>`).
    pub trigger_id: String,
    /// Sequence number.
    pub seq: u64,
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Side.
    pub action: Action,
    /// Product.
    pub product: Product,
    /// Units.
    pub quantity: Quantity,
    /// Child price type.
    pub price_type: PriceType,
    /// Legs.
    pub legs: Vec<GttLeg>,
    /// Status.
    pub status: GttStatus,
    /// Margin reserved while active.
    pub margin_blocked: Money,
    /// LTP when placed.
    pub last_price: Price,
    /// Strategy tag.
    pub strategy: StrategyTag,
    /// Expiry.
    pub expires_at: NaiveDateTime,
    /// Creation time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

impl SandboxGtt {
    /// `single` or `two-leg`, as the GTT book reports it.
    #[must_use]
    pub fn trigger_type(&self) -> &'static str {
        if self.legs.len() == 2 {
            "two-leg"
        } else {
            "single"
        }
    }
}
