//! The option chain (rest-api §3.6.2): strikes around ATM with each side's quote and, when
//! asked, its implied volatility and Greeks.

use openalgo_core::clock::ms_from_ist;
use openalgo_core::instrument::ExpiryKind;
use openalgo_core::money::decimal_to_f64;
use openalgo_core::options::underlying::{future_symbol, priced_by_future, quote_exchange};
use openalgo_core::options::{GreeksReport, expiry_cutoff, option_chain, synthetic_future};
use openalgo_core::symbol::{ExpiryDate, Strike};
use openalgo_core::{Exchange, Instrument, InstrumentKey, OptionType, Price, Quote};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::OptionMarket;
use super::greeks::{GreeksInput, GreeksView, greeks_of};
use super::resolve::{Target, resolve_error};
use crate::error::ApiError;

/// What a chain is asked for.
#[derive(Debug, Clone)]
pub struct ChainRequest {
    /// The underlying (its embedded expiry wins over `expiry_date`).
    pub target: Target,
    /// Strikes on each side of ATM (all when `None`).
    pub strike_count: Option<usize>,
    /// Whether to attach IV and Greeks.
    pub with_greeks: bool,
    /// Annual interest rate in percent for the Greeks.
    pub rate_percent: Decimal,
}

/// One side of a strike.
#[derive(Debug, Clone)]
pub struct ChainLeg {
    /// The contract.
    pub instrument: Instrument,
    /// `ATM`, `ITMn`, `OTMn`.
    pub label: String,
    /// Its quote (zeros when the broker had none).
    pub quote: Quote,
    /// IV and Greeks when asked for.
    pub greeks: Option<GreeksView>,
}

/// One strike.
#[derive(Debug, Clone)]
pub struct RowView {
    /// The strike.
    pub strike: Strike,
    /// The call, when listed.
    pub ce: Option<ChainLeg>,
    /// The put, when listed.
    pub pe: Option<ChainLeg>,
}

/// A chain with its underlying.
#[derive(Debug, Clone)]
pub struct ChainView {
    /// The underlying as sent.
    pub underlying: String,
    /// The instrument quoted for the underlying's price.
    pub underlying_symbol: String,
    /// Its exchange.
    pub underlying_exchange: Exchange,
    /// Its last price.
    pub underlying_ltp: Decimal,
    /// Its previous close.
    pub underlying_prev_close: Decimal,
    /// The expiry.
    pub expiry: ExpiryDate,
    /// The expiry cut-off, epoch seconds.
    pub expiry_ts: i64,
    /// Now, epoch seconds.
    pub server_ts: i64,
    /// The ATM strike.
    pub atm_strike: Strike,
    /// The forward the Greeks used (with Greeks only).
    pub forward: Option<Decimal>,
    /// The strikes, ascending.
    pub rows: Vec<RowView>,
}

fn f(p: Price) -> f64 {
    p.to_f64()
}

fn greeks_json(m: &mut Map<String, Value>, g: &GreeksView) {
    let num = |d: Decimal| json!(decimal_to_f64(d));
    let zero = GreeksReport {
        implied_volatility: Decimal::ZERO,
        delta: Decimal::ZERO,
        gamma: Decimal::ZERO,
        theta: Decimal::ZERO,
        vega: Decimal::ZERO,
        rho: Decimal::ZERO,
        days_to_expiry: Decimal::ZERO,
        intrinsic_value: Decimal::ZERO,
        time_value: Decimal::ZERO,
        theoretical: false,
    };
    let r = g.as_ref().unwrap_or(&zero);
    m.insert("implied_volatility".into(), num(r.implied_volatility));
    m.insert("delta".into(), num(r.delta));
    m.insert("gamma".into(), num(r.gamma));
    m.insert("theta".into(), num(r.theta));
    m.insert("vega".into(), num(r.vega));
}

impl ChainLeg {
    fn body(&self) -> Value {
        let q = &self.quote;
        let mut m = Map::new();
        m.insert("symbol".into(), self.instrument.symbol.as_str().into());
        m.insert("label".into(), self.label.clone().into());
        for (k, v) in [("ltp", q.ltp), ("bid", q.bid), ("ask", q.ask)] {
            m.insert(k.into(), json!(f(v)));
        }
        m.insert("bid_qty".into(), 0.into());
        m.insert("ask_qty".into(), 0.into());
        for (k, v) in [
            ("open", q.open),
            ("high", q.high),
            ("low", q.low),
            ("prev_close", q.prev_close),
        ] {
            m.insert(k.into(), json!(f(v)));
        }
        m.insert("volume".into(), q.volume.into());
        m.insert("oi".into(), q.oi.into());
        m.insert("lotsize".into(), self.instrument.lot_size.into());
        m.insert("tick_size".into(), json!(f(self.instrument.tick_size)));
        if let Some(g) = &self.greeks {
            greeks_json(&mut m, g);
        }
        Value::Object(m)
    }
}

impl ChainView {
    /// The `optionchain` success body (keys in the reference's order).
    #[must_use]
    pub fn body(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                json!({"strike": decimal_to_f64(r.strike.value()),
                       "ce": r.ce.as_ref().map(ChainLeg::body),
                       "pe": r.pe.as_ref().map(ChainLeg::body)})
            })
            .collect();
        let mut m = Map::new();
        m.insert("status".into(), "success".into());
        m.insert("underlying".into(), self.underlying.clone().into());
        m.insert(
            "underlying_symbol".into(),
            self.underlying_symbol.clone().into(),
        );
        m.insert(
            "underlying_exchange".into(),
            self.underlying_exchange.as_str().into(),
        );
        m.insert(
            "underlying_ltp".into(),
            json!(decimal_to_f64(self.underlying_ltp)),
        );
        m.insert(
            "underlying_prev_close".into(),
            json!(decimal_to_f64(self.underlying_prev_close)),
        );
        m.insert("expiry_date".into(), self.expiry.compact().into());
        m.insert("expiry_ts".into(), self.expiry_ts.into());
        m.insert("server_ts".into(), self.server_ts.into());
        m.insert(
            "atm_strike".into(),
            json!(decimal_to_f64(self.atm_strike.value())),
        );
        m.insert("quotes_included".into(), true.into());
        m.insert("greeks_included".into(), self.forward.is_some().into());
        m.insert(
            "forward_price".into(),
            self.forward
                .map_or(Value::Null, |d| json!(decimal_to_f64(d))),
        );
        m.insert("chain".into(), Value::Array(rows));
        Value::Object(m)
    }
}

impl OptionMarket {
    /// The instrument whose price is the chain's underlying: the spot (index or equity), or
    /// for commodities and currencies the nearest unexpired future.
    fn chain_underlying(&self, target: &Target) -> Result<(String, Exchange), ApiError> {
        if priced_by_future(target.exchange) {
            let next = self
                .symbols
                .expiries(
                    &target.base,
                    target.exchange,
                    ExpiryKind::Futures,
                    self.now_ist.date(),
                )
                .into_iter()
                .next()
                .ok_or_else(|| {
                    ApiError::NotFound(format!(
                        "No unexpired futures found for {} on {}. Please check master contract.",
                        target.base, target.exchange
                    ))
                })?;
            return Ok((future_symbol(&target.base, next), target.exchange));
        }
        Ok((
            target.base.clone(),
            quote_exchange(&target.base, target.exchange),
        ))
    }

    /// The chain of `req`.
    ///
    /// # Errors
    /// The underlying's price failure (`Failed to fetch LTP for <sym>: <why>`), 404 when no
    /// strikes are listed, 400 `No valid option symbols found` for an empty chain.
    pub async fn chain(&self, req: &ChainRequest) -> Result<ChainView, ApiError> {
        let target = &req.target;
        let (symbol, exchange) = self.chain_underlying(target)?;
        let uq = self.quote_of(&symbol, exchange, ": ").await?;
        let ltp = uq.ltp.value();
        let expiry = target.expiry()?;
        let option_exchange = target.exchange.option_exchange();
        let chain = option_chain(
            &self.symbols,
            &self.ladders,
            &target.base,
            option_exchange,
            expiry,
            ltp,
            req.strike_count,
        )
        .map_err(|e| resolve_error(&e, &symbol))?;
        if chain.rows.is_empty() {
            return Err(ApiError::BadRequest(
                "No valid option symbols found for the given parameters".into(),
            ));
        }
        let keys: Vec<InstrumentKey> = chain
            .rows
            .iter()
            .flat_map(|r| [r.call, r.put])
            .flatten()
            .map(|i| InstrumentKey::new(i.symbol.clone(), i.exchange))
            .collect();
        let quotes = self.broker.quotes(&keys).await.unwrap_or_default();
        let quote_of = |i: &Instrument| {
            quotes
                .iter()
                .find(|q| q.instrument.symbol == i.symbol && q.instrument.exchange == i.exchange)
                .and_then(|q| q.quote.clone().ok())
                .unwrap_or_default()
        };
        let mut rows: Vec<RowView> = chain
            .rows
            .iter()
            .map(|r| {
                let leg = |i: Option<&Instrument>, label: openalgo_core::options::Offset| {
                    i.map(|i| ChainLeg {
                        instrument: i.clone(),
                        label: label.to_string(),
                        quote: quote_of(i),
                        greeks: None,
                    })
                };
                RowView {
                    strike: r.strike,
                    ce: leg(r.call, r.call_label),
                    pe: leg(r.put, r.put_label),
                }
            })
            .collect();
        let forward = req.with_greeks.then(|| {
            let atm = rows.iter().find(|r| r.strike == chain.atm_strike);
            let ltp_of = |l: Option<&ChainLeg>| l.map_or(Decimal::ZERO, |l| l.quote.ltp.value());
            match atm.map(|r| (ltp_of(r.ce.as_ref()), ltp_of(r.pe.as_ref()))) {
                Some((c, p)) if c > Decimal::ZERO && p > Decimal::ZERO => {
                    synthetic_future(chain.atm_strike, c, p)
                }
                _ => ltp,
            }
        });
        if let Some(forward) = forward {
            let cutoff = expiry_cutoff(option_exchange);
            for row in &mut rows {
                for (leg, option_type) in [
                    (&mut row.ce, OptionType::Call),
                    (&mut row.pe, OptionType::Put),
                ] {
                    if let Some(leg) = leg {
                        leg.greeks = Some(greeks_of(
                            &GreeksInput {
                                option_type,
                                strike: row.strike,
                                expiry,
                                cutoff,
                                forward,
                                option_price: leg.quote.ltp.value(),
                                rate_percent: req.rate_percent,
                            },
                            self.now_ist,
                        ));
                    }
                }
            }
        }
        let expiry_ist = expiry.date().and_time(expiry_cutoff(option_exchange));
        Ok(ChainView {
            underlying: target.sent.clone(),
            underlying_symbol: symbol,
            underlying_exchange: exchange,
            underlying_ltp: ltp,
            underlying_prev_close: uq.prev_close.value(),
            expiry,
            expiry_ts: ms_from_ist(expiry_ist) / 1000,
            server_ts: ms_from_ist(self.now_ist) / 1000,
            atm_strike: chain.atm_strike,
            forward,
            rows,
        })
    }
}
