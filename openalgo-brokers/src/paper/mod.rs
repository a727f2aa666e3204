//! [`PaperBroker`]: paper trading behind the [`Broker`] trait. Orders, positions and funds live
//! in a [`SandboxEngine`]; quotes, depth, history, the instrument master and streaming come from
//! any other broker (the simulator by default, a live broker in analyzer mode).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use openalgo_core::broker::{EventStream, Subscription};
use openalgo_core::market::{MarketEvent, OrderUpdate};
use openalgo_core::sandbox::{MarketSnapshot, SandboxConfig, SandboxEngine, SandboxEvent};
use openalgo_core::{
    Broker, BrokerError, Candle, Capabilities, Depth, Funds, GttRecord, GttRequest, GttScope,
    HistoryRequest, Holding, Instrument, InstrumentKey, ModifyOrder, Order, OrderId, OrderRequest,
    Position, Quote, QuoteResult, Trade, TriggerId,
};
use tokio::sync::broadcast;

use openalgo_core::clock::Clock;

mod gtt;
mod pages;

pub use pages::PageCursor;

/// Receives every sandbox event, in order, right after the change. `submit` is called while
/// the engine is locked (so the sink sees the engine's order); the command is acknowledged only
/// once the returned [`Durable`] resolves, which lets a store commit many commands at once.
pub trait EventSink: Send + Sync {
    /// Queues a batch of events for durable recording.
    ///
    /// # Errors
    /// A description of why the events cannot be queued.
    fn submit(&self, events: &[SandboxEvent]) -> Result<Durable, String>;
}

/// Resolves when submitted events are durable.
#[derive(Debug)]
pub struct Durable(Option<tokio::sync::oneshot::Receiver<Result<(), String>>>);

impl Durable {
    /// Already durable (synchronous sinks).
    #[must_use]
    pub const fn ready() -> Self {
        Self(None)
    }

    /// Durable when `rx` receives `Ok`.
    #[must_use]
    pub const fn pending(rx: tokio::sync::oneshot::Receiver<Result<(), String>>) -> Self {
        Self(Some(rx))
    }

    /// Waits for durability.
    ///
    /// # Errors
    /// The sink's failure, or a dropped writer.
    pub async fn wait(self) -> Result<(), String> {
        match self.0 {
            None => Ok(()),
            Some(rx) => rx
                .await
                .unwrap_or_else(|_| Err("the journal writer stopped".to_owned())),
        }
    }
}

fn journal_error(e: impl std::fmt::Display) -> BrokerError {
    BrokerError::Connectivity(format!("could not journal the paper account: {e}"))
}

/// Capacity of the order-update channel per subscriber.
const UPDATE_BUFFER: usize = 1024;

/// A paper-trading account over another broker's market data.
pub struct PaperBroker {
    market: Arc<dyn Broker>,
    engine: Mutex<SandboxEngine>,
    clock: Arc<dyn Clock>,
    updates: broadcast::Sender<OrderUpdate>,
    sink: Option<Arc<dyn EventSink>>,
    id: &'static str,
}

impl std::fmt::Debug for PaperBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaperBroker")
            .field("market", &self.market.id())
            .finish_non_exhaustive()
    }
}

impl PaperBroker {
    /// Paper trading with `engine` over `market`'s data, reading time from `clock`.
    #[must_use]
    pub fn new(market: Arc<dyn Broker>, engine: SandboxEngine, clock: Arc<dyn Clock>) -> Self {
        let (updates, _) = broadcast::channel(UPDATE_BUFFER);
        Self {
            market,
            engine: Mutex::new(engine),
            clock,
            updates,
            sink: None,
            id: "sandbox",
        }
    }

    /// Reports another broker id (`simulator` when this is the embedded default market rather
    /// than analyzer mode over a live broker).
    #[must_use]
    pub const fn with_id(mut self, id: &'static str) -> Self {
        self.id = id;
        self
    }

    /// Sends every event to `sink` (persistence).
    #[must_use]
    pub fn with_sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// The current IST time on this broker's clock.
    #[must_use]
    pub fn now_ist(&self) -> chrono::NaiveDateTime {
        self.clock.now_ist()
    }

    /// The market-data broker.
    #[must_use]
    pub fn market(&self) -> &Arc<dyn Broker> {
        &self.market
    }

    fn lock(&self) -> MutexGuard<'_, SandboxEngine> {
        self.engine.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the engine at the current time (after running what is due) and queues the
    /// events it produced with the sink while still holding the engine, so the journal's order
    /// is the engine's. Then waits, without the lock, until they are durable, and broadcasts the
    /// order updates.
    async fn with_engine<T>(
        &self,
        f: impl FnOnce(&mut SandboxEngine, chrono::NaiveDateTime) -> T,
    ) -> Result<T, BrokerError> {
        let now = self.clock.now_ist();
        let (out, events, durable) = {
            let mut engine = self.lock();
            engine.advance(now);
            let out = f(&mut engine, now);
            let events = engine.take_events();
            let durable = self.journal(&events)?;
            (out, events, durable)
        };
        self.settle(durable, &events).await?;
        Ok(out)
    }

    fn journal(&self, events: &[SandboxEvent]) -> Result<Durable, BrokerError> {
        match &self.sink {
            Some(sink) if !events.is_empty() => sink.submit(events).map_err(journal_error),
            _ => Ok(Durable::ready()),
        }
    }

    async fn settle(&self, durable: Durable, events: &[SandboxEvent]) -> Result<(), BrokerError> {
        durable.wait().await.map_err(journal_error)?;
        self.broadcast(events);
        Ok(())
    }

    fn broadcast(&self, events: &[SandboxEvent]) {
        for update in events.iter().filter_map(SandboxEvent::order_update) {
            // No subscriber is not an error.
            let _ = self.updates.send(update);
        }
    }

    /// Manual reset: the account starts over with its starting capital and empty books,
    /// journaled like every other change (sandbox.md, "reset funds").
    ///
    /// # Errors
    /// [`BrokerError`] when the reset cannot be journaled.
    pub async fn reset(&self) -> Result<(), BrokerError> {
        self.with_engine(|e, now| e.reset(now)).await
    }

    /// Changes the engine's configuration under its lock (the settings page); orders placed
    /// afterwards use it.
    pub fn update_config(&self, f: impl FnOnce(&mut SandboxConfig)) {
        let mut engine = self.lock();
        let mut config = engine.config().clone();
        f(&mut config);
        engine.set_config(config);
    }

    /// A read-only look at the engine (books, funds, snapshot).
    pub fn inspect<T>(&self, f: impl FnOnce(&SandboxEngine) -> T) -> T {
        f(&self.lock())
    }

    /// Order updates as they happen.
    #[must_use]
    pub fn order_updates(&self) -> broadcast::Receiver<OrderUpdate> {
        self.updates.subscribe()
    }

    /// Fetches fresh quotes for every instrument with a working order or an open position and
    /// lets the engine act on them (fills, triggers, MTM, stop-out), then runs what is due.
    ///
    /// # Errors
    /// When the market broker cannot quote at all.
    pub async fn refresh(&self) -> Result<(), BrokerError> {
        let keys: Vec<InstrumentKey> = self.inspect(|e| {
            let mut keys: Vec<InstrumentKey> =
                e.instruments_with_working_orders().cloned().collect();
            keys.extend(
                e.positions()
                    .into_iter()
                    .filter(|p| p.quantity != 0)
                    .map(|p| p.instrument),
            );
            keys.extend(e.holdings().into_iter().map(|h| h.instrument));
            keys.extend(e.instruments_with_active_gtts().cloned());
            keys.sort();
            keys.dedup();
            keys
        });
        let quotes = if keys.is_empty() {
            Vec::new()
        } else {
            self.market.quotes(&keys).await?
        };
        // Prices first, then what is due: a square-off at the cut-off fills at the fresh price.
        let now = self.clock.now_ist();
        let (events, durable) = {
            let mut engine = self.lock();
            for q in quotes {
                if let Ok(quote) = q.quote {
                    engine.on_price(&q.instrument, MarketSnapshot::from_quote(&quote), now);
                }
            }
            engine.advance(now);
            let events = engine.take_events();
            let durable = self.journal(&events)?;
            (events, durable)
        };
        self.settle(durable, &events).await
    }

    /// Whether a tick for `instrument` can act on this account (it has working orders or an
    /// active GTT there).
    #[must_use]
    pub fn wants(&self, instrument: &InstrumentKey) -> bool {
        self.inspect(|e| e.has_working_orders(instrument) || e.has_active_gtts(instrument))
    }

    /// Lets the engine act on a streamed tick (fills, triggers) at once, between refreshes.
    ///
    /// # Errors
    /// When the journal refuses the resulting events.
    pub async fn on_tick(&self, tick: &openalgo_core::market::Tick) -> Result<(), BrokerError> {
        let now = self.clock.now_ist();
        let (events, durable) = {
            let mut engine = self.lock();
            engine.on_price(&tick.instrument, MarketSnapshot::from_tick(tick), now);
            let events = engine.take_events();
            let durable = self.journal(&events)?;
            (events, durable)
        };
        self.settle(durable, &events).await
    }

    /// Spawns a task that calls [`PaperBroker::refresh`] every `period` until the broker is
    /// dropped. Must be called inside a tokio runtime.
    pub fn spawn_driver(self: &Arc<Self>, period: Duration) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(period);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let Some(broker) = weak.upgrade() else { break };
                // A failed quote round is retried on the next tick.
                let _ = broker.refresh().await;
            }
        })
    }

    async fn snapshot_for(&self, key: &InstrumentKey) -> Option<MarketSnapshot> {
        self.market
            .quote(key)
            .await
            .ok()
            .map(|q| MarketSnapshot::from_quote(&q))
    }
}

#[async_trait]
impl Broker for PaperBroker {
    fn id(&self) -> &'static str {
        self.id
    }

    fn capabilities(&self) -> &Capabilities {
        self.market.capabilities()
    }

    async fn place_order(&self, order: &OrderRequest) -> Result<OrderId, BrokerError> {
        let snapshot = self.snapshot_for(order.instrument()).await;
        self.with_engine(|e, now| e.place(order, snapshot, now))
            .await?
            .map_err(BrokerError::from)
    }

    async fn modify_order(&self, modify: &ModifyOrder) -> Result<OrderId, BrokerError> {
        let snapshot = self.snapshot_for(modify.order().instrument()).await;
        self.with_engine(|e, now| e.modify(modify, snapshot, now))
            .await?
            .map_err(BrokerError::from)
    }

    async fn cancel_order(&self, order_id: &OrderId) -> Result<OrderId, BrokerError> {
        self.with_engine(|e, now| e.cancel(order_id, now))
            .await?
            .map_err(BrokerError::from)
    }

    async fn order_book(&self) -> Result<Vec<Order>, BrokerError> {
        self.refresh().await?;
        Ok(self.inspect(|e| {
            let start = e.session_start();
            e.orders()
                .rev()
                .filter(|o| pages::in_order_book(o, start))
                .map(openalgo_core::sandbox::SandboxOrder::into_order)
                .collect()
        }))
    }

    async fn order_status(&self, order_id: &OrderId) -> Result<Order, BrokerError> {
        self.inspect(|e| {
            e.order(order_id.as_str())
                .map(openalgo_core::sandbox::SandboxOrder::into_order)
        })
        .ok_or_else(|| BrokerError::NotFound(format!("Order {order_id} not found")))
    }

    async fn trade_book(&self) -> Result<Vec<Trade>, BrokerError> {
        Ok(self.inspect(|e| {
            let start = e.session_start();
            e.trades()
                .rev()
                .filter(|t| pages::in_trade_book(t, start))
                .map(openalgo_core::sandbox::SandboxTrade::into_trade)
                .collect()
        }))
    }

    async fn positions(&self) -> Result<Vec<Position>, BrokerError> {
        self.refresh().await?;
        Ok(self.inspect(|e| {
            let start = e.session_start();
            e.positions()
                .into_iter()
                .filter(|p| {
                    p.quantity != 0 || (p.updated_at >= start && !p.today_realized.is_zero())
                })
                .map(|p| p.to_position())
                .collect()
        }))
    }

    async fn open_quantities(
        &self,
    ) -> Result<Vec<(InstrumentKey, openalgo_core::Product, i64)>, BrokerError> {
        Ok(self.inspect(|e| e.open_quantities()))
    }

    async fn exposure(
        &self,
        instrument: &InstrumentKey,
        product: openalgo_core::Product,
    ) -> Result<(usize, bool), BrokerError> {
        Ok(self.inspect(|e| e.exposure(instrument, product)))
    }

    async fn open_position(
        &self,
        instrument: &InstrumentKey,
        product: openalgo_core::Product,
    ) -> Result<i64, BrokerError> {
        Ok(self.inspect(|e| e.net_quantity(instrument, product)))
    }

    async fn holdings(&self) -> Result<Vec<Holding>, BrokerError> {
        self.refresh().await?;
        Ok(self.inspect(|e| e.holdings().iter().map(|h| h.to_holding()).collect()))
    }

    async fn funds(&self) -> Result<Funds, BrokerError> {
        self.refresh().await?;
        Ok(self.inspect(|e| e.funds().to_funds(e.unrealized_pnl())))
    }

    async fn quote(&self, instrument: &InstrumentKey) -> Result<Quote, BrokerError> {
        self.market.quote(instrument).await
    }

    async fn last_price(
        &self,
        instrument: &InstrumentKey,
    ) -> Result<openalgo_core::Price, BrokerError> {
        match self.inspect(|e| e.last_price(instrument)) {
            Some(s) => Ok(s.ltp),
            None => Ok(self.market.quote(instrument).await?.ltp),
        }
    }

    async fn quotes(&self, instruments: &[InstrumentKey]) -> Result<Vec<QuoteResult>, BrokerError> {
        self.market.quotes(instruments).await
    }

    async fn depth(&self, instrument: &InstrumentKey) -> Result<Depth, BrokerError> {
        self.market.depth(instrument).await
    }

    async fn history(&self, request: &HistoryRequest) -> Result<Vec<Candle>, BrokerError> {
        self.market.history(request).await
    }

    async fn master_contract(&self) -> Result<Vec<Instrument>, BrokerError> {
        self.market.master_contract().await
    }

    async fn place_gtt(&self, request: &GttRequest) -> Result<TriggerId, BrokerError> {
        self.place_paper_gtt(request).await
    }

    async fn modify_gtt(
        &self,
        trigger_id: &TriggerId,
        request: &GttRequest,
    ) -> Result<TriggerId, BrokerError> {
        self.modify_paper_gtt(trigger_id, request).await
    }

    async fn cancel_gtt(&self, trigger_id: &TriggerId) -> Result<TriggerId, BrokerError> {
        self.cancel_paper_gtt(trigger_id).await
    }

    async fn gtt_book(&self, scope: GttScope) -> Result<Vec<GttRecord>, BrokerError> {
        self.paper_gtt_book(scope).await
    }

    /// Market ticks from the market broker, merged with this account's order updates.
    async fn subscribe(&self, subscriptions: &[Subscription]) -> Result<EventStream, BrokerError> {
        let ticks = self.market.subscribe(subscriptions).await?;
        let updates = tokio_stream_of(self.updates.subscribe());
        Ok(Box::pin(futures::stream::select(ticks, updates)))
    }
}

/// Order updates from a broadcast receiver as a stream (lagging receivers skip ahead).
fn tokio_stream_of(rx: broadcast::Receiver<OrderUpdate>) -> EventStream {
    Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(update) => return Some((MarketEvent::Order(update), rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }))
}

#[cfg(test)]
mod tests;
