//! market/holidays and market/timings: no key verification, IST sessions in epoch ms.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn holidays_default_to_the_current_year_and_validate_the_year() {
    let app = spawn_app().await;
    // Any non-empty key is accepted: the calendar is public data.
    let (status, body) = app.post("market/holidays", &json!({"apikey": "x"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["year"], 2026, "the test clock is in 2026");
    assert_eq!(body["timezone"], "Asia/Kolkata");
    let days = body["data"].as_array().unwrap();
    let republic = &days[0];
    assert_eq!(republic["date"], "2026-01-26");
    assert_eq!(republic["holiday_type"], "TRADING_HOLIDAY");
    assert_eq!(republic["open_exchanges"], json!([]));
    let holi = days.iter().find(|d| d["date"] == "2026-03-03").unwrap();
    // 2026-03-03 17:00 IST = 11:30 UTC
    assert_eq!(
        holi["open_exchanges"],
        json!([{"exchange": "MCX", "start_time": 1_772_537_400_000_i64, "end_time": 1_772_562_300_000_i64}])
    );
    assert!(days.iter().any(|d| d["holiday_type"] == "SPECIAL_SESSION"));

    let (status, body) = app
        .post("market/holidays", &json!({"apikey": "x", "year": "2025"}))
        .await;
    assert_eq!((status, body["year"].clone()), (200, json!(2025)));
    for (year, message) in [
        (json!(2019), "Year must be between 2020 and 2050"),
        (json!("20x5"), "Not a valid integer."),
        (json!(2025.5), "Not a valid integer."),
    ] {
        let (status, body) = app
            .post("market/holidays", &json!({"apikey": "x", "year": year}))
            .await;
        assert_eq!(
            (status, body["message"].clone()),
            (400, json!({"year": [message]}))
        );
    }
    let (status, body) = app.post("market/holidays", &json!({"year": 2025})).await;
    assert_eq!(
        (status, body["message"].clone()),
        (400, json!({"apikey": ["Missing data for required field."]}))
    );
}

#[tokio::test]
async fn timings_follow_weekdays_weekends_and_holidays() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "market/timings",
            &json!({"apikey": "x", "date": "2025-04-30"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let data = body["data"].as_array().unwrap();
    let names: Vec<&str> = data
        .iter()
        .map(|s| s["exchange"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "NSE", "BSE", "NFO", "BFO", "MCX", "BCD", "CDS", "NCO", "CRYPTO"
        ]
    );
    assert_eq!(data[0]["start_time"], 1_745_984_700_000_i64);
    assert_eq!(data[0]["end_time"], 1_746_007_200_000_i64);

    let exchanges = |body: &serde_json::Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["exchange"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, weekend) = app
        .post(
            "market/timings",
            &json!({"apikey": "x", "date": "2026-11-28"}),
        )
        .await;
    assert_eq!(exchanges(&weekend), ["CRYPTO"]);
    let (_, republic) = app
        .post(
            "market/timings",
            &json!({"apikey": "x", "date": "2026-01-26"}),
        )
        .await;
    assert_eq!(republic["data"], json!([]));
    let (_, holi) = app
        .post(
            "market/timings",
            &json!({"apikey": "x", "date": "2026-03-03"}),
        )
        .await;
    assert_eq!(exchanges(&holi), ["MCX"]);

    for (date, message) in [
        ("2025/04/30", "Invalid date format. Use YYYY-MM-DD"),
        (
            "2051-01-01",
            "Date must be between 2020-01-01 and 2050-12-31",
        ),
    ] {
        let (status, body) = app
            .post("market/timings", &json!({"apikey": "x", "date": date}))
            .await;
        assert_eq!((status, body["message"].as_str().unwrap()), (400, message));
    }
    let (status, body) = app.post("market/timings", &json!({"apikey": "x"})).await;
    assert_eq!(
        (status, body["message"].clone()),
        (400, json!({"date": ["Missing data for required field."]}))
    );
}
