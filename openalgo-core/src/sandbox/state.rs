//! [`SandboxState`]: the sandbox's records and indexes, changed only by applying events.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::book::RestingBook;
use super::daily::{DailyPnl, MAX_DAYS};
use super::event::SandboxEvent;
use super::gtt::{GttStatus, SandboxGtt};
use super::history::History;
use super::ledger::FundsLedger;
use super::model::{MarketSnapshot, SandboxHolding, SandboxOrder, SandboxPosition, SandboxTrade};
use crate::{Action, InstrumentKey, Product};

/// A serialisable copy of the whole account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxSnapshot {
    /// Funds.
    pub funds: FundsLedger,
    /// Every order, in placement order.
    pub orders: Vec<SandboxOrder>,
    /// Every trade, in fill order.
    pub trades: Vec<SandboxTrade>,
    /// Positions.
    pub positions: Vec<SandboxPosition>,
    /// Holdings.
    pub holdings: Vec<SandboxHolding>,
    /// Last known prices.
    pub prices: Vec<(InstrumentKey, MarketSnapshot)>,
    /// Every GTT, in placement order.
    pub gtts: Vec<SandboxGtt>,
    /// Start of the current session.
    pub session_start: NaiveDateTime,
    /// Sequence numbers already used for orders and trades.
    pub next_order_seq: u64,
    /// Next trade sequence.
    pub next_trade_seq: u64,
    /// Closed sessions' P&L, oldest first (absent in snapshots written before it existed).
    #[serde(default)]
    pub daily: Vec<DailyPnl>,
}

pub(crate) type Map<K, V> = HashMap<K, V, RandomState>;

/// Records plus the indexes derived from them.
#[derive(Debug, Clone)]
pub(crate) struct SandboxState {
    pub(crate) funds: FundsLedger,
    /// Every order and trade since the last reset, packed.
    pub(crate) history: History,
    pub(crate) positions: Map<(InstrumentKey, Product), SandboxPosition>,
    pub(crate) holdings: Map<InstrumentKey, SandboxHolding>,
    pub(crate) prices: Map<InstrumentKey, MarketSnapshot>,
    pub(crate) books: Map<InstrumentKey, RestingBook>,
    /// Units of working orders per (instrument, product, side): a running total, so margin
    /// and CNC checks do not walk the working orders.
    pub(crate) pending: Map<(InstrumentKey, Product, Action), u64>,
    /// GTTs by sequence number.
    pub(crate) gtts: std::collections::BTreeMap<u64, SandboxGtt>,
    /// Active GTT sequence numbers per instrument.
    pub(crate) active_gtts: Map<InstrumentKey, Vec<u64>>,
    pub(crate) next_gtt_seq: u64,
    pub(crate) session_start: NaiveDateTime,
    pub(crate) next_order_seq: u64,
    pub(crate) next_trade_seq: u64,
    pub(crate) daily: Vec<DailyPnl>,
}

impl SandboxState {
    pub(crate) fn new(funds: FundsLedger, session_start: NaiveDateTime) -> Self {
        Self {
            funds,
            history: History::default(),
            positions: Map::default(),
            holdings: Map::default(),
            prices: Map::default(),
            books: Map::default(),
            pending: Map::default(),
            gtts: std::collections::BTreeMap::new(),
            active_gtts: Map::default(),
            next_gtt_seq: 0,
            session_start,
            next_order_seq: 0,
            next_trade_seq: 0,
            daily: Vec::new(),
        }
    }

    /// Applies one event. This is the only way records change.
    pub(crate) fn apply(&mut self, event: &SandboxEvent) {
        match event {
            SandboxEvent::Order(o) => self.put_order(o),
            SandboxEvent::Trade(t) => {
                self.next_trade_seq = self.next_trade_seq.max(t.seq + 1);
                self.history.push_trade(t);
            }
            SandboxEvent::Position(p) => {
                self.positions
                    .insert((p.instrument.clone(), p.product), p.clone());
            }
            SandboxEvent::PositionRemoved {
                instrument,
                product,
            } => {
                self.positions.remove(&(instrument.clone(), *product));
            }
            SandboxEvent::Holding(h) => {
                self.holdings.insert(h.instrument.clone(), h.clone());
            }
            SandboxEvent::HoldingRemoved { instrument } => {
                self.holdings.remove(instrument);
            }
            SandboxEvent::Gtt(g) => self.put_gtt(g.clone()),
            SandboxEvent::Funds(f) => self.funds = f.clone(),
            SandboxEvent::DayClosed(day) => {
                if self.daily.len() >= MAX_DAYS {
                    self.daily.remove(0);
                }
                self.daily.push(day.clone());
            }
            SandboxEvent::SessionStarted { at } => {
                self.session_start = *at;
                self.funds.today_realized_pnl = crate::Money::ZERO;
                for p in self.positions.values_mut() {
                    p.today_realized = crate::Money::ZERO;
                }
            }
            SandboxEvent::Cleared => {
                self.daily.clear();
                self.history.clear(self.next_order_seq);
                self.positions.clear();
                self.holdings.clear();
                self.books.clear();
                self.pending.clear();
                self.gtts.clear();
                self.active_gtts.clear();
            }
        }
    }

    /// The order with sequence number `seq`.
    pub(crate) fn order(&self, seq: u64) -> Option<SandboxOrder> {
        self.history.order(seq)
    }

    /// The order with this id.
    pub(crate) fn order_by_id(&self, id: &str) -> Option<SandboxOrder> {
        self.history.order_by_id(id)
    }

    fn put_gtt(&mut self, g: SandboxGtt) {
        let seq = g.seq;
        let list = self.active_gtts.entry(g.instrument.clone()).or_default();
        list.retain(|&s| s != seq);
        if g.status == GttStatus::Active {
            list.push(seq);
        }
        if list.is_empty() {
            self.active_gtts.remove(&g.instrument);
        }
        self.next_gtt_seq = self.next_gtt_seq.max(seq + 1);
        self.gtts.insert(seq, g);
    }

    fn put_order(&mut self, o: &SandboxOrder) {
        let seq = o.seq;
        if let Some(old) = self.history.put_order(o)
            && old.status.is_working()
        {
            if let Some(book) = self.books.get_mut(&old.instrument) {
                book.remove(&old);
            }
            let units = old.pending_quantity().get();
            let key = (old.instrument, old.product, old.action);
            if let Some(total) = self.pending.get_mut(&key) {
                *total = total.saturating_sub(units);
                if *total == 0 {
                    self.pending.remove(&key);
                }
            }
        }
        if o.status.is_working() {
            let units = o.pending_quantity().get();
            if units > 0 {
                *self
                    .pending
                    .entry((o.instrument.clone(), o.product, o.action))
                    .or_default() += units;
            }
            self.books
                .entry(o.instrument.clone())
                .or_default()
                .insert(o);
        } else if self
            .books
            .get(&o.instrument)
            .is_some_and(RestingBook::is_empty)
        {
            self.books.remove(&o.instrument);
        }
        self.next_order_seq = self.next_order_seq.max(seq + 1);
    }

    pub(crate) fn snapshot(&self) -> SandboxSnapshot {
        let mut positions: Vec<SandboxPosition> = self.positions.values().cloned().collect();
        positions.sort_by(|a, b| (&a.instrument, a.product).cmp(&(&b.instrument, b.product)));
        let mut holdings: Vec<SandboxHolding> = self.holdings.values().cloned().collect();
        holdings.sort_by(|a, b| a.instrument.cmp(&b.instrument));
        let mut prices: Vec<(InstrumentKey, MarketSnapshot)> =
            self.prices.iter().map(|(k, v)| (k.clone(), *v)).collect();
        prices.sort_by(|a, b| a.0.cmp(&b.0));
        SandboxSnapshot {
            funds: self.funds.clone(),
            orders: self.history.orders().collect(),
            trades: self.history.trades().collect(),
            positions,
            holdings,
            prices,
            gtts: self.gtts.values().cloned().collect(),
            session_start: self.session_start,
            next_order_seq: self.next_order_seq,
            next_trade_seq: self.next_trade_seq,
            daily: self.daily.clone(),
        }
    }

    pub(crate) fn restore(snapshot: SandboxSnapshot) -> Self {
        let mut s = Self::new(snapshot.funds, snapshot.session_start);
        for o in &snapshot.orders {
            s.put_order(o);
        }
        for t in &snapshot.trades {
            s.history.push_trade(t);
        }
        s.positions = snapshot
            .positions
            .into_iter()
            .map(|p| ((p.instrument.clone(), p.product), p))
            .collect();
        s.holdings = snapshot
            .holdings
            .into_iter()
            .map(|h| (h.instrument.clone(), h))
            .collect();
        s.prices = snapshot.prices.into_iter().collect();
        for g in snapshot.gtts {
            s.put_gtt(g);
        }
        s.next_order_seq = s.next_order_seq.max(snapshot.next_order_seq);
        s.next_trade_seq = s.next_trade_seq.max(snapshot.next_trade_seq);
        s.daily = snapshot.daily;
        s
    }
}
