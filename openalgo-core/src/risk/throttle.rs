//! The orders-per-second cap, per exchange segment: a bucket of `rate` tokens in which each
//! token returns one second after it was taken. So a strategy may send up to `rate` orders at
//! once (a basket), and no rolling one-second window ever holds more than `rate` orders — the
//! exchange's rule, which a bucket refilled at a steady rate (up to 2 × rate − 1 per window)
//! would break. Each segment keeps the times its tokens were taken in a ring; a check is O(1).
//! Time is a monotonic count of nanoseconds supplied by the caller.

use crate::Exchange;

const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// The times the tokens of one segment were taken, oldest at `head`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ring {
    taken: Box<[u64]>,
    head: usize,
    len: usize,
}

impl Ring {
    fn new(capacity: usize) -> Self {
        Self {
            taken: vec![0; capacity].into_boxed_slice(),
            head: 0,
            len: 0,
        }
    }

    /// When the oldest token returns, if every token is out.
    fn full_until(&self) -> Option<u64> {
        (self.len == self.taken.len())
            .then(|| self.taken[self.head].saturating_add(NANOS_PER_SECOND))
    }

    fn take(&mut self, now: u64) {
        let cap = self.taken.len();
        if self.len < cap {
            self.taken[(self.head + self.len) % cap] = now;
            self.len += 1;
        } else {
            self.taken[self.head] = now;
            self.head = (self.head + 1) % cap;
        }
    }
}

/// A per-exchange cap of `per_second` orders in any rolling second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentThrottle {
    per_second: u32,
    rings: [Option<Ring>; Exchange::COUNT],
}

impl SegmentThrottle {
    /// A cap of `per_second` orders per rolling second on each exchange; 0 turns it off.
    #[must_use]
    pub fn new(per_second: u32) -> Self {
        Self {
            per_second,
            rings: Default::default(),
        }
    }

    /// The cap (0 when off).
    #[must_use]
    pub const fn per_second(&self) -> u32 {
        self.per_second
    }

    /// Nanoseconds until an order on `exchange` would be allowed (0 when it is now).
    #[must_use]
    pub fn wait_nanos(&self, exchange: Exchange, now_nanos: u64) -> u64 {
        self.rings[exchange.index()]
            .as_ref()
            .and_then(Ring::full_until)
            .map_or(0, |free| free.saturating_sub(now_nanos))
    }

    /// Takes a token for an order on `exchange` at `now_nanos`; false (and nothing taken) when
    /// `per_second` orders were already taken in the second before `now_nanos`.
    pub fn try_acquire(&mut self, exchange: Exchange, now_nanos: u64) -> bool {
        if self.per_second == 0 {
            return true;
        }
        if self.wait_nanos(exchange, now_nanos) > 0 {
            return false;
        }
        let capacity = usize::try_from(self.per_second).unwrap_or(usize::MAX);
        self.rings[exchange.index()]
            .get_or_insert_with(|| Ring::new(capacity))
            .take(now_nanos);
        true
    }
}
