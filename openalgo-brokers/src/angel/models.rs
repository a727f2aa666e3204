//! SmartAPI's wire structs (only the fields the adapter reads). Most numbers arrive as strings
//! (`"netqty": "1"`, `"avgnetprice": "2235.80"`), quotes and candles as JSON numbers; both are
//! read exactly (never through `f64` arithmetic), and `null`/empty means zero.

use openalgo_core::money::serde_decimal;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

/// `{status, message, errorcode, data}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope<T> {
    #[serde(default, deserialize_with = "loose_bool")]
    pub(crate) status: bool,
    #[serde(default)]
    pub(crate) message: Option<String>,
    /// The gateway's token refusals spell it `errorCode` (with `success: false`).
    #[serde(default, alias = "errorCode")]
    pub(crate) errorcode: Option<String>,
    pub(crate) data: Option<T>,
}

/// `true`, `"true"` (the reference tests both).
fn loose_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => b,
        serde_json::Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    })
}

/// A decimal from a JSON number or string; `null`, `""` and absent are zero.
pub(crate) mod loose_decimal {
    use super::{Decimal, Deserialize, Deserializer, serde_decimal};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Num(#[serde(with = "serde_decimal")] Decimal),
        }
        Ok(match Option::<Raw>::deserialize(d)? {
            None => Decimal::ZERO,
            Some(Raw::Num(n)) => n,
            Some(Raw::Text(t)) if t.trim().is_empty() => Decimal::ZERO,
            Some(Raw::Text(t)) => Decimal::from_str_exact(t.trim())
                .or_else(|_| t.trim().parse::<Decimal>())
                .map_err(serde::de::Error::custom)?,
        })
    }
}

/// A whole number from a JSON number or string (`"75"`, `75`, `"75.0"`); `null`/empty is 0.
pub(crate) fn loose_int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = loose_decimal::deserialize(d)?;
    v.trunc()
        .to_string()
        .parse()
        .map_err(serde::de::Error::custom)
}

fn loose_uint<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(u64::try_from(loose_int(d)?).unwrap_or(0))
}

/// `data` of `loginByPassword`.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginData {
    #[serde(rename = "jwtToken")]
    pub(crate) jwt_token: Option<String>,
    #[serde(rename = "refreshToken")]
    pub(crate) refresh_token: Option<String>,
    #[serde(rename = "feedToken")]
    pub(crate) feed_token: Option<String>,
}

/// `data` of place/modify.
#[derive(Debug, Deserialize)]
pub(crate) struct OrderIdData {
    pub(crate) orderid: String,
}

/// One row of `getOrderBook`.
#[derive(Debug, Deserialize)]
pub(crate) struct AngelOrder {
    pub(crate) orderid: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) text: Option<String>,
    #[serde(default)]
    pub(crate) updatetime: Option<String>,
    #[serde(default)]
    pub(crate) exchange: String,
    #[serde(default)]
    pub(crate) tradingsymbol: String,
    #[serde(default)]
    pub(crate) symboltoken: String,
    #[serde(default)]
    pub(crate) ordertype: String,
    #[serde(default)]
    pub(crate) producttype: String,
    #[serde(default)]
    pub(crate) transactiontype: String,
    #[serde(default, deserialize_with = "loose_uint")]
    pub(crate) quantity: u64,
    #[serde(default, deserialize_with = "loose_uint")]
    pub(crate) filledshares: u64,
    #[serde(default, with = "loose_decimal")]
    pub(crate) price: Decimal,
    #[serde(default, with = "loose_decimal")]
    pub(crate) triggerprice: Decimal,
    #[serde(default, with = "loose_decimal")]
    pub(crate) averageprice: Decimal,
    #[serde(default)]
    pub(crate) ordertag: Option<String>,
}

/// One row of `getTradeBook`.
#[derive(Debug, Deserialize)]
pub(crate) struct AngelTrade {
    pub(crate) orderid: String,
    #[serde(default)]
    pub(crate) exchange: String,
    #[serde(default)]
    pub(crate) tradingsymbol: String,
    #[serde(default)]
    pub(crate) producttype: String,
    #[serde(default)]
    pub(crate) transactiontype: String,
    #[serde(default, with = "loose_decimal")]
    pub(crate) fillprice: Decimal,
    #[serde(default, deserialize_with = "loose_uint")]
    pub(crate) fillsize: u64,
    #[serde(default)]
    pub(crate) filltime: Option<String>,
}

/// One row of `getPosition`.
#[derive(Debug, Deserialize)]
pub(crate) struct AngelPosition {
    #[serde(default)]
    pub(crate) exchange: String,
    #[serde(default)]
    pub(crate) tradingsymbol: String,
    #[serde(default)]
    pub(crate) producttype: String,
    #[serde(default, deserialize_with = "loose_int")]
    pub(crate) netqty: i64,
    #[serde(default, with = "loose_decimal")]
    pub(crate) avgnetprice: Decimal,
    #[serde(default, with = "loose_decimal")]
    pub(crate) ltp: Decimal,
    #[serde(default, with = "loose_decimal")]
    pub(crate) pnl: Decimal,
}

/// `data` of `getAllHolding`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AngelHoldings {
    #[serde(default, deserialize_with = "nullable_list")]
    pub(crate) holdings: Vec<AngelHolding>,
}

/// One holding.
#[derive(Debug, Deserialize)]
pub(crate) struct AngelHolding {
    #[serde(default)]
    pub(crate) tradingsymbol: String,
    #[serde(default)]
    pub(crate) exchange: String,
    #[serde(default)]
    pub(crate) product: Option<String>,
    #[serde(default, deserialize_with = "loose_uint")]
    pub(crate) quantity: u64,
    #[serde(default, deserialize_with = "loose_uint")]
    pub(crate) t1quantity: u64,
    #[serde(default, with = "loose_decimal")]
    pub(crate) averageprice: Decimal,
    #[serde(default, with = "loose_decimal")]
    pub(crate) ltp: Decimal,
    #[serde(default, with = "loose_decimal")]
    pub(crate) profitandloss: Decimal,
}

/// `data` of `getRMS`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AngelRms {
    #[serde(default, with = "loose_decimal")]
    pub(crate) availablecash: Decimal,
    #[serde(default, with = "loose_decimal")]
    pub(crate) collateral: Decimal,
    #[serde(default, with = "loose_decimal")]
    pub(crate) utiliseddebits: Decimal,
}

/// A list that may be `null` or absent.
pub(crate) fn nullable_list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// One depth level of a quote.
#[derive(Debug, Deserialize)]
pub(crate) struct AngelLevel {
    #[serde(default, with = "loose_decimal")]
    pub(crate) price: Decimal,
    #[serde(default, deserialize_with = "loose_uint")]
    pub(crate) quantity: u64,
    #[serde(default, deserialize_with = "loose_uint")]
    pub(crate) orders: u64,
}

/// Depth of a quote.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AngelDepth {
    #[serde(default, deserialize_with = "nullable_list")]
    pub(crate) buy: Vec<AngelLevel>,
    #[serde(default, deserialize_with = "nullable_list")]
    pub(crate) sell: Vec<AngelLevel>,
}

/// One `fetched` row of the market-data `quote` endpoint (mode `FULL`).
#[derive(Debug, Deserialize)]
pub(crate) struct AngelQuote {
    #[serde(default)]
    pub(crate) exchange: String,
    #[serde(rename = "symbolToken", default)]
    pub(crate) symbol_token: String,
    #[serde(default, with = "loose_decimal")]
    pub(crate) ltp: Decimal,
    #[serde(default, with = "loose_decimal")]
    pub(crate) open: Decimal,
    #[serde(default, with = "loose_decimal")]
    pub(crate) high: Decimal,
    #[serde(default, with = "loose_decimal")]
    pub(crate) low: Decimal,
    #[serde(default, with = "loose_decimal")]
    pub(crate) close: Decimal,
    #[serde(rename = "lastTradeQty", default, deserialize_with = "loose_uint")]
    pub(crate) last_trade_qty: u64,
    #[serde(rename = "tradeVolume", default, deserialize_with = "loose_uint")]
    pub(crate) trade_volume: u64,
    #[serde(rename = "opnInterest", default, deserialize_with = "loose_uint")]
    pub(crate) opn_interest: u64,
    #[serde(rename = "totBuyQuan", default, deserialize_with = "loose_uint")]
    pub(crate) tot_buy_quan: u64,
    #[serde(rename = "totSellQuan", default, deserialize_with = "loose_uint")]
    pub(crate) tot_sell_quan: u64,
    #[serde(default)]
    pub(crate) depth: AngelDepth,
}

/// One row of `getOIData`.
#[derive(Debug, Deserialize)]
pub(crate) struct AngelOi {
    #[serde(default)]
    pub(crate) time: String,
    #[serde(default, deserialize_with = "loose_uint")]
    pub(crate) oi: u64,
}

/// `data` of the market-data `quote` endpoint.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AngelQuotes {
    #[serde(default, deserialize_with = "nullable_list")]
    pub(crate) fetched: Vec<AngelQuote>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn strings_numbers_and_nulls() {
        let p: AngelPosition = serde_json::from_str(
            r#"{"exchange":"NSE","tradingsymbol":"SBIN-EQ","producttype":"INTRADAY",
                "netqty":"-2","avgnetprice":"2235.80","ltp":812.35,"pnl":null}"#,
        )
        .unwrap();
        assert_eq!(p.netqty, -2);
        assert_eq!(p.avgnetprice, dec!(2235.80));
        assert_eq!(p.ltp, dec!(812.35));
        assert_eq!(p.pnl, Decimal::ZERO);
        let e: Envelope<serde_json::Value> =
            serde_json::from_str(r#"{"status":"true","message":"SUCCESS","data":null}"#).unwrap();
        assert!(e.status);
    }
}
