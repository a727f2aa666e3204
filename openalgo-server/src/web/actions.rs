//! Order actions from the pages. Each one is a CSRF-checked form post that reads its fields
//! into a typed command and runs it through the order service as the signed-in user, in the
//! account of the current mode, logged in the order log like an API call. It also counts
//! against the endpoint's `/api/v1` rate limit for the client's address (the pages do not go
//! through the `/api/v1` middleware), so the pages are no way around it.

use std::collections::HashMap;
use std::future::Future;

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::{ModifyOrder, OrderError, OrderId};
use serde_json::Value;

use super::layout::redirect_with;
use super::order_form::draft;
use super::{FormData, admit_signed_in, field};
use crate::app::AppState;
use crate::error::ApiError;
use crate::orders::{Answer, Outcome, Reply, commands};
use crate::security::rate_limit::RateLimiter;
use openalgo_core::orders::OrderService;

/// The answer of a page's order command: whether it succeeded and its message or order id.
#[derive(Debug)]
pub(super) struct Acted {
    /// Whether the command succeeded.
    pub ok: bool,
    /// The order id, when the command placed or changed one order.
    pub order_id: Option<String>,
    /// The message of the answer, if it has one.
    pub message: Option<String>,
}

fn acted<T: Reply>(answer: &Answer<T>) -> Acted {
    let body = match &answer.outcome {
        Outcome::Ran(Ok(done)) => done.body(),
        Outcome::Ran(Err(e)) => e.body(),
        Outcome::Replayed => Value::Null,
    };
    let message = match &body["message"] {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    Acted {
        ok: matches!(answer.outcome, Outcome::Ran(Ok(_))),
        order_id: body["orderid"].as_str().map(str::to_owned),
        message,
    }
}

/// Runs `command` with the request `parse` reads from `form`, as `user_id`, through the order
/// service; a rate-limited or malformed request is refused with its message.
///
/// # Errors
/// 500 when the order log cannot be written.
pub(super) async fn run<P, T, C, Fut>(
    state: &AppState,
    req: &HttpRequest,
    user_id: i64,
    endpoint: &'static str,
    form: &HashMap<String, String>,
    parse: impl FnOnce(&HashMap<String, String>) -> Result<P, String>,
    command: C,
) -> Result<Acted, ApiError>
where
    T: Reply,
    C: FnOnce(OrderService, P) -> Fut,
    Fut: Future<Output = Result<T, OrderError>>,
{
    let limiter = req.app_data::<web::Data<RateLimiter>>().cloned();
    if let (Some(limiter), Some(ip)) = (limiter, crate::security::client_ip::of(req))
        && let Some(limit) = limiter.check(endpoint, ip, state.clock.now_ms())
    {
        return Ok(Acted {
            ok: false,
            order_id: None,
            message: Some(format!("Rate limit exceeded ({limit}); try again shortly")),
        });
    }
    let logged: serde_json::Map<String, Value> = form
        .iter()
        .filter(|(k, _)| k.as_str() != "csrf_token")
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let call = state.orders.begin(
        endpoint,
        Value::Object(logged).to_string(),
        String::new(),
        None,
    );
    let answer = match parse(form) {
        Err(message) => {
            call.refuse::<T>(ApiError::BadRequest(message), true)
                .await?
        }
        Ok(request) => {
            call.run(user_id, move |t| async move {
                command(t, request).await.map_err(ApiError::from)
            })
            .await?
        }
    };
    Ok(acted(&answer))
}

fn order_id(form: &HashMap<String, String>) -> Result<OrderId, String> {
    OrderId::new(field(form, "orderid").trim()).map_err(|_| "Order ID is missing".to_owned())
}

/// Runs one page action and redirects to `back` with its outcome as the flash message.
#[allow(clippy::too_many_arguments)]
pub(super) async fn act<P, T, C, Fut>(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
    back: &str,
    endpoint: &'static str,
    parse: impl FnOnce(&HashMap<String, String>) -> Result<P, String>,
    command: C,
    success: &str,
) -> Result<HttpResponse, ApiError>
where
    T: Reply,
    C: FnOnce(OrderService, P) -> Fut,
    Fut: Future<Output = Result<T, OrderError>>,
{
    let s = match admit_signed_in(&state, &req, &form).await? {
        Ok(s) => s,
        Err(refused) => return Ok(refused),
    };
    let done = run(&state, &req, s.user_id, endpoint, &form, parse, command).await?;
    let text = if done.ok {
        match (&done.order_id, &done.message) {
            (Some(id), _) => format!("{success}: order {id}"),
            (None, Some(m)) => m.clone(),
            (None, None) => success.to_owned(),
        }
    } else {
        done.message
            .unwrap_or_else(|| "The broker refused the request".to_owned())
    };
    Ok(redirect_with(back, done.ok, &text))
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
        "cancelorder",
        order_id,
        commands::cancel,
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
        "cancelallorder",
        |_| Ok(()),
        |t, ()| commands::cancel_all(t),
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
        "modifyorder",
        |f| ModifyOrder::new(order_id(f)?, draft(f)?).map_err(|e| e.to_string()),
        commands::modify,
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
        "placeorder",
        |f| {
            // The opposite market order for the whole net quantity.
            let net: i64 = field(f, "quantity").trim().parse().unwrap_or(0);
            let mut order = f.clone();
            order.insert("action".into(), if net < 0 { "BUY" } else { "SELL" }.into());
            order.insert("quantity".into(), net.unsigned_abs().to_string());
            order.insert("pricetype".into(), "MARKET".into());
            order.insert("price".into(), "0".into());
            draft(&order)
        },
        commands::place,
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
        "closeposition",
        |_| Ok(()),
        |t, ()| commands::close_all(t),
        "Closed every open position",
    )
    .await
}
