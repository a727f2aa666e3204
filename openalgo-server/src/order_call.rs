//! Order calls: every order request is written to the order log with its answer before the
//! answer is sent, and `Idempotency-Key` makes retries safe: the first answer to a key is stored
//! and returned again for every retry, so a retried request never places a second order.
//! Requests with the same key are serialised while the first one runs.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::error::ApiError;
use crate::state::AppState;

/// The header clients send.
pub const HEADER: &str = "Idempotency-Key";
const MAX_KEY_LEN: usize = 255;

/// In-flight keys.
#[derive(Debug, Default)]
pub struct KeyLocks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl KeyLocks {
    fn get(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() > 10_000 {
            map.retain(|_, m| Arc::strong_count(m) > 1);
        }
        Arc::clone(map.entry(key.to_owned()).or_default())
    }
}

fn json_response(status: u16, body: String) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .content_type(ContentType::json())
        .body(body)
}

/// The request body as logged: JSON with `apikey` removed (or the raw text when not JSON).
fn redacted(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut m)) => {
            m.remove("apikey");
            serde_json::Value::Object(m).to_string()
        }
        Ok(other) => other.to_string(),
        Err(_) => String::from_utf8_lossy(body).chars().take(4096).collect(),
    }
}

/// Runs an order handler: logs request and answer before answering, and with an
/// `Idempotency-Key` runs it at most once per key.
///
/// # Errors
/// 400 for an over-long key or a key reused on another endpoint; 500 when the log cannot be
/// written (the answer is then not sent as a success).
pub async fn once<F, Fut>(
    state: &AppState,
    req: &HttpRequest,
    endpoint: &str,
    body: &[u8],
    handler: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<HttpResponse, ApiError>>,
{
    let pending = state.journal.pending_log();
    let Some(key) = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
    else {
        let (status, text, invalid_key) = run(handler).await?;
        let text = mark_analyze_error(state, endpoint, status, text);
        log(state, endpoint, body, status, &text, pending).await?;
        return Ok(marked(json_response(status.as_u16(), text), invalid_key));
    };
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(ApiError::BadRequest(format!(
            "{HEADER} must be 1 to {MAX_KEY_LEN} characters"
        )));
    }
    let lock = state.idempotency.get(key);
    let _guard = lock.lock().await;
    let store = Arc::clone(&state.store);
    let lookup = key.to_owned();
    let stored = actix_web::web::block(move || store.idempotent_answer(&lookup))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some((first_endpoint, status, body)) = stored {
        if first_endpoint != endpoint {
            return Err(ApiError::BadRequest(format!(
                "{HEADER} '{key}' was already used for {first_endpoint}"
            )));
        }
        return Ok(json_response(status, body).customize_header());
    }
    let (status, text, invalid_key) = run(handler).await?;
    let text = mark_analyze_error(state, endpoint, status, text);
    log(state, endpoint, body, status, &text, pending).await?;
    let body = text;
    // Transient failures and throttling are not answers: a retry must run again.
    if !status.is_server_error() && status != StatusCode::TOO_MANY_REQUESTS {
        let store = Arc::clone(&state.store);
        let (k, e, b) = (key.to_owned(), endpoint.to_owned(), body.clone());
        actix_web::web::block(move || store.save_idempotent_answer(&k, &e, status.as_u16(), &b))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(marked(json_response(status.as_u16(), body), invalid_key))
}

/// Keeps the invalid-API-key marker of the handler's answer on the rebuilt response.
fn marked(mut res: HttpResponse, invalid_key: bool) -> HttpResponse {
    if invalid_key {
        res.extensions_mut()
            .insert(crate::security::InvalidApiKeyMarker);
    }
    res
}

/// In analyze mode the reference marks error bodies of these endpoints with `mode` too
/// (placeorder keeps a plain body).
fn mark_analyze_error(
    state: &AppState,
    endpoint: &str,
    status: StatusCode,
    text: String,
) -> String {
    if state.mode() != crate::state::Mode::Analyze
        || status == StatusCode::OK
        || endpoint == "placeorder"
    {
        return text;
    }
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(mut m)) if m.contains_key("status") => {
            m.insert("mode".into(), "analyze".into());
            serde_json::Value::Object(m).to_string()
        }
        _ => text,
    }
}

/// Runs the handler and captures its answer.
async fn run<F, Fut>(handler: F) -> Result<(StatusCode, String, bool), ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<HttpResponse, ApiError>>,
{
    let response = match handler().await {
        Ok(r) => r,
        Err(e) => e.error_response(),
    };
    let status = response.status();
    let invalid_key = response
        .extensions()
        .contains::<crate::security::InvalidApiKeyMarker>();
    let bytes = actix_web::body::to_bytes(response.into_body())
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        status,
        String::from_utf8_lossy(&bytes).into_owned(),
        invalid_key,
    ))
}

/// Writes the order log entry (off the async executor).
async fn log(
    state: &AppState,
    endpoint: &str,
    body: &[u8],
    status: StatusCode,
    response: &str,
    pending: crate::journal::PendingLog,
) -> Result<(), ApiError> {
    let entry = crate::store::OrderLogEntry {
        api_type: endpoint.to_owned(),
        mode: state.mode().as_str().to_owned(),
        request: redacted(body),
        status: status.as_u16(),
        response: response.to_owned(),
        created_at: None,
    };
    state
        .journal
        .log(entry, pending)
        .await
        .map_err(ApiError::Internal)
}

trait Replayed {
    fn customize_header(self) -> Self;
}

impl Replayed for HttpResponse {
    /// Marks a replayed answer so clients can tell.
    fn customize_header(mut self) -> Self {
        self.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("idempotent-replayed"),
            actix_web::http::header::HeaderValue::from_static("true"),
        );
        self
    }
}
