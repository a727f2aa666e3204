//! [`DhanSession`]: the adapter behind the registry's [`LiveSession`] — the credential form
//! (`client_id`, `access_token`), or the consent redirect's `tokenId` (`token_id`, `token`, as
//! the reference accepts), the stored `<client id>:::<access token>`, the scrip master CSV.

use std::sync::Arc;

use async_trait::async_trait;
use openalgo_core::{BrokerError, SymbolTable};
use secrecy::{ExposeSecret, SecretString};

use super::DhanBroker;
use crate::registry::{InstallReport, LiveSession, LoginParams};

/// The parameters that carry the consent flow's token id, in order of preference.
const TOKEN_ID_PARAMS: &[&str] = &["tokenId", "token_id", "token"];

/// A [`DhanBroker`] as a [`LiveSession`].
#[derive(Debug)]
pub struct DhanSession(Arc<DhanBroker>);

impl DhanSession {
    /// The session of `broker`.
    #[must_use]
    pub const fn new(broker: Arc<DhanBroker>) -> Self {
        Self(broker)
    }

    /// The adapter itself.
    #[must_use]
    pub const fn adapter(&self) -> &Arc<DhanBroker> {
        &self.0
    }
}

#[async_trait]
impl LiveSession for DhanSession {
    fn broker(&self) -> Arc<dyn openalgo_core::Broker> {
        self.0.clone()
    }

    fn login_url(&self) -> Option<String> {
        None
    }

    async fn complete_login(&self, params: &LoginParams) -> Result<SecretString, BrokerError> {
        if let Some(access) = params.first_of(&["access_token"]) {
            let client_id = params.first_of(&["client_id"]);
            self.0
                .login_with_token(client_id.as_ref().map(ExposeSecret::expose_secret), &access)
                .await?;
        } else if let Some(token_id) = params.first_of(TOKEN_ID_PARAMS) {
            self.0.login_with_consent(&token_id).await?;
        } else {
            return Err(BrokerError::Auth("Missing access_token".to_owned()));
        }
        self.0
            .stored_token()
            .ok_or_else(|| BrokerError::Auth("no session after the login".to_owned()))
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
        Ok(self.0.fetch_master_csv().await?.into_bytes())
    }

    fn install_master(
        &self,
        bytes: &[u8],
    ) -> Result<(Arc<SymbolTable>, InstallReport), BrokerError> {
        let csv = std::str::from_utf8(bytes)
            .map_err(|e| BrokerError::Decode(format!("the scrip master CSV is not UTF-8: {e}")))?;
        let (table, report) = self.0.install_master_csv(csv)?;
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
