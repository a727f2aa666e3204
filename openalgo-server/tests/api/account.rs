//! Account books after trading on the simulator.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn books_reflect_a_filled_order() {
    let app = spawn_app().await;
    let (status, funds) = app.post("funds", &app.with_key(json!({}))).await;
    assert_eq!(status, 200);
    assert_eq!(funds["data"]["availablecash"], "10000000.00");
    let order = json!({"strategy": "Python", "symbol": "INFY", "exchange": "NSE", "action": "BUY",
                       "quantity": "5", "product": "CNC"});
    let (status, _) = app.post("placeorder", &app.with_key(order)).await;
    assert_eq!(status, 200);
    let (_, book) = app.post("orderbook", &app.with_key(json!({}))).await;
    assert_eq!(book["data"]["orders"].as_array().unwrap().len(), 1);
    assert_eq!(book["data"]["statistics"]["total_completed_orders"], 1);
    assert_eq!(
        book["data"]["orders"][0]["price"], 0.0,
        "MARKET rows report price 0"
    );
    let (_, trades) = app.post("tradebook", &app.with_key(json!({}))).await;
    assert_eq!(trades["data"][0]["quantity"], 5);
    let (_, positions) = app.post("positionbook", &app.with_key(json!({}))).await;
    assert_eq!(positions["data"][0]["symbol"], "INFY");
    assert_eq!(positions["data"][0]["quantity"], 5);
    let (_, funds) = app.post("funds", &app.with_key(json!({}))).await;
    assert_ne!(funds["data"]["utiliseddebits"], "0.00");
    let (status, holdings) = app.post("holdings", &app.with_key(json!({}))).await;
    assert_eq!(status, 200);
    assert_eq!(
        holdings["data"]["holdings"],
        json!([]),
        "CNC settles into holdings at T+1"
    );
}
