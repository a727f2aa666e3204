//! A client's outgoing frames, bounded so that one slow client never holds up the others: the
//! fan-out only appends here; a writer (the fan-out's writer threads for a socket's market
//! data, `flusher.rs`, else the client's writer task) copies everything waiting into one
//! buffer and writes it with one call. A frame is encoded once, header included
//! ([`Frame`]), and the same bytes are shared by every client it goes to. When a client falls
//! behind by more than [`BACKLOG`] frames, market data is conflated (only the newest frame per
//! instrument and mode is kept); a client that falls behind on more than [`CONFLATED`]
//! instruments, or on replies and order updates, is disconnected with close code 1008.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::net::TcpStream;
use tokio::sync::Notify;

use super::wire;

/// Frames queued before market data is conflated.
pub const BACKLOG: usize = 2_048;
/// Instruments conflated before the client is cut off.
pub const CONFLATED: usize = 8_192;
/// Bytes the writer encodes per write.
const BATCH_BYTES: usize = 64 * 1024;
/// One market frame in this many has its delivery latency sampled.
pub const SAMPLE_EVERY: u64 = 64;

/// Why a client was cut off.
pub const TOO_SLOW: &str = "client too slow";

/// A text frame ready for the wire: header and payload in one shared buffer, so a tick is
/// encoded once per mode and every client's writer copies the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    wire: Arc<[u8]>,
    header: u8,
}

impl Frame {
    /// The frame of a text message.
    #[must_use]
    pub fn text(payload: &str) -> Self {
        let (h, n) = wire::header(wire::TEXT, payload.len());
        let mut bytes = Vec::with_capacity(n + payload.len());
        bytes.extend_from_slice(&h[..n]);
        bytes.extend_from_slice(payload.as_bytes());
        Self {
            wire: Arc::from(bytes),
            header: u8::try_from(n).unwrap_or(10),
        }
    }

    /// The whole frame as it goes on the wire.
    #[must_use]
    pub fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// The message's text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.wire[usize::from(self.header)..]).unwrap_or_default()
    }
}

impl From<&str> for Frame {
    fn from(text: &str) -> Self {
        Self::text(text)
    }
}

impl From<String> for Frame {
    fn from(text: String) -> Self {
        Self::text(&text)
    }
}

impl From<Arc<str>> for Frame {
    fn from(text: Arc<str>) -> Self {
        Self::text(&text)
    }
}

/// A queued item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A text frame.
    Text(Frame),
    /// A protocol-level ping (keepalive).
    Ping,
    /// Close with this code and reason.
    Close(u16, &'static str),
}

/// What the writer should do after [`Outbox::flush_socket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// Everything is written: wait for more ([`Outbox::wait`]).
    Idle,
    /// The socket is full: wait until it is writable.
    Blocked,
    /// The close frame is written, or the socket failed: the writer is done.
    Done,
}

/// The stage instants of one sampled market frame: when its tick reached the hub, when it
/// was queued here, and when the writer took it (set by the writer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The tick reached the hub.
    pub hub: Instant,
    /// The frame was queued in this outbox.
    pub queued: Instant,
    /// The writer copied it into its batch.
    pub taken: Instant,
}

#[derive(Debug, Default)]
struct State {
    frames: VecDeque<Frame>,
    /// Stage instants of sampled market frames, aligned with `frames`.
    stamps: VecDeque<Option<Stamp>>,
    /// Bytes accepted for the wire but not yet written, in order: the rest of a frame the
    /// socket took only part of, the protocol layer's own frames, encoded batches.
    unsent: Vec<u8>,
    /// Stamps of the sampled frames in `unsent`.
    unsent_stamps: Vec<Stamp>,
    /// Stamps of sampled frames written since the writer last asked.
    taken: Vec<Stamp>,
    pushes: u64,
    /// Conflated market data: (instrument key, mode) → newest frame, and their arrival order.
    latest: HashMap<(Arc<str>, u8), Frame>,
    order: VecDeque<(Arc<str>, u8)>,
    close: Option<(u16, &'static str)>,
    /// The close frame is encoded: nothing more goes out.
    close_sent: bool,
    /// A write failed: the connection is gone.
    broken: bool,
    ping: bool,
    /// A writer is in a system call with bytes it took from `unsent`.
    writing: bool,
}

impl State {
    fn take(&mut self) -> Option<(Outgoing, Option<Stamp>)> {
        if let Some((code, reason)) = self.close {
            return Some((Outgoing::Close(code, reason), None));
        }
        if std::mem::take(&mut self.ping) {
            return Some((Outgoing::Ping, None));
        }
        if let Some(f) = self.frames.pop_front() {
            let stamp = self.stamps.pop_front().flatten();
            return Some((Outgoing::Text(f), stamp));
        }
        while let Some(k) = self.order.pop_front() {
            if let Some(f) = self.latest.remove(&k) {
                return Some((Outgoing::Text(f), None));
            }
        }
        None
    }

    /// Encodes waiting items into `unsent` (up to a batch); whether there were any.
    fn encode_batch(&mut self) -> bool {
        let mut any = false;
        let now = Instant::now();
        while !self.close_sent && self.unsent.len() < BATCH_BYTES {
            let Some((item, stamp)) = self.take() else {
                break;
            };
            any = true;
            match item {
                Outgoing::Text(frame) => {
                    self.unsent.extend_from_slice(frame.wire());
                    self.unsent_stamps
                        .extend(stamp.map(|s| Stamp { taken: now, ..s }));
                }
                Outgoing::Ping => wire::encode(&mut self.unsent, wire::PING, &[]),
                Outgoing::Close(code, reason) => {
                    wire::encode(
                        &mut self.unsent,
                        wire::CLOSE,
                        &wire::close_payload(code, reason),
                    );
                    self.close_sent = true;
                }
            }
        }
        any
    }
}

/// One client's outbox.
#[derive(Debug, Default)]
pub struct Outbox {
    state: Mutex<State>,
    wake: Notify,
    closed: AtomicBool,
    /// Handed to a fan-out writer thread that has not flushed it yet.
    scheduled: AtomicBool,
    /// The socket frames may be written to straight away (the dedicated port's TCP
    /// connections; other byte streams are written by the writer task only).
    socket: Option<Arc<TcpStream>>,
}

impl Outbox {
    /// An outbox whose frames go straight into `socket` when nothing waits before them.
    #[must_use]
    pub fn over_socket(socket: Arc<TcpStream>) -> Self {
        Self {
            socket: Some(socket),
            ..Self::default()
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends a reply or an order update (never conflated).
    pub fn push(&self, frame: impl Into<Frame>) {
        let frame = frame.into();
        let mut s = self.lock();
        if s.close.is_some() || s.broken {
            return;
        }
        if s.frames.len() >= BACKLOG + CONFLATED {
            s.close = Some((1008, TOO_SLOW));
        } else {
            s.frames.push_back(frame);
            s.stamps.push_back(None);
        }
        drop(s);
        crate::metrics::global().ws_sent(false);
        self.wake.notify_one();
    }

    /// Queues market data for `key` at `mode`, conflating when the client is behind. `since`
    /// is when the tick reached the hub: one frame in [`SAMPLE_EVERY`] carries it, and the
    /// writer reports its delivery latency through [`Outbox::drain_stamps`].
    pub fn push_market(&self, key: &Arc<str>, mode: u8, frame: Frame, since: Instant) {
        let mut s = self.lock();
        if s.close.is_some() || s.broken {
            return;
        }
        s.pushes += 1;
        let sampled = s.pushes.is_multiple_of(SAMPLE_EVERY);
        if s.frames.len() < BACKLOG && s.latest.is_empty() {
            s.frames.push_back(frame);
            s.stamps.push_back(sampled.then(|| {
                let now = Instant::now();
                Stamp {
                    hub: since,
                    queued: now,
                    taken: now,
                }
            }));
        } else {
            let k = (Arc::clone(key), mode);
            if s.latest.insert(k.clone(), frame).is_none() {
                s.order.push_back(k);
            }
            if s.latest.len() > CONFLATED {
                s.close = Some((1008, TOO_SLOW));
            }
        }
        let closing = s.close.is_some();
        drop(s);
        crate::metrics::global().ws_sent(true);
        // A socket outbox's market data is written by the fan-out's writer threads
        // ([`Outbox::flush_socket`] after the hub's loop); other outboxes, and a cut-off, wake
        // the client's writer.
        if self.socket.is_none() || closing {
            self.wake.notify_one();
        }
    }

    /// Whether the fan-out's writer threads write this outbox's market data (a socket
    /// outbox); marks it handed to one, `false` when it already is.
    pub(super) fn schedule(&self) -> bool {
        self.socket.is_some() && !self.scheduled.swap(true, Ordering::AcqRel)
    }

    /// A writer thread is about to flush it: later frames need handing over again.
    pub(super) fn unschedule(&self) {
        self.scheduled.store(false, Ordering::Release);
    }

    /// Wakes the client's own writer task.
    pub(super) fn wake_writer(&self) {
        self.wake.notify_one();
    }

    /// Bytes the protocol layer writes itself (the handshake's answer, pongs, a close echo):
    /// they go out before any queued frame, never inside one.
    pub fn write_raw(&self, bytes: &[u8]) {
        let mut s = self.lock();
        if s.close_sent || s.broken {
            return;
        }
        if let Some(socket) = self
            .socket
            .as_deref()
            .filter(|_| s.unsent.is_empty() && !s.writing)
        {
            match socket.try_write(bytes) {
                Ok(n) if n == bytes.len() => return,
                Ok(n) => s.unsent.extend_from_slice(&bytes[n..]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    s.unsent.extend_from_slice(bytes);
                }
                Err(_) => s.broken = true,
            }
        } else {
            s.unsent.extend_from_slice(bytes);
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

    /// Whether a close has been asked for.
    #[must_use]
    pub fn close_requested(&self) -> bool {
        self.lock().close.is_some()
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

    /// Waits until something may need writing.
    pub async fn wait(&self) {
        self.wake.notified().await;
    }

    /// The writer of a socket outbox: writes what waits, as far as the socket takes it.
    pub fn flush_socket(&self) -> Flush {
        let Some(socket) = self.socket.as_deref() else {
            return Flush::Done;
        };
        let mut s = self.lock();
        if s.writing {
            // Another call is writing; it goes on until nothing waits.
            return Flush::Idle;
        }
        loop {
            if s.broken {
                return Flush::Done;
            }
            if s.unsent.is_empty() {
                if s.close_sent {
                    return Flush::Done;
                }
                if !s.encode_batch() {
                    return Flush::Idle;
                }
            }
            // The system call is made without the lock, so the fan-out never waits on it;
            // what arrives meanwhile (frames, the protocol layer's bytes) queues behind.
            let mut bytes = std::mem::take(&mut s.unsent);
            let stamps = std::mem::take(&mut s.unsent_stamps);
            s.writing = true;
            drop(s);
            let written = socket.try_write(&bytes);
            s = self.lock();
            s.writing = false;
            let n = match written {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
                Err(_) => {
                    s.broken = true;
                    return Flush::Done;
                }
            };
            if n < bytes.len() {
                bytes.drain(..n);
                bytes.extend_from_slice(&s.unsent);
                s.unsent = bytes;
                let mut waiting = stamps;
                waiting.append(&mut s.unsent_stamps);
                s.unsent_stamps = waiting;
                return Flush::Blocked;
            }
            s.taken.extend(stamps);
            if s.unsent.is_empty() {
                // Keeps the buffer's allocation for the next batch.
                bytes.clear();
                s.unsent = bytes;
            }
        }
    }

    /// The writer of any other byte stream: moves what waits into `out` (encoded), with the
    /// instants of the sampled frames in it; whether the close frame is among it.
    pub fn take_bytes(&self, out: &mut Vec<u8>) -> (Vec<Stamp>, bool) {
        let mut s = self.lock();
        s.encode_batch();
        out.append(&mut s.unsent);
        (std::mem::take(&mut s.unsent_stamps), s.close_sent)
    }

    /// Stage instants of the sampled frames written since the last call.
    pub fn drain_stamps(&self) -> Vec<Stamp> {
        std::mem::take(&mut self.lock().taken)
    }

    /// Frames waiting (queued plus conflated).
    #[must_use]
    pub fn pending(&self) -> usize {
        let s = self.lock();
        s.frames.len() + s.latest.len()
    }

    /// Takes the next item, waiting for one: for a consumer in the process instead of a
    /// writer (tests, tools).
    pub async fn next(&self) -> Outgoing {
        loop {
            let notified = self.wake.notified();
            if let Some((o, _)) = self.lock().take() {
                return o;
            }
            notified.await;
        }
    }

    #[cfg(test)]
    fn next_item(&self) -> Option<Outgoing> {
        self.lock().take().map(|(o, _)| o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn a_frame_is_encoded_once_with_its_header() {
        let f = Frame::text("hello");
        assert_eq!(f.wire(), b"\x81\x05hello");
        assert_eq!(f.as_str(), "hello");
        let long = "x".repeat(300);
        let f = Frame::from(long.as_str());
        assert_eq!(f.wire()[..4], [0x81, 126, 0x01, 0x2C]);
        assert_eq!(f.as_str(), long);
        // Clones share the bytes.
        assert!(std::ptr::eq(f.wire(), f.clone().wire()));
    }

    #[test]
    fn a_backlog_is_conflated_per_instrument_then_cut_off() {
        let o = Outbox::default();
        let key = text("NSE:SBIN");
        for i in 0..BACKLOG {
            o.push_market(&key, 1, Frame::text(&i.to_string()), Instant::now());
        }
        for i in 0..100 {
            o.push_market(&key, 1, Frame::text(&format!("late {i}")), Instant::now());
        }
        assert_eq!(
            o.pending(),
            BACKLOG + 1,
            "the late frames conflated into one"
        );
        for _ in 0..BACKLOG {
            o.next_item();
        }
        assert_eq!(
            o.next_item().unwrap(),
            Outgoing::Text(Frame::text("late 99")),
            "the newest survives"
        );
        for i in 0..=CONFLATED {
            o.push_market(&text(&format!("K{i}")), 1, Frame::text("x"), Instant::now());
        }
        // Not behind any more: these went to the queue, so no cut-off yet.
        assert!(matches!(o.next_item().unwrap(), Outgoing::Text(_)));
        let slow = Outbox::default();
        for i in 0..BACKLOG {
            slow.push_market(&key, 1, Frame::text(&i.to_string()), Instant::now());
        }
        for i in 0..=CONFLATED {
            slow.push_market(&text(&format!("K{i}")), 1, Frame::text("x"), Instant::now());
        }
        assert_eq!(slow.next_item().unwrap(), Outgoing::Close(1008, TOO_SLOW));
    }

    /// Splits a server's byte stream into (opcode, payload) frames.
    fn frames_of(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
        let mut out = Vec::new();
        while bytes.len() >= 2 {
            assert_eq!(bytes[0] & 0x80, 0x80, "final frames only");
            assert_eq!(bytes[1] & 0x80, 0, "a server does not mask");
            let (len, at) = match bytes[1] {
                126 => (usize::from(u16::from_be_bytes([bytes[2], bytes[3]])), 4),
                127 => (
                    usize::try_from(u64::from_be_bytes(bytes[2..10].try_into().unwrap())).unwrap(),
                    10,
                ),
                n => (usize::from(n), 2),
            };
            out.push((bytes[0] & 0x0F, bytes[at..at + len].to_vec()));
            bytes = &bytes[at + len..];
        }
        assert!(bytes.is_empty(), "no partial frame at the end");
        out
    }

    async fn socket_pair() -> (Arc<TcpStream>, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(client, listener.accept());
        (Arc::new(accepted.unwrap().0), client.unwrap())
    }

    #[tokio::test]
    async fn a_full_socket_delays_frames_without_splitting_or_reordering_them() {
        use tokio::io::AsyncReadExt;
        let (server, mut client) = socket_pair().await;
        let o = Arc::new(Outbox::over_socket(Arc::clone(&server)));
        // Far more than the socket buffers hold while the client does not read.
        let body = "x".repeat(2_000);
        let total = 6_000;
        for i in 0..total {
            o.push(Arc::from(format!("{i:05}{body}")));
        }
        // One call writes until the socket takes no more.
        assert_eq!(
            o.flush_socket(),
            Flush::Blocked,
            "the client's buffers filled up"
        );
        // The protocol layer's own frame (a pong) while a frame is half written.
        let mut pong = Vec::new();
        wire::encode(&mut pong, 0xA, b"hb");
        o.write_raw(&pong);
        let writer = {
            let (o, server) = (Arc::clone(&o), Arc::clone(&server));
            tokio::spawn(async move {
                loop {
                    match o.flush_socket() {
                        Flush::Idle => return,
                        Flush::Blocked => server.writable().await.unwrap(),
                        Flush::Done => panic!("the socket is fine"),
                    }
                }
            })
        };
        let mut bytes = Vec::new();
        let mut chunk = vec![0_u8; 64 * 1024];
        let expected_len = total * (4 + 5 + body.len()) + pong.len();
        while bytes.len() < expected_len {
            let n = client.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the connection stays open");
            bytes.extend_from_slice(&chunk[..n]);
        }
        writer.await.unwrap();
        let frames = frames_of(&bytes);
        assert_eq!(frames.len(), total + 1);
        let pongs = frames.iter().filter(|(op, _)| *op == 0xA).count();
        assert_eq!(pongs, 1, "the pong went out whole");
        let texts: Vec<usize> = frames
            .iter()
            .filter(|(op, _)| *op == wire::TEXT)
            .map(|(_, p)| std::str::from_utf8(&p[..5]).unwrap().parse().unwrap())
            .collect();
        assert_eq!(
            texts,
            (0..total).collect::<Vec<_>>(),
            "every frame, in order"
        );
    }

    #[tokio::test]
    async fn a_close_goes_before_waiting_frames_and_ends_the_output() {
        use tokio::io::AsyncReadExt;
        let (server, mut client) = socket_pair().await;
        let o = Outbox::over_socket(server);
        o.push(text("waiting"));
        o.close(1008, TOO_SLOW);
        o.push(text("dropped"));
        assert_eq!(o.flush_socket(), Flush::Done);
        o.ping();
        assert_eq!(o.flush_socket(), Flush::Done, "nothing after the close");
        drop(o);
        let mut bytes = Vec::new();
        client.read_to_end(&mut bytes).await.unwrap();
        // A cut-off does not wait for the backlog it is about.
        assert_eq!(
            frames_of(&bytes),
            [(wire::CLOSE, wire::close_payload(1008, TOO_SLOW))]
        );
    }

    #[test]
    fn a_stream_writer_gets_encoded_frames_and_their_latency_samples() {
        let o = Outbox::default();
        let key = text("NSE:SBIN");
        let at = Instant::now();
        for i in 0..SAMPLE_EVERY {
            o.push_market(&key, 1, Frame::text(&format!("t{i}")), at);
        }
        let mut out = Vec::new();
        let (stamps, closing) = o.take_bytes(&mut out);
        assert_eq!(stamps.len(), 1, "one sample in {SAMPLE_EVERY}");
        assert_eq!(stamps[0].hub, at);
        assert!(stamps[0].hub <= stamps[0].queued && stamps[0].queued <= stamps[0].taken);
        assert!(!closing);
        let frames = frames_of(&out);
        assert_eq!(frames.len(), 64);
        assert_eq!(frames[63], (wire::TEXT, b"t63".to_vec()));
        out.clear();
        assert_eq!(o.take_bytes(&mut out), (Vec::new(), false));
        assert!(out.is_empty());
    }
}
