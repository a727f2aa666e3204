//! Kite ↔ OpenAlgo: vocabulary (statuses, products, price types), request forms, and Kite rows
//! to core types through the instrument master.

use chrono::{DateTime, NaiveDateTime};
use openalgo_core::broker::{ORDER_TAG_PREFIX, OrderTag};
use openalgo_core::money::decimal_from_f64;
use openalgo_core::{
    Action, BrokerError, Candle, Depth, DepthLevel, Exchange, Holding, Instrument, InstrumentKey,
    Interval, ModifyOrder, Order, OrderId, OrderRequest, OrderStatus, Position, Price, PriceType,
    Product, Quantity, Quote, StrategyTag, Symbol, SymbolTable, Trade,
};
use rust_decimal::Decimal;

use super::http::Form;

/// The strategy an order-book row shows for Kite's `tag`: our unique tags read as the
/// reference's constant `openalgo`, other tags as they are.
fn strategy_of(tag: Option<String>) -> StrategyTag {
    match tag {
        Some(t) if OrderTag::is_ours(&t) => StrategyTag::new(ORDER_TAG_PREFIX).unwrap_or_default(),
        Some(t) => StrategyTag::new(t).unwrap_or_default(),
        None => StrategyTag::default(),
    }
}
use super::models::{KiteHolding, KiteOrder, KitePosition, KiteQuote, KiteTrade};

/// Kite's order status → OpenAlgo's. The five steady states map one-to-one; every transient
/// state (`OPEN PENDING`, `VALIDATION PENDING`, `MODIFY PENDING`, `PUT ORDER REQ RECEIVED`,
/// `AMO REQ RECEIVED`, `UPDATE`, ...) is still working, so it is `open` (the reference's order
/// book left them undefined).
#[must_use]
pub fn status_from_kite(status: &str) -> OrderStatus {
    match status {
        "COMPLETE" => OrderStatus::Complete,
        "REJECTED" => OrderStatus::Rejected,
        "TRIGGER PENDING" => OrderStatus::TriggerPending,
        s if s.starts_with("CANCELLED") => OrderStatus::Cancelled,
        _ => OrderStatus::Open,
    }
}

/// Kite product → OpenAlgo product (CNC, NRML, MIS are identical; MTF, CO, BO have none).
#[must_use]
pub fn product_from_kite(product: &str) -> Option<Product> {
    product.parse().ok()
}

/// Kite exchange of a row → OpenAlgo exchange (identical codes for tradable segments).
#[must_use]
pub fn exchange_from_kite(exchange: &str) -> Option<Exchange> {
    match exchange {
        "NSE" | "NFO" | "CDS" | "BSE" | "BFO" | "BCD" | "MCX" | "NCO" => exchange.parse().ok(),
        _ => None,
    }
}

/// The Kite interval of an OpenAlgo history interval.
#[must_use]
pub const fn interval_to_kite(interval: Interval) -> Option<&'static str> {
    Some(match interval {
        Interval::M1 => "minute",
        Interval::M3 => "3minute",
        Interval::M5 => "5minute",
        Interval::M10 => "10minute",
        Interval::M15 => "15minute",
        Interval::M30 => "30minute",
        Interval::H1 => "60minute",
        Interval::Day => "day",
        _ => return None,
    })
}

/// A decimal written as Python writes a float (`0.0`, `1573.15`, `100.0`), as the reference's
/// form bodies carry them.
#[must_use]
pub fn py_float(value: Decimal) -> String {
    let v = value.normalize();
    if v.scale() == 0 {
        format!("{v}.0")
    } else {
        v.to_string()
    }
}

/// The twelve form fields of `POST /orders/regular`, in the reference's order. `tag` is the
/// order's unique [`OrderTag`] (the reference always sends `openalgo`, which is the fallback).
pub(crate) fn place_form(
    order: &OrderRequest,
    instrument: &Instrument,
    tag: Option<&OrderTag>,
) -> Form {
    vec![
        (
            "tradingsymbol",
            instrument.broker_symbol.as_str().to_owned(),
        ),
        ("exchange", instrument.broker_exchange.clone()),
        ("transaction_type", order.action().as_str().to_owned()),
        ("order_type", order.price_type().as_str().to_owned()),
        ("quantity", order.quantity().get().to_string()),
        ("product", order.product().as_str().to_owned()),
        ("price", py_float(order.price().value())),
        ("trigger_price", py_float(order.trigger_price().value())),
        (
            "disclosed_quantity",
            order.disclosed_quantity().get().to_string(),
        ),
        ("validity", "DAY".to_owned()),
        ("market_protection", "-1".to_owned()),
        (
            "tag",
            tag.map_or(ORDER_TAG_PREFIX, OrderTag::as_str).to_owned(),
        ),
    ]
}

/// The form of `PUT /orders/regular/{id}`: `trigger_price` only when set.
pub(crate) fn modify_form(modify: &ModifyOrder) -> Form {
    let o = modify.order();
    let mut form: Form = vec![
        ("order_type", o.price_type().as_str().to_owned()),
        ("quantity", o.quantity().get().to_string()),
        ("price", py_float(o.price().value())),
        (
            "disclosed_quantity",
            o.disclosed_quantity().get().to_string(),
        ),
        ("validity", "DAY".to_owned()),
    ];
    if o.trigger_price().is_positive() {
        form.push(("trigger_price", py_float(o.trigger_price().value())));
    }
    form
}

/// `YYYY-MM-DD HH:MM:SS` (Kite's local IST timestamps).
#[must_use]
pub fn parse_kite_time(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok()
}

fn decode(what: &str, value: &str) -> BrokerError {
    BrokerError::Decode(format!("unexpected {what} '{value}' from Zerodha"))
}

/// The OpenAlgo instrument of a Kite row: the master's record for (tradingsymbol, exchange),
/// else the tradingsymbol itself when it is a valid OpenAlgo symbol (equities coincide).
///
/// # Errors
/// [`BrokerError::Decode`] for an exchange OpenAlgo does not know or an unusable symbol.
pub fn resolve(
    symbols: &SymbolTable,
    tradingsymbol: &str,
    exchange: &str,
) -> Result<InstrumentKey, BrokerError> {
    let ex = exchange_from_kite(exchange).ok_or_else(|| decode("exchange", exchange))?;
    if let Some(r) = symbols.by_broker_symbol(tradingsymbol, ex) {
        return Ok(InstrumentKey::new(r.symbol.clone(), r.exchange));
    }
    let symbol = Symbol::new(tradingsymbol).map_err(|_| decode("tradingsymbol", tradingsymbol))?;
    Ok(InstrumentKey::new(symbol, ex))
}

fn action(text: &str) -> Result<Action, BrokerError> {
    match text {
        "BUY" => Ok(Action::Buy),
        "SELL" => Ok(Action::Sell),
        _ => Err(decode("transaction_type", text)),
    }
}

fn product(text: &str) -> Result<Product, BrokerError> {
    product_from_kite(text).ok_or_else(|| decode("product", text))
}

pub(crate) fn order_from_kite(row: KiteOrder, symbols: &SymbolTable) -> Result<Order, BrokerError> {
    let status = status_from_kite(&row.status);
    let timestamp = row
        .exchange_timestamp
        .as_deref()
        .or(row.order_timestamp.as_deref())
        .and_then(parse_kite_time)
        .unwrap_or_default();
    Ok(Order {
        order_id: OrderId::new(&row.order_id).map_err(|_| decode("order_id", &row.order_id))?,
        instrument: resolve(symbols, &row.tradingsymbol, &row.exchange)?,
        action: action(&row.transaction_type)?,
        quantity: Quantity::new(row.quantity),
        filled_quantity: Quantity::new(row.filled_quantity),
        price: Price::new(row.price),
        trigger_price: Price::new(row.trigger_price),
        average_price: Price::new(row.average_price),
        price_type: row
            .order_type
            .parse::<PriceType>()
            .map_err(|_| decode("order_type", &row.order_type))?,
        product: product(&row.product)?,
        status,
        rejection_reason: (status == OrderStatus::Rejected)
            .then(|| row.status_message.clone().unwrap_or_default()),
        strategy: strategy_of(row.tag),
        timestamp,
    })
}

pub(crate) fn trade_from_kite(
    row: &KiteTrade,
    symbols: &SymbolTable,
) -> Result<Trade, BrokerError> {
    Ok(Trade {
        order_id: OrderId::new(&row.order_id).map_err(|_| decode("order_id", &row.order_id))?,
        instrument: resolve(symbols, &row.tradingsymbol, &row.exchange)?,
        product: product(&row.product)?,
        action: action(&row.transaction_type)?,
        quantity: Quantity::new(row.quantity),
        average_price: Price::new(row.average_price),
        timestamp: row
            .fill_timestamp
            .as_deref()
            .or(row.exchange_timestamp.as_deref())
            .and_then(parse_kite_time)
            .unwrap_or_default(),
    })
}

pub(crate) fn position_from_kite(
    row: &KitePosition,
    symbols: &SymbolTable,
) -> Result<Position, BrokerError> {
    Ok(Position {
        instrument: resolve(symbols, &row.tradingsymbol, &row.exchange)?,
        product: product(&row.product)?,
        quantity: row.quantity,
        average_price: Price::new(row.average_price),
        ltp: Price::new(row.last_price),
        pnl: row.pnl,
    })
}

/// Holdings are converted to OpenAlgo symbols like every other book (the reference left the
/// raw tradingsymbol).
pub(crate) fn holding_from_kite(
    row: &KiteHolding,
    symbols: &SymbolTable,
) -> Result<Holding, BrokerError> {
    let units = u64::try_from(row.quantity + row.t1_quantity).unwrap_or(0);
    Ok(Holding {
        instrument: resolve(symbols, &row.tradingsymbol, &row.exchange)?,
        product: row
            .product
            .as_deref()
            .and_then(product_from_kite)
            .unwrap_or(Product::Cnc),
        quantity: Quantity::new(units),
        average_price: Price::new(row.average_price),
        ltp: Price::new(row.last_price),
        pnl: row.pnl,
    })
}

fn levels(raw: &[super::models::KiteLevel]) -> Vec<DepthLevel> {
    let mut out: Vec<DepthLevel> = raw
        .iter()
        .take(5)
        .map(|l| DepthLevel {
            price: Price::new(l.price),
            quantity: l.quantity,
            orders: l.orders,
        })
        .collect();
    out.resize(5, DepthLevel::default());
    out
}

pub(crate) fn quote_from_kite(q: &KiteQuote) -> Quote {
    Quote {
        ask: q
            .depth
            .sell
            .first()
            .map_or(Price::ZERO, |l| Price::new(l.price)),
        bid: q
            .depth
            .buy
            .first()
            .map_or(Price::ZERO, |l| Price::new(l.price)),
        open: Price::new(q.ohlc.open),
        high: Price::new(q.ohlc.high),
        low: Price::new(q.ohlc.low),
        ltp: Price::new(q.last_price),
        prev_close: Price::new(q.ohlc.close),
        volume: q.volume,
        oi: q.oi,
    }
}

/// Depth with exactly five levels a side. Total quantities are Kite's own `buy_quantity` /
/// `sell_quantity` (the reference summed the five shown levels).
pub(crate) fn depth_from_kite(q: &KiteQuote) -> Depth {
    Depth {
        bids: levels(&q.depth.buy),
        asks: levels(&q.depth.sell),
        ltp: Price::new(q.last_price),
        ltq: q.last_quantity,
        open: Price::new(q.ohlc.open),
        high: Price::new(q.ohlc.high),
        low: Price::new(q.ohlc.low),
        prev_close: Price::new(q.ohlc.close),
        volume: q.volume,
        oi: q.oi,
        total_buy_quantity: q.buy_quantity,
        total_sell_quantity: q.sell_quantity,
    }
}

fn number(v: &serde_json::Value) -> Result<Decimal, BrokerError> {
    match v {
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(Decimal::from(i)),
            (None, Some(f)) => decimal_from_f64(f).map_err(|e| BrokerError::Decode(e.to_string())),
            _ => Err(BrokerError::Decode(format!("bad candle number {n}"))),
        },
        other => Err(BrokerError::Decode(format!("bad candle value {other}"))),
    }
}

fn whole(v: Option<&serde_json::Value>) -> u64 {
    v.and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_f64().map(|f| f.max(0.0).round() as u64))
    })
    .unwrap_or(0)
}

/// One `[ts, o, h, l, c, v(, oi)]` row. Intraday candles are stamped with their instant;
/// daily ones with 00:00 UTC of their IST date (the reference's +5:30 shift).
pub(crate) fn candle_from_row(
    row: &[serde_json::Value],
    daily: bool,
) -> Result<Candle, BrokerError> {
    let ts = row
        .first()
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| BrokerError::Decode("candle without a timestamp".into()))?;
    let at = DateTime::parse_from_str(ts, "%Y-%m-%dT%H:%M:%S%z")
        .map_err(|_| BrokerError::Decode(format!("bad candle timestamp '{ts}'")))?;
    let timestamp = if daily {
        at.date_naive()
            .and_hms_opt(0, 0, 0)
            .map_or(at.timestamp(), |d| d.and_utc().timestamp())
    } else {
        at.timestamp()
    };
    let get = |i: usize| {
        row.get(i)
            .ok_or_else(|| BrokerError::Decode("short candle row".into()))
            .and_then(number)
            .map(Price::new)
    };
    Ok(Candle {
        timestamp,
        open: get(1)?,
        high: get(2)?,
        low: get(3)?,
        close: get(4)?,
        volume: whole(row.get(5)),
        oi: whole(row.get(6)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn every_kite_status_maps() {
        for (kite, oa) in [
            ("COMPLETE", OrderStatus::Complete),
            ("REJECTED", OrderStatus::Rejected),
            ("CANCELLED", OrderStatus::Cancelled),
            ("CANCELLED AMO", OrderStatus::Cancelled),
            ("TRIGGER PENDING", OrderStatus::TriggerPending),
            ("OPEN", OrderStatus::Open),
            ("PUT ORDER REQ RECEIVED", OrderStatus::Open),
            ("VALIDATION PENDING", OrderStatus::Open),
            ("OPEN PENDING", OrderStatus::Open),
            ("MODIFY VALIDATION PENDING", OrderStatus::Open),
            ("MODIFY PENDING", OrderStatus::Open),
            ("CANCEL PENDING", OrderStatus::Open),
            ("AMO REQ RECEIVED", OrderStatus::Open),
            ("UPDATE", OrderStatus::Open),
        ] {
            assert_eq!(status_from_kite(kite), oa, "{kite}");
        }
    }

    #[test]
    fn python_float_text() {
        assert_eq!(py_float(dec!(0)), "0.0");
        assert_eq!(py_float(dec!(100.00)), "100.0");
        assert_eq!(py_float(dec!(1573.15)), "1573.15");
        assert_eq!(interval_to_kite(Interval::H1), Some("60minute"));
        assert_eq!(interval_to_kite(Interval::S1), None);
        assert_eq!(product_from_kite("MTF"), None);
        assert_eq!(exchange_from_kite("GLOBAL"), None);
    }

    #[test]
    fn candles_daily_and_intraday() {
        let row: Vec<serde_json::Value> = serde_json::from_str(
            r#"["2024-01-01T00:00:00+0530", 100.5, 101, 99.95, 100.2, 1200, 7]"#,
        )
        .unwrap();
        let d = candle_from_row(&row, true).unwrap();
        assert_eq!(d.timestamp, 1_704_067_200);
        assert_eq!(d.low, Price::new(dec!(99.95)));
        assert_eq!((d.volume, d.oi), (1200, 7));
        let row: Vec<serde_json::Value> =
            serde_json::from_str(r#"["2017-12-15T09:15:00+0530", 1, 2, 0.5, 1.5, 10]"#).unwrap();
        let m = candle_from_row(&row, false).unwrap();
        assert_eq!(m.timestamp, 1_513_309_500);
        assert_eq!(m.oi, 0);
    }
}
