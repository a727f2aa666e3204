//! The intraday P&L curve (ui.md `/pnl-tracker`, shown on the dashboard): samples of the
//! account's realized + unrealized P&L, one series per mode, kept in memory for the day. A
//! background task samples both accounts every few seconds and each poll of the chart adds
//! a sample, at most one a second.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rust_decimal::Decimal;

use std::sync::Arc;

use openalgo_core::clock::Clock;

use crate::state::{AccountBook, Mode};

/// Samples kept per series (a day at one per 10 s is 8,640; polls add more).
const MAX_POINTS: usize = 20_000;
/// Two samples closer than this are merged (the newer value wins).
const MIN_SPACING_MS: i64 = 1_000;

/// The P&L series of the live and the analyzer account.
#[derive(Debug, Default)]
pub struct PnlSeries {
    series: Mutex<[Vec<(i64, Decimal)>; 2]>,
}

const fn slot(mode: Mode) -> usize {
    match mode {
        Mode::Live => 0,
        Mode::Analyze => 1,
    }
}

impl PnlSeries {
    /// Records `pnl` at `at_ms` for `mode`. A sample on another IST day than the last one
    /// starts a new series (the curve is intraday).
    pub fn record(&self, mode: Mode, at_ms: i64, pnl: Decimal) {
        let mut all = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        let s = &mut all[slot(mode)];
        if let Some(&(last, _)) = s.last() {
            let day = |ms| openalgo_core::clock::ist_from_ms(ms).date();
            if day(last) != day(at_ms) || at_ms < last {
                s.clear();
            } else if at_ms - last < MIN_SPACING_MS {
                s.pop();
            }
        }
        s.push((at_ms, pnl));
        if s.len() > MAX_POINTS {
            s.drain(..s.len() - MAX_POINTS);
        }
    }

    /// The samples of `mode`, oldest first.
    #[must_use]
    pub fn points(&self, mode: Mode) -> Vec<(i64, Decimal)> {
        self.series.lock().unwrap_or_else(PoisonError::into_inner)[slot(mode)].clone()
    }
}

/// Samples the current P&L of `mode`'s account into `series`; `None` when the broker cannot
/// say.
pub async fn sample(
    book: &AccountBook,
    series: &PnlSeries,
    clock: &dyn Clock,
    mode: Mode,
) -> Option<Decimal> {
    let accounts = book.current();
    let f = accounts.of(mode).broker().funds().await.ok()?;
    let pnl = f.m2m_realized + f.m2m_unrealized;
    series.record(mode, clock.now_ms(), pnl);
    Some(pnl)
}

/// Samples both accounts every `period` until aborted.
#[must_use]
pub fn spawn_sampler(
    book: Arc<AccountBook>,
    series: Arc<PnlSeries>,
    clock: Arc<dyn Clock>,
    period: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            if !book.serving().is_on() {
                continue;
            }
            sample(&book, &series, clock.as_ref(), Mode::Live).await;
            sample(&book, &series, clock.as_ref(), Mode::Analyze).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_merge_within_a_second_and_restart_each_day() {
        let s = PnlSeries::default();
        let base = 1_764_300_000_000; // some instant
        s.record(Mode::Live, base, Decimal::ONE);
        s.record(Mode::Live, base + 500, Decimal::TWO);
        s.record(Mode::Live, base + 1_500, Decimal::TEN);
        assert_eq!(
            s.points(Mode::Live),
            vec![(base + 500, Decimal::TWO), (base + 1_500, Decimal::TEN)]
        );
        assert!(s.points(Mode::Analyze).is_empty());
        s.record(Mode::Live, base + 86_400_000, Decimal::ZERO);
        assert_eq!(
            s.points(Mode::Live).len(),
            1,
            "a new day starts a new curve"
        );
    }
}
