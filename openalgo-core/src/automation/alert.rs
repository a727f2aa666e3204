//! A charting platform's alert (TradingView, GoCharting, Amibroker, Python): `symbol`,
//! `action` and, for BOTH strategies, `position_size`; and the order it makes.

use chrono::NaiveTime;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value};
use thiserror::Error;

use super::strategy::{Schedule, SymbolMapping, TradingMode, WebhookStrategy};
use crate::money::parse_decimal;
use crate::orders::SmartOrderRequest;
use crate::{Action, OrderDraft, OrderError, OrderRequest, PriceType, Quantity, StrategyTag};

/// Why an alert makes no order.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AlertError {
    /// The strategy is switched off.
    #[error("Strategy is inactive")]
    Inactive,
    /// A required field is missing or empty.
    #[error("'{0}' is required")]
    Missing(&'static str),
    /// `action` is not BUY or SELL.
    #[error("action must be BUY or SELL, got '{0}'")]
    Action(String),
    /// `position_size` is not a number.
    #[error("position_size must be a number, got '{0}'")]
    PositionSize(String),
    /// A BOTH strategy's alert without `position_size`.
    #[error("position_size is required for a BOTH strategy")]
    PositionSizeRequired,
    /// A BOTH alert whose side contradicts its target (BUY with a short target, SELL with a
    /// long one).
    #[error("{action} needs a position_size {rule} 0, got {position_size}")]
    PositionSizeSign {
        /// The side.
        action: Action,
        /// `>=` or `<=`.
        rule: &'static str,
        /// The target sent.
        position_size: i64,
    },
    /// The symbol is not mapped in the strategy.
    #[error("Symbol {0} is not configured for this strategy")]
    UnknownSymbol(String),
    /// An entry outside the entry window.
    #[error("Entries are allowed between {start} and {end} (IST)")]
    OutsideEntryWindow {
        /// Window start.
        start: NaiveTime,
        /// Last entry time (exclusive).
        end: NaiveTime,
    },
    /// An exit outside the exit window.
    #[error("Exits are allowed between {start} and {square_off} (IST)")]
    OutsideExitWindow {
        /// Window start.
        start: NaiveTime,
        /// Square-off time (exclusive).
        square_off: NaiveTime,
    },
    /// The strategy's name is not a valid order tag.
    #[error("strategy name is not a valid order tag: {0}")]
    Tag(String),
    /// The order the alert makes is invalid.
    #[error(transparent)]
    Order(#[from] OrderError),
}

/// An alert, read from its JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The OpenAlgo symbol (as mapped in the strategy).
    pub symbol: String,
    /// BUY or SELL.
    pub action: Action,
    /// The target net position (BOTH), truncated toward zero; also an entry's size when given.
    pub position_size: Option<i64>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

impl Alert {
    /// Reads `{symbol, action, position_size?}`; numbers may come as strings (`"10"`,
    /// `"-5.0"`, as TradingView substitutes them); other keys are ignored.
    ///
    /// # Errors
    /// [`AlertError`] for a missing or malformed field.
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, AlertError> {
        let symbol = body
            .get("symbol")
            .and_then(text)
            .ok_or(AlertError::Missing("symbol"))?;
        let action_text = body
            .get("action")
            .and_then(text)
            .ok_or(AlertError::Missing("action"))?;
        let action = match action_text.to_ascii_uppercase().as_str() {
            "BUY" => Action::Buy,
            "SELL" => Action::Sell,
            _ => return Err(AlertError::Action(action_text)),
        };
        let position_size = match body.get("position_size") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let t = text(v).ok_or_else(|| AlertError::PositionSize(v.to_string()))?;
                let d = parse_decimal(&t).map_err(|_| AlertError::PositionSize(t.clone()))?;
                Some(d.trunc().to_i64().ok_or(AlertError::PositionSize(t))?)
            }
        };
        Ok(Self {
            symbol,
            action,
            position_size,
        })
    }
}

/// What an alert places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertOrder {
    /// An entry: a MARKET order.
    Place(OrderRequest),
    /// An exit or a BOTH alert: a smart order to a target position.
    Smart(SmartOrderRequest),
}

impl AlertOrder {
    /// The order's instrument and product (for logs and the strategy's book).
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Place(o) => format!(
                "{} {} {} {}",
                o.action(),
                o.quantity(),
                o.instrument(),
                o.product()
            ),
            Self::Smart(s) => {
                let t = s.template();
                format!(
                    "{} to position {} on {} {}",
                    t.action,
                    s.position_size(),
                    t.instrument,
                    t.product
                )
            }
        }
    }
}

/// A MARKET draft on `m`'s instrument and product, tagged with the strategy.
fn market_draft(
    m: &SymbolMapping,
    action: Action,
    quantity: Quantity,
    tag: &StrategyTag,
) -> OrderDraft {
    let mut d = OrderRequest::builder(m.instrument.clone(), action, quantity);
    d.product = m.product;
    d.price_type = PriceType::Market;
    d.strategy = tag.clone();
    d
}

/// A MARKET entry of `quantity` units on `m`.
pub(super) fn entry(
    m: &SymbolMapping,
    action: Action,
    quantity: Quantity,
    tag: &StrategyTag,
) -> Result<AlertOrder, AlertError> {
    Ok(AlertOrder::Place(
        market_draft(m, action, quantity, tag).build()?,
    ))
}

/// A smart order on `m` towards `target` (quantity 0 exits).
pub(super) fn smart(
    m: &SymbolMapping,
    action: Action,
    quantity: Quantity,
    target: i64,
    tag: &StrategyTag,
) -> Result<AlertOrder, AlertError> {
    let draft = market_draft(m, action, quantity, tag);
    Ok(AlertOrder::Smart(SmartOrderRequest::new(draft, target)?))
}

pub(super) fn tag(s: &WebhookStrategy) -> Result<StrategyTag, AlertError> {
    StrategyTag::new(s.name.as_str()).map_err(|e| AlertError::Tag(e.to_string()))
}

impl WebhookStrategy {
    /// The order `alert` makes at `now` (IST) under this strategy (platform §8.1): LONG
    /// enters on BUY and exits (flattens) on SELL, SHORT the mirror image, BOTH sends a smart
    /// order to the alert's `position_size` (0 exits). An intraday strategy takes entries
    /// from its start to its end time and exits until its square-off time.
    ///
    /// # Errors
    /// [`AlertError`] naming why nothing is placed.
    pub fn order_for(&self, alert: &Alert, now: NaiveTime) -> Result<AlertOrder, AlertError> {
        if !self.active {
            return Err(AlertError::Inactive);
        }
        let m = self
            .mapping(&alert.symbol)
            .ok_or_else(|| AlertError::UnknownSymbol(alert.symbol.clone()))?;
        let exit = match self.mode {
            TradingMode::Long => alert.action == Action::Sell,
            TradingMode::Short => alert.action == Action::Buy,
            TradingMode::Both => {
                let target = alert
                    .position_size
                    .ok_or(AlertError::PositionSizeRequired)?;
                match alert.action {
                    Action::Buy if target < 0 => {
                        return Err(AlertError::PositionSizeSign {
                            action: Action::Buy,
                            rule: ">=",
                            position_size: target,
                        });
                    }
                    Action::Sell if target > 0 => {
                        return Err(AlertError::PositionSizeSign {
                            action: Action::Sell,
                            rule: "<=",
                            position_size: target,
                        });
                    }
                    _ => target == 0,
                }
            }
        };
        if let Schedule::Intraday(w) = self.schedule {
            if exit && !w.exit_allowed(now) {
                return Err(AlertError::OutsideExitWindow {
                    start: w.start(),
                    square_off: w.square_off(),
                });
            }
            if !exit && !w.entry_allowed(now) {
                return Err(AlertError::OutsideEntryWindow {
                    start: w.start(),
                    end: w.end(),
                });
            }
        }
        let tag = tag(self)?;
        let entry_size = alert
            .position_size
            .filter(|&p| p != 0)
            .map_or(m.quantity, |p| Quantity::new(p.unsigned_abs()));
        match (self.mode, exit) {
            (TradingMode::Both, _) => {
                let target = alert.position_size.unwrap_or(0);
                let qty = if target == 0 {
                    Quantity::ZERO
                } else {
                    m.quantity
                };
                smart(m, alert.action, qty, target, &tag)
            }
            (_, true) => smart(m, alert.action, Quantity::ZERO, 0, &tag),
            (_, false) => entry(m, alert.action, entry_size, &tag),
        }
    }

    /// The orders that flatten every mapped symbol (the scheduled square-off).
    ///
    /// # Errors
    /// [`AlertError::Tag`] when the strategy's name is not a valid tag.
    pub fn square_off_orders(&self) -> Result<Vec<AlertOrder>, AlertError> {
        let tag = tag(self)?;
        self.mappings
            .iter()
            .map(|m| {
                let side = match self.mode {
                    TradingMode::Short => Action::Buy,
                    _ => Action::Sell,
                };
                smart(m, side, Quantity::ZERO, 0, &tag)
            })
            .collect()
    }
}
