//! The option endpoints on the simulator's master (rest-api §3.1.3, §3.1.4, §3.6).

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn probe() {
    let app = spawn_app().await;
    for (path, body) in [
        (
            "optionsymbol",
            json!({"underlying": "NIFTY", "exchange": "NSE_INDEX", "expiry_date": "24NOV26", "offset": "ITM2", "option_type": "CE"}),
        ),
        (
            "syntheticfuture",
            json!({"underlying": "NIFTY", "exchange": "NSE_INDEX", "expiry_date": "24NOV26"}),
        ),
        (
            "optionchain",
            json!({"underlying": "NIFTY", "exchange": "NSE_INDEX", "expiry_date": "24NOV26", "strike_count": 1, "with_greeks": true}),
        ),
        (
            "optiongreeks",
            json!({"symbol": "NIFTY24NOV2626000CE", "exchange": "NFO"}),
        ),
        (
            "optionsorder",
            json!({"strategy": "t", "underlying": "NIFTY", "exchange": "NSE_INDEX", "expiry_date": "24NOV26", "offset": "ATM", "option_type": "CE", "action": "BUY", "quantity": 150, "splitsize": 75}),
        ),
        (
            "optionsmultiorder",
            json!({"strategy": "t", "underlying": "NIFTY", "exchange": "NSE_INDEX", "expiry_date": "24NOV26", "legs": [{"offset": "OTM5", "option_type": "CE", "action": "SELL", "quantity": 75}, {"offset": "OTM10", "option_type": "CE", "action": "BUY", "quantity": 75}, {"offset": "OTM99", "option_type": "PE", "action": "BUY", "quantity": 75}]}),
        ),
    ] {
        let (status, body) = app.post(path, &app.with_key(body)).await;
        println!("{path} {status} {body:#}");
    }
}
