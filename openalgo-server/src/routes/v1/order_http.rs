//! Order endpoints over HTTP: the idempotency key and the logged form of the request are read
//! from the request, the handler's parse step validates and authenticates, and the typed
//! command runs in an [`OrderCall`](crate::orders::OrderCall) that logs the answer before it is
//! sent. Nothing here works on answer bytes.

use std::future::Future;

use actix_web::http::header::{ContentType, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use openalgo_core::OrderError;
use serde_json::Value;

use crate::app::AppState;
use crate::error::{ApiError, InvalidApiKeyMarker};
use crate::orders::idempotency::{self, HEADER, fingerprint};
use crate::orders::{Answer, Outcome, Reply};
use crate::state::Mode;
use openalgo_core::orders::OrderService;

/// The request body as logged: JSON with `apikey` removed (or the raw text when not JSON).
pub(crate) fn redacted(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut m)) => {
            m.remove("apikey");
            Value::Object(m).to_string()
        }
        Ok(other) => other.to_string(),
        Err(_) => String::from_utf8_lossy(body).chars().take(4096).collect(),
    }
}

/// Serves one order call: `parse` validates and authenticates (its errors are refusals,
/// carrying the analyzer marker when `mark_refusals`), `command` runs on the call's account.
///
/// # Errors
/// When the order log or the idempotency store fails.
pub(super) async fn serve<P, T, C, Fut>(
    state: &AppState,
    req: &HttpRequest,
    endpoint: &'static str,
    body: &[u8],
    mark_refusals: bool,
    parse: impl Future<Output = Result<(i64, P), ApiError>>,
    command: C,
) -> Result<HttpResponse, ApiError>
where
    T: Reply,
    C: FnOnce(OrderService, P, Mode) -> Fut,
    Fut: Future<Output = Result<T, OrderError>>,
{
    let key = idempotency::key_of(req.headers().get(HEADER));
    let key_value = key.as_ref().ok().cloned().flatten();
    // Only a keyed request is compared with an earlier one.
    let print = key_value
        .as_ref()
        .map_or_else(String::new, |_| fingerprint(body));
    let call = state
        .orders
        .begin(endpoint, redacted(body), print, key_value);
    let answer: Answer<T> = match key {
        Err(e) => call.refuse(e, false).await?,
        Ok(_) => match parse.await {
            Err(e) => call.refuse(e, mark_refusals).await?,
            Ok((user_id, request)) => {
                let mode = call.mode();
                call.run(user_id, move |t| async move {
                    command(t, request, mode).await.map_err(ApiError::from)
                })
                .await?
            }
        },
    };
    Ok(response(answer))
}

/// The HTTP answer of a call.
fn response<T>(answer: Answer<T>) -> HttpResponse {
    let refused_key = answer.refused_key();
    let mut res = HttpResponse::build(answer.status)
        .content_type(ContentType::json())
        .body(answer.body);
    if matches!(answer.outcome, Outcome::Replayed) {
        res.headers_mut().insert(
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    if refused_key {
        res.extensions_mut().insert(InvalidApiKeyMarker);
    }
    res
}
