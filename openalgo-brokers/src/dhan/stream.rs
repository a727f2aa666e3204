//! The live market feed connection: connect to `<feed>?version=2&token=..&clientId=..&authType=2`,
//! subscribe with JSON requests (`RequestCode` 15 ticker, 17 quote, 21 full; at most 100
//! instruments per message), decode binary messages to ticks, and reconnect with exponential
//! backoff (re-subscribing everything) until the consumer goes away or the session is refused
//! (an HTTP refusal of the upgrade, or a disconnect packet for an expired token or a failed
//! authentication).

use std::collections::HashMap;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use openalgo_core::broker::EventStream;
use openalgo_core::market::{MarketEvent, SubscriptionMode};
use openalgo_core::{BrokerError, InstrumentKey};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{self, Message};

use super::mapping::feed_segment;
use super::order_updates::{self, OrderPlan};
use super::ticker::{PacketKind, decode_frame};

/// Most instruments per subscribe message.
pub const BATCH: usize = 100;
/// Events buffered between the socket task and the consumer.
const BUFFER: usize = 8192;
/// Disconnect reasons that mean the session is over: token expired, invalid client id,
/// authentication failed.
const REFUSALS: [u16; 3] = [807, 808, 809];

/// Dhan's subscribe `RequestCode` for an OpenAlgo mode: 15 ticker, 17 quote, 21 full.
#[must_use]
pub const fn request_code(mode: SubscriptionMode) -> u8 {
    match mode {
        SubscriptionMode::Ltp => 15,
        SubscriptionMode::Quote => 17,
        SubscriptionMode::Depth => 21,
    }
}

/// What one feed connection streams.
#[derive(Debug, Clone)]
pub(crate) struct FeedPlan {
    /// Feed URL with the token and client id.
    pub(crate) url: String,
    /// (feed segment, security id) → instrument and the mode asked for (the highest per key).
    pub(crate) instruments: HashMap<(u8, u32), (InstrumentKey, SubscriptionMode)>,
    pub(crate) reconnect_initial: Duration,
    pub(crate) reconnect_max: Duration,
}

impl FeedPlan {
    pub(crate) fn url(ws_root: &str, access_token: &SecretString, client_id: &str) -> String {
        let sep = if ws_root.contains('?') { "&" } else { "?" };
        format!(
            "{}{sep}version=2&token={}&clientId={client_id}&authType=2",
            with_path(ws_root),
            access_token.expose_secret()
        )
    }

    /// The subscribe messages: per mode (ticker, quote, full), batches of [`BATCH`].
    pub(crate) fn subscribe_messages(&self) -> Vec<String> {
        let mut by_mode: HashMap<SubscriptionMode, Vec<(u8, u32)>> = HashMap::new();
        for (key, (_, mode)) in &self.instruments {
            by_mode.entry(*mode).or_default().push(*key);
        }
        let mut modes: Vec<_> = by_mode.into_iter().collect();
        modes.sort_by_key(|(m, _)| *m);
        let mut out = Vec::new();
        for (mode, mut keys) in modes {
            keys.sort_unstable();
            for chunk in keys.chunks(BATCH) {
                let list: Vec<_> = chunk
                    .iter()
                    .map(|(seg, id)| {
                        json!({"ExchangeSegment": feed_segment(*seg).unwrap_or_default(),
                               "SecurityId": id.to_string()})
                    })
                    .collect();
                out.push(
                    json!({"RequestCode": request_code(mode), "InstrumentCount": chunk.len(),
                           "InstrumentList": list})
                    .to_string(),
                );
            }
        }
        out
    }
}

/// The URL with a path: `wss://api-feed.dhan.co` has none, and the request line needs one.
pub(crate) fn with_path(ws_root: &str) -> String {
    let after_scheme = ws_root.split_once("://").map_or(ws_root, |(_, r)| r);
    if after_scheme.contains('/') || after_scheme.contains('?') {
        ws_root.to_owned()
    } else {
        format!("{ws_root}/")
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Never echo the URL: it carries the access token.
fn redact(text: &str) -> String {
    text.split("token=").next().unwrap_or_default().to_owned()
}

async fn connect(plan: &FeedPlan) -> Result<Socket, BrokerError> {
    let (mut socket, _) = tokio_tungstenite::connect_async(plan.url.as_str())
        .await
        .map_err(|e| match e {
            tungstenite::Error::Http(r) if matches!(r.status().as_u16(), 401 | 403) => {
                BrokerError::Auth("Dhan refused the market feed session".into())
            }
            other => BrokerError::Connectivity(format!(
                "market feed connection failed: {}",
                redact(&other.to_string())
            )),
        })?;
    for text in plan.subscribe_messages() {
        socket
            .send(Message::text(text))
            .await
            .map_err(|e| BrokerError::Connectivity(format!("market feed subscribe failed: {e}")))?;
    }
    Ok(socket)
}

/// Connects the market feed once (so a refused session is an error now), then streams in a
/// task that reconnects on failures, with the order-update socket's task alongside (stopped
/// when the market feed ends, so the stream ends with it).
pub(crate) async fn open(plan: FeedPlan, orders: OrderPlan) -> Result<EventStream, BrokerError> {
    let socket = connect(&plan).await?;
    let (tx, rx) = mpsc::channel(BUFFER);
    let order_task = tokio::spawn(order_updates::run(orders, tx.clone()));
    tokio::spawn(async move {
        run(plan, socket, tx).await;
        order_task.abort();
    });
    Ok(Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    })))
}

#[derive(Debug, PartialEq, Eq)]
enum Pump {
    ConsumerGone,
    Disconnected,
    Refused,
}

async fn run(plan: FeedPlan, mut socket: Socket, tx: mpsc::Sender<MarketEvent>) {
    let mut delay = plan.reconnect_initial;
    loop {
        match pump(&plan, &mut socket, &tx).await {
            Pump::ConsumerGone => {
                let _ = socket.close(None).await;
                return;
            }
            Pump::Refused => {
                tracing::warn!("Dhan ended the market feed session: log in again");
                return;
            }
            Pump::Disconnected => {}
        }
        loop {
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = tx.closed() => return,
            }
            match connect(&plan).await {
                Ok(s) => {
                    socket = s;
                    delay = plan.reconnect_initial;
                    break;
                }
                Err(BrokerError::Auth(_)) => return,
                Err(_) => delay = (delay * 2).min(plan.reconnect_max),
            }
        }
    }
}

async fn pump(plan: &FeedPlan, socket: &mut Socket, tx: &mpsc::Sender<MarketEvent>) -> Pump {
    let mut ticks = Vec::new();
    loop {
        let message = tokio::select! {
            m = socket.next() => m,
            () = tx.closed() => return Pump::ConsumerGone,
        };
        let Some(Ok(message)) = message else {
            return Pump::Disconnected;
        };
        match message {
            Message::Binary(frame) => {
                let now = chrono::Utc::now().timestamp_millis();
                let mut refused = false;
                decode_frame(&frame, |raw| {
                    if raw.kind == PacketKind::Disconnect {
                        refused |= REFUSALS.contains(&raw.reason);
                    } else if let Some((key, _)) =
                        plan.instruments.get(&(raw.segment, raw.security_id))
                    {
                        ticks.extend(raw.to_tick(key.clone(), now));
                    }
                });
                for t in ticks.drain(..) {
                    if tx.send(MarketEvent::Tick(t)).await.is_err() {
                        return Pump::ConsumerGone;
                    }
                }
                if refused {
                    return Pump::Refused;
                }
            }
            Message::Close(_) => return Pump::Disconnected,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openalgo_core::{Exchange, Symbol};

    #[test]
    fn subscribe_messages_batch_per_mode() {
        let key = |s: &str| InstrumentKey::new(Symbol::new(s).unwrap(), Exchange::Nse);
        let mut instruments = HashMap::new();
        for id in 0..250u32 {
            instruments.insert((1, id), (key("A"), SubscriptionMode::Quote));
        }
        instruments.insert((0, 13), (key("NIFTY"), SubscriptionMode::Ltp));
        instruments.insert((2, 35001), (key("B"), SubscriptionMode::Depth));
        let plan = FeedPlan {
            url: String::new(),
            instruments,
            reconnect_initial: Duration::from_millis(1),
            reconnect_max: Duration::from_millis(1),
        };
        let msgs = plan.subscribe_messages();
        assert_eq!(msgs.len(), 5);
        let v: serde_json::Value = serde_json::from_str(&msgs[0]).unwrap();
        assert_eq!(
            v,
            json!({"RequestCode": 15, "InstrumentCount": 1,
                   "InstrumentList": [{"ExchangeSegment": "IDX_I", "SecurityId": "13"}]})
        );
        let v: serde_json::Value = serde_json::from_str(&msgs[1]).unwrap();
        assert_eq!(
            (v["RequestCode"].as_u64(), v["InstrumentCount"].as_u64()),
            (Some(17), Some(100))
        );
        assert_eq!(v["InstrumentList"][0]["ExchangeSegment"], "NSE_EQ");
        let v: serde_json::Value = serde_json::from_str(&msgs[3]).unwrap();
        assert_eq!(v["InstrumentCount"], 50);
        let v: serde_json::Value = serde_json::from_str(&msgs[4]).unwrap();
        assert_eq!(v["RequestCode"], 21);
        assert_eq!(
            FeedPlan::url("ws://h:1", &SecretString::from("tok"), "100"),
            "ws://h:1/?version=2&token=tok&clientId=100&authType=2"
        );
        assert_eq!(with_path("wss://a.b"), "wss://a.b/");
        assert_eq!(with_path("ws://h:1/x"), "ws://h:1/x");
        assert_eq!(
            redact("error for ws://h?version=2&token=SECRET"),
            "error for ws://h?version=2&"
        );
    }
}
