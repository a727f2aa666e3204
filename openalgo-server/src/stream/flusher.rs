//! The fan-out's writers: after a tick is queued in every holder's outbox, the socket outboxes
//! are handed, in one batch per thread, to a few plain threads (one per core) that write each
//! one's waiting bytes straight into its socket, as `tcp_floor`'s sender threads do. A tick
//! costs one thread wake-up per writer thread instead of a task wake-up per client; an outbox
//! already waiting for a writer thread is not handed over again, so a busy moment batches
//! every frame a client has waiting into one write. A socket that takes less than all is left
//! to the client's own writer task, which waits until it is writable (slow-client isolation
//! is the outbox's, unchanged).

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use openalgo_brokers::latency::LatencyMonitor;

use super::outbox::{Flush, Outbox};

/// Outboxes for one writer thread, and where their latency samples go.
struct Batch {
    outboxes: Vec<Arc<Outbox>>,
    latency: Option<Arc<LatencyMonitor>>,
}

/// The writer threads of one hub (started on first use; they end with the hub).
#[derive(Default)]
pub(super) struct Flushers {
    threads: OnceLock<Vec<Mutex<Sender<Batch>>>>,
    latency: OnceLock<Arc<LatencyMonitor>>,
}

impl std::fmt::Debug for Flushers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flushers")
            .field("threads", &self.threads.get().map_or(0, Vec::len))
            .finish()
    }
}

impl Flushers {
    /// Where delivery latency samples are recorded.
    pub(super) fn set_latency(&self, latency: Arc<LatencyMonitor>) {
        let _ = self.latency.set(latency);
    }

    fn threads(&self) -> &[Mutex<Sender<Batch>>] {
        self.threads.get_or_init(|| {
            let n = std::thread::available_parallelism().map_or(2, usize::from);
            (0..n)
                .filter_map(|i| {
                    let (tx, rx) = channel();
                    std::thread::Builder::new()
                        .name(format!("feed-writer-{i}"))
                        .spawn(move || run(&rx))
                        .ok()
                        .map(|_| Mutex::new(tx))
                })
                .collect()
        })
    }

    /// Has the bytes waiting in `outboxes` written, split evenly over the writer threads.
    /// Outboxes already waiting for a writer thread are skipped. Without writer threads (none
    /// could be started) the clients' own writer tasks are woken instead.
    pub(super) fn flush(&self, outboxes: Vec<Arc<Outbox>>) {
        let due: Vec<Arc<Outbox>> = outboxes.into_iter().filter(|o| o.schedule()).collect();
        if due.is_empty() {
            return;
        }
        let threads = self.threads();
        if threads.is_empty() {
            for o in due {
                o.unschedule();
                o.wake_writer();
            }
            return;
        }
        let per = due.len().div_ceil(threads.len());
        let mut due = due.into_iter();
        for thread in threads {
            let outboxes: Vec<Arc<Outbox>> = due.by_ref().take(per).collect();
            if outboxes.is_empty() {
                break;
            }
            let batch = Batch {
                outboxes,
                latency: self.latency.get().cloned(),
            };
            let sent = thread
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .send(batch);
            if let Err(failed) = sent {
                for o in failed.0.outboxes {
                    o.unschedule();
                    o.wake_writer();
                }
            }
        }
    }
}

fn run(rx: &Receiver<Batch>) {
    while let Ok(batch) = rx.recv() {
        for o in batch.outboxes {
            o.unschedule();
            let flush = o.flush_socket();
            if let Some(latency) = &batch.latency {
                super::session::record(latency, o.drain_stamps());
            }
            if flush != Flush::Idle {
                // The socket is full (or done): the client's writer task takes over.
                o.wake_writer();
            }
        }
    }
}
