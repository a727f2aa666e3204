//! Smart, split and basket orders, cancel-all, close-all and open position.

use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

async fn net(app: &TestApp, symbol: &str) -> i64 {
    let (_, body) = app
        .post(
            "openposition",
            &app.with_key(
                json!({"strategy": "S", "symbol": symbol, "exchange": "NSE", "product": "MIS"}),
            ),
        )
        .await;
    body["quantity"].as_i64().expect("quantity")
}

#[tokio::test]
async fn smart_orders_move_the_position_to_the_target() {
    let app = spawn_app().await;
    let smart = |size: &str, qty: &str, action: &str| {
        app.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": action,
                            "quantity": qty, "position_size": size, "product": "MIS", "pricetype": "MARKET"}))
    };
    let (status, body) = app.post("placesmartorder", &smart("10", "10", "BUY")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["orderid"].is_string());
    assert_eq!(net(&app, "SBIN").await, 10);
    let (_, body) = app.post("placesmartorder", &smart("10", "5", "BUY")).await;
    assert_eq!(
        body,
        json!({"status": "success", "message": "Positions Already Matched. No Action needed."})
    );
    // A SELL request to a larger long still buys (the action only matters from flat).
    app.post("placesmartorder", &smart("-2.9", "1", "BUY"))
        .await;
    assert_eq!(net(&app, "SBIN").await, -2);
    let (status, body) = app.post("placesmartorder", &smart("0", "-1", "SELL")).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "{'quantity': ['Quantity must be a non-negative number.']}"
    );
    assert_eq!(net(&app, "NOSUCH").await, 0);
}

#[tokio::test]
async fn split_orders_report_every_child() {
    let app = spawn_app().await;
    let (status, body) = app
        .post("splitorder", &app.with_key(json!({"strategy": "S", "symbol": "ITC", "exchange": "NSE", "action": "BUY",
                                                   "quantity": "105", "splitsize": "20", "product": "MIS"})))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total_quantity"], 105);
    let results = body["results"].as_array().unwrap();
    let quantities: Vec<i64> = results
        .iter()
        .map(|r| r["quantity"].as_i64().unwrap())
        .collect();
    assert_eq!(quantities, vec![20, 20, 20, 20, 20, 5]);
    assert!(results.iter().all(|r| r["status"] == "success"));
    let (status, body) = app
        .post(
            "splitorder",
            &app.with_key(
                json!({"strategy": "S", "symbol": "ITC", "exchange": "NSE", "action": "BUY",
                                                   "quantity": "1001", "splitsize": 10}),
            ),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "Total number of orders would exceed maximum limit of 100"
    );
    let (status, body) = app
        .post(
            "splitorder",
            &app.with_key(
                json!({"strategy": "S", "symbol": "ITC", "exchange": "NSE", "action": "BUY",
                                                   "quantity": 10, "splitsize": "20.5"}),
            ),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "{'splitsize': ['Split size must be a positive integer.']}"
    );
}

#[tokio::test]
async fn baskets_buy_first_and_validate_every_leg() {
    let app = spawn_app().await;
    let basket = json!({"strategy": "S", "orders": [
        {"symbol": "ITC", "exchange": "NSE", "action": "SELL", "quantity": "1", "product": "MIS"},
        {"symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": "1", "product": "MIS"},
        {"symbol": "NOSUCH", "exchange": "NSE", "action": "BUY", "quantity": "1"}
    ]});
    let (status, body) = app.post("basketorder", &app.with_key(basket)).await;
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().unwrap();
    let symbols: Vec<&str> = results
        .iter()
        .map(|r| r["symbol"].as_str().unwrap())
        .collect();
    assert_eq!(symbols, vec!["SBIN", "NOSUCH", "ITC"]);
    assert_eq!(results[1]["status"], "error");
    assert_eq!(results[1]["message"], "Symbol NOSUCH not found on NSE");

    let bad = json!({"strategy": "S", "orders": [
        {"symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 1},
        {"symbol": "SBIN", "exchange": "XX", "action": "BUY", "quantity": 1, "strategy": "x"},
        7
    ]});
    let (status, body) = app.post("basketorder", &app.with_key(bad)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "{'orders': {1: {'exchange': ['Must be one of: NSE, NFO, CDS, BSE, BFO, BCD, MCX, NCDEX, NCO, NSE_INDEX, BSE_INDEX, MCX_INDEX, GLOBAL_INDEX, CRYPTO.'], 'strategy': ['Unknown field.']}, 2: {'_schema': ['Invalid input type.']}}}"
    );
}

#[tokio::test]
async fn cancel_all_and_close_all() {
    let app = spawn_app().await;
    for price in ["100", "101"] {
        app.post("placeorder", &app.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY",
                                                       "quantity": 1, "pricetype": "LIMIT", "price": price}))).await;
    }
    app.post("placeorder", &app.with_key(json!({"strategy": "S", "symbol": "ITC", "exchange": "NSE", "action": "SELL", "quantity": 3}))).await;
    let (status, body) = app
        .post("cancelallorder", &app.with_key(json!({"strategy": "S"})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["message"],
        "Canceled 2 orders. Failed to cancel 0 orders."
    );
    assert_eq!(body["canceled_orders"].as_array().unwrap().len(), 2);
    assert_eq!(net(&app, "ITC").await, -3);
    let (status, body) = app
        .post("closeposition", &app.with_key(json!({"strategy": "S"})))
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (200, Some("All Open Positions Squared Off"))
    );
    assert_eq!(net(&app, "ITC").await, 0);
}

#[tokio::test]
async fn modify_reprices_a_resting_order() {
    let app = spawn_app().await;
    let (_, body) = app
        .post(
            "placeorder",
            &app.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE",
        "action": "BUY", "quantity": 1, "pricetype": "LIMIT", "price": "100"})),
        )
        .await;
    let id = body["orderid"].as_str().unwrap().to_owned();
    let modify = json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "orderid": id, "action": "BUY",
                        "product": "MIS", "pricetype": "LIMIT", "price": "101", "quantity": "2",
                        "disclosed_quantity": "0", "trigger_price": "0"});
    let (status, body) = app.post("modifyorder", &app.with_key(modify)).await;
    assert_eq!(
        (status, body["orderid"].as_str()),
        (200, Some(id.as_str())),
        "{body}"
    );
    let (_, body) = app
        .post(
            "orderstatus",
            &app.with_key(json!({"strategy": "S", "orderid": id})),
        )
        .await;
    assert_eq!(
        (
            body["data"]["quantity"].as_i64(),
            body["data"]["price"].as_f64()
        ),
        (Some(2), Some(101.0))
    );
    let (status, body) = app
        .post(
            "modifyorder",
            &app.with_key(json!({"strategy": "S", "orderid": id})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("{'exchange': ['Missing data for required field.']")
    );
}
