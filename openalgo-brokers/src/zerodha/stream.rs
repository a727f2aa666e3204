//! The ticker connection: connect with `api_key`/`access_token`, subscribe and set modes in
//! batches, decode binary frames to ticks and text frames to order updates, and reconnect with
//! exponential backoff (re-subscribing everything) until the consumer goes away or the session
//! is refused.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use openalgo_core::broker::EventStream;
use openalgo_core::market::{MarketEvent, OrderUpdate, SubscriptionMode};
use openalgo_core::{BrokerError, InstrumentKey, SymbolTable};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

use super::mapping;
use super::models::KiteOrder;
use super::ticker::decode_frame;

/// Most tokens per subscribe/mode message.
const BATCH: usize = 200;
/// Events buffered between the socket task and the consumer.
const BUFFER: usize = 8192;

/// Kite's mode name for an OpenAlgo mode.
#[must_use]
pub const fn kite_mode(mode: SubscriptionMode) -> &'static str {
    match mode {
        SubscriptionMode::Ltp => "ltp",
        SubscriptionMode::Quote => "quote",
        SubscriptionMode::Depth => "full",
    }
}

/// What one ticker connection streams.
#[derive(Debug, Clone)]
pub(crate) struct TickerPlan {
    /// Ticker URL with `api_key` and `access_token`.
    pub(crate) url: String,
    /// Token → instrument and the Kite mode asked for (the highest mode per token).
    pub(crate) tokens: HashMap<u32, (InstrumentKey, SubscriptionMode)>,
    pub(crate) symbols: Arc<SymbolTable>,
    pub(crate) reconnect_initial: Duration,
    pub(crate) reconnect_max: Duration,
}

impl TickerPlan {
    pub(crate) fn url(ws_root: &str, api_key: &str, access_token: &SecretString) -> String {
        let sep = if ws_root.contains('?') { "&" } else { "?" };
        // `wss://ws.kite.trade` has no path; the request line needs one.
        let after_scheme = ws_root.split_once("://").map_or(ws_root, |(_, r)| r);
        let slash = if after_scheme.contains('/') || sep == "&" {
            ""
        } else {
            "/"
        };
        format!(
            "{ws_root}{slash}{sep}api_key={api_key}&access_token={}",
            access_token.expose_secret()
        )
    }

    /// The control messages: per mode, `subscribe` then `mode`, in batches.
    pub(crate) fn control_messages(&self) -> Vec<String> {
        let mut by_mode: HashMap<SubscriptionMode, Vec<u32>> = HashMap::new();
        for (token, (_, mode)) in &self.tokens {
            by_mode.entry(*mode).or_default().push(*token);
        }
        let mut out = Vec::new();
        let mut modes: Vec<_> = by_mode.into_iter().collect();
        modes.sort_by_key(|(m, _)| *m);
        for (mode, mut tokens) in modes {
            tokens.sort_unstable();
            for chunk in tokens.chunks(BATCH) {
                out.push(serde_json::json!({"a": "subscribe", "v": chunk}).to_string());
                out.push(
                    serde_json::json!({"a": "mode", "v": [kite_mode(mode), chunk]}).to_string(),
                );
            }
        }
        out
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(plan: &TickerPlan) -> Result<Socket, BrokerError> {
    let mut request = plan
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| BrokerError::Connectivity(format!("bad ticker URL: {e}")))?;
    request.headers_mut().insert(
        "X-Kite-Version",
        tungstenite::http::HeaderValue::from_static("3"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| match e {
            tungstenite::Error::Http(r) if r.status().as_u16() == 403 => {
                BrokerError::Auth("Zerodha refused the ticker session (TokenException)".into())
            }
            // Never echo the URL: it carries the access token.
            other => BrokerError::Connectivity(format!(
                "ticker connection failed: {}",
                redact(&other.to_string())
            )),
        })?;
    for text in plan.control_messages() {
        socket
            .send(Message::text(text))
            .await
            .map_err(|e| BrokerError::Connectivity(format!("ticker subscribe failed: {e}")))?;
    }
    Ok(socket)
}

fn redact(text: &str) -> String {
    text.split("access_token=")
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Connects once (so a refused session is an error now), then streams in a task that
/// reconnects on failures.
pub(crate) async fn open(plan: TickerPlan) -> Result<EventStream, BrokerError> {
    let socket = connect(&plan).await?;
    let (tx, rx) = mpsc::channel(BUFFER);
    tokio::spawn(run(plan, socket, tx));
    Ok(Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    })))
}

async fn run(plan: TickerPlan, mut socket: Socket, tx: mpsc::Sender<MarketEvent>) {
    let mut delay = plan.reconnect_initial;
    loop {
        let outcome = pump(&plan, &mut socket, &tx).await;
        if outcome == Pump::ConsumerGone {
            let _ = socket.close(None).await;
            return;
        }
        // Reconnect with backoff; a refused session ends the stream (the caller must log in
        // again and subscribe anew).
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

#[derive(Debug, PartialEq, Eq)]
enum Pump {
    ConsumerGone,
    Disconnected,
}

async fn pump(plan: &TickerPlan, socket: &mut Socket, tx: &mpsc::Sender<MarketEvent>) -> Pump {
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
                let mut ticks = Vec::new();
                decode_frame(&frame, |raw| {
                    if let Some((key, _)) = plan.tokens.get(&raw.token) {
                        ticks.push(raw.to_tick(key.clone(), now));
                    }
                });
                for t in ticks {
                    if tx.send(MarketEvent::Tick(t)).await.is_err() {
                        return Pump::ConsumerGone;
                    }
                }
            }
            Message::Text(text) => {
                if let Some(update) = order_update(text.as_str(), &plan.symbols)
                    && tx.send(MarketEvent::Order(update)).await.is_err()
                {
                    return Pump::ConsumerGone;
                }
            }
            Message::Close(_) => return Pump::Disconnected,
            _ => {}
        }
    }
}

/// `{"type":"order","data":{...}}` → an order update; other text messages are ignored.
pub(crate) fn order_update(text: &str, symbols: &SymbolTable) -> Option<OrderUpdate> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(rename = "type")]
        kind: String,
        data: Option<serde_json::Value>,
    }
    let env: Envelope = serde_json::from_str(text).ok()?;
    if env.kind != "order" {
        return None;
    }
    let row: KiteOrder = serde_json::from_value(env.data?).ok()?;
    let o = mapping::order_from_kite(row, symbols).ok()?;
    Some(OrderUpdate {
        order_id: o.order_id,
        instrument: o.instrument,
        action: o.action,
        quantity: o.quantity,
        price: o.price,
        trigger_price: o.trigger_price,
        price_type: o.price_type,
        product: o.product,
        status: o.status,
        filled_quantity: o.filled_quantity,
        average_price: o.average_price,
        rejection_reason: o.rejection_reason.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use openalgo_core::{Exchange, OrderStatus, Symbol};

    #[test]
    fn control_messages_batch_per_mode() {
        let key = |s: &str| InstrumentKey::new(Symbol::new(s).unwrap(), Exchange::Nse);
        let mut tokens = HashMap::new();
        for t in 0..250u32 {
            tokens.insert(t, (key("A"), SubscriptionMode::Quote));
        }
        tokens.insert(1000, (key("B"), SubscriptionMode::Depth));
        let plan = TickerPlan {
            url: String::new(),
            tokens,
            symbols: Arc::new(SymbolTable::default()),
            reconnect_initial: Duration::from_millis(1),
            reconnect_max: Duration::from_millis(1),
        };
        let msgs = plan.control_messages();
        assert_eq!(msgs.len(), 6);
        assert!(msgs[0].starts_with(r#"{"a":"subscribe","v":[0,1,2"#));
        assert!(msgs[1].starts_with(r#"{"a":"mode","v":["quote",[0,1"#));
        assert_eq!(msgs[4], r#"{"a":"subscribe","v":[1000]}"#);
        assert_eq!(msgs[5], r#"{"a":"mode","v":["full",[1000]]}"#);
        assert_eq!(
            TickerPlan::url("ws://h:1", "k", &SecretString::from("t")),
            "ws://h:1/?api_key=k&access_token=t"
        );
        assert_eq!(
            redact("error for ws://h?api_key=k&access_token=SECRET: x"),
            "error for ws://h?api_key=k&"
        );
    }

    #[test]
    fn order_text_frames() {
        let text = r#"{"type":"order","data":{"order_id":"1","status":"TRIGGER PENDING","exchange":"NSE",
            "tradingsymbol":"SBIN","order_type":"SL-M","transaction_type":"SELL","product":"MIS",
            "quantity":5,"filled_quantity":0,"price":0,"trigger_price":800.5,"average_price":0}}"#;
        let u = order_update(text, &SymbolTable::default()).unwrap();
        assert_eq!(u.status, OrderStatus::TriggerPending);
        assert_eq!(u.instrument.symbol.as_str(), "SBIN");
        assert!(
            order_update(r#"{"type":"message","data":"hi"}"#, &SymbolTable::default()).is_none()
        );
    }
}

#[cfg(test)]
mod tls_tests {
    use super::*;

    /// `wss://` is understood (TLS compiled in): a closed port fails to connect, it is not an
    /// unsupported scheme.
    #[tokio::test]
    async fn wss_urls_are_supported() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let e = tokio_tungstenite::connect_async(format!("wss://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        assert!(matches!(e, tungstenite::Error::Io(_)), "{e:?}");
        let e = reqwest::Client::new()
            .get(format!("https://127.0.0.1:{port}/"))
            .send()
            .await
            .unwrap_err();
        assert!(e.is_connect(), "{e:?}");
    }
}
