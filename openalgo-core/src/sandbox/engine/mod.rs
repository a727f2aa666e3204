//! [`SandboxEngine`]: the paper-trading account. Pure and deterministic: time comes in as
//! `now` (IST), prices as [`MarketSnapshot`]s; every change is journalled as a [`SandboxEvent`].

use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDateTime};
use rust_decimal::{Decimal, RoundingStrategy};

use super::config::{FundReset, OptionSettlement, SandboxConfig};
use super::daily::DailyPnl;
use super::error::SandboxError;
use super::event::SandboxEvent;
use super::ledger::FundsLedger;
use super::model::{MarketSnapshot, SandboxHolding, SandboxOrder, SandboxPosition, SandboxTrade};
use super::netting::net;
use super::state::{SandboxSnapshot, SandboxState};
use crate::instrument::{Instrument, SymbolTable};
use crate::orders::validate_against;
use crate::symbol::SymbolParts;
use crate::{
    Action, Exchange, InstrumentKey, ModifyOrder, Money, OrderError, OrderId, OrderRequest,
    OrderStatus, Price, PriceType, Product, Quantity, StrategyTag, TradeId,
};

mod due;
mod execution;
mod gtt;

mod placement;
mod pricing;
mod schedule;

use super::ids::{order_id_text, trade_id_text};

/// Strategy tag of the orders the engine places itself when squaring off.
pub const AUTO_SQUARE_OFF: &str = "AUTO_SQUARE_OFF";
/// Strategy tag of the orders placed by a risk stop-out.
pub const RMS_SQUARE_OFF: &str = "RMS_SQUARE_OFF";

/// The paper-trading engine for one account.
#[derive(Debug, Clone)]
pub struct SandboxEngine {
    config: SandboxConfig,
    symbols: Arc<SymbolTable>,
    state: SandboxState,
    journal: Vec<SandboxEvent>,
    scratch: Vec<u64>,
    due: due::DueScan,
}

/// Rounds a margin up to the paisa.
fn margin_round(x: Decimal) -> Money {
    x.round_dp_with_strategy(2, RoundingStrategy::AwayFromZero)
}

fn triggered(action: Action, ltp: Price, trigger: Price) -> bool {
    match action {
        Action::Buy => ltp >= trigger,
        Action::Sell => ltp <= trigger,
    }
}

fn limit_reached(action: Action, ltp: Price, limit: Price) -> bool {
    match action {
        Action::Buy => ltp <= limit,
        Action::Sell => ltp >= limit,
    }
}

impl SandboxEngine {
    /// A fresh account with the configured starting capital.
    #[must_use]
    pub fn new(config: SandboxConfig, symbols: Arc<SymbolTable>, now: NaiveDateTime) -> Self {
        let funds = FundsLedger::new(config.starting_capital, now);
        let session = session_start(&config, now);
        let mut state = SandboxState::new(funds, session);
        state.next_order_seq = config.order_seq_base;
        Self {
            config,
            symbols,
            state,
            journal: Vec::new(),
            scratch: Vec::new(),
            due: due::DueScan::default(),
        }
    }

    /// An account restored from a snapshot.
    #[must_use]
    pub fn restore(
        config: SandboxConfig,
        symbols: Arc<SymbolTable>,
        snapshot: SandboxSnapshot,
    ) -> Self {
        Self {
            config,
            symbols,
            state: SandboxState::restore(snapshot),
            journal: Vec::new(),
            scratch: Vec::new(),
            due: due::DueScan::default(),
        }
    }

    /// An account rebuilt from a snapshot and the events journalled after it.
    #[must_use]
    pub fn replay(
        config: SandboxConfig,
        symbols: Arc<SymbolTable>,
        base: SandboxSnapshot,
        events: &[SandboxEvent],
    ) -> Self {
        let mut engine = Self::restore(config, symbols, base);
        for e in events {
            engine.state.apply(e);
        }
        engine
    }

    /// A serialisable copy of the whole account.
    #[must_use]
    pub fn snapshot(&self) -> SandboxSnapshot {
        self.state.snapshot()
    }

    /// Events produced since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<SandboxEvent> {
        std::mem::take(&mut self.journal)
    }

    /// Number of events waiting in the journal.
    #[must_use]
    pub fn pending_events(&self) -> usize {
        self.journal.len()
    }

    /// Discards journalled events (for callers that do not persist them).
    pub fn clear_events(&mut self) {
        self.journal.clear();
    }

    pub(super) fn emit(&mut self, event: SandboxEvent) {
        self.state.apply(&event);
        self.note_due(&event);
        self.journal.push(event);
    }

    pub(super) fn emit_funds(&mut self, funds: FundsLedger) {
        self.emit(SandboxEvent::Funds(funds));
    }

    // ---------------------------------------------------------------- queries

    /// Configuration.
    #[must_use]
    pub const fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// Replaces the configuration (capital, leverages, cut-offs). The journal records resulting
    /// states, so replay is unaffected; new orders, fills and schedules use it from now on, and
    /// a new starting capital applies at the next reset.
    pub fn set_config(&mut self, config: SandboxConfig) {
        self.config = config;
        self.due.invalidate();
    }

    /// Funds.
    #[must_use]
    pub const fn funds(&self) -> &FundsLedger {
        &self.state.funds
    }

    /// Every order, in placement order (materialised from the packed history one at a time).
    pub fn orders(&self) -> impl DoubleEndedIterator<Item = SandboxOrder> + '_ {
        self.state.history.orders()
    }

    /// The orders at positions `range` of the placement order (clipped to what exists): lets a
    /// reader page through a long day without materialising all of it.
    pub fn orders_in(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl DoubleEndedIterator<Item = SandboxOrder> + '_ {
        self.state.history.orders_in(range)
    }

    /// The trades at positions `range` of the fill order (clipped to what exists).
    pub fn trades_in(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl DoubleEndedIterator<Item = SandboxTrade> + '_ {
        self.state.history.trades_in(range)
    }

    /// Number of orders since the last reset.
    #[must_use]
    pub const fn order_count(&self) -> usize {
        self.state.history.order_count()
    }

    /// One order.
    #[must_use]
    pub fn order(&self, order_id: &str) -> Option<SandboxOrder> {
        self.state.order_by_id(order_id)
    }

    /// Closed sessions' P&L, oldest first (sandbox.md §3.12).
    #[must_use]
    pub fn daily_pnl(&self) -> &[DailyPnl] {
        &self.state.daily
    }

    /// The current session's row as it stands (realized so far, unrealized at the last prices).
    #[must_use]
    pub fn current_day(&self) -> DailyPnl {
        let holdings_unrealized = self
            .holdings()
            .iter()
            .map(|h| h.ltp.notional(h.quantity) - h.cost)
            .sum();
        DailyPnl {
            date: self.state.session_start.date(),
            realized: self.state.funds.today_realized_pnl,
            positions_unrealized: self.unrealized_pnl(),
            holdings_unrealized,
            available: self.state.funds.available,
            used_margin: self.state.funds.used_margin(),
        }
    }

    /// Every trade, in fill order (materialised one at a time).
    pub fn trades(&self) -> impl DoubleEndedIterator<Item = SandboxTrade> + '_ {
        self.state.history.trades()
    }

    /// Number of trades since the last reset.
    #[must_use]
    pub const fn trade_count(&self) -> usize {
        self.state.history.trade_count()
    }

    /// How many positions are open and whether `(instrument, product)` is one of them, without
    /// copying any (the risk rules ask this of every new order).
    #[must_use]
    pub fn exposure(&self, instrument: &InstrumentKey, product: crate::Product) -> (usize, bool) {
        let mut count = 0;
        let mut holds = false;
        for p in self.state.positions.values().filter(|p| p.quantity != 0) {
            count += 1;
            holds |= p.product == product && p.instrument == *instrument;
        }
        (count, holds)
    }

    /// The open positions' net quantities (instrument, product, units), unpriced and unsorted.
    #[must_use]
    pub fn open_quantities(&self) -> Vec<(InstrumentKey, crate::Product, i64)> {
        self.state
            .positions
            .values()
            .filter(|p| p.quantity != 0)
            .map(|p| (p.instrument.clone(), p.product, p.quantity))
            .collect()
    }

    /// Positions, sorted by instrument and product, with their LTP refreshed from the last
    /// known prices.
    #[must_use]
    pub fn positions(&self) -> Vec<SandboxPosition> {
        let mut out: Vec<SandboxPosition> = self
            .state
            .positions
            .values()
            .map(|p| {
                let mut p = p.clone();
                if let Some(s) = self.state.prices.get(&p.instrument) {
                    p.ltp = s.ltp;
                }
                p
            })
            .collect();
        out.sort_by(|a, b| (&a.instrument, a.product).cmp(&(&b.instrument, b.product)));
        out
    }

    /// Net quantity of one (instrument, product).
    #[must_use]
    pub fn net_quantity(&self, instrument: &InstrumentKey, product: Product) -> i64 {
        self.state
            .positions
            .get(&(instrument.clone(), product))
            .map_or(0, |p| p.quantity)
    }

    /// Holdings, sorted by instrument, LTP refreshed from the last known prices.
    #[must_use]
    pub fn holdings(&self) -> Vec<SandboxHolding> {
        let mut out: Vec<SandboxHolding> = self
            .state
            .holdings
            .values()
            .map(|h| {
                let mut h = h.clone();
                if let Some(s) = self.state.prices.get(&h.instrument) {
                    h.ltp = s.ltp;
                }
                h
            })
            .collect();
        out.sort_by(|a, b| a.instrument.cmp(&b.instrument));
        out
    }

    /// The last price seen for an instrument.
    #[must_use]
    pub fn last_price(&self, instrument: &InstrumentKey) -> Option<MarketSnapshot> {
        self.state.prices.get(instrument).copied()
    }

    /// Unrealized P&L of open positions at the last known prices.
    #[must_use]
    pub fn unrealized_pnl(&self) -> Money {
        self.state
            .positions
            .values()
            .filter(|p| p.quantity != 0)
            .map(|p| {
                let ltp = self
                    .state
                    .prices
                    .get(&p.instrument)
                    .map_or(p.ltp, |s| s.ltp);
                (ltp.value() - p.average_price.value()) * Money::from(p.quantity)
            })
            .sum()
    }

    /// Start of the current session (books show orders and trades from here).
    #[must_use]
    pub const fn session_start(&self) -> NaiveDateTime {
        self.state.session_start
    }

    /// The instrument master the engine validates against.
    #[must_use]
    pub const fn symbols(&self) -> &Arc<SymbolTable> {
        &self.symbols
    }

    /// Working orders of one instrument (used by drivers to decide what to subscribe).
    pub fn instruments_with_working_orders(&self) -> impl Iterator<Item = &InstrumentKey> {
        self.state.books.keys()
    }

    /// Whether `instrument` has working orders.
    #[must_use]
    pub fn has_working_orders(&self, instrument: &InstrumentKey) -> bool {
        self.state.books.contains_key(instrument)
    }

    // ---------------------------------------------------------------- rules

    pub(super) fn instrument(&self, key: &InstrumentKey) -> Result<&Instrument, SandboxError> {
        lookup(&self.symbols, key)
    }

    /// Leverage for a position side (sandbox.md §3.3 order of rules).
    pub(super) fn leverage(&self, inst: &Instrument, product: Product, long: bool) -> Decimal {
        let l = &self.config.leverage;
        if inst.exchange.is_cash_equity() {
            return if product == Product::Mis {
                l.equity_mis
            } else {
                l.equity_cnc
            };
        }
        match inst.parts() {
            Ok(SymbolParts::Future { .. }) => l.futures,
            Ok(SymbolParts::Option { .. }) if long => l.option_buy,
            Ok(SymbolParts::Option { .. }) => l.option_sell,
            Ok(SymbolParts::Plain(_)) if inst.exchange == Exchange::Crypto => l.futures,
            _ => Decimal::ONE,
        }
    }

    /// Margin held by `quantity` units at `price`.
    pub(super) fn margin_for(
        &self,
        inst: &Instrument,
        product: Product,
        quantity: i64,
        price: Price,
    ) -> Money {
        if quantity == 0 {
            return Money::ZERO;
        }
        let lev = self.leverage(inst, product, quantity > 0).max(Decimal::ONE);
        margin_round(price.value() * Decimal::from(quantity.unsigned_abs()) / lev)
    }

    /// Units of working orders on (instrument, product, action), excluding `except`.
    pub(super) fn pending_units(
        &self,
        key: &InstrumentKey,
        product: Product,
        action: Action,
        except: Option<u64>,
    ) -> u64 {
        let total = self
            .state
            .pending
            .get(&(key.clone(), product, action))
            .copied()
            .unwrap_or(0);
        let excluded = except
            .and_then(|seq| self.state.order(seq))
            .filter(|o| {
                o.status.is_working()
                    && o.product == product
                    && o.action == action
                    && &o.instrument == key
            })
            .map_or(0, |o| o.pending_quantity().get());
        total.saturating_sub(excluded)
    }

    /// Margin reserved at placement: only the units that open or add need margin; units that
    /// reduce the position (net of other working orders that also reduce it) need none.
    #[allow(clippy::too_many_arguments)] // one call shape for placement and modification
    pub(super) fn reservation(
        &self,
        inst: &Instrument,
        key: &InstrumentKey,
        product: Product,
        action: Action,
        quantity: u64,
        price: Price,
        except: Option<u64>,
    ) -> Money {
        if product == Product::Cnc && action == Action::Sell {
            return Money::ZERO;
        }
        let position = self.net_quantity(key, product);
        let reducible = if position != 0 && position.signum() != action.sign() {
            position
                .unsigned_abs()
                .saturating_sub(self.pending_units(key, product, action, except))
        } else {
            0
        };
        let opening = quantity - quantity.min(reducible);
        let signed = i64::try_from(opening).unwrap_or(i64::MAX) * action.sign();
        self.margin_for(inst, product, signed, price)
    }

    pub(super) fn mis_window_check(
        &self,
        key: &InstrumentKey,
        product: Product,
        action: Action,
        quantity: u64,
        now: NaiveDateTime,
    ) -> Result<(), SandboxError> {
        if product != Product::Mis {
            return Ok(());
        }
        let Some(cutoff) = self.config.square_off_time(key.exchange) else {
            return Ok(());
        };
        let t = now.time();
        if t < cutoff && t >= self.config.mis_opens_at {
            return Ok(());
        }
        let position = self.net_quantity(key, product);
        let reduces = position != 0
            && position.signum() != action.sign()
            && quantity <= position.unsigned_abs();
        if reduces {
            Ok(())
        } else {
            Err(SandboxError::MisWindowClosed { cutoff })
        }
    }

    pub(super) fn new_order(
        &self,
        order: &OrderRequest,
        status: OrderStatus,
        margin: Money,
        now: NaiveDateTime,
    ) -> SandboxOrder {
        let seq = self.state.next_order_seq;
        let id = order_id_text(now, seq);
        SandboxOrder {
            order_id: OrderId::new(id).unwrap_or_else(|_| unreachable_id()),
            seq,
            instrument: order.instrument().clone(),
            action: order.action(),
            quantity: order.quantity(),
            price_type: order.price_type(),
            product: order.product(),
            price: order.price(),
            trigger_price: order.trigger_price(),
            status,
            average_price: Price::ZERO,
            filled_quantity: Quantity::ZERO,
            margin_blocked: margin,
            rejection_reason: None,
            strategy: order.strategy().clone(),
            placed_at: now,
            updated_at: now,
        }
    }
}

fn lookup<'t>(
    symbols: &'t SymbolTable,
    key: &InstrumentKey,
) -> Result<&'t Instrument, SandboxError> {
    symbols
        .get(key.symbol.as_str(), key.exchange)
        .ok_or_else(|| {
            SandboxError::Invalid(OrderError::SymbolNotFound {
                symbol: key.symbol.to_string(),
                exchange: key.exchange,
            })
        })
}

/// The session boundary at or before `now` (`session_starts_at`, default 03:00).
fn session_start(config: &SandboxConfig, now: NaiveDateTime) -> NaiveDateTime {
    let today = now.date().and_time(config.session_starts_at);
    if now >= today {
        today
    } else {
        today - Duration::days(1)
    }
}

#[cold]
fn unreachable_id() -> OrderId {
    // Generated ids are 14 digits and never empty.
    OrderId::new("0").unwrap_or_else(|_| unreachable!("a one-digit order id is valid"))
}

#[cold]
fn unreachable_trade_id() -> TradeId {
    TradeId::new("TRADE").unwrap_or_else(|_| unreachable!("a non-empty trade id is valid"))
}
