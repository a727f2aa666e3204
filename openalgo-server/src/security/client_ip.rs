//! The client's address (platform §5.1): the TCP peer, or, when `TRUST_PROXY_HEADERS` is on
//! (a reverse proxy in front), the first of `CF-Connecting-IP`, `True-Client-IP`, `X-Real-IP`,
//! the first entry of `X-Forwarded-For`, `X-Client-IP` that parses as an address. A request
//! forwarded by another instance of the deployment carries its client, signed
//! ([`super::forwarded`]), which wins over both.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::web;

use super::SecurityConfig;

const PROXY_HEADERS: [&str; 5] = [
    "cf-connecting-ip",
    "true-client-ip",
    "x-real-ip",
    "x-forwarded-for",
    "x-client-ip",
];

/// The address rate limits, bans and logs are keyed by.
#[must_use]
pub fn of(req: &HttpRequest) -> Option<IpAddr> {
    let config = req.app_data::<web::Data<SecurityConfig>>();
    // Another instance of this deployment forwarded the request and vouches for its client.
    if let Some(super::forwarded::ForwardedClient(Some(ip))) =
        config.and_then(|c| super::forwarded::client(req, &c.app_key))
    {
        return Some(ip);
    }
    let trust = config.is_some_and(|c| c.trust_proxy_headers);
    if trust {
        for name in PROXY_HEADERS {
            let first = req
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse().ok());
            if first.is_some() {
                return first;
            }
        }
    }
    req.peer_addr().map(|a| a.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn config(trust: bool) -> web::Data<SecurityConfig> {
        web::Data::new(SecurityConfig {
            trust_proxy_headers: trust,
            ..SecurityConfig::default()
        })
    }

    #[test]
    fn proxy_headers_count_only_when_trusted() {
        let peer = "10.1.1.1:4000".parse().unwrap();
        let req = |trust| {
            TestRequest::default()
                .peer_addr(peer)
                .app_data(config(trust))
                .insert_header(("X-Forwarded-For", "203.0.113.7, 10.0.0.2"))
                .to_http_request()
        };
        assert_eq!(of(&req(false)), Some("10.1.1.1".parse().unwrap()));
        assert_eq!(of(&req(true)), Some("203.0.113.7".parse().unwrap()));
        let garbage = TestRequest::default()
            .peer_addr(peer)
            .app_data(config(true))
            .insert_header(("X-Real-IP", "not-an-ip"))
            .to_http_request();
        assert_eq!(of(&garbage), Some("10.1.1.1".parse().unwrap()));
    }
}
