//! Places exactly `count` orders on a running server over `connections` keep-alive
//! connections and reports the rate and the latency percentiles; `orderbook` mode times one
//! order-book answer instead. Driven by `scripts/scale-bench`.
//!
//! `cargo run --release -p openalgo-server --example scale_load -- <http-base> <api-key>
//! place <limit|market> <count> <connections>`
//! `... -- <http-base> <api-key> orderbook`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> T {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

async fn place(base: &str, key: &str, kind: &str, count: u64, connections: u64) {
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (next, failed) = (Arc::clone(&next), Arc::clone(&failed));
        let url = format!("{base}/api/v1/placeorder");
        let key = key.to_owned();
        let kind = kind.to_owned();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("client");
            let mut lat = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    break;
                }
                // LIMIT orders rest far below the market; MARKET orders alternate sides so the
                // position and the margin stay flat while the history grows.
                let body = if kind == "limit" {
                    json!({"apikey": key, "strategy": "scale", "symbol": "SBIN", "exchange": "NSE",
                           "action": "BUY", "quantity": "1", "pricetype": "LIMIT", "price": "1",
                           "product": "MIS"})
                } else {
                    let side = if n % 2 == 0 { "BUY" } else { "SELL" };
                    json!({"apikey": key, "strategy": "scale", "symbol": "SBIN", "exchange": "NSE",
                           "action": side, "quantity": "1", "pricetype": "MARKET", "product": "MIS"})
                };
                let t = Instant::now();
                let ok = match http.post(&url).json(&body).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                lat.push(t.elapsed());
                if !ok {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort_unstable();
    #[allow(clippy::cast_precision_loss)]
    let rate = all.len() as f64 / secs;
    println!(
        "placed {} {kind} orders at c{connections}: {rate:.0}/s, p50 {:?}, p99 {:?}, failed {}",
        all.len(),
        percentile(&all, 0.50),
        percentile(&all, 0.99),
        failed.load(Ordering::Relaxed)
    );
}

async fn orderbook(base: &str, key: &str) {
    let http = reqwest::Client::new();
    let t = Instant::now();
    let r = http
        .post(format!("{base}/api/v1/orderbook"))
        .json(&json!({"apikey": key}))
        .send()
        .await
        .expect("orderbook");
    let first = t.elapsed();
    let status = r.status();
    let mut r = r;
    let mut size = 0usize;
    while let Some(chunk) = r.chunk().await.expect("body") {
        size += chunk.len();
    }
    let total = t.elapsed();
    #[allow(clippy::cast_precision_loss)]
    let mb = size as f64 / 1e6;
    println!(
        "orderbook: HTTP {}, {mb:.1} MB, first byte {first:?}, complete {total:?}",
        status.as_u16()
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (base, key) = (args[1].clone(), args[2].clone());
    match args.get(3).map(String::as_str) {
        Some("place") => {
            let kind: String = arg(&args, 4, "limit".to_owned());
            place(&base, &key, &kind, arg(&args, 5, 1000), arg(&args, 6, 1)).await;
        }
        Some("orderbook") => orderbook(&base, &key).await,
        _ => eprintln!(
            "usage: scale_load <base> <key> place <limit|market> <count> <conns> | orderbook"
        ),
    }
}
