//! CSRF protection for the web forms (platform §1.8): every state-changing form carries a token
//! that is an HMAC (keyed by the app key) of an anchor the attacker cannot read or set: the
//! session's token hash once signed in, else a random nonce in an HttpOnly, SameSite=Lax cookie.
//! The API (`/api/v1`, key-authenticated) and webhooks are exempt.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::ExposeSecret;
use sha2::Sha256;

use super::session::Session;
use crate::app::AppState;

/// The nonce cookie of visitors without a session.
pub const NONCE_COOKIE: &str = "openalgo_csrf";

fn mac(state: &AppState, anchor: &str) -> Hmac<Sha256> {
    #[allow(clippy::expect_used)]
    let mut m =
        Hmac::<Sha256>::new_from_slice(state.security.config.app_key.expose_secret().as_bytes())
            .expect("HMAC takes any key length");
    m.update(b"csrf:");
    m.update(anchor.as_bytes());
    m
}

/// The anchor of a request: the session, else the nonce cookie. For a visitor without either,
/// a new nonce and the cookie that sets it.
#[must_use]
pub fn anchor(req: &HttpRequest, session: Option<&Session>) -> (String, Option<Cookie<'static>>) {
    if let Some(s) = session {
        return (s.token_hash.clone(), None);
    }
    if let Some(c) = req.cookie(NONCE_COOKIE) {
        return (c.value().to_owned(), None);
    }
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let nonce = hex::encode(bytes);
    let cookie = Cookie::build(NONCE_COOKIE, nonce.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    (nonce, Some(cookie))
}

/// The token for forms of this anchor.
#[must_use]
pub fn token(state: &AppState, anchor: &str) -> String {
    hex::encode(mac(state, anchor).finalize().into_bytes())
}

/// Whether `presented` is the right token for the request (constant time). Always true when
/// `CSRF_ENABLED=false`.
#[must_use]
pub fn valid(
    state: &AppState,
    req: &HttpRequest,
    session: Option<&Session>,
    presented: Option<&str>,
) -> bool {
    if !state.security.config.csrf_enabled {
        return true;
    }
    let anchor = match session {
        Some(s) => s.token_hash.clone(),
        None => match req.cookie(NONCE_COOKIE) {
            Some(c) => c.value().to_owned(),
            None => return false,
        },
    };
    let Some(bytes) = presented.and_then(|p| hex::decode(p.trim()).ok()) else {
        return false;
    };
    mac(state, &anchor).verify_slice(&bytes).is_ok()
}
