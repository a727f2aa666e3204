//! SmartStream v2's binary format: one little-endian packet per instrument per frame — LTP
//! (51 bytes), QUOTE (123) and SNAP_QUOTE (379, with best-five depth). Prices are integers in
//! paise (÷100), except on the currency segment (`cde_fo`, exchange type 13: ÷10⁷). Decoding is
//! allocation-free; [`RawTick::to_tick`] converts to the core [`Tick`].

use openalgo_core::broker::DepthLevel;
use openalgo_core::market::{MarketDepth, QuoteFields, Tick, TickData};
use openalgo_core::{InstrumentKey, Price};
use rust_decimal::Decimal;

/// Subscription mode byte: LTP.
pub const MODE_LTP: u8 = 1;
/// Subscription mode byte: QUOTE.
pub const MODE_QUOTE: u8 = 2;
/// Subscription mode byte: SNAP_QUOTE (quote + best five).
pub const MODE_SNAP_QUOTE: u8 = 3;

/// Packet length of an LTP packet.
pub const LTP_LEN: usize = 51;
/// Packet length of a QUOTE packet.
pub const QUOTE_LEN: usize = 123;
/// Packet length of a SNAP_QUOTE packet.
pub const SNAP_QUOTE_LEN: usize = 379;
/// Bytes of the NUL-padded token field (offsets 2..27).
pub const TOKEN_LEN: usize = 25;

/// SmartStream exchange types.
pub mod exchange_type {
    /// NSE cash (and NSE indices).
    pub const NSE_CM: u8 = 1;
    /// NSE F&O.
    pub const NSE_FO: u8 = 2;
    /// BSE cash (and BSE indices).
    pub const BSE_CM: u8 = 3;
    /// BSE F&O.
    pub const BSE_FO: u8 = 4;
    /// MCX F&O.
    pub const MCX_FO: u8 = 5;
    /// NCX F&O.
    pub const NCX_FO: u8 = 7;
    /// Currency derivatives.
    pub const CDE_FO: u8 = 13;
}

/// One best-five entry as sent: `flag` 1 = buy, 0 = sell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawLevel {
    /// 1 for a bid, 0 for an offer.
    pub flag: u16,
    /// Quantity.
    pub quantity: i64,
    /// Price, scaled.
    pub price: i64,
    /// Number of orders.
    pub orders: u16,
}

/// A decoded packet with SmartStream's integers (prices still scaled).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawTick {
    /// Mode byte (1 LTP, 2 QUOTE, 3 SNAP_QUOTE).
    pub mode: u8,
    /// Exchange type byte.
    pub exchange_type: u8,
    /// Token bytes, NUL-padded.
    pub token: [u8; TOKEN_LEN],
    /// Sequence number.
    pub sequence: i64,
    /// Exchange timestamp, epoch milliseconds.
    pub exchange_timestamp: i64,
    /// Last traded price.
    pub ltp: i64,
    /// Last traded quantity.
    pub last_quantity: i64,
    /// Average traded price.
    pub average_price: i64,
    /// Volume today.
    pub volume: i64,
    /// Total buy quantity (a float on the wire).
    pub total_buy: f64,
    /// Total sell quantity (a float on the wire).
    pub total_sell: f64,
    /// Open.
    pub open: i64,
    /// High.
    pub high: i64,
    /// Low.
    pub low: i64,
    /// Previous close.
    pub close: i64,
    /// Last traded time, epoch seconds (snap quote).
    pub last_traded_timestamp: i64,
    /// Open interest (snap quote).
    pub oi: i64,
    /// OI change percentage (snap quote).
    pub oi_change_pct: i64,
    /// Best five levels as sent (snap quote).
    pub depth: [RawLevel; 10],
    /// Upper circuit.
    pub upper_circuit: i64,
    /// Lower circuit.
    pub lower_circuit: i64,
    /// 52-week high.
    pub high_52w: i64,
    /// 52-week low.
    pub low_52w: i64,
}

impl Default for RawTick {
    fn default() -> Self {
        Self {
            mode: MODE_LTP,
            exchange_type: exchange_type::NSE_CM,
            token: [0; TOKEN_LEN],
            sequence: 0,
            exchange_timestamp: 0,
            ltp: 0,
            last_quantity: 0,
            average_price: 0,
            volume: 0,
            total_buy: 0.0,
            total_sell: 0.0,
            open: 0,
            high: 0,
            low: 0,
            close: 0,
            last_traded_timestamp: 0,
            oi: 0,
            oi_change_pct: 0,
            depth: [RawLevel::default(); 10],
            upper_circuit: 0,
            lower_circuit: 0,
            high_52w: 0,
            low_52w: 0,
        }
    }
}

/// Decimal places of an exchange type's prices: currency ÷10⁷, everything else ÷100.
#[must_use]
pub const fn price_scale(exchange_type: u8) -> u32 {
    if exchange_type == exchange_type::CDE_FO {
        7
    } else {
        2
    }
}

/// Packet length of a mode byte.
#[must_use]
pub const fn packet_len(mode: u8) -> Option<usize> {
    match mode {
        MODE_LTP => Some(LTP_LEN),
        MODE_QUOTE => Some(QUOTE_LEN),
        MODE_SNAP_QUOTE => Some(SNAP_QUOTE_LEN),
        _ => None,
    }
}

#[inline]
fn i64_at(b: &[u8], at: usize) -> i64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    i64::from_le_bytes(w)
}

#[inline]
fn f64_at(b: &[u8], at: usize) -> f64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    f64::from_le_bytes(w)
}

#[inline]
fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// Decodes one binary frame (one packet); `None` for an unknown mode (e.g. depth-20) or a
/// frame shorter than its mode's packet.
#[must_use]
#[inline]
pub fn decode_packet(p: &[u8]) -> Option<RawTick> {
    let mode = *p.first()?;
    let len = packet_len(mode)?;
    if p.len() < len {
        return None;
    }
    let mut t = RawTick {
        mode,
        exchange_type: p[1],
        sequence: i64_at(p, 27),
        exchange_timestamp: i64_at(p, 35),
        ltp: i64_at(p, 43),
        ..RawTick::default()
    };
    t.token.copy_from_slice(&p[2..27]);
    if mode >= MODE_QUOTE {
        t.last_quantity = i64_at(p, 51);
        t.average_price = i64_at(p, 59);
        t.volume = i64_at(p, 67);
        t.total_buy = f64_at(p, 75);
        t.total_sell = f64_at(p, 83);
        t.open = i64_at(p, 91);
        t.high = i64_at(p, 99);
        t.low = i64_at(p, 107);
        t.close = i64_at(p, 115);
    }
    if mode == MODE_SNAP_QUOTE {
        t.last_traded_timestamp = i64_at(p, 123);
        t.oi = i64_at(p, 131);
        t.oi_change_pct = i64_at(p, 139);
        for (i, level) in t.depth.iter_mut().enumerate() {
            let at = 147 + i * 20;
            *level = RawLevel {
                flag: u16_at(p, at),
                quantity: i64_at(p, at + 2),
                price: i64_at(p, at + 10),
                orders: u16_at(p, at + 18),
            };
        }
        t.upper_circuit = i64_at(p, 347);
        t.lower_circuit = i64_at(p, 355);
        t.high_52w = i64_at(p, 363);
        t.low_52w = i64_at(p, 371);
    }
    Some(t)
}

/// Encodes a packet in its mode's layout (for the mock and tests).
#[must_use]
pub fn encode_packet(t: &RawTick) -> Vec<u8> {
    let len = packet_len(t.mode).unwrap_or(LTP_LEN);
    let mut out = Vec::with_capacity(len);
    out.push(t.mode);
    out.push(t.exchange_type);
    out.extend_from_slice(&t.token);
    for v in [t.sequence, t.exchange_timestamp, t.ltp] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    if len >= QUOTE_LEN {
        for v in [t.last_quantity, t.average_price, t.volume] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&t.total_buy.to_le_bytes());
        out.extend_from_slice(&t.total_sell.to_le_bytes());
        for v in [t.open, t.high, t.low, t.close] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    if len == SNAP_QUOTE_LEN {
        for v in [t.last_traded_timestamp, t.oi, t.oi_change_pct] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for l in &t.depth {
            out.extend_from_slice(&l.flag.to_le_bytes());
            out.extend_from_slice(&l.quantity.to_le_bytes());
            out.extend_from_slice(&l.price.to_le_bytes());
            out.extend_from_slice(&l.orders.to_le_bytes());
        }
        for v in [t.upper_circuit, t.lower_circuit, t.high_52w, t.low_52w] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// A token as the NUL-padded field (longer tokens are cut at 25 bytes).
#[must_use]
pub fn token_field(token: &str) -> [u8; TOKEN_LEN] {
    let mut out = [0u8; TOKEN_LEN];
    for (slot, b) in out.iter_mut().zip(token.bytes()) {
        *slot = b;
    }
    out
}

fn quantity(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 {
        // Quantities, not money: whole units sent as a float.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let q = v.round() as u64;
        q
    } else {
        0
    }
}

impl RawTick {
    /// The token text (up to the first NUL).
    #[must_use]
    pub fn token(&self) -> &str {
        let end = self.token.iter().position(|b| *b == 0).unwrap_or(TOKEN_LEN);
        std::str::from_utf8(&self.token[..end]).unwrap_or_default()
    }

    /// A scaled integer price of this packet's segment as a [`Price`].
    #[must_use]
    pub fn price(&self, raw: i64) -> Price {
        Price::new(Decimal::new(raw, price_scale(self.exchange_type)))
    }

    /// The core tick for `instrument`; `now_ms` stamps packets without an exchange time.
    #[must_use]
    pub fn to_tick(&self, instrument: InstrumentKey, now_ms: i64) -> Tick {
        let unsigned = |v: i64| u64::try_from(v).unwrap_or(0);
        let quote = || QuoteFields {
            open: self.price(self.open),
            high: self.price(self.high),
            low: self.price(self.low),
            close: self.price(self.close),
            volume: unsigned(self.volume),
            average_price: self.price(self.average_price),
            last_quantity: unsigned(self.last_quantity),
            total_buy_quantity: quantity(self.total_buy),
            total_sell_quantity: quantity(self.total_sell),
            oi: unsigned(self.oi),
        };
        let data = match self.mode {
            MODE_QUOTE => TickData::Quote(quote()),
            MODE_SNAP_QUOTE => {
                let level = |l: &RawLevel| DepthLevel {
                    price: self.price(l.price),
                    quantity: unsigned(l.quantity),
                    orders: u32::from(l.orders),
                };
                TickData::Depth(
                    quote(),
                    MarketDepth {
                        buy: self
                            .depth
                            .iter()
                            .filter(|l| l.flag == 1)
                            .map(level)
                            .collect(),
                        sell: self
                            .depth
                            .iter()
                            .filter(|l| l.flag == 0)
                            .map(level)
                            .collect(),
                    },
                )
            }
            _ => TickData::Ltp,
        };
        Tick {
            instrument,
            ltp: self.price(self.ltp),
            ltt_ms: (self.last_traded_timestamp > 0)
                .then(|| self.last_traded_timestamp.saturating_mul(1000)),
            timestamp_ms: if self.exchange_timestamp > 0 {
                self.exchange_timestamp
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
    use openalgo_core::market::SubscriptionMode;
    use openalgo_core::{Exchange, Symbol};
    use rust_decimal_macros::dec;

    fn hex(text: &str) -> Vec<u8> {
        let t: String = text.split_whitespace().collect();
        (0..t.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&t[i..i + 2], 16).unwrap())
            .collect()
    }

    /// An LTP packet written byte by byte from the documented layout: mode 1, nse_cm, token
    /// "3045", sequence 7, exchange time 1 700 000 000 000 ms, LTP 81 235 paise.
    #[test]
    fn documented_ltp_packet() {
        let p = hex(concat!(
            "01 01",
            "33303435 000000000000000000000000000000000000000000",
            "0700000000000000",
            "0068e5cf8b010000",
            "533d010000000000",
        ));
        assert_eq!(p.len(), LTP_LEN);
        let t = decode_packet(&p).unwrap();
        assert_eq!((t.mode, t.exchange_type, t.token()), (1, 1, "3045"));
        assert_eq!(t.sequence, 7);
        assert_eq!(t.exchange_timestamp, 1_700_000_000_000);
        assert_eq!(t.price(t.ltp), Price::new(dec!(812.35)));
        assert_eq!(encode_packet(&t), p);
        let key = InstrumentKey::new(Symbol::new("SBIN").unwrap(), Exchange::Nse);
        let tick = t.to_tick(key, 5);
        assert_eq!(tick.mode(), SubscriptionMode::Ltp);
        assert_eq!(tick.timestamp_ms, 1_700_000_000_000);
    }

    #[test]
    fn quote_offsets() {
        let mut p = vec![0u8; QUOTE_LEN];
        p[0] = MODE_QUOTE;
        p[1] = exchange_type::NSE_FO;
        p[2..7].copy_from_slice(b"43650");
        p[43..51].copy_from_slice(&2_450_055i64.to_le_bytes());
        p[51..59].copy_from_slice(&75i64.to_le_bytes());
        p[67..75].copy_from_slice(&1_234_567i64.to_le_bytes());
        p[75..83].copy_from_slice(&1500.0f64.to_le_bytes());
        p[83..91].copy_from_slice(&2500.0f64.to_le_bytes());
        p[91..99].copy_from_slice(&2_440_000i64.to_le_bytes());
        p[115..123].copy_from_slice(&2_430_025i64.to_le_bytes());
        let t = decode_packet(&p).unwrap();
        assert_eq!(t.token(), "43650");
        let key = InstrumentKey::new(Symbol::new("NIFTY").unwrap(), Exchange::Nfo);
        let tick = t.to_tick(key, 9);
        let q = tick.quote().unwrap();
        assert_eq!(tick.ltp, Price::new(dec!(24500.55)));
        assert_eq!((q.last_quantity, q.volume), (75, 1_234_567));
        assert_eq!((q.total_buy_quantity, q.total_sell_quantity), (1500, 2500));
        assert_eq!(q.open, Price::new(dec!(24400)));
        assert_eq!(q.close, Price::new(dec!(24300.25)));
        assert_eq!(tick.timestamp_ms, 9);
        assert!(decode_packet(&p[..QUOTE_LEN - 1]).is_none());
    }

    #[test]
    fn snap_quote_depth_and_round_trip() {
        let mut t = RawTick {
            mode: MODE_SNAP_QUOTE,
            exchange_type: exchange_type::CDE_FO,
            token: token_field("1159"),
            ltp: 832_525_000,
            last_traded_timestamp: 1_700_000_000,
            oi: 55,
            upper_circuit: 900_000_000,
            low_52w: 1,
            ..RawTick::default()
        };
        for (i, l) in t.depth.iter_mut().enumerate() {
            let k = i64::try_from(i).unwrap();
            *l = RawLevel {
                flag: u16::from(i < 5),
                quantity: 100 + k,
                price: 832_500_000 + k,
                orders: 1 + u16::try_from(i).unwrap(),
            };
        }
        let bytes = encode_packet(&t);
        assert_eq!(bytes.len(), SNAP_QUOTE_LEN);
        assert_eq!(&bytes[147..149], &[1, 0]);
        assert_eq!(&bytes[347..355], &900_000_000i64.to_le_bytes());
        let back = decode_packet(&bytes).unwrap();
        assert_eq!(back, t);
        let key = InstrumentKey::new(Symbol::new("USDINR").unwrap(), Exchange::Cds);
        let tick = back.to_tick(key, 0);
        assert_eq!(tick.ltp, Price::new(dec!(83.2525)));
        let d = tick.depth().unwrap();
        assert_eq!((d.buy.len(), d.sell.len()), (5, 5));
        assert_eq!(d.sell[0].orders, 6);
        assert_eq!(d.buy[0].quantity, 100);
        assert_eq!(tick.ltt_ms, Some(1_700_000_000_000));
        assert_eq!(tick.quote().unwrap().oi, 55);
    }

    #[test]
    fn unknown_modes_and_short_frames() {
        assert!(decode_packet(&[]).is_none());
        assert!(decode_packet(b"pong").is_none());
        let mut p = vec![0u8; 500];
        p[0] = 4;
        assert!(decode_packet(&p).is_none());
        p[0] = MODE_LTP;
        assert!(decode_packet(&p[..50]).is_none());
        assert!(decode_packet(&p).is_some());
        assert_eq!(price_scale(exchange_type::MCX_FO), 2);
    }
}
