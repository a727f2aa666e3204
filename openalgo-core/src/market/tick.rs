//! Market-data ticks and their WebSocket JSON (websocket.md §2.10 and §4.4).

use rust_decimal::Decimal;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::SubscriptionMode;
use crate::Price;
use crate::broker::{DepthLevel, InstrumentKey};
use crate::money::decimal_to_f64;

/// The day statistics carried by Quote and Depth ticks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuoteFields {
    /// Day open.
    pub open: Price,
    /// Day high.
    pub high: Price,
    /// Day low.
    pub low: Price,
    /// Previous session's close (the feeds call it `close`).
    pub close: Price,
    /// Day volume.
    pub volume: u64,
    /// Volume-weighted average price.
    pub average_price: Price,
    /// Last traded quantity.
    pub last_quantity: u64,
    /// Total bid quantity.
    pub total_buy_quantity: u64,
    /// Total ask quantity.
    pub total_sell_quantity: u64,
    /// Open interest.
    pub oi: u64,
}

/// Order-book levels, best first; 5 levels usually, 20 or 30 where brokers provide them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MarketDepth {
    /// Bids.
    pub buy: Vec<DepthLevel>,
    /// Asks.
    pub sell: Vec<DepthLevel>,
}

/// What a tick carries beyond the last price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TickData {
    /// Only the last price.
    Ltp,
    /// Last price and day statistics.
    Quote(QuoteFields),
    /// Day statistics and depth.
    Depth(QuoteFields, MarketDepth),
}

/// One market-data update for one instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    /// Instrument, in OpenAlgo terms.
    pub instrument: InstrumentKey,
    /// Last traded price.
    pub ltp: Price,
    /// Exchange last-trade time, epoch milliseconds, when known.
    pub ltt_ms: Option<i64>,
    /// When the tick was received or generated, epoch milliseconds.
    pub timestamp_ms: i64,
    /// Mode-specific content.
    pub data: TickData,
}

impl Tick {
    /// The mode this tick satisfies (and every lower mode).
    #[must_use]
    pub const fn mode(&self) -> SubscriptionMode {
        match self.data {
            TickData::Ltp => SubscriptionMode::Ltp,
            TickData::Quote(_) => SubscriptionMode::Quote,
            TickData::Depth(..) => SubscriptionMode::Depth,
        }
    }

    /// Day statistics, for Quote and Depth ticks.
    #[must_use]
    pub const fn quote(&self) -> Option<&QuoteFields> {
        match &self.data {
            TickData::Ltp => None,
            TickData::Quote(q) | TickData::Depth(q, _) => Some(q),
        }
    }

    /// Depth, for Depth ticks.
    #[must_use]
    pub const fn depth(&self) -> Option<&MarketDepth> {
        match &self.data {
            TickData::Depth(_, d) => Some(d),
            _ => None,
        }
    }

    /// The `data` object of a `market_data` message.
    #[must_use]
    pub const fn payload(&self) -> TickPayload<'_> {
        TickPayload(self)
    }

    /// The full client message, tagged with the mode the receiving client subscribed at.
    #[must_use]
    pub const fn message<'a>(
        &'a self,
        client_mode: SubscriptionMode,
        broker: &'a str,
    ) -> MarketDataMessage<'a> {
        MarketDataMessage {
            tick: self,
            client_mode,
            broker,
        }
    }
}

/// Serialises a tick as the adapter payload (`data`).
#[derive(Debug, Clone, Copy)]
pub struct TickPayload<'a>(&'a Tick);

fn f(p: Price) -> f64 {
    p.to_f64()
}

impl Serialize for TickPayload<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("symbol", t.instrument.symbol.as_str())?;
        m.serialize_entry("exchange", &t.instrument.exchange)?;
        m.serialize_entry("mode", &t.mode().code())?;
        m.serialize_entry("ltp", &f(t.ltp))?;
        if let Some(ltt) = t.ltt_ms {
            m.serialize_entry("ltt", &ltt)?;
        }
        m.serialize_entry("timestamp", &t.timestamp_ms)?;
        if let Some(q) = t.quote() {
            m.serialize_entry("open", &f(q.open))?;
            m.serialize_entry("high", &f(q.high))?;
            m.serialize_entry("low", &f(q.low))?;
            m.serialize_entry("close", &f(q.close))?;
            m.serialize_entry("volume", &q.volume)?;
            m.serialize_entry("average_price", &f(q.average_price))?;
            m.serialize_entry("last_quantity", &q.last_quantity)?;
            m.serialize_entry("total_buy_quantity", &q.total_buy_quantity)?;
            m.serialize_entry("total_sell_quantity", &q.total_sell_quantity)?;
            m.serialize_entry("oi", &q.oi)?;
            if q.close.is_positive() {
                let change = t.ltp.value() - q.close.value();
                let percent = (change * Decimal::ONE_HUNDRED / q.close.value()).round_dp(2);
                m.serialize_entry("change", &decimal_to_f64(change))?;
                m.serialize_entry("change_percent", &decimal_to_f64(percent))?;
            }
        }
        if let Some(d) = t.depth() {
            m.serialize_entry("depth", d)?;
        }
        m.end()
    }
}

/// The `market_data` envelope sent to a WebSocket client (key order as the reference).
#[derive(Debug, Clone, Copy)]
pub struct MarketDataMessage<'a> {
    tick: &'a Tick,
    client_mode: SubscriptionMode,
    broker: &'a str,
}

impl Serialize for MarketDataMessage<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(6))?;
        m.serialize_entry("type", "market_data")?;
        m.serialize_entry("symbol", self.tick.instrument.symbol.as_str())?;
        m.serialize_entry("exchange", &self.tick.instrument.exchange)?;
        m.serialize_entry("mode", &self.client_mode.code())?;
        m.serialize_entry("data", &self.tick.payload())?;
        m.serialize_entry("broker", self.broker)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Exchange, Symbol};
    use rust_decimal_macros::dec;
    use serde_json::json;

    fn key() -> InstrumentKey {
        InstrumentKey::new(Symbol::new("RELIANCE").unwrap(), Exchange::Nse)
    }

    #[test]
    fn ltp_message() {
        let t = Tick {
            instrument: key(),
            ltp: Price::new(dec!(1424.5)),
            ltt_ms: Some(1_712_572_800_123),
            timestamp_ms: 1_712_572_800_456,
            data: TickData::Ltp,
        };
        let v = serde_json::to_value(t.message(SubscriptionMode::Ltp, "simulator")).unwrap();
        assert_eq!(
            v,
            json!({"type":"market_data","symbol":"RELIANCE","exchange":"NSE","mode":1,
                "data":{"symbol":"RELIANCE","exchange":"NSE","mode":1,"ltp":1424.5,
                        "ltt":1_712_572_800_123_i64,"timestamp":1_712_572_800_456_i64},
                "broker":"simulator"})
        );
        let text = serde_json::to_string(&t.message(SubscriptionMode::Ltp, "x")).unwrap();
        assert!(text.starts_with("{\"type\":\"market_data\",\"symbol\":\"RELIANCE\""));
    }

    #[test]
    fn depth_payload_has_quote_fields_and_levels() {
        let level = |p: i64, q: u64| DepthLevel {
            price: Price::from_paise(p),
            quantity: q,
            orders: 3,
        };
        let q = QuoteFields {
            open: Price::new(dec!(1415)),
            high: Price::new(dec!(1432.5)),
            low: Price::new(dec!(1408)),
            close: Price::new(dec!(1400)),
            volume: 5_234_567,
            average_price: Price::new(dec!(1420.12)),
            last_quantity: 10,
            total_buy_quantity: 591_351,
            total_sell_quantity: 835_701,
            oi: 0,
        };
        let t = Tick {
            instrument: key(),
            ltp: Price::new(dec!(1424.5)),
            ltt_ms: None,
            timestamp_ms: 1,
            data: TickData::Depth(
                q,
                MarketDepth {
                    buy: vec![level(142_445, 886)],
                    sell: vec![level(142_450, 767)],
                },
            ),
        };
        let v = serde_json::to_value(t.message(SubscriptionMode::Quote, "zerodha")).unwrap();
        assert_eq!(v["mode"], json!(2));
        assert_eq!(v["data"]["mode"], json!(3));
        assert_eq!(v["data"]["close"], json!(1400.0));
        assert_eq!(v["data"]["change"], json!(24.5));
        assert_eq!(v["data"]["change_percent"], json!(1.75));
        assert_eq!(
            v["data"]["depth"],
            json!({"buy":[{"price":1424.45,"quantity":886,"orders":3}],
                   "sell":[{"price":1424.5,"quantity":767,"orders":3}]})
        );
        assert!(v["data"].get("ltt").is_none());
    }
}
