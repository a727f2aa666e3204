//! Semi-auto mode and the Action Center through the server: queued answers for every queued
//! endpoint (exactly as the reference answers, in both modes), the refusals of modify, cancel
//! and close on the live account (and their absence in analyze mode), approval executing the
//! stored request through its endpoint once, rejection, deletion, approve-all in queue order,
//! an approval whose execution fails, idempotent queueing, webhook alerts queued, and the live
//! event stream of the page.

use std::time::Duration;

use serde_json::{Value, json};

use crate::dashboard::signed_in;
use crate::helpers::{TestApp, spawn_app};
use crate::webhooks::json_call;

fn order(symbol: &str, action: &str, quantity: u32) -> Value {
    json!({"strategy": "ac", "symbol": symbol, "exchange": "NSE", "action": action,
           "product": "MIS", "pricetype": "MARKET", "quantity": quantity.to_string()})
}

/// Approves pending order `id` from the page's script: the status and the JSON answer.
async fn approve(app: &TestApp, web: &reqwest::Client, token: &str, id: i64) -> (u16, Value) {
    json_call(
        app,
        web,
        token,
        reqwest::Method::POST,
        &format!("/action-center/approve/{id}"),
        None,
    )
    .await
}

async fn set_mode(app: &TestApp, web: &reqwest::Client, token: &str, mode: &str) {
    let (status, body) = json_call(
        app,
        web,
        token,
        reqwest::Method::POST,
        "/apikey/mode",
        Some(json!({"mode": mode})),
    )
    .await;
    assert_eq!((status, body["mode"].as_str()), (200, Some(mode)), "{body}");
}

async fn queue_data(app: &TestApp, web: &reqwest::Client, status: &str) -> Value {
    let r = web
        .get(format!(
            "{}/action-center/api/data?status={status}",
            app.address
        ))
        .send()
        .await
        .expect("data");
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.expect("json")["data"].clone()
}

async fn orders(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["orders"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn queued_id(body: &Value) -> i64 {
    assert_eq!(body["status"], "success", "{body}");
    assert_eq!(
        body["message"], "Order queued for approval in Action Center",
        "{body}"
    );
    assert_eq!(body["mode"], "semi_auto", "{body}");
    body["pending_order_id"].as_i64().expect("pending_order_id")
}

#[tokio::test]
async fn semi_auto_queues_new_orders_and_refuses_changes_on_the_live_account() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    // In auto mode an order runs at once and can be cancelled later.
    let resting = json!({"strategy": "ac", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
        "product": "MIS", "pricetype": "LIMIT", "price": "1", "quantity": "1"});
    let (status, placed) = app.post("placeorder", &app.with_key(resting)).await;
    assert_eq!(status, 200, "{placed}");
    let resting_id = placed["orderid"].as_str().expect("orderid").to_owned();
    set_mode(&app, &web, &token, "semi_auto").await;

    // Every queued endpoint answers with a pending-order id and places nothing.
    let before = orders(&app).await.len();
    let (status, body) = app
        .post("placeorder", &app.with_key(order("SBIN", "BUY", 5)))
        .await;
    assert_eq!(status, 200);
    let first = queued_id(&body);
    let mut smart = order("INFY", "BUY", 3);
    smart["position_size"] = json!("3");
    let leg = |symbol: &str, action: &str, quantity: u32| {
        let mut l = order(symbol, action, quantity);
        l.as_object_mut().map(|m| m.remove("strategy"));
        l
    };
    let basket =
        json!({"strategy": "ac", "orders": [leg("SBIN", "SELL", 1), leg("TCS", "BUY", 2)]});
    let mut split = order("SBIN", "BUY", 10);
    split["splitsize"] = json!("4");
    let gtt = json!({"strategy": "ac", "trigger_type": "SINGLE", "exchange": "NSE", "symbol": "SBIN",
        "action": "BUY", "product": "CNC", "quantity": 1, "pricetype": "MARKET", "price": 0,
        "triggerprice_sl": 1, "triggerprice_tg": 100000, "stoploss": null, "target": null});
    let mut ids = vec![first];
    for (endpoint, body) in [
        ("placesmartorder", smart),
        ("basketorder", basket),
        ("splitorder", split),
        ("placegttorder", gtt),
    ] {
        let (status, answer) = app.post(endpoint, &app.with_key(body)).await;
        assert_eq!(status, 200, "{endpoint}: {answer}");
        ids.push(queued_id(&answer));
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(orders(&app).await.len(), before, "nothing executed");
    let (_, gtts) = app.post("gttorderbook", &app.with_key(json!({}))).await;
    assert_eq!(gtts["data"].as_array().map(Vec::len), Some(0), "{gtts}");

    // Invalid payloads and bad keys are refused as before, not queued.
    let (status, _) = app
        .post("placeorder", &app.with_key(json!({"symbol": "SBIN"})))
        .await;
    assert_eq!(status, 400);
    let mut bad_key = order("SBIN", "BUY", 1);
    bad_key["apikey"] = json!("not-a-key");
    let (status, body) = app.post("placeorder", &bad_key).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("Invalid openalgo apikey"))
    );

    // Changes to the live account are refused with the reference's messages.
    let refusals = [
        (
            "cancelorder",
            json!({"strategy": "ac", "orderid": resting_id}),
            "Cancel order operation is not allowed in Semi-Auto mode. Please switch to Auto mode to cancel orders.",
        ),
        (
            "cancelallorder",
            json!({"strategy": "ac"}),
            "Cancel all orders operation is not allowed in Semi-Auto mode. Please switch to Auto mode to cancel orders.",
        ),
        (
            "closeposition",
            json!({"strategy": "ac"}),
            "Close position operation is not allowed in Semi-Auto mode. Please switch to Auto mode to close positions.",
        ),
        (
            "cancelgttorder",
            json!({"strategy": "ac", "trigger_id": "1"}),
            "Cancel GTT order is not allowed in Semi-Auto mode. Switch to Auto mode.",
        ),
    ];
    for (endpoint, body, message) in refusals {
        let (status, answer) = app.post(endpoint, &app.with_key(body)).await;
        assert_eq!(
            (status, answer),
            (403, json!({"status": "error", "message": message})),
            "{endpoint}"
        );
    }
    let mut modify = order("SBIN", "BUY", 2);
    modify["orderid"] = json!(resting_id);
    modify["pricetype"] = json!("LIMIT");
    modify["price"] = json!("2");
    modify["disclosed_quantity"] = json!("0");
    modify["trigger_price"] = json!("0");
    let (status, answer) = app.post("modifyorder", &app.with_key(modify)).await;
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("Modify order operation is not allowed in Semi-Auto mode")
    );
    // Read-only calls still run.
    let (status, _) = app
        .post(
            "orderstatus",
            &app.with_key(json!({"strategy": "ac", "orderid": resting_id})),
        )
        .await;
    assert_eq!(status, 200);

    // The Action Center lists them, newest first, with statistics.
    let data = queue_data(&app, &web, "pending").await;
    let listed: Vec<i64> = data["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| o["id"].as_i64().expect("id"))
        .collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(listed, newest_first);
    assert_eq!(data["statistics"]["total_pending"], 5);
    assert_eq!(data["order_mode"], "semi_auto");
    let row = &data["orders"][4];
    assert_eq!(
        (
            row["symbol"].as_str(),
            row["action"].as_str(),
            row["quantity"].as_str(),
            row["api_type"].as_str()
        ),
        (Some("SBIN"), Some("BUY"), Some("5"), Some("placeorder"))
    );
    assert!(
        row["order_data"].get("apikey").is_none(),
        "the key is never stored"
    );
    let count: Value = web
        .get(format!("{}/action-center/count", app.address))
        .send()
        .await
        .expect("count")
        .json()
        .await
        .expect("json");
    assert_eq!(count, json!({"count": 5}));

    // Approving executes the stored request once.
    let (status, approved) = approve(&app, &web, &token, first).await;
    assert_eq!(
        (status, approved["status"].as_str()),
        (200, Some("success")),
        "{approved}"
    );
    let order_id = approved["orderid"].as_str().expect("orderid").to_owned();
    let book = orders(&app).await;
    let placed = book
        .iter()
        .find(|o| o["orderid"] == order_id.as_str())
        .expect("in the book");
    assert_eq!(
        (placed["symbol"].as_str(), placed["quantity"].as_i64()),
        (Some("SBIN"), Some(5)),
        "{placed}"
    );
    let (status, again) = approve(&app, &web, &token, first).await;
    assert_eq!(
        (status, again["status"].as_str()),
        (400, Some("error")),
        "{again}"
    );
    assert_eq!(orders(&app).await.len(), book.len(), "no second execution");

    // Rejecting keeps the reason; only decided rows can be deleted.
    let (status, _) = json_call(
        &app,
        &web,
        &token,
        reqwest::Method::POST,
        &format!("/action-center/reject/{}", ids[1]),
        Some(json!({"reason": "too late"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = json_call(
        &app,
        &web,
        &token,
        reqwest::Method::DELETE,
        &format!("/action-center/delete/{}", ids[2]),
        None,
    )
    .await;
    assert_eq!(status, 400, "a pending order cannot be deleted");
    let rejected = queue_data(&app, &web, "rejected").await;
    assert_eq!(rejected["orders"][0]["rejected_reason"], "too late");
    let (status, _) = json_call(
        &app,
        &web,
        &token,
        reqwest::Method::DELETE,
        &format!("/action-center/delete/{}", ids[1]),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        queue_data(&app, &web, "rejected").await["orders"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );

    // Approve all: the rest, oldest first; a change without the CSRF header is refused.
    let r = web
        .post(format!("{}/action-center/approve-all", app.address))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let (status, all) = json_call(
        &app,
        &web,
        &token,
        reqwest::Method::POST,
        "/action-center/approve-all",
        None,
    )
    .await;
    assert_eq!(status, 200, "{all}");
    let done: Vec<i64> = all["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["pending_order_id"].as_i64().expect("id"))
        .collect();
    assert_eq!(done, ids[2..].to_vec(), "{all}");
    assert!(
        all["results"]
            .as_array()
            .expect("results")
            .iter()
            .all(|r| r["status"] == "success"),
        "{all}"
    );
    let (_, gtts) = app.post("gttorderbook", &app.with_key(json!({}))).await;
    assert_eq!(
        gtts["data"].as_array().map(Vec::len),
        Some(1),
        "the GTT was placed: {gtts}"
    );
    let approved = queue_data(&app, &web, "approved").await;
    assert_eq!(approved["statistics"]["total_approved"], 4);
    assert_eq!(approved["statistics"]["total_pending"], 0);
    assert!(
        approved["orders"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["broker_status"] == "success")
    );

    // Back to auto: orders run at once again.
    set_mode(&app, &web, &token, "auto").await;
    let (status, body) = app
        .post("placeorder", &app.with_key(order("SBIN", "BUY", 1)))
        .await;
    assert_eq!(status, 200);
    assert!(body["orderid"].is_string(), "{body}");
}

#[tokio::test]
async fn analyze_mode_still_queues_but_does_not_refuse_and_a_failed_execution_is_a_warning() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let (status, _) = app
        .post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    assert_eq!(status, 200);
    let resting = json!({"strategy": "ac", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
        "product": "MIS", "pricetype": "LIMIT", "price": "1", "quantity": "1"});
    let (_, placed) = app.post("placeorder", &app.with_key(resting)).await;
    let resting_id = placed["orderid"].as_str().expect("orderid").to_owned();
    set_mode(&app, &web, &token, "semi_auto").await;
    // The queued answer names semi_auto, not analyze.
    let (status, body) = app
        .post("placeorder", &app.with_key(order("SBIN", "BUY", 2)))
        .await;
    assert_eq!(status, 200);
    let id = queued_id(&body);
    // The analyzer account may still cancel.
    let (status, body) = app
        .post(
            "cancelorder",
            &app.with_key(json!({"strategy": "ac", "orderid": resting_id})),
        )
        .await;
    assert_eq!(
        (status, body["mode"].as_str()),
        (200, Some("analyze")),
        "{body}"
    );

    // An approval whose execution the risk rules refuse: approved, with a warning and the reason.
    let (status, _) = app
        .post(
            "risk/killswitch",
            &app.with_key(json!({"engage": true, "reason": "halt"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, approved) = approve(&app, &web, &token, id).await;
    assert_eq!(
        (status, approved["status"].as_str()),
        (200, Some("warning")),
        "{approved}"
    );
    assert!(
        approved["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("Order approved but execution failed"),
        "{approved}"
    );
    let row = &queue_data(&app, &web, "approved").await["orders"][0];
    assert_eq!(row["id"], id);
    assert!(
        row["broker_status"].as_str().unwrap_or("").contains("halt"),
        "{row}"
    );
    assert!(row["broker_order_id"].is_null());
}

#[tokio::test]
async fn a_keyed_retry_replays_the_queued_answer_and_the_page_hears_of_every_change() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    set_mode(&app, &web, &token, "semi_auto").await;
    let mut events = web
        .get(format!("{}/action-center/events", app.address))
        .send()
        .await
        .expect("events");
    assert_eq!(events.status(), 200);
    assert!(
        events.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/event-stream")
    );

    let send = || {
        app.client
            .post(format!("{}/api/v1/placeorder", app.address))
            .header("Idempotency-Key", "alert-1")
            .json(&app.with_key(order("SBIN", "BUY", 1)))
            .send()
    };
    let first: Value = send().await.expect("first").json().await.expect("json");
    let again = send().await.expect("again");
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap_or("")),
        Some("true")
    );
    let again: Value = again.json().await.expect("json");
    assert_eq!(first, again);
    let id = queued_id(&first);
    assert_eq!(
        queue_data(&app, &web, "pending").await["statistics"]["total_pending"],
        1
    );

    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains("event: pending_order_created") {
        let chunk = tokio::time::timeout_at(deadline, events.chunk())
            .await
            .expect("an event in time");
        seen.push_str(&String::from_utf8_lossy(
            &chunk.expect("open").expect("bytes"),
        ));
    }
    assert!(
        seen.contains(&format!("\"pending_order_id\":{id}")),
        "{seen}"
    );
    let (status, _) = json_call(
        &app,
        &web,
        &token,
        reqwest::Method::POST,
        &format!("/action-center/reject/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    while !seen.contains("event: pending_order_updated") {
        let chunk = tokio::time::timeout_at(deadline, events.chunk())
            .await
            .expect("an update in time");
        seen.push_str(&String::from_utf8_lossy(
            &chunk.expect("open").expect("bytes"),
        ));
    }
    let row = &queue_data(&app, &web, "rejected").await["orders"][0];
    assert_eq!(row["rejected_reason"], "No reason provided");
}

#[tokio::test]
async fn webhook_alerts_wait_for_approval_in_semi_auto_mode() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let (status, made) = json_call(
        &app,
        &web,
        &token,
        reqwest::Method::POST,
        "/strategy/api/strategy",
        Some(
            json!({"platform": "tradingview", "name": "Semi Hook", "trading_mode": "BOTH",
                    "strategy_type": "positional"}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{made}");
    let sid = made["data"]["id"].as_i64().expect("id");
    let (status, mapped) = json_call(
        &app,
        &web,
        &token,
        reqwest::Method::POST,
        &format!("/strategy/api/strategy/{sid}/symbols"),
        Some(json!({"bulk": "SBIN,NSE,10,MIS"})),
    )
    .await;
    assert_eq!(status, 200, "{mapped}");
    let url = mapped["data"]["webhook_url"]
        .as_str()
        .expect("url")
        .to_owned();
    let path = url
        .split_once("/strategy/")
        .map(|(_, p)| p)
        .expect("path")
        .to_owned();
    set_mode(&app, &web, &token, "semi_auto").await;
    let before = orders(&app).await.len();
    let r = reqwest::Client::new()
        .post(format!("{}/strategy/{path}", app.address))
        .json(&json!({"symbol": "SBIN", "action": "BUY", "position_size": "10"}))
        .send()
        .await
        .expect("alert");
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.expect("json");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or("")
            .contains("queued for approval"),
        "{answer}"
    );
    assert_eq!(orders(&app).await.len(), before);
    let row = queue_data(&app, &web, "pending").await["orders"][0].clone();
    assert_eq!(
        (row["api_type"].as_str(), row["strategy"].as_str()),
        (Some("placesmartorder"), Some("Semi Hook")),
        "{row}"
    );
    let (status, approved) = approve(&app, &web, &token, row["id"].as_i64().expect("id")).await;
    assert_eq!(
        (status, approved["status"].as_str()),
        (200, Some("success")),
        "{approved}"
    );
    let (_, positions) = app.post("positionbook", &app.with_key(json!({}))).await;
    let net: i64 = positions["data"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|p| p["symbol"] == "SBIN")
        .map(|p| p["quantity"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(net, 10, "{positions}");
}

#[tokio::test]
async fn queued_option_orders_resolve_their_contract_when_approved() {
    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let expiry = crate::options::nifty_expiry(&app).await;
    set_mode(&app, &web, &token, "semi_auto").await;
    let single = json!({"strategy": "opt", "underlying": "NIFTY", "exchange": "NSE_INDEX",
        "expiry_date": expiry, "offset": "ATM", "option_type": "CE", "action": "BUY",
        "quantity": "75", "pricetype": "MARKET", "product": "MIS"});
    let multi = json!({"strategy": "opt", "underlying": "NIFTY", "exchange": "NSE_INDEX",
        "expiry_date": expiry, "legs": [
            {"offset": "OTM1", "option_type": "CE", "action": "SELL", "quantity": 75},
            {"offset": "OTM1", "option_type": "PE", "action": "SELL", "quantity": 75}]});
    let (status, a) = app.post("optionsorder", &app.with_key(single)).await;
    assert_eq!(status, 200, "{a}");
    let (status, b) = app.post("optionsmultiorder", &app.with_key(multi)).await;
    assert_eq!(status, 200, "{b}");
    let (a, b) = (queued_id(&a), queued_id(&b));
    let data = queue_data(&app, &web, "pending").await;
    assert_eq!(data["orders"][1]["symbol"], "NIFTY");
    assert_eq!(data["orders"][0]["symbol"], "NIFTY +1");
    assert_eq!(data["orders"][0]["action"], "SELL");
    assert_eq!(data["orders"][0]["quantity"], "150");
    for id in [a, b] {
        let (status, approved) = approve(&app, &web, &token, id).await;
        assert_eq!(
            (status, approved["status"].as_str()),
            (200, Some("success")),
            "{approved}"
        );
    }
    let single = &approved_row(&app, &web, a).await;
    let multi = &approved_row(&app, &web, b).await;
    assert_eq!(
        single["broker_order_id"]
            .as_str()
            .map(|s| s.split(',').count()),
        Some(1),
        "{single}"
    );
    assert_eq!(
        multi["broker_order_id"]
            .as_str()
            .map(|s| s.split(',').count()),
        Some(2),
        "{multi}"
    );
    let book = orders(&app).await;
    assert!(
        book.iter().any(|o| o["symbol"]
            .as_str()
            .is_some_and(|s| s.starts_with("NIFTY") && s.ends_with("CE"))),
        "{book:?}"
    );
}

async fn approved_row(app: &TestApp, web: &reqwest::Client, id: i64) -> Value {
    queue_data(app, web, "approved").await["orders"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .expect("approved row")
}
