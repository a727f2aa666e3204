//! [`SimMarket`]: quotes, depth, ticks and history of the simulated instruments, as pure
//! functions of the seed and the instant asked for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use openalgo_core::broker::{Candle, Depth, DepthLevel, HistoryRequest, InstrumentKey, Quote};
use openalgo_core::market::{MarketDepth, QuoteFields, SubscriptionMode, Tick, TickData};
use openalgo_core::{BrokerError, Exchange, Instrument, Interval, Price, SymbolTable};
use rust_decimal::Decimal;
use thiserror::Error;

use super::calendar::session;
use super::path::{Bar, Extremes, Walk, interpolate, mix, seconds_bar};
use super::universe::{Pricing, SimInstrument, build};

/// IST offset in minutes.
const IST_MINUTES: i64 = 330;
/// Most minutes one history request may aggregate (about three years around the clock).
const MAX_MINUTES: i64 = 1_600_000;
/// Most candles one history request may return.
const MAX_CANDLES: usize = 200_000;

/// Simulator settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Seed of every price path.
    pub seed: u64,
    /// The date the instrument master is generated for (expiries roll from it).
    pub today: NaiveDate,
    /// When true, prices move only during each segment's IST session (Mon–Fri) and stay
    /// frozen outside it; by default the market ticks around the clock.
    pub follow_exchange_hours: bool,
}

impl SimConfig {
    /// Seed 42, around the clock, for `today`.
    #[must_use]
    pub const fn new(today: NaiveDate) -> Self {
        Self {
            seed: 42,
            today,
            follow_exchange_hours: false,
        }
    }
}

/// A request the simulator cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SimError {
    /// Not in the simulator's master.
    #[error("Symbol {symbol} not found in exchange {exchange}")]
    UnknownInstrument {
        /// Symbol.
        symbol: String,
        /// Exchange.
        exchange: Exchange,
    },
    /// A history range that is too long for the interval.
    #[error(
        "history range too large: at most {MAX_CANDLES} candles or about three years per request"
    )]
    RangeTooLarge,
}

impl From<SimError> for BrokerError {
    fn from(e: SimError) -> Self {
        match e {
            SimError::UnknownInstrument { .. } => Self::NotFound(e.to_string()),
            SimError::RangeTooLarge => Self::rejected(e.to_string()),
        }
    }
}

/// The simulated market.
#[derive(Debug)]
pub struct SimMarket {
    config: SimConfig,
    instruments: Vec<SimInstrument>,
    walks: Vec<Walk>,
    index: HashMap<(Exchange, Box<str>), usize>,
    table: Arc<SymbolTable>,
    /// Per instrument: (first minute of the day, minutes aggregated so far, their summary).
    day_cache: Mutex<Vec<Option<(i64, i64, Bar)>>>,
    /// Per instrument: the last quote and the second it shows. A quote is a function of the
    /// instrument and that second, and orders ask for the same one many times a second.
    last_quote: Mutex<Vec<Option<(i64, Quote)>>>,
}

/// Per-instrument cache of the current minute's shape, owned by a tick stream so that ticks
/// within one minute cost an interpolation.
#[derive(Debug, Default)]
pub struct TickCache {
    minutes: Vec<Option<(i64, Bar, Extremes)>>,
}

fn minute_of(ms: i64) -> (i64, u32) {
    let m = ms.div_euclid(60_000);
    let s = u32::try_from(ms.rem_euclid(60_000) / 1000).unwrap_or(0);
    (m, s)
}

fn ist_date_of_minute(m: i64) -> NaiveDate {
    DateTime::from_timestamp((m + IST_MINUTES) * 60, 0)
        .unwrap_or_default()
        .date_naive()
}

/// First minute (UTC minute index) of an IST calendar date.
fn first_minute_of(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp()
        / 60
        - IST_MINUTES
}

fn is_weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Standard normal CDF (Abramowitz–Stegun 26.2.17; error < 7.5e-8).
fn norm_cdf(x: f64) -> f64 {
    let t = 1.0 / 0.231_641_9f64.mul_add(x.abs(), 1.0);
    let poly = t
        * (0.319_381_530
            + t * (-0.356_563_782
                + t * (1.781_477_937 + t * (-1.821_255_978 + t * 1.330_274_429))));
    let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let tail = pdf * poly;
    if x >= 0.0 { 1.0 - tail } else { tail }
}

/// Black–Scholes premium (no rates, no dividends).
fn black_scholes(spot: f64, strike: f64, years: f64, iv: f64, call: bool) -> f64 {
    let intrinsic = if call { spot - strike } else { strike - spot }.max(0.0);
    if years <= 0.0 {
        return intrinsic;
    }
    let sd = iv * years.sqrt();
    let d1 = ((spot / strike).ln() + 0.5 * sd * sd) / sd;
    let d2 = d1 - sd;
    let price = if call {
        spot * norm_cdf(d1) - strike * norm_cdf(d2)
    } else {
        strike * norm_cdf(-d2) - spot * norm_cdf(-d1)
    };
    price.max(intrinsic)
}

impl SimMarket {
    /// Builds the market for `config.today`.
    #[must_use]
    pub fn new(config: SimConfig) -> Self {
        let instruments = build(config.today, config.seed);
        let walks = instruments
            .iter()
            .map(|i| match i.pricing {
                Pricing::Spot {
                    reference,
                    daily_vol,
                } => spot_walk(
                    config.seed,
                    i.record.symbol.as_str(),
                    reference,
                    i.tick_units,
                    daily_vol,
                ),
                _ => Walk::new(0, 1.0, 0.0),
            })
            .collect();
        let index = instruments
            .iter()
            .enumerate()
            .map(|(n, i)| ((i.record.exchange, i.record.symbol.as_str().into()), n))
            .collect();
        let table = Arc::new(SymbolTable::new(
            instruments.iter().map(|i| i.record.clone()).collect(),
        ));
        let day_cache = Mutex::new(vec![None; instruments.len()]);
        let last_quote = Mutex::new(vec![None; instruments.len()]);
        Self {
            config,
            instruments,
            walks,
            index,
            table,
            day_cache,
            last_quote,
        }
    }

    /// Settings.
    #[must_use]
    pub const fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The bundled master, in OpenAlgo form.
    pub fn instruments(&self) -> impl Iterator<Item = &Instrument> {
        self.instruments.iter().map(|i| &i.record)
    }

    /// The bundled master as a symbol table.
    #[must_use]
    pub fn symbols(&self) -> Arc<SymbolTable> {
        Arc::clone(&self.table)
    }

    fn find(&self, key: &InstrumentKey) -> Result<usize, SimError> {
        self.index
            .get(&(key.exchange, key.symbol.as_str().into()))
            .copied()
            .ok_or_else(|| SimError::UnknownInstrument {
                symbol: key.symbol.to_string(),
                exchange: key.exchange,
            })
    }

    /// True when `exchange` is trading at `at_ms` (always, unless following exchange hours).
    #[must_use]
    pub fn is_trading(&self, exchange: Exchange, at_ms: i64) -> bool {
        if !self.config.follow_exchange_hours {
            return true;
        }
        let ist = DateTime::from_timestamp_millis(at_ms)
            .unwrap_or_default()
            .naive_utc()
            + Duration::minutes(IST_MINUTES);
        let (open, close) = session(exchange);
        is_weekday(ist.date()) && ist.time() >= open && ist.time() < close
    }

    /// The instant whose price is shown at `at_ms`: itself while trading, else the last traded
    /// second of the latest session.
    fn effective_ms(&self, exchange: Exchange, at_ms: i64) -> i64 {
        if self.is_trading(exchange, at_ms) {
            return at_ms;
        }
        let ist: NaiveDateTime = DateTime::from_timestamp_millis(at_ms)
            .unwrap_or_default()
            .naive_utc()
            + Duration::minutes(IST_MINUTES);
        let (open, close) = session(exchange);
        let mut date = ist.date();
        if !(is_weekday(date) && ist.time() >= close) {
            date -= Duration::days(1);
            while !is_weekday(date) {
                date -= Duration::days(1);
            }
        }
        let _ = open;
        let last = date.and_time(close) - Duration::seconds(1) - Duration::minutes(IST_MINUTES);
        last.and_utc().timestamp_millis()
    }

    /// Spot price in ticks at (minute, second) for spot instrument `n`.
    fn spot_ticks(&self, n: usize, m: i64, s: u32) -> i64 {
        self.walks[n].at_second(m, s)
    }

    /// Price in ticks of instrument `n` given its underlying's spot in rupees at minute `m`.
    fn derived_ticks(&self, n: usize, spot_rupees: f64, m: i64) -> i64 {
        let inst = &self.instruments[n];
        #[allow(clippy::cast_precision_loss)]
        let tick = inst.tick_units as f64 / 10_000.0;
        let minute_start = DateTime::from_timestamp(m * 60, 0)
            .unwrap_or_default()
            .naive_utc();
        let years_to = |expiry: NaiveDate| {
            // Expiry at 15:30 IST.
            let end = expiry.and_hms_opt(10, 0, 0).unwrap_or_default();
            #[allow(clippy::cast_precision_loss)]
            let minutes = (end - minute_start).num_minutes().max(0) as f64;
            minutes / 525_600.0
        };
        let rupees = match inst.pricing {
            Pricing::Spot { .. } => spot_rupees,
            Pricing::Future { expiry, .. } => spot_rupees * 0.065f64.mul_add(years_to(expiry), 1.0),
            Pricing::Option {
                strike,
                call,
                expiry,
                iv,
                ..
            } => black_scholes(spot_rupees, strike, years_to(expiry), iv, call),
        };
        #[allow(clippy::cast_possible_truncation)]
        let ticks = (rupees / tick).round() as i64;
        ticks.max(1)
    }

    fn underlying_of(&self, n: usize) -> usize {
        match self.instruments[n].pricing {
            Pricing::Future { underlying, .. } | Pricing::Option { underlying, .. } => underlying,
            Pricing::Spot { .. } => n,
        }
    }

    fn rupees(&self, n: usize, ticks: i64) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = ticks as f64 * self.instruments[n].tick_units as f64 / 10_000.0;
        v
    }

    /// Ticks of instrument `n` at (m, s).
    fn ticks_at(&self, n: usize, m: i64, s: u32) -> i64 {
        let u = self.underlying_of(n);
        let spot = self.spot_ticks(u, m, s);
        if u == n {
            spot
        } else {
            self.derived_ticks(n, self.rupees(u, spot), m)
        }
    }

    /// Minute summary of instrument `n`: derived prices are monotone in the spot within a
    /// minute, so the spot's extremes map to the derivative's extremes.
    fn minute_bar(&self, n: usize, m: i64) -> Bar {
        let u = self.underlying_of(n);
        let (spot, _) = self.walks[u].minute(m);
        if u == n {
            return spot;
        }
        let f = |t: i64| self.derived_ticks(n, self.rupees(u, t), m);
        let (a, b) = (f(spot.high), f(spot.low));
        Bar {
            open: f(spot.open),
            high: a.max(b),
            low: a.min(b),
            close: self.ticks_at(n, m, 59),
            volume: spot.volume,
        }
    }

    fn seconds_bar(&self, n: usize, m: i64, from: u32, to: u32) -> Bar {
        let u = self.underlying_of(n);
        if u == n {
            return self.walks[n].seconds(m, from, to);
        }
        let volume = self.walks[u].minute(m).0.volume;
        seconds_bar(from, to, volume, |s| self.ticks_at(n, m, s))
    }

    fn price(&self, n: usize, ticks: i64) -> Price {
        Price::new(Decimal::new(ticks * self.instruments[n].tick_units, 4))
    }

    /// Last price of an instrument at `at_ms`.
    ///
    /// # Errors
    /// [`SimError::UnknownInstrument`].
    pub fn ltp(&self, key: &InstrumentKey, at_ms: i64) -> Result<Price, SimError> {
        let n = self.find(key)?;
        let (m, s) = minute_of(self.effective_ms(key.exchange, at_ms));
        Ok(self.price(n, self.ticks_at(n, m, s)))
    }

    /// The day's open/high/low/volume up to `at_ms` and the previous day's close. Whole minutes
    /// already aggregated today are cached, so repeated quotes cost only the new minutes.
    fn day_stats(&self, n: usize, exchange: Exchange, at_ms: i64) -> (Bar, i64) {
        let eff = self.effective_ms(exchange, at_ms);
        let (m, s) = minute_of(eff);
        let start = first_minute_of(ist_date_of_minute(m));
        let cached = {
            let cache = self
                .day_cache
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            cache[n].filter(|c| c.0 == start && c.1 <= m)
        };
        let (from, so_far) = match cached {
            Some((_, upto, bar)) => (upto, Some(bar)),
            None => (start, None),
        };
        let more = self.minutes_bar(n, exchange, from, m);
        let whole = match (so_far, more) {
            (Some(a), Some(b)) => Some(a.merge(b)),
            (a, b) => a.or(b),
        };
        if let Some(bar) = whole {
            let mut cache = self
                .day_cache
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            cache[n] = Some((start, m, bar));
        }
        let now = self.seconds_bar(n, m, 0, s);
        let day = whole.map_or(now, |b| b.merge(now));
        let (pm, ps) = minute_of(self.effective_ms(exchange, start * 60_000 - 1_000));
        (day, self.ticks_at(n, pm, ps))
    }

    fn minutes_bar(&self, n: usize, exchange: Exchange, from: i64, to: i64) -> Option<Bar> {
        (from..to)
            .filter(|&m| self.is_trading(exchange, m * 60_000))
            .map(|m| self.minute_bar(n, m))
            .reduce(Bar::merge)
    }

    /// A snapshot quote at `at_ms`: LTP, one-tick bid/ask, the day's OHLC and volume.
    ///
    /// # Errors
    /// [`SimError::UnknownInstrument`].
    pub fn quote(&self, key: &InstrumentKey, at_ms: i64) -> Result<Quote, SimError> {
        let n = self.find(key)?;
        let second = self.effective_ms(key.exchange, at_ms).div_euclid(1000);
        let cached = |slot: &Option<(i64, Quote)>| match slot {
            Some((at, q)) if *at == second => Some(q.clone()),
            _ => None,
        };
        if let Some(q) = cached(
            &self
                .last_quote
                .lock()
                .unwrap_or_else(PoisonError::into_inner)[n],
        ) {
            return Ok(q);
        }
        let q = self.compute_quote(n, key.exchange, at_ms);
        self.last_quote
            .lock()
            .unwrap_or_else(PoisonError::into_inner)[n] = Some((second, q.clone()));
        Ok(q)
    }

    fn compute_quote(&self, n: usize, exchange: Exchange, at_ms: i64) -> Quote {
        let (m, s) = minute_of(self.effective_ms(exchange, at_ms));
        let ltp = self.ticks_at(n, m, s);
        let (day, prev_close) = self.day_stats(n, exchange, at_ms);
        let derivative = exchange.is_derivative();
        Quote {
            ask: self.price(n, ltp + 1),
            bid: self.price(n, (ltp - 1).max(1)),
            open: self.price(n, day.open),
            high: self.price(n, day.high),
            low: self.price(n, day.low),
            ltp: self.price(n, ltp),
            prev_close: self.price(n, prev_close),
            volume: if exchange.is_index() { 0 } else { day.volume },
            oi: if derivative {
                10_000 + mix(n as u64) % 1_000_000
            } else {
                0
            },
        }
    }

    fn levels(&self, n: usize, ltp: i64, at_ms: i64) -> (Vec<DepthLevel>, Vec<DepthLevel>) {
        let lot = u64::from(self.instruments[n].record.lot_size.max(1));
        #[allow(clippy::cast_sign_loss)]
        let h = mix(at_ms as u64 ^ (n as u64).rotate_left(32));
        let level = |k: i64, side: u64| {
            let hk = mix(h ^ side ^ k as u64);
            (1 + hk % 50) * lot
        };
        let orders = |q: u64| u32::try_from(1 + q % 17).unwrap_or(1);
        let bids = (1..=5)
            .map(|k| {
                let q = level(k, 1);
                DepthLevel {
                    price: self.price(n, (ltp - k).max(1)),
                    quantity: q,
                    orders: orders(q),
                }
            })
            .collect();
        let asks = (1..=5)
            .map(|k| {
                let q = level(k, 2);
                DepthLevel {
                    price: self.price(n, ltp + k),
                    quantity: q,
                    orders: orders(q),
                }
            })
            .collect();
        (bids, asks)
    }

    /// Five levels of depth around the LTP with the day's statistics.
    ///
    /// # Errors
    /// [`SimError::UnknownInstrument`].
    pub fn depth(&self, key: &InstrumentKey, at_ms: i64) -> Result<Depth, SimError> {
        let q = self.quote(key, at_ms)?;
        let n = self.find(key)?;
        let (m, s) = minute_of(self.effective_ms(key.exchange, at_ms));
        let ltp = self.ticks_at(n, m, s);
        let (bids, asks) = self.levels(n, ltp, at_ms);
        Ok(Depth {
            total_buy_quantity: bids.iter().map(|l| l.quantity).sum(),
            total_sell_quantity: asks.iter().map(|l| l.quantity).sum(),
            bids,
            asks,
            ltp: q.ltp,
            ltq: u64::from(self.instruments[n].record.lot_size.max(1)),
            open: q.open,
            high: q.high,
            low: q.low,
            prev_close: q.prev_close,
            volume: q.volume,
            oi: q.oi,
        })
    }

    /// A tick at `at_ms` in the given mode. LTP ticks are cheap; Quote and Depth ticks carry
    /// the day's statistics.
    ///
    /// # Errors
    /// [`SimError::UnknownInstrument`].
    pub fn tick(
        &self,
        key: &InstrumentKey,
        at_ms: i64,
        mode: SubscriptionMode,
    ) -> Result<Tick, SimError> {
        let n = self.find(key)?;
        self.tick_of(n, key, at_ms, mode)
    }

    fn tick_of(
        &self,
        n: usize,
        key: &InstrumentKey,
        at_ms: i64,
        mode: SubscriptionMode,
    ) -> Result<Tick, SimError> {
        let eff = self.effective_ms(key.exchange, at_ms);
        let (m, s) = minute_of(eff);
        let ltp = self.price(n, self.ticks_at(n, m, s));
        let data = match mode {
            SubscriptionMode::Ltp => TickData::Ltp,
            SubscriptionMode::Quote | SubscriptionMode::Depth => {
                let q = self.quote(key, at_ms)?;
                let fields = QuoteFields {
                    open: q.open,
                    high: q.high,
                    low: q.low,
                    close: q.prev_close,
                    volume: q.volume,
                    average_price: Price::new(
                        ((q.high.value() + q.low.value() + q.ltp.value()) / Decimal::from(3))
                            .round_dp(2),
                    ),
                    last_quantity: u64::from(self.instruments[n].record.lot_size.max(1)),
                    total_buy_quantity: 0,
                    total_sell_quantity: 0,
                    oi: q.oi,
                };
                if mode == SubscriptionMode::Depth {
                    let d = self.depth(key, at_ms)?;
                    let fields = QuoteFields {
                        total_buy_quantity: d.total_buy_quantity,
                        total_sell_quantity: d.total_sell_quantity,
                        ..fields
                    };
                    TickData::Depth(
                        fields,
                        MarketDepth {
                            buy: d.bids,
                            sell: d.asks,
                        },
                    )
                } else {
                    TickData::Quote(fields)
                }
            }
        };
        Ok(Tick {
            instrument: key.clone(),
            ltp,
            ltt_ms: Some(eff - eff.rem_euclid(1000)),
            timestamp_ms: at_ms,
            data,
        })
    }

    /// LTP ticks for many instruments at one instant, appended to `out` (the streaming fast
    /// path: within a minute each tick is one interpolation, plus the option or future model
    /// for derivatives).
    pub fn ltp_ticks(
        &self,
        keys: &[(usize, InstrumentKey)],
        at_ms: i64,
        cache: &mut TickCache,
        out: &mut Vec<Tick>,
    ) {
        if cache.minutes.len() != self.instruments.len() {
            cache.minutes = vec![None; self.instruments.len()];
        }
        for (n, key) in keys {
            let eff = self.effective_ms(key.exchange, at_ms);
            let (m, s) = minute_of(eff);
            let u = self.underlying_of(*n);
            let (bar, extremes) = match cache.minutes[u] {
                Some((cm, bar, ext)) if cm == m => (bar, ext),
                _ => {
                    let (bar, ext) = self.walks[u].minute(m);
                    cache.minutes[u] = Some((m, bar, ext));
                    (bar, ext)
                }
            };
            let spot = interpolate(bar, extremes, s);
            let ticks = if u == *n {
                spot
            } else {
                self.derived_ticks(*n, self.rupees(u, spot), m)
            };
            out.push(Tick {
                instrument: key.clone(),
                ltp: self.price(*n, ticks),
                ltt_ms: Some(eff - eff.rem_euclid(1000)),
                timestamp_ms: at_ms,
                data: TickData::Ltp,
            });
        }
    }

    /// Resolves keys to internal indexes for [`SimMarket::ltp_ticks`].
    ///
    /// # Errors
    /// [`SimError::UnknownInstrument`] for the first unknown key.
    pub fn resolve(&self, keys: &[InstrumentKey]) -> Result<Vec<(usize, InstrumentKey)>, SimError> {
        keys.iter()
            .map(|k| Ok((self.find(k)?, k.clone())))
            .collect()
    }

    /// Candles for a date range (inclusive, IST dates) at any interval, aggregated from the
    /// same path the ticks follow.
    ///
    /// # Errors
    /// [`SimError::UnknownInstrument`] or [`SimError::RangeTooLarge`].
    pub fn history(&self, req: &HistoryRequest) -> Result<Vec<Candle>, SimError> {
        let key = req.instrument();
        let n = self.find(key)?;
        let from = first_minute_of(req.start());
        let to = first_minute_of(req.end() + Duration::days(1));
        if to - from > MAX_MINUTES {
            return Err(SimError::RangeTooLarge);
        }
        let oi = if key.exchange.is_derivative() {
            10_000 + mix(n as u64) % 1_000_000
        } else {
            0
        };
        let candle = |ts: i64, b: Bar| Candle {
            timestamp: ts,
            open: self.price(n, b.open),
            high: self.price(n, b.high),
            low: self.price(n, b.low),
            close: self.price(n, b.close),
            volume: if key.exchange.is_index() { 0 } else { b.volume },
            oi,
        };
        let trading = |m: i64| self.is_trading(key.exchange, m * 60_000);
        let _ = &trading;
        let mut out = Vec::new();
        match req.interval().intraday_seconds() {
            Some(secs) if secs < 60 => {
                for m in (from..to).filter(|&m| trading(m)) {
                    let mut s = 0;
                    while s < 60 {
                        let end = (s + secs - 1).min(59);
                        out.push(candle(
                            m * 60 + i64::from(s),
                            self.seconds_bar(n, m, s, end),
                        ));
                        s += secs;
                    }
                    if out.len() > MAX_CANDLES {
                        return Err(SimError::RangeTooLarge);
                    }
                }
            }
            Some(secs) => {
                let step = i64::from(secs / 60);
                let mut m = from;
                while m < to {
                    let end = (m + step).min(to);
                    let bar = (m..end)
                        .filter(|&x| trading(x))
                        .map(|x| self.minute_bar(n, x))
                        .reduce(Bar::merge);
                    if let Some(bar) = bar {
                        out.push(candle(m * 60, bar));
                    }
                    m = end;
                    if out.len() > MAX_CANDLES {
                        return Err(SimError::RangeTooLarge);
                    }
                }
            }
            None => {
                let mut days: Vec<(NaiveDate, Bar)> = Vec::new();
                let mut date = req.start();
                while date <= req.end() {
                    let start = first_minute_of(date);
                    let bar = (start..start + 1440)
                        .filter(|&x| trading(x))
                        .map(|x| self.minute_bar(n, x))
                        .reduce(Bar::merge);
                    if let Some(bar) = bar {
                        days.push((date, bar));
                    }
                    date += Duration::days(1);
                }
                let period = |d: NaiveDate| -> (i32, u32) {
                    match req.interval() {
                        Interval::Week => (d.iso_week().year(), d.iso_week().week()),
                        Interval::Month => (d.year(), d.month()),
                        Interval::Quarter => (d.year(), (d.month() - 1) / 3),
                        Interval::Year => (d.year(), 0),
                        _ => (d.year(), d.ordinal()),
                    }
                };
                let mut current: Option<((i32, u32), NaiveDate, Bar)> = None;
                for (date, bar) in days {
                    let p = period(date);
                    current = match current {
                        Some((cp, first, acc)) if cp == p => Some((cp, first, acc.merge(bar))),
                        Some((_, first, acc)) => {
                            out.push(candle(utc_midnight(first), acc));
                            Some((p, date, bar))
                        }
                        None => Some((p, date, bar)),
                    };
                }
                if let Some((_, first, acc)) = current {
                    out.push(candle(utc_midnight(first), acc));
                }
            }
        }
        Ok(out)
    }
}

/// Epoch seconds of 00:00 UTC of a date (how daily candles are stamped, rest-api §2.10).
fn utc_midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp()
}

/// FNV-1a of a string (stable walk keys).
/// The walk of a spot price: keyed by symbol, so NSE and BSE listings share one path.
pub(super) fn spot_walk(
    seed: u64,
    symbol: &str,
    reference: f64,
    tick_units: i64,
    daily_vol: f64,
) -> Walk {
    #[allow(clippy::cast_precision_loss)]
    let ticks = reference * 10_000.0 / tick_units as f64;
    Walk::new(mix(seed ^ fnv(symbol)), ticks, daily_vol)
}

/// A spot's price (in ticks) at 09:15 IST on `date`.
pub(super) fn open_ticks(walk: &Walk, date: NaiveDate) -> i64 {
    walk.boundary(first_minute_of(date) + 9 * 60 + 15)
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
#[path = "market_tests.rs"]
mod tests;
