//! The latency monitor for broker calls (platform §6.4): [`Timed`] wraps any broker and records
//! how long each operation took and whether it failed; [`LatencyMonitor`] reports, per broker
//! and operation, the count, failures and p50/p90/p99 over the most recent calls.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use openalgo_core::broker::{EventStream, LoginRequest, OrderTag, Session, Subscription};
use openalgo_core::instrument::Instrument;
use openalgo_core::{
    Broker, BrokerError, Candle, Capabilities, Depth, Funds, GttRecord, GttRequest, GttScope,
    HistoryRequest, Holding, InstrumentKey, ModifyOrder, Order, OrderId, OrderRequest, Position,
    Product, Quote, QuoteResult, Trade, TriggerId,
};
use serde::Serialize;

/// Samples kept per operation.
const WINDOW: usize = 2_048;

/// Upper bounds of the latency histogram's buckets, µs (100 µs to 10 s; `+Inf` follows).
pub const BOUNDS_US: [u64; 16] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 5_000_000, 10_000_000,
];

#[derive(Debug, Default)]
struct Series {
    samples: VecDeque<u64>,
    count: u64,
    errors: u64,
    /// Calls per bucket of [`BOUNDS_US`], the last one `+Inf`.
    buckets: [u64; BOUNDS_US.len() + 1],
    sum_us: u64,
}

/// One operation's latency histogram since start (for a metrics exposition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationHistogram {
    /// Broker id.
    pub broker: &'static str,
    /// Operation (`place_order`, `quote`...).
    pub operation: &'static str,
    /// Calls per bucket of [`BOUNDS_US`] (not cumulative), the last one `+Inf`.
    pub buckets: [u64; BOUNDS_US.len() + 1],
    /// Sum of the calls' durations, µs.
    pub sum_us: u64,
    /// Failed calls.
    pub errors: u64,
}

/// One operation's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationLatency {
    /// Broker id.
    pub broker: &'static str,
    /// Operation (`place_order`, `quote`...).
    pub operation: &'static str,
    /// Calls since start.
    pub count: u64,
    /// Failed calls since start.
    pub errors: u64,
    /// Median of the recent calls, µs.
    pub p50_us: u64,
    /// 90th percentile, µs.
    pub p90_us: u64,
    /// 99th percentile, µs.
    pub p99_us: u64,
}

/// Latency figures of every timed broker.
#[derive(Debug, Default)]
pub struct LatencyMonitor {
    series: Mutex<BTreeMap<(&'static str, &'static str), Series>>,
}

fn percentile(sorted: &[u64], p: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

impl LatencyMonitor {
    /// Records one call.
    pub fn record(&self, broker: &'static str, operation: &'static str, micros: u64, ok: bool) {
        let mut map = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        let s = map.entry((broker, operation)).or_default();
        if s.samples.len() == WINDOW {
            s.samples.pop_front();
        }
        s.samples.push_back(micros);
        s.count += 1;
        s.buckets[BOUNDS_US.partition_point(|&b| b < micros)] += 1;
        s.sum_us = s.sum_us.saturating_add(micros);
        if !ok {
            s.errors += 1;
        }
    }

    /// The latency histogram of every broker and operation since start.
    #[must_use]
    pub fn histograms(&self) -> Vec<OperationHistogram> {
        let map = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        map.iter()
            .map(|(&(broker, operation), s)| OperationHistogram {
                broker,
                operation,
                buckets: s.buckets,
                sum_us: s.sum_us,
                errors: s.errors,
            })
            .collect()
    }

    /// Figures per broker and operation.
    #[must_use]
    pub fn report(&self) -> Vec<OperationLatency> {
        let map = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        map.iter()
            .map(|(&(broker, operation), s)| {
                let mut sorted: Vec<u64> = s.samples.iter().copied().collect();
                sorted.sort_unstable();
                OperationLatency {
                    broker,
                    operation,
                    count: s.count,
                    errors: s.errors,
                    p50_us: percentile(&sorted, 50),
                    p90_us: percentile(&sorted, 90),
                    p99_us: percentile(&sorted, 99),
                }
            })
            .collect()
    }
}

/// A broker whose calls are timed into a [`LatencyMonitor`].
#[derive(Debug)]
pub struct Timed<B: ?Sized> {
    inner: Arc<B>,
    monitor: Arc<LatencyMonitor>,
}

impl<B: Broker + ?Sized> Timed<B> {
    /// Times `inner`'s calls into `monitor`.
    #[must_use]
    pub const fn new(inner: Arc<B>, monitor: Arc<LatencyMonitor>) -> Self {
        Self { inner, monitor }
    }

    async fn time<T>(
        &self,
        operation: &'static str,
        call: impl Future<Output = Result<T, BrokerError>>,
    ) -> Result<T, BrokerError> {
        let started = Instant::now();
        let span = tracing::info_span!("broker_call", broker = self.inner.id(), operation);
        let result = tracing::Instrument::instrument(call, span).await;
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.monitor
            .record(self.inner.id(), operation, micros, result.is_ok());
        result
    }
}

#[async_trait]
impl<B: Broker + ?Sized> Broker for Timed<B> {
    fn id(&self) -> &'static str {
        self.inner.id()
    }

    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }

    fn streams_around_the_clock(&self) -> bool {
        self.inner.streams_around_the_clock()
    }

    async fn authenticate(&self, request: &LoginRequest) -> Result<Session, BrokerError> {
        self.time("authenticate", self.inner.authenticate(request))
            .await
    }

    async fn place_order(&self, order: &OrderRequest) -> Result<OrderId, BrokerError> {
        self.time("place_order", self.inner.place_order(order))
            .await
    }

    fn supports_order_tags(&self) -> bool {
        self.inner.supports_order_tags()
    }

    async fn place_tagged_order(
        &self,
        order: &OrderRequest,
        tag: &OrderTag,
    ) -> Result<OrderId, BrokerError> {
        self.time("place_order", self.inner.place_tagged_order(order, tag))
            .await
    }

    async fn find_order_by_tag(&self, tag: &OrderTag) -> Result<Option<OrderId>, BrokerError> {
        self.time("find_order_by_tag", self.inner.find_order_by_tag(tag))
            .await
    }

    async fn modify_order(&self, modify: &ModifyOrder) -> Result<OrderId, BrokerError> {
        self.time("modify_order", self.inner.modify_order(modify))
            .await
    }

    async fn cancel_order(&self, order_id: &OrderId) -> Result<OrderId, BrokerError> {
        self.time("cancel_order", self.inner.cancel_order(order_id))
            .await
    }

    async fn order_book(&self) -> Result<Vec<Order>, BrokerError> {
        self.time("order_book", self.inner.order_book()).await
    }

    async fn place_gtt(&self, request: &GttRequest) -> Result<TriggerId, BrokerError> {
        self.time("place_gtt", self.inner.place_gtt(request)).await
    }

    async fn modify_gtt(
        &self,
        trigger_id: &TriggerId,
        request: &GttRequest,
    ) -> Result<TriggerId, BrokerError> {
        self.time("modify_gtt", self.inner.modify_gtt(trigger_id, request))
            .await
    }

    async fn cancel_gtt(&self, trigger_id: &TriggerId) -> Result<TriggerId, BrokerError> {
        self.time("cancel_gtt", self.inner.cancel_gtt(trigger_id))
            .await
    }

    async fn gtt_book(&self, scope: GttScope) -> Result<Vec<GttRecord>, BrokerError> {
        self.time("gtt_book", self.inner.gtt_book(scope)).await
    }

    async fn order_status(&self, order_id: &OrderId) -> Result<Order, BrokerError> {
        self.time("order_status", self.inner.order_status(order_id))
            .await
    }

    async fn trade_book(&self) -> Result<Vec<Trade>, BrokerError> {
        self.time("trade_book", self.inner.trade_book()).await
    }

    async fn positions(&self) -> Result<Vec<Position>, BrokerError> {
        self.time("positions", self.inner.positions()).await
    }

    async fn open_position(
        &self,
        instrument: &InstrumentKey,
        product: Product,
    ) -> Result<i64, BrokerError> {
        self.time(
            "open_position",
            self.inner.open_position(instrument, product),
        )
        .await
    }

    async fn open_quantities(&self) -> Result<Vec<(InstrumentKey, Product, i64)>, BrokerError> {
        self.time("open_quantities", self.inner.open_quantities())
            .await
    }

    async fn exposure(
        &self,
        instrument: &InstrumentKey,
        product: Product,
    ) -> Result<(usize, bool), BrokerError> {
        self.time("exposure", self.inner.exposure(instrument, product))
            .await
    }

    async fn last_price(
        &self,
        instrument: &InstrumentKey,
    ) -> Result<openalgo_core::Price, BrokerError> {
        self.time("last_price", self.inner.last_price(instrument))
            .await
    }

    async fn holdings(&self) -> Result<Vec<Holding>, BrokerError> {
        self.time("holdings", self.inner.holdings()).await
    }

    async fn funds(&self) -> Result<Funds, BrokerError> {
        self.time("funds", self.inner.funds()).await
    }

    async fn quote(&self, instrument: &InstrumentKey) -> Result<Quote, BrokerError> {
        self.time("quote", self.inner.quote(instrument)).await
    }

    async fn quotes(&self, instruments: &[InstrumentKey]) -> Result<Vec<QuoteResult>, BrokerError> {
        self.time("quotes", self.inner.quotes(instruments)).await
    }

    async fn depth(&self, instrument: &InstrumentKey) -> Result<Depth, BrokerError> {
        self.time("depth", self.inner.depth(instrument)).await
    }

    async fn history(&self, request: &HistoryRequest) -> Result<Vec<Candle>, BrokerError> {
        self.time("history", self.inner.history(request)).await
    }

    async fn master_contract(&self) -> Result<Vec<Instrument>, BrokerError> {
        self.time("master_contract", self.inner.master_contract())
            .await
    }

    async fn subscribe(&self, subscriptions: &[Subscription]) -> Result<EventStream, BrokerError> {
        self.time("subscribe", self.inner.subscribe(subscriptions))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_over_the_recent_window() {
        let m = LatencyMonitor::default();
        for us in 1..=100 {
            m.record("zerodha", "quote", us, us != 100);
        }
        let r = m.report();
        assert_eq!(r.len(), 1);
        let q = &r[0];
        assert_eq!((q.count, q.errors), (100, 1));
        assert_eq!((q.p50_us, q.p90_us, q.p99_us), (50, 90, 99));
        for _ in 0..WINDOW {
            m.record("zerodha", "quote", 7, true);
        }
        let q = &m.report()[0];
        assert_eq!(
            (q.p50_us, q.p99_us, q.count),
            (7, 7, 100 + WINDOW as u64),
            "old samples age out"
        );
    }

    #[test]
    fn histograms_count_every_call_since_start() {
        let m = LatencyMonitor::default();
        m.record("sim", "place_order", 100, true);
        m.record("sim", "place_order", 101, false);
        m.record("sim", "place_order", 20_000_000, true);
        let h = &m.histograms()[0];
        assert_eq!((h.broker, h.operation, h.errors), ("sim", "place_order", 1));
        assert_eq!(h.buckets[0], 1, "100 µs is in the first bucket (le 100)");
        assert_eq!(h.buckets[1], 1);
        assert_eq!(h.buckets[BOUNDS_US.len()], 1, "+Inf");
        assert_eq!(h.buckets.iter().sum::<u64>(), 3);
        assert_eq!(h.sum_us, 20_000_201);
    }
}
