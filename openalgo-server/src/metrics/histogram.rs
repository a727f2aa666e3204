//! Latency histograms with fixed buckets (100 µs to 10 s): [`AtomicHistogram`] for a series
//! every thread updates, [`Histogram`] for one kept under a shard's lock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the buckets, nanoseconds (the `+Inf` bucket follows).
pub const BOUNDS_NS: [u64; 16] = [
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
];

/// Buckets including `+Inf`.
pub const BUCKETS: usize = BOUNDS_NS.len() + 1;

/// The bucket of a duration.
#[must_use]
pub fn bucket_of(ns: u64) -> usize {
    BOUNDS_NS.partition_point(|&b| b < ns)
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// A histogram's figures at one moment: per-bucket (not cumulative) counts and the sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Observations per bucket, the last one `+Inf`.
    pub counts: [u64; BUCKETS],
    /// Sum of the observations, nanoseconds.
    pub sum_ns: u64,
}

impl Default for Snapshot {
    fn default() -> Self {
        Self {
            counts: [0; BUCKETS],
            sum_ns: 0,
        }
    }
}

impl Snapshot {
    /// Adds `other` into this one.
    pub fn merge(&mut self, other: &Self) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
        self.sum_ns = self.sum_ns.saturating_add(other.sum_ns);
    }

    /// Observations in all.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// A histogram kept under a lock (one shard's).
#[derive(Debug, Default, Clone)]
pub struct Histogram(Snapshot);

impl Histogram {
    /// Records one observation.
    pub fn observe(&mut self, d: Duration) {
        let ns = nanos(d);
        self.0.counts[bucket_of(ns)] += 1;
        self.0.sum_ns = self.0.sum_ns.saturating_add(ns);
    }

    /// The figures.
    #[must_use]
    pub const fn snapshot(&self) -> &Snapshot {
        &self.0
    }
}

/// A histogram of relaxed atomic counters, for series updated from any thread.
#[derive(Debug, Default)]
pub struct AtomicHistogram {
    counts: [AtomicU64; BUCKETS],
    sum_ns: AtomicU64,
}

impl AtomicHistogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let ns = nanos(d);
        self.counts[bucket_of(ns)].fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// The figures now (each counter read once; a scrape may see a concurrent observation in
    /// the count before the sum, which Prometheus tolerates).
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        let mut s = Snapshot::default();
        for (out, c) in s.counts.iter_mut().zip(self.counts.iter()) {
            *out = c.load(Ordering::Relaxed);
        }
        s.sum_ns = self.sum_ns.load(Ordering::Relaxed);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_first_bucket_whose_bound_is_not_below_them() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(100_000), 0);
        assert_eq!(bucket_of(100_001), 1);
        assert_eq!(bucket_of(10_000_000_000), BOUNDS_NS.len() - 1);
        assert_eq!(bucket_of(10_000_000_001), BUCKETS - 1);
        let h = AtomicHistogram::default();
        h.observe(Duration::from_micros(300));
        h.observe(Duration::from_secs(60));
        let s = h.snapshot();
        assert_eq!(s.counts[2], 1);
        assert_eq!(s.counts[BUCKETS - 1], 1);
        assert_eq!(s.count(), 2);
        assert_eq!(s.sum_ns, 60_000_300_000);
    }
}
