//! `BROKER=angel` end to end against the mock SmartAPI: the credential form on `/broker`
//! (fields from the registry entry, the dashboard's CSRF token, rate limited like the login),
//! `placeorder` reaching SmartAPI with the documented JSON, the order in `orderbook`, ticks from
//! SmartStream reaching a WebSocket client, a broker error as a clean JSON error, an expired
//! session, and a re-login restoring the stream.

use std::sync::Arc;

use futures::SinkExt;
use openalgo_brokers::angel::mock::{CLIENT_CODE, MASTER_PATH, MockAngel, PIN, TOTP};
use openalgo_brokers::angel::paths;
use openalgo_brokers::registry;
use openalgo_server::store::{SecurityStore, SqliteStore, Store};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Options, TestApp, browser, spawn_with};
use crate::zerodha::{between, recv_market_data, sign_in};

const KEY: &str = "angelkey";

fn angel_settings(mock: &MockAngel) -> registry::BrokerSettings {
    registry::configure("angel", &|name| {
        Some(match name {
            "BROKER_API_KEY" => KEY.into(),
            "ANGEL_API_URL" => mock.rest_url(),
            "ANGEL_WS_URL" => mock.ws_url(),
            "ANGEL_ORDER_WS_URL" => mock.order_ws_url(),
            "ANGEL_MASTER_URL" => mock.master_url(),
            _ => return None,
        })
    })
    .expect("angel settings")
}

/// The CSRF token of the `/broker` page's credential form for `broker`.
pub(crate) async fn form_token(app: &TestApp, web: &reqwest::Client, broker: &str) -> String {
    let page = web
        .get(format!("{}/broker", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let form = between(
        &page,
        &format!(r#"<form method="post" action="/{broker}/callback""#),
        "</form>",
    );
    between(form, r#"name="csrf_token" value=""#, "\"").to_owned()
}

async fn submit(
    app: &TestApp,
    web: &reqwest::Client,
    token: &str,
    totp: &str,
) -> reqwest::Response {
    web.post(format!("{}/angel/callback", app.address))
        .form(&[
            ("csrf_token", token),
            ("clientid", CLIENT_CODE),
            ("pin", PIN),
            ("totp", totp),
        ])
        .send()
        .await
        .expect("callback")
}

#[tokio::test]
async fn angel_form_login_orders_stream_errors_expiry_and_relogin() {
    let mock = MockAngel::start(KEY).await;
    let store = Arc::new(SqliteStore::in_memory().expect("store"));
    let dyn_store: Arc<dyn Store> = store.clone();
    let data_dir = std::env::temp_dir().join(format!(
        "openalgo-angel-e2e-{}-{}",
        std::process::id(),
        crate::helpers::free_port()
    ));
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let options = Options {
        // As `BROKER=angel` with the mock's hosts in the environment.
        broker: Some(angel_settings(&mock)),
        data_dir: Some(data_dir.clone()),
        ..Options::default()
    };
    let (app, handle) = spawn_with(Arc::clone(&dyn_store), None, options).await;
    let order = app.with_key(
        json!({"strategy": "e2e", "symbol": "SBIN", "exchange": "NSE",
        "action": "BUY", "quantity": "1", "pricetype": "MARKET", "product": "MIS"}),
    );

    // Before the broker login nothing reaches SmartAPI.
    let (status, _) = app.post("placeorder", &order).await;
    assert_ne!(status, 200);
    assert!(mock.last_request(paths::PLACE).is_none());

    // The broker page needs the dashboard session, then shows the entry's form.
    let web = browser();
    let r = web
        .get(format!("{}/broker", app.address))
        .send()
        .await
        .expect("page");
    assert!(r.status().is_redirection());
    sign_in(&app, &web).await;
    let page = web
        .get(format!("{}/broker", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let form = between(
        &page,
        r#"<form method="post" action="/angel/callback""#,
        "</form>",
    );
    assert!(
        form.contains(r#"name="clientid" id="broker-clientid" type="text""#),
        "{form}"
    );
    assert!(
        form.contains(r#"name="pin" id="broker-pin" type="password""#),
        "{form}"
    );
    assert!(
        form.contains(r#"name="totp" id="broker-totp" type="text""#),
        "{form}"
    );
    assert!(form.contains("Connect Angel One"));
    // /auth/broker offers the same form.
    let auth_page = web
        .get(format!("{}/auth/broker", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(auth_page.contains(r#"action="/angel/callback""#));
    let token = form_token(&app, &web, "angel").await;

    // Without the CSRF token, or as a GET (credentials in a URL), nothing reaches SmartAPI.
    let r = submit(&app, &web, "forged", TOTP).await;
    assert_eq!(r.status(), 403);
    let r = web
        .get(format!(
            "{}/angel/callback?clientid={CLIENT_CODE}&pin={PIN}&totp={TOTP}",
            app.address
        ))
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), 403);
    assert!(mock.requests().is_empty(), "no call to SmartAPI");

    // A wrong TOTP: back to the broker page with the error shown.
    let r = submit(&app, &web, &token, "000000").await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/broker?error=1");
    let page = web
        .get(format!("{}/broker?error=1", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Angel One login failed"), "{page}");

    // The right credentials: logged in, master downloaded, token stored encrypted.
    let r = submit(&app, &web, &token, TOTP).await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/dashboard");
    assert!(
        mock.last_request(MASTER_PATH).is_some(),
        "master downloaded at login"
    );
    let login = mock
        .last_request("/rest/auth/angelbroking/user/v1/loginByPassword")
        .expect("login sent");
    assert_eq!(login.body_keys, ["clientcode", "password", "totp"]);
    let admin = store.admin_id().expect("admin").expect("admin");
    let (stored, _) = store
        .broker_token(admin, "angel")
        .expect("read")
        .expect("stored");
    assert!(
        !stored.is_empty() && !stored.contains(CLIENT_CODE) && !stored.contains("eyJ"),
        "{stored}"
    );
    let page = web
        .get(format!("{}/broker", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains(r#"id="broker-session">connected<"#), "{page}");

    // placeorder reaches SmartAPI with the documented JSON; the order shows in the book.
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");
    let order_id = body["orderid"].as_str().expect("orderid").to_owned();
    let req = mock.last_request(paths::PLACE).expect("order sent");
    for (name, value) in [
        ("variety", "NORMAL"),
        ("tradingsymbol", "SBIN-EQ"),
        ("symboltoken", "3045"),
        ("transactiontype", "BUY"),
        ("exchange", "NSE"),
        ("ordertype", "MARKET"),
        ("producttype", "INTRADAY"),
        ("duration", "DAY"),
        ("quantity", "1"),
    ] {
        assert_eq!(req.field(name).as_deref(), Some(value), "{name}");
    }
    assert_eq!(req.header("x-privatekey"), Some(KEY));
    assert!(
        req.header("authorization")
            .is_some_and(|a| a.starts_with("Bearer "))
    );
    let (status, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(status, 200, "{book}");
    let orders = book["data"]["orders"].as_array().expect("orders");
    let row = orders
        .iter()
        .find(|o| o["orderid"] == order_id.as_str())
        .expect("in the book");
    assert_eq!(
        (row["symbol"].as_str(), row["order_status"].as_str()),
        (Some("SBIN"), Some("complete"))
    );

    // Ticks from SmartStream reach a WebSocket client.
    let (mut ws, _) = tokio_tungstenite::connect_async(&app.ws).await.expect("ws");
    ws.send(Message::text(
        json!({"action": "authenticate", "api_key": app.api_key}).to_string(),
    ))
    .await
    .expect("send");
    ws.send(Message::text(
        json!({"action": "subscribe", "symbol": "SBIN", "exchange": "NSE", "mode": 2}).to_string(),
    ))
    .await
    .expect("send");
    let tick = recv_market_data(&mut ws, "SBIN").await;
    assert_eq!(tick["data"]["ltp"], json!(812.35));
    assert_eq!(tick["broker"], "angel");

    // A broker error comes back as a clean JSON error.
    mock.inject_error(paths::PLACE, 200, "AB4008", "Insufficient funds");
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"status": "error", "message": "Insufficient funds"})
    );

    // The session expires: SmartAPI's refusal as a 403 with its message.
    mock.expire_sessions();
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 403);
    assert_eq!(body, json!({"status": "error", "message": "Invalid Token"}));

    // A re-login through the form restores trading and streaming.
    let token = form_token(&app, &web, "angel").await;
    let r = submit(&app, &web, &token, TOTP).await;
    assert_eq!(r.status(), 302);
    mock.set_price("3045", rust_decimal::Decimal::new(82_005, 2));
    loop {
        let tick = recv_market_data(&mut ws, "SBIN").await;
        if tick["data"]["ltp"] == json!(820.05) {
            break;
        }
    }
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");

    // The callback is rate limited like the login (5 a minute): the sixth attempt is refused.
    let r = submit(&app, &web, &token, TOTP).await;
    assert_eq!(r.status(), 429);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["error"], "Rate limit exceeded");

    // Analyzer mode: orders go to the paper account, market data still comes from SmartAPI.
    let (status, _) = app
        .post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    assert_eq!(status, 200);
    let sent = |path: &str| mock.requests().iter().filter(|r| r.path == path).count();
    let (orders_before, quotes_before) = (sent(paths::PLACE), sent(paths::QUOTE));
    let (status, body) = app.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mode"], "analyze");
    assert_eq!(
        sent(paths::PLACE),
        orders_before,
        "no order reached SmartAPI"
    );
    assert!(
        sent(paths::QUOTE) > quotes_before,
        "the paper fill priced from SmartAPI"
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

    // A restart the same day: the encrypted session and the cached master are restored, no
    // login and no second download; orders go out with the stored JWT.
    let jwt = mock
        .last_request(paths::PLACE)
        .and_then(|r| header(&r, "authorization"))
        .expect("bearer sent");
    handle.stop(true).await;
    let downloads = || {
        mock.requests()
            .iter()
            .filter(|r| r.path == MASTER_PATH)
            .count()
    };
    let before = downloads();
    let logins = mock.requests().len();
    let options = Options {
        broker: Some(angel_settings(&mock)),
        data_dir: Some(data_dir.clone()),
        ..Options::default()
    };
    let (again, _handle) = spawn_with(dyn_store, Some(app.api_key.clone()), options).await;
    let (status, body) = again.post("placeorder", &order).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(downloads(), before, "the cached master is reused");
    let placed = mock.last_request(paths::PLACE).expect("order");
    assert_eq!(header(&placed, "authorization"), Some(jwt));
    assert!(
        mock.requests()[logins..]
            .iter()
            .all(|r| !r.path.contains("loginByPassword")),
        "no login after the restart"
    );
    let _ = std::fs::remove_dir_all(data_dir);
}

fn header(r: &openalgo_brokers::angel::mock::Recorded, name: &str) -> Option<String> {
    r.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}
