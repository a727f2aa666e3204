//! The per-request security checks: the ban check and the rate limiter (target: together
//! ≤ 2 µs per request), single-threaded and with 16 threads of distinct clients.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use openalgo_server::rate_limit::{RateClass, RateLimiter, RateLimits};
use openalgo_server::security::BanList;

fn clients(n: u32) -> Vec<IpAddr> {
    (0..n)
        .map(|i| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)))
        .collect()
}

fn limits() -> RateLimits {
    RateLimits {
        api: openalgo_server::rate_limit::Limit::parse("50 per second").expect("limit"),
        ..RateLimits::default()
    }
}

/// One request's checks: the ban list, then the limiter.
fn admit(bans: &BanList, limiter: &RateLimiter, ip: IpAddr, now_ms: i64) -> bool {
    !bans.is_banned(ip, now_ms) && limiter.check("placeorder", ip, now_ms).is_none()
}

fn single(c: &mut Criterion) {
    let ips = clients(10_000);
    let limiter = RateLimiter::new(limits(), |_| RateClass::Api);
    let none = BanList::default();
    let some = BanList::default();
    // 1,000 banned addresses, none of them a client below (the common case: a miss).
    for n in 0..1_000u32 {
        let _ = some.ban(
            IpAddr::V4(Ipv4Addr::from(0x0b00_0000 + n)),
            "bench",
            None,
            "manual",
            2,
            0,
        );
    }
    let mut g = c.benchmark_group("security");
    let mut i = 0usize;
    let mut now = 0i64;
    g.bench_function("ban_check_no_bans", |b| {
        b.iter(|| {
            i += 1;
            none.is_banned(ips[i % ips.len()], now)
        });
    });
    g.bench_function("ban_check_1000_bans", |b| {
        b.iter(|| {
            i += 1;
            some.is_banned(ips[i % ips.len()], now)
        });
    });
    g.bench_function("rate_limit_check_10k_clients", |b| {
        b.iter(|| {
            i += 1;
            now += 1;
            limiter.check("placeorder", ips[i % ips.len()], now)
        });
    });
    g.bench_function("admit_ban_and_limit", |b| {
        b.iter(|| {
            i += 1;
            now += 1;
            admit(&some, &limiter, ips[i % ips.len()], now)
        });
    });
    g.finish();
}

/// 16 threads admitting requests of distinct clients: time per admitted request overall.
fn concurrent(c: &mut Criterion) {
    let limiter = Arc::new(RateLimiter::new(limits(), |_| RateClass::Api));
    let bans = Arc::new(BanList::default());
    let clock = Arc::new(AtomicI64::new(0));
    let mut g = c.benchmark_group("security_16_threads");
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("admit_per_request", |b| {
        b.iter_custom(|iters| {
            let per_thread = iters.div_ceil(16).max(1);
            let started = Instant::now();
            let handles: Vec<_> = (0..16u32)
                .map(|t| {
                    let (limiter, bans, clock) = (limiter.clone(), bans.clone(), clock.clone());
                    std::thread::spawn(move || {
                        let ips = clients(1_000);
                        let base = t as usize * 1_000;
                        for k in 0..per_thread {
                            let now = clock.fetch_add(1, Ordering::Relaxed);
                            let ip = match ips[(base + k as usize) % ips.len()] {
                                IpAddr::V4(v) => {
                                    IpAddr::V4(Ipv4Addr::from(u32::from(v) + t * 65_536))
                                }
                                v6 => v6,
                            };
                            std::hint::black_box(admit(&bans, &limiter, ip, now));
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().expect("thread");
            }
            // `iters` requests in all: criterion divides the wall time by them.
            started.elapsed()
        });
    });
    g.finish();
}

criterion_group!(benches, single, concurrent);
criterion_main!(benches);
