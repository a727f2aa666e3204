//! The optional ZeroMQ bus (websocket §3): a PUB socket publishing every tick the server
//! receives as the reference's two frames (topic `EXCHANGE_SYMBOL_MODE`, JSON payload) for
//! external consumers such as Python strategies, and a SUB socket through which an external
//! adapter process feeds ticks (and `*_orders` updates) in. Both bind on loopback by default;
//! each runs on its own thread (the sockets are blocking).

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};

use openalgo_core::market::{SubscriptionMode, Tick};
use openalgo_core::{Exchange, InstrumentKey, Symbol};

use super::Hub;

/// Ticks waiting for the PUB thread; beyond it they are dropped (never blocking the feed).
const QUEUE: usize = 65_536;

/// What a bus topic means (§3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// Market data for an instrument at a mode.
    Market {
        /// Exchange as published.
        exchange: String,
        /// Symbol as published.
        symbol: String,
        /// The topic's mode.
        mode: SubscriptionMode,
    },
    /// A shaped order update (`*_orders`).
    Orders,
    /// Cache invalidation, positions, margins: nothing to route.
    Ignored,
    /// Malformed.
    Invalid,
}

/// Parses a topic as the reference's proxy does.
#[must_use]
pub fn parse_topic(topic: &str) -> Topic {
    if topic.starts_with("CACHE_INVALIDATE") {
        return Topic::Ignored;
    }
    if topic.ends_with("_orders") {
        return Topic::Orders;
    }
    if topic.ends_with("_positions") || topic.ends_with("_margins") {
        return Topic::Ignored;
    }
    let parts: Vec<&str> = topic.split('_').collect();
    if parts.len() < 3 {
        return Topic::Invalid;
    }
    let Ok(mode) = SubscriptionMode::from_label(parts[parts.len() - 1]) else {
        return Topic::Invalid;
    };
    let rest = &parts[..parts.len() - 1];
    let two = matches!(
        (rest[0], rest.get(1).copied()),
        ("NSE" | "BSE" | "MCX" | "GLOBAL", Some("INDEX"))
    );
    let (exchange, symbol) = if two {
        (format!("{}_INDEX", rest[0]), rest[2..].join("_"))
    } else {
        (rest[0].to_owned(), rest[1..].join("_"))
    };
    if symbol.is_empty() {
        return Topic::Invalid;
    }
    Topic::Market {
        exchange,
        symbol,
        mode,
    }
}

/// The topic of a tick.
#[must_use]
pub fn topic_of(tick: &Tick) -> String {
    format!(
        "{}_{}_{}",
        tick.instrument.exchange,
        tick.instrument.symbol.as_str(),
        tick.mode().topic_suffix()
    )
}

/// Hands ticks to the PUB thread.
#[derive(Debug, Clone)]
pub struct Publisher(SyncSender<(String, String)>);

impl Publisher {
    /// Queues a tick for publication (dropped when the bus falls behind).
    pub fn publish(&self, tick: &Tick) {
        let payload = serde_json::to_string(&tick.payload()).unwrap_or_default();
        if let Err(TrySendError::Full(_)) = self.0.try_send((topic_of(tick), payload)) {
            tracing::debug!("bus publisher behind: tick dropped");
        }
    }
}

fn run_pub(socket: &zmq::Socket, rx: &Receiver<(String, String)>) {
    while let Ok((topic, payload)) = rx.recv() {
        if let Err(e) = socket.send_multipart([topic.as_bytes(), payload.as_bytes()], 0) {
            tracing::warn!(error = %e, "bus publish failed");
        }
    }
}

fn zmq_error(endpoint: &str) -> impl Fn(zmq::Error) -> std::io::Error + '_ {
    move |e| std::io::Error::other(format!("ZeroMQ {endpoint}: {e}"))
}

/// Binds the PUB socket at `endpoint` (e.g. `tcp://127.0.0.1:5556`).
///
/// # Errors
/// When the socket cannot be bound or its thread started.
pub fn start_publisher(endpoint: &str) -> std::io::Result<Publisher> {
    let fail = zmq_error(endpoint);
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::PUB).map_err(&fail)?;
    socket.set_sndhwm(10_000).map_err(&fail)?;
    socket.set_linger(1_000).map_err(&fail)?;
    socket.bind(endpoint).map_err(&fail)?;
    let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
    std::thread::Builder::new()
        .name("bus-pub".into())
        .spawn(move || {
            let _ctx = ctx;
            run_pub(&socket, &rx);
        })?;
    Ok(Publisher(tx))
}

/// Routes one bus message (`topic`, JSON `payload`) into `hub`: market data to the holders of
/// its instrument, shaped order updates to the order subscribers.
pub fn route(hub: &Hub, topic: &str, payload: &[u8]) {
    let Ok(data) = serde_json::from_slice::<serde_json::Value>(payload) else {
        tracing::warn!(topic, "bus message without a JSON payload dropped");
        return;
    };
    match parse_topic(topic) {
        Topic::Market {
            exchange,
            symbol,
            mode,
        } => {
            let key = exchange
                .parse::<Exchange>()
                .ok()
                .zip(Symbol::new(&symbol).ok())
                .map(|(e, s)| InstrumentKey::new(s, e));
            match key {
                Some(key) => hub.publish_payload(&key, mode, &data),
                None => tracing::warn!(topic, "bus topic names no known instrument"),
            }
        }
        Topic::Orders if data.get("user_id").is_some() => hub.publish_order_value(&data),
        Topic::Orders | Topic::Ignored => {}
        Topic::Invalid => tracing::warn!(topic, "malformed bus topic dropped"),
    }
}

/// Binds the SUB socket at `endpoint` (every topic) and routes what arrives into `hub`.
///
/// # Errors
/// When the socket cannot be bound or its thread started.
pub fn start_subscriber(endpoint: &str, hub: Arc<Hub>) -> std::io::Result<()> {
    let fail = zmq_error(endpoint);
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::SUB).map_err(&fail)?;
    socket.set_subscribe(b"").map_err(&fail)?;
    socket.bind(endpoint).map_err(&fail)?;
    std::thread::Builder::new()
        .name("bus-sub".into())
        .spawn(move || {
            let _ctx = ctx;
            loop {
                match socket.recv_multipart(0) {
                    Ok(frames) if frames.len() == 2 => {
                        route(&hub, &String::from_utf8_lossy(&frames[0]), &frames[1]);
                    }
                    Ok(frames) => tracing::warn!(
                        frames = frames.len(),
                        "bus message without two frames dropped"
                    ),
                    Err(e) => {
                        tracing::warn!(error = %e, "bus receive failed");
                        std::thread::sleep(std::time::Duration::from_secs(1));
                    }
                }
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_parse_as_the_reference_does() {
        let m = |e: &str, s: &str, mode| Topic::Market {
            exchange: e.into(),
            symbol: s.into(),
            mode,
        };
        assert_eq!(
            parse_topic("NSE_RELIANCE_QUOTE"),
            m("NSE", "RELIANCE", SubscriptionMode::Quote)
        );
        assert_eq!(
            parse_topic("NSE_INDEX_NIFTY_LTP"),
            m("NSE_INDEX", "NIFTY", SubscriptionMode::Ltp)
        );
        assert_eq!(
            parse_topic("CRYPTO_SOL_INR_Depth"),
            m("CRYPTO", "SOL_INR", SubscriptionMode::Depth)
        );
        assert_eq!(parse_topic("ZERODHA_admin_orders"), Topic::Orders);
        assert_eq!(parse_topic("CACHE_INVALIDATE_ALL_admin"), Topic::Ignored);
        assert_eq!(parse_topic("NSE_SBIN_FULL"), Topic::Invalid);
        assert_eq!(parse_topic("NSE_LTP"), Topic::Invalid);
    }
}
