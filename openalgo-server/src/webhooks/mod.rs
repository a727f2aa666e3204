//! Webhook strategies at the server (platform §8.1, §8.3): the alert routes
//! (`/strategy/webhook/{id}`, `/chartink/webhook/{id}`), the strategies' storage, and the
//! scheduled square-off. An alert becomes an order through `openalgo_core::automation` and is
//! placed through the order service as the administrator — logged in the order log, checked by
//! the risk rules, in the account of the current mode — before the webhook answers; when the
//! administrator is in semi-auto mode it is queued in the Action Center instead.

pub mod square_off;

use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_core::automation::{
    Alert, AlertOrder, ChartinkAlert, OrderMode, Queued, WebhookStrategy,
};
use rand::RngCore;
use serde_json::{Map, Value, json};

use crate::app::AppState;
use crate::error::{ApiError, blocking};
use crate::orders::{Outcome, Reply, commands};
use crate::security::rate_limit::{LimitClass, RateLimiter};
use crate::store::{AlertRow, StrategyRow};

/// The largest alert body read (TradingView sends a few hundred bytes).
pub const MAX_ALERT_BYTES: usize = 16 * 1024;

/// A new webhook id: 128 random bits as 32 hex digits.
#[must_use]
pub fn new_webhook_id() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A stored strategy with its decoded body.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The row.
    pub row: StrategyRow,
    /// The strategy.
    pub strategy: WebhookStrategy,
}

/// Decodes a stored row.
///
/// # Errors
/// [`ApiError::Internal`] when the body does not decode.
pub fn decode(row: StrategyRow) -> Result<Stored, ApiError> {
    let strategy = serde_json::from_str(&row.body).map_err(ApiError::internal)?;
    Ok(Stored { row, strategy })
}

/// The strategy behind `webhook_id`.
async fn find(state: &AppState, webhook_id: String) -> Result<Option<Stored>, ApiError> {
    if webhook_id.len() != 32 || !webhook_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let store = std::sync::Arc::clone(&state.store);
    blocking(move || store.strategy_by_webhook(&webhook_id))
        .await??
        .map(decode)
        .transpose()
}

/// What one order of an alert did.
#[derive(Debug, Clone)]
pub struct Placed {
    /// Whether it was accepted.
    pub ok: bool,
    /// The order id, or the message of the answer.
    pub text: String,
}

/// Places `order` through the order service as the administrator, logged as `placeorder` or
/// `placesmartorder` with `request` as the logged body.
///
/// # Errors
/// [`ApiError`] when the order log cannot be written or there is no administrator.
pub async fn place(
    state: &AppState,
    order: AlertOrder,
    request: &Value,
) -> Result<Placed, ApiError> {
    let user = state
        .admin_id()
        .await?
        .ok_or_else(|| ApiError::BadRequest("Set up the administrator first".into()))?;
    if state.action_center.mode(user).await? == OrderMode::SemiAuto {
        return queue(state, user, &order).await;
    }
    let request = request.to_string();
    match order {
        AlertOrder::Place(o) => {
            let call = state
                .orders
                .begin("placeorder", request, String::new(), None);
            let a = call
                .run(user, move |t| async move {
                    commands::place(t, o.to_draft())
                        .await
                        .map_err(ApiError::from)
                })
                .await?;
            Ok(placed(&a.outcome))
        }
        AlertOrder::Smart(s) => {
            let call = state
                .orders
                .begin("placesmartorder", request, String::new(), None);
            let a = call
                .run(user, move |t| async move {
                    commands::smart(t, s).await.map_err(ApiError::from)
                })
                .await?;
            Ok(placed(&a.outcome))
        }
    }
}

/// The API request an alert's order is (`placeorder` or `placesmartorder`, without the key).
fn api_request(order: &AlertOrder) -> (Queued, Value) {
    let (endpoint, draft, target) = match order {
        AlertOrder::Place(o) => (Queued::PlaceOrder, o.to_draft(), None),
        AlertOrder::Smart(s) => (
            Queued::PlaceSmartOrder,
            s.template().clone(),
            Some(s.position_size()),
        ),
    };
    let mut body = json!({
        "strategy": draft.strategy.as_str(),
        "symbol": draft.instrument.symbol.as_str(),
        "exchange": draft.instrument.exchange.to_string(),
        "action": draft.action.to_string(),
        "quantity": draft.quantity.get().to_string(),
        "pricetype": draft.price_type.to_string(),
        "product": draft.product.to_string(),
        "price": draft.price.to_string(),
        "trigger_price": draft.trigger_price.to_string(),
        "disclosed_quantity": draft.disclosed_quantity.get().to_string(),
    });
    if let Some(target) = target {
        body["position_size"] = Value::from(target.to_string());
    }
    (endpoint, body)
}

/// Queues an alert's order in the Action Center (the administrator is in semi-auto mode): it
/// runs as the API request it stands for once approved.
async fn queue(state: &AppState, user: i64, order: &AlertOrder) -> Result<Placed, ApiError> {
    let (endpoint, body) = api_request(order);
    let id = state
        .action_center
        .queue(user, endpoint, body.to_string())
        .await?;
    Ok(Placed {
        ok: true,
        text: format!("queued for approval in Action Center (pending order {id})"),
    })
}

/// What an order call's outcome says: its order id, or its message.
fn placed<T: Reply>(outcome: &Outcome<T>) -> Placed {
    let (ok, body) = match outcome {
        Outcome::Ran(Ok(done)) => (true, done.body()),
        Outcome::Ran(Err(e)) => (false, e.body()),
        Outcome::Replayed => (false, Value::Null),
    };
    Placed {
        ok,
        text: body["orderid"]
            .as_str()
            .map(|id| format!("order {id}"))
            .or_else(|| body["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| body.to_string()),
    }
}

/// Appends to the strategy's alert log off the answer's path: the order itself is already in
/// the order log (committed before the answer), so a crash can lose at most this log row.
async fn log(state: &AppState, strategy_id: i64, payload: &[u8], ok: bool, outcome: &str) {
    let row = AlertRow {
        strategy_id,
        at_ms: state.clock.now_ms(),
        payload: String::from_utf8_lossy(payload).into_owned(),
        ok,
        outcome: outcome.to_owned(),
    };
    let store = std::sync::Arc::clone(&state.store);
    tokio::task::spawn_blocking(move || {
        if let Err(e) = store.log_alert(&row) {
            tracing::warn!(error = %e, "alert not logged");
        }
    });
}

fn error(status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({"status": "error", "message": message}))
}

/// The refusal of a webhook that is over its rate limit, or whose body is not a JSON object
/// of acceptable size; `Ok(body)` otherwise.
async fn admit(
    state: &AppState,
    req: &HttpRequest,
    route: &str,
    body: &[u8],
) -> Result<Map<String, Value>, HttpResponse> {
    if let (Some(limiter), Some(ip)) = (
        req.app_data::<web::Data<RateLimiter>>(),
        crate::security::client_ip::of(req),
    ) && let Some(limit) = limiter
        .admit(LimitClass::Webhook, route, ip, state.clock.now_ms())
        .await
    {
        return Err(error(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            &format!("Rate limit exceeded ({limit})"),
        ));
    }
    if body.len() > MAX_ALERT_BYTES {
        return Err(error(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            &format!("Alert body is larger than {MAX_ALERT_BYTES} bytes"),
        ));
    }
    let form = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if form {
        // Chartink and some bridges post a form: each field a string.
        return form_urlencoded::parse(body)
            .map(|(k, v)| Ok((k.into_owned(), Value::String(v.into_owned()))))
            .collect();
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(error(
            actix_web::http::StatusCode::BAD_REQUEST,
            "The alert must be a JSON object (or a form)",
        )),
    }
}

/// An unknown, malformed or disabled webhook id: one answer, so a caller learns nothing.
fn not_found() -> HttpResponse {
    error(actix_web::http::StatusCode::NOT_FOUND, "Invalid webhook ID")
}

/// The active strategy of `source` behind `id` and the alert's fields, or the answer that
/// refuses the call (rate limit, body, unknown or disabled webhook).
async fn receive(
    state: &AppState,
    req: &HttpRequest,
    source: &'static str,
    id: String,
    body: &[u8],
) -> Result<Result<(Stored, Map<String, Value>), HttpResponse>, ApiError> {
    let fields = match admit(state, req, source, body).await {
        Ok(m) => m,
        Err(refused) => return Ok(Err(refused)),
    };
    Ok(find(state, id)
        .await?
        .filter(|s| s.row.source == source && s.strategy.active)
        .map(|s| (s, fields))
        .ok_or_else(not_found))
}

/// Logs a refused alert and answers 400 with the reason.
async fn refuse(state: &AppState, s: &Stored, body: &[u8], reason: &str) -> HttpResponse {
    log(state, s.row.id, body, false, reason).await;
    error(actix_web::http::StatusCode::BAD_REQUEST, reason)
}

/// `POST /strategy/webhook/{id}`: a TradingView, GoCharting, Amibroker or Python alert.
///
/// # Errors
/// [`ApiError`] when the store or the order log fails.
pub async fn strategy_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (s, fields) = match receive(&state, &req, "webhook", id.into_inner(), &body).await? {
        Ok(x) => x,
        Err(refused) => return Ok(refused),
    };
    let now = state.clock.now_ist().time();
    let order = match Alert::from_json(&fields).and_then(|a| s.strategy.order_for(&a, now)) {
        Ok(o) => o,
        Err(e) => return Ok(refuse(&state, &s, &body, &e.to_string()).await),
    };
    let what = order.describe();
    let request = json!({"strategy": s.strategy.name.as_str(), "webhook": true, "order": what});
    let placed = place(&state, order, &request).await?;
    let outcome = format!("{what}: {}", placed.text);
    log(&state, s.row.id, &body, placed.ok, &outcome).await;
    Ok(if placed.ok {
        HttpResponse::Ok().json(json!({"status": "success", "message": outcome}))
    } else {
        error(actix_web::http::StatusCode::BAD_REQUEST, &outcome)
    })
}

/// `POST /chartink/webhook/{id}`: a Chartink scanner alert.
///
/// # Errors
/// [`ApiError`] when the store or the order log fails.
pub async fn chartink_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (s, fields) = match receive(&state, &req, "chartink", id.into_inner(), &body).await? {
        Ok(x) => x,
        Err(refused) => return Ok(refused),
    };
    let now = state.clock.now_ist().time();
    let orders =
        match ChartinkAlert::from_json(&fields).and_then(|a| s.strategy.chartink_orders(&a, now)) {
            Ok(o) => o,
            Err(e) => return Ok(refuse(&state, &s, &body, &e.to_string()).await),
        };
    let mut results = Vec::new();
    let mut all_ok = !orders.orders.is_empty();
    for (stock, order) in orders.orders {
        let what = order.describe();
        let request =
            json!({"strategy": s.strategy.name.as_str(), "webhook": "chartink", "order": what});
        let placed = place(&state, order, &request).await?;
        all_ok &= placed.ok;
        results.push(json!({"symbol": stock, "status": if placed.ok { "success" } else { "error" }, "message": placed.text}));
    }
    let summary = format!(
        "{} order(s), {} skipped (not mapped): {}",
        results.len(),
        orders.skipped.len(),
        orders.skipped.join(", ")
    );
    log(
        &state,
        s.row.id,
        &body,
        all_ok,
        &format!("{summary}; {}", Value::Array(results.clone())),
    )
    .await;
    if results.is_empty() {
        return Ok(HttpResponse::Ok().json(json!({"status": "warning", "message": "No orders were placed: no listed stock is mapped", "skipped": orders.skipped})));
    }
    Ok(HttpResponse::Ok().json(json!({
        "status": if all_ok { "success" } else { "partial" },
        "results": results,
        "skipped": orders.skipped,
    })))
}

/// Registers the webhook routes (CSRF-exempt: they carry no session).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/strategy/webhook/{id}", web::post().to(strategy_webhook))
        .route("/chartink/webhook/{id}", web::post().to(chartink_webhook));
}
