//! HTTP routes: `/api/v1` (OpenAlgo-compatible) and the JSON 404 for unknown API paths.

pub(crate) mod health;
pub(crate) mod metrics;
pub(crate) mod v1;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// Registers the API routes (the pages register their own routes).
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(health::configure);
    cfg.configure(metrics::configure);
    cfg.service(
        web::scope("/api/v1")
            .wrap(actix_web::middleware::from_fn(
                crate::security::rate_limit::enforce,
            ))
            .configure(v1::configure),
    )
    .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    HttpResponse::NotFound()
        .json(json!({"status": "error", "message": "Not found", "path": req.path()}))
}
