//! The hub's inputs: the market broker's tick stream for the current upstream set (re-opened
//! whenever the set changes, after the stream ends, and when the stall watchdog finds it
//! silent, so a broker reconnect restores every subscription), and the order updates of the
//! live and the analyzer accounts.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use openalgo_brokers::latency::LatencyMonitor;
use openalgo_core::market::{MarketEvent, Tick, TradingMode};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use openalgo_brokers::paper::PaperBroker;
use openalgo_core::Broker;

use super::watchdog::{Backoff, StallPolicy, Verdict, Watchdog};
use super::{Hub, StreamContext, health};

/// Keeps the hub fed from `market`: subscribes to the hub's upstream set, re-subscribes when
/// the set changes, and when the stream ends (a broker reconnect) subscribes again, so every
/// client's subscriptions are restored without the client doing anything. A stream that goes
/// silent while its instruments should tick is reconnected by the stall watchdog, and clients
/// hear `feed_status` `stale` and, when data flows again, `restored`; failed subscriptions are
/// retried with exponential backoff. With `ctx`, the paper accounts act on the ticks and the
/// live broker's own order updates reach the clients.
pub(super) async fn market_loop(
    hub: Arc<Hub>,
    market: Arc<dyn Broker>,
    publisher: Option<super::bus::Publisher>,
    ctx: Option<Arc<StreamContext>>,
    policy: StallPolicy,
    shared: Option<Arc<dyn super::SharedFeed>>,
) {
    // Shared between instances: the upstream set is the cluster's (empty unless this instance
    // leads), and ticks reach this hub through the shared feed, not directly.
    let mut changes = shared
        .as_ref()
        .map_or_else(|| hub.watch_upstream(), |f| f.watch());
    let mut generations = ctx.as_ref().map(|c| c.book.watch());
    let paper_accounts = |ctx: &Option<Arc<StreamContext>>| -> Vec<Arc<PaperBroker>> {
        ctx.as_ref().map_or_else(Vec::new, |c| {
            c.book
                .current()
                .paper_accounts()
                .into_iter()
                .map(|(a, _)| a)
                .collect()
        })
    };
    let mut accounts = paper_accounts(&ctx);
    let mut restoring = false;
    let mut stage_clock = StageClock::default();
    let mut backoff = Backoff::new(RETRY_FIRST, RETRY_MAX);
    let mut watchdog = Watchdog::new(policy, Instant::now());
    // One timer for the watchdog, moved only when a check is due (ticks just note the time).
    let stall_timer = tokio::time::sleep_until(watchdog.deadline());
    tokio::pin!(stall_timer);
    loop {
        changes.borrow_and_update();
        let wanted = shared
            .as_ref()
            .map_or_else(|| hub.upstream(), |f| f.upstream());
        let mut retry_at = None;
        let mut stream = if wanted.is_empty() {
            watchdog.stop();
            hub.health().set(None);
            None
        } else {
            watchdog.watch(Instant::now());
            stall_timer.as_mut().reset(watchdog.deadline());
            match market.subscribe(&wanted).await {
                Ok(s) => {
                    backoff.reset();
                    if std::mem::take(&mut restoring) && watchdog.stale().is_none() {
                        // Clients are told their subscriptions were restored (an extra
                        // message type; the official clients ignore unknown types).
                        hub.broadcast(&health::restored_notice(hub.broker(), wanted.len(), None));
                    }
                    Some(s)
                }
                Err(e) => {
                    let pause = backoff.pause();
                    tracing::warn!(error = %e, retry_in_ms = pause.as_millis(), "market subscription failed; retrying");
                    restoring = true;
                    retry_at = Some(Instant::now() + pause);
                    None
                }
            }
        };
        loop {
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    break;
                }
                generation = async {
                    match generations.as_mut() {
                        Some(g) => g.changed().await,
                        None => std::future::pending().await,
                    }
                } => {
                    if generation.is_err() {
                        generations = None;
                    }
                    // New accounts (a new master contract): the instruments may have moved.
                    accounts = paper_accounts(&ctx);
                    break;
                }
                () = async {
                    match retry_at {
                        Some(at) => tokio::time::sleep_until(at).await,
                        None => std::future::pending().await,
                    }
                } => break,
                () = &mut stall_timer, if !wanted.is_empty() => {
                    match watchdog.check(Instant::now(), &wanted) {
                        Verdict::Fine(next) | Verdict::Quiet(next) => {
                            stall_timer.as_mut().reset(next);
                        }
                        Verdict::Stalled { new, next } => {
                            stall_timer.as_mut().reset(next);
                            if let Some(stale) = new {
                                hub.health().set(Some(stale));
                                hub.broadcast(&health::stale_notice(
                                    hub.broker(), stale, wanted.len(), watchdog.stall(),
                                ));
                            }
                            // A pending retry reconnects on its own schedule.
                            if stream.take().is_some() {
                                tracing::warn!(
                                    subscriptions = wanted.len(),
                                    "market stream silent while it should tick; reconnecting"
                                );
                                break;
                            }
                        }
                    }
                }
                event = async {
                    match stream.as_mut() {
                        Some(s) => s.next().await,
                        None => std::future::pending().await,
                    }
                } => match event {
                    Some(MarketEvent::Tick(t)) => {
                        if let Some(ended) = watchdog.on_data(Instant::now()) {
                            hub.health().set(None);
                            hub.broadcast(&health::restored_notice(
                                hub.broker(), wanted.len(), Some(ended),
                            ));
                            tracing::info!("market data flowing again");
                        }
                        let fanout = Instant::now();
                        match &shared {
                            Some(feed) => feed.publish(&t),
                            None => hub.publish_tick(&t),
                        }
                        if let Some(c) = &ctx {
                            stage_clock.tick(&c.latency, &t, fanout);
                        }
                        if let Some(p) = &publisher {
                            p.publish(&t);
                        }
                        // The paper accounts act on the same ticks (fills between refreshes).
                        for account in accounts.iter().filter(|a| a.wants(&t.instrument)) {
                            let (account, tick) = (Arc::clone(account), t.clone());
                            tokio::spawn(async move {
                                if let Err(e) = account.on_tick(&tick).await {
                                    tracing::warn!(error = %e, "paper account could not take a tick");
                                }
                            });
                        }
                    }
                    Some(MarketEvent::Order(u)) => {
                        // A live broker's own order updates (a paper account's come from
                        // its engine).
                        if let Some(c) = &ctx
                            && c.book.current().live.paper.is_none() {
                                let user = c.username_of_admin().await;
                                match &shared {
                                    Some(feed) => feed.publish_order(
                                        serde_json::to_string(&u.message(
                                            &user,
                                            TradingMode::Live,
                                            c.hub.broker(),
                                        ))
                                        .unwrap_or_default(),
                                    ),
                                    None => c.hub.publish_order(&u, TradingMode::Live, &user),
                                }
                            }
                    }
                    None => {
                        tracing::warn!("market stream ended; subscribing again");
                        restoring = true;
                        tokio::time::sleep(RESUBSCRIBE_AFTER).await;
                        break;
                    }
                },
            }
        }
    }
}

/// The feed's own stages of one tick in [`SAMPLE_EVERY`](super::outbox::SAMPLE_EVERY): made
/// (its millisecond `timestamp`, which the simulator aligns to the instant it makes a group of
/// ticks) → reached the hub, and the fan-out's loop over every holder.
#[derive(Debug, Default)]
struct StageClock {
    ticks: u64,
}

impl StageClock {
    fn tick(&mut self, latency: &LatencyMonitor, tick: &Tick, fanout: Instant) {
        self.ticks += 1;
        if !self.ticks.is_multiple_of(super::outbox::SAMPLE_EVERY) {
            return;
        }
        let done = Instant::now();
        let now_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        let waited = done.duration_since(fanout);
        let made_to_hub =
            now_us - i64::try_from(waited.as_micros()).unwrap_or(0) - tick.timestamp_ms * 1_000;
        latency.record(
            "websocket",
            "stage_made_to_hub",
            u64::try_from(made_to_hub).unwrap_or(0),
            true,
        );
        latency.record(
            "websocket",
            "stage_fanout_all_holders",
            u64::try_from(waited.as_micros()).unwrap_or(u64::MAX),
            true,
        );
    }
}

/// Pause before subscribing again after the market stream ended.
const RESUBSCRIBE_AFTER: Duration = Duration::from_millis(200);
/// First pause after a failed subscription; each further failure doubles it up to `RETRY_MAX`.
const RETRY_FIRST: Duration = Duration::from_secs(1);
/// Longest pause between subscription attempts.
const RETRY_MAX: Duration = Duration::from_secs(60);

/// The watchdog's policy for `ctx`'s market.
fn policy_of(ctx: &StreamContext) -> StallPolicy {
    StallPolicy {
        stall: ctx.stall,
        around_the_clock: ctx.market.streams_around_the_clock(),
        calendar: Arc::clone(&ctx.calendar),
        clock: Arc::clone(&ctx.clock),
    }
}

/// Starts the feed tasks.
pub(super) fn spawn(ctx: &Arc<StreamContext>, publisher: Option<super::bus::Publisher>) {
    tokio::spawn(market_loop(
        Arc::clone(&ctx.hub),
        Arc::clone(&ctx.market),
        publisher,
        Some(Arc::clone(ctx)),
        policy_of(ctx),
        ctx.shared.clone(),
    ));
    if let Some(feed) = ctx.shared.clone() {
        tokio::spawn(share_orders(Arc::clone(ctx), feed));
        return;
    }
    let ctx = Arc::clone(ctx);
    tokio::spawn(async move {
        let mut generations = ctx.book.watch();
        loop {
            // One forwarding task per paper account of this generation, holding a receiver
            // of the account's updates only while some client wants them (the hub opens it).
            let accounts = ctx.book.current().paper_accounts();
            let sources: Vec<super::hub::OpenUpdates> = accounts
                .iter()
                .map(|(account, _)| {
                    let account = Arc::clone(account);
                    Box::new(move || account.order_updates()) as super::hub::OpenUpdates
                })
                .collect();
            let switches = ctx.hub.replace_order_taps(sources);
            let tasks: Vec<_> = accounts
                .into_iter()
                .zip(switches)
                .map(|((_, mode), switch)| {
                    tokio::spawn(forward_orders(Arc::clone(&ctx), mode, switch))
                })
                .collect();
            let changed = generations.changed().await;
            for t in tasks {
                t.abort();
            }
            if changed.is_err() {
                return;
            }
        }
    });
}

/// Shared between instances: every paper account's order updates go to the shared feed
/// (always, since clients of other instances may want them), which delivers them to every
/// instance's order subscribers; per generation of accounts, as [`spawn`] does in process.
async fn share_orders(ctx: Arc<StreamContext>, feed: Arc<dyn super::SharedFeed>) {
    let mut generations = ctx.book.watch();
    loop {
        let tasks: Vec<_> = ctx
            .book
            .current()
            .paper_accounts()
            .into_iter()
            .map(|(account, mode)| {
                let (ctx, feed) = (Arc::clone(&ctx), Arc::clone(&feed));
                let mut updates = account.order_updates();
                tokio::spawn(async move {
                    loop {
                        match updates.recv().await {
                            Ok(u) => {
                                let user = ctx.username_of_admin().await;
                                let message = u.message(&user, mode, ctx.hub.broker());
                                feed.publish_order(
                                    serde_json::to_string(&message).unwrap_or_default(),
                                );
                            }
                            Err(RecvError::Lagged(n)) => {
                                tracing::warn!(missed = n, "order updates lagged");
                            }
                            Err(RecvError::Closed) => return,
                        }
                    }
                })
            })
            .collect();
        let changed = generations.changed().await;
        for t in tasks {
            t.abort();
        }
        if changed.is_err() {
            return;
        }
    }
}

/// Forwards one account's order updates to the hub while it has a receiver (see
/// [`Hub::replace_order_taps`]).
async fn forward_orders(
    ctx: Arc<StreamContext>,
    mode: TradingMode,
    mut switch: tokio::sync::mpsc::UnboundedReceiver<
        Option<tokio::sync::broadcast::Receiver<openalgo_core::market::OrderUpdate>>,
    >,
) {
    let mut updates: Option<tokio::sync::broadcast::Receiver<openalgo_core::market::OrderUpdate>> =
        None;
    loop {
        let next = async {
            match updates.as_mut() {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            change = switch.recv() => match change {
                Some(rx) => updates = rx,
                None => return,
            },
            update = next => match update {
                Ok(u) => {
                    let user = ctx.username_of_admin().await;
                    ctx.hub.publish_order(&u, mode, &user);
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "order updates lagged");
                }
                Err(RecvError::Closed) => updates = None,
            },
        }
    }
}

#[cfg(test)]
#[path = "feed_tests.rs"]
mod tests;
