//! The Kite ticker's binary format: frames of big-endian, length-prefixed packets of 8 (LTP),
//! 28/32 (index quote/full), 44 (quote) or 184 (full with depth) bytes. Prices are integers
//! divided by a per-segment divisor (`instrument_token & 0xFF`). Decoding is allocation-free;
//! [`RawTick::to_tick`] converts to the core [`Tick`].

use openalgo_core::broker::DepthLevel;
use openalgo_core::market::{MarketDepth, QuoteFields, Tick, TickData};
use openalgo_core::{InstrumentKey, Price};
use rust_decimal::Decimal;

/// Which packet a tick came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PacketKind {
    /// 8 bytes: token and last price.
    #[default]
    Ltp,
    /// 28 bytes: index quote.
    IndexQuote,
    /// 32 bytes: index quote and exchange time.
    IndexFull,
    /// 44 bytes: quote.
    Quote,
    /// 184 bytes: quote, OI, times and 5+5 depth levels.
    Full,
}

impl PacketKind {
    /// Packet length in bytes.
    #[must_use]
    pub const fn byte_len(self) -> usize {
        match self {
            Self::Ltp => 8,
            Self::IndexQuote => 28,
            Self::IndexFull => 32,
            Self::Quote => 44,
            Self::Full => 184,
        }
    }
}

/// One depth entry as sent: quantity, price (scaled integer), orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawLevel {
    /// Quantity.
    pub quantity: u32,
    /// Price, scaled by the segment's divisor.
    pub price: i32,
    /// Number of orders.
    pub orders: u16,
}

/// A decoded packet with Kite's integers (prices still scaled).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawTick {
    /// Packet kind.
    pub kind: PacketKind,
    /// Instrument token (low byte = segment).
    pub token: u32,
    /// Last price.
    pub last_price: i32,
    /// Last traded quantity.
    pub last_quantity: u32,
    /// Average traded price.
    pub average_price: i32,
    /// Volume today.
    pub volume: u32,
    /// Total buy quantity.
    pub total_buy: u32,
    /// Total sell quantity.
    pub total_sell: u32,
    /// Open.
    pub open: i32,
    /// High.
    pub high: i32,
    /// Low.
    pub low: i32,
    /// Previous close.
    pub close: i32,
    /// Index price change (index packets).
    pub change: i32,
    /// Last trade time, epoch seconds (full).
    pub last_trade_time: u32,
    /// Open interest (full).
    pub oi: u32,
    /// OI day high (full).
    pub oi_high: u32,
    /// OI day low (full).
    pub oi_low: u32,
    /// Exchange time, epoch seconds (full, index full).
    pub exchange_time: u32,
    /// Bids 0-4, offers 5-9 (full).
    pub depth: [RawLevel; 10],
}

/// Decimal places of a segment's prices: CDS ÷10⁷, BCD and NCO ÷10⁴, everything else ÷100.
#[must_use]
pub const fn price_scale(token: u32) -> u32 {
    match token & 0xFF {
        3 => 7,
        6 | 12 => 4,
        _ => 2,
    }
}

/// True for the indices segment (not tradable).
#[must_use]
pub const fn is_index_token(token: u32) -> bool {
    token & 0xFF == 9
}

#[inline]
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[inline]
fn i32_at(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Decodes one packet by its length; `None` for lengths the format does not define.
#[must_use]
#[inline]
pub fn decode_packet(p: &[u8]) -> Option<RawTick> {
    let kind = match p.len() {
        8 => PacketKind::Ltp,
        28 => PacketKind::IndexQuote,
        32 => PacketKind::IndexFull,
        44 => PacketKind::Quote,
        184 => PacketKind::Full,
        _ => return None,
    };
    let mut t = RawTick {
        kind,
        token: u32_at(p, 0),
        last_price: i32_at(p, 4),
        ..RawTick::default()
    };
    match kind {
        PacketKind::Ltp => {}
        PacketKind::IndexQuote | PacketKind::IndexFull => {
            t.high = i32_at(p, 8);
            t.low = i32_at(p, 12);
            t.open = i32_at(p, 16);
            t.close = i32_at(p, 20);
            t.change = i32_at(p, 24);
            if kind == PacketKind::IndexFull {
                t.exchange_time = u32_at(p, 28);
            }
        }
        PacketKind::Quote | PacketKind::Full => {
            t.last_quantity = u32_at(p, 8);
            t.average_price = i32_at(p, 12);
            t.volume = u32_at(p, 16);
            t.total_buy = u32_at(p, 20);
            t.total_sell = u32_at(p, 24);
            t.open = i32_at(p, 28);
            t.high = i32_at(p, 32);
            t.low = i32_at(p, 36);
            t.close = i32_at(p, 40);
            if kind == PacketKind::Full {
                t.last_trade_time = u32_at(p, 44);
                t.oi = u32_at(p, 48);
                t.oi_high = u32_at(p, 52);
                t.oi_low = u32_at(p, 56);
                t.exchange_time = u32_at(p, 60);
                for (i, level) in t.depth.iter_mut().enumerate() {
                    let at = 64 + i * 12;
                    *level = RawLevel {
                        quantity: u32_at(p, at),
                        price: i32_at(p, at + 4),
                        orders: u16::from_be_bytes([p[at + 8], p[at + 9]]),
                    };
                }
            }
        }
    }
    Some(t)
}

/// Calls `each` for every packet of a binary frame. Heartbeats (< 2 bytes) carry none; a
/// truncated frame stops at the last whole packet. Returns the number of packets decoded.
pub fn decode_frame(frame: &[u8], mut each: impl FnMut(RawTick)) -> usize {
    if frame.len() < 2 {
        return 0;
    }
    let count = usize::from(u16::from_be_bytes([frame[0], frame[1]]));
    let mut at = 2;
    let mut decoded = 0;
    for _ in 0..count {
        let Some(len_bytes) = frame.get(at..at + 2) else {
            break;
        };
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        let Some(packet) = frame.get(at + 2..at + 2 + len) else {
            break;
        };
        if let Some(t) = decode_packet(packet) {
            each(t);
            decoded += 1;
        }
        at += 2 + len;
    }
    decoded
}

/// Encodes packets into one frame (for the mock ticker and tests).
#[must_use]
pub fn encode_frame(ticks: &[RawTick]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(2 + ticks.iter().map(|t| 2 + t.kind.byte_len()).sum::<usize>());
    #[allow(clippy::cast_possible_truncation)]
    out.extend_from_slice(&(ticks.len() as u16).to_be_bytes());
    for t in ticks {
        #[allow(clippy::cast_possible_truncation)]
        out.extend_from_slice(&(t.kind.byte_len() as u16).to_be_bytes());
        encode_packet(t, &mut out);
    }
    out
}

fn encode_packet(t: &RawTick, out: &mut Vec<u8>) {
    let mut put = |v: [u8; 4]| out.extend_from_slice(&v);
    put(t.token.to_be_bytes());
    put(t.last_price.to_be_bytes());
    match t.kind {
        PacketKind::Ltp => {}
        PacketKind::IndexQuote | PacketKind::IndexFull => {
            for v in [t.high, t.low, t.open, t.close, t.change] {
                put(v.to_be_bytes());
            }
            if t.kind == PacketKind::IndexFull {
                put(t.exchange_time.to_be_bytes());
            }
        }
        PacketKind::Quote | PacketKind::Full => {
            put(t.last_quantity.to_be_bytes());
            put(t.average_price.to_be_bytes());
            for v in [t.volume, t.total_buy, t.total_sell] {
                put(v.to_be_bytes());
            }
            for v in [t.open, t.high, t.low, t.close] {
                put(v.to_be_bytes());
            }
            if t.kind == PacketKind::Full {
                for v in [
                    t.last_trade_time,
                    t.oi,
                    t.oi_high,
                    t.oi_low,
                    t.exchange_time,
                ] {
                    put(v.to_be_bytes());
                }
                for l in &t.depth {
                    put(l.quantity.to_be_bytes());
                    put(l.price.to_be_bytes());
                    let o = l.orders.to_be_bytes();
                    put([o[0], o[1], 0, 0]);
                }
            }
        }
    }
}

impl RawTick {
    /// A scaled integer price of this instrument's segment as a [`Price`].
    #[must_use]
    pub fn price(&self, raw: i32) -> Price {
        Price::new(Decimal::new(i64::from(raw), price_scale(self.token)))
    }

    /// The core tick for `instrument`; `now_ms` stamps packets without an exchange time.
    #[must_use]
    pub fn to_tick(&self, instrument: InstrumentKey, now_ms: i64) -> Tick {
        let quote = || QuoteFields {
            open: self.price(self.open),
            high: self.price(self.high),
            low: self.price(self.low),
            close: self.price(self.close),
            volume: u64::from(self.volume),
            average_price: self.price(self.average_price),
            last_quantity: u64::from(self.last_quantity),
            total_buy_quantity: u64::from(self.total_buy),
            total_sell_quantity: u64::from(self.total_sell),
            oi: u64::from(self.oi),
        };
        let data = match self.kind {
            PacketKind::Ltp => TickData::Ltp,
            PacketKind::IndexQuote | PacketKind::IndexFull | PacketKind::Quote => {
                TickData::Quote(quote())
            }
            PacketKind::Full => {
                let level = |l: &RawLevel| DepthLevel {
                    price: self.price(l.price),
                    quantity: u64::from(l.quantity),
                    orders: u32::from(l.orders),
                };
                TickData::Depth(
                    quote(),
                    MarketDepth {
                        buy: self.depth[..5].iter().map(level).collect(),
                        sell: self.depth[5..].iter().map(level).collect(),
                    },
                )
            }
        };
        Tick {
            instrument,
            ltp: self.price(self.last_price),
            ltt_ms: (self.last_trade_time > 0).then(|| i64::from(self.last_trade_time) * 1000),
            timestamp_ms: if self.exchange_time > 0 {
                i64::from(self.exchange_time) * 1000
            } else {
                now_ms
            },
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openalgo_core::{Exchange, Symbol};
    use rust_decimal_macros::dec;

    fn hex(text: &str) -> Vec<u8> {
        let t: String = text.split_whitespace().collect();
        (0..t.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&t[i..i + 2], 16).unwrap())
            .collect()
    }

    fn one(frame: &[u8]) -> RawTick {
        let mut got = Vec::new();
        assert_eq!(decode_frame(frame, |t| got.push(t)), 1);
        got[0]
    }

    #[test]
    fn documented_ltp_packet() {
        let t = one(&hex("0001 0008 00063a01 00026683"));
        assert_eq!(
            (t.kind, t.token, t.last_price),
            (PacketKind::Ltp, 408_065, 157_315)
        );
        assert_eq!(t.price(t.last_price), Price::new(dec!(1573.15)));
    }

    #[test]
    fn documented_quote_packet() {
        let frame = hex(
            "0001002c 00063a01 00026683 00000001 00026569 0011f1b2 0003e9ff 00058037 000264f3 0002673c 000261c9 0002646c",
        );
        let t = one(&frame);
        assert_eq!(t.kind, PacketKind::Quote);
        assert_eq!(
            (t.last_quantity, t.average_price, t.volume),
            (1, 157_033, 1_175_986)
        );
        assert_eq!((t.total_buy, t.total_sell), (256_511, 360_503));
        assert_eq!(
            (t.open, t.high, t.low, t.close),
            (156_915, 157_500, 156_105, 156_780)
        );
        assert_eq!(encode_frame(&[t]), frame);
        let key = InstrumentKey::new(Symbol::new("INFY").unwrap(), Exchange::Nse);
        let tick = t.to_tick(key, 5);
        let q = tick.quote().unwrap();
        assert_eq!(q.close, Price::new(dec!(1567.80)));
        assert_eq!(tick.timestamp_ms, 5);
    }

    #[test]
    fn documented_index_packet() {
        let frame = hex("0001001c 0003e909 00256287 00258960 00253b40 00254ec8 00255a99 000007ee");
        let t = one(&frame);
        assert_eq!(t.kind, PacketKind::IndexQuote);
        assert!(is_index_token(t.token));
        assert_eq!(t.price(t.last_price), Price::new(dec!(24500.55)));
        assert_eq!(t.price(t.high), Price::new(dec!(24600)));
        assert_eq!(t.price(t.low), Price::new(dec!(24400)));
        assert_eq!(t.price(t.open), Price::new(dec!(24450)));
        assert_eq!(t.price(t.close), Price::new(dec!(24480.25)));
        assert_eq!(t.price(t.change), Price::new(dec!(20.30)));
        assert_eq!(encode_frame(&[t]), frame);
    }

    #[test]
    fn divisors_per_segment() {
        let t = |token| RawTick {
            token,
            ..RawTick::default()
        };
        assert_eq!(t(3).price(832_525_000), Price::new(dec!(83.2525)));
        assert_eq!(t((7 << 8) | 6).price(832_525), Price::new(dec!(83.2525)));
        assert_eq!(t((7 << 8) | 12).price(832_525), Price::new(dec!(83.2525)));
        for seg in [1, 2, 4, 5, 7, 8, 9] {
            assert_eq!(t((99 << 8) | seg).price(157_315), Price::new(dec!(1573.15)));
        }
        assert_eq!(t(1).price(-5), Price::new(dec!(-0.05)));
    }

    #[test]
    fn full_and_index_full_round_trip_and_mixed_frames() {
        let mut full = RawTick {
            kind: PacketKind::Full,
            token: 408_065,
            last_price: 157_315,
            last_quantity: 3,
            average_price: 157_000,
            volume: 9,
            total_buy: 10,
            total_sell: 11,
            open: 1,
            high: 2,
            low: 3,
            close: 4,
            last_trade_time: 1_700_000_000,
            oi: 55,
            oi_high: 66,
            oi_low: 44,
            exchange_time: 1_700_000_001,
            ..RawTick::default()
        };
        for (i, l) in full.depth.iter_mut().enumerate() {
            let i = u32::try_from(i).unwrap();
            *l = RawLevel {
                quantity: 100 + i,
                price: 157_300 + i32::try_from(i).unwrap(),
                orders: 1 + u16::try_from(i).unwrap(),
            };
        }
        let index_full = RawTick {
            kind: PacketKind::IndexFull,
            token: 256_265,
            last_price: 2_450_055,
            exchange_time: 1_700_000_002,
            ..RawTick::default()
        };
        let ltp = RawTick {
            kind: PacketKind::Ltp,
            token: 3,
            last_price: 1,
            ..RawTick::default()
        };
        let frame = encode_frame(&[full, index_full, ltp]);
        assert_eq!(frame.len(), 2 + 2 + 184 + 2 + 32 + 2 + 8);
        let mut got = Vec::new();
        assert_eq!(decode_frame(&frame, |t| got.push(t)), 3);
        assert_eq!(got, [full, index_full, ltp]);
        let key = InstrumentKey::new(Symbol::new("INFY").unwrap(), Exchange::Nse);
        let tick = got[0].to_tick(key, 0);
        let d = tick.depth().unwrap();
        assert_eq!(d.buy.len(), 5);
        assert_eq!(d.sell[0].price, Price::new(dec!(1573.05)));
        assert_eq!(d.sell[0].orders, 6);
        assert_eq!(tick.quote().unwrap().oi, 55);
        assert_eq!(tick.ltt_ms, Some(1_700_000_000_000));
        assert_eq!(tick.timestamp_ms, 1_700_000_001_000);
    }

    #[test]
    fn heartbeats_truncation_and_unknown_lengths() {
        assert_eq!(decode_frame(&[0], |_| panic!()), 0);
        assert_eq!(decode_frame(&[], |_| panic!()), 0);
        // Claims two packets, carries one and a half.
        let mut f = hex("0002 0008 00063a01 00026683 0008 0006");
        assert_eq!(decode_frame(&f, |_| {}), 1);
        // A 12-byte packet is skipped, the LTP after it still read.
        f = hex("0002 000c 000000000000000000000000 0008 00063a01 00026683");
        let mut got = Vec::new();
        assert_eq!(decode_frame(&f, |t| got.push(t)), 1);
        assert_eq!(got[0].token, 408_065);
    }
}
