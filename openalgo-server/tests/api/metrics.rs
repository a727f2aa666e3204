//! `GET /metrics`: a strict Prometheus text parser reads it; counters move after requests
//! (HTTP by route pattern, orders by outcome, broker calls, WebSocket messages, journal
//! commits); raw paths never become labels; the allow-list and the token refuse with a 403
//! JSON error.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use std::sync::Arc;

use openalgo_server::store::{SqliteStore, Store};

use crate::helpers::{Options, TestApp, spawn_app};
use crate::prometheus::{Exposition, parse};

async fn scrape(app: &TestApp) -> (Exposition, String) {
    let r = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = r.text().await.expect("body");
    let parsed = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    (parsed, text)
}

fn order(app: &TestApp) -> Value {
    app.with_key(json!({
        "strategy": "metrics", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
        "quantity": "1", "pricetype": "MARKET", "product": "MIS"
    }))
}

#[tokio::test]
async fn metrics_parse_strictly_and_counters_move_after_requests() {
    let app = spawn_app().await;
    let (before, _) = scrape(&app).await;
    let ping = [
        ("route", "/api/v1/ping"),
        ("method", "POST"),
        ("status", "200"),
    ];
    let placed = [
        ("endpoint", "placeorder"),
        ("mode", "live"),
        ("outcome", "accepted"),
    ];
    let refused = [
        ("endpoint", "placeorder"),
        ("mode", "live"),
        ("outcome", "refused"),
    ];

    let (status, _) = app.post("ping", &app.with_key(json!({}))).await;
    assert_eq!(status, 200);
    let (status, body) = app.post("placeorder", &order(&app)).await;
    assert_eq!(status, 200, "{body}");
    let mut bad = order(&app);
    bad["quantity"] = json!("-3");
    let (status, _) = app.post("placeorder", &bad).await;
    assert_eq!(status, 400);
    // A path with something secret-looking in it, matching no route.
    let secret = "deadbeefcafe0123456789feedface42";
    let (status, _) = app.get(&format!("/nowhere/{secret}")).await;
    assert_eq!(status, 404);

    let (after, text) = scrape(&app).await;
    let moved =
        |name: &str, labels: &[(&str, &str)]| after.sum(name, labels) - before.sum(name, labels);
    assert!(
        moved("openalgo_http_requests_total", &ping) >= 1.0,
        "{text}"
    );
    assert!(
        moved(
            "openalgo_http_request_duration_seconds_count",
            &[("route", "/api/v1/ping")]
        ) >= 1.0
    );
    assert!(moved("openalgo_orders_total", &placed) >= 1.0, "{text}");
    assert!(moved("openalgo_orders_total", &refused) >= 1.0, "{text}");
    assert!(
        moved(
            "openalgo_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ) >= 1.0,
        "{text}"
    );
    // The MARKET order priced through the market broker's quote (the paper account itself is
    // not a timed broker).
    assert!(
        moved("openalgo_broker_call_duration_seconds_count", &[]) >= 1.0,
        "{text}"
    );
    assert!(moved("openalgo_journal_commit_duration_seconds_count", &[]) >= 1.0);
    assert!(moved("openalgo_journal_jobs_committed_total", &[]) >= 1.0);
    // Labels are route patterns: no raw path, no API key.
    assert!(!text.contains(secret));
    assert!(!text.contains("/nowhere"));
    assert!(!text.contains(&app.api_key));
    for (_, labels) in after.samples.keys() {
        if let Some(route) = labels.get("route") {
            assert!(
                route == "unmatched" || route.starts_with('/'),
                "route label {route}"
            );
        }
    }
}

#[tokio::test]
async fn websocket_clients_and_messages_are_counted() {
    let app = spawn_app().await;
    let (before, _) = scrape(&app).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{}any", app.ws))
        .await
        .expect("connect");
    ws.send(Message::text(
        json!({"action": "authenticate", "api_key": app.api_key}).to_string(),
    ))
    .await
    .expect("send");
    // The reply is queued before it is read, so it is counted by now.
    let reply = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next())
        .await
        .expect("a reply")
        .expect("open")
        .expect("frame");
    assert!(reply.is_text());
    let (during, text) = scrape(&app).await;
    assert!(
        during.sum("openalgo_websocket_clients", &[]) >= 1.0,
        "{text}"
    );
    let moved =
        |name: &str, labels: &[(&str, &str)]| during.sum(name, labels) - before.sum(name, labels);
    assert!(moved("openalgo_websocket_messages_received_total", &[]) >= 1.0);
    assert!(
        moved(
            "openalgo_websocket_messages_sent_total",
            &[("kind", "reply")]
        ) >= 1.0
    );
}

async fn spawn_with(options: Options) -> TestApp {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    crate::helpers::spawn_with(store, None, options).await.0
}

async fn get_metrics(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut req = app.client.get(format!("{}/metrics", app.address));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("request");
    (r.status().as_u16(), r.text().await.expect("body"))
}

fn access(
    pairs: &'static [(&'static str, &'static str)],
) -> openalgo_server::metrics::MetricsAccess {
    openalgo_server::metrics::MetricsAccess::from_vars(&|n: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| (*v).to_owned())
    })
    .expect("access")
}

#[tokio::test]
async fn the_allow_list_and_the_token_refuse_with_a_403_json_error() {
    const TOKEN: &str = "metrics-token-0123456789";
    // The test client comes from 127.0.0.1, outside this allow-list.
    let app = spawn_with(Options {
        metrics: access(&[("METRICS_ALLOW", "10.0.0.0/8"), ("METRICS_TOKEN", TOKEN)]),
        ..Options::default()
    })
    .await;
    for token in [None, Some("metrics-token-wrong-000000")] {
        let (status, body) = get_metrics(&app, token).await;
        assert_eq!(status, 403, "{body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(v["status"], "error");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(!body.contains("openalgo_"));
    }
    let (status, body) = get_metrics(&app, Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert!(parse(&body).is_ok());

    // Allowed by address (loopback is on this list), no token configured.
    let open = spawn_with(Options {
        metrics: access(&[("METRICS_ALLOW", "127.0.0.1")]),
        ..Options::default()
    })
    .await;
    assert_eq!(get_metrics(&open, None).await.0, 200);
    // `none` allows no address: without a token nobody reads.
    let closed = spawn_with(Options {
        metrics: access(&[("METRICS_ALLOW", "none")]),
        ..Options::default()
    })
    .await;
    assert_eq!(get_metrics(&closed, None).await.0, 403);
}
