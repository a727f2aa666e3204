//! The mock's ticker: a WebSocket server that checks `api_key`/`access_token` on the upgrade
//! (403 otherwise), reads `subscribe`/`unsubscribe`/`mode` messages, and every 20 ms sends one
//! binary frame with a packet per subscribed token in its mode (LTP 8 B, quote 44 B, full 184 B;
//! indices 8/28/32 B), with prices scaled by the segment's divisor. It also sends 1-byte
//! heartbeats and relays text frames (order updates) on command. While silenced (a test control)
//! it sends nothing at all but keeps every connection open and keeps reading.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use rust_decimal::Decimal;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

use super::{MockState, TickerCommand};
use crate::zerodha::ticker::{
    PacketKind, RawLevel, RawTick, encode_frame, is_index_token, price_scale,
};

const PERIOD: Duration = Duration::from_millis(20);

pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<Mutex<MockState>>,
    commands: broadcast::Sender<TickerCommand>,
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

fn query_value(uri: &str, name: &str) -> Option<String> {
    let q = uri.split_once('?')?.1;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn connection(
    stream: tokio::net::TcpStream,
    state: Arc<Mutex<MockState>>,
    mut commands: broadcast::Receiver<TickerCommand>,
) {
    let check_state = Arc::clone(&state);
    // The handshake callback's signature is tungstenite's.
    #[allow(clippy::result_large_err)]
    let callback = move |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        let uri = req.uri().to_string();
        let s = check_state.lock().unwrap_or_else(PoisonError::into_inner);
        let key_ok = query_value(&uri, "api_key").as_deref() == Some(s.api_key.as_str());
        let token_ok =
            query_value(&uri, "access_token").is_some_and(|t| s.access_tokens.contains(&t));
        if key_ok && token_ok {
            Ok(resp)
        } else {
            let mut r = ErrorResponse::new(Some("TokenException: invalid access_token".into()));
            *r.status_mut() = tokio_tungstenite::tungstenite::http::StatusCode::FORBIDDEN;
            Err(r)
        }
    };
    let mut ws = match tokio_tungstenite::accept_hdr_async(stream, callback).await {
        Ok(ws) => ws,
        Err(_) => return,
    };
    state
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .ticker_connections += 1;
    let mut modes: HashMap<u32, PacketMode> = HashMap::new();
    let mut interval = tokio::time::interval(PERIOD);
    let mut beats = 0u32;
    loop {
        tokio::select! {
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    state.lock().unwrap_or_else(PoisonError::into_inner)
                        .ticker_messages.push(text.to_string());
                    control(&text, &mut modes);
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                _ => {}
            },
            cmd = commands.recv() => match cmd {
                Ok(TickerCommand::DropAll) | Err(broadcast::error::RecvError::Closed) => {
                    let _ = ws.close(None).await;
                    return;
                }
                Ok(TickerCommand::Text(t)) => {
                    if ws.send(Message::text(t)).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
            },
            _ = interval.tick() => {
                if state.lock().unwrap_or_else(PoisonError::into_inner).ticker_silent {
                    continue;
                }
                beats += 1;
                let frame = if modes.is_empty() {
                    if !beats.is_multiple_of(50) {
                        continue;
                    }
                    vec![0u8]
                } else {
                    let s = state.lock().unwrap_or_else(PoisonError::into_inner);
                    let mut tokens: Vec<_> = modes.iter().collect();
                    tokens.sort();
                    let packets: Vec<RawTick> = tokens
                        .into_iter()
                        .map(|(t, m)| packet(*t, *m, s.price(*t), beats))
                        .collect();
                    encode_frame(&packets)
                };
                if ws.send(Message::binary(frame)).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PacketMode {
    Ltp,
    Quote,
    Full,
}

fn control(text: &str, modes: &mut HashMap<u32, PacketMode>) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let tokens = |v: &serde_json::Value| -> Vec<u32> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_u64())
                    .filter_map(|t| u32::try_from(t).ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    match v["a"].as_str() {
        Some("subscribe") => {
            for t in tokens(&v["v"]) {
                modes.entry(t).or_insert(PacketMode::Quote);
            }
        }
        Some("unsubscribe") => {
            for t in tokens(&v["v"]) {
                modes.remove(&t);
            }
        }
        Some("mode") => {
            let mode = match v["v"][0].as_str() {
                Some("ltp") => PacketMode::Ltp,
                Some("quote") => PacketMode::Quote,
                Some("full") => PacketMode::Full,
                _ => return,
            };
            for t in tokens(&v["v"][1]) {
                modes.insert(t, mode);
            }
        }
        _ => {}
    }
}

fn scaled(token: u32, price: Decimal) -> i32 {
    let mut p = price;
    p.rescale(price_scale(token));
    i32::try_from(p.mantissa()).unwrap_or(i32::MAX)
}

fn packet(token: u32, mode: PacketMode, price: Decimal, n: u32) -> RawTick {
    let ltp = scaled(token, price);
    let step = scaled(token, Decimal::new(5, 2)).max(1);
    let now = u32::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    let kind = match (is_index_token(token), mode) {
        (_, PacketMode::Ltp) => PacketKind::Ltp,
        (true, PacketMode::Quote) => PacketKind::IndexQuote,
        (true, PacketMode::Full) => PacketKind::IndexFull,
        (false, PacketMode::Quote) => PacketKind::Quote,
        (false, PacketMode::Full) => PacketKind::Full,
    };
    let mut t = RawTick {
        kind,
        token,
        last_price: ltp,
        last_quantity: 1 + n % 10,
        average_price: ltp,
        volume: 100_000 + n,
        total_buy: 12_345,
        total_sell: 23_456,
        open: ltp - step,
        high: ltp + 10 * step,
        low: ltp - 10 * step,
        close: ltp - 2 * step,
        change: 2 * step,
        last_trade_time: if kind == PacketKind::Full { now } else { 0 },
        oi: 0,
        oi_high: 0,
        oi_low: 0,
        exchange_time: if matches!(kind, PacketKind::Full | PacketKind::IndexFull) {
            now
        } else {
            0
        },
        depth: [RawLevel::default(); 10],
    };
    if kind == PacketKind::Full {
        for (i, l) in t.depth.iter_mut().enumerate() {
            let k = i32::try_from(i % 5).unwrap_or(0) + 1;
            let side = if i < 5 { -1 } else { 1 };
            *l = RawLevel {
                quantity: 100 * u32::try_from(k).unwrap_or(1),
                price: ltp + side * k * step,
                orders: u16::try_from(k).unwrap_or(1),
            };
        }
    }
    t
}
