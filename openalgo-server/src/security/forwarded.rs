//! Requests one instance forwards to another (the instance holding the accounts, see
//! `cluster::forward`). The forwarding instance has already checked the client's ban and knows
//! its address; it says so in [`HEADER`], signed with the deployment's `APP_KEY` (which every
//! instance shares), so the receiving instance keys its rate limits, bans and logs by the true
//! client and not by its peer. A header that does not verify is ignored: a client cannot choose
//! its own address by sending one.
//!
//! The value is `<client ip>;<unix seconds>;<hex HMAC-SHA256 of "ip;secs;METHOD;path?query">`,
//! accepted for [`MAX_AGE_S`] seconds either side of the receiver's clock.

use std::net::IpAddr;

use actix_web::HttpMessage;
use actix_web::HttpRequest;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// The header carrying the forwarded client.
pub const HEADER: &str = "x-openalgo-forwarded";
/// How far the signature's time may be from the receiver's.
pub const MAX_AGE_S: i64 = 60;

/// The verified client of a forwarded request (a request extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardedClient(pub Option<IpAddr>);

/// A response that was answered by another instance (so this one neither counts nor logs it
/// again: the instance that answered did).
#[derive(Debug, Clone, Copy)]
pub struct Proxied;

fn mac(key: &SecretString, message: &str) -> Hmac<Sha256> {
    #[expect(clippy::expect_used, reason = "HMAC accepts keys of any length")]
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.expose_secret().as_bytes()).expect("any key length");
    mac.update(b"openalgo-forward\0");
    mac.update(message.as_bytes());
    mac
}

/// The header value for `ip`'s request `method path_and_query` at `now_s`.
#[must_use]
pub fn sign(key: &SecretString, ip: IpAddr, now_s: i64, method: &str, path: &str) -> String {
    let head = format!("{ip};{now_s}");
    let tag = mac(key, &format!("{head};{method};{path}"))
        .finalize()
        .into_bytes();
    format!("{head};{}", hex::encode(tag))
}

/// The client address in `value` when it verifies for `method path` at `now_s`.
#[must_use]
pub fn verify(
    key: &SecretString,
    value: &str,
    now_s: i64,
    method: &str,
    path: &str,
) -> Option<IpAddr> {
    let mut parts = value.splitn(3, ';');
    let (ip, secs, tag) = (parts.next()?, parts.next()?, parts.next()?);
    let at: i64 = secs.parse().ok()?;
    if (now_s - at).abs() > MAX_AGE_S {
        return None;
    }
    let tag = hex::decode(tag).ok()?;
    mac(key, &format!("{ip};{secs};{method};{path}"))
        .verify_slice(&tag)
        .ok()?;
    ip.parse().ok()
}

/// The verified forwarded client of `req` (computed once per request), or `None` when the
/// request was not forwarded by an instance of this deployment.
#[must_use]
pub fn client(req: &HttpRequest, key: &SecretString) -> Option<ForwardedClient> {
    if let Some(known) = req.extensions().get::<ForwardedClient>() {
        return Some(*known);
    }
    let value = req.headers().get(HEADER)?.to_str().ok()?;
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path(), |p| p.as_str());
    let now_s = chrono::Utc::now().timestamp();
    let ip = verify(key, value, now_s, req.method().as_str(), path)?;
    let found = ForwardedClient(Some(ip));
    req.extensions_mut().insert(found);
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_request_key_and_time() {
        let key = SecretString::from("k".repeat(32));
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let v = sign(&key, ip, 1_000, "POST", "/api/v1/placeorder");
        assert_eq!(
            verify(&key, &v, 1_030, "POST", "/api/v1/placeorder"),
            Some(ip)
        );
        assert_eq!(verify(&key, &v, 1_061, "POST", "/api/v1/placeorder"), None);
        assert_eq!(verify(&key, &v, 1_000, "POST", "/api/v1/cancelorder"), None);
        assert_eq!(verify(&key, &v, 1_000, "GET", "/api/v1/placeorder"), None);
        let other = SecretString::from("x".repeat(32));
        assert_eq!(
            verify(&other, &v, 1_000, "POST", "/api/v1/placeorder"),
            None
        );
        let forged = v.replacen("203.0.113.9", "198.51.100.1", 1);
        assert_eq!(
            verify(&key, &forged, 1_000, "POST", "/api/v1/placeorder"),
            None
        );
        assert_eq!(verify(&key, "garbage", 1_000, "POST", "/"), None);
    }
}
