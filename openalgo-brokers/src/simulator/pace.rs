//! What paces the simulator's tick groups: tokio's timer under a manual clock (tests, paused
//! time), and under the real clock a small thread that wakes on the wall clock's own step
//! boundaries (every whole millisecond for a 1 ms step). Aligned groups make a tick's
//! millisecond `timestamp` the instant it was made, to within the thread's wake-up lateness,
//! so a client can measure tick-to-client latency in microseconds from the timestamp alone
//! (tokio's timer fires on its own millisecond grid, at an arbitrary phase of the wall clock's).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;

/// A source of group instants.
pub(super) enum Pace {
    /// tokio's interval timer.
    Timer(tokio::time::Interval),
    /// A pacer thread's wake-ups (it stops when this is dropped).
    Wall(mpsc::Receiver<()>),
}

impl Pace {
    /// Paces groups every `step`, on the wall clock's boundaries when `real_time`.
    pub(super) fn new(step: Duration, real_time: bool) -> Self {
        let step = step.max(Duration::from_micros(100));
        if real_time && let Some(rx) = wall_pacer(step) {
            return Self::Wall(rx);
        }
        let mut interval = tokio::time::interval(step);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        Self::Timer(interval)
    }

    /// Whether a group instant has already passed (never waits). Under the real clock only: a
    /// consumer still working through earlier ticks is behind the pace.
    pub(super) fn passed(&mut self) -> bool {
        match self {
            Self::Timer(_) => false,
            Self::Wall(rx) => rx.try_recv().is_ok(),
        }
    }

    /// Waits for the next group instant.
    pub(super) async fn tick(&mut self) {
        match self {
            Self::Timer(i) => {
                i.tick().await;
            }
            Self::Wall(rx) => {
                if rx.recv().await.is_none() {
                    // The thread is gone (it cannot be, short of a panic): fall back to the
                    // timer rather than end the stream.
                    *self = Self::new(Duration::from_millis(1), false);
                }
            }
        }
    }
}

fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// The time from `now` (since the epoch) to the next multiple of `step`.
fn to_next_boundary(now: Duration, step: Duration) -> Duration {
    let step_ns = step.as_nanos().max(1);
    let now_ns = now.as_nanos();
    let next = (now_ns / step_ns + 1) * step_ns;
    Duration::from_nanos(u64::try_from(next - now_ns).unwrap_or(u64::MAX))
}

/// Wake-ups kept for a consumer that is behind: a busy moment delays groups rather than
/// dropping them (only a consumer this many steps behind loses some).
const BACKLOG: usize = 64;

/// A thread that sends one wake-up per `step` boundary of the wall clock until the receiver
/// is dropped. A late wake-up (a busy machine) sends the boundaries it overslept at once
/// rather than skipping them, unless it is more than [`BACKLOG`] steps late.
fn wall_pacer(step: Duration) -> Option<mpsc::Receiver<()>> {
    let (tx, rx) = mpsc::channel(BACKLOG);
    std::thread::Builder::new()
        .name("sim-pacer".into())
        .spawn(move || {
            let start = since_epoch();
            let mut next = start + to_next_boundary(start, step);
            loop {
                let now = since_epoch();
                if now < next {
                    std::thread::sleep(next - now);
                } else if now - next > step * u32::try_from(BACKLOG).unwrap_or(u32::MAX) {
                    next = now + to_next_boundary(now, step);
                    continue;
                }
                if let Err(mpsc::error::TrySendError::Closed(())) = tx.try_send(()) {
                    return;
                }
                next += step;
            }
        })
        .ok()?;
    Some(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_multiples_of_the_step() {
        let ms = Duration::from_millis(1);
        assert_eq!(
            to_next_boundary(Duration::from_micros(1_700_000_000_123_400), ms),
            Duration::from_micros(600)
        );
        // On a boundary: the next one, never zero.
        assert_eq!(to_next_boundary(Duration::from_secs(5), ms), ms);
        assert_eq!(
            to_next_boundary(Duration::from_micros(2_500), Duration::from_micros(1_500)),
            Duration::from_micros(500)
        );
    }

    #[tokio::test]
    async fn real_time_is_paced_by_the_wall_clock_thread() {
        let mut pace = Pace::new(Duration::from_millis(1), true);
        assert!(matches!(pace, Pace::Wall(_)));
        let start = since_epoch();
        for _ in 0..5 {
            pace.tick().await;
        }
        // Five boundaries crossed (the phase of each wake-up is measured by `scripts/ws-bench`,
        // not asserted here: a loaded machine may wake the thread late).
        assert!(since_epoch() - start >= Duration::from_millis(4));
        let manual = Pace::new(Duration::from_millis(1), false);
        assert!(matches!(manual, Pace::Timer(_)));
    }
}
