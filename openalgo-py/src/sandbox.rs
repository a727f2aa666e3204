//! `openalgo_rs.Sandbox`: the paper-trading engine in-process. Prices come in as ticks
//! (`tick`), time as an IST clock the caller moves (`set_time`, `advance`), and every money
//! value goes out as `decimal.Decimal`. Book rows are the server's rows (`crate::rows`: same
//! keys, order and 2-place values) followed by the sandbox's own keys, which stay exact.

use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use openalgo_brokers::simulator::{SimConfig, SimMarket};
use openalgo_core::rows::{FundsRow, HoldingRow, OrderRow, PositionRow, TradeRow};
use openalgo_core::sandbox::{
    MarketSnapshot, SandboxConfig, SandboxEngine, SandboxHolding, SandboxOrder, SandboxPosition,
    SandboxTrade,
};
use openalgo_core::{
    Action, Exchange, InstrumentKey, ModifyOrder, OrderRequest, PriceType, Product, Quantity,
    Symbol, SymbolTable,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rust_decimal::Decimal;

use crate::convert::{self, decimal, key, now_ist, price, word};
use crate::error::{self, NotFoundError, ValidationError};
use crate::options::{
    GreeksInput, LazyLadders, Resolution, greeks_report, option_parts, report_dict, request_expiry,
    resolve_dict,
};
use crate::rows;
use crate::symbols::PySymbolTable;

/// The paper-trading engine: one account, its books, and the clock it runs on.
#[pyclass(module = "openalgo_rs._openalgo")]
#[derive(Debug)]
pub(crate) struct Sandbox {
    engine: SandboxEngine,
    now: NaiveDateTime,
    ladders: LazyLadders,
}

/// The server's order-book row for this order (stamped with its last change, as the server's
/// paper account shows it).
pub(crate) fn order_dict<'py>(py: Python<'py>, o: &SandboxOrder) -> PyResult<Bound<'py, PyDict>> {
    rows::dict(py, &OrderRow::from(&o.to_order()))
}

/// The server's trade-book row, then the sandbox's `tradeid` and `strategy`.
fn trade_dict<'py>(py: Python<'py>, t: &SandboxTrade) -> PyResult<Bound<'py, PyDict>> {
    let d = rows::dict(py, &TradeRow::from(&t.to_trade()))?;
    d.set_item("tradeid", t.trade_id.as_str())?;
    d.set_item("strategy", t.strategy.as_str())?;
    Ok(d)
}

/// The server's position-book row, then the sandbox's exact P&L parts and margin.
fn position_dict<'py>(py: Python<'py>, p: &SandboxPosition) -> PyResult<Bound<'py, PyDict>> {
    let d = rows::dict(py, &PositionRow::from(&p.to_position()))?;
    d.set_item("unrealized_pnl", p.unrealized())?;
    d.set_item("realized_pnl", p.accumulated_realized)?;
    d.set_item("today_realized_pnl", p.today_realized)?;
    d.set_item("margin", p.margin)?;
    Ok(d)
}

/// The server's holdings row, then the sandbox's `settlement_date`.
fn holding_dict<'py>(py: Python<'py>, h: &SandboxHolding) -> PyResult<Bound<'py, PyDict>> {
    let d = rows::dict(py, &HoldingRow::from(&h.to_holding()))?;
    d.set_item(
        "settlement_date",
        h.settlement_date.format("%Y-%m-%d").to_string(),
    )?;
    Ok(d)
}

impl Sandbox {
    fn snapshot_for(&self, key: &InstrumentKey) -> Option<MarketSnapshot> {
        self.engine.last_price(key)
    }

    /// The last traded price of `symbol` on the first of `exchanges` that has one.
    fn ltp_on(&self, symbol: &str, exchanges: &[Exchange]) -> Option<(Exchange, Decimal)> {
        let symbol = Symbol::new(symbol).ok()?;
        exchanges.iter().find_map(|&e| {
            let k = InstrumentKey::new(symbol.clone(), e);
            self.snapshot_for(&k).map(|s| (e, s.ltp.value()))
        })
    }

    /// The last price of an option's underlying, quoted where the reference quotes it: the
    /// index, else the equity, for NSE/BSE derivatives; the exchange itself for a cash or index
    /// exchange. Other derivative exchanges need the underlying named.
    fn underlying_ltp(&self, base: &str, exchange: Exchange) -> PyResult<Decimal> {
        let places: &[Exchange] = match exchange {
            Exchange::Nfo => &[Exchange::NseIndex, Exchange::Nse],
            Exchange::Bfo => &[Exchange::BseIndex, Exchange::Bse],
            e if !e.is_derivative() => &[e],
            e => {
                return Err(ValidationError::new_err(format!(
                    "the underlying of {base} on {e} is a future: give underlying_ltp \
                     (or underlying_symbol and underlying_exchange)"
                )));
            }
        };
        self.ltp_on(base, places).map(|(_, p)| p).ok_or_else(|| {
            NotFoundError::new_err(format!(
                "no price for {base} yet: tick it first or give the price"
            ))
        })
    }

    fn done<T>(&mut self, r: Result<T, openalgo_core::sandbox::SandboxError>) -> PyResult<T> {
        self.engine.clear_events();
        r.map_err(error::sandbox)
    }
}

#[pymethods]
impl Sandbox {
    /// A fresh account. `capital` defaults to ₹1 Cr, `now` (IST) to the current time,
    /// `symbols` to the simulator's instrument master for `now`'s date. `mis_cutoffs=False`
    /// turns off the MIS placement window and square-off.
    #[new]
    #[pyo3(signature = (*, capital=None, now=None, symbols=None, mis_cutoffs=true))]
    fn new(
        capital: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
        symbols: Option<PyRef<'_, PySymbolTable>>,
        mis_cutoffs: bool,
    ) -> PyResult<Self> {
        let now = match now {
            Some(n) if !n.is_none() => convert::ist(n)?,
            _ => now_ist(),
        };
        let table: Arc<SymbolTable> = match symbols {
            Some(t) => t.table(),
            None => SimMarket::new(SimConfig::new(now.date())).symbols(),
        };
        let mut config = SandboxConfig::default();
        if let Some(c) = capital.filter(|c| !c.is_none()) {
            let c = decimal(c)?;
            if !c.is_sign_positive() || c.is_zero() {
                return Err(ValidationError::new_err("capital must be positive"));
            }
            config.starting_capital = c;
        }
        config.mis_cutoffs = mis_cutoffs;
        Ok(Self {
            engine: SandboxEngine::new(config, table, now),
            now,
            ladders: LazyLadders::default(),
        })
    }

    /// The engine's clock (naive IST `datetime`).
    #[getter]
    fn now(&self) -> NaiveDateTime {
        self.now
    }

    /// Moves the clock to `now` (IST) and runs what is due: session rollover, T+1, expiry
    /// settlement, MIS square-off.
    fn set_time(&mut self, now: &Bound<'_, PyAny>) -> PyResult<()> {
        let now = convert::ist(now)?;
        if now < self.now {
            return Err(ValidationError::new_err("the clock cannot go back"));
        }
        self.now = now;
        self.engine.advance(now);
        self.engine.clear_events();
        Ok(())
    }

    /// Moves the clock forward and runs what is due (see `set_time`).
    #[pyo3(signature = (*, seconds=0, minutes=0, hours=0, days=0))]
    fn advance(&mut self, seconds: i64, minutes: i64, hours: i64, days: i64) -> PyResult<()> {
        let step = Duration::seconds(seconds)
            + Duration::minutes(minutes)
            + Duration::hours(hours)
            + Duration::days(days);
        if step < Duration::zero() {
            return Err(ValidationError::new_err("the clock cannot go back"));
        }
        self.now += step;
        self.engine.advance(self.now);
        self.engine.clear_events();
        Ok(())
    }

    /// A new price: working orders on the instrument trigger and fill against it.
    #[pyo3(signature = (symbol, exchange, ltp, *, bid=None, ask=None))]
    fn tick(
        &mut self,
        symbol: &str,
        exchange: &str,
        ltp: &Bound<'_, PyAny>,
        bid: Option<&Bound<'_, PyAny>>,
        ask: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let k = key(symbol, exchange)?;
        let ltp = price(Some(ltp))?;
        if !ltp.is_positive() {
            return Err(ValidationError::new_err("ltp must be positive"));
        }
        let side = |v: Option<&Bound<'_, PyAny>>| -> PyResult<_> {
            Ok(v.map(|v| price(Some(v)))
                .transpose()?
                .filter(|p| p.is_positive()))
        };
        let snap = MarketSnapshot {
            ltp,
            bid: side(bid)?,
            ask: side(ask)?,
            day_range: None,
        };
        self.engine.on_price(&k, snap, self.now);
        self.engine.clear_events();
        Ok(())
    }

    /// Places an order; returns its id. A MARKET order fills at once against the last tick
    /// (ask for buys, bid for sells, else the LTP).
    #[pyo3(signature = (*, symbol, exchange, action, quantity, price_type="MARKET", product="MIS", price=None, trigger_price=None, disclosed_quantity=None, strategy="Python"))]
    #[allow(clippy::too_many_arguments)]
    fn place(
        &mut self,
        symbol: &str,
        exchange: &str,
        action: &str,
        quantity: &Bound<'_, PyAny>,
        price_type: &str,
        product: &str,
        price: Option<&Bound<'_, PyAny>>,
        trigger_price: Option<&Bound<'_, PyAny>>,
        disclosed_quantity: Option<&Bound<'_, PyAny>>,
        strategy: &str,
    ) -> PyResult<String> {
        let mut draft = convert::order_draft(
            symbol,
            exchange,
            action,
            quantity,
            price_type,
            product,
            price,
            trigger_price,
            strategy,
        )?;
        if let Some(d) = disclosed_quantity.filter(|d| !d.is_none()) {
            draft.disclosed_quantity = convert::quantity(d)?;
        }
        let order = draft.build().map_err(error::order)?;
        let snap = self.snapshot_for(order.instrument());
        let r = self.engine.place(&order, snap, self.now);
        self.done(r).map(|id| id.as_str().to_owned())
    }

    /// Modifies a working order (quantity, prices, price type); returns its id.
    #[pyo3(signature = (order_id, *, quantity=None, price=None, trigger_price=None, price_type=None))]
    fn modify(
        &mut self,
        order_id: &str,
        quantity: Option<&Bound<'_, PyAny>>,
        price: Option<&Bound<'_, PyAny>>,
        trigger_price: Option<&Bound<'_, PyAny>>,
        price_type: Option<&str>,
    ) -> PyResult<String> {
        let old = self
            .engine
            .order(order_id)
            .ok_or_else(|| NotFoundError::new_err(format!("Order {order_id} not found")))?;
        let mut draft = OrderRequest::builder(old.instrument.clone(), old.action, old.quantity);
        draft.price_type = price_type.map_or(Ok(old.price_type), word::<PriceType>)?;
        draft.product = old.product;
        draft.price = if price.is_some() {
            convert::price(price)?
        } else {
            old.price
        };
        draft.trigger_price = if trigger_price.is_some() {
            convert::price(trigger_price)?
        } else {
            old.trigger_price
        };
        if let Some(q) = quantity {
            draft.quantity = convert::quantity(q)?;
        }
        draft.strategy = old.strategy.clone();
        let modify = ModifyOrder::new(convert::order_id(order_id)?, draft).map_err(error::order)?;
        let snap = self.snapshot_for(&old.instrument);
        let r = self.engine.modify(&modify, snap, self.now);
        self.done(r).map(|id| id.as_str().to_owned())
    }

    /// Cancels a working order; returns its id.
    fn cancel(&mut self, order_id: &str) -> PyResult<String> {
        let id = convert::order_id(order_id)?;
        let r = self.engine.cancel(&id, self.now);
        self.done(r).map(|id| id.as_str().to_owned())
    }

    /// Cancels every working order; returns their ids.
    fn cancel_all(&mut self) -> Vec<String> {
        let ids = self.engine.cancel_all(self.now);
        self.engine.clear_events();
        ids.iter().map(|i| i.as_str().to_owned()).collect()
    }

    /// Closes one open position at market; returns the closing order's id.
    #[pyo3(signature = (*, symbol, exchange, product, strategy="Python"))]
    fn close_position(
        &mut self,
        symbol: &str,
        exchange: &str,
        product: &str,
        strategy: &str,
    ) -> PyResult<String> {
        let k = key(symbol, exchange)?;
        let r = self
            .engine
            .close_position(&k, word::<Product>(product)?, strategy, self.now);
        self.done(r).map(|id| id.as_str().to_owned())
    }

    /// Closes every open position at market; returns the closing orders' ids.
    #[pyo3(signature = (strategy="Python"))]
    fn close_all(&mut self, strategy: &str) -> PyResult<Vec<String>> {
        let results = self.engine.close_all_positions(strategy, self.now);
        self.engine.clear_events();
        let mut ids = Vec::new();
        for (_, _, r) in results {
            ids.push(r.map_err(error::sandbox)?.as_str().to_owned());
        }
        Ok(ids)
    }

    /// Net quantity of one (symbol, exchange, product).
    fn net_quantity(&self, symbol: &str, exchange: &str, product: &str) -> PyResult<i64> {
        Ok(self
            .engine
            .net_quantity(&key(symbol, exchange)?, word::<Product>(product)?))
    }

    /// Funds as the `/funds` endpoint gives them (2 places), then the ledger's exact parts;
    /// all `Decimal`.
    fn funds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let ledger = self.engine.funds();
        let f = ledger.to_funds(self.engine.unrealized_pnl());
        let d = rows::funds(py, &FundsRow::from(&f))?;
        d.set_item("capital", ledger.capital)?;
        d.set_item("realized_pnl", ledger.realized_pnl)?;
        d.set_item("order_margin", ledger.order_margin)?;
        d.set_item("position_margin", ledger.position_margin)?;
        Ok(d)
    }

    /// One order.
    fn order<'py>(&self, py: Python<'py>, order_id: &str) -> PyResult<Bound<'py, PyDict>> {
        let o = self
            .engine
            .order(order_id)
            .ok_or_else(|| NotFoundError::new_err(format!("Order {order_id} not found")))?;
        order_dict(py, &o)
    }

    /// Every order, oldest first.
    fn orders<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let rows = self
            .engine
            .orders()
            .map(|o| order_dict(py, &o))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, rows)
    }

    /// Every fill, oldest first.
    fn trades<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let rows = self
            .engine
            .trades()
            .map(|t| trade_dict(py, &t))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, rows)
    }

    /// Positions (closed ones stay listed with quantity 0 for the session).
    fn positions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let rows = self
            .engine
            .positions()
            .iter()
            .map(|p| position_dict(py, p))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, rows)
    }

    /// Settled delivery holdings.
    fn holdings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let rows = self
            .engine
            .holdings()
            .iter()
            .map(|h| holding_dict(py, h))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, rows)
    }

    /// The option contract at an offset from ATM, as `/optionsymbol` resolves it, with the
    /// underlying's price from this sandbox's last tick (or `underlying_ltp`): see
    /// `SymbolTable.resolve_option`.
    #[pyo3(signature = (underlying, exchange, offset, option_type, *, expiry_date=None, strike_int=None, underlying_ltp=None))]
    #[allow(clippy::too_many_arguments)]
    fn resolve_option<'py>(
        &self,
        py: Python<'py>,
        underlying: &str,
        exchange: &str,
        offset: &str,
        option_type: &str,
        expiry_date: Option<&str>,
        strike_int: Option<u32>,
        underlying_ltp: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (base, expiry) = request_expiry(underlying, expiry_date)?;
        let exchange: Exchange = word(exchange)?;
        let ltp = match underlying_ltp.filter(|v| !v.is_none()) {
            Some(v) => decimal(v)?,
            None => self.underlying_ltp(base, exchange)?,
        };
        let r = Resolution {
            underlying: base,
            exchange,
            expiry,
            offset,
            option_type,
            strike_int,
            ltp,
        };
        resolve_dict(py, self.engine.symbols(), &self.ladders, &r)
    }

    /// Implied volatility and Greeks of an option at this sandbox's last prices and clock, in
    /// the shape of `/optiongreeks`' answer. The forward is `forward_price` when given, else the
    /// underlying's last price (`underlying_symbol`/`underlying_exchange` override where it is
    /// quoted). `interest_rate` is an annual percentage (default 0); `expiry_time` (`HH:MM`)
    /// overrides the exchange's expiry cut-off.
    #[pyo3(signature = (symbol, exchange, *, interest_rate=None, forward_price=None, underlying_symbol=None, underlying_exchange=None, expiry_time=None))]
    #[allow(clippy::too_many_arguments)]
    fn option_greeks<'py>(
        &self,
        py: Python<'py>,
        symbol: &str,
        exchange: &str,
        interest_rate: Option<&Bound<'_, PyAny>>,
        forward_price: Option<&Bound<'_, PyAny>>,
        underlying_symbol: Option<&str>,
        underlying_exchange: Option<&str>,
        expiry_time: Option<String>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let k = key(symbol, exchange)?;
        if self.engine.symbols().get(symbol, k.exchange).is_none() {
            return Err(error::SymbolNotFoundError::new_err(format!(
                "{symbol} is not in the master on {}",
                k.exchange
            )));
        }
        let (base, option_type, strike, expiry) = option_parts(symbol, k.exchange)?;
        let option_price = self
            .snapshot_for(&k)
            .map(|s| s.ltp.value())
            .ok_or_else(|| NotFoundError::new_err(format!("no price for {symbol} yet")))?;
        let (underlying, forward) =
            match (forward_price.filter(|v| !v.is_none()), underlying_symbol) {
                (Some(f), _) => (base.to_owned(), decimal(f)?),
                (None, Some(u)) => {
                    let e: Exchange = word(underlying_exchange.unwrap_or(exchange))?;
                    let p = self.ltp_on(u, &[e]).map(|(_, p)| p).ok_or_else(|| {
                        NotFoundError::new_err(format!("no price for {u} on {e} yet"))
                    })?;
                    (u.to_owned(), p)
                }
                (None, None) => (base.to_owned(), self.underlying_ltp(base, k.exchange)?),
            };
        let input = GreeksInput {
            option_type,
            strike,
            expiry,
            exchange: k.exchange,
            forward,
            option_price,
            interest_rate: interest_rate
                .filter(|v| !v.is_none())
                .map(decimal)
                .transpose()?
                .unwrap_or(Decimal::ZERO),
            expiry_time,
            now: self.now,
        };
        let report = greeks_report(&input)?;
        let d = report_dict(py, &input, &report)?;
        d.set_item("symbol", symbol)?;
        d.set_item("exchange", k.exchange.as_str())?;
        d.set_item("underlying", underlying)?;
        Ok(d)
    }

    /// Places `count` MARKET orders alternating BUY and SELL of `quantity` on one instrument
    /// in a Rust loop (the engine's throughput without Python call overhead); returns the
    /// number placed.
    #[pyo3(signature = (*, symbol, exchange, count, quantity=1, product="MIS"))]
    fn place_round_trips(
        &mut self,
        symbol: &str,
        exchange: &str,
        count: u64,
        quantity: u64,
        product: &str,
    ) -> PyResult<u64> {
        let k = key(symbol, exchange)?;
        let snap = self.snapshot_for(&k);
        let mut buy = OrderRequest::builder(k.clone(), Action::Buy, Quantity::new(quantity));
        buy.product = word::<Product>(product)?;
        let mut sell = buy.clone();
        sell.action = Action::Sell;
        let (buy, sell) = (
            buy.build().map_err(error::order)?,
            sell.build().map_err(error::order)?,
        );
        for i in 0..count {
            let order = if i % 2 == 0 { &buy } else { &sell };
            let r = self.engine.place(order, snap, self.now);
            if i % 1024 == 0 {
                self.engine.clear_events();
            }
            r.map_err(error::sandbox)?;
        }
        self.engine.clear_events();
        Ok(count)
    }
}
