//! Analyzer mode: a separate paper account, the `mode: "analyze"` marker, a persisted switch.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn analyzer_mode_uses_a_separate_account_and_marks_responses() {
    let app = spawn_app().await;
    let (status, body) = app.post("analyzer", &app.with_key(json!({}))).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": "success", "data": {"mode": "live", "analyze_mode": false, "total_logs": 0}})
    );
    let buy = json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 4, "product": "MIS"});
    let (_, live_order) = app.post("placeorder", &app.with_key(buy.clone())).await;
    assert!(
        live_order.get("mode").is_none(),
        "live responses have no mode"
    );

    let (status, body) = app
        .post("analyzer/toggle", &app.with_key(json!({"mode": "true"})))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["message"], "Analyzer mode switched to analyze");
    let (_, positions) = app.post("positionbook", &app.with_key(json!({}))).await;
    assert_eq!(positions["mode"], "analyze");
    assert_eq!(
        positions["data"],
        json!([]),
        "the analyzer account starts empty"
    );
    let (_, order) = app.post("placeorder", &app.with_key(buy)).await;
    assert_eq!(order["mode"], "analyze");
    let (_, funds) = app.post("funds", &app.with_key(json!({}))).await;
    assert_eq!(funds["mode"], "analyze");
    // Errors of order endpoints other than placeorder carry the marker too.
    let (status, refused) = app
        .post(
            "cancelorder",
            &app.with_key(json!({"strategy": "S", "orderid": "1"})),
        )
        .await;
    assert_eq!((status, refused["mode"].as_str()), (404, Some("analyze")));
    let (status, refused) = app
        .post("placeorder", &app.with_key(json!({"strategy": "S"})))
        .await;
    assert_eq!(status, 400);
    assert!(
        refused.get("mode").is_none(),
        "placeorder schema errors stay plain"
    );
    // Market data still comes from the live broker, without a mode marker.
    let (_, quote) = app
        .post(
            "quotes",
            &app.with_key(json!({"symbol": "SBIN", "exchange": "NSE"})),
        )
        .await;
    assert!(quote.get("mode").is_none());

    let (_, body) = app
        .post("analyzer/toggle", &app.with_key(json!({"mode": false})))
        .await;
    assert_eq!(body["data"]["mode"], "live");
    let (_, status_body) = app
        .post(
            "orderstatus",
            &app.with_key(json!({"strategy": "S", "orderid": order["orderid"]})),
        )
        .await;
    assert_eq!(
        status_body["message"],
        format!("Order {} not found", order["orderid"].as_str().unwrap())
    );
    let (status, body) = app
        .post("analyzer/toggle", &app.with_key(json!({"mode": "maybe"})))
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("{'mode': ['Not a valid boolean.']}"))
    );
}

#[tokio::test]
async fn analyzer_errors_carry_the_mode_marker() {
    let app = spawn_app().await;
    app.post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    // Sandbox rejection of a placeorder: marked (only its schema errors stay plain).
    let (status, body) = app
        .post(
            "placeorder",
            &app.with_key(
                json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
                                 "quantity": 100_000_000, "pricetype": "MARKET", "product": "CNC"}),
            ),
        )
        .await;
    assert_eq!(
        (status, body["mode"].as_str()),
        (400, Some("analyze")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("nsufficient"),
        "{body}"
    );
    // orderstatus and openposition (F1): unknown order and schema errors are marked.
    let (status, body) = app
        .post(
            "orderstatus",
            &app.with_key(json!({"strategy": "S", "orderid": "999"})),
        )
        .await;
    assert_eq!(
        (status, body["mode"].as_str()),
        (404, Some("analyze")),
        "{body}"
    );
    let (status, body) = app
        .post("openposition", &app.with_key(json!({"strategy": "S"})))
        .await;
    assert_eq!(
        (status, body["mode"].as_str()),
        (400, Some("analyze")),
        "{body}"
    );
    // Live mode: the same errors are plain.
    app.post("analyzer/toggle", &app.with_key(json!({"mode": false})))
        .await;
    let (status, body) = app
        .post(
            "orderstatus",
            &app.with_key(json!({"strategy": "S", "orderid": "999"})),
        )
        .await;
    assert_eq!(status, 404);
    assert!(body.get("mode").is_none(), "{body}");
    // The analyzer log counts the analyze-mode order call (the rejected placeorder) only.
    let (_, body) = app
        .post(
            "placeorder",
            &app.with_key(
                json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
                                 "quantity": 1, "pricetype": "MARKET", "product": "MIS"}),
            ),
        )
        .await;
    assert_eq!(body["status"], "success", "live order: {body}");
    let (_, status) = app.post("analyzer", &app.with_key(json!({}))).await;
    assert_eq!(status["data"]["total_logs"], 1, "{status}");
}
