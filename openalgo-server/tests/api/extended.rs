//! Multiquotes, instruments, ticker and pnl/symbols.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn multiquotes_report_invalid_symbols_first() {
    let app = spawn_app().await;
    let req = json!({"symbols": [{"symbol": "NOPE", "exchange": "NSE"}, {"symbol": "SBIN", "exchange": "NSE"},
                                 {"symbol": "NIFTY", "exchange": "NSE_INDEX"}]});
    let (status, body) = app.post("multiquotes", &app.with_key(req)).await;
    assert_eq!(status, 200, "{body}");
    let r = body["results"].as_array().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["symbol"], "NOPE");
    assert!(
        r[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("Symbol 'NOPE' not found")
    );
    assert!(r[1]["data"]["ltp"].as_f64().unwrap() > 0.0);
    let (status, body) = app
        .post(
            "multiquotes",
            &app.with_key(json!({"symbols": [{"symbol": "NOPE", "exchange": "NSE"}]})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["invalid_symbols"][0]["symbol"], "NOPE");
    let (status, body) = app
        .post("multiquotes", &app.with_key(json!({"symbols": []})))
        .await;
    assert_eq!(
        (status, body["message"].clone()),
        (400, json!({"symbols": ["Shorter than minimum length 1."]}))
    );
    let (status, body) = app
        .post(
            "multiquotes",
            &app.with_key(json!({"symbols": [{"symbol": "SBIN", "exchange": "NSE", "x": 1}]})),
        )
        .await;
    assert_eq!(
        (status, body["message"].clone()),
        (400, json!({"symbols": {"0": {"x": ["Unknown field."]}}}))
    );
}

#[tokio::test]
async fn instruments_as_json_and_csv() {
    let app = spawn_app().await;
    let (status, text) = app
        .get(&format!(
            "instruments?apikey={}&exchange=NSE_INDEX",
            app.api_key
        ))
        .await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["message"], "Found 5 instruments");
    let (status, csv) = app
        .get(&format!(
            "instruments?apikey={}&exchange=BSE_INDEX&format=CSV",
            app.api_key
        ))
        .await;
    assert_eq!(status, 200);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "symbol,brsymbol,name,exchange,brexchange,token,expiry,strike,lotsize,instrumenttype,tick_size"
        )
    );
    assert_eq!(lines.count(), 2, "SENSEX and BANKEX");
    let (status, _) = app.get("instruments?exchange=NSE").await;
    assert_eq!(status, 400);
    let (status, _) = app
        .get(&format!("instruments?apikey={}", "0".repeat(64)))
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn ticker_json_and_text() {
    let app = spawn_app().await;
    let (status, text) = app
        .get(&format!(
            "ticker/NSE:SBIN?apikey={}&interval=D&from=2026-11-02&to=2026-11-04",
            app.api_key
        ))
        .await;
    assert_eq!(status, 200, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["data"].as_array().unwrap().len(), 3);
    let (status, txt) = app
        .get(&format!(
            "ticker/NSE:SBIN?apikey={}&interval=D&from=2026-11-02&to=2026-11-02&format=txt",
            app.api_key
        ))
        .await;
    assert_eq!(status, 200);
    assert!(txt.starts_with("NSE:SBIN,2026-11-02,"), "{txt}");
    let (status, _) = app
        .get(&format!(
            "ticker/NSE:SBIN?apikey={}&interval=D",
            app.api_key
        ))
        .await;
    assert_eq!(status, 400, "from/to are required");
}

#[tokio::test]
async fn pnl_symbols_only_in_analyzer_mode() {
    let app = spawn_app().await;
    let (status, body) = app.post("pnl/symbols", &app.with_key(json!({}))).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            400,
            Some("This endpoint is only available in sandbox/analyzer mode")
        )
    );
    app.post("analyzer/toggle", &app.with_key(json!({"mode": true})))
        .await;
    app.post("placeorder", &app.with_key(json!({"strategy": "S", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 2}))).await;
    let (status, body) = app.post("pnl/symbols", &app.with_key(json!({}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mode"], "analyze");
    assert_eq!(body["data"][0]["quantity"], 2);
    assert!(body.get("total_pnl_today").is_some());
}

#[tokio::test]
async fn margin_uses_the_paper_rules() {
    let app = spawn_app().await;
    let basket = json!({"positions": [
        {"symbol": "NIFTY24NOV26FUT", "exchange": "NFO", "action": "BUY", "quantity": "75", "product": "NRML", "pricetype": "LIMIT", "price": "24000"},
        {"symbol": "SBIN", "exchange": "NSE", "action": "SELL", "quantity": "10", "product": "MIS", "pricetype": "LIMIT", "price": "800", "trigger_price": "0"}
    ]});
    let (status, body) = app.post("margin", &app.with_key(basket)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["total_margin_required"], 181_600.0);
    let (status, body) = app.post("margin", &app.with_key(json!({"positions": [
        {"symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 10, "product": "MIS", "pricetype": "MARKET"}]}))).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            400,
            Some("{'positions': {0: {'quantity': ['Not a valid string.']}}}")
        )
    );
    let (status, body) = app.post("margin", &app.with_key(json!({"positions": [
        {"symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": "0", "product": "MIS", "pricetype": "MARKET"}]}))).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("Position 1: Quantity must be a positive number"))
    );
    let (status, body) = app.post("margin", &app.with_key(json!({"positions": [
        {"symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": "1.5", "product": "MIS", "pricetype": "MARKET"}]}))).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("Position 1: Invalid quantity format"))
    );
    let (status, body) = app
        .post("margin", &app.with_key(json!({"positions": []})))
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            400,
            Some("{'positions': ['Positions must contain 1 to 50 items.']}")
        )
    );
    // MARKET legs are priced at the current LTP.
    let (status, body) = app.post("margin", &app.with_key(json!({"positions": [
        {"symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": "5", "product": "CNC", "pricetype": "MARKET"}]}))).await;
    assert_eq!(status, 200);
    assert!(body["data"]["total_margin_required"].as_f64().unwrap() > 0.0);
}
