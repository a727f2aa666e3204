//! Paper accounts that survive restarts: every engine event is written to the store before the
//! command returns, and startup rebuilds each account from its base snapshot plus the journal.

use std::sync::Arc;

use chrono::NaiveDateTime;
use openalgo_brokers::paper::EventSink;
use openalgo_core::SymbolTable;
use openalgo_core::sandbox::{SandboxConfig, SandboxEngine, SandboxEvent, SandboxSnapshot};

use crate::store::{Store, StoreError};

/// Writes one account's events to the store.
pub struct StoreSink {
    store: Arc<dyn Store>,
    account: &'static str,
}

impl std::fmt::Debug for StoreSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSink")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl StoreSink {
    /// A sink for `account`.
    #[must_use]
    pub fn new(store: Arc<dyn Store>, account: &'static str) -> Self {
        Self { store, account }
    }
}

impl EventSink for StoreSink {
    fn record(&self, events: &[SandboxEvent]) -> Result<(), String> {
        let bodies = events
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        self.store
            .append_paper_events(self.account, &bodies)
            .map_err(|e| e.to_string())
    }
}

/// Why an account could not be restored.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored snapshot or event is unreadable.
    #[error("corrupt paper journal for account {account}: {cause}")]
    Corrupt {
        /// Account.
        account: &'static str,
        /// Cause.
        cause: String,
    },
}

/// Rebuilds `account` from the store, or starts it fresh (and records its base) when new.
///
/// # Errors
/// [`RestoreError`].
pub fn restore_account(
    store: &dyn Store,
    account: &'static str,
    config: SandboxConfig,
    symbols: Arc<SymbolTable>,
    now: NaiveDateTime,
) -> Result<SandboxEngine, RestoreError> {
    let corrupt = |cause: String| RestoreError::Corrupt { account, cause };
    match store.paper_base(account)? {
        Some(base) => {
            let base: SandboxSnapshot =
                serde_json::from_str(&base).map_err(|e| corrupt(e.to_string()))?;
            let events = store
                .paper_events(account)?
                .iter()
                .map(|b| serde_json::from_str::<SandboxEvent>(b))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| corrupt(e.to_string()))?;
            Ok(SandboxEngine::replay(config, symbols, base, &events))
        }
        None => {
            let engine = SandboxEngine::new(config, symbols, now);
            let base =
                serde_json::to_string(&engine.snapshot()).map_err(|e| corrupt(e.to_string()))?;
            store.set_paper_base(account, &base)?;
            Ok(engine)
        }
    }
}
