//! `/api/v1`: thin handlers — parse the body, build core requests, call the broker or the
//! order service, answer with OpenAlgo's envelope.

/// An order endpoint: `$name` validates and authenticates with `$parse` (its refusals carry the
/// analyzer marker when `$mark`), then runs the typed `$command` in an order call (order log,
/// `Idempotency-Key`).
macro_rules! order_call {
    ($name:ident, $parse:ident, $command:expr, $mark:expr) => {
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
}

mod account;
mod calendar;
mod compound;
mod docs;
mod extended;
mod margin;
mod market;
pub(crate) mod openapi;
mod order_fields;
mod order_http;
mod orders;
mod symbols;

use actix_web::{HttpResponse, web};
use openalgo_core::{Exchange, InstrumentKey, Symbol};
use serde_json::json;

use crate::app::AppState;
use crate::error::ApiError;
use crate::validation::{Form, Format, object};

/// Defines the POST endpoints once: their registration and their documentation entries.
macro_rules! post_endpoints {
    ($($name:literal => $handler:path, $tag:literal, $summary:literal;)+) => {
        fn configure_posts(cfg: &mut web::ServiceConfig) {
            // One static pattern per resource (with and without the trailing slash): static
            // paths match by comparison, a multi-pattern resource by regular expression.
            $(
                for path in [concat!("/", $name), concat!("/", $name, "/")] {
                    cfg.service(
                        web::resource(path)
                            .route(web::post().to($handler))
                            .default_service(web::to(method_not_allowed)),
                    );
                }
            )+
        }

        /// Every POST endpoint, in documentation order.
        pub(crate) const POST_ENDPOINTS: &[Endpoint] = &[
            $(Endpoint { path: $name, tag: $tag, summary: $summary }),+
        ];
    };
}

/// An endpoint as the API documentation lists it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Endpoint {
    /// Path under `/api/v1/`.
    pub(crate) path: &'static str,
    /// Documentation group.
    pub(crate) tag: &'static str,
    /// One-line summary.
    pub(crate) summary: &'static str,
}

post_endpoints! {
    "placeorder" => orders::placeorder, "Orders", "Place an order";
    "placesmartorder" => compound::placesmartorder, "Orders", "Place an order that brings the position to a target size";
    "basketorder" => compound::basketorder, "Orders", "Place several orders at once";
    "splitorder" => compound::splitorder, "Orders", "Split a large order into orders of at most splitsize";
    "modifyorder" => orders::modifyorder, "Orders", "Modify an open order";
    "cancelorder" => orders::cancelorder, "Orders", "Cancel an open order";
    "cancelallorder" => compound::cancelallorder, "Orders", "Cancel every open order of the account";
    "closeposition" => compound::closeposition, "Orders", "Close every open position";
    "orderstatus" => orders::orderstatus, "Orders", "One order's current state";
    "openposition" => compound::openposition, "Orders", "The net quantity held in one instrument";
    "funds" => account::funds, "Account", "Cash, collateral, M2M and used margin";
    "orderbook" => account::orderbook, "Account", "Today's orders with statistics";
    "tradebook" => account::tradebook, "Account", "Today's trades";
    "positionbook" => account::positionbook, "Account", "Open and closed positions of the day";
    "holdings" => account::holdings, "Account", "Delivery holdings with P&L";
    "margin" => margin::margin, "Account", "Margin required for a set of positions";
    "pnl/symbols" => extended::pnl_symbols, "Account", "Per-symbol P&L of the analyzer account";
    "quotes" => market::quotes, "Market data", "Quote of one instrument";
    "multiquotes" => extended::multiquotes, "Market data", "Quotes of several instruments";
    "depth" => market::depth, "Market data", "Five-level market depth";
    "history" => market::history, "Market data", "Historical candles";
    "intervals" => market::intervals, "Market data", "Candle intervals the broker supports";
    "symbol" => symbols::symbol, "Symbols", "One instrument of the master contract";
    "search" => symbols::search, "Symbols", "Search the master contract";
    "expiry" => symbols::expiry, "Symbols", "Expiry dates of an underlying's futures or options";
    "market/holidays" => calendar::holidays, "Market calendar", "Holidays and special sessions of a year";
    "market/timings" => calendar::timings, "Market calendar", "Each exchange's session on a date";
    "analyzer" => analyzer_status, "Analyzer", "Whether analyzer (sandbox) mode is on";
    "analyzer/toggle" => analyzer_toggle, "Analyzer", "Switch analyzer (sandbox) mode on or off";
    "ping" => ping, "Utility", "Check the API key and the broker connection";
}

/// The GET endpoints (query parameters), in documentation order.
pub(crate) const GET_ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "instruments",
        tag: "Symbols",
        summary: "The master contract as JSON or CSV",
    },
    Endpoint {
        path: "ticker/{instrument}",
        tag: "Market data",
        summary: "Candles of EXCHANGE:SYMBOL as JSON or plain text",
    },
];

/// Registers the v1 endpoints, each with and without a trailing slash; a wrong method gets
/// the reference's 405 body.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    for path in ["/instruments", "/instruments/"] {
        cfg.service(
            web::resource(path)
                .route(web::get().to(extended::instruments))
                .default_service(web::to(method_not_allowed)),
        );
    }
    cfg.service(
        web::resource(["/ticker/{instrument}", "/ticker/{instrument}/"])
            .route(web::get().to(extended::ticker))
            .default_service(web::to(method_not_allowed)),
    );
    configure_posts(cfg);
    docs::configure(cfg);
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
    state
        .symbols()
        .get(symbol, exchange)
        .ok_or_else(not_found)?;
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
    let mut f = Form::new(object(&body, Format::Stringified)?, Format::Stringified);
    let key = f.string("apikey", true, 1, 256);
    f.finish()?;
    state.authenticate(&present(key)?).await?;
    Ok(HttpResponse::Ok()
        .json(json!({"status": "success", "data": analyzer_data(&state, state.mode()).await?})))
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
    let mode = state.set_analyze(present(on)?).await?;
    let mut data = analyzer_data(&state, mode).await?;
    data["message"] = json!(format!("Analyzer mode switched to {}", mode.as_str()));
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": data})))
}
