//! What an account allows: the configurable limits of the risk engine.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{InstrumentKey, Money};

/// The exchange's threshold for orders per second from an unregistered algorithm, per segment.
pub const DEFAULT_ORDERS_PER_SECOND: u32 = 10;

/// The highest orders-per-second cap (each segment keeps one timestamp per allowed order).
pub const MAX_ORDERS_PER_SECOND: u32 = 99_999;

/// A limit that is set but cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LimitsError {
    /// A money or quantity limit of zero or below (leave it unset to turn it off).
    #[error("{name} must be greater than 0 (leave it empty to turn the rule off)")]
    NotPositive {
        /// The limit's name.
        name: &'static str,
    },
    /// An orders-per-second cap above [`MAX_ORDERS_PER_SECOND`].
    #[error("orders_per_second must be at most {MAX_ORDERS_PER_SECOND} (0 turns the cap off)")]
    RateTooHigh,
}

/// Per-symbol overrides of the order-size limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolLimits {
    /// Largest quantity of one order on this symbol.
    pub max_order_quantity: Option<u64>,
    /// Largest value (quantity × price) of one order on this symbol.
    pub max_order_value: Option<Money>,
}

/// One account's limits. `None` (or 0 for the rate) turns a rule off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskLimits {
    /// Realized + unrealized loss for the day at which the kill switch trips by itself.
    pub max_daily_loss: Option<Money>,
    /// Largest quantity of one order, on any symbol without its own limit.
    pub max_order_quantity: Option<u64>,
    /// Largest value of one order, on any symbol without its own limit.
    pub max_order_value: Option<Money>,
    /// Most positions open at once; an order that would open another is refused.
    pub max_open_positions: Option<u32>,
    /// Orders per second per exchange segment (a burst of one second's worth); 0 is off.
    pub orders_per_second: u32,
    /// Whether tripping the kill switch also cancels open orders and closes positions.
    pub flatten_on_kill: bool,
    /// Per-symbol order-size limits, over the account-wide ones.
    #[serde(default, with = "per_symbol")]
    pub symbols: HashMap<InstrumentKey, SymbolLimits>,
}

impl Default for RiskLimits {
    /// Only the orders-per-second cap, at the exchange's threshold.
    fn default() -> Self {
        Self {
            max_daily_loss: None,
            max_order_quantity: None,
            max_order_value: None,
            max_open_positions: None,
            orders_per_second: DEFAULT_ORDERS_PER_SECOND,
            flatten_on_kill: false,
            symbols: HashMap::new(),
        }
    }
}

impl RiskLimits {
    /// No rule at all (the analyzer account's default: paper accounts can be load-tested).
    #[must_use]
    pub fn none() -> Self {
        Self {
            orders_per_second: 0,
            ..Self::default()
        }
    }

    /// Checks that every limit that is set can be met by some order.
    ///
    /// # Errors
    /// [`LimitsError::NotPositive`] naming the first limit at zero or below.
    pub fn validate(&self) -> Result<(), LimitsError> {
        let money = |name, v: Option<Money>| match v {
            Some(v) if v <= Decimal::ZERO => Err(LimitsError::NotPositive { name }),
            _ => Ok(()),
        };
        let count = |name, v: Option<u64>| match v {
            Some(0) => Err(LimitsError::NotPositive { name }),
            _ => Ok(()),
        };
        if self.orders_per_second > MAX_ORDERS_PER_SECOND {
            return Err(LimitsError::RateTooHigh);
        }
        money("max_daily_loss", self.max_daily_loss)?;
        count("max_order_quantity", self.max_order_quantity)?;
        money("max_order_value", self.max_order_value)?;
        count("max_open_positions", self.max_open_positions.map(u64::from))?;
        for s in self.symbols.values() {
            count("max_order_quantity", s.max_order_quantity)?;
            money("max_order_value", s.max_order_value)?;
        }
        Ok(())
    }

    /// The quantity limit for orders on `instrument`.
    #[must_use]
    pub fn order_quantity_for(&self, instrument: &InstrumentKey) -> Option<u64> {
        self.symbols
            .get(instrument)
            .and_then(|s| s.max_order_quantity)
            .or(self.max_order_quantity)
    }

    /// The value limit for orders on `instrument`.
    #[must_use]
    pub fn order_value_for(&self, instrument: &InstrumentKey) -> Option<Money> {
        self.symbols
            .get(instrument)
            .and_then(|s| s.max_order_value)
            .or(self.max_order_value)
    }
}

/// The per-symbol map as a list of `{symbol, exchange, ...limits}` (JSON keys must be strings).
mod per_symbol {
    use std::collections::HashMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::SymbolLimits;
    use crate::InstrumentKey;

    #[derive(Serialize, Deserialize)]
    struct Entry {
        #[serde(flatten)]
        instrument: InstrumentKey,
        #[serde(flatten)]
        limits: SymbolLimits,
    }

    pub(super) fn serialize<S: Serializer>(
        map: &HashMap<InstrumentKey, SymbolLimits>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut list: Vec<Entry> = map
            .iter()
            .map(|(k, v)| Entry {
                instrument: k.clone(),
                limits: *v,
            })
            .collect();
        list.sort_by(|a, b| {
            (a.instrument.exchange.as_str(), a.instrument.symbol.as_str())
                .cmp(&(b.instrument.exchange.as_str(), b.instrument.symbol.as_str()))
        });
        list.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<HashMap<InstrumentKey, SymbolLimits>, D::Error> {
        let list = Vec::<Entry>::deserialize(d)?;
        Ok(list.into_iter().map(|e| (e.instrument, e.limits)).collect())
    }
}
