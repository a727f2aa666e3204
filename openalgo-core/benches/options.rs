//! Option analytics benchmarks (figures in `docs/performance.md`): one implied-volatility
//! solve, and IV plus Greeks for a 200-strike chain.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use openalgo_core::OptionType;
use openalgo_core::options::{Contract, Model};

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
                if let Ok(iv) = model.implied_volatility(contract, *price) {
                    if let Ok(g) = model.greeks(contract, iv) {
                        acc += g.delta + g.gamma + g.theta + g.vega + g.rho;
                    }
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

criterion_group!(benches, iv_solve, chain_greeks);
criterion_main!(benches);
