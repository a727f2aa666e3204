//! The PostgreSQL connection pool: a few dedicated OS threads, each owning one
//! `postgres::Client`, taking jobs from one queue.
//!
//! Why threads and not a pool of clients handed out to callers: the [`Store`](super::Store)
//! trait is synchronous and is called from everywhere, including directly on actix and tokio
//! worker threads. The `postgres` crate's blocking client drives its connection with a private
//! tokio runtime and `block_on`s it, which panics ("Cannot start a runtime from within a
//! runtime") when the calling thread already runs a runtime. On threads of their own the
//! clients never meet a caller's runtime; a caller only sends a job over a channel and waits on
//! a rendezvous channel for its answer, which is legal in any context (a blocking wait, as the
//! SQLite store's mutex is).
//!
//! A connection found closed is replaced before the next job runs on it; a job that failed
//! because its connection broke reports the failure (its transaction may or may not have
//! committed, so it is never retried blindly) and the next job reconnects: after any failed
//! job the connection is checked (a no-op query) and dropped if it no longer answers. Prepared statements
//! are cached per connection.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use postgres::{Client, Config, NoTls, Statement};

use super::StoreError;

/// One pooled connection, as jobs see it.
pub(super) struct Conn {
    config: Config,
    client: Option<Client>,
    statements: HashMap<&'static str, Statement>,
}

impl Conn {
    /// The live client, (re)connecting when there is none or it closed.
    pub(super) fn client(&mut self) -> Result<&mut Client, StoreError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.statements.clear();
            self.client = None;
            let client = self.config.connect(NoTls).map_err(|e| {
                StoreError::Database(format!(
                    "cannot connect to PostgreSQL: {}",
                    super::postgres::message(&e)
                ))
            })?;
            self.client = Some(client);
        }
        self.client
            .as_mut()
            .ok_or_else(|| StoreError::Database("no PostgreSQL connection".into()))
    }

    /// After a failed job: drops the connection unless it still answers (so a connection the
    /// server ended costs one failed job, not two).
    fn check(&mut self) {
        let alive = self
            .client
            .as_mut()
            .is_some_and(|c| !c.is_closed() && c.is_valid(CHECK_TIMEOUT).is_ok());
        if !alive {
            self.client = None;
            self.statements.clear();
        }
    }

    /// `sql` prepared on this connection (once).
    pub(super) fn prepare(&mut self, sql: &'static str) -> Result<Statement, StoreError> {
        // Connect first: a new connection starts with no statements.
        self.client()?;
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let statement = self.client()?.prepare(sql)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }
}

/// How long a connection may take to answer the check after a failed job.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

type Job = Box<dyn FnOnce(&mut Conn) + Send>;

/// The pool: dropping it ends the threads (each closes its connection).
pub(super) struct Pool {
    jobs: Sender<Job>,
    size: usize,
}

impl Drop for Pool {
    fn drop(&mut self) {
        crate::metrics::global().db_pool_stopped(self.size);
    }
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").finish_non_exhaustive()
    }
}

impl Pool {
    /// Starts `size` connection threads (at least one). They connect on their first job (on
    /// their own thread: never on the caller's, which may run a runtime).
    ///
    /// # Errors
    /// [`StoreError::Io`] when a thread cannot start.
    pub(super) fn start(config: &Config, size: usize) -> Result<Self, StoreError> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..size.max(1) {
            let mut conn = Conn {
                config: config.clone(),
                client: None,
                statements: HashMap::new(),
            };
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("postgres-{i}"))
                .spawn(move || serve(&queue, &mut conn))?;
        }
        crate::metrics::global().db_pool_started(size.max(1));
        Ok(Self {
            jobs,
            size: size.max(1),
        })
    }

    /// Runs `job` on a pooled connection and waits for its result. A job whose connection
    /// broke drops it (the next job reconnects).
    ///
    /// # Errors
    /// The job's error, or [`StoreError::Database`] when the pool stopped.
    pub(super) fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Conn) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer, result): (SyncSender<Result<T, StoreError>>, Receiver<_>) =
            std::sync::mpsc::sync_channel(1);
        let metrics = crate::metrics::global();
        let queued = std::time::Instant::now();
        metrics.db_job_queued();
        self.jobs
            .send(Box::new(move |conn: &mut Conn| {
                metrics.db_job_started(queued.elapsed());
                let outcome = job(conn);
                if outcome.is_err() {
                    conn.check();
                }
                metrics.db_job_finished();
                let _ = answer.send(outcome);
            }))
            .map_err(|_| {
                metrics.db_job_started(std::time::Duration::ZERO);
                metrics.db_job_finished();
                stopped()
            })?;
        result.recv().map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Database("the PostgreSQL pool stopped".into())
}

/// A connection thread: takes jobs until the pool is dropped.
fn serve(queue: &Mutex<Receiver<Job>>, conn: &mut Conn) {
    loop {
        let job = {
            let queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.recv()
        };
        let Ok(job) = job else { return };
        // A panicking job loses its answer (its caller sees the pool error), not the thread.
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(conn))).is_err() {
            tracing::error!("a PostgreSQL job panicked; its connection is reset");
            crate::metrics::global().db_job_finished();
            conn.client = None;
        }
    }
}
