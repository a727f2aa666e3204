//! Shared fixtures: a small instrument master, an engine factory and order helpers.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use crate::sandbox::{MarketSnapshot, SandboxConfig, SandboxEngine};
use crate::testing::instrument;
use crate::{
    Action, Exchange, InstrumentKey, InstrumentType, OrderId, OrderRequest, Price, PriceType,
    Product, Quantity, Symbol, SymbolTable,
};

pub(super) const FUT: &str = "NIFTY30DEC25FUT";
pub(super) const CALL: &str = "NIFTY30DEC2524000CE";
/// Expires on 2025-01-07 (a Tuesday), for expiry tests.
pub(super) const WEEKLY_CALL: &str = "NIFTY07JAN2524000CE";

pub(super) fn table() -> Arc<SymbolTable> {
    let mut fut = instrument(FUT, Exchange::Nfo, "1", 75);
    fut.instrument_type = InstrumentType::FutIdx;
    let mut call = instrument(CALL, Exchange::Nfo, "2", 75);
    call.instrument_type = InstrumentType::OptIdx;
    let mut weekly = instrument(WEEKLY_CALL, Exchange::Nfo, "3", 75);
    weekly.instrument_type = InstrumentType::OptIdx;
    let mut crude = instrument("CRUDEOIL19DEC25FUT", Exchange::Mcx, "4", 100);
    crude.instrument_type = InstrumentType::FutCom;
    Arc::new(SymbolTable::new(vec![
        instrument("SBIN", Exchange::Nse, "3045", 1),
        instrument("INFY", Exchange::Nse, "1594", 1),
        fut,
        call,
        weekly,
        crude,
        instrument("NIFTYNCO30DEC25FUT", Exchange::Nco, "5", 1),
    ]))
}

pub(super) fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("test time")
}

pub(super) fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

pub(super) fn engine_with(config: SandboxConfig, now: NaiveDateTime) -> SandboxEngine {
    SandboxEngine::new(config, table(), now)
}

pub(super) fn engine(now: NaiveDateTime) -> SandboxEngine {
    engine_with(SandboxConfig::default(), now)
}

pub(super) fn dec(text: &str) -> Decimal {
    text.parse().expect("test decimal")
}

pub(super) fn px(text: &str) -> Price {
    Price::new(dec(text))
}

pub(super) fn snap(text: &str) -> MarketSnapshot {
    MarketSnapshot::ltp(px(text))
}

pub(super) fn key(symbol: &str) -> InstrumentKey {
    let exchange = if symbol.starts_with("NIFTYNCO") {
        Exchange::Nco
    } else if symbol.starts_with("NIFTY") {
        Exchange::Nfo
    } else if symbol.starts_with("CRUDEOIL") {
        Exchange::Mcx
    } else {
        Exchange::Nse
    };
    InstrumentKey::new(Symbol::new(symbol).expect("symbol"), exchange)
}

/// An order: `price` is the limit for LIMIT/SL, `trigger` the trigger for SL/SL-M.
pub(super) fn order(
    symbol: &str,
    action: Action,
    qty: u64,
    price_type: PriceType,
    product: Product,
    price: &str,
    trigger: &str,
) -> OrderRequest {
    let mut d = OrderRequest::builder(key(symbol), action, Quantity::new(qty));
    d.price_type = price_type;
    d.product = product;
    d.price = px(price);
    d.trigger_price = px(trigger);
    d.build().expect("valid test order")
}

pub(super) fn market(symbol: &str, action: Action, qty: u64, product: Product) -> OrderRequest {
    order(symbol, action, qty, PriceType::Market, product, "0", "0")
}

pub(super) fn limit(
    symbol: &str,
    action: Action,
    qty: u64,
    product: Product,
    price: &str,
) -> OrderRequest {
    order(symbol, action, qty, PriceType::Limit, product, price, "0")
}

pub(super) fn status(e: &SandboxEngine, id: &OrderId) -> crate::OrderStatus {
    e.order(id.as_str()).expect("order exists").status
}

/// available + order, position and GTT margin + holdings cost == capital + realized + written off.
pub(super) fn conserved(e: &SandboxEngine) -> bool {
    let f = e.funds();
    let holdings: Decimal = e.holdings().iter().map(|h| h.cost).sum();
    f.available + f.order_margin + f.position_margin + f.gtt_margin + holdings
        == f.capital + f.realized_pnl + f.written_off
}
