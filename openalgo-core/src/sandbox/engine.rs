//! [`SandboxEngine`]: the paper-trading account. Pure and deterministic: time comes in as
//! `now` (IST), prices as [`MarketSnapshot`]s; every change is journalled as a [`SandboxEvent`].

use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDateTime, Timelike};
use rust_decimal::{Decimal, RoundingStrategy};

use super::config::{FundReset, OptionSettlement, SandboxConfig};
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
        Self {
            config,
            symbols,
            state: SandboxState::new(funds, session),
            journal: Vec::new(),
            scratch: Vec::new(),
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

    fn emit(&mut self, event: SandboxEvent) {
        self.state.apply(&event);
        self.journal.push(event);
    }

    fn emit_funds(&mut self, funds: FundsLedger) {
        self.emit(SandboxEvent::Funds(funds));
    }

    // ---------------------------------------------------------------- queries

    /// Configuration.
    #[must_use]
    pub const fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// Funds.
    #[must_use]
    pub const fn funds(&self) -> &FundsLedger {
        &self.state.funds
    }

    /// Every order, in placement order.
    pub fn orders(&self) -> impl DoubleEndedIterator<Item = &SandboxOrder> {
        self.state.orders.iter()
    }

    /// One order.
    #[must_use]
    pub fn order(&self, order_id: &str) -> Option<&SandboxOrder> {
        self.state.order_by_id(order_id)
    }

    /// Every trade, in fill order.
    #[must_use]
    pub fn trades(&self) -> &[SandboxTrade] {
        &self.state.trades
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

    // ---------------------------------------------------------------- rules

    fn instrument(&self, key: &InstrumentKey) -> Result<&Instrument, SandboxError> {
        lookup(&self.symbols, key)
    }

    /// Leverage for a position side (sandbox.md §3.3 order of rules).
    fn leverage(&self, inst: &Instrument, product: Product, long: bool) -> Decimal {
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
    fn margin_for(
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
    fn pending_units(
        &self,
        key: &InstrumentKey,
        product: Product,
        action: Action,
        except: Option<u64>,
    ) -> u64 {
        let mut total = 0;
        if let Some(book) = self.state.books.get(key) {
            let mut seqs = Vec::new();
            book.all(&mut seqs);
            for seq in seqs {
                if Some(seq) == except {
                    continue;
                }
                if let Some(o) = self.state.order(seq) {
                    if o.product == product && o.action == action {
                        total += o.pending_quantity().get();
                    }
                }
            }
        }
        total
    }

    /// Margin reserved at placement: only the units that open or add need margin; units that
    /// reduce the position (net of other working orders that also reduce it) need none.
    #[allow(clippy::too_many_arguments)] // one call shape for placement and modification
    fn reservation(
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

    fn mis_window_check(
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

    fn new_order(
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

    // ---------------------------------------------------------------- commands

    /// Places an order (sandbox.md §4.3, with the fixes listed in `docs/compatibility.md`).
    /// `market` is the current quote when the caller has one; a MARKET order needs it.
    ///
    /// # Errors
    /// [`SandboxError`]: validation, MIS window, CNC availability (recorded as a rejected order),
    /// missing price, insufficient funds.
    pub fn place(
        &mut self,
        order: &OrderRequest,
        market: Option<MarketSnapshot>,
        now: NaiveDateTime,
    ) -> Result<OrderId, SandboxError> {
        let key = order.instrument().clone();
        let symbols = Arc::clone(&self.symbols);
        let inst = lookup(&symbols, &key)?;
        validate_against(order, inst)?;
        let (action, product, qty) = (order.action(), order.product(), order.quantity().get());
        self.mis_window_check(&key, product, action, qty, now)?;
        if let Some(snap) = market {
            self.state.prices.insert(key.clone(), snap);
        }
        if product == Product::Cnc && action == Action::Sell {
            self.check_cnc_sell(order, now)?;
        }
        let margin_price = match order.price_type() {
            PriceType::Market => match market {
                Some(s) if s.ltp.is_positive() => s.market_price(action),
                _ => {
                    return Err(SandboxError::NoMarketPrice {
                        symbol: key.symbol.to_string(),
                    });
                }
            },
            PriceType::Limit | PriceType::StopLimit => order.price(),
            PriceType::StopMarket => order.trigger_price(),
        };
        let margin = self.reservation(inst, &key, product, action, qty, margin_price, None);
        let mut funds = self.state.funds.clone();
        if margin > funds.available {
            return Err(SandboxError::InsufficientFunds {
                required: margin,
                available: funds.available,
            });
        }
        let status = if order.price_type().has_trigger() {
            OrderStatus::TriggerPending
        } else {
            OrderStatus::Open
        };
        let row = self.new_order(order, status, margin, now);
        let (seq, id) = (row.seq, row.order_id.clone());
        funds.available -= margin;
        funds.order_margin += margin;
        self.emit(SandboxEvent::Order(row));
        self.emit_funds(funds);
        if let Some(snap) = market {
            self.evaluate(seq, snap, true, now);
        }
        Ok(id)
    }

    fn check_cnc_sell(
        &mut self,
        order: &OrderRequest,
        now: NaiveDateTime,
    ) -> Result<(), SandboxError> {
        let key = order.instrument();
        let qty = order.quantity().get();
        let position = self.net_quantity(key, Product::Cnc).max(0).unsigned_abs();
        let held = self.state.holdings.get(key).map_or(0, |h| h.quantity);
        let pending = self.pending_units(key, Product::Cnc, Action::Sell, None);
        let available = (position + held).saturating_sub(pending);
        if qty <= available {
            return Ok(());
        }
        let reason = if available == 0 {
            format!(
                "Cannot sell {qty} shares of {} in CNC. No positions or holdings available.",
                key.symbol
            )
        } else {
            format!(
                "Cannot sell {qty} shares of {}. Only {available} shares available (Position: {position}, Holdings: {held}, Pending sells: {pending})",
                key.symbol
            )
        };
        let mut row = self.new_order(order, OrderStatus::Rejected, Money::ZERO, now);
        if row.price_type == PriceType::Market {
            if let Some(s) = self.state.prices.get(key) {
                row.price = s.ltp;
            }
        }
        row.rejection_reason = Some(reason.clone());
        let order_id = row.order_id.clone();
        self.emit(SandboxEvent::Order(row));
        Err(SandboxError::CncSellRejected { order_id, reason })
    }

    /// Acts on one working order given a price: trigger, fill, or nothing.
    fn evaluate(&mut self, seq: u64, snap: MarketSnapshot, at_placement: bool, now: NaiveDateTime) {
        let Some(o) = self.state.order(seq) else {
            return;
        };
        if !o.status.is_working() || snap.is_stale() || !snap.ltp.is_positive() {
            return;
        }
        let (action, ltp) = (o.action, snap.ltp);
        match (o.status, o.price_type) {
            (OrderStatus::TriggerPending, PriceType::StopMarket) => {
                if triggered(action, ltp, o.trigger_price) {
                    self.fill(seq, ltp, now);
                }
            }
            (OrderStatus::TriggerPending, _) => {
                if triggered(action, ltp, o.trigger_price) {
                    if limit_reached(action, ltp, o.price) {
                        self.fill(seq, ltp, now);
                    } else {
                        let mut open = o.clone();
                        open.status = OrderStatus::Open;
                        open.updated_at = now;
                        self.emit(SandboxEvent::Order(open));
                    }
                }
            }
            (_, PriceType::Market) => {
                let price = snap.market_price(action);
                self.fill(seq, price, now);
            }
            (_, PriceType::StopMarket) => self.fill(seq, ltp, now),
            (_, PriceType::StopLimit) => {
                if limit_reached(action, ltp, o.price) {
                    self.fill(seq, ltp, now);
                }
            }
            (_, PriceType::Limit) => {
                if limit_reached(action, ltp, o.price) {
                    let price = if at_placement { ltp } else { o.price };
                    self.fill(seq, price, now);
                }
            }
        }
    }

    /// Fills a working order completely at `price` (sandbox.md §4.6, §6.2), re-pricing the
    /// position margin exactly; refuses the fill when the account cannot carry the new margin.
    fn fill(&mut self, seq: u64, price: Price, now: NaiveDateTime) {
        let Some(o) = self.state.order(seq).cloned() else {
            return;
        };
        let symbols = Arc::clone(&self.symbols);
        let Ok(inst) = lookup(&symbols, &o.instrument) else {
            return;
        };
        let key = o.instrument.clone();
        let qty = o.quantity.get();
        let pos_key = (key.clone(), o.product);
        let position = self.state.positions.get(&pos_key).cloned();
        let (old_qty, old_avg, old_margin) = position
            .as_ref()
            .map_or((0, Price::ZERO, Money::ZERO), |p| {
                (p.quantity, p.average_price, p.margin)
            });

        // A CNC sell first closes today's CNC long, then sells out of holdings.
        let from_holdings = if o.product == Product::Cnc && o.action == Action::Sell {
            qty.saturating_sub(old_qty.max(0).unsigned_abs())
        } else {
            0
        };
        let netted_units = qty - from_holdings;
        let delta = i64::try_from(netted_units).unwrap_or(i64::MAX) * o.action.sign();
        let n = net(old_qty, old_avg, delta, price);
        let new_margin = self.margin_for(inst, o.product, n.quantity, n.average);
        let margin_change = new_margin - old_margin;

        let holding = self.state.holdings.get(&key).cloned();
        let (holding_cost_out, proceeds) = match (&holding, from_holdings) {
            (_, 0) => (Money::ZERO, Money::ZERO),
            (Some(h), k) => {
                let cost_out = if k >= h.quantity {
                    h.cost
                } else {
                    (h.cost * Money::from(k) / Money::from(h.quantity)).round_dp(4)
                };
                (cost_out, price.notional(k))
            }
            (None, _) => (Money::ZERO, Money::ZERO),
        };
        let realized = n.realized + (proceeds - holding_cost_out);

        let mut funds = self.state.funds.clone();
        let cash_after =
            funds.available + o.margin_blocked - margin_change + holding_cost_out + realized;
        if margin_change > Money::ZERO && cash_after < Money::ZERO {
            let mut rejected = o;
            rejected.status = OrderStatus::Rejected;
            rejected.rejection_reason = Some(format!(
                "Insufficient funds at execution. Required: ₹{:.2}, Available: ₹{:.2}",
                margin_change,
                funds.available + rejected.margin_blocked
            ));
            rejected.updated_at = now;
            funds.available += rejected.margin_blocked;
            funds.order_margin -= rejected.margin_blocked;
            self.emit(SandboxEvent::Order(rejected));
            self.emit_funds(funds);
            return;
        }

        funds.order_margin -= o.margin_blocked;
        funds.available += o.margin_blocked;
        funds.position_margin += margin_change;
        funds.available -= margin_change;
        funds.available += holding_cost_out;
        funds.realize(realized);

        let trade_seq = self.state.next_trade_seq;
        let trade = SandboxTrade {
            trade_id: TradeId::new(trade_id_text(now, trade_seq))
                .unwrap_or_else(|_| unreachable_trade_id()),
            seq: trade_seq,
            order_id: o.order_id.clone(),
            instrument: key.clone(),
            action: o.action,
            quantity: o.quantity,
            price,
            product: o.product,
            strategy: o.strategy.clone(),
            timestamp: now,
        };
        let mut done = o;
        done.status = OrderStatus::Complete;
        done.average_price = price;
        done.filled_quantity = done.quantity;
        done.updated_at = now;

        let opened_at = match &position {
            Some(p) if !n.opened => p.opened_at,
            _ => now,
        };
        let (accumulated, today) = position.as_ref().map_or((Money::ZERO, Money::ZERO), |p| {
            (p.accumulated_realized, p.today_realized)
        });
        let touched_position = netted_units > 0 || position.is_some();
        let new_position = SandboxPosition {
            instrument: key.clone(),
            product: done.product,
            quantity: n.quantity,
            average_price: n.average,
            margin: new_margin,
            ltp: price,
            accumulated_realized: accumulated + n.realized,
            today_realized: today + n.realized,
            opened_at,
            updated_at: now,
        };

        self.emit(SandboxEvent::Order(done));
        self.emit(SandboxEvent::Trade(trade));
        if touched_position {
            self.emit(SandboxEvent::Position(new_position));
        }
        if let (Some(mut h), true) = (holding, from_holdings > 0) {
            h.quantity -= from_holdings.min(h.quantity);
            h.cost -= holding_cost_out;
            h.ltp = price;
            if h.quantity == 0 {
                self.emit(SandboxEvent::HoldingRemoved { instrument: key });
            } else {
                self.emit(SandboxEvent::Holding(h));
            }
        }
        self.emit_funds(funds);
    }

    /// Modifies a working order; the reservation is re-priced (fixes §14-Q4) and the order is
    /// evaluated against `market` when given.
    ///
    /// # Errors
    /// [`SandboxError`]: unknown or finished order, changed identity, validation, funds.
    pub fn modify(
        &mut self,
        modify: &ModifyOrder,
        market: Option<MarketSnapshot>,
        now: NaiveDateTime,
    ) -> Result<OrderId, SandboxError> {
        let old = self
            .order(modify.order_id().as_str())
            .cloned()
            .ok_or_else(|| SandboxError::OrderNotFound(modify.order_id().to_string()))?;
        if !old.status.is_working() {
            return Err(SandboxError::NotModifiable(old.status));
        }
        let new = modify.order();
        if new.instrument() != &old.instrument {
            return Err(SandboxError::CannotChange("symbol and exchange"));
        }
        if new.action() != old.action {
            return Err(SandboxError::CannotChange("action"));
        }
        if new.product() != old.product {
            return Err(SandboxError::CannotChange("product"));
        }
        let inst = self.instrument(&old.instrument)?.clone();
        validate_against(new, &inst)?;
        if let Some(snap) = market {
            self.state.prices.insert(old.instrument.clone(), snap);
        }
        let margin_price = match new.price_type() {
            PriceType::Market => self
                .state
                .prices
                .get(&old.instrument)
                .map(|s| s.market_price(old.action))
                .ok_or_else(|| SandboxError::NoMarketPrice {
                    symbol: old.instrument.symbol.to_string(),
                })?,
            PriceType::Limit | PriceType::StopLimit => new.price(),
            PriceType::StopMarket => new.trigger_price(),
        };
        let margin = self.reservation(
            &inst,
            &old.instrument,
            old.product,
            old.action,
            new.quantity().get(),
            margin_price,
            Some(old.seq),
        );
        let mut funds = self.state.funds.clone();
        let extra = margin - old.margin_blocked;
        if extra > funds.available {
            return Err(SandboxError::InsufficientFunds {
                required: extra,
                available: funds.available,
            });
        }
        funds.available -= extra;
        funds.order_margin += extra;
        let still_triggered = old.status == OrderStatus::Open
            && old.price_type == PriceType::StopLimit
            && new.price_type() == PriceType::StopLimit;
        let mut row = old;
        row.quantity = new.quantity();
        row.price = new.price();
        row.trigger_price = new.trigger_price();
        row.price_type = new.price_type();
        row.margin_blocked = margin;
        row.status = if new.price_type().has_trigger() && !still_triggered {
            OrderStatus::TriggerPending
        } else {
            OrderStatus::Open
        };
        row.updated_at = now;
        let (seq, id) = (row.seq, row.order_id.clone());
        self.emit(SandboxEvent::Order(row));
        self.emit_funds(funds);
        if let Some(snap) =
            market.or_else(|| self.state.prices.get(&new.instrument().clone()).copied())
        {
            self.evaluate(seq, snap, false, now);
        }
        Ok(id)
    }

    /// Cancels a working order and releases its reservation.
    ///
    /// # Errors
    /// [`SandboxError::OrderNotFound`] or [`SandboxError::NotCancellable`].
    pub fn cancel(
        &mut self,
        order_id: &OrderId,
        now: NaiveDateTime,
    ) -> Result<OrderId, SandboxError> {
        let o = self
            .order(order_id.as_str())
            .cloned()
            .ok_or_else(|| SandboxError::OrderNotFound(order_id.to_string()))?;
        if !o.status.is_working() {
            return Err(SandboxError::NotCancellable(o.status));
        }
        self.cancel_row(o, now);
        Ok(order_id.clone())
    }

    fn cancel_row(&mut self, mut o: SandboxOrder, now: NaiveDateTime) {
        let mut funds = self.state.funds.clone();
        funds.available += o.margin_blocked;
        funds.order_margin -= o.margin_blocked;
        o.status = OrderStatus::Cancelled;
        o.updated_at = now;
        self.emit(SandboxEvent::Order(o));
        self.emit_funds(funds);
    }

    fn working_orders(&self, filter: impl Fn(&SandboxOrder) -> bool) -> Vec<SandboxOrder> {
        self.state
            .orders
            .iter()
            .filter(|o| o.status.is_working() && filter(o))
            .cloned()
            .collect()
    }

    /// Cancels every open and trigger-pending order; returns their ids.
    pub fn cancel_all(&mut self, now: NaiveDateTime) -> Vec<OrderId> {
        let orders = self.working_orders(|_| true);
        let ids = orders.iter().map(|o| o.order_id.clone()).collect();
        for o in orders {
            self.cancel_row(o, now);
        }
        ids
    }

    /// Squares off one position with a MARKET order at the last known price.
    ///
    /// # Errors
    /// [`SandboxError::NoOpenPosition`] when flat, or a placement refusal.
    pub fn close_position(
        &mut self,
        instrument: &InstrumentKey,
        product: Product,
        strategy: &str,
        now: NaiveDateTime,
    ) -> Result<OrderId, SandboxError> {
        let position = self
            .state
            .positions
            .get(&(instrument.clone(), product))
            .filter(|p| p.quantity != 0)
            .cloned()
            .ok_or_else(|| SandboxError::NoOpenPosition(instrument.symbol.to_string()))?;
        let action = if position.quantity > 0 {
            Action::Sell
        } else {
            Action::Buy
        };
        let mut draft = OrderRequest::builder(
            instrument.clone(),
            action,
            Quantity::new(position.quantity.unsigned_abs()),
        );
        draft.product = product;
        draft.strategy = StrategyTag::new(strategy).unwrap_or_default();
        let order = draft.build()?;
        let price = self
            .state
            .prices
            .get(instrument)
            .map_or(position.ltp, |s| s.ltp);
        self.place(&order, Some(MarketSnapshot::ltp(price)), now)
    }

    /// Squares off every open position; returns each attempt.
    pub fn close_all_positions(
        &mut self,
        strategy: &str,
        now: NaiveDateTime,
    ) -> Vec<(InstrumentKey, Product, Result<OrderId, SandboxError>)> {
        let open: Vec<(InstrumentKey, Product)> = self
            .positions()
            .into_iter()
            .filter(|p| p.quantity != 0)
            .map(|p| (p.instrument, p.product))
            .collect();
        open.into_iter()
            .map(|(k, p)| {
                let r = self.close_position(&k, p, strategy, now);
                (k, p, r)
            })
            .collect()
    }

    /// A new price for an instrument: triggers and fills its working orders in placement
    /// order, then runs the risk stop-out check.
    pub fn on_price(
        &mut self,
        instrument: &InstrumentKey,
        snap: MarketSnapshot,
        now: NaiveDateTime,
    ) {
        self.state.prices.insert(instrument.clone(), snap);
        let mut seqs = std::mem::take(&mut self.scratch);
        match self.state.books.get(instrument) {
            Some(book) => book.actionable(snap.ltp, &mut seqs),
            None => seqs.clear(),
        }
        for &seq in &seqs {
            self.evaluate(seq, snap, false, now);
        }
        self.scratch = seqs;
        if self.state.funds.position_margin > Money::ZERO {
            self.check_stop_out(now);
        }
    }

    /// Closes everything when equity falls to `stop_out_level` × position margin, so losses
    /// cannot outrun the account.
    fn check_stop_out(&mut self, now: NaiveDateTime) {
        let f = &self.state.funds;
        let equity = f.available + f.order_margin + f.position_margin + self.unrealized_pnl();
        if equity > self.config.stop_out_level * f.position_margin {
            return;
        }
        self.cancel_all(now);
        let _ = self.close_all_positions(RMS_SQUARE_OFF, now);
    }

    /// Runs everything that is due by `now`: session rollover, T+1 settlement, scheduled fund
    /// reset, expiry settlement and MIS square-off.
    pub fn advance(&mut self, now: NaiveDateTime) {
        let session = session_start(&self.config, now);
        if self.state.session_start < session {
            self.emit(SandboxEvent::SessionStarted { at: session });
        }
        self.settle_t1(now);
        self.scheduled_reset(now);
        self.settle_expired(now);
        self.square_off_mis(now);
    }

    fn settle_t1(&mut self, now: NaiveDateTime) {
        let today = now.date();
        let due: Vec<SandboxPosition> = self
            .positions()
            .into_iter()
            .filter(|p| p.product == Product::Cnc && p.opened_at.date() < today)
            .collect();
        for p in due {
            let mut funds = self.state.funds.clone();
            if p.quantity > 0 {
                let units = p.quantity.unsigned_abs();
                let cost_in = p.average_price.notional(units);
                let mut h =
                    self.state
                        .holdings
                        .get(&p.instrument)
                        .cloned()
                        .unwrap_or(SandboxHolding {
                            instrument: p.instrument.clone(),
                            quantity: 0,
                            cost: Money::ZERO,
                            ltp: p.ltp,
                            settlement_date: today,
                        });
                h.quantity += units;
                h.cost += cost_in;
                h.ltp = p.ltp;
                h.settlement_date = today;
                funds.position_margin -= p.margin;
                funds.available += p.margin - cost_in;
                funds.protect();
                self.emit(SandboxEvent::Holding(h));
            }
            self.emit(SandboxEvent::PositionRemoved {
                instrument: p.instrument,
                product: p.product,
            });
            self.emit_funds(funds);
        }
    }

    fn scheduled_reset(&mut self, now: NaiveDateTime) {
        let FundReset::Weekly { day, time } = self.config.fund_reset else {
            return;
        };
        let mut date = now.date();
        for _ in 0..7 {
            if date.weekday() == day && date.and_time(time) <= now {
                break;
            }
            date -= Duration::days(1);
        }
        let instant = date.and_time(time);
        if date.weekday() != day || instant > now || self.state.funds.last_reset >= instant {
            return;
        }
        self.cancel_all(now);
        for p in self.positions() {
            self.emit(SandboxEvent::PositionRemoved {
                instrument: p.instrument,
                product: p.product,
            });
        }
        for h in self.holdings() {
            self.emit(SandboxEvent::HoldingRemoved {
                instrument: h.instrument,
            });
        }
        let mut funds = FundsLedger::new(self.config.starting_capital, now);
        funds.reset_count = self.state.funds.reset_count + 1;
        self.emit_funds(funds);
    }

    /// Manual reset: the account starts over with the configured capital; orders, trades,
    /// positions and holdings are removed (nothing keeps a stale reservation: §14-Q9).
    pub fn reset(&mut self, now: NaiveDateTime) {
        let mut funds = FundsLedger::new(self.config.starting_capital, now);
        funds.reset_count = self.state.funds.reset_count + 1;
        self.emit(SandboxEvent::Cleared);
        self.emit_funds(funds);
    }

    fn is_expired(&self, inst: &Instrument, now: NaiveDateTime) -> bool {
        let Some(expiry) = inst
            .expiry
            .or_else(|| inst.parts().ok().and_then(|p| p.expiry()))
        else {
            return false;
        };
        let (today, date) = (now.date(), expiry.date());
        if today != date {
            return today > date;
        }
        self.config.expiry_settlement == super::config::ExpirySettlementTiming::ExpiryDayClose
            && now.time() >= SandboxConfig::expiry_close_time(inst.exchange)
    }

    fn settle_expired(&mut self, now: NaiveDateTime) {
        let expired_orders = self.working_orders(|o| {
            o.instrument.exchange.is_derivative()
                && self
                    .symbols
                    .get(o.instrument.symbol.as_str(), o.instrument.exchange)
                    .is_some_and(|i| self.is_expired(i, now))
        });
        for o in expired_orders {
            self.cancel_row(o, now);
        }
        let due: Vec<(SandboxPosition, bool)> = self
            .positions()
            .into_iter()
            .filter(|p| p.quantity != 0 && p.instrument.exchange.is_derivative())
            .filter_map(|p| {
                let inst = self
                    .symbols
                    .get(p.instrument.symbol.as_str(), p.instrument.exchange)?;
                let option = matches!(inst.parts(), Ok(SymbolParts::Option { .. }));
                self.is_expired(inst, now).then_some((p, option))
            })
            .collect();
        for (p, option) in due {
            let settle = if option {
                match self.config.option_settlement {
                    OptionSettlement::Ltp if p.ltp.is_positive() => p.ltp,
                    _ => Price::ZERO,
                }
            } else if p.ltp.is_positive() {
                p.ltp
            } else {
                p.average_price
            };
            let pnl = (settle.value() - p.average_price.value()) * Money::from(p.quantity);
            let mut funds = self.state.funds.clone();
            funds.position_margin -= p.margin;
            funds.available += p.margin;
            funds.realize(pnl);
            let mut settled = p;
            settled.quantity = 0;
            settled.margin = Money::ZERO;
            settled.ltp = settle;
            settled.accumulated_realized += pnl;
            settled.today_realized += pnl;
            settled.updated_at = now;
            self.emit(SandboxEvent::Position(settled));
            self.emit_funds(funds);
        }
    }

    fn square_off_mis(&mut self, now: NaiveDateTime) {
        let today = now.date();
        let due = |ex: Exchange, since: NaiveDateTime, cfg: &SandboxConfig| {
            cfg.square_off_time(ex)
                .is_some_and(|cutoff| now.time() >= cutoff || since.date() < today)
        };
        let stale_orders = self.working_orders(|o| {
            o.product == Product::Mis && due(o.instrument.exchange, o.placed_at, &self.config)
        });
        for o in stale_orders {
            self.cancel_row(o, now);
        }
        let positions: Vec<SandboxPosition> = self
            .positions()
            .into_iter()
            .filter(|p| {
                p.product == Product::Mis
                    && p.quantity != 0
                    && due(p.instrument.exchange, p.opened_at, &self.config)
            })
            .collect();
        for p in positions {
            let _ = self.close_position(&p.instrument, p.product, AUTO_SQUARE_OFF, now);
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

/// Appends `value` as exactly `width` decimal digits (zero-padded, higher digits dropped).
fn push_digits(out: &mut String, value: u64, width: u32) {
    let mut div = 10u64.pow(width.saturating_sub(1));
    let mut v = value % (div * 10);
    while div > 0 {
        let d = u8::try_from(v / div).unwrap_or(0);
        out.push(char::from(b'0' + d));
        v %= div;
        div /= 10;
    }
}

/// `YYMMDD` + 8-digit sequence: the reference's 14-digit order-id shape.
fn order_id_text(now: NaiveDateTime, seq: u64) -> String {
    let mut s = String::with_capacity(14);
    push_digits(&mut s, u64::try_from(now.year()).unwrap_or(0), 2);
    push_digits(&mut s, u64::from(now.month()), 2);
    push_digits(&mut s, u64::from(now.day()), 2);
    push_digits(&mut s, seq, 8);
    s
}

/// `TRADE-YYYYMMDD-HHMMSS-<8-digit sequence>`.
fn trade_id_text(now: NaiveDateTime, seq: u64) -> String {
    let mut s = String::with_capacity(30);
    s.push_str("TRADE-");
    push_digits(&mut s, u64::try_from(now.year()).unwrap_or(0), 4);
    push_digits(&mut s, u64::from(now.month()), 2);
    push_digits(&mut s, u64::from(now.day()), 2);
    s.push('-');
    push_digits(&mut s, u64::from(now.hour()), 2);
    push_digits(&mut s, u64::from(now.minute()), 2);
    push_digits(&mut s, u64::from(now.second()), 2);
    s.push('-');
    push_digits(&mut s, seq, 8);
    s
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

#[cfg(test)]
mod id_tests {
    use super::*;

    #[test]
    fn id_shapes() {
        let t = NaiveDateTime::parse_from_str("2025-08-22 10:15:03", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(order_id_text(t, 12_345), "25082200012345");
        assert_eq!(order_id_text(t, 123_456_789), "25082223456789");
        assert_eq!(trade_id_text(t, 7), "TRADE-20250822-101503-00000007");
    }
}
