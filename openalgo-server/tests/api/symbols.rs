//! Symbol, search and expiry on the simulator's master.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn symbol_lookup_and_search() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "symbol",
            &app.with_key(json!({"symbol": "SBIN", "exchange": "NSE"})),
        )
        .await;
    assert_eq!(status, 200);
    let d = &body["data"];
    assert_eq!(
        (
            d["symbol"].as_str(),
            d["brsymbol"].as_str(),
            d["lotsize"].as_i64()
        ),
        (Some("SBIN"), Some("SBIN-EQ"), Some(1))
    );
    assert!(d["id"].as_i64().unwrap() > 0);
    assert_eq!(d["freeze_qty"], 1);
    let (status, body) = app
        .post(
            "symbol",
            &app.with_key(json!({"symbol": "SBIN", "exchange": "NFO"})),
        )
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("Symbol SBIN not found in exchange NFO"))
    );
    let (status, body) = app
        .post("search", &app.with_key(json!({"query": "state bank"})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["message"], "Found 2 matching symbols");
    let (_, body) = app
        .post(
            "search",
            &app.with_key(json!({"query": "nifty", "exchange": "NSE_INDEX"})),
        )
        .await;
    assert_eq!(body["data"][0]["symbol"], "NIFTY");
    let (status, body) = app
        .post("search", &app.with_key(json!({"query": "  "})))
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("Query parameter is required and cannot be empty"))
    );
    let (status, body) = app
        .post(
            "search",
            &app.with_key(json!({"query": "x", "exchange": null})),
        )
        .await;
    assert_eq!(
        (status, body["message"].clone()),
        (400, json!({"exchange": ["Field may not be null."]}))
    );
}

#[tokio::test]
async fn expiries_follow_the_exchange_rules() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "expiry",
            &app.with_key(
                json!({"symbol": "nifty", "exchange": "NFO", "instrumenttype": "options"}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], json!(["24-NOV-26", "01-DEC-26"]));
    assert_eq!(
        body["message"],
        "Found 2 expiry dates for NIFTY options in NFO"
    );
    let (status, body) = app
        .post(
            "expiry",
            &app.with_key(
                json!({"symbol": "NIFTY", "exchange": "NSE", "instrumenttype": "Options"}),
            ),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        json!({"exchange": ["Must be one of: NFO, BFO, MCX, CDS, NCO, BCD, NCDEX, CRYPTO."],
               "instrumenttype": ["Must be one of: futures, options."]})
    );
    let (_, body) = app
        .post(
            "expiry",
            &app.with_key(json!({"symbol": "TCS", "exchange": "NFO", "instrumenttype": "futures"})),
        )
        .await;
    assert_eq!(
        body["message"],
        "No expiry dates found for TCS futures in NFO"
    );
}
