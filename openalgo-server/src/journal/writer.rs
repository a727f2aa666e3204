//! [`JournalWriter`]: commits paper-account events and order-log entries in groups, and never
//! splits an order call: the events an order call's command journals commit in the same
//! transaction as the call's order-log row and idempotent answer.
//!
//! Why never split: the events are queued while the command runs (in engine order, under the
//! account's lock) and the log row only once the answer is rendered. A commit between the two,
//! followed by a crash, left an order in the book with no log row and no `Idempotency-Key`
//! answer, and the client's retry with the same key placed it a second time (found by the crash
//! test, `tests/api/crash`). So a group ends only where no call it holds events of is still
//! running: the front of the queue up to there is "closed". A call that takes longer than
//! [`OPEN_WAIT`] (a multi-step command waiting on a slow broker) does not stall those queued
//! behind it: the writer thread then commits everything queued, and for each such call that
//! carries a key, an unanswered claim of the key commits with its events; a retry after a
//! crash then finds the claim and is refused instead of running again. The call's log entry
//! later replaces the claim with the answer (or removes it when the answer is not kept).
//!
//! Who commits, over a store whose commits are local and short (SQLite): the order call itself,
//! on its own thread. Its log entry is queued without waking anyone, the call yields once (the
//! worker's other ready requests reach their own log entries meanwhile, and join the group),
//! then it commits the closed front, and keeps committing what closes while it does, up to
//! [`ROUNDS`] groups. A call that finds a group being committed leaves its entry to that
//! committer. The writer thread is left what no call commits: an entry held behind a running
//! call's events (timed against [`OPEN_WAIT`]), the end of an abandoned call, events of no call,
//! more than [`ROUNDS`] groups in a row, and a group whose commit would wait for the store's
//! connection (held by a long read: the HTTP worker would stall with every request it holds).
//! A writer thread woken for every order cost a futex wake each, and kept a third thread
//! runnable beside the HTTP workers: on a 2-core machine the cores idled 18% of the time
//! against 12-14% (`docs/performance.md`, "Fifth pass").
//!
//! Over a store whose commit is a network round trip (PostgreSQL), the writer thread commits
//! everything, group after group while jobs arrive; a job queued while it commits waits for the
//! next group and wakes nobody. Only a job queued while the thread sleeps wakes it (a log
//! entry, an end of a call, events of no call). A running call's own events never wake it:
//! its log entry commits them.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use openalgo_brokers::paper::Durable;

use crate::state::Serving;
use crate::store::{IdempotencyScope, IdempotentAnswer, OrderLogEntry, Store};

/// Longest wait for the log entry of an order call whose events are queued, while others are
/// queued behind them.
const OPEN_WAIT: Duration = Duration::from_millis(20);

/// Most groups an order call commits in a row on its own thread (its own requests wait while it
/// commits those of others); the writer thread takes what closes after that.
const ROUNDS: usize = 8;

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

/// An order call whose events are queued without its log entry.
struct Open {
    since: Instant,
    claim: Option<Arc<IdempotentAnswer>>,
}

/// The jobs waiting, in order, and what the writer thread is doing.
#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// How many jobs at the front hold no running call's events without its log entry.
    closed: usize,
    /// Calls whose events are queued but not their log entry.
    open: HashMap<u64, Open>,
    /// Jobs behind the closed front that must not wait for long: log entries, ends of calls
    /// and events of no call (a running call's own events wait for its log entry anyway).
    urgent: usize,
    /// The writer thread waits on the condition variable ...
    asleep: bool,
    /// ... with a deadline (an open call's [`OPEN_WAIT`]).
    timed: bool,
    /// Every handle is gone: commit what is left, then stop.
    stopped: bool,
    /// A group is being committed (by the writer thread or by an order call): the next group
    /// waits for it, and its committer looks for more when it is done.
    committing: bool,
}

/// One transaction's jobs, with the claims of the running calls whose events it holds.
struct Group {
    jobs: Vec<Job>,
    claims: Vec<(u64, Arc<IdempotentAnswer>)>,
}

impl Queue {
    fn add(&mut self, job: Job) {
        let urgent = !matches!(job.work, Work::Paper { call: Some(_), .. });
        match &job.work {
            Work::Paper {
                call: Some(tag), ..
            } => {
                self.open.entry(tag.id).or_insert_with(|| Open {
                    since: Instant::now(),
                    claim: tag.claim.clone(),
                });
            }
            Work::Paper { call: None, .. } => {}
            Work::Log { call, .. } | Work::Ended(call) => {
                self.open.remove(call);
            }
        }
        self.jobs.push_back(job);
        if self.open.is_empty() {
            self.closed = self.jobs.len();
            self.urgent = 0;
        } else if urgent {
            self.urgent += 1;
        }
    }

    /// The closed front; or, `forced`, everything (with the claims of the open calls).
    fn take(&mut self, forced: bool) -> Group {
        if forced {
            let claims = self
                .open
                .drain()
                .filter_map(|(id, open)| open.claim.map(|c| (id, c)))
                .collect();
            self.closed = 0;
            self.urgent = 0;
            Group {
                jobs: self.jobs.drain(..).collect(),
                claims,
            }
        } else {
            let n = std::mem::take(&mut self.closed);
            Group {
                jobs: self.jobs.drain(..n).collect(),
                claims: Vec::new(),
            }
        }
    }

    /// When the oldest open call holds up urgent jobs queued behind it for too long.
    fn overdue_at(&self, wait: Duration) -> Option<Instant> {
        if self.urgent == 0 {
            return None;
        }
        self.open.values().map(|o| o.since + wait).min()
    }

    /// Whether the sleeping writer thread has something to do (and no order call is
    /// committing, which looks again when it is done): commit the closed front, time an open
    /// call others wait behind, or drain the queue and stop.
    fn writer_needed(&self) -> bool {
        self.asleep
            && !self.committing
            && (self.stopped || self.closed > 0 || (self.urgent > 0 && !self.timed))
    }
}

/// What only the committer of the moment touches.
#[derive(Default)]
struct Ledger {
    /// After a failed commit nothing later may claim durability (order matters).
    broken: Option<String>,
    /// Calls whose key an earlier commit claimed (they were still running then).
    claimed: HashMap<u64, Arc<IdempotentAnswer>>,
}

struct Shared {
    queue: Mutex<Queue>,
    writer: Condvar,
    ledger: Mutex<Ledger>,
    store: Arc<dyn Store>,
    open_wait: Duration,
    /// Order calls commit their log entries themselves (the store's commits are local).
    in_place: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `job`, waking the writer thread if it sleeps and has work now (a running call's
    /// own events never need it: its log entry commits them).
    fn push(&self, job: Job) {
        let own_events = matches!(job.work, Work::Paper { call: Some(_), .. });
        let mut q = self.lock();
        q.add(job);
        crate::metrics::global().journal_queued();
        if !own_events && q.writer_needed() {
            self.writer.notify_one();
        }
    }

    /// Queues `job` for its caller to commit: wakes nobody.
    fn push_quietly(&self, job: Job) {
        self.lock().add(job);
        crate::metrics::global().journal_queued();
    }

    /// Commits the closed front on this thread, and what closes meanwhile (up to [`ROUNDS`]
    /// groups), unless a group is being committed (its committer then looks for more) or the
    /// store's connection is in use (by a read, say: this thread would wait for it). Wakes
    /// the writer thread for what is left to it.
    fn commit_here(&self) {
        let mut q = self.lock();
        for _ in 0..ROUNDS {
            if q.committing || q.closed == 0 || !self.store.free_to_commit() {
                break;
            }
            q = self.commit_front(q, false);
        }
        if q.writer_needed() {
            self.writer.notify_one();
        }
    }

    /// Takes the closed front (or, `forced`, everything) as the one group being committed,
    /// commits it without holding the queue, and hands the queue back.
    fn commit_front<'a>(
        &'a self,
        mut q: MutexGuard<'a, Queue>,
        forced: bool,
    ) -> MutexGuard<'a, Queue> {
        let group = q.take(forced);
        q.committing = true;
        drop(q);
        self.commit(group);
        let mut q = self.lock();
        q.committing = false;
        q
    }

    /// Writes `group` and tells who waits for it.
    fn commit(&self, group: Group) {
        let mut ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        let mut paper: Vec<(&str, &[Vec<u8>])> = Vec::new();
        let mut log = Vec::new();
        let mut released: Vec<&IdempotencyScope> = Vec::new();
        for job in &group.jobs {
            match &job.work {
                Work::Paper {
                    account, bodies, ..
                } => paper.push((account, bodies.as_slice())),
                Work::Log { entry, call } => {
                    // A kept answer replaces the claim; otherwise the claim goes.
                    if let Some(claim) = ledger.claimed.get(call)
                        && entry.idempotency.is_none()
                    {
                        released.push(&claim.scope);
                    }
                    log.push(entry);
                }
                Work::Ended(call) => {
                    if let Some(claim) = ledger.claimed.get(call) {
                        released.push(&claim.scope);
                    }
                }
            }
        }
        let claims: Vec<&IdempotentAnswer> = group.claims.iter().map(|(_, c)| c.as_ref()).collect();
        let started = Instant::now();
        let result: Result<(), String> = match &ledger.broken {
            Some(e) => Err(e.clone()),
            None => self
                .store
                .append_batch(&paper, &log, &claims, &released)
                .map_err(|e| e.to_string()),
        };
        drop((paper, log, claims, released));
        crate::metrics::global().journal_committed(
            group.jobs.len(),
            started.elapsed(),
            result.is_ok(),
        );
        match &result {
            Ok(()) => {
                for job in &group.jobs {
                    if let Work::Log { call, .. } | Work::Ended(call) = &job.work {
                        ledger.claimed.remove(call);
                    }
                }
                for (id, claim) in group.claims {
                    ledger.claimed.insert(id, claim);
                }
            }
            Err(e) => ledger.broken = Some(format!("an earlier journal commit failed: {e}")),
        }
        drop(ledger);
        for job in group.jobs {
            if let Some(done) = job.done {
                // The command may have been abandoned; nothing to tell then.
                let _ = done.send(result.clone());
            }
        }
    }

    /// The writer thread: commits what order calls leave to it until every handle is gone.
    fn run(&self) {
        let mut q = self.lock();
        loop {
            let now = Instant::now();
            let overdue = q.overdue_at(self.open_wait);
            let forced = q.closed == 0
                && !q.jobs.is_empty()
                && (q.stopped || overdue.is_some_and(|at| at <= now));
            if (q.closed > 0 || forced) && !q.committing {
                q = self.commit_front(q, forced);
                continue;
            }
            if q.stopped && q.jobs.is_empty() {
                return;
            }
            // While an order call commits, its end wakes this thread if there is more to do.
            let overdue = overdue.filter(|_| !q.committing);
            q.asleep = true;
            q.timed = overdue.is_some();
            q = match overdue {
                Some(at) => {
                    self.writer
                        .wait_timeout(q, at.saturating_duration_since(now))
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self.writer.wait(q).unwrap_or_else(PoisonError::into_inner),
            };
            q.asleep = false;
            q.timed = false;
        }
    }
}

/// Leaves an order call's queued log entry to the writer thread if the call is dropped before
/// it commits it.
struct Unattended<'a>(Option<&'a Shared>);

impl Unattended<'_> {
    /// The call commits (see [`Shared::commit_here`]).
    fn commit_here(mut self) {
        if let Some(shared) = self.0.take() {
            shared.commit_here();
        }
    }
}

impl Drop for Unattended<'_> {
    fn drop(&mut self) {
        if let Some(shared) = self.0 {
            let q = shared.lock();
            if q.writer_needed() {
                shared.writer.notify_one();
            }
        }
    }
}

/// Stops the writer thread (after it committed everything queued) when the last handle goes.
struct Handle {
    shared: Arc<Shared>,
    ids: AtomicU64,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let mut q = self.shared.lock();
        q.stopped = true;
        self.shared.writer.notify_one();
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalWriter").finish_non_exhaustive()
    }
}

/// The writer's handle: cheap to clone; the thread ends when every handle (and every
/// [`PendingLog`]) is dropped.
#[derive(Debug, Clone)]
pub struct JournalWriter {
    handle: Arc<Handle>,
    fence: Serving,
}

/// An order call from its start until it sends its log entry (dropping it instead ends the
/// call without one).
#[derive(Debug)]
pub struct PendingLog {
    handle: Arc<Handle>,
    id: u64,
    logged: bool,
}

impl PendingLog {
    /// Runs `command` as this call's command: the events it journals commit together with the
    /// call's log entry. `claim` is the call's key, written with its events only when the call
    /// outlasts the wait for it (20 ms) while others queue behind it.
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
            let job = Job {
                work: Work::Ended(self.id),
                done: None,
            };
            self.handle.shared.push(job);
        }
    }
}

impl JournalWriter {
    /// Starts the writer thread over `store`.
    ///
    /// # Panics
    /// If the OS refuses to start a thread.
    #[must_use]
    pub fn spawn(store: Arc<dyn Store>) -> Self {
        Self::spawn_with(store, OPEN_WAIT)
    }

    fn spawn_with(store: Arc<dyn Store>, open_wait: Duration) -> Self {
        let shared = Arc::new(Shared {
            queue: Mutex::default(),
            writer: Condvar::new(),
            ledger: Mutex::default(),
            in_place: store.commits_locally(),
            store,
            open_wait,
        });
        let thread = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("paper-journal".into())
            .spawn(move || thread.run())
            .expect("start the journal writer thread");
        Self {
            handle: Arc::new(Handle {
                shared,
                ids: AtomicU64::new(0),
            }),
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
        PendingLog {
            handle: Arc::clone(&self.handle),
            id: self.handle.ids.fetch_add(1, Ordering::Relaxed),
            logged: false,
        }
    }

    /// Queues work whose durability is confirmed by a later job's commit (jobs commit in order).
    pub(super) fn queue(&self, work: Work) -> Result<(), String> {
        if matches!(work, Work::Paper { .. }) && !self.fence.is_on() {
            return Err("this instance does not hold the accounts".to_owned());
        }
        self.handle.shared.push(Job { work, done: None });
        Ok(())
    }

    /// Writes an order-log entry with the next group commit (with the events of the call's
    /// command) and waits for it. Over a store whose commits are local, the call commits the
    /// group itself, on this thread (blocking it for the commit), unless one is being committed.
    ///
    /// # Errors
    /// The store's failure.
    #[tracing::instrument(name = "order_log_commit", skip_all, fields(endpoint = %entry.api_type))]
    pub async fn log(&self, entry: OrderLogEntry, mut pending: PendingLog) -> Result<(), String> {
        let (done, rx) = tokio::sync::oneshot::channel();
        let work = Work::Log {
            entry,
            call: pending.id,
        };
        pending.logged = true;
        drop(pending);
        let job = Job {
            work,
            done: Some(done),
        };
        let shared = &self.handle.shared;
        if shared.in_place {
            shared.push_quietly(job);
            let unattended = Unattended(Some(shared));
            // The worker's other ready requests reach their log entries first: one group.
            tokio::task::yield_now().await;
            unattended.commit_here();
        } else {
            shared.push(job);
        }
        Durable::pending(rx).wait().await
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

    type Done = tokio::sync::oneshot::Receiver<Result<(), String>>;

    fn log(call: u64) -> (Job, Done) {
        let (done, rx) = tokio::sync::oneshot::channel();
        let job = Job {
            work: Work::Log {
                entry: entry(),
                call,
            },
            done: Some(done),
        };
        (job, rx)
    }

    fn ended(call: u64) -> Job {
        Job {
            work: Work::Ended(call),
            done: None,
        }
    }

    fn shared(store: &Arc<SqliteStore>, open_wait: Duration) -> Arc<Shared> {
        shared_with(store, open_wait, false)
    }

    fn shared_with(store: &Arc<SqliteStore>, open_wait: Duration, in_place: bool) -> Arc<Shared> {
        Arc::new(Shared {
            queue: Mutex::default(),
            writer: Condvar::new(),
            ledger: Mutex::default(),
            store: Arc::clone(store) as Arc<dyn Store>,
            open_wait,
            in_place,
        })
    }

    /// A handle over `shared` whose calls commit in place; no writer thread runs unless the
    /// test starts one.
    fn in_place_writer(shared: &Arc<Shared>) -> JournalWriter {
        JournalWriter {
            handle: Arc::new(Handle {
                shared: Arc::clone(shared),
                ids: AtomicU64::new(0),
            }),
            fence: Serving::default(),
        }
    }

    fn entry() -> OrderLogEntry {
        OrderLogEntry {
            api_type: "placeorder".into(),
            mode: "analyze".into(),
            request: "{}".into(),
            status: 200,
            response: "{}".into(),
            created_at: None,
            idempotency: None,
        }
    }

    fn local_runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    /// Runs the future `make` builds on a thread of its own, as an HTTP worker runs its
    /// requests (a single-threaded runtime, local tasks).
    fn on_worker<F, Fut>(make: F) -> std::thread::JoinHandle<Fut::Output>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        std::thread::spawn(move || {
            let local = tokio::task::LocalSet::new();
            local_runtime().block_on(local.run_until(make()))
        })
    }

    /// A store, its queue with calls committing in place, the writer thread over it (and what
    /// stops it) and a handle.
    fn in_place_with_writer_thread() -> (Arc<SqliteStore>, impl FnOnce() + use<>, JournalWriter) {
        let store = Arc::new(SqliteStore::in_memory().expect("store"));
        let shared = shared_with(&store, OPEN_WAIT, true);
        let stop = writer_thread(&shared);
        let writer = in_place_writer(&shared);
        (store, stop, writer)
    }

    /// Runs the writer thread over `shared` until the returned closure stops it.
    fn writer_thread(shared: &Arc<Shared>) -> impl FnOnce() + use<> {
        let thread = Arc::clone(shared);
        let running = std::thread::spawn(move || thread.run());
        let shared = Arc::clone(shared);
        move || {
            shared.lock().stopped = true;
            shared.writer.notify_one();
            running.join().expect("the writer thread ends");
        }
    }

    fn rows(store: &SqliteStore) -> (usize, usize) {
        (
            store.paper_events("sandbox").expect("read").len(),
            store.order_log(10_000).expect("read").len(),
        )
    }

    #[test]
    fn a_running_calls_events_hold_back_what_queues_behind_them_until_its_log_entry() {
        let store = Arc::new(SqliteStore::in_memory().expect("store"));
        let shared = shared(&store, Duration::from_secs(60));
        let stop = writer_thread(&shared);
        shared.push(paper(tag(7, None)));
        let (other, mut other_done) = log(8);
        // Behind call 7's events: neither the other call's log entry nor the events commit.
        shared.push(other);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(rows(&store), (0, 0));
        assert!(other_done.try_recv().is_err());
        let (last, done) = log(7);
        shared.push(last);
        done.blocking_recv().expect("answered").expect("committed");
        other_done
            .blocking_recv()
            .expect("answered")
            .expect("committed");
        assert_eq!(rows(&store), (1, 2));
        stop();
    }

    #[test]
    fn a_call_that_outlasts_the_wait_commits_its_events_with_a_claim_of_its_key() {
        let store = Arc::new(SqliteStore::in_memory().expect("store"));
        let shared = shared(&store, Duration::from_millis(1));
        let stop = writer_thread(&shared);
        let answer = |key| {
            let scope = claim(key).scope;
            store
                .idempotent_answer(&scope, 0)
                .expect("read")
                .map(|a| a.status)
        };
        // Call 1 journals events and is still running when another call waits behind them:
        // they commit with a claim of its key.
        shared.push(paper(tag(1, Some("k1"))));
        let (other, committed) = log(2);
        shared.push(other);
        committed
            .blocking_recv()
            .expect("answered")
            .expect("committed");
        assert_eq!(rows(&store), (1, 1));
        assert_eq!(answer("k1"), Some(crate::store::CLAIMED));
        // Its log entry keeps no answer (not a definite outcome): the claim goes with it.
        let (end, committed) = log(1);
        shared.push(end);
        committed
            .blocking_recv()
            .expect("answered")
            .expect("committed");
        assert_eq!(answer("k1"), None);
        // A call abandoned after a claim releases it too.
        shared.push(paper(tag(3, Some("k3"))));
        let (other, committed) = log(4);
        shared.push(other);
        committed
            .blocking_recv()
            .expect("answered")
            .expect("committed");
        assert_eq!(answer("k3"), Some(crate::store::CLAIMED));
        shared.push(ended(3));
        let (other, committed) = log(5);
        shared.push(other);
        committed
            .blocking_recv()
            .expect("answered")
            .expect("committed");
        assert_eq!(answer("k3"), None);
        stop();
    }

    #[test]
    fn a_running_calls_own_events_do_not_call_the_writer() {
        let mut q = Queue {
            asleep: true,
            ..Queue::default()
        };
        q.add(paper(tag(1, None)));
        assert!(!q.writer_needed(), "its log entry commits them");
        assert_eq!(q.overdue_at(OPEN_WAIT), None);
        q.add(paper(None));
        assert!(
            q.writer_needed(),
            "events of no call wait behind it: time it"
        );
        assert!(q.overdue_at(OPEN_WAIT).is_some());
        q.add(ended(1));
        assert_eq!((q.closed, q.urgent), (3, 0));
        let group = q.take(false);
        assert_eq!(group.jobs.len(), 3);
        assert!(q.jobs.is_empty());
    }

    #[test]
    fn over_a_local_store_the_call_commits_its_own_log_entry_and_its_events() {
        let store = Arc::new(SqliteStore::in_memory().expect("store"));
        assert!(store.commits_locally());
        let shared = shared_with(&store, OPEN_WAIT, true);
        // No writer thread: only the calls themselves can commit.
        let writer = in_place_writer(&shared);
        local_runtime().block_on(async {
            let pending = writer.pending_log();
            shared.push(paper(tag(pending.id, None)));
            let logged = tokio::time::timeout(Duration::from_secs(5), writer.log(entry(), pending));
            logged
                .await
                .expect("committed in place")
                .expect("committed");
        });
        assert_eq!(rows(&store), (1, 1));
        let q = shared.lock();
        assert!(q.jobs.is_empty() && !q.committing);
    }

    #[test]
    fn a_log_entry_behind_a_running_calls_events_commits_with_that_calls_entry() {
        let store = Arc::new(SqliteStore::in_memory().expect("store"));
        let shared = shared_with(&store, Duration::from_secs(60), true);
        let writer = in_place_writer(&shared);
        let local = tokio::task::LocalSet::new();
        local_runtime().block_on(local.run_until(async {
            let first = writer.pending_log();
            shared.push(paper(tag(first.id, None)));
            let second = tokio::task::spawn_local({
                let writer = writer.clone();
                async move { writer.log(entry(), writer.pending_log()).await }
            });
            // The second call's entry waits behind the first call's events: nothing commits.
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            assert!(!second.is_finished());
            assert_eq!(rows(&store), (0, 0));
            // The first call's entry closes the front: it commits both.
            writer.log(entry(), first).await.expect("committed");
            second.await.expect("joined").expect("committed");
        }));
        assert_eq!(rows(&store), (1, 2));
    }

    #[test]
    fn a_call_dropped_before_it_commits_leaves_its_entry_to_the_writer_thread() {
        let (store, stop, writer) = in_place_with_writer_thread();
        local_runtime().block_on(async {
            // Polled once: the entry is queued, the call yields, and is dropped there.
            let mut abandoned = Box::pin(writer.log(entry(), writer.pending_log()));
            assert!(futures::poll!(&mut abandoned).is_pending());
            drop(abandoned);
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        while rows(&store) != (0, 1) {
            assert!(Instant::now() < deadline, "the writer thread commits it");
            std::thread::sleep(Duration::from_millis(1));
        }
        stop();
    }

    #[test]
    fn a_call_leaves_its_group_to_the_writer_thread_while_a_read_holds_the_connection() {
        let (store, stop, writer) = in_place_with_writer_thread();
        let read = store.hold();
        let (served, serving) = std::sync::mpsc::channel();
        let worker = on_worker(move || async move {
            let call = tokio::task::spawn_local({
                let writer = writer.clone();
                async move { writer.log(entry(), writer.pending_log()).await }
            });
            // The worker goes on serving while the read lasts.
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            served.send(call.is_finished()).expect("send");
            call.await.expect("joined")
        });
        let finished = serving
            .recv_timeout(Duration::from_secs(5))
            .expect("the worker thread is not held by the read");
        assert!(
            !finished,
            "nothing commits while the read holds the connection"
        );
        drop(read);
        worker
            .join()
            .expect("thread")
            .expect("committed by the writer thread");
        assert_eq!(rows(&store), (0, 1));
        stop();
    }

    #[test]
    fn calls_on_several_threads_all_commit_once_each() {
        let (store, stop, writer) = in_place_with_writer_thread();
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let writer = writer.clone();
                on_worker(move || async move {
                    let calls: Vec<_> = (0..200)
                        .map(|_| {
                            let writer = writer.clone();
                            tokio::task::spawn_local(async move {
                                let pending = writer.pending_log();
                                writer.queue(paper(tag(pending.id, None)).work)?;
                                tokio::task::yield_now().await;
                                writer.log(entry(), pending).await
                            })
                        })
                        .collect();
                    for call in calls {
                        call.await.expect("joined").expect("committed");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        assert_eq!(rows(&store), (600, 600));
        stop();
    }

    #[test]
    fn the_writer_commits_what_is_queued_before_it_stops() {
        let store = Arc::new(SqliteStore::in_memory().expect("store"));
        let writer = JournalWriter::spawn_with(Arc::clone(&store) as Arc<dyn Store>, OPEN_WAIT);
        let thread = Arc::clone(&writer.handle.shared);
        writer.queue(paper(None).work).expect("queued");
        drop(writer);
        // The handle is gone: the thread drains the queue and ends.
        while Arc::strong_count(&thread) > 1 {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(rows(&store), (1, 0));
    }
}
