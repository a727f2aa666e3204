//! One client connection (websocket §2.2–§2.8): requests are handled strictly in order, replies
//! and data go through the client's outbox, an unauthenticated connection is closed after the
//! grace period with 4401, and everything it held is released when it goes.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use openalgo_core::market::SubscriptionMode;
use openalgo_core::{Exchange, InstrumentKey, Symbol};
use serde_json::{Map, Value, json};
use std::time::Instant;

use openalgo_brokers::latency::LatencyMonitor;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::outbox::{Flush, Outbox, Stamp};
use super::wire::{Inbound, SharedTcp};
use super::{ClientId, StreamContext};

fn error(code: &str, message: &str) -> Value {
    json!({"status": "error", "code": code, "message": message})
}

struct Connection {
    id: ClientId,
    outbox: Arc<Outbox>,
    ctx: Arc<StreamContext>,
    /// The signed-in user's name, once authenticated.
    user: Option<String>,
}

impl Connection {
    fn reply(&self, v: &Value) {
        self.outbox.push(Arc::from(v.to_string()));
    }

    async fn handle(&mut self, text: &str) {
        crate::metrics::global().ws_received();
        let parsed: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(_) => return self.reply(&error("INVALID_JSON", "Invalid JSON message")),
        };
        let Value::Object(msg) = parsed else {
            return self.reply(&error("SERVER_ERROR", "message must be a JSON object"));
        };
        let verb = match msg.get("action") {
            Some(Value::String(a)) if !a.is_empty() => a.clone(),
            _ => match msg.get("type") {
                Some(Value::String(t)) => t.clone(),
                Some(other) => other.to_string(),
                None => "None".to_owned(),
            },
        };
        let authed = self.user.is_some();
        let needs_auth = matches!(
            verb.as_str(),
            "subscribe"
                | "unsubscribe"
                | "unsubscribe_all"
                | "subscribe_orders"
                | "unsubscribe_orders"
                | "get_broker_info"
        );
        if needs_auth && !authed {
            return self.reply(&error("NOT_AUTHENTICATED", "You must authenticate first"));
        }
        match verb.as_str() {
            "authenticate" | "auth" => self.authenticate(&msg).await,
            "subscribe" => self.subscribe(&msg),
            "unsubscribe" | "unsubscribe_all" => self.unsubscribe(&msg, verb == "unsubscribe_all"),
            "subscribe_orders" | "unsubscribe_orders" => self.orders(&msg, verb == "subscribe_orders"),
            "ping" => self.ping(&msg),
            "get_broker_info" => self.reply(&json!({"type": "broker_info", "status": "success",
                "broker": self.ctx.hub.broker(), "adapter_status": "connected", "user_id": self.user})),
            "get_supported_brokers" => {
                let brokers = [self.ctx.hub.broker()];
                self.reply(&json!({"type": "supported_brokers", "status": "success", "brokers": brokers, "count": brokers.len()}));
            }
            other => self.reply(&error("INVALID_ACTION", &format!("Invalid action: {other}"))),
        }
    }

    async fn authenticate(&mut self, msg: &Map<String, Value>) {
        let key = match (msg.get("api_key"), msg.get("apikey")) {
            (Some(Value::String(k)), _) | (None | Some(Value::Null), Some(Value::String(k))) => {
                k.clone()
            }
            _ => String::new(),
        };
        if key.is_empty() {
            return self.reply(&error("AUTHENTICATION_ERROR", "API key is required"));
        }
        let Ok(user_id) = crate::auth::authenticate(&self.ctx.api_keys, &key).await else {
            return self.reply(&error("AUTHENTICATION_ERROR", "Invalid API key"));
        };
        let name = self.ctx.username(user_id).await;
        self.reply(
            &json!({"type": "auth", "status": "success", "message": "Authentication successful",
            "broker": self.ctx.hub.broker(), "user_id": name,
            "supported_features": {"ltp": true, "quote": true, "depth": true}}),
        );
        self.user = Some(name);
    }

    fn instrument(&self, symbol: &str, exchange: &str) -> Result<InstrumentKey, String> {
        let not_found = || format!("Symbol {symbol} not found for exchange {exchange}");
        let ex: Exchange = exchange.parse().map_err(|_| not_found())?;
        let sym = Symbol::new(symbol).map_err(|_| not_found())?;
        self.ctx
            .book
            .current()
            .symbols
            .get(symbol, ex)
            .ok_or_else(not_found)?;
        Ok(InstrumentKey::new(sym, ex))
    }

    /// `(symbol, exchange, entry)` of the request's symbols, or the single top-level pair.
    fn entries(msg: &Map<String, Value>) -> Result<Vec<(String, String, Value)>, String> {
        let list = match msg.get("symbols") {
            Some(Value::Array(items)) if !items.is_empty() => items.clone(),
            Some(Value::Array(_)) | None | Some(Value::Null) => {
                match (msg.get("symbol"), msg.get("exchange")) {
                    (Some(s), Some(e)) => {
                        vec![json!({"symbol": s, "exchange": e, "mode": msg.get("mode")})]
                    }
                    _ => Vec::new(),
                }
            }
            Some(_) => return Err("symbols must be a list of objects".into()),
        };
        let mut out = Vec::new();
        for item in list {
            let Value::Object(o) = &item else {
                return Err("symbols must be a list of objects".into());
            };
            if let (Some(Value::String(s)), Some(Value::String(e))) =
                (o.get("symbol"), o.get("exchange"))
            {
                out.push((s.clone(), e.clone(), item.clone()));
            }
        }
        Ok(out)
    }

    fn with_request_id(msg: &Map<String, Value>, mut reply: Value) -> Value {
        if let Some(id) = msg.get("request_id").filter(|v| !v.is_null()) {
            reply["request_id"] = id.clone();
        }
        reply
    }

    fn subscribe(&self, msg: &Map<String, Value>) {
        let mode = match msg.get("mode") {
            None => SubscriptionMode::Quote,
            Some(v) => match SubscriptionMode::from_json(v) {
                Ok(m) => m,
                Err(e) => return self.reply(&error("INVALID_MODE", &e.to_string())),
            },
        };
        let depth = msg.get("depth").and_then(Value::as_i64).unwrap_or(5);
        let entries = match Self::entries(msg) {
            Ok(e) => e,
            Err(e) => return self.reply(&error("SERVER_ERROR", &e)),
        };
        let has_symbols = matches!(msg.get("symbols"), Some(Value::Array(a)) if !a.is_empty())
            || (msg.contains_key("symbol") && msg.contains_key("exchange"));
        if !has_symbols {
            return self.reply(&error(
                "INVALID_PARAMETERS",
                "At least one symbol must be specified",
            ));
        }
        let broker = self.ctx.hub.broker();
        let mut all_ok = true;
        let results: Vec<Value> = entries
            .iter()
            .map(|(symbol, exchange, _)| match self.instrument(symbol, exchange) {
                Ok(key) => {
                    self.ctx.hub.subscribe(self.id, &key, mode);
                    json!({"symbol": symbol, "exchange": exchange, "status": "success",
                           "mode": mode.label(), "depth": depth, "broker": broker})
                }
                Err(message) => {
                    all_ok = false;
                    json!({"symbol": symbol, "exchange": exchange, "status": "error", "message": message, "broker": broker})
                }
            })
            .collect();
        let reply = json!({"type": "subscribe", "status": if all_ok { "success" } else { "partial" },
            "subscriptions": results, "message": "Subscription processing complete", "broker": broker});
        self.reply(&Self::with_request_id(msg, reply));
    }

    fn unsubscribe(&self, msg: &Map<String, Value>, all: bool) {
        let broker = self.ctx.hub.broker();
        let mut successful = Vec::new();
        let mut failed = Vec::new();
        if all || msg.get("action").and_then(Value::as_str) == Some("unsubscribe_all") {
            for (key, _) in self.ctx.hub.unsubscribe_all(self.id) {
                successful.push(json!({"symbol": key.symbol.as_str(), "exchange": key.exchange, "status": "success", "broker": broker}));
            }
        } else {
            let single = !matches!(msg.get("symbols"), Some(Value::Array(a)) if !a.is_empty());
            if single && let Some(Err(e)) = msg.get("mode").map(SubscriptionMode::from_json) {
                return self.reply(&error("INVALID_MODE", &e.to_string()));
            }
            let entries = match Self::entries(msg) {
                Ok(e) => e,
                Err(e) => return self.reply(&error("SERVER_ERROR", &e)),
            };
            if entries.is_empty() {
                return self.reply(&error(
                    "INVALID_PARAMETERS",
                    "Either symbols or unsubscribe_all is required",
                ));
            }
            // The entry's mode, else the message's, else every mode held for the symbol (the
            // reference treats a missing mode as Quote and leaves LTP/Depth subscriptions
            // behind; see docs/compatibility.md).
            let top = msg.get("mode").filter(|m| !m.is_null());
            for (symbol, exchange, entry) in entries {
                let mode = match entry.get("mode").filter(|m| !m.is_null()).or(top) {
                    None => Ok(None),
                    Some(m) => SubscriptionMode::from_json(m).map(Some),
                };
                match mode {
                    Err(e) => failed.push(json!({"symbol": symbol, "exchange": exchange, "status": "error", "message": e.to_string(), "broker": broker})),
                    Ok(mode) => {
                        if let Ok(key) = self.instrument(&symbol, &exchange) {
                            let modes: Vec<SubscriptionMode> = match mode {
                                Some(m) => vec![m],
                                None => self
                                    .ctx
                                    .hub
                                    .held(self.id)
                                    .into_iter()
                                    .filter(|(k, _)| *k == key)
                                    .map(|(_, m)| m)
                                    .collect(),
                            };
                            for m in modes {
                                self.ctx.hub.unsubscribe(self.id, &key, m);
                            }
                        }
                        successful.push(json!({"symbol": symbol, "exchange": exchange, "status": "success", "broker": broker}));
                    }
                }
            }
        }
        let status = match (successful.is_empty(), failed.is_empty()) {
            (_, true) => "success",
            (false, false) => "partial",
            (true, false) => "error",
        };
        let reply = json!({"type": "unsubscribe", "status": status, "message": "Unsubscription processing complete",
            "successful": successful, "failed": failed, "broker": broker});
        self.reply(&Self::with_request_id(msg, reply));
    }

    fn orders(&self, msg: &Map<String, Value>, on: bool) {
        self.ctx.hub.set_orders(self.id, on);
        let (kind, text) = if on {
            ("subscribe_orders", "Subscribed to order updates")
        } else {
            ("unsubscribe_orders", "Unsubscribed from order updates")
        };
        let reply = json!({"type": kind, "status": "success", "message": text});
        self.reply(&Self::with_request_id(msg, reply));
    }

    fn ping(&self, msg: &Map<String, Value>) {
        let mut reply = json!({"type": "pong", "status": "success", "server_timestamp": self.ctx.clock.now_ms()});
        if let Some(t) = msg.get("timestamp").filter(|v| !v.is_null()) {
            reply["client_timestamp"] = t.clone();
        }
        if let Some(p) = msg.get("_pingId").filter(|v| !v.is_null()) {
            reply["_pingId"] = p.clone();
        }
        self.reply(&reply);
    }
}

/// Writes a socket outbox's waiting bytes whenever there are some and the socket takes them.
fn socket_writer(
    out: Arc<Outbox>,
    socket: Arc<TcpStream>,
    latency: Arc<LatencyMonitor>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let flush = out.flush_socket();
            record(&latency, out.drain_stamps());
            match flush {
                Flush::Idle => out.wait().await,
                Flush::Blocked => tokio::select! {
                    ready = socket.writable() => if ready.is_err() {
                        break;
                    },
                    // A close while the client's buffers are full cannot be written: the
                    // connection is dropped instead.
                    () = out.wait() => if out.close_requested() {
                        break;
                    },
                },
                Flush::Done => break,
            }
        }
    })
}

/// Writes an outbox's waiting bytes to any other byte stream.
fn stream_writer<W>(out: Arc<Outbox>, mut write: W, latency: Arc<LatencyMonitor>) -> JoinHandle<()>
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut buf = Vec::new();
        loop {
            let (stamps, closing) = out.take_bytes(&mut buf);
            if buf.is_empty() {
                if closing {
                    break;
                }
                // Waits only when nothing was left: a batch may not have taken everything.
                out.wait().await;
                continue;
            }
            if write.write_all(&buf).await.is_err() || write.flush().await.is_err() {
                break;
            }
            buf.clear();
            record(&latency, stamps);
            if closing {
                break;
            }
        }
    })
}

/// Delivery latency of sampled frames, whole (the tick reached the hub → written to the
/// socket) and by stage: hub → queued in the outbox (the fan-out's loop up to this client),
/// queued → taken by the writer (the writer task's wake-up and turn), taken → written (the
/// copy and the system call).
pub(super) fn record(latency: &LatencyMonitor, stamps: Vec<Stamp>) {
    if stamps.is_empty() {
        return;
    }
    let written = Instant::now();
    let micros = |from: Instant, to: Instant| {
        u64::try_from(to.saturating_duration_since(from).as_micros()).unwrap_or(u64::MAX)
    };
    for s in stamps {
        latency.record("websocket", "tick_to_socket", micros(s.hub, written), true);
        latency.record(
            "websocket",
            "stage_hub_to_queued",
            micros(s.hub, s.queued),
            true,
        );
        latency.record(
            "websocket",
            "stage_queued_to_writer",
            micros(s.queued, s.taken),
            true,
        );
        latency.record(
            "websocket",
            "stage_writer_to_socket",
            micros(s.taken, written),
            true,
        );
    }
}

/// Serves a connection of the dedicated port: the opening handshake, then the session. Frames
/// go straight into the socket when nothing waits before them.
pub(super) async fn serve_tcp(tcp: TcpStream, ctx: Arc<StreamContext>) {
    let socket = Arc::new(tcp);
    let outbox = Arc::new(Outbox::over_socket(Arc::clone(&socket)));
    let latency = Arc::clone(&ctx.latency);
    let writer = socket_writer(Arc::clone(&outbox), Arc::clone(&socket), latency);
    let inbound = Inbound::new(SharedTcp(socket), Arc::clone(&outbox));
    // The opening handshake gets the same grace as authentication.
    let handshake = tokio::time::timeout(
        ctx.auth_grace,
        tokio_tungstenite::accept_async_with_config(inbound, Some(super::socket_config())),
    );
    match handshake.await {
        Ok(Ok(ws)) => serve(ws, outbox, writer, ctx).await,
        Ok(Err(_)) | Err(_) => {
            // The library answered the bad request itself; send what is left of it.
            outbox.flush_socket();
            writer.abort();
        }
    }
}

/// Serves a byte stream that is already upgraded (the main port's `/ws`).
pub(super) async fn serve_stream<S>(stream: S, ctx: Arc<StreamContext>)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (read, write) = tokio::io::split(stream);
    let outbox = Arc::new(Outbox::default());
    let latency = Arc::clone(&ctx.latency);
    let writer = stream_writer(Arc::clone(&outbox), write, latency);
    let inbound = Inbound::new(read, Arc::clone(&outbox));
    let ws =
        WebSocketStream::from_raw_socket(inbound, Role::Server, Some(super::socket_config())).await;
    serve(ws, outbox, writer, ctx).await;
}

/// Serves one upgraded connection until it closes. The protocol library only reads; every
/// frame of ours goes through the outbox and its writer.
async fn serve<R>(
    mut ws: WebSocketStream<Inbound<R>>,
    outbox: Arc<Outbox>,
    mut writer: JoinHandle<()>,
    ctx: Arc<StreamContext>,
) where
    R: AsyncRead + Unpin,
{
    let id = ctx.hub.attach(Arc::clone(&outbox));
    let mut conn = Connection {
        id,
        outbox: Arc::clone(&outbox),
        ctx: Arc::clone(&ctx),
        user: None,
    };
    let grace = tokio::time::sleep(ctx.auth_grace);
    tokio::pin!(grace);
    // Keepalive: a ping every interval; no pong within the timeout closes with 1011.
    let mut keepalive = tokio::time::interval(ctx.ping_interval);
    keepalive.tick().await;
    let mut awaiting_pong: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(t))) => conn.handle(t.as_str()).await,
                Some(Ok(Message::Binary(b))) => conn.handle(&String::from_utf8_lossy(&b)).await,
                Some(Ok(Message::Pong(_))) => awaiting_pong = None,
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            _ = keepalive.tick() => match awaiting_pong {
                Some(sent) if sent.elapsed() >= ctx.ping_timeout => {
                    outbox.close(1011, "keepalive ping timeout");
                }
                Some(_) => {}
                None => {
                    outbox.ping();
                    awaiting_pong = Some(tokio::time::Instant::now());
                }
            },
            () = &mut grace, if conn.user.is_none() => {
                outbox.close(4401, "auth timeout");
                grace.as_mut().reset(tokio::time::Instant::now() + Duration::from_secs(86_400));
            }
            // The writer is done (close sent, socket failed or dropped).
            _ = &mut writer => break,
        }
    }
    ctx.hub.remove(id);
    // What the library queued last (the echo of a client's close) goes out before the end.
    outbox.flush_socket();
    writer.abort();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::outbox::TOO_SLOW;

    #[tokio::test]
    async fn a_cut_off_client_whose_buffers_are_full_is_dropped() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let connect = TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(connect, listener.accept());
        let (client, socket) = (client.unwrap(), Arc::new(accepted.unwrap().0));
        let out = Arc::new(Outbox::over_socket(Arc::clone(&socket)));
        let writer = socket_writer(
            Arc::clone(&out),
            socket,
            Arc::new(LatencyMonitor::default()),
        );
        // The client never reads: its buffers fill and the writer waits on the socket.
        let body: Arc<str> = Arc::from("y".repeat(4_000));
        for _ in 0..4_000 {
            out.push(Arc::clone(&body));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!writer.is_finished(), "waiting for the client");
        out.close(1008, TOO_SLOW);
        tokio::time::timeout(Duration::from_secs(5), writer)
            .await
            .expect("the writer gives up on the client")
            .unwrap();
        drop(client);
    }
}
