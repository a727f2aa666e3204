//! What a broker offers: exchanges, intervals, depth levels and optional features.

use crate::{Exchange, Interval};

/// A broker's static capabilities, reported by [`super::Broker::capabilities`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// Exchanges the broker trades or quotes.
    pub exchanges: Vec<Exchange>,
    /// Candle intervals `history` serves (what `/intervals` lists).
    pub intervals: Vec<Interval>,
    /// Market-depth levels the stream and `depth` can provide (5 at least).
    pub depth_levels: Vec<u8>,
    /// Whether `subscribe` streams ticks.
    pub streaming: bool,
    /// Whether the broker has a margin calculator.
    pub margin_calculator: bool,
}

impl Capabilities {
    /// True when the broker lists `exchange`.
    #[must_use]
    pub fn supports_exchange(&self, exchange: Exchange) -> bool {
        self.exchanges.contains(&exchange)
    }

    /// True when `history` serves `interval`.
    #[must_use]
    pub fn supports_interval(&self, interval: Interval) -> bool {
        self.intervals.contains(&interval)
    }
}
