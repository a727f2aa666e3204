//! `BROKER=zerodha` end to end against the mock Kite: the broker login through the callback,
//! `placeorder` reaching Kite with the documented form, the order in `orderbook`, ticks from the
//! binary ticker reaching a WebSocket client, a broker error as a clean JSON error, an expired
//! session answering like the reference, and a re-login restoring the stream.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use openalgo_brokers::registry;
use openalgo_brokers::zerodha::mock::MockKite;
use openalgo_server::store::{SecurityStore, SqliteStore, Store};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Options, TestApp, browser, spawn_with};

pub(crate) const KEY: &str = "kitekey123";
pub(crate) const SECRET: &str = "secret789";

/// The Zerodha settings `BROKER=zerodha` gives with the mock's hosts (and `extra` variables)
/// in the environment.
pub(crate) fn kite_settings(mock: &MockKite, extra: &[(&str, &str)]) -> registry::BrokerSettings {
    registry::configure("zerodha", &|name| {
        Some(match name {
            "BROKER_API_KEY" => KEY.into(),
            "BROKER_API_SECRET" => SECRET.into(),
            "ZERODHA_API_URL" => mock.rest_url(),
            "ZERODHA_WS_URL" => mock.ws_url(),
            "ZERODHA_LOGIN_URL" => mock.login_url(),
            _ => {
                return extra
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned());
            }
        })
    })
    .expect("zerodha settings")
}

pub(crate) type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).map(|i| i + start.len()).expect(start);
    let j = html[i..].find(end).expect(end);
    &html[i..i + j]
}

pub(crate) async fn sign_in(app: &TestApp, web: &reqwest::Client) {
    let page = web
        .get(format!("{}/auth/login", app.address))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let token = between(&page, r#"name="csrf_token" value=""#, "\"").to_owned();
    let r = web
        .post(format!("{}/auth/login", app.address))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", "admin"),
            ("password", "Secret#123"),
        ])
        .send()
        .await
        .expect("sign in");
    assert!(r.status().is_redirection(), "signed in: {}", r.status());
}

pub(crate) async fn broker_login(
    app: &TestApp,
    web: &reqwest::Client,
    mock: &MockKite,
) -> reqwest::Response {
    // Kite redirects the browser back with the request token.
    let rt = mock.issue_request_token();
    web.get(format!(
        "{}/zerodha/callback?action=login&type=login&status=success&request_token={rt}",
        app.address
    ))
    .send()
    .await
    .expect("callback")
}

pub(crate) async fn recv_market_data(ws: &mut Ws, symbol: &str) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame within 10 s")
            .expect("open")
            .expect("frame");
        if let Message::Text(t) = frame {
            let v: Value = serde_json::from_str(t.as_str()).expect("json");
            if v["type"] == "market_data" && v["symbol"] == symbol {
                return v;
            }
        }
    }
}

#[tokio::test]
async fn zerodha_login_orders_stream_errors_expiry_and_relogin() {
    let mock = MockKite::start(KEY, SECRET).await;
    let store = Arc::new(SqliteStore::in_memory().expect("store"));
    let dyn_store: Arc<dyn Store> = store.clone();
    let options = Options {
        // As `BROKER=zerodha` with the mock's hosts in the environment.
        broker: Some(kite_settings(&mock, &[])),
        ..Options::default()
    };
    let data_dir = std::env::temp_dir().join(format!(
        "openalgo-zerodha-e2e-{}-{}",
        std::process::id(),
        crate::helpers::free_port()
    ));
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let settings = options.broker.clone();
    let options = Options {
        data_dir: Some(data_dir.clone()),
        ..options
    };
    let (app, handle) = spawn_with(Arc::clone(&dyn_store), None, options).await;
    let order = app.with_key(
        json!({"strategy": "e2e", "symbol": "SBIN", "exchange": "NSE",
        "action": "BUY", "quantity": "1", "pricetype": "MARKET", "product": "MIS"}),
    );

    // Before the broker login nothing reaches Kite.
    let (status, _) = app.post("placeorder", &order).await;
    assert_ne!(status, 200);
    assert!(mock.last_request("POST", "/orders/regular").is_none());

    // The broker page needs the dashboard session, then offers Kite's login.
    let web = browser();
    let r = web
        .get(format!("{}/auth/broker", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 302);
    sign_in(&app, &web).await;
    let page = web
        .get(format!("{}/auth/broker", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains(&format!("{}?v=3&amp;api_key={KEY}", mock.login_url())),
        "{page}"
    );

    // A bad request token: back to the broker page (JSON 401 for XHR callers).
    let r = web
        .get(format!(
            "{}/zerodha/callback?request_token=forged",
            app.address
        ))
        .header("Accept", "application/json")
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.expect("json")["status"], "error");

    let r = broker_login(&app, &web, &mock).await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/dashboard");
    assert!(
        mock.last_request("GET", "/instruments").is_some(),
        "master downloaded at login"
    );

    // The token is stored encrypted, never in plain text.
    let admin = store.admin_id().expect("admin").expect("admin");
    let (stored, _) = store
        .broker_token(admin, "zerodha")
        .expect("read")
        .expect("stored");
    assert!(
        !stored.is_empty() && !stored.contains(KEY) && !stored.contains("acc"),
        "{stored}"
    );

    // placeorder reaches Kite with the documented form; the order shows in the order book.
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");
    let order_id = body["orderid"].as_str().expect("orderid").to_owned();
    let req = mock
        .last_request("POST", "/orders/regular")
        .expect("order sent");
    let mut form: Vec<(&str, &str)> = req
        .form
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // Each order carries its own tag (the reference sends `openalgo`): `openalgo` + 12.
    let tag = form.pop().expect("tag");
    assert_eq!(tag.0, "tag");
    assert!(
        tag.1.len() == 20 && tag.1.starts_with("openalgo"),
        "{tag:?}"
    );
    assert_eq!(
        form,
        [
            ("tradingsymbol", "SBIN"),
            ("exchange", "NSE"),
            ("transaction_type", "BUY"),
            ("order_type", "MARKET"),
            ("quantity", "1"),
            ("product", "MIS"),
            ("price", "0.0"),
            ("trigger_price", "0.0"),
            ("disclosed_quantity", "0"),
            ("validity", "DAY"),
            ("market_protection", "-1"),
        ]
    );
    assert_eq!(
        req.authorization
            .as_deref()
            .map(|a| a.starts_with(&format!("token {KEY}:"))),
        Some(true)
    );
    let (status, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(status, 200, "{book}");
    let orders = book["data"]["orders"].as_array().expect("orders");
    let row = orders
        .iter()
        .find(|o| o["orderid"] == order_id.as_str())
        .expect("in the book");
    assert_eq!(row["symbol"], "SBIN");
    assert_eq!(row["order_status"], "complete");

    // Ticks from the binary ticker reach a WebSocket client.
    let (mut ws, _) = tokio_tungstenite::connect_async(&app.ws).await.expect("ws");
    ws.send(Message::text(
        json!({"action": "authenticate", "api_key": app.api_key}).to_string(),
    ))
    .await
    .expect("send");
    ws.send(Message::text(
        json!({"action": "subscribe", "symbol": "INFY", "exchange": "NSE", "mode": 2}).to_string(),
    ))
    .await
    .expect("send");
    let tick = recv_market_data(&mut ws, "INFY").await;
    assert_eq!(tick["data"]["ltp"], json!(1573.15));
    assert_eq!(tick["broker"], "zerodha");

    // A broker error comes back as a clean JSON error.
    mock.inject_error(
        "POST",
        "/orders/regular",
        400,
        "MarginException",
        "Insufficient funds. Required margin is 812.35",
    );
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"status": "error", "message": "Insufficient funds. Required margin is 812.35"})
    );

    // The session expires: Kite's 403 and message, as the reference passes them on.
    mock.expire_sessions();
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"status": "error", "message": "Incorrect `api_key` or `access_token`."})
    );

    // A re-login restores trading and streaming without the client doing anything.
    let r = broker_login(&app, &web, &mock).await;
    assert_eq!(r.status(), 302);
    mock.set_price(1594 * 256 + 1, rust_decimal::Decimal::new(160_005, 2));
    loop {
        let tick = recv_market_data(&mut ws, "INFY").await;
        if tick["data"]["ltp"] == json!(1600.05) {
            break;
        }
    }
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");

    // Analyzer mode: orders go to the paper account, market data still comes from Zerodha.
    let sent = |m: &MockKite, method: &str, path: &str| {
        m.requests()
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    };
    let (status, _) = app
        .post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    assert_eq!(status, 200);
    let (orders_before, quotes_before) = (
        sent(&mock, "POST", "/orders/regular"),
        sent(&mock, "GET", "/quote"),
    );
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mode"], "analyze");
    assert_eq!(
        sent(&mock, "POST", "/orders/regular"),
        orders_before,
        "no order reached Kite"
    );
    assert!(
        sent(&mock, "GET", "/quote") > quotes_before,
        "the paper fill priced from Kite"
    );
    let (_, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    let row = &book["data"]["orders"][0];
    assert_eq!(
        (row["symbol"].as_str(), row["order_status"].as_str()),
        (Some("SBIN"), Some("complete"))
    );
    // A paper market buy fills at the ask of Kite's depth (last price 812.35 + one tick).
    assert_eq!(row["average_price"], json!(812.4));
    let (status, _) = app
        .post("analyzer/toggle", &app.with_key(json!({"mode": false})))
        .await;
    assert_eq!(status, 200);

    // A restart the same day: the encrypted token and the cached master are restored, no
    // login and no second download.
    handle.stop(true).await;
    let downloads = sent(&mock, "GET", "/instruments");
    let options = Options {
        broker: settings,
        data_dir: Some(data_dir.clone()),
        ..Options::default()
    };
    let (again, _handle) = spawn_with(dyn_store, Some(app.api_key.clone()), options).await;
    let (status, body) = again.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sent(&mock, "GET", "/instruments"), downloads);
    let _ = std::fs::remove_dir_all(data_dir);
}
