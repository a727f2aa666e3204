//! The traffic log (platform §6.3): every request — time, client, method, path, status,
//! latency, host — recorded by a middleware and written in batches by a background thread, so
//! a response never waits for it. Query strings are not stored (they can carry API keys).
//! Retention, at startup and then hourly, so no log can fill the disk: traffic older than
//! `TRAFFIC_LOG_RETENTION_DAYS` (30) or beyond a row cap, login attempts older than 90 days,
//! order-log entries older than `ORDER_LOG_RETENTION_DAYS` (365).

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::store::Store;
use crate::store::security::TrafficEntry;

/// Most rows kept, whatever their age.
pub const MAX_ROWS: u64 = 1_000_000;
/// Entries waiting for the writer; beyond it entries are dropped (and counted), never blocking.
const QUEUE: usize = 65_536;
const DAY_MS: i64 = 86_400_000;
/// How long the writer lets entries gather before a transaction.
const GATHER: Duration = Duration::from_millis(25);

/// Hands entries to the writer thread.
#[derive(Clone)]
pub struct TrafficLog {
    tx: SyncSender<TrafficEntry>,
    dropped: Arc<std::sync::atomic::AtomicU64>,
    store: Arc<dyn Store>,
}

/// How long each log is kept, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Traffic log.
    pub traffic_days: u32,
    /// API order log (and analyzer log).
    pub order_log_days: u32,
    /// Login attempts.
    pub login_days: u32,
}

fn purge(logs: &dyn Store, main: &dyn Store, now_ms: i64, r: Retention) {
    let before = |days: u32| now_ms - i64::from(days) * DAY_MS;
    let results = [
        (
            "traffic log",
            logs.purge_traffic(before(r.traffic_days), MAX_ROWS),
        ),
        ("order log", main.purge_order_log(before(r.order_log_days))),
        (
            "login attempts",
            main.purge_login_attempts(before(r.login_days)),
        ),
    ];
    for (log, result) in results {
        match result {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, log, "old log entries purged"),
            Err(e) => tracing::warn!(error = %e, log, "log purge failed"),
        }
    }
}

fn run(
    rx: &Receiver<TrafficEntry>,
    store: &dyn Store,
    main: &dyn Store,
    retention: Retention,
    clock: &dyn openalgo_core::clock::Clock,
) {
    let mut last_purge = Instant::now();
    while let Ok(first) = rx.recv() {
        // Let entries gather: one wake-up and one transaction per interval instead of per
        // request (senders do not wake a sleeping thread).
        std::thread::sleep(GATHER);
        let mut batch = vec![first];
        while batch.len() < 8_192 {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(_) => break,
            }
        }
        if let Err(e) = store.append_traffic(&batch) {
            tracing::warn!(error = %e, "traffic log write failed");
        }
        if last_purge.elapsed() > Duration::from_secs(3_600) {
            purge(store, main, clock.now_ms(), retention);
            last_purge = Instant::now();
        }
    }
}

impl std::fmt::Debug for TrafficLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrafficLog")
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

impl TrafficLog {
    /// Purges old entries and starts the writer over `logs` (the traffic database); `main`
    /// holds the order log and login attempts, purged on the same schedule.
    ///
    /// # Panics
    /// When the thread cannot be started.
    #[must_use]
    pub fn spawn(
        logs: Arc<dyn Store>,
        main: Arc<dyn Store>,
        retention: Retention,
        clock: Arc<dyn openalgo_core::clock::Clock>,
    ) -> Self {
        purge(logs.as_ref(), main.as_ref(), clock.now_ms(), retention);
        let store = Arc::clone(&logs);
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        #[allow(clippy::expect_used)]
        std::thread::Builder::new()
            .name("traffic-log".into())
            .spawn(move || run(&rx, logs.as_ref(), main.as_ref(), retention, clock.as_ref()))
            .expect("start the traffic-log writer");
        Self {
            tx,
            dropped: Arc::default(),
            store,
        }
    }

    fn record(&self, entry: TrafficEntry) {
        if let Err(TrySendError::Full(_)) = self.tx.try_send(entry) {
            self.dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The newest `limit` entries, newest first (blocking: call off the executor).
    ///
    /// # Errors
    /// The store's failure.
    pub fn recent(&self, limit: usize) -> Result<Vec<TrafficEntry>, crate::store::StoreError> {
        self.store.traffic(limit)
    }

    /// Entries dropped because the writer fell behind.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Records every request after it is answered.
///
/// # Errors
/// Only the inner service's errors.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<super::SecurityState>>().cloned();
    let ip = super::client_ip::of(req.request()).map(|ip| ip.to_string());
    let method = req.method().to_string();
    let path: String = req.path().chars().take(500).collect();
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(|h| h.chars().take(255).collect());
    let res = next.call(req).await?;
    // A request answered by another instance is logged there, with the same client.
    let proxied = res
        .response()
        .extensions()
        .contains::<super::forwarded::Proxied>();
    if let Some(state) = state.filter(|_| !proxied) {
        state.traffic.record(TrafficEntry {
            at_ms: state.clock.now_ms(),
            ip,
            method,
            path,
            status: res.status().as_u16(),
            duration_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            host,
        });
    }
    Ok(res)
}
