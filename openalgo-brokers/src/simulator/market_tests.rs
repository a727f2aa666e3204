//! Tests of the simulated market: master, determinism, tick/candle consistency, tick grid,
//! depth, exchange hours and the stream.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use futures::StreamExt;
use openalgo_core::broker::{HistoryRequest, InstrumentKey, Subscription};
use openalgo_core::instrument::ExpiryKind;
use openalgo_core::market::{MarketEvent, SubscriptionMode};
use openalgo_core::{Exchange, Interval, OptionType, Symbol, SymbolParts};
use proptest::prelude::*;

use super::*;
use crate::simulator::tick_stream;
use openalgo_core::clock::{ManualClock, ms_from_ist};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn market() -> SimMarket {
    SimMarket::new(SimConfig::new(today()))
}

fn shared() -> &'static SimMarket {
    static M: std::sync::OnceLock<SimMarket> = std::sync::OnceLock::new();
    M.get_or_init(market)
}

fn key(symbol: &str, exchange: Exchange) -> InstrumentKey {
    InstrumentKey::new(Symbol::new(symbol).unwrap(), exchange)
}

fn ist(text: &str) -> i64 {
    ms_from_ist(NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap())
}

#[test]
fn bundled_master_is_canonical_and_complete() {
    let m = shared();
    let table = m.symbols();
    assert_eq!(
        table.report().duplicate_symbols + table.report().duplicate_tokens,
        0
    );
    for i in m.instruments() {
        SymbolParts::parse_for_exchange(i.symbol.as_str(), i.exchange).unwrap();
        assert!(i.tick_size.is_positive());
    }
    assert!(table.on_exchange(Exchange::Nse).count() >= 50);
    assert_eq!(
        table.on_exchange(Exchange::Bse).count(),
        table.on_exchange(Exchange::Nse).count()
    );
    for (name, ex) in [
        ("NIFTY", Exchange::NseIndex),
        ("BANKNIFTY", Exchange::NseIndex),
        ("SENSEX", Exchange::BseIndex),
        ("INDIAVIX", Exchange::NseIndex),
    ] {
        assert!(table.get(name, ex).is_some(), "{name}");
    }
    let nifty = table.expiries("NIFTY", Exchange::Nfo, ExpiryKind::Options, today());
    let dates: Vec<String> = nifty.iter().map(|e| e.dashed()).collect();
    assert_eq!(dates, ["24-NOV-26", "01-DEC-26"]);
    let futs: Vec<String> = table
        .expiries("NIFTY", Exchange::Nfo, ExpiryKind::Futures, today())
        .iter()
        .map(|e| e.dashed())
        .collect();
    assert_eq!(futs, ["24-NOV-26", "29-DEC-26"]);
    assert_eq!(
        table
            .strikes("NIFTY", Exchange::Nfo, nifty[0], Some(OptionType::Call))
            .len(),
        41
    );
    assert_eq!(
        table
            .get("NIFTY24NOV26FUT", Exchange::Nfo)
            .unwrap()
            .lot_size,
        75
    );
    assert!(table.get("CRUDEOIL18DEC26FUT", Exchange::Mcx).is_some());
    assert!(table.get("GOLD04DEC26FUT", Exchange::Mcx).is_some());
    assert!(table.get("USDINR26NOV26FUT", Exchange::Cds).is_some());
    let sensex = table.expiries("SENSEX", Exchange::Bfo, ExpiryKind::Options, today());
    assert_eq!(
        table
            .strikes("SENSEX", Exchange::Bfo, sensex[0], Some(OptionType::Put))
            .len(),
        41
    );
}

#[test]
fn each_days_strike_ladder_is_centred_on_the_open() {
    // On three days, the middle strike is the one nearest the underlying at 09:15 IST, so the
    // listed strikes follow the market however far the walk wanders from its reference.
    for (day, step) in [("2026-11-24", 50), ("2026-12-05", 50), ("2027-03-17", 50)] {
        let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        let m = SimMarket::new(SimConfig::new(date));
        let open = m
            .quote(
                &key("NIFTY", Exchange::NseIndex),
                ist(&format!("{day} 09:15:00")),
            )
            .unwrap()
            .ltp
            .value();
        let table = m.symbols();
        let expiry = table.expiries("NIFTY", Exchange::Nfo, ExpiryKind::Options, date)[0];
        let strikes = table.strikes("NIFTY", Exchange::Nfo, expiry, Some(OptionType::Call));
        assert_eq!(strikes.len(), 41, "{day}");
        let middle = strikes[20].value();
        assert!(
            (middle - open).abs() <= Decimal::from(step / 2),
            "{day}: middle strike {middle}, open {open}"
        );
    }
}

#[test]
fn prices_are_deterministic_per_seed_and_shared_across_listings() {
    let at = ist("2026-11-24 10:30:15");
    let a = market().quote(&key("RELIANCE", Exchange::Nse), at).unwrap();
    let b = market().quote(&key("RELIANCE", Exchange::Nse), at).unwrap();
    assert_eq!(a, b);
    let bse = market().quote(&key("RELIANCE", Exchange::Bse), at).unwrap();
    assert_eq!(a.ltp, bse.ltp);
    let other = SimMarket::new(SimConfig {
        seed: 7,
        ..SimConfig::new(today())
    });
    assert_ne!(
        other
            .quote(&key("RELIANCE", Exchange::Nse), at)
            .unwrap()
            .ltp,
        a.ltp
    );
    // Near its reference price.
    assert!(
        a.ltp.value() > 1_000.into() && a.ltp.value() < 2_200.into(),
        "{}",
        a.ltp
    );
    assert!(a.bid < a.ltp && a.ltp < a.ask);
    assert!(a.low <= a.ltp && a.ltp <= a.high);
}

#[test]
fn depth_is_ordered_around_the_last_price() {
    let d = shared()
        .depth(&key("SBIN", Exchange::Nse), ist("2026-11-24 11:00:00"))
        .unwrap();
    assert_eq!((d.bids.len(), d.asks.len()), (5, 5));
    assert!(d.bids.windows(2).all(|w| w[0].price > w[1].price));
    assert!(d.asks.windows(2).all(|w| w[0].price < w[1].price));
    assert!(d.bids[0].price < d.ltp && d.ltp < d.asks[0].price);
    assert_eq!(
        d.total_buy_quantity,
        d.bids.iter().map(|l| l.quantity).sum::<u64>()
    );
}

#[test]
fn options_are_priced_off_their_underlying() {
    let at = ist("2026-11-24 10:00:00");
    let m = shared();
    let call = |k: u32| {
        m.ltp(&key(&format!("NIFTY01DEC26{k}CE"), Exchange::Nfo), at)
            .unwrap()
    };
    let put = |k: u32| {
        m.ltp(&key(&format!("NIFTY01DEC26{k}PE"), Exchange::Nfo), at)
            .unwrap()
    };
    assert!(call(25_500) > call(25_900) && call(25_900) > call(26_300));
    assert!(put(25_500) < put(25_900) && put(25_900) < put(26_300));
    let fut = m.ltp(&key("NIFTY29DEC26FUT", Exchange::Nfo), at).unwrap();
    let spot = m.ltp(&key("NIFTY", Exchange::NseIndex), at).unwrap();
    assert!(fut > spot);
}

#[test]
fn daily_and_weekly_candles_are_stamped_at_utc_midnight() {
    let req = HistoryRequest::new(
        key("INFY", Exchange::Nse),
        Interval::Day,
        NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 15).unwrap(),
    )
    .unwrap();
    let days = shared().history(&req).unwrap();
    assert_eq!(days.len(), 14);
    assert_eq!(days[0].timestamp, 1_793_577_600, "2026-11-02 00:00 UTC");
    let weekly = HistoryRequest::new(
        req.instrument().clone(),
        Interval::Week,
        req.start(),
        req.end(),
    )
    .unwrap();
    let weeks = shared().history(&weekly).unwrap();
    assert_eq!(weeks.len(), 2);
    assert_eq!(weeks[0].open, days[0].open);
    assert_eq!(weeks[1].close, days[13].close);
    assert_eq!(
        weeks[0].high,
        days[..7].iter().map(|c| c.high).max().unwrap()
    );
    // A year of daily candles is cheap enough to serve.
    let year = HistoryRequest::new(
        req.instrument().clone(),
        Interval::Day,
        NaiveDate::from_ymd_opt(2025, 11, 24).unwrap(),
        today(),
    )
    .unwrap();
    assert_eq!(shared().history(&year).unwrap().len(), 366);
    let too_long = HistoryRequest::new(
        req.instrument().clone(),
        Interval::S1,
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        today(),
    )
    .unwrap();
    assert_eq!(shared().history(&too_long), Err(SimError::RangeTooLarge));
}

const SYMBOLS: [(&str, Exchange); 5] = [
    ("SBIN", Exchange::Nse),
    ("NIFTY", Exchange::NseIndex),
    ("NIFTY01DEC2625900CE", Exchange::Nfo),
    ("CRUDEOIL18DEC26FUT", Exchange::Mcx),
    ("USDINR26NOV26FUT", Exchange::Cds),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn a_kept_quote_is_the_quote_of_its_second(
        which in 0..SYMBOLS.len(),
        instants in prop::collection::vec(0i64..(3 * 86_400_000), 1..12),
        jitter in 0i64..1000,
    ) {
        // One market for every case: its kept quotes come from earlier cases and instants.
        let m = shared();
        let (symbol, exchange) = SYMBOLS[which];
        let k = key(symbol, exchange);
        let n = m.find(&k).unwrap();
        let start = ist("2026-11-22 00:00:00");
        for at in instants {
            let at = start + at;
            let fresh = m.compute_quote(n, exchange, at);
            prop_assert_eq!(&m.quote(&k, at).unwrap(), &fresh);
            // Again, at another instant of the same second.
            let later = at - at.rem_euclid(1000) + jitter;
            prop_assert_eq!(&m.quote(&k, later).unwrap(), &fresh);
        }
    }

    #[test]
    fn ticks_lie_in_their_candles_on_the_tick_grid(
        which in 0..SYMBOLS.len(),
        second in 0i64..(2 * 86_400),
        interval in prop::sample::select(vec![Interval::S1, Interval::S5, Interval::M1, Interval::M5, Interval::H1, Interval::Day]),
    ) {
        let m = shared();
        let (symbol, exchange) = SYMBOLS[which];
        let k = key(symbol, exchange);
        let at = ist("2026-11-23 00:00:00") + second * 1000;
        let ltp = m.ltp(&k, at).unwrap();
        let tick = m.symbols().get(symbol, exchange).unwrap().tick_size;
        prop_assert!(ltp.is_positive() && ltp.is_multiple_of(tick), "{ltp} on {tick}");
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let req = HistoryRequest::new(k.clone(), interval, day, day + chrono::Duration::days(1)).unwrap();
        let candles = m.history(&req).unwrap();
        let ts = at / 1000;
        let c = match interval.intraday_seconds() {
            Some(len) => candles.iter().find(|c| c.timestamp <= ts && ts < c.timestamp + i64::from(len)).unwrap(),
            None => {
                let ist_day = openalgo_core::clock::ist_from_ms(at).date();
                let stamp = ist_day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
                candles.iter().find(|c| c.timestamp == stamp).unwrap()
            }
        };
        prop_assert!(c.low <= ltp && ltp <= c.high, "{ltp} outside {c:?}");
        if interval == Interval::S1 {
            prop_assert_eq!((c.open, c.close), (ltp, ltp));
        }
        if let Some(len) = interval.intraday_seconds() {
            // The candle opens at its first second's price and closes at its last.
            prop_assert_eq!(m.ltp(&k, c.timestamp * 1000).unwrap(), c.open);
            prop_assert_eq!(m.ltp(&k, (c.timestamp + i64::from(len) - 1) * 1000).unwrap(), c.close);
        }
        // The tick stream's fast path agrees with the quote path.
        let mut out = Vec::new();
        m.ltp_ticks(&m.resolve(std::slice::from_ref(&k)).unwrap(), at, &mut TickCache::default(), &mut out);
        prop_assert_eq!(out[0].ltp, ltp);
    }
}

#[test]
fn exchange_hours_freeze_prices_outside_the_session() {
    let m = SimMarket::new(SimConfig {
        follow_exchange_hours: true,
        ..SimConfig::new(today())
    });
    let k = key("SBIN", Exchange::Nse);
    let friday_close = ist("2026-11-20 15:29:59");
    let saturday = ist("2026-11-21 12:00:00");
    let monday_early = ist("2026-11-23 08:00:00");
    assert!(m.is_trading(Exchange::Nse, ist("2026-11-20 10:00:00")));
    assert!(!m.is_trading(Exchange::Nse, saturday));
    assert!(m.is_trading(Exchange::Mcx, ist("2026-11-20 22:00:00")));
    assert!(!m.is_trading(Exchange::Nse, ist("2026-11-20 22:00:00")));
    let frozen = m.ltp(&k, friday_close).unwrap();
    assert_eq!(m.ltp(&k, saturday).unwrap(), frozen);
    assert_eq!(m.ltp(&k, monday_early).unwrap(), frozen);
    assert!(
        market().is_trading(Exchange::Nse, saturday),
        "around the clock by default"
    );
}

#[tokio::test(start_paused = true)]
async fn stream_ticks_only_the_subscribed_instruments() {
    let market = Arc::new(market());
    let clock = Arc::new(ManualClock::at_ist(
        NaiveDateTime::parse_from_str("2026-11-24 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
    ));
    let subs = [
        Subscription {
            instrument: key("SBIN", Exchange::Nse),
            mode: SubscriptionMode::Ltp,
        },
        Subscription {
            instrument: key("NIFTY", Exchange::NseIndex),
            mode: SubscriptionMode::Depth,
        },
        Subscription {
            instrument: key("NOSUCH", Exchange::Nse),
            mode: SubscriptionMode::Ltp,
        },
    ];
    let mut stream = tick_stream(market.clone(), &subs, clock.clone(), Duration::from_secs(1));
    let mut seen = Vec::new();
    for _ in 0..4 {
        let MarketEvent::Tick(t) = stream.next().await.unwrap() else {
            panic!("tick expected")
        };
        clock.advance_ms(500);
        seen.push((t.instrument.symbol.to_string(), t.mode()));
    }
    assert!(seen.iter().all(|(s, _)| s == "SBIN" || s == "NIFTY"));
    assert!(seen.contains(&("SBIN".to_owned(), SubscriptionMode::Ltp)));
    assert!(seen.contains(&("NIFTY".to_owned(), SubscriptionMode::Depth)));
}

#[tokio::test]
async fn around_the_clock_simulator_takes_mis_orders_at_night() {
    use openalgo_core::sandbox::SandboxConfig;
    use openalgo_core::{Action, Broker, OrderRequest, Product, Quantity};
    let night = NaiveDateTime::parse_from_str("2026-11-24 02:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    let mut d = OrderRequest::builder(key("SBIN", Exchange::Nse), Action::Buy, Quantity::new(1));
    d.product = Product::Mis;
    let order = d.build().unwrap();
    let always = crate::simulator::simulator(
        Arc::new(market()),
        SandboxConfig::default(),
        Arc::new(ManualClock::at_ist(night)),
    );
    assert!(always.place_order(&order).await.is_ok());
    let hours = SimMarket::new(SimConfig {
        follow_exchange_hours: true,
        ..SimConfig::new(today())
    });
    let timed = crate::simulator::simulator(
        Arc::new(hours),
        SandboxConfig::default(),
        Arc::new(ManualClock::at_ist(night)),
    );
    assert!(timed.place_order(&order).await.is_err());
}
