//! The mock's SmartStream v2: a WebSocket server that checks `Authorization` (a live JWT),
//! `x-api-key`, `x-client-code` and `x-feed-token` on the upgrade (401 otherwise), answers the
//! text `ping` with `pong`, reads subscribe/unsubscribe messages, and every 20 ms sends one
//! binary packet per subscribed token in its mode (LTP 51 B, QUOTE 123 B, SNAP_QUOTE 379 B).
//! The same port serves the order-status socket at `/smart-order-update` (same headers, the JWT
//! with or without `Bearer `): an `AB00` acknowledgement on connect, then every order change the
//! REST side makes, and `pong` to `ping`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use rust_decimal::Decimal;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

use super::{CLIENT_CODE, MockState, StreamCommand};
use crate::angel::ticker::{
    MODE_SNAP_QUOTE, RawLevel, RawTick, encode_packet, price_scale, token_field,
};

const PERIOD: Duration = Duration::from_millis(20);

pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<Mutex<MockState>>,
    commands: broadcast::Sender<StreamCommand>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        let rx = commands.subscribe();
        tokio::spawn(connection(stream, state, rx));
    }
}

fn authorised(req: &Request, s: &MockState) -> bool {
    let h = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let jwt = h("authorization");
    let jwt = jwt.strip_prefix("Bearer ").unwrap_or(jwt);
    s.jwts.contains(jwt)
        && h("x-api-key") == s.api_key
        && h("x-client-code") == CLIENT_CODE
        && s.feed_tokens.contains(h("x-feed-token"))
}

async fn connection(
    stream: tokio::net::TcpStream,
    state: Arc<Mutex<MockState>>,
    mut commands: broadcast::Receiver<StreamCommand>,
) {
    let check_state = Arc::clone(&state);
    let path = Arc::new(Mutex::new(String::new()));
    let seen_path = Arc::clone(&path);
    // The handshake callback's signature is tungstenite's.
    #[allow(clippy::result_large_err)]
    let callback = move |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        req.uri()
            .path()
            .clone_into(&mut seen_path.lock().unwrap_or_else(PoisonError::into_inner));
        let s = check_state.lock().unwrap_or_else(PoisonError::into_inner);
        if authorised(req, &s) {
            Ok(resp)
        } else {
            let mut r = ErrorResponse::new(Some("Invalid headers".into()));
            *r.status_mut() = tokio_tungstenite::tungstenite::http::StatusCode::UNAUTHORIZED;
            Err(r)
        }
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    let orders = path
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .starts_with("/smart-order-update");
    if orders {
        order_connection(ws, &state, commands).await;
        return;
    }
    state
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .stream_connections += 1;
    // (exchange type, token) → mode.
    let mut subscribed: HashMap<(u8, String), u8> = HashMap::new();
    let mut interval = tokio::time::interval(PERIOD);
    let mut sequence = 0i64;
    loop {
        tokio::select! {
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    state.lock().unwrap_or_else(PoisonError::into_inner)
                        .stream_messages.push(text.to_string());
                    if text.as_str() == "ping" {
                        if ws.send(Message::text("pong")).await.is_err() {
                            return;
                        }
                    } else {
                        control(&text, &mut subscribed);
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                _ => {}
            },
            cmd = commands.recv() => match cmd {
                Ok(StreamCommand::DropAll) | Err(broadcast::error::RecvError::Closed) => {
                    let _ = ws.close(None).await;
                    return;
                }
                Ok(StreamCommand::Order(_)) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            },
            _ = interval.tick() => {
                let packets: Vec<Vec<u8>> = {
                    let s = state.lock().unwrap_or_else(PoisonError::into_inner);
                    let mut keys: Vec<_> = subscribed.iter().collect();
                    keys.sort();
                    keys.into_iter()
                        .map(|((et, token), mode)| {
                            sequence += 1;
                            encode_packet(&packet(*et, token, *mode, s.price(token), sequence))
                        })
                        .collect()
                };
                for p in packets {
                    if ws.send(Message::binary(p)).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

type Server = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn order_connection(
    mut ws: Server,
    state: &Mutex<MockState>,
    mut commands: broadcast::Receiver<StreamCommand>,
) {
    state
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .order_connections += 1;
    let ack = serde_json::json!({"user-id": CLIENT_CODE, "status-code": "200",
        "order-status": "AB00", "error-message": "", "orderData": null});
    if ws.send(Message::text(ack.to_string())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let answered = text.as_str() != "ping"
                        || ws.send(Message::text("pong")).await.is_ok();
                    if !answered {
                        return;
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                _ => {}
            },
            cmd = commands.recv() => match cmd {
                Ok(StreamCommand::DropAll) | Err(broadcast::error::RecvError::Closed) => {
                    let _ = ws.close(None).await;
                    return;
                }
                Ok(StreamCommand::Order(text)) => {
                    if ws.send(Message::text(text)).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
            },
        }
    }
}

fn control(text: &str, subscribed: &mut HashMap<(u8, String), u8>) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let action = v["action"].as_u64();
    let mode = v["params"]["mode"]
        .as_u64()
        .and_then(|m| u8::try_from(m).ok())
        .filter(|m| (1..=3).contains(m));
    for list in v["params"]["tokenList"].as_array().into_iter().flatten() {
        let Some(et) = list["exchangeType"]
            .as_u64()
            .and_then(|e| u8::try_from(e).ok())
        else {
            continue;
        };
        for token in list["tokens"].as_array().into_iter().flatten() {
            let Some(token) = token.as_str() else {
                continue;
            };
            match (action, mode) {
                (Some(1), Some(m)) => {
                    subscribed.insert((et, token.to_owned()), m);
                }
                (Some(0), _) => {
                    subscribed.remove(&(et, token.to_owned()));
                }
                _ => {}
            }
        }
    }
}

fn scaled(exchange_type: u8, price: Decimal) -> i64 {
    let mut p = price;
    p.rescale(price_scale(exchange_type));
    i64::try_from(p.mantissa()).unwrap_or(i64::MAX)
}

fn packet(exchange_type: u8, token: &str, mode: u8, price: Decimal, n: i64) -> RawTick {
    let ltp = scaled(exchange_type, price);
    let step = scaled(exchange_type, Decimal::new(5, 2)).max(1);
    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut t = RawTick {
        mode,
        exchange_type,
        token: token_field(token),
        sequence: n,
        exchange_timestamp: now_ms,
        ltp,
        last_quantity: 1 + n % 10,
        average_price: ltp,
        volume: 100_000 + n,
        total_buy: 12_345.0,
        total_sell: 23_456.0,
        open: ltp - step,
        high: ltp + 10 * step,
        low: ltp - 10 * step,
        close: ltp - 2 * step,
        ..RawTick::default()
    };
    if mode == MODE_SNAP_QUOTE {
        t.last_traded_timestamp = now_ms / 1000;
        t.upper_circuit = ltp + 100 * step;
        t.lower_circuit = ltp - 100 * step;
        t.high_52w = ltp * 2;
        t.low_52w = ltp / 2;
        for (i, l) in t.depth.iter_mut().enumerate() {
            let k = i64::try_from(i % 5).unwrap_or(0) + 1;
            let buy = i < 5;
            *l = RawLevel {
                flag: u16::from(buy),
                quantity: 100 * k,
                price: if buy { ltp - k * step } else { ltp + k * step },
                orders: u16::try_from(k).unwrap_or(1),
            };
        }
    }
    t
}
