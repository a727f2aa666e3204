//! [`DhanConfig`]: the Dhan client id, the optional API-key app (for the consent login) and
//! every host the adapter talks to. Every host is configuration so tests point the adapter at a
//! local mock.

use std::time::Duration;

use secrecy::SecretString;

/// DhanHQ v2 REST root (every path below it starts with `/`).
pub const DEFAULT_REST_URL: &str = "https://api.dhan.co/v2";
/// Consent-login host (`/app/generate-consent`, `/login/consentApp-login`, `/app/consumeApp-consent`).
pub const DEFAULT_AUTH_URL: &str = "https://auth.dhan.co";
/// Live market feed WebSocket root.
pub const DEFAULT_WS_URL: &str = "wss://api-feed.dhan.co";
/// Live order-update WebSocket.
pub const DEFAULT_ORDER_WS_URL: &str = "wss://api-order-update.dhan.co";
/// The public instrument master.
pub const DEFAULT_MASTER_URL: &str = "https://images.dhan.co/api-data/api-scrip-master.csv";

/// How the adapter reaches DhanHQ.
#[derive(Debug, Clone)]
pub struct DhanConfig {
    /// The Dhan client id (`client-id` header, `dhanClientId` body field); a login form or a
    /// stored token may replace it.
    pub client_id: String,
    /// The API-key app's key (`app_id` of the consent flow), when one is configured.
    pub app_key: Option<String>,
    /// The API-key app's secret (`app_secret` of the consent flow).
    pub app_secret: Option<SecretString>,
    /// REST root, without a trailing slash.
    pub rest_url: String,
    /// Consent-login host, without a trailing slash.
    pub auth_url: String,
    /// Live market feed root.
    pub ws_url: String,
    /// Order-update WebSocket.
    pub order_ws_url: String,
    /// Instrument master CSV URL.
    pub master_url: String,
    /// Per-request timeout.
    pub timeout: Duration,
    /// First reconnect delay of the feed; doubled per failure up to `reconnect_max`.
    pub reconnect_initial: Duration,
    /// Longest reconnect delay.
    pub reconnect_max: Duration,
}

impl DhanConfig {
    /// Production hosts for `client_id` (no consent app).
    #[must_use]
    pub fn new(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            app_key: None,
            app_secret: None,
            rest_url: DEFAULT_REST_URL.to_owned(),
            auth_url: DEFAULT_AUTH_URL.to_owned(),
            ws_url: DEFAULT_WS_URL.to_owned(),
            order_ws_url: DEFAULT_ORDER_WS_URL.to_owned(),
            master_url: DEFAULT_MASTER_URL.to_owned(),
            timeout: Duration::from_secs(30),
            reconnect_initial: Duration::from_millis(500),
            reconnect_max: Duration::from_secs(30),
        }
    }

    /// The same client with an API-key app for the consent login.
    #[must_use]
    pub fn with_app(mut self, app_key: impl Into<String>, app_secret: SecretString) -> Self {
        self.app_key = Some(app_key.into());
        self.app_secret = Some(app_secret);
        self
    }

    /// The same credentials against other hosts (a mock, a proxy).
    #[must_use]
    pub fn with_hosts(
        mut self,
        rest_url: impl Into<String>,
        auth_url: impl Into<String>,
        ws_url: impl Into<String>,
        master_url: impl Into<String>,
    ) -> Self {
        self.rest_url = rest_url.into().trim_end_matches('/').to_owned();
        self.auth_url = auth_url.into().trim_end_matches('/').to_owned();
        self.ws_url = ws_url.into();
        self.master_url = master_url.into();
        self
    }

    /// The same credentials with another order-update socket (a mock).
    #[must_use]
    pub fn with_order_ws(mut self, order_ws_url: impl Into<String>) -> Self {
        self.order_ws_url = order_ws_url.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted_and_hosts_configurable() {
        let c = DhanConfig::new("1000000001")
            .with_app("appkey", SecretString::from("shh-secret"))
            .with_hosts(
                "http://127.0.0.1:9/v2/",
                "http://127.0.0.1:9/",
                "ws://127.0.0.1:10",
                "http://127.0.0.1:9/master.csv",
            );
        assert_eq!(c.rest_url, "http://127.0.0.1:9/v2");
        assert_eq!(c.auth_url, "http://127.0.0.1:9");
        assert!(!format!("{c:?}").contains("shh-secret"));
        assert_eq!(DhanConfig::new("1").rest_url, "https://api.dhan.co/v2");
    }
}
