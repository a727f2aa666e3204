//! JSON feeds of the monitors for the signed-in user (platform §6.3, §6.4): the traffic log and
//! the broker latency figures.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::session;
use crate::app::AppState;
use crate::error::ApiError;

/// `limit` of the traffic feed (default 100, at most 1,000).
#[derive(Debug, serde::Deserialize)]
pub(super) struct Limit {
    limit: Option<usize>,
}

fn signed_out() -> HttpResponse {
    HttpResponse::Unauthorized()
        .json(json!({"status": "error", "error": "session_expired", "message": "Sign in first"}))
}

pub(super) async fn traffic(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<Limit>,
) -> Result<HttpResponse, ApiError> {
    if session::current(&state, &req).await?.is_none() {
        return Ok(signed_out());
    }
    let limit = query.limit.unwrap_or(100).clamp(1, 1_000);
    let log = state.security.traffic.clone();
    let rows = super::blocking(move || log.recent(limit)).await?;
    let data: Vec<_> = rows
        .iter()
        .map(|t| {
            json!({"timestamp_ms": t.at_ms, "client_ip": t.ip, "method": t.method, "path": t.path,
                   "status": t.status, "duration_ms": t.duration_us as f64 / 1000.0, "host": t.host})
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": data})))
}

pub(super) async fn latency(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if session::current(&state, &req).await?.is_none() {
        return Ok(signed_out());
    }
    Ok(HttpResponse::Ok().json(json!({"status": "success", "data": state.latency.report()})))
}
