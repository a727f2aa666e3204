//! The simulator's tick stream: every `period`, one tick per subscription whose segment is
//! trading, at the clock's current instant.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use openalgo_core::broker::{EventStream, Subscription};
use openalgo_core::market::{MarketEvent, SubscriptionMode, Tick};

use super::market::{SimMarket, TickCache};
use crate::clock::Clock;

struct State {
    market: Arc<SimMarket>,
    clock: Arc<dyn Clock>,
    interval: tokio::time::Interval,
    ltp: Vec<(usize, openalgo_core::InstrumentKey)>,
    rich: Vec<Subscription>,
    cache: TickCache,
    ready: VecDeque<Tick>,
    scratch: Vec<Tick>,
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
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let state = State {
        market,
        clock,
        interval,
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
            st.interval.tick().await;
            let now = st.clock.now_ms();
            st.scratch.clear();
            let trading: Vec<(usize, openalgo_core::InstrumentKey)> = st
                .ltp
                .iter()
                .filter(|(_, k)| st.market.is_trading(k.exchange, now))
                .cloned()
                .collect();
            st.market
                .ltp_ticks(&trading, now, &mut st.cache, &mut st.scratch);
            st.ready.extend(st.scratch.drain(..));
            for sub in &st.rich {
                if st.market.is_trading(sub.instrument.exchange, now) {
                    if let Ok(t) = st.market.tick(&sub.instrument, now, sub.mode) {
                        st.ready.push_back(t);
                    }
                }
            }
        }
    }))
}
