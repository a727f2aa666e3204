//! The hub's inputs: the market broker's tick stream for the current upstream set (re-opened
//! whenever the set changes, and after the stream ends, so a broker reconnect restores every
//! subscription), and the order updates of the live and the analyzer accounts.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use openalgo_core::market::{MarketEvent, TradingMode};
use tokio::sync::broadcast::error::RecvError;

use super::StreamContext;

/// Starts the feed tasks.
pub(super) fn spawn(ctx: &Arc<StreamContext>) {
    let market = Arc::clone(ctx.state.live.broker.market());
    let hub = Arc::clone(&ctx.hub);
    tokio::spawn(async move {
        let mut changes = hub.watch_upstream();
        loop {
            changes.borrow_and_update();
            let wanted = hub.upstream();
            let mut stream = if wanted.is_empty() {
                None
            } else {
                match market.subscribe(&wanted).await {
                    Ok(s) => Some(s),
                    Err(e) => {
                        tracing::warn!(error = %e, "market subscription failed; retrying");
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
                    event = async { match stream.as_mut() { Some(s) => s.next().await, None => std::future::pending().await } } => {
                        match event {
                            Some(MarketEvent::Tick(t)) => hub.publish_tick(&t),
                            Some(MarketEvent::Order(_)) => {}
                            None => {
                                tracing::warn!("market stream ended; resubscribing");
                                tokio::time::sleep(Duration::from_millis(200)).await;
                                break;
                            }
                        }
                    }
                }
            }
        }
    });
    for (account, mode) in [
        (Arc::clone(&ctx.state.live.broker), TradingMode::Live),
        (Arc::clone(&ctx.state.sandbox.broker), TradingMode::Analyze),
    ] {
        let ctx = Arc::clone(ctx);
        tokio::spawn(async move {
            let mut updates = account.order_updates();
            loop {
                match updates.recv().await {
                    Ok(u) => {
                        let user = ctx.username_of_admin().await;
                        ctx.hub.publish_order(&u, mode, &user);
                    }
                    Err(RecvError::Lagged(n)) => tracing::warn!(missed = n, "order updates lagged"),
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }
}
