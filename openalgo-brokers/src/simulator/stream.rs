//! The simulator's tick stream: every `period`, one tick per subscription whose segment is
//! trading, at the clock's current instant. The subscriptions tick in `SLICES` groups spread
//! evenly over the period, as a real feed's updates arrive spread out rather than all at once;
//! under the real clock the groups fall on the wall clock's step boundaries (see [`Pace`]).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use openalgo_core::InstrumentKey;
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
    ltp: Vec<(usize, InstrumentKey)>,
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
            // Behind the pace (the consumer is still taking an earlier group's ticks): make the
            // group that is due now and let its ticks replace the waiting ones of the same
            // instruments (conflation), so a waiting tick is never more than a group old and
            // the backlog never exceeds one tick per subscription.
            if !st.ready.is_empty() && st.pace.passed() {
                let fresh = st.group();
                conflate(&mut st.ready, fresh);
            }
            if let Some(tick) = st.ready.pop_front() {
                return Some((MarketEvent::Tick(tick), st));
            }
            st.pace.tick().await;
            let fresh = st.group();
            st.ready.extend(fresh);
        }
    }))
}

/// Puts `fresh` ticks into `ready`: a tick for an instrument (and mode) already waiting takes
/// that tick's place; the others queue at the end.
fn conflate(ready: &mut VecDeque<Tick>, fresh: Vec<Tick>) {
    let mut waiting: HashMap<(&InstrumentKey, SubscriptionMode), usize> =
        HashMap::with_capacity(ready.len());
    for (i, t) in ready.iter().enumerate() {
        waiting.insert((&t.instrument, t.mode()), i);
    }
    let mut replace = Vec::new();
    let mut append = Vec::new();
    for t in fresh {
        match waiting.get(&(&t.instrument, t.mode())) {
            Some(&i) => replace.push((i, t)),
            None => append.push(t),
        }
    }
    drop(waiting);
    for (i, t) in replace {
        ready[i] = t;
    }
    ready.extend(append);
}

impl State {
    /// The next group's ticks, made now.
    fn group(&mut self) -> Vec<Tick> {
        let now = self.clock.now_ms();
        let slice = self.slice;
        self.slice = (self.slice + 1) % self.slices;
        let slices = self.slices;
        self.scratch.clear();
        let n = self.ltp.len();
        let trading: Vec<(usize, InstrumentKey)> = self
            .ltp
            .iter()
            .enumerate()
            .filter(|(i, (_, k))| {
                slice_of(*i, n, slices) == slice && self.market.is_trading(k.exchange, now)
            })
            .map(|(_, e)| e.clone())
            .collect();
        self.market
            .ltp_ticks(&trading, now, &mut self.cache, &mut self.scratch);
        let mut out: Vec<Tick> = self.scratch.drain(..).collect();
        let n = self.rich.len();
        for (i, sub) in self.rich.iter().enumerate() {
            if slice_of(i, n, slices) == slice
                && self.market.is_trading(sub.instrument.exchange, now)
                && let Ok(t) = self.market.tick(&sub.instrument, now, sub.mode)
            {
                out.push(t);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{conflate, slice_of};
    use openalgo_core::market::{Tick, TickData};
    use openalgo_core::{Exchange, InstrumentKey, Price, Symbol};
    use std::collections::VecDeque;

    fn tick(symbol: &str, at: i64) -> Tick {
        Tick {
            instrument: InstrumentKey::new(Symbol::new(symbol).expect("symbol"), Exchange::Nse),
            ltp: Price::from_paise(at),
            ltt_ms: None,
            timestamp_ms: at,
            data: TickData::Ltp,
        }
    }

    #[test]
    fn a_late_group_replaces_the_waiting_ticks_of_its_instruments_in_place() {
        let mut ready: VecDeque<Tick> = [tick("A", 1), tick("B", 1), tick("C", 1)].into();
        conflate(&mut ready, vec![tick("B", 2), tick("D", 2), tick("A", 2)]);
        let got: Vec<(String, i64)> = ready
            .iter()
            .map(|t| (t.instrument.symbol.as_str().to_owned(), t.timestamp_ms))
            .collect();
        let want = [("A", 2), ("B", 2), ("C", 1), ("D", 2)];
        assert_eq!(
            got,
            want.map(|(s, t)| (s.to_owned(), t)).to_vec(),
            "the latest price of each instrument, in its first place; new ones at the end"
        );
    }

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
