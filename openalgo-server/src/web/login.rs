//! Login (password, then TOTP when enabled) and logout (platform §1.5, §1.9).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::html::{csrf_field, error, page as render, redirect};
use super::{
    FormData, admit_anonymous, admit_signed_in, blocking, csrf, field, has_admin, pending,
    record_attempt, session,
};
use crate::app::AppState;
use crate::auth::verify_secret;
use crate::error::ApiError;
use crate::security::rate_limit::{LimitClass, RateLimiter};

fn login_form(token: &str, message: Option<&str>) -> String {
    format!(
        r#"{}<form method="post" action="/auth/login">{}
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>
<p><a href="/auth/reset-password">Forgot your password?</a></p>"#,
        message.map(error).unwrap_or_default(),
        csrf_field(token)
    )
}

fn totp_form(token: &str, message: Option<&str>) -> String {
    format!(
        r#"{}<form method="post" action="/auth/login/totp">{}
<label>Authenticator code <input name="totp_code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{{6}}" required></label>
<button type="submit">Verify</button></form>"#,
        message.map(error).unwrap_or_default(),
        csrf_field(token)
    )
}

pub(super) async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if !has_admin(&state).await? {
        return Ok(redirect("/setup", Vec::new()));
    }
    if session::current(&state, &req).await?.is_some() {
        return Ok(redirect("/dashboard", Vec::new()));
    }
    let (anchor, set) = csrf::anchor(&req, None);
    let token = csrf::token(&state, &anchor);
    Ok(render(
        StatusCode::OK,
        "Sign in",
        &login_form(&token, None),
        set.into_iter().collect(),
    ))
}

/// After a good password (and TOTP when required): a session and the dashboard.
async fn signed_in(
    state: &AppState,
    req: &HttpRequest,
    user_id: i64,
) -> Result<HttpResponse, ApiError> {
    let cookie = session::start(state, req, user_id).await?;
    Ok(redirect("/dashboard", vec![cookie, pending::removal()]))
}

pub(super) async fn submit(
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) =
        admit_anonymous(&state, &limiter, &req, &form, LimitClass::Login, "login").await
    {
        return Ok(refused);
    }
    if !has_admin(&state).await? {
        return Ok(redirect("/setup", Vec::new()));
    }
    let username = field(&form, "username").trim().to_owned();
    let password = field(&form, "password").to_owned();
    let store = Arc::clone(&state.store);
    let lookup = username.clone();
    let user = blocking(move || store.user_by_name(&lookup)).await?;
    let pepper = state.api_keys.pepper().clone();
    let verified = match user {
        Some((id, hash)) => {
            let ok = web::block(move || verify_secret(&password, &pepper, &hash))
                .await
                .map_err(ApiError::internal)?;
            ok.then_some(id)
        }
        None => None,
    };
    let Some(user_id) = verified else {
        record_attempt(
            &state,
            &req,
            &username,
            "password",
            Some("invalid_credentials"),
        )
        .await;
        let (anchor, _) = csrf::anchor(&req, None);
        let token = csrf::token(&state, &anchor);
        return Ok(render(
            StatusCode::UNAUTHORIZED,
            "Sign in",
            &login_form(&token, Some("Invalid credentials")),
            Vec::new(),
        ));
    };
    let store = Arc::clone(&state.store);
    let totp = blocking(move || store.totp(user_id)).await?;
    if totp.is_some_and(|t| t.enabled) {
        record_attempt(&state, &req, &username, "password", None).await;
        return Ok(redirect(
            "/auth/login/totp",
            vec![pending::start(&state, user_id)],
        ));
    }
    record_attempt(&state, &req, &username, "password", None).await;
    signed_in(&state, &req, user_id).await
}

pub(super) async fn totp_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if pending::user(&state, &req).is_none() {
        return Ok(redirect("/auth/login", vec![pending::removal()]));
    }
    let (anchor, set) = csrf::anchor(&req, None);
    let token = csrf::token(&state, &anchor);
    Ok(render(
        StatusCode::OK,
        "Two-factor code",
        &totp_form(&token, None),
        set.into_iter().collect(),
    ))
}

pub(super) async fn totp_submit(
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) = admit_anonymous(
        &state,
        &limiter,
        &req,
        &form,
        LimitClass::Login,
        "login_totp",
    )
    .await
    {
        return Ok(refused);
    }
    let Some(user_id) = pending::user(&state, &req) else {
        return Ok(render(
            StatusCode::UNAUTHORIZED,
            "Sign in again",
            &format!(
                "{}<p><a href=\"/auth/login\">Sign in</a></p>",
                error("The sign-in expired. Enter your password again.")
            ),
            vec![pending::removal()],
        ));
    };
    if super::account::check_totp(&state, user_id, field(&form, "totp_code")).await? {
        record_attempt(&state, &req, "", "totp", None).await;
        return signed_in(&state, &req, user_id).await;
    }
    record_attempt(&state, &req, "", "totp", Some("invalid_totp")).await;
    let (anchor, _) = csrf::anchor(&req, None);
    let token = csrf::token(&state, &anchor);
    Ok(render(
        StatusCode::UNAUTHORIZED,
        "Two-factor code",
        &totp_form(&token, Some("Invalid or already used code")),
        Vec::new(),
    ))
}

pub(super) async fn logout_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let Some(s) = session::current(&state, &req).await? else {
        return Ok(redirect("/auth/login", Vec::new()));
    };
    let token = csrf::token(&state, &s.token_hash);
    Ok(render(
        StatusCode::OK,
        "Sign out",
        &format!(
            r#"<form method="post" action="/auth/logout">{}<p>Signing out ends every session of this account and the broker session.</p><button type="submit">Sign out</button></form>"#,
            csrf_field(&token)
        ),
        Vec::new(),
    ))
}

pub(super) async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    let s = match admit_signed_in(&state, &req, &form).await? {
        Ok(s) => s,
        Err(refused) => return Ok(refused),
    };
    session::end_all(&state, s.user_id).await?;
    Ok(redirect("/auth/login", vec![session::removal(&state)]))
}
