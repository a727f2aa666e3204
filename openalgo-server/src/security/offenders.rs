//! Per-client counters of 404s and invalid API keys over a 24-hour window from the first event
//! (platform §5.1), sharded, with the latest distinct paths kept for the security page.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

const DAY_MS: i64 = 86_400_000;
const SHARDS: usize = 16;
/// Clients per shard above which finished windows are swept out.
const SWEEP_AT: usize = 2_048;

/// One client's count in its current window.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// Window start (epoch ms).
    pub started_ms: i64,
    /// Events in the window.
    pub count: u32,
    /// Latest distinct details (paths), newest last.
    pub recent: VecDeque<String>,
}

impl Window {
    fn record(&mut self, detail: &str, keep: usize, now_ms: i64) -> u32 {
        if self.count == 0 || now_ms - self.started_ms >= DAY_MS {
            *self = Self {
                started_ms: now_ms,
                ..Self::default()
            };
        }
        self.count += 1;
        if !detail.is_empty() && !self.recent.iter().any(|d| d == detail) {
            if self.recent.len() == keep {
                self.recent.pop_front();
            }
            self.recent.push_back(detail.chars().take(500).collect());
        }
        self.count
    }
}

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offence {
    /// A 404 from an unauthenticated client (detail: the path; the last 50 kept).
    NotFound,
    /// An invalid API key (no detail kept: keys are secrets).
    InvalidApiKey,
}

/// One shard: (client, is-404) → window.
type Shard = Mutex<HashMap<(IpAddr, bool), Window>>;

/// The counters.
#[derive(Debug)]
pub struct Offenders {
    shards: Box<[Shard]>,
    hasher: foldhash::fast::FixedState,
}

impl Default for Offenders {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: foldhash::fast::FixedState::with_seed(0x0404),
        }
    }
}

/// Paths whose 404s are ordinary browser noise (platform §5.1).
const NOISE: [&str; 9] = [
    "/favicon",
    "/robots.txt",
    "/sitemap",
    "/manifest",
    "/sw.js",
    "/.well-known",
    "/apple-touch-icon",
    "/service-worker",
    "/workbox",
];

/// Whether a 404 on `path` counts.
#[must_use]
pub fn counts_as_probe(path: &str) -> bool {
    !NOISE.iter().any(|n| path.starts_with(n))
}

impl Offenders {
    /// Records an offence; returns the client's count in the current window.
    pub fn record(&self, ip: IpAddr, offence: Offence, detail: &str, now_ms: i64) -> u32 {
        let i = usize::try_from(self.hasher.hash_one(ip)).unwrap_or(0) % SHARDS;
        let mut map = self.shards[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if map.len() > SWEEP_AT {
            map.retain(|_, w| now_ms - w.started_ms < DAY_MS);
        }
        let (key, keep, detail) = match offence {
            Offence::NotFound => ((ip, true), 50, detail),
            Offence::InvalidApiKey => ((ip, false), 0, ""),
        };
        map.entry(key).or_default().record(detail, keep, now_ms)
    }

    /// The client's current window for `offence`.
    #[must_use]
    pub fn window(&self, ip: IpAddr, offence: Offence) -> Option<Window> {
        let i = usize::try_from(self.hasher.hash_one(ip)).unwrap_or(0) % SHARDS;
        let map = self.shards[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(&(ip, offence == Offence::NotFound)).cloned()
    }

    /// Forgets a client's 404 count (manual action).
    pub fn clear_not_found(&self, ip: IpAddr) {
        let i = usize::try_from(self.hasher.hash_one(ip)).unwrap_or(0) % SHARDS;
        self.shards[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(ip, true));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_last_a_day_from_the_first_event() {
        let o = Offenders::default();
        let ip: IpAddr = "198.51.100.4".parse().unwrap();
        assert_eq!(o.record(ip, Offence::NotFound, "/a", 0), 1);
        assert_eq!(o.record(ip, Offence::NotFound, "/a", 10), 2);
        assert_eq!(o.record(ip, Offence::InvalidApiKey, "secret", 10), 1);
        let w = o.window(ip, Offence::NotFound).unwrap();
        assert_eq!(w.recent, ["/a"], "distinct paths");
        assert!(
            o.window(ip, Offence::InvalidApiKey)
                .unwrap()
                .recent
                .is_empty(),
            "keys never kept"
        );
        assert_eq!(
            o.record(ip, Offence::NotFound, "/b", DAY_MS),
            1,
            "new window"
        );
        assert!(!counts_as_probe("/favicon.ico") && counts_as_probe("/wp-admin"));
    }
}
