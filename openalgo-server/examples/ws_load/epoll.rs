//! A WebSocket client as cheap as `tcp_floor`'s receivers, for the side-by-side comparison:
//! `threads` plain threads wait on epoll (mio) over their share of the connections and parse
//! the frames themselves (RFC 6455: the opening handshake, masked client frames, text frames
//! validated as UTF-8, pings answered). What it costs over the floor's receivers is the frame
//! header and the UTF-8 check; the rest of the gap is the server's.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};

/// What the clients saw in the measured window.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// `market_data` frames received.
    pub(crate) delivered: u64,
    /// Latency samples (µs): receive time minus the tick's millisecond timestamp.
    pub(crate) samples: Vec<i64>,
}

/// A client frame: final, masked (RFC 6455 §5.3) with a fixed key, which is enough here.
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => out.push(0x80 | u8::try_from(n).unwrap_or(0)),
        n if n <= usize::from(u16::MAX) => {
            out.push(0x80 | 126);
            out.extend_from_slice(&u16::try_from(n).unwrap_or(0).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&MASK);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    out
}

/// Opens a connection, sends `messages` as text frames; returns the socket and any bytes read
/// past the handshake's answer.
pub(crate) fn connect(address: &str, messages: &[&str]) -> (TcpStream, Vec<u8>) {
    let mut s = TcpStream::connect(address).expect("connect");
    s.set_nodelay(true).expect("nodelay");
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(request.as_bytes()).expect("handshake");
    let mut got = Vec::new();
    let mut buf = [0_u8; 1024];
    let end = loop {
        let n = s.read(&mut buf).expect("handshake answer");
        assert!(n > 0, "closed during the handshake");
        got.extend_from_slice(&buf[..n]);
        if let Some(at) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    assert!(got.starts_with(b"HTTP/1.1 101"), "not upgraded");
    for m in messages {
        s.write_all(&client_frame(0x1, m.as_bytes())).expect("send");
    }
    (s, got.split_off(end))
}

/// The `timestamp` (epoch ms) of a `market_data` frame.
fn timestamp_ms(frame: &str) -> Option<i64> {
    let at = frame.rfind("\"timestamp\":")? + "\"timestamp\":".len();
    let digits = frame[at..].split(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok()
}

struct Conn {
    socket: mio::net::TcpStream,
    pending: Vec<u8>,
    open: bool,
}

/// Parses the whole frames at the front of `c.pending`, counting market data in the window.
fn parse(c: &mut Conn, now: Instant, start_at: Instant, seen: &mut Seen) {
    let mut at = 0;
    let buf = &c.pending;
    while buf.len() >= at + 2 {
        let opcode = buf[at] & 0x0F;
        let (len, head) = match buf[at + 1] & 0x7F {
            126 if buf.len() >= at + 4 => (
                usize::from(u16::from_be_bytes([buf[at + 2], buf[at + 3]])),
                4,
            ),
            127 if buf.len() >= at + 10 => {
                let mut b = [0_u8; 8];
                b.copy_from_slice(&buf[at + 2..at + 10]);
                (
                    usize::try_from(u64::from_be_bytes(b)).unwrap_or(usize::MAX),
                    10,
                )
            }
            126 | 127 => break,
            n => (usize::from(n), 2),
        };
        if buf.len() < at + head + len {
            break;
        }
        let payload = &buf[at + head..at + head + len];
        match opcode {
            0x1 => {
                let text = std::str::from_utf8(payload).expect("a text frame is UTF-8");
                if now >= start_at && text.starts_with("{\"type\":\"market_data\"") {
                    seen.delivered += 1;
                    if seen.delivered.is_multiple_of(16)
                        && let Some(ts) = timestamp_ms(text)
                    {
                        seen.samples.push(super::now_us() - ts * 1_000);
                    }
                }
            }
            0x9 => {
                // A keepalive ping: answered at once (a full socket drops it; the bench is short).
                let _ = c.socket.write(&client_frame(0xA, payload));
            }
            0x8 => c.open = false,
            _ => {}
        }
        at += head + len;
    }
    c.pending.drain(..at);
}

/// Reads `sockets` until `stop_at`, counting from `start_at`.
pub(crate) fn receive(
    sockets: Vec<(TcpStream, Vec<u8>)>,
    start_at: Instant,
    stop_at: Instant,
) -> Seen {
    let mut poll = Poll::new().expect("epoll");
    let mut conns: Vec<Conn> = sockets
        .into_iter()
        .map(|(s, pending)| {
            s.set_nonblocking(true).expect("non-blocking");
            Conn {
                socket: mio::net::TcpStream::from_std(s),
                pending,
                open: true,
            }
        })
        .collect();
    for (i, c) in conns.iter_mut().enumerate() {
        poll.registry()
            .register(&mut c.socket, Token(i), Interest::READABLE)
            .expect("register");
    }
    let mut seen = Seen::default();
    let mut events = Events::with_capacity(256);
    let mut buf = vec![0_u8; 4096];
    while Instant::now() < stop_at {
        poll.poll(&mut events, Some(Duration::from_millis(50)))
            .expect("poll");
        for event in &events {
            let c = &mut conns[event.token().0];
            while c.open {
                match c.socket.read(&mut buf) {
                    Ok(0) => c.open = false,
                    Ok(n) => {
                        let now = Instant::now();
                        if now >= stop_at {
                            return seen;
                        }
                        c.pending.extend_from_slice(&buf[..n]);
                        parse(c, now, start_at, &mut seen);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("read: {e}"),
                }
            }
        }
    }
    seen
}
