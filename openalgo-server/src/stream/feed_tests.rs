//! The feed loop against a scripted market on paused tokio time: streams that end, go silent,
//! fail to open, or stay silent outside market hours.

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;
use openalgo_core::broker::{EventStream, Subscription};
use openalgo_core::calendar::MarketCalendar;
use openalgo_core::clock::{Clock, ManualClock};
use openalgo_core::market::{SubscriptionMode, Tick, TickData};
use openalgo_core::{
    BrokerError, Capabilities, Exchange, Funds, Holding, InstrumentKey, Order, OrderId,
    OrderRequest, Position, Price, Quote, Symbol, Trade,
};
use serde_json::Value;

use super::*;
use crate::stream::outbox::{Outbox, Outgoing};

/// What one `subscribe` call gets.
#[derive(Debug, Clone, Copy)]
enum Script {
    /// `n` ticks per subscription, then the stream ends (a dropped connection).
    ThenEnd(i64),
    /// `n` ticks per subscription, then nothing while the stream stays open.
    ThenSilence(i64),
    /// The subscription is refused.
    Refuse,
    /// A tick per subscription every second, forever.
    Steady,
}

/// A market whose `subscribe` calls follow a script (then `default`), recording each call's
/// instant and subscriptions.
#[derive(Debug)]
struct Scripted {
    scripts: Mutex<VecDeque<Script>>,
    default: Script,
    calls: Mutex<Vec<(Instant, Vec<Subscription>)>>,
    caps: Capabilities,
}

impl Scripted {
    fn new(scripts: &[Script], default: Script) -> Arc<Self> {
        Arc::new(Self {
            scripts: Mutex::new(scripts.iter().copied().collect()),
            default,
            calls: Mutex::default(),
            caps: Capabilities {
                exchanges: vec![Exchange::Nse],
                intervals: Vec::new(),
                depth_levels: vec![5],
                streaming: true,
                margin_calculator: false,
            },
        })
    }

    fn calls(&self) -> Vec<(Instant, Vec<Subscription>)> {
        self.calls.lock().unwrap().clone()
    }
}

fn tick(s: &Subscription, generation: i64, i: i64) -> MarketEvent {
    MarketEvent::Tick(Tick {
        instrument: s.instrument.clone(),
        ltp: Price::new(rust_decimal::Decimal::from(100 + i)),
        ltt_ms: None,
        timestamp_ms: generation,
        data: TickData::Ltp,
    })
}

#[async_trait]
impl Broker for Scripted {
    fn id(&self) -> &'static str {
        "scripted"
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    async fn place_order(&self, _: &OrderRequest) -> Result<OrderId, BrokerError> {
        Err(self.unsupported("orders"))
    }
    async fn modify_order(&self, _: &openalgo_core::ModifyOrder) -> Result<OrderId, BrokerError> {
        Err(self.unsupported("orders"))
    }
    async fn cancel_order(&self, _: &OrderId) -> Result<OrderId, BrokerError> {
        Err(self.unsupported("orders"))
    }
    async fn order_book(&self) -> Result<Vec<Order>, BrokerError> {
        Ok(Vec::new())
    }
    async fn trade_book(&self) -> Result<Vec<Trade>, BrokerError> {
        Ok(Vec::new())
    }
    async fn positions(&self) -> Result<Vec<Position>, BrokerError> {
        Ok(Vec::new())
    }
    async fn holdings(&self) -> Result<Vec<Holding>, BrokerError> {
        Ok(Vec::new())
    }
    async fn funds(&self) -> Result<Funds, BrokerError> {
        Err(self.unsupported("funds"))
    }
    async fn quote(&self, _: &InstrumentKey) -> Result<Quote, BrokerError> {
        Err(self.unsupported("quote"))
    }
    async fn master_contract(&self) -> Result<Vec<openalgo_core::Instrument>, BrokerError> {
        Ok(Vec::new())
    }
    async fn subscribe(&self, subs: &[Subscription]) -> Result<EventStream, BrokerError> {
        let generation = {
            let mut calls = self.calls.lock().unwrap();
            calls.push((Instant::now(), subs.to_vec()));
            i64::try_from(calls.len()).unwrap()
        };
        let script = self
            .scripts
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(self.default);
        let burst = |n: i64| -> Vec<MarketEvent> {
            subs.iter()
                .flat_map(|s| (0..n).map(move |i| tick(s, generation, i)))
                .collect()
        };
        Ok(match script {
            Script::ThenEnd(n) => Box::pin(futures::stream::iter(burst(n))),
            Script::ThenSilence(n) => {
                Box::pin(futures::stream::iter(burst(n)).chain(futures::stream::pending()))
            }
            Script::Refuse => {
                return Err(BrokerError::Connectivity("connection refused".into()));
            }
            Script::Steady => {
                let subs = subs.to_vec();
                Box::pin(
                    futures::stream::unfold(0i64, |i| async move {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        Some((i, i + 1))
                    })
                    .flat_map(move |i| {
                        futures::stream::iter(
                            subs.iter()
                                .map(|s| tick(s, generation, i))
                                .collect::<Vec<_>>(),
                        )
                    }),
                )
            }
        })
    }
}

fn key(symbol: &str) -> InstrumentKey {
    InstrumentKey::new(Symbol::new(symbol).unwrap(), Exchange::Nse)
}

fn ist(date: &str, h: u32) -> chrono::NaiveDateTime {
    date.parse::<chrono::NaiveDate>()
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
}

fn policy(around_the_clock: bool, clock: Arc<dyn Clock>) -> StallPolicy {
    StallPolicy {
        stall: Duration::from_secs(30),
        around_the_clock,
        calendar: Arc::new(MarketCalendar::bundled()),
        clock,
    }
}

/// A hub with one client holding SBIN and INFY (LTP), and the feed loop over `market`.
fn start(
    market: &Arc<Scripted>,
    policy: StallPolicy,
) -> (Arc<Hub>, Arc<Outbox>, tokio::task::JoinHandle<()>) {
    let hub = Arc::new(Hub::new("scripted"));
    let (id, outbox) = hub.register();
    hub.subscribe(id, &key("SBIN"), SubscriptionMode::Ltp);
    hub.subscribe(id, &key("INFY"), SubscriptionMode::Ltp);
    let market: Arc<dyn Broker> = market.clone();
    let task = tokio::spawn(market_loop(
        Arc::clone(&hub),
        market,
        None,
        None,
        policy,
        None,
    ));
    (hub, outbox, task)
}

/// The next message to the client (within an hour of paused time).
async fn next(outbox: &Outbox) -> Value {
    let Outgoing::Text(t) = tokio::time::timeout(Duration::from_secs(3600), outbox.next())
        .await
        .expect("a message")
    else {
        panic!("closed")
    };
    serde_json::from_str(t.as_str()).unwrap()
}

/// Messages up to and including the first market data after a `restored` notice.
async fn until_ticks_resume(outbox: &Outbox) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let v = next(outbox).await;
        let done = v["type"] == "market_data"
            && seen
                .iter()
                .any(|m: &Value| m["type"] == "feed_status" && m["status"] == "restored");
        seen.push(v);
        if done {
            return seen;
        }
    }
}

fn statuses(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .filter(|m| m["type"] == "feed_status")
        .map(|m| m["status"].as_str().unwrap().to_owned())
        .collect()
}

fn sorted(subs: &[Subscription]) -> Vec<(String, u8)> {
    let mut v: Vec<_> = subs
        .iter()
        .map(|s| (s.instrument.symbol.as_str().to_owned(), s.mode.code()))
        .collect();
    v.sort();
    v
}

#[tokio::test(start_paused = true)]
async fn an_ended_stream_is_subscribed_again_and_ticks_resume() {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::default());
    let market = Scripted::new(&[], Script::ThenEnd(2));
    let (_hub, outbox, task) = start(&market, policy(true, clock));
    let mut generations = std::collections::BTreeSet::new();
    let mut notices = 0;
    while generations.len() < 3 {
        let v = next(&outbox).await;
        if v["type"] == "feed_status" {
            assert_eq!(
                v["status"], "restored",
                "an ended stream is not a stall: {v}"
            );
            assert_eq!(v["subscriptions"], 2);
            assert!(v.get("stale_since").is_none());
            notices += 1;
            continue;
        }
        generations.insert(v["data"]["timestamp"].as_i64().unwrap());
    }
    assert!(notices >= 2, "clients are told after each reconnect");
    assert!(market.calls().len() >= 3, "re-subscribed after each end");
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_silent_stream_is_reconnected_and_clients_hear_stale_then_restored() {
    let clock = Arc::new(ManualClock::at_ist(ist("2026-11-25", 10)));
    let market = Scripted::new(&[Script::ThenSilence(1)], Script::Steady);
    let (hub, outbox, task) = start(&market, policy(true, clock.clone()));
    let mut stale = Value::Null;
    let mut seen = Vec::new();
    while stale.is_null() {
        let v = next(&outbox).await;
        if v["type"] == "feed_status" {
            stale = v.clone();
            // The dashboard's view turns stale with the notice.
            assert_eq!(
                hub.health().stale(),
                Some((v["since"].as_i64().unwrap(), 2))
            );
        }
        seen.push(v);
    }
    assert_eq!(stale["status"], "stale", "{stale}");
    assert_eq!(
        seen.len(),
        3,
        "one tick per instrument, then the notice: {seen:?}"
    );
    assert_eq!(stale["broker"], "scripted");
    assert_eq!(stale["instruments"], 2);
    assert_eq!(stale["subscriptions"], 2);
    assert_eq!(stale["stall_seconds"], 30);
    let silent_ms = clock.now_ms() - stale["since"].as_i64().unwrap();
    assert!(
        (30_000..31_000).contains(&silent_ms),
        "dated at the last data: {silent_ms}"
    );
    let after = until_ticks_resume(&outbox).await;
    assert_eq!(statuses(&after), ["restored"]);
    let restored = after.iter().find(|m| m["type"] == "feed_status").unwrap();
    assert_eq!(restored["stale_since"], stale["since"]);
    assert_eq!(restored["subscriptions"], 2);
    assert_eq!(hub.health().stale(), None);
    let calls = market.calls();
    assert_eq!(calls.len(), 2, "one reconnect");
    assert_eq!(
        sorted(&calls[1].1),
        [("INFY".to_owned(), 1), ("SBIN".to_owned(), 1)],
        "everything subscribed is subscribed again"
    );
    assert!(calls[1].0 - calls[0].0 >= Duration::from_secs(30));
    // And ticks keep flowing from the new stream.
    let v = next(&outbox).await;
    assert_eq!(v["type"], "market_data");
    assert_eq!(v["data"]["timestamp"], 2);
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_quiet_market_is_not_reconnected_until_it_should_tick() {
    // A Saturday: NSE is closed, the silent stream is expected.
    let clock = Arc::new(ManualClock::at_ist(ist("2026-11-28", 11)));
    let market = Scripted::new(&[Script::ThenSilence(0)], Script::Steady);
    let (hub, outbox, task) = start(&market, policy(false, clock.clone()));
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(market.calls().len(), 1, "no reconnect in an hour of quiet");
    assert_eq!(outbox.pending(), 0, "no notice either");
    assert_eq!(hub.health().stale(), None);
    // Monday 10:00: the same silence is now a stall.
    clock.set_ist(ist("2026-11-30", 10));
    let seen = until_ticks_resume(&outbox).await;
    assert_eq!(statuses(&seen), ["stale", "restored"]);
    assert_eq!(market.calls().len(), 2);
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_failing_reconnect_retries_with_backoff_and_one_stale_notice() {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::at_ist(ist("2026-11-25", 10)));
    let market = Scripted::new(
        &[
            Script::ThenSilence(1),
            Script::Refuse,
            Script::Refuse,
            Script::Refuse,
        ],
        Script::Steady,
    );
    let (_hub, outbox, task) = start(&market, policy(true, clock));
    let seen = until_ticks_resume(&outbox).await;
    assert_eq!(statuses(&seen), ["stale", "restored"]);
    let at: Vec<Instant> = market.calls().iter().map(|(t, _)| *t).collect();
    assert_eq!(at.len(), 5, "the first stream, three refusals, the success");
    let gaps: Vec<Duration> = at.windows(2).skip(1).map(|w| w[1] - w[0]).collect();
    for (gap, pause) in gaps.iter().zip([1, 2, 4]) {
        let pause = Duration::from_secs(pause);
        assert!(*gap >= pause && *gap < pause * 2, "pauses double: {gaps:?}");
    }
    task.abort();
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_stays_silent_is_reconnected_ever_less_often() {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::at_ist(ist("2026-11-25", 10)));
    let market = Scripted::new(&[Script::ThenSilence(1)], Script::ThenSilence(0));
    let (_hub, outbox, task) = start(&market, policy(true, clock));
    tokio::time::sleep(Duration::from_secs(30 + 30 + 60 + 120 + 240 + 240 + 1)).await;
    let at: Vec<Instant> = market.calls().iter().map(|(t, _)| *t).collect();
    let gaps: Vec<u64> = at.windows(2).map(|w| (w[1] - w[0]).as_secs()).collect();
    assert_eq!(
        gaps,
        [30, 30, 60, 120, 240, 240],
        "windows double up to 8 × 30 s"
    );
    let mut notices = Vec::new();
    while outbox.pending() > 0 {
        notices.push(next(&outbox).await);
    }
    assert_eq!(
        statuses(&notices),
        ["stale"],
        "one notice for the whole stall"
    );
    task.abort();
}
