//! Angel One's registry entry: our credential form (client code, PIN, TOTP), the public
//! `OpenAPIScripMaster.json` cached as `angel_master.json`, SmartStream v2. Reads the SmartAPI
//! key (`BROKER_API_KEY`), the hosts (`ANGEL_API_URL`, `ANGEL_WS_URL`, `ANGEL_ORDER_WS_URL`,
//! `ANGEL_MASTER_URL`;
//! Angel's by default, a mock's in tests) and the per-request timeout (`ANGEL_TIMEOUT_MS`).

use std::sync::Arc;

use openalgo_core::BrokerError;
use openalgo_core::clock::Clock;

use super::config::{self, AngelConfig};
use super::{AngelBroker, session::AngelLiveSession};
use crate::registry::entry::{optional, required};
use crate::registry::{
    AdapterSettings, BrokerEntry, ConfigError, Connection, Features, LoginKind, Lookup,
    MasterSource,
};

/// Angel One in the registry.
pub static ENTRY: BrokerEntry = BrokerEntry {
    name: "angel",
    display_name: "Angel One",
    login: LoginKind::CredentialForm {
        fields: super::session::FIELDS,
    },
    features: Features {
        live_trading: true,
        market_stream: true,
        history: true,
        gtt: false,
    },
    master: MasterSource::Download {
        cache_file: "angel_master.json",
    },
    variables: &[
        "BROKER_API_KEY",
        "ANGEL_API_URL",
        "ANGEL_WS_URL",
        "ANGEL_ORDER_WS_URL",
        "ANGEL_MASTER_URL",
        "ANGEL_TIMEOUT_MS",
    ],
    configure,
};

fn configure(lookup: &Lookup<'_>) -> Result<Arc<dyn AdapterSettings>, ConfigError> {
    let api_key = required(lookup, ENTRY.name, "BROKER_API_KEY")?;
    let host =
        |name: &str, default: &str| optional(lookup, name).unwrap_or_else(|| default.to_owned());
    let mut config = AngelConfig::new(api_key).with_hosts(
        host("ANGEL_API_URL", config::DEFAULT_REST_URL),
        host("ANGEL_WS_URL", config::DEFAULT_WS_URL),
        host("ANGEL_MASTER_URL", config::DEFAULT_MASTER_URL),
    );
    config.order_ws_url = Some(host("ANGEL_ORDER_WS_URL", config::DEFAULT_ORDER_WS_URL));
    if let Some(ms) = optional(lookup, "ANGEL_TIMEOUT_MS") {
        let millis = ms
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|m| *m > 0)
            .ok_or_else(|| ConfigError::Invalid {
                name: "ANGEL_TIMEOUT_MS".into(),
                value: ms.clone(),
                expected: "is not a positive number of milliseconds".into(),
            })?;
        config.timeout = std::time::Duration::from_millis(millis);
    }
    Ok(Arc::new(config))
}

impl AdapterSettings for AngelConfig {
    fn connect(&self, _clock: &Arc<dyn Clock>) -> Result<Connection, BrokerError> {
        let broker = Arc::new(AngelBroker::new(self.clone())?);
        Ok(Connection::Live(Arc::new(AngelLiveSession::new(broker))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_need_the_key_and_read_hosts() {
        let missing = (ENTRY.configure)(&|_| None).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "BROKER_API_KEY must be set when BROKER=angel"
        );
        let ok = (ENTRY.configure)(&|name| match name {
            "BROKER_API_KEY" => Some("k".into()),
            "ANGEL_API_URL" => Some("http://127.0.0.1:1/".into()),
            _ => None,
        });
        assert!(format!("{:?}", ok.unwrap()).contains("http://127.0.0.1:1"));
        let bad = (ENTRY.configure)(&|name| match name {
            "BROKER_API_KEY" => Some("k".into()),
            "ANGEL_TIMEOUT_MS" => Some("soon".into()),
            _ => None,
        });
        assert!(matches!(bad, Err(ConfigError::Invalid { .. })));
        assert!(
            matches!(ENTRY.login, LoginKind::CredentialForm { fields } if fields.len() == 3 && fields[1].secret)
        );
    }
}
