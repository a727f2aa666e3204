//! [`ShardedCounts`]: counters keyed by a small label set, one shard per thread so the hot
//! path takes no lock another thread is waiting on.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

const SHARDS: usize = 32;

#[derive(Debug)]
#[repr(align(128))]
struct Shard<K>(Mutex<HashMap<K, u64, foldhash::fast::RandomState>>);

impl<K> Default for Shard<K> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::default()))
    }
}

/// Counters per key `K` (a tuple of `&'static str` labels, say).
#[derive(Debug)]
pub struct ShardedCounts<K> {
    shards: Box<[Shard<K>]>,
}

impl<K> Default for ShardedCounts<K> {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }
}

fn shard_index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    INDEX.with(|i| *i)
}

impl<K: Hash + Eq + Ord + Copy> ShardedCounts<K> {
    /// Adds one to `key`.
    pub fn inc(&self, key: K) {
        let mut map = self.shards[shard_index()]
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *map.entry(key).or_default() += 1;
    }

    /// The totals, by key.
    #[must_use]
    pub fn totals(&self) -> BTreeMap<K, u64> {
        let mut out = BTreeMap::new();
        for shard in &*self.shards {
            let map = shard.0.lock().unwrap_or_else(PoisonError::into_inner);
            for (k, n) in map.iter() {
                *out.entry(*k).or_default() += n;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_from_many_threads_add_up() {
        let c = std::sync::Arc::new(ShardedCounts::<(&'static str, u8)>::default());
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let c = std::sync::Arc::clone(&c);
                std::thread::spawn(move || {
                    for _ in 0..100 {
                        c.inc(("a", u8::from(i % 2 == 0)));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let t = c.totals();
        assert_eq!(t[&("a", 0)], 400);
        assert_eq!(t[&("a", 1)], 400);
    }
}
