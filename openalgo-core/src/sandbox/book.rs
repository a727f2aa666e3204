//! Working orders of one instrument, indexed by the price at which each would act, so a tick
//! touches only the orders it fills or triggers.

use std::collections::{BTreeMap, BTreeSet};

use super::model::SandboxOrder;
use crate::{Action, OrderStatus, Price, PriceType};

/// Resting orders of one instrument, keyed by (price, sequence).
#[derive(Debug, Default, Clone)]
pub(crate) struct RestingBook {
    /// Open buy limits (LIMIT, triggered SL): fill when LTP <= limit.
    buy_limits: BTreeMap<(Price, u64), ()>,
    /// Open sell limits: fill when LTP >= limit.
    sell_limits: BTreeMap<(Price, u64), ()>,
    /// Trigger-pending buys: trigger when LTP >= trigger.
    buy_stops: BTreeMap<(Price, u64), ()>,
    /// Trigger-pending sells: trigger when LTP <= trigger.
    sell_stops: BTreeMap<(Price, u64), ()>,
    /// Open market orders that rested on a stale quote: fill on any price.
    markets: BTreeSet<u64>,
}

enum Slot {
    BuyLimit(Price),
    SellLimit(Price),
    BuyStop(Price),
    SellStop(Price),
    Market,
}

fn slot(o: &SandboxOrder) -> Slot {
    match (o.status, o.price_type, o.action) {
        (OrderStatus::TriggerPending, _, Action::Buy) => Slot::BuyStop(o.trigger_price),
        (OrderStatus::TriggerPending, _, Action::Sell) => Slot::SellStop(o.trigger_price),
        (_, PriceType::Market | PriceType::StopMarket, _) => Slot::Market,
        (_, _, Action::Buy) => Slot::BuyLimit(o.price),
        (_, _, Action::Sell) => Slot::SellLimit(o.price),
    }
}

impl RestingBook {
    pub(crate) fn insert(&mut self, o: &SandboxOrder) {
        let s = o.seq;
        match slot(o) {
            Slot::BuyLimit(p) => drop(self.buy_limits.insert((p, s), ())),
            Slot::SellLimit(p) => drop(self.sell_limits.insert((p, s), ())),
            Slot::BuyStop(p) => drop(self.buy_stops.insert((p, s), ())),
            Slot::SellStop(p) => drop(self.sell_stops.insert((p, s), ())),
            Slot::Market => drop(self.markets.insert(s)),
        }
    }

    pub(crate) fn remove(&mut self, o: &SandboxOrder) {
        let s = o.seq;
        match slot(o) {
            Slot::BuyLimit(p) => drop(self.buy_limits.remove(&(p, s))),
            Slot::SellLimit(p) => drop(self.sell_limits.remove(&(p, s))),
            Slot::BuyStop(p) => drop(self.buy_stops.remove(&(p, s))),
            Slot::SellStop(p) => drop(self.sell_stops.remove(&(p, s))),
            Slot::Market => drop(self.markets.remove(&s)),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buy_limits.is_empty()
            && self.sell_limits.is_empty()
            && self.buy_stops.is_empty()
            && self.sell_stops.is_empty()
            && self.markets.is_empty()
    }

    /// Every working order's sequence number.
    pub(crate) fn all(&self, out: &mut Vec<u64>) {
        out.clear();
        out.extend(self.buy_limits.keys().map(|k| k.1));
        out.extend(self.sell_limits.keys().map(|k| k.1));
        out.extend(self.buy_stops.keys().map(|k| k.1));
        out.extend(self.sell_stops.keys().map(|k| k.1));
        out.extend(self.markets.iter().copied());
    }

    /// Sequence numbers of the orders a last price of `ltp` can act on, in placement order.
    pub(crate) fn actionable(&self, ltp: Price, out: &mut Vec<u64>) {
        out.clear();
        out.extend(self.buy_limits.range((ltp, 0)..).map(|(k, ())| k.1));
        out.extend(
            self.sell_limits
                .range(..=(ltp, u64::MAX))
                .map(|(k, ())| k.1),
        );
        out.extend(self.buy_stops.range(..=(ltp, u64::MAX)).map(|(k, ())| k.1));
        out.extend(self.sell_stops.range((ltp, 0)..).map(|(k, ())| k.1));
        out.extend(self.markets.iter().copied());
        out.sort_unstable();
    }
}
