//! The DhanHQ live market feed v2 binary format (little-endian). Every packet starts with an
//! 8-byte response header — byte 0 the response code, bytes 1-2 the packet length (u16,
//! header included), byte 3 the exchange segment (the feed's numeric enum), bytes 4-7 the
//! security id (u32) — then its payload; a WebSocket message may carry several packets back to
//! back. Layouts (offsets from the packet start, as the `dhanhq` SDK unpacks them):
//!
//! | code | packet | bytes | payload |
//! |---|---|---|---|
//! | 2 | ticker | 16 | f32 LTP @8, u32 LTT @12 |
//! | 4 | quote | 50 | f32 LTP @8, u16 LTQ @12, u32 LTT @14, f32 ATP @18, u32 volume @22, u32 total sell @26, u32 total buy @30, f32 open @34, close @38, high @42, low @46 |
//! | 5 | OI | 12 | u32 OI @8 |
//! | 6 | previous close | 16 | f32 previous close @8, u32 previous OI @12 |
//! | 7 | market status | 8 | — |
//! | 8 | full | 162 | quote fields up to total buy (@8..34), u32 OI @34, OI high @38, OI low @42, f32 open @46, close @50, high @54, low @58, then 5 × 20-byte depth @62: u32 bid qty, u32 ask qty, u16 bid orders, u16 ask orders, f32 bid price, f32 ask price |
//! | 50 | disconnect | 10 | u16 reason @8 (805 too many connections, 806 data APIs not subscribed, 807 token expired, 808 invalid client id, 809 authentication failed) |
//!
//! Decoding ([`decode_frame`], [`decode_packet`]) is allocation-free and keeps the wire's
//! float32 values. **Prices become decimals once**, in [`wire_price`]: the shortest decimal
//! that reads back as the same float32 (Rust's `Display` of `f32`, written into a stack
//! buffer). So the float32 nearest 1573.15 (exactly 1573.1500244140625) becomes 1573.15 and a
//! currency price 83.2525 stays 83.2525. The reference passes the widened double on
//! (1573.1500244140625) and the SDK prints two decimals (`{:.2f}`, which would turn 83.2525
//! into 83.25); neither is used. Non-finite floats read as zero.

use std::fmt::Write;

use openalgo_core::broker::DepthLevel;
use openalgo_core::market::{MarketDepth, QuoteFields, Tick, TickData};
use openalgo_core::{InstrumentKey, Price};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

/// Which packet a header announces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PacketKind {
    /// 2: LTP and last trade time.
    #[default]
    Ticker,
    /// 4: quote.
    Quote,
    /// 5: open interest.
    Oi,
    /// 6: previous close and previous OI.
    PrevClose,
    /// 7: market status.
    MarketStatus,
    /// 8: quote, OI and 5 depth levels.
    Full,
    /// 50: the server is closing the connection.
    Disconnect,
}

impl PacketKind {
    /// The response code on the wire.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Ticker => 2,
            Self::Quote => 4,
            Self::Oi => 5,
            Self::PrevClose => 6,
            Self::MarketStatus => 7,
            Self::Full => 8,
            Self::Disconnect => 50,
        }
    }

    /// The kind of a response code.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            2 => Self::Ticker,
            4 => Self::Quote,
            5 => Self::Oi,
            6 => Self::PrevClose,
            7 => Self::MarketStatus,
            8 => Self::Full,
            50 => Self::Disconnect,
            _ => return None,
        })
    }

    /// Packet length in bytes, header included.
    #[must_use]
    pub const fn byte_len(self) -> usize {
        match self {
            Self::Ticker | Self::PrevClose => 16,
            Self::Quote => 50,
            Self::Oi => 12,
            Self::MarketStatus => 8,
            Self::Full => 162,
            Self::Disconnect => 10,
        }
    }
}

/// One depth level of a full packet: both sides at one rank.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RawLevel {
    /// Bid quantity.
    pub bid_quantity: u32,
    /// Ask quantity.
    pub ask_quantity: u32,
    /// Bid orders.
    pub bid_orders: u16,
    /// Ask orders.
    pub ask_orders: u16,
    /// Bid price (wire float32).
    pub bid_price: f32,
    /// Ask price (wire float32).
    pub ask_price: f32,
}

/// A decoded packet with the wire's values (prices still float32).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RawPacket {
    /// Packet kind.
    pub kind: PacketKind,
    /// Exchange segment (the feed's numeric enum).
    pub segment: u8,
    /// Security id.
    pub security_id: u32,
    /// Last traded price.
    pub ltp: f32,
    /// Last traded quantity.
    pub ltq: u16,
    /// Last trade time, epoch seconds.
    pub ltt: u32,
    /// Average traded price.
    pub atp: f32,
    /// Volume today.
    pub volume: u32,
    /// Total sell quantity.
    pub total_sell: u32,
    /// Total buy quantity.
    pub total_buy: u32,
    /// Open interest (OI and full packets).
    pub oi: u32,
    /// OI day high (full).
    pub oi_high: u32,
    /// OI day low (full).
    pub oi_low: u32,
    /// Day open.
    pub open: f32,
    /// Day close (quote, full).
    pub close: f32,
    /// Day high.
    pub high: f32,
    /// Day low.
    pub low: f32,
    /// Previous close (previous-close packet).
    pub prev_close: f32,
    /// Previous OI (previous-close packet).
    pub prev_oi: u32,
    /// Five depth levels (full).
    pub depth: [RawLevel; 5],
    /// Disconnect reason (disconnect packet).
    pub reason: u16,
}

#[inline]
fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

#[inline]
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[inline]
fn f32_at(b: &[u8], at: usize) -> f32 {
    f32::from_bits(u32_at(b, at))
}

/// Decodes one packet (header included); `None` for an unknown code or a packet shorter than
/// its layout.
#[must_use]
#[inline]
pub fn decode_packet(p: &[u8]) -> Option<RawPacket> {
    let kind = PacketKind::from_code(*p.first()?)?;
    if p.len() < kind.byte_len() {
        return None;
    }
    let mut t = RawPacket {
        kind,
        segment: p[3],
        security_id: u32_at(p, 4),
        ..RawPacket::default()
    };
    match kind {
        PacketKind::Ticker => {
            t.ltp = f32_at(p, 8);
            t.ltt = u32_at(p, 12);
        }
        PacketKind::Quote | PacketKind::Full => {
            t.ltp = f32_at(p, 8);
            t.ltq = u16_at(p, 12);
            t.ltt = u32_at(p, 14);
            t.atp = f32_at(p, 18);
            t.volume = u32_at(p, 22);
            t.total_sell = u32_at(p, 26);
            t.total_buy = u32_at(p, 30);
            let ohlc_at = if kind == PacketKind::Full {
                t.oi = u32_at(p, 34);
                t.oi_high = u32_at(p, 38);
                t.oi_low = u32_at(p, 42);
                46
            } else {
                34
            };
            t.open = f32_at(p, ohlc_at);
            t.close = f32_at(p, ohlc_at + 4);
            t.high = f32_at(p, ohlc_at + 8);
            t.low = f32_at(p, ohlc_at + 12);
            if kind == PacketKind::Full {
                for (i, level) in t.depth.iter_mut().enumerate() {
                    let at = 62 + i * 20;
                    *level = RawLevel {
                        bid_quantity: u32_at(p, at),
                        ask_quantity: u32_at(p, at + 4),
                        bid_orders: u16_at(p, at + 8),
                        ask_orders: u16_at(p, at + 10),
                        bid_price: f32_at(p, at + 12),
                        ask_price: f32_at(p, at + 16),
                    };
                }
            }
        }
        PacketKind::Oi => t.oi = u32_at(p, 8),
        PacketKind::PrevClose => {
            t.prev_close = f32_at(p, 8);
            t.prev_oi = u32_at(p, 12);
        }
        PacketKind::MarketStatus => {}
        PacketKind::Disconnect => t.reason = u16_at(p, 8),
    }
    Some(t)
}

/// Calls `each` for every packet of a binary message, walking the headers' lengths. A
/// truncated or zero-length packet ends the message; unknown codes are skipped. Returns the
/// number of packets decoded.
pub fn decode_frame(frame: &[u8], mut each: impl FnMut(RawPacket)) -> usize {
    let mut at = 0;
    let mut decoded = 0;
    while let Some(header) = frame.get(at..at + 8) {
        let len = usize::from(u16_at(header, 1));
        if len < 8 {
            break;
        }
        let Some(packet) = frame.get(at..at + len) else {
            break;
        };
        if let Some(t) = decode_packet(packet) {
            each(t);
            decoded += 1;
        }
        at += len;
    }
    decoded
}

/// Appends one packet in its wire layout (for the mock feed and tests).
pub fn encode_packet(t: &RawPacket, out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + t.kind.byte_len(), 0);
    let p = &mut out[start..];
    let mut put = |at: usize, bytes: &[u8]| p[at..at + bytes.len()].copy_from_slice(bytes);
    put(0, &[t.kind.code()]);
    #[allow(clippy::cast_possible_truncation)]
    put(1, &(t.kind.byte_len() as u16).to_le_bytes());
    put(3, &[t.segment]);
    put(4, &t.security_id.to_le_bytes());
    match t.kind {
        PacketKind::Ticker => {
            put(8, &t.ltp.to_le_bytes());
            put(12, &t.ltt.to_le_bytes());
        }
        PacketKind::Quote | PacketKind::Full => {
            put(8, &t.ltp.to_le_bytes());
            put(12, &t.ltq.to_le_bytes());
            put(14, &t.ltt.to_le_bytes());
            put(18, &t.atp.to_le_bytes());
            put(22, &t.volume.to_le_bytes());
            put(26, &t.total_sell.to_le_bytes());
            put(30, &t.total_buy.to_le_bytes());
            let ohlc_at = if t.kind == PacketKind::Full {
                put(34, &t.oi.to_le_bytes());
                put(38, &t.oi_high.to_le_bytes());
                put(42, &t.oi_low.to_le_bytes());
                46
            } else {
                34
            };
            for (i, v) in [t.open, t.close, t.high, t.low].iter().enumerate() {
                put(ohlc_at + 4 * i, &v.to_le_bytes());
            }
            if t.kind == PacketKind::Full {
                for (i, l) in t.depth.iter().enumerate() {
                    let at = 62 + i * 20;
                    put(at, &l.bid_quantity.to_le_bytes());
                    put(at + 4, &l.ask_quantity.to_le_bytes());
                    put(at + 8, &l.bid_orders.to_le_bytes());
                    put(at + 10, &l.ask_orders.to_le_bytes());
                    put(at + 12, &l.bid_price.to_le_bytes());
                    put(at + 16, &l.ask_price.to_le_bytes());
                }
            }
        }
        PacketKind::Oi => put(8, &t.oi.to_le_bytes()),
        PacketKind::PrevClose => {
            put(8, &t.prev_close.to_le_bytes());
            put(12, &t.prev_oi.to_le_bytes());
        }
        PacketKind::MarketStatus => {}
        PacketKind::Disconnect => put(8, &t.reason.to_le_bytes()),
    }
}

/// A fixed stack buffer for one float's text.
struct Buf {
    bytes: [u8; 64],
    len: usize,
}

impl Write for Buf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The fast path of [`wire_price`]: the 2-decimal (|v| < 65 536) or 4-decimal (|v| < 512)
/// number nearest the float, when it reads back as the same float32. Below those bounds a
/// float32's rounding interval is narrower than 0.01 (0.0001), so that number is the only one
/// with as few decimals in it — the shortest representation's value.
#[allow(clippy::cast_possible_truncation)]
fn few_decimals(value: f32) -> Option<Decimal> {
    let v = f64::from(value);
    for (scale, factor, bound) in [(2, 100.0, 65_536.0), (4, 10_000.0, 512.0)] {
        if v.abs() < bound {
            let units = (v * factor).round();
            if (units / factor) as f32 == value {
                return Some(Decimal::new(units as i64, scale));
            }
        }
    }
    None
}

/// The decimal of a wire float32: the shortest decimal that reads back as the same float32
/// (see the module notes); zero for NaN and infinities. Allocation-free.
#[must_use]
pub fn wire_price(value: f32) -> Price {
    if !value.is_finite() {
        return Price::ZERO;
    }
    if let Some(d) = few_decimals(value) {
        return Price::new(d.normalize());
    }
    shortest(value)
}

/// The general path: Rust's shortest round-trip text of the float, parsed.
fn shortest(value: f32) -> Price {
    let mut buf = Buf {
        bytes: [0; 64],
        len: 0,
    };
    let parsed = write!(buf, "{value}")
        .ok()
        .and_then(|()| std::str::from_utf8(&buf.bytes[..buf.len]).ok())
        .and_then(|text| Decimal::from_str_exact(text).ok());
    // Beyond the buffer (|value| ≥ 1e63, never a price) the bits are converted directly.
    Price::new(
        parsed
            .or_else(|| Decimal::from_f32(value))
            .unwrap_or_default()
            .normalize(),
    )
}

impl RawPacket {
    /// The core tick for `instrument` (ticker, quote and full packets; `None` for the others);
    /// `now_ms` stamps it (Dhan's packets carry only the last trade time).
    #[must_use]
    pub fn to_tick(&self, instrument: InstrumentKey, now_ms: i64) -> Option<Tick> {
        let quote = || QuoteFields {
            open: wire_price(self.open),
            high: wire_price(self.high),
            low: wire_price(self.low),
            close: wire_price(self.close),
            volume: u64::from(self.volume),
            average_price: wire_price(self.atp),
            last_quantity: u64::from(self.ltq),
            total_buy_quantity: u64::from(self.total_buy),
            total_sell_quantity: u64::from(self.total_sell),
            oi: u64::from(self.oi),
        };
        let data = match self.kind {
            PacketKind::Ticker => TickData::Ltp,
            PacketKind::Quote => TickData::Quote(quote()),
            PacketKind::Full => {
                let side = |bid: bool| {
                    self.depth
                        .iter()
                        .map(|l| DepthLevel {
                            price: wire_price(if bid { l.bid_price } else { l.ask_price }),
                            quantity: u64::from(if bid { l.bid_quantity } else { l.ask_quantity }),
                            orders: u32::from(if bid { l.bid_orders } else { l.ask_orders }),
                        })
                        .collect()
                };
                TickData::Depth(
                    quote(),
                    MarketDepth {
                        buy: side(true),
                        sell: side(false),
                    },
                )
            }
            _ => return None,
        };
        Some(Tick {
            instrument,
            ltp: wire_price(self.ltp),
            ltt_ms: (self.ltt > 0).then(|| i64::from(self.ltt) * 1000),
            timestamp_ms: now_ms,
            data,
        })
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

    fn one(frame: &[u8]) -> RawPacket {
        let mut got = Vec::new();
        assert_eq!(decode_frame(frame, |t| got.push(t)), 1);
        got[0]
    }

    #[test]
    fn ticker_packet_from_bytes() {
        // code 2, length 16, NSE_EQ (1), security 1333, LTP 1573.15f32 (0x44c4a4cd), LTT.
        let bytes = hex("02 1000 01 35050000 cda4c444 00f1536f");
        let t = one(&bytes);
        assert_eq!(
            (t.kind, t.segment, t.security_id),
            (PacketKind::Ticker, 1, 1333)
        );
        assert_eq!(wire_price(t.ltp), Price::new(dec!(1573.15)));
        assert_eq!(t.ltt, 0x6f53_f100);
        let mut out = Vec::new();
        encode_packet(&t, &mut out);
        assert_eq!(out, bytes);
    }

    #[test]
    fn quote_full_and_other_packets_round_trip_in_one_message() {
        let mut full = RawPacket {
            kind: PacketKind::Full,
            segment: 2,
            security_id: 35001,
            ltp: 210.5,
            ltq: 75,
            ltt: 1_700_000_000,
            atp: 209.75,
            volume: 123_456,
            total_sell: 7,
            total_buy: 8,
            oi: 55,
            oi_high: 66,
            oi_low: 44,
            open: 200.0,
            close: 201.25,
            high: 215.0,
            low: 199.5,
            ..RawPacket::default()
        };
        for (i, l) in full.depth.iter_mut().enumerate() {
            let k = u16::try_from(i).unwrap();
            *l = RawLevel {
                bid_quantity: 100 + u32::from(k),
                ask_quantity: 200 + u32::from(k),
                bid_orders: 1 + k,
                ask_orders: 2 + k,
                bid_price: 210.45 - f32::from(k) * 0.05,
                ask_price: 210.55 + f32::from(k) * 0.05,
            };
        }
        let quote = RawPacket {
            kind: PacketKind::Quote,
            segment: 3,
            security_id: 8001,
            ltp: 83.2525,
            close: 83.1,
            ..RawPacket::default()
        };
        let others = [
            RawPacket {
                kind: PacketKind::Oi,
                segment: 2,
                security_id: 35001,
                oi: 9,
                ..RawPacket::default()
            },
            RawPacket {
                kind: PacketKind::PrevClose,
                segment: 1,
                security_id: 1,
                prev_close: 99.95,
                prev_oi: 3,
                ..RawPacket::default()
            },
            RawPacket {
                kind: PacketKind::MarketStatus,
                segment: 0,
                security_id: 0,
                ..RawPacket::default()
            },
            RawPacket {
                kind: PacketKind::Disconnect,
                segment: 0,
                security_id: 0,
                reason: 807,
                ..RawPacket::default()
            },
        ];
        let mut frame = Vec::new();
        encode_packet(&full, &mut frame);
        encode_packet(&quote, &mut frame);
        for o in &others {
            encode_packet(o, &mut frame);
        }
        assert_eq!(frame.len(), 162 + 50 + 12 + 16 + 8 + 10);
        // The documented offsets: the full packet's OI at 34, open at 46, first bid price at 74.
        assert_eq!(u32::from_le_bytes(frame[34..38].try_into().unwrap()), 55);
        assert_eq!(f32::from_le_bytes(frame[46..50].try_into().unwrap()), 200.0);
        assert_eq!(
            f32::from_le_bytes(frame[74..78].try_into().unwrap()),
            210.45
        );
        let mut got = Vec::new();
        assert_eq!(decode_frame(&frame, |t| got.push(t)), 6);
        assert_eq!(got[0], full);
        assert_eq!(got[1], quote);
        assert_eq!(&got[2..], &others);
        let key = InstrumentKey::new(Symbol::new("NIFTY30DEC2526000CE").unwrap(), Exchange::Nfo);
        let tick = got[0].to_tick(key.clone(), 7).unwrap();
        assert_eq!(tick.ltp, Price::new(dec!(210.5)));
        assert_eq!(tick.ltt_ms, Some(1_700_000_000_000));
        let d = tick.depth().unwrap();
        assert_eq!(d.buy[0].price, Price::new(dec!(210.45)));
        assert_eq!(d.sell[4].price, Price::new(dec!(210.75)));
        assert_eq!((d.buy[4].quantity, d.sell[0].orders), (104, 2));
        assert_eq!(tick.quote().unwrap().oi, 55);
        assert_eq!(
            tick.quote().unwrap().average_price,
            Price::new(dec!(209.75))
        );
        let q = got[1].to_tick(key.clone(), 7).unwrap();
        assert_eq!(q.ltp, Price::new(dec!(83.2525)));
        assert!(got[2].to_tick(key, 7).is_none());
        assert_eq!(got[5].reason, 807);
    }

    #[test]
    fn truncated_unknown_and_odd_packets() {
        assert_eq!(decode_frame(&[], |_| panic!()), 0);
        assert_eq!(decode_frame(&[2, 16, 0], |_| panic!()), 0);
        // Declares 16 bytes, carries 12.
        assert_eq!(
            decode_frame(&hex("02 1000 01 35050000 cda4c444"), |_| panic!()),
            0
        );
        // A zero length stops the walk instead of looping.
        assert_eq!(decode_frame(&hex("02 0000 01 35050000"), |_| panic!()), 0);
        // Unknown code 99 (12 bytes) skipped, the ticker after it read.
        let f = hex("63 0c00 01 01000000 00000000 02 1000 01 35050000 cda4c444 00000000");
        let mut got = Vec::new();
        assert_eq!(decode_frame(&f, |t| got.push(t)), 1);
        assert_eq!(got[0].security_id, 1333);
        // A quote header on a ticker-sized packet is too short for its layout.
        assert!(decode_packet(&hex("04 1000 01 35050000 cda4c444 00000000")).is_none());
        assert_eq!(wire_price(f32::NAN), Price::ZERO);
        assert_eq!(wire_price(-0.05), Price::new(dec!(-0.05)));
        assert_eq!(wire_price(24_500.55), Price::new(dec!(24500.55)));
        assert_eq!(wire_price(1e20), Price::new(dec!(100000000000000000000)));
    }

    #[test]
    fn the_fast_path_agrees_with_the_shortest_text() {
        let mut checked = 0;
        for cents in (-2_000_000i32..7_000_000).step_by(7) {
            #[allow(clippy::cast_precision_loss)]
            let v = cents as f32 / 100.0;
            assert_eq!(wire_price(v), shortest(v), "{v}");
            checked += 1;
        }
        for units in (0..5_120_000i32).step_by(13) {
            #[allow(clippy::cast_precision_loss)]
            let v = units as f32 / 10_000.0;
            assert_eq!(
                wire_price(v).value().to_string(),
                shortest(v).value().to_string(),
                "{v}"
            );
        }
        for bits in (0..u32::MAX).step_by(65_537) {
            let v = f32::from_bits(bits);
            if v.is_finite() && v.abs() < 1e20 {
                assert_eq!(
                    wire_price(v).value().to_string(),
                    shortest(v).value().to_string(),
                    "{v}"
                );
            }
        }
        assert!(checked > 1_000_000);
    }
}
