//! The OpenAPI document and Swagger UI.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

async fn document(app: &crate::helpers::TestApp) -> Value {
    let (status, text) = app.get("openapi.json").await;
    assert_eq!(status, 200);
    serde_json::from_str(&text).expect("json")
}

#[tokio::test]
async fn the_document_describes_what_validation_accepts() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.0.3");
    let place = &doc["paths"]["/placeorder"]["post"];
    let schema = &place["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(
        schema["required"],
        json!([
            "apikey", "strategy", "exchange", "symbol", "action", "quantity"
        ])
    );
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["properties"]["apikey"]["maxLength"], 256);
    let exchanges = schema["properties"]["exchange"]["enum"].as_array().unwrap();
    assert!(exchanges.contains(&json!("NSE")) && exchanges.contains(&json!("MCX")));
    assert_eq!(
        schema["properties"]["pricetype"]["enum"],
        json!(["MARKET", "LIMIT", "SL", "SL-M"])
    );
    assert_eq!(place["parameters"][0]["name"], "Idempotency-Key");
    assert!(doc["paths"]["/funds"]["post"].get("parameters").is_none());
    // Nested objects are described by the same readers.
    let legs = &doc["paths"]["/basketorder"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["properties"]["orders"];
    assert_eq!(legs["type"], "array");
    assert!(legs["items"]["properties"]["symbol"].is_object(), "{legs}");
    // GET endpoints take query parameters; the ticker its instrument in the path.
    let q = doc["paths"]["/instruments"]["get"]["parameters"]
        .as_array()
        .unwrap();
    assert!(
        q.iter()
            .any(|p| p["name"] == "apikey" && p["in"] == "query")
    );
    let t = doc["paths"]["/ticker/{instrument}"]["get"]["parameters"]
        .as_array()
        .unwrap();
    assert!(
        t.iter()
            .any(|p| p["name"] == "instrument" && p["in"] == "path")
    );
}

#[tokio::test]
async fn every_documented_endpoint_exists_and_rejects_undocumented_fields() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 30, "{} paths", paths.len());
    for (path, item) in paths {
        let Some(op) = item.get("post") else { continue };
        let schema = &op["requestBody"]["content"]["application/json"]["schema"];
        let required = schema["required"].as_array().cloned().unwrap_or_default();
        assert!(
            required.contains(&json!("apikey")),
            "{path} documents apikey"
        );
        let (status, body) = app
            .post(path.trim_start_matches('/'), &json!({"zz_undocumented": 1}))
            .await;
        assert_eq!(status, 400, "{path}: {body}");
        // Formats F3/F4 put the per-field errors under `errors`.
        let message = format!("{}{}", body["message"], body["errors"]);
        // An endpoint documented with `additionalProperties: true` drops unknown keys (the
        // reference's GTT place and modify); every other one refuses them.
        let drops = schema["additionalProperties"] == json!(true);
        assert_eq!(
            message.contains("zz_undocumented") && message.contains("Unknown field."),
            !drops,
            "{path}: {body}"
        );
        for field in &required {
            assert!(
                message.contains(field.as_str().unwrap()),
                "{path}: {field} reported missing: {body}"
            );
        }
    }
}

#[tokio::test]
async fn swagger_ui_is_served_from_vendored_assets() {
    let app = spawn_app().await;
    let (status, page) = app.get("").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("docs/swagger-ui-bundle.js") && !page.contains("http"),
        "{page}"
    );
    let r = app
        .client
        .get(format!("{}/api/v1/docs/swagger-ui-bundle.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/javascript");
    assert!(r.bytes().await.unwrap().len() > 1_000_000);
    let (status, init) = app.get("docs/swagger-init.js").await;
    assert!(status == 200 && init.contains("openapi.json"));
}

/// A body that satisfies `schema` (as documented), with `key` as the API key.
fn sample(schema: &Value, key: &str) -> Value {
    let mut body = serde_json::Map::new();
    let required = schema["required"].as_array().cloned().unwrap_or_default();
    for name in required {
        let name = name.as_str().expect("field names are strings");
        let field = &schema["properties"][name];
        let value = if name == "apikey" {
            json!(key)
        } else if let Some(values) = field["enum"].as_array() {
            values[0].clone()
        } else if field["type"] == "array" {
            json!([sample(&field["items"], key)
                .as_object()
                .map(|m| {
                    let mut m = m.clone();
                    m.remove("apikey");
                    Value::Object(m)
                })
                .expect("an object schema")])
        } else if name == "offset" {
            // Strike offsets have a pattern of their own.
            json!("ATM")
        } else if field["format"] == "date" {
            json!("2026-11-24")
        } else if field.get("oneOf").is_some() {
            // numbers, integers and booleans all accept these spellings
            if field["oneOf"][0]["type"] == "boolean" {
                json!(true)
            } else {
                json!("1")
            }
        } else {
            // Strings are checked for content after the key (symbols, order ids) or, as margin
            // quantities, hold numbers.
            json!("1")
        };
        body.insert(name.to_owned(), value);
    }
    Value::Object(body)
}

#[tokio::test]
async fn every_endpoint_that_checks_the_key_refuses_a_wrong_one_after_validation() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let public = ["/market/holidays", "/market/timings"];
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("post") else { continue };
        let schema = &op["requestBody"]["content"]["application/json"]["schema"];
        let body = sample(schema, &"0".repeat(64));
        let (status, answer) = app.post(path.trim_start_matches('/'), &body).await;
        if public.contains(&path.as_str()) {
            assert_ne!(status, 403, "{path} needs no key: {answer}");
            continue;
        }
        // The Greeks answer 401; endpoints that first quote the underlying name it.
        let want = if path.ends_with("optiongreeks") {
            401
        } else {
            403
        };
        assert_eq!(status, want, "{path} with {body}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m == "Invalid openalgo apikey"
                    || (m.starts_with("Failed to fetch LTP for ")
                        && m.ends_with(". Invalid openalgo apikey"))),
            "{path} with {body}: {answer}"
        );
        checked += 1;
    }
    assert!(checked >= 28, "{checked} endpoints checked");
}

#[tokio::test]
async fn wrong_methods_name_the_right_one_and_every_answer_is_documented() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let (method, op) = item.as_object().unwrap().iter().next().unwrap();
        for status in ["200", "400", "403", "405", "429", "500"] {
            assert!(
                op["responses"][status]["content"]["application/json"]["schema"].is_object(),
                "{path}: {status} undocumented"
            );
        }
        let url = format!(
            "{}/api/v1{}",
            app.address,
            path.replace("{instrument}", "NSE:SBIN")
        );
        let wrong = if method == "post" {
            app.client.delete(&url)
        } else {
            app.client.put(&url)
        };
        let r = wrong.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 405, "{path}");
        assert_eq!(
            r.headers()["allow"].to_str().unwrap(),
            method.to_uppercase(),
            "{path}"
        );
    }
    // Numbers are numbers or numeric strings; a whole quantity is documented as whole.
    let quantity = &doc["paths"]["/placeorder"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["properties"]["quantity"];
    assert_eq!(quantity["anyOf"][0]["multipleOf"], 1, "{quantity}");
    assert_eq!(quantity["anyOf"][0]["minimum"], 1, "{quantity}");
    let pattern = quantity["anyOf"][1]["pattern"].as_str().unwrap();
    assert!(!pattern.is_empty() && !pattern.contains("\\d"), "{pattern}");
}
