//! Kite login: the browser login URL, the `request_token` → `access_token` exchange signed
//! with SHA-256(api_key + request_token + api_secret), and the stored-token format.

use openalgo_core::BrokerError;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::config::ZerodhaConfig;
use super::http::KiteHttp;
use super::models::SessionData;

/// Lower-case hex SHA-256 of `api_key + request_token + api_secret`.
#[must_use]
pub fn checksum(api_key: &str, request_token: &str, api_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(api_key.as_bytes());
    h.update(request_token.as_bytes());
    h.update(api_secret.as_bytes());
    hex::encode(h.finalize())
}

/// The page the browser opens to log in (`?v=3&api_key=...`).
#[must_use]
pub fn login_url(config: &ZerodhaConfig) -> String {
    let query: String = form_query(&[("v", "3"), ("api_key", &config.api_key)]);
    format!("{}?{query}", config.login_url)
}

fn form_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", percent(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Exchanges a `request_token` for an `access_token` (`POST /session/token`, form body with
/// exactly `api_key`, `request_token`, `checksum`).
pub(crate) async fn exchange_request_token(
    http: &KiteHttp,
    config: &ZerodhaConfig,
    request_token: &SecretString,
) -> Result<(SecretString, Option<String>), BrokerError> {
    let token = request_token.expose_secret();
    if token.trim().is_empty() {
        return Err(BrokerError::Auth("request_token is missing".into()));
    }
    let form = vec![
        ("api_key", config.api_key.clone()),
        ("request_token", token.to_owned()),
        (
            "checksum",
            checksum(&config.api_key, token, config.api_secret.expose_secret()),
        ),
    ];
    let data: SessionData = http
        .post_form("/session/token", &form, false)
        .await
        .map_err(|e| match BrokerError::from(e) {
            // Any refusal of the exchange is an authentication failure.
            BrokerError::Rejected { message, .. } => BrokerError::Auth(message),
            other => other,
        })?;
    let access = data
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| BrokerError::Auth("Zerodha returned no access_token".into()))?;
    Ok((SecretString::from(access), data.user_id))
}

/// The stored broker token: `<api_key>:<access_token>`, as the reference keeps it.
#[must_use]
pub fn stored_token(api_key: &str, access_token: &SecretString) -> SecretString {
    SecretString::from(format!("{api_key}:{}", access_token.expose_secret()))
}

/// The access token inside a stored token (`api_key:access_token`, or a bare access token).
#[must_use]
pub fn access_from_stored(stored: &SecretString) -> SecretString {
    let text = stored.expose_secret();
    SecretString::from(text.split_once(':').map_or(text, |(_, t)| t).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_the_documented_example() {
        assert_eq!(
            checksum("kitekey123", "reqtok456", "secret789"),
            "cacaaa99fc116fdfa4daa3b4139dbb384ce8ae3c122e380509a2b671996bac00"
        );
    }

    #[test]
    fn login_url_and_stored_token() {
        let c = ZerodhaConfig::new("my key", SecretString::from("s"));
        assert_eq!(
            login_url(&c),
            "https://kite.zerodha.com/connect/login?v=3&api_key=my%20key"
        );
        let stored = stored_token("abc", &SecretString::from("tok"));
        assert_eq!(stored.expose_secret(), "abc:tok");
        assert_eq!(access_from_stored(&stored).expose_secret(), "tok");
        assert_eq!(
            access_from_stored(&SecretString::from("bare")).expose_secret(),
            "bare"
        );
    }
}
