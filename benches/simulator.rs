//! Simulator benchmarks (targets in `docs/performance.md`): tick generation for 1,000
//! subscribed symbols, quotes and history.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use openalgo::brokers::simulator::{SimConfig, SimMarket, TickCache};
use openalgo::{Exchange, HistoryRequest, InstrumentKey, Interval, Symbol};

fn market() -> SimMarket {
    SimMarket::new(SimConfig::new(
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
    ))
}

/// 10:00:00 IST on 2026-11-24, in epoch milliseconds.
const T0: i64 = 1_795_494_600_000;

fn ticks(c: &mut Criterion) {
    let m = market();
    let all: Vec<InstrumentKey> = m
        .instruments()
        .map(|i| InstrumentKey::new(i.symbol.clone(), i.exchange))
        .collect();
    let keys: Vec<InstrumentKey> = all.iter().cycle().take(1_000).cloned().collect();
    let resolved = m.resolve(&keys).expect("known keys");
    let mut g = c.benchmark_group("simulator");
    g.throughput(Throughput::Elements(1_000));
    let mut cache = TickCache::default();
    let mut out = Vec::with_capacity(1_000);
    let mut second = 0i64;
    g.bench_function("ltp_ticks_1000_symbols", |b| {
        b.iter(|| {
            out.clear();
            second += 1;
            m.ltp_ticks(&resolved, T0 + second * 1_000, &mut cache, &mut out);
            black_box(out.len())
        });
    });
    let equities: Vec<(usize, InstrumentKey)> = resolved
        .iter()
        .filter(|(_, k)| k.exchange == Exchange::Nse)
        .cloned()
        .collect();
    g.throughput(Throughput::Elements(equities.len() as u64));
    g.bench_function("ltp_ticks_equities", |b| {
        b.iter(|| {
            out.clear();
            second += 1;
            m.ltp_ticks(&equities, T0 + second * 1_000, &mut cache, &mut out);
            black_box(out.len())
        });
    });
    g.finish();
}

fn quotes_and_history(c: &mut Criterion) {
    let m = market();
    let sbin = InstrumentKey::new(Symbol::new("SBIN").expect("symbol"), Exchange::Nse);
    let mut g = c.benchmark_group("simulator_data");
    let mut second = 0i64;
    g.bench_function("quote_warm", |b| {
        b.iter(|| {
            second += 1;
            black_box(m.quote(&sbin, T0 + second * 1_000).expect("quote"))
        });
    });
    let year = HistoryRequest::new(
        sbin.clone(),
        Interval::Day,
        NaiveDate::from_ymd_opt(2025, 11, 24).expect("date"),
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
    )
    .expect("range");
    g.sample_size(10);
    g.bench_function("history_1y_daily", |b| {
        b.iter(|| black_box(m.history(&year).expect("history")))
    });
    let day = HistoryRequest::new(
        sbin,
        Interval::M1,
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
        NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
    )
    .expect("range");
    g.bench_function("history_1d_1m", |b| {
        b.iter(|| black_box(m.history(&day).expect("history")))
    });
    g.finish();
}

criterion_group!(benches, ticks, quotes_and_history);
criterion_main!(benches);
