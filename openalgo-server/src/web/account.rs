//! TOTP enrolment, and password reset guarded by TOTP
//! (platform §1.4, §1.7).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::html::{csrf_field, error, escape, page as render, redirect};
use super::{
    FormData, admit_anonymous, admit_signed_in, blocking, csrf, field, password, record_attempt,
    session, totp, username,
};
use crate::app::AppState;
use crate::auth::hash_secret;
use crate::error::ApiError;
use crate::security::rate_limit::{LimitClass, RateLimiter};

/// Whether `code` is the user's current TOTP code, not used before (the step is then spent).
///
/// # Errors
/// 500 when the store fails.
pub(super) async fn check_totp(
    state: &AppState,
    user_id: i64,
    code: &str,
) -> Result<bool, ApiError> {
    let store = Arc::clone(&state.store);
    let Some(row) = blocking(move || store.totp(user_id)).await? else {
        return Ok(false);
    };
    let Some(secret) = state.api_keys.cipher().decrypt(&row.secret_encrypted) else {
        return Ok(false);
    };
    let Some(step) = totp::verify(&secret, code, state.clock.now_ms()) else {
        return Ok(false);
    };
    let store = Arc::clone(&state.store);
    blocking(move || store.use_totp_step(user_id, step)).await
}

fn qr_svg(uri: &str) -> String {
    qrcode::QrCode::new(uri.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default()
}

pub(super) async fn totp_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let ctx = super::layout::signed_in!(state, req);
    let user_id = ctx.session.user_id;
    let store = Arc::clone(&state.store);
    let row = blocking(move || store.totp(user_id)).await?;
    let token = ctx.csrf.clone();
    let body = match row {
        Some(r) if r.enabled => format!(
            r#"<p>Two-factor sign-in is <strong>on</strong>.</p><form method="post" action="/auth/totp">{}
<input type="hidden" name="action" value="disable"><label>Current code <input name="totp_code" inputmode="numeric" required></label>
<button type="submit">Turn off</button></form>"#,
            csrf_field(&token)
        ),
        existing => {
            // Not enabled yet: (re)issue a secret and show it with its QR code, once.
            let secret = totp::new_secret();
            let sealed = state.api_keys.cipher().encrypt(&secret);
            let store = Arc::clone(&state.store);
            let replace = existing.is_some();
            blocking(move || store.set_totp(user_id, &sealed)).await?;
            let name = username(&state, user_id).await?;
            let uri = totp::provisioning_uri(&secret, &name);
            format!(
                r#"<p>Scan this code with an authenticator app{}, or enter the secret <code class="secret">{}</code>. It is shown only now.</p>
<div class="qr">{}</div><form method="post" action="/auth/totp">{}
<input type="hidden" name="action" value="enable"><label>Code from the app <input name="totp_code" inputmode="numeric" required></label>
<button type="submit">Turn on two-factor sign-in</button></form>"#,
                if replace {
                    " (this replaces the secret shown before)"
                } else {
                    ""
                },
                escape(&secret),
                qr_svg(&uri),
                csrf_field(&token)
            )
        }
    };
    Ok(super::layout::page(
        &ctx,
        "/settings",
        "Two-factor sign-in",
        &body,
    ))
}

pub(super) async fn totp_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    let s = match admit_signed_in(&state, &req, &form).await? {
        Ok(s) => s,
        Err(refused) => return Ok(refused),
    };
    let enable = field(&form, "action") == "enable";
    if !check_totp(&state, s.user_id, field(&form, "totp_code")).await? {
        return Ok(render(
            StatusCode::BAD_REQUEST,
            "Two-factor sign-in",
            &format!(
                "{}<p><a href=\"/auth/totp\">Back</a></p>",
                error("Invalid or already used code")
            ),
            Vec::new(),
        ));
    }
    let store = Arc::clone(&state.store);
    let user_id = s.user_id;
    blocking(move || store.enable_totp(user_id, enable)).await?;
    Ok(redirect("/auth/totp", Vec::new()))
}

fn reset_form(token: &str, problems: &[&str]) -> String {
    let errors: String = problems.iter().map(|p| error(p)).collect();
    format!(
        r#"{errors}<p>Reset the password with a code from your authenticator app.</p>
<form method="post" action="/auth/reset-password">{}
<label>Username <input name="username" autocomplete="username" required></label>
<label>Authenticator code <input name="totp_code" inputmode="numeric" required></label>
<label>New password <input name="password" type="password" autocomplete="new-password" required></label>
<label>Repeat new password <input name="confirm" type="password" autocomplete="new-password" required></label>
<button type="submit">Reset password</button></form>"#,
        csrf_field(token)
    )
}

pub(super) async fn reset_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (anchor, set) = csrf::anchor(&req, None);
    let token = csrf::token(&state, &anchor);
    Ok(render(
        StatusCode::OK,
        "Reset password",
        &reset_form(&token, &[]),
        set.into_iter().collect(),
    ))
}

pub(super) async fn reset(
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    req: HttpRequest,
    form: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) =
        admit_anonymous(&state, &limiter, &req, &form, LimitClass::Reset, "reset").await
    {
        return Ok(refused);
    }
    let (anchor, _) = csrf::anchor(&req, None);
    let token = csrf::token(&state, &anchor);
    let fail = |problems: &[&str]| {
        render(
            StatusCode::BAD_REQUEST,
            "Reset password",
            &reset_form(&token, problems),
            Vec::new(),
        )
    };
    let name = field(&form, "username").trim().to_owned();
    let store = Arc::clone(&state.store);
    let lookup = name.clone();
    let user = blocking(move || store.user_by_name(&lookup)).await?;
    let verified = match user {
        Some((id, _)) => check_totp(&state, id, field(&form, "totp_code"))
            .await?
            .then_some(id),
        None => None,
    };
    let Some(user_id) = verified else {
        record_attempt(&state, &req, &name, "reset", Some("invalid_totp")).await;
        return Ok(fail(&["Invalid username or code"]));
    };
    let new = field(&form, "password").to_owned();
    let mut problems = password::weaknesses(&new);
    if new != field(&form, "confirm") {
        problems.push("The passwords do not match");
    }
    if !problems.is_empty() {
        return Ok(fail(&problems));
    }
    let pepper = state.api_keys.pepper().clone();
    let hash = web::block(move || hash_secret(&new, &pepper))
        .await?
        .map_err(|e| ApiError::internal(format!("password hashing failed: {e}")))?;
    let store = Arc::clone(&state.store);
    blocking(move || store.set_password(user_id, &hash)).await?;
    session::end_all(&state, user_id).await?;
    record_attempt(&state, &req, &name, "reset", None).await;
    Ok(render(
        StatusCode::OK,
        "Password changed",
        r#"<p>Your password was changed and every session was signed out.</p><p><a href="/auth/login">Sign in</a></p>"#,
        vec![session::removal(&state)],
    ))
}
