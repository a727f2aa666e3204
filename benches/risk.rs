//! Risk engine benchmarks (targets in `docs/performance.md`): the pre-trade check with every
//! rule on, alone and as the order service runs it (`RiskGate::admit`) on the simulator's paper
//! account holding 10,000 resting orders and 20 open positions — the rules that need the
//! account read its position book and a quote then.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use openalgo::brokers::simulator::{SimConfig, SimMarket, simulator};
use openalgo::core::clock::{Clock, ManualClock};
use openalgo::core::risk::{
    Exposure, OrderCheck, RiskGate, RiskGuard, RiskLimits, limits::MAX_ORDERS_PER_SECOND,
};
use openalgo::core::sandbox::SandboxConfig;
use openalgo::{
    Action, Broker, Exchange, InstrumentKey, OrderRequest, Price, PriceType, Quantity, Symbol,
};
use rust_decimal::Decimal;

fn key(symbol: &str) -> InstrumentKey {
    InstrumentKey::new(Symbol::new(symbol).expect("symbol"), Exchange::Nse)
}

fn market_order(symbol: &str, qty: u64) -> OrderRequest {
    OrderRequest::builder(key(symbol), Action::Buy, Quantity::new(qty))
        .build()
        .expect("order")
}

fn limits() -> RiskLimits {
    RiskLimits {
        max_daily_loss: Some(Decimal::from(1_000_000)),
        max_order_quantity: Some(1_000_000),
        max_order_value: Some(Decimal::from(1_000_000_000)),
        max_open_positions: Some(1_000),
        orders_per_second: MAX_ORDERS_PER_SECOND,
        ..RiskLimits::none()
    }
}

fn guard(c: &mut Criterion) {
    let mut g = RiskGuard::new(limits()).expect("limits");
    let order = market_order("SBIN", 10);
    let check = OrderCheck {
        order: &order,
        reference_price: Some(Price::new(Decimal::from(800))),
        exposure: Some(Exposure {
            open_positions: 20,
            opens_position: false,
        }),
    };
    // Twenty microseconds apart (50,000 a second, under the cap): the throttle always has a
    // token.
    let mut now = 0u64;
    c.bench_function("risk/guard_check_all_rules", |b| {
        b.iter(|| {
            now += 20_000;
            black_box(g.check(black_box(&check), now)).expect("allowed");
        });
    });
}

fn gate_on_paper(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let day = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::at_ist(
        day.and_hms_opt(10, 0, 0).expect("time"),
    ));
    let market = Arc::new(SimMarket::new(SimConfig::new(day)));
    let config = SandboxConfig {
        starting_capital: Decimal::from(1_000_000_000_000_i64),
        ..SandboxConfig::default()
    };
    let paper = simulator(Arc::clone(&market), config, Arc::clone(&clock));
    let equities: Vec<String> = market
        .instruments()
        .filter(|i| i.exchange == Exchange::Nse)
        .map(|i| i.symbol.as_str().to_owned())
        .take(20)
        .collect();
    rt.block_on(async {
        for s in &equities {
            paper
                .place_order(&market_order(s, 1))
                .await
                .expect("position");
        }
        // 10,000 resting LIMIT buys far below the market.
        for i in 0..10_000u64 {
            let mut d = OrderRequest::builder(
                key(&equities[(i % 20) as usize]),
                Action::Buy,
                Quantity::new(1),
            );
            d.price_type = PriceType::Limit;
            d.price = Price::new(Decimal::ONE);
            paper
                .place_order(&d.build().expect("order"))
                .await
                .expect("resting");
        }
    });
    let nanos = Arc::new(AtomicU64::new(0));
    let time = Arc::clone(&nanos);
    let gate = RiskGate::new(
        RiskGuard::new(limits()).expect("limits"),
        Arc::new(move || time.fetch_add(20_000, Ordering::Relaxed)),
    );
    let broker: &dyn Broker = &paper;
    let market_buy = market_order(&equities[0], 1);
    let mut limit_buy = OrderRequest::builder(key(&equities[0]), Action::Buy, Quantity::new(1));
    limit_buy.price_type = PriceType::Limit;
    limit_buy.price = Price::new(Decimal::from(100));
    let limit_buy = limit_buy.build().expect("order");
    let mut g = c.benchmark_group("risk");
    g.bench_function("gate_admit_market_10k_resting_20_positions", |b| {
        b.iter(|| {
            rt.block_on(gate.admit(black_box(&market_buy), broker))
                .expect("allowed")
        });
    });
    g.bench_function("gate_admit_limit_10k_resting_20_positions", |b| {
        b.iter(|| {
            rt.block_on(gate.admit(black_box(&limit_buy), broker))
                .expect("allowed")
        });
    });
    let throttle_only = RiskGate::new(
        RiskGuard::new(RiskLimits::default()).expect("limits"),
        Arc::new(move || nanos.fetch_add(1_000_000_000, Ordering::Relaxed)),
    );
    g.bench_function("gate_admit_default_live_rules", |b| {
        b.iter(|| {
            rt.block_on(throttle_only.admit(black_box(&market_buy), broker))
                .expect("allowed")
        });
    });
    g.finish();
}

criterion_group!(benches, guard, gate_on_paper);
criterion_main!(benches);
