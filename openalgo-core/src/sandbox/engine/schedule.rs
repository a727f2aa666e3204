//! Time-driven work: sessions, T+1, scheduled resets, expiry and MIS square-off (§7–§10).

use chrono::NaiveDateTime;

use super::due::mis_due;
use super::*;

impl SandboxEngine {
    /// Runs everything that is due by `now`: session rollover, T+1 settlement, scheduled fund
    /// reset, expiry settlement and MIS square-off.
    pub fn advance(&mut self, now: NaiveDateTime) {
        let session = session_start(&self.config, now);
        if self.state.session_start < session {
            let closed = self.current_day();
            self.emit(SandboxEvent::DayClosed(closed));
            self.emit(SandboxEvent::SessionStarted { at: session });
        }
        self.settle_t1(now);
        self.expire_gtts(now);
        self.scheduled_reset(now);
        if self.begin_due_scan(now) {
            let expired = self.settle_expired(now);
            let squared = self.square_off_mis(now);
            self.end_due_scan(now, expired || squared);
        }
    }

    pub(super) fn settle_t1(&mut self, now: NaiveDateTime) {
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

    pub(super) fn scheduled_reset(&mut self, now: NaiveDateTime) {
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
        self.cancel_all_gtts(now);
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

    pub(super) fn is_expired(&self, inst: &Instrument, now: NaiveDateTime) -> bool {
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
        self.config.expiry_settlement == crate::sandbox::ExpirySettlementTiming::ExpiryDayClose
            && now.time() >= SandboxConfig::expiry_close_time(inst.exchange)
    }

    /// Cancels working orders on expired contracts and settles their open positions; returns
    /// whether there was any.
    pub(super) fn settle_expired(&mut self, now: NaiveDateTime) -> bool {
        let expired_orders = self.working_orders(|o| self.contract_expired(&o.instrument, now));
        let mut found = !expired_orders.is_empty();
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
        found |= !due.is_empty();
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
        found
    }

    /// Cancels MIS orders and closes MIS positions past their cut-off; returns whether there
    /// was any.
    pub(super) fn square_off_mis(&mut self, now: NaiveDateTime) -> bool {
        let stale_orders = self.working_orders(|o| {
            o.product == Product::Mis
                && mis_due(&self.config, o.instrument.exchange, o.placed_at, now)
        });
        let mut found = !stale_orders.is_empty();
        for o in stale_orders {
            self.cancel_row(o, now);
        }
        let positions: Vec<SandboxPosition> = self
            .positions()
            .into_iter()
            .filter(|p| {
                p.product == Product::Mis
                    && p.quantity != 0
                    && mis_due(&self.config, p.instrument.exchange, p.opened_at, now)
            })
            .collect();
        found |= !positions.is_empty();
        for p in positions {
            let _ = self.close_position(&p.instrument, p.product, AUTO_SQUARE_OFF, now);
        }
        found
    }
}
