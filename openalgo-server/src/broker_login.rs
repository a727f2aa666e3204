//! Broker login (platform §2.2), for whichever broker the registry configured:
//! `/auth/broker` offers the broker's hosted login, and `/{broker}/callback` (GET or POST; the
//! path users registered as their redirect URL) hands the redirect's parameters to the broker's
//! session, which completes the login; the token is stored encrypted, the master contract
//! downloaded when the cached one is stale, and the user sent to the dashboard. Both need a
//! signed-in dashboard session; the callback is rate limited like the other login routes. A
//! broker logged in with our credential form (`LoginKind::CredentialForm`) is only accepted as a
//! POST carrying the dashboard's CSRF token; its failures return to `/broker`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use openalgo_brokers::registry::{LoginKind, LoginParams};
use serde_json::json;

use crate::app::AppState;
use crate::error::ApiError;
use crate::security::rate_limit::{LimitClass, RateLimiter};

/// Registers the routes.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/broker", web::get().to(page))
        .route("/{broker}/callback", web::get().to(callback))
        .route("/{broker}/callback", web::post().to(callback_form));
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
    let Some(user) = crate::web::session::current(&state, &req).await? else {
        return Ok(redirect("/auth/login"));
    };
    let Some(session) = &state.broker_session else {
        return Ok(html(
            StatusCode::OK,
            "Broker",
            "<p>This broker needs no login.</p><p><a href=\"/dashboard\">Dashboard</a></p>",
        ));
    };
    let name = escape(session.entry.display_name);
    let status = if session.has_session() {
        format!("<p>Connected to {name}.</p>")
    } else {
        format!("<p>Not connected to {name}.</p>")
    };
    let error = if req.query_string().contains("error=1") {
        format!("<p role=\"alert\">{name} login failed. Try again.</p>")
    } else {
        String::new()
    };
    let csrf = crate::web::csrf::token(&state, &user.token_hash);
    let login = match crate::web::credential_form(session.entry, &csrf) {
        Some(form) => form,
        None => session.login_url().map_or_else(String::new, |url| {
            format!("<p><a href=\"{}\">Login with {name}</a></p>", escape(&url))
        }),
    };
    Ok(html(
        StatusCode::OK,
        "Connect your broker",
        &format!("{status}{error}{login}"),
    ))
}

async fn callback(
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    req: HttpRequest,
    broker: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    handle(&state, &limiter, &req, &broker, query.into_inner(), false).await
}

async fn callback_form(
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    req: HttpRequest,
    broker: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    handle(&state, &limiter, &req, &broker, form.into_inner(), true).await
}

async fn handle(
    state: &AppState,
    limiter: &RateLimiter,
    req: &HttpRequest,
    broker: &str,
    mut params: HashMap<String, String>,
    posted: bool,
) -> Result<HttpResponse, ApiError> {
    if let Some(ip) = crate::security::client_ip::of(req)
        && limiter
            .admit(
                LimitClass::Login,
                "broker_callback",
                ip,
                state.clock.now_ms(),
            )
            .await
            .is_some()
    {
        return Ok(HttpResponse::TooManyRequests().json(json!({"error": "Rate limit exceeded"})));
    }
    // Only the configured broker has a callback; any other name is unknown here.
    let Some(session) = state
        .broker_session
        .as_ref()
        .filter(|s| s.entry.name == broker)
    else {
        return Ok(HttpResponse::NotFound()
            .json(json!({"error": "Broker authentication function not found."})));
    };
    let Some(user) = crate::web::session::current(state, req).await? else {
        return Ok(redirect("/auth/login"));
    };
    // Credentials come only from our own form: a POST with the dashboard's CSRF token (never a
    // query string, which would land PINs in logs and histories). A broker's own redirect back
    // (a consent flow's token) carries none of the form's fields.
    let form_login = match session.entry.login {
        LoginKind::CredentialForm { fields } => fields.iter().any(|f| params.contains_key(f.name)),
        _ => false,
    };
    if form_login {
        let token = params.remove("csrf_token");
        if !posted || !crate::web::csrf::valid(state, req, Some(&user), token.as_deref()) {
            return Ok(if wants_json(req) {
                HttpResponse::Forbidden()
                    .json(json!({"status": "error", "message": "CSRF validation failed"}))
            } else {
                html(
                    StatusCode::FORBIDDEN,
                    "CSRF validation failed",
                    "<p>The form expired or did not come from this site.</p>\
                     <p><a href=\"/broker\">Back to the broker page</a></p>",
                )
            });
        }
    }
    let outcome = session
        .login(user.user_id, &LoginParams::new(params))
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "broker login failed");
            e.to_string()
        });
    match outcome {
        Ok(new_accounts) => {
            if let Some(accounts) = new_accounts {
                crate::broker_session::install(&state.book, accounts);
            }
            tracing::info!(broker = session.entry.name, "broker login succeeded");
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
            } else if form_login {
                Ok(redirect("/broker?error=1"))
            } else {
                Ok(redirect("/auth/broker?error=1"))
            }
        }
    }
}
