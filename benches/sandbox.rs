//! Paper-trading engine benchmarks (targets in `docs/performance.md`): place + fill throughput
//! and the cost of a tick on an instrument with 10,000 resting orders.

use std::hint::black_box;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use openalgo::core::sandbox::{MarketSnapshot, SandboxConfig, SandboxEngine};
use openalgo::core::testing::instrument;
use openalgo::{
    Action, Exchange, InstrumentKey, OrderRequest, Price, PriceType, Quantity, Symbol, SymbolTable,
};
use rust_decimal::Decimal;

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 1, 6)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("valid time")
}

fn engine() -> SandboxEngine {
    let table = Arc::new(SymbolTable::new(vec![instrument(
        "SBIN",
        Exchange::Nse,
        "3045",
        1,
    )]));
    let config = SandboxConfig {
        starting_capital: Decimal::from(1_000_000_000_000_i64),
        ..SandboxConfig::default()
    };
    SandboxEngine::new(config, table, now())
}

fn key() -> InstrumentKey {
    InstrumentKey::new(Symbol::new("SBIN").expect("symbol"), Exchange::Nse)
}

fn order(action: Action, price_type: PriceType, price: Price) -> OrderRequest {
    let mut d = OrderRequest::builder(key(), action, Quantity::new(10));
    d.price_type = price_type;
    d.price = price;
    d.build().expect("valid order")
}

fn place_and_fill(c: &mut Criterion) {
    let buy = order(Action::Buy, PriceType::Market, Price::ZERO);
    let sell = order(Action::Sell, PriceType::Market, Price::ZERO);
    let quote = MarketSnapshot {
        ltp: Price::from_paise(80_000),
        bid: Some(Price::from_paise(79_995)),
        ask: Some(Price::from_paise(80_005)),
        day_range: None,
    };
    let mut g = c.benchmark_group("sandbox");
    // Each iteration places and fills 2 orders: 4 order lifecycle events (accepted, filled).
    g.throughput(Throughput::Elements(4));
    let mut e = engine();
    g.bench_function("market_round_trip", |b| {
        b.iter(|| {
            black_box(e.place(&buy, Some(quote), now()).ok());
            black_box(e.place(&sell, Some(quote), now()).ok());
            if e.pending_events() > 1_024 {
                e.clear_events();
            }
        });
    });
    g.finish();
}

fn tick_with_resting_orders(c: &mut Criterion) {
    // 10,000 resting buy limits from 700.00 down in 0.05 steps, all below the market at 800.
    let mut base = engine();
    let market = MarketSnapshot::ltp(Price::from_paise(80_000));
    for i in 0..10_000i64 {
        let limit = order(
            Action::Buy,
            PriceType::Limit,
            Price::from_paise(70_000 - i * 5),
        );
        base.place(&limit, Some(market), now()).expect("placed");
    }
    base.clear_events();
    let mut g = c.benchmark_group("sandbox_tick_10k_resting");
    let mut e = base.clone();
    let mut up = false;
    g.bench_function("tick_no_fill", |b| {
        b.iter(|| {
            up = !up;
            let ltp = Price::from_paise(if up { 80_005 } else { 79_995 });
            e.on_price(&key(), MarketSnapshot::ltp(ltp), now());
        });
    });
    g.bench_function("tick_filling_10", |b| {
        b.iter_batched(
            || base.clone(),
            |mut e| {
                // Reaches the ten highest limits (700.00 .. 699.55).
                e.on_price(
                    &key(),
                    MarketSnapshot::ltp(Price::from_paise(69_955)),
                    now(),
                );
                e
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

/// Placing and cancelling one order (with the time-driven checks the server runs before every
/// command) costs the same with 0 or 100,000 working orders.
fn place_cancel_with_working_orders(c: &mut Criterion) {
    let market = MarketSnapshot::ltp(Price::from_paise(80_000));
    let mut g = c.benchmark_group("sandbox_place_cancel");
    for working in [0i64, 100_000] {
        let mut e = engine();
        // A long position, so the probe (a sell) reduces it and the margin check counts the
        // units other working sells already reduce.
        let buy = order(Action::Buy, PriceType::Market, Price::ZERO);
        e.place(&buy, Some(market), now()).expect("bought");
        for i in 0..working {
            let limit = order(
                Action::Buy,
                PriceType::Limit,
                Price::from_paise(100 + 5 * (i % 5_000)),
            );
            e.place(&limit, Some(market), now()).expect("placed");
            if e.pending_events() > 1_024 {
                e.clear_events();
            }
        }
        e.clear_events();
        let probe = order(Action::Sell, PriceType::Limit, Price::from_paise(90_000));
        g.bench_function(criterion::BenchmarkId::new("with_working", working), |b| {
            b.iter(|| {
                e.advance(now());
                let id = e.place(&probe, Some(market), now()).expect("placed");
                e.advance(now());
                black_box(e.cancel(&id, now()).expect("cancelled"));
                if e.pending_events() > 1_024 {
                    e.clear_events();
                }
            });
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    place_and_fill,
    tick_with_resting_orders,
    place_cancel_with_working_orders
);
criterion_main!(benches);
