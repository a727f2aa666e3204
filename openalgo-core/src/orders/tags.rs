//! [`TagSource`]: where the order service takes the [`OrderTag`] of each live placement.
//! A process-wide source gives fresh tags; a call with an idempotency key gets a keyed source
//! whose tags depend only on the key, so a retry of the call tags its orders the same way and
//! can find the first attempt's orders instead of placing them again.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::broker::OrderTag;

/// A sequence of order tags.
#[derive(Debug)]
pub struct TagSource {
    base: u64,
    next: AtomicU64,
    check_first: bool,
    ambiguous: AtomicBool,
}

impl TagSource {
    /// Fresh tags from a 64-bit seed (distinct seeds for distinct processes: the server draws
    /// one at random).
    #[must_use]
    pub const fn fresh(seed: u64) -> Self {
        Self {
            base: seed,
            next: AtomicU64::new(0),
            check_first: false,
            ambiguous: AtomicBool::new(false),
        }
    }

    /// Fresh tags seeded by the standard library's per-process random hasher keys (no clock,
    /// no I/O of ours): the default of [`super::OrderService::new`].
    #[must_use]
    pub fn per_process() -> Self {
        Self::fresh(std::collections::hash_map::RandomState::new().hash_one(0x6f61_u64))
    }

    /// The tags of one keyed call: the n-th placement of the call gets the same tag on every
    /// attempt. With `check_first` (a retry after an ambiguous attempt) each placement first
    /// looks its tag up and places only when the broker has no such order.
    #[must_use]
    pub const fn keyed(key_hash: u64, check_first: bool) -> Self {
        Self {
            base: key_hash,
            next: AtomicU64::new(0),
            check_first,
            ambiguous: AtomicBool::new(false),
        }
    }

    /// The next tag.
    pub fn next_tag(&self) -> OrderTag {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        OrderTag::from_bits(self.base.wrapping_add(n))
    }

    /// Whether placements look their tag up before placing.
    #[must_use]
    pub const fn check_first(&self) -> bool {
        self.check_first
    }

    /// Records that a placement's outcome was ambiguous (the broker may hold an order we did
    /// not get the answer for).
    pub fn mark_ambiguous(&self) {
        self.ambiguous.store(true, Ordering::Relaxed);
    }

    /// Whether any placement with these tags was ambiguous.
    #[must_use]
    pub fn saw_ambiguous(&self) -> bool {
        self.ambiguous.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_sources_repeat_and_fresh_ones_do_not() {
        let first = TagSource::keyed(99, false);
        let retry = TagSource::keyed(99, true);
        let a: Vec<_> = (0..3).map(|_| first.next_tag()).collect();
        let b: Vec<_> = (0..3).map(|_| retry.next_tag()).collect();
        assert_eq!(a, b);
        assert_ne!(a[0], a[1]);
        assert!(retry.check_first() && !first.check_first());
        let p = TagSource::per_process();
        assert_ne!(p.next_tag(), p.next_tag());
        assert!(!first.saw_ambiguous());
        first.mark_ambiguous();
        assert!(first.saw_ambiguous());
    }
}
