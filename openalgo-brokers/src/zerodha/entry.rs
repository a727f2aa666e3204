//! Zerodha's registry entry: the hosted Kite login redirecting with a `request_token`, the
//! instruments CSV cached as `zerodha_instruments.csv`, the binary ticker. Reads the Kite app
//! (`BROKER_API_KEY`, `BROKER_API_SECRET`), the hosts (`ZERODHA_API_URL`, `ZERODHA_WS_URL`,
//! `ZERODHA_LOGIN_URL`; Kite's by default, a mock's in tests) and the per-request timeout
//! (`ZERODHA_TIMEOUT_MS`, 30 s by default).

use std::sync::Arc;

use openalgo_core::BrokerError;
use openalgo_core::clock::Clock;
use secrecy::SecretString;

use super::config::{self, ZerodhaConfig};
use super::{ZerodhaBroker, session::ZerodhaSession};
use crate::registry::entry::{optional, required};
use crate::registry::{
    AdapterSettings, BrokerEntry, ConfigError, Connection, Features, LoginKind, Lookup,
    MasterSource,
};

/// Zerodha in the registry.
pub static ENTRY: BrokerEntry = BrokerEntry {
    name: "zerodha",
    display_name: "Zerodha",
    login: LoginKind::OAuthRedirect,
    features: Features {
        live_trading: true,
        market_stream: true,
        history: true,
        gtt: true,
    },
    master: MasterSource::Download {
        cache_file: "zerodha_instruments.csv",
    },
    variables: &[
        "BROKER_API_KEY",
        "BROKER_API_SECRET",
        "ZERODHA_API_URL",
        "ZERODHA_WS_URL",
        "ZERODHA_LOGIN_URL",
        "ZERODHA_TIMEOUT_MS",
    ],
    configure,
};

fn configure(lookup: &Lookup<'_>) -> Result<Arc<dyn AdapterSettings>, ConfigError> {
    let api_key = required(lookup, ENTRY.name, "BROKER_API_KEY")?;
    let api_secret = required(lookup, ENTRY.name, "BROKER_API_SECRET")?;
    let host =
        |name: &str, default: &str| optional(lookup, name).unwrap_or_else(|| default.to_owned());
    let mut config = ZerodhaConfig::new(api_key, SecretString::from(api_secret)).with_hosts(
        host("ZERODHA_API_URL", config::DEFAULT_REST_URL),
        host("ZERODHA_WS_URL", config::DEFAULT_WS_URL),
        host("ZERODHA_LOGIN_URL", config::DEFAULT_LOGIN_URL),
    );
    if let Some(ms) = optional(lookup, "ZERODHA_TIMEOUT_MS") {
        let millis = ms
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|m| *m > 0)
            .ok_or_else(|| ConfigError::Invalid {
                name: "ZERODHA_TIMEOUT_MS".into(),
                value: ms.clone(),
                expected: "is not a positive number of milliseconds".into(),
            })?;
        config.timeout = std::time::Duration::from_millis(millis);
    }
    Ok(Arc::new(config))
}

impl AdapterSettings for ZerodhaConfig {
    fn connect(&self, _clock: &Arc<dyn Clock>) -> Result<Connection, BrokerError> {
        let broker = Arc::new(ZerodhaBroker::new(self.clone())?);
        Ok(Connection::Live(Arc::new(ZerodhaSession::new(broker))))
    }
}
