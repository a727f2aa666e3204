//! The market stream shared between instances. Each instance advertises its hub's upstream set
//! under `<prefix>feed:<broker>:wants:<instance>` (refreshed, expiring when the instance dies);
//! one leader per broker session, holding the lease `<prefix>feed:<broker>:leader` (renewed,
//! expiring), subscribes upstream to the union of every live instance's set and publishes each
//! tick on `<prefix>feed:<broker>:ticks`; every instance (the leader included) delivers what
//! arrives there to its own clients, so each client gets each tick once and each instrument is
//! subscribed upstream once. Order updates of every instance's accounts travel the same way on
//! `<prefix>feed:<broker>:orders`. When the leader dies its lease expires and another instance takes
//! over; a leader that cannot reach Redis steps down (no instance subscribing beats two).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use openalgo_core::broker::Subscription;
use openalgo_core::market::Tick;
use openalgo_core::{Exchange, InstrumentKey, Symbol};
use rand::RngCore;
use tokio::sync::{Notify, mpsc, watch};

use super::Redis;
use crate::stream::bus::{Topic, parse_topic, topic_of};
use crate::stream::{Hub, SharedFeed};

/// How often the lease is renewed and the wants refreshed.
const REFRESH: Duration = Duration::from_secs(2);
/// How long a lease or an advertised set lives without a refresh.
const LEASE_MS: u64 = 6_000;
/// Ticks waiting to be published; beyond it they are dropped (never blocking the feed).
const QUEUE: usize = 65_536;
/// Ticks sent in one pipeline at most.
const BATCH: usize = 512;

/// Takes or renews the lease: `KEYS[1]` the lease, `ARGV[1]` this instance, `ARGV[2]` ms.
const LEASE: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
";

#[derive(Debug, Default)]
struct Upstream {
    leader: bool,
    wanted: Vec<Subscription>,
}

/// The shared feed over Redis.
#[derive(Debug)]
pub struct RedisFeed {
    redis: Arc<Redis>,
    instance: String,
    broker: &'static str,
    state: Mutex<Upstream>,
    changes: watch::Sender<u64>,
    ticks: mpsc::Sender<(String, String)>,
    queued: Mutex<Option<mpsc::Receiver<(String, String)>>>,
    wake: Notify,
}

fn topic_of_subscription(s: &Subscription) -> String {
    format!(
        "{}_{}_{}",
        s.instrument.exchange,
        s.instrument.symbol.as_str(),
        s.mode.topic_suffix()
    )
}

fn subscription_of(topic: &str) -> Option<Subscription> {
    let Topic::Market {
        exchange,
        symbol,
        mode,
    } = parse_topic(topic)
    else {
        return None;
    };
    let exchange = exchange.parse::<Exchange>().ok()?;
    let symbol = Symbol::new(&symbol).ok()?;
    Some(Subscription {
        instrument: InstrumentKey::new(symbol, exchange),
        mode,
    })
}

/// Every instrument once, at the highest mode any instance holds it.
fn union(sets: impl IntoIterator<Item = Vec<String>>) -> Vec<Subscription> {
    let mut top: HashMap<InstrumentKey, Subscription> = HashMap::new();
    for topic in sets.into_iter().flatten() {
        let Some(s) = subscription_of(&topic) else {
            continue;
        };
        match top.get(&s.instrument) {
            Some(held) if held.mode.code() >= s.mode.code() => {}
            _ => {
                top.insert(s.instrument.clone(), s);
            }
        }
    }
    let mut out: Vec<Subscription> = top.into_values().collect();
    out.sort_by_key(topic_of_subscription);
    out
}

impl RedisFeed {
    /// The shared feed of `broker`'s session in `redis`; nothing runs until [`RedisFeed::run`].
    #[must_use]
    pub fn new(redis: Arc<Redis>, broker: &'static str) -> Arc<Self> {
        let mut id = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let (tx, rx) = mpsc::channel(QUEUE);
        Arc::new(Self {
            redis,
            instance: hex::encode(id),
            broker,
            state: Mutex::default(),
            changes: watch::channel(0).0,
            ticks: tx,
            queued: Mutex::new(Some(rx)),
            wake: Notify::new(),
        })
    }

    fn key(&self, name: &str) -> String {
        self.redis.key(&format!("feed:{}:{name}", self.broker))
    }

    fn set(&self, leader: bool, wanted: Vec<Subscription>) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.leader != leader || s.wanted != wanted {
            if s.leader != leader {
                tracing::info!(leader, broker = self.broker, "market stream leadership");
            }
            *s = Upstream { leader, wanted };
            drop(s);
            self.changes.send_modify(|n| *n += 1);
        }
    }

    /// Runs the feed's tasks for `hub` until they are aborted: advertising the hub's upstream
    /// set, holding or seeking the lease, publishing ticks, delivering what arrives.
    pub fn run(self: &Arc<Self>, hub: &Arc<Hub>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = vec![
            tokio::spawn(Arc::clone(self).advertise(Arc::clone(hub))),
            tokio::spawn(Arc::clone(self).lead()),
            tokio::spawn(Arc::clone(self).receive(Arc::clone(hub))),
        ];
        let queued = self
            .queued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(rx) = queued {
            tasks.push(tokio::spawn(Arc::clone(self).send(rx)));
        }
        tasks
    }

    async fn advertise(self: Arc<Self>, hub: Arc<Hub>) {
        let mut changes = hub.watch_upstream();
        let wants = self.key(&format!("wants:{}", self.instance));
        let instances = self.key("instances");
        let changed = self.key("changed");
        let mut last: Option<Vec<String>> = None;
        loop {
            changes.borrow_and_update();
            let mut topics: Vec<String> =
                hub.upstream().iter().map(topic_of_subscription).collect();
            topics.sort();
            let json = serde_json::to_string(&topics).unwrap_or_else(|_| "[]".into());
            let news = last.as_ref() != Some(&topics);
            let (w, i, c) = (wants.clone(), instances.clone(), changed.clone());
            let me = self.instance.clone();
            let sent = self
                .redis
                .run(|mut con| async move {
                    let mut pipe = redis::pipe();
                    pipe.cmd("SET")
                        .arg(&w)
                        .arg(json)
                        .arg("PX")
                        .arg(LEASE_MS)
                        .ignore()
                        .cmd("SADD")
                        .arg(&i)
                        .arg(&me)
                        .ignore();
                    if news {
                        pipe.cmd("PUBLISH").arg(&c).arg(1).ignore();
                    }
                    pipe.query_async::<()>(&mut con).await
                })
                .await;
            match sent {
                Ok(()) => last = Some(topics),
                Err(e) => tracing::warn!(error = %e, "cannot advertise the market subscriptions"),
            }
            tokio::select! {
                r = changes.changed() => if r.is_err() { return },
                () = tokio::time::sleep(REFRESH) => {}
            }
        }
    }

    async fn lead(self: Arc<Self>) {
        let lease = self.key("leader");
        let instances = self.key("instances");
        let script = redis::Script::new(LEASE);
        loop {
            let held = self
                .redis
                .run(|mut con| {
                    let mut call = script.prepare_invoke();
                    call.key(&lease).arg(&self.instance).arg(LEASE_MS);
                    async move { call.invoke_async::<i64>(&mut con).await }
                })
                .await;
            match held {
                Ok(1) => match self.wanted_everywhere(&instances).await {
                    Ok(wanted) => self.set(true, wanted),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read the instances' subscriptions");
                    }
                },
                Ok(_) => self.set(false, Vec::new()),
                Err(e) => {
                    tracing::warn!(error = %e, "market stream lease unavailable; not subscribing");
                    self.set(false, Vec::new());
                }
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(REFRESH) => {}
            }
        }
    }

    async fn wanted_everywhere(
        &self,
        instances: &str,
    ) -> Result<Vec<Subscription>, super::RedisError> {
        let ids: Vec<String> = self
            .redis
            .run(|mut con| async move {
                redis::cmd("SMEMBERS")
                    .arg(instances)
                    .query_async(&mut con)
                    .await
            })
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = ids
            .iter()
            .map(|id| self.key(&format!("wants:{id}")))
            .collect();
        let sets: Vec<Option<String>> = self
            .redis
            .run(|mut con| async move { redis::cmd("MGET").arg(&keys).query_async(&mut con).await })
            .await?;
        let gone: Vec<&String> = ids
            .iter()
            .zip(&sets)
            .filter(|(_, s)| s.is_none())
            .map(|(id, _)| id)
            .collect();
        if !gone.is_empty() {
            let _ = self
                .redis
                .run(|mut con| async move {
                    redis::cmd("SREM")
                        .arg(instances)
                        .arg(gone)
                        .query_async::<()>(&mut con)
                        .await
                })
                .await;
        }
        Ok(union(sets.into_iter().flatten().map(|json| {
            serde_json::from_str::<Vec<String>>(&json).unwrap_or_default()
        })))
    }

    async fn receive(self: Arc<Self>, hub: Arc<Hub>) {
        let ticks = self.key("ticks");
        let changed = self.key("changed");
        let orders = self.key("orders");
        loop {
            let timeout = self.redis.timeout();
            let subscribed = tokio::time::timeout(timeout, async {
                let mut pubsub = self.redis.client().get_async_pubsub().await?;
                pubsub.subscribe(&[&ticks, &changed, &orders]).await?;
                Ok::<_, redis::RedisError>(pubsub)
            })
            .await;
            match subscribed {
                Ok(Ok(pubsub)) => {
                    let mut messages = pubsub.into_on_message();
                    while let Some(msg) = messages.next().await {
                        if msg.get_channel_name() == changed {
                            self.wake.notify_one();
                            continue;
                        }
                        if msg.get_channel_name() == orders {
                            match serde_json::from_slice::<serde_json::Value>(
                                msg.get_payload_bytes(),
                            ) {
                                Ok(update) => hub.publish_order_value(&update),
                                Err(e) => tracing::warn!(error = %e, "unreadable order update"),
                            }
                            continue;
                        }
                        let payload = msg.get_payload_bytes();
                        let Some(split) = payload.iter().position(|&b| b == b'\n') else {
                            continue;
                        };
                        let (topic, data) = payload.split_at(split);
                        crate::stream::bus::route(
                            &hub,
                            &String::from_utf8_lossy(topic),
                            data.get(1..).unwrap_or_default(),
                        );
                    }
                    tracing::warn!("shared market stream lost its Redis connection");
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "cannot receive the shared market stream"),
                Err(_) => tracing::warn!("cannot receive the shared market stream: timed out"),
            }
            tokio::time::sleep(REFRESH).await;
        }
    }

    async fn send(self: Arc<Self>, mut rx: mpsc::Receiver<(String, String)>) {
        let ticks = self.key("ticks");
        let orders = self.key("orders");
        let mut batch = Vec::with_capacity(BATCH);
        while rx.recv_many(&mut batch, BATCH).await > 0 {
            let mut pipe = redis::pipe();
            for (topic, payload) in batch.drain(..) {
                if topic.is_empty() {
                    pipe.cmd("PUBLISH").arg(&orders).arg(payload).ignore();
                } else {
                    pipe.cmd("PUBLISH")
                        .arg(&ticks)
                        .arg(format!("{topic}\n{payload}"))
                        .ignore();
                }
            }
            if let Err(e) = self
                .redis
                .run(|mut con| async move { pipe.query_async::<()>(&mut con).await })
                .await
            {
                tracing::warn!(error = %e, "ticks not shared");
            }
        }
    }
}

impl SharedFeed for RedisFeed {
    fn upstream(&self) -> Vec<Subscription> {
        let s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.leader {
            s.wanted.clone()
        } else {
            Vec::new()
        }
    }

    fn watch(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn publish_order(&self, message: String) {
        // An empty topic marks an order update for the sender.
        if self.ticks.try_send((String::new(), message)).is_err() {
            tracing::warn!("shared feed behind: order update dropped");
        }
    }

    fn publish(&self, tick: &Tick) {
        let payload = serde_json::to_string(&tick.payload()).unwrap_or_default();
        if self.ticks.try_send((topic_of(tick), payload)).is_err() {
            tracing::debug!("shared feed behind: tick dropped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_union_keeps_each_instrument_once_at_its_highest_mode() {
        let u = union([
            vec!["NSE_SBIN_LTP".to_owned(), "NSE_INDEX_NIFTY_LTP".to_owned()],
            vec!["NSE_SBIN_QUOTE".to_owned(), "bad".to_owned()],
        ]);
        let topics: Vec<String> = u.iter().map(topic_of_subscription).collect();
        assert_eq!(topics, vec!["NSE_INDEX_NIFTY_LTP", "NSE_SBIN_QUOTE"]);
    }
}
