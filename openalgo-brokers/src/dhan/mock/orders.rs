//! The mock's order-update socket: a WebSocket server that waits for the JSON login
//! (`LoginReq` with `MsgCode` 42, the client id and a valid token; anything else closes the
//! connection) and then relays every `order_alert` the REST side emits (placed, modified,
//! cancelled, filled), with Dhan's short codes and Title-case statuses.

use std::sync::{Arc, Mutex, PoisonError};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;

use super::{MockOrder, MockState};

pub(super) async fn serve(listener: tokio::net::TcpListener, state: Arc<Mutex<MockState>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(connection(stream, Arc::clone(&state)));
    }
}

async fn connection(stream: tokio::net::TcpStream, state: Arc<Mutex<MockState>>) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let Some(Ok(Message::Text(login))) = ws.next().await else {
        return;
    };
    let subscribed: Option<broadcast::Receiver<String>> = {
        let s = state.lock().unwrap_or_else(PoisonError::into_inner);
        let v: Value = serde_json::from_str(login.as_str()).unwrap_or_default();
        let req = &v["LoginReq"];
        let ok = req["MsgCode"] == 42
            && req["ClientId"].as_str() == Some(s.client_id.as_str())
            && req["Token"]
                .as_str()
                .is_some_and(|t| s.access_tokens.contains(t));
        ok.then(|| s.order_alerts.subscribe())
    };
    let Some(mut alerts) = subscribed else {
        let _ = ws.close(None).await;
        return;
    };
    loop {
        tokio::select! {
            alert = alerts.recv() => match alert {
                Ok(text) => {
                    if ws.send(Message::text(text)).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                _ => {}
            },
        }
    }
}

/// Title case as the live alerts spell statuses (`Traded`, `Pending`).
fn title(status: &str) -> String {
    let lower = status.to_ascii_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Emits the `order_alert` of `o`'s current state.
pub(super) fn alert(s: &MockState, o: &MockOrder) {
    let (exchange, segment) = match o.segment.as_str() {
        "NSE_EQ" => ("NSE", "E"),
        "NSE_FNO" => ("NSE", "D"),
        "NSE_CURRENCY" => ("NSE", "C"),
        "BSE_EQ" => ("BSE", "E"),
        "BSE_FNO" => ("BSE", "D"),
        "BSE_CURRENCY" => ("BSE", "C"),
        _ => ("MCX", "M"),
    };
    let code = |v: &str, table: &[(&str, &'static str)]| {
        table.iter().find(|(k, _)| *k == v).map_or("", |(_, c)| *c)
    };
    let text = json!({"Type": "order_alert", "Data": {
        "exchange": exchange, "segment": segment, "securityId": o.security_id.to_string(),
        "symbol": o.trading_symbol, "orderNo": o.order_id, "status": title(&o.status),
        "txnType": &o.transaction_type[..1], "quantity": o.quantity, "tradedQty": o.filled,
        "price": o.price.to_string().parse::<f64>().unwrap_or(0.0),
        "triggerPrice": o.trigger_price.to_string().parse::<f64>().unwrap_or(0.0),
        "avgTradedPrice": o.average.to_string().parse::<f64>().unwrap_or(0.0),
        "product": code(&o.product_type, &[("CNC", "C"), ("INTRADAY", "I"), ("MARGIN", "M"), ("MTF", "F")]),
        "orderType": code(&o.order_type, &[("LIMIT", "LMT"), ("MARKET", "MKT"), ("STOP_LOSS", "SL"), ("STOP_LOSS_MARKET", "SLM")]),
        "reasonDescription": if o.status == "REJECTED" { "Rejected by mock" } else { "" },
        "correlationId": o.correlation_id
    }})
    .to_string();
    let _ = s.order_alerts.send(text);
}
