//! The max-daily-loss rule's watch: every interval, each account with the rule on and its kill
//! switch released has its day's P&L (the position book's realized + unrealized) fed to its
//! guard. A breach engages the kill switch, saves it, and — when the account's limits say so —
//! cancels its open orders and closes its positions (closing is never refused by the rules).

use std::sync::Arc;
use std::time::Duration;

use openalgo_core::Money;
use openalgo_core::clock::Clock;

use crate::state::{AccountBook, Mode};
use crate::store::Store;

/// What the monitor watches.
#[derive(Clone)]
pub struct Monitor {
    /// The accounts and their gates.
    pub book: Arc<AccountBook>,
    /// Where the tripped state is saved.
    pub store: Arc<dyn Store>,
    /// Wall-clock time (the kill switch's `since`).
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor").finish_non_exhaustive()
    }
}

impl Monitor {
    /// Checks both accounts once; returns the accounts whose kill switch this tripped.
    pub async fn check_once(&self) -> Vec<Mode> {
        let mut tripped = Vec::new();
        for mode in [Mode::Live, Mode::Analyze] {
            let gates = self.book.risk();
            let gate = gates.of(mode);
            let watching =
                gate.with(|g| g.limits().max_daily_loss.is_some() && g.kill_switch().is_none());
            if !watching {
                continue;
            }
            let trading = self.book.current().of(mode).clone();
            let positions = match trading.broker.positions().await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(account = mode.as_str(), error = %e, "daily-loss check: positions unavailable");
                    continue;
                }
            };
            let pnl: Money = positions.iter().map(|p| p.pnl).sum();
            if !gate.observe_pnl(pnl, self.clock.now_ist()) {
                continue;
            }
            tracing::warn!(account = mode.as_str(), %pnl, "max daily loss reached: kill switch engaged");
            if let Err(e) = super::save(&self.store, gates, mode).await {
                tracing::error!(account = mode.as_str(), error = %e, "kill switch state not saved");
            }
            if gate.with(|g| g.limits().flatten_on_kill) {
                flatten(&trading.orders, mode).await;
            }
            tripped.push(mode);
        }
        tripped
    }

    /// Checks every `interval`, forever.
    pub async fn run(self, interval: Duration) {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // Another instance serves the accounts, and watches them.
            if self.book.serving().is_on() {
                self.check_once().await;
            }
        }
    }
}

/// Cancels `orders`' open orders and closes its positions, logging what happened.
pub async fn flatten(orders: &openalgo_core::OrderService, mode: Mode) {
    match orders.cancel_all_orders().await {
        Ok(r) => tracing::warn!(
            account = mode.as_str(),
            canceled = r.canceled.len(),
            failed = r.failed.len(),
            "kill switch: open orders cancelled"
        ),
        Err(e) => {
            tracing::error!(account = mode.as_str(), error = %e, "kill switch: order book unavailable")
        }
    }
    match orders.close_all_positions().await {
        Ok(r) => tracing::warn!(
            account = mode.as_str(),
            closed = r.closed(),
            failed = r.failed(),
            "kill switch: positions closed"
        ),
        Err(e) => {
            tracing::error!(account = mode.as_str(), error = %e, "kill switch: position book unavailable")
        }
    }
}
