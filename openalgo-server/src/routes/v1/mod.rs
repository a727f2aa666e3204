//! `/api/v1`: thin handlers — parse the body, build core requests, call the broker or the
//! order service, answer with OpenAlgo's envelope.

/// An order endpoint: `$name` logs the call and honours `Idempotency-Key` around `$inner`.
macro_rules! order_call {
    ($name:ident, $inner:ident) => {
        pub(super) async fn $name(
            state: actix_web::web::Data<crate::state::AppState>,
            req: actix_web::HttpRequest,
            body: actix_web::web::Bytes,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            let inner = state.clone();
            let raw = body.clone();
            crate::order_call::once(&state, &req, stringify!($name), &raw, move || {
                $inner(inner, body)
            })
            .await
        }
    };
}

mod account;
mod calendar;
mod compound;
mod extended;
mod margin;
mod market;
mod order_fields;
mod orders;
mod symbols;

use actix_web::{HttpResponse, web};
use openalgo_core::{Exchange, InstrumentKey, Symbol};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;
use crate::validation::{Form, Format, object};

/// Registers the v1 endpoints, each with and without a trailing slash; a wrong method gets
/// the reference's 405 body.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    macro_rules! post {
        ($($name:literal => $handler:path),+ $(,)?) => {
            $(
                cfg.service(
                    web::resource([concat!("/", $name), concat!("/", $name, "/")])
                        .route(web::post().to($handler))
                        .default_service(web::to(method_not_allowed)),
                );
            )+
        };
    }
    cfg.service(
        web::resource(["/instruments", "/instruments/"])
            .route(web::get().to(extended::instruments))
            .default_service(web::to(method_not_allowed)),
    );
    cfg.service(
        web::resource(["/ticker/{instrument}", "/ticker/{instrument}/"])
            .route(web::get().to(extended::ticker))
            .default_service(web::to(method_not_allowed)),
    );
    post! {
        "ping" => ping,
        "funds" => account::funds,
        "orderbook" => account::orderbook,
        "tradebook" => account::tradebook,
        "positionbook" => account::positionbook,
        "holdings" => account::holdings,
        "quotes" => market::quotes,
        "depth" => market::depth,
        "history" => market::history,
        "intervals" => market::intervals,
        "placeorder" => orders::placeorder,
        "modifyorder" => orders::modifyorder,
        "cancelorder" => orders::cancelorder,
        "orderstatus" => orders::orderstatus,
        "placesmartorder" => compound::placesmartorder,
        "splitorder" => compound::splitorder,
        "basketorder" => compound::basketorder,
        "cancelallorder" => compound::cancelallorder,
        "closeposition" => compound::closeposition,
        "openposition" => compound::openposition,
        "multiquotes" => extended::multiquotes,
        "margin" => margin::margin,
        "pnl/symbols" => extended::pnl_symbols,
        "analyzer" => analyzer_status,
        "analyzer/toggle" => analyzer_toggle,
        "symbol" => symbols::symbol,
        "search" => symbols::search,
        "expiry" => symbols::expiry,
        "market/holidays" => calendar::holidays,
        "market/timings" => calendar::timings,
    }
}

async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
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
    state.symbols.get(symbol, exchange).ok_or_else(not_found)?;
    Ok(InstrumentKey::new(sym, exchange))
}

/// Validates a body that carries only `apikey` and authenticates it.
async fn key_only(state: &AppState, body: &[u8]) -> Result<i64, ApiError> {
    let mut f = Form::new(object(body, Format::Object)?, Format::Object);
    let key = f.string("apikey", true, 1, 256);
    f.finish()?;
    state.authenticate(&present(key)?).await
}

async fn ping(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    key_only(&state, &body).await?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "success",
        "data": {"message": "pong", "broker": state.broker().id()}
    })))
}

fn analyzer_data(mode: crate::state::Mode) -> serde_json::Value {
    json!({"mode": mode.as_str(), "analyze_mode": mode == crate::state::Mode::Analyze, "total_logs": 0})
}

async fn analyzer_status(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let mut f = Form::new(object(&body, Format::Stringified)?, Format::Stringified);
    let key = f.string("apikey", true, 1, 256);
    f.finish()?;
    state.authenticate(&present(key)?).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": analyzer_data(state.mode())})))
}

async fn analyzer_toggle(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let mut f = Form::new(object(&body, Format::Stringified)?, Format::Stringified);
    let key = f.string("apikey", true, 1, 256);
    let on = f.boolean("mode", true);
    f.finish()?;
    state.authenticate(&present(key)?).await?;
    let mode = state.set_analyze(present(on)?)?;
    let mut data = analyzer_data(mode);
    data["message"] = json!(format!("Analyzer mode switched to {}", mode.as_str()));
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": data})))
}
