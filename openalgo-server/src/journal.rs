//! Paper accounts that survive restarts: every engine event is written to the store before the
//! command returns, and startup rebuilds each account from its base snapshot plus the journal.

use std::sync::Arc;

use chrono::NaiveDateTime;
use openalgo_brokers::paper::{Durable, EventSink};
use openalgo_core::SymbolTable;
use openalgo_core::sandbox::{SandboxConfig, SandboxEngine, SandboxEvent, SandboxSnapshot};

use crate::store::{Store, StoreError};

/// What waits for the writer: one account's events, or one order-log entry.
enum Work {
    Paper {
        account: &'static str,
        bodies: Vec<String>,
    },
    Log(crate::store::OrderLogEntry),
}

struct Job {
    work: Work,
    /// Who waits for this job's commit, if anyone.
    done: Option<tokio::sync::oneshot::Sender<Result<(), String>>>,
}

/// A dedicated thread that commits journal events in groups: every job waiting when a commit
/// starts goes into the same transaction, so concurrent commands share one disk sync.
#[derive(Debug, Clone)]
pub struct JournalWriter {
    tx: std::sync::mpsc::Sender<Job>,
}

/// Most jobs in one transaction.
const MAX_GROUP: usize = 512;

impl JournalWriter {
    /// Starts the writer thread over `store`; it ends when every writer handle is dropped.
    ///
    /// # Panics
    /// If the OS refuses to start a thread.
    #[must_use]
    pub fn spawn(store: Arc<dyn Store>) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("paper-journal".into())
            .spawn(move || {
                // After a failed commit nothing later may claim durability (order matters).
                let mut broken: Option<String> = None;
                while let Ok(first) = rx.recv() {
                    let mut jobs = vec![first];
                    while jobs.len() < MAX_GROUP {
                        match rx.try_recv() {
                            Ok(job) => jobs.push(job),
                            Err(_) => break,
                        }
                    }
                    let mut paper: Vec<(&str, &[String])> = Vec::new();
                    let mut log = Vec::new();
                    for job in &jobs {
                        match &job.work {
                            Work::Paper { account, bodies } => {
                                paper.push((account, bodies.as_slice()))
                            }
                            Work::Log(entry) => log.push(entry),
                        }
                    }
                    let result = match &broken {
                        Some(e) => Err(e.clone()),
                        None => store.append_batch(&paper, &log).map_err(|e| e.to_string()),
                    };
                    if let Err(e) = &result {
                        broken = Some(format!("an earlier journal commit failed: {e}"));
                    }
                    for job in jobs {
                        if let Some(done) = job.done {
                            // The command may have been abandoned; nothing to tell then.
                            let _ = done.send(result.clone());
                        }
                    }
                }
            })
            .expect("start the journal writer thread");
        Self { tx }
    }

    fn send(&self, work: Work) -> Result<Durable, String> {
        let (done, rx) = tokio::sync::oneshot::channel();
        self.tx
            .send(Job {
                work,
                done: Some(done),
            })
            .map_err(|_| "the journal writer stopped".to_owned())?;
        Ok(Durable::pending(rx))
    }

    /// Queues work whose durability is confirmed by a later job's commit (jobs commit in order).
    fn queue(&self, work: Work) -> Result<(), String> {
        self.tx
            .send(Job { work, done: None })
            .map_err(|_| "the journal writer stopped".to_owned())
    }

    /// Writes an order-log entry with the next group commit and waits for it.
    ///
    /// # Errors
    /// The store's failure, or a stopped writer.
    pub async fn log(&self, entry: crate::store::OrderLogEntry) -> Result<(), String> {
        self.send(Work::Log(entry))?.wait().await
    }
}

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
        let bodies = events
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        // Queued in engine order; the order endpoints answer only after their order-log entry
        // commits, and the writer commits in order, so these events are durable by then.
        self.writer.queue(Work::Paper {
            account: self.account,
            bodies,
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
            let engine = SandboxEngine::replay(config, symbols, base, &events);
            // Compact: the replayed state becomes the new base, so the journal never grows
            // beyond one run and the next start replays little.
            if !events.is_empty() {
                let body = serde_json::to_string(&engine.snapshot())
                    .map_err(|e| corrupt(e.to_string()))?;
                store.set_paper_base(account, &body)?;
            }
            Ok(engine)
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
