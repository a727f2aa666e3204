//! The mock's live market feed: a WebSocket server that checks `version=2`, `token`,
//! `clientId` and `authType=2` on the upgrade (401 otherwise), reads JSON subscribe requests
//! (`RequestCode` 15/17/21, unsubscribe 16/18/22, disconnect 12), answers each new
//! subscription with a previous-close packet, and every 20 ms sends one binary message per
//! subscribed instrument in its mode (ticker 16 B, quote 50 B, full 162 B), prices as
//! little-endian float32. On command it drops every connection, or sends a disconnect packet
//! (50) with a reason and closes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

use super::{FeedCommand, MockState};
use crate::dhan::mapping::feed_code;
use crate::dhan::ticker::{PacketKind, RawLevel, RawPacket, encode_packet};

const PERIOD: Duration = Duration::from_millis(20);

pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<Mutex<MockState>>,
    commands: broadcast::Sender<FeedCommand>,
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

fn lock(state: &Mutex<MockState>) -> std::sync::MutexGuard<'_, MockState> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn connection(
    stream: tokio::net::TcpStream,
    state: Arc<Mutex<MockState>>,
    mut commands: broadcast::Receiver<FeedCommand>,
) {
    let check = Arc::clone(&state);
    #[allow(clippy::result_large_err)] // tungstenite's callback signature
    let callback = move |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        let uri = req.uri().to_string();
        let s = lock(&check);
        let ok = query_value(&uri, "version").as_deref() == Some("2")
            && query_value(&uri, "authType").as_deref() == Some("2")
            && query_value(&uri, "clientId").as_deref() == Some(s.client_id.as_str())
            && query_value(&uri, "token").is_some_and(|t| s.access_tokens.contains(&t));
        if ok {
            Ok(resp)
        } else {
            let mut r = ErrorResponse::new(Some("Invalid token or client id".into()));
            *r.status_mut() = tokio_tungstenite::tungstenite::http::StatusCode::UNAUTHORIZED;
            Err(r)
        }
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    lock(&state).feed_connections += 1;
    let mut modes: HashMap<(u8, u32), PacketKind> = HashMap::new();
    let mut interval = tokio::time::interval(PERIOD);
    let mut beat = 0u32;
    loop {
        tokio::select! {
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    lock(&state).feed_messages.push(text.to_string());
                    let (close, fresh) = request(&text, &mut modes);
                    if close {
                        let _ = ws.close(None).await;
                        return;
                    }
                    for key in fresh {
                        let price = lock(&state).price(key.1);
                        let packet = RawPacket {
                            kind: PacketKind::PrevClose,
                            segment: key.0,
                            security_id: key.1,
                            prev_close: f32_of(price - Decimal::TWO),
                            ..RawPacket::default()
                        };
                        let mut out = Vec::new();
                        encode_packet(&packet, &mut out);
                        if ws.send(Message::binary(out)).await.is_err() {
                            return;
                        }
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                _ => {}
            },
            cmd = commands.recv() => match cmd {
                Ok(FeedCommand::DropAll) | Err(broadcast::error::RecvError::Closed) => {
                    let _ = ws.close(None).await;
                    return;
                }
                Ok(FeedCommand::Disconnect(reason)) => {
                    let mut out = Vec::new();
                    encode_packet(&RawPacket { kind: PacketKind::Disconnect, reason, ..RawPacket::default() }, &mut out);
                    let _ = ws.send(Message::binary(out)).await;
                    let _ = ws.close(None).await;
                    return;
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
            },
            _ = interval.tick() => {
                beat = beat.wrapping_add(1);
                let mut keys: Vec<_> = modes.iter().map(|(k, m)| (*k, *m)).collect();
                keys.sort_by_key(|(k, _)| *k);
                let packets: Vec<Vec<u8>> = {
                    let s = lock(&state);
                    keys.iter().map(|(k, m)| {
                        let mut out = Vec::new();
                        encode_packet(&packet(*k, *m, s.price(k.1), beat), &mut out);
                        out
                    }).collect()
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

/// Applies one JSON request; returns (close the connection, newly subscribed keys).
fn request(text: &str, modes: &mut HashMap<(u8, u32), PacketKind>) -> (bool, Vec<(u8, u32)>) {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return (false, Vec::new());
    };
    let code = v["RequestCode"].as_u64().unwrap_or(0);
    if code == 12 {
        return (true, Vec::new());
    }
    let keys: Vec<(u8, u32)> = v["InstrumentList"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|i| {
                    let seg = feed_code(i["ExchangeSegment"].as_str()?)?;
                    let id = match &i["SecurityId"] {
                        Value::String(s) => s.parse().ok()?,
                        Value::Number(n) => u32::try_from(n.as_u64()?).ok()?,
                        _ => return None,
                    };
                    Some((seg, id))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut fresh = Vec::new();
    match code {
        15 | 17 | 21 => {
            let kind = match code {
                15 => PacketKind::Ticker,
                17 => PacketKind::Quote,
                _ => PacketKind::Full,
            };
            for k in keys {
                if modes.insert(k, kind).is_none() {
                    fresh.push(k);
                }
            }
        }
        16 | 18 | 22 => {
            for k in keys {
                modes.remove(&k);
            }
        }
        _ => {}
    }
    (false, fresh)
}

fn f32_of(d: Decimal) -> f32 {
    d.to_f32().unwrap_or(0.0)
}

fn packet(key: (u8, u32), kind: PacketKind, price: Decimal, n: u32) -> RawPacket {
    let step = Decimal::new(5, 2);
    let now = u32::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
    let mut t = RawPacket {
        kind,
        segment: key.0,
        security_id: key.1,
        ltp: f32_of(price),
        ltq: u16::try_from(1 + n % 10).unwrap_or(1),
        ltt: now,
        atp: f32_of(price),
        volume: 100_000 + n,
        total_sell: 23_456,
        total_buy: 12_345,
        open: f32_of(price - step),
        close: f32_of(price - step * Decimal::TWO),
        high: f32_of(price + step * Decimal::TEN),
        low: f32_of(price - step * Decimal::TEN),
        ..RawPacket::default()
    };
    if kind == PacketKind::Full {
        t.oi = 1_000;
        t.oi_high = 1_100;
        t.oi_low = 900;
        for (i, l) in t.depth.iter_mut().enumerate() {
            let k = Decimal::from(u32::try_from(i).unwrap_or(0) + 1);
            let units = u32::try_from(i).unwrap_or(0) + 1;
            *l = RawLevel {
                bid_quantity: 100 * units,
                ask_quantity: 150 * units,
                bid_orders: u16::try_from(units).unwrap_or(1),
                ask_orders: u16::try_from(units + 1).unwrap_or(1),
                bid_price: f32_of(price - step * k),
                ask_price: f32_of(price + step * k),
            };
        }
    }
    t
}
