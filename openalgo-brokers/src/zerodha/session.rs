//! [`ZerodhaSession`]: the adapter behind the registry's [`LiveSession`] — the Kite login
//! (`request_token`, or `code` as some redirects name it), the stored `api_key:access_token`,
//! the instruments CSV.

use std::sync::Arc;

use async_trait::async_trait;
use openalgo_core::broker::LoginRequest;
use openalgo_core::{Broker, BrokerError, SymbolTable};
use secrecy::SecretString;

use super::ZerodhaBroker;
use crate::registry::{InstallReport, LiveSession, LoginParams};

/// The callback parameters that carry the request token, in order of preference.
const TOKEN_PARAMS: &[&str] = &["code", "request_token"];

/// A [`ZerodhaBroker`] as a [`LiveSession`].
#[derive(Debug)]
pub struct ZerodhaSession(Arc<ZerodhaBroker>);

impl ZerodhaSession {
    /// The session of `broker`.
    #[must_use]
    pub const fn new(broker: Arc<ZerodhaBroker>) -> Self {
        Self(broker)
    }

    /// The adapter itself.
    #[must_use]
    pub const fn adapter(&self) -> &Arc<ZerodhaBroker> {
        &self.0
    }
}

#[async_trait]
impl LiveSession for ZerodhaSession {
    fn broker(&self) -> Arc<dyn Broker> {
        self.0.clone()
    }

    fn login_url(&self) -> Option<String> {
        Some(self.0.login_url())
    }

    async fn complete_login(&self, params: &LoginParams) -> Result<SecretString, BrokerError> {
        let token = params
            .first_of(TOKEN_PARAMS)
            .ok_or_else(|| BrokerError::Auth("Missing request_token".to_owned()))?;
        self.0
            .authenticate(&LoginRequest::RedirectToken(token))
            .await?;
        self.0
            .stored_token()
            .ok_or_else(|| BrokerError::Auth("no session after the token exchange".to_owned()))
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
            .map_err(|e| BrokerError::Decode(format!("the instruments CSV is not UTF-8: {e}")))?;
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
