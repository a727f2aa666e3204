//! Paper accounts that survive restarts: every engine event is written to the store before the
//! command returns, and startup rebuilds each account from its base snapshot plus the journal.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use openalgo_brokers::paper::{Durable, EventSink};
use openalgo_core::SymbolTable;
use openalgo_core::sandbox::{
    SandboxConfig, SandboxEngine, SandboxEvent, SandboxSnapshot, coalesce,
};

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
/// starts goes into the same transaction, so concurrent commands share one commit. While order
/// calls are still being processed (they will send their log entry shortly) the writer waits
/// for them, briefly, so a burst commits once instead of once per order.
#[derive(Debug, Clone)]
pub struct JournalWriter {
    tx: std::sync::mpsc::Sender<Job>,
    pending: Arc<InFlight>,
}

/// Order calls between their start and their log entry, and the writer thread to wake when
/// the last of them has sent its entry.
#[derive(Debug)]
struct InFlight {
    count: AtomicUsize,
    writer: std::sync::OnceLock<std::thread::Thread>,
}

/// Most jobs in one transaction.
const MAX_GROUP: usize = 512;
/// Longest wait for in-flight order calls before committing what is there.
const LINGER: Duration = Duration::from_micros(400);

/// An order call that will send an order-log entry: counted from its start until it sends.
#[derive(Debug)]
pub struct PendingLog(Arc<InFlight>);

impl Drop for PendingLog {
    fn drop(&mut self) {
        // The last call in flight wakes a lingering writer; the others let it sleep (a wake-up
        // per order cost more than the commit it was waiting for).
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1
            && let Some(writer) = self.0.writer.get()
        {
            writer.unpark();
        }
    }
}

impl JournalWriter {
    /// Starts the writer thread over `store`; it ends when every writer handle is dropped.
    ///
    /// # Panics
    /// If the OS refuses to start a thread.
    #[must_use]
    pub fn spawn(store: Arc<dyn Store>) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let pending = Arc::new(InFlight {
            count: AtomicUsize::new(0),
            writer: std::sync::OnceLock::new(),
        });
        let in_flight = Arc::clone(&pending);
        let thread = std::thread::Builder::new()
            .name("paper-journal".into())
            .spawn(move || {
                // After a failed commit nothing later may claim durability (order matters).
                let mut broken: Option<String> = None;
                while let Ok(first) = rx.recv() {
                    let mut jobs = vec![first];
                    let deadline = Instant::now() + LINGER;
                    // Linger while order calls are in flight: parked (a send does not wake a
                    // parked thread), woken by the last call's log entry or the deadline.
                    while jobs.len() < MAX_GROUP {
                        match rx.try_recv() {
                            Ok(job) => jobs.push(job),
                            Err(_) if in_flight.count.load(Ordering::Acquire) == 0 => {
                                // Entries sent before the count fell to zero are queued now.
                                while jobs.len() < MAX_GROUP {
                                    match rx.try_recv() {
                                        Ok(job) => jobs.push(job),
                                        Err(_) => break,
                                    }
                                }
                                break;
                            }
                            Err(_) => {
                                let now = Instant::now();
                                if now >= deadline {
                                    break;
                                }
                                std::thread::park_timeout(deadline - now);
                            }
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
        let _ = pending.writer.set(thread.thread().clone());
        Self { tx, pending }
    }

    /// Marks an order call that will send an order-log entry; pass the mark to
    /// [`JournalWriter::log`] (or drop it if the call ends without one).
    #[must_use]
    pub fn pending_log(&self) -> PendingLog {
        self.pending.count.fetch_add(1, Ordering::AcqRel);
        PendingLog(Arc::clone(&self.pending))
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
    #[tracing::instrument(name = "order_log_commit", skip_all, fields(endpoint = %entry.api_type))]
    pub async fn log(
        &self,
        entry: crate::store::OrderLogEntry,
        pending: PendingLog,
    ) -> Result<(), String> {
        let durable = self.send(Work::Log(entry));
        drop(pending);
        durable?.wait().await
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
        if events.is_empty() {
            return Ok(Durable::ready());
        }
        // One row per command: its events as a JSON array, superseded snapshots left out.
        let body = serde_json::to_string(&coalesce(events)).map_err(|e| e.to_string())?;
        let bodies = vec![body];
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

/// Appends the events of one journal row: a JSON array (one command) or, as rows written by
/// earlier versions are, a single event.
fn decode_row(row: &str, into: &mut Vec<SandboxEvent>) -> Result<(), serde_json::Error> {
    if row.trim_start().starts_with('[') {
        into.extend(serde_json::from_str::<Vec<SandboxEvent>>(row)?);
    } else {
        into.push(serde_json::from_str(row)?);
    }
    Ok(())
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
            let mut events = Vec::new();
            for row in store.paper_events(account)? {
                decode_row(&row, &mut events).map_err(|e| corrupt(e.to_string()))?;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_hold_one_event_or_a_command_batch() {
        let mut events = Vec::new();
        decode_row(r#"{"event":"cleared"}"#, &mut events).expect("single");
        decode_row(r#"[{"event":"cleared"},{"event":"cleared"}]"#, &mut events).expect("batch");
        assert_eq!(events, vec![SandboxEvent::Cleared; 3]);
        assert!(decode_row("[{", &mut events).is_err());
    }
}
