//! Where time comes from: the [`Clock`] trait, [`ManualClock`] (tests, replays, backtests) and
//! IST conversion are pure. [`SystemClock`] is core's one documented exception to "no I/O, no
//! wall clock": it reads the operating system's time, and nothing in core calls it — engines and
//! rules take `now` as an input; adapters and the server hold an injected `Arc<dyn Clock>`. It
//! lives here so every crate names time through one module.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, NaiveDateTime};

/// India Standard Time offset from UTC, in seconds.
const IST_OFFSET_SECONDS: i64 = 5 * 3600 + 30 * 60;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch (UTC).
    fn now_ms(&self) -> i64;

    /// The current IST wall-clock time.
    fn now_ist(&self) -> NaiveDateTime {
        ist_from_ms(self.now_ms())
    }

    /// Whether this clock is the operating system's real time, so that work paced by it can
    /// be aligned to its boundaries (a manual clock only moves when told to).
    fn is_real_time(&self) -> bool {
        false
    }
}

/// IST wall-clock time of an epoch-milliseconds instant.
#[must_use]
pub fn ist_from_ms(ms: i64) -> NaiveDateTime {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .naive_utc()
        + Duration::seconds(IST_OFFSET_SECONDS)
}

/// Epoch milliseconds of an IST wall-clock time.
#[must_use]
pub fn ms_from_ist(ist: NaiveDateTime) -> i64 {
    (ist - Duration::seconds(IST_OFFSET_SECONDS))
        .and_utc()
        .timestamp_millis()
}

/// The operating system's clock (the production clock; never called by core itself).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        // Before the epoch counts as the epoch; past i64 milliseconds saturates.
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    fn is_real_time(&self) -> bool {
        true
    }
}

/// A clock that only moves when told to (tests, replays, backtests).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock standing at an IST wall-clock time.
    #[must_use]
    pub fn at_ist(ist: NaiveDateTime) -> Self {
        Self(AtomicI64::new(ms_from_ist(ist)))
    }

    /// Moves to an IST wall-clock time.
    pub fn set_ist(&self, ist: NaiveDateTime) {
        self.0.store(ms_from_ist(ist), Ordering::SeqCst);
    }

    /// Moves forward by `ms` milliseconds.
    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ist_round_trip() {
        let ist =
            NaiveDateTime::parse_from_str("2025-01-02 09:15:00", "%Y-%m-%d %H:%M:%S").unwrap();
        let ms = ms_from_ist(ist);
        assert_eq!(ms, 1_735_789_500_000);
        assert_eq!(ist_from_ms(ms), ist);
        let clock = ManualClock::at_ist(ist);
        clock.advance_ms(60_000);
        assert_eq!(clock.now_ist().format("%H:%M").to_string(), "09:16");
    }

    #[test]
    fn the_system_clock_is_real_time_after_2025() {
        assert!(SystemClock.is_real_time());
        assert!(!ManualClock::default().is_real_time());
        assert!(SystemClock.now_ms() > 1_735_689_600_000);
    }
}
