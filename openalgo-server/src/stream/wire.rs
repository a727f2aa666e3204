//! The bytes of a connection. The server writes its own frames (RFC 6455 §5.2: a server's
//! frames are not masked, so a frame is a header of 2–10 bytes before the payload), each encoded
//! once (`outbox::Frame`) and written by the fan-out's writer threads or the client's writer
//! task. The protocol library only reads; what it writes itself (the
//! opening handshake's answer, pongs, the echo of a client's close) goes through the client's
//! outbox like everything else, so frames never interleave.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::outbox::Outbox;

/// Text frame opcode.
pub(super) const TEXT: u8 = 0x1;
/// Close frame opcode.
pub(super) const CLOSE: u8 = 0x8;
/// Ping frame opcode.
pub(super) const PING: u8 = 0x9;

/// The header of a final, unmasked frame carrying `len` payload bytes: the bytes and how
/// many of them are used.
#[must_use]
pub(super) fn header(opcode: u8, len: usize) -> ([u8; 10], usize) {
    let mut h = [0_u8; 10];
    h[0] = 0x80 | opcode;
    if len < 126 {
        h[1] = u8::try_from(len).unwrap_or(0);
        (h, 2)
    } else if let Ok(short) = u16::try_from(len) {
        h[1] = 126;
        h[2..4].copy_from_slice(&short.to_be_bytes());
        (h, 4)
    } else {
        h[1] = 127;
        h[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        (h, 10)
    }
}

/// Appends a whole frame to `out`.
pub(super) fn encode(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    let (h, n) = header(opcode, payload.len());
    out.extend_from_slice(&h[..n]);
    out.extend_from_slice(payload);
}

/// A close frame's payload: the code, then the reason.
#[must_use]
pub(super) fn close_payload(code: u16, reason: &str) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason.as_bytes());
    p
}

/// A TCP socket shared by the connection's reader (this) and its outbox (which writes to it
/// without waiting).
#[derive(Debug, Clone)]
pub(super) struct SharedTcp(pub(super) Arc<TcpStream>);

impl AsyncRead for SharedTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            ready!(self.0.poll_read_ready(cx))?;
            match self.0.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                // The readiness was stale: poll again (which registers the waker).
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

/// What the protocol library reads from and writes to: reads come from the connection, writes
/// go to the outbox (accepted at once; the outbox's writer delivers them in order).
#[derive(Debug)]
pub(super) struct Inbound<R> {
    read: R,
    outbox: Arc<Outbox>,
}

impl<R> Inbound<R> {
    /// Reads from `read`, writes through `outbox`.
    pub(super) const fn new(read: R, outbox: Arc<Outbox>) -> Self {
        Self { read, outbox }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Inbound<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.read).poll_read(cx, buf)
    }
}

impl<R: Unpin> AsyncWrite for Inbound<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.outbox.write_raw(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_use_the_shortest_length_form() {
        assert_eq!(header(TEXT, 5).0[..2], [0x81, 5]);
        assert_eq!(header(TEXT, 125).1, 2);
        let (h, n) = header(TEXT, 126);
        assert_eq!(h[..n], [0x81, 126, 0, 126]);
        let (h, n) = header(PING, 70_000);
        assert_eq!(n, 10);
        assert_eq!(h[..n], [0x89, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
        let mut out = Vec::new();
        encode(&mut out, CLOSE, &close_payload(1008, "slow"));
        assert_eq!(out, [0x88, 6, 0x03, 0xF0, b's', b'l', b'o', b'w']);
    }
}
