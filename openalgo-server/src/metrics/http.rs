//! Requests by route pattern, method and status, and their latency per route.
//!
//! The hot path takes no shared lock: each worker thread writes to its own shard (a mutex no
//! other thread takes except a scrape), chosen once per thread. The route label is the pattern
//! the request matched (`/api/v1/orderstatus`, `/strategy/{id}`), never the raw path, so ids and
//! keys never become labels; requests that matched no route count as `unmatched`.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use super::histogram::{Histogram, Snapshot};

/// Shards (more than the workers of a large machine; a collision only shares a lock).
const SHARDS: usize = 32;

/// The label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// Methods kept as labels; anything else counts as `OTHER`.
const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "OTHER",
];

fn method_index(m: &actix_web::http::Method) -> u8 {
    let i = METHODS[..METHODS.len() - 1]
        .iter()
        .position(|k| *k == m.as_str())
        .unwrap_or(METHODS.len() - 1);
    u8::try_from(i).unwrap_or(u8::MAX)
}

#[derive(Debug, Default)]
struct RouteStats {
    /// (method index, status, count).
    statuses: Vec<(u8, u16, u64)>,
    latency: Histogram,
    /// The pattern has no dynamic segment: a request whose path equals it matched it, so the
    /// router's pattern need not be asked for again (that walks the route tree and allocates).
    literal: bool,
}

impl RouteStats {
    fn add(&mut self, method: u8, status: u16, took: Duration) {
        match self
            .statuses
            .iter_mut()
            .find(|(m, s, _)| *m == method && *s == status)
        {
            Some((_, _, n)) => *n += 1,
            None => self.statuses.push((method, status, 1)),
        }
        self.latency.observe(took);
    }
}

#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard {
    routes: Mutex<HashMap<Box<str>, RouteStats, foldhash::fast::RandomState>>,
}

/// The HTTP series of the process.
#[derive(Debug)]
pub struct HttpMetrics {
    shards: Box<[Shard]>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }
}

/// The shard of the calling thread.
fn shard_index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    INDEX.with(|i| *i)
}

/// One route's figures merged over the shards.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RouteFigures {
    /// Requests per (method, status).
    pub requests: BTreeMap<(&'static str, u16), u64>,
    /// Latency.
    pub latency: Snapshot,
}

impl HttpMetrics {
    /// Records a request that matched `route` (a pattern, or `None`).
    pub fn record(
        &self,
        route: Option<&str>,
        method: &actix_web::http::Method,
        status: u16,
        took: Duration,
    ) {
        let route = route.unwrap_or(UNMATCHED);
        let shard = &self.shards[shard_index()];
        let mut routes = shard.routes.lock().unwrap_or_else(PoisonError::into_inner);
        if !routes.contains_key(route) {
            routes.insert(route.into(), RouteStats::default());
        }
        if let Some(stats) = routes.get_mut(route) {
            stats.add(method_index(method), status, took);
        }
    }

    /// Records `req` (after routing) answered with `status` in `took`.
    pub fn record_request(&self, req: &actix_web::HttpRequest, status: u16, took: Duration) {
        let method = method_index(req.method());
        let path = req.path();
        let shard = &self.shards[shard_index()];
        let mut routes = shard.routes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(stats) = routes.get_mut(path).filter(|s| s.literal) {
            stats.add(method, status, took);
            return;
        }
        let pattern = req.match_pattern();
        let literal = pattern.as_deref() == Some(path);
        let route = pattern.as_deref().unwrap_or(UNMATCHED);
        if !routes.contains_key(route) {
            routes.insert(route.into(), RouteStats::default());
        }
        if let Some(stats) = routes.get_mut(route) {
            stats.literal |= literal;
            stats.add(method, status, took);
        }
    }

    /// Every route's figures, by route.
    #[must_use]
    pub fn figures(&self) -> BTreeMap<String, RouteFigures> {
        let mut out: BTreeMap<String, RouteFigures> = BTreeMap::new();
        for shard in &*self.shards {
            let routes = shard.routes.lock().unwrap_or_else(PoisonError::into_inner);
            for (route, stats) in routes.iter() {
                let f = out.entry(route.to_string()).or_default();
                for &(m, status, n) in &stats.statuses {
                    let method = METHODS.get(usize::from(m)).copied().unwrap_or("OTHER");
                    *f.requests.entry((method, status)).or_default() += n;
                }
                f.latency.merge(stats.latency.snapshot());
            }
        }
        out
    }
}

/// The middleware: times every request and counts it under its route pattern.
///
/// # Errors
/// Only the inner service's errors.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // The pattern is read from the answer's request: the router fills it in inside `next`
    // (and needs the request unshared to do so, so it is not cloned here).
    let method = req.method().clone();
    let res = next.call(req).await;
    let metrics = &super::global().http;
    match &res {
        Ok(r) => metrics.record_request(r.request(), r.status().as_u16(), started.elapsed()),
        Err(e) => metrics.record(
            None,
            &method,
            e.as_response_error().status_code().as_u16(),
            started.elapsed(),
        ),
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::Method;

    #[test]
    fn shards_merge_by_route_method_and_status() {
        let m = std::sync::Arc::new(HttpMetrics::default());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let m = std::sync::Arc::clone(&m);
                std::thread::spawn(move || {
                    for _ in 0..10 {
                        m.record(
                            Some("/a/{id}"),
                            &Method::POST,
                            200,
                            Duration::from_micros(50),
                        );
                    }
                    m.record(
                        None,
                        &Method::from_bytes(b"BREW").unwrap(),
                        404,
                        Duration::ZERO,
                    );
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let f = m.figures();
        assert_eq!(f["/a/{id}"].requests[&("POST", 200)], 40);
        assert_eq!(f["/a/{id}"].latency.count(), 40);
        assert_eq!(f["/a/{id}"].latency.counts[0], 40);
        assert_eq!(f[UNMATCHED].requests[&("OTHER", 404)], 4);
        assert_eq!(f.len(), 2);
    }

    async fn recorded(
        req: actix_web::HttpRequest,
        m: actix_web::web::Data<HttpMetrics>,
    ) -> actix_web::HttpResponse {
        let status = if req.match_pattern().is_some() {
            200
        } else {
            404
        };
        m.record_request(&req, status, Duration::ZERO);
        actix_web::HttpResponse::Ok().finish()
    }

    #[actix_web::test]
    async fn requests_are_counted_under_their_pattern_and_literal_paths_skip_the_router() {
        use actix_web::{App, test, web};
        let m = web::Data::new(HttpMetrics::default());
        let app = test::init_service(
            App::new()
                .app_data(m.clone())
                .route("/api/v1/ping", web::post().to(recorded))
                .route("/strategy/{id}", web::post().to(recorded))
                .default_service(web::to(recorded)),
        )
        .await;
        for path in [
            "/api/v1/ping",
            "/api/v1/ping",
            "/api/v1/ping",
            "/strategy/42",
            "/strategy/43",
            "/nothing/here",
        ] {
            let req = test::TestRequest::post().uri(path).to_request();
            let _ = test::call_service(&app, req).await;
        }
        let f = m.figures();
        assert_eq!(f["/api/v1/ping"].requests[&("POST", 200)], 3);
        assert_eq!(f["/strategy/{id}"].requests[&("POST", 200)], 2);
        assert_eq!(f[UNMATCHED].requests[&("POST", 404)], 1);
        assert_eq!(f.len(), 3, "{:?}", f.keys().collect::<Vec<_>>());
    }
}
