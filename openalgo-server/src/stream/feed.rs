//! The hub's inputs: the market broker's tick stream for the current upstream set (re-opened
//! whenever the set changes, and after the stream ends, so a broker reconnect restores every
//! subscription), and the order updates of the live and the analyzer accounts.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use openalgo_core::market::{MarketEvent, TradingMode};
use tokio::sync::broadcast::error::RecvError;

use openalgo_brokers::paper::PaperBroker;
use openalgo_core::Broker;

use super::{Hub, StreamContext};

/// Keeps the hub fed from `market`: subscribes to the hub's upstream set, re-subscribes when
/// the set changes, and when the stream ends (a broker reconnect) subscribes again, so every
/// client's subscriptions are restored without the client doing anything. With `ctx`, the paper
/// accounts act on the ticks and the live broker's own order updates reach the clients.
pub(super) async fn market_loop(
    hub: Arc<Hub>,
    market: Arc<dyn Broker>,
    publisher: Option<super::bus::Publisher>,
    ctx: Option<Arc<StreamContext>>,
) {
    let mut changes = hub.watch_upstream();
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
    loop {
        changes.borrow_and_update();
        let wanted = hub.upstream();
        let mut stream = if wanted.is_empty() {
            None
        } else {
            match market.subscribe(&wanted).await {
                Ok(s) => {
                    if std::mem::take(&mut restoring) {
                        // Clients are told their subscriptions were restored (an extra
                        // message type; the official clients ignore unknown types).
                        hub.broadcast(
                            &serde_json::json!({"type": "feed_status", "status": "restored",
                            "message": "Market data reconnected; subscriptions restored",
                            "broker": hub.broker(), "subscriptions": wanted.len()}),
                        );
                    }
                    Some(s)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "market subscription failed; retrying");
                    restoring = true;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
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
                event = async {
                    match stream.as_mut() {
                        Some(s) => s.next().await,
                        None => std::future::pending().await,
                    }
                } => match event {
                    Some(MarketEvent::Tick(t)) => {
                        hub.publish_tick(&t);
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
                        if let Some(c) = &ctx {
                            if c.book.current().live.paper.is_none() {
                                let user = c.username_of_admin().await;
                                c.hub.publish_order(&u, TradingMode::Live, &user);
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

/// Pause before subscribing again after the market stream ended.
const RESUBSCRIBE_AFTER: Duration = Duration::from_millis(200);

/// Starts the feed tasks.
pub(super) fn spawn(ctx: &Arc<StreamContext>, publisher: Option<super::bus::Publisher>) {
    tokio::spawn(market_loop(
        Arc::clone(&ctx.hub),
        Arc::clone(&ctx.market),
        publisher,
        Some(Arc::clone(ctx)),
    ));
    let ctx = Arc::clone(ctx);
    tokio::spawn(async move {
        let mut generations = ctx.book.watch();
        loop {
            // One forwarding task per paper account of this generation.
            let tasks: Vec<_> = ctx
                .book
                .current()
                .paper_accounts()
                .into_iter()
                .map(|(account, mode)| {
                    let ctx = Arc::clone(&ctx);
                    tokio::spawn(async move {
                        let mut updates = account.order_updates();
                        loop {
                            match updates.recv().await {
                                Ok(u) => {
                                    let user = ctx.username_of_admin().await;
                                    ctx.hub.publish_order(&u, mode, &user);
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
    });
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;
    use openalgo_core::broker::{EventStream, Subscription};
    use openalgo_core::market::{SubscriptionMode, Tick, TickData};
    use openalgo_core::{
        BrokerError, Capabilities, Exchange, Funds, Holding, InstrumentKey, Order, OrderId,
        OrderRequest, Position, Price, Quote, Symbol, Trade,
    };

    use super::*;
    use crate::stream::outbox::Outgoing;

    /// A market whose every stream yields two ticks and then ends (a dropped connection).
    #[derive(Debug)]
    struct Flaky {
        subscriptions: AtomicUsize,
        caps: Capabilities,
    }

    impl Default for Flaky {
        fn default() -> Self {
            Self {
                subscriptions: AtomicUsize::new(0),
                caps: Capabilities {
                    exchanges: vec![Exchange::Nse],
                    intervals: Vec::new(),
                    depth_levels: vec![5],
                    streaming: true,
                    margin_calculator: false,
                },
            }
        }
    }

    #[async_trait]
    impl Broker for Flaky {
        fn id(&self) -> &'static str {
            "flaky"
        }
        fn capabilities(&self) -> &Capabilities {
            &self.caps
        }
        async fn place_order(&self, _: &OrderRequest) -> Result<OrderId, BrokerError> {
            Err(self.unsupported("orders"))
        }
        async fn modify_order(
            &self,
            _: &openalgo_core::ModifyOrder,
        ) -> Result<OrderId, BrokerError> {
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
            let n = self.subscriptions.fetch_add(1, Ordering::SeqCst);
            let ticks: Vec<MarketEvent> = subs
                .iter()
                .flat_map(|s| {
                    (0..2).map(move |i| {
                        MarketEvent::Tick(Tick {
                            instrument: s.instrument.clone(),
                            ltp: Price::new(rust_decimal::Decimal::from(100 + i)),
                            ltt_ms: None,
                            timestamp_ms: i64::try_from(n).unwrap_or(0),
                            data: TickData::Ltp,
                        })
                    })
                })
                .collect();
            Ok(Box::pin(futures::stream::iter(ticks)))
        }
    }

    #[tokio::test]
    async fn an_ended_stream_is_subscribed_again_and_ticks_resume() {
        let hub = Arc::new(Hub::new("flaky"));
        let market = Arc::new(Flaky::default());
        let (id, outbox) = hub.register();
        let key = InstrumentKey::new(Symbol::new("SBIN").unwrap(), Exchange::Nse);
        hub.subscribe(id, &key, SubscriptionMode::Ltp);
        let task = tokio::spawn(market_loop(Arc::clone(&hub), market.clone(), None, None));
        let mut generations = std::collections::BTreeSet::new();
        let mut notices = 0;
        while generations.len() < 3 {
            let Outgoing::Text(t) = tokio::time::timeout(Duration::from_secs(5), outbox.next())
                .await
                .expect("ticks keep coming")
            else {
                panic!("closed")
            };
            let v: serde_json::Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "feed_status" {
                assert_eq!(v["status"], "restored");
                notices += 1;
                continue;
            }
            assert_eq!(v["symbol"], "SBIN");
            generations.insert(v["data"]["timestamp"].as_i64().unwrap());
        }
        assert!(notices >= 2, "clients are told after each reconnect");
        assert!(
            market.subscriptions.load(Ordering::SeqCst) >= 3,
            "re-subscribed after each end"
        );
        task.abort();
    }
}
