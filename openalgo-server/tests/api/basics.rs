//! Routing, envelopes, authentication and validation formats.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn ping_answers_with_the_broker_for_a_valid_key_only() {
    let app = spawn_app().await;
    let (status, body) = app.post("ping", &app.with_key(json!({}))).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"status": "success", "data": {"message": "pong", "broker": "simulator"}})
    );
    let (status, body) = app.post("ping/", &json!({"apikey": "0".repeat(64)})).await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"status": "error", "message": "Invalid openalgo apikey"})
    );
}

#[tokio::test]
async fn schema_errors_come_before_the_key_check() {
    let app = spawn_app().await;
    let (status, body) = app
        .post("ping", &json!({"apikey": "bad", "extra": 1}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"status": "error", "message": {"extra": ["Unknown field."]}})
    );
    let (status, body) = app.post("funds", &json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        json!({"apikey": ["Missing data for required field."]})
    );
    let (status, body) = app.post("funds", &json!([1, 2])).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], json!({"_schema": ["Invalid input type."]}));
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_answer_in_json() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(format!("{}/api/v1/nosuch", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({"status": "error", "message": "Not found", "path": "/api/v1/nosuch"})
    );
    let r = app
        .client
        .get(format!("{}/api/v1/placeorder", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({"message": "The method is not allowed for the requested URL."})
    );
}

#[tokio::test]
async fn order_endpoints_are_rate_limited_with_the_reference_body() {
    let app = spawn_app().await;
    let bad = json!({"strategy": "S"}); // schema errors still count, as upstream
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let r = app
            .client
            .post(format!("{}/api/v1/placeorder", app.address))
            .json(&app.with_key(bad.clone()))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status().as_u16() == 429 {
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body, json!({"message": "10 per 1 second"}));
        }
    }
    assert_eq!(statuses.iter().filter(|&&s| s == 400).count(), 10);
    assert_eq!(statuses.iter().filter(|&&s| s == 429).count(), 2);
    // Another endpoint has its own counter.
    let (status, _) = app.post("funds", &app.with_key(json!({}))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn health_probes() {
    let app = spawn_app().await;
    let get = |path: &'static str| {
        let url = format!("{}{path}", app.address);
        let client = app.client.clone();
        async move {
            let r = client.get(url).send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let (status, body) = get("/health").await;
    assert_eq!(
        (status, body["status"].as_str(), body["serviceId"].as_str()),
        (200, Some("pass"), Some("openalgo"))
    );
    assert_eq!(get("/health/live").await.0, 200);
    let (status, body) = get("/health/ready").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["checks"]["database:connectivity"][0]["status"], "pass");
    assert_eq!(
        body["checks"]["broker:session"][0]["componentId"],
        "simulator"
    );
    let (_, body) = get("/health/startup").await;
    assert!(body["startup_ms"].as_u64().is_some());
    let (_, body) = get("/health/metrics").await;
    assert!(body["instruments"].as_u64().unwrap() > 700);
}
