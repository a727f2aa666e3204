//! SmartAPI ↔ OpenAlgo: vocabulary (statuses, exchanges, products, price types and varieties,
//! intervals), request bodies, and SmartAPI rows to core types through the instrument master.

use chrono::{DateTime, NaiveDateTime};
use openalgo_core::money::decimal_from_f64;
use openalgo_core::{
    Action, BrokerError, Candle, Depth, DepthLevel, Exchange, Holding, Instrument, InstrumentKey,
    Interval, ModifyOrder, Order, OrderId, OrderRequest, OrderStatus, Position, Price, PriceType,
    Product, Quantity, Quote, StrategyTag, Symbol, SymbolTable, Trade,
};
use rust_decimal::Decimal;
use serde_json::Value;

use super::http::json_body;
use super::models::{AngelHolding, AngelLevel, AngelOrder, AngelPosition, AngelQuote, AngelTrade};

/// SmartAPI's order status (lower-case text) → OpenAlgo's. The steady states map one-to-one;
/// every transient state (`open pending`, `validation pending`, `put order req received`,
/// `modify pending`, `after market order req received`, `modified`, ...) is still working, so
/// it is `open`.
#[must_use]
pub fn status_from_angel(status: &str) -> OrderStatus {
    let s = status.trim().to_ascii_lowercase();
    match s.as_str() {
        "complete" => OrderStatus::Complete,
        "rejected" => OrderStatus::Rejected,
        "trigger pending" => OrderStatus::TriggerPending,
        s if s.starts_with("cancelled") => OrderStatus::Cancelled,
        _ => OrderStatus::Open,
    }
}

/// The order-update socket's `order-status` code → OpenAlgo status (`AB00` is the connect
/// acknowledgement: `None`).
#[must_use]
pub fn status_from_update_code(code: &str) -> Option<OrderStatus> {
    Some(match code {
        "AB01" | "AB04" | "AB06" | "AB08" | "AB09" => OrderStatus::Open,
        "AB02" | "AB07" => OrderStatus::Cancelled,
        "AB03" => OrderStatus::Rejected,
        "AB05" => OrderStatus::Complete,
        _ => return None,
    })
}

/// A row's exchange → OpenAlgo exchange (identical codes for tradable segments).
#[must_use]
pub fn exchange_from_angel(exchange: &str) -> Option<Exchange> {
    match exchange {
        "NSE" => Some(Exchange::Nse),
        "BSE" => Some(Exchange::Bse),
        "NFO" => Some(Exchange::Nfo),
        "BFO" => Some(Exchange::Bfo),
        "MCX" => Some(Exchange::Mcx),
        "CDS" => Some(Exchange::Cds),
        _ => None,
    }
}

/// SmartAPI's exchange for data calls (indices are quoted on their cash venue).
#[must_use]
pub fn data_exchange(instrument: &Instrument) -> &str {
    match instrument.exchange {
        Exchange::NseIndex => "NSE",
        Exchange::BseIndex => "BSE",
        Exchange::McxIndex => "MCX",
        _ => instrument.broker_exchange.as_str(),
    }
}

/// SmartAPI `producttype` of an OpenAlgo product.
#[must_use]
pub const fn product_to_angel(product: Product) -> &'static str {
    match product {
        Product::Cnc => "DELIVERY",
        Product::Nrml => "CARRYFORWARD",
        Product::Mis => "INTRADAY",
    }
}

/// OpenAlgo product of a SmartAPI `producttype` (`MARGIN` is carry-forward, `BO` intraday).
#[must_use]
pub fn product_from_angel(product: &str) -> Option<Product> {
    match product {
        "DELIVERY" => Some(Product::Cnc),
        "CARRYFORWARD" | "MARGIN" => Some(Product::Nrml),
        "INTRADAY" | "BO" | "CO" => Some(Product::Mis),
        _ => None,
    }
}

/// SmartAPI (`ordertype`, `variety`) of an OpenAlgo price type.
#[must_use]
pub const fn price_type_to_angel(price_type: PriceType) -> (&'static str, &'static str) {
    match price_type {
        PriceType::Market => ("MARKET", "NORMAL"),
        PriceType::Limit => ("LIMIT", "NORMAL"),
        PriceType::StopLimit => ("STOPLOSS_LIMIT", "STOPLOSS"),
        PriceType::StopMarket => ("STOPLOSS_MARKET", "STOPLOSS"),
    }
}

/// OpenAlgo price type of a SmartAPI `ordertype`.
#[must_use]
pub fn price_type_from_angel(order_type: &str) -> Option<PriceType> {
    match order_type {
        "MARKET" => Some(PriceType::Market),
        "LIMIT" => Some(PriceType::Limit),
        "STOPLOSS_LIMIT" => Some(PriceType::StopLimit),
        "STOPLOSS_MARKET" => Some(PriceType::StopMarket),
        _ => None,
    }
}

/// SmartAPI's interval name and the most days one `getCandleData` request may span.
#[must_use]
pub const fn interval_to_angel(interval: Interval) -> Option<(&'static str, u64)> {
    Some(match interval {
        Interval::M1 => ("ONE_MINUTE", 30),
        Interval::M3 => ("THREE_MINUTE", 60),
        Interval::M5 => ("FIVE_MINUTE", 100),
        Interval::M10 => ("TEN_MINUTE", 100),
        Interval::M15 => ("FIFTEEN_MINUTE", 200),
        Interval::M30 => ("THIRTY_MINUTE", 200),
        Interval::H1 => ("ONE_HOUR", 400),
        Interval::Day => ("ONE_DAY", 2000),
        _ => return None,
    })
}

/// A price as SmartAPI's string fields carry it (`"0"`, `"812.35"`).
#[must_use]
pub fn price_text(value: Decimal) -> String {
    value.normalize().to_string()
}

/// The JSON body of `placeOrder`, in the reference's field order. Two reference quirks are
/// fixed: `stoploss` is `"0"` (it is the ROBO stop-loss leg, not the trigger) and
/// `disclosedquantity` is sent.
pub(crate) fn place_body(order: &OrderRequest, instrument: &Instrument) -> String {
    let (order_type, variety) = price_type_to_angel(order.price_type());
    json_body(&[
        ("variety", variety.into()),
        ("tradingsymbol", instrument.broker_symbol.as_str().into()),
        ("symboltoken", instrument.token.as_str().into()),
        ("transactiontype", order.action().as_str().into()),
        ("exchange", instrument.broker_exchange.as_str().into()),
        ("ordertype", order_type.into()),
        ("producttype", product_to_angel(order.product()).into()),
        ("duration", "DAY".into()),
        ("price", price_text(order.price().value()).into()),
        (
            "triggerprice",
            price_text(order.trigger_price().value()).into(),
        ),
        ("squareoff", "0".into()),
        ("stoploss", "0".into()),
        ("quantity", order.quantity().get().to_string().into()),
        (
            "disclosedquantity",
            order.disclosed_quantity().get().to_string().into(),
        ),
    ])
}

/// The JSON body of `modifyOrder`. The reference's quirk of sending no `triggerprice` is
/// fixed (a modified stop keeps its trigger).
pub(crate) fn modify_body(modify: &ModifyOrder, instrument: &Instrument) -> String {
    let o = modify.order();
    let (order_type, variety) = price_type_to_angel(o.price_type());
    json_body(&[
        ("variety", variety.into()),
        ("orderid", modify.order_id().as_str().into()),
        ("ordertype", order_type.into()),
        ("producttype", product_to_angel(o.product()).into()),
        ("duration", "DAY".into()),
        ("price", price_text(o.price().value()).into()),
        ("quantity", o.quantity().get().to_string().into()),
        ("tradingsymbol", instrument.broker_symbol.as_str().into()),
        ("symboltoken", instrument.token.as_str().into()),
        ("exchange", instrument.broker_exchange.as_str().into()),
        ("triggerprice", price_text(o.trigger_price().value()).into()),
        (
            "disclosedquantity",
            o.disclosed_quantity().get().to_string().into(),
        ),
    ])
}

/// The JSON body of `cancelOrder` (`variety` `NORMAL`, as the reference sends for every order).
pub(crate) fn cancel_body(order_id: &OrderId) -> String {
    json_body(&[
        ("variety", "NORMAL".into()),
        ("orderid", order_id.as_str().into()),
    ])
}

/// `updatetime` (`20-Oct-2020 13:10:59`).
#[must_use]
pub fn parse_angel_time(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text.trim(), "%d-%b-%Y %H:%M:%S").ok()
}

fn decode(what: &str, value: &str) -> BrokerError {
    BrokerError::Decode(format!("unexpected {what} '{value}' from Angel One"))
}

/// The OpenAlgo instrument of a SmartAPI row: the master's record by token, else by trading
/// symbol, else the trading symbol without its series suffix (`SBIN-EQ` → `SBIN`).
///
/// # Errors
/// [`BrokerError::Decode`] for an exchange OpenAlgo does not know or an unusable symbol.
pub fn resolve(
    symbols: &SymbolTable,
    token: Option<&str>,
    tradingsymbol: &str,
    exchange: &str,
) -> Result<InstrumentKey, BrokerError> {
    let ex = exchange_from_angel(exchange).ok_or_else(|| decode("exchange", exchange))?;
    let found = token
        .filter(|t| !t.is_empty())
        .and_then(|t| symbols.by_token(t, ex))
        .or_else(|| symbols.by_broker_symbol(tradingsymbol, ex));
    if let Some(r) = found {
        return Ok(InstrumentKey::new(r.symbol.clone(), r.exchange));
    }
    let bare = super::master::strip_series(tradingsymbol);
    let symbol = Symbol::new(bare.as_ref()).map_err(|_| decode("tradingsymbol", tradingsymbol))?;
    Ok(InstrumentKey::new(symbol, ex))
}

fn action(text: &str) -> Result<Action, BrokerError> {
    match text {
        "BUY" => Ok(Action::Buy),
        "SELL" => Ok(Action::Sell),
        _ => Err(decode("transactiontype", text)),
    }
}

fn product(text: &str) -> Result<Product, BrokerError> {
    product_from_angel(text).ok_or_else(|| decode("producttype", text))
}

pub(crate) fn order_from_angel(
    row: &AngelOrder,
    symbols: &SymbolTable,
) -> Result<Order, BrokerError> {
    let status = status_from_angel(&row.status);
    Ok(Order {
        order_id: OrderId::new(&row.orderid).map_err(|_| decode("orderid", &row.orderid))?,
        instrument: resolve(
            symbols,
            Some(&row.symboltoken),
            &row.tradingsymbol,
            &row.exchange,
        )?,
        action: action(&row.transactiontype)?,
        quantity: Quantity::new(row.quantity),
        filled_quantity: Quantity::new(row.filledshares),
        price: Price::new(row.price),
        trigger_price: Price::new(row.triggerprice),
        average_price: Price::new(row.averageprice),
        price_type: price_type_from_angel(&row.ordertype)
            .ok_or_else(|| decode("ordertype", &row.ordertype))?,
        product: product(&row.producttype)?,
        status,
        rejection_reason: (status == OrderStatus::Rejected)
            .then(|| row.text.clone().unwrap_or_default()),
        strategy: row
            .ordertag
            .as_deref()
            .and_then(|t| StrategyTag::new(t).ok())
            .unwrap_or_default(),
        timestamp: row
            .updatetime
            .as_deref()
            .and_then(parse_angel_time)
            .unwrap_or_default(),
    })
}

/// A fill. The quantity is SmartAPI's `fillsize` (the reference read a `quantity` field the
/// trade book does not have, and reported 0).
pub(crate) fn trade_from_angel(
    row: &AngelTrade,
    symbols: &SymbolTable,
    today: chrono::NaiveDate,
) -> Result<Trade, BrokerError> {
    let time = row
        .filltime
        .as_deref()
        .and_then(|t| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M:%S").ok());
    Ok(Trade {
        order_id: OrderId::new(&row.orderid).map_err(|_| decode("orderid", &row.orderid))?,
        instrument: resolve(symbols, None, &row.tradingsymbol, &row.exchange)?,
        product: product(&row.producttype)?,
        action: action(&row.transactiontype)?,
        quantity: Quantity::new(row.fillsize),
        average_price: Price::new(row.fillprice),
        timestamp: time.map(|t| today.and_time(t)).unwrap_or_default(),
    })
}

pub(crate) fn position_from_angel(
    row: &AngelPosition,
    symbols: &SymbolTable,
) -> Result<Position, BrokerError> {
    Ok(Position {
        instrument: resolve(symbols, None, &row.tradingsymbol, &row.exchange)?,
        product: product(&row.producttype)?,
        quantity: row.netqty,
        average_price: Price::new(row.avgnetprice),
        ltp: Price::new(row.ltp),
        pnl: row.pnl,
    })
}

pub(crate) fn holding_from_angel(
    row: &AngelHolding,
    symbols: &SymbolTable,
) -> Result<Holding, BrokerError> {
    Ok(Holding {
        instrument: resolve(symbols, None, &row.tradingsymbol, &row.exchange)?,
        product: row
            .product
            .as_deref()
            .and_then(product_from_angel)
            .unwrap_or(Product::Cnc),
        quantity: Quantity::new(row.quantity + row.t1quantity),
        average_price: Price::new(row.averageprice),
        ltp: Price::new(row.ltp),
        pnl: row.profitandloss,
    })
}

fn levels(raw: &[AngelLevel]) -> Vec<DepthLevel> {
    let mut out: Vec<DepthLevel> = raw
        .iter()
        .take(5)
        .map(|l| DepthLevel {
            price: Price::new(l.price),
            quantity: l.quantity,
            orders: u32::try_from(l.orders).unwrap_or(u32::MAX),
        })
        .collect();
    out.resize(5, DepthLevel::default());
    out
}

pub(crate) fn quote_from_angel(q: &AngelQuote) -> Quote {
    let first = |side: &[AngelLevel]| side.first().map_or(Price::ZERO, |l| Price::new(l.price));
    Quote {
        ask: first(&q.depth.sell),
        bid: first(&q.depth.buy),
        open: Price::new(q.open),
        high: Price::new(q.high),
        low: Price::new(q.low),
        ltp: Price::new(q.ltp),
        prev_close: Price::new(q.close),
        volume: q.trade_volume,
        oi: q.opn_interest,
    }
}

pub(crate) fn depth_from_angel(q: &AngelQuote) -> Depth {
    Depth {
        bids: levels(&q.depth.buy),
        asks: levels(&q.depth.sell),
        ltp: Price::new(q.ltp),
        ltq: q.last_trade_qty,
        open: Price::new(q.open),
        high: Price::new(q.high),
        low: Price::new(q.low),
        prev_close: Price::new(q.close),
        volume: q.trade_volume,
        oi: q.opn_interest,
        total_buy_quantity: q.tot_buy_quan,
        total_sell_quantity: q.tot_sell_quan,
    }
}

fn number(v: &Value) -> Result<Decimal, BrokerError> {
    match v {
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(Decimal::from(i)),
            (None, Some(f)) => decimal_from_f64(f).map_err(|e| BrokerError::Decode(e.to_string())),
            _ => Err(BrokerError::Decode(format!("bad candle number {n}"))),
        },
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| BrokerError::Decode("bad candle value".into())),
        _ => Err(BrokerError::Decode("bad candle value".into())),
    }
}

fn whole(v: Option<&Value>) -> u64 {
    v.and_then(|v| number(v).ok())
        .and_then(|d| d.trunc().normalize().to_string().parse().ok())
        .unwrap_or(0)
}

/// A candle's epoch seconds from its `2023-09-06T11:15:00+05:30` time: the instant, or for
/// daily candles 00:00 UTC of the IST date.
pub(crate) fn candle_time(ts: &str, daily: bool) -> Result<i64, BrokerError> {
    let at = DateTime::parse_from_rfc3339(ts)
        .or_else(|_| DateTime::parse_from_str(ts, "%Y-%m-%dT%H:%M:%S%z"))
        .map_err(|_| BrokerError::Decode(format!("bad candle timestamp '{ts}'")))?;
    Ok(if daily {
        at.date_naive()
            .and_hms_opt(0, 0, 0)
            .map_or(at.timestamp(), |d| d.and_utc().timestamp())
    } else {
        at.timestamp()
    })
}

/// One `["2023-09-06T11:15:00+05:30", o, h, l, c, v]` row. Intraday candles are stamped with
/// their instant; daily ones with 00:00 UTC of their IST date (the reference's +5:30 shift).
pub(crate) fn candle_from_row(row: &[Value], daily: bool) -> Result<Candle, BrokerError> {
    let ts = row
        .first()
        .and_then(Value::as_str)
        .ok_or_else(|| BrokerError::Decode("candle without a timestamp".into()))?;
    let timestamp = candle_time(ts, daily)?;
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
        oi: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn every_angel_status_maps() {
        for (angel, oa) in [
            ("complete", OrderStatus::Complete),
            ("rejected", OrderStatus::Rejected),
            ("cancelled", OrderStatus::Cancelled),
            ("trigger pending", OrderStatus::TriggerPending),
            ("open", OrderStatus::Open),
            ("open pending", OrderStatus::Open),
            ("validation pending", OrderStatus::Open),
            ("put order req received", OrderStatus::Open),
            ("modify pending", OrderStatus::Open),
            ("modify validation pending", OrderStatus::Open),
            ("cancel pending", OrderStatus::Open),
            ("after market order req received", OrderStatus::Open),
            ("modified", OrderStatus::Open),
            ("COMPLETE", OrderStatus::Complete),
        ] {
            assert_eq!(status_from_angel(angel), oa, "{angel}");
        }
        assert_eq!(status_from_update_code("AB00"), None);
        assert_eq!(status_from_update_code("AB05"), Some(OrderStatus::Complete));
        assert_eq!(
            status_from_update_code("AB07"),
            Some(OrderStatus::Cancelled)
        );
        assert_eq!(status_from_update_code("AB03"), Some(OrderStatus::Rejected));
        assert_eq!(status_from_update_code("AB09"), Some(OrderStatus::Open));
    }

    #[test]
    fn vocabulary() {
        assert_eq!(
            price_type_to_angel(PriceType::StopLimit),
            ("STOPLOSS_LIMIT", "STOPLOSS")
        );
        assert_eq!(
            price_type_to_angel(PriceType::StopMarket),
            ("STOPLOSS_MARKET", "STOPLOSS")
        );
        assert_eq!(
            price_type_from_angel("STOPLOSS_MARKET"),
            Some(PriceType::StopMarket)
        );
        assert_eq!(product_to_angel(Product::Nrml), "CARRYFORWARD");
        assert_eq!(product_from_angel("DELIVERY"), Some(Product::Cnc));
        assert_eq!(product_from_angel("XYZ"), None);
        assert_eq!(exchange_from_angel("NCDEX"), None);
        assert_eq!(interval_to_angel(Interval::M1), Some(("ONE_MINUTE", 30)));
        assert_eq!(interval_to_angel(Interval::Day), Some(("ONE_DAY", 2000)));
        assert_eq!(interval_to_angel(Interval::Week), None);
        assert_eq!(price_text(dec!(0.00)), "0");
        assert_eq!(price_text(dec!(812.350)), "812.35");
        assert_eq!(
            parse_angel_time("20-Oct-2020 13:10:59")
                .unwrap()
                .to_string(),
            "2020-10-20 13:10:59"
        );
    }

    #[test]
    fn candles_daily_and_intraday() {
        let row: Vec<Value> = serde_json::from_str(
            r#"["2024-01-01T00:00:00+05:30", 100.5, 101, 99.95, 100.2, 1200]"#,
        )
        .unwrap();
        let d = candle_from_row(&row, true).unwrap();
        assert_eq!(d.timestamp, 1_704_067_200);
        assert_eq!(d.low, Price::new(dec!(99.95)));
        assert_eq!(d.volume, 1200);
        let row: Vec<Value> =
            serde_json::from_str(r#"["2023-09-06T11:15:00+05:30", 1, 2, 0.5, 1.5, 10]"#).unwrap();
        assert_eq!(
            candle_from_row(&row, false).unwrap().timestamp,
            1_693_979_100
        );
        assert!(candle_from_row(&[], false).is_err());
    }
}
