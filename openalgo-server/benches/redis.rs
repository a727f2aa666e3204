//! The rate-limit check with `REDIS_URL` (one Lua script per request on a multiplexed
//! connection) against the in-process check, through the same async entry point: one request at
//! a time, and 64 concurrent requests (their scripts pipelined on the one connection). Needs
//! `OPENALGO_TEST_REDIS_URL`; skipped with a message otherwise.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use openalgo_server::cluster::{Redis, RedisConfig, windows::RedisWindows};
use openalgo_server::rate_limit::{LimitClass, RateClass, RateLimiter, RateLimits};
use secrecy::SecretString;

fn limits() -> RateLimits {
    RateLimits {
        // High enough that every benchmarked request is counted (the full path).
        api: openalgo_server::rate_limit::Limit::parse("1000000 per second").expect("limit"),
        ..RateLimits::default()
    }
}

fn ip(i: u64) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(
        0x0a00_0000 + u32::try_from(i % 10_000).unwrap_or(0),
    ))
}

/// `iters` checks by `tasks` concurrent tasks; the time per check.
fn concurrent(
    rt: &tokio::runtime::Runtime,
    limiter: &Arc<RateLimiter>,
    tasks: u64,
    iters: u64,
) -> Duration {
    let start = Instant::now();
    rt.block_on(async {
        let handles: Vec<_> = (0..tasks)
            .map(|t| {
                let limiter = Arc::clone(limiter);
                tokio::spawn(async move {
                    for i in 0..iters.div_ceil(tasks) {
                        let _ = limiter
                            .admit(LimitClass::Api, "placeorder", ip(t * 1_000 + i), 1_000)
                            .await;
                    }
                })
            })
            .collect();
        for h in handles {
            let _ = h.await;
        }
    });
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let Ok(url) = std::env::var("OPENALGO_TEST_REDIS_URL") else {
        eprintln!("SKIPPED the Redis benchmarks: set OPENALGO_TEST_REDIS_URL");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let redis = Redis::new(&RedisConfig {
        url: SecretString::from(url),
        prefix: format!("openalgo-bench:{}:", std::process::id()),
        timeout: Duration::from_secs(2),
        advertise: None,
    })
    .expect("redis");
    let local = Arc::new(RateLimiter::new(limits(), |_| RateClass::Order));
    let shared = Arc::new(
        RateLimiter::new(limits(), |_| RateClass::Order)
            .with_shared(Arc::new(RedisWindows::new(redis))),
    );
    assert!(
        rt.block_on(shared.admit(LimitClass::Api, "placeorder", ip(0), 1_000))
            .is_none(),
        "Redis answers"
    );
    let mut g = c.benchmark_group("rate_limit");
    g.measurement_time(Duration::from_secs(5));
    let mut i = 0u64;
    g.bench_function("in_process_admit", |b| {
        b.iter(|| {
            i += 1;
            rt.block_on(local.admit(LimitClass::Api, "placeorder", ip(i), 1_000))
        });
    });
    g.bench_function("redis_admit_one_at_a_time", |b| {
        b.iter(|| {
            i += 1;
            rt.block_on(shared.admit(LimitClass::Api, "placeorder", ip(i), 1_000))
        });
    });
    g.bench_function("redis_admit_64_concurrent", |b| {
        b.iter_custom(|iters| concurrent(&rt, &shared, 64, iters));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
