//! [`ZerodhaConfig`]: the Kite app's credentials and the hosts to talk to. Every host is
//! configuration so tests point the adapter at a local mock.

use std::time::Duration;

use secrecy::SecretString;

/// Kite Connect REST root.
pub const DEFAULT_REST_URL: &str = "https://api.kite.trade";
/// Kite ticker WebSocket root.
pub const DEFAULT_WS_URL: &str = "wss://ws.kite.trade";
/// Browser login page.
pub const DEFAULT_LOGIN_URL: &str = "https://kite.zerodha.com/connect/login";

/// How the adapter reaches Kite.
#[derive(Debug, Clone)]
pub struct ZerodhaConfig {
    /// The Kite app's `api_key` (`BROKER_API_KEY`).
    pub api_key: String,
    /// The Kite app's `api_secret` (`BROKER_API_SECRET`); only used for the login checksum.
    pub api_secret: SecretString,
    /// REST root, without a trailing slash.
    pub rest_url: String,
    /// Ticker WebSocket root.
    pub ws_url: String,
    /// Browser login page.
    pub login_url: String,
    /// Per-request timeout.
    pub timeout: Duration,
    /// First reconnect delay of the ticker; doubled per failure up to `reconnect_max`.
    pub reconnect_initial: Duration,
    /// Longest reconnect delay.
    pub reconnect_max: Duration,
}

impl ZerodhaConfig {
    /// Production hosts for the given app credentials.
    #[must_use]
    pub fn new(api_key: impl Into<String>, api_secret: SecretString) -> Self {
        Self {
            api_key: api_key.into(),
            api_secret,
            rest_url: DEFAULT_REST_URL.to_owned(),
            ws_url: DEFAULT_WS_URL.to_owned(),
            login_url: DEFAULT_LOGIN_URL.to_owned(),
            timeout: Duration::from_secs(30),
            reconnect_initial: Duration::from_millis(500),
            reconnect_max: Duration::from_secs(30),
        }
    }

    /// The same credentials against other hosts (a mock, a proxy).
    #[must_use]
    pub fn with_hosts(
        mut self,
        rest_url: impl Into<String>,
        ws_url: impl Into<String>,
        login_url: impl Into<String>,
    ) -> Self {
        self.rest_url = rest_url.into().trim_end_matches('/').to_owned();
        self.ws_url = ws_url.into();
        self.login_url = login_url.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted_and_hosts_configurable() {
        let c = ZerodhaConfig::new("kitekey", SecretString::from("shh-secret")).with_hosts(
            "http://127.0.0.1:9/",
            "ws://127.0.0.1:9",
            "http://127.0.0.1:9/connect/login",
        );
        assert_eq!(c.rest_url, "http://127.0.0.1:9");
        assert!(!format!("{c:?}").contains("shh-secret"));
    }
}
