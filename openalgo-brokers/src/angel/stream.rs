//! The SmartStream v2 connection: connect with the `Authorization` / `x-api-key` /
//! `x-client-code` / `x-feed-token` headers, subscribe per mode and exchange type in batches
//! (`{"correlationID", "action": 1, "params": {"mode", "tokenList"}}`), send the text `ping`
//! heartbeat, decode binary packets to ticks, and reconnect with exponential backoff
//! (re-subscribing everything) until the consumer goes away or the session is refused. Beside
//! it, the order-status socket (same headers, `Authorization: Bearer <jwt>`) feeds order updates
//! into the same stream, reconnecting the same way.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use openalgo_core::broker::EventStream;
use openalgo_core::market::{MarketEvent, SubscriptionMode};
use openalgo_core::{BrokerError, Exchange, InstrumentKey, SymbolTable};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};

use super::ticker::{self, decode_packet, exchange_type};

/// Most tokens per subscribe message.
const BATCH: usize = 50;
/// Events buffered between the socket task and the consumer.
const BUFFER: usize = 8192;
/// The correlation id of our subscriptions (≤ 10 characters).
const CORRELATION_ID: &str = "openalgo";

/// SmartStream's mode number for an OpenAlgo mode (1 LTP, 2 QUOTE, 3 SNAP_QUOTE).
#[must_use]
pub const fn angel_mode(mode: SubscriptionMode) -> u8 {
    match mode {
        SubscriptionMode::Ltp => ticker::MODE_LTP,
        SubscriptionMode::Quote => ticker::MODE_QUOTE,
        SubscriptionMode::Depth => ticker::MODE_SNAP_QUOTE,
    }
}

/// SmartStream's exchange type of an OpenAlgo exchange (indices on their cash segment).
#[must_use]
pub const fn stream_exchange_type(exchange: Exchange) -> Option<u8> {
    Some(match exchange {
        Exchange::Nse | Exchange::NseIndex => exchange_type::NSE_CM,
        Exchange::Nfo => exchange_type::NSE_FO,
        Exchange::Bse | Exchange::BseIndex => exchange_type::BSE_CM,
        Exchange::Bfo => exchange_type::BSE_FO,
        Exchange::Mcx | Exchange::McxIndex => exchange_type::MCX_FO,
        Exchange::Cds => exchange_type::CDE_FO,
        _ => return None,
    })
}

/// The credentials of one stream connection.
#[derive(Clone)]
pub(crate) struct StreamAuth {
    pub(crate) jwt: SecretString,
    pub(crate) api_key: String,
    pub(crate) client_code: String,
    pub(crate) feed_token: SecretString,
}

/// What one stream connection streams.
#[derive(Clone)]
pub(crate) struct StreamPlan {
    pub(crate) url: String,
    /// The order-status socket (`None`: ticks only).
    pub(crate) order_url: Option<String>,
    /// The master order updates are read through.
    pub(crate) symbols: Arc<SymbolTable>,
    pub(crate) auth: StreamAuth,
    /// (exchange type, token) → instrument and the mode asked for (the highest per token).
    pub(crate) tokens: HashMap<(u8, String), (InstrumentKey, SubscriptionMode)>,
    pub(crate) reconnect_initial: Duration,
    pub(crate) reconnect_max: Duration,
    pub(crate) heartbeat: Duration,
}

impl StreamPlan {
    /// The subscribe messages: per mode, per exchange type, in batches of [`BATCH`] tokens.
    pub(crate) fn subscribe_messages(&self) -> Vec<String> {
        let mut by_mode: BTreeMap<u8, BTreeMap<u8, Vec<&str>>> = BTreeMap::new();
        for ((et, token), (_, mode)) in &self.tokens {
            by_mode
                .entry(angel_mode(*mode))
                .or_default()
                .entry(*et)
                .or_default()
                .push(token.as_str());
        }
        let mut out = Vec::new();
        for (mode, by_type) in by_mode {
            for (et, mut tokens) in by_type {
                tokens.sort_unstable();
                for chunk in tokens.chunks(BATCH) {
                    out.push(
                        serde_json::json!({
                            "correlationID": CORRELATION_ID,
                            "action": 1,
                            "params": {
                                "mode": mode,
                                "tokenList": [{"exchangeType": et, "tokens": chunk}]
                            }
                        })
                        .to_string(),
                    );
                }
            }
        }
        out
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn header(value: &str) -> Result<HeaderValue, BrokerError> {
    HeaderValue::from_str(value)
        .map_err(|_| BrokerError::Auth("the stream credentials are not valid header text".into()))
}

/// Opens a socket of `url` with the SmartAPI stream headers; `bearer` prefixes the JWT.
async fn open_socket(url: &str, auth: &StreamAuth, bearer: bool) -> Result<Socket, BrokerError> {
    let mut request = url
        .into_client_request()
        .map_err(|e| BrokerError::Connectivity(format!("bad stream URL: {e}")))?;
    let jwt = if bearer {
        format!("Bearer {}", auth.jwt.expose_secret())
    } else {
        auth.jwt.expose_secret().to_owned()
    };
    let h = request.headers_mut();
    h.insert("Authorization", header(&jwt)?);
    h.insert("x-api-key", header(&auth.api_key)?);
    h.insert("x-client-code", header(&auth.client_code)?);
    h.insert("x-feed-token", header(auth.feed_token.expose_secret())?);
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| match e {
            tungstenite::Error::Http(r) if matches!(r.status().as_u16(), 401 | 403) => {
                BrokerError::Auth("Angel One refused the stream session".into())
            }
            other => BrokerError::Connectivity(format!("stream connection failed: {other}")),
        })?;
    Ok(socket)
}

async fn connect(plan: &StreamPlan) -> Result<Socket, BrokerError> {
    let mut socket = open_socket(&plan.url, &plan.auth, false).await?;
    for text in plan.subscribe_messages() {
        socket
            .send(Message::text(text))
            .await
            .map_err(|e| BrokerError::Connectivity(format!("SmartStream subscribe failed: {e}")))?;
    }
    Ok(socket)
}

/// Connects once (so a refused session is an error now), then streams in a task that
/// reconnects on failures.
pub(crate) async fn open(plan: StreamPlan) -> Result<EventStream, BrokerError> {
    let socket = connect(&plan).await?;
    let (tx, rx) = mpsc::channel(BUFFER);
    if let Some(url) = plan.order_url.clone() {
        tokio::spawn(run_orders(url, plan.clone(), tx.clone()));
    }
    tokio::spawn(run(plan, socket, tx));
    Ok(Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    })))
}

async fn run(plan: StreamPlan, mut socket: Socket, tx: mpsc::Sender<MarketEvent>) {
    let mut delay = plan.reconnect_initial;
    loop {
        if pump(&plan, &mut socket, &tx).await == Pump::ConsumerGone {
            let _ = socket.close(None).await;
            return;
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
                Err(BrokerError::Auth(_)) => {
                    tracing::warn!("SmartStream refused the session: stream ended");
                    return;
                }
                Err(_) => delay = (delay * 2).min(plan.reconnect_max),
            }
        }
    }
}

/// The order-status socket: connect (with backoff), relay updates, reconnect on a drop; ends
/// when the consumer goes away or the session is refused.
async fn run_orders(url: String, plan: StreamPlan, tx: mpsc::Sender<MarketEvent>) {
    let mut delay = plan.reconnect_initial;
    loop {
        match open_socket(&url, &plan.auth, true).await {
            Ok(mut socket) => {
                delay = plan.reconnect_initial;
                if pump_orders(&plan, &mut socket, &tx).await == Pump::ConsumerGone {
                    let _ = socket.close(None).await;
                    return;
                }
            }
            Err(BrokerError::Auth(_)) => return,
            Err(_) => delay = (delay * 2).min(plan.reconnect_max),
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = tx.closed() => return,
        }
    }
}

async fn pump_orders(
    plan: &StreamPlan,
    socket: &mut Socket,
    tx: &mpsc::Sender<MarketEvent>,
) -> Pump {
    let mut heartbeat = tokio::time::interval(plan.heartbeat);
    heartbeat.tick().await;
    loop {
        let message = tokio::select! {
            m = socket.next() => m,
            () = tx.closed() => return Pump::ConsumerGone,
            _ = heartbeat.tick() => {
                if socket.send(Message::text("ping")).await.is_err() {
                    return Pump::Disconnected;
                }
                continue;
            }
        };
        match message {
            Some(Ok(Message::Text(text))) => {
                if let Some(update) = super::orders::order_update(text.as_str(), &plan.symbols)
                    && tx.send(MarketEvent::Order(update)).await.is_err()
                {
                    return Pump::ConsumerGone;
                }
            }
            Some(Ok(Message::Close(_)) | Err(_)) | None => return Pump::Disconnected,
            Some(Ok(_)) => {}
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Pump {
    ConsumerGone,
    Disconnected,
}

async fn pump(plan: &StreamPlan, socket: &mut Socket, tx: &mpsc::Sender<MarketEvent>) -> Pump {
    let mut heartbeat = tokio::time::interval(plan.heartbeat);
    heartbeat.tick().await;
    loop {
        let message = tokio::select! {
            m = socket.next() => m,
            () = tx.closed() => return Pump::ConsumerGone,
            _ = heartbeat.tick() => {
                if socket.send(Message::text("ping")).await.is_err() {
                    return Pump::Disconnected;
                }
                continue;
            }
        };
        let Some(Ok(message)) = message else {
            return Pump::Disconnected;
        };
        match message {
            Message::Binary(frame) => {
                let Some(raw) = decode_packet(&frame) else {
                    continue;
                };
                let key = (raw.exchange_type, raw.token().to_owned());
                if let Some((instrument, _)) = plan.tokens.get(&key) {
                    let now = chrono::Utc::now().timestamp_millis();
                    let tick = raw.to_tick(instrument.clone(), now);
                    if tx.send(MarketEvent::Tick(tick)).await.is_err() {
                        return Pump::ConsumerGone;
                    }
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
    use openalgo_core::Symbol;

    #[test]
    fn subscribe_messages_batch_per_mode_and_exchange() {
        let key = |s: &str| InstrumentKey::new(Symbol::new(s).unwrap(), Exchange::Nse);
        let mut tokens = HashMap::new();
        for t in 0..60u32 {
            tokens.insert((1, format!("{t:03}")), (key("A"), SubscriptionMode::Quote));
        }
        tokens.insert((2, "43650".to_owned()), (key("B"), SubscriptionMode::Depth));
        let plan = StreamPlan {
            url: String::new(),
            order_url: None,
            symbols: Arc::new(SymbolTable::default()),
            auth: StreamAuth {
                jwt: SecretString::from("j"),
                api_key: "k".into(),
                client_code: "c".into(),
                feed_token: SecretString::from("f"),
            },
            tokens,
            reconnect_initial: Duration::from_millis(1),
            reconnect_max: Duration::from_millis(1),
            heartbeat: Duration::from_secs(10),
        };
        let msgs = plan.subscribe_messages();
        assert_eq!(msgs.len(), 3);
        let first: serde_json::Value = serde_json::from_str(&msgs[0]).unwrap();
        assert_eq!(first["action"], 1);
        assert_eq!(first["correlationID"], "openalgo");
        assert_eq!(first["params"]["mode"], 2);
        assert_eq!(first["params"]["tokenList"][0]["exchangeType"], 1);
        assert_eq!(
            first["params"]["tokenList"][0]["tokens"]
                .as_array()
                .unwrap()
                .len(),
            50
        );
        let last: serde_json::Value = serde_json::from_str(&msgs[2]).unwrap();
        assert_eq!(last["params"]["mode"], 3);
        assert_eq!(last["params"]["tokenList"][0]["tokens"][0], "43650");
        assert_eq!(stream_exchange_type(Exchange::Cds), Some(13));
        assert_eq!(stream_exchange_type(Exchange::BseIndex), Some(3));
        assert_eq!(angel_mode(SubscriptionMode::Depth), 3);
    }
}
