//! Per-client, per-route moving-window rate limits with the reference's classes (platform §4,
//! rest-api §1.10): `ORDER_RATE_LIMIT` for single-order endpoints, `SMART_ORDER_RATE_LIMIT` for
//! smart orders, `API_RATE_LIMIT` for the rest of the API (429 `{"message": "<limit>"}`), and the
//! login, reset and webhook classes for the web routes.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// `N per M unit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed in the window.
    pub count: u32,
    /// Window length in units.
    pub per: u32,
    /// Unit name (`second`, `minute`, `hour`, `day`).
    pub unit: &'static str,
}

impl Limit {
    /// Parses Flask-Limiter's grammar: `10 per second`, `50/second`, `30 per minute`,
    /// `5 per 2 minutes`.
    ///
    /// # Errors
    /// A message naming the bad text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("invalid rate limit '{text}': use e.g. '10 per second'");
        let t = text.trim().to_ascii_lowercase().replace('/', " per ");
        let mut words = t.split_whitespace();
        let count: u32 = words.next().and_then(|w| w.parse().ok()).ok_or_else(bad)?;
        if words.next() != Some("per") {
            return Err(bad());
        }
        let mut next = words.next().ok_or_else(bad)?;
        let mut per = 1;
        if let Ok(n) = next.parse::<u32>() {
            per = n;
            next = words.next().ok_or_else(bad)?;
        }
        let unit = match next.trim_end_matches('s') {
            "second" => "second",
            "minute" => "minute",
            "hour" => "hour",
            "day" => "day",
            _ => return Err(bad()),
        };
        if count == 0 || per == 0 || words.next().is_some() {
            return Err(bad());
        }
        Ok(Self { count, per, unit })
    }

    /// The window's length in milliseconds.
    #[must_use]
    pub fn window_ms(self) -> i64 {
        let unit = match self.unit {
            "second" => 1_000,
            "minute" => 60_000,
            "hour" => 3_600_000,
            _ => 86_400_000,
        };
        i64::from(self.per) * unit
    }

    /// The reference's 429 message, e.g. `10 per 1 second`.
    #[must_use]
    pub fn message(self) -> String {
        format!("{} per {} {}", self.count, self.per, self.unit)
    }
}

/// The configured limits, by class (platform §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Single-order endpoints (`ORDER_RATE_LIMIT`).
    pub order: Limit,
    /// `placesmartorder` (`SMART_ORDER_RATE_LIMIT`).
    pub smart_order: Limit,
    /// Every other API endpoint (`API_RATE_LIMIT`).
    pub api: Limit,
    /// `optiongreeks` (`GREEKS_RATE_LIMIT`).
    pub greeks: Limit,
    /// Login, TOTP and broker-callback routes, per minute (`LOGIN_RATE_LIMIT_MIN`).
    pub login_minute: Limit,
    /// The same routes, per hour (`LOGIN_RATE_LIMIT_HOUR`); both apply.
    pub login_hour: Limit,
    /// Password reset (`RESET_RATE_LIMIT`).
    pub reset: Limit,
    /// Strategy webhooks (`WEBHOOK_RATE_LIMIT`).
    pub webhook: Limit,
}

const fn limit(count: u32, unit: &'static str) -> Limit {
    Limit {
        count,
        per: 1,
        unit,
    }
}

impl Default for RateLimits {
    /// The reference's defaults: 10 per second for orders and smart orders, 50 per second for the
    /// rest of the API (`.sample.env`), 30 per minute for option Greeks, 5 per minute and 25
    /// per hour for logins, 15 per hour for resets, 100 per minute for webhooks.
    fn default() -> Self {
        Self {
            order: limit(10, "second"),
            smart_order: limit(10, "second"),
            api: limit(50, "second"),
            greeks: limit(30, "minute"),
            login_minute: limit(5, "minute"),
            login_hour: limit(25, "hour"),
            reset: limit(15, "hour"),
            webhook: limit(100, "minute"),
        }
    }
}

/// Which limits a route counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitClass {
    /// An `/api/v1` endpoint: its class follows from the endpoint name.
    Api,
    /// Login-type routes: the minute and the hour limits.
    Login,
    /// Password reset.
    Reset,
    /// Webhooks.
    Webhook,
}

/// Which of the API limits an `/api/v1` endpoint counts against (the endpoint table says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateClass {
    /// `ORDER_RATE_LIMIT`.
    Order,
    /// `SMART_ORDER_RATE_LIMIT`.
    SmartOrder,
    /// `API_RATE_LIMIT`.
    Api,
    /// `GREEKS_RATE_LIMIT`.
    Greeks,
}

impl RateLimits {
    fn for_api_endpoint(&self, class: RateClass) -> Limit {
        match class {
            RateClass::Order => self.order,
            RateClass::SmartOrder => self.smart_order,
            RateClass::Api => self.api,
            RateClass::Greeks => self.greeks,
        }
    }

    fn for_class(
        &self,
        class: LimitClass,
        route: &str,
        classify: Classify,
    ) -> (Limit, Option<Limit>) {
        match class {
            LimitClass::Api => (self.for_api_endpoint(classify(route)), None),
            LimitClass::Login => (self.login_minute, Some(self.login_hour)),
            LimitClass::Reset => (self.reset, None),
            LimitClass::Webhook => (self.webhook, None),
        }
    }
}

const SHARDS: usize = 32;
/// Keys per shard above which expired windows are swept out.
const SWEEP_AT: usize = 4_096;

/// One client's hits on one route under one limit (epoch ms), newest last.
type Hits = VecDeque<i64>;

/// (route hash, limit index, client)
type Key = (u64, u8, IpAddr);

/// Exact moving-window counters per (route, client), sharded by client so that concurrent
/// clients do not contend, with no allocation on the hot path once a client is known.
/// Which API limit an `/api/v1` endpoint name counts against (the endpoint table's answer,
/// handed in by startup so the security layer depends on no route module).
pub type Classify = fn(&str) -> RateClass;

#[derive(Debug)]
pub struct RateLimiter {
    limits: RateLimits,
    classify: Classify,
    shards: Box<[Mutex<HashMap<Key, Hits, foldhash::fast::RandomState>>]>,
    hasher: foldhash::fast::RandomState,
    /// Windows shared between instances (`REDIS_URL`); `None` keeps everything in process.
    shared: Option<Arc<dyn SharedWindows>>,
    /// When the last shared-window failure was logged (epoch ms), so that an outage logs once
    /// every few seconds, not once a request.
    warned_ms: AtomicI64,
}

/// Moving windows shared between instances (Redis with `REDIS_URL`): the same semantics as the
/// in-process windows, checked and counted atomically across every instance.
#[async_trait::async_trait]
pub trait SharedWindows: Send + Sync + std::fmt::Debug {
    /// Records a hit of `client` in `scope` (the limit class and route) at `now_ms` against
    /// `limits` (one window each): `Ok(Some(i))` when `limits[i]` is full (the hit is then not
    /// counted in any window), `Ok(None)` when it was counted in all of them.
    ///
    /// # Errors
    /// A description of the failure (the shared store is down or slow).
    async fn hit(
        &self,
        scope: &str,
        client: IpAddr,
        limits: &[Limit],
        now_ms: i64,
    ) -> Result<Option<usize>, String>;
}

/// How long a shared-window failure keeps further ones out of the log.
const WARN_EVERY_MS: i64 = 10_000;

fn prune(hits: &mut Hits, window_ms: i64, now_ms: i64) {
    while hits.front().is_some_and(|&t| now_ms - t >= window_ms) {
        hits.pop_front();
    }
}

impl RateLimiter {
    /// A limiter with these limits; `classify` names the API limit of an endpoint.
    #[must_use]
    pub fn new(limits: RateLimits, classify: Classify) -> Self {
        Self {
            limits,
            classify,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: foldhash::fast::RandomState::default(),
            shared: None,
            warned_ms: AtomicI64::new(i64::MIN),
        }
    }

    /// Counts in `shared` windows (every instance sees every hit). When they fail (the shared
    /// store is down or slow) the limiter fails open to its in-process windows: each instance
    /// then still enforces the limits on the requests it sees.
    #[must_use]
    pub fn with_shared(mut self, shared: Arc<dyn SharedWindows>) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Records a request on `route` under `class`, in the shared windows when there are some
    /// (falling back to the in-process ones when they fail), else in process as
    /// [`RateLimiter::check_class`]; `Some(message)` naming the exceeded limit.
    pub async fn admit(
        &self,
        class: LimitClass,
        route: &str,
        ip: IpAddr,
        now_ms: i64,
    ) -> Option<String> {
        let Some(shared) = &self.shared else {
            return self.check_class(class, route, ip, now_ms);
        };
        let (first, second) = self.limits.for_class(class, route, self.classify);
        let both = [first, second.unwrap_or(first)];
        let limits = &both[..if second.is_some() { 2 } else { 1 }];
        let class_name = match class {
            LimitClass::Api => "api",
            LimitClass::Login => "login",
            LimitClass::Reset => "reset",
            LimitClass::Webhook => "webhook",
        };
        let scope = format!("{class_name}:{route}");
        match shared.hit(&scope, ip, limits, now_ms).await {
            Ok(full) => full.and_then(|i| limits.get(i)).map(|l| l.message()),
            Err(e) => {
                let last = self.warned_ms.load(Ordering::Relaxed);
                if now_ms.saturating_sub(last) >= WARN_EVERY_MS
                    && self
                        .warned_ms
                        .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                {
                    tracing::warn!(
                        error = %e,
                        "shared rate limits unavailable; enforcing them per instance"
                    );
                }
                self.check_class(class, route, ip, now_ms)
            }
        }
    }

    /// The limits in force.
    #[must_use]
    pub const fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// Records an `/api/v1` request; `Some(message)` when it is over the limit (it is then not
    /// counted).
    pub fn check(&self, endpoint: &str, ip: IpAddr, now_ms: i64) -> Option<String> {
        self.check_class(LimitClass::Api, endpoint, ip, now_ms)
    }

    /// Records a request on `route` under `class`; `Some(message)` naming the exceeded limit
    /// when any of the class's limits is full (the request is then not counted).
    pub fn check_class(
        &self,
        class: LimitClass,
        route: &str,
        ip: IpAddr,
        now_ms: i64,
    ) -> Option<String> {
        use std::hash::BuildHasher;
        let route_hash = self.hasher.hash_one((class, route));
        let (first, second) = self.limits.for_class(class, route, self.classify);
        let shard = usize::try_from(self.hasher.hash_one(ip)).unwrap_or(0) % SHARDS;
        let mut map = self.shards[shard]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if map.len() > SWEEP_AT {
            map.retain(|_, hits| {
                prune(hits, 86_400_000, now_ms);
                !hits.is_empty()
            });
        }
        let limits = [Some(first), second];
        for (i, l) in limits.iter().enumerate() {
            let Some(l) = l else { continue };
            let hits = map.entry((route_hash, i as u8, ip)).or_default();
            prune(hits, l.window_ms(), now_ms);
            if hits.len() >= l.count as usize {
                return Some(l.message());
            }
        }
        for (i, l) in limits.iter().enumerate() {
            if l.is_some() {
                map.entry((route_hash, i as u8, ip))
                    .or_default()
                    .push_back(now_ms);
            }
        }
        None
    }
}

/// Middleware for `/api/v1`: the endpoint is the path after `/api/v1/`, without a trailing
/// slash; the client is the address [`super::client_ip::of`] resolves.
///
/// # Errors
/// Only the inner service's errors.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limiter = req.app_data::<web::Data<RateLimiter>>().cloned();
    let now_ms = req
        .app_data::<web::Data<super::SecurityState>>()
        .map(|s| s.clock.now_ms());
    let ip = super::client_ip::of(req.request());
    if let (Some(limiter), Some(ip), Some(now_ms)) = (limiter, ip, now_ms) {
        let endpoint = req
            .path()
            .trim_start_matches("/api/v1/")
            .trim_end_matches('/');
        let endpoint = endpoint.split('/').next().unwrap_or_default();
        if let Some(message) = limiter.admit(LimitClass::Api, endpoint, ip, now_ms).await {
            return Ok(req
                .into_response(HttpResponse::TooManyRequests().json(json!({"message": message}))));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_reference_grammar() {
        assert_eq!(
            Limit::parse("10 per second").unwrap().message(),
            "10 per 1 second"
        );
        assert_eq!(
            Limit::parse("50/second").unwrap().message(),
            "50 per 1 second"
        );
        assert_eq!(
            Limit::parse("30 per minute").unwrap().message(),
            "30 per 1 minute"
        );
        assert_eq!(
            Limit::parse("5 per 2 minutes").unwrap().message(),
            "5 per 2 minute"
        );
        assert!(Limit::parse("ten per second").is_err());
        assert!(Limit::parse("10 every second").is_err());
        assert!(Limit::parse("0 per second").is_err());
    }

    #[test]
    fn moving_window_per_endpoint_and_ip() {
        let limits = RateLimits {
            api: Limit::parse("2 per second").unwrap(),
            ..RateLimits::default()
        };
        let l = RateLimiter::new(limits, |e| {
            if e == "placeorder" {
                RateClass::Order
            } else {
                RateClass::Api
            }
        });
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = 1_000_000;
        assert!(l.check("funds", ip, t0).is_none());
        assert!(l.check("funds", ip, t0).is_none());
        assert_eq!(l.check("funds", ip, t0).as_deref(), Some("2 per 1 second"));
        assert!(
            l.check("orderbook", ip, t0).is_none(),
            "separate counter per endpoint"
        );
        assert!(
            l.check("funds", other, t0).is_none(),
            "separate counter per client"
        );
        assert!(l.check("funds", ip, t0 + 1_000).is_none(), "window moved");
        for _ in 0..10 {
            assert!(l.check("placeorder", ip, t0).is_none(), "the order limit");
        }
        assert!(l.check("placeorder", ip, t0).is_some());
    }
}
