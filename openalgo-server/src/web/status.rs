//! Small JSON endpoints of the reference's auth blueprint and the home redirect.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::{csrf, session};
use crate::app::AppState;
use crate::error::ApiError;

pub(super) async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let to = if session::current(&state, &req).await?.is_some() {
        "/dashboard"
    } else {
        "/auth/login"
    };
    Ok(super::html::redirect(to, Vec::new()))
}

pub(super) async fn check_setup(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let has = super::has_admin(&state).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "success", "needs_setup": !has})))
}

pub(super) async fn session_status(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    Ok(
        HttpResponse::Ok().json(match session::current(&state, &req).await? {
            Some(s) => json!({"authenticated": true, "logged_in": true, "user_id": s.user_id}),
            None => json!({"authenticated": false, "logged_in": false}),
        }),
    )
}

pub(super) async fn csrf_token(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let s = session::current(&state, &req).await?;
    let (anchor, set) = csrf::anchor(&req, s.as_ref());
    let mut r = HttpResponse::Ok();
    if let Some(c) = set {
        r.cookie(c);
    }
    Ok(r.json(json!({"csrf_token": csrf::token(&state, &anchor)})))
}
