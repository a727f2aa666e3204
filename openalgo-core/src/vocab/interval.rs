//! History / ticker candle intervals (rest-api §2.5).

use super::wire_enum;

wire_enum! {
    /// A candle interval, with the reference's exact, case-sensitive spellings.
    pub enum Interval("interval") {
        /// 1 second.
        S1 = "1s",
        /// 5 seconds.
        S5 = "5s",
        /// 10 seconds.
        S10 = "10s",
        /// 15 seconds.
        S15 = "15s",
        /// 30 seconds.
        S30 = "30s",
        /// 45 seconds.
        S45 = "45s",
        /// 1 minute.
        M1 = "1m",
        /// 2 minutes.
        M2 = "2m",
        /// 3 minutes.
        M3 = "3m",
        /// 5 minutes.
        M5 = "5m",
        /// 10 minutes.
        M10 = "10m",
        /// 15 minutes.
        M15 = "15m",
        /// 20 minutes.
        M20 = "20m",
        /// 30 minutes.
        M30 = "30m",
        /// 1 hour.
        H1 = "1h",
        /// 2 hours.
        H2 = "2h",
        /// 3 hours.
        H3 = "3h",
        /// 4 hours.
        H4 = "4h",
        /// 1 trading day.
        Day = "D",
        /// 1 week.
        Week = "W",
        /// 1 month.
        Month = "M",
        /// 1 quarter.
        Quarter = "Q",
        /// 1 year.
        Year = "Y",
    }
}

impl Interval {
    /// Length in seconds of an intraday interval; `None` for daily or longer.
    #[must_use]
    pub const fn intraday_seconds(self) -> Option<u32> {
        Some(match self {
            Self::S1 => 1,
            Self::S5 => 5,
            Self::S10 => 10,
            Self::S15 => 15,
            Self::S30 => 30,
            Self::S45 => 45,
            Self::M1 => 60,
            Self::M2 => 120,
            Self::M3 => 180,
            Self::M5 => 300,
            Self::M10 => 600,
            Self::M15 => 900,
            Self::M20 => 1200,
            Self::M30 => 1800,
            Self::H1 => 3600,
            Self::H2 => 7200,
            Self::H3 => 10800,
            Self::H4 => 14400,
            Self::Day | Self::Week | Self::Month | Self::Quarter | Self::Year => return None,
        })
    }

    /// True for `D` and longer, whose timestamps are dates rather than instants.
    #[must_use]
    pub const fn is_daily_or_longer(self) -> bool {
        self.intraday_seconds().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_in_reference_order() {
        let wire: Vec<&str> = Interval::ALL.iter().map(|i| i.as_str()).collect();
        assert_eq!(
            wire.join(", "),
            "1s, 5s, 10s, 15s, 30s, 45s, 1m, 2m, 3m, 5m, 10m, 15m, 20m, 30m, 1h, 2h, 3h, 4h, D, W, M, Q, Y"
        );
        for i in Interval::ALL {
            assert_eq!(i.as_str().parse::<Interval>(), Ok(*i));
        }
        assert!("d".parse::<Interval>().is_err());
        assert!("60m".parse::<Interval>().is_err());
        assert!("1H".parse::<Interval>().is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(Interval::M5.intraday_seconds(), Some(300));
        assert_eq!(Interval::H4.intraday_seconds(), Some(14_400));
        assert!(Interval::Day.is_daily_or_longer());
        assert!(!Interval::S1.is_daily_or_longer());
    }
}
