//! Dhan's live order updates: a second WebSocket (`wss://api-order-update.dhan.co`) that takes
//! a JSON login (`{"LoginReq": {"MsgCode": 42, "ClientId", "Token"}, "UserType": "SELF"}`) and
//! then sends `{"Type": "order_alert", "Data": {...}}` text messages. `Data` uses short codes
//! (`txnType` B/S, `product` C/I/M/F, `orderType` LMT/MKT/SL/SLM, Title-case `status`) and, on
//! the live feed, camelCase keys where the documentation shows PascalCase; both are read.
//! Reconnects with backoff until the consumer goes away or the market feed ends the session.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use openalgo_core::market::{MarketEvent, OrderUpdate};
use openalgo_core::{
    Action, OrderId, OrderStatus, Price, PriceType, Product, Quantity, SymbolTable,
};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::mapping::{resolve, status_from_dhan};

/// The login message of the order-update socket.
#[must_use]
pub fn login_message(client_id: &str, access_token: &SecretString) -> String {
    json!({"LoginReq": {"MsgCode": 42, "ClientId": client_id,
                        "Token": access_token.expose_secret()},
           "UserType": "SELF"})
    .to_string()
}

fn field<'a>(data: &'a Value, camel: &str, pascal: &str) -> Option<&'a Value> {
    data.get(camel).or_else(|| data.get(pascal))
}

fn text<'a>(data: &'a Value, camel: &str, pascal: &str) -> &'a str {
    field(data, camel, pascal)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn decimal(data: &Value, camel: &str, pascal: &str) -> Decimal {
    match field(data, camel, pascal) {
        Some(Value::Number(n)) => n.to_string().parse().unwrap_or_default(),
        Some(Value::String(s)) => s.trim().parse().unwrap_or_default(),
        _ => Decimal::ZERO,
    }
}

fn whole(data: &Value, camel: &str, pascal: &str) -> u64 {
    match field(data, camel, pascal) {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

/// The Dhan segment of an alert's (`exchange`, `segment`) pair.
fn segment(exchange: &str, segment: &str) -> Option<&'static str> {
    Some(match (exchange, segment) {
        ("NSE", "E") => "NSE_EQ",
        ("NSE", "D") => "NSE_FNO",
        ("NSE", "C") => "NSE_CURRENCY",
        ("BSE", "E") => "BSE_EQ",
        ("BSE", "D") => "BSE_FNO",
        ("BSE", "C") => "BSE_CURRENCY",
        ("MCX", "M") => "MCX_COMM",
        _ => return None,
    })
}

/// One `order_alert` message → an order update; anything else (the login answer, other
/// types, rows OpenAlgo cannot read) is `None`.
#[must_use]
pub fn order_update(message: &str, symbols: &SymbolTable) -> Option<OrderUpdate> {
    let v: Value = serde_json::from_str(message).ok()?;
    if v.get("Type").and_then(Value::as_str) != Some("order_alert") {
        return None;
    }
    let d = v.get("Data")?;
    let seg = segment(
        text(d, "exchange", "Exchange"),
        text(d, "segment", "Segment"),
    )?;
    let security_id = match field(d, "securityId", "SecurityId")? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let instrument = resolve(symbols, &security_id, seg, text(d, "symbol", "Symbol")).ok()?;
    let status = status_from_dhan(&text(d, "status", "Status").to_ascii_uppercase());
    Some(OrderUpdate {
        order_id: OrderId::new(text(d, "orderNo", "OrderNo")).ok()?,
        instrument,
        action: match text(d, "txnType", "TxnType") {
            "B" => Action::Buy,
            "S" => Action::Sell,
            _ => return None,
        },
        quantity: Quantity::new(whole(d, "quantity", "Quantity")),
        price: Price::new(decimal(d, "price", "Price")),
        trigger_price: Price::new(decimal(d, "triggerPrice", "TriggerPrice")),
        price_type: match text(d, "orderType", "OrderType") {
            "LMT" => PriceType::Limit,
            "MKT" => PriceType::Market,
            "SL" => PriceType::StopLimit,
            "SLM" => PriceType::StopMarket,
            _ => return None,
        },
        product: match text(d, "product", "Product") {
            "C" => Product::Cnc,
            "I" => Product::Mis,
            "M" | "F" => Product::Nrml,
            _ => return None,
        },
        status,
        filled_quantity: Quantity::new(whole(d, "tradedQty", "TradedQty")),
        average_price: Price::new(decimal(d, "avgTradedPrice", "AvgTradedPrice")),
        rejection_reason: if status == OrderStatus::Rejected {
            text(d, "reasonDescription", "ReasonDescription").to_owned()
        } else {
            String::new()
        },
    })
}

/// What the order-update task needs.
#[derive(Debug, Clone)]
pub(crate) struct OrderPlan {
    pub(crate) url: String,
    pub(crate) login: String,
    pub(crate) symbols: Arc<SymbolTable>,
    pub(crate) reconnect_initial: Duration,
    pub(crate) reconnect_max: Duration,
}

/// Streams order updates into `tx` until the consumer goes away (the caller aborts the task
/// when the market feed ends).
pub(crate) async fn run(plan: OrderPlan, tx: mpsc::Sender<MarketEvent>) {
    let mut delay = plan.reconnect_initial;
    loop {
        if let Ok((mut socket, _)) = tokio_tungstenite::connect_async(plan.url.as_str()).await
            && socket.send(Message::text(plan.login.clone())).await.is_ok()
        {
            delay = plan.reconnect_initial;
            loop {
                let message = tokio::select! {
                    m = socket.next() => m,
                    () = tx.closed() => return,
                };
                match message {
                    Some(Ok(Message::Text(t))) => {
                        if let Some(u) = order_update(t.as_str(), &plan.symbols)
                            && tx.send(MarketEvent::Order(u)).await.is_err()
                        {
                            return;
                        }
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => {}
                }
            }
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = tx.closed() => return,
        }
        delay = (delay * 2).min(plan.reconnect_max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openalgo_core::{Exchange, InstrumentKey, Symbol};

    #[test]
    fn order_alerts_in_both_key_styles() {
        let camel = r#"{"Type":"order_alert","Data":{"exchange":"NSE","segment":"E","securityId":"3045",
            "symbol":"SBIN","orderNo":"112111182001","status":"Traded","txnType":"B","quantity":5,
            "tradedQty":5,"price":0,"triggerPrice":0,"avgTradedPrice":812.35,"product":"I","orderType":"MKT"}}"#;
        let u = order_update(camel, &SymbolTable::default()).unwrap();
        assert_eq!(
            u.instrument,
            InstrumentKey::new(Symbol::new("SBIN").unwrap(), Exchange::Nse)
        );
        assert_eq!(
            (u.status, u.action, u.product, u.price_type),
            (
                OrderStatus::Complete,
                Action::Buy,
                Product::Mis,
                PriceType::Market
            )
        );
        assert_eq!(
            (u.filled_quantity, u.average_price),
            (Quantity::new(5), Price::new(Decimal::new(81_235, 2)))
        );
        let pascal = r#"{"Type":"order_alert","Data":{"Exchange":"NSE","Segment":"D","SecurityId":35001,
            "Symbol":"NIFTY","OrderNo":"9","Status":"Rejected","TxnType":"S","Quantity":"75",
            "TradedQty":0,"Price":"999.5","TriggerPrice":0,"AvgTradedPrice":0,"Product":"M","OrderType":"LMT",
            "ReasonDescription":"margin"}}"#;
        let u = order_update(pascal, &SymbolTable::default()).unwrap();
        assert_eq!(
            (u.status, u.rejection_reason.as_str()),
            (OrderStatus::Rejected, "margin")
        );
        assert_eq!(
            (u.instrument.exchange, u.quantity, u.price),
            (
                Exchange::Nfo,
                Quantity::new(75),
                Price::new(Decimal::new(9995, 1))
            )
        );
        assert!(order_update(r#"{"Type":"login","Data":{}}"#, &SymbolTable::default()).is_none());
        assert!(order_update("nope", &SymbolTable::default()).is_none());
        let login = login_message("100", &SecretString::from("tok"));
        let v: Value = serde_json::from_str(&login).unwrap();
        assert_eq!(
            v,
            json!({"LoginReq": {"MsgCode": 42, "ClientId": "100", "Token": "tok"}, "UserType": "SELF"})
        );
    }
}
