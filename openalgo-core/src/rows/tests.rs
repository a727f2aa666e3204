//! Exact wire text of every row, for the shapes the server has always sent.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Serialize;

use super::*;
use crate::{
    Action, Exchange, Funds, Holding, InstrumentKey, Order, OrderId, OrderStatus, Position, Price,
    PriceType, Product, Quantity, StrategyTag, Symbol, Trade,
};

fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 1, 2)
        .unwrap()
        .and_hms_opt(h, m, s)
        .unwrap()
}

fn key(symbol: &str) -> InstrumentKey {
    InstrumentKey::new(Symbol::new(symbol).unwrap(), Exchange::Nse)
}

/// A filled MARKET buy whose broker still reports a limit price.
fn market_order() -> Order {
    Order {
        order_id: OrderId::new("25010200000001").unwrap(),
        instrument: key("SBIN"),
        action: Action::Buy,
        quantity: Quantity::new(10),
        filled_quantity: Quantity::new(10),
        price: Price::new(dec!(812.35)),
        trigger_price: Price::ZERO,
        average_price: Price::new(dec!(812.3456)),
        price_type: PriceType::Market,
        product: Product::Mis,
        status: OrderStatus::Complete,
        rejection_reason: None,
        strategy: StrategyTag::new("Python").unwrap(),
        timestamp: at(9, 15, 7),
    }
}

/// A working LIMIT sell whose price needs half-to-even rounding.
fn limit_order() -> Order {
    Order {
        order_id: OrderId::new("25010200000002").unwrap(),
        instrument: key("INFY"),
        action: Action::Sell,
        quantity: Quantity::new(5),
        filled_quantity: Quantity::ZERO,
        price: Price::new(dec!(1490.125)),
        trigger_price: Price::ZERO,
        average_price: Price::ZERO,
        price_type: PriceType::Limit,
        product: Product::Cnc,
        status: OrderStatus::Open,
        rejection_reason: None,
        strategy: StrategyTag::new("swing").unwrap(),
        timestamp: at(10, 0, 0),
    }
}

fn rejected_order() -> Order {
    Order {
        order_id: OrderId::new("25010200000003").unwrap(),
        price_type: PriceType::StopLimit,
        price: Price::new(dec!(800)),
        trigger_price: Price::new(dec!(801.5)),
        filled_quantity: Quantity::ZERO,
        average_price: Price::ZERO,
        status: OrderStatus::Rejected,
        rejection_reason: Some("Insufficient funds".into()),
        ..market_order()
    }
}

fn holding(symbol: &str, quantity: u64, average: Decimal, ltp: Decimal) -> Holding {
    Holding {
        instrument: key(symbol),
        product: Product::Cnc,
        quantity: Quantity::new(quantity),
        average_price: Price::new(average),
        ltp: Price::new(ltp),
        pnl: (ltp - average) * Decimal::from(quantity),
    }
}

fn text(row: &impl Serialize) -> String {
    serde_json::to_string(row).unwrap()
}

/// The server serialises rows through `serde_json::Value` (sorted maps); writing the row
/// directly must give the same text, or the declared field order is wrong.
fn same_through_value(row: &impl Serialize) {
    let value = serde_json::to_value(row).unwrap();
    assert_eq!(text(row), text(&value));
}

#[test]
fn market_order_row_shows_price_zero() {
    let o = market_order();
    let row = OrderRow::from(&o);
    assert_eq!(
        text(&row),
        r#"{"action":"BUY","average_price":812.35,"exchange":"NSE","filled_quantity":10,"order_status":"complete","orderid":"25010200000001","pending_quantity":0,"price":0.0,"pricetype":"MARKET","product":"MIS","quantity":10,"rejection_reason":"","strategy":"Python","symbol":"SBIN","timestamp":"2025-01-02 09:15:07","trigger_price":0.0}"#
    );
    same_through_value(&row);
}

#[test]
fn limit_order_row_rounds_half_to_even() {
    let o = limit_order();
    let row = OrderRow::from(&o);
    assert_eq!(
        text(&row),
        r#"{"action":"SELL","average_price":0.0,"exchange":"NSE","filled_quantity":0,"order_status":"open","orderid":"25010200000002","pending_quantity":5,"price":1490.12,"pricetype":"LIMIT","product":"CNC","quantity":5,"rejection_reason":"","strategy":"swing","symbol":"INFY","timestamp":"2025-01-02 10:00:00","trigger_price":0.0}"#
    );
    same_through_value(&row);
}

#[test]
fn rejected_stop_order_row_keeps_its_reason_and_trigger() {
    let o = rejected_order();
    let row = OrderRow::from(&o);
    assert_eq!(
        text(&row),
        r#"{"action":"BUY","average_price":0.0,"exchange":"NSE","filled_quantity":0,"order_status":"rejected","orderid":"25010200000003","pending_quantity":10,"price":800.0,"pricetype":"SL","product":"MIS","quantity":10,"rejection_reason":"Insufficient funds","strategy":"Python","symbol":"SBIN","timestamp":"2025-01-02 09:15:07","trigger_price":801.5}"#
    );
}

#[test]
fn order_book_counts_sides_and_statuses() {
    let orders = [market_order(), limit_order(), rejected_order()];
    let book = OrderBook::from(&orders[..]);
    assert_eq!(book.orders.len(), 3);
    assert_eq!(
        text(&book.statistics),
        r#"{"total_buy_orders":2,"total_completed_orders":1,"total_open_orders":1,"total_rejected_orders":1,"total_sell_orders":1}"#
    );
    same_through_value(&book);
    assert!(text(&book).starts_with(r#"{"orders":[{"action":"BUY""#));
}

#[test]
fn trade_row_values_the_exact_price() {
    let t = Trade {
        order_id: OrderId::new("25010200000001").unwrap(),
        instrument: key("SBIN"),
        product: Product::Mis,
        action: Action::Buy,
        quantity: Quantity::new(10),
        average_price: Price::new(dec!(812.3456)),
        timestamp: at(9, 15, 7),
    };
    let row = TradeRow::from(&t);
    // 10 × 812.3456 = 8123.456 → 8123.46, not 10 × 812.35.
    assert_eq!(
        text(&row),
        r#"{"action":"BUY","average_price":812.35,"exchange":"NSE","orderid":"25010200000001","product":"MIS","quantity":10,"symbol":"SBIN","timestamp":"2025-01-02 09:15:07","trade_value":8123.46}"#
    );
    same_through_value(&row);
}

#[test]
fn position_row_keeps_the_sign() {
    let p = Position {
        instrument: key("RELIANCE"),
        product: Product::Mis,
        quantity: -25,
        average_price: Price::new(dec!(2500.5)),
        ltp: Price::new(dec!(2490.25)),
        pnl: dec!(256.255),
    };
    let row = PositionRow::from(&p);
    assert_eq!(
        text(&row),
        r#"{"average_price":2500.5,"exchange":"NSE","ltp":2490.25,"pnl":256.26,"product":"MIS","quantity":-25,"symbol":"RELIANCE"}"#
    );
    same_through_value(&row);
}

#[test]
fn holding_row_and_statistics() {
    let hs = [
        holding("SBIN", 10, dec!(800), dec!(812.35)),
        holding("INFY", 4, dec!(1500), dec!(1450)),
    ];
    let row = HoldingRow::from(&hs[0]);
    // 123.5 / 8000 = 1.54375 %.
    assert_eq!(
        text(&row),
        r#"{"average_price":800.0,"exchange":"NSE","ltp":812.35,"pnl":123.5,"pnlpercent":1.54,"product":"CNC","quantity":10,"symbol":"SBIN"}"#
    );
    same_through_value(&row);
    // value 8123.5 + 5800 = 13923.5; invested 8000 + 6000 = 14000; P&L -76.5 = -0.546… %.
    let book = HoldingsBook::from(&hs[..]);
    assert_eq!(
        text(&book.statistics),
        r#"{"totalholdingvalue":13923.5,"totalinvvalue":14000.0,"totalpnlpercentage":-0.55,"totalprofitandloss":-76.5}"#
    );
    same_through_value(&book);
}

#[test]
fn holdings_without_cost_have_zero_percentages() {
    let hs = [holding("SBIN", 0, dec!(800), dec!(812.35))];
    let book = HoldingsBook::from(&hs[..]);
    assert_eq!(book.holdings[0].pnlpercent, Decimal::ZERO);
    assert_eq!(book.statistics, HoldingsStatistics::default());
    assert_eq!(
        HoldingsBook::from(&[][..]).statistics,
        HoldingsStatistics::default()
    );
}

#[test]
fn funds_are_text_with_two_places() {
    let f = Funds {
        available_cash: dec!(984000.456),
        collateral: Decimal::ZERO,
        m2m_unrealized: dec!(1230),
        m2m_realized: dec!(-1.75),
        utilised_debits: dec!(16001.0),
    };
    let row = FundsRow::from(&f);
    assert_eq!(
        text(&row),
        r#"{"availablecash":"984000.45","collateral":"0.00","m2mrealized":"-1.75","m2munrealized":"1230.00","utiliseddebits":"16001.00"}"#
    );
    same_through_value(&row);
}

#[test]
fn percent_is_zero_on_overflow_or_no_base() {
    assert_eq!(percent(dec!(5), Decimal::ZERO), Decimal::ZERO);
    assert_eq!(percent(Decimal::MAX, dec!(1)), Decimal::ZERO);
    assert_eq!(percent(dec!(1), dec!(3)), dec!(33.33));
}
