//! Where adapters read the time: the system clock in production, a manual clock in tests.

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

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
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
}
