use chrono::NaiveTime;
use serde_json::{Map, Value, json};

use super::*;
use crate::orders::SmartDecision;
use crate::{Action, Exchange, InstrumentKey, Product, Quantity, Symbol};

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn body(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn mapping(symbol: &str, exchange: Exchange, qty: u64, product: Product) -> SymbolMapping {
    SymbolMapping::new(
        InstrumentKey::new(Symbol::new(symbol).unwrap(), exchange),
        Quantity::new(qty),
        product,
    )
    .unwrap()
}

fn strategy(mode: TradingMode, schedule: Schedule) -> WebhookStrategy {
    WebhookStrategy {
        name: StrategyName::new("tv_nifty breakout").unwrap(),
        mode,
        schedule,
        mappings: vec![
            mapping("SBIN", Exchange::Nse, 10, Product::Mis),
            mapping("NIFTY30DEC26FUT", Exchange::Nfo, 75, Product::Nrml),
        ],
        active: true,
    }
}

fn intraday() -> Schedule {
    Schedule::Intraday(TradingWindow::new(t(9, 30), t(14, 30), t(15, 10)).unwrap())
}

fn alert(v: Value) -> Alert {
    Alert::from_json(&body(v)).unwrap()
}

#[test]
fn names_windows_and_mappings_are_validated() {
    assert!(StrategyName::new("ab").is_err());
    assert!(StrategyName::new("a".repeat(51).as_str()).is_err());
    assert!(StrategyName::new("bad/name").is_err());
    assert_eq!(
        StrategyName::new("  Nifty-Scalp_1 ").unwrap().as_str(),
        "Nifty-Scalp_1"
    );
    assert!(
        TradingWindow::new(t(9, 0), t(14, 0), t(15, 0)).is_err(),
        "before the open"
    );
    assert!(
        TradingWindow::new(t(10, 0), t(10, 0), t(15, 0)).is_err(),
        "start = end"
    );
    assert!(
        TradingWindow::new(t(10, 0), t(15, 20), t(15, 10)).is_err(),
        "end after square-off"
    );
    assert!(
        TradingWindow::new(t(10, 0), t(15, 0), t(15, 31)).is_err(),
        "after the close"
    );
    let w = TradingWindow::default_times();
    assert_eq!(
        (w.start(), w.end(), w.square_off()),
        (t(9, 15), t(15, 0), t(15, 15))
    );
    let key = |s, e| InstrumentKey::new(Symbol::new(s).unwrap(), e);
    assert!(matches!(
        SymbolMapping::new(key("SBIN", Exchange::Nse), Quantity::new(1), Product::Nrml),
        Err(StrategyError::Product { .. })
    ));
    assert!(matches!(
        SymbolMapping::new(
            key("NIFTY30DEC26FUT", Exchange::Nfo),
            Quantity::new(75),
            Product::Cnc
        ),
        Err(StrategyError::Product { .. })
    ));
    assert!(matches!(
        SymbolMapping::new(
            key("NIFTY", Exchange::NseIndex),
            Quantity::new(1),
            Product::Mis
        ),
        Err(StrategyError::Exchange(Exchange::NseIndex))
    ));
    assert_eq!(
        SymbolMapping::new(key("SBIN", Exchange::Nse), Quantity::ZERO, Product::Mis),
        Err(StrategyError::Quantity)
    );
    // Serde keeps the rules: an invalid window does not deserialize.
    let bad = json!({"type": "intraday", "start": "10:00:00", "end": "09:59:00", "square_off": "15:00:00"});
    assert!(serde_json::from_value::<Schedule>(bad).is_err());
    let s = strategy(TradingMode::Both, intraday());
    let back: WebhookStrategy = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
    assert_eq!(back, s);
}

#[test]
fn alerts_are_read_leniently_and_refused_clearly() {
    assert_eq!(
        alert(json!({"symbol": "SBIN", "action": "buy", "position_size": "-5.0", "extra": 1})),
        Alert {
            symbol: "SBIN".into(),
            action: Action::Buy,
            position_size: Some(-5)
        }
    );
    assert_eq!(
        alert(json!({"symbol": "SBIN", "action": "SELL", "position_size": 12})).position_size,
        Some(12)
    );
    let err = |v| Alert::from_json(&body(v)).unwrap_err().to_string();
    assert_eq!(err(json!({"action": "BUY"})), "'symbol' is required");
    assert_eq!(
        err(json!({"symbol": "SBIN", "action": "SHORT"})),
        "action must be BUY or SELL, got 'SHORT'"
    );
    assert_eq!(
        err(json!({"symbol": "SBIN", "action": "BUY", "position_size": "ten"})),
        "position_size must be a number, got 'ten'"
    );
}

#[test]
fn long_enters_on_buy_and_flattens_on_sell_within_the_window() {
    let s = strategy(TradingMode::Long, intraday());
    match s
        .order_for(&alert(json!({"symbol": "SBIN", "action": "BUY"})), t(10, 0))
        .unwrap()
    {
        AlertOrder::Place(o) => {
            assert_eq!(
                (o.action(), o.quantity().get(), o.product()),
                (Action::Buy, 10, Product::Mis)
            );
            assert_eq!(o.strategy().as_str(), "tv_nifty breakout");
        }
        other => panic!("{other:?}"),
    }
    // An entry size in the alert wins over the mapped quantity.
    match s
        .order_for(
            &alert(json!({"symbol": "SBIN", "action": "BUY", "position_size": 3})),
            t(10, 0),
        )
        .unwrap()
    {
        AlertOrder::Place(o) => assert_eq!(o.quantity().get(), 3),
        other => panic!("{other:?}"),
    }
    match s
        .order_for(
            &alert(json!({"symbol": "SBIN", "action": "SELL"})),
            t(15, 0),
        )
        .unwrap()
    {
        AlertOrder::Smart(sm) => {
            assert_eq!(sm.position_size(), 0);
            assert_eq!(
                sm.decide(10),
                SmartDecision::Place {
                    action: Action::Sell,
                    quantity: 10
                }
            );
        }
        other => panic!("{other:?}"),
    }
    let refused = |a: Value, now| s.order_for(&alert(a), now).unwrap_err();
    assert!(matches!(
        refused(json!({"symbol": "SBIN", "action": "BUY"}), t(14, 30)),
        AlertError::OutsideEntryWindow { .. }
    ));
    assert!(matches!(
        refused(json!({"symbol": "SBIN", "action": "BUY"}), t(9, 29)),
        AlertError::OutsideEntryWindow { .. }
    ));
    assert!(matches!(
        refused(json!({"symbol": "SBIN", "action": "SELL"}), t(15, 10)),
        AlertError::OutsideExitWindow { .. }
    ));
    assert_eq!(
        refused(json!({"symbol": "INFY", "action": "BUY"}), t(10, 0)).to_string(),
        "Symbol INFY is not configured for this strategy"
    );
    let mut off = s.clone();
    off.active = false;
    assert_eq!(
        off.order_for(&alert(json!({"symbol": "SBIN", "action": "BUY"})), t(10, 0)),
        Err(AlertError::Inactive)
    );
}

#[test]
fn short_mirrors_long_and_positional_has_no_window() {
    let s = strategy(TradingMode::Short, Schedule::Positional);
    match s
        .order_for(
            &alert(json!({"symbol": "NIFTY30DEC26FUT", "action": "SELL"})),
            t(22, 0),
        )
        .unwrap()
    {
        AlertOrder::Place(o) => assert_eq!(
            (o.action(), o.quantity().get(), o.product()),
            (Action::Sell, 75, Product::Nrml)
        ),
        other => panic!("{other:?}"),
    }
    match s
        .order_for(
            &alert(json!({"symbol": "NIFTY30DEC26FUT", "action": "BUY"})),
            t(3, 0),
        )
        .unwrap()
    {
        AlertOrder::Smart(sm) => assert_eq!(
            sm.decide(-150),
            SmartDecision::Place {
                action: Action::Buy,
                quantity: 150
            }
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn both_sends_smart_orders_to_the_alerts_target() {
    let s = strategy(TradingMode::Both, intraday());
    let order = |a| s.order_for(&alert(a), t(11, 0));
    match order(json!({"symbol": "SBIN", "action": "SELL", "position_size": -20})).unwrap() {
        AlertOrder::Smart(sm) => {
            assert_eq!(sm.position_size(), -20);
            assert_eq!(
                sm.decide(10),
                SmartDecision::Place {
                    action: Action::Sell,
                    quantity: 30
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        order(json!({"symbol": "SBIN", "action": "BUY"})),
        Err(AlertError::PositionSizeRequired)
    );
    assert_eq!(
        order(json!({"symbol": "SBIN", "action": "BUY", "position_size": -1}))
            .unwrap_err()
            .to_string(),
        "BUY needs a position_size >= 0, got -1"
    );
    // position_size 0 is an exit: allowed after the end time, until the square-off.
    let late = s.order_for(
        &alert(json!({"symbol": "SBIN", "action": "SELL", "position_size": 0})),
        t(15, 5),
    );
    assert!(matches!(late, Ok(AlertOrder::Smart(_))));
    let late_entry = s.order_for(
        &alert(json!({"symbol": "SBIN", "action": "BUY", "position_size": 5})),
        t(15, 5),
    );
    assert!(matches!(
        late_entry,
        Err(AlertError::OutsideEntryWindow { .. })
    ));
    // The scheduled square-off flattens every mapping.
    let flat = s.square_off_orders().unwrap();
    assert_eq!(flat.len(), 2);
    assert!(
        flat.iter()
            .all(|o| matches!(o, AlertOrder::Smart(sm) if sm.position_size() == 0))
    );
}

#[test]
fn chartink_scans_map_stocks_and_actions() {
    let s = strategy(TradingMode::Long, intraday());
    let a = ChartinkAlert::from_json(&body(json!({
        "stocks": "SBIN, infy,NIFTY30DEC26FUT", "trigger_prices": "801.5,1500,abc",
        "scan_name": "Short term breakouts", "triggered_at": "10:05 am", "scan_url": "x", "alert_name": "y"
    })))
    .unwrap();
    assert_eq!(
        a.action,
        ScanAction::Short,
        "SHORT is tested after BUY and SELL"
    );
    assert_eq!(a.stocks, ["SBIN", "INFY", "NIFTY30DEC26FUT"]);
    assert_eq!(a.trigger_prices[0], Some(rust_decimal_macros::dec!(801.5)));
    assert_eq!(a.trigger_prices[2], None);
    let out = s.chartink_orders(&a, t(10, 5)).unwrap();
    assert_eq!(out.skipped, ["INFY"]);
    assert_eq!(out.orders.len(), 2);
    assert!(
        matches!(&out.orders[0].1, AlertOrder::Place(o) if o.action() == Action::Sell && o.quantity().get() == 10)
    );
    assert_eq!(
        ScanAction::from_scan_name("my buy list"),
        Some(ScanAction::Buy)
    );
    assert_eq!(
        ScanAction::from_scan_name("Sell signals"),
        Some(ScanAction::Sell)
    );
    assert_eq!(
        ScanAction::from_scan_name("cover shorts"),
        Some(ScanAction::Short),
        "SHORT comes before COVER"
    );
    assert_eq!(
        ScanAction::from_scan_name("recover"),
        Some(ScanAction::Cover)
    );
    assert!(
        ChartinkAlert::from_json(&body(json!({"stocks": "SBIN", "scan_name": "momentum"})))
            .is_err()
    );
    // Entries stop at the end time; exits run until the square-off.
    assert!(s.chartink_orders(&a, t(14, 45)).is_err());
    let cover =
        ChartinkAlert::from_json(&body(json!({"stocks": "SBIN", "scan_name": "Cover"}))).unwrap();
    let out = s.chartink_orders(&cover, t(14, 45)).unwrap();
    assert!(
        matches!(&out.orders[0].1, AlertOrder::Smart(sm) if sm.decide(-10) == SmartDecision::Place { action: Action::Buy, quantity: 10 })
    );
    assert!(s.chartink_orders(&cover, t(15, 10)).is_err());
}
