//! Kite's wire structs (only the fields the adapter reads). Prices arrive as JSON numbers and
//! are read exactly through their shortest decimal text.

use std::collections::HashMap;

use openalgo_core::money::serde_decimal;
use rust_decimal::Decimal;
use serde::Deserialize;

/// `{status, data, message, error_type}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope<T> {
    pub(crate) status: String,
    pub(crate) data: Option<T>,
    pub(crate) message: Option<String>,
    pub(crate) error_type: Option<String>,
}

/// `data` of `POST /session/token`.
#[derive(Debug, Deserialize)]
pub(crate) struct SessionData {
    pub(crate) access_token: Option<String>,
    pub(crate) user_id: Option<String>,
}

/// `data` of place/modify/cancel.
#[derive(Debug, Deserialize)]
pub(crate) struct OrderIdData {
    pub(crate) order_id: String,
}

fn zero() -> Decimal {
    Decimal::ZERO
}

/// Decimal that may be `null`.
mod nullable_decimal {
    use super::{Decimal, serde_decimal};
    use serde::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "serde_decimal")] Decimal);
        Ok(Option::<Wrap>::deserialize(d)?.map_or(Decimal::ZERO, |w| w.0))
    }
}

/// One row of `GET /orders` (and of order updates on the ticker).
#[derive(Debug, Deserialize)]
pub(crate) struct KiteOrder {
    pub(crate) order_id: String,
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) status_message: Option<String>,
    #[serde(default)]
    pub(crate) order_timestamp: Option<String>,
    #[serde(default)]
    pub(crate) exchange_timestamp: Option<String>,
    pub(crate) exchange: String,
    pub(crate) tradingsymbol: String,
    pub(crate) order_type: String,
    pub(crate) transaction_type: String,
    pub(crate) product: String,
    pub(crate) quantity: u64,
    #[serde(default)]
    pub(crate) filled_quantity: u64,
    #[serde(default = "zero", with = "nullable_decimal")]
    pub(crate) price: Decimal,
    #[serde(default = "zero", with = "nullable_decimal")]
    pub(crate) trigger_price: Decimal,
    #[serde(default = "zero", with = "nullable_decimal")]
    pub(crate) average_price: Decimal,
    #[serde(default)]
    pub(crate) tag: Option<String>,
    /// Every tag of the order (Kite keeps several; `tag` is the first).
    #[serde(default, deserialize_with = "nullable_list")]
    pub(crate) tags: Vec<String>,
}

/// A JSON list that may be `null` or absent.
fn nullable_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// One row of `GET /trades`.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteTrade {
    pub(crate) order_id: String,
    pub(crate) exchange: String,
    pub(crate) tradingsymbol: String,
    pub(crate) product: String,
    #[serde(with = "nullable_decimal")]
    pub(crate) average_price: Decimal,
    pub(crate) quantity: u64,
    pub(crate) transaction_type: String,
    #[serde(default)]
    pub(crate) fill_timestamp: Option<String>,
    #[serde(default)]
    pub(crate) exchange_timestamp: Option<String>,
}

/// `data` of `GET /portfolio/positions`.
#[derive(Debug, Deserialize)]
pub(crate) struct KitePositions {
    #[serde(default)]
    pub(crate) net: Vec<KitePosition>,
}

/// One net position.
#[derive(Debug, Deserialize)]
pub(crate) struct KitePosition {
    pub(crate) tradingsymbol: String,
    pub(crate) exchange: String,
    pub(crate) product: String,
    pub(crate) quantity: i64,
    #[serde(with = "nullable_decimal")]
    pub(crate) average_price: Decimal,
    #[serde(with = "nullable_decimal")]
    pub(crate) last_price: Decimal,
    #[serde(with = "nullable_decimal")]
    pub(crate) pnl: Decimal,
    #[serde(default = "zero", with = "nullable_decimal")]
    pub(crate) buy_value: Decimal,
    #[serde(default = "zero", with = "nullable_decimal")]
    pub(crate) sell_value: Decimal,
}

/// One holding.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteHolding {
    pub(crate) tradingsymbol: String,
    pub(crate) exchange: String,
    #[serde(default)]
    pub(crate) product: Option<String>,
    pub(crate) quantity: i64,
    #[serde(default)]
    pub(crate) t1_quantity: i64,
    #[serde(with = "nullable_decimal")]
    pub(crate) average_price: Decimal,
    #[serde(with = "nullable_decimal")]
    pub(crate) last_price: Decimal,
    #[serde(with = "nullable_decimal")]
    pub(crate) pnl: Decimal,
}

/// `data` of `GET /user/margins`.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteMargins {
    pub(crate) equity: Option<KiteSegmentMargin>,
    pub(crate) commodity: Option<KiteSegmentMargin>,
}

/// One segment's margins.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteSegmentMargin {
    #[serde(with = "nullable_decimal")]
    pub(crate) net: Decimal,
    pub(crate) available: KiteAvailable,
    pub(crate) utilised: KiteUtilised,
}

/// `available` block.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteAvailable {
    #[serde(default = "zero", with = "nullable_decimal")]
    pub(crate) collateral: Decimal,
}

/// `utilised` block.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteUtilised {
    #[serde(default = "zero", with = "nullable_decimal")]
    pub(crate) debits: Decimal,
}

/// OHLC block of a quote.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct KiteOhlc {
    #[serde(default = "zero", with = "nullable_decimal")]
    pub(crate) open: Decimal,
    #[serde(default = "zero", with = "nullable_decimal")]
    pub(crate) high: Decimal,
    #[serde(default = "zero", with = "nullable_decimal")]
    pub(crate) low: Decimal,
    #[serde(default = "zero", with = "nullable_decimal")]
    pub(crate) close: Decimal,
}

/// One depth level of a quote.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteLevel {
    #[serde(with = "nullable_decimal")]
    pub(crate) price: Decimal,
    #[serde(default)]
    pub(crate) quantity: u64,
    #[serde(default)]
    pub(crate) orders: u32,
}

/// Depth of a quote.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct KiteDepth {
    #[serde(default)]
    pub(crate) buy: Vec<KiteLevel>,
    #[serde(default)]
    pub(crate) sell: Vec<KiteLevel>,
}

/// One value of `GET /quote`.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteQuote {
    #[serde(with = "nullable_decimal")]
    pub(crate) last_price: Decimal,
    #[serde(default)]
    pub(crate) last_quantity: u64,
    #[serde(default)]
    pub(crate) volume: u64,
    #[serde(default)]
    pub(crate) buy_quantity: u64,
    #[serde(default)]
    pub(crate) sell_quantity: u64,
    #[serde(default)]
    pub(crate) oi: u64,
    #[serde(default)]
    pub(crate) ohlc: KiteOhlc,
    #[serde(default)]
    pub(crate) depth: KiteDepth,
}

/// `data` of `GET /quote`: keyed by the requested `EX:SYM`.
pub(crate) type KiteQuotes = HashMap<String, KiteQuote>;

/// One value of `GET /quote/ltp`.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteLtp {
    #[serde(with = "nullable_decimal")]
    pub(crate) last_price: Decimal,
}

/// `data` of the historical endpoint: `[ts, o, h, l, c, v(, oi)]` rows.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteCandles {
    pub(crate) candles: Vec<Vec<serde_json::Value>>,
}
