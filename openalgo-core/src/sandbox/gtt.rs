//! Good-till-triggered orders in the sandbox (sandbox.md §11): requests, records and rules.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

pub use crate::broker::{GttRequest, GttTriggers, TriggerDirection};
use crate::{
    Action, InstrumentKey, Money, OrderId, Price, PriceType, Product, Quantity, StrategyTag,
};

impl GttRequest {
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

impl GttStatus {
    /// The GTT book's state.
    #[must_use]
    pub const fn state(self) -> crate::broker::GttState {
        use crate::broker::GttState;
        match self {
            Self::Active => GttState::Active,
            Self::Triggered => GttState::Triggered,
            Self::Cancelled => GttState::Cancelled,
            Self::Expired => GttState::Expired,
            Self::Rejected => GttState::Rejected,
        }
    }
}

impl SandboxGtt {
    /// The GTT as a book lists it: trigger prices ascending, legs in the same order.
    ///
    /// # Errors
    /// Never for a GTT the engine made (its trigger id is not empty).
    pub fn to_record(&self) -> Result<crate::broker::GttRecord, crate::broker::GttRuleError> {
        use crate::broker::{GttKind, GttLegOrder, GttRecord, TriggerId};
        let mut legs: Vec<&GttLeg> = self.legs.iter().collect();
        legs.sort_by_key(|l| l.trigger);
        Ok(GttRecord {
            trigger_id: TriggerId::new(self.trigger_id.clone())?,
            kind: if self.legs.len() == 2 {
                GttKind::TwoLeg
            } else {
                GttKind::Single
            },
            state: self.status.state(),
            instrument: self.instrument.clone(),
            trigger_prices: legs.iter().map(|l| l.trigger).collect(),
            last_price: self.last_price,
            legs: legs
                .iter()
                .map(|l| GttLegOrder {
                    action: self.action,
                    quantity: self.quantity,
                    price: l.price,
                    price_type: self.price_type,
                    product: self.product,
                })
                .collect(),
            created_at: Some(self.created_at),
            updated_at: Some(self.updated_at),
            expires_at: Some(self.expires_at),
            strategy: Some(self.strategy.clone()),
            margin_blocked: Some(self.margin_blocked),
        })
    }
}
