//! Broker login (platform §2.2): `/auth/broker` offers the broker's hosted login, and
//! `/<broker>/callback` takes the redirect's `request_token` (or `code`), exchanges it, stores
//! the token encrypted, downloads the master contract when the cached one is stale, and sends
//! the user to the dashboard. Both need a signed-in dashboard session; the callback is rate
//! limited like the other login routes.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::app::AppState;
use crate::error::ApiError;
use crate::security::rate_limit::{LimitClass, RateLimiter};

/// Registers the routes.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/broker", web::get().to(page))
        .route("/zerodha/callback", web::get().to(callback))
        .route("/zerodha/callback", web::post().to(callback_form));
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
             <body><main><h1>{t}</h1>{body}</main></body></html>",
            t = escape(title)
        ))
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("Location", to))
        .finish()
}

/// The reference answers JSON to XHR/fetch callers, redirects browsers.
fn wants_json(req: &HttpRequest) -> bool {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    header("x-requested-with").eq_ignore_ascii_case("XMLHttpRequest")
        || header("accept").contains("application/json")
}

async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if crate::web::session::current(&state, &req).await?.is_none() {
        return Ok(redirect("/auth/login"));
    }
    let Some(session) = &state.broker_session else {
        return Ok(html(
            StatusCode::OK,
            "Broker",
            "<p>The built-in simulator needs no broker login.</p><p><a href=\"/dashboard\">Dashboard</a></p>",
        ));
    };
    let status = if session.zerodha.has_session() {
        "<p>Connected to Zerodha.</p>"
    } else {
        "<p>Not connected to Zerodha.</p>"
    };
    let error = if req.query_string().contains("error=1") {
        "<p role=\"alert\">Zerodha login failed. Try again.</p>"
    } else {
        ""
    };
    Ok(html(
        StatusCode::OK,
        "Connect your broker",
        &format!(
            "{status}{error}<p><a href=\"{}\">Login with Zerodha</a></p>",
            escape(&session.login_url())
        ),
    ))
}

async fn callback(
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    handle(&state, &limiter, &req, &query).await
}

async fn callback_form(
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    handle(&state, &limiter, &req, &form).await
}

async fn handle(
    state: &AppState,
    limiter: &RateLimiter,
    req: &HttpRequest,
    params: &HashMap<String, String>,
) -> Result<HttpResponse, ApiError> {
    if let Some(ip) = crate::security::client_ip::of(req) {
        if limiter
            .check_class(
                LimitClass::Login,
                "broker_callback",
                ip,
                state.clock.now_ms(),
            )
            .is_some()
        {
            return Ok(
                HttpResponse::TooManyRequests().json(json!({"error": "Rate limit exceeded"}))
            );
        }
    }
    let Some(session) = &state.broker_session else {
        return Ok(HttpResponse::NotFound()
            .json(json!({"error": "Broker authentication function not found."})));
    };
    let Some(user) = crate::web::session::current(state, req).await? else {
        return Ok(redirect("/auth/login"));
    };
    let token = params
        .get("code")
        .or_else(|| params.get("request_token"))
        .map(|t| t.trim())
        .filter(|t| !t.is_empty());
    let outcome = match token {
        None => Err("Missing request_token".to_owned()),
        Some(t) => session.login(user.user_id, t).await.map_err(|e| {
            tracing::warn!(error = %e, "broker login failed");
            e.to_string()
        }),
    };
    match outcome {
        Ok(new_accounts) => {
            if let Some(accounts) = new_accounts {
                crate::broker_session::install(&state.book, accounts);
            }
            tracing::info!(broker = "zerodha", "broker login succeeded");
            if wants_json(req) {
                Ok(HttpResponse::Ok().json(json!({"status": "success", "redirect": "/dashboard"})))
            } else {
                Ok(redirect("/dashboard"))
            }
        }
        Err(message) => {
            if wants_json(req) {
                Ok(HttpResponse::Unauthorized()
                    .json(json!({"status": "error", "message": message})))
            } else {
                Ok(redirect("/auth/broker?error=1"))
            }
        }
    }
}
