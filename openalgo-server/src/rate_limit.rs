//! Per-IP, per-endpoint moving-window rate limits with the reference's classes and 429 body
//! (rest-api §1.10): `ORDER_RATE_LIMIT` for single-order endpoints, `SMART_ORDER_RATE_LIMIT`
//! for smart orders, `API_RATE_LIMIT` for everything else; answer `{"message": "<limit>"}`.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

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

    fn window(self) -> Duration {
        let unit = match self.unit {
            "second" => 1,
            "minute" => 60,
            "hour" => 3_600,
            _ => 86_400,
        };
        Duration::from_secs(u64::from(self.per) * unit)
    }

    /// The reference's 429 message, e.g. `10 per 1 second`.
    #[must_use]
    pub fn message(self) -> String {
        format!("{} per {} {}", self.count, self.per, self.unit)
    }
}

/// The configured limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Single-order endpoints.
    pub order: Limit,
    /// `placesmartorder`.
    pub smart_order: Limit,
    /// Everything else.
    pub api: Limit,
}

impl Default for RateLimits {
    /// The reference's code defaults: 10 per second for each class.
    fn default() -> Self {
        let ten = Limit {
            count: 10,
            per: 1,
            unit: "second",
        };
        Self {
            order: ten,
            smart_order: ten,
            api: ten,
        }
    }
}

impl RateLimits {
    fn for_endpoint(&self, endpoint: &str) -> Limit {
        match endpoint {
            "placeorder" | "modifyorder" | "cancelorder" | "optionsorder" | "optionsmultiorder"
            | "placegttorder" | "modifygttorder" | "cancelgttorder" => self.order,
            "placesmartorder" => self.smart_order,
            _ => self.api,
        }
    }
}

/// Moving-window counters per (endpoint, client IP).
#[derive(Debug, Default)]
pub struct RateLimiter {
    limits: RateLimits,
    hits: Mutex<HashMap<(String, IpAddr), VecDeque<Instant>>>,
}

impl RateLimiter {
    /// A limiter with these limits.
    #[must_use]
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Records a request; `Some(message)` when it is over the limit (it is then not counted).
    pub fn check(&self, endpoint: &str, ip: IpAddr, now: Instant) -> Option<String> {
        let limit = self.limits.for_endpoint(endpoint);
        let mut hits = self.hits.lock().unwrap_or_else(PoisonError::into_inner);
        let window = hits.entry((endpoint.to_owned(), ip)).or_default();
        while window
            .front()
            .is_some_and(|&t| now.duration_since(t) >= limit.window())
        {
            window.pop_front();
        }
        if window.len() >= limit.count as usize {
            return Some(limit.message());
        }
        window.push_back(now);
        None
    }
}

/// Middleware for `/api/v1`: the endpoint is the path after `/api/v1/`, without a trailing
/// slash.
///
/// # Errors
/// Only the inner service's errors.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limiter = req.app_data::<web::Data<RateLimiter>>().cloned();
    let ip = req.peer_addr().map(|a| a.ip());
    if let (Some(limiter), Some(ip)) = (limiter, ip) {
        let endpoint = req
            .path()
            .trim_start_matches("/api/v1/")
            .trim_end_matches('/');
        let endpoint = endpoint.split('/').next().unwrap_or_default().to_owned();
        if let Some(message) = limiter.check(&endpoint, ip, Instant::now()) {
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
        let l = RateLimiter::new(limits);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
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
        assert!(
            l.check("funds", ip, t0 + Duration::from_millis(1_000))
                .is_none(),
            "window moved"
        );
    }
}
