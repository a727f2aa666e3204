//! Order-update events and their 18-key wire message (websocket.md §5.3).

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::broker::InstrumentKey;
use crate::{Action, OrderId, OrderStatus, Price, PriceType, Product, Quantity};

/// Whether an update comes from a live broker or from the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TradingMode {
    /// Live broker.
    Live,
    /// Analyzer / sandbox.
    Analyze,
}

impl TradingMode {
    /// Wire string (`live`, `analyze`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Analyze => "analyze",
        }
    }
}

/// A change to one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderUpdate {
    /// Order id.
    pub order_id: OrderId,
    /// Instrument.
    pub instrument: InstrumentKey,
    /// Side.
    pub action: Action,
    /// Ordered units.
    pub quantity: Quantity,
    /// Limit price (zero when none).
    pub price: Price,
    /// Trigger (zero when none).
    pub trigger_price: Price,
    /// Price type.
    pub price_type: PriceType,
    /// Product.
    pub product: Product,
    /// New status.
    pub status: OrderStatus,
    /// Filled units.
    pub filled_quantity: Quantity,
    /// Average fill price (zero until filled).
    pub average_price: Price,
    /// Rejection reason (empty unless rejected).
    pub rejection_reason: String,
}

impl OrderUpdate {
    /// The wire message for a user, mode and broker.
    #[must_use]
    pub const fn message<'a>(
        &'a self,
        user_id: &'a str,
        mode: TradingMode,
        broker: &'a str,
    ) -> OrderUpdateMessage<'a> {
        OrderUpdateMessage {
            update: self,
            user_id,
            mode,
            broker,
        }
    }
}

/// Serialises an [`OrderUpdate`] with all 18 keys in the reference's order.
#[derive(Debug, Clone, Copy)]
pub struct OrderUpdateMessage<'a> {
    update: &'a OrderUpdate,
    user_id: &'a str,
    mode: TradingMode,
    broker: &'a str,
}

impl Serialize for OrderUpdateMessage<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let u = self.update;
        let mut m = serializer.serialize_map(Some(18))?;
        m.serialize_entry("type", "order_update")?;
        m.serialize_entry("user_id", self.user_id)?;
        m.serialize_entry("mode", self.mode.as_str())?;
        m.serialize_entry("broker", self.broker)?;
        m.serialize_entry("orderid", &u.order_id)?;
        m.serialize_entry("symbol", u.instrument.symbol.as_str())?;
        m.serialize_entry("exchange", &u.instrument.exchange)?;
        m.serialize_entry("action", &u.action)?;
        m.serialize_entry("quantity", &u.quantity)?;
        m.serialize_entry("price", &u.price)?;
        m.serialize_entry("trigger_price", &u.trigger_price)?;
        m.serialize_entry("pricetype", &u.price_type)?;
        m.serialize_entry("product", &u.product)?;
        m.serialize_entry("order_status", &u.status)?;
        m.serialize_entry("filled_quantity", &u.filled_quantity)?;
        m.serialize_entry(
            "pending_quantity",
            &u.quantity.get().saturating_sub(u.filled_quantity.get()),
        )?;
        m.serialize_entry("average_price", &u.average_price)?;
        m.serialize_entry("rejection_reason", &u.rejection_reason)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Exchange, Symbol};
    use rust_decimal_macros::dec;

    #[test]
    fn eighteen_keys_in_order() {
        let u = OrderUpdate {
            order_id: OrderId::new("26071590395364").unwrap(),
            instrument: InstrumentKey::new(Symbol::new("NIFTY25AUG26FUT").unwrap(), Exchange::Nfo),
            action: Action::Buy,
            quantity: Quantity::new(65),
            price: Price::new(dec!(24077.8)),
            trigger_price: Price::ZERO,
            price_type: PriceType::Market,
            product: Product::Nrml,
            status: OrderStatus::Complete,
            filled_quantity: Quantity::new(65),
            average_price: Price::new(dec!(24077.8)),
            rejection_reason: String::new(),
        };
        let text = serde_json::to_string(&u.message("rajandran", TradingMode::Analyze, "sandbox"))
            .unwrap();
        assert_eq!(
            text,
            r#"{"type":"order_update","user_id":"rajandran","mode":"analyze","broker":"sandbox","orderid":"26071590395364","symbol":"NIFTY25AUG26FUT","exchange":"NFO","action":"BUY","quantity":65,"price":24077.8,"trigger_price":0.0,"pricetype":"MARKET","product":"NRML","order_status":"complete","filled_quantity":65,"pending_quantity":0,"average_price":24077.8,"rejection_reason":""}"#
        );
    }
}
