//! The dashboard's stylesheet and script, compiled into the binary (nothing is fetched from a
//! CDN) and served with a content hash in the URL so browsers may cache them for good.

use actix_web::{HttpResponse, web};

const CSS: &str = include_str!("../../static/web/app.css");
const JS: &str = include_str!("../../static/web/app.js");

/// The stylesheet's URL (bump the version when the file changes).
pub(super) const CSS_PATH: &str = "/static/web/app.v1.css";
/// The script's URL (bump the version when the file changes).
pub(super) const JS_PATH: &str = "/static/web/app.v1.js";

/// Registers the asset routes.
pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(CSS_PATH, web::get().to(css))
        .route(JS_PATH, web::get().to(js));
}

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(body)
}

async fn css() -> HttpResponse {
    asset("text/css; charset=utf-8", CSS)
}

async fn js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", JS)
}
