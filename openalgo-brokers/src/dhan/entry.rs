//! Dhan's registry entry: a credential form (client id + access token; the consent flow's
//! `tokenId` is accepted on the same callback), the `api-scrip-master.csv` cached as
//! `dhan_instruments.csv`, the binary live feed. Reads `BROKER_API_KEY` as the reference does
//! for Dhan — `<client id>:::<api key>` (the consent app) or a bare client id —, the app
//! secret `BROKER_API_SECRET` (optional: only the consent flow needs it), the hosts
//! (`DHAN_API_URL`, `DHAN_AUTH_URL`, `DHAN_WS_URL`, `DHAN_MASTER_URL`,
//! `DHAN_ORDER_WS_URL`; Dhan's by default, a
//! mock's in tests) and the per-request timeout (`DHAN_TIMEOUT_MS`, 30 s by default).

use std::sync::Arc;

use openalgo_core::BrokerError;
use openalgo_core::clock::Clock;
use secrecy::SecretString;

use super::config::{self, DhanConfig};
use super::{DhanBroker, session::DhanSession};
use crate::registry::entry::{optional, required};
use crate::registry::{
    AdapterSettings, BrokerEntry, ConfigError, Connection, Features, FormField, LoginKind, Lookup,
    MasterSource,
};

/// The login form's fields.
const FORM_FIELDS: &[FormField] = &[
    FormField {
        name: "client_id",
        label: "Dhan client ID",
        secret: false,
    },
    FormField {
        name: "access_token",
        label: "Access token",
        secret: true,
    },
];

/// Dhan in the registry.
pub static ENTRY: BrokerEntry = BrokerEntry {
    name: "dhan",
    display_name: "Dhan",
    login: LoginKind::CredentialForm {
        fields: FORM_FIELDS,
    },
    features: Features {
        live_trading: true,
        market_stream: true,
        history: true,
        gtt: false,
    },
    master: MasterSource::Download {
        cache_file: "dhan_instruments.csv",
    },
    variables: &[
        "BROKER_API_KEY",
        "BROKER_API_SECRET",
        "DHAN_API_URL",
        "DHAN_AUTH_URL",
        "DHAN_WS_URL",
        "DHAN_MASTER_URL",
        "DHAN_ORDER_WS_URL",
        "DHAN_TIMEOUT_MS",
    ],
    configure,
};

fn configure(lookup: &Lookup<'_>) -> Result<Arc<dyn AdapterSettings>, ConfigError> {
    let key = required(lookup, ENTRY.name, "BROKER_API_KEY")?;
    let (client_id, app_key) = match key.split_once(":::") {
        Some((id, app)) => (id.trim().to_owned(), Some(app.trim().to_owned())),
        None => (key.clone(), None),
    };
    if client_id.is_empty() {
        return Err(ConfigError::Invalid {
            name: "BROKER_API_KEY".into(),
            value: "(hidden)".into(),
            expected: "is not <client id>:::<api key> or a Dhan client id".into(),
        });
    }
    let host =
        |name: &str, default: &str| optional(lookup, name).unwrap_or_else(|| default.to_owned());
    let mut config = DhanConfig::new(client_id)
        .with_hosts(
            host("DHAN_API_URL", config::DEFAULT_REST_URL),
            host("DHAN_AUTH_URL", config::DEFAULT_AUTH_URL),
            host("DHAN_WS_URL", config::DEFAULT_WS_URL),
            host("DHAN_MASTER_URL", config::DEFAULT_MASTER_URL),
        )
        .with_order_ws(host("DHAN_ORDER_WS_URL", config::DEFAULT_ORDER_WS_URL));
    if let (Some(app), Some(secret)) = (
        app_key.filter(|a| !a.is_empty()),
        optional(lookup, "BROKER_API_SECRET"),
    ) {
        config = config.with_app(app, SecretString::from(secret));
    }
    if let Some(ms) = optional(lookup, "DHAN_TIMEOUT_MS") {
        let millis = ms
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|m| *m > 0)
            .ok_or_else(|| ConfigError::Invalid {
                name: "DHAN_TIMEOUT_MS".into(),
                value: ms.clone(),
                expected: "is not a positive number of milliseconds".into(),
            })?;
        config.timeout = std::time::Duration::from_millis(millis);
    }
    Ok(Arc::new(config))
}

impl AdapterSettings for DhanConfig {
    fn connect(&self, _clock: &Arc<dyn Clock>) -> Result<Connection, BrokerError> {
        let broker = Arc::new(DhanBroker::new(self.clone())?);
        Ok(Connection::Live(Arc::new(DhanSession::new(broker))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn dhan_declares_a_credential_form_and_a_cached_master() {
        let e = registry::lookup("dhan").expect("registered");
        assert_eq!(e.display_name, "Dhan");
        assert!(
            matches!(e.login, LoginKind::CredentialForm { fields } if fields.len() == 2 && fields[1].secret && !fields[0].secret)
        );
        assert_eq!(e.master.cache_file(), Some("dhan_instruments.csv"));
        let err = registry::configure("dhan", &vars(&[])).expect_err("no key");
        assert_eq!(
            err.to_string(),
            "BROKER_API_KEY must be set when BROKER=dhan"
        );
        assert!(registry::configure("dhan", &vars(&[("BROKER_API_KEY", ":::app")])).is_err());
        assert!(registry::configure("dhan", &vars(&[("BROKER_API_KEY", "1000000001")])).is_ok());
        assert!(
            registry::configure(
                "dhan",
                &vars(&[
                    ("BROKER_API_KEY", "1:::app"),
                    ("BROKER_API_SECRET", "s"),
                    ("DHAN_TIMEOUT_MS", "0")
                ])
            )
            .is_err()
        );
    }
}
