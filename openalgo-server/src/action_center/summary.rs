//! What a queued request is, read from its stored JSON body: the columns of the Action Center
//! table and its buy/sell statistics. The body was validated when it was queued (and is
//! validated again when approved), so a missing field only shows as empty.

use serde_json::{Value, json};

use crate::store::PendingOrderRow;

/// A field as text (strings as they are, numbers printed).
fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The request's legs: a basket's `orders`, a multi-leg option order's `legs`, or the request.
fn legs(body: &Value) -> Vec<&Value> {
    ["orders", "legs"]
        .iter()
        .find_map(|k| body[*k].as_array())
        .map_or_else(|| vec![body], |a| a.iter().collect())
}

/// The table columns of a queued request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The strategy tag.
    pub strategy: String,
    /// The symbol (the underlying for option orders; `+N` when there are more legs).
    pub symbol: String,
    /// The exchange.
    pub exchange: String,
    /// BUY or SELL (`MIXED` across legs).
    pub action: String,
    /// The quantity (summed over legs).
    pub quantity: String,
    /// The price.
    pub price: String,
    /// The price type.
    pub pricetype: String,
    /// The product.
    pub product: String,
}

impl Summary {
    /// The summary of a stored body.
    #[must_use]
    pub fn of(body: &Value) -> Self {
        let legs = legs(body);
        let first = legs.first().copied().unwrap_or(body);
        let pick = |key: &str| {
            let top = text(body, key);
            if top.is_empty() {
                text(first, key)
            } else {
                top
            }
        };
        let mut symbol = text(body, "underlying");
        if symbol.is_empty() {
            symbol = text(first, "symbol");
        }
        if legs.len() > 1 {
            symbol = format!("{symbol} +{}", legs.len() - 1);
        }
        let actions: Vec<String> = legs
            .iter()
            .map(|l| text(l, "action").to_uppercase())
            .collect();
        let action = match actions.first() {
            Some(a) if actions.iter().all(|x| x == a) => a.clone(),
            Some(_) => "MIXED".into(),
            None => String::new(),
        };
        let quantity: Option<u64> = legs
            .iter()
            .map(|l| text(l, "quantity").parse::<u64>().ok())
            .sum();
        Self {
            strategy: text(body, "strategy"),
            symbol,
            exchange: pick("exchange"),
            action,
            quantity: quantity.map_or_else(|| pick("quantity"), |q| q.to_string()),
            price: pick("price"),
            pricetype: pick("pricetype"),
            product: pick("product"),
        }
    }
}

/// A row as the Action Center's JSON API shows it.
#[must_use]
pub fn row_json(row: &PendingOrderRow) -> Value {
    let body: Value = serde_json::from_str(&row.order_data).unwrap_or(Value::Null);
    let s = Summary::of(&body);
    let ist = |ms: i64| {
        openalgo_core::clock::ist_from_ms(ms)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    json!({
        "id": row.id,
        "api_type": row.api_type.as_str(),
        "status": row.status.as_str(),
        "created_at": ist(row.created_ms),
        "strategy": s.strategy,
        "symbol": s.symbol,
        "exchange": s.exchange,
        "action": s.action,
        "quantity": s.quantity,
        "price": s.price,
        "pricetype": s.pricetype,
        "product": s.product,
        "order_data": body,
        "decided_at": row.decided_ms.map(ist),
        "decided_by": row.decided_by,
        "rejected_reason": row.rejected_reason,
        "broker_order_id": row.broker_order_id,
        "broker_status": row.broker_status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_order_reads_its_own_fields() {
        let s = Summary::of(
            &json!({"strategy": "s1", "symbol": "SBIN", "exchange": "NSE",
            "action": "buy", "quantity": "10", "pricetype": "LIMIT", "price": 812.5, "product": "MIS"}),
        );
        assert_eq!(
            (
                s.symbol.as_str(),
                s.action.as_str(),
                s.quantity.as_str(),
                s.price.as_str()
            ),
            ("SBIN", "BUY", "10", "812.5")
        );
    }

    #[test]
    fn a_basket_sums_its_legs_and_names_the_first() {
        let s = Summary::of(&json!({"strategy": "b", "orders": [
            {"symbol": "SBIN", "exchange": "NSE", "action": "BUY", "quantity": 2, "pricetype": "MARKET", "product": "MIS"},
            {"symbol": "INFY", "exchange": "NSE", "action": "SELL", "quantity": "3", "pricetype": "MARKET", "product": "MIS"}]}));
        assert_eq!(
            (
                s.symbol.as_str(),
                s.action.as_str(),
                s.quantity.as_str(),
                s.exchange.as_str()
            ),
            ("SBIN +1", "MIXED", "5", "NSE")
        );
    }

    #[test]
    fn an_option_order_shows_its_underlying() {
        let s = Summary::of(&json!({"underlying": "NIFTY", "exchange": "NSE_INDEX",
            "action": "SELL", "quantity": 75, "offset": "ATM", "option_type": "CE"}));
        assert_eq!((s.symbol.as_str(), s.quantity.as_str()), ("NIFTY", "75"));
    }
}
