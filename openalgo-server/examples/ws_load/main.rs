//! End-to-end WebSocket load: `clients` connections each subscribe to `symbols` instruments
//! (LTP) on a running server and count the `market_data` frames they receive for `seconds`;
//! then `idle` more connections authenticate and stay idle, and the server's RSS growth per idle
//! client is reported (from `/health/metrics`).
//!
//! `[WS_LOAD_THREADS=n] [WS_LOAD_CLIENT=tungstenite|epoll] cargo run --release -p openalgo-server
//! --example ws_load -- <http-base> <ws-url> <api-key> [clients=200] [symbols=500] [seconds=10]
//! [idle=200]` (see `scripts/ws-bench`). The clients are tokio-tungstenite tasks by default;
//! `WS_LOAD_CLIENT=epoll` makes them plain threads on epoll parsing frames themselves, as cheap
//! as `tcp_floor`'s receivers (`epoll.rs`), so what remains over the floor is the server's.

mod epoll;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> T {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

pub(crate) fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(0))
        .unwrap_or(0)
}

/// The `timestamp` (epoch ms) of a `market_data` frame.
fn timestamp_ms(frame: &str) -> Option<i64> {
    let at = frame.rfind("\"timestamp\":")? + "\"timestamp\":".len();
    let digits = frame[at..].split(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok()
}

async fn rss(http: &reqwest::Client, base: &str) -> u64 {
    let m: Value = http
        .get(format!("{base}/health/metrics"))
        .send()
        .await
        .expect("metrics")
        .json()
        .await
        .expect("json");
    m["rss_bytes"].as_u64().unwrap_or(0)
}

/// WS_LOAD_THREADS: the clients' threads (default: one per core; 1 keeps the clients to one
/// core's worth of scheduling).
fn client_threads() -> usize {
    std::env::var("WS_LOAD_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
}

/// `epoll` clients: `clients` connections split over the client threads.
async fn run_epoll(
    ws_url: &str,
    auth: String,
    subs: String,
    clients: usize,
    start_at: Instant,
    stop_at: Instant,
) -> (u64, Vec<i64>) {
    let address = ws_url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let threads = client_threads().max(1);
    let connections = tokio::task::spawn_blocking(move || {
        (0..clients)
            .map(|_| epoll::connect(&address, &[&auth, &subs]))
            .collect::<Vec<_>>()
    })
    .await
    .expect("connect");
    let mut parts: Vec<Vec<_>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, c) in connections.into_iter().enumerate() {
        parts[i % threads].push(c);
    }
    let handles: Vec<_> = parts
        .into_iter()
        .map(|part| std::thread::spawn(move || epoll::receive(part, start_at, stop_at)))
        .collect();
    tokio::task::spawn_blocking(move || {
        let (mut n, mut lat) = (0, Vec::new());
        for h in handles {
            let seen = h.join().expect("client thread");
            n += seen.delivered;
            lat.extend(seen.samples);
        }
        (n, lat)
    })
    .await
    .expect("clients")
}

fn main() {
    let threads = client_threads();
    let rt = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    };
    rt.expect("runtime").block_on(run());
}

async fn run() {
    let args: Vec<String> = std::env::args().collect();
    let (base, ws_url, key) = (args[1].clone(), args[2].clone(), args[3].clone());
    let clients: usize = arg(&args, 4, 200);
    let symbols: usize = arg(&args, 5, 500);
    let seconds: u64 = arg(&args, 6, 10);
    let idle: usize = arg(&args, 7, 200);
    // WS_LOAD_READ_BUFFER: the clients' read buffer in bytes (the library zeroes it per read).
    let read_buffer: usize = std::env::var("WS_LOAD_READ_BUFFER")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(4 * 1024);
    let http = reqwest::Client::new();
    let mut list = Vec::new();
    for exchange in ["NSE", "NFO", "BSE", "BFO", "NSE_INDEX", "MCX", "CDS"] {
        let r: Value = http
            .get(format!(
                "{base}/api/v1/instruments?apikey={key}&exchange={exchange}"
            ))
            .send()
            .await
            .expect("instruments")
            .json()
            .await
            .expect("json");
        for i in r["data"].as_array().cloned().unwrap_or_default() {
            list.push(json!({"symbol": i["symbol"], "exchange": exchange}));
        }
    }
    list.truncate(symbols);
    let subs = Arc::new(json!({"action": "subscribe", "mode": 1, "symbols": list}).to_string());
    let delivered = Arc::new(AtomicU64::new(0));
    let samples = Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let start_at = Instant::now() + Duration::from_secs(3);
    let stop_at = start_at + Duration::from_secs(seconds);
    let epoll_clients = std::env::var("WS_LOAD_CLIENT").is_ok_and(|c| c == "epoll");
    if epoll_clients && clients > 0 {
        let auth = json!({"action": "authenticate", "api_key": key}).to_string();
        let (n, lat) = run_epoll(&ws_url, auth, subs.to_string(), clients, start_at, stop_at).await;
        delivered.store(n, Ordering::Relaxed);
        samples.lock().expect("lock").extend(lat);
    }
    let mut tasks = Vec::new();
    for _ in 0..if epoll_clients { 0 } else { clients } {
        let (ws_url, key, subs, delivered, samples) = (
            ws_url.clone(),
            key.clone(),
            subs.clone(),
            delivered.clone(),
            samples.clone(),
        );
        tasks.push(tokio::spawn(async move {
            // A 4 KiB read buffer: the library's 128 KiB one is zeroed on every read, which
            // made a third of the clients' CPU time (they share the server's two cores).
            let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                .read_buffer_size(read_buffer);
            let (mut ws, _) =
                tokio_tungstenite::connect_async_with_config(ws_url, Some(config), true)
                    .await
                    .expect("connect");
            let auth = json!({"action": "authenticate", "api_key": key}).to_string();
            ws.send(Message::text(auth)).await.expect("auth");
            ws.send(Message::text(subs.as_str()))
                .await
                .expect("subscribe");
            let mut lat = Vec::new();
            while let Some(Ok(m)) = ws.next().await {
                let now = Instant::now();
                if now >= stop_at {
                    break;
                }
                if let Message::Text(t) = m
                    && now >= start_at
                    && t.as_str().starts_with("{\"type\":\"market_data\"")
                {
                    let k = delivered.fetch_add(1, Ordering::Relaxed);
                    // Latency of every 16th message, in µs: receive time minus the
                    // tick's millisecond timestamp. The simulator makes each group of
                    // ticks just after a whole millisecond of the wall clock, so this is
                    // the true latency plus that small lateness: an upper bound.
                    if k % 16 == 0
                        && let Some(ts) = timestamp_ms(t.as_str())
                    {
                        lat.push(now_us() - ts * 1_000);
                    }
                }
            }
            samples.lock().expect("lock").extend(lat);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let n = delivered.load(Ordering::Relaxed);
    let mut lat = std::mem::take(&mut *samples.lock().expect("lock"));
    lat.sort_unstable();
    // The `p`th per mille of the samples.
    let pct = |p: usize| {
        lat.get((lat.len() * p / 1000).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let kind = if epoll_clients {
        "epoll"
    } else {
        "tungstenite"
    };
    println!(
        "clients {clients} ({kind}) x symbols {symbols}: {n} messages in {seconds} s = {} messages/s",
        n / seconds.max(1)
    );
    println!(
        "tick-to-client latency (µs, every 16th message, {} samples): min {} µs, p50 {} µs, p90 {} µs, p99 {} µs, p99.9 {} µs, max {} µs",
        lat.len(),
        lat.first().copied().unwrap_or(0),
        pct(500),
        pct(900),
        pct(990),
        pct(999),
        lat.last().copied().unwrap_or(0)
    );
    let m: Value = http
        .get(format!("{base}/health/metrics"))
        .send()
        .await
        .expect("metrics")
        .json()
        .await
        .expect("json");
    // The server's stage clock (µs, the latest 2,048 samples of each; see stream/feed.rs and
    // stream/session.rs), in the order a tick goes through them.
    for (operation, label) in [
        (
            "stage_made_to_hub",
            "tick made -> reached the hub (pacer, feed task)",
        ),
        (
            "stage_fanout_all_holders",
            "fan-out loop over all holders of a tick",
        ),
        (
            "stage_hub_to_queued",
            "hub -> queued in this client's outbox",
        ),
        (
            "stage_queued_to_writer",
            "queued -> taken by the client's writer task",
        ),
        ("stage_writer_to_socket", "taken -> written into the socket"),
        (
            "tick_to_socket",
            "server total: hub -> written into the socket",
        ),
    ] {
        if let Some(op) = m["broker_latency"]
            .as_array()
            .and_then(|ops| ops.iter().find(|o| o["operation"] == operation))
        {
            println!(
                "  server stage {label}: p50 {} µs, p90 {} µs, p99 {} µs",
                op["p50_us"], op["p90_us"], op["p99_us"]
            );
        }
    }
    if clients > 0 {
        println!(
            "FEED p50 {} p90 {} p99 {} p999 {} rate {}",
            pct(500),
            pct(900),
            pct(990),
            pct(999),
            n / seconds.max(1)
        );
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss(&http, &base).await;
    let mut idle_sockets = Vec::new();
    for _ in 0..idle {
        let (mut ws, _) = tokio_tungstenite::connect_async(ws_url.clone())
            .await
            .expect("connect");
        let auth = json!({"action": "authenticate", "api_key": key}).to_string();
        ws.send(Message::text(auth)).await.expect("auth");
        let _ = ws.next().await;
        idle_sockets.push(ws);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss(&http, &base).await;
    if idle > 0 {
        println!(
            "idle clients {idle}: server RSS {} -> {} KiB, {} KiB per idle client",
            before / 1024,
            after / 1024,
            after.saturating_sub(before) / 1024 / idle as u64
        );
    }
}
