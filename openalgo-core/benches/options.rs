//! Option analytics benchmarks (figures in `docs/performance.md`): one implied-volatility
//! solve, IV plus Greeks for a 200-strike chain, and option-symbol resolution over a
//! 150,000-row master.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use openalgo_core::options::{
    Contract, Model, Offset, OptionQuery, StrikeLadders, option_chain, resolve,
};
use openalgo_core::symbol::{BrokerSymbol, ExpiryDate, Strike, SymbolParts};
use openalgo_core::{Exchange, Instrument, InstrumentToken, InstrumentType, OptionType, Price};
use rust_decimal::Decimal;

fn iv_solve(c: &mut Criterion) {
    let model = Model::Black76;
    let contract = Contract {
        option_type: OptionType::Call,
        underlying: 24_000.0,
        strike: 24_300.0,
        years: 9.5 / 365.0,
        rate: 0.065,
    };
    let price = model.price(&contract, 0.145).unwrap_or(0.0);
    c.bench_function("options/iv_solve_black76", |b| {
        b.iter(|| model.implied_volatility(black_box(&contract), black_box(price)));
    });
}

fn chain_greeks(c: &mut Criterion) {
    let model = Model::Black76;
    let forward = 24_037.5;
    // 200 strikes, 100 calls below/above ATM each way: 50-point steps, a volatility smile.
    let legs: Vec<(Contract, f64)> = (0..200)
        .map(|i| {
            let strike = 19_050.0 + 50.0 * f64::from(i);
            let option_type = if strike < forward {
                OptionType::Put
            } else {
                OptionType::Call
            };
            let contract = Contract {
                option_type,
                underlying: forward,
                strike,
                years: 9.5 / 365.0,
                rate: 0.065,
            };
            let m = (strike / forward).ln();
            let sigma = 0.13 + 0.8 * m * m;
            (contract, model.price(&contract, sigma).unwrap_or(0.0))
        })
        .collect();
    c.bench_function("options/chain_200_iv_and_greeks", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for (contract, price) in &legs {
                if let Ok(iv) = model.implied_volatility(contract, *price)
                    && let Ok(g) = model.greeks(contract, iv)
                {
                    acc += g.delta + g.gamma + g.theta + g.vega + g.rho;
                }
            }
            black_box(acc)
        });
    });
    c.bench_function("options/chain_200_greeks_only", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for (contract, _) in &legs {
                if let Ok(g) = model.greeks(black_box(contract), 0.15) {
                    acc += g.delta + g.gamma + g.theta + g.vega + g.rho;
                }
            }
            black_box(acc)
        });
    });
}

/// 150,000 option rows: 250 underlyings × 6 expiries × 50 strikes × CE/PE, NIFTY first with
/// strikes 22,800–25,250 step 50.
fn master() -> Vec<Instrument> {
    let mut out = Vec::with_capacity(150_000);
    let expiries: Vec<ExpiryDate> = (0..6)
        .filter_map(|w| {
            NaiveDate::from_ymd_opt(2026, 8, 6)
                .and_then(|d| d.checked_add_days(chrono::Days::new(7 * w)))
                .and_then(ExpiryDate::new)
        })
        .collect();
    let names: Vec<String> = std::iter::once("NIFTY".to_owned())
        .chain((1..250).map(|i| format!("STOCK{i}")))
        .collect();
    for name in &names {
        for &expiry in &expiries {
            for k in 0..50 {
                let Some(strike) = Strike::new(Decimal::from(22_800 + 50 * k)) else {
                    continue;
                };
                for option_type in [OptionType::Call, OptionType::Put] {
                    let parts = SymbolParts::Option {
                        underlying: name,
                        expiry,
                        strike,
                        option_type,
                    };
                    let (Ok(symbol), Ok(broker_symbol), Ok(token)) = (
                        parts.to_symbol(),
                        BrokerSymbol::new(format!("{parts}-BR")),
                        InstrumentToken::new(out.len().to_string()),
                    ) else {
                        continue;
                    };
                    out.push(Instrument {
                        symbol,
                        broker_symbol,
                        name: name.clone(),
                        exchange: Exchange::Nfo,
                        broker_exchange: "NFO".to_owned(),
                        token,
                        expiry: Some(expiry),
                        strike: Some(strike),
                        lot_size: 75,
                        instrument_type: if option_type == OptionType::Call {
                            InstrumentType::Call
                        } else {
                            InstrumentType::Put
                        },
                        tick_size: Price::from_paise(5),
                    });
                }
            }
        }
    }
    out
}

fn resolution(c: &mut Criterion) {
    let table = openalgo_core::SymbolTable::new(master());
    let mut g = c.benchmark_group("options_resolution");
    g.sample_size(20);
    g.bench_function("build_ladders_150k", |b| {
        b.iter(|| black_box(StrikeLadders::build(&table)));
    });
    g.finish();
    let ladders = StrikeLadders::build(&table);
    let Some(expiry) = ExpiryDate::from_ymd(2026, 8, 20) else {
        return;
    };
    let query = OptionQuery {
        underlying: "NIFTY",
        exchange: Exchange::NseIndex,
        expiry,
        offset: Offset::Itm(3),
        option_type: OptionType::Call,
        ltp: Decimal::new(2_403_750, 2),
        strike_interval: None,
    };
    // The benchmarked paths are the successful ones.
    let resolved = resolve(&table, &ladders, &query).map(|r| r.instrument.symbol.to_string());
    assert_eq!(resolved.as_deref(), Ok("NIFTY20AUG2623900CE"));
    let rows = option_chain(
        &table,
        &ladders,
        "NIFTY",
        Exchange::Nfo,
        expiry,
        query.ltp,
        Some(10),
    )
    .map(|c| c.rows.len());
    assert_eq!(rows, Ok(21));
    c.bench_function("options_resolution/resolve_itm3", |b| {
        b.iter(|| resolve(&table, &ladders, black_box(&query)).is_ok());
    });
    c.bench_function("options_resolution/chain_10_each_side", |b| {
        b.iter(|| {
            option_chain(
                &table,
                &ladders,
                "NIFTY",
                Exchange::Nfo,
                expiry,
                black_box(query.ltp),
                Some(10),
            )
            .map(|c| c.rows.len())
        });
    });
}

criterion_group!(benches, iv_solve, chain_greeks, resolution);
criterion_main!(benches);
