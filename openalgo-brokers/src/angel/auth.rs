//! SmartAPI login: `loginByPassword` with client code, PIN and TOTP (the PIN is sent once and
//! never kept), the session it yields (JWT, refresh token, feed token, client code) and the
//! stored-token format `<clientcode>:<jwt>:<feedtoken>`.

use openalgo_core::BrokerError;
use secrecy::{ExposeSecret, SecretString};

use super::http::{AngelHttp, json_body};
use super::models::LoginData;

/// The login path.
pub const LOGIN_PATH: &str = "/rest/auth/angelbroking/user/v1/loginByPassword";

/// A logged-in SmartAPI session.
#[derive(Clone)]
pub struct AngelSession {
    /// The client code the session belongs to.
    pub client_code: String,
    /// The JWT sent as `Authorization: Bearer <jwt>` (without the prefix).
    pub jwt: SecretString,
    /// The feed token for SmartStream.
    pub feed_token: SecretString,
    /// The refresh token (not stored: a restart restores from the JWT).
    pub refresh_token: Option<SecretString>,
}

impl std::fmt::Debug for AngelSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AngelSession")
            .field("client_code", &self.client_code)
            .finish_non_exhaustive()
    }
}

impl AngelSession {
    /// The token to store: `<clientcode>:<jwt>:<feedtoken>` (JWTs and feed tokens hold no `:`).
    #[must_use]
    pub fn stored(&self) -> SecretString {
        SecretString::from(format!(
            "{}:{}:{}",
            self.client_code,
            self.jwt.expose_secret(),
            self.feed_token.expose_secret()
        ))
    }

    /// Reads a stored token; a bare JWT (no `:`) is accepted without client code or feed token.
    #[must_use]
    pub fn from_stored(stored: &SecretString) -> Option<Self> {
        let text = stored.expose_secret().trim();
        if text.is_empty() {
            return None;
        }
        let mut parts = text.splitn(3, ':');
        let (client, jwt, feed) = match (parts.next(), parts.next(), parts.next()) {
            (Some(jwt), None, None) => ("", jwt, ""),
            (Some(c), Some(j), Some(f)) => (c, j, f),
            _ => return None,
        };
        let jwt = jwt.strip_prefix("Bearer ").unwrap_or(jwt);
        (!jwt.is_empty()).then(|| Self {
            client_code: client.to_owned(),
            jwt: SecretString::from(jwt.to_owned()),
            feed_token: SecretString::from(feed.to_owned()),
            refresh_token: None,
        })
    }
}

/// Logs in with client code, PIN and TOTP (`POST loginByPassword`, JSON body with exactly
/// `clientcode`, `password`, `totp`). Every refusal is [`BrokerError::Auth`] carrying SmartAPI's
/// message.
pub(crate) async fn login(
    http: &AngelHttp,
    client_code: &str,
    pin: &SecretString,
    totp: &SecretString,
) -> Result<AngelSession, BrokerError> {
    let client_code = client_code.trim();
    if client_code.is_empty() || pin.expose_secret().trim().is_empty() {
        return Err(BrokerError::Auth("client code and PIN are required".into()));
    }
    if totp.expose_secret().trim().is_empty() {
        return Err(BrokerError::Auth("TOTP is required".into()));
    }
    let body = json_body(&[
        ("clientcode", client_code.into()),
        ("password", pin.expose_secret().trim().into()),
        ("totp", totp.expose_secret().trim().into()),
    ]);
    let data: LoginData =
        http.post(LOGIN_PATH, body, false)
            .await
            .map_err(|e| match BrokerError::from(e) {
                BrokerError::Rejected { message, .. } | BrokerError::NotFound(message) => {
                    BrokerError::Auth(message)
                }
                other => other,
            })?;
    let jwt = data
        .jwt_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| BrokerError::Auth("Angel One returned no jwtToken".into()))?;
    let jwt = jwt.strip_prefix("Bearer ").unwrap_or(&jwt).to_owned();
    Ok(AngelSession {
        client_code: client_code.to_owned(),
        jwt: SecretString::from(jwt),
        feed_token: SecretString::from(data.feed_token.unwrap_or_default()),
        refresh_token: data.refresh_token.map(SecretString::from),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_token_round_trip() {
        let s = AngelSession {
            client_code: "A123".into(),
            jwt: SecretString::from("eyJ.a-b_c"),
            feed_token: SecretString::from("feed1"),
            refresh_token: None,
        };
        let stored = s.stored();
        assert_eq!(stored.expose_secret(), "A123:eyJ.a-b_c:feed1");
        let back = AngelSession::from_stored(&stored).unwrap();
        assert_eq!(back.client_code, "A123");
        assert_eq!(back.jwt.expose_secret(), "eyJ.a-b_c");
        assert_eq!(back.feed_token.expose_secret(), "feed1");
        let bare = AngelSession::from_stored(&SecretString::from("Bearer jwt")).unwrap();
        assert_eq!(bare.jwt.expose_secret(), "jwt");
        assert!(AngelSession::from_stored(&SecretString::from("a:b")).is_none());
        assert!(AngelSession::from_stored(&SecretString::from("")).is_none());
        assert!(!format!("{s:?}").contains("eyJ"));
    }
}
