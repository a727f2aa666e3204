//! The intraday window of a webhook strategy: entries between `start` and `end`, exits from
//! `start` up to `square_off`, when open positions are flattened. Times are IST wall-clock.

use chrono::{NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use super::strategy::StrategyError;

/// An intraday strategy's times, validated: market hours 09:15–15:30 and
/// `start < end <= square_off` (the reference intends this but does not enforce it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawWindow", into = "RawWindow")]
pub struct TradingWindow {
    start: NaiveTime,
    end: NaiveTime,
    square_off: NaiveTime,
}

#[derive(Serialize, Deserialize)]
struct RawWindow {
    start: NaiveTime,
    end: NaiveTime,
    square_off: NaiveTime,
}

impl TryFrom<RawWindow> for TradingWindow {
    type Error = StrategyError;

    fn try_from(r: RawWindow) -> Result<Self, Self::Error> {
        Self::new(r.start, r.end, r.square_off)
    }
}

impl From<TradingWindow> for RawWindow {
    fn from(w: TradingWindow) -> Self {
        Self {
            start: w.start,
            end: w.end,
            square_off: w.square_off,
        }
    }
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

impl TradingWindow {
    /// The market's regular session on NSE/BSE (IST).
    #[must_use]
    pub fn market_hours() -> (NaiveTime, NaiveTime) {
        (hm(9, 15), hm(15, 30))
    }

    /// The reference UI's defaults: entries 09:15–15:00, square-off 15:15.
    #[must_use]
    pub fn default_times() -> Self {
        Self {
            start: hm(9, 15),
            end: hm(15, 0),
            square_off: hm(15, 15),
        }
    }

    /// A window; seconds are dropped.
    ///
    /// # Errors
    /// [`StrategyError::Window`] unless 09:15 ≤ start < end ≤ square-off ≤ 15:30.
    pub fn new(
        start: NaiveTime,
        end: NaiveTime,
        square_off: NaiveTime,
    ) -> Result<Self, StrategyError> {
        let minute = |t: NaiveTime| {
            t.with_second(0)
                .and_then(|t| t.with_nanosecond(0))
                .unwrap_or(t)
        };
        let (start, end, square_off) = (minute(start), minute(end), minute(square_off));
        let (open, close) = Self::market_hours();
        let bad = |why: &str| Err(StrategyError::Window(why.to_owned()));
        if start < open || square_off > close {
            return bad("times must be within market hours 09:15–15:30 (IST)");
        }
        if start >= end {
            return bad("the start time must be before the end time");
        }
        if end > square_off {
            return bad("the end time must not be after the square-off time");
        }
        Ok(Self {
            start,
            end,
            square_off,
        })
    }

    /// When entries and exits start.
    #[must_use]
    pub const fn start(&self) -> NaiveTime {
        self.start
    }

    /// When entries stop.
    #[must_use]
    pub const fn end(&self) -> NaiveTime {
        self.end
    }

    /// When open positions are flattened and exits stop.
    #[must_use]
    pub const fn square_off(&self) -> NaiveTime {
        self.square_off
    }

    /// Whether an entry is allowed at `now` (start ≤ now < end).
    #[must_use]
    pub fn entry_allowed(&self, now: NaiveTime) -> bool {
        self.start <= now && now < self.end
    }

    /// Whether an exit is allowed at `now` (start ≤ now < square-off).
    #[must_use]
    pub fn exit_allowed(&self, now: NaiveTime) -> bool {
        self.start <= now && now < self.square_off
    }
}
