//! The web session cookie's names: the guard tells signed-in clients apart by them, the pages
//! (the web session module) set and read them.

use actix_web::HttpRequest;

/// Cookie name over plain HTTP.
pub const COOKIE: &str = "openalgo_session";
/// Cookie name over HTTPS (`__Secure-` prefix).
pub const SECURE_COOKIE: &str = "__Secure-openalgo_session";

/// Whether the request carries a session cookie (valid or not).
#[must_use]
pub fn has_session_cookie(req: &HttpRequest) -> bool {
    req.cookie(COOKIE).is_some() || req.cookie(SECURE_COOKIE).is_some()
}
