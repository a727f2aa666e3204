//! The short-lived "password accepted, TOTP pending" marker: a cookie holding the user and the
//! start time, signed with the app key, good for 300 seconds (platform §1.5).

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use crate::app::AppState;

/// The cookie's name.
pub(super) const COOKIE: &str = "openalgo_pending_totp";
/// How long a pending login lasts.
pub(super) const TTL_MS: i64 = 300_000;

fn sign(state: &AppState, payload: &str) -> String {
    #[allow(clippy::expect_used)]
    let mut m =
        Hmac::<Sha256>::new_from_slice(state.security.config.app_key.expose_secret().as_bytes())
            .expect("HMAC takes any key length");
    m.update(b"pending:");
    m.update(payload.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// The cookie marking `user_id` as pending since now.
#[must_use]
pub(super) fn start(state: &AppState, user_id: i64) -> Cookie<'static> {
    let payload = format!("{user_id}.{}", state.clock.now_ms());
    let value = format!("{payload}.{}", sign(state, &payload));
    Cookie::build(COOKIE, value)
        .path("/auth")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.security.config.https)
        .finish()
}

/// The pending user, when the cookie is authentic and younger than [`TTL_MS`].
#[must_use]
pub(super) fn user(state: &AppState, req: &HttpRequest) -> Option<i64> {
    let cookie = req.cookie(COOKIE)?;
    let (payload, signature) = cookie.value().rsplit_once('.')?;
    let expected = sign(state, payload);
    let same = expected.len() == signature.len()
        && expected
            .bytes()
            .zip(signature.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return None;
    }
    let (user, started) = payload.split_once('.')?;
    let started: i64 = started.parse().ok()?;
    let age = state.clock.now_ms() - started;
    (0..TTL_MS).contains(&age).then(|| user.parse().ok())?
}

/// A cookie that removes the marker.
#[must_use]
pub(super) fn removal() -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE, "").path("/auth").finish();
    c.make_removal();
    c
}
