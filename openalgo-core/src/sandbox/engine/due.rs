//! When the time-driven scans (expiry settlement, MIS square-off) can have work.
//!
//! Both scans look at every working order and open position, so running them before every
//! command made a placement cost grow with the number of resting orders. Something becomes due
//! in only two ways: the clock crosses a boundary (midnight, an exchange's square-off cut-off,
//! an expiry close time), or an order or position appears that is already due. The engine scans
//! when either happened since the last scan, and once more after a scan that found work (a
//! square-off that could not fill is retried, as before).

use chrono::{Duration, NaiveDateTime};

use super::SandboxEngine;
use crate::sandbox::event::SandboxEvent;
use crate::sandbox::model::SandboxOrder;
use crate::sandbox::{ExpirySettlementTiming, SandboxConfig};
use crate::{Exchange, InstrumentKey, Product};

/// Scan bookkeeping; not part of the account's state (a restored engine scans at once).
#[derive(Debug, Clone, Default)]
pub(super) struct DueScan {
    /// The earliest boundary after the last scan; `None` until the first scan.
    next: Option<NaiveDateTime>,
    /// The time of the current command (set by `advance`).
    now: Option<NaiveDateTime>,
    /// Something due appeared since the last scan, or the last scan found work.
    dirty: bool,
    /// Scan before every command (the old behaviour; tests compare against it).
    #[cfg(test)]
    always: bool,
}

impl DueScan {
    /// Forget the boundary: the next `advance` scans (the configuration changed).
    pub(super) fn invalidate(&mut self) {
        self.next = None;
    }
}

impl SandboxEngine {
    /// Scans before every command, as the engine did before scans were gated (tests compare
    /// the two).
    #[cfg(test)]
    pub(crate) fn scan_always(&mut self) {
        self.due.always = true;
    }

    /// Whether the time-driven scans must run at `now`; records `now` for [`Self::note_due`].
    pub(super) fn begin_due_scan(&mut self, now: NaiveDateTime) -> bool {
        self.due.now = Some(now);
        let needed = self.due.dirty || self.due.next.is_none_or(|t| now >= t);
        #[cfg(test)]
        let needed = needed || self.due.always;
        if needed {
            self.due.dirty = false;
        }
        needed
    }

    /// Ends a scan at `now` that found work (`found`) or not.
    pub(super) fn end_due_scan(&mut self, now: NaiveDateTime, found: bool) {
        self.due.dirty |= found;
        self.due.next = Some(self.next_boundary(now));
    }

    /// Marks the scans dirty when `event` leaves a working order or an open position that is
    /// already due at the current command's time.
    pub(super) fn note_due(&mut self, event: &SandboxEvent) {
        let Some(now) = self.due.now else { return };
        if self.due.dirty {
            return;
        }
        let due = match event {
            SandboxEvent::Order(o) => o.status.is_working() && self.order_due(o, now),
            SandboxEvent::Position(p) => {
                p.quantity != 0
                    && ((p.product == Product::Mis
                        && mis_due(&self.config, p.instrument.exchange, p.opened_at, now))
                        || self.contract_expired(&p.instrument, now))
            }
            _ => false,
        };
        self.due.dirty = due;
    }

    fn order_due(&self, o: &SandboxOrder, now: NaiveDateTime) -> bool {
        (o.product == Product::Mis
            && mis_due(&self.config, o.instrument.exchange, o.placed_at, now))
            || self.contract_expired(&o.instrument, now)
    }

    /// A derivative whose contract has expired at `now` (sandbox.md §9).
    pub(super) fn contract_expired(&self, key: &InstrumentKey, now: NaiveDateTime) -> bool {
        key.exchange.is_derivative()
            && self
                .symbols
                .get(key.symbol.as_str(), key.exchange)
                .is_some_and(|i| self.is_expired(i, now))
    }

    /// The first instant after `now` at which something can become due without an event.
    fn next_boundary(&self, now: NaiveDateTime) -> NaiveDateTime {
        let today = now.date();
        let midnight = (today + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or(now);
        let expiry_close = self.config.expiry_settlement == ExpirySettlementTiming::ExpiryDayClose;
        Exchange::ALL
            .iter()
            .flat_map(|&ex| {
                let cutoff = self.config.square_off_time(ex);
                let close = (expiry_close && ex.is_derivative())
                    .then(|| SandboxConfig::expiry_close_time(ex));
                [cutoff, close]
            })
            .flatten()
            .map(|t| today.and_time(t))
            .filter(|&t| t > now)
            .fold(midnight, NaiveDateTime::min)
    }
}

/// An MIS order or position opened at `since` is due for square-off at `now`: its exchange's
/// cut-off has passed today, or it is from an earlier day.
pub(super) fn mis_due(
    config: &SandboxConfig,
    exchange: Exchange,
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> bool {
    config
        .square_off_time(exchange)
        .is_some_and(|cutoff| now.time() >= cutoff || since.date() < now.date())
}
