//! DhanHQ v2 wire structs (only the fields the adapter reads). Prices arrive as JSON numbers and
//! are read exactly through their shortest decimal text (`serde_decimal`), never through `f64`
//! arithmetic.

use std::collections::HashMap;

use openalgo_core::money::serde_decimal;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

/// A decimal that may be `null` or absent (zero then).
pub(crate) mod nullable_decimal {
    use super::{Decimal, Deserialize, Deserializer, serde_decimal};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "serde_decimal")] Decimal);
        Ok(Option::<Wrap>::deserialize(d)?.map_or(Decimal::ZERO, |w| w.0))
    }
}

/// A whole number sent as an integer, a float (`10.0`) or a numeric string.
fn whole<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num {
        I(i64),
        F(f64),
        S(String),
    }
    Ok(match Option::<Num>::deserialize(d)? {
        Some(Num::I(i)) => i,
        #[allow(clippy::cast_possible_truncation)]
        Some(Num::F(f)) if f.is_finite() => f.round() as i64,
        Some(Num::S(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    })
}

/// An id sent as a string or a number.
fn text_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        N(u64),
    }
    Ok(match Option::<Id>::deserialize(d)? {
        Some(Id::S(s)) => s,
        Some(Id::N(n)) => n.to_string(),
        None => String::new(),
    })
}

/// Answer of place/modify/cancel: `{orderId, orderStatus}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderAck {
    #[serde(deserialize_with = "text_id")]
    pub(crate) order_id: String,
}

/// One row of `GET /orders`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DhanOrder {
    #[serde(deserialize_with = "text_id")]
    pub(crate) order_id: String,
    pub(crate) order_status: String,
    pub(crate) transaction_type: String,
    pub(crate) exchange_segment: String,
    pub(crate) product_type: String,
    pub(crate) order_type: String,
    #[serde(default)]
    pub(crate) trading_symbol: String,
    #[serde(deserialize_with = "text_id")]
    pub(crate) security_id: String,
    #[serde(deserialize_with = "whole")]
    pub(crate) quantity: i64,
    #[serde(default, deserialize_with = "whole")]
    pub(crate) filled_qty: i64,
    #[serde(default, with = "nullable_decimal")]
    pub(crate) price: Decimal,
    #[serde(default, with = "nullable_decimal")]
    pub(crate) trigger_price: Decimal,
    #[serde(default, with = "nullable_decimal")]
    pub(crate) average_traded_price: Decimal,
    #[serde(default)]
    pub(crate) correlation_id: Option<String>,
    #[serde(default)]
    pub(crate) oms_error_description: Option<String>,
    #[serde(default)]
    pub(crate) update_time: Option<String>,
    #[serde(default)]
    pub(crate) create_time: Option<String>,
}

/// One row of `GET /trades`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DhanTrade {
    #[serde(deserialize_with = "text_id")]
    pub(crate) order_id: String,
    pub(crate) transaction_type: String,
    pub(crate) exchange_segment: String,
    pub(crate) product_type: String,
    #[serde(default)]
    pub(crate) trading_symbol: String,
    #[serde(deserialize_with = "text_id")]
    pub(crate) security_id: String,
    #[serde(deserialize_with = "whole")]
    pub(crate) traded_quantity: i64,
    #[serde(with = "nullable_decimal")]
    pub(crate) traded_price: Decimal,
    #[serde(default)]
    pub(crate) update_time: Option<String>,
    #[serde(default)]
    pub(crate) exchange_time: Option<String>,
}

/// One row of `GET /positions`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DhanPosition {
    #[serde(default)]
    pub(crate) trading_symbol: String,
    #[serde(deserialize_with = "text_id")]
    pub(crate) security_id: String,
    pub(crate) exchange_segment: String,
    pub(crate) product_type: String,
    #[serde(deserialize_with = "whole")]
    pub(crate) net_qty: i64,
    #[serde(default, with = "nullable_decimal")]
    pub(crate) cost_price: Decimal,
    #[serde(default, with = "nullable_decimal")]
    pub(crate) realized_profit: Decimal,
    #[serde(default, with = "nullable_decimal")]
    pub(crate) unrealized_profit: Decimal,
}

/// One row of `GET /holdings`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DhanHolding {
    #[serde(default)]
    pub(crate) trading_symbol: String,
    #[serde(deserialize_with = "text_id")]
    pub(crate) security_id: String,
    #[serde(default, deserialize_with = "whole")]
    pub(crate) total_qty: i64,
    #[serde(default, with = "nullable_decimal")]
    pub(crate) avg_cost_price: Decimal,
}

/// `GET /fundlimit` (`availabelBalance` is Dhan's spelling).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DhanFunds {
    #[serde(default, rename = "availabelBalance", with = "nullable_decimal")]
    pub(crate) available_balance: Decimal,
    #[serde(default, with = "nullable_decimal")]
    pub(crate) collateral_amount: Decimal,
    #[serde(default, with = "nullable_decimal")]
    pub(crate) utilized_amount: Decimal,
}

/// `{status, data}` of the market-quote APIs.
#[derive(Debug, Deserialize)]
pub(crate) struct DataEnvelope<T> {
    pub(crate) data: T,
}

/// `data` of `POST /marketfeed/quote`: segment → security id → quote.
pub(crate) type QuoteData = HashMap<String, HashMap<String, DhanQuote>>;

/// OHLC block of a quote.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DhanOhlc {
    #[serde(default, with = "nullable_decimal")]
    pub(crate) open: Decimal,
    #[serde(default, with = "nullable_decimal")]
    pub(crate) close: Decimal,
    #[serde(default, with = "nullable_decimal")]
    pub(crate) high: Decimal,
    #[serde(default, with = "nullable_decimal")]
    pub(crate) low: Decimal,
}

/// One depth level of a quote.
#[derive(Debug, Deserialize)]
pub(crate) struct DhanLevel {
    #[serde(default, with = "nullable_decimal")]
    pub(crate) price: Decimal,
    #[serde(default, deserialize_with = "whole")]
    pub(crate) quantity: i64,
    #[serde(default, deserialize_with = "whole")]
    pub(crate) orders: i64,
}

/// Depth of a quote.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DhanDepth {
    #[serde(default)]
    pub(crate) buy: Vec<DhanLevel>,
    #[serde(default)]
    pub(crate) sell: Vec<DhanLevel>,
}

/// One quote of `POST /marketfeed/quote`.
#[derive(Debug, Deserialize)]
pub(crate) struct DhanQuote {
    #[serde(default, with = "nullable_decimal")]
    pub(crate) last_price: Decimal,
    #[serde(default, deserialize_with = "whole")]
    pub(crate) last_quantity: i64,
    #[serde(default, deserialize_with = "whole")]
    pub(crate) volume: i64,
    #[serde(default, deserialize_with = "whole")]
    pub(crate) buy_quantity: i64,
    #[serde(default, deserialize_with = "whole")]
    pub(crate) sell_quantity: i64,
    #[serde(default, deserialize_with = "whole")]
    pub(crate) oi: i64,
    #[serde(default)]
    pub(crate) ohlc: DhanOhlc,
    #[serde(default)]
    pub(crate) depth: DhanDepth,
}

/// `POST /charts/historical` and `/charts/intraday`: parallel arrays.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DhanCandles {
    #[serde(default)]
    pub(crate) open: Vec<serde_json::Value>,
    #[serde(default)]
    pub(crate) high: Vec<serde_json::Value>,
    #[serde(default)]
    pub(crate) low: Vec<serde_json::Value>,
    #[serde(default)]
    pub(crate) close: Vec<serde_json::Value>,
    #[serde(default)]
    pub(crate) volume: Vec<serde_json::Value>,
    #[serde(default)]
    pub(crate) timestamp: Vec<serde_json::Value>,
    #[serde(default)]
    pub(crate) open_interest: Vec<serde_json::Value>,
}

/// `POST /app/consumeApp-consent` (the consent login's answer).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConsentSession {
    #[serde(default)]
    pub(crate) dhan_client_id: Option<String>,
    #[serde(default)]
    pub(crate) access_token: Option<String>,
}

/// `POST /app/generate-consent`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Consent {
    #[serde(default)]
    pub(crate) consent_app_id: Option<String>,
}
