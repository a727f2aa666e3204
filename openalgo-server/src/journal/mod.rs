//! Paper accounts that survive restarts: every engine event is queued to the journal writer in
//! engine order, the events of an order call commit with its order-log row before it answers,
//! and startup rebuilds each account from its base snapshot plus the journal.

use std::sync::Arc;

use chrono::NaiveDateTime;
use openalgo_brokers::paper::{Durable, EventSink};
use openalgo_core::SymbolTable;
use openalgo_core::sandbox::{
    SandboxConfig, SandboxEngine, SandboxEvent, SandboxSnapshot, coalesce, codec,
};

use crate::store::{Store, StoreError};

mod writer;

pub use writer::{JournalWriter, PendingLog};
use writer::{Work, current_call};

/// Sends one account's events to the journal writer.
pub struct StoreSink {
    writer: JournalWriter,
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
    pub const fn new(writer: JournalWriter, account: &'static str) -> Self {
        Self { writer, account }
    }
}

impl EventSink for StoreSink {
    fn submit(&self, events: &[SandboxEvent]) -> Result<Durable, String> {
        if events.is_empty() {
            return Ok(Durable::ready());
        }
        // One row per command: its events, superseded snapshots left out.
        let mut body = Vec::with_capacity(64 + 96 * events.len());
        codec::encode(&coalesce(events), &mut body).map_err(|e| e.to_string())?;
        let bodies = vec![body];
        // Queued in engine order; the order endpoints answer only after their order-log entry
        // commits, and the writer commits in order and never before the log entry of the
        // order call that queued these, so they are durable together.
        self.writer.queue(Work::Paper {
            account: self.account,
            bodies,
            call: current_call(),
        })?;
        Ok(Durable::ready())
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

/// Appends the events of one journal row: binary (one command), or as earlier versions wrote
/// them, a JSON array (one command) or a single JSON event.
fn decode_row(row: &[u8], into: &mut Vec<SandboxEvent>) -> Result<(), String> {
    let json = |e: serde_json::Error| e.to_string();
    match row.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => into.extend(serde_json::from_slice::<Vec<SandboxEvent>>(row).map_err(json)?),
        Some(b'{') => into.push(serde_json::from_slice(row).map_err(json)?),
        _ => codec::decode(row, into).map_err(|e| e.to_string())?,
    }
    Ok(())
}

/// Whether restoring an account may rewrite its journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restore {
    /// This process owns the account (a single instance, or the instance holding the accounts'
    /// lease): the replayed state becomes the new base and the replayed rows go, and a new
    /// account records its base.
    Owner,
    /// Another instance may be appending to the journal right now: read only. (Compacting
    /// would delete the rows it appends between this read and that delete.)
    ReadOnly,
}

/// Rebuilds `account` from the store, or starts it fresh (and, as its owner, records its base)
/// when new.
///
/// # Errors
/// [`RestoreError`].
pub fn restore_account(
    store: &dyn Store,
    account: &'static str,
    config: SandboxConfig,
    symbols: Arc<SymbolTable>,
    now: NaiveDateTime,
    mode: Restore,
) -> Result<SandboxEngine, RestoreError> {
    let corrupt = |cause: String| RestoreError::Corrupt { account, cause };
    match store.paper_base(account)? {
        Some(base) => {
            let base: SandboxSnapshot =
                serde_json::from_str(&base).map_err(|e| corrupt(e.to_string()))?;
            let mut events = Vec::new();
            for row in store.paper_events(account)? {
                decode_row(&row, &mut events).map_err(corrupt)?;
            }
            let engine = SandboxEngine::replay(config, symbols, base, &events);
            // Compact: the replayed state becomes the new base, so the journal never grows
            // beyond one run and the next start replays little.
            if !events.is_empty() && mode == Restore::Owner {
                let body = serde_json::to_string(&engine.snapshot())
                    .map_err(|e| corrupt(e.to_string()))?;
                store.set_paper_base(account, &body)?;
            }
            Ok(engine)
        }
        None => {
            let engine = SandboxEngine::new(config, symbols, now);
            if mode == Restore::Owner {
                let base = serde_json::to_string(&engine.snapshot())
                    .map_err(|e| corrupt(e.to_string()))?;
                store.set_paper_base(account, &base)?;
            }
            Ok(engine)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owner_rewrites_the_journal_when_it_restores() {
        let store = crate::store::SqliteStore::in_memory().expect("store");
        let restore = |mode| {
            let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
                .and_then(|d| d.and_hms_opt(10, 0, 0))
                .expect("time");
            restore_account(
                &store,
                "sandbox",
                SandboxConfig::default(),
                Arc::new(SymbolTable::default()),
                now,
                mode,
            )
            .expect("restored")
        };
        // A reader of a new account records nothing; its owner records the base.
        restore(Restore::ReadOnly);
        assert_eq!(store.paper_base("sandbox").expect("read"), None);
        restore(Restore::Owner);
        let base = store.paper_base("sandbox").expect("read").expect("a base");
        // Rows another instance appends survive a reader's restore, and go with the owner's.
        let mut row = Vec::new();
        codec::encode(&[&SandboxEvent::Cleared], &mut row).expect("encode");
        store
            .append_paper_events("sandbox", &[row.clone(), row])
            .expect("append");
        restore(Restore::ReadOnly);
        assert_eq!(store.paper_events("sandbox").expect("read").len(), 2);
        assert_eq!(store.paper_base("sandbox").expect("read"), Some(base));
        restore(Restore::Owner);
        assert!(store.paper_events("sandbox").expect("read").is_empty());
    }

    #[test]
    fn rows_hold_one_event_or_a_command_batch() {
        let mut events = Vec::new();
        decode_row(br#"{"event":"cleared"}"#, &mut events).expect("single");
        decode_row(br#"[{"event":"cleared"},{"event":"cleared"}]"#, &mut events).expect("batch");
        let mut binary = Vec::new();
        codec::encode(&[&SandboxEvent::Cleared], &mut binary).expect("encode");
        decode_row(&binary, &mut events).expect("binary");
        assert_eq!(events, vec![SandboxEvent::Cleared; 4]);
        assert!(decode_row(b"[{", &mut events).is_err());
        assert!(decode_row(&binary[..1], &mut events).is_err());
    }
}
