//! The deterministic price model: every price is a pure function of (seed, instrument, time).
//!
//! Prices are integers counted in ticks. Minute boundaries follow a sum of value-noise octaves
//! (1 minute to ~11 days) around a reference price, so the path wanders like a market but never
//! drifts away. Within a minute the path runs open → first extreme → second extreme → close in
//! straight lines sampled every second, so the minute's high and low are attained exactly and
//! every candle can be aggregated from minute summaries without sampling seconds.

/// `splitmix64`: a fast, well-mixed 64-bit hash.
#[must_use]
pub(crate) const fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A uniform value in [-1, 1) from a hash.
fn unit(h: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let v = (h >> 11) as f64 / (1u64 << 53) as f64;
    v.mul_add(2.0, -1.0)
}

/// Octave lengths in minutes (4^k).
const OCTAVES: [i64; 9] = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536];

/// One instrument's random walk.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Walk {
    /// Hash key of this walk (seed and instrument).
    key: u64,
    /// Reference price in ticks.
    reference: f64,
    /// Daily volatility (fraction, e.g. 0.012).
    daily_vol: f64,
    /// Amplitude of each octave.
    amps: [f64; OCTAVES.len()],
}

/// Where a minute's two extremes sit: (second, price in ticks), first then second.
pub(crate) type Extremes = [(u32, i64); 2];

/// Open, high, low, close in ticks, and volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bar {
    pub(crate) open: i64,
    pub(crate) high: i64,
    pub(crate) low: i64,
    pub(crate) close: i64,
    pub(crate) volume: u64,
}

impl Bar {
    pub(crate) fn merge(self, next: Self) -> Self {
        Self {
            open: self.open,
            high: self.high.max(next.high),
            low: self.low.min(next.low),
            close: next.close,
            volume: self.volume + next.volume,
        }
    }
}

impl Walk {
    /// A walk around `reference` ticks with `daily_vol` daily volatility.
    pub(crate) fn new(key: u64, reference: f64, daily_vol: f64) -> Self {
        let mut amps = [0.0; OCTAVES.len()];
        for (a, &len) in amps.iter_mut().zip(OCTAVES.iter()) {
            #[allow(clippy::cast_precision_loss)]
            let scale = (len as f64 / 1440.0).sqrt();
            *a = daily_vol * scale * 0.9;
        }
        Self {
            key,
            reference,
            daily_vol,
            amps,
        }
    }

    /// Log-price offset at the start of minute `m`.
    fn offset(&self, m: i64) -> f64 {
        let mut x = 0.0;
        for (k, &len) in OCTAVES.iter().enumerate() {
            let cell = m.div_euclid(len);
            #[allow(clippy::cast_precision_loss)]
            let frac = m.rem_euclid(len) as f64 / len as f64;
            let salt = self.key ^ ((k as u64) << 56);
            #[allow(clippy::cast_sign_loss)]
            let a = unit(mix(salt ^ cell as u64));
            #[allow(clippy::cast_sign_loss)]
            let b = unit(mix(salt ^ (cell + 1) as u64));
            x += self.amps[k] * (b - a).mul_add(frac, a);
        }
        x
    }

    /// Price in ticks at the start of minute `m` (at least one tick).
    pub(crate) fn boundary(&self, m: i64) -> i64 {
        #[allow(clippy::cast_possible_truncation)]
        let ticks = (self.reference * self.offset(m).exp()).round() as i64;
        ticks.max(1)
    }

    /// The minute's summary: open and close are the boundaries; the extremes reach a little
    /// beyond them.
    pub(crate) fn minute(&self, m: i64) -> (Bar, Extremes) {
        let open = self.boundary(m);
        let close = self.boundary(m + 1);
        #[allow(clippy::cast_sign_loss)]
        let h = mix(self.key ^ 0xABCD ^ (m as u64));
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let reach = ((self.reference * self.daily_vol / 60.0).max(1.0)) as u64;
        #[allow(clippy::cast_possible_wrap)]
        let up = (h % (reach + 1)) as i64;
        #[allow(clippy::cast_possible_wrap)]
        let down = ((h >> 20) % (reach + 1)) as i64;
        let high = open.max(close) + up;
        let low = (open.min(close) - down).max(1);
        let first_at = 5 + u32::try_from((h >> 40) % 20).unwrap_or(0);
        let second_at = 30 + u32::try_from((h >> 48) % 25).unwrap_or(0);
        let extremes = if h & 1 == 0 {
            [(first_at, high), (second_at, low)]
        } else {
            [(first_at, low), (second_at, high)]
        };
        let volume = 100 + (h >> 8) % 5_000;
        (
            Bar {
                open,
                high,
                low,
                close,
                volume,
            },
            extremes,
        )
    }

    /// Price in ticks at second `s` (0–59) of minute `m`.
    pub(crate) fn at_second(&self, m: i64, s: u32) -> i64 {
        let (bar, extremes) = self.minute(m);
        interpolate(bar, extremes, s)
    }

    /// Summary of seconds `from..=to` of minute `m`.
    pub(crate) fn seconds(&self, m: i64, from: u32, to: u32) -> Bar {
        let (minute, extremes) = self.minute(m);
        seconds_bar(from, to, minute.volume, |s| {
            interpolate(minute, extremes, s)
        })
    }

    /// Summary of minutes `from..to` (exclusive end); `None` when empty.
    #[cfg(test)]
    pub(crate) fn minutes(&self, from: i64, to: i64) -> Option<Bar> {
        (from..to).map(|m| self.minute(m).0).reduce(Bar::merge)
    }
}

/// Summary of seconds `from..=to` given the price at each second and the minute's volume
/// (spread evenly over its seconds).
pub(crate) fn seconds_bar(
    from: u32,
    to: u32,
    minute_volume: u64,
    price_at: impl Fn(u32) -> i64,
) -> Bar {
    let first = price_at(from);
    let mut bar = Bar {
        open: first,
        high: first,
        low: first,
        close: first,
        volume: minute_volume * u64::from(to - from + 1) / 60,
    };
    for s in from + 1..=to {
        let p = price_at(s);
        bar.high = bar.high.max(p);
        bar.low = bar.low.min(p);
        bar.close = p;
    }
    bar
}

/// The price at second `s` of a minute with summary `bar` and its two extremes.
pub(crate) fn interpolate(bar: Bar, [(t1, v1), (t2, v2)]: Extremes, s: u32) -> i64 {
    let points = [(0, bar.open), (t1, v1), (t2, v2), (59, bar.close)];
    let mut i = 0;
    while i + 2 < points.len() && s > points[i + 1].0 {
        i += 1;
    }
    let ((ta, va), (tb, vb)) = (points[i], points[i + 1]);
    if tb == ta {
        return vb;
    }
    let span = i64::from(tb - ta);
    let along = i64::from(s.min(tb) - ta);
    // Rounded linear interpolation stays within [min(va, vb), max(va, vb)].
    va + ((vb - va) * along * 2 + span).div_euclid(span * 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn walk() -> Walk {
        Walk::new(42, 16_000.0, 0.015)
    }

    #[test]
    fn deterministic_and_continuous() {
        let w = walk();
        let m = 29_000_000;
        assert_eq!(w.boundary(m), walk().boundary(m));
        let (bar, _) = w.minute(m);
        assert_eq!(w.at_second(m, 0), bar.open);
        assert_eq!(w.at_second(m, 59), bar.close);
        assert_eq!(w.at_second(m + 1, 0), bar.close);
        // A day stays near the reference.
        let day = w.minutes(m, m + 1440).unwrap();
        assert!(day.low > 12_000 && day.high < 20_000, "{day:?}");
    }

    proptest! {
        #[test]
        fn seconds_stay_inside_and_reach_the_minute_extremes(m in 0i64..60_000_000) {
            let w = walk();
            let (bar, _) = w.minute(m);
            let secs = w.seconds(m, 0, 59);
            prop_assert_eq!((secs.open, secs.high, secs.low, secs.close), (bar.open, bar.high, bar.low, bar.close));
        }
    }
}
