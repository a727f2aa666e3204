//! The risk engine through the server: the API's kill switch and limits, the orders-per-second
//! cap's 429, the max-daily-loss monitor tripping (and flattening) an account, and risk state
//! surviving a restart.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use openalgo_server::store::{SqliteStore, Store};
use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, spawn_app, spawn_on, spawn_with};

fn order(symbol: &str, exchange: &str, action: &str, quantity: u64) -> Value {
    json!({"strategy": "Risk", "symbol": symbol, "exchange": exchange, "action": action,
           "quantity": quantity, "product": "MIS", "pricetype": "MARKET"})
}

async fn risk(app: &TestApp) -> Value {
    let (status, body) = app.post("risk", &app.with_key(json!({}))).await;
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn the_kill_switch_refuses_new_orders_lets_closing_through_and_survives_a_restart() {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let (app, handle) = spawn_on(Arc::clone(&store), None).await;
    let before = risk(&app).await;
    assert_eq!(before["mode"], "live");
    assert_eq!(before["live"]["kill_switch"]["engaged"], false);
    assert_eq!(
        before["live"]["limits"]["orders_per_second"], 0,
        "the simulator's orders reach no exchange: no cap unless RISK_ORDERS_PER_SECOND says so"
    );
    assert_eq!(
        before["analyze"]["limits"]["orders_per_second"], 0,
        "off for the analyzer"
    );

    let (status, body) = app
        .post("placeorder", &app.with_key(order("SBIN", "NSE", "BUY", 5)))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            "risk/killswitch",
            &app.with_key(json!({"engage": true, "reason": "desk halt"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["kill_switch"]["engaged"], true);
    assert_eq!(body["data"]["kill_switch"]["reason"], "desk halt");
    assert_eq!(body["data"]["kill_switch"]["automatic"], false);

    let (status, body) = app
        .post("placeorder", &app.with_key(order("INFY", "NSE", "BUY", 1)))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body,
        json!({"status": "error", "message": "Risk: kill switch is on (desk halt); new orders are refused until it is released"})
    );
    // Smart orders go through the same gate.
    let smart = json!({"strategy": "Risk", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
                       "quantity": 1, "position_size": 20, "product": "MIS", "pricetype": "MARKET"});
    let (status, _) = app.post("placesmartorder", &app.with_key(smart)).await;
    assert_eq!(status, 403);

    // The kill switch is saved: a restart keeps it.
    handle.stop(true).await;
    let (app, handle) = spawn_on(Arc::clone(&store), Some(app.api_key.clone())).await;
    assert_eq!(
        risk(&app).await["live"]["kill_switch"]["reason"],
        "desk halt"
    );
    let (status, _) = app
        .post("placeorder", &app.with_key(order("SBIN", "NSE", "BUY", 1)))
        .await;
    assert_eq!(status, 403);
    // Closing is never refused.
    let (status, body) = app
        .post("closeposition", &app.with_key(json!({"strategy": "Risk"})))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, positions) = app.post("positionbook", &app.with_key(json!({}))).await;
    let sbin: Vec<&Value> = positions["data"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|p| p["symbol"] == "SBIN")
        .collect();
    assert!(sbin.iter().all(|p| p["quantity"] == 0), "{positions}");

    let (status, body) = app
        .post("risk/killswitch", &app.with_key(json!({"engage": false})))
        .await;
    assert_eq!(
        (status, body["data"]["kill_switch"]["engaged"].clone()),
        (200, json!(false))
    );
    let (status, body) = app
        .post("placeorder", &app.with_key(order("SBIN", "NSE", "BUY", 1)))
        .await;
    assert_eq!(status, 200, "{body}");
    handle.stop(true).await;
}

#[tokio::test]
async fn limits_are_set_per_account_validated_and_refuse_with_the_analyzer_marker() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "risk/limits",
            &app.with_key(json!({"max_order_value": -5, "orders_per_second": "x"})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"]["max_order_value"].is_array(), "{body}");
    assert!(body["message"]["orders_per_second"].is_array(), "{body}");

    let (status, body) = app
        .post(
            "risk/limits",
            &app.with_key(json!({
                "account": "analyze", "max_order_quantity": 50, "max_open_positions": 1,
                "symbol_limits": [{"symbol": "WIPRO", "exchange": "NSE", "max_order_quantity": 5000}]
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["account"], "analyze");
    assert_eq!(body["data"]["limits"]["max_order_quantity"], 50);
    assert_eq!(
        body["data"]["limits"]["symbol_limits"][0]["symbol"],
        "WIPRO"
    );
    // The live account is untouched.
    assert_eq!(
        risk(&app).await["live"]["limits"]["max_order_quantity"],
        Value::Null
    );

    let (status, _) = app
        .post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post("placeorder", &app.with_key(order("SBIN", "NSE", "BUY", 51)))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["mode"], "analyze");
    assert_eq!(
        body["message"],
        "Risk: order quantity 51 for NSE:SBIN exceeds the max order quantity 50"
    );
    // The per-symbol limit overrides the account-wide one; then a second position is refused.
    let (status, body) = app
        .post(
            "placeorder",
            &app.with_key(order("WIPRO", "NSE", "BUY", 1000)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post("placeorder", &app.with_key(order("SBIN", "NSE", "BUY", 10)))
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("max open positions is 1"),
        "{body}"
    );
    // 0 turns a rule off.
    let (status, _) = app
        .post(
            "risk/limits",
            &app.with_key(json!({"account": "analyze", "max_open_positions": 0})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post("placeorder", &app.with_key(order("SBIN", "NSE", "BUY", 10)))
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_orders_per_second_cap_answers_429_naming_the_rule() {
    let app = spawn_app().await;
    let (status, _) = app
        .post(
            "risk/limits",
            &app.with_key(json!({"orders_per_second": 1})),
        )
        .await;
    assert_eq!(status, 200);
    // Six orders at once on one segment: one rolling second holds at most one of them (two if
    // the burst straddles a second on a slow machine).
    let body = app.with_key(order("SBIN", "NSE", "BUY", 1));
    let answers = join_all((0..6).map(|_| app.post("placeorder", &body))).await;
    let accepted = answers.iter().filter(|(s, _)| *s == 200).count();
    let throttled: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 429)
        .map(|(_, b)| b)
        .collect();
    assert!((1..=2).contains(&accepted), "{answers:?}");
    assert_eq!(accepted + throttled.len(), 6, "{answers:?}");
    let message = throttled[0]["message"].as_str().expect("message");
    assert!(
        message.starts_with("Risk: orders-per-second cap of 1/s on NSE reached; retry in "),
        "{message}"
    );
}

#[tokio::test]
async fn a_breached_daily_loss_trips_the_kill_switch_and_flattens() {
    let options = Options {
        risk: openalgo_server::risk::RiskDefaults {
            pnl_interval: Duration::from_millis(100),
            ..openalgo_server::risk::RiskDefaults::default()
        },
        ..Options::default()
    };
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().expect("store"));
    let (app, handle) = spawn_with(store, None, options).await;
    let (status, _) = app
        .post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    assert_eq!(status, 200);
    // An open position, then a round trip bought at the ask and sold at the bid: the spread
    // is a realized loss (the test clock stands still, so prices do too). No limit yet.
    for o in [
        order("INFY", "NSE", "BUY", 10),
        order("SBIN", "NSE", "BUY", 2000),
        order("SBIN", "NSE", "SELL", 2000),
    ] {
        let (status, body) = app.post("placeorder", &app.with_key(o)).await;
        assert_eq!(status, 200, "{body}");
    }
    // The limit comes after the trades: the watch, every 100 ms, would otherwise trip between
    // the buy and the sell on a slow machine.
    let (status, body) = app
        .post(
            "risk/limits",
            &app.with_key(
                json!({"account": "analyze", "max_daily_loss": 1, "flatten_on_kill": true}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut tripped = Value::Null;
    for _ in 0..100 {
        let now = risk(&app).await["analyze"]["kill_switch"].clone();
        if now["engaged"] == true {
            tripped = now;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(tripped["automatic"], true, "not tripped: {tripped}");
    assert!(
        tripped["reason"]
            .as_str()
            .unwrap_or("")
            .starts_with("max daily loss 1 reached"),
        "{tripped}"
    );
    let (status, body) = app
        .post("placeorder", &app.with_key(order("SBIN", "NSE", "BUY", 1)))
        .await;
    assert_eq!(
        (status, body["mode"].as_str()),
        (403, Some("analyze")),
        "{body}"
    );
    // Flattened: the INFY position is closed.
    let mut flat = false;
    for _ in 0..100 {
        let (_, positions) = app.post("positionbook", &app.with_key(json!({}))).await;
        flat = positions["data"]
            .as_array()
            .is_some_and(|rows| rows.iter().all(|p| p["quantity"] == 0));
        if flat {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(flat, "positions were not closed");
    // The live account was not touched.
    assert_eq!(risk(&app).await["live"]["kill_switch"]["engaged"], false);
    handle.stop(true).await;
}

#[tokio::test]
async fn the_risk_page_engages_and_releases_the_kill_switch_and_saves_limits() {
    use crate::dashboard::{post, signed_in, text};

    let app = spawn_app().await;
    let (web, token) = signed_in(&app).await;
    let page = text(&app, &web, "/risk").await;
    assert!(
        page.contains(r#"id="kill-live-state">Kill switch off"#),
        "{page}"
    );
    assert!(
        page.contains(r#"id="live-ops" name="orders_per_second" inputmode="numeric" value="0""#),
        "{page}"
    );

    let r = post(
        &app,
        &web,
        "/risk/killswitch",
        &[
            ("csrf_token", &token),
            ("account", "live"),
            ("engage", "true"),
            ("reason", "lunch <break>"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let page = text(&app, &web, "/risk").await;
    assert!(page.contains("Kill switch engaged"), "flash: {page}");
    assert!(
        page.contains("lunch &lt;break&gt;"),
        "the reason, escaped: {page}"
    );
    let (status, body) = app
        .post("placeorder", &app.with_key(order("SBIN", "NSE", "BUY", 1)))
        .await;
    assert_eq!(status, 403, "{body}");
    post(
        &app,
        &web,
        "/risk/killswitch",
        &[
            ("csrf_token", &token),
            ("account", "live"),
            ("engage", "false"),
        ],
    )
    .await;
    let (status, body) = app
        .post("placeorder", &app.with_key(order("SBIN", "NSE", "BUY", 1)))
        .await;
    assert_eq!(status, 200, "{body}");

    // Limits: a bad value is refused with its message; good ones are saved and shown.
    let bad = [
        ("csrf_token", token.as_str()),
        ("account", "analyze"),
        ("max_order_value", "-1"),
    ];
    post(&app, &web, "/risk/limits", &bad).await;
    assert!(
        text(&app, &web, "/risk")
            .await
            .contains("max_order_value cannot be negative")
    );
    let good = [
        ("csrf_token", token.as_str()),
        ("account", "analyze"),
        ("max_daily_loss", "2500"),
        ("max_order_quantity", "100"),
        ("orders_per_second", "5"),
        ("flatten_on_kill", "true"),
    ];
    post(&app, &web, "/risk/limits", &good).await;
    let page = text(&app, &web, "/risk").await;
    assert!(page.contains("Risk limits saved"), "{page}");
    assert!(
        page.contains(
            r#"id="analyze-loss" name="max_daily_loss" inputmode="decimal" value="2500""#
        ),
        "{page}"
    );
    let limits = &risk(&app).await["analyze"]["limits"];
    assert_eq!(limits["max_order_quantity"], 100);
    assert_eq!(limits["orders_per_second"], 5);
    assert_eq!(limits["flatten_on_kill"], true);
    assert_eq!(limits["max_open_positions"], Value::Null);
}
