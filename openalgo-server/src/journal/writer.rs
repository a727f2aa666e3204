//! [`JournalWriter`]: one thread that commits paper-account events and order-log entries in
//! groups, and never splits an order call: the events an order call's command journals commit
//! in the same transaction as the call's order-log row and idempotent answer.
//!
//! Why: the events are queued while the command runs (in engine order, under the account's
//! lock) and the log row only once the answer is rendered. A commit between the two, followed
//! by a crash, left an order in the book with no log row and no `Idempotency-Key` answer, and
//! the client's retry with the same key placed it a second time (found by the crash test,
//! `tests/api/crash`). So the writer holds a group open while a call it holds events of has not
//! sent its log entry. A call that takes longer than [`OPEN_WAIT`] (a multi-step command
//! waiting on a slow broker) does not stall everyone: the group commits, and for each such call
//! that carries a key, an unanswered claim of the key commits with its events; a retry after a
//! crash then finds the claim and is refused instead of running again. The call's log entry
//! later replaces the claim with the answer (or removes it when the answer is not kept).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, OnceLock};
use std::thread::Thread;
use std::time::{Duration, Instant};

use openalgo_brokers::paper::Durable;

use crate::state::Serving;
use crate::store::{IdempotencyScope, IdempotentAnswer, OrderLogEntry, Store};

/// Most jobs in one transaction (while no order call in it is still running).
const MAX_GROUP: usize = 512;

/// How long a group waits for more.
#[derive(Debug, Clone, Copy)]
struct Waits {
    /// For order calls in flight, before committing what is there.
    linger: Duration,
    /// For the log entry of an order call whose events the group holds.
    open: Duration,
}

const WAITS: Waits = Waits {
    linger: Duration::from_micros(400),
    open: OPEN_WAIT,
};

/// Longest wait for the log entry of an order call whose events a group holds.
const OPEN_WAIT: Duration = Duration::from_millis(20);

tokio::task_local! {
    /// The order call whose command runs on this task.
    static CALL: CallTag;
}

/// Which order call journalled events, and the claim of its key, if it has one.
#[derive(Debug, Clone)]
pub(super) struct CallTag {
    id: u64,
    claim: Option<Arc<IdempotentAnswer>>,
}

/// The order call running on this task, if any (read by the sink as it queues events).
pub(super) fn current_call() -> Option<CallTag> {
    CALL.try_with(Clone::clone).ok()
}

/// The order calls in flight, and the writer parked while it lingers for them.
///
/// Why parked rather than blocked on the channel: every job sent to a receiver blocked in
/// `recv_timeout` wakes it (a futex wake paid by the sender, a context switch by the writer),
/// about once per order under load. Parked, the writer is woken once per group: by the call
/// that leaves none in flight, or by its deadline.
#[derive(Debug, Default)]
pub(super) struct InFlight {
    calls: AtomicUsize,
    parked: AtomicBool,
    writer: OnceLock<Thread>,
}

impl InFlight {
    fn start(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }

    /// Ends a call (after its last job was sent): the last one wakes a lingering writer.
    fn end(&self) {
        if self.calls.fetch_sub(1, Ordering::SeqCst) == 1 && self.parked.load(Ordering::SeqCst) {
            if let Some(writer) = self.writer.get() {
                writer.unpark();
            }
        }
    }

    fn any(&self) -> bool {
        self.calls.load(Ordering::SeqCst) > 0
    }

    /// The writer: waits until no call is in flight, or until `until`.
    fn wait_idle(&self, until: Instant) {
        self.parked.store(true, Ordering::SeqCst);
        while self.any() {
            let now = Instant::now();
            if now >= until {
                break;
            }
            std::thread::park_timeout(until - now);
        }
        self.parked.store(false, Ordering::SeqCst);
    }
}

/// What waits for the writer.
pub(super) enum Work {
    /// One account's events (one row per command), queued by `call` if an order call's
    /// command produced them.
    Paper {
        account: &'static str,
        bodies: Vec<Vec<u8>>,
        call: Option<CallTag>,
    },
    /// An order call's log entry (and the answer kept for its key): the call is over.
    Log { entry: OrderLogEntry, call: u64 },
    /// An order call ended without a log entry (abandoned, or failed before answering).
    Ended(u64),
}

pub(super) struct Job {
    work: Work,
    /// Who waits for this job's commit, if anyone.
    done: Option<tokio::sync::oneshot::Sender<Result<(), String>>>,
}

/// The writer's handle: cheap to clone; the thread ends when every handle (and every
/// [`PendingLog`]) is dropped.
#[derive(Debug, Clone)]
pub struct JournalWriter {
    tx: Sender<Job>,
    pending: Arc<InFlight>,
    ids: Arc<AtomicU64>,
    fence: Serving,
}

/// An order call from its start until it sends its log entry: the writer lingers for calls in
/// flight, and holds a group open for a call whose events it holds.
#[derive(Debug)]
pub struct PendingLog {
    pending: Arc<InFlight>,
    tx: Sender<Job>,
    id: u64,
    logged: bool,
}

impl PendingLog {
    /// Runs `command` as this call's command: the events it journals commit together with the
    /// call's log entry. `claim` is the call's key, written with its events only when the call
    /// outlasts the writer's wait for it (20 ms).
    pub async fn scope<F: Future>(&self, claim: Option<IdempotentAnswer>, command: F) -> F::Output {
        let tag = CallTag {
            id: self.id,
            claim: claim.map(Arc::new),
        };
        CALL.scope(tag, command).await
    }
}

impl Drop for PendingLog {
    fn drop(&mut self) {
        if !self.logged {
            // Ends the call for the writer (it may hold the call's events).
            let sent = self.tx.send(Job {
                work: Work::Ended(self.id),
                done: None,
            });
            if sent.is_ok() {
                crate::metrics::global().journal_queued();
            }
        }
        // After the call's last job: the writer finds it once no call is in flight.
        self.pending.end();
    }
}

impl JournalWriter {
    /// Starts the writer thread over `store`.
    ///
    /// # Panics
    /// If the OS refuses to start a thread.
    #[must_use]
    pub fn spawn(store: Arc<dyn Store>) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let pending = Arc::new(InFlight::default());
        let in_flight = Arc::clone(&pending);
        std::thread::Builder::new()
            .name("paper-journal".into())
            .spawn(move || run(store.as_ref(), &rx, &in_flight, WAITS))
            .expect("start the journal writer thread");
        Self {
            tx,
            pending,
            ids: Arc::default(),
            fence: Serving::default(),
        }
    }

    /// The writer refusing paper-account events while `fence` is off (an instance that does
    /// not hold the accounts must not add to their journal).
    #[must_use]
    pub fn with_fence(mut self, fence: Serving) -> Self {
        self.fence = fence;
        self
    }

    /// Marks an order call that will send an order-log entry; pass the mark to
    /// [`JournalWriter::log`] (dropping it instead ends the call without one).
    #[must_use]
    pub fn pending_log(&self) -> PendingLog {
        self.pending.start();
        PendingLog {
            pending: Arc::clone(&self.pending),
            tx: self.tx.clone(),
            id: self.ids.fetch_add(1, Ordering::Relaxed),
            logged: false,
        }
    }

    /// Queues work whose durability is confirmed by a later job's commit (jobs commit in order).
    pub(super) fn queue(&self, work: Work) -> Result<(), String> {
        if matches!(work, Work::Paper { .. }) && !self.fence.is_on() {
            return Err("this instance does not hold the accounts".to_owned());
        }
        self.tx
            .send(Job { work, done: None })
            .map_err(|_| "the journal writer stopped".to_owned())?;
        crate::metrics::global().journal_queued();
        Ok(())
    }

    /// Writes an order-log entry with the next group commit (with the events of the call's
    /// command) and waits for it.
    ///
    /// # Errors
    /// The store's failure, or a stopped writer.
    #[tracing::instrument(name = "order_log_commit", skip_all, fields(endpoint = %entry.api_type))]
    pub async fn log(&self, entry: OrderLogEntry, mut pending: PendingLog) -> Result<(), String> {
        let (done, rx) = tokio::sync::oneshot::channel();
        let work = Work::Log {
            entry,
            call: pending.id,
        };
        let sent = self.tx.send(Job {
            work,
            done: Some(done),
        });
        pending.logged = sent.is_ok();
        if sent.is_ok() {
            crate::metrics::global().journal_queued();
        }
        drop(pending);
        sent.map_err(|_| "the journal writer stopped".to_owned())?;
        Durable::pending(rx).wait().await
    }
}

/// One group: its jobs and the order calls whose events it holds without their log entry.
#[derive(Default)]
struct Group {
    jobs: Vec<Job>,
    open: HashMap<u64, Option<Arc<IdempotentAnswer>>>,
}

impl Group {
    fn take(&mut self, job: Job) {
        match &job.work {
            Work::Paper {
                call: Some(tag), ..
            } => {
                self.open.entry(tag.id).or_insert_with(|| tag.claim.clone());
            }
            Work::Paper { call: None, .. } => {}
            Work::Log { call, .. } | Work::Ended(call) => {
                self.open.remove(call);
            }
        }
        self.jobs.push(job);
    }
}

/// Collects a group after `first`: every job already waiting; then, while order calls are in
/// flight, what they send (parked, up to `waits.linger`); then, while the group holds events of
/// a running call, its log entry (up to `waits.open`).
fn collect(first: Job, rx: &Receiver<Job>, in_flight: &InFlight, waits: Waits) -> Group {
    let start = Instant::now();
    let mut group = Group::default();
    group.take(first);
    loop {
        if group.jobs.len() >= MAX_GROUP && group.open.is_empty() {
            break;
        }
        match rx.try_recv() {
            Ok(job) => {
                group.take(job);
                continue;
            }
            Err(TryRecvError::Disconnected) => break,
            Err(TryRecvError::Empty) => {}
        }
        let now = Instant::now();
        let linger = start + waits.linger;
        if in_flight.any() && now < linger {
            in_flight.wait_idle(linger);
            continue;
        }
        // Rare: a call that journalled events outlasted the linger (a slow broker step); wait
        // for its log entry job by job.
        let until = start + waits.open;
        if group.open.is_empty() || now >= until {
            break;
        }
        match rx.recv_timeout(until - now) {
            Ok(job) => group.take(job),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
        }
    }
    group
}

/// The writer thread: commits groups in order until every sender is gone.
fn run(store: &dyn Store, rx: &Receiver<Job>, in_flight: &InFlight, waits: Waits) {
    let _ = in_flight.writer.set(std::thread::current());
    // After a failed commit nothing later may claim durability (order matters).
    let mut broken: Option<String> = None;
    // Calls whose key an earlier commit claimed (they were still running then).
    let mut claimed: HashMap<u64, Arc<IdempotentAnswer>> = HashMap::new();
    while let Ok(first) = rx.recv() {
        let group = collect(first, rx, in_flight, waits);
        let mut paper: Vec<(&str, &[Vec<u8>])> = Vec::new();
        let mut log = Vec::new();
        let mut released: Vec<IdempotencyScope> = Vec::new();
        for job in &group.jobs {
            match &job.work {
                Work::Paper {
                    account, bodies, ..
                } => paper.push((account, bodies.as_slice())),
                Work::Log { entry, call } => {
                    // A kept answer replaces the claim; otherwise the claim goes.
                    if let Some(claim) = claimed.remove(call) {
                        if entry.idempotency.is_none() {
                            released.push(claim.scope.clone());
                        }
                    }
                    log.push(entry);
                }
                Work::Ended(call) => {
                    if let Some(claim) = claimed.remove(call) {
                        released.push(claim.scope.clone());
                    }
                }
            }
        }
        let claims: Vec<&IdempotentAnswer> =
            group.open.values().flatten().map(Arc::as_ref).collect();
        let released: Vec<&IdempotencyScope> = released.iter().collect();
        let started = Instant::now();
        let result = match &broken {
            Some(e) => Err(e.clone()),
            None => store
                .append_batch(&paper, &log, &claims, &released)
                .map_err(|e| e.to_string()),
        };
        crate::metrics::global().journal_committed(
            group.jobs.len(),
            started.elapsed(),
            result.is_ok(),
        );
        match &result {
            Ok(()) => {
                for (id, claim) in &group.open {
                    if let Some(claim) = claim {
                        claimed.insert(*id, Arc::clone(claim));
                    }
                }
            }
            Err(e) => broken = Some(format!("an earlier journal commit failed: {e}")),
        }
        for job in group.jobs {
            if let Some(done) = job.done {
                // The command may have been abandoned; nothing to tell then.
                let _ = done.send(result.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    fn paper(call: Option<CallTag>) -> Job {
        Job {
            work: Work::Paper {
                account: "sandbox",
                bodies: vec![br#"{"event":"cleared"}"#.to_vec()],
                call,
            },
            done: None,
        }
    }

    fn claim(key: &str) -> IdempotentAnswer {
        IdempotentAnswer {
            scope: IdempotencyScope {
                user_id: 1,
                endpoint: "placeorder".into(),
                key: key.into(),
            },
            fingerprint: "f".into(),
            created_ms: 1,
        }
    }

    fn tag(id: u64, key: Option<&str>) -> Option<CallTag> {
        Some(CallTag {
            id,
            claim: key.map(|k| Arc::new(claim(k))),
        })
    }

    fn log(call: u64) -> (Job, tokio::sync::oneshot::Receiver<Result<(), String>>) {
        let (done, rx) = tokio::sync::oneshot::channel();
        let entry = OrderLogEntry {
            api_type: "placeorder".into(),
            mode: "analyze".into(),
            request: "{}".into(),
            status: 200,
            response: "{}".into(),
            created_at: None,
            idempotency: None,
        };
        let job = Job {
            work: Work::Log { entry, call },
            done: Some(done),
        };
        (job, rx)
    }

    /// Generous: only a guard against hanging.
    const PATIENT: Waits = Waits {
        linger: Duration::ZERO,
        open: Duration::from_secs(60),
    };

    #[test]
    fn a_group_waits_for_the_log_entry_of_a_call_whose_events_it_holds() {
        let (tx, rx) = std::sync::mpsc::channel();
        let idle = InFlight::default();
        tx.send(paper(None)).unwrap();
        let late = tx.clone();
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            late.send(log(7).0).unwrap();
        });
        let group = collect(paper(tag(7, None)), &rx, &idle, PATIENT);
        sender.join().unwrap();
        assert_eq!(
            group.jobs.len(),
            3,
            "the events, another account's, the log entry"
        );
        assert!(group.open.is_empty());
        // Untagged events (ticks, refreshes) and closed calls do not hold a group.
        tx.send(paper(tag(8, None))).unwrap();
        tx.send(Job {
            work: Work::Ended(8),
            done: None,
        })
        .unwrap();
        let group = collect(paper(None), &rx, &idle, PATIENT);
        assert_eq!((group.jobs.len(), group.open.len()), (3, 0));
    }

    #[test]
    fn a_lingering_writer_is_woken_by_the_last_call_in_flight() {
        let (tx, rx) = std::sync::mpsc::channel();
        let in_flight = Arc::new(InFlight::default());
        let _ = in_flight.writer.set(std::thread::current());
        in_flight.start();
        let calls = Arc::clone(&in_flight);
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            tx.send(log(1).0).unwrap();
            calls.end();
        });
        let lingering = Waits {
            linger: Duration::from_secs(60),
            open: Duration::from_secs(60),
        };
        let started = Instant::now();
        let group = collect(paper(tag(1, None)), &rx, &in_flight, lingering);
        sender.join().unwrap();
        // Woken by the call's end, not by the minute-long deadline.
        assert!(started.elapsed() < Duration::from_secs(30));
        assert_eq!((group.jobs.len(), group.open.len()), (2, 0));
    }

    #[test]
    fn a_call_that_outlasts_the_wait_is_left_open_with_its_claim() {
        let (_tx, rx) = std::sync::mpsc::channel();
        let quick = Waits {
            linger: Duration::ZERO,
            open: Duration::from_millis(1),
        };
        let group = collect(paper(tag(3, Some("k"))), &rx, &InFlight::default(), quick);
        assert_eq!(group.jobs.len(), 1);
        assert_eq!(
            group.open.get(&3).cloned().flatten().as_deref(),
            Some(&claim("k"))
        );
    }

    #[test]
    fn a_commit_before_the_answer_claims_the_key_until_the_log_entry_comes() {
        let store = Arc::new(SqliteStore::in_memory().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        let quick = Waits {
            linger: Duration::ZERO,
            open: Duration::from_millis(1),
        };
        let writer = {
            let store = Arc::clone(&store);
            std::thread::spawn(move || run(store.as_ref(), &rx, &InFlight::default(), quick))
        };
        let answer = |key| {
            let scope = claim(key).scope;
            store
                .idempotent_answer(&scope, 0)
                .unwrap()
                .map(|a| a.status)
        };
        // Call 1 journals events and is still running when they commit: its key is claimed.
        tx.send(paper(tag(1, Some("k1")))).unwrap();
        let (other, committed) = log(2);
        tx.send(other).unwrap();
        committed.blocking_recv().unwrap().unwrap();
        assert_eq!(store.paper_events("sandbox").unwrap().len(), 1);
        assert_eq!(answer("k1"), Some(crate::store::CLAIMED));
        // Its log entry keeps no answer (not a definite outcome): the claim goes with it.
        let (end, committed) = log(1);
        tx.send(end).unwrap();
        committed.blocking_recv().unwrap().unwrap();
        assert_eq!(answer("k1"), None);
        // A call abandoned after a claim releases it too.
        tx.send(paper(tag(3, Some("k3")))).unwrap();
        let (other, committed) = log(4);
        tx.send(other).unwrap();
        committed.blocking_recv().unwrap().unwrap();
        assert_eq!(answer("k3"), Some(crate::store::CLAIMED));
        tx.send(Job {
            work: Work::Ended(3),
            done: None,
        })
        .unwrap();
        let (other, committed) = log(5);
        tx.send(other).unwrap();
        committed.blocking_recv().unwrap().unwrap();
        assert_eq!(answer("k3"), None);
        drop(tx);
        writer.join().unwrap();
    }
}
