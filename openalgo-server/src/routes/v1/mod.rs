//! `/api/v1`: thin handlers — parse the body, build core requests, call the broker or the
//! order service, answer with OpenAlgo's envelope.

/// An order endpoint: `$name` validates and authenticates with `$parse` (its refusals carry the
/// analyzer marker when `$mark`), then runs the typed `$command` in an order call (order log,
/// `Idempotency-Key`); with `with_mode` the command also receives the call's mode. With
/// `approved $approved`, the endpoint is one a semi-auto user's calls are queued for, and
/// `$approved` runs an approved request through the same steps (`approved.rs`).
macro_rules! order_call {
    ($name:ident, $parse:ident, $command:expr, $mark:expr) => {
        order_call!(@serve $name, $parse, |t, p, _mode| ($command)(t, p), $mark);
    };
    ($name:ident, $parse:ident, $command:expr, $mark:expr, approved $approved:ident) => {
        order_call!(@serve $name, $parse, |t, p, _mode| ($command)(t, p), $mark);
        order_call!(@approved $approved, $name, $parse, |t, p, _mode| ($command)(t, p), $mark);
    };
    // A command that also takes the call's mode (captured once by the order desk).
    ($name:ident, $parse:ident, $command:expr, $mark:expr, with_mode, approved $approved:ident) => {
        order_call!(@serve $name, $parse, $command, $mark);
        order_call!(@approved $approved, $name, $parse, $command, $mark);
    };
    (@serve $name:ident, $parse:ident, $command:expr, $mark:expr) => {
        pub(super) async fn $name(
            state: actix_web::web::Data<crate::app::AppState>,
            req: actix_web::HttpRequest,
            body: actix_web::web::Bytes,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            super::order_http::serve(
                &state,
                &req,
                stringify!($name),
                &body,
                $mark,
                $parse(&state, &body),
                $command,
            )
            .await
        }
    };
    (@approved $approved:ident, $name:ident, $parse:ident, $command:expr, $mark:expr) => {
        pub(super) async fn $approved(
            state: &crate::app::AppState,
            body: &[u8],
        ) -> Result<super::order_http::Rendered, crate::error::ApiError> {
            let call = super::order_http::Call {
                route: super::order_http::Route::Approved,
                endpoint: stringify!($name),
                body,
                mark_refusals: $mark,
            };
            call.answer(state, Ok(None), $parse(state, body), $command)
                .await
        }
    };
}

mod account;
pub(crate) mod approved;
mod calendar;
mod compound;
mod docs;
mod extended;
mod gtt;
mod gtt_fields;
mod margin;
mod market;
pub(crate) mod openapi;
mod option_orders;
mod options;
mod order_fields;
mod order_http;
mod orders;
mod redact;
mod requests;
mod responses;
pub(crate) mod risk;
mod schema;
mod streamed;
mod symbols;
pub(crate) mod table;

use actix_web::{HttpResponse, web};
use openalgo_core::{Exchange, InstrumentKey, Symbol};
use serde_json::json;

use crate::app::AppState;
use crate::error::ApiError;
use crate::validation::{Format, object, validate};

/// Registers the v1 endpoints of the table, each with and without a trailing slash, and the
/// documentation.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    table::configure(cfg);
    docs::configure(cfg);
}

/// The reference's 405 body, with the `Allow` header naming the endpoint's method.
async fn method_not_allowed(allow: &'static str) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((actix_web::http::header::ALLOW, allow))
        .json(json!({"message": "The method is not allowed for the requested URL."}))
}

/// A value validation guarantees is present.
fn present<T>(value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::Internal("validated field missing".into()))
}

/// An instrument that must be in the master (market-data endpoints).
fn listed(state: &AppState, symbol: &str, exchange: Exchange) -> Result<InstrumentKey, ApiError> {
    let not_found = || {
        ApiError::BadRequest(format!(
            "Symbol '{symbol}' not found for exchange '{exchange}'. Please verify the symbol name and ensure master contracts are downloaded."
        ))
    };
    let sym = Symbol::new(symbol).map_err(|_| not_found())?;
    state
        .symbols()
        .get(symbol, exchange)
        .ok_or_else(not_found)?;
    Ok(InstrumentKey::new(sym, exchange))
}

/// Validates a body that carries only `apikey` and authenticates it.
async fn key_only(state: &AppState, body: &[u8]) -> Result<i64, ApiError> {
    let v = validate(
        requests::KEY_ONLY,
        object(body, Format::Object)?,
        Format::Object,
    )?;
    state.authenticate(&v.text("apikey")?).await
}

async fn ping(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    key_only(&state, &body).await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "success",
        "data": {"message": "pong", "broker": state.broker().id()}
    })))
}

/// The analyzer status payload; `total_logs` counts the analyzer log (analyze-mode order calls).
async fn analyzer_data(
    state: &AppState,
    mode: crate::state::Mode,
) -> Result<serde_json::Value, ApiError> {
    let store = std::sync::Arc::clone(&state.store);
    let total = crate::error::blocking(move || store.order_log_count("analyze")).await??;
    Ok(
        json!({"mode": mode.as_str(), "analyze_mode": mode == crate::state::Mode::Analyze, "total_logs": total}),
    )
}

async fn analyzer_status(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::ANALYZER.validate(&body)?;
    state.authenticate(&v.text("apikey")?).await?;
    Ok(HttpResponse::Ok()
        .json(json!({"status": "success", "data": analyzer_data(&state, state.mode()).await?})))
}

async fn analyzer_toggle(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = table::ANALYZER_TOGGLE.validate(&body)?;
    let on = v.opt_bool("mode");
    state.authenticate(&v.text("apikey")?).await?;
    let mode = state.set_analyze(present(on)?).await?;
    let mut data = analyzer_data(&state, mode).await?;
    data["message"] = json!(format!("Analyzer mode switched to {}", mode.as_str()));
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": data})))
}
