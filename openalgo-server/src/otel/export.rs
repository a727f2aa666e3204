//! The exporter thread: batches closed spans and posts them to the collector.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use super::OtelConfig;
use super::encode::encode;
use super::layer::Finished;

/// Spans waiting for the exporter at most; beyond, spans are dropped (and counted).
const QUEUE: usize = 8_192;
/// Spans in one request at most.
const BATCH: usize = 512;
/// How long a span waits for its batch at most.
const PERIOD: Duration = Duration::from_secs(1);
/// The bound on one post.
const POST_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) enum Msg {
    Span(Finished),
    /// Send what is queued, then answer.
    Flush(SyncSender<()>),
}

/// The layer's end of the queue.
#[derive(Debug, Clone)]
pub(super) struct Queue {
    pub(super) tx: SyncSender<Msg>,
    pub(super) dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Span(s) => f.debug_tuple("Span").field(&s.name).finish(),
            Self::Flush(_) => f.write_str("Flush"),
        }
    }
}

/// The running exporter; dropping it sends what is queued (waiting up to a few seconds).
#[derive(Debug)]
pub struct Exporter {
    queue: Queue,
}

impl Exporter {
    pub(super) fn spawn(config: OtelConfig) -> (Self, Queue) {
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let queue = Queue {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        };
        let dropped = Arc::clone(&queue.dropped);
        let started = std::thread::Builder::new()
            .name("otlp-export".into())
            .spawn(move || run(&config, &rx, &dropped));
        if let Err(e) = started {
            tracing::error!(error = %e, "the OpenTelemetry exporter thread did not start");
        }
        (
            Self {
                queue: queue.clone(),
            },
            queue,
        )
    }

    /// Spans dropped so far (queue full, or the collector refused or was unreachable).
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.queue.dropped.load(Ordering::Relaxed)
    }

    /// Sends what is queued now and waits (bounded) until it is posted.
    pub fn flush(&self) {
        let (ack, done) = std::sync::mpsc::sync_channel(1);
        if self.queue.tx.send(Msg::Flush(ack)).is_ok() {
            let _ = done.recv_timeout(POST_TIMEOUT + Duration::from_secs(1));
        }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.flush();
    }
}

fn run(config: &OtelConfig, rx: &Receiver<Msg>, dropped: &AtomicU64) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        tracing::error!("the OpenTelemetry exporter has no runtime; spans are not exported");
        return;
    };
    let client = match reqwest::Client::builder().timeout(POST_TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "the OpenTelemetry exporter has no HTTP client");
            return;
        }
    };
    let mut batch: Vec<Finished> = Vec::with_capacity(BATCH);
    let mut due = Instant::now() + PERIOD;
    let mut last_warning: Option<Instant> = None;
    loop {
        let wait = due.saturating_duration_since(Instant::now());
        let mut ack = None;
        match rx.recv_timeout(wait) {
            Ok(Msg::Span(s)) => {
                batch.push(s);
                if batch.len() < BATCH {
                    continue;
                }
            }
            Ok(Msg::Flush(a)) => ack = Some(a),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if !batch.is_empty() {
            let body = encode(&config.service, &batch);
            let sent = rt.block_on(async {
                client
                    .post(&config.endpoint)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
            });
            let failure = match sent {
                Ok(r) if r.status().is_success() => None,
                Ok(r) => Some(format!("the collector answered {}", r.status())),
                Err(e) => Some(e.to_string()),
            };
            if let Some(why) = failure {
                dropped.fetch_add(
                    u64::try_from(batch.len()).unwrap_or(u64::MAX),
                    Ordering::Relaxed,
                );
                // One warning a minute at most: a collector that is down must not flood the log.
                if last_warning.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                    last_warning = Some(Instant::now());
                    tracing::warn!(
                        error = %why,
                        spans = batch.len(),
                        dropped_total = dropped.load(Ordering::Relaxed),
                        "OpenTelemetry spans not exported"
                    );
                }
            }
            batch.clear();
        }
        if let Some(a) = ack {
            let _ = a.send(());
        }
        due = Instant::now() + PERIOD;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_for_an_absent_collector_are_dropped_and_counted_not_kept() {
        // A port nothing listens on (bound, then released).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("port");
        let (exporter, queue) = Exporter::spawn(OtelConfig {
            endpoint: format!("http://127.0.0.1:{port}/v1/traces"),
            service: "t".into(),
        });
        for _ in 0..3 {
            let span = Finished {
                trace_id: [1; 16],
                span_id: [2; 8],
                parent: None,
                name: "request",
                server: true,
                start_ns: 1,
                end_ns: 2,
                attributes: Vec::new(),
            };
            queue.tx.send(Msg::Span(span)).expect("queued");
        }
        exporter.flush();
        assert_eq!(exporter.dropped(), 3);
    }
}
