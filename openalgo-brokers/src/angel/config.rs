//! [`AngelConfig`]: the SmartAPI app's key and every host the adapter talks to. Hosts are
//! configuration so tests point the adapter at a local mock.

use std::time::Duration;

/// SmartAPI REST root.
pub const DEFAULT_REST_URL: &str = "https://apiconnect.angelone.in";
/// SmartStream v2 market-data WebSocket.
pub const DEFAULT_WS_URL: &str = "wss://smartapisocket.angelone.in/smart-stream";
/// Order-status WebSocket.
pub const DEFAULT_ORDER_WS_URL: &str = "wss://tns.angelone.in/smart-order-update";
/// The public instrument master (JSON array, no authentication).
pub const DEFAULT_MASTER_URL: &str =
    "https://margincalculator.angelbroking.com/OpenAPI_File/files/OpenAPIScripMaster.json";

/// How the adapter reaches SmartAPI.
#[derive(Debug, Clone)]
pub struct AngelConfig {
    /// The SmartAPI private key (`BROKER_API_KEY`), sent as `X-PrivateKey`.
    pub api_key: String,
    /// REST root, without a trailing slash.
    pub rest_url: String,
    /// SmartStream v2 WebSocket URL.
    pub ws_url: String,
    /// Order-status WebSocket URL (`None`: no order updates).
    pub order_ws_url: Option<String>,
    /// Instrument master URL.
    pub master_url: String,
    /// `X-ClientLocalIP` (the reference sends a placeholder).
    pub client_local_ip: String,
    /// `X-ClientPublicIP`.
    pub client_public_ip: String,
    /// `X-MACAddress`.
    pub mac_address: String,
    /// Per-request timeout.
    pub timeout: Duration,
    /// First reconnect delay of the stream; doubled per failure up to `reconnect_max`.
    pub reconnect_initial: Duration,
    /// Longest reconnect delay.
    pub reconnect_max: Duration,
    /// Interval of the text `ping` heartbeat.
    pub heartbeat: Duration,
    /// Pause between the day windows of one history request (SmartAPI allows about three
    /// candle requests a second).
    pub history_pause: Duration,
}

impl AngelConfig {
    /// Production hosts for the given private key.
    #[must_use]
    pub fn new(api_key: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            rest_url: DEFAULT_REST_URL.to_owned(),
            ws_url: DEFAULT_WS_URL.to_owned(),
            order_ws_url: Some(DEFAULT_ORDER_WS_URL.to_owned()),
            master_url: DEFAULT_MASTER_URL.to_owned(),
            client_local_ip: "CLIENT_LOCAL_IP".to_owned(),
            client_public_ip: "CLIENT_PUBLIC_IP".to_owned(),
            mac_address: "MAC_ADDRESS".to_owned(),
            timeout: Duration::from_secs(30),
            reconnect_initial: Duration::from_millis(500),
            reconnect_max: Duration::from_secs(30),
            heartbeat: Duration::from_secs(10),
            history_pause: Duration::from_millis(350),
        }
    }

    /// The same key against other hosts (a mock, a proxy).
    #[must_use]
    pub fn with_hosts(
        mut self,
        rest_url: impl Into<String>,
        ws_url: impl Into<String>,
        master_url: impl Into<String>,
    ) -> Self {
        self.rest_url = rest_url.into().trim_end_matches('/').to_owned();
        self.ws_url = ws_url.into();
        self.master_url = master_url.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_configurable() {
        let c = AngelConfig::new("key").with_hosts(
            "http://127.0.0.1:9/",
            "ws://127.0.0.1:9/smart-stream",
            "http://127.0.0.1:9/master.json",
        );
        assert_eq!(c.rest_url, "http://127.0.0.1:9");
        assert_eq!(c.ws_url, "ws://127.0.0.1:9/smart-stream");
        assert_eq!(AngelConfig::new("k").rest_url, DEFAULT_REST_URL);
    }
}
