//! A restart in the middle of a session keeps orders, positions and funds.

use std::sync::Arc;

use openalgo_server::store::{SqliteStore, Store};
use serde_json::json;

use crate::helpers::spawn_on;

#[tokio::test]
async fn restart_keeps_orders_positions_and_funds() {
    let dir = std::env::temp_dir().join(format!("openalgo-restart-{}", std::process::id()));
    let path = dir.join("openalgo.db");
    let open = || -> Arc<dyn Store> { Arc::new(SqliteStore::open(&path).expect("store")) };

    let (app, handle) = spawn_on(open(), None).await;
    let buy = json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 7, "product": "MIS"});
    let (_, placed) = app.post("placeorder", &app.with_key(buy)).await;
    let resting = json!({"strategy": "S", "symbol": "ITC", "exchange": "NSE", "action": "BUY", "quantity": 3,
                         "pricetype": "LIMIT", "price": "1", "product": "MIS"});
    let (_, rest) = app.post("placeorder", &app.with_key(resting)).await;
    app.post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    let (_, sandbox_order) = app.post("placeorder", &app.with_key(json!({"strategy": "S", "symbol": "INFY", "exchange": "NSE", "action": "SELL", "quantity": 2}))).await;
    app.post("analyzer/toggle", &app.with_key(json!({"mode": false})))
        .await;
    let (_, funds_before) = app.post("funds", &app.with_key(json!({}))).await;
    let (_, book_before) = app.post("orderbook", &app.with_key(json!({}))).await;
    handle.stop(true).await;

    let (app, handle) = spawn_on(open(), Some(app.api_key.clone())).await;
    let (_, status) = app
        .post(
            "orderstatus",
            &app.with_key(json!({"strategy": "S", "orderid": placed["orderid"]})),
        )
        .await;
    assert_eq!(status["data"]["order_status"], "complete");
    let (_, status) = app
        .post(
            "orderstatus",
            &app.with_key(json!({"strategy": "S", "orderid": rest["orderid"]})),
        )
        .await;
    assert_eq!(
        status["data"]["order_status"], "open",
        "resting orders survive"
    );
    let (_, positions) = app.post("positionbook", &app.with_key(json!({}))).await;
    assert_eq!(positions["data"][0]["quantity"], 7);
    let (_, funds_after) = app.post("funds", &app.with_key(json!({}))).await;
    assert_eq!(
        funds_after["data"]["utiliseddebits"],
        funds_before["data"]["utiliseddebits"]
    );
    let (_, book_after) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(
        book_after["data"]["orders"].as_array().unwrap().len(),
        book_before["data"]["orders"].as_array().unwrap().len()
    );
    // A new order after the restart gets a fresh id.
    let (_, again) = app.post("placeorder", &app.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "SELL", "quantity": 1}))).await;
    assert_ne!(again["orderid"], placed["orderid"]);
    assert_ne!(again["orderid"], rest["orderid"]);
    // The analyzer account and the switch survive too.
    let (_, mode) = app.post("analyzer", &app.with_key(json!({}))).await;
    assert_eq!(mode["data"]["analyze_mode"], false);
    app.post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    let (_, status) = app
        .post(
            "orderstatus",
            &app.with_key(json!({"strategy": "S", "orderid": sandbox_order["orderid"]})),
        )
        .await;
    assert_eq!(status["data"]["action"], "SELL");
    handle.stop(true).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn startup_compacts_the_journal_into_a_new_base() {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
    let (app, handle) = spawn_on(store.clone(), None).await;
    app.post("placeorder", &app.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 1}))).await;
    handle.stop(true).await;
    assert!(!store.paper_events("simulator").unwrap().is_empty());
    let (app, handle) = spawn_on(store.clone(), Some(app.api_key.clone())).await;
    assert!(
        store.paper_events("simulator").unwrap().is_empty(),
        "replayed events folded into the base"
    );
    let (_, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(book["data"]["orders"].as_array().unwrap().len(), 1);
    handle.stop(true).await;
}
