//! Broker login inputs and the session they produce. Secrets are redacted in `Debug`.

use secrecy::SecretString;

/// What a user hands over to log in; each broker accepts the style it supports.
#[derive(Debug, Clone)]
pub enum LoginRequest {
    /// OAuth-style redirect value (`request_token`, `auth_code`, `code`, `tokenId`).
    RedirectToken(SecretString),
    /// Client code, PIN and TOTP (Angel-style form login).
    Credentials {
        /// Broker client code.
        client_code: String,
        /// PIN or password.
        pin: SecretString,
        /// Current TOTP.
        totp: SecretString,
    },
    /// An access token obtained elsewhere (pasted token).
    AccessToken(SecretString),
}

/// An authenticated broker session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Token for REST calls.
    pub access_token: SecretString,
    /// Separate market-data token, for brokers that issue one.
    pub feed_token: Option<SecretString>,
    /// The broker's user or client id.
    pub user_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let s = Session {
            access_token: SecretString::from("super-secret-token"),
            feed_token: Some(SecretString::from("feed-secret")),
            user_id: Some("AB1234".into()),
        };
        let text = format!("{s:?}");
        assert!(!text.contains("super-secret-token"));
        assert!(!text.contains("feed-secret"));
        assert!(text.contains("AB1234"));
        let l = LoginRequest::Credentials {
            client_code: "AB1234".into(),
            pin: SecretString::from("9876"),
            totp: SecretString::from("123456"),
        };
        let text = format!("{l:?}");
        assert!(!text.contains("9876") && !text.contains("123456"));
    }
}
