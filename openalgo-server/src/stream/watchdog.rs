//! The stall watchdog of the upstream market stream: when the subscribed instruments that
//! should tick now (during their exchange's session per the market calendar, or always for a
//! stream that ticks around the clock) have had no data for the stall window
//! (`WS_STALL_SECONDS`), the feed reconnects and clients are told the feed is stale; the first
//! data after that restores it. Outside market hours a silent stream is quiet, not stalled.
//! Consecutive stalls without data in between double the window (up to [`MAX_WINDOW_FACTOR`]
//! times the setting), so a stream that stays silent is not reconnected in a tight loop.
//!
//! Time here is `tokio::time::Instant` passed in by the caller (deterministic under a paused
//! test runtime); the wall clock only dates the notices and places "now" in the calendar.

use std::sync::Arc;
use std::time::Duration;

use openalgo_core::broker::Subscription;
use openalgo_core::calendar::MarketCalendar;
use openalgo_core::clock::Clock;
use tokio::time::Instant;

/// How far consecutive stalls stretch the window: 30 s, 60 s, 120 s, then every 240 s.
pub(crate) const MAX_WINDOW_FACTOR: u32 = 8;

/// When the stream should tick, and how long silence may last.
#[derive(Debug, Clone)]
pub(crate) struct StallPolicy {
    /// Silence longer than this while ticks are expected is a stall (`WS_STALL_SECONDS`).
    pub(crate) stall: Duration,
    /// The stream ticks around the clock (the simulator), so the calendar does not apply.
    pub(crate) around_the_clock: bool,
    /// Exchange sessions and holidays.
    pub(crate) calendar: Arc<MarketCalendar>,
    /// Wall-clock time (the calendar's "now", the notices' timestamps).
    pub(crate) clock: Arc<dyn Clock>,
}

impl StallPolicy {
    /// How many of `subscriptions` should be ticking now.
    pub(crate) fn expected(&self, subscriptions: &[Subscription]) -> usize {
        if self.around_the_clock {
            return subscriptions.len();
        }
        let now = self.clock.now_ms();
        subscriptions
            .iter()
            .filter(|s| self.calendar.is_open(s.instrument.exchange, now))
            .count()
    }
}

/// A stall in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stale {
    /// Epoch milliseconds of the last data (or of the start of the watch).
    pub(crate) since_ms: i64,
    /// Subscriptions that should have been ticking.
    pub(crate) instruments: usize,
}

/// What a check of the watchdog found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Data came within the window (or the market just opened): check again at the instant.
    Fine(Instant),
    /// Nothing should tick now: check again at the instant; no reconnect.
    Quiet(Instant),
    /// A stall: reconnect, and check again at the instant. `new` is set on the first check of
    /// a stall (tell the clients), not on repeats.
    Stalled {
        /// The stall, when it has just begun.
        new: Option<Stale>,
        /// The next check.
        next: Instant,
    },
}

/// The watchdog's state over one feed.
#[derive(Debug)]
pub(crate) struct Watchdog {
    policy: StallPolicy,
    /// Start of the current window: the last data, the start of the watch, the last quiet
    /// check or the last reconnect for a stall.
    window_start: Instant,
    window: Duration,
    last_data: Instant,
    watching: bool,
    was_quiet: bool,
    stale: Option<Stale>,
}

impl Watchdog {
    /// A watchdog that is not watching yet (nothing subscribed).
    pub(crate) fn new(policy: StallPolicy, now: Instant) -> Self {
        Self {
            window: policy.stall,
            policy,
            window_start: now,
            last_data: now,
            watching: false,
            was_quiet: false,
            stale: None,
        }
    }

    /// The stall in progress, if any.
    pub(crate) const fn stale(&self) -> Option<Stale> {
        self.stale
    }

    /// The setting's window.
    pub(crate) const fn stall(&self) -> Duration {
        self.policy.stall
    }

    /// Something is subscribed: the watch starts now unless it is already running.
    pub(crate) fn watch(&mut self, now: Instant) {
        if !self.watching {
            self.watching = true;
            self.window_start = now;
            self.last_data = now;
            self.window = self.policy.stall;
        }
    }

    /// Nothing is subscribed any more: no watch, and a stall in progress is forgotten.
    pub(crate) fn stop(&mut self) {
        self.watching = false;
        self.stale = None;
    }

    /// Data arrived at `now`; returns the stall it ends.
    pub(crate) fn on_data(&mut self, now: Instant) -> Option<Stale> {
        self.last_data = now;
        self.window_start = now;
        let ended = self.stale.take();
        if ended.is_some() {
            self.window = self.policy.stall;
        }
        ended
    }

    /// When the next check is due.
    pub(crate) fn deadline(&self) -> Instant {
        self.window_start + self.window
    }

    /// Checks at `now` with `subscriptions` held upstream.
    pub(crate) fn check(&mut self, now: Instant, subscriptions: &[Subscription]) -> Verdict {
        if !self.watching || now < self.deadline() {
            return Verdict::Fine(self.deadline());
        }
        let expected = self.policy.expected(subscriptions);
        if expected == 0 {
            // Silence is expected: the window restarts, so a market that opens later gets a
            // whole window for its first ticks.
            self.was_quiet = true;
            self.window_start = now;
            return Verdict::Quiet(self.deadline());
        }
        if std::mem::take(&mut self.was_quiet) {
            self.window_start = now;
            return Verdict::Fine(self.deadline());
        }
        let new = if self.stale.is_none() {
            let silent =
                u64::try_from(now.duration_since(self.last_data).as_millis()).unwrap_or(u64::MAX);
            let since_ms = self
                .policy
                .clock
                .now_ms()
                .saturating_sub(i64::try_from(silent).unwrap_or(i64::MAX));
            let stale = Stale {
                since_ms,
                instruments: expected,
            };
            self.stale = Some(stale);
            Some(stale)
        } else {
            self.window = (self.window * 2).min(self.policy.stall * MAX_WINDOW_FACTOR);
            None
        };
        self.window_start = now;
        Verdict::Stalled {
            new,
            next: self.deadline(),
        }
    }
}

/// Exponential backoff between failed reconnects.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Starting at `first`, doubling up to `max`.
    pub(crate) const fn new(first: Duration, max: Duration) -> Self {
        Self {
            first,
            max,
            next: first,
        }
    }

    /// The pause before the next attempt (each call doubles the following one).
    pub(crate) fn pause(&mut self) -> Duration {
        let pause = self.next;
        self.next = (self.next * 2).min(self.max);
        pause
    }

    /// An attempt succeeded: the next failure waits the first pause again.
    pub(crate) const fn reset(&mut self) {
        self.next = self.first;
    }
}

#[cfg(test)]
mod tests {
    use openalgo_core::clock::ManualClock;
    use openalgo_core::market::SubscriptionMode;
    use openalgo_core::{Exchange, InstrumentKey, Symbol};

    use super::*;

    fn sub(symbol: &str, exchange: Exchange) -> Subscription {
        Subscription {
            instrument: InstrumentKey::new(Symbol::new(symbol).unwrap(), exchange),
            mode: SubscriptionMode::Ltp,
        }
    }

    fn at(date: &str, h: u32, m: u32) -> chrono::NaiveDateTime {
        date.parse::<chrono::NaiveDate>()
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn policy(clock: &Arc<ManualClock>, around_the_clock: bool) -> StallPolicy {
        StallPolicy {
            stall: Duration::from_secs(30),
            around_the_clock,
            calendar: Arc::new(MarketCalendar::bundled()),
            clock: clock.clone(),
        }
    }

    #[test]
    fn the_calendar_decides_which_subscriptions_should_tick() {
        // A Wednesday at 16:00 IST: NSE has closed, MCX trades on.
        let clock = Arc::new(ManualClock::at_ist(at("2026-11-25", 16, 0)));
        let subs = [sub("SBIN", Exchange::Nse), sub("CRUDEOIL", Exchange::Mcx)];
        assert_eq!(policy(&clock, false).expected(&subs), 1);
        assert_eq!(policy(&clock, true).expected(&subs), 2);
        clock.set_ist(at("2026-11-28", 11, 0)); // Saturday
        assert_eq!(policy(&clock, false).expected(&subs), 0);
    }

    #[test]
    fn silence_in_market_hours_is_a_stall_once_then_windows_double_until_data() {
        let clock = Arc::new(ManualClock::at_ist(at("2026-11-25", 10, 0)));
        let subs = [sub("SBIN", Exchange::Nse)];
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut w = Watchdog::new(policy(&clock, false), t0);
        w.watch(t0);
        assert_eq!(w.on_data(t0 + s(5)), None);
        assert_eq!(w.check(t0 + s(20), &subs), Verdict::Fine(t0 + s(35)));
        let Verdict::Stalled {
            new: Some(stale),
            next,
        } = w.check(t0 + s(35), &subs)
        else {
            panic!("a stall")
        };
        assert_eq!(stale.instruments, 1);
        assert_eq!(
            stale.since_ms,
            clock.now_ms() - 30_000,
            "dated at the last data"
        );
        assert_eq!(next, t0 + s(65));
        // Still silent after the reconnect: the same stall (no new notice), a longer window.
        assert_eq!(
            w.check(t0 + s(65), &subs),
            Verdict::Stalled {
                new: None,
                next: t0 + s(125)
            }
        );
        assert_eq!(w.on_data(t0 + s(70)), Some(stale));
        assert_eq!(w.stale(), None);
        assert_eq!(
            w.deadline(),
            t0 + s(100),
            "the window is the setting's again"
        );
    }

    #[test]
    fn a_quiet_market_never_stalls_and_an_opening_gets_a_whole_window() {
        // Friday 15:59 IST: NSE closed; it opens on Monday.
        let clock = Arc::new(ManualClock::at_ist(at("2026-11-27", 15, 59)));
        let subs = [sub("SBIN", Exchange::Nse)];
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut w = Watchdog::new(policy(&clock, false), t0);
        w.watch(t0);
        for i in 1..=10 {
            assert_eq!(
                w.check(t0 + s(30 * i), &subs),
                Verdict::Quiet(t0 + s(30 * i + 30))
            );
        }
        clock.set_ist(at("2026-11-30", 9, 15));
        assert_eq!(w.check(t0 + s(330), &subs), Verdict::Fine(t0 + s(360)));
        assert!(matches!(
            w.check(t0 + s(360), &subs),
            Verdict::Stalled { new: Some(_), .. }
        ));
    }

    #[test]
    fn backoff_doubles_to_its_cap_and_resets() {
        let s = Duration::from_secs;
        let mut b = Backoff::new(s(1), s(5));
        let pauses: Vec<_> = (0..5).map(|_| b.pause()).collect();
        assert_eq!(pauses, [s(1), s(2), s(4), s(5), s(5)]);
        b.reset();
        assert_eq!(b.pause(), s(1));
    }
}
