//! Python values → core types at the binding's edge: vocabulary words, symbols, exact prices
//! (a `Decimal`, `int` or `str`; a `float` is read through its shortest `repr`, as the server
//! reads JSON numbers), quantities and IST timestamps.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use openalgo_core::money::parse_decimal;
use openalgo_core::vocab::VocabError;
use openalgo_core::{
    Action, Exchange, InstrumentKey, OrderDraft, OrderId, OrderRequest, Price, PriceType, Product,
    Quantity, StrategyTag, Symbol,
};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt, PyString};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::error::{self, ValidationError};

/// A vocabulary word (`"NSE"`, `"BUY"`, `"SL-M"`, …).
pub(crate) fn word<T: FromStr<Err = VocabError>>(text: &str) -> PyResult<T> {
    text.parse().map_err(|e| error::vocab(&e))
}

/// An order id.
pub(crate) fn order_id(text: &str) -> PyResult<OrderId> {
    OrderId::new(text).map_err(|e| ValidationError::new_err(e.to_string()))
}

/// A strategy tag.
pub(crate) fn strategy_tag(text: &str) -> PyResult<StrategyTag> {
    StrategyTag::new(text).map_err(|e| ValidationError::new_err(e.to_string()))
}

/// An order draft from the keyword arguments every place call shares.
#[allow(clippy::too_many_arguments)]
pub(crate) fn order_draft(
    symbol: &str,
    exchange: &str,
    action: &str,
    quantity: &Bound<'_, PyAny>,
    price_type: &str,
    product: &str,
    price: Option<&Bound<'_, PyAny>>,
    trigger_price: Option<&Bound<'_, PyAny>>,
    strategy: &str,
) -> PyResult<OrderDraft> {
    let mut d = OrderRequest::builder(
        key(symbol, exchange)?,
        word::<Action>(action)?,
        self::quantity(quantity)?,
    );
    d.price_type = word::<PriceType>(price_type)?;
    d.product = word::<Product>(product)?;
    d.price = self::price(price)?;
    d.trigger_price = self::price(trigger_price)?;
    d.strategy = strategy_tag(strategy)?;
    Ok(d)
}

/// An exchange and an OpenAlgo symbol.
pub(crate) fn key(symbol: &str, exchange: &str) -> PyResult<InstrumentKey> {
    let exchange: Exchange = word(exchange)?;
    let symbol = Symbol::new(symbol).map_err(|e| error::symbol(&e))?;
    Ok(InstrumentKey::new(symbol, exchange))
}

/// An exact decimal from a Python `Decimal`, `int`, `str` or `float`.
pub(crate) fn decimal(value: &Bound<'_, PyAny>) -> PyResult<Decimal> {
    if let Ok(d) = value.extract::<Decimal>() {
        return Ok(d);
    }
    let text = if value.is_instance_of::<PyString>() || value.is_instance_of::<PyInt>() {
        value.str()?.to_cow()?.into_owned()
    } else if value.is_instance_of::<PyFloat>() {
        value.repr()?.to_cow()?.into_owned()
    } else {
        let t = value.get_type().name()?;
        return Err(ValidationError::new_err(format!(
            "expected a number, got {t}"
        )));
    };
    parse_decimal(text.trim())
        .map_err(|e| ValidationError::new_err(format!("invalid number '{text}': {e}")))
}

/// A price; `None` is zero.
pub(crate) fn price(value: Option<&Bound<'_, PyAny>>) -> PyResult<Price> {
    match value {
        Some(v) if !v.is_none() => {
            let d = decimal(v)?;
            if d.is_sign_negative() {
                return Err(ValidationError::new_err("price cannot be negative"));
            }
            Ok(Price::new(d))
        }
        _ => Ok(Price::ZERO),
    }
}

/// A non-negative whole quantity from an `int` or an integral string.
pub(crate) fn quantity(value: &Bound<'_, PyAny>) -> PyResult<Quantity> {
    if let Ok(n) = value.extract::<u64>() {
        return Ok(Quantity::new(n));
    }
    let d = decimal(value)?;
    if d.is_sign_negative() || d.fract() != Decimal::ZERO {
        return Err(ValidationError::new_err(format!(
            "quantity must be a whole number, got {d}"
        )));
    }
    d.to_u64()
        .map(Quantity::new)
        .ok_or_else(|| ValidationError::new_err("quantity out of range"))
}

/// An IST timestamp from a naive `datetime` or `"YYYY-MM-DD HH:MM[:SS]"`.
pub(crate) fn ist(value: &Bound<'_, PyAny>) -> PyResult<NaiveDateTime> {
    if let Ok(dt) = value.extract::<NaiveDateTime>() {
        return Ok(dt);
    }
    if let Ok(d) = value.extract::<NaiveDate>() {
        return Ok(d.and_time(chrono::NaiveTime::MIN));
    }
    let text = value.str()?.to_cow()?.into_owned();
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&text, f) {
            return Ok(dt);
        }
    }
    Err(ValidationError::new_err(format!(
        "invalid time '{text}': use a datetime or 'YYYY-MM-DD HH:MM:SS' (IST)"
    )))
}

/// The current time in IST.
pub(crate) fn now_ist() -> NaiveDateTime {
    openalgo_core::clock::ist_from_ms(chrono::Utc::now().timestamp_millis())
}

/// The text option `key` of a broker's keyword options (`None` when absent or `None`).
pub(crate) fn option_text(
    options: &Bound<'_, pyo3::types::PyDict>,
    key: &str,
) -> PyResult<Option<String>> {
    options
        .get_item(key)?
        .filter(|v| !v.is_none())
        .map(|v| v.extract::<String>())
        .transpose()
}
