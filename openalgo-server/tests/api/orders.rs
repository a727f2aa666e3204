//! Placing, inspecting and cancelling orders on the simulator.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn place_then_status_then_cancel() {
    let app = spawn_app().await;
    // The official client sends numbers as strings.
    let order = json!({"strategy": "Python", "symbol": "SBIN", "exchange": "NSE", "action": "buy",
                       "quantity": "10", "pricetype": "MARKET", "product": "MIS", "price": "0",
                       "trigger_price": "0", "disclosed_quantity": "0"});
    let (status, body) = app.post("placeorder", &app.with_key(order)).await;
    assert_eq!(status, 200, "{body}");
    let id = body["orderid"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 14);
    let (status, body) = app
        .post(
            "orderstatus",
            &app.with_key(json!({"strategy": "Python", "orderid": id})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["order_status"], "complete");
    assert_eq!(body["data"]["action"], "BUY");
    assert!(body["data"]["average_price"].as_f64().unwrap() > 0.0);
    let (status, body) = app
        .post(
            "cancelorder",
            &app.with_key(json!({"strategy": "Python", "orderid": id})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "Cannot cancel order in complete status");

    // A resting limit far below the market can be cancelled.
    let limit = json!({"strategy": "Python", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
                       "quantity": 1, "pricetype": "LIMIT", "product": "MIS", "price": "100"});
    let (_, body) = app.post("placeorder", &app.with_key(limit)).await;
    let id = body["orderid"].as_str().unwrap().to_owned();
    let (status, body) = app
        .post(
            "cancelorder",
            &app.with_key(json!({"strategy": "Python", "orderid": id})),
        )
        .await;
    assert_eq!((status, body["orderid"].as_str()), (200, Some(id.as_str())));
    let (status, body) = app
        .post(
            "orderstatus",
            &app.with_key(json!({"strategy": "Python", "orderid": "99"})),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "Order 99 not found");
}

#[tokio::test]
async fn order_validation_uses_the_stringified_format() {
    let app = spawn_app().await;
    let bad = json!({"strategy": "Python", "symbol": "SBIN", "exchange": "NSEX", "action": "Buy",
                     "quantity": "0", "target": 5});
    let (status, body) = app.post("placeorder", &app.with_key(bad)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "{'exchange': ['Must be one of: NSE, NFO, CDS, BSE, BFO, BCD, MCX, NCDEX, NCO, NSE_INDEX, BSE_INDEX, MCX_INDEX, GLOBAL_INDEX, CRYPTO.'], 'action': ['Must be one of: BUY, SELL, buy, sell.'], 'quantity': ['Quantity must be a positive number.'], 'target': ['Unknown field.']}"
    );
    let frac = json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": "1.5"});
    let (status, body) = app.post("placeorder", &app.with_key(frac)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "{'quantity': ['Fractional quantity (1.5) is not allowed for non-crypto exchanges.']}"
    );
    let lot = json!({"strategy": "S", "symbol": "NOSUCH", "exchange": "NSE", "action": "BUY", "quantity": 1});
    let (status, body) = app.post("placeorder", &app.with_key(lot)).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "Symbol NOSUCH not found on NSE");
    let limit = json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 1, "pricetype": "LIMIT"});
    let (status, body) = app.post("placeorder", &app.with_key(limit)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "LIMIT orders require a price greater than 0"
    );
}

#[tokio::test]
async fn idempotency_key_places_once_and_replays_the_first_answer() {
    let app = spawn_app().await;
    let order = app.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 1}));
    let send = |key: &'static str, path: &'static str, body: serde_json::Value| {
        let client = app.client.clone();
        let url = format!("{}/api/v1/{path}", app.address);
        async move {
            let r = client
                .post(url)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            let replayed = r.headers().get("idempotent-replayed").is_some();
            (
                r.status().as_u16(),
                replayed,
                r.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let (s1, r1, first) = send("k-1", "placeorder", order.clone()).await;
    let (s2, r2, second) = send("k-1", "placeorder", order.clone()).await;
    assert_eq!((s1, s2, r1, r2), (200, 200, false, true));
    assert_eq!(first, second, "the same order id comes back");
    let (_, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(
        book["data"]["orders"].as_array().unwrap().len(),
        1,
        "placed once"
    );
    // Concurrent retries still place one order.
    let results = futures::future::join_all(vec![
        send("k-2", "placeorder", order.clone()),
        send("k-2", "placeorder", order.clone()),
        send("k-2", "placeorder", order.clone()),
    ])
    .await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|r| r.2["orderid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1);
    let (_, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(book["data"]["orders"].as_array().unwrap().len(), 2);
    // The API key is checked first: a wrong key never gets the stored answer.
    let mut wrong = order.clone();
    wrong["apikey"] = json!("0".repeat(64));
    let (status, replayed, _) = send("k-1", "placeorder", wrong).await;
    assert_eq!((status, replayed), (403, false));
    // A reused key with another body is refused, and places nothing.
    let mut other = order.clone();
    other["quantity"] = json!(2);
    let (status, replayed, body) = send("k-1", "placeorder", other).await;
    assert_eq!((status, replayed), (422, false));
    assert_eq!(
        body["message"],
        "Idempotency-Key 'k-1' was already used for a different request to placeorder; use a new key for a new request"
    );
    // The same body with the keys in another order and the number as a string is the same
    // request only if it is the same JSON: key order and whitespace do not matter.
    let mut reordered = serde_json::Map::new();
    for k in [
        "quantity", "action", "exchange", "symbol", "strategy", "apikey",
    ] {
        reordered.insert(k.into(), order[k].clone());
    }
    let (status, replayed, _) =
        send("k-1", "placeorder", serde_json::Value::Object(reordered)).await;
    assert_eq!((status, replayed), (200, true));
    // Refusals are not stored: the key is free for the corrected request.
    let (status, _, _) = send("k-3", "placeorder", app.with_key(json!({"strategy": "S"}))).await;
    assert_eq!(status, 400);
    let (status, replayed, _) = send("k-3", "placeorder", order.clone()).await;
    assert_eq!((status, replayed), (200, false));
    // Keys are scoped per endpoint: the same key on cancelorder is a new request.
    let (status, replayed, body) = send(
        "k-1",
        "cancelorder",
        app.with_key(json!({"strategy": "S", "orderid": "nope"})),
    )
    .await;
    assert_eq!((status, replayed), (404, false), "{body}");
    let (_, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(book["data"]["orders"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn every_order_call_is_logged_without_the_key_before_the_answer() {
    use std::sync::Arc;

    use openalgo_server::store::{SqliteStore, Store};
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
    let (app, _handle) = crate::helpers::spawn_on(store.clone(), None).await;
    let (_, placed) = app
        .post("placeorder", &app.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 1})))
        .await;
    app.post(
        "cancelorder",
        &app.with_key(json!({"strategy": "S", "orderid": "nope"})),
    )
    .await;
    let log = store.order_log(10).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].api_type.as_str(), log[0].status),
        ("cancelorder", 404)
    );
    assert_eq!(
        (
            log[1].api_type.as_str(),
            log[1].status,
            log[1].mode.as_str()
        ),
        ("placeorder", 200, "live")
    );
    assert!(!log[1].request.contains("apikey") && !log[1].request.contains(&app.api_key));
    assert!(
        log[1]
            .response
            .contains(placed["orderid"].as_str().unwrap())
    );
}

#[tokio::test]
async fn a_client_request_id_is_echoed_on_order_calls() {
    let app = spawn_app().await;
    let order = app.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 1}));
    let r = app
        .client
        .post(format!("{}/api/v1/placeorder", app.address))
        .header("X-Request-Id", "trace-42")
        .json(&order)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-request-id"], "trace-42");
    let odd = app
        .client
        .post(format!("{}/api/v1/ping", app.address))
        .header("X-Request-Id", "has space")
        .json(&app.with_key(json!({})))
        .send()
        .await
        .unwrap();
    assert_ne!(
        odd.headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap()),
        Some("has space"),
        "an unusable id is not echoed"
    );
}

#[tokio::test]
async fn a_key_whose_first_request_was_interrupted_is_refused_and_places_nothing() {
    use openalgo_server::store::{IdempotencyScope, IdempotentAnswer, SqliteStore, Store};
    let store: std::sync::Arc<dyn Store> =
        std::sync::Arc::new(SqliteStore::in_memory().expect("store"));
    let (app, handle) = crate::helpers::spawn_on(store.clone(), None).await;
    let order = app.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 1}));
    // What a commit of the request's events before its answer leaves when the server stops.
    let claim = IdempotentAnswer {
        scope: IdempotencyScope {
            user_id: store.admin_id().unwrap().expect("admin"),
            endpoint: "placeorder".into(),
            key: "k-cut".into(),
        },
        fingerprint: openalgo_server::orders::idempotency::fingerprint(
            order.to_string().as_bytes(),
        ),
        created_ms: openalgo_core::clock::Clock::now_ms(app.clock.as_ref()),
    };
    store.append_batch(&[], &[], &[&claim], &[]).unwrap();
    let r = app
        .client
        .post(format!("{}/api/v1/placeorder", app.address))
        .header("Idempotency-Key", "k-cut")
        .json(&order)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("was interrupted before it answered"),
        "{body}"
    );
    let (_, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(book["data"]["orders"].as_array().unwrap().len(), 0);
    handle.stop(true).await;
}
