//! IP bans (platform §5.1): checked before any work on every request, sharded and read-mostly
//! so the check costs a few nanoseconds (nothing at all while no ban exists). Loopback
//! addresses are never banned. A ban's record outlives its expiry so that repeat offenders are
//! recognised: the ban that reaches the repeat-offender limit is permanent.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{PoisonError, RwLock};

pub use crate::store::security::Ban;

const SHARDS: usize = 16;

/// The ban list.
#[derive(Debug)]
pub struct BanList {
    shards: Box<[RwLock<HashMap<IpAddr, Ban>>]>,
    records: AtomicUsize,
    hasher: foldhash::fast::FixedState,
}

impl Default for BanList {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

/// Whether `ip` can never be banned (the local machine).
#[must_use]
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

impl BanList {
    /// A list holding `records` (as loaded from the store).
    #[must_use]
    pub fn new(records: Vec<(IpAddr, Ban)>) -> Self {
        let list = Self {
            shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
            records: AtomicUsize::new(0),
            hasher: foldhash::fast::FixedState::with_seed(0x6f61_6267),
        };
        for (ip, ban) in records {
            list.shard(ip)
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(ip, ban);
            list.records.fetch_add(1, Ordering::Relaxed);
        }
        list
    }

    fn shard(&self, ip: IpAddr) -> &RwLock<HashMap<IpAddr, Ban>> {
        let i = usize::try_from(self.hasher.hash_one(ip)).unwrap_or(0) % SHARDS;
        &self.shards[i]
    }

    /// Whether `ip` is banned at `now_ms`.
    #[must_use]
    pub fn is_banned(&self, ip: IpAddr, now_ms: i64) -> bool {
        if self.records.load(Ordering::Relaxed) == 0 {
            return false;
        }
        self.shard(ip)
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&ip)
            .is_some_and(|b| b.active(now_ms))
    }

    /// Bans `ip` for `hours` (`None` or 0 = permanent); the ban becomes permanent when the
    /// address reaches `repeat_limit` bans. Returns the record to persist, or `None` for a
    /// loopback address.
    pub fn ban(
        &self,
        ip: IpAddr,
        reason: &str,
        hours: Option<u32>,
        created_by: &str,
        repeat_limit: u32,
        now_ms: i64,
    ) -> Option<Ban> {
        if is_loopback(ip) {
            return None;
        }
        let mut shard = self
            .shard(ip)
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let count = shard.get(&ip).map_or(0, |b| b.ban_count) + 1;
        let permanent = count >= repeat_limit || hours.is_none_or(|h| h == 0);
        let ban = Ban {
            reason: reason.to_owned(),
            ban_count: count,
            banned_at_ms: now_ms,
            expires_at_ms: (!permanent).then(|| now_ms + i64::from(hours.unwrap_or(0)) * 3_600_000),
            created_by: created_by.to_owned(),
        };
        if shard.insert(ip, ban.clone()).is_none() {
            self.records.fetch_add(1, Ordering::Relaxed);
        }
        Some(ban)
    }

    /// Lifts the ban and forgets the record; `true` when there was one.
    pub fn unban(&self, ip: IpAddr) -> bool {
        let removed = self
            .shard(ip)
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&ip)
            .is_some();
        if removed {
            self.records.fetch_sub(1, Ordering::Relaxed);
        }
        removed
    }

    /// Bans in force at `now_ms`.
    #[must_use]
    pub fn active(&self, now_ms: i64) -> Vec<(IpAddr, Ban)> {
        let mut out: Vec<(IpAddr, Ban)> = self
            .shards
            .iter()
            .flat_map(|s| {
                s.read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .iter()
                    .filter(|(_, b)| b.active(now_ms))
                    .map(|(ip, b)| (*ip, b.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort_by_key(|(_, b)| std::cmp::Reverse(b.banned_at_ms));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn bans_expire_and_repeat_offenders_stay_banned() {
        let list = BanList::default();
        let a = ip("203.0.113.9");
        assert!(!list.is_banned(a, 0));
        let first = list.ban(a, "probe", Some(1), "manual", 2, 0).unwrap();
        assert_eq!((first.ban_count, first.expires_at_ms), (1, Some(3_600_000)));
        assert!(list.is_banned(a, 3_599_999));
        assert!(!list.is_banned(a, 3_600_000), "expired");
        assert!(list.active(3_600_000).is_empty());
        let second = list
            .ban(a, "probe", Some(1), "manual", 2, 4_000_000)
            .unwrap();
        assert_eq!(
            (second.ban_count, second.expires_at_ms),
            (2, None),
            "repeat offender"
        );
        assert!(list.is_banned(a, i64::MAX));
        assert!(list.unban(a));
        assert!(!list.is_banned(a, 4_000_001));
    }

    #[test]
    fn loopback_is_never_banned() {
        let list = BanList::default();
        for l in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert!(list.ban(ip(l), "x", None, "manual", 2, 0).is_none(), "{l}");
            assert!(!list.is_banned(ip(l), 0));
        }
    }
}
