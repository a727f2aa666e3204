//! The machine's floor for the WebSocket fan-out benchmark: what delivering one message to each
//! of `clients` loopback TCP connections costs with no server at all. Sender threads write a
//! 170-byte message (the size of an LTP `market_data` frame) into every connection once per
//! round, one round every 2 ms (200 connections: 100,000 messages/s, the `ws-bench` rate);
//! receiver threads wait on epoll (mio) and read. No WebSocket framing, no JSON, no async
//! runtime: latency is the receive instant minus the instant the round was due, so it is the
//! least any server can reach here, with clients this cheap, on the same cores.
//!
//! `cargo run --release -p openalgo-server --example tcp_floor -- [clients=200] [senders=2]
//! [receivers=2] [seconds=5]`

use std::io::{ErrorKind, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

const MESSAGE: usize = 170;
const ROUND: Duration = Duration::from_millis(2);

fn arg(args: &[String], i: usize, default: usize) -> usize {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

/// Splits `items` into `n` nearly equal parts.
fn split<T>(items: Vec<T>, n: usize) -> Vec<Vec<T>> {
    let per = items.len().div_ceil(n.max(1)).max(1);
    let mut parts: Vec<Vec<T>> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i % per == 0 {
            parts.push(Vec::new());
        }
        if let Some(last) = parts.last_mut() {
            last.push(item);
        }
    }
    parts
}

/// Reads `sockets` until `done`, returning the latency (µs) of every message: receive instant
/// minus the instant its round was due (`start + round × ROUND`).
fn receive(sockets: Vec<std::net::TcpStream>, start: Instant, done: &AtomicBool) -> Vec<u64> {
    let mut poll = Poll::new().expect("epoll");
    let mut sockets: Vec<TcpStream> = sockets.into_iter().map(TcpStream::from_std).collect();
    for (i, s) in sockets.iter_mut().enumerate() {
        poll.registry()
            .register(s, Token(i), Interest::READABLE)
            .expect("register");
    }
    let mut events = Events::with_capacity(256);
    let mut buf = vec![0_u8; 4096];
    let mut partial = vec![Vec::<u8>::new(); sockets.len()];
    let mut latencies = Vec::new();
    while !done.load(Ordering::Relaxed) {
        poll.poll(&mut events, Some(Duration::from_millis(50)))
            .expect("poll");
        for event in &events {
            let i = event.token().0;
            loop {
                match sockets[i].read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let now = start.elapsed();
                        let pending = &mut partial[i];
                        pending.extend_from_slice(&buf[..n]);
                        let whole = pending.len() / MESSAGE * MESSAGE;
                        for m in pending[..whole].chunks(MESSAGE) {
                            let round = u32::from_le_bytes([m[0], m[1], m[2], m[3]]);
                            let due = ROUND * round;
                            latencies.push(
                                u64::try_from(now.saturating_sub(due).as_micros())
                                    .unwrap_or(u64::MAX),
                            );
                        }
                        pending.drain(..whole);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("read: {e}"),
                }
            }
        }
    }
    latencies
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let clients = arg(&args, 1, 200);
    let senders = arg(&args, 2, 2);
    let receivers = arg(&args, 3, 2);
    let seconds = arg(&args, 4, 5);
    let rounds = u32::try_from(seconds * 500).unwrap_or(u32::MAX);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let (mut outgoing, mut incoming) = (Vec::new(), Vec::new());
    for _ in 0..clients {
        let client = std::net::TcpStream::connect(address).expect("connect");
        let (server, _) = listener.accept().expect("accept");
        server.set_nodelay(true).expect("nodelay");
        client.set_nonblocking(true).expect("non-blocking");
        outgoing.push(server);
        incoming.push(client);
    }
    // Round r is due at start + r × 2 ms; the first one a little after the threads start.
    let start = Instant::now() + Duration::from_millis(100);
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = split(incoming, receivers)
        .into_iter()
        .map(|part| {
            let done = Arc::clone(&done);
            std::thread::spawn(move || receive(part, start, &done))
        })
        .collect();
    let writers: Vec<_> = split(outgoing, senders)
        .into_iter()
        .map(|mut part| {
            std::thread::spawn(move || {
                let mut message = [b'x'; MESSAGE];
                for round in 1..=rounds {
                    let due = start + ROUND * round;
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    message[..4].copy_from_slice(&round.to_le_bytes());
                    for socket in &mut part {
                        socket.write_all(&message).expect("write");
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    std::thread::sleep(Duration::from_millis(200));
    done.store(true, Ordering::Relaxed);
    let mut latencies: Vec<u64> = readers
        .into_iter()
        .flat_map(|r| r.join().expect("reader"))
        .collect();
    latencies.sort_unstable();
    let at = |per_mille: usize| {
        latencies
            .get((latencies.len() * per_mille / 1000).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    println!(
        "raw loopback TCP, {clients} connections, {senders} sender and {receivers} receiver threads, \
         {} messages/s: {} messages, p50 {} µs, p90 {} µs, p99 {} µs, p99.9 {} µs, max {} µs",
        clients * 500,
        latencies.len(),
        at(500),
        at(900),
        at(990),
        at(999),
        latencies.last().copied().unwrap_or(0)
    );
    // For scripts (`ws-bench`): the same figures on one line.
    println!(
        "FLOOR p50 {} p90 {} p99 {} p999 {}",
        at(500),
        at(900),
        at(990),
        at(999)
    );
}
