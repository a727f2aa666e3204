//! `GET /metrics`: the Prometheus exposition, for allowed addresses or with the metrics token
//! (`METRICS_ALLOW`, `METRICS_TOKEN`); anyone else gets a 403 JSON error.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::app::AppState;
use crate::metrics::{Live, MetricsAccess, exposition};

async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let default = MetricsAccess::default();
    let access = req
        .app_data::<web::Data<MetricsAccess>>()
        .map_or(&default, |a| a.get_ref());
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if let Err(refusal) = access.check(crate::security::client_ip::of(&req), authorization) {
        return HttpResponse::Forbidden()
            .json(json!({"status": "error", "message": refusal.to_string()}));
    }
    let live = Live {
        websocket_clients: state.hub.clients(),
        broker_calls: state.latency.histograms(),
    };
    HttpResponse::Ok()
        .content_type(exposition::CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(crate::metrics::global().render(&live))
}

/// Registers `/metrics`.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics));
}
