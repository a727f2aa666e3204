//! The day's orders and trades, packed: what a row repeats (its instrument, its strategy tag)
//! is stored once and referred to by index, what can be derived (the order id from the
//! placement date and sequence number, a trade's order id from its order) is not stored, and
//! rows live in fixed-size chunks, so the history grows by about 200 bytes per filled order and
//! never reallocates (a growing `Vec` would briefly hold two copies of a large day).
//!
//! Rows are materialised as [`SandboxOrder`] / [`SandboxTrade`] when read.

use std::hash::Hash;

use chrono::NaiveDateTime;

use super::ids::{order_id_text, trade_id_text};
use super::model::{SandboxOrder, SandboxTrade};
use super::state::Map;
use crate::{
    Action, InstrumentKey, Money, OrderId, OrderStatus, Price, PriceType, Product, Quantity,
    StrategyTag, TradeId,
};

/// Rows per chunk.
const CHUNK: usize = 4096;
/// An order without a rejection reason.
const NO_REASON: u32 = u32::MAX;

/// Values stored once, referred to by index.
#[derive(Debug, Clone)]
struct Interner<T> {
    items: Vec<T>,
    index: Map<T, u32>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            index: Map::default(),
        }
    }
}

impl<T: Clone + Eq + Hash> Interner<T> {
    fn intern(&mut self, value: &T) -> u32 {
        if let Some(&i) = self.index.get(value) {
            return i;
        }
        let i = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        self.items.push(value.clone());
        self.index.insert(value.clone(), i);
        i
    }

    fn get(&self, i: u32) -> &T {
        &self.items[i as usize]
    }

    fn clear(&mut self) {
        self.items.clear();
        self.index.clear();
    }
}

/// Rows appended in fixed-size chunks.
#[derive(Debug, Clone)]
struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    fn push(&mut self, row: T) {
        if self.chunks.last().is_none_or(|c| c.len() == CHUNK) {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        if let Some(c) = self.chunks.last_mut() {
            c.push(row);
            self.len += 1;
        }
    }

    fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }

    fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.chunks.get_mut(i / CHUNK)?.get_mut(i % CHUNK)
    }

    fn clear(&mut self) {
        self.chunks.clear();
        self.len = 0;
    }
}

#[derive(Debug, Clone)]
struct PackedOrder {
    price: Price,
    trigger_price: Price,
    average_price: Price,
    margin_blocked: Money,
    quantity: Quantity,
    filled_quantity: Quantity,
    placed_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    /// Index of the rejection reason, [`NO_REASON`] for none.
    reason: u32,
    instrument: u32,
    strategy: u32,
    action: Action,
    price_type: PriceType,
    product: Product,
    status: OrderStatus,
}

#[derive(Debug, Clone)]
struct PackedTrade {
    seq: u64,
    /// Sequence number of the filled order.
    order_seq: u64,
    quantity: Quantity,
    price: Price,
    timestamp: NaiveDateTime,
    instrument: u32,
    strategy: u32,
    action: Action,
    product: Product,
}

/// Every order and trade since the last reset.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    orders: Chunked<PackedOrder>,
    /// Sequence number of the first order (orders before it were cleared by a reset).
    first_seq: u64,
    trades: Chunked<PackedTrade>,
    instruments: Interner<InstrumentKey>,
    strategies: Interner<StrategyTag>,
    reasons: Interner<String>,
    /// Ids that are not the engine's own shape (orders restored from elsewhere), by sequence.
    odd_order_ids: Map<u64, OrderId>,
    odd_trade_ids: Map<u64, TradeId>,
    /// Trades whose order id names no order here, by trade sequence.
    odd_trade_orders: Map<u64, OrderId>,
}

impl History {
    /// Number of orders.
    pub(crate) const fn order_count(&self) -> usize {
        self.orders.len
    }

    /// Number of trades.
    pub(crate) const fn trade_count(&self) -> usize {
        self.trades.len
    }

    /// Forgets every order and trade; order numbering continues at `next_seq`.
    pub(crate) fn clear(&mut self, next_seq: u64) {
        self.orders.clear();
        self.trades.clear();
        self.instruments.clear();
        self.strategies.clear();
        self.reasons.clear();
        self.odd_order_ids.clear();
        self.odd_trade_ids.clear();
        self.odd_trade_orders.clear();
        self.first_seq = next_seq;
    }

    fn index_of(&self, seq: u64) -> Option<usize> {
        usize::try_from(seq.checked_sub(self.first_seq)?)
            .ok()
            .filter(|&i| i < self.orders.len)
    }

    /// The order with sequence number `seq`.
    pub(crate) fn order(&self, seq: u64) -> Option<SandboxOrder> {
        let p = self.orders.get(self.index_of(seq)?)?;
        Some(self.unpack_order(seq, p))
    }

    fn order_id(&self, seq: u64, placed_at: NaiveDateTime) -> OrderId {
        self.odd_order_ids.get(&seq).cloned().unwrap_or_else(|| {
            OrderId::new(order_id_text(placed_at, seq)).unwrap_or_else(|_| placeholder_order_id())
        })
    }

    fn unpack_order(&self, seq: u64, p: &PackedOrder) -> SandboxOrder {
        SandboxOrder {
            order_id: self.order_id(seq, p.placed_at),
            seq,
            instrument: self.instruments.get(p.instrument).clone(),
            action: p.action,
            quantity: p.quantity,
            price_type: p.price_type,
            product: p.product,
            price: p.price,
            trigger_price: p.trigger_price,
            status: p.status,
            average_price: p.average_price,
            filled_quantity: p.filled_quantity,
            margin_blocked: p.margin_blocked,
            rejection_reason: (p.reason != NO_REASON).then(|| self.reasons.get(p.reason).clone()),
            strategy: self.strategies.get(p.strategy).clone(),
            placed_at: p.placed_at,
            updated_at: p.updated_at,
        }
    }

    /// Stores `o`, replacing the order with its sequence number or appending it. Returns the
    /// order it replaced.
    pub(crate) fn put_order(&mut self, o: &SandboxOrder) -> Option<SandboxOrder> {
        let packed = PackedOrder {
            price: o.price,
            trigger_price: o.trigger_price,
            average_price: o.average_price,
            margin_blocked: o.margin_blocked,
            quantity: o.quantity,
            filled_quantity: o.filled_quantity,
            placed_at: o.placed_at,
            updated_at: o.updated_at,
            reason: o
                .rejection_reason
                .as_ref()
                .map_or(NO_REASON, |r| self.reasons.intern(r)),
            instrument: self.instruments.intern(&o.instrument),
            strategy: self.strategies.intern(&o.strategy),
            action: o.action,
            price_type: o.price_type,
            product: o.product,
            status: o.status,
        };
        if o.order_id.as_str() == order_id_text(o.placed_at, o.seq) {
            self.odd_order_ids.remove(&o.seq);
        } else {
            self.odd_order_ids.insert(o.seq, o.order_id.clone());
        }
        if let Some(i) = self.index_of(o.seq) {
            let old = self.order(o.seq);
            if let Some(slot) = self.orders.get_mut(i) {
                *slot = packed;
            }
            return old;
        }
        if self.orders.len == 0 {
            self.first_seq = o.seq;
        }
        self.orders.push(packed);
        None
    }

    /// The order with this id: the id's last 8 digits are its sequence number.
    pub(crate) fn order_by_id(&self, id: &str) -> Option<SandboxOrder> {
        let digits = id.get(id.len().checked_sub(8)?..)?;
        let seq: u64 = digits.parse().ok()?;
        let base = self.first_seq - self.first_seq % 100_000_000;
        [base + seq, base + 100_000_000 + seq]
            .into_iter()
            .filter_map(|s| self.order(s))
            .find(|o| o.order_id.as_str() == id)
    }

    /// Orders in placement order, materialised one at a time.
    pub(crate) fn orders(&self) -> impl DoubleEndedIterator<Item = SandboxOrder> + '_ {
        self.orders_in(0..self.orders.len)
    }

    /// The orders at positions `range` of the placement order (clipped to what exists).
    pub(crate) fn orders_in(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl DoubleEndedIterator<Item = SandboxOrder> + '_ {
        let range = range.start.min(self.orders.len)..range.end.min(self.orders.len);
        range.filter_map(|i| {
            let seq = self.first_seq + i as u64;
            self.orders.get(i).map(|p| self.unpack_order(seq, p))
        })
    }

    /// Appends a trade.
    pub(crate) fn push_trade(&mut self, t: &SandboxTrade) {
        let order_seq = self
            .order_by_id(t.order_id.as_str())
            .map(|o| o.seq)
            .unwrap_or(u64::MAX);
        if order_seq == u64::MAX {
            self.odd_trade_orders.insert(t.seq, t.order_id.clone());
        }
        if t.trade_id.as_str() != trade_id_text(t.timestamp, t.seq) {
            self.odd_trade_ids.insert(t.seq, t.trade_id.clone());
        }
        let packed = PackedTrade {
            seq: t.seq,
            order_seq,
            quantity: t.quantity,
            price: t.price,
            timestamp: t.timestamp,
            instrument: self.instruments.intern(&t.instrument),
            strategy: self.strategies.intern(&t.strategy),
            action: t.action,
            product: t.product,
        };
        self.trades.push(packed);
    }

    fn unpack_trade(&self, p: &PackedTrade) -> SandboxTrade {
        let order_id = match self.odd_trade_orders.get(&p.seq) {
            Some(id) => id.clone(),
            None => self
                .orders
                .get(self.index_of(p.order_seq).unwrap_or(usize::MAX))
                .map_or_else(placeholder_order_id, |o| {
                    self.order_id(p.order_seq, o.placed_at)
                }),
        };
        SandboxTrade {
            trade_id: self.odd_trade_ids.get(&p.seq).cloned().unwrap_or_else(|| {
                TradeId::new(trade_id_text(p.timestamp, p.seq))
                    .unwrap_or_else(|_| placeholder_trade_id())
            }),
            seq: p.seq,
            order_id,
            instrument: self.instruments.get(p.instrument).clone(),
            action: p.action,
            quantity: p.quantity,
            price: p.price,
            product: p.product,
            strategy: self.strategies.get(p.strategy).clone(),
            timestamp: p.timestamp,
        }
    }

    /// Trades in fill order, materialised one at a time.
    pub(crate) fn trades(&self) -> impl DoubleEndedIterator<Item = SandboxTrade> + '_ {
        self.trades_in(0..self.trades.len)
    }

    /// The trades at positions `range` of the fill order (clipped to what exists).
    pub(crate) fn trades_in(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl DoubleEndedIterator<Item = SandboxTrade> + '_ {
        let range = range.start.min(self.trades.len)..range.end.min(self.trades.len);
        range.filter_map(|i| self.trades.get(i).map(|p| self.unpack_trade(p)))
    }
}

#[cold]
fn placeholder_order_id() -> OrderId {
    // Generated ids are 14 digits and never empty; this stands in for none at all.
    OrderId::new("0").unwrap_or_else(|_| unreachable!("a one-digit order id is valid"))
}

#[cold]
fn placeholder_trade_id() -> TradeId {
    TradeId::new("TRADE").unwrap_or_else(|_| unreachable!("a non-empty trade id is valid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_packed_small() {
        // The budget behind "about 200 bytes per filled order".
        let (order, trade) = (size_of::<PackedOrder>(), size_of::<PackedTrade>());
        assert!(
            order <= 128 && trade <= 72,
            "order {order} B, trade {trade} B"
        );
    }
}
