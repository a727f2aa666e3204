//! Who may read `/metrics`: clients whose address is on the allow-list (`METRICS_ALLOW`,
//! default loopback only), or any client that sends `Authorization: Bearer <METRICS_TOKEN>`.

use std::net::IpAddr;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// An address or a network (`10.0.0.0/8`, `::1/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `a.b.c.d`, `a.b.c.d/n` or the IPv6 forms.
    ///
    /// # Errors
    /// A message naming the entry.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || format!("'{text}' is not an address or a network (a.b.c.d/n)");
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
        };
        Ok(Self { addr, prefix })
    }

    /// Whether `ip` is in the network (an IPv4-mapped IPv6 address counts as IPv4).
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The `/metrics` access rules.
#[derive(Debug, Clone)]
pub struct MetricsAccess {
    allow: Vec<Network>,
    token: Option<SecretString>,
}

impl Default for MetricsAccess {
    /// Loopback only, no token.
    fn default() -> Self {
        Self {
            allow: vec![
                Network {
                    addr: IpAddr::from([127, 0, 0, 0]),
                    prefix: 8,
                },
                Network {
                    addr: IpAddr::from([0, 0, 0, 0, 0, 0, 0, 1]),
                    prefix: 128,
                },
            ],
            token: None,
        }
    }
}

/// Why a client may not read the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A token was sent and it is wrong.
    #[error("Invalid metrics token")]
    BadToken,
    /// Neither an allowed address nor a token.
    #[error("Metrics are readable from allowed addresses or with the metrics token only")]
    NotAllowed,
}

impl MetricsAccess {
    /// From `METRICS_ALLOW` (comma-separated addresses and networks; `none` for no address,
    /// unset for loopback) and `METRICS_TOKEN` (at least 16 characters).
    ///
    /// # Errors
    /// A message naming the variable that is invalid.
    pub fn from_vars(var: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = Self::default();
        let allow = match var("METRICS_ALLOW") {
            None => d.allow,
            Some(v) if v.trim().eq_ignore_ascii_case("none") => Vec::new(),
            Some(v) => v
                .split(',')
                .filter(|e| !e.trim().is_empty())
                .map(Network::parse)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("METRICS_ALLOW: {e}"))?,
        };
        let token = match var("METRICS_TOKEN") {
            None => None,
            Some(t) if t.trim().chars().count() >= 16 => {
                Some(SecretString::from(t.trim().to_owned()))
            }
            Some(_) => return Err("METRICS_TOKEN must have at least 16 characters".into()),
        };
        Ok(Self { allow, token })
    }

    /// Whether a client at `ip` that sent the `Authorization` header `authorization` may read
    /// the metrics. A wrong token is refused even from an allowed address.
    ///
    /// # Errors
    /// The [`Refusal`].
    pub fn check(&self, ip: Option<IpAddr>, authorization: Option<&str>) -> Result<(), Refusal> {
        let bearer = authorization.and_then(|h| {
            let (scheme, value) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| value.trim())
        });
        if let (Some(sent), Some(token)) = (bearer, &self.token) {
            // Compared as digests, so the time taken says nothing about the token.
            let same =
                Sha256::digest(sent.as_bytes()) == Sha256::digest(token.expose_secret().as_bytes());
            return if same { Ok(()) } else { Err(Refusal::BadToken) };
        }
        if ip.is_some_and(|ip| self.allow.iter().any(|n| n.contains(ip))) {
            return Ok(());
        }
        Err(Refusal::NotAllowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::vars;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let n = Network::parse("10.1.0.0/16").unwrap();
        assert!(n.contains("10.1.200.3".parse().unwrap()));
        assert!(!n.contains("10.2.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.1.0.9".parse().unwrap()));
        assert!(
            Network::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(
            Network::parse("fd00::/8")
                .unwrap()
                .contains("fd12::1".parse().unwrap())
        );
        for bad in ["10.0.0.0/33", "nope", "10.0.0/8", "::1/129", ""] {
            assert!(Network::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn loopback_by_default_and_tokens_open_to_anyone() {
        let d = MetricsAccess::from_vars(&vars(&[])).unwrap();
        assert_eq!(d.check(ip("127.0.0.1"), None), Ok(()));
        assert_eq!(d.check(ip("::1"), None), Ok(()));
        assert_eq!(d.check(ip("192.168.1.5"), None), Err(Refusal::NotAllowed));
        assert_eq!(d.check(None, None), Err(Refusal::NotAllowed));
        let t = MetricsAccess::from_vars(&vars(&[
            ("METRICS_ALLOW", "none"),
            ("METRICS_TOKEN", "0123456789abcdef"),
        ]))
        .unwrap();
        assert_eq!(t.check(ip("127.0.0.1"), None), Err(Refusal::NotAllowed));
        assert_eq!(
            t.check(ip("192.168.1.5"), Some("Bearer 0123456789abcdef")),
            Ok(())
        );
        assert_eq!(
            t.check(ip("127.0.0.1"), Some("Bearer 0123456789abcdeX")),
            Err(Refusal::BadToken)
        );
        assert_eq!(
            t.check(ip("192.168.1.5"), Some("Basic 0123456789abcdef")),
            Err(Refusal::NotAllowed)
        );
        let nets = MetricsAccess::from_vars(&vars(&[("METRICS_ALLOW", "10.0.0.0/8, 192.168.1.5")]))
            .unwrap();
        assert_eq!(nets.check(ip("10.9.9.9"), None), Ok(()));
        assert_eq!(nets.check(ip("192.168.1.5"), None), Ok(()));
        assert_eq!(nets.check(ip("127.0.0.1"), None), Err(Refusal::NotAllowed));
        let e = MetricsAccess::from_vars(&vars(&[("METRICS_ALLOW", "10.0.0.0/40")])).unwrap_err();
        assert!(e.starts_with("METRICS_ALLOW: "), "{e}");
        assert!(MetricsAccess::from_vars(&vars(&[("METRICS_TOKEN", "short")])).is_err());
    }
}
