//! Webhook strategies through the server: created and mapped from the dashboard's JSON API,
//! alerts from TradingView (LONG, BOTH) and Chartink (JSON and form) placing orders through
//! the order service within the strategy's window, unknown and disabled webhooks answering
//! 404 alike, the alert log, and the scheduled intraday square-off.

use std::time::Duration;

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::dashboard::signed_in;
use crate::helpers::{TestApp, spawn_app};

fn ist(h: u32, m: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 24)
        .and_then(|d| d.and_hms_opt(h, m, 0))
        .expect("time")
}

pub(crate) async fn json_call(
    app: &TestApp,
    web: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = web
        .request(method, format!("{}{path}", app.address))
        .header("X-CSRF-Token", token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json"))
}

async fn create(
    app: &TestApp,
    web: &reqwest::Client,
    token: &str,
    body: Value,
    bulk: &str,
) -> Value {
    let (status, made) = json_call(
        app,
        web,
        token,
        reqwest::Method::POST,
        "/strategy/api/strategy",
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{made}");
    let id = made["data"]["id"].as_i64().expect("id");
    let (status, mapped) = json_call(
        app,
        web,
        token,
        reqwest::Method::POST,
        &format!("/strategy/api/strategy/{id}/symbols"),
        Some(json!({"bulk": bulk})),
    )
    .await;
    assert_eq!(status, 200, "{mapped}");
    mapped["data"].clone()
}

async fn alert(app: &TestApp, url: &str, body: Value) -> (u16, Value) {
    let path = url.split_once("://").map_or(url, |(_, rest)| {
        rest.split_once('/').map_or(rest, |(_, p)| p)
    });
    let r = reqwest::Client::new()
        .post(format!("{}/{path}", app.address))
        .json(&body)
        .send()
        .await
        .expect("alert");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json"))
}

async fn net(app: &TestApp, symbol: &str) -> i64 {
    let (_, positions) = app.post("positionbook", &app.with_key(json!({}))).await;
    positions["data"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|p| p["symbol"] == symbol)
        .map(|p| p["quantity"].as_i64().unwrap_or(0))
        .sum()
}

#[tokio::test]
async fn a_long_strategy_enters_exits_within_its_window_and_logs_every_alert() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    // Invalid strategies are refused with the rule.
    let (status, refused) = json_call(
        &app,
        &web,
        &token,
        reqwest::Method::POST,
        "/strategy/api/strategy",
        Some(json!({"platform": "tradingview", "name": "x", "trading_mode": "LONG"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("Strategy name must be"),
        "{refused}"
    );
    let (status, refused) = json_call(&app, &web, &token, reqwest::Method::POST, "/strategy/api/strategy",
        Some(json!({"platform": "tradingview", "name": "Late", "trading_mode": "LONG", "start_time": "15:00", "end_time": "14:00"}))).await;
    assert_eq!(status, 400, "{refused}");

    let s = create(&app, &web, &token, json!({"platform": "tradingview", "name": "TV Breakout", "trading_mode": "LONG",
        "strategy_type": "intraday", "start_time": "09:30", "end_time": "14:30", "squareoff_time": "15:10"}),
        "SBIN,NSE,10,MIS\nRELIANCE,NSE,5,MIS").await;
    let url = s["webhook_url"].as_str().expect("url").to_owned();
    let hook = url.rsplit('/').next().expect("id");
    assert_eq!(hook.len(), 32, "128 random bits");
    assert_eq!(
        s["alert_examples"]["tradingview"]["action"],
        "{{strategy.order.action}}"
    );
    assert!(
        !s.to_string().contains(&app.api_key),
        "no API key in the alert examples"
    );

    // 10:00: a BUY enters with the mapped quantity, tagged with the strategy's name.
    let (status, answer) = alert(&app, &url, json!({"symbol": "SBIN", "action": "BUY"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(net(&app, "SBIN").await, 10);
    let (_, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert!(
        book["data"]["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .any(|o| o["strategy"] == "TV Breakout"),
        "{book}"
    );
    // Outside the entry window the alert is refused and nothing is placed.
    app.clock.set_ist(ist(14, 45));
    let (status, answer) = alert(&app, &url, json!({"symbol": "SBIN", "action": "BUY"})).await;
    assert_eq!(
        (status, answer["message"].as_str()),
        (
            400,
            Some("Entries are allowed between 09:30:00 and 14:30:00 (IST)")
        )
    );
    assert_eq!(net(&app, "SBIN").await, 10);
    // An exit is still allowed before the square-off: SELL flattens.
    let (status, answer) = alert(&app, &url, json!({"symbol": "SBIN", "action": "SELL"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(net(&app, "SBIN").await, 0);
    let (status, answer) = alert(&app, &url, json!({"symbol": "INFY", "action": "BUY"})).await;
    assert_eq!(
        (status, answer["message"].as_str()),
        (400, Some("Symbol INFY is not configured for this strategy"))
    );

    // Unknown, malformed and disabled webhooks answer alike.
    for bad in [
        format!("{}/strategy/webhook/{}", app.address, "0".repeat(32)),
        format!("{}/strategy/webhook/nope", app.address),
    ] {
        let r = reqwest::Client::new()
            .post(&bad)
            .json(&json!({"symbol": "SBIN", "action": "BUY"}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 404);
    }
    let id = s["id"].as_i64().expect("id");
    let (status, _) = json_call(
        &app,
        &web,
        &token,
        reqwest::Method::POST,
        &format!("/strategy/api/strategy/{id}/toggle"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, answer) = alert(&app, &url, json!({"symbol": "SBIN", "action": "BUY"})).await;
    assert_eq!(
        (status, answer),
        (
            404,
            json!({"status": "error", "message": "Invalid webhook ID"})
        )
    );
    // A malformed body and an oversized one.
    json_call(
        &app,
        &web,
        &token,
        reqwest::Method::POST,
        &format!("/strategy/api/strategy/{id}/toggle"),
        None,
    )
    .await;
    let r = reqwest::Client::new()
        .post(&url)
        .body("not json")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let r = reqwest::Client::new()
        .post(&url)
        .body(vec![b' '; 20_000])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 413);

    // The alert log has every alert with its outcome, newest first (it is written just after
    // the answer).
    let mut read = Value::Null;
    for _ in 0..50 {
        let (status, now) = json_call(
            &app,
            &web,
            &token,
            reqwest::Method::GET,
            &format!("/strategy/api/strategy/{id}"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        read = now;
        if read["data"]["alerts"]
            .as_array()
            .is_some_and(|a| a.len() >= 4)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let alerts = read["data"]["alerts"].as_array().expect("alerts");
    assert_eq!(alerts.len(), 4, "{alerts:?}");
    assert_eq!(alerts[3]["ok"], true);
    assert!(
        alerts[3]["outcome"]
            .as_str()
            .unwrap_or("")
            .contains("order "),
        "{alerts:?}"
    );
    assert_eq!(alerts[2]["ok"], false);
    // Signed-out callers cannot manage strategies; a change needs the CSRF header.
    let r = reqwest::Client::new()
        .get(format!("{}/strategy/api/strategies", app.address))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 401);
    let (status, _) = json_call(
        &app,
        &web,
        "wrong",
        reqwest::Method::DELETE,
        &format!("/strategy/api/strategy/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = json_call(
        &app,
        &web,
        &token,
        reqwest::Method::DELETE,
        &format!("/strategy/api/strategy/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = alert(&app, &url, json!({"symbol": "SBIN", "action": "BUY"})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn both_mode_targets_positions_and_chartink_scans_place_per_stock() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let both = create(
        &app,
        &web,
        &token,
        json!({"platform": "amibroker", "name": "AB both", "trading_mode": "BOTH",
        "strategy_type": "positional"}),
        "SBIN,NSE,10,MIS",
    )
    .await;
    let url = both["webhook_url"].as_str().expect("url").to_owned();
    let (status, answer) = alert(
        &app,
        &url,
        json!({"symbol": "SBIN", "action": "SELL", "position_size": "-20"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(net(&app, "SBIN").await, -20);
    let (status, answer) = alert(
        &app,
        &url,
        json!({"symbol": "SBIN", "action": "BUY", "position_size": 10}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(net(&app, "SBIN").await, 10);
    let (status, answer) = alert(&app, &url, json!({"symbol": "SBIN", "action": "BUY"})).await;
    assert_eq!(
        (status, answer["message"].as_str()),
        (400, Some("position_size is required for a BOTH strategy"))
    );

    let scan = create(&app, &web, &token, json!({"platform": "chartink", "name": "Momentum scan",
        "strategy_type": "intraday", "start_time": "09:20", "end_time": "15:00", "squareoff_time": "15:15"}),
        "RELIANCE,NSE,3,MIS\nWIPRO,NSE,7,MIS").await;
    let url = scan["webhook_url"].as_str().expect("url").to_owned();
    assert!(url.contains("/chartink/webhook/"), "{url}");
    let (status, answer) = alert(
        &app,
        &url,
        json!({"stocks": "RELIANCE,WIPRO,INFY", "trigger_prices": "1,2,3",
        "scan_name": "Intraday BUY breakout", "triggered_at": "10:00 am"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "success");
    assert_eq!(answer["skipped"], json!(["INFY"]));
    assert_eq!(
        (net(&app, "RELIANCE").await, net(&app, "WIPRO").await),
        (3, 7)
    );
    // Chartink's form encoding; SELL flattens the long side.
    let r = reqwest::Client::new()
        .post(&url)
        .form(&[
            ("stocks", "RELIANCE"),
            ("trigger_prices", "1"),
            ("scan_name", "sell on weakness"),
        ])
        .send()
        .await
        .expect("form");
    assert_eq!(r.status(), 200);
    assert_eq!(net(&app, "RELIANCE").await, 0);
    let (status, answer) = alert(
        &app,
        &url,
        json!({"stocks": "RELIANCE", "scan_name": "momentum"}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    // A TradingView alert to a Chartink webhook is not found (and vice versa).
    let wrong = url.replace("/chartink/", "/strategy/");
    assert_eq!(
        alert(&app, &wrong, json!({"symbol": "WIPRO", "action": "BUY"}))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn the_intraday_square_off_flattens_every_mapping_once() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let s = create(&app, &web, &token, json!({"platform": "tradingview", "name": "Square me", "trading_mode": "SHORT",
        "strategy_type": "intraday", "start_time": "09:15", "end_time": "15:00", "squareoff_time": "15:15"}),
        "SBIN,NSE,10,MIS\nWIPRO,NSE,4,MIS").await;
    let url = s["webhook_url"].as_str().expect("url").to_owned();
    for symbol in ["SBIN", "WIPRO"] {
        let (status, answer) = alert(&app, &url, json!({"symbol": symbol, "action": "SELL"})).await;
        assert_eq!(status, 200, "{answer}");
    }
    assert_eq!(
        (net(&app, "SBIN").await, net(&app, "WIPRO").await),
        (-10, -4)
    );
    app.clock.set_ist(ist(15, 15));
    let mut flat = false;
    for _ in 0..100 {
        if net(&app, "SBIN").await == 0 && net(&app, "WIPRO").await == 0 {
            flat = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(flat, "squared off");
    let id = s["id"].as_i64().expect("id");
    let (_, read) = json_call(
        &app,
        &web,
        &token,
        reqwest::Method::GET,
        &format!("/strategy/api/strategy/{id}"),
        None,
    )
    .await;
    let alerts = read["data"]["alerts"].as_array().expect("alerts");
    assert_eq!(alerts[0]["payload"], "scheduled square-off at 15:15");
    assert_eq!(alerts[0]["ok"], true, "{alerts:?}");
    // Once a day: a new short after the square-off is not flattened again today.
    app.clock.set_ist(ist(15, 16));
    // (exits are closed after the square-off; an entry after the end time is refused too)
    let (status, _) = alert(&app, &url, json!({"symbol": "SBIN", "action": "SELL"})).await;
    assert_eq!(status, 400);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (_, read) = json_call(
        &app,
        &web,
        &token,
        reqwest::Method::GET,
        &format!("/strategy/api/strategy/{id}"),
        None,
    )
    .await;
    let squareoffs = read["data"]["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .filter(|a| a["payload"] == "scheduled square-off at 15:15")
        .count();
    assert_eq!(squareoffs, 1);
}

#[tokio::test]
async fn the_strategy_pages_create_map_switch_and_delete() {
    use crate::dashboard::{post, text};

    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let r = post(
        &app,
        &web,
        "/strategy/new",
        &[
            ("csrf_token", &token),
            ("name", "Page <made>"),
            ("platform", "tradingview"),
            ("trading_mode", "LONG"),
            ("strategy_type", "intraday"),
            ("start_time", "09:15"),
            ("end_time", "15:00"),
            ("squareoff_time", "15:15"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(
        text(&app, &web, "/strategy")
            .await
            .contains("Strategy name must be"),
        "an invalid name is refused"
    );
    let r = post(
        &app,
        &web,
        "/strategy/new",
        &[
            ("csrf_token", &token),
            ("name", "Page made"),
            ("platform", "gocharting"),
            ("trading_mode", "LONG"),
            ("strategy_type", "positional"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let detail = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(detail.starts_with("/strategy/"), "{detail}");
    let r = post(
        &app,
        &web,
        &format!("{detail}/symbols"),
        &[
            ("csrf_token", &token),
            ("bulk", "SBIN,NSE,2,MIS\nNOPE,NSE,1,MIS"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(
        text(&app, &web, &detail)
            .await
            .contains("Symbol NOPE not found on NSE"),
        "one bad line saves nothing"
    );
    post(
        &app,
        &web,
        &format!("{detail}/symbols"),
        &[("csrf_token", &token), ("bulk", "SBIN,NSE,2,MIS")],
    )
    .await;
    let page = text(&app, &web, &detail).await;
    assert!(
        page.contains("Symbols saved") && page.contains("<td>SBIN</td>"),
        "{page}"
    );
    let start =
        page.find(r#"<code id="webhook-url">"#).expect("url") + r#"<code id="webhook-url">"#.len();
    let url = page[start..start + page[start..].find('<').expect("end")].to_owned();
    assert!(page.contains(r#"id="alert-gocharting""#), "{page}");
    let (status, answer) = alert(&app, &url, json!({"symbol": "SBIN", "action": "BUY"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(net(&app, "SBIN").await, 2);
    let mut logged = false;
    for _ in 0..50 {
        if text(&app, &web, &detail)
            .await
            .contains("BUY 2 NSE:SBIN MIS: order ")
        {
            logged = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(logged, "the alert log");
    post(
        &app,
        &web,
        &format!("{detail}/toggle"),
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(
        alert(&app, &url, json!({"symbol": "SBIN", "action": "BUY"}))
            .await
            .0,
        404
    );
    post(
        &app,
        &web,
        &format!("{detail}/delete"),
        &[("csrf_token", &token)],
    )
    .await;
    assert!(!text(&app, &web, "/strategy").await.contains("Page made"));
}
