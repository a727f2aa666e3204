//! `BROKER=dhan` end to end against the mock DhanHQ: the credential form posted to
//! `/dhan/callback` as a browser form would, `placeorder` reaching Dhan with the documented JSON
//! body, the order in `orderbook`, ticks from the binary live feed reaching a WebSocket client,
//! a broker error as a clean JSON error, an expired session answering with Dhan's message, a
//! re-login restoring the stream, analyzer mode priced from Dhan, and a restart that restores
//! the encrypted token and the cached master without a login.

use std::sync::Arc;

use futures::SinkExt;
use openalgo_brokers::dhan::mock::MockDhan;
use openalgo_brokers::registry;
use openalgo_server::store::{SecurityStore, SqliteStore, Store};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::angel::form_token;
use crate::helpers::{Options, TestApp, browser, spawn_with};
use crate::zerodha::{recv_market_data, sign_in};

pub(crate) const CLIENT: &str = "1000000001";
const APP: &str = "dhanapp";
const APP_SECRET: &str = "dhansecret";
const MASTER: &str = "/api-data/api-scrip-master.csv";

/// The Dhan settings `BROKER=dhan` gives with the mock's hosts in the environment
/// (`BROKER_API_KEY` a bare client id: the access-token login needs no app).
pub(crate) fn dhan_settings(mock: &MockDhan) -> registry::BrokerSettings {
    registry::configure("dhan", &|name| {
        Some(match name {
            "BROKER_API_KEY" => CLIENT.into(),
            "DHAN_API_URL" => mock.rest_url(),
            "DHAN_AUTH_URL" => mock.auth_url(),
            "DHAN_WS_URL" => mock.ws_url(),
            "DHAN_ORDER_WS_URL" => mock.order_ws_url(),
            "DHAN_MASTER_URL" => mock.master_url(),
            _ => return None,
        })
    })
    .expect("dhan settings")
}

/// The login form's fields posted to `/dhan/callback` with the `/broker` page's CSRF token, as
/// the browser posts the credential form.
pub(crate) async fn broker_login(
    app: &TestApp,
    web: &reqwest::Client,
    client_id: &str,
    access_token: &str,
) -> reqwest::Response {
    let token = form_token(app, web, "dhan").await;
    web.post(format!("{}/dhan/callback", app.address))
        .form(&[
            ("csrf_token", token.as_str()),
            ("client_id", client_id),
            ("access_token", access_token),
        ])
        .send()
        .await
        .expect("callback")
}

fn sent(mock: &MockDhan, method: &str, path: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(path))
        .count()
}

/// The JSON body of the last order Dhan received, its `correlationId` (our per-order tag)
/// checked and taken out.
fn last_order_body(mock: &MockDhan) -> Value {
    let req = mock.last_request("POST", "/v2/orders").expect("order sent");
    assert!(
        req.access_token
            .as_deref()
            .is_some_and(|t| t.starts_with("eyJmock.")),
        "{req:?}"
    );
    assert_eq!(req.client_id.as_deref(), Some(CLIENT));
    assert_eq!(req.content_type.as_deref(), Some("application/json"));
    let mut body = req.body.expect("JSON body");
    if let Some(tag) = body
        .as_object_mut()
        .expect("object")
        .remove("correlationId")
    {
        let tag = tag.as_str().expect("text").to_owned();
        assert!(tag.starts_with("openalgo") && tag.len() <= 30, "{tag}");
    }
    body
}

#[tokio::test]
async fn dhan_login_orders_stream_errors_expiry_and_relogin() {
    let mock = MockDhan::start(CLIENT, APP, APP_SECRET).await;
    let store = Arc::new(SqliteStore::in_memory().expect("store"));
    let dyn_store: Arc<dyn Store> = store.clone();
    let data_dir = std::env::temp_dir().join(format!(
        "openalgo-dhan-e2e-{}-{}",
        std::process::id(),
        crate::helpers::free_port()
    ));
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let options = Options {
        broker: Some(dhan_settings(&mock)),
        data_dir: Some(data_dir.clone()),
        ..Options::default()
    };
    let (app, handle) = spawn_with(Arc::clone(&dyn_store), None, options).await;
    let order = app.with_key(
        json!({"strategy": "e2e", "symbol": "SBIN", "exchange": "NSE",
        "action": "BUY", "quantity": "1", "pricetype": "MARKET", "product": "MIS"}),
    );

    // Before the broker login nothing reaches Dhan.
    let (status, _) = app.post("placeorder", &order).await;
    assert_ne!(status, 200);
    assert!(mock.last_request("POST", "/v2/orders").is_none());

    // The broker page needs the dashboard session, then names Dhan.
    let web = browser();
    let r = web
        .get(format!("{}/auth/broker", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 302);
    let r = web
        .post(format!("{}/dhan/callback", app.address))
        .form(&[("client_id", CLIENT), ("access_token", "whatever")])
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), 302, "no dashboard session, no login");
    assert_eq!(r.headers()["location"], "/auth/login");
    sign_in(&app, &web).await;
    let page = web
        .get(format!("{}/auth/broker", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Dhan"), "{page}");

    // A token Dhan refuses: back to the broker page (JSON 401 for XHR callers), no session.
    let token = form_token(&app, &web, "dhan").await;
    let r = web
        .post(format!("{}/dhan/callback", app.address))
        .header("Accept", "application/json")
        .form(&[
            ("csrf_token", token.as_str()),
            ("client_id", CLIENT),
            ("access_token", "forged"),
        ])
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.expect("json")["status"], "error");
    let r = broker_login(&app, &web, CLIENT, "forged").await;
    assert_eq!(r.headers()["location"], "/broker?error=1");
    let (status, _) = app.post("placeorder", &order).await;
    assert_ne!(status, 200);
    // Another broker's callback is not served.
    let r = web
        .get(format!("{}/zerodha/callback?request_token=x", app.address))
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), 404);

    let token = mock.issue_access_token();
    let r = broker_login(&app, &web, CLIENT, &token).await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/dashboard");
    assert_eq!(sent(&mock, "GET", MASTER), 1, "master downloaded at login");
    assert!(data_dir.join("dhan_instruments.csv").exists(), "cached");

    // The token is stored encrypted, never in plain text.
    let admin = store.admin_id().expect("admin").expect("admin");
    let (stored, _) = store
        .broker_token(admin, "dhan")
        .expect("read")
        .expect("stored");
    assert!(
        !stored.is_empty()
            && !stored.contains(&token)
            && !stored.contains("eyJmock")
            && !stored.contains(CLIENT),
        "{stored}"
    );

    // placeorder reaches Dhan with the documented JSON body; the order shows in the book.
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");
    let order_id = body["orderid"].as_str().expect("orderid").to_owned();
    assert_eq!(
        last_order_body(&mock),
        json!({"dhanClientId": CLIENT, "transactionType": "BUY", "exchangeSegment": "NSE_EQ",
               "productType": "INTRADAY", "orderType": "MARKET", "validity": "DAY",
               "securityId": "3045", "quantity": 1})
    );
    let (status, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(status, 200, "{book}");
    let orders = book["data"]["orders"].as_array().expect("orders");
    let row = orders
        .iter()
        .find(|o| o["orderid"] == order_id.as_str())
        .expect("in the book");
    assert_eq!(row["symbol"], "SBIN");
    assert_eq!(row["exchange"], "NSE");
    assert_eq!(row["product"], "MIS");
    assert_eq!(row["order_status"], "complete");
    assert_eq!(row["average_price"], json!(812.35));

    // A limit order carries its exact price; a delivery order is CNC.
    let limit = app.with_key(
        json!({"strategy": "e2e", "symbol": "INFY", "exchange": "NSE", "action": "SELL",
        "quantity": "5", "pricetype": "LIMIT", "price": "1580.05", "product": "CNC"}),
    );
    let (status, body) = app.post("placeorder", &limit).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        last_order_body(&mock),
        json!({"dhanClientId": CLIENT, "transactionType": "SELL", "exchangeSegment": "NSE_EQ",
               "productType": "CNC", "orderType": "LIMIT", "validity": "DAY",
               "securityId": "1594", "quantity": 5, "price": 1580.05})
    );

    // Ticks from the binary live feed reach a WebSocket client of our server.
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
    assert_eq!(tick["broker"], "dhan");
    assert!(
        mock.feed_messages()
            .iter()
            .any(|m| m.contains("1594") && m.contains("NSE_EQ")),
        "{:?}",
        mock.feed_messages()
    );

    // A broker error comes back as a clean JSON error with Dhan's message.
    mock.inject_error(
        "POST",
        "/v2/orders",
        400,
        "DH-906",
        "Order_Error",
        "Insufficient funds. Required margin is 812.35",
    );
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"status": "error", "message": "Insufficient funds. Required margin is 812.35"})
    );

    // The session expires: Dhan's DH-901 message, passed on as a clean error.
    mock.expire_sessions();
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body,
        json!({"status": "error",
               "message": "Client ID or user generated access token is invalid or expired."})
    );

    // A re-login with a fresh token restores trading and streaming without the client doing
    // anything (a minute later: the callback is rate limited per client address).
    app.clock.advance_ms(61_000);
    let fresh = mock.issue_access_token();
    let r = broker_login(&app, &web, CLIENT, &fresh).await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/dashboard");
    mock.set_price(1594, rust_decimal::Decimal::new(160_005, 2));
    loop {
        let tick = recv_market_data(&mut ws, "INFY").await;
        if tick["data"]["ltp"] == json!(1600.05) {
            break;
        }
    }
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");
    let req = mock.last_request("POST", "/v2/orders").expect("order");
    assert_eq!(req.access_token.as_deref(), Some(fresh.as_str()));

    // Analyzer mode: orders go to the paper account, market data still comes from Dhan.
    let (status, _) = app
        .post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    assert_eq!(status, 200);
    let (orders_before, quotes_before) = (
        sent(&mock, "POST", "/v2/orders"),
        sent(&mock, "POST", "/v2/marketfeed"),
    );
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mode"], "analyze");
    assert_eq!(
        sent(&mock, "POST", "/v2/orders"),
        orders_before,
        "no order reached Dhan"
    );
    assert!(
        sent(&mock, "POST", "/v2/marketfeed") > quotes_before,
        "the paper fill priced from Dhan"
    );
    let (_, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    let row = &book["data"]["orders"][0];
    assert_eq!(
        (row["symbol"].as_str(), row["order_status"].as_str()),
        (Some("SBIN"), Some("complete"))
    );
    let (status, _) = app
        .post("analyzer/toggle", &app.with_key(json!({"mode": false})))
        .await;
    assert_eq!(status, 200);

    // A restart the same day: the encrypted token and the cached master are restored, no
    // login and no second download.
    handle.stop(true).await;
    let downloads = sent(&mock, "GET", MASTER);
    let options = Options {
        broker: Some(dhan_settings(&mock)),
        data_dir: Some(data_dir.clone()),
        ..Options::default()
    };
    let (again, _handle) = spawn_with(dyn_store, Some(app.api_key.clone()), options).await;
    let (status, body) = again.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");
    let req = mock.last_request("POST", "/v2/orders").expect("order");
    assert_eq!(req.access_token.as_deref(), Some(fresh.as_str()));
    assert_eq!(sent(&mock, "GET", MASTER), downloads);
    let _ = std::fs::remove_dir_all(data_dir);
}

/// Dhan's consent flow through the server: the browser comes back from Dhan's consent page with
/// a `tokenId` in the query (no form fields, no CSRF token), the server consumes it with the
/// app's key and secret, and orders reach Dhan with the access token it got.
#[tokio::test]
async fn a_consent_redirect_logs_in_without_the_form() {
    let mock = MockDhan::start(CLIENT, APP, APP_SECRET).await;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let settings = registry::configure("dhan", &|name| {
        Some(match name {
            "BROKER_API_KEY" => format!("{CLIENT}:::{APP}"),
            "BROKER_API_SECRET" => APP_SECRET.into(),
            "DHAN_API_URL" => mock.rest_url(),
            "DHAN_AUTH_URL" => mock.auth_url(),
            "DHAN_WS_URL" => mock.ws_url(),
            "DHAN_ORDER_WS_URL" => mock.order_ws_url(),
            "DHAN_MASTER_URL" => mock.master_url(),
            _ => return None,
        })
    })
    .expect("dhan consent settings");
    let options = Options {
        broker: Some(settings),
        ..Options::default()
    };
    let (app, _handle) = spawn_with(store, None, options).await;
    let web = browser();
    sign_in(&app, &web).await;
    // A tokenId Dhan never issued is refused.
    let r = web
        .get(format!("{}/dhan/callback?tokenId=forged", app.address))
        .send()
        .await
        .expect("callback");
    assert_eq!(r.headers()["location"], "/auth/broker?error=1");
    let token_id = mock.issue_token_id();
    let r = web
        .get(format!("{}/dhan/callback?tokenId={token_id}", app.address))
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/dashboard");
    let consumed = mock
        .last_request("POST", "/app/consumeApp-consent")
        .expect("consumed");
    assert!(consumed.query.contains(&("tokenId".to_owned(), token_id)));
    let order = app.with_key(
        json!({"strategy": "e2e", "symbol": "SBIN", "exchange": "NSE",
        "action": "BUY", "quantity": "1", "pricetype": "MARKET", "product": "MIS"}),
    );
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");
    assert!(mock.last_request("POST", "/v2/orders").is_some());
}
