//! First-run setup (platform §1.2): creates the single admin user when none exists, issues the
//! API key and a TOTP secret, and shows both once.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::html::{csrf_field, error, escape, page as render, redirect};
use super::{FormData, admit_anonymous, blocking, csrf, field, has_admin, password, totp};
use crate::app::AppState;
use crate::auth::hash_secret;
use crate::error::ApiError;
use crate::security::rate_limit::{LimitClass, RateLimiter};

fn form(token: &str, problems: &[&str]) -> String {
    let errors: String = problems.iter().map(|p| error(p)).collect();
    format!(
        r#"{errors}<p>Create the administrator of this OpenAlgo-rs server.</p>
<form method="post" action="/setup">{}
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="new-password" required></label>
<label>Repeat password <input name="confirm" type="password" autocomplete="new-password" required></label>
<button type="submit">Create administrator</button></form>"#,
        csrf_field(token)
    )
}

pub(super) async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if has_admin(&state).await? {
        return Ok(redirect("/auth/login", Vec::new()));
    }
    let (anchor, set) = csrf::anchor(&req, None);
    let token = csrf::token(&state, &anchor);
    Ok(render(
        StatusCode::OK,
        "Set up OpenAlgo-rs",
        &form(&token, &[]),
        set.into_iter().collect(),
    ))
}

pub(super) async fn submit(
    state: web::Data<AppState>,
    limiter: web::Data<RateLimiter>,
    req: HttpRequest,
    data: FormData,
) -> Result<HttpResponse, ApiError> {
    if let Some(refused) =
        admit_anonymous(&state, &limiter, &req, &data, LimitClass::Login, "setup").await
    {
        return Ok(refused);
    }
    if has_admin(&state).await? {
        return Ok(redirect("/auth/login", Vec::new()));
    }
    let username = field(&data, "username").trim().to_owned();
    let pass = field(&data, "password").to_owned();
    let mut problems = password::weaknesses(&pass);
    if username.is_empty() || username.chars().count() > 100 {
        problems.insert(0, "Username must have 1 to 100 characters");
    }
    if pass != field(&data, "confirm") {
        problems.push("The passwords do not match");
    }
    if !problems.is_empty() {
        let (anchor, _) = csrf::anchor(&req, None);
        let token = csrf::token(&state, &anchor);
        return Ok(render(
            StatusCode::BAD_REQUEST,
            "Set up OpenAlgo-rs",
            &form(&token, &problems),
            Vec::new(),
        ));
    }
    let pepper = state.api_keys.pepper().clone();
    let hash = web::block(move || hash_secret(&pass, &pepper))
        .await?
        .map_err(|e| ApiError::internal(format!("password hashing failed: {e}")))?;
    let store = Arc::clone(&state.store);
    let name = username.clone();
    let user_id = match blocking(move || store.create_admin(&name, &hash)).await {
        Ok(id) => id,
        // Someone else finished setup first.
        Err(_) if has_admin(&state).await? => return Ok(redirect("/auth/login", Vec::new())),
        Err(e) => return Err(e),
    };
    let keys = Arc::clone(&state.api_keys);
    let api_key = web::block(move || keys.issue(user_id))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let secret = totp::new_secret();
    let sealed = state.api_keys.cipher().encrypt(&secret);
    let store = Arc::clone(&state.store);
    blocking(move || store.set_totp(user_id, &sealed)).await?;
    let body = format!(
        r#"<p>Administrator <strong>{}</strong> created.</p>
<p>Your API key (shown once; keep it safe, or rotate it later with <code>openalgo apikey rotate</code>):</p>
<p><code class="secret">{}</code></p>
<p>To protect sign-in with an authenticator app, sign in and open <a href="/auth/totp">two-factor settings</a>.</p>
<p><a href="/auth/login">Sign in</a></p>"#,
        escape(&username),
        escape(&api_key)
    );
    Ok(render(StatusCode::OK, "Setup complete", &body, Vec::new()))
}
