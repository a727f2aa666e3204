//! [`LiveSession`]: what the server needs from a broker with a login — the login itself, the
//! token to keep, the instrument master to download, and the broker to trade through.

use std::sync::Arc;

use async_trait::async_trait;
use openalgo_core::{Broker, BrokerError, SymbolTable};
use secrecy::SecretString;

use super::login::LoginParams;

/// What installing an instrument master did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InstallReport {
    /// Instruments now in the master.
    pub converted: usize,
    /// Rows left out (venues OpenAlgo has no exchange for, malformed rows).
    pub skipped: usize,
}

/// A live broker's session, object-safe: the server holds an `Arc<dyn LiveSession>` and never
/// the adapter's type. Tokens are [`SecretString`]s: the server encrypts them at rest and never
/// logs them.
#[async_trait]
pub trait LiveSession: Send + Sync + std::fmt::Debug {
    /// The adapter every order and quote goes through.
    fn broker(&self) -> Arc<dyn Broker>;

    /// The broker's hosted login page ([`super::LoginKind::OAuthRedirect`]); `None` for other
    /// login kinds.
    fn login_url(&self) -> Option<String>;

    /// Completes a login from the callback's or the form's parameters, installs the session
    /// and returns the token to store.
    ///
    /// # Errors
    /// [`BrokerError::Auth`] when a parameter is missing or the broker refuses.
    async fn complete_login(&self, params: &LoginParams) -> Result<SecretString, BrokerError>;

    /// Installs a stored token (a restart within the token's day).
    fn restore(&self, token: &SecretString);

    /// The token of the current session, as [`LiveSession::complete_login`] returned it.
    fn stored_token(&self) -> Option<SecretString>;

    /// Whether a session is installed.
    fn has_session(&self) -> bool;

    /// Forgets the session.
    fn clear_session(&self);

    /// Downloads the instrument master as the broker serves it (the server caches the bytes).
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    async fn fetch_master(&self) -> Result<Vec<u8>, BrokerError>;

    /// Parses a downloaded (or cached) master, installs it in the adapter and returns it.
    ///
    /// # Errors
    /// [`BrokerError::Decode`] when the bytes are not the broker's master format.
    fn install_master(
        &self,
        bytes: &[u8],
    ) -> Result<(Arc<SymbolTable>, InstallReport), BrokerError>;

    /// The instrument master in use (empty before the first install).
    fn symbols(&self) -> Arc<SymbolTable>;
}
