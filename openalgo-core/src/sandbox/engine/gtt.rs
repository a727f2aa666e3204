//! GTT commands and triggers: reserve margin while active, fire one leg into a normal order
//! when its trigger is crossed, cancel, modify and expire (sandbox.md §11).

use chrono::{Datelike, Duration, NaiveDateTime};

use super::super::config::GttOcoMargin;
use super::super::gtt::{GttLeg, GttRequest, GttStatus, LegStatus, SandboxGtt};
use super::super::ledger::Reservation;
use super::*;

impl SandboxEngine {
    /// Every GTT, in placement order.
    pub fn gtts(&self) -> impl DoubleEndedIterator<Item = &SandboxGtt> {
        self.state.gtts.values()
    }

    /// Instruments with an active GTT (whose prices the account needs).
    pub fn instruments_with_active_gtts(&self) -> impl Iterator<Item = &InstrumentKey> {
        self.state.active_gtts.keys()
    }

    /// Whether `instrument` has an active GTT.
    #[must_use]
    pub fn has_active_gtts(&self, instrument: &InstrumentKey) -> bool {
        self.state.active_gtts.contains_key(instrument)
    }

    /// One GTT by trigger id.
    #[must_use]
    pub fn gtt(&self, trigger_id: &str) -> Option<&SandboxGtt> {
        self.state
            .gtts
            .values()
            .find(|g| g.trigger_id == trigger_id)
    }

    /// Checks the legs against the master and prices the reservation: each leg at its limit
    /// price, else its trigger, else the last price; an OCO reserves the larger leg (or both).
    fn gtt_reservation(
        &self,
        req: &GttRequest,
        legs: &[GttLeg],
        last_price: Price,
    ) -> Result<Money, SandboxError> {
        req.validate()?;
        let symbols = Arc::clone(&self.symbols);
        let inst = lookup(&symbols, &req.instrument)?;
        let mut margins = Vec::with_capacity(legs.len());
        for leg in legs {
            let mut draft = OrderRequest::builder(req.instrument.clone(), req.action, req.quantity);
            draft.product = req.product;
            draft.price_type = req.price_type;
            draft.price = leg.price;
            draft.strategy = req.strategy.clone();
            validate_against(&draft.build()?, inst)?;
            let basis = [leg.price, leg.trigger, last_price]
                .into_iter()
                .find(|p| p.is_positive())
                .unwrap_or(Price::ZERO);
            let units = i64::try_from(req.quantity.get()).unwrap_or(i64::MAX) * req.action.sign();
            margins.push(self.margin_for(inst, req.product, units, basis));
        }
        Ok(match self.config.gtt_oco_margin {
            GttOcoMargin::Sum => margins.iter().sum(),
            GttOcoMargin::Max => margins.into_iter().max().unwrap_or(Money::ZERO),
        })
    }

    /// Places a GTT and reserves its margin.
    ///
    /// # Errors
    /// [`SandboxError`]: invalid request, unknown symbol, lot/tick/product rules, funds.
    pub fn place_gtt(
        &mut self,
        req: &GttRequest,
        last_price: Option<Price>,
        now: NaiveDateTime,
    ) -> Result<String, SandboxError> {
        let last = last_price
            .or_else(|| self.state.prices.get(&req.instrument).map(|s| s.ltp))
            .unwrap_or(Price::ZERO);
        let legs = req.legs();
        let margin = self.gtt_reservation(req, &legs, last)?;
        let mut funds = self.state.funds.clone();
        funds.reserve(Reservation::Gtts, margin)?;
        let seq = self.state.next_gtt_seq;
        let trigger_id = format!(
            "GTT-{:02}{:02}{:02}-{:08x}",
            now.year() % 100,
            now.month(),
            now.day(),
            seq
        );
        let gtt = SandboxGtt {
            trigger_id: trigger_id.clone(),
            seq,
            instrument: req.instrument.clone(),
            action: req.action,
            product: req.product,
            quantity: req.quantity,
            price_type: req.price_type,
            legs,
            status: GttStatus::Active,
            margin_blocked: margin,
            last_price: last,
            strategy: req.strategy.clone(),
            expires_at: req.expires_at.unwrap_or(now + Duration::days(365)),
            created_at: now,
            updated_at: now,
        };
        self.emit(SandboxEvent::Gtt(gtt));
        self.emit_funds(funds);
        Ok(trigger_id)
    }

    fn active_gtt(&self, trigger_id: &str) -> Result<SandboxGtt, SandboxError> {
        self.gtt(trigger_id)
            .filter(|g| g.status == GttStatus::Active)
            .cloned()
            .ok_or_else(|| SandboxError::GttNotFound(trigger_id.to_owned()))
    }

    /// Replaces an active GTT's quantity, prices and triggers; the reservation is re-priced.
    ///
    /// # Errors
    /// [`SandboxError`]: not active, changed identity or leg count, validation, funds.
    pub fn modify_gtt(
        &mut self,
        trigger_id: &str,
        req: &GttRequest,
        now: NaiveDateTime,
    ) -> Result<String, SandboxError> {
        let old = self.active_gtt(trigger_id)?;
        if req.instrument != old.instrument {
            return Err(SandboxError::GttCannotChange("symbol and exchange"));
        }
        if req.action != old.action {
            return Err(SandboxError::GttCannotChange("action"));
        }
        let legs = req.legs();
        if legs.len() != old.legs.len() {
            return Err(SandboxError::GttCannotChange("trigger_type"));
        }
        let margin = self.gtt_reservation(req, &legs, old.last_price)?;
        let mut funds = self.state.funds.clone();
        funds.reserve(Reservation::Gtts, margin - old.margin_blocked)?;
        let mut gtt = old;
        gtt.product = req.product;
        gtt.quantity = req.quantity;
        gtt.price_type = req.price_type;
        gtt.legs = legs;
        gtt.margin_blocked = margin;
        gtt.strategy = req.strategy.clone();
        if let Some(e) = req.expires_at {
            gtt.expires_at = e;
        }
        gtt.updated_at = now;
        self.emit(SandboxEvent::Gtt(gtt));
        self.emit_funds(funds);
        Ok(trigger_id.to_owned())
    }

    /// Cancels an active GTT and releases its reservation.
    ///
    /// # Errors
    /// [`SandboxError::GttNotFound`] when no active GTT has this id.
    pub fn cancel_gtt(
        &mut self,
        trigger_id: &str,
        now: NaiveDateTime,
    ) -> Result<String, SandboxError> {
        let gtt = self.active_gtt(trigger_id)?;
        self.close_gtt(gtt, GttStatus::Cancelled, now);
        Ok(trigger_id.to_owned())
    }

    /// Ends a GTT: releases its reservation and cancels its pending legs.
    fn close_gtt(&mut self, mut gtt: SandboxGtt, status: GttStatus, now: NaiveDateTime) {
        let mut funds = self.state.funds.clone();
        funds.available += gtt.margin_blocked;
        funds.gtt_margin -= gtt.margin_blocked;
        gtt.margin_blocked = Money::ZERO;
        gtt.status = status;
        for leg in &mut gtt.legs {
            if leg.status == LegStatus::Pending {
                leg.status = LegStatus::Cancelled;
            }
        }
        gtt.updated_at = now;
        self.emit(SandboxEvent::Gtt(gtt));
        self.emit_funds(funds);
    }

    /// Cancels every active GTT (resets).
    pub(super) fn cancel_all_gtts(&mut self, now: NaiveDateTime) {
        let active: Vec<SandboxGtt> = self
            .gtts()
            .filter(|g| g.status == GttStatus::Active)
            .cloned()
            .collect();
        for g in active {
            self.close_gtt(g, GttStatus::Cancelled, now);
        }
    }

    /// Expires active GTTs past their expiry.
    pub(super) fn expire_gtts(&mut self, now: NaiveDateTime) {
        let due: Vec<SandboxGtt> = self
            .gtts()
            .filter(|g| g.status == GttStatus::Active && g.expires_at < now)
            .cloned()
            .collect();
        for g in due {
            self.close_gtt(g, GttStatus::Expired, now);
        }
    }

    /// Fires at most one leg of each active GTT on `instrument` whose trigger `ltp` crosses.
    pub(super) fn evaluate_gtts(
        &mut self,
        instrument: &InstrumentKey,
        ltp: Price,
        now: NaiveDateTime,
    ) {
        let Some(seqs) = self.state.active_gtts.get(instrument).cloned() else {
            return;
        };
        for seq in seqs {
            let Some(gtt) = self.state.gtts.get(&seq).cloned() else {
                continue;
            };
            let Some(leg) = gtt.legs.iter().position(|l| {
                l.status == LegStatus::Pending && l.direction.crossed(ltp, l.trigger)
            }) else {
                continue;
            };
            self.fire(gtt, leg, ltp, now);
        }
    }

    fn fire(&mut self, mut gtt: SandboxGtt, leg: usize, ltp: Price, now: NaiveDateTime) {
        // Release the reservation first: the child order reserves its own margin.
        let reserved = gtt.margin_blocked;
        let mut funds = self.state.funds.clone();
        funds.available += reserved;
        funds.gtt_margin -= reserved;
        self.emit_funds(funds);
        let mut draft = OrderRequest::builder(gtt.instrument.clone(), gtt.action, gtt.quantity);
        draft.product = gtt.product;
        draft.price_type = gtt.price_type;
        draft.price = gtt.legs[leg].price;
        draft.strategy = if gtt.strategy.as_str().is_empty() {
            StrategyTag::new("GTT").unwrap_or_default()
        } else {
            gtt.strategy.clone()
        };
        let placed = draft
            .build()
            .map_err(SandboxError::from)
            .and_then(|order| self.place(&order, Some(MarketSnapshot::ltp(ltp)), now));
        gtt.updated_at = now;
        match placed {
            Ok(order_id) => {
                gtt.margin_blocked = Money::ZERO;
                gtt.status = GttStatus::Triggered;
                for (i, l) in gtt.legs.iter_mut().enumerate() {
                    if i == leg {
                        l.status = LegStatus::Triggered;
                        l.order_id = Some(order_id.clone());
                    } else if l.status == LegStatus::Pending {
                        l.status = LegStatus::Cancelled;
                    }
                }
                self.emit(SandboxEvent::Gtt(gtt));
            }
            Err(SandboxError::CncSellRejected { .. }) => {
                gtt.margin_blocked = Money::ZERO;
                gtt.status = GttStatus::Rejected;
                self.emit(SandboxEvent::Gtt(gtt));
            }
            Err(_) => {
                // Try again on a later price if the reservation can be taken back.
                let mut funds = self.state.funds.clone();
                if funds.available >= reserved {
                    funds.available -= reserved;
                    funds.gtt_margin += reserved;
                    self.emit_funds(funds);
                } else {
                    gtt.margin_blocked = Money::ZERO;
                    gtt.status = GttStatus::Rejected;
                    self.emit(SandboxEvent::Gtt(gtt));
                }
            }
        }
    }
}
