//! Prometheus metrics (`GET /metrics`): requests by route and status with their latency,
//! order calls by outcome, broker call latency, WebSocket clients and messages, journal
//! commits and the journal writer's queue, and the PostgreSQL pool (size, busy, waiting, wait).
//!
//! The series are process-wide ([`global`]), like a Prometheus client's default registry,
//! and cheap to update: relaxed atomics, or a per-thread shard where a series is keyed by
//! labels. This module depends on no other module of the server; the handler that renders
//! it (with the gauges read at scrape time) is in `routes`.

pub mod access;
pub mod counters;
pub mod exposition;
pub mod histogram;
pub mod http;

use std::sync::LazyLock;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use counters::ShardedCounts;
use exposition::{Kind, Text};
use histogram::{AtomicHistogram, BUCKETS, Snapshot};

pub use access::MetricsAccess;

/// How an order call ended, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrderOutcome {
    /// Answered with success.
    Accepted,
    /// Refused with a client error (validation, API key, the broker's rejection, limits).
    Refused,
    /// Failed with a server or upstream error.
    Failed,
    /// The first answer to the same idempotency key sent again.
    Replayed,
}

impl OrderOutcome {
    /// The outcome of an answer with HTTP status `status`.
    #[must_use]
    pub const fn of_status(status: u16) -> Self {
        match status {
            200..=299 => Self::Accepted,
            400..=499 => Self::Refused,
            _ => Self::Failed,
        }
    }

    /// The label value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Refused => "refused",
            Self::Failed => "failed",
            Self::Replayed => "replayed",
        }
    }
}

/// The process's series.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Requests by route, method and status; latency by route.
    pub http: http::HttpMetrics,
    orders: ShardedCounts<(&'static str, &'static str, OrderOutcome)>,
    ws_replies: AtomicU64,
    ws_market: AtomicU64,
    ws_received: AtomicU64,
    journal_commit: AtomicHistogram,
    journal_failures: AtomicU64,
    journal_jobs: AtomicU64,
    journal_queued: AtomicI64,
    db_pool_size: AtomicI64,
    db_pool_busy: AtomicI64,
    db_pool_waiting: AtomicI64,
    db_pool_wait: AtomicHistogram,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

/// The process's metrics.
#[must_use]
pub fn global() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    /// Counts an order call of `endpoint` in `mode`.
    pub fn order(&self, endpoint: &'static str, mode: &'static str, outcome: OrderOutcome) {
        self.orders.inc((endpoint, mode, outcome));
    }

    /// Counts a WebSocket frame queued for a client: a reply or order update, or market data.
    pub fn ws_sent(&self, market: bool) {
        let c = if market {
            &self.ws_market
        } else {
            &self.ws_replies
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a WebSocket message received from a client.
    pub fn ws_received(&self) {
        self.ws_received.fetch_add(1, Ordering::Relaxed);
    }

    /// A job was queued for the journal writer.
    pub fn journal_queued(&self) {
        self.journal_queued.fetch_add(1, Ordering::Relaxed);
    }

    /// The journal writer committed (or failed to commit) a group of `jobs` in `took`.
    pub fn journal_committed(&self, jobs: usize, took: Duration, ok: bool) {
        self.journal_commit.observe(took);
        let n = u64::try_from(jobs).unwrap_or(u64::MAX);
        self.journal_jobs.fetch_add(n, Ordering::Relaxed);
        self.journal_queued
            .fetch_sub(i64::try_from(jobs).unwrap_or(i64::MAX), Ordering::Relaxed);
        if !ok {
            self.journal_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A PostgreSQL pool of `size` connections started.
    pub fn db_pool_started(&self, size: usize) {
        self.db_pool_size
            .fetch_add(i64::try_from(size).unwrap_or(i64::MAX), Ordering::Relaxed);
    }

    /// A PostgreSQL pool of `size` connections stopped.
    pub fn db_pool_stopped(&self, size: usize) {
        self.db_pool_size
            .fetch_sub(i64::try_from(size).unwrap_or(i64::MAX), Ordering::Relaxed);
    }

    /// A job was queued for the PostgreSQL pool.
    pub fn db_job_queued(&self) {
        self.db_pool_waiting.fetch_add(1, Ordering::Relaxed);
    }

    /// A pooled connection took a job that waited `waited` for it.
    pub fn db_job_started(&self, waited: Duration) {
        self.db_pool_waiting.fetch_sub(1, Ordering::Relaxed);
        self.db_pool_busy.fetch_add(1, Ordering::Relaxed);
        self.db_pool_wait.observe(waited);
    }

    /// A pooled connection finished its job.
    pub fn db_job_finished(&self) {
        self.db_pool_busy.fetch_sub(1, Ordering::Relaxed);
    }

    /// The exposition, with the figures read at scrape time from `live`.
    #[must_use]
    pub fn render(&self, live: &Live) -> String {
        let mut t = Text::default();
        t.family(
            "openalgo_build_info",
            "The server's version (always 1).",
            Kind::Gauge,
        );
        t.sample(
            "openalgo_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))],
            1,
        );
        self.render_http(&mut t);
        t.family(
            "openalgo_orders_total",
            "Order calls by endpoint, mode (live or analyze) and outcome.",
            Kind::Counter,
        );
        for ((endpoint, mode, outcome), n) in self.orders.totals() {
            t.sample(
                "openalgo_orders_total",
                &[
                    ("endpoint", endpoint),
                    ("mode", mode),
                    ("outcome", outcome.as_str()),
                ],
                n,
            );
        }
        render_broker(&mut t, &live.broker_calls);
        self.render_ws(&mut t, live.websocket_clients);
        self.render_journal(&mut t);
        self.render_db_pool(&mut t);
        t.finish()
    }

    fn render_http(&self, t: &mut Text) {
        let routes = self.http.figures();
        t.family(
            "openalgo_http_requests_total",
            "HTTP requests by route pattern, method and status.",
            Kind::Counter,
        );
        for (route, f) in &routes {
            for ((method, status), n) in &f.requests {
                t.sample(
                    "openalgo_http_requests_total",
                    &[
                        ("route", route.as_str()),
                        ("method", *method),
                        ("status", status.to_string().as_str()),
                    ],
                    n,
                );
            }
        }
        t.family(
            "openalgo_http_request_duration_seconds",
            "Time from a request's arrival to its answer's head, by route pattern.",
            Kind::Histogram,
        );
        for (route, f) in &routes {
            t.histogram(
                "openalgo_http_request_duration_seconds",
                &[("route", route.as_str())],
                &f.latency,
            );
        }
    }

    fn render_ws(&self, t: &mut Text, clients: usize) {
        t.family(
            "openalgo_websocket_clients",
            "Connected WebSocket clients.",
            Kind::Gauge,
        );
        t.sample("openalgo_websocket_clients", &[], clients);
        t.family(
            "openalgo_websocket_messages_sent_total",
            "WebSocket frames queued for clients: replies and order updates, or market data.",
            Kind::Counter,
        );
        for (kind, c) in [("reply", &self.ws_replies), ("market", &self.ws_market)] {
            t.sample(
                "openalgo_websocket_messages_sent_total",
                &[("kind", kind)],
                c.load(Ordering::Relaxed),
            );
        }
        t.family(
            "openalgo_websocket_messages_received_total",
            "WebSocket messages received from clients.",
            Kind::Counter,
        );
        t.sample(
            "openalgo_websocket_messages_received_total",
            &[],
            self.ws_received.load(Ordering::Relaxed),
        );
    }

    fn render_journal(&self, t: &mut Text) {
        t.family(
            "openalgo_journal_commit_duration_seconds",
            "Time of one group commit of the journal writer (paper-account events and order-log rows).",
            Kind::Histogram,
        );
        t.histogram(
            "openalgo_journal_commit_duration_seconds",
            &[],
            &self.journal_commit.snapshot(),
        );
        t.family(
            "openalgo_journal_jobs_committed_total",
            "Jobs (event batches, order-log rows) the journal writer committed or failed.",
            Kind::Counter,
        );
        t.sample(
            "openalgo_journal_jobs_committed_total",
            &[],
            self.journal_jobs.load(Ordering::Relaxed),
        );
        t.family(
            "openalgo_journal_commit_failures_total",
            "Journal group commits that failed.",
            Kind::Counter,
        );
        t.sample(
            "openalgo_journal_commit_failures_total",
            &[],
            self.journal_failures.load(Ordering::Relaxed),
        );
        t.family(
            "openalgo_journal_queue_depth",
            "Jobs queued for the journal writer and not yet committed (the store's writer queue).",
            Kind::Gauge,
        );
        t.sample(
            "openalgo_journal_queue_depth",
            &[],
            self.journal_queued.load(Ordering::Relaxed).max(0),
        );
    }
}

impl Metrics {
    fn render_db_pool(&self, t: &mut Text) {
        let gauges = [
            (
                "openalgo_db_pool_connections",
                "Connections of the PostgreSQL pool (0 on SQLite).",
                &self.db_pool_size,
            ),
            (
                "openalgo_db_pool_busy",
                "PostgreSQL pool connections running a job.",
                &self.db_pool_busy,
            ),
            (
                "openalgo_db_pool_waiting",
                "Store jobs waiting for a PostgreSQL pool connection.",
                &self.db_pool_waiting,
            ),
        ];
        for (name, help, value) in gauges {
            t.family(name, help, Kind::Gauge);
            t.sample(name, &[], value.load(Ordering::Relaxed).max(0));
        }
        t.family(
            "openalgo_db_pool_wait_duration_seconds",
            "Time a store job waited for a PostgreSQL pool connection.",
            Kind::Histogram,
        );
        t.histogram(
            "openalgo_db_pool_wait_duration_seconds",
            &[],
            &self.db_pool_wait.snapshot(),
        );
    }
}

fn render_broker(t: &mut Text, calls: &[openalgo_brokers::latency::OperationHistogram]) {
    t.family(
        "openalgo_broker_call_duration_seconds",
        "Broker calls by broker and operation.",
        Kind::Histogram,
    );
    for h in calls {
        let mut s = Snapshot::default();
        for (out, n) in s.counts.iter_mut().zip(h.buckets.iter()) {
            *out = *n;
        }
        s.sum_ns = h.sum_us.saturating_mul(1_000);
        t.histogram(
            "openalgo_broker_call_duration_seconds",
            &[("broker", h.broker), ("operation", h.operation)],
            &s,
        );
    }
    t.family(
        "openalgo_broker_call_errors_total",
        "Broker calls that failed, by broker and operation.",
        Kind::Counter,
    );
    for h in calls {
        t.sample(
            "openalgo_broker_call_errors_total",
            &[("broker", h.broker), ("operation", h.operation)],
            h.errors,
        );
    }
}

/// Figures read at scrape time from the running server.
#[derive(Debug, Default)]
pub struct Live {
    /// Connected WebSocket clients.
    pub websocket_clients: usize,
    /// The broker calls' latency histograms.
    pub broker_calls: Vec<openalgo_brokers::latency::OperationHistogram>,
}

const _: () = assert!(BUCKETS == openalgo_brokers::latency::BOUNDS_US.len() + 1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_buckets_are_the_same_as_ours() {
        for (us, ns) in openalgo_brokers::latency::BOUNDS_US
            .iter()
            .zip(histogram::BOUNDS_NS.iter())
        {
            assert_eq!(us * 1_000, *ns);
        }
    }

    #[test]
    fn outcomes_follow_the_status() {
        assert_eq!(OrderOutcome::of_status(200), OrderOutcome::Accepted);
        assert_eq!(OrderOutcome::of_status(400), OrderOutcome::Refused);
        assert_eq!(OrderOutcome::of_status(429), OrderOutcome::Refused);
        assert_eq!(OrderOutcome::of_status(500), OrderOutcome::Failed);
        assert_eq!(OrderOutcome::of_status(502), OrderOutcome::Failed);
    }
}
