//! The web pages for the single admin user (platform §1, ui.md): first-run setup, login with
//! optional TOTP, logout, password reset guarded by TOTP, TOTP enrolment, and the trader's
//! dashboard (funds and P&L, books, ticket, search, API key, sandbox, risk, logs, settings). Pages
//! are server-rendered HTML from templates compiled into the binary, styled and scripted by
//! vendored assets (no inline code, no CDN); state-changing forms are CSRF-protected and
//! login-type routes rate-limited.

mod account;
mod action_center;
mod actions;
mod apikey;
mod assets;
mod bans;
mod books;
mod broker;
pub mod csrf;
mod csv;
mod dashboard;
mod format;
mod gtt;
mod html;
mod layout;
mod login;
mod logs;
mod monitors;
mod mypnl;
mod options;
mod order_form;
pub mod password;
mod pending;
mod risk;
mod sandbox;
mod search;
pub mod session;
mod settings;
mod setup;
mod status;
mod strategies;
mod strategy_pages;
mod ticket;
pub mod totp;

pub(crate) use broker::credential_form;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::app::AppState;
use crate::error::ApiError;
use crate::security::rate_limit::{LimitClass, RateLimiter};
use crate::store::security::LoginAttempt;

/// A submitted form.
pub(crate) type FormData = web::Form<HashMap<String, String>>;

/// Registers the pages.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(status::home))
        .route("/setup", web::get().to(setup::page))
        .route("/setup", web::post().to(setup::submit))
        .route("/auth/login", web::get().to(login::page))
        .route("/auth/login", web::post().to(login::submit))
        .route("/auth/login/totp", web::get().to(login::totp_page))
        .route("/auth/login/totp", web::post().to(login::totp_submit))
        .route("/auth/logout", web::get().to(login::logout_page))
        .route("/auth/logout", web::post().to(login::logout))
        .route("/auth/reset-password", web::get().to(account::reset_page))
        .route("/auth/reset-password", web::post().to(account::reset))
        .route("/auth/totp", web::get().to(account::totp_page))
        .route("/auth/totp", web::post().to(account::totp_submit))
        .route("/auth/check-setup", web::get().to(status::check_setup))
        .route(
            "/auth/session-status",
            web::get().to(status::session_status),
        )
        .route("/auth/csrf-token", web::get().to(status::csrf_token))
        .route("/traffic/api/logs", web::get().to(monitors::traffic))
        .route("/latency/api/stats", web::get().to(monitors::latency))
        .route("/security", web::get().to(bans::page))
        .route("/security/ban", web::post().to(bans::ban))
        .route("/security/unban", web::post().to(bans::unban))
        .route(
            "/auth/analyzer-toggle",
            web::post().to(dashboard::toggle_mode),
        )
        .route("/dashboard", web::get().to(dashboard::page_handler))
        .route("/dashboard/pnl", web::get().to(dashboard::series))
        .route("/broker", web::get().to(broker::page_handler))
        .route("/orderbook", web::get().to(books::orderbook))
        .route("/orderbook.csv", web::get().to(books::orderbook_csv))
        .route("/orderbook/cancel", web::post().to(actions::cancel))
        .route("/orderbook/cancel-all", web::post().to(actions::cancel_all))
        .route("/orderbook/modify", web::get().to(books::modify_page))
        .route("/orderbook/modify", web::post().to(actions::modify))
        .route("/orderbook/gtt", web::get().to(gtt::list))
        .route("/orderbook/gtt/cancel", web::post().to(gtt::cancel))
        .route("/orderbook/gtt/modify", web::get().to(gtt::modify_page))
        .route("/orderbook/gtt/modify", web::post().to(gtt::modify))
        .route("/tradebook", web::get().to(books::tradebook))
        .route("/tradebook.csv", web::get().to(books::tradebook_csv))
        .route("/positions", web::get().to(books::positions))
        .route("/positions.csv", web::get().to(books::positions_csv))
        .route("/positions/close", web::post().to(actions::close))
        .route("/positions/close-all", web::post().to(actions::close_all))
        .route("/holdings", web::get().to(books::holdings))
        .route("/holdings.csv", web::get().to(books::holdings_csv))
        .route("/search", web::get().to(search::page_handler))
        .route("/options", web::get().to(options::page_handler))
        .route("/ticket", web::get().to(ticket::page_handler))
        .route("/ticket/review", web::post().to(ticket::review))
        .route("/ticket/place", web::post().to(ticket::place))
        .route("/apikey", web::get().to(apikey::page_handler))
        .route("/apikey/reveal", web::post().to(apikey::reveal))
        .route("/apikey/rotate", web::post().to(apikey::rotate))
        .route("/sandbox", web::get().to(sandbox::page_handler))
        .route("/sandbox/reset", web::post().to(sandbox::reset))
        .route("/sandbox/settings", web::post().to(sandbox::save))
        .route("/sandbox/mypnl", web::get().to(mypnl::page_handler))
        .route("/sandbox/mypnl.csv", web::get().to(mypnl::csv_handler))
        .route("/strategy", web::get().to(strategy_pages::list_page))
        .route("/strategy/new", web::post().to(strategy_pages::create))
        .route("/strategy/{id}", web::get().to(strategy_pages::detail_page))
        .route(
            "/strategy/{id}/symbols",
            web::post().to(strategy_pages::map_symbols),
        )
        .route(
            "/strategy/{id}/toggle",
            web::post().to(strategy_pages::toggle),
        )
        .route(
            "/strategy/{id}/delete",
            web::post().to(strategy_pages::delete),
        )
        .route("/strategy/api/strategies", web::get().to(strategies::list))
        .route("/strategy/api/strategy", web::post().to(strategies::create))
        .route(
            "/strategy/api/strategy/{id}",
            web::get().to(strategies::read),
        )
        .route(
            "/strategy/api/strategy/{id}",
            web::delete().to(strategies::delete),
        )
        .route(
            "/strategy/api/strategy/{id}/symbols",
            web::post().to(strategies::map_symbols),
        )
        .route(
            "/strategy/api/strategy/{id}/toggle",
            web::post().to(strategies::toggle),
        )
        .route("/action-center", web::get().to(action_center::page_handler))
        .route(
            "/action-center/api/data",
            web::get().to(action_center::api_data),
        )
        .route("/action-center/count", web::get().to(action_center::count))
        .route(
            "/action-center/events",
            web::get().to(action_center::events),
        )
        .route(
            "/action-center/approve/{id}",
            web::post().to(action_center::approve),
        )
        .route(
            "/action-center/approve-all",
            web::post().to(action_center::approve_all),
        )
        .route(
            "/action-center/reject/{id}",
            web::post().to(action_center::reject),
        )
        .route(
            "/action-center/delete/{id}",
            web::delete().to(action_center::delete),
        )
        .route(
            "/action-center/delete/{id}",
            web::post().to(action_center::delete),
        )
        .route("/apikey/mode", web::post().to(action_center::set_mode))
        .route("/risk", web::get().to(risk::page_handler))
        .route("/risk/killswitch", web::post().to(risk::kill_switch))
        .route("/risk/limits", web::post().to(risk::limits))
        .route("/logs", web::get().to(logs::page_handler))
        .route("/settings", web::get().to(settings::page_handler));
    assets::configure(cfg);
}

/// The reference's message for a throttled login route.
const LOGIN_LIMITED: &str = "Too many login attempts. Please wait a minute and try again.";

/// `Some(429 page)` when the client is over the class's limits.
fn limited(
    state: &AppState,
    limiter: &RateLimiter,
    req: &HttpRequest,
    class: LimitClass,
    route: &str,
) -> Option<HttpResponse> {
    let ip = crate::security::client_ip::of(req)?;
    limiter.check_class(class, route, ip, state.clock.now_ms())?;
    let message = match class {
        LimitClass::Reset => "Too many password reset attempts. Please try again later.",
        _ => LOGIN_LIMITED,
    };
    let wants_json = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    if wants_json {
        // The reference's JSON body for its single-page app.
        return Some(
            HttpResponse::TooManyRequests()
                .json(serde_json::json!({"status": "error", "message": message})),
        );
    }
    Some(html::page(
        StatusCode::TOO_MANY_REQUESTS,
        "Slow down",
        &html::error(message),
        Vec::new(),
    ))
}

/// The CSRF token a form carries.
fn csrf_field_of(form: &HashMap<String, String>) -> Option<&str> {
    form.get("csrf_token").map(String::as_str)
}

/// An anonymous form post is let through when the client is within `class`'s rate limits and
/// the form's CSRF token fits; otherwise the refusal to send.
fn admit_anonymous(
    state: &AppState,
    limiter: &RateLimiter,
    req: &HttpRequest,
    form: &HashMap<String, String>,
    class: LimitClass,
    route: &str,
) -> Option<HttpResponse> {
    if let Some(r) = limited(state, limiter, req, class, route) {
        return Some(r);
    }
    (!csrf::valid(state, req, None, csrf_field_of(form))).then(csrf_failed)
}

/// A signed-in form post: the session when there is one and the form's CSRF token fits it;
/// otherwise the refusal to send (to sign-in, or the CSRF page).
async fn admit_signed_in(
    state: &AppState,
    req: &HttpRequest,
    form: &HashMap<String, String>,
) -> Result<Result<session::Session, HttpResponse>, ApiError> {
    let Some(s) = session::current(state, req).await? else {
        return Ok(Err(html::redirect(
            "/auth/login",
            vec![session::removal(state)],
        )));
    };
    if !csrf::valid(state, req, Some(&s), csrf_field_of(form)) {
        return Ok(Err(csrf_failed()));
    }
    Ok(Ok(s))
}

/// The 400 page of a form without a valid CSRF token.
fn csrf_failed() -> HttpResponse {
    html::page(
        StatusCode::BAD_REQUEST,
        "CSRF validation failed",
        &html::error(
            "The form expired or did not come from this site. Reload the page and try again.",
        ),
        Vec::new(),
    )
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", String::as_str)
}

/// Appends a login attempt (never the password) off the executor.
async fn record_attempt(
    state: &AppState,
    req: &HttpRequest,
    username: &str,
    login_type: &'static str,
    failure: Option<&'static str>,
) {
    let attempt = LoginAttempt {
        at_ms: state.clock.now_ms(),
        username: username.chars().take(100).collect(),
        ip: crate::security::client_ip::of(req).map(|i| i.to_string()),
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(500).collect()),
        status: if failure.is_some() {
            "failed"
        } else {
            "success"
        }
        .to_owned(),
        login_type: login_type.to_owned(),
        failure_reason: failure.map(str::to_owned),
    };
    let store = std::sync::Arc::clone(&state.store);
    if let Err(e) = web::block(move || store.record_login_attempt(&attempt)).await {
        tracing::warn!(error = %e, "login attempt not recorded");
    }
}

/// Whether the administrator exists (setup done).
async fn has_admin(state: &AppState) -> Result<bool, ApiError> {
    let store = std::sync::Arc::clone(&state.store);
    blocking(move || store.has_admin()).await
}

/// The username of a user (empty when unknown).
async fn username(state: &AppState, user_id: i64) -> Result<String, ApiError> {
    let store = std::sync::Arc::clone(&state.store);
    Ok(blocking(move || store.username(user_id))
        .await?
        .unwrap_or_default())
}

/// Runs a blocking store call off the executor.
async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
    T: Send + 'static,
{
    Ok(crate::error::blocking(f).await??)
}
