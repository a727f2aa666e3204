//! Properties of the models (put-call parity, Greeks against finite differences) and the
//! option-symbol resolution rules.

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::instrument::SymbolTable;
use crate::symbol::{ExpiryDate, Strike};
use crate::testing::instrument;
use crate::{Exchange, OptionType};

fn models(q: f64) -> [Model; 2] {
    [Model::Black76, Model::BlackScholes { dividend_yield: q }]
}

fn contract(option_type: OptionType, s: f64, k: f64, t: f64, r: f64) -> Contract {
    Contract {
        option_type,
        underlying: s,
        strike: k,
        years: t,
        rate: r,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// C − P = e^{−rT}(F − K) for Black-76 and S e^{−qT} − K e^{−rT} for Black–Scholes.
    #[test]
    fn put_call_parity(
        s in 1.0f64..100_000.0,
        moneyness in 0.5f64..2.0,
        t in 0.001f64..5.0,
        r in -0.02f64..0.15,
        q in 0.0f64..0.08,
        sigma in 0.01f64..3.0,
    ) {
        let k = s * moneyness;
        for model in models(q) {
            let c = model.price(&contract(OptionType::Call, s, k, t, r), sigma).unwrap();
            let p = model.price(&contract(OptionType::Put, s, k, t, r), sigma).unwrap();
            let parity = match model {
                Model::Black76 => (-r * t).exp() * (s - k),
                Model::BlackScholes { dividend_yield } => {
                    s * (-dividend_yield * t).exp() - k * (-r * t).exp()
                }
            };
            let scale = s.max(k);
            prop_assert!(((c - p) - parity).abs() <= 1e-12 * scale,
                "{model:?}: C−P = {} vs {parity}", c - p);
            prop_assert!(c >= 0.0 && p >= 0.0);
        }
    }

    /// Delta, gamma, vega, theta and rho agree with central differences of the price.
    #[test]
    fn greeks_match_finite_differences(
        s in 50.0f64..50_000.0,
        moneyness in 0.7f64..1.4,
        t in 0.02f64..3.0,
        r in 0.0f64..0.12,
        q in 0.0f64..0.06,
        sigma in 0.05f64..1.2,
        call in any::<bool>(),
    ) {
        let ot = if call { OptionType::Call } else { OptionType::Put };
        let k = s * moneyness;
        for model in models(q) {
            let c = contract(ot, s, k, t, r);
            let g = model.greeks(&c, sigma).unwrap();
            let price = |c: &Contract, v: f64| model.price(c, v).unwrap();
            let hs = s * 1e-4;
            let up = Contract { underlying: s + hs, ..c };
            let dn = Contract { underlying: s - hs, ..c };
            let delta = (price(&up, sigma) - price(&dn, sigma)) / (2.0 * hs);
            // Gamma against the central difference of the (analytic) delta: a second difference
            // of the price loses too many digits for narrow, short-dated options.
            let hg = s * 1e-6;
            let delta_at = |x: f64| model.greeks(&Contract { underlying: x, ..c }, sigma).unwrap().delta;
            let gamma = (delta_at(s + hg) - delta_at(s - hg)) / (2.0 * hg);
            let hv = 1e-5;
            let vega = (price(&c, sigma + hv) - price(&c, sigma - hv)) / (2.0 * hv) / 100.0;
            let ht = 1e-6;
            let later = Contract { years: t - ht, ..c };
            let earlier = Contract { years: t + ht, ..c };
            let theta = (price(&later, sigma) - price(&earlier, sigma)) / (2.0 * ht) / 365.0;
            let hr = 1e-6;
            let rho = (price(&Contract { rate: r + hr, ..c }, sigma)
                - price(&Contract { rate: r - hr, ..c }, sigma)) / (2.0 * hr) / 100.0;
            let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-5 * scale.max(b.abs());
            prop_assert!(close(g.delta, delta, 1.0), "{model:?} delta {} vs {delta}", g.delta);
            prop_assert!(close(g.gamma, gamma, 1e-2 / s), "{model:?} gamma {} vs {gamma}", g.gamma);
            prop_assert!(close(g.vega, vega, s * 1e-2), "{model:?} vega {} vs {vega}", g.vega);
            prop_assert!(close(g.theta, theta, s * 1e-3), "{model:?} theta {} vs {theta}", g.theta);
            prop_assert!(close(g.rho, rho, s * 1e-2), "{model:?} rho {} vs {rho}", g.rho);
        }
    }

    /// Price → IV → price is the identity wherever the price carries volatility information.
    #[test]
    fn iv_round_trip(
        s in 10.0f64..50_000.0,
        moneyness in 0.6f64..1.6,
        t in 0.002f64..4.0,
        r in 0.0f64..0.12,
        sigma in 0.02f64..2.5,
        call in any::<bool>(),
    ) {
        let ot = if call { OptionType::Call } else { OptionType::Put };
        let c = contract(ot, s, s * moneyness, t, r);
        for model in models(0.02) {
            let price = model.price(&c, sigma).unwrap();
            let b = model.bounds(&c).unwrap();
            prop_assume!(price - b.lower > 1e-8 * b.upper && b.upper - price > 1e-8 * b.upper);
            let iv = model.implied_volatility(&c, price).unwrap();
            let back = model.price(&c, iv).unwrap();
            prop_assert!((back - price).abs() <= 1e-10 * b.upper, "{price} → {iv} → {back}");
        }
    }

    /// No input makes the models panic.
    #[test]
    fn never_panics(
        s in prop::num::f64::ANY,
        k in prop::num::f64::ANY,
        t in prop::num::f64::ANY,
        r in prop::num::f64::ANY,
        v in prop::num::f64::ANY,
        price in prop::num::f64::ANY,
    ) {
        for model in models(0.01) {
            for ot in [OptionType::Call, OptionType::Put] {
                let c = contract(ot, s, k, t, r);
                let _ = model.price(&c, v);
                let _ = model.greeks(&c, v);
                let _ = model.bounds(&c);
                if let Ok(iv) = model.implied_volatility(&c, price) {
                    prop_assert!(iv.is_finite() && iv > 0.0);
                }
            }
        }
    }
}

fn expiry() -> ExpiryDate {
    ExpiryDate::from_ymd(2026, 8, 25).unwrap()
}

/// NIFTY calls at 24000..=24500 step 100, puts at 24100..=24500 (a put ladder shorter than the
/// call ladder), SBIN calls and puts at 800..=840 step 10, and the index and equity rows.
fn table() -> SymbolTable {
    let mut rows = vec![
        instrument("NIFTY", Exchange::NseIndex, "1", 1),
        instrument("SBIN", Exchange::Nse, "2", 1),
    ];
    let mut token = 100;
    let mut add = |sym: String, exchange, lot| {
        token += 1;
        rows.push(instrument(&sym, exchange, &token.to_string(), lot));
    };
    for k in (24_000..=24_500).step_by(100) {
        add(format!("NIFTY25AUG26{k}CE"), Exchange::Nfo, 75);
        if k >= 24_100 {
            add(format!("NIFTY25AUG26{k}PE"), Exchange::Nfo, 75);
        }
    }
    for k in (800..=840).step_by(10) {
        add(format!("SBIN25AUG26{k}CE"), Exchange::Nfo, 750);
        add(format!("SBIN25AUG26{k}PE"), Exchange::Nfo, 750);
    }
    // Same names on BSE's derivatives segment must not leak into NFO ladders.
    add("NIFTY25AUG2699999CE".to_owned(), Exchange::Bfo, 20);
    SymbolTable::new(rows)
}

fn query<'a>(
    underlying: &'a str,
    exchange: Exchange,
    offset: &str,
    ot: OptionType,
    ltp: Decimal,
) -> OptionQuery<'a> {
    OptionQuery {
        underlying,
        exchange,
        expiry: expiry(),
        offset: offset.parse().unwrap(),
        option_type: ot,
        ltp,
        strike_interval: None,
    }
}

#[test]
fn ladders_are_sorted_and_split_by_type_and_exchange() {
    let t = table();
    let l = StrikeLadders::build(&t);
    let calls: Vec<String> = l
        .strikes("NIFTY", Exchange::Nfo, expiry(), OptionType::Call)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        calls,
        ["24000", "24100", "24200", "24300", "24400", "24500"]
    );
    assert_eq!(
        l.strikes("NIFTY", Exchange::Nfo, expiry(), OptionType::Put)
            .len(),
        5
    );
    assert_eq!(
        l.strikes("NIFTY", Exchange::Bfo, expiry(), OptionType::Call)
            .len(),
        1
    );
    assert!(
        l.strikes(
            "NIFTY",
            Exchange::Nfo,
            ExpiryDate::from_ymd(2026, 9, 1).unwrap(),
            OptionType::Call
        )
        .is_empty()
    );
}

#[test]
fn atm_is_the_nearest_listed_strike_ties_to_the_lower() {
    let s = |v: &[i64]| {
        v.iter()
            .map(|&k| Strike::new(Decimal::from(k)).unwrap())
            .collect::<Vec<_>>()
    };
    let ladder = s(&[100, 200, 300]);
    assert_eq!(atm_index(&ladder, dec!(149.99)), Some(0));
    assert_eq!(atm_index(&ladder, dec!(150)), Some(0)); // tie → lower
    assert_eq!(atm_index(&ladder, dec!(150.01)), Some(1));
    assert_eq!(atm_index(&ladder, dec!(250)), Some(1)); // tie → lower
    assert_eq!(atm_index(&ladder, dec!(5)), Some(0));
    assert_eq!(atm_index(&ladder, dec!(1000)), Some(2));
    assert_eq!(atm_index(&ladder, dec!(200)), Some(1));
    assert_eq!(atm_index(&[], dec!(200)), None);
}

#[test]
fn itm_and_otm_step_the_right_way() {
    let t = table();
    let l = StrikeLadders::build(&t);
    let sym = |u, e, o, ot, ltp| {
        resolve(&t, &l, &query(u, e, o, ot, ltp)).map(|r| r.instrument.symbol.to_string())
    };
    let ltp = dec!(24_260);
    // ATM 24300 (nearest); CE ITM below, OTM above.
    assert_eq!(
        sym("NIFTY", Exchange::NseIndex, "ATM", OptionType::Call, ltp).unwrap(),
        "NIFTY25AUG2624300CE"
    );
    assert_eq!(
        sym("NIFTY", Exchange::NseIndex, "ITM2", OptionType::Call, ltp).unwrap(),
        "NIFTY25AUG2624100CE"
    );
    assert_eq!(
        sym("NIFTY", Exchange::NseIndex, "OTM2", OptionType::Call, ltp).unwrap(),
        "NIFTY25AUG2624500CE"
    );
    // PE ITM above, OTM below; the NFO spelling of the exchange resolves the same way.
    assert_eq!(
        sym("NIFTY", Exchange::Nfo, "itm1", OptionType::Put, ltp).unwrap(),
        "NIFTY25AUG2624400PE"
    );
    assert_eq!(
        sym("NIFTY", Exchange::Nfo, "OTM2", OptionType::Put, ltp).unwrap(),
        "NIFTY25AUG2624100PE"
    );
    // Out of the ladder on either side.
    assert_eq!(
        sym("NIFTY", Exchange::NseIndex, "OTM3", OptionType::Call, ltp),
        Err(ResolveError::OffsetOutOfRange {
            offset: "OTM3".into()
        })
    );
    assert_eq!(
        sym("NIFTY", Exchange::NseIndex, "OTM3", OptionType::Put, ltp),
        Err(ResolveError::OffsetOutOfRange {
            offset: "OTM3".into()
        })
    );
    // Equity underlying on NSE → NFO, with its lot size.
    let r = resolve(
        &t,
        &l,
        &query("SBIN", Exchange::Nse, "ITM1", OptionType::Call, dec!(824.9)),
    )
    .unwrap();
    assert_eq!(r.instrument.symbol.as_str(), "SBIN25AUG26810CE");
    assert_eq!(r.instrument.exchange, Exchange::Nfo);
    assert_eq!(r.instrument.lot_size, 750);
    assert_eq!(r.atm_strike.to_string(), "820");
}

#[test]
fn resolution_errors() {
    let t = table();
    let l = StrikeLadders::build(&t);
    let q = query(
        "NIFTY",
        Exchange::NseIndex,
        "ATM",
        OptionType::Call,
        dec!(24_000),
    );
    let other = OptionQuery {
        expiry: ExpiryDate::from_ymd(2026, 9, 1).unwrap(),
        ..q
    };
    assert!(matches!(
        resolve(&t, &l, &other),
        Err(ResolveError::NoStrikes { .. })
    ));
    let unknown = OptionQuery {
        underlying: "NOSUCH",
        ..q
    };
    assert_eq!(
        resolve(&t, &l, &unknown).unwrap_err().to_string(),
        "No strikes found for NOSUCH expiring 25AUG26. Please check expiry date or update master contract."
    );
    let zero = OptionQuery {
        ltp: Decimal::ZERO,
        ..q
    };
    assert_eq!(
        resolve(&t, &l, &zero).unwrap_err(),
        ResolveError::InvalidLtp
    );
    // Arithmetic strikes: ATM = round(24_260 / 50) × 50 = 24_250, not listed.
    let arith = OptionQuery {
        strike_interval: Some(50),
        ltp: dec!(24_260),
        ..q
    };
    assert_eq!(
        resolve(&t, &l, &arith).unwrap_err().to_string(),
        "Option symbol NIFTY25AUG2624250CE not found in NFO. Symbol may not exist or master contract needs update."
    );
    let arith_itm = OptionQuery {
        offset: Offset::Itm(3),
        ..arith
    };
    assert_eq!(
        resolve(&t, &l, &arith_itm)
            .unwrap()
            .instrument
            .symbol
            .as_str(),
        "NIFTY25AUG2624100CE"
    );
    let bad_interval = OptionQuery {
        strike_interval: Some(0),
        ..q
    };
    assert_eq!(
        resolve(&t, &l, &bad_interval).unwrap_err(),
        ResolveError::InvalidStrikeInterval
    );
}

#[test]
fn chain_labels_and_missing_legs() {
    let t = table();
    let l = StrikeLadders::build(&t);
    let chain = option_chain(
        &t,
        &l,
        "NIFTY",
        Exchange::Nfo,
        expiry(),
        dec!(24_190),
        Some(1),
    )
    .unwrap();
    assert_eq!(chain.atm_strike.to_string(), "24200");
    let rows: Vec<(String, bool, bool, String, String)> = chain
        .rows
        .iter()
        .map(|r| {
            (
                r.strike.to_string(),
                r.call.is_some(),
                r.put.is_some(),
                r.call_label.to_string(),
                r.put_label.to_string(),
            )
        })
        .collect();
    let row =
        |k: &str, c, p, cl: &str, pl: &str| (k.to_owned(), c, p, cl.to_owned(), pl.to_owned());
    assert_eq!(
        rows,
        [
            row("24100", true, true, "ITM1", "OTM1"),
            row("24200", true, true, "ATM", "ATM"),
            row("24300", true, true, "OTM1", "ITM1"),
        ]
    );
    let all = option_chain(&t, &l, "NIFTY", Exchange::Nfo, expiry(), dec!(24_190), None).unwrap();
    assert_eq!(all.rows.len(), 6);
    assert!(all.rows[0].put.is_none()); // no 24000 PE listed
    assert_eq!(all.rows[0].call_label, Offset::Itm(2));
    assert!(matches!(
        option_chain(&t, &l, "NIFTY", Exchange::Nfo, expiry(), dec!(-1), None),
        Err(ResolveError::InvalidLtp)
    ));
}

#[test]
fn synthetic_future_and_embedded_expiry() {
    let k = Strike::new(dec!(25_900)).unwrap();
    assert_eq!(
        synthetic_future(k, dec!(180.25), dec!(100.20)),
        dec!(25980.05)
    );
    assert_eq!(synthetic_future(k, dec!(0.005), dec!(0)), dec!(25900)); // half-even
    assert_eq!(
        split_underlying("NIFTY28OCT25FUT"),
        ("NIFTY", ExpiryDate::from_ymd(2025, 10, 28))
    );
    assert_eq!(
        split_underlying("NIFTY28OCT25"),
        ("NIFTY", ExpiryDate::from_ymd(2025, 10, 28))
    );
    assert_eq!(split_underlying("NIFTY"), ("NIFTY", None));
    assert_eq!(
        split_underlying("NIFTY31FEB25FUT"),
        ("NIFTY31FEB25FUT", None)
    );
    assert_eq!(split_underlying("28OCT25FUT"), ("28OCT25FUT", None));
    assert_eq!(split_underlying("M&M28OCT25FUT"), ("M&M28OCT25FUT", None));
}

proptest! {
    /// The binary-search ATM equals the reference's `min(strikes, key=|s − ltp|)` (first, i.e.
    /// lowest, strike on ties) over random ladders.
    #[test]
    fn atm_matches_a_linear_scan(
        raw in prop::collection::vec(1u32..5_000, 1..60),
        ltp_cents in 1u64..600_000,
    ) {
        let mut strikes: Vec<Strike> = raw
            .iter()
            .filter_map(|&k| Strike::new(Decimal::from(k) / Decimal::from(2)))
            .collect();
        strikes.sort_unstable();
        strikes.dedup();
        let ltp = Decimal::from(ltp_cents) / Decimal::from(100);
        let mut best = 0;
        for (i, s) in strikes.iter().enumerate() {
            if (s.value() - ltp).abs() < (strikes[best].value() - ltp).abs() {
                best = i;
            }
        }
        prop_assert_eq!(atm_index(&strikes, ltp), Some(best));
    }
}
