//! Instrument-master and symbol benchmarks (issue targets in `docs/performance.md`):
//! building a 150,000-instrument table, lookups, search, and symbol parsing.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use openalgo::core::instrument::SearchQuery;
use openalgo::core::testing::synthetic_market;
use openalgo::{Exchange, SymbolParts, SymbolTable};

const SIZE: usize = 150_000;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).expect("valid date")
}

fn table_build(c: &mut Criterion) {
    let records = synthetic_market(SIZE, today());
    let mut g = c.benchmark_group("symbol_table");
    g.sample_size(20);
    g.throughput(Throughput::Elements(SIZE as u64));
    g.bench_function("build_150k", |b| {
        b.iter_batched(
            || records.clone(),
            |r| black_box(SymbolTable::new(r)),
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

fn lookups(c: &mut Criterion) {
    let records = synthetic_market(SIZE, today());
    let keys: Vec<(String, Exchange, String)> = records
        .iter()
        .step_by(97)
        .map(|r| (r.symbol.to_string(), r.exchange, r.token.to_string()))
        .collect();
    let table = SymbolTable::new(records);
    let mut g = c.benchmark_group("lookup");
    let mut i = 0usize;
    g.bench_function("by_symbol_exchange", |b| {
        b.iter(|| {
            let (s, e, _) = &keys[i % keys.len()];
            i += 1;
            black_box(table.get(black_box(s), *e))
        });
    });
    g.bench_function("by_token", |b| {
        b.iter(|| {
            let (_, e, t) = &keys[i % keys.len()];
            i += 1;
            black_box(table.by_token(black_box(t), *e))
        });
    });
    g.bench_function("miss", |b| {
        b.iter(|| black_box(table.get(black_box("NOSUCHSYMBOL"), Exchange::Nse)));
    });
    g.finish();
}

fn search(c: &mut Criterion) {
    let table = SymbolTable::new(synthetic_market(SIZE, today()));
    let mut g = c.benchmark_group("search_150k");
    for (name, text) in [
        ("prefix_NIFTY", "NIFTY"),
        ("prefix_BANKN", "BANKN"),
        ("prefix_SBIN", "SBIN"),
        ("prefix_RELI", "RELI"),
        ("substring_INDUSTRIES", "INDUSTRIES"),
        ("two_terms_NIFTY_24000", "NIFTY 24000"),
        ("no_match", "ZZZZQQ"),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| black_box(table.search(&SearchQuery::new(black_box(text)))));
        });
    }
    g.bench_function("prefix_SBIN_on_NFO", |b| {
        b.iter(|| black_box(table.search(&SearchQuery::new("SBIN").on(Exchange::Nfo))));
    });
    g.finish();
}

fn parse(c: &mut Criterion) {
    let records = synthetic_market(20_000, today());
    let symbols: Vec<(String, Exchange)> = records
        .iter()
        .map(|r| (r.symbol.to_string(), r.exchange))
        .collect();
    let mut g = c.benchmark_group("symbol_parse");
    g.throughput(Throughput::Elements(symbols.len() as u64));
    g.bench_function("parse_for_exchange_mix", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (s, e) in &symbols {
                if SymbolParts::parse_for_exchange(black_box(s), *e).is_ok() {
                    n += 1;
                }
            }
            black_box(n)
        });
    });
    let options: Vec<&str> = symbols
        .iter()
        .map(|(s, _)| s.as_str())
        .filter(|s| s.ends_with("CE") || s.ends_with("PE"))
        .collect();
    g.throughput(Throughput::Elements(options.len() as u64));
    g.bench_function("parse_options", |b| {
        b.iter(|| {
            for s in &options {
                black_box(SymbolParts::parse(black_box(s)).ok());
            }
        });
    });
    g.finish();
}

criterion_group!(benches, table_build, lookups, search, parse);
criterion_main!(benches);
