//! The feed's health as clients and the dashboard see it: the `feed_status` notices (our
//! extension of the protocol; the official clients ignore unknown message types) and the
//! current stall, if any, kept in the hub for the dashboard's badge.

use std::sync::{Mutex, PoisonError};

use serde_json::{Value, json};

use super::watchdog::Stale;

/// The current stall of the feed (`None` while data flows).
#[derive(Debug, Default)]
pub struct FeedHealth(Mutex<Option<Stale>>);

impl FeedHealth {
    /// Epoch milliseconds since which the feed has been silent, and how many subscribed
    /// instruments should have ticked; `None` while the feed is healthy.
    #[must_use]
    pub fn stale(&self) -> Option<(i64, usize)> {
        self.lock().map(|s| (s.since_ms, s.instruments))
    }

    pub(crate) fn set(&self, stale: Option<Stale>) {
        *self.lock() = stale;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Stale>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `{"type": "feed_status", "status": "stale", ...}`: the watchdog found no data for `stall`
/// and is reconnecting.
pub(crate) fn stale_notice(
    broker: &str,
    stale: Stale,
    subscriptions: usize,
    stall: std::time::Duration,
) -> Value {
    json!({"type": "feed_status", "status": "stale", "broker": broker,
        "message": format!("No market data for {} s; reconnecting", stall.as_secs()),
        "since": stale.since_ms, "instruments": stale.instruments,
        "subscriptions": subscriptions, "stall_seconds": stall.as_secs()})
}

/// `{"type": "feed_status", "status": "restored", ...}`: data flows again after `stale` (with
/// `stale_since`), or the stream was re-opened after it ended (without).
pub(crate) fn restored_notice(broker: &str, subscriptions: usize, stale: Option<Stale>) -> Value {
    let mut v = json!({"type": "feed_status", "status": "restored", "broker": broker,
        "subscriptions": subscriptions});
    v["message"] = match stale {
        Some(s) => {
            v["stale_since"] = json!(s.since_ms);
            json!("Market data flowing again")
        }
        None => json!("Market data reconnected; subscriptions restored"),
    };
    v
}
