//! Dhan ↔ OpenAlgo: vocabulary (exchange segments, products, order types, statuses,
//! intervals), the JSON bodies of place/modify, and Dhan rows to core types through the
//! instrument master.

use chrono::{DateTime, NaiveDateTime};
use openalgo_core::broker::{ORDER_TAG_PREFIX, OrderTag};
use openalgo_core::money::{decimal_from_f64, decimal_to_f64};
use openalgo_core::{
    Action, BrokerError, Candle, Depth, DepthLevel, Exchange, Holding, Instrument, InstrumentKey,
    Interval, ModifyOrder, Order, OrderId, OrderRequest, OrderStatus, Position, Price, PriceType,
    Product, Quantity, Quote, StrategyTag, Symbol, SymbolTable, Trade,
};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::models::{
    DhanCandles, DhanHolding, DhanLevel, DhanOrder, DhanPosition, DhanQuote, DhanTrade,
};

/// Dhan's `exchangeSegment` for an OpenAlgo exchange (`None`: Dhan has no such venue).
#[must_use]
pub const fn segment_of(exchange: Exchange) -> Option<&'static str> {
    Some(match exchange {
        Exchange::NseIndex | Exchange::BseIndex => "IDX_I",
        Exchange::Nse => "NSE_EQ",
        Exchange::Nfo => "NSE_FNO",
        Exchange::Cds => "NSE_CURRENCY",
        Exchange::Bse => "BSE_EQ",
        Exchange::Mcx => "MCX_COMM",
        Exchange::Bcd => "BSE_CURRENCY",
        Exchange::Bfo => "BSE_FNO",
        _ => return None,
    })
}

/// The OpenAlgo exchanges a Dhan segment may stand for (indices are NSE or BSE).
#[must_use]
pub const fn exchanges_of_segment(segment: &str) -> &'static [Exchange] {
    match segment.as_bytes() {
        b"IDX_I" => &[Exchange::NseIndex, Exchange::BseIndex],
        b"NSE_EQ" => &[Exchange::Nse],
        b"NSE_FNO" => &[Exchange::Nfo],
        b"NSE_CURRENCY" => &[Exchange::Cds],
        b"BSE_EQ" => &[Exchange::Bse],
        b"MCX_COMM" => &[Exchange::Mcx],
        b"BSE_CURRENCY" => &[Exchange::Bcd],
        b"BSE_FNO" => &[Exchange::Bfo],
        _ => &[],
    }
}

/// The live feed's numeric segment of a Dhan segment name.
#[must_use]
pub fn feed_code(segment: &str) -> Option<u8> {
    Some(match segment {
        "IDX_I" => 0,
        "NSE_EQ" => 1,
        "NSE_FNO" => 2,
        "NSE_CURRENCY" => 3,
        "BSE_EQ" => 4,
        "MCX_COMM" => 5,
        "BSE_CURRENCY" => 7,
        "BSE_FNO" => 8,
        _ => return None,
    })
}

/// The Dhan segment name of a live feed's numeric segment.
#[must_use]
pub const fn feed_segment(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "IDX_I",
        1 => "NSE_EQ",
        2 => "NSE_FNO",
        3 => "NSE_CURRENCY",
        4 => "BSE_EQ",
        5 => "MCX_COMM",
        7 => "BSE_CURRENCY",
        8 => "BSE_FNO",
        _ => return None,
    })
}

/// Dhan `productType` of an OpenAlgo product: CNC, MARGIN (NRML), INTRADAY (MIS).
#[must_use]
pub const fn product_to_dhan(product: Product) -> &'static str {
    match product {
        Product::Cnc => "CNC",
        Product::Nrml => "MARGIN",
        Product::Mis => "INTRADAY",
    }
}

/// OpenAlgo product of a Dhan `productType` (`MTF`, `CO`, `BO` have none).
#[must_use]
pub fn product_from_dhan(product: &str) -> Option<Product> {
    match product {
        "CNC" => Some(Product::Cnc),
        "MARGIN" => Some(Product::Nrml),
        "INTRADAY" => Some(Product::Mis),
        _ => None,
    }
}

/// Dhan `orderType` of an OpenAlgo price type (as Dhan names them; SL-M orders are sent as
/// `STOP_LOSS` with a protective limit, see [`slm_protective_price`]).
#[must_use]
pub const fn order_type_to_dhan(price_type: PriceType) -> &'static str {
    match price_type {
        PriceType::Market => "MARKET",
        PriceType::Limit => "LIMIT",
        PriceType::StopLimit => "STOP_LOSS",
        PriceType::StopMarket => "STOP_LOSS_MARKET",
    }
}

/// OpenAlgo price type of a Dhan `orderType`.
#[must_use]
pub fn order_type_from_dhan(order_type: &str) -> Option<PriceType> {
    match order_type {
        "MARKET" => Some(PriceType::Market),
        "LIMIT" => Some(PriceType::Limit),
        "STOP_LOSS" => Some(PriceType::StopLimit),
        "STOP_LOSS_MARKET" => Some(PriceType::StopMarket),
        _ => None,
    }
}

/// Dhan's `orderStatus` → OpenAlgo's. `TRADED` (and a super order's `CLOSED`) is complete;
/// `EXPIRED` orders died unfilled at the end of their validity, so they read as cancelled;
/// every working state (`TRANSIT`, `PENDING`, `PART_TRADED`, `TRIGGERED`, anything new) is
/// `open`.
#[must_use]
pub fn status_from_dhan(status: &str) -> OrderStatus {
    match status {
        "TRADED" | "CLOSED" => OrderStatus::Complete,
        "REJECTED" => OrderStatus::Rejected,
        "CANCELLED" | "EXPIRED" => OrderStatus::Cancelled,
        _ => OrderStatus::Open,
    }
}

/// Dhan's interval of an OpenAlgo history interval (`D` is the daily endpoint). Dhan also
/// serves 25-minute candles, which OpenAlgo has no interval for.
#[must_use]
pub const fn interval_to_dhan(interval: Interval) -> Option<&'static str> {
    Some(match interval {
        Interval::M1 => "1",
        Interval::M5 => "5",
        Interval::M15 => "15",
        Interval::H1 => "60",
        Interval::Day => "D",
        _ => return None,
    })
}

/// Every interval Dhan serves that OpenAlgo names.
pub const INTERVALS: [Interval; 5] = [
    Interval::M1,
    Interval::M5,
    Interval::M15,
    Interval::H1,
    Interval::Day,
];

/// Dhan's chart `instrument` of an instrument-master record.
#[must_use]
pub fn chart_instrument(record: &Instrument) -> &'static str {
    use openalgo_core::InstrumentType as T;
    let option = matches!(record.instrument_type, T::Call | T::Put);
    let future = record.instrument_type == T::Future;
    let index_root = matches!(
        record.name.as_str(),
        "NIFTY"
            | "BANKNIFTY"
            | "FINNIFTY"
            | "MIDCPNIFTY"
            | "NIFTYNXT50"
            | "SENSEX"
            | "BANKEX"
            | "SENSEX50"
    );
    match record.exchange {
        Exchange::NseIndex | Exchange::BseIndex => "INDEX",
        Exchange::Nse | Exchange::Bse => "EQUITY",
        Exchange::Mcx if option => "OPTFUT",
        Exchange::Mcx => "FUTCOM",
        Exchange::Cds | Exchange::Bcd if option => "OPTCUR",
        Exchange::Cds | Exchange::Bcd => "FUTCUR",
        _ if option && index_root => "OPTIDX",
        _ if option => "OPTSTK",
        _ if future && index_root => "FUTIDX",
        _ => "FUTSTK",
    }
}

/// A decimal as the JSON number Dhan expects.
fn number(value: Decimal) -> Value {
    serde_json::Number::from_f64(decimal_to_f64(value)).map_or(Value::Null, Value::Number)
}

/// The reference's market price protection: the percentage a protective limit sits beyond
/// an SL-M trigger, by trigger price — options 5% below 10, 3% below 100, 2% below 500, else
/// 1%; equities and futures 2% below 100, 1% below 500, else 0.5%.
#[must_use]
pub fn mpp_percent(trigger: Decimal, option: bool) -> Decimal {
    let slabs: &[(i64, i64)] = if option {
        &[(10, 50), (100, 30), (500, 20)]
    } else {
        &[(100, 20), (500, 10)]
    };
    slabs
        .iter()
        .find(|(below, _)| trigger < Decimal::from(*below))
        .map_or_else(
            || Decimal::new(if option { 10 } else { 5 }, 1),
            |(_, tenths)| Decimal::new(*tenths, 1),
        )
}

/// The protective limit price of an SL-M order, which Dhan receives as `STOP_LOSS` (the
/// reference's rule: a bare `STOP_LOSS_MARKET` does not rest under the exchanges' market
/// price protection). SELL: `min(trigger × (1 − mpp), trigger − tick)` floored to the tick,
/// strictly positive; BUY: `max(trigger × (1 + mpp), trigger + tick)` ceiled to the tick.
/// `None` without a tick size or when no positive SELL limit exists.
#[must_use]
pub fn slm_protective_price(
    action: Action,
    trigger: Decimal,
    tick: Decimal,
    option: bool,
) -> Option<Decimal> {
    if tick <= Decimal::ZERO {
        return None;
    }
    let pct = mpp_percent(trigger, option) / Decimal::ONE_HUNDRED;
    let limit = match action {
        Action::Sell => {
            let raw = (trigger * (Decimal::ONE - pct)).min(trigger - tick);
            (raw / tick).floor() * tick
        }
        Action::Buy => {
            let raw = (trigger * (Decimal::ONE + pct)).max(trigger + tick);
            (raw / tick).ceil() * tick
        }
    };
    (limit > Decimal::ZERO).then(|| limit.normalize())
}

/// (`orderType`, `price`, `triggerPrice`) of an order: `price` only for LIMIT and SL (and the
/// protective limit of SL-M), `triggerPrice` only for SL and SL-M.
fn order_prices(
    order: &OrderRequest,
    record: &Instrument,
) -> Result<(&'static str, Option<Decimal>, Option<Decimal>), BrokerError> {
    let trigger = order.trigger_price().value();
    Ok(match order.price_type() {
        PriceType::Market => ("MARKET", None, None),
        PriceType::Limit => ("LIMIT", Some(order.price().value()), None),
        PriceType::StopLimit => ("STOP_LOSS", Some(order.price().value()), Some(trigger)),
        PriceType::StopMarket => {
            let option = matches!(
                record.instrument_type,
                openalgo_core::InstrumentType::Call | openalgo_core::InstrumentType::Put
            );
            let limit = slm_protective_price(
                order.action(),
                trigger,
                record.tick_size.value(),
                option,
            )
            .ok_or_else(|| BrokerError::Rejected {
                code: None,
                message: format!(
                    "cannot derive a protective limit price for the SL-M trigger {trigger} of {}",
                    record.symbol
                ),
            })?;
            ("STOP_LOSS", Some(limit), Some(trigger))
        }
    })
}

fn put_prices(
    body: &mut Map<String, Value>,
    order: &OrderRequest,
    price: Option<Decimal>,
    trigger: Option<Decimal>,
) {
    if order.disclosed_quantity().get() > 0 {
        body.insert(
            "disclosedQuantity".into(),
            json!(order.disclosed_quantity().get()),
        );
    }
    if let Some(p) = price {
        body.insert("price".into(), number(p));
    }
    if let Some(t) = trigger {
        body.insert("triggerPrice".into(), number(t));
    }
}

/// The body of `POST /orders`, in the reference's field order: `price` only for LIMIT and SL
/// (SL-M: its protective limit), `triggerPrice` only for SL and SL-M, `disclosedQuantity` only
/// when positive, `correlationId` only when a tag is given.
pub(crate) fn place_body(
    order: &OrderRequest,
    record: &Instrument,
    client_id: &str,
    tag: Option<&str>,
) -> Result<Value, BrokerError> {
    let segment = segment_of(record.exchange).ok_or_else(|| BrokerError::Rejected {
        code: None,
        message: format!("Dhan does not trade {}", record.exchange),
    })?;
    let (order_type, price, trigger) = order_prices(order, record)?;
    let mut body = Map::new();
    body.insert("dhanClientId".into(), json!(client_id));
    if let Some(tag) = tag {
        body.insert("correlationId".into(), json!(tag));
    }
    body.insert("transactionType".into(), json!(order.action().as_str()));
    body.insert("exchangeSegment".into(), json!(segment));
    body.insert(
        "productType".into(),
        json!(product_to_dhan(order.product())),
    );
    body.insert("orderType".into(), json!(order_type));
    body.insert("validity".into(), json!("DAY"));
    body.insert("securityId".into(), json!(record.token.as_str()));
    body.insert("quantity".into(), json!(order.quantity().get()));
    put_prices(&mut body, order, price, trigger);
    Ok(Value::Object(body))
}

/// The body of `PUT /orders/{orderId}` (SL-M as in [`place_body`]).
pub(crate) fn modify_body(
    modify: &ModifyOrder,
    record: &Instrument,
    client_id: &str,
) -> Result<Value, BrokerError> {
    let o = modify.order();
    let (order_type, price, trigger) = order_prices(o, record)?;
    let mut body = Map::new();
    body.insert("dhanClientId".into(), json!(client_id));
    body.insert("orderId".into(), json!(modify.order_id().as_str()));
    body.insert("orderType".into(), json!(order_type));
    body.insert("legName".into(), json!("ENTRY_LEG"));
    body.insert("quantity".into(), json!(o.quantity().get()));
    body.insert("validity".into(), json!("DAY"));
    put_prices(&mut body, o, price, trigger);
    Ok(Value::Object(body))
}

/// `YYYY-MM-DD HH:MM:SS` (Dhan's IST timestamps).
#[must_use]
pub fn parse_dhan_time(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok()
}

fn decode(what: &str, value: &str) -> BrokerError {
    BrokerError::Decode(format!("unexpected {what} '{value}' from Dhan"))
}

/// The OpenAlgo instrument of a Dhan row: the master's record for (securityId, segment), else
/// the trading symbol when it is a valid OpenAlgo symbol.
///
/// # Errors
/// [`BrokerError::Decode`] for a segment OpenAlgo does not know or an unusable symbol.
pub fn resolve(
    symbols: &SymbolTable,
    security_id: &str,
    segment: &str,
    trading_symbol: &str,
) -> Result<InstrumentKey, BrokerError> {
    let candidates = exchanges_of_segment(segment);
    for ex in candidates {
        if let Some(r) = symbols.by_token(security_id, *ex) {
            return Ok(InstrumentKey::new(r.symbol.clone(), r.exchange));
        }
    }
    let ex = *candidates
        .first()
        .ok_or_else(|| decode("exchangeSegment", segment))?;
    let symbol =
        Symbol::new(trading_symbol).map_err(|_| decode("tradingSymbol", trading_symbol))?;
    Ok(InstrumentKey::new(symbol, ex))
}

/// The strategy a row shows for Dhan's `correlationId`: our unique tags read as the
/// reference's constant `openalgo`, other ids as they are.
fn strategy_of(tag: Option<String>) -> StrategyTag {
    match tag {
        Some(t) if OrderTag::is_ours(&t) => StrategyTag::new(ORDER_TAG_PREFIX).unwrap_or_default(),
        Some(t) => StrategyTag::new(t).unwrap_or_default(),
        None => StrategyTag::default(),
    }
}

fn action(text: &str) -> Result<Action, BrokerError> {
    match text {
        "BUY" => Ok(Action::Buy),
        "SELL" => Ok(Action::Sell),
        _ => Err(decode("transactionType", text)),
    }
}

fn product(text: &str) -> Result<Product, BrokerError> {
    product_from_dhan(text).ok_or_else(|| decode("productType", text))
}

fn units(n: i64) -> Quantity {
    Quantity::new(u64::try_from(n).unwrap_or(0))
}

pub(crate) fn order_from_dhan(row: DhanOrder, symbols: &SymbolTable) -> Result<Order, BrokerError> {
    let status = status_from_dhan(&row.order_status);
    let timestamp = row
        .update_time
        .as_deref()
        .or(row.create_time.as_deref())
        .and_then(parse_dhan_time)
        .unwrap_or_default();
    Ok(Order {
        order_id: OrderId::new(&row.order_id).map_err(|_| decode("orderId", &row.order_id))?,
        instrument: resolve(
            symbols,
            &row.security_id,
            &row.exchange_segment,
            &row.trading_symbol,
        )?,
        action: action(&row.transaction_type)?,
        quantity: units(row.quantity),
        filled_quantity: units(row.filled_qty),
        price: Price::new(row.price),
        trigger_price: Price::new(row.trigger_price),
        average_price: Price::new(row.average_traded_price),
        price_type: order_type_from_dhan(&row.order_type)
            .ok_or_else(|| decode("orderType", &row.order_type))?,
        product: product(&row.product_type)?,
        status,
        rejection_reason: (status == OrderStatus::Rejected)
            .then(|| row.oms_error_description.clone().unwrap_or_default()),
        strategy: strategy_of(row.correlation_id),
        timestamp,
    })
}

pub(crate) fn trade_from_dhan(
    row: &DhanTrade,
    symbols: &SymbolTable,
) -> Result<Trade, BrokerError> {
    Ok(Trade {
        order_id: OrderId::new(&row.order_id).map_err(|_| decode("orderId", &row.order_id))?,
        instrument: resolve(
            symbols,
            &row.security_id,
            &row.exchange_segment,
            &row.trading_symbol,
        )?,
        product: product(&row.product_type)?,
        action: action(&row.transaction_type)?,
        quantity: units(row.traded_quantity),
        average_price: Price::new(row.traded_price),
        timestamp: row
            .update_time
            .as_deref()
            .or(row.exchange_time.as_deref())
            .and_then(parse_dhan_time)
            .unwrap_or_default(),
    })
}

/// A position; Dhan sends no LTP, so `ltp` is the caller's (from one quote call).
pub(crate) fn position_from_dhan(
    row: &DhanPosition,
    symbols: &SymbolTable,
    ltp: Option<Decimal>,
) -> Result<Position, BrokerError> {
    Ok(Position {
        instrument: resolve(
            symbols,
            &row.security_id,
            &row.exchange_segment,
            &row.trading_symbol,
        )?,
        product: product(&row.product_type)?,
        quantity: row.net_qty,
        average_price: Price::new(row.cost_price),
        ltp: Price::new(ltp.unwrap_or_default()),
        pnl: row.realized_profit + row.unrealized_profit,
    })
}

/// A holding (Dhan's `exchange` is always `ALL`: the security id is looked up on NSE, then
/// BSE); pnl = (ltp − average) × quantity.
pub(crate) fn holding_from_dhan(
    row: &DhanHolding,
    symbols: &SymbolTable,
    ltp: Option<Decimal>,
) -> Result<Holding, BrokerError> {
    let instrument = resolve(symbols, &row.security_id, "NSE_EQ", &row.trading_symbol)
        .ok()
        .filter(|k| symbols.get(k.symbol.as_str(), k.exchange).is_some())
        .map_or_else(
            || resolve(symbols, &row.security_id, "BSE_EQ", &row.trading_symbol),
            Ok,
        )?;
    let ltp = ltp.unwrap_or_default();
    Ok(Holding {
        instrument,
        product: Product::Cnc,
        quantity: units(row.total_qty),
        average_price: Price::new(row.avg_cost_price),
        ltp: Price::new(ltp),
        pnl: if ltp.is_zero() {
            Decimal::ZERO
        } else {
            (ltp - row.avg_cost_price) * Decimal::from(row.total_qty)
        },
    })
}

fn levels(raw: &[DhanLevel]) -> Vec<DepthLevel> {
    let mut out: Vec<DepthLevel> = raw
        .iter()
        .take(5)
        .map(|l| DepthLevel {
            price: Price::new(l.price),
            quantity: u64::try_from(l.quantity).unwrap_or(0),
            orders: u32::try_from(l.orders).unwrap_or(0),
        })
        .collect();
    out.resize(5, DepthLevel::default());
    out
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub(crate) fn quote_from_dhan(q: &DhanQuote) -> Quote {
    let first = |side: &[DhanLevel]| side.first().map_or(Price::ZERO, |l| Price::new(l.price));
    Quote {
        ask: first(&q.depth.sell),
        bid: first(&q.depth.buy),
        open: Price::new(q.ohlc.open),
        high: Price::new(q.ohlc.high),
        low: Price::new(q.ohlc.low),
        ltp: Price::new(q.last_price),
        prev_close: Price::new(q.ohlc.close),
        volume: count(q.volume),
        oi: count(q.oi),
    }
}

/// Depth with exactly five levels a side; totals are Dhan's `buy_quantity`/`sell_quantity`.
pub(crate) fn depth_from_dhan(q: &DhanQuote) -> Depth {
    Depth {
        bids: levels(&q.depth.buy),
        asks: levels(&q.depth.sell),
        ltp: Price::new(q.last_price),
        ltq: count(q.last_quantity),
        open: Price::new(q.ohlc.open),
        high: Price::new(q.ohlc.high),
        low: Price::new(q.ohlc.low),
        prev_close: Price::new(q.ohlc.close),
        volume: count(q.volume),
        oi: count(q.oi),
        total_buy_quantity: count(q.buy_quantity),
        total_sell_quantity: count(q.sell_quantity),
    }
}

fn json_decimal(v: Option<&Value>) -> Result<Decimal, BrokerError> {
    match v {
        None | Some(Value::Null) => Ok(Decimal::ZERO),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Ok(Decimal::from(i)),
            (None, Some(f)) => decimal_from_f64(f).map_err(|e| BrokerError::Decode(e.to_string())),
            _ => Err(BrokerError::Decode(format!("bad candle number {n}"))),
        },
        Some(other) => Err(BrokerError::Decode(format!("bad candle value {other}"))),
    }
}

fn json_whole(v: Option<&Value>) -> u64 {
    v.and_then(|v| {
        v.as_u64().or_else(|| {
            v.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f.round() as u64)
        })
    })
    .unwrap_or(0)
}

/// Dhan's parallel arrays → candles. Intraday candles are stamped with their instant (epoch
/// seconds, as Dhan sends them); daily ones with 00:00 UTC of their IST date.
pub(crate) fn candles_from_dhan(c: &DhanCandles, daily: bool) -> Result<Vec<Candle>, BrokerError> {
    let mut out = Vec::with_capacity(c.timestamp.len());
    for (i, ts) in c.timestamp.iter().enumerate() {
        let at = ts
            .as_i64()
            .or_else(|| ts.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .ok_or_else(|| BrokerError::Decode(format!("bad candle timestamp {ts}")))?;
        let timestamp = if daily {
            DateTime::from_timestamp(at + 19_800, 0)
                .and_then(|d| d.date_naive().and_hms_opt(0, 0, 0))
                .map_or(at, |d| d.and_utc().timestamp())
        } else {
            at
        };
        out.push(Candle {
            timestamp,
            open: Price::new(json_decimal(c.open.get(i))?),
            high: Price::new(json_decimal(c.high.get(i))?),
            low: Price::new(json_decimal(c.low.get(i))?),
            close: Price::new(json_decimal(c.close.get(i))?),
            volume: json_whole(c.volume.get(i)),
            oi: json_whole(c.open_interest.get(i)),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn every_dhan_status_maps() {
        for (dhan, oa) in [
            ("TRANSIT", OrderStatus::Open),
            ("PENDING", OrderStatus::Open),
            ("PART_TRADED", OrderStatus::Open),
            ("TRIGGERED", OrderStatus::Open),
            ("TRADED", OrderStatus::Complete),
            ("CLOSED", OrderStatus::Complete),
            ("REJECTED", OrderStatus::Rejected),
            ("CANCELLED", OrderStatus::Cancelled),
            ("EXPIRED", OrderStatus::Cancelled),
            ("SOMETHING_NEW", OrderStatus::Open),
        ] {
            assert_eq!(status_from_dhan(dhan), oa, "{dhan}");
        }
    }

    #[test]
    fn vocabulary_round_trips() {
        for ex in [
            Exchange::Nse,
            Exchange::Bse,
            Exchange::Nfo,
            Exchange::Bfo,
            Exchange::Mcx,
            Exchange::Cds,
            Exchange::Bcd,
            Exchange::NseIndex,
            Exchange::BseIndex,
        ] {
            let seg = segment_of(ex).unwrap();
            assert!(exchanges_of_segment(seg).contains(&ex), "{ex}");
            assert_eq!(feed_segment(feed_code(seg).unwrap()), Some(seg));
        }
        assert_eq!(segment_of(Exchange::Nco), None);
        assert_eq!(feed_segment(6), None);
        for p in [Product::Cnc, Product::Nrml, Product::Mis] {
            assert_eq!(product_from_dhan(product_to_dhan(p)), Some(p));
        }
        assert_eq!(product_from_dhan("MTF"), None);
        for t in [
            PriceType::Market,
            PriceType::Limit,
            PriceType::StopLimit,
            PriceType::StopMarket,
        ] {
            assert_eq!(order_type_from_dhan(order_type_to_dhan(t)), Some(t));
        }
        assert_eq!(interval_to_dhan(Interval::H1), Some("60"));
        assert_eq!(interval_to_dhan(Interval::M3), None);
    }

    #[test]
    fn slm_protective_limits_follow_the_reference() {
        let t = dec!(0.05);
        // Equity above 500: 0.5%, SELL floors below the trigger, BUY ceils above it.
        assert_eq!(
            slm_protective_price(Action::Sell, dec!(800.05), t, false),
            Some(dec!(796))
        );
        assert_eq!(
            slm_protective_price(Action::Buy, dec!(800.05), t, false),
            Some(dec!(804.1))
        );
        // Below 100: 2%; options below 10: 5%.
        assert_eq!(
            slm_protective_price(Action::Sell, dec!(50), t, false),
            Some(dec!(49))
        );
        assert_eq!(
            slm_protective_price(Action::Buy, dec!(5), t, true),
            Some(dec!(5.25))
        );
        // At least one tick beyond the trigger.
        assert_eq!(
            slm_protective_price(Action::Sell, dec!(0.5), t, true),
            Some(dec!(0.45))
        );
        assert_eq!(
            slm_protective_price(Action::Sell, dec!(0.05), t, true),
            None
        );
        assert_eq!(
            slm_protective_price(Action::Buy, dec!(10), Decimal::ZERO, false),
            None
        );
        assert_eq!(mpp_percent(dec!(499.95), true), dec!(2));
        assert_eq!(mpp_percent(dec!(500), true), dec!(1));
    }

    #[test]
    fn candles_from_parallel_arrays() {
        let c: DhanCandles = serde_json::from_str(
            r#"{"open":[100.5,101],"high":[101,102.25],"low":[99.95,100],"close":[100.2,101.5],
                "volume":[1200,10.0],"timestamp":[1704067200,1704153600],"open_interest":[7,0]}"#,
        )
        .unwrap();
        let daily = candles_from_dhan(&c, true).unwrap();
        assert_eq!(daily.len(), 2);
        assert_eq!(daily[0].timestamp, 1_704_067_200);
        assert_eq!(daily[0].low, Price::new(dec!(99.95)));
        assert_eq!(
            (daily[0].volume, daily[0].oi, daily[1].volume),
            (1200, 7, 10)
        );
        // 18:30 UTC is the next IST day.
        let c: DhanCandles = serde_json::from_str(
            r#"{"open":[1],"high":[1],"low":[1],"close":[1],"volume":[1],"timestamp":[1704047400]}"#,
        )
        .unwrap();
        assert_eq!(
            candles_from_dhan(&c, true).unwrap()[0].timestamp,
            1_704_067_200
        );
        assert_eq!(
            candles_from_dhan(&c, false).unwrap()[0].timestamp,
            1_704_047_400
        );
    }
}
