use std::collections::HashMap;

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::{Action, Exchange, InstrumentKey, OrderRequest, Price, PriceType, Quantity, Symbol};

impl PriceType {
    const fn needs_price(self) -> bool {
        self.has_limit_price()
    }

    const fn needs_trigger(self) -> bool {
        self.has_trigger()
    }
}

const SECOND: u64 = 1_000_000_000;

fn key(symbol: &str, exchange: Exchange) -> InstrumentKey {
    InstrumentKey::new(Symbol::new(symbol).unwrap(), exchange)
}

fn order(
    symbol: &str,
    exchange: Exchange,
    qty: u64,
    price_type: PriceType,
    price: Decimal,
) -> OrderRequest {
    let mut d = OrderRequest::builder(key(symbol, exchange), Action::Buy, Quantity::new(qty));
    d.price_type = price_type;
    if price_type.needs_price() {
        d.price = Price::new(price);
    }
    if price_type.needs_trigger() {
        d.trigger_price = Price::new(price);
    }
    d.build().unwrap()
}

fn check(o: &OrderRequest) -> OrderCheck<'_> {
    OrderCheck {
        order: o,
        reference_price: None,
        exposure: None,
    }
}

fn at(h: u32, m: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 4)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

#[test]
fn the_kill_switch_refuses_everything_until_released() {
    let mut g = RiskGuard::new(RiskLimits::none()).unwrap();
    let o = order("SBIN", Exchange::Nse, 1, PriceType::Market, Decimal::ZERO);
    assert!(g.check(&check(&o), 0).is_ok());
    g.engage("desk says stop", at(10, 0));
    g.engage("second reason is ignored", at(10, 1));
    let err = g.check(&check(&o), 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Risk: kill switch is on (desk says stop); new orders are refused until it is released"
    );
    assert!(!err.is_rate_limit());
    assert_eq!(g.kill_switch().unwrap().since, at(10, 0));
    assert!(g.release());
    assert!(!g.release());
    assert!(g.check(&check(&o), 0).is_ok());
}

#[test]
fn quantity_and_value_limits_with_per_symbol_overrides() {
    let mut limits = RiskLimits::none();
    limits.max_order_quantity = Some(100);
    limits.max_order_value = Some(dec!(50000));
    limits.symbols.insert(
        key("IDEA", Exchange::Nse),
        SymbolLimits {
            max_order_quantity: Some(5000),
            max_order_value: None,
        },
    );
    let mut g = RiskGuard::new(limits).unwrap();
    let big = order("SBIN", Exchange::Nse, 101, PriceType::Limit, dec!(10));
    assert!(matches!(
        g.check(&check(&big), 0),
        Err(RiskViolation::QuantityAbove {
            quantity: 101,
            limit: 100,
            ..
        })
    ));
    let dear = order("SBIN", Exchange::Nse, 100, PriceType::Limit, dec!(500.05));
    let err = g.check(&check(&dear), 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Risk: order value 50005.00 for NSE:SBIN exceeds the max order value 50000"
    );
    let fine = order("SBIN", Exchange::Nse, 100, PriceType::Limit, dec!(500));
    assert!(g.check(&check(&fine), 0).is_ok());
    // The override raises the quantity limit for IDEA; the account-wide value limit still holds.
    let idea = order("IDEA", Exchange::Nse, 4000, PriceType::Limit, dec!(9.5));
    assert!(g.check(&check(&idea), 0).is_ok());
    let idea = order("IDEA", Exchange::Nse, 5001, PriceType::Limit, dec!(9.5));
    assert!(matches!(
        g.check(&check(&idea), 0),
        Err(RiskViolation::QuantityAbove { limit: 5000, .. })
    ));
    // SL-M is valued at its trigger; MARKET at the reference price, and refused without one.
    let slm = order("SBIN", Exchange::Nse, 100, PriceType::StopMarket, dec!(600));
    assert!(matches!(
        g.check(&check(&slm), 0),
        Err(RiskViolation::ValueAbove { .. })
    ));
    let market = order("SBIN", Exchange::Nse, 100, PriceType::Market, Decimal::ZERO);
    assert!(g.needs_reference_price(&market));
    assert!(matches!(
        g.check(&check(&market), 0),
        Err(RiskViolation::ValueUnknown { .. })
    ));
    let priced = OrderCheck {
        reference_price: Some(Price::new(dec!(499))),
        ..check(&market)
    };
    assert!(g.check(&priced, 0).is_ok());
    let priced = OrderCheck {
        reference_price: Some(Price::new(dec!(501))),
        ..check(&market)
    };
    assert!(matches!(
        g.check(&priced, 0),
        Err(RiskViolation::ValueAbove { .. })
    ));
}

#[test]
fn open_positions_limit_refuses_only_new_positions() {
    let mut limits = RiskLimits::none();
    limits.max_open_positions = Some(2);
    let mut g = RiskGuard::new(limits).unwrap();
    assert!(g.needs_exposure());
    let o = order("SBIN", Exchange::Nse, 1, PriceType::Market, Decimal::ZERO);
    let with = |open, opens| OrderCheck {
        exposure: Some(Exposure {
            open_positions: open,
            opens_position: opens,
        }),
        ..check(&o)
    };
    assert!(g.check(&with(1, true), 0).is_ok());
    assert!(g.check(&with(2, false), 0).is_ok());
    let err = g.check(&with(2, true), 0).unwrap_err();
    assert!(matches!(
        err,
        RiskViolation::TooManyPositions { open: 2, limit: 2 }
    ));
}

#[test]
fn the_throttle_caps_each_segment_separately() {
    let mut limits = RiskLimits::none();
    limits.orders_per_second = 10;
    let mut g = RiskGuard::new(limits).unwrap();
    let nse = order("SBIN", Exchange::Nse, 1, PriceType::Market, Decimal::ZERO);
    let nfo = order(
        "NIFTY30DEC26FUT",
        Exchange::Nfo,
        75,
        PriceType::Market,
        Decimal::ZERO,
    );
    let t0 = 5 * SECOND;
    for _ in 0..10 {
        g.check(&check(&nse), t0).unwrap();
    }
    let err = g.check(&check(&nse), t0 + SECOND / 4).unwrap_err();
    assert!(err.is_rate_limit());
    assert_eq!(
        err.to_string(),
        "Risk: orders-per-second cap of 10/s on NSE reached; retry in 750 ms"
    );
    // Another segment has its own bucket; a refused order took no token.
    g.check(&check(&nfo), t0).unwrap();
    assert!(g.check(&check(&nse), t0 + SECOND - 1).is_err());
    // All ten tokens taken at t0 are back one second later.
    for _ in 0..10 {
        g.check(&check(&nse), t0 + SECOND).unwrap();
    }
    assert!(g.check(&check(&nse), t0 + SECOND).is_err());
    // A kill-switch refusal does not consume the bucket either.
    g.engage("x", at(9, 30));
    assert!(g.check(&check(&nse), t0 + 3 * SECOND).is_err());
    g.release();
    for _ in 0..10 {
        g.check(&check(&nse), t0 + 3 * SECOND).unwrap();
    }
}

#[test]
fn max_daily_loss_trips_the_switch_once() {
    let mut limits = RiskLimits::none();
    limits.max_daily_loss = Some(dec!(5000));
    let mut g = RiskGuard::new(limits).unwrap();
    assert!(!g.observe_pnl(dec!(-4999.99), at(11, 0)));
    assert!(g.kill_switch().is_none());
    assert!(g.observe_pnl(dec!(-5000), at(11, 5)));
    assert!(!g.observe_pnl(dec!(-9000), at(11, 6)));
    let k = g.kill_switch().unwrap();
    assert!(k.automatic && k.since == at(11, 5));
    assert_eq!(
        k.reason,
        "max daily loss 5000 reached: the day's P&L is -5000"
    );
}

#[test]
fn limits_are_validated_and_state_round_trips_through_json() {
    let fast = RiskLimits {
        orders_per_second: 100_000,
        ..RiskLimits::none()
    };
    assert_eq!(RiskGuard::new(fast).unwrap_err(), LimitsError::RateTooHigh);
    let mut bad = RiskLimits::none();
    bad.max_order_value = Some(Decimal::ZERO);
    assert_eq!(
        RiskGuard::new(bad).unwrap_err().to_string(),
        "max_order_value must be greater than 0 (leave it empty to turn the rule off)"
    );
    let mut limits = RiskLimits {
        max_daily_loss: Some(dec!(2500.50)),
        flatten_on_kill: true,
        ..RiskLimits::default()
    };
    let mut symbols = HashMap::new();
    symbols.insert(
        key("NIFTY30DEC26FUT", Exchange::Nfo),
        SymbolLimits {
            max_order_quantity: Some(750),
            max_order_value: None,
        },
    );
    limits.symbols = symbols;
    let mut g = RiskGuard::new(limits).unwrap();
    g.engage("lunch", at(13, 0));
    let json = serde_json::to_string(&g.state()).unwrap();
    let back: RiskState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, g.state());
    let mut restored = RiskGuard::restore(back).unwrap();
    assert_eq!(restored.limits().orders_per_second, 10);
    assert!(restored.kill_switch().is_some());
    let mut changed = restored.limits().clone();
    changed.max_open_positions = Some(0);
    assert!(restored.set_limits(changed).is_err());
    assert_eq!(restored.limits().max_open_positions, None);
}

proptest! {
    /// No rolling one-second window ever holds more than `rate` allowed orders, and an order
    /// is refused only when `rate` orders were allowed in the second before it.
    #[test]
    fn throttle_never_exceeds_its_rate(rate in 1u32..50, gaps in proptest::collection::vec(0u64..(SECOND / 5), 1..400)) {
        let mut t = SegmentThrottle::new(rate);
        let mut now = 0u64;
        let mut allowed: Vec<u64> = Vec::new();
        for gap in gaps {
            now += gap;
            let recent = allowed.iter().filter(|&&x| x + SECOND > now).count();
            let ok = t.try_acquire(Exchange::Nse, now);
            prop_assert_eq!(ok, recent < rate as usize);
            if ok {
                allowed.push(now);
            }
        }
        // Over any window [a, a + 1 s), at most `rate` orders (burst is one second's worth).
        for (i, &start) in allowed.iter().enumerate() {
            let within = allowed[i..].iter().take_while(|&&x| x < start + SECOND).count();
            prop_assert!(within <= rate as usize, "{} orders within a second at rate {}", within, rate);
        }
    }
}
