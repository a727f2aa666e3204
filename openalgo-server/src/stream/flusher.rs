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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use openalgo_core::market::{SubscriptionMode, Tick, TickData};
    use openalgo_core::{Exchange, InstrumentKey, Price, Symbol};
    use tokio::io::AsyncReadExt;
    use tokio::net::{TcpListener, TcpStream};

    use super::super::Hub;
    use super::super::wire;
    use super::*;

    fn key(symbol: &str) -> InstrumentKey {
        InstrumentKey::new(Symbol::new(symbol).unwrap(), Exchange::Nse)
    }

    fn tick(symbol: &str, paise: i64) -> Tick {
        Tick {
            instrument: key(symbol),
            ltp: Price::new(rust_decimal::Decimal::new(paise, 2)),
            ltt_ms: None,
            timestamp_ms: 1_764_300_000_000,
            data: TickData::Ltp,
        }
    }

    /// Reads whole frames from `client` until `n` text payloads arrived.
    async fn texts(client: &mut TcpStream, n: usize) -> Vec<String> {
        let mut bytes = Vec::new();
        let mut out = Vec::new();
        let mut chunk = [0_u8; 4096];
        while out.len() < n {
            let got = tokio::time::timeout(Duration::from_secs(10), client.read(&mut chunk))
                .await
                .expect("frames within 10 s")
                .unwrap();
            assert!(got > 0, "the connection stays open");
            bytes.extend_from_slice(&chunk[..got]);
            while bytes.len() >= 2 {
                let (len, at) = match bytes[1] {
                    126 if bytes.len() >= 4 => {
                        (usize::from(u16::from_be_bytes([bytes[2], bytes[3]])), 4)
                    }
                    126 => break,
                    n => (usize::from(n), 2),
                };
                if bytes.len() < at + len {
                    break;
                }
                assert_eq!(bytes[0], 0x80 | wire::TEXT, "final text frames");
                out.push(String::from_utf8(bytes[at..at + len].to_vec()).unwrap());
                bytes.drain(..at + len);
            }
        }
        out
    }

    #[tokio::test]
    async fn the_writer_threads_deliver_ticks_to_sockets_in_order_without_the_writer_tasks() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hub = Hub::new("test");
        let mut clients = Vec::new();
        for _ in 0..5 {
            let connect = TcpStream::connect(listener.local_addr().unwrap());
            let (client, accepted) = tokio::join!(connect, listener.accept());
            // No writer task runs for these outboxes: only the hub's writer threads write.
            let outbox = Arc::new(Outbox::over_socket(Arc::new(accepted.unwrap().0)));
            let id = hub.attach(outbox);
            hub.subscribe(id, &key("SBIN"), SubscriptionMode::Ltp);
            clients.push(client.unwrap());
        }
        for i in 0..50 {
            hub.publish_tick(&tick("SBIN", 10_000 + i));
        }
        hub.publish_tick(&tick("INFY", 1)); // held by no one
        for client in &mut clients {
            let got = texts(client, 50).await;
            let prices: Vec<f64> = got
                .iter()
                .map(|t| {
                    let v: serde_json::Value = serde_json::from_str(t).unwrap();
                    assert_eq!(v["symbol"], "SBIN");
                    v["data"]["ltp"].as_f64().unwrap()
                })
                .collect();
            let expected: Vec<f64> = (0..50).map(|i| f64::from(10_000 + i) / 100.0).collect();
            assert_eq!(prices, expected, "every tick, in order");
        }
    }

    #[tokio::test]
    async fn an_outbox_is_handed_to_a_writer_thread_once_until_it_is_flushed() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let connect = TcpStream::connect(listener.local_addr().unwrap());
        let (_client, accepted) = tokio::join!(connect, listener.accept());
        let o = Outbox::over_socket(Arc::new(accepted.unwrap().0));
        assert!(o.schedule(), "first hand-over");
        assert!(!o.schedule(), "already waiting for a writer thread");
        o.unschedule();
        assert!(o.schedule(), "flushed: handed over again");
        assert!(
            !Outbox::default().schedule(),
            "an outbox without a socket has its own writer"
        );
    }
}
