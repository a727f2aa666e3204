//! Kite's GTT triggers (`/gtt/triggers`): a `single` or `two-leg` trigger posted as the form
//! fields `type`, `condition` (JSON: exchange, tradingsymbol, trigger_values, last_price) and
//! `orders` (JSON: one order per trigger value), and the trigger list mapped to the GTT book
//! (trigger prices ascending, legs in the same order).

use openalgo_core::money::{decimal_to_f64, serde_decimal};
use openalgo_core::{
    Action, BrokerError, GttKind, GttLegOrder, GttRecord, GttRequest, GttState, GttTriggers,
    Instrument, Price, PriceType, Quantity, SymbolTable, TriggerId,
};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::http::Form;
use super::mapping::{parse_kite_time, product_from_kite, resolve};

/// `data` of a GTT command: the trigger id.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteTriggerId {
    pub(crate) trigger_id: u64,
}

/// `condition` of a trigger.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteCondition {
    pub(crate) exchange: String,
    pub(crate) tradingsymbol: String,
    #[serde(default)]
    pub(crate) trigger_values: Vec<KiteNumber>,
    #[serde(default, with = "serde_decimal")]
    pub(crate) last_price: Decimal,
}

/// A price inside a list.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteNumber(#[serde(with = "serde_decimal")] pub(crate) Decimal);

/// One order of a trigger.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteGttOrder {
    pub(crate) transaction_type: String,
    pub(crate) quantity: u64,
    pub(crate) order_type: String,
    pub(crate) product: String,
    #[serde(default, with = "serde_decimal")]
    pub(crate) price: Decimal,
}

/// One trigger of `GET /gtt/triggers`.
#[derive(Debug, Deserialize)]
pub(crate) struct KiteGtt {
    pub(crate) id: u64,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) created_at: Option<String>,
    pub(crate) updated_at: Option<String>,
    pub(crate) expires_at: Option<String>,
    pub(crate) condition: KiteCondition,
    #[serde(default)]
    pub(crate) orders: Vec<KiteGttOrder>,
}

fn decode(what: &str, value: &str) -> BrokerError {
    BrokerError::Decode(format!("unexpected {what} '{value}' from Zerodha"))
}

/// Kite's trigger status in the book's vocabulary (`deleted` is a cancelled trigger).
fn state(status: &str) -> Result<GttState, BrokerError> {
    Ok(match status {
        "active" => GttState::Active,
        "triggered" => GttState::Triggered,
        "disabled" => GttState::Disabled,
        "expired" => GttState::Expired,
        "cancelled" | "deleted" => GttState::Cancelled,
        "rejected" => GttState::Rejected,
        other => return Err(decode("GTT status", other)),
    })
}

/// The form of `POST /gtt/triggers` and `PUT /gtt/triggers/{id}`.
pub(crate) fn trigger_form(request: &GttRequest, record: &Instrument, last_price: Price) -> Form {
    let leg = |price: Price| {
        let price = if request.price_type == PriceType::Market {
            Decimal::ZERO
        } else {
            price.value()
        };
        json!({
            "exchange": record.broker_exchange,
            "tradingsymbol": record.broker_symbol.as_str(),
            "transaction_type": request.action.as_str(),
            "quantity": request.quantity.get(),
            "order_type": request.price_type.as_str(),
            "product": request.product.as_str(),
            "price": decimal_to_f64(price),
        })
    };
    let (kind, triggers, orders) = match request.triggers {
        GttTriggers::Single { trigger, price, .. } => ("single", vec![trigger], vec![leg(price)]),
        GttTriggers::Oco {
            stoploss_trigger,
            stoploss_price,
            target_trigger,
            target_price,
        } => (
            "two-leg",
            vec![stoploss_trigger, target_trigger],
            vec![leg(stoploss_price), leg(target_price)],
        ),
    };
    let condition = json!({
        "exchange": record.broker_exchange,
        "tradingsymbol": record.broker_symbol.as_str(),
        "trigger_values": triggers.iter().map(|t| decimal_to_f64(t.value())).collect::<Vec<_>>(),
        "last_price": decimal_to_f64(last_price.value()),
    });
    vec![
        ("type", kind.to_owned()),
        ("condition", condition.to_string()),
        ("orders", Value::Array(orders).to_string()),
    ]
}

pub(crate) fn trigger_id(data: &KiteTriggerId) -> Result<TriggerId, BrokerError> {
    TriggerId::new(data.trigger_id.to_string()).map_err(|e| BrokerError::Decode(e.0))
}

/// One Kite trigger as a GTT book record.
pub(crate) fn record_from_kite(
    g: &KiteGtt,
    symbols: &SymbolTable,
) -> Result<GttRecord, BrokerError> {
    let kind = match g.kind.as_str() {
        "single" => GttKind::Single,
        "two-leg" => GttKind::TwoLeg,
        other => return Err(decode("GTT type", other)),
    };
    let instrument = resolve(symbols, &g.condition.tradingsymbol, &g.condition.exchange)?;
    let mut legs = Vec::with_capacity(g.orders.len());
    for (value, o) in g.condition.trigger_values.iter().zip(&g.orders) {
        let action = match o.transaction_type.as_str() {
            "BUY" => Action::Buy,
            "SELL" => Action::Sell,
            other => return Err(decode("transaction_type", other)),
        };
        let leg = GttLegOrder {
            action,
            quantity: Quantity::new(o.quantity),
            price: Price::new(o.price),
            price_type: o
                .order_type
                .parse()
                .map_err(|_| decode("order_type", &o.order_type))?,
            product: product_from_kite(&o.product).ok_or_else(|| decode("product", &o.product))?,
        };
        legs.push((value.0, leg));
    }
    legs.sort_by_key(|(v, _)| *v);
    let time = |t: &Option<String>| t.as_deref().and_then(parse_kite_time);
    Ok(GttRecord {
        trigger_id: TriggerId::new(g.id.to_string()).map_err(|e| BrokerError::Decode(e.0))?,
        kind,
        state: state(&g.status)?,
        instrument,
        trigger_prices: legs.iter().map(|(v, _)| Price::new(*v)).collect(),
        last_price: Price::new(g.condition.last_price),
        legs: legs.into_iter().map(|(_, l)| l).collect(),
        created_at: time(&g.created_at),
        updated_at: time(&g.updated_at),
        expires_at: time(&g.expires_at),
        strategy: None,
        margin_blocked: None,
    })
}
