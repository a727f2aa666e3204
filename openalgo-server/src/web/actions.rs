//! Order actions from the pages. Each one is a CSRF-checked form post that runs the matching
//! `/api/v1` endpoint in-process with the signed-in user's API key (so it is validated, logged
//! in the order log and sent to the current account exactly like an API call), then returns
//! to the page with the answer's message.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::layout::redirect_with;
use super::{FormData, admit_signed_in, blocking, field};
use crate::error::ApiError;
use crate::routes::v1::{OrderCall, call};
use crate::state::AppState;

/// The strategy tag of orders placed from the pages.
pub(super) const STRATEGY: &str = "dashboard";

/// The API key of `user_id` (decrypted from its stored copy).
///
/// # Errors
/// 500 when the store fails or the user has no key.
pub(super) async fn api_key(state: &AppState, user_id: i64) -> Result<String, ApiError> {
    let keys = Arc::clone(&state.api_keys);
    blocking(move || keys.reveal(user_id))
        .await?
        .ok_or_else(|| ApiError::Internal("the user has no API key".into()))
}

/// Runs `endpoint` with `body` plus the user's key; `(ok, message)` of the answer.
///
/// # Errors
/// 500 when the key cannot be read or the order log cannot be written.
pub(super) async fn run(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    user_id: i64,
    endpoint: OrderCall,
    mut body: Value,
) -> Result<(bool, Value), ApiError> {
    body["apikey"] = Value::String(api_key(state, user_id).await?);
    body["strategy"] = Value::String(STRATEGY.into());
    let (status, answer) = call(state.clone(), req.clone(), endpoint, &body).await?;
    Ok((status == 200 && answer["status"] == "success", answer))
}

/// The message of an answer.
pub(super) fn message(answer: &Value, success: &str) -> String {
    answer["message"]
        .as_str()
        .map_or_else(|| success.to_owned(), str::to_owned)
}

async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
    back: &str,
    endpoint: OrderCall,
    body: impl FnOnce(&std::collections::HashMap<String, String>) -> Value,
    success: &str,
) -> Result<HttpResponse, ApiError> {
    let s = match admit_signed_in(&state, &req, &form).await? {
        Ok(s) => s,
        Err(refused) => return Ok(refused),
    };
    let (ok, answer) = run(&state, &req, s.user_id, endpoint, body(&form)).await?;
    let text = if ok {
        match answer["orderid"].as_str() {
            Some(id) => format!("{success}: order {id}"),
            None => message(&answer, success),
        }
    } else {
        message(&answer, "The broker refused the request")
    };
    Ok(redirect_with(back, ok, &text))
}

pub(super) async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        req,
        form,
        "/orderbook",
        OrderCall::Cancel,
        |f| json!({"orderid": field(f, "orderid")}),
        "Cancelled",
    )
    .await
}

pub(super) async fn cancel_all(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        req,
        form,
        "/orderbook",
        OrderCall::CancelAll,
        |_| json!({}),
        "Cancelled every open order",
    )
    .await
}

pub(super) async fn modify(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        req,
        form,
        "/orderbook",
        OrderCall::Modify,
        |f| {
            let mut b = json!({});
            for k in [
                "orderid",
                "symbol",
                "exchange",
                "action",
                "product",
                "pricetype",
                "quantity",
                "price",
                "trigger_price",
                "disclosed_quantity",
            ] {
                b[k] = Value::String(field(f, k).trim().to_owned());
            }
            b
        },
        "Modified",
    )
    .await
}

pub(super) async fn close(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        req,
        form,
        "/positions",
        OrderCall::Place,
        |f| {
            // The opposite market order for the whole net quantity.
            let net: i64 = field(f, "quantity").trim().parse().unwrap_or(0);
            json!({
                "symbol": field(f, "symbol"),
                "exchange": field(f, "exchange"),
                "product": field(f, "product"),
                "action": if net < 0 { "BUY" } else { "SELL" },
                "quantity": net.unsigned_abs().to_string(),
                "pricetype": "MARKET",
                "price": "0",
            })
        },
        "Position closed",
    )
    .await
}

pub(super) async fn close_all(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        req,
        form,
        "/positions",
        OrderCall::CloseAll,
        |_| json!({}),
        "Closed every open position",
    )
    .await
}
