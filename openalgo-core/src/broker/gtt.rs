//! Good-till-triggered orders behind the [`Broker`](super::Broker) trait: the request to place
//! or replace one, its trigger id and the record a GTT book lists (rest-api §3.1.11).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::{Action, InstrumentKey, Money, Price, PriceType, Product, Quantity, StrategyTag};

/// The feature name of GTT orders in [`BrokerError::Unsupported`](super::BrokerError).
pub const GTT_FEATURE: &str = "GTT orders";

/// A GTT request broke one of its own rules; the message is the reference's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GttRuleError(pub String);

/// A broker's id of a GTT (`23132604291205`, `GTT-250822-1a2b3c4d`): non-empty text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TriggerId(String);

impl TriggerId {
    /// A trigger id.
    ///
    /// # Errors
    /// [`GttRuleError`] for an empty id.
    pub fn new(id: impl Into<String>) -> Result<Self, GttRuleError> {
        let id = id.into();
        if id.trim().is_empty() {
            Err(GttRuleError("trigger_id is missing".to_owned()))
        } else {
            Ok(Self(id))
        }
    }

    /// The id's text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TriggerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

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
    /// [`GttRuleError`] with the reference's message.
    pub fn validate(&self) -> Result<(), GttRuleError> {
        let bad = |m: &str| Err(GttRuleError(m.to_owned()));
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
}

/// Which GTTs a book lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GttScope {
    /// Only those that can still fire (the default).
    #[default]
    Active,
    /// Every GTT the broker still lists, active ones first.
    All,
}

/// `single` (one trigger) or `two-leg` (OCO), as the GTT book reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GttKind {
    /// One trigger, one order.
    Single,
    /// One-cancels-other.
    TwoLeg,
}

impl GttKind {
    /// The book's spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::TwoLeg => "two-leg",
        }
    }
}

/// Where a GTT stands, in the book's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GttState {
    /// Waiting for a trigger.
    Active,
    /// A leg fired and its order was placed.
    Triggered,
    /// Cancelled (or deleted) by the user.
    Cancelled,
    /// Past its expiry.
    Expired,
    /// Its order was refused.
    Rejected,
    /// Disabled by the broker.
    Disabled,
}

impl GttState {
    /// The book's spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Triggered => "triggered",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::Rejected => "rejected",
            Self::Disabled => "disabled",
        }
    }
}

/// The order one leg places when it fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GttLegOrder {
    /// Side.
    pub action: Action,
    /// Units.
    pub quantity: Quantity,
    /// Limit price (0 for MARKET).
    pub price: Price,
    /// LIMIT or MARKET.
    pub price_type: PriceType,
    /// CNC or NRML.
    pub product: Product,
}

/// A GTT as a broker's book lists it: trigger prices ascending, legs in the same order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GttRecord {
    /// Trigger id.
    pub trigger_id: TriggerId,
    /// Single or two-leg.
    pub kind: GttKind,
    /// Status.
    pub state: GttState,
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Trigger prices, ascending.
    pub trigger_prices: Vec<Price>,
    /// Last price when placed (as the broker reports it).
    pub last_price: Price,
    /// One order per trigger price, in the same order.
    pub legs: Vec<GttLegOrder>,
    /// Creation time (IST), when known.
    pub created_at: Option<NaiveDateTime>,
    /// Last change (IST), when known.
    pub updated_at: Option<NaiveDateTime>,
    /// Expiry (IST), when known.
    pub expires_at: Option<NaiveDateTime>,
    /// Strategy tag (paper accounts).
    pub strategy: Option<StrategyTag>,
    /// Margin reserved while active (paper accounts).
    pub margin_blocked: Option<Money>,
}
