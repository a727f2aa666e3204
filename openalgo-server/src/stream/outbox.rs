//! A client's outgoing frames, bounded so that one slow client never holds up the others: the
//! fan-out only appends here and wakes the client's writer. When a client falls behind by more
//! than [`BACKLOG`] frames, market data is conflated (only the newest frame per instrument and
//! mode is kept); a client that falls behind on more than [`CONFLATED`] instruments, or on
//! replies and order updates, is disconnected with close code 1008.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use std::time::Instant;

use tokio::sync::Notify;

/// Frames queued before market data is conflated.
pub const BACKLOG: usize = 2_048;
/// Instruments conflated before the client is cut off.
pub const CONFLATED: usize = 8_192;

/// Why a client was cut off.
pub const TOO_SLOW: &str = "client too slow";

/// What the writer sends next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A text frame.
    Text(Arc<str>),
    /// A protocol-level ping (keepalive).
    Ping,
    /// Close with this code and reason.
    Close(u16, &'static str),
}

#[derive(Debug, Default)]
struct State {
    frames: VecDeque<Arc<str>>,
    /// Enqueue instants of sampled market frames, aligned with `frames`.
    stamps: VecDeque<Option<Instant>>,
    /// Instants of sampled frames taken since the writer last asked.
    taken: Vec<Instant>,
    pushes: u64,
    /// Conflated market data: (instrument key, mode) → newest frame, and their arrival order.
    latest: HashMap<(Arc<str>, u8), Arc<str>>,
    order: VecDeque<(Arc<str>, u8)>,
    close: Option<(u16, &'static str)>,
    ping: bool,
}

/// One client's outbox.
#[derive(Debug, Default)]
pub struct Outbox {
    state: Mutex<State>,
    wake: Notify,
    closed: AtomicBool,
}

impl Outbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a reply or an order update (never conflated).
    pub fn push(&self, frame: Arc<str>) {
        let mut s = self.lock();
        if s.close.is_some() {
            return;
        }
        if s.frames.len() >= BACKLOG + CONFLATED {
            s.close = Some((1008, TOO_SLOW));
        } else {
            s.frames.push_back(frame);
            s.stamps.push_back(None);
        }
        drop(s);
        self.wake.notify_one();
    }

    /// Queues market data for `key` at `mode`, conflating when the client is behind.
    pub fn push_market(&self, key: &Arc<str>, mode: u8, frame: Arc<str>) {
        let mut s = self.lock();
        if s.close.is_some() {
            return;
        }
        if s.frames.len() < BACKLOG && s.latest.is_empty() {
            s.pushes += 1;
            // One market frame in 64 carries its enqueue instant (delivery latency).
            let stamp = (s.pushes % 64 == 0).then(Instant::now);
            s.frames.push_back(frame);
            s.stamps.push_back(stamp);
        } else {
            let k = (Arc::clone(key), mode);
            if s.latest.insert(k.clone(), frame).is_none() {
                s.order.push_back(k);
            }
            if s.latest.len() > CONFLATED {
                s.close = Some((1008, TOO_SLOW));
            }
        }
        drop(s);
        self.wake.notify_one();
    }

    /// Asks the writer to close the connection.
    pub fn close(&self, code: u16, reason: &'static str) {
        let mut s = self.lock();
        if s.close.is_none() {
            s.close = Some((code, reason));
        }
        drop(s);
        self.wake.notify_one();
    }

    /// Asks the writer to send a keepalive ping.
    pub fn ping(&self) {
        self.lock().ping = true;
        self.wake.notify_one();
    }

    /// Marks the connection gone: later pushes are dropped by the fan-out.
    pub fn mark_closed(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    /// Whether the connection is gone.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    fn take(&self) -> Option<Outgoing> {
        let mut s = self.lock();
        if let Some((code, reason)) = s.close {
            return Some(Outgoing::Close(code, reason));
        }
        if std::mem::take(&mut s.ping) {
            return Some(Outgoing::Ping);
        }
        if let Some(f) = s.frames.pop_front() {
            if let Some(Some(at)) = s.stamps.pop_front() {
                s.taken.push(at);
            }
            return Some(Outgoing::Text(f));
        }
        while let Some(k) = s.order.pop_front() {
            if let Some(f) = s.latest.remove(&k) {
                return Some(Outgoing::Text(f));
            }
        }
        None
    }

    /// Returns a ping or close taken by [`Outbox::try_next`] that the writer could not batch.
    pub fn put_back(&self, o: Outgoing) {
        let mut s = self.lock();
        match o {
            Outgoing::Ping => s.ping = true,
            Outgoing::Close(code, reason) => s.close = Some((code, reason)),
            Outgoing::Text(t) => {
                s.frames.push_front(t);
                s.stamps.push_front(None);
            }
        }
        drop(s);
        self.wake.notify_one();
    }

    /// The next frame to send, if one is waiting.
    #[must_use]
    pub fn try_next(&self) -> Option<Outgoing> {
        self.take()
    }

    /// The next frame to send, waiting for one.
    pub async fn next(&self) -> Outgoing {
        loop {
            let notified = self.wake.notified();
            if let Some(o) = self.take() {
                return o;
            }
            notified.await;
        }
    }

    /// Enqueue instants of the sampled frames taken since the last call.
    pub fn drain_stamps(&self) -> Vec<Instant> {
        std::mem::take(&mut self.lock().taken)
    }

    /// Frames waiting (queued plus conflated).
    #[must_use]
    pub fn pending(&self) -> usize {
        let s = self.lock();
        s.frames.len() + s.latest.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[tokio::test]
    async fn a_backlog_is_conflated_per_instrument_then_cut_off() {
        let o = Outbox::default();
        let key = text("NSE:SBIN");
        for i in 0..BACKLOG {
            o.push_market(&key, 1, text(&i.to_string()));
        }
        for i in 0..100 {
            o.push_market(&key, 1, text(&format!("late {i}")));
        }
        assert_eq!(
            o.pending(),
            BACKLOG + 1,
            "the late frames conflated into one"
        );
        for _ in 0..BACKLOG {
            o.next().await;
        }
        assert_eq!(
            o.next().await,
            Outgoing::Text(text("late 99")),
            "the newest survives"
        );
        for i in 0..=CONFLATED {
            o.push_market(&text(&format!("K{i}")), 1, text("x"));
        }
        // Not behind any more: these went to the queue, so no cut-off yet.
        assert!(matches!(o.next().await, Outgoing::Text(_)));
        let slow = Outbox::default();
        for i in 0..BACKLOG {
            slow.push_market(&key, 1, text(&i.to_string()));
        }
        for i in 0..=CONFLATED {
            slow.push_market(&text(&format!("K{i}")), 1, text("x"));
        }
        assert_eq!(slow.next().await, Outgoing::Close(1008, TOO_SLOW));
    }
}
