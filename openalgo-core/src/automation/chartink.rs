//! A Chartink scanner alert (platform §8.3): `stocks` and `trigger_prices` as comma-separated
//! lists, the action from the scan's name (`BUY`, `SELL`, `SHORT`, `COVER`), one order per
//! listed stock the strategy maps.

use chrono::NaiveTime;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::alert::{AlertError, AlertOrder, entry, smart, tag};
use super::strategy::{Schedule, WebhookStrategy};
use crate::money::parse_decimal;
use crate::{Action, Quantity};

/// What a scan's name asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanAction {
    /// Enter long.
    Buy,
    /// Exit long (flatten).
    Sell,
    /// Enter short.
    Short,
    /// Exit short (flatten).
    Cover,
}

impl ScanAction {
    /// From a scan name, upper-cased and tested for `BUY`, then `SELL`, `SHORT`, `COVER`.
    #[must_use]
    pub fn from_scan_name(name: &str) -> Option<Self> {
        let n = name.to_ascii_uppercase();
        [
            ("BUY", Self::Buy),
            ("SELL", Self::Sell),
            ("SHORT", Self::Short),
            ("COVER", Self::Cover),
        ]
        .into_iter()
        .find(|(word, _)| n.contains(word))
        .map(|(_, a)| a)
    }

    /// Whether it opens a position.
    #[must_use]
    pub const fn is_entry(self) -> bool {
        matches!(self, Self::Buy | Self::Short)
    }
}

/// A Chartink alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartinkAlert {
    /// The stocks, in the alert's order.
    pub stocks: Vec<String>,
    /// Their trigger prices, where given and numeric.
    pub trigger_prices: Vec<Option<Decimal>>,
    /// The scan's name.
    pub scan_name: String,
    /// What the scan's name asks for.
    pub action: ScanAction,
}

fn field(body: &Map<String, Value>, name: &'static str) -> Result<String, AlertError> {
    match body.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        _ => Err(AlertError::Missing(name)),
    }
}

impl ChartinkAlert {
    /// Reads Chartink's payload (`stocks`, `trigger_prices`, `scan_name`; `triggered_at`,
    /// `scan_url` and `alert_name` are ignored).
    ///
    /// # Errors
    /// [`AlertError::Missing`] for a missing field; [`AlertError::Action`] when the scan's name
    /// names no action.
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, AlertError> {
        let stocks: Vec<String> = field(body, "stocks")?
            .split(',')
            .map(|s| s.trim().to_ascii_uppercase())
            .filter(|s| !s.is_empty())
            .collect();
        let trigger_prices = body
            .get("trigger_prices")
            .and_then(Value::as_str)
            .map(|t| t.split(',').map(|p| parse_decimal(p.trim()).ok()).collect())
            .unwrap_or_default();
        let scan_name = field(body, "scan_name")?;
        let action = ScanAction::from_scan_name(&scan_name).ok_or_else(|| {
            AlertError::Action(format!(
                "{scan_name} (the scan name must contain BUY, SELL, SHORT or COVER)"
            ))
        })?;
        Ok(Self {
            stocks,
            trigger_prices,
            scan_name,
            action,
        })
    }
}

/// What a Chartink alert places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartinkOrders {
    /// One order per mapped stock, with the stock.
    pub orders: Vec<(String, AlertOrder)>,
    /// Listed stocks the strategy does not map.
    pub skipped: Vec<String>,
}

impl WebhookStrategy {
    /// The orders a Chartink alert makes at `now` (IST): one per listed stock the strategy
    /// maps (the rest are returned as skipped). An intraday strategy acts from its start time
    /// until its square-off time, and takes entries only before its end time.
    ///
    /// # Errors
    /// [`AlertError`] when the strategy is inactive or outside its window.
    pub fn chartink_orders(
        &self,
        alert: &ChartinkAlert,
        now: NaiveTime,
    ) -> Result<ChartinkOrders, AlertError> {
        if !self.active {
            return Err(AlertError::Inactive);
        }
        if let Schedule::Intraday(w) = self.schedule {
            if alert.action.is_entry() && !w.entry_allowed(now) {
                return Err(AlertError::OutsideEntryWindow {
                    start: w.start(),
                    end: w.end(),
                });
            }
            if !w.exit_allowed(now) {
                return Err(AlertError::OutsideExitWindow {
                    start: w.start(),
                    square_off: w.square_off(),
                });
            }
        }
        let tag = tag(self)?;
        let mut orders = Vec::new();
        let mut skipped = Vec::new();
        for stock in &alert.stocks {
            let Some(m) = self.mapping(stock) else {
                skipped.push(stock.clone());
                continue;
            };
            let order = match alert.action {
                ScanAction::Buy => entry(m, Action::Buy, m.quantity, &tag)?,
                ScanAction::Short => entry(m, Action::Sell, m.quantity, &tag)?,
                ScanAction::Sell => smart(m, Action::Sell, Quantity::ZERO, 0, &tag)?,
                ScanAction::Cover => smart(m, Action::Buy, Quantity::ZERO, 0, &tag)?,
            };
            orders.push((stock.clone(), order));
        }
        Ok(ChartinkOrders { orders, skipped })
    }
}
