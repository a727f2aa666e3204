//! Quotes, depth, history and intervals on the simulator.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn quotes_and_depth() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "quotes",
            &app.with_key(json!({"symbol": "SBIN", "exchange": "NSE"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let data = &body["data"];
    for k in [
        "ask",
        "bid",
        "high",
        "low",
        "ltp",
        "oi",
        "open",
        "prev_close",
        "volume",
    ] {
        assert!(data.get(k).is_some(), "{k} missing");
    }
    assert!(data["bid"].as_f64() < data["ask"].as_f64());
    let (status, body) = app
        .post(
            "depth",
            &app.with_key(json!({"symbol": "SBIN", "exchange": "NSE"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["asks"].as_array().unwrap().len(), 5);
    assert_eq!(body["data"]["bids"].as_array().unwrap().len(), 5);
    let (status, body) = app
        .post(
            "quotes",
            &app.with_key(json!({"symbol": "NOPE", "exchange": "NSE"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "Symbol 'NOPE' not found for exchange 'NSE'. Please verify the symbol name and ensure master contracts are downloaded."
    );
    let (status, body) = app
        .post(
            "quotes",
            &app.with_key(json!({"symbol": "SBIN", "exchange": "nse"})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]["exchange"][0]
            .as_str()
            .unwrap()
            .starts_with("Must be one of: NSE, NFO")
    );
}

#[tokio::test]
async fn history_and_intervals() {
    let app = spawn_app().await;
    let req = json!({"symbol": "INFY", "exchange": "NSE", "interval": "D", "start_date": "2026-11-02",
                     "end_date": "2026-11-06", "source": "api"});
    let (status, body) = app.post("history", &app.with_key(req)).await;
    assert_eq!(status, 200, "{body}");
    let candles = body["data"].as_array().unwrap();
    assert_eq!(candles.len(), 5);
    assert_eq!(candles[0]["timestamp"], 1_793_577_600);
    assert!(
        candles
            .windows(2)
            .all(|w| w[0]["timestamp"].as_i64() < w[1]["timestamp"].as_i64())
    );
    let (status, body) = app
        .post(
            "history",
            &app.with_key(json!({"symbol": "INFY", "exchange": "NSE",
        "interval": "7m", "start_date": "2026-11-02", "end_date": "2026-1-6"})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]["interval"][0]
            .as_str()
            .unwrap()
            .starts_with("Must be one of: 1s, 5s")
    );
    let (status, body) = app.post("intervals", &app.with_key(json!({}))).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["minutes"],
        json!(["1m", "2m", "3m", "5m", "10m", "15m", "20m", "30m"])
    );
    assert_eq!(body["data"]["days"], json!(["D"]));
}
