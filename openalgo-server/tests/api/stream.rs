//! The WebSocket feed with real clients (tokio-tungstenite): authentication and its deadline,
//! subscribe in every mode, partial subscriptions, lower-mode delivery, unsubscribe releasing
//! the upstream subscription, order updates after a sandbox fill, and a stalled client that
//! does not hold up the others.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{TestApp, spawn_app};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp) -> Ws {
    tokio_tungstenite::connect_async(format!("{}any/path", app.ws))
        .await
        .expect("connect")
        .0
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.expect("send");
}

/// The next JSON frame (5 s at most).
async fn recv(ws: &mut Ws) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a frame within 5 s")
            .expect("open")
            .expect("frame");
        if let Message::Text(t) = frame {
            return serde_json::from_str(t.as_str()).expect("json");
        }
    }
}

/// The next frame that is not a tick (a tick sent before an unsubscribe can still be in flight).
async fn recv_reply(ws: &mut Ws) -> Value {
    loop {
        let v = recv(ws).await;
        if v["type"] != "market_data" {
            return v;
        }
    }
}

/// The next frame of `kind`, skipping others.
async fn recv_type(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let v = recv(ws).await;
        if v["type"] == kind {
            return v;
        }
    }
}

async fn authed(app: &TestApp) -> Ws {
    let mut ws = connect(app).await;
    send(
        &mut ws,
        json!({"action": "authenticate", "api_key": app.api_key}),
    )
    .await;
    let r = recv(&mut ws).await;
    assert_eq!(r["status"], "success", "{r}");
    ws
}

async fn metrics(app: &TestApp) -> Value {
    app.client
        .get(format!("{}/health/metrics", app.address))
        .send()
        .await
        .expect("metrics")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn authentication_errors_success_and_the_deadline() {
    let app = spawn_app().await;
    let mut ws = connect(&app).await;
    send(
        &mut ws,
        json!({"action": "subscribe", "symbol": "SBIN", "exchange": "NSE"}),
    )
    .await;
    assert_eq!(
        recv(&mut ws).await,
        json!({"status": "error", "code": "NOT_AUTHENTICATED", "message": "You must authenticate first"})
    );
    send(&mut ws, json!({"action": "authenticate"})).await;
    assert_eq!(recv(&mut ws).await["message"], "API key is required");
    send(&mut ws, json!({"action": "auth", "apikey": "0".repeat(64)})).await;
    assert_eq!(
        recv(&mut ws).await,
        json!({"status": "error", "code": "AUTHENTICATION_ERROR", "message": "Invalid API key"})
    );
    ws.send(Message::text("{not json")).await.unwrap();
    assert_eq!(recv(&mut ws).await["code"], "INVALID_JSON");
    send(&mut ws, json!({"action": "dance"})).await;
    assert_eq!(recv(&mut ws).await["message"], "Invalid action: dance");
    send(
        &mut ws,
        json!({"action": "ping", "timestamp": 42, "_pingId": "p1"}),
    )
    .await;
    let pong = recv(&mut ws).await;
    assert_eq!(
        (
            pong["type"].clone(),
            pong["client_timestamp"].clone(),
            pong["_pingId"].clone()
        ),
        (json!("pong"), json!(42), json!("p1"))
    );
    send(
        &mut ws,
        json!({"action": "authenticate", "api_key": app.api_key}),
    )
    .await;
    let ok = recv(&mut ws).await;
    assert_eq!(ok["type"], "auth");
    assert_eq!(ok["broker"], "simulator");
    assert_eq!(ok["user_id"], "admin");
    assert_eq!(
        ok["supported_features"],
        json!({"ltp": true, "quote": true, "depth": true})
    );
    // An unauthenticated connection is closed with 4401 after the grace period (2 s here).
    let mut idle = connect(&app).await;
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match idle.next().await {
                Some(Ok(Message::Close(Some(f)))) => {
                    return (u16::from(f.code), f.reason.to_string());
                }
                Some(Ok(_)) => {}
                other => panic!("{other:?}"),
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(closed, (4401, "auth timeout".to_owned()));
    // The authenticated one stays open.
    send(&mut ws, json!({"action": "ping"})).await;
    assert_eq!(recv(&mut ws).await["type"], "pong");
}

#[tokio::test]
async fn subscribe_in_every_mode_with_partial_acks_and_lower_mode_delivery() {
    let app = spawn_app().await;
    let mut ltp = authed(&app).await;
    send(&mut ltp, json!({"action": "subscribe", "mode": 1, "request_id": "r1",
        "symbols": [{"symbol": "SBIN", "exchange": "NSE"}, {"symbol": "NOPE", "exchange": "NSE"}, {"symbol": "X"}]})).await;
    let ack = recv_type(&mut ltp, "subscribe").await;
    assert_eq!(ack["status"], "partial");
    assert_eq!(ack["request_id"], "r1");
    let subs = ack["subscriptions"].as_array().unwrap();
    assert_eq!(subs.len(), 2, "an entry without exchange is skipped");
    assert_eq!(
        subs[0],
        json!({"symbol": "SBIN", "exchange": "NSE", "status": "success", "mode": "LTP", "depth": 5, "broker": "simulator"})
    );
    assert_eq!(subs[1]["message"], "Symbol NOPE not found for exchange NSE");
    let tick = recv_type(&mut ltp, "market_data").await;
    assert_eq!(
        (
            tick["symbol"].clone(),
            tick["exchange"].clone(),
            tick["mode"].clone()
        ),
        (json!("SBIN"), json!("NSE"), json!(1))
    );
    assert!(tick["data"]["ltp"].as_f64().unwrap() > 0.0);
    assert_eq!(tick["broker"], "simulator");

    let mut depth = authed(&app).await;
    send(
        &mut depth,
        json!({"action": "subscribe", "symbol": "SBIN", "exchange": "NSE", "mode": "depth"}),
    )
    .await;
    assert_eq!(
        recv_type(&mut depth, "subscribe").await["status"],
        "success"
    );
    let d = recv_type(&mut depth, "market_data").await;
    assert_eq!(d["mode"], 3);
    assert_eq!(d["data"]["depth"]["buy"].as_array().unwrap().len(), 5);
    // The LTP client now receives depth ticks, tagged with its own mode.
    let mut seen_depth_payload = false;
    for _ in 0..4 {
        let t = recv_type(&mut ltp, "market_data").await;
        assert_eq!(t["mode"], 1);
        seen_depth_payload |= t["data"].get("depth").is_some();
    }
    assert!(
        seen_depth_payload,
        "higher-mode ticks reach lower-mode subscribers"
    );

    let mut quote = authed(&app).await;
    send(
        &mut quote,
        json!({"action": "subscribe", "symbols": [{"symbol": "NIFTY", "exchange": "NSE_INDEX"}]}),
    )
    .await;
    let ack = recv_type(&mut quote, "subscribe").await;
    assert_eq!(ack["subscriptions"][0]["mode"], "Quote", "default mode");
    let q = recv_type(&mut quote, "market_data").await;
    assert_eq!(
        (q["symbol"].clone(), q["mode"].clone()),
        (json!("NIFTY"), json!(2))
    );
    assert!(q["data"]["open"].is_number());
    send(
        &mut quote,
        json!({"action": "subscribe", "symbol": "SBIN", "exchange": "NSE", "mode": "1"}),
    )
    .await;
    let bad = recv(&mut quote).await;
    assert_eq!(bad["code"], "INVALID_MODE");
    assert_eq!(
        bad["message"],
        "Invalid mode '1'; expected 'LTP', 'Quote', or 'Depth' (case-insensitive)"
    );
    send(&mut quote, json!({"action": "subscribe", "symbols": []})).await;
    assert_eq!(
        recv(&mut quote).await["message"],
        "At least one symbol must be specified"
    );
}

#[tokio::test]
async fn unsubscribing_and_disconnecting_release_the_upstream_subscription() {
    let app = spawn_app().await;
    let mut a = authed(&app).await;
    let mut b = authed(&app).await;
    for ws in [&mut a, &mut b] {
        send(
            ws,
            json!({"action": "subscribe", "symbol": "SBIN", "exchange": "NSE", "mode": 1}),
        )
        .await;
        recv_type(ws, "subscribe").await;
    }
    assert_eq!(
        metrics(&app).await["websocket"]["upstream_subscriptions"],
        1,
        "once upstream for two clients"
    );
    send(&mut a, json!({"action": "unsubscribe", "symbols": [{"symbol": "SBIN", "exchange": "NSE", "mode": 1}], "request_id": 7})).await;
    let ack = recv_type(&mut a, "unsubscribe").await;
    assert_eq!(
        (ack["status"].clone(), ack["request_id"].clone()),
        (json!("success"), json!(7))
    );
    assert_eq!(
        metrics(&app).await["websocket"]["upstream_subscriptions"],
        1,
        "b still holds it"
    );
    // b still gets ticks; then b leaves and the upstream subscription goes.
    recv_type(&mut b, "market_data").await;
    b.close(None).await.unwrap();
    drop(b);
    let mut released = false;
    for _ in 0..50 {
        if metrics(&app).await["websocket"]["upstream_subscriptions"] == 0 {
            released = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(released, "the last holder's disconnect releases upstream");
    send(
        &mut a,
        json!({"action": "subscribe", "symbol": "TCS", "exchange": "NSE", "mode": 2}),
    )
    .await;
    recv_type(&mut a, "subscribe").await;
    send(&mut a, json!({"action": "unsubscribe_all"})).await;
    let ack = recv_type(&mut a, "unsubscribe").await;
    assert_eq!(ack["successful"][0]["symbol"], "TCS");
    assert_eq!(
        metrics(&app).await["websocket"]["upstream_subscriptions"],
        0
    );
    send(&mut a, json!({"action": "unsubscribe"})).await;
    assert_eq!(
        recv_reply(&mut a).await["message"],
        "Either symbols or unsubscribe_all is required"
    );
    // An unsubscribe without any mode releases every mode held (the reference would release
    // only Quote and leave these behind).
    for mode in [1, 3] {
        send(
            &mut a,
            json!({"action": "subscribe", "symbol": "INFY", "exchange": "NSE", "mode": mode}),
        )
        .await;
        recv_type(&mut a, "subscribe").await;
    }
    send(
        &mut a,
        json!({"action": "unsubscribe", "symbols": [{"symbol": "INFY", "exchange": "NSE"}]}),
    )
    .await;
    assert_eq!(recv_type(&mut a, "unsubscribe").await["status"], "success");
    assert_eq!(
        metrics(&app).await["websocket"]["upstream_subscriptions"],
        0
    );
}

#[tokio::test]
async fn order_updates_arrive_after_a_sandbox_fill() {
    let app = spawn_app().await;
    let mut ws = authed(&app).await;
    send(
        &mut ws,
        json!({"action": "subscribe_orders", "request_id": "o1"}),
    )
    .await;
    assert_eq!(
        recv(&mut ws).await,
        json!({"type": "subscribe_orders", "status": "success", "message": "Subscribed to order updates", "request_id": "o1"})
    );
    app.post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    let (status, placed) = app
        .post("placeorder", &app.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 1})))
        .await;
    assert_eq!(status, 200, "{placed}");
    let mut statuses = Vec::new();
    while !statuses.contains(&"complete".to_owned()) {
        let u = recv_type(&mut ws, "order_update").await;
        assert_eq!(u["orderid"], placed["orderid"]);
        assert_eq!(u["mode"], "analyze");
        assert_eq!(u["user_id"], "admin");
        statuses.push(u["order_status"].as_str().unwrap_or_default().to_owned());
    }
    send(&mut ws, json!({"action": "unsubscribe_orders"})).await;
    assert_eq!(
        recv_type(&mut ws, "unsubscribe_orders").await["status"],
        "success"
    );
}

#[tokio::test]
async fn a_stalled_client_does_not_delay_the_others() {
    let app = spawn_app().await;
    // A client that subscribes to every equity in depth and never reads again.
    let mut stalled = authed(&app).await;
    let (_, instruments) = app
        .get(&format!("instruments?apikey={}&exchange=NSE", app.api_key))
        .await;
    let all: Value = serde_json::from_str(&instruments).unwrap();
    let symbols: Vec<Value> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| json!({"symbol": i["symbol"], "exchange": "NSE"}))
        .collect();
    assert!(symbols.len() >= 40);
    send(
        &mut stalled,
        json!({"action": "subscribe", "mode": 3, "symbols": symbols}),
    )
    .await;
    let mut fast = authed(&app).await;
    send(
        &mut fast,
        json!({"action": "subscribe", "symbol": "INFY", "exchange": "NSE", "mode": 1}),
    )
    .await;
    recv_type(&mut fast, "subscribe").await;
    // Ticks come once a second; the fast client keeps getting them on time.
    let started = std::time::Instant::now();
    for _ in 0..3 {
        let t = recv_type(&mut fast, "market_data").await;
        assert_eq!(t["symbol"], "INFY");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(stalled);
}

#[tokio::test]
async fn a_client_that_does_not_answer_pings_is_closed_with_1011() {
    let options = crate::helpers::Options {
        ws_timing: openalgo_server::stream::Timing {
            auth_grace: Duration::from_secs(30),
            ping_interval: Duration::from_millis(400),
            ping_timeout: Duration::from_millis(400),
            ..openalgo_server::stream::Timing::default()
        },
        ..crate::helpers::Options::default()
    };
    let store: std::sync::Arc<dyn openalgo_server::store::Store> =
        std::sync::Arc::new(openalgo_server::store::SqliteStore::in_memory().unwrap());
    let (app, _) = crate::helpers::spawn_with(store, None, options).await;
    let mut responsive = authed(&app).await;
    let mut silent = connect(&app).await;
    // The responsive client keeps reading (and so answers pings) for a second and a half.
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_millis(1_500) {
        send(&mut responsive, json!({"action": "ping"})).await;
        assert_eq!(
            recv_type(&mut responsive, "pong").await["status"],
            "success"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The silent one read nothing: it was pinged, did not answer, and was closed.
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(5), silent.next())
            .await
            .unwrap()
        {
            Some(Ok(Message::Close(Some(f)))) => break u16::from(f.code),
            Some(Ok(_)) => {}
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(code, 1011);
    send(&mut responsive, json!({"action": "ping"})).await;
    assert_eq!(
        recv_type(&mut responsive, "pong").await["type"],
        "pong",
        "still open"
    );
}

async fn spawn_with_bus(bus: openalgo_server::stream::BusConfig) -> TestApp {
    let options = crate::helpers::Options {
        bus,
        ..crate::helpers::Options::default()
    };
    let store: std::sync::Arc<dyn openalgo_server::store::Store> =
        std::sync::Arc::new(openalgo_server::store::SqliteStore::in_memory().expect("store"));
    crate::helpers::spawn_with(store, None, options).await.0
}

#[tokio::test]
async fn the_bus_publishes_ticks_in_the_reference_topic_format() {
    let endpoint = format!("tcp://127.0.0.1:{}", crate::helpers::free_port());
    let app = spawn_with_bus(openalgo_server::stream::BusConfig {
        publish: Some(endpoint.clone()),
        subscribe: None,
    })
    .await;
    let ctx = zmq::Context::new();
    let sub = ctx.socket(zmq::SUB).unwrap();
    sub.connect(&endpoint).unwrap();
    sub.set_subscribe(b"NSE_SBIN_").unwrap();
    sub.set_rcvtimeo(5_000).unwrap();
    let mut ws = authed(&app).await;
    send(
        &mut ws,
        json!({"action": "subscribe", "symbol": "SBIN", "exchange": "NSE", "mode": 1}),
    )
    .await;
    recv_type(&mut ws, "subscribe").await;
    let frames = tokio::task::spawn_blocking(move || sub.recv_multipart(0))
        .await
        .unwrap()
        .expect("a bus message");
    assert_eq!(frames.len(), 2);
    assert_eq!(String::from_utf8_lossy(&frames[0]), "NSE_SBIN_LTP");
    let payload: Value = serde_json::from_slice(&frames[1]).unwrap();
    assert_eq!(payload["symbol"], "SBIN");
    assert!(payload["ltp"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn an_external_adapter_feeds_ticks_and_order_updates_through_the_bus() {
    let endpoint = format!("tcp://127.0.0.1:{}", crate::helpers::free_port());
    let app = spawn_with_bus(openalgo_server::stream::BusConfig {
        publish: None,
        subscribe: Some(endpoint.clone()),
    })
    .await;
    let mut ws = authed(&app).await;
    send(
        &mut ws,
        json!({"action": "subscribe", "symbol": "RELIANCE", "exchange": "NSE", "mode": 1}),
    )
    .await;
    recv_type(&mut ws, "subscribe").await;
    send(&mut ws, json!({"action": "subscribe_orders"})).await;
    recv_type(&mut ws, "subscribe_orders").await;
    // The adapter connects its PUB to the server's SUB and publishes (the slow-joiner pause
    // first, as the reference's publishers do).
    let publisher = tokio::task::spawn_blocking(move || {
        let ctx = zmq::Context::new();
        let pub_ = ctx.socket(zmq::PUB).unwrap();
        pub_.connect(&endpoint).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        for _ in 0..3 {
            pub_.send_multipart(
                [
                    &b"NSE_RELIANCE_QUOTE"[..],
                    br#"{"ltp": 4321.5, "volume": 7}"#,
                ],
                0,
            )
            .unwrap();
            pub_.send_multipart(
                [
                    &b"BROKER_admin_orders"[..],
                    br#"{"type": "order_update", "user_id": "admin", "orderid": "X1"}"#,
                ],
                0,
            )
            .unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
        (ctx, pub_)
    });
    let mut external = None;
    let mut order = None;
    while external.is_none() || order.is_none() {
        let v = recv(&mut ws).await;
        if v["type"] == "market_data" && v["data"]["ltp"] == 4321.5 {
            external = Some(v);
        } else if v["type"] == "order_update" {
            order = Some(v);
        }
    }
    let external = external.unwrap();
    assert_eq!(
        (external["symbol"].clone(), external["mode"].clone()),
        (json!("RELIANCE"), json!(1)),
        "a quote reaches an LTP subscriber, tagged 1"
    );
    assert_eq!(
        external["data"],
        json!({"ltp": 4321.5, "volume": 7}),
        "payload passed through"
    );
    assert_eq!(order.unwrap()["orderid"], "X1");
    drop(publisher.await.unwrap());
}

#[tokio::test]
async fn the_feed_is_also_served_at_ws_on_the_main_port() {
    let app = spawn_app().await;
    let url = format!("{}/ws", app.address.replace("http://", "ws://"));
    let (mut ws, response) = tokio_tungstenite::connect_async(url)
        .await
        .expect("upgrade");
    assert_eq!(response.status(), 101);
    send(
        &mut ws,
        json!({"action": "authenticate", "api_key": app.api_key}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["type"], "auth");
    send(
        &mut ws,
        json!({"action": "subscribe", "symbol": "SBIN", "exchange": "NSE", "mode": 3}),
    )
    .await;
    assert_eq!(recv_type(&mut ws, "subscribe").await["status"], "success");
    let tick = recv_type(&mut ws, "market_data").await;
    assert_eq!(tick["data"]["depth"]["sell"].as_array().unwrap().len(), 5);
    // A plain GET is refused clearly.
    let plain = app
        .client
        .get(format!("{}/ws", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 400);
}
