//! Order evaluation against a price and the fill procedure (sandbox.md §4.5, §4.6, §6.2).

use std::sync::Arc;

use chrono::NaiveDateTime;

use super::*;

impl SandboxEngine {
    /// Acts on one working order given a price: trigger, fill, or nothing.
    pub(super) fn evaluate(
        &mut self,
        seq: u64,
        snap: MarketSnapshot,
        at_placement: bool,
        now: NaiveDateTime,
    ) {
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
    pub(super) fn fill(&mut self, seq: u64, price: Price, now: NaiveDateTime) {
        let Some(o) = self.state.order(seq) else {
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
}
