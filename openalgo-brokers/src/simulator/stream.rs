//! The simulator's tick stream: every `period`, one tick per subscription whose segment is
//! trading, at the clock's current instant. The subscriptions tick in `SLICES` groups spread
//! evenly over the period, as a real feed's updates arrive spread out rather than all at once;
//! under the real clock the groups fall on the wall clock's step boundaries (see [`Pace`]).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use openalgo_core::broker::{EventStream, Subscription};
use openalgo_core::market::{MarketEvent, SubscriptionMode, Tick};

use super::market::{SimMarket, TickCache};
use super::pace::Pace;
use openalgo_core::clock::Clock;

/// Groups a period's ticks are spread over (fewer when the period is under a second: a group
/// needs at least a millisecond, the timer's resolution).
const SLICES: u32 = 1_000;

struct State {
    slice: usize,
    slices: usize,
    market: Arc<SimMarket>,
    clock: Arc<dyn Clock>,
    pace: Pace,
    ltp: Vec<(usize, openalgo_core::InstrumentKey)>,
    rich: Vec<Subscription>,
    cache: TickCache,
    ready: VecDeque<Tick>,
    scratch: Vec<Tick>,
}

/// The group of the `i`th of `n` subscriptions: spread evenly over the `slices` groups (500
/// subscriptions over 1,000 groups tick every other millisecond, not all in the first half of
/// the period).
fn slice_of(i: usize, n: usize, slices: usize) -> usize {
    let spread = (i as u128 * slices as u128) / (n.max(1) as u128);
    usize::try_from(spread).unwrap_or(0)
}

/// A stream of ticks for `subscriptions`. Unknown instruments are skipped.
#[must_use]
pub fn tick_stream(
    market: Arc<SimMarket>,
    subscriptions: &[Subscription],
    clock: Arc<dyn Clock>,
    period: Duration,
) -> EventStream {
    let (ltp_subs, rich): (Vec<&Subscription>, Vec<&Subscription>) = subscriptions
        .iter()
        .partition(|s| s.mode == SubscriptionMode::Ltp);
    let ltp = ltp_subs
        .into_iter()
        .filter_map(|s| market.resolve(std::slice::from_ref(&s.instrument)).ok())
        .flatten()
        .collect();
    let slices = SLICES.min(u32::try_from(period.as_millis()).unwrap_or(SLICES).max(1));
    let pace = Pace::new(period / slices, clock.is_real_time());
    let state = State {
        slice: 0,
        slices: slices as usize,
        market,
        clock,
        pace,
        ltp,
        rich: rich.into_iter().cloned().collect(),
        cache: TickCache::default(),
        ready: VecDeque::new(),
        scratch: Vec::new(),
    };
    Box::pin(futures::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(tick) = st.ready.pop_front() {
                return Some((MarketEvent::Tick(tick), st));
            }
            st.pace.tick().await;
            let now = st.clock.now_ms();
            let slice = st.slice;
            st.slice = (st.slice + 1) % st.slices;
            let slices = st.slices;
            st.scratch.clear();
            let n = st.ltp.len();
            let trading: Vec<(usize, openalgo_core::InstrumentKey)> = st
                .ltp
                .iter()
                .enumerate()
                .filter(|(i, (_, k))| {
                    slice_of(*i, n, slices) == slice && st.market.is_trading(k.exchange, now)
                })
                .map(|(_, e)| e.clone())
                .collect();
            st.market
                .ltp_ticks(&trading, now, &mut st.cache, &mut st.scratch);
            st.ready.extend(st.scratch.drain(..));
            let n = st.rich.len();
            for (i, sub) in st.rich.iter().enumerate() {
                if slice_of(i, n, slices) == slice
                    && st.market.is_trading(sub.instrument.exchange, now)
                {
                    if let Ok(t) = st.market.tick(&sub.instrument, now, sub.mode) {
                        st.ready.push_back(t);
                    }
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::slice_of;

    #[test]
    fn subscriptions_spread_evenly_over_the_groups() {
        // Fewer subscriptions than groups: every other group, across the whole period.
        let groups: Vec<usize> = (0..500).map(|i| slice_of(i, 500, 1_000)).collect();
        assert_eq!(groups[..3], [0, 2, 4]);
        assert_eq!(groups[499], 998);
        // More: each group gets its share, each subscription exactly one group.
        let mut per = vec![0_usize; 1_000];
        for i in 0..2_500 {
            per[slice_of(i, 2_500, 1_000)] += 1;
        }
        assert!(per.iter().all(|&c| c == 2 || c == 3), "{per:?}");
        assert_eq!(per.iter().sum::<usize>(), 2_500);
    }
}
