//! Placement, modification and cancellation of orders (sandbox.md §4.3, §4.9–§4.11).

use std::sync::Arc;

use chrono::NaiveDateTime;

use super::super::ledger::Reservation;
use super::*;

impl SandboxEngine {
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
        funds.reserve(Reservation::Orders, margin)?;
        let status = if order.price_type().has_trigger() {
            OrderStatus::TriggerPending
        } else {
            OrderStatus::Open
        };
        let row = self.new_order(order, status, margin, now);
        let (seq, id) = (row.seq, row.order_id.clone());
        self.emit(SandboxEvent::Order(row));
        self.emit_funds(funds);
        if let Some(snap) = market {
            self.evaluate(seq, snap, true, now);
        }
        Ok(id)
    }

    pub(super) fn check_cnc_sell(
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
        if row.price_type == PriceType::Market
            && let Some(s) = self.state.prices.get(key)
        {
            row.price = s.ltp;
        }
        row.rejection_reason = Some(reason.clone());
        let order_id = row.order_id.clone();
        self.emit(SandboxEvent::Order(row));
        Err(SandboxError::CncSellRejected { order_id, reason })
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
        funds.reserve(Reservation::Orders, margin - old.margin_blocked)?;
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
            .ok_or_else(|| SandboxError::OrderNotFound(order_id.to_string()))?;
        if !o.status.is_working() {
            return Err(SandboxError::NotCancellable(o.status));
        }
        self.cancel_row(o, now);
        Ok(order_id.clone())
    }

    pub(super) fn cancel_row(&mut self, mut o: SandboxOrder, now: NaiveDateTime) {
        let mut funds = self.state.funds.clone();
        funds.available += o.margin_blocked;
        funds.order_margin -= o.margin_blocked;
        o.status = OrderStatus::Cancelled;
        o.updated_at = now;
        self.emit(SandboxEvent::Order(o));
        self.emit_funds(funds);
    }

    /// The margin this account would block for `order` at `price` now: the same rules as a
    /// placement (reducing units need none), without placing anything.
    ///
    /// # Errors
    /// [`SandboxError`] for validation failures against the master.
    pub fn margin_preview(
        &self,
        order: &OrderRequest,
        price: Price,
    ) -> Result<Money, SandboxError> {
        let key = order.instrument();
        let inst = self.instrument(key)?;
        validate_against(order, inst)?;
        Ok(self.reservation(
            inst,
            key,
            order.product(),
            order.action(),
            order.quantity().get(),
            price,
            None,
        ))
    }

    /// Working orders passing `filter`, in placement order. Reads the resting books, so the
    /// cost follows the working orders, not the whole history.
    pub(super) fn working_orders(
        &self,
        filter: impl Fn(&SandboxOrder) -> bool,
    ) -> Vec<SandboxOrder> {
        let mut seqs = Vec::new();
        let mut scratch = Vec::new();
        for book in self.state.books.values() {
            book.all(&mut scratch);
            seqs.extend_from_slice(&scratch);
        }
        seqs.sort_unstable();
        seqs.into_iter()
            .filter_map(|seq| self.state.order(seq))
            .filter(|o| o.status.is_working() && filter(o))
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
        // The last quote (bid/ask when known), never treated as stale: a close must execute.
        let market =
            self.state
                .prices
                .get(instrument)
                .map_or(MarketSnapshot::ltp(position.ltp), |s| MarketSnapshot {
                    day_range: None,
                    ..*s
                });
        self.place(&order, Some(market), now)
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
}
