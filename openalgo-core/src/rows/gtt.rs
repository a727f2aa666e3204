//! The GTT book's entry (`gttorderbook`, rest-api §3.1.11): trigger prices ascending, legs in
//! the same order, times as `YYYY-MM-DD HH:MM:SS` (empty when the broker gives none); paper
//! accounts add `strategy` and `margin_blocked`.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use super::{round2, wire};
use crate::{Action, Exchange, GttRecord, PriceType, Product};

/// One leg's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GttLegRow {
    /// Side.
    pub action: Action,
    /// Limit price, 2 places (zero for MARKET).
    #[serde(serialize_with = "wire::number")]
    pub price: Decimal,
    /// LIMIT or MARKET.
    pub pricetype: PriceType,
    /// CNC or NRML.
    pub product: Product,
    /// Units.
    pub quantity: u64,
}

fn time_or_blank<S: Serializer>(value: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(t) => wire::timestamp(t, s),
        None => s.serialize_str(""),
    }
}

fn numbers<S: Serializer>(values: &[Decimal], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(values.len()))?;
    for v in values {
        seq.serialize_element(&crate::money::decimal_to_f64(*v))?;
    }
    seq.end()
}

fn optional_number<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => wire::number(v, s),
        None => s.serialize_none(),
    }
}

/// One GTT as `gttorderbook` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GttRow<'a> {
    /// Creation time, or empty.
    #[serde(serialize_with = "time_or_blank")]
    pub created_at: Option<NaiveDateTime>,
    /// OpenAlgo exchange.
    pub exchange: Exchange,
    /// Expiry, or empty.
    #[serde(serialize_with = "time_or_blank")]
    pub expires_at: Option<NaiveDateTime>,
    /// Last price when placed, 2 places.
    #[serde(serialize_with = "wire::number")]
    pub last_price: Decimal,
    /// One order per trigger price.
    pub legs: Vec<GttLegRow>,
    /// Margin reserved (paper accounts only).
    #[serde(
        serialize_with = "optional_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub margin_blocked: Option<Decimal>,
    /// `active`, `triggered`, ...
    pub status: &'static str,
    /// Strategy tag (paper accounts only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<&'a str>,
    /// OpenAlgo symbol.
    pub symbol: &'a str,
    /// Trigger id.
    pub trigger_id: &'a str,
    /// Trigger prices, ascending, 2 places.
    #[serde(serialize_with = "numbers")]
    pub trigger_prices: Vec<Decimal>,
    /// `single` or `two-leg`.
    pub trigger_type: &'static str,
    /// Last change, or empty.
    #[serde(serialize_with = "time_or_blank")]
    pub updated_at: Option<NaiveDateTime>,
}

impl<'a> From<&'a GttRecord> for GttRow<'a> {
    fn from(g: &'a GttRecord) -> Self {
        Self {
            created_at: g.created_at,
            exchange: g.instrument.exchange,
            expires_at: g.expires_at,
            last_price: round2(g.last_price.value()),
            legs: g
                .legs
                .iter()
                .map(|l| GttLegRow {
                    action: l.action,
                    price: if l.price_type == PriceType::Market {
                        Decimal::ZERO
                    } else {
                        round2(l.price.value())
                    },
                    pricetype: l.price_type,
                    product: l.product,
                    quantity: l.quantity.get(),
                })
                .collect(),
            margin_blocked: g.margin_blocked.map(round2),
            status: g.state.as_str(),
            strategy: g.strategy.as_ref().map(crate::StrategyTag::as_str),
            symbol: g.instrument.symbol.as_str(),
            trigger_id: g.trigger_id.as_str(),
            trigger_prices: g.trigger_prices.iter().map(|p| round2(p.value())).collect(),
            trigger_type: g.kind.as_str(),
            updated_at: g.updated_at,
        }
    }
}
