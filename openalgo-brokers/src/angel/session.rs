//! [`AngelLiveSession`]: the adapter behind the registry's [`LiveSession`] — the credential
//! form (client code, PIN, TOTP), the stored `clientcode:jwt:feedtoken`, the master JSON.

use std::sync::Arc;

use async_trait::async_trait;
use openalgo_core::{Broker, BrokerError, SymbolTable};
use secrecy::{ExposeSecret, SecretString};

use super::AngelBroker;
use crate::registry::{FormField, InstallReport, LiveSession, LoginParams};

/// The form's fields, in order (the reference's page posts `clientid`/`userid`, `pin`, `totp`).
pub(crate) const FIELDS: &[FormField] = &[
    FormField {
        name: "clientid",
        label: "Client code",
        secret: false,
    },
    FormField {
        name: "pin",
        label: "PIN",
        secret: true,
    },
    FormField {
        name: "totp",
        label: "TOTP",
        secret: false,
    },
];

/// An [`AngelBroker`] as a [`LiveSession`].
#[derive(Debug)]
pub struct AngelLiveSession(Arc<AngelBroker>);

impl AngelLiveSession {
    /// The session of `broker`.
    #[must_use]
    pub const fn new(broker: Arc<AngelBroker>) -> Self {
        Self(broker)
    }

    /// The adapter itself.
    #[must_use]
    pub const fn adapter(&self) -> &Arc<AngelBroker> {
        &self.0
    }
}

#[async_trait]
impl LiveSession for AngelLiveSession {
    fn broker(&self) -> Arc<dyn Broker> {
        self.0.clone()
    }

    fn login_url(&self) -> Option<String> {
        None
    }

    async fn complete_login(&self, params: &LoginParams) -> Result<SecretString, BrokerError> {
        let client = params
            .first_of(&["clientid", "userid", "clientcode"])
            .ok_or_else(|| BrokerError::Auth("Missing client code".to_owned()))?;
        let pin = params
            .first_of(&["pin", "password"])
            .ok_or_else(|| BrokerError::Auth("Missing PIN".to_owned()))?;
        let totp = params
            .first_of(&["totp"])
            .ok_or_else(|| BrokerError::Auth("Missing TOTP".to_owned()))?;
        let session = self.0.login(client.expose_secret(), &pin, &totp).await?;
        Ok(session.stored())
    }

    fn restore(&self, token: &SecretString) {
        self.0.set_session(token);
    }

    fn stored_token(&self) -> Option<SecretString> {
        self.0.stored_token()
    }

    fn has_session(&self) -> bool {
        self.0.has_session()
    }

    fn clear_session(&self) {
        self.0.clear_session();
    }

    async fn fetch_master(&self) -> Result<Vec<u8>, BrokerError> {
        self.0.fetch_master_json().await
    }

    fn install_master(
        &self,
        bytes: &[u8],
    ) -> Result<(Arc<SymbolTable>, InstallReport), BrokerError> {
        let (table, report) = self.0.install_master_json(bytes)?;
        Ok((
            table,
            InstallReport {
                converted: report.converted,
                skipped: report.unsupported_exchange + report.malformed,
            },
        ))
    }

    fn symbols(&self) -> Arc<SymbolTable> {
        self.0.symbols()
    }
}
