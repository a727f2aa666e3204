//! The fan-out hub: which client holds which (instrument, mode), the upstream subscription set
//! derived from it (reference counted: an instrument is subscribed upstream while at least one
//! client holds it, at the highest mode held), and delivery of ticks and order updates to the
//! clients' outboxes (websocket §2.10, §2.11).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use openalgo_core::InstrumentKey;
use openalgo_core::broker::Subscription;
use openalgo_core::market::{OrderUpdate, SubscriptionMode, Tick, TradingMode};
use tokio::sync::{broadcast, mpsc, watch};

use super::outbox::{Frame, Outbox};

/// A connection's id (never on the wire).
pub type ClientId = u64;

const MODES: [SubscriptionMode; 3] = [
    SubscriptionMode::Ltp,
    SubscriptionMode::Quote,
    SubscriptionMode::Depth,
];

#[derive(Debug, Default)]
struct Holders([HashSet<ClientId>; 3]);

impl Holders {
    fn top(&self) -> Option<SubscriptionMode> {
        MODES
            .iter()
            .rev()
            .zip(self.0.iter().rev())
            .find(|(_, set)| !set.is_empty())
            .map(|(m, _)| *m)
    }
}

#[derive(Debug, Default)]
struct State {
    next_id: ClientId,
    clients: HashMap<ClientId, Arc<Outbox>>,
    index: HashMap<InstrumentKey, Holders>,
    held: HashMap<ClientId, HashSet<(InstrumentKey, SubscriptionMode)>>,
    orders: HashSet<ClientId>,
    taps: OrderTaps,
}

/// Opens a fresh receiver of one account's order updates.
pub type OpenUpdates = Box<dyn Fn() -> broadcast::Receiver<OrderUpdate> + Send + Sync>;

/// An account's order-update source and the forwarding task it feeds: the task holds a
/// receiver only while some client wants order updates, so with none an order wakes nothing.
struct OrderTap {
    open: OpenUpdates,
    /// `Some` (a receiver opened when the first client subscribed) or `None` (the last left).
    to_task: mpsc::UnboundedSender<Option<broadcast::Receiver<OrderUpdate>>>,
}

#[derive(Default)]
struct OrderTaps(Vec<OrderTap>);

impl std::fmt::Debug for OrderTaps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("OrderTaps").field(&self.0.len()).finish()
    }
}

impl OrderTaps {
    /// Tells every task to open (`on`) or drop its receiver; forgets taps whose task ended.
    fn switch(&mut self, on: bool) {
        self.0
            .retain(|t| t.to_task.send(on.then(|| (t.open)())).is_ok());
    }
}

impl State {
    /// Opens or drops the order-update receivers when the set of order subscribers became
    /// non-empty or empty (`was_empty`: before the change).
    fn switch_taps(&mut self, was_empty: bool) {
        if was_empty != self.orders.is_empty() {
            self.taps.switch(was_empty);
        }
    }
}

/// The hub.
#[derive(Debug)]
pub struct Hub {
    state: Mutex<State>,
    broker: &'static str,
    /// Bumped whenever the upstream set changes; the feed re-subscribes.
    upstream: watch::Sender<u64>,
    health: super::health::FeedHealth,
    flushers: super::flusher::Flushers,
}

impl Hub {
    /// A hub delivering ticks tagged with `broker`.
    #[must_use]
    pub fn new(broker: &'static str) -> Self {
        Self {
            state: Mutex::default(),
            broker,
            upstream: watch::Sender::new(0),
            health: super::health::FeedHealth::default(),
            flushers: super::flusher::Flushers::default(),
        }
    }

    /// Where the fan-out's writer threads record delivery latency.
    pub fn set_latency(&self, latency: Arc<openalgo_brokers::latency::LatencyMonitor>) {
        self.flushers.set_latency(latency);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The broker name clients see.
    #[must_use]
    pub const fn broker(&self) -> &'static str {
        self.broker
    }

    /// The feed's health (the watchdog's current stall), for the dashboard.
    #[must_use]
    pub const fn health(&self) -> &super::health::FeedHealth {
        &self.health
    }

    /// Watches changes of the upstream set.
    #[must_use]
    pub fn watch_upstream(&self) -> watch::Receiver<u64> {
        self.upstream.subscribe()
    }

    fn bump(&self) {
        self.upstream.send_modify(|v| *v += 1);
    }

    /// A new connection with an outbox of its own that is drained in process.
    pub fn register(&self) -> (ClientId, Arc<Outbox>) {
        let outbox = Arc::new(Outbox::default());
        (self.attach(Arc::clone(&outbox)), outbox)
    }

    /// A new connection writing through `outbox`.
    pub fn attach(&self, outbox: Arc<Outbox>) -> ClientId {
        let mut s = self.lock();
        s.next_id += 1;
        let id = s.next_id;
        s.clients.insert(id, outbox);
        id
    }

    /// `id` holds `key` at `mode` (idempotent).
    pub fn subscribe(&self, id: ClientId, key: &InstrumentKey, mode: SubscriptionMode) {
        let mut s = self.lock();
        let holders = s.index.entry(key.clone()).or_default();
        let before = holders.top();
        holders.0[usize::from(mode.code() - 1)].insert(id);
        let changed = holders.top() != before;
        s.held.entry(id).or_default().insert((key.clone(), mode));
        drop(s);
        if changed {
            self.bump();
        }
    }

    /// `id` releases `key` at `mode`; the last holder's release changes the upstream set.
    pub fn unsubscribe(&self, id: ClientId, key: &InstrumentKey, mode: SubscriptionMode) {
        let mut s = self.lock();
        let changed = Self::release(&mut s, id, key, mode);
        if let Some(h) = s.held.get_mut(&id) {
            h.remove(&(key.clone(), mode));
        }
        drop(s);
        if changed {
            self.bump();
        }
    }

    fn release(s: &mut State, id: ClientId, key: &InstrumentKey, mode: SubscriptionMode) -> bool {
        let Some(holders) = s.index.get_mut(key) else {
            return false;
        };
        let before = holders.top();
        holders.0[usize::from(mode.code() - 1)].remove(&id);
        let after = holders.top();
        if after.is_none() {
            s.index.remove(key);
        }
        after != before
    }

    /// Releases everything `id` holds; returns what it held.
    pub fn unsubscribe_all(&self, id: ClientId) -> Vec<(InstrumentKey, SubscriptionMode)> {
        let mut s = self.lock();
        let held: Vec<_> = s.held.remove(&id).unwrap_or_default().into_iter().collect();
        let mut changed = false;
        for (key, mode) in &held {
            changed |= Self::release(&mut s, id, key, *mode);
        }
        drop(s);
        if changed {
            self.bump();
        }
        held
    }

    /// What `id` holds.
    #[must_use]
    pub fn held(&self, id: ClientId) -> Vec<(InstrumentKey, SubscriptionMode)> {
        self.lock()
            .held
            .get(&id)
            .map(|h| h.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Turns order updates on or off for `id`.
    pub fn set_orders(&self, id: ClientId, on: bool) {
        let mut s = self.lock();
        let before = s.orders.is_empty();
        if on {
            s.orders.insert(id);
        } else {
            s.orders.remove(&id);
        }
        s.switch_taps(before);
    }

    /// Replaces the order-update sources (one per paper account of the current generation):
    /// each `open` is called, under the hub's lock, whenever the first client asks for order
    /// updates, so no update placed after a subscription is acknowledged can be missed. The
    /// returned channels tell the forwarding tasks to take a receiver (`Some`) or drop it.
    pub fn replace_order_taps(
        &self,
        sources: Vec<OpenUpdates>,
    ) -> Vec<mpsc::UnboundedReceiver<Option<broadcast::Receiver<OrderUpdate>>>> {
        let mut s = self.lock();
        let on = !s.orders.is_empty();
        let mut receivers = Vec::with_capacity(sources.len());
        s.taps.0.clear();
        for open in sources {
            let (to_task, rx) = mpsc::unbounded_channel();
            if on {
                let _ = to_task.send(Some(open()));
            }
            s.taps.0.push(OrderTap { open, to_task });
            receivers.push(rx);
        }
        receivers
    }

    /// Forgets a closed connection (releasing all it held).
    pub fn remove(&self, id: ClientId) {
        self.unsubscribe_all(id);
        let mut s = self.lock();
        let before = s.orders.is_empty();
        s.orders.remove(&id);
        s.switch_taps(before);
        if let Some(o) = s.clients.remove(&id) {
            o.mark_closed();
        }
    }

    /// The upstream subscriptions: every held instrument at the highest mode held.
    #[must_use]
    pub fn upstream(&self) -> Vec<Subscription> {
        self.lock()
            .index
            .iter()
            .filter_map(|(key, h)| {
                h.top().map(|mode| Subscription {
                    instrument: key.clone(),
                    mode,
                })
            })
            .collect()
    }

    /// Connected clients.
    #[must_use]
    pub fn clients(&self) -> usize {
        self.lock().clients.len()
    }

    /// Delivers a tick: each client holding the instrument at a mode ≤ the tick's gets one copy
    /// tagged with the highest such mode it holds.
    pub fn publish_tick(&self, tick: &Tick) {
        self.deliver(&tick.instrument, tick.mode(), |mode| {
            serde_json::to_string(&tick.message(mode, self.broker)).unwrap_or_default()
        });
    }

    /// Delivers a payload from the bus as it came (websocket §2.10: `data` is passed through).
    pub fn publish_payload(
        &self,
        key: &InstrumentKey,
        mode: SubscriptionMode,
        data: &serde_json::Value,
    ) {
        self.deliver(key, mode, |tag| {
            serde_json::json!({"type": "market_data", "symbol": key.symbol.as_str(),
                "exchange": key.exchange, "mode": tag.code(), "data": data, "broker": self.broker})
            .to_string()
        });
    }

    fn deliver(
        &self,
        instrument: &InstrumentKey,
        tick_mode: SubscriptionMode,
        frame_for: impl Fn(SubscriptionMode) -> String,
    ) {
        let since = Instant::now();
        let targets: Vec<(Arc<Outbox>, SubscriptionMode)> = {
            let s = self.lock();
            let Some(holders) = s.index.get(instrument) else {
                return;
            };
            let sets: Vec<(&HashSet<ClientId>, SubscriptionMode)> = MODES
                .iter()
                .enumerate()
                .take_while(|(_, mode)| mode.code() <= tick_mode.code())
                .map(|(i, mode)| (&holders.0[i], *mode))
                .filter(|(set, _)| !set.is_empty())
                .collect();
            let outbox = |id: &ClientId| s.clients.get(id).map(Arc::clone);
            if let [(set, mode)] = sets.as_slice() {
                // One mode held (the usual case): no de-duplication needed.
                set.iter()
                    .filter_map(|id| outbox(id).map(|o| (o, *mode)))
                    .collect()
            } else {
                // Each client gets the highest mode it holds.
                let mut tag: HashMap<ClientId, SubscriptionMode> = HashMap::new();
                for (set, mode) in sets {
                    for id in set {
                        tag.insert(*id, mode);
                    }
                }
                tag.into_iter()
                    .filter_map(|(id, m)| outbox(&id).map(|o| (o, m)))
                    .collect()
            }
        };
        if targets.is_empty() {
            return;
        }
        let key: Arc<str> = Arc::from(format!(
            "{}:{}",
            instrument.exchange,
            instrument.symbol.as_str()
        ));
        // One frame per mode tag, header included, shared by every holder.
        let mut frames: [Option<Frame>; 3] = [None, None, None];
        let mut written = Vec::with_capacity(targets.len());
        for (outbox, mode) in targets {
            if outbox.is_closed() {
                continue;
            }
            let slot = &mut frames[usize::from(mode.code() - 1)];
            let frame = slot.get_or_insert_with(|| Frame::text(&frame_for(mode)));
            outbox.push_market(&key, mode.code(), frame.clone(), since);
            written.push(outbox);
        }
        // The socket outboxes are written by the writer threads, a batch per thread.
        self.flushers.flush(written);
    }

    /// Sends `frame` to every connected client (feed status notices).
    pub fn broadcast(&self, frame: &serde_json::Value) {
        let frame = Frame::text(&frame.to_string());
        for o in self.lock().clients.values() {
            o.push(frame.clone());
        }
    }

    /// Relays an already-shaped order update (from the bus) to every order subscriber.
    pub fn publish_order_value(&self, update: &serde_json::Value) {
        let frame = Frame::text(&update.to_string());
        let s = self.lock();
        for id in &s.orders {
            if let Some(o) = s.clients.get(id) {
                o.push(frame.clone());
            }
        }
    }

    /// Delivers an order update (of `user`'s account in `mode`) to every client that asked for
    /// them.
    pub fn publish_order(&self, update: &OrderUpdate, mode: TradingMode, user: &str) {
        let targets: Vec<Arc<Outbox>> = {
            let s = self.lock();
            s.orders
                .iter()
                .filter_map(|id| s.clients.get(id).cloned())
                .collect()
        };
        if targets.is_empty() {
            return;
        }
        let message = update.message(user, mode, self.broker);
        let frame = Frame::text(&serde_json::to_string(&message).unwrap_or_default());
        for o in targets {
            o.push(frame.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_update_receivers_are_opened_only_while_a_client_wants_them() {
        let hub = Hub::new("test");
        let (updates, _) = broadcast::channel::<OrderUpdate>(4);
        let source = updates.clone();
        let mut switches = hub.replace_order_taps(vec![Box::new(move || source.subscribe())]);
        let switch = &mut switches[0];
        assert!(switch.try_recv().is_err(), "no client: no receiver");
        assert_eq!(updates.receiver_count(), 0);

        let (a, _) = hub.register();
        let (b, _) = hub.register();
        hub.set_orders(a, true);
        // The receiver exists before set_orders returns (before the client's acknowledgement).
        assert_eq!(updates.receiver_count(), 1);
        let opened = switch.try_recv().expect("opened").expect("a receiver");
        hub.set_orders(b, true);
        assert!(switch.try_recv().is_err(), "already open");
        hub.set_orders(a, false);
        assert!(switch.try_recv().is_err(), "b still wants them");
        hub.remove(b);
        assert!(
            switch.try_recv().expect("closed").is_none(),
            "last client gone"
        );
        drop(opened);
        assert_eq!(updates.receiver_count(), 0);

        // A new generation of taps while a client is subscribed opens at once.
        let (c, _) = hub.register();
        hub.set_orders(c, true);
        let source = updates.clone();
        let mut switches = hub.replace_order_taps(vec![Box::new(move || source.subscribe())]);
        assert!(switches[0].try_recv().expect("opened").is_some());
    }
}
