//! Dhan login: a ready access token (the credential form: client id + access token, as Dhan's
//! web console issues them), or the API-key consent flow of the reference — `POST
//! /app/generate-consent?client_id=..` with the app's `app_id`/`app_secret` headers, the
//! browser page `/login/consentApp-login?consentAppId=..`, and `POST
//! /app/consumeApp-consent?tokenId=..` exchanging the redirect's `tokenId` for the access
//! token. The stored token is `<client id>:::<access token>` (the three colons of the
//! reference's `BROKER_API_KEY`).

use openalgo_core::BrokerError;
use secrecy::{ExposeSecret, SecretString};

use super::config::DhanConfig;
use super::http::DhanHttp;
use super::models::{Consent, ConsentSession};

/// The separator of the stored token.
const SEPARATOR: &str = ":::";

/// The stored broker token: `<client id>:::<access token>`.
#[must_use]
pub fn stored_token(client_id: &str, access_token: &SecretString) -> SecretString {
    SecretString::from(format!(
        "{client_id}{SEPARATOR}{}",
        access_token.expose_secret()
    ))
}

/// (client id, access token) of a stored token; a bare token has no client id.
#[must_use]
pub fn split_stored(stored: &SecretString) -> (Option<String>, SecretString) {
    let text = stored.expose_secret();
    match text.split_once(SEPARATOR) {
        Some((id, token)) if !id.is_empty() => {
            (Some(id.to_owned()), SecretString::from(token.to_owned()))
        }
        _ => (None, SecretString::from(text.to_owned())),
    }
}

fn app(config: &DhanConfig) -> Result<(&str, &SecretString), BrokerError> {
    match (config.app_key.as_deref(), config.app_secret.as_ref()) {
        (Some(k), Some(s)) => Ok((k, s)),
        _ => Err(BrokerError::Auth(
            "the Dhan consent login needs BROKER_API_KEY as <client id>:::<api key> and BROKER_API_SECRET".into(),
        )),
    }
}

fn refused(e: BrokerError) -> BrokerError {
    match e {
        BrokerError::Rejected { message, .. } | BrokerError::NotFound(message) => {
            BrokerError::Auth(message)
        }
        other => other,
    }
}

/// Starts the consent flow: the browser page to open (`/login/consentApp-login?consentAppId=..`).
///
/// # Errors
/// [`BrokerError::Auth`] without an app or when Dhan refuses it; transport errors.
pub(crate) async fn consent_login_url(
    http: &DhanHttp,
    config: &DhanConfig,
) -> Result<String, BrokerError> {
    let (key, secret) = app(config)?;
    let url = format!(
        "{}/app/generate-consent?client_id={}",
        config.auth_url, config.client_id
    );
    let consent: Consent = http
        .post_consent(&url, key, secret)
        .await
        .map_err(|e| refused(e.into()))?;
    let id = consent
        .consent_app_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| BrokerError::Auth("Dhan returned no consentAppId".into()))?;
    Ok(format!(
        "{}/login/consentApp-login?consentAppId={id}",
        config.auth_url
    ))
}

/// Exchanges the redirect's `tokenId` for (access token, Dhan client id).
///
/// # Errors
/// [`BrokerError::Auth`] for a missing or refused token id; transport errors.
pub(crate) async fn consume_consent(
    http: &DhanHttp,
    config: &DhanConfig,
    token_id: &SecretString,
) -> Result<(SecretString, Option<String>), BrokerError> {
    let (key, secret) = app(config)?;
    let token_id = token_id.expose_secret();
    if token_id.trim().is_empty()
        || !token_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(BrokerError::Auth("tokenId is missing or malformed".into()));
    }
    let url = format!(
        "{}/app/consumeApp-consent?tokenId={token_id}",
        config.auth_url
    );
    let session: ConsentSession = http
        .post_consent(&url, key, secret)
        .await
        .map_err(|e| refused(e.into()))?;
    let access = session
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| BrokerError::Auth("Dhan returned no accessToken".into()))?;
    Ok((SecretString::from(access), session.dhan_client_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_token_round_trips() {
        let s = stored_token("1000000001", &SecretString::from("eyJ.tok"));
        assert_eq!(s.expose_secret(), "1000000001:::eyJ.tok");
        let (id, tok) = split_stored(&s);
        assert_eq!(
            (id.as_deref(), tok.expose_secret()),
            (Some("1000000001"), "eyJ.tok")
        );
        let (id, tok) = split_stored(&SecretString::from("bare"));
        assert_eq!((id, tok.expose_secret()), (None, "bare"));
        let (id, _) = split_stored(&SecretString::from(":::x"));
        assert_eq!(id, None);
    }

    #[test]
    fn consent_needs_an_app() {
        let e = app(&DhanConfig::new("1")).unwrap_err();
        assert!(matches!(e, BrokerError::Auth(m) if m.contains("BROKER_API_SECRET")));
        assert_eq!(
            refused(BrokerError::NotFound("x".into())),
            BrokerError::Auth("x".into())
        );
    }
}
