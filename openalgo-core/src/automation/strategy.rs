//! A webhook strategy: its name, trading mode, schedule and symbol mappings, each validated
//! when built.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::window::TradingWindow;
use crate::{Exchange, InstrumentKey, Product, Quantity};

/// Why a strategy (or a mapping) cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StrategyError {
    /// The name is not 3–50 letters, digits, spaces, `-` or `_`.
    #[error("Strategy name must be 3 to 50 characters: letters, digits, spaces, '-' or '_'")]
    Name,
    /// The intraday window does not hold.
    #[error("Invalid trading window: {0}")]
    Window(String),
    /// A mapping's exchange is not one a webhook strategy trades.
    #[error("Exchange {0} is not supported for webhook strategies")]
    Exchange(Exchange),
    /// A mapping's product does not fit its exchange.
    #[error("Product {product} is not allowed on {exchange}: use {allowed}")]
    Product {
        /// The product.
        product: Product,
        /// The exchange.
        exchange: Exchange,
        /// What the exchange takes.
        allowed: &'static str,
    },
    /// A mapping with a zero quantity.
    #[error("Quantity must be a positive integer")]
    Quantity,
}

/// A strategy's name: 3–50 characters of letters, digits, spaces, `-` and `_`, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StrategyName(String);

impl StrategyName {
    /// A validated name.
    ///
    /// # Errors
    /// [`StrategyError::Name`].
    pub fn new(text: &str) -> Result<Self, StrategyError> {
        let t = text.trim();
        let n = t.chars().count();
        let ok = (3..=50).contains(&n)
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_'));
        if ok {
            Ok(Self(t.to_owned()))
        } else {
            Err(StrategyError::Name)
        }
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StrategyName {
    type Error = StrategyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(&s)
    }
}

impl From<StrategyName> for String {
    fn from(n: StrategyName) -> Self {
        n.0
    }
}

/// Which side a strategy trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TradingMode {
    /// BUY enters, SELL exits.
    Long,
    /// SELL enters, BUY exits.
    Short,
    /// Alerts carry the target `position_size`.
    Both,
}

impl TradingMode {
    /// `LONG`, `SHORT` or `BOTH` (any case).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "LONG" => Some(Self::Long),
            "SHORT" => Some(Self::Short),
            "BOTH" => Some(Self::Both),
            _ => None,
        }
    }

    /// The wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Long => "LONG",
            Self::Short => "SHORT",
            Self::Both => "BOTH",
        }
    }
}

/// Intraday (a window with a square-off) or positional (any time, no square-off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Schedule {
    /// Entries and exits within the window; positions flattened at its square-off time.
    Intraday(TradingWindow),
    /// No time rule.
    Positional,
}

/// One symbol a strategy trades and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolMapping {
    /// The instrument.
    pub instrument: InstrumentKey,
    /// Units per entry order.
    pub quantity: Quantity,
    /// MIS, CNC or NRML as the exchange allows.
    pub product: Product,
}

impl SymbolMapping {
    /// A validated mapping: exchanges NSE, BSE, NFO, BFO, CDS, BCD, MCX, NCDEX, NCO; products
    /// MIS/CNC on NSE/BSE and MIS/NRML on derivative exchanges.
    ///
    /// # Errors
    /// [`StrategyError`] naming the broken rule.
    pub fn new(
        instrument: InstrumentKey,
        quantity: Quantity,
        product: Product,
    ) -> Result<Self, StrategyError> {
        let exchange = instrument.exchange;
        if exchange.is_index() || exchange == Exchange::Crypto {
            return Err(StrategyError::Exchange(exchange));
        }
        let (ok, allowed) = if exchange.is_cash_equity() {
            (matches!(product, Product::Mis | Product::Cnc), "MIS or CNC")
        } else {
            (
                matches!(product, Product::Mis | Product::Nrml),
                "MIS or NRML",
            )
        };
        if !ok {
            return Err(StrategyError::Product {
                product,
                exchange,
                allowed,
            });
        }
        if quantity.is_zero() {
            return Err(StrategyError::Quantity);
        }
        Ok(Self {
            instrument,
            quantity,
            product,
        })
    }
}

/// A webhook strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookStrategy {
    /// Its name (the orders' strategy tag).
    pub name: StrategyName,
    /// LONG, SHORT or BOTH.
    pub mode: TradingMode,
    /// Intraday or positional.
    pub schedule: Schedule,
    /// The symbols it trades.
    pub mappings: Vec<SymbolMapping>,
    /// Whether alerts are acted on.
    pub active: bool,
}

impl WebhookStrategy {
    /// The mapping of `symbol` (exact OpenAlgo symbol; the first when listed on several
    /// exchanges).
    #[must_use]
    pub fn mapping(&self, symbol: &str) -> Option<&SymbolMapping> {
        self.mappings
            .iter()
            .find(|m| m.instrument.symbol.as_str() == symbol)
    }
}
