//! Web sessions (platform §1.6): the cookie holds a random 256-bit token, the store only its
//! SHA-256, so a database dump opens no session. A session ends at the next daily boundary
//! (`SESSION_EXPIRY_TIME`, IST), at logout (every device) or when the password changes; an
//! expired session also revokes the stored broker tokens.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, web};
use chrono::{Duration, NaiveTime};
use openalgo_core::clock::{ist_from_ms, ms_from_ist};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::error::ApiError;
use crate::security::sessions::{NewSession, SessionError};

pub use crate::security::session_cookie::{COOKIE, SECURE_COOKIE, has_session_cookie};

/// A signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The user.
    pub user_id: i64,
    /// SHA-256 of the cookie token (anchors CSRF tokens).
    pub token_hash: String,
}

fn token_of(req: &HttpRequest) -> Option<String> {
    req.cookie(SECURE_COOKIE)
        .or_else(|| req.cookie(COOKIE))
        .map(|c| c.value().to_owned())
}

/// SHA-256 hex of a token.
#[must_use]
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The first instant after `now_ms` at which the IST wall clock shows `boundary`.
#[must_use]
pub fn next_boundary(now_ms: i64, boundary: NaiveTime) -> i64 {
    let now = ist_from_ms(now_ms);
    let today = now.date().and_time(boundary);
    let next = if today > now {
        today
    } else {
        today + Duration::days(1)
    };
    ms_from_ist(next)
}

fn cookie(state: &AppState, value: String, expires_ms: Option<i64>) -> Cookie<'static> {
    let https = state.security.config.https;
    let mut c = Cookie::build(if https { SECURE_COOKIE } else { COOKIE }, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https)
        .finish();
    match expires_ms {
        // Max-Age, not Expires: relative to the server's clock, so a client whose clock is off
        // still drops the cookie at the boundary.
        Some(ms) => c.set_max_age(CookieDuration::seconds(
            (ms - state.clock.now_ms()).div_euclid(1000).max(0),
        )),
        None => c.make_removal(),
    }
    c
}

/// Starts a session for `user_id`: stores it and returns the cookie to set.
///
/// # Errors
/// 500 when the store fails.
pub async fn start(
    state: &AppState,
    req: &HttpRequest,
    user_id: i64,
) -> Result<Cookie<'static>, ApiError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let now = state.clock.now_ms();
    let expires = next_boundary(now, state.security.config.session_expiry);
    let ip = crate::security::client_ip::of(req).map(|i| i.to_string());
    let ua: Option<String> = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(500).collect());
    state
        .sessions
        .create(NewSession {
            token_hash: hash(&token),
            user_id,
            now_ms: now,
            expires_at_ms: expires,
            ip,
            user_agent: ua,
        })
        .await
        .map_err(failed)?;
    Ok(cookie(state, token, Some(expires)))
}

/// A cookie that removes the session cookie.
#[must_use]
pub fn removal(state: &AppState) -> Cookie<'static> {
    cookie(state, String::new(), None)
}

/// The valid session of the request, if any. An expired one is deleted and the user's broker
/// tokens are revoked (the daily expiry ends the broker session too).
///
/// # Errors
/// 500 when the store fails.
pub async fn current(state: &AppState, req: &HttpRequest) -> Result<Option<Session>, ApiError> {
    let Some(token) = token_of(req) else {
        return Ok(None);
    };
    let token_hash = hash(&token);
    let row = state.sessions.get(&token_hash).await.map_err(failed)?;
    let Some(row) = row else { return Ok(None) };
    if state.clock.now_ms() >= row.expires_at_ms {
        end_all(state, row.user_id).await?;
        return Ok(None);
    }
    Ok(Some(Session {
        user_id: row.user_id,
        token_hash,
    }))
}

/// Ends every session of a user and revokes their broker tokens.
///
/// # Errors
/// 500 when the store fails.
pub async fn end_all(state: &AppState, user_id: i64) -> Result<(), ApiError> {
    state.sessions.end_user(user_id).await.map_err(failed)?;
    let store = std::sync::Arc::clone(&state.store);
    web::block(move || store.revoke_broker_tokens(user_id))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// A session-store failure as an answer: 503 when the shared store is unavailable (a clear
/// JSON error, not a hang), 500 otherwise.
fn failed(e: SessionError) -> ApiError {
    match e {
        SessionError::Unavailable(_) => {
            tracing::warn!(error = %e, "session store unavailable");
            ApiError::Status {
                status: actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                message: "The session store is unavailable; try again shortly".into(),
            }
        }
        other => ApiError::internal(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn the_boundary_is_the_next_expiry_time_in_ist() {
        let three = NaiveTime::from_hms_opt(3, 0, 0).unwrap();
        let at = |d: u32, h: u32, m: u32| {
            ms_from_ist(
                NaiveDate::from_ymd_opt(2026, 11, d)
                    .unwrap()
                    .and_hms_opt(h, m, 0)
                    .unwrap(),
            )
        };
        assert_eq!(next_boundary(at(24, 10, 0), three), at(25, 3, 0));
        assert_eq!(next_boundary(at(24, 2, 59), three), at(24, 3, 0));
        assert_eq!(next_boundary(at(24, 3, 0), three), at(25, 3, 0));
    }
}
