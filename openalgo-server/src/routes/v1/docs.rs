//! API documentation: `/api/v1/openapi.json` and Swagger UI at `/api/v1/`, served from assets
//! vendored in the binary (swagger-ui-dist, see `static/swagger-ui/VERSION`).

use actix_web::http::header::{CacheControl, CacheDirective, ContentType};
use actix_web::{HttpResponse, web};
use tokio::sync::OnceCell;

const BUNDLE_JS: &[u8] = include_bytes!("../../../static/swagger-ui/swagger-ui-bundle.js");
const UI_CSS: &[u8] = include_bytes!("../../../static/swagger-ui/swagger-ui.css");
const INIT_JS: &str = "window.addEventListener('load', function () {\n  window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n});\n";
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OpenAlgo-rs API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/swagger-init.js"></script>
</body>
</html>
"#;

/// The document is the same for every server in the process: built once.
static DOCUMENT: OnceCell<String> = OnceCell::const_new();

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi_json))
        .route("/", web::get().to(page))
        .route("", web::get().to(redirect))
        .route(
            "/docs/swagger-ui.css",
            web::get().to(|| asset(UI_CSS, "text/css")),
        )
        .route(
            "/docs/swagger-ui-bundle.js",
            web::get().to(|| asset(BUNDLE_JS, "text/javascript")),
        )
        .route(
            "/docs/swagger-init.js",
            web::get().to(|| asset(INIT_JS.as_bytes(), "text/javascript")),
        );
}

async fn openapi_json() -> HttpResponse {
    let doc = DOCUMENT
        .get_or_init(|| async { super::openapi::document().to_string() })
        .await;
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(doc.clone())
}

async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
        ))
        .body(PAGE)
}

async fn redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/api/v1/"))
        .finish()
}

async fn asset(bytes: &'static [u8], content_type: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(86_400),
        ]))
        .body(bytes)
}
